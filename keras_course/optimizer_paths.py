"""Loss surfaces and the paths an optimizer takes on them: answers that are one row of positions per step.

An optimizer question asks for ``f(grad_fn, x0, ..., steps)`` returning the
whole path, start included, of shape ``(steps + 1, len(x0))``. The surfaces
are plain functions (and partials) so the judge can rebuild the cases; the
kernel side turns an answer into an array (`path_array`), the judge side says
what is wrong with it (`path_form_problem` for its form, `path_problem` for its
positions against the accepted reference paths).

Example:

>>> import numpy as np
>>> want = [np.array([[1.0], [0.5]])]
>>> path_problem(np.array([[1.0], [0.6]]), want, rtol=1e-5, atol=1e-7)
'a path that is at [0.6] after step 1; it should be at [0.5]'
>>> path_form_problem((parabola, np.array([1.0]), 1), path_array([[1.0], [0.5]]))
'a path that is not a NumPy array (a list of positions, say): return np.array(path)'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

from keras_course.checks import describe
from keras_course.probes import FunctionProbe, function_probes

# Loss surfaces whose gradients optimizer questions use.


def bowl(
    curvatures: Sequence[float], centre: Sequence[float], angle: float = 0.0
) -> Callable[[np.ndarray], np.ndarray]:
    """Gradient of the quadratic bowl ``0.5 * (x - centre)^T A (x - centre)``, A symmetric positive definite.

    >>> bowl([1.0, 4.0], [0.0, 2.0])(np.array([1.0, 1.0]))
    array([ 1., -4.])
    """
    d = len(curvatures)
    rotation = np.eye(d)
    if d >= 2:
        c, s = np.cos(angle), np.sin(angle)
        rotation[:2, :2] = [[c, -s], [s, c]]
    return partial(
        _bowl_gradient, A=rotation @ np.diag(curvatures) @ rotation.T, centre=np.asarray(centre, dtype=float)
    )


def _bowl_gradient(x: np.ndarray, A: np.ndarray, centre: np.ndarray) -> np.ndarray:
    return A @ (np.asarray(x, dtype=float) - centre)


def rosenbrock(p: np.ndarray, a: float = 1.0, b: float = 100.0) -> np.ndarray:
    """Gradient of Rosenbrock's banana ``(a - x)^2 + b (y - x^2)^2``; its minimum is at (a, a^2).

    >>> rosenbrock(np.array([0.0, 1.0]))
    array([ -2., 200.])
    """
    x, y = np.asarray(p, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):  # a wrong optimizer may run far uphill
        return np.array([-2.0 * (a - x) - 4.0 * b * x * (y - x * x), 2.0 * b * (y - x * x)])


def wavy(x: np.ndarray) -> np.ndarray:
    """Gradient of ``sum(x^2 / 2 + sin(3 x))``: a bumpy one-dimensional loss per coordinate.

    >>> float(wavy(np.array([0.0]))[0])
    3.0
    """
    x = np.asarray(x, dtype=float)
    return x + 3.0 * np.cos(3.0 * x)


def parabola(x: np.ndarray) -> np.ndarray:
    """Gradient of ``f(x) = sum(x^2)``.

    >>> parabola(np.array([1.0, -2.0]))
    array([ 2., -4.])
    """
    return 2.0 * np.asarray(x, dtype=float)


# Comparing paths.


def as_path(result: Any) -> np.ndarray:
    """The answer's path as one float array (kernel side)."""
    return np.asarray(result, dtype=float)


def path_problem(got: Any, references: Sequence[np.ndarray], rtol: float, atol: float) -> str | None:
    """None when ``got`` matches one of the accepted paths; otherwise what is wrong, told against the first."""
    want = references[0]
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"{describe(got)}, which is not an array of positions"
    if got.shape != want.shape:
        if got.shape == want.shape[1:] or got.shape == (want.shape[0] - 1, *want.shape[1:]):
            tip = " Keep the starting point as the first row, then one row per step."
        else:
            tip = ""
        return f"a path of shape {got.shape}; it should have shape {want.shape} (steps + 1 rows, one column per coordinate).{tip}"
    for reference in references:
        if np.allclose(got, reference, rtol=rtol, atol=atol):
            return None
    bad = ~np.isclose(got, want, rtol=rtol, atol=atol)
    if np.isnan(got).any() and not np.isnan(want).any():
        step = int(np.argwhere(np.isnan(got))[0][0])
        return f"NaN at step {step}, where the path should be at {describe(want[step])}"
    step = int(np.argwhere(bad)[0][0])
    if step == 0:
        return f"a path that starts at {describe(got[0])}; it should start at x0 = {describe(want[0])}"
    return f"a path that is at {describe(got[step])} after step {step}; it should be at {describe(want[step])}"


_NOT_AN_ARRAY = np.zeros((0, 0))


def path_array(result: Any) -> np.ndarray:
    """The path as a float array when the answer returned a NumPy array; an empty (0, 0) marker otherwise (kernel side)."""
    return as_path(result) if isinstance(result, np.ndarray) else _NOT_AN_ARRAY


def path_form_problem(args: tuple, output: np.ndarray) -> str | None:
    """The path is a NumPy array of shape (steps + 1, len(x0)) whose first row is x0; the positions are judged elsewhere.

    ``args`` are the optimizer's arguments: ``x0`` second, ``steps`` last.
    """
    if output.shape == _NOT_AN_ARRAY.shape:
        return "a path that is not a NumPy array (a list of positions, say): return np.array(path)"
    x0, steps = np.asarray(args[1], dtype=float), int(args[-1])
    want = (steps + 1, x0.size)
    if output.shape != want:
        if output.shape in {(steps, x0.size), (steps + 1,), (steps,)}:
            tip = " Keep the starting point as the first row, then one row per step, one column per coordinate."
        else:
            tip = ""
        return f"a path of shape {output.shape}, not (steps + 1, len(x0)).{tip}"
    if not np.allclose(output[0], x0, rtol=0.0, atol=0.0):
        return (
            "a path whose first row is not x0 (keep the start as the first row, and append a copy of x after each "
            "step, not x itself)"
        )
    return None


def visible_path_holds(accepted: Sequence[Any], rtol: float, atol: float) -> Callable[[tuple, Any], str | None]:
    """A `FreshCallCheck`'s ``holds``: the answer returned one of the ``accepted`` paths (numbers), as a NumPy array.

    >>> holds = visible_path_holds([[[1.0], [0.5]]], rtol=1e-5, atol=1e-7)
    >>> holds((), np.array([[1.0], [0.5]])) is None
    True
    >>> holds((), [[1.0], [0.5]])
    'returned [[1.0], [0.5]], a path that is not a NumPy array: return np.array(path).'
    """

    def holds(args: tuple, result: Any) -> str | None:
        problem = path_problem(result, [np.asarray(path, dtype=float) for path in accepted], rtol, atol)
        if problem is None and not isinstance(result, np.ndarray):
            problem = f"{describe(result)}, a path that is not a NumPy array: return np.array(path)"
        return f"returned {problem}." if problem else None

    return holds


def path_probes(
    references: Callable[[tuple], list[np.ndarray]], *rows: tuple, rtol: float, atol: float
) -> tuple[FunctionProbe, ...]:
    """The hidden probes of an optimizer question: the path's form on every case, then its positions, row by row.

    Each row is ``(cases, label, requirement)``; the positions must match one of ``references(args)``
    (judge side: the references may import instructor-side code).

    >>> probes = path_probes(lambda args: [], (lambda: [(parabola, np.ones(1), 1)], "a bowl", "update"), rtol=0, atol=0)
    >>> [(p.label, p.covers) for p in probes]
    [('hidden loss surfaces', ('path', 'unchanged')), ('a bowl', ('update', 'unchanged'))]
    """

    def verify(args: tuple, output: np.ndarray) -> str | None:
        return path_problem(output, references(args), rtol, atol)

    def all_cases() -> list[tuple]:
        return [case for cases, _, _ in rows for case in cases()]

    form = {"transform": path_array, "verify": path_form_problem}
    return function_probes(
        (all_cases, "hidden loss surfaces", ("path", "unchanged"), form),
        *((cases, label, (covers, "unchanged")) for cases, label, covers in rows),
        transform=as_path,
        verify=verify,
    )
