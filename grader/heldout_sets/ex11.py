"""Held-out sets of exercise 11: secret-seeded variations of its public data (see `grader.heldout_sets`)."""

from __future__ import annotations

import numpy as np

from keras_course.corpus import draw_reviews
from keras_course.exercises import ex11_text_and_embeddings as ex11


def review_sentences_11(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Fresh secret-seeded sentences from the course's generator: not in any file the student can read."""
    texts, labels = draw_reviews(rng, ex11.HELDOUT_SIZE)
    return np.array(texts, dtype=str), labels
