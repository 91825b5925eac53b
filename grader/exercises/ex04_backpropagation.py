"""Exercise 04, backpropagation: the backward pass, a gradient check, a gradient-descent epoch, training.

The network is lesson 04's: ``Z1 = X W1 + b1``, ``H = relu(Z1)``, ``Z2 = H W2 + b2``,
``P = sigmoid(Z2)``, scored with the binary cross-entropy averaged over the batch.
Parameters live in a dict with the keys ``W1`` (d, m), ``b1`` (m,), ``W2`` (m, 1), ``b2`` (1,).

Mistakes the hidden tests catch (each question lists its requirements; the
judge names the one a failed answer misses):

- backward: a missing or zero bias gradient; gradients not averaged over the
  batch (n times too large) or bias gradients averaged instead of summed; the
  ReLU mask forgotten or taken as ``Z1 >= 0`` (hidden sums exactly at 0 are
  tried); bias gradients of shape (1, m) where (m,) is asked (``keepdims``), or
  a scalar ``b2``; code that breaks on a batch of one (``np.squeeze``) or one
  hidden unit; params, cache or Y changed in place;
- numerical_gradient: a forward difference; a divisor of eps for 2 eps; the
  step it is given ignored, or another default than 1e-5 (smaller ones too:
  1e-6 shows where a steep cubic is flat); entries not put back; arrays
  returned flat; arrays of more than two dimensions skipped;
- gradient_check: too large a step (hidden sums a few thousandths from a ReLU
  kink) or far too small; g and g_num concatenated in different key orders; a
  per-parameter maximum, an absolute error or squared norms; one number
  returned as an array; params or grads changed;
- gd_epoch: the last partial batch dropped, or balanced batches
  (``np.array_split``); no step when batch_size exceeds n; a squeezed batch of
  one row; the step taken uphill, with stale parameters, or averaged again; a loop over the keys of
  ``params`` that meets a key ``grad_fn`` returns no gradient for;
  biases not updated; the caller's arrays updated in place (a shallow
  ``dict(params)`` copy); arrays returned with another shape, or as Python
  lists (in every question that returns a dict of arrays);
- train_network: a network that does not separate the moons (missing bias
  gradient, not averaged, too few units, untrained), X and Y shuffled apart,
  W1 transposed or W2 / b2 of another shape, X or Y shuffled in place, a
  network trained on the notebook's ``X_train`` instead of the X and Y given
  (a second hidden training set has its labels swapped).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np

from grader.checks import FreshCallCheck, PropertyCheck, describe
from grader.data import moons_split
from grader.named_arrays import as_float_array, dict_problem, flat_sorted, shaped_like_argument, shapes_json
from grader.probes import FunctionProbe, function_probes
from grader.question import Exercise, Question, Requirement

NAMES = ("W1", "b1", "W2", "b2")
CHECK_THRESHOLD = 1e-6  # the largest relative error a gradient check may report for exact gradients
ACCURACY_THRESHOLD = 0.94  # right solutions reach about 0.97 on fresh moons; linear-ish boundaries about 0.87
_FRESH_MOONS_SEED = 48_611  # not the public random_state=0 of the notebook's data


# The lesson's network, used to build cases and to judge properties (the lesson shows all of it).


def _forward(params: Mapping[str, np.ndarray], X: np.ndarray) -> tuple[np.ndarray, tuple]:
    Z1 = X @ params["W1"] + params["b1"]
    H = np.maximum(0.0, Z1)
    Z2 = H @ params["W2"] + params["b2"]
    return Z2, (X, Z1, H, Z2)


def _loss(params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    Z2 = _forward(params, X)[0]
    return float(np.mean(np.maximum(Z2, 0.0) - Z2 * Y + np.log1p(np.exp(-np.abs(Z2)))))


def _gradients(params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
    _, (X, Z1, H, Z2) = _forward(params, X)
    dZ2 = (0.5 * (1.0 + np.tanh(0.5 * Z2)) - Y) / len(X)
    dZ1 = (dZ2 @ params["W2"].T) * (Z1 > 0)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": H.T @ dZ2, "b2": dZ2.sum(axis=0)}


def _random_params(rng: np.random.Generator, d: int, m: int, bias_scale: float = 0.3) -> dict[str, np.ndarray]:
    return {
        "W1": rng.normal(0.0, np.sqrt(2.0 / d), size=(d, m)),
        "b1": rng.normal(0.0, bias_scale, size=m),
        "W2": rng.normal(0.0, np.sqrt(1.0 / m), size=(m, 1)),
        "b2": rng.normal(0.0, bias_scale, size=1),
    }


def _batch(rng: np.random.Generator, n: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(n, d))
    Y = rng.integers(0, 2, size=(n, 1)).astype(float)
    return X, Y


def _relative_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


def network_loss(X: np.ndarray, Y: np.ndarray) -> Callable[[Mapping[str, np.ndarray]], float]:
    """The mean BCE of the network on one fixed batch, as a function of the parameters only.

    The batch stays readable as ``loss_fn.keywords["X"]`` and ``["Y"]``, so the judge can rebuild the gradients.
    """
    return partial(_param_loss, X=X, Y=Y)


def _param_loss(params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    return _loss(params, X, Y)


def _near_kinks(seed: int, n: int = 12, m: int = 6, gap: float = 0.005) -> tuple[dict, np.ndarray, np.ndarray]:
    """Parameters whose hidden sums each sit ``gap`` from a ReLU kink for one example.

    A step of 1e-2 in a gradient check crosses those kinks and reports a large
    error for exact gradients; steps from 1e-3 down to 1e-8 do not.
    """
    rng = np.random.default_rng(seed)
    X, Y = _batch(rng, n, 2)
    params = _random_params(rng, 2, m)
    chosen = rng.choice(n, size=m, replace=False)
    signs = rng.choice([-1.0, 1.0], size=m)
    params["b1"] = -np.einsum("jd,dj->j", X[chosen], params["W1"]) + signs * gap
    return params, X, Y


# A visible check that builds its arguments afresh, since answers may change dicts of arrays in place.


def _flat_network(result: Any) -> np.ndarray:
    """The four arrays W1, b1, W2, b2 of a dict, raveled into one vector in that order."""
    if not isinstance(result, Mapping):
        raise TypeError(f"a {type(result).__name__} where a dict of arrays was expected")
    missing = [name for name in NAMES if name not in result]
    if missing:
        raise ValueError(f"a dict without {' and '.join(map(repr, missing))}")
    return np.concatenate([np.ravel(np.asarray(result[name], dtype=float)) for name in NAMES])


# Question 1: the backward pass.


def _lesson_init(n_in: int, n_hidden: int, seed: int) -> dict[str, np.ndarray]:
    """The notebook's ``init_params``: scaled normal weights, zero biases."""
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_hidden)),
        "b1": np.zeros(n_hidden),
        "W2": rng.normal(0.0, np.sqrt(1.0 / n_hidden), size=(n_hidden, 1)),
        "b2": np.zeros(1),
    }


def _q1_example() -> tuple:
    """The example of the question's text: four training points, three hidden units."""
    X_train, _, y_train, _ = moons_split()
    params = _lesson_init(2, 3, seed=0)
    X, Y = X_train[:4], y_train[:4].reshape(-1, 1).astype(float)
    return params, _forward(params, X)[1], Y


def _q1_single() -> tuple:
    rng = np.random.default_rng(41)
    params = _random_params(rng, 3, 4)
    X, Y = _batch(rng, 1, 3)
    return params, _forward(params, X)[1], Y


def _backward_holds(args: tuple, result: Any) -> str | None:
    params, cache, Y = args
    return dict_problem(result, _gradients(params, cache[0], Y), n=len(Y))


def _backward_case(rng: np.random.Generator, n: int, d: int, m: int, bias_scale: float = 0.3) -> tuple:
    params = _random_params(rng, d, m, bias_scale)
    X, Y = _batch(rng, n, d)
    return params, _forward(params, X)[1], Y


def _backward_cases() -> list[tuple]:
    rng = np.random.default_rng(404)
    return [
        _backward_case(rng, *sizes) for sizes in [(7, 2, 5, 0.3), (40, 4, 10, 1.0), (25, 2, 16, 0.5), (9, 1, 1, 0.5)]
    ]


def _backward_single_cases() -> list[tuple]:
    """Batches of one example: ``np.squeeze`` or a fixed n breaks here."""
    rng = np.random.default_rng(405)
    return [_backward_case(rng, 1, 3, 4), _backward_case(rng, 1, 2, 1), _backward_case(rng, 1, 1, 6)]


def _backward_boundary_cases() -> list[tuple]:
    """Hidden sums exactly 0 (a row of zeros meets zero biases): the ReLU's slope there is 0, as 1[Z1 > 0] says."""
    rng = np.random.default_rng(406)
    params = _random_params(rng, 3, 6)
    params["b1"][[0, 2, 5]] = 0.0
    X, Y = _batch(rng, 8, 3)
    X[[1, 4]] = 0.0
    Y[[1, 4]] = [[0.0], [1.0]]
    return [(params, _forward(params, X)[1], Y)]


q1 = Question(
    id="q1_backward",
    points=3,
    title="Backward pass of the two-layer network",
    checks=(
        FreshCallCheck(
            make_args=_q1_example,
            call="backward(params, cache, Y) for the example above",
            holds=_backward_holds,
            tip="Start from dZ2 = (sigmoid(Z2) - Y) / n and follow the lesson's six lines; each gradient has its parameter's shape.",
        ),
        FreshCallCheck(
            make_args=_q1_single,
            call="backward(params, cache, Y) on a batch of 1 example",
            holds=_backward_holds,
            tip="Use the sizes from the arrays (n = len(X)), never fixed numbers.",
        ),
    ),
    probes=(
        *function_probes(
            (_backward_cases, "a hidden batch", "value"),
            (_backward_single_cases, "a hidden batch of one example", "batch"),
            (_backward_boundary_cases, "a hidden batch where some hidden sums are exactly 0", "relu"),
            transform=_flat_network,
        ),
        FunctionProbe(
            cases=lambda: _backward_cases() + _backward_single_cases(),
            transform=shapes_json,
            verify=shaped_like_argument(0),
            label="a hidden batch",
            covers=("shapes", "unchanged"),
        ),
    ),
    requirements=(
        Requirement("value", "returns the gradients of the mean BCE loss, averaged over the n examples of the batch"),
        Requirement("relu", "lets the gradient through the ReLU only where Z1 > 0 (not where Z1 = 0)"),
        Requirement(
            "shapes", "gives each gradient exactly the shape of its parameter: b1 of shape (m,) and b2 of shape (1,)"
        ),
        Requirement("batch", "works for any batch size n, a batch of one example included"),
        Requirement("unchanged", "leaves params, cache and Y unchanged"),
    ),
    hints=(
        "Work from the output back: dZ2, then dW2 and db2, then dH, dZ1, and finally dW1 and db1.",
        "The loss is a mean over the batch, so dZ2 = (sigmoid(Z2) - Y) / n. A bias gradient is its delta summed over "
        "the rows: dZ2.sum(axis=0) and dZ1.sum(axis=0).",
        "dW2 = H.T @ dZ2, dH = dZ2 @ W2.T, dZ1 = dH * (Z1 > 0), dW1 = X.T @ dZ1. Return "
        '{"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}.',
    ),
)


# Question 2: the numerical gradient with central differences.


def _cubic(params: Mapping[str, np.ndarray]) -> float:
    return float(np.sum(params["a"] ** 3))


def _q2_example() -> tuple:
    return _cubic, {"a": np.array([1.0, 2.0])}, 0.1


def _numeric_holds(args: tuple, result: Any) -> str | None:
    problem = dict_problem(result, {"a": np.array([3.01, 12.01])})
    if problem:
        return problem
    if not np.array_equal(args[1]["a"], [1.0, 2.0]):
        return f"changed params['a'] to {describe(args[1]['a'])}; it should leave it at [1., 2.]."
    return None


def _wavy(params: Mapping[str, np.ndarray]) -> float:
    return float(
        np.sum(np.sin(params["M"]) * params["M"] ** 2)
        + np.prod(params["v"])
        + np.sum(params["v"] ** 4)
        + np.sum(np.cos(params["T"]) * params["T"])
        + float(params["c"][0]) ** 3
    )


def _steep_cubic(params: Mapping[str, np.ndarray]) -> float:
    """A cubic whose central difference is off by 1000 eps^2: a default step other than 1e-5 shows."""
    return float(1000.0 * np.sum(params["a"] ** 3))


def _cubic_at_rest(params: Mapping[str, np.ndarray]) -> float:
    """A steep cubic measured where its slope is 0: the central difference is exactly 1e6 eps^2 there.

    The step 1e-5 gives 1e-4; a default of 1e-6 gives 1e-6 and one of 1e-4 gives 1e-2, far apart at
    the probe's tolerance, where the cubic above tells 1e-5 from 1e-6 only by 1e-7.
    """
    return float(1e6 * np.sum(params["a"] ** 3))


def _numeric_cases() -> list[tuple]:
    rng = np.random.default_rng(4042)
    wavy = {
        "M": rng.normal(size=(2, 3)),
        "v": rng.normal(size=3),
        "T": rng.normal(size=(2, 1, 3)),
        "c": np.array([0.7]),
    }
    params, X, Y = _near_kinks(4043)
    smooth = _random_params(rng, 3, 4)
    X2, Y2 = _batch(rng, 10, 3)
    return [
        (_wavy, wavy, 0.1),
        (network_loss(X, Y), params, 1e-2),
        (network_loss(X2, Y2), smooth, 1e-3),
        (network_loss(X2, Y2), smooth, 1e-5),
    ]


def _default_step_cases() -> list[tuple]:
    """Called without eps: the signature's default, 1e-5, must be the step."""
    return [(_steep_cubic, {"a": np.array([0.01, -0.02, 0.03])}), (_cubic_at_rest, {"a": np.zeros((2, 2))})]


q2 = Question(
    id="q2_numerical_gradient",
    points=2,
    title="Numerical gradient by central differences",
    checks=(
        FreshCallCheck(
            make_args=_q2_example,
            call='numerical_gradient(cube_sum, {"a": np.array([1.0, 2.0])}, eps=0.1)',
            holds=_numeric_holds,
            tip="Use the central difference (L(theta + eps) - L(theta - eps)) / (2 eps), and put every entry back "
            "to its original value after measuring it.",
        ),
    ),
    probes=function_probes(
        (_numeric_cases, "hidden loss functions", "central"),
        (_default_step_cases, "a hidden loss function, called without eps", "default"),
        (_numeric_cases, "hidden loss functions",
            "shapes", {"transform": shapes_json, "verify": shaped_like_argument(1)}),
        transform=flat_sorted,
    ),
    requirements=(
        Requirement(
            "central", "returns the central difference of every entry of every array, with the step eps it is given"
        ),
        Requirement("default", "uses eps = 1e-5 when it is called without eps"),
        Requirement(
            "shapes",
            "returns a dict with the same keys, each array of the shape of its parameter, whatever its number of dimensions",
        ),
        Requirement("unchanged", "leaves params as it was when it returns"),
    ),
    hints=(
        "Loop over the names in params, and over every index of each array with np.ndindex(value.shape).",
        "For each entry: remember its value, set it to value + eps and call loss_fn(params), set it to value - eps "
        "and call loss_fn(params) again, then put the original value back.",
        "The entry's gradient is (loss_up - loss_down) / (2 * eps); collect them in an array np.zeros_like(value) "
        "per name and return the dict of those arrays.",
    ),
)


# Question 3: the gradient check, with a step the student chooses.


def _scaled(grads: Mapping[str, np.ndarray], factors: Mapping[str, float]) -> dict[str, np.ndarray]:
    return {name: grads[name] * factors.get(name, 1.0) for name in grads}


def _check_case(seed: int, factors: Mapping[str, float]) -> tuple:
    params, X, Y = _near_kinks(seed)
    return network_loss(X, Y), params, _scaled(_gradients(params, X, Y), factors)


def _true_relative_error(args: tuple) -> float:
    loss_fn, params, grads = args
    exact = _gradients(params, loss_fn.keywords["X"], loss_fn.keywords["Y"])
    return _relative_error(_flat_network(grads), _flat_network(exact))


def _check_problem(args: tuple, reported: float, show_expected: bool = False) -> str | None:
    """What is wrong with a reported relative error; only the visible check (``show_expected``) states the true one."""
    if not np.isfinite(reported):
        return f"{reported}, which is not a finite number"
    expected = _true_relative_error(args)
    if expected == 0.0:
        if 0.0 <= reported < CHECK_THRESHOLD:
            return None
        return f"a relative error of {reported:.1e} for gradients that are exactly right (it should be below {CHECK_THRESHOLD:.0e})"
    if abs(reported - expected) <= 1e-3 * expected:
        return None
    if not show_expected:
        return f"a relative error of {reported:.4g}, which is not the relative error these wrong gradients have"
    return f"a relative error of {reported:.4g} for gradients whose relative error is {expected:.4g}"


_VISIBLE_CHECK_SEED = 4044


def _check_holds(args: tuple, result: Any) -> str | None:
    value = as_float_array(result)
    if value is None or value.size != 1:
        return f"returned {describe(result)}; it should return one number."
    problem = _check_problem(args, float(value.ravel()[0]), show_expected=True)
    if problem:
        return f"returned {problem}."
    before = _near_kinks(_VISIBLE_CHECK_SEED)[0]
    changed = [name for name in before if not np.array_equal(before[name], args[1][name])]
    if changed:
        return f"changed params[{changed[0]!r}]; a gradient check must leave the parameters as it found them."
    return None


def _visible_check_args(factors: Mapping[str, float]) -> Callable[[], tuple]:
    return lambda: _check_case(_VISIBLE_CHECK_SEED, factors)


def _check_verify(args: tuple, output: np.ndarray) -> str | None:
    if output.shape != ():
        return f"an array of shape {output.shape} where one number was expected"
    return _check_problem(args, float(output))


def _number_array(result: Any) -> np.ndarray:
    """The answer as a float array of its own shape (kernel side), so the judge sees whether it is one number."""
    return np.asarray(result, dtype=float)


def _check_cases() -> list[tuple]:
    """Wrong gradients: the check must report the error they really have."""
    return [
        _check_case(4047, {"W1": 2.0, "b1": 2.0, "W2": 2.0, "b2": 2.0}),
        _check_case(4048, {"b1": 0.0, "b2": 0.0}),
        _check_case(4049, {"W2": 1.01}),
    ]


def _step_cases() -> list[tuple]:
    """Exact gradients, with hidden sums a few thousandths from a ReLU kink."""
    return [_check_case(4045, {}), _check_case(4046, {})]


def _reordered(case: tuple) -> tuple:
    loss_fn, params, grads = case
    return loss_fn, params, {name: grads[name] for name in reversed(list(grads))}


def _order_cases() -> list[tuple]:
    """grads with its keys in another order than params: g and g_num must still line up."""
    return [_reordered(_check_case(4051, {})), _reordered(_check_case(4052, {"b1": 3.0}))]


def _quadratic_loss(params: Mapping[str, np.ndarray], centre: Mapping[str, np.ndarray], curvature: float) -> float:
    return float(sum(0.5 * curvature * np.sum((params[name] - centre[name]) ** 2) for name in centre))


def _central_cases() -> list[tuple]:
    """Exact gradients of a quadratic bowl near its bottom: central differences are exact there, forward ones are not.

    The gradients are about 1e-4, the curvature 2, so a forward difference with
    any step from 1e-8 up reports a relative error above 1e-5.
    """
    rng = np.random.default_rng(4053)
    centre = {"W": rng.normal(size=(2, 3)), "b": rng.normal(size=3)}
    params = {name: value + rng.normal(scale=1e-4, size=value.shape) for name, value in centre.items()}
    grads = {name: 2.0 * (params[name] - centre[name]) for name in centre}
    return [(partial(_quadratic_loss, centre=centre, curvature=2.0), params, grads)]


def _exact_verify(args: tuple, output: np.ndarray) -> str | None:
    if output.shape != ():
        return f"an array of shape {output.shape} where one number was expected"
    reported = float(output)
    if np.isfinite(reported) and 0.0 <= reported < CHECK_THRESHOLD:
        return None
    return f"a relative error of {reported:.1e} for gradients that are exactly right (it should be below {CHECK_THRESHOLD:.0e})"


q3 = Question(
    id="q3_gradient_check",
    points=2,
    title="Gradient check with the relative error",
    checks=(
        FreshCallCheck(
            make_args=_visible_check_args({}),
            call="gradient_check(loss_fn, params, grads)",
            holds=_check_holds,
            tip="With eps = 1e-2 or larger, the nudges cross ReLU kinks and the check blames a correct backward pass "
            "(lesson, section 7.3). Choose eps near 1e-5.",
        ),
        FreshCallCheck(
            make_args=_visible_check_args({"W1": 2.0, "b1": 2.0, "W2": 2.0, "b2": 2.0}),
            call="gradient_check(loss_fn, params, 2 * grads)",
            holds=_check_holds,
            tip="Return norm(g - g_num) / (norm(g) + norm(g_num)); with g = 2 g_num that is 1/3.",
        ),
        FreshCallCheck(
            make_args=_visible_check_args({"b1": 0.0, "b2": 0.0}),
            call="gradient_check(loss_fn, params, grads with zero bias gradients)",
            holds=_check_holds,
            tip="Put all four gradients into one long vector g, and the measured ones into g_num in the same order, "
            "before you take the norms: one number for the whole network.",
        ),
    ),
    probes=function_probes(
        (_step_cases, "hidden gradient checks of exact gradients near ReLU kinks", "step"),
        (_check_cases, "hidden gradient checks of wrong gradients", "value"),
        (_central_cases, "a hidden gradient check of exact gradients near a minimum",
            "central", {"verify": _exact_verify}),
        (_order_cases, "hidden gradient checks whose grads list the keys in another order", "order"),
        verify=_check_verify,
        transform=_number_array,
    ),
    requirements=(
        Requirement("value", "returns the relative error of all the parameters together, as one number"),
        Requirement("central", "measures the gradients of loss_fn with central differences"),
        Requirement("step", "gives a relative error below 1e-6 for exactly right gradients, also near a ReLU kink"),
        Requirement("order", "puts g and g_num in the same order, whatever the order of the keys in grads"),
        Requirement("unchanged", "leaves params and grads unchanged"),
    ),
    hints=(
        "Measure the gradients with your numerical_gradient(loss_fn, params, eps) from question 2, then compare.",
        "Put every array in one long vector, in the same order for both: np.concatenate([g[name].ravel() for name "
        "in sorted(params)]).",
        "Return np.linalg.norm(g - g_num) / (np.linalg.norm(g) + np.linalg.norm(g_num)), with eps = 1e-5.",
    ),
)


# Question 4: one epoch of mini-batch gradient descent.


def line_gradients(params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
    """Gradients of half the mean squared error of the line ``X @ w + b`` on one batch."""
    residual = X @ params["w"] + params["b"] - Y
    return {"w": X.T @ residual / len(X), "b": residual.mean(axis=0)}


def _line_example() -> tuple:
    X = np.array([[1.0], [2.0], [3.0]])
    return {"w": np.array([[0.0]]), "b": np.array([0.0])}, X, 2.0 * X, line_gradients, 2, 0.1


def _epoch_holds(args: tuple, result: Any) -> str | None:
    return dict_problem(result, {"w": np.array([[1.76]]), "b": np.array([0.72])})


def _epoch_data() -> dict[str, Any]:
    rng = np.random.default_rng(4050)
    X1 = rng.normal(size=(10, 3))
    Y1 = X1 @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    X3 = rng.normal(size=(10, 1))
    X2, _, y2, _ = moons_split(seed=7)
    return {
        "line": {"w": rng.normal(size=(3, 1)), "b": rng.normal(size=1)},
        "X1": X1,
        "Y1": Y1,
        "line1": {"w": rng.normal(size=(1, 1)), "b": rng.normal(size=1)},
        "X3": X3,
        "Y3": 3.0 * X3 - 1.0,
        "network": _random_params(rng, 2, 6),
        "X2": X2[:100],
        "Y2": y2[:100].reshape(-1, 1).astype(float),
    }


def _epoch_cases() -> list[tuple]:
    """Batch sizes that divide n: the step itself; and a parameter that grad_fn returns no gradient for.

    ``line_gradients`` returns only ``w`` and ``b``: a loop over the keys of
    ``params`` instead of those of the gradients meets a key it has no gradient for.
    """
    data = _epoch_data()
    with_frozen = {**data["line"], "frozen": np.array([[1.5, -0.5]])}
    return [
        (data["line"], data["X1"], data["Y1"], line_gradients, 5, 0.1),
        (data["network"], data["X2"][:96], data["Y2"][:96], _gradients, 32, 0.5),
        (with_frozen, data["X1"], data["Y1"], line_gradients, 5, 0.1),
    ]


def _partial_batch_cases() -> list[tuple]:
    """A smaller last batch (of one row, too), a batch size larger than n, batches of one."""
    data = _epoch_data()
    return [
        (data["line"], data["X1"], data["Y1"], line_gradients, 4, 0.1),
        (data["line1"], data["X3"], data["Y3"], line_gradients, 3, 0.05),
        (data["network"], data["X2"], data["Y2"], _gradients, 32, 0.5),
        (data["line"], data["X1"], data["Y1"], line_gradients, 16, 0.05),
        (data["network"], data["X2"][:7], data["Y2"][:7], _gradients, 1, 0.2),
    ]


q4 = Question(
    id="q4_gd_epoch",
    points=2,
    title="One epoch of mini-batch gradient descent",
    checks=(
        FreshCallCheck(
            make_args=_line_example,
            call="gd_epoch(params, X, Y, line_gradients, batch_size=2, learning_rate=0.1) on 3 points",
            holds=_epoch_holds,
            tip="Batches are rows 0-1, then row 2 alone: keep the last, smaller batch. Each step subtracts "
            "learning_rate * gradient from every parameter, and the next batch uses the updated parameters.",
        ),
    ),
    probes=function_probes(
        (_epoch_cases, "hidden data and gradient functions", "step"),
        (_partial_batch_cases, "hidden data whose size batch_size does not divide", "batches"),
        (
            lambda: _epoch_cases() + _partial_batch_cases(),
            "hidden data and gradient functions",
            "shapes",
            {"transform": shapes_json, "verify": shaped_like_argument(0)},
        ),
        transform=flat_sorted,
    ),
    requirements=(
        Requirement(
            "batches",
            "goes through the rows in the order given, in consecutive batches of batch_size rows, the last batch "
            "smaller when batch_size does not divide n (a single batch when batch_size is larger than n)",
        ),
        Requirement(
            "step",
            "takes one step downhill per batch for every key grad_fn returns, and the next batch sees the updated "
            "parameters",
        ),
        Requirement("shapes", "returns a dict with the keys of params, each array of the shape of its parameter"),
        Requirement("unchanged", "leaves the caller's arrays unchanged"),
    ),
    hints=(
        "Loop with `for start in range(0, len(X), batch_size)` and take X[start : start + batch_size].",
        "Call grad_fn(params, X_batch, Y_batch) for each batch with the parameters as they are now, then update "
        "every name in the returned dict.",
        "Copy first, params = {name: value.copy() for name, value in params.items()}, then "
        "params[name] = params[name] - learning_rate * grads[name] for every name.",
    ),
)


# Question 5: train the network on make_moons.


def _unflatten(packed: np.ndarray, d: int) -> dict[str, np.ndarray] | None:
    m, rest = divmod(packed.size - 1, d + 2)
    if m < 1 or rest:
        return None
    sizes = np.cumsum([d * m, m, m])
    W1, b1, W2, b2 = np.split(packed, sizes)
    return {"W1": W1.reshape(d, m), "b1": b1, "W2": W2.reshape(m, 1), "b2": b2}


def _trained_flat(result: Any) -> np.ndarray:
    """Ravel a trained parameter dict after checking that W1 is (2, m) (kernel side)."""
    flat = _flat_network(result)
    if _trained_shapes_problem({name: np.shape(result[name]) for name in NAMES}):
        shapes = ", ".join(f"{name} {np.shape(result[name])}" for name in NAMES)
        raise ValueError(f"parameters of shapes {shapes}, where W1 (2, m), b1 (m,), W2 (m, 1), b2 (1,) were expected")
    return flat


def _trained_shapes_problem(got: Mapping[str, Any]) -> str | None:
    """What is wrong with the shapes of trained parameters (W1 (2, m), b1 (m,), W2 (m, 1), b2 (1,)), or None."""
    missing = [name for name in NAMES if name not in got]
    if missing:
        return f"a dict without {' and '.join(map(repr, missing))}"
    shapes = {name: tuple(got[name]) for name in NAMES}
    m = shapes["W1"][1] if len(shapes["W1"]) == 2 else None
    want = {"W1": (2, m), "b1": (m,), "W2": (m, 1), "b2": (1,)}
    wrong = [name for name in NAMES if shapes[name] != want[name]]
    if m is None or m < 1 or wrong:
        listed = ", ".join(f"{name} {shapes[name]}" for name in NAMES)
        return f"parameters of shapes {listed}, where W1 (2, m), b1 (m,), W2 (m, 1), b2 (1,) were expected"
    return None


def _trained_shapes_verify(args: tuple, output: Any) -> str | None:
    try:
        got = json.loads(str(output))
    except ValueError:
        return "something that is not a dict of arrays"
    return _trained_shapes_problem(got) if isinstance(got, dict) else "something that is not a dict of arrays"


def _accuracy(params: Mapping[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        logits = _forward(params, X)[0][:, 0]
    return float(np.mean((logits > 0) == y))


def _fresh_moons(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_moons

    return make_moons(n_samples=n, noise=0.2, random_state=seed)


def _moons_accuracy_problem(packed: np.ndarray, seed: int, n: int = 4000, swapped: bool = False) -> str | None:
    params = _unflatten(np.asarray(packed, dtype=float).ravel(), 2)
    if params is None:
        return "parameters that do not fit a network with 2 inputs, one hidden layer and 1 output"
    X, y = _fresh_moons(n, seed)
    if swapped:
        y = 1 - y
    accuracy = _accuracy(params, X, y)
    if accuracy >= ACCURACY_THRESHOLD:
        return None
    return (
        f"a network whose accuracy on {n} fresh moons points is {accuracy:.3f}; it needs at least {ACCURACY_THRESHOLD}"
    )


def _train_visible_holds(result: Any) -> str | None:
    try:
        packed = _trained_flat(result)
    except (TypeError, ValueError) as exc:
        return f"returned {exc}."
    problem = _moons_accuracy_problem(packed, seed=1)
    return f"returned {problem}." if problem else None


def _train_cases() -> list[tuple]:
    X, _, y, _ = moons_split(seed=2024)
    return [(X, y.reshape(-1, 1).astype(float))]


def _train_verify(args: tuple, output: np.ndarray) -> str | None:
    return _moons_accuracy_problem(output, seed=_FRESH_MOONS_SEED)


def _swapped_train_cases() -> list[tuple]:
    """The same two moons with their labels swapped (the lower moon is class 0).

    A network trained on the X and Y it is given learns this as well as the
    usual labels: the solution and two other recipes score 0.960-0.970 on
    fresh swapped moons (training draws seeds 2024, 7 and 11). One trained on
    the notebook's ``X_train`` and ``Y_train`` instead scores 0.04.
    """
    X, _, y, _ = moons_split(seed=2025)
    return [(X, (1 - y).reshape(-1, 1).astype(float))]


def _swapped_verify(args: tuple, output: np.ndarray) -> str | None:
    return _moons_accuracy_problem(output, seed=_FRESH_MOONS_SEED + 1, swapped=True)


def _public_training_set() -> tuple[np.ndarray, np.ndarray]:
    X, _, y, _ = moons_split()
    return X, y.reshape(-1, 1).astype(float)


q5 = Question(
    id="q5_train_network",
    points=3,
    title="Train the network on make_moons",
    checks=(
        PropertyCheck(
            args=_public_training_set(),
            call="train_network(X_train, Y_train)",
            holds=_train_visible_holds,
            tip="Try 16 hidden units, mini-batches of 32, learning rate 0.5 and a few hundred epochs, shuffling "
            "the training set at the start of every epoch.",
        ),
    ),
    probes=function_probes(
        (_train_cases, "a hidden training set", "shapes", {"verify": _trained_shapes_verify, "transform": shapes_json}),
        (_train_cases, "a hidden training set, measured on fresh moons", "accuracy", {"verify": _train_verify}),
        (
            _swapped_train_cases,
            "a second hidden training set, measured on fresh points labelled the same way",
            "given",
            {"verify": _swapped_verify},
        ),
        transform=_trained_flat,
    ),
    requirements=(
        Requirement(
            "shapes", "returns the trained parameters as a dict: W1 of shape (2, m), b1 (m,), W2 (m, 1), b2 (1,)"
        ),
        Requirement("accuracy", "classifies at least 94% of new points from the same two moons correctly"),
        Requirement("given", "trains on the X and Y it is given, not on the notebook's X_train and Y_train"),
        Requirement("unchanged", "leaves X and Y unchanged"),
    ),
    hints=(
        "Start from init_params(n_in=2, n_hidden=16, seed=0) and a generator rng = np.random.default_rng(0).",
        "Each epoch: order = rng.permutation(len(X)), then params = gd_epoch(params, X[order], Y[order], gradients, "
        "32, 0.5).",
        "300 epochs take well under a second. If the accuracy stays near 0.87, run your gradient check on "
        "backward: a missing bias gradient gives just that.",
    ),
)

EXERCISE = Exercise(notebook="04_backpropagation", questions=(q1, q2, q3, q4, q5))
