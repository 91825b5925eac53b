"""Held-out sets of exercise 05: secret-seeded variations of its public data (see `grader.heldout_sets`)."""

from __future__ import annotations

import numpy as np

from keras_course.data import diabetes_split, perturb_digits


def digits(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    return perturb_digits(data.data, rng), data.target.astype(np.int64)


def diabetes(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Noisy copies of the validation patients: patients a model trained on the training split never saw."""
    _, x_val, _, y_val = diabetes_split()
    x = x_val.astype(np.float64)
    factor = 1.0 + rng.normal(0.0, 0.03, size=x.shape)
    factor[:, 1] = 1.0  # sex is coded 1 or 2: keep it
    return (x * factor).astype(np.float32), y_val.astype(np.float32)
