"""Held-out sets of exercise 16: secret-seeded variations of its public data (see `grader.heldout_sets`)."""

from __future__ import annotations

import numpy as np

from keras_course.exercises import ex16_review_sentiment as ex16
from keras_course.projects.reviews import draw_long_reviews


def long_reviews_16(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Fresh secret-seeded reviews from the project's generator: in no file the student can read."""
    texts, labels = draw_long_reviews(rng, ex16.HELDOUT_SIZE)
    return np.array(texts, dtype=str), labels
