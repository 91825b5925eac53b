"""Reference gradients for exercise 04, the trusted side: the judge measures a gradient check against them.

Instructor-only: `grader publish` leaves `grader/references/` out of the student
bundle, and nothing a student runs imports it (the visible checks of exercise 04
compare with numbers stored in its module, computed once with this function).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def network_gradients(params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
    """Gradients of the mean BCE of lesson 04's two-layer network (ReLU hidden layer, one logit) on one batch."""
    Z1 = X @ params["W1"] + params["b1"]
    H = np.maximum(0.0, Z1)
    Z2 = H @ params["W2"] + params["b2"]
    dZ2 = (0.5 * (1.0 + np.tanh(0.5 * Z2)) - Y) / len(X)
    dZ1 = (dZ2 @ params["W2"].T) * (Z1 > 0)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": H.T @ dZ2, "b2": dZ2.sum(axis=0)}
