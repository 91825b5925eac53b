"""Distances between point clouds, computed by a visible check in the student's kernel and by the trusted scorer.

Student side: it imports NumPy only, so a notebook can use it without the
instructor's modules (`grader.modelscore` registers these as held-out metrics).

Example:

>>> import numpy as np
>>> ring = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
>>> rbf_mmd(ring, ring)
0.0
>>> rbf_mmd(ring, ring[:, :1])
inf
"""

from __future__ import annotations

import numpy as np


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
