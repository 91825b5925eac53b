"""Held-out sets of exercise 08: secret-seeded variations of its public data (see `grader.heldout_sets`)."""

from __future__ import annotations

import numpy as np

from grader.references.transfer import random_shift
from keras_course.data import perturb_digits


def digits_shifted_images(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Every digit, moved by up to one pixel each way, a little lighter or darker, with pixel noise."""
    from sklearn.datasets import load_digits

    data = load_digits()
    images = random_shift(data.data.reshape(-1, 8, 8, 1).astype(np.float64), rng)
    return perturb_digits(images, rng), data.target.astype(np.int64)
