"""Answers that are dicts of named arrays (a network's parameters, their gradients): compare, flatten, shape.

The kernel-side transforms (`flat_sorted`, `shapes_json`) turn such a dict into
plain data for a `FunctionProbe`; the judge-side functions (`dict_problem`,
`shapes_problem`, `shaped_like_argument`) say what is wrong, key by key.

Example:

>>> import numpy as np
>>> dict_problem({"w": np.zeros((2, 1))}, {"w": np.zeros(2)})[:62]
"returned 'w' of shape (2, 1); it should have exactly the shape"
>>> shapes_problem(shapes_json({"w": np.zeros(2)}), {"w": (2,)}) is None
True
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from keras_course.checks import describe
from keras_course.probes import numpy_result


def as_float_array(value: Any) -> np.ndarray | None:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return array


def dict_problem(result: Any, expected: Mapping[str, np.ndarray], n: int | None = None) -> str | None:
    """What is wrong with a dict of arrays, key by key, or None when it matches ``expected``."""
    if not isinstance(result, Mapping):
        return f"returned {describe(result)}; it should return a dict with the keys {', '.join(map(repr, expected))}."
    missing = [name for name in expected if name not in result]
    if missing:
        return f"returned a dict without {' and '.join(map(repr, missing))}."
    for name, want in expected.items():
        got = as_float_array(result[name])
        if got is None:
            return f"returned {describe(result[name])} for {name!r}, which is not an array of numbers."
        if got.shape != want.shape:
            return (
                f"returned {name!r} of shape {got.shape}; it should have exactly the shape {want.shape} of its "
                "parameter (a sum with `keepdims=True`, a reshape or `np.squeeze` changes it)."
            )
        if np.allclose(got, want, rtol=1e-6, atol=1e-9):
            continue
        if n and n > 1 and np.allclose(got, n * want, rtol=1e-6, atol=1e-9):
            return f"returned {name!r} {n} times too large (the batch has {n} examples)."
        if n and n > 1 and np.allclose(got, want / n, rtol=1e-6, atol=1e-9):
            return f"returned {name!r} {n} times too small (the batch has {n} examples)."
        return f"returned {name!r} = {describe(got)}, but it should be {describe(want)}."
    return None


def shapes_json(result: Any) -> str:
    """The shape of every array of a dict, as JSON text ``{name: shape}`` (kernel side).

    A Python list among the values (``"b2": [db2]``) is not the array asked for: it fails here.
    """
    if not isinstance(result, Mapping):
        raise TypeError(f"a {type(result).__name__} where a dict of arrays was expected")
    return json.dumps({str(name): list(np.shape(numpy_result(result[name]))) for name in result})


def shapes_problem(output: Any, want: Mapping[str, tuple[int, ...]]) -> str | None:
    """What is wrong with the shapes recorded by `shapes_json`, against the shapes ``want``, or None."""
    try:
        got = json.loads(str(output))
    except ValueError:
        return "something that is not a dict of arrays"
    if not isinstance(got, dict):
        return "something that is not a dict of arrays"
    missing = [name for name in want if name not in got]
    if missing:
        return f"a dict without {' and '.join(map(repr, missing))}"
    extra = [name for name in got if name not in want]
    if extra:
        return f"a dict with the extra key {extra[0]!r}"
    for name, shape in want.items():
        if tuple(got[name]) != tuple(shape):
            return (
                f"{name!r} of shape {tuple(got[name])}, which is not the shape of its parameter "
                "(a sum with `keepdims=True`, a reshape or `np.squeeze` changes it)"
            )
    return None


def shaped_like_argument(position: int) -> Callable[[tuple, Any], str | None]:
    """A verify function: the answer's dict has the keys and shapes of the dict argument at ``position``."""

    def verify(args: tuple, output: Any) -> str | None:
        return shapes_problem(output, {name: np.shape(value) for name, value in args[position].items()})

    return verify


def flat_sorted(result: Any) -> np.ndarray:
    """Every array of a dict, in the order of its sorted keys, raveled into one vector."""
    if not isinstance(result, Mapping):
        raise TypeError(f"a {type(result).__name__} where a dict of arrays was expected")
    return np.concatenate([np.ravel(np.asarray(result[name], dtype=float)) for name in sorted(result)])


# --- Errors between dicts of arrays (gradient checks) ---


def relative_error(got: Mapping[str, Any], want: Mapping[str, Any]) -> float:
    """``|g - w| / (|g| + |w|)`` over every array of two dicts, raveled in the order of ``want``'s keys.

    >>> relative_error({"a": np.array([2.0]), "b": np.zeros(1)}, {"a": np.array([1.0]), "b": np.zeros(1)})
    0.3333333333333333
    """
    g = np.concatenate([np.ravel(np.asarray(got[name], dtype=float)) for name in want])
    w = np.concatenate([np.ravel(np.asarray(want[name], dtype=float)) for name in want])
    return float(np.linalg.norm(g - w) / max(np.linalg.norm(g) + np.linalg.norm(w), 1e-300))


def reported_error_problem(reported: float, true_error: float, threshold: float, show: bool = False) -> str | None:
    """What is wrong with a relative error a gradient check reported, against the true one, or None.

    Exactly right gradients (a true error of 0) must give an error below ``threshold``; wrong ones
    their true error, to 0.1%. Only a visible check (``show``) states the true error.

    >>> reported_error_problem(0.3334, 1 / 3, 1e-6) is None, reported_error_problem(0.5, 1 / 3, 1e-6, show=True)
    (True, 'a relative error of 0.5 for gradients whose relative error is 0.3333')
    """
    if not np.isfinite(reported):
        return f"{reported}, which is not a finite number"
    if true_error == 0.0:
        if 0.0 <= reported < threshold:
            return None
        return f"a relative error of {reported:.1e} for gradients that are exactly right (it should be below {threshold:.0e})"
    if abs(reported - true_error) <= 1e-3 * true_error:
        return None
    if not show:
        return f"a relative error of {reported:.4g}, which is not the relative error these wrong gradients have"
    return f"a relative error of {reported:.4g} for gradients whose relative error is {true_error:.4g}"


# --- Training histories ---


def history_problem(result: Any, epochs: int, names: tuple[str, ...] = ("loss", "accuracy")) -> str | None:
    """What is wrong with a training history ``{name: [one plain float per epoch]}``, or None.

    Keras's ``History.history`` has this form; NumPy float scalars count as floats, tensors and bools do not.

    >>> history_problem({"loss": [0.9, 0.5], "accuracy": [0.5, 0.75]}, 2) is None
    True
    >>> history_problem({"loss": [0.9], "accuracy": [0.5]}, 2)
    "returned 1 values under 'loss'; it should return one per epoch, 2."
    """
    if not isinstance(result, dict) or not set(names) <= set(result):
        return f"returned {describe(result)}; it should return a dict with the lists {' and '.join(map(repr, names))}."
    for name in names:
        values = np.asarray(result[name], dtype=np.float64).reshape(-1)
        if values.shape != (epochs,):
            return f"returned {len(values)} values under {name!r}; it should return one per epoch, {epochs}."
        kinds = {type(v).__name__ for v in result[name] if not isinstance(v, numbers.Real) or isinstance(v, bool)}
        if kinds:
            return (
                f"holds {', '.join(sorted(kinds))} values under {name!r}; it should hold plain floats "
                "(float(metric.result()))."
            )
    return None


# --- Lists of (name, array) pairs as one array ---


def pairs_layout(pairs: Any) -> np.ndarray:
    """How a list of per-layer arrays (``[(dW, db), ...]``) is laid out, as integers (kernel side).

    The number of layers, then per layer the number of arrays and each array's number of dimensions and sizes.

    >>> pairs_layout([(np.zeros((3, 2)), np.zeros(2))]).tolist()
    [1, 2, 2, 3, 2, 1, 2]
    """
    layout = [len(pairs)]
    for pair in pairs:
        layout.append(len(pair))
        for array in pair:
            shape = np.shape(array)
            layout += [len(shape), *shape]
    return np.array(layout, dtype=np.int64)


def pairs_flat(pairs: Any) -> np.ndarray:
    """Every number of a list of per-layer arrays, in order, as one float64 vector (kernel side).

    >>> pairs_flat([(np.ones((1, 2)), np.zeros(1))]).tolist()
    [1.0, 1.0, 0.0]
    """
    return np.concatenate([np.ravel(np.asarray(array, dtype=np.float64)) for pair in pairs for array in pair])
