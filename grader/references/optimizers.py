"""Reference optimizers for exercise 06, the trusted side: the judge accepts a path that matches one of these.

Instructor-only: `grader publish` leaves `grader/references/` out of the student
bundle, and nothing a student runs imports it (the visible checks compare with
numbers stored in `keras_course.exercises.ex06_visible`). Each function returns the
``(steps + 1, d)`` path of positions, the start included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def momentum_reference(grad_fn: Callable, x0: Any, learning_rate: float, momentum: float, steps: int) -> np.ndarray:
    x = np.array(x0, dtype=float)
    velocity = np.zeros_like(x)
    path = [x.copy()]
    for _ in range(steps):
        velocity = momentum * velocity - learning_rate * grad_fn(x)
        x = x + velocity
        path.append(x.copy())
    return np.array(path)


def rmsprop_reference(
    grad_fn: Callable, x0: Any, learning_rate: float, rho: float, epsilon: float, steps: int, inside: bool = True
) -> np.ndarray:
    x = np.array(x0, dtype=float)
    s = np.zeros_like(x)
    path = [x.copy()]
    for _ in range(steps):
        g = grad_fn(x)
        s = rho * s + (1.0 - rho) * g * g
        x = x - learning_rate * g / (np.sqrt(s + epsilon) if inside else np.sqrt(s) + epsilon)
        path.append(x.copy())
    return np.array(path)


def adam_reference(
    grad_fn: Callable,
    x0: Any,
    learning_rate: float,
    beta_1: float,
    beta_2: float,
    epsilon: float,
    steps: int,
    style: str = "paper",
) -> np.ndarray:
    x = np.array(x0, dtype=float)
    m, v = np.zeros_like(x), np.zeros_like(x)
    path = [x.copy()]
    for t in range(1, steps + 1):
        g = grad_fn(x)
        m = beta_1 * m + (1.0 - beta_1) * g
        v = beta_2 * v + (1.0 - beta_2) * g * g
        m_hat, v_hat = m / (1.0 - beta_1**t), v / (1.0 - beta_2**t)
        if style == "keras":
            alpha = learning_rate * np.sqrt(1.0 - beta_2**t) / (1.0 - beta_1**t)
            x = x - alpha * m / (np.sqrt(v) + epsilon)
        elif style == "inside":
            x = x - learning_rate * m_hat / np.sqrt(v_hat + epsilon)
        else:
            x = x - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
        path.append(x.copy())
    return np.array(path)




def step_decay_reference(initial_lr: float, drop: float, every: int, epoch: int) -> float:
    """Question 4's rate for ``epoch`` (counted from 0): ``initial_lr * drop ** (epoch // every)``."""
    return initial_lr * drop ** (epoch // every)
