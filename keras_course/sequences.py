"""Exercise 10's course data: the yearly sunspot series and random echo sequences, the same for student and grader.

The series is the yearly mean sunspot number (1700 to 2008) that ships with
statsmodels; the first 230 years train and the rest test. The grading of
exercise 10 lives in `keras_course.exercises.ex10_recurrent_networks`, which
re-exports these names for the notebook.

Example:

>>> x, y = echo_sequences(2, seed=0)
>>> x.shape, bool((y[:, 3:] == x[:, :-3]).all()), bool((y[:, :3] == 0).all())
((2, 16, 1), True, True)
"""

from __future__ import annotations

import numpy as np

N_TRAIN = 230  # the years 1700 to 1929 train; 1930 to 2008 test
WINDOW = 20  # years of history the forecaster reads
ECHO_STEPS = 16  # time steps of each echo sequence
ECHO_LAG = 3  # the echo model outputs the input of ECHO_LAG steps ago


def sunspots() -> tuple[np.ndarray, np.ndarray]:
    """The yearly mean sunspot number, 1700 to 2008, from statsmodels: ``(years, values)``, both float64."""
    from statsmodels.datasets import sunspots as dataset

    frame = dataset.load_pandas().data
    return frame["YEAR"].to_numpy(np.float64), frame["SUNACTIVITY"].to_numpy(np.float64)


def training_statistics() -> tuple[float, float]:
    """The mean and standard deviation (``ddof=0``) of the 230 training years, the numbers the series is scaled by."""
    values = sunspots()[1][:N_TRAIN]
    return float(values.mean()), float(values.std())


def sunspot_test_windows() -> tuple[np.ndarray, np.ndarray]:
    """Windows of the scaled series with targets in the test years 1930 to 2008: ``(x, y)``, (79, 20, 1) and (79,)."""
    mean, std = training_statistics()
    scaled = ((sunspots()[1] - mean) / std).astype(np.float32)
    x = np.lib.stride_tricks.sliding_window_view(scaled[N_TRAIN - WINDOW : -1], WINDOW)
    return np.ascontiguousarray(x[..., None]), scaled[N_TRAIN:]


def echo_sequences(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random sequences and their echoes: ``y[:, t] = x[:, t - 3]``, and 0 for the first 3 steps.

    Returns ``(x, y)``, both float32 of shape (n, 16, 1); the inputs are uniform on [-1, 1].
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, ECHO_STEPS, 1)).astype(np.float32)
    y = np.zeros_like(x)
    y[:, ECHO_LAG:] = x[:, :-ECHO_LAG]
    return x, y
