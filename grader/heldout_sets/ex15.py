"""Held-out sets of exercise 15: secret-seeded variations of its public data (see `grader.heldout_sets`)."""

from __future__ import annotations

import numpy as np

from grader.references.digits import prepared
from grader.references.transfer import random_shift
from keras_course.exercises import ex15_digit_recognition as ex15
from keras_course.projects.digits import held_back_digits


def mnist_moved_digits(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three secret noisy, moved copies of each of the 500 digits `load_digits` holds back, prepared."""
    images, labels = held_back_digits()
    copies = [ex15.lighten_and_noise(_moved(images, rng), rng) for _ in range(ex15.COPIES)]
    return prepared(np.concatenate(copies)), np.tile(labels, ex15.COPIES)


def _moved(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return random_shift(np.asarray(images, dtype=np.float64), rng, max_shift=ex15.MAX_SHIFT)
