"""Held-out sets of exercise 17: secret-seeded variations of its public data (see `grader.heldout_sets`)."""

from __future__ import annotations

import numpy as np

from grader.references.prices import training_statistics, windows
from keras_course.exercises import ex17_price_prediction as ex17
from keras_course.projects import prices


def inflation_windows(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Eight copies of the whole series, inflation scaled by a factor in [0.9, 1.1] plus noise of 0.15 points
    and the bill rate plus noise of 0.2 points; the windows whose targets are the 79 test quarters of each copy."""
    _, features, _ = prices.inflation_features()
    mean, std = training_statistics()
    xs, ys = [], []
    for _ in range(8):
        copy = features.copy()
        copy[:, 0] = copy[:, 0] * rng.uniform(0.9, 1.1) + rng.normal(0.0, 0.15, size=len(copy))
        copy[:, 1] = copy[:, 1] + rng.normal(0.0, 0.2, size=len(copy))
        x, y = windows((copy - mean) / std, copy[:, 0], prices.WINDOW)
        xs.append(x[prices.N_TRAIN - prices.WINDOW :])
        ys.append(y[prices.N_TRAIN - prices.WINDOW :])
    return np.concatenate(xs), np.concatenate(ys)


def inflation_seen_and_unseen_windows(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The 115 training windows, then the 79 test windows; ``y`` holds each target and 1.0 where it is a test quarter.

    Public data (the notebook has both): it asks whether the model errs more on the quarters it never saw.
    """
    del rng
    x_train, y_train, x_test, y_test = ex17.forecast_windows()
    flags = np.concatenate([np.zeros(len(y_train)), np.ones(len(y_test))])
    return np.concatenate([x_train, x_test]), np.stack([np.concatenate([y_train, y_test]), flags], axis=1)
