"""Held-out sets of exercise 10: secret-seeded variations of its public data (see `grader.heldout_sets`)."""

from __future__ import annotations

import numpy as np

from grader.references.recurrent import windows
from keras_course.exercises import ex10_recurrent_networks as ex10
from keras_course.sequences import sunspots, training_statistics


def echo_sequences(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return ex10.echo_sequences(2000, int(rng.integers(2**31)))


def sunspot_seen_and_unseen_windows(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The 210 training windows, then the 79 test windows; ``y`` holds each target and 1.0 where it is a test year.

    Public data (the notebook has both): it asks whether the model errs more on the years it never saw.
    """
    del rng
    mean, std = training_statistics()
    scaled = (sunspots()[1] - mean) / std
    x_seen, y_seen = windows(scaled[: ex10.N_TRAIN], ex10.WINDOW)
    x_unseen, y_unseen = ex10.sunspot_test_windows()
    flags = np.concatenate([np.zeros(len(y_seen)), np.ones(len(y_unseen))])
    return np.concatenate([x_seen, x_unseen]), np.stack([np.concatenate([y_seen, y_unseen]), flags], axis=1)


def sunspot_windows(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Eight copies of 1910 to 2008, each scaled by a factor near 1 with 5% noise per year; windows in training units."""
    values = sunspots()[1]
    mean, std = training_statistics()
    xs, ys = [], []
    for _ in range(8):
        factor = rng.uniform(0.9, 1.1) * (1.0 + rng.normal(0.0, 0.05, size=len(values)))
        changed = np.clip(values * factor, 0.0, None)
        x, y = windows(((changed - mean) / std)[ex10.N_TRAIN - ex10.WINDOW :], ex10.WINDOW)
        xs.append(x)
        ys.append(y)
    return np.concatenate(xs), np.concatenate(ys)
