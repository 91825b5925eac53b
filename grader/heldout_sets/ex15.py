"""Held-out sets of exercise 15: secret-seeded variations of its public data (see `grader.heldout_sets`)."""

from __future__ import annotations

import numpy as np

from grader.exercises import ex15_digit_recognition as ex15
from grader.projects.digits import held_back_digits


def mnist_moved_digits(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three secret noisy, moved copies of each of the 500 digits `load_digits` holds back, ex15.prepared."""
    images, labels = held_back_digits()
    copies = [ex15.perturb_mnist(images, rng) for _ in range(ex15.COPIES)]
    return ex15.prepared(np.concatenate(copies)), np.tile(labels, ex15.COPIES)
