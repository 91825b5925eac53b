"""Reference code for project 17, the trusted side: the training quarters' statistics and windows (questions 2 and 3).

Instructor-only (`grader publish` leaves `grader/references/` out of the student
bundle): the held-out sets (`grader.heldout_sets.ex17`) scale and cut their noisy
copies with these, and `tests/test_exercise_17.py` recomputes the numbers the
exercise module stores (the statistics and the visible example's windows).
"""

from __future__ import annotations

import numpy as np

from keras_course.projects.prices import N_TRAIN, inflation_features


def training_statistics() -> tuple[np.ndarray, np.ndarray]:
    """Each feature column's mean and standard deviation (``ddof=0``) over the training quarters."""
    features = inflation_features()[1][:N_TRAIN]
    return features.mean(axis=0), features.std(axis=0)


def windows(features: np.ndarray, target: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows ``features[i : i + window]`` and their answers ``target[i + window]``, as float32."""
    x = np.stack([features[i : i + window] for i in range(len(features) - window)])
    return x.astype(np.float32), np.asarray(target[window:], dtype=np.float32)
