"""Reference code for exercise 10, the trusted side: an unrolled RNN and a series cut into windows.

Instructor-only (`grader publish` leaves `grader/references/` out of the student
bundle): the visible checks of `keras_course.exercises.ex10_recurrent_networks` compare
with numbers made once from these, and `tests/test_exercise_10.py` recomputes them;
the held-out sets (`grader.heldout_sets`) cut their windows with `windows`.
"""

from __future__ import annotations

import numpy as np


def rnn_forward(x: np.ndarray, h0: np.ndarray, w_x: np.ndarray, w_h: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Every state of a Keras-style SimpleRNN, shape (batch, steps, units)."""
    h, states = h0, []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ w_x + h @ w_h + b)
        states.append(h)
    return np.stack(states, axis=1)


def windows(series: np.ndarray, window: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Windows ``series[i : i + window]`` with a feature axis and their targets ``horizon`` steps on, as float32."""
    n = len(series) - window - horizon + 1
    x = np.stack([series[i : i + window] for i in range(n)])[..., None]
    y = series[window + horizon - 1 :]
    return x.astype(np.float32), y.astype(np.float32)
