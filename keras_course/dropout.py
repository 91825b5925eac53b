"""Inverted dropout answers, judged by their output: switched off at inference, rescaled, one draw per value.

The functions take the arguments of ``dropout_forward(x, p, training, rng)``
and what it returned, and say what is wrong, or None (judge side, and in a
visible check).

Example:

>>> import numpy as np
>>> x = np.full((400, 5), 3.0)
>>> dropout_verify((x, 0.5, False, 0), x) is None
True
>>> dropout_verify((x, 0.5, True, 0), x)
'kept values that were not rescaled; with p=0.5 each kept value must be divided by 1 - p = 0.5'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_course.checks import describe


def _as_array(got: Any) -> np.ndarray | str:
    try:
        return np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"{describe(got)}, which is not an array of numbers"


def dropout_verify(args: tuple, got: Any) -> str | None:
    """Inference returns x; training zeroes about p of the values and divides the others by 1 - p, keeping the shape."""
    x, p, training = args[:3]
    got = _as_array(got)
    if isinstance(got, str):
        return got
    if got.shape != x.shape:
        return f"an array of shape {got.shape} for an input of shape {x.shape}; dropout keeps the shape"
    if not training:
        if np.allclose(got, x, rtol=1e-6, atol=1e-9):
            return None
        if np.allclose(got, (1.0 - p) * x, rtol=1e-6, atol=1e-9):
            return "x * (1 - p) with training=False; inverted dropout rescales during training, so inference returns x unchanged"
        return "changed values with training=False; at inference dropout is switched off and returns x unchanged"
    dropped = np.abs(got) < 1e-12
    if p > 0 and np.allclose(got[~dropped], x[~dropped], rtol=1e-6):
        return f"kept values that were not rescaled; with p={p} each kept value must be divided by 1 - p = {1 - p:.2g}"
    if not np.allclose(got[~dropped], x[~dropped] / (1.0 - p), rtol=1e-5):
        return f"values that are neither 0 nor x / (1 - p) with p={p}"
    share, sigma = dropped.mean(), np.sqrt(p * (1.0 - p) / x.size)
    if abs(share - p) > 5.0 * sigma + 1e-12:
        return f"an array with {share:.0%} of its values dropped, where p={p} drops about {p:.0%}"
    return None


def mask_verify(args: tuple, got: Any) -> str | None:
    """One mask value per value of x: not one per example (row), not one mask shared by every example."""
    x, p = args[:2]
    got = _as_array(got)
    if isinstance(got, str) or got.shape != x.shape or not 0 < p < 1 or x.ndim < 2:
        return None  # the shape and the values are judged by the rescaling probe
    dropped = np.abs(got) < 1e-12
    rows = dropped.reshape(len(x), -1)
    if rows.shape[1] > 1 and np.all(rows.all(axis=1) | ~rows.any(axis=1)):
        return "a mask that drops or keeps whole examples (rows); draw one random number per value of x"
    if len(x) > 1 and np.all(rows == rows[0]):
        return "the same mask for every example; draw one random number per value of x"
    for axis in range(1, x.ndim):  # a mask drawn for fewer axes than x has, then broadcast along the others
        if x.shape[axis] > 1 and np.all(dropped == dropped.take([0], axis=axis)):
            return "a mask whose zeros repeat along one axis of x; draw one random number per value of x"
    return None


def dropout_holds(args: tuple, got: Any) -> str | None:
    """A `FreshCallCheck`'s ``holds``: `dropout_verify`, told as what the call returned."""
    problem = dropout_verify(args, got)
    return f"returned {problem}." if problem else None
