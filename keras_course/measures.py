"""Pure measurements the student's kernel and the grader both make.

They read plain data only (a scorer's layer list, two arrays of points), so a
visible check in the kernel and the trusted judge compute the same number the
same way: `fold_activations` reads a model's layers with activation layers
folded into the layer before them, `rbf_mmd` measures how far apart two
samples of points are.

Example:

>>> rbf_mmd(np.zeros((3, 2)), np.zeros((3, 2)))
0.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

FOLDED_ACTIVATIONS = {"ReLU": "relu", "Softmax": "softmax", "ELU": "elu", "LeakyReLU": "leaky_relu", "PReLU": "prelu"}
# Layers an activation may come after and still belong to the layer before them: ``Dense(64)``,
# ``BatchNormalization()``, ``ReLU()`` is a Dense layer with a ReLU, as ``Dense(64, activation="relu")`` is.
_PASS_THROUGH = {"Dropout", "BatchNormalization", "LayerNormalization", "GaussianNoise", "GaussianDropout", "AlphaDropout"}


def rbf_mmd(samples: np.ndarray, y: np.ndarray, bandwidths: tuple[float, ...] = (0.2, 0.5, 1.0)) -> float:
    """Squared maximum mean discrepancy (biased) between two point clouds, RBF kernel averaged over ``bandwidths``.

    0 for identical clouds, larger as they differ; inf when the points' sizes differ (a wrong output shape).
    """
    a = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    b = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    if a.shape[1] != b.shape[1] or not np.all(np.isfinite(a)):
        return float("inf")

    def kernel_mean(u: np.ndarray, v: np.ndarray) -> float:
        squared = np.maximum((u * u).sum(1)[:, None] + (v * v).sum(1)[None, :] - 2.0 * u @ v.T, 0.0)
        return float(np.mean([np.exp(-squared / (2.0 * s * s)).mean() for s in bandwidths]))

    return kernel_mean(a, a) + kernel_mean(b, b) - 2.0 * kernel_mean(a, b)


def fold_activations(layers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The layer list with each activation layer folded into the layer before it.

    ``Dense(1)`` followed by ``Activation("sigmoid")`` computes what
    ``Dense(1, activation="sigmoid")`` does, so both read the same here. An
    activation after dropout or normalization layers folds into the layer
    before those (which stay in the list).

    >>> fold_activations([{"class_name": "Dense", "units": 1, "activation": "linear"},
    ...                   {"class_name": "Activation", "units": None, "activation": "sigmoid"}])
    [{'class_name': 'Dense', 'units': 1, 'activation': 'sigmoid'}]
    >>> [layer["activation"] for layer in fold_activations([{"class_name": "Dense", "activation": "linear"},
    ...     {"class_name": "BatchNormalization", "activation": None}, {"class_name": "LeakyReLU", "activation": "leaky_relu"}])]
    ['leaky_relu', None]
    """
    folded: list[dict[str, Any]] = []
    for layer in layers:
        is_activation = layer.get("class_name") in {"Activation", *FOLDED_ACTIVATIONS}
        owner = next((i for i in range(len(folded) - 1, -1, -1) if folded[i].get("class_name") not in _PASS_THROUGH), None)
        if is_activation and owner is not None and folded[owner].get("activation") in (None, "linear"):
            folded[owner] = {**folded[owner], "activation": layer.get("activation")}
            continue
        folded.append(dict(layer))
    return folded
