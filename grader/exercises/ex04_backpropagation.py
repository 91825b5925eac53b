"""Exercise 04, backpropagation: the backward pass, a gradient check, a gradient-descent epoch, training.

The network is lesson 04's: ``Z1 = X W1 + b1``, ``H = relu(Z1)``, ``Z2 = H W2 + b2``,
``P = sigmoid(Z2)``, scored with the binary cross-entropy averaged over the batch.
Parameters live in a dict with the keys ``W1`` (d, m), ``b1`` (m,), ``W2`` (m, 1), ``b2`` (1,).
Each question's requirements say what its hidden tests catch; the case functions
say which mistake each case is there for. No reference backward pass ships here:
visible checks compare with stored gradients, and the judge measures a gradient
check against `grader.references.backprop`, imported inside the judging function only.
"""

from __future__ import annotations

import base64
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
from grader.two_layer import (
    NAMES,
    accuracy,
    flat_network,
    forward,
    fresh_moons,
    network_loss,
    random_batch,
    random_params,
    trained_shapes_problem,
    unflatten,
)

CHECK_THRESHOLD = 1e-6  # the largest relative error a gradient check may report for exact gradients
ACCURACY_THRESHOLD = 0.94  # right solutions reach about 0.97 on fresh moons; linear-ish boundaries about 0.87
_FRESH_MOONS_SEED = 48_611  # not the public random_state=0 of the notebook's data


def _near_kinks(seed: int, n: int = 12, m: int = 6, gap: float = 0.005) -> tuple[dict, np.ndarray, np.ndarray]:
    """Parameters whose hidden sums each sit ``gap`` from a ReLU kink for one example.

    A step of 1e-2 in a gradient check crosses those kinks and reports a large
    error for exact gradients; steps from 1e-3 down to 1e-8 do not.
    """
    rng = np.random.default_rng(seed)
    X, Y = random_batch(rng, n, 2)
    params = random_params(rng, 2, m)
    chosen = rng.choice(n, size=m, replace=False)
    signs = rng.choice([-1.0, 1.0], size=m)
    params["b1"] = -np.einsum("jd,dj->j", X[chosen], params["W1"]) + signs * gap
    return params, X, Y


# Question 1: the backward pass.


def _lesson_init(n_in: int, n_hidden: int, seed: int) -> dict[str, np.ndarray]:
    """The notebook's ``init_params``: scaled normal weights, zero biases."""
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_hidden))
    W2 = rng.normal(0.0, np.sqrt(1.0 / n_hidden), size=(n_hidden, 1))
    return {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(1)}


def _q1_example() -> tuple:
    """The example of the question's text: four training points, three hidden units."""
    X_train, _, y_train, _ = moons_split()
    params = _lesson_init(2, 3, seed=0)
    X, Y = X_train[:4], y_train[:4].reshape(-1, 1).astype(float)
    return params, forward(params, X)[1], Y


def _q1_single() -> tuple:
    rng = np.random.default_rng(41)
    params = random_params(rng, 3, 4)
    X, Y = random_batch(rng, 1, 3)
    return params, forward(params, X)[1], Y


# The gradients of the two visible examples, computed once with grader.references.backprop.network_gradients.
_EXAMPLE_GRADIENTS = {
    "W1": np.array([[-0.020400401863139458, -0.053011279328477386, 0.011009571410161336],
                    [0.07109141213500408, 0.006526846450012636, -0.03836620395031222]]),
    "b1": np.array([0.07063996399777245, -0.011984887675373104, -0.03812256901908978]),
    "W2": np.array([[0.006498577930384272], [0.00641337312080857], [0.016791094533992842]]),
    "b2": np.array([0.2188282227411791]),
}  # fmt: skip
_SINGLE_GRADIENTS = {
    "W1": np.array([[0.0, 0.0, 0.0, -0.08095566537828153], [0.0, 0.0, 0.0, 0.02531311631151352],
                    [0.0, 0.0, 0.0, -0.03400488660347214]]),
    "b1": np.array([0.0, 0.0, 0.0, -0.09208403388891072]),
    "W2": np.array([[0.0], [0.0], [0.0], [0.6673332645355199]]),
    "b2": np.array([0.42800760282320743]),
}  # fmt: skip


def _backward_holds(expected: Mapping[str, np.ndarray]) -> Callable[[tuple, Any], str | None]:
    return lambda args, result: dict_problem(result, expected, n=len(args[2]))


def _backward_cases(seed: int, sizes: list[tuple]) -> Callable[[], list[tuple]]:
    """Cases (params, cache, Y) for each (n, d, m[, bias scale]), drawn from one seeded generator."""

    def cases() -> list[tuple]:
        rng = np.random.default_rng(seed)
        made = []
        for n, d, m, *bias_scale in sizes:
            params = random_params(rng, d, m, *bias_scale)
            X, Y = random_batch(rng, n, d)
            made.append((params, forward(params, X)[1], Y))
        return made

    return cases


_value_cases = _backward_cases(404, [(7, 2, 5, 0.3), (40, 4, 10, 1.0), (25, 2, 16, 0.5), (9, 1, 1, 0.5)])
_single_cases = _backward_cases(405, [(1, 3, 4), (1, 2, 1), (1, 1, 6)])  # np.squeeze or a fixed n breaks here


def _backward_boundary_cases() -> list[tuple]:
    """Hidden sums exactly 0 (a row of zeros meets zero biases): the ReLU's slope there is 0, as 1[Z1 > 0] says."""
    rng = np.random.default_rng(406)
    params = random_params(rng, 3, 6)
    params["b1"][[0, 2, 5]] = 0.0
    X, Y = random_batch(rng, 8, 3)
    X[[1, 4]] = 0.0
    Y[[1, 4]] = [[0.0], [1.0]]
    return [(params, forward(params, X)[1], Y)]


q1 = Question(
    id="q1_backward",
    points=3,
    title="Backward pass of the two-layer network",
    checks=(
        FreshCallCheck(
            make_args=_q1_example,
            call="backward(params, cache, Y) for the example above",
            holds=_backward_holds(_EXAMPLE_GRADIENTS),
            tip="Start from dZ2 = (sigmoid(Z2) - Y) / n and follow the lesson's six lines; each gradient has its parameter's shape.",
        ),
        FreshCallCheck(
            make_args=_q1_single,
            call="backward(params, cache, Y) on a batch of 1 example",
            holds=_backward_holds(_SINGLE_GRADIENTS),
            tip="Use the sizes from the arrays (n = len(X)), never fixed numbers.",
        ),
    ),
    probes=(
        *function_probes(
            (_value_cases, "a hidden batch", "value"),
            (_single_cases, "a hidden batch of one example", "batch"),
            (_backward_boundary_cases, "a hidden batch where some hidden sums are exactly 0", "relu"),
            transform=flat_network,
        ),
        FunctionProbe(
            cases=lambda: _value_cases() + _single_cases(),
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
    M, v, T = params["M"], params["v"], params["T"]
    return float(np.sum(np.sin(M) * M**2) + np.prod(v) + np.sum(v**4) + np.sum(np.cos(T) * T) + float(params["c"][0]) ** 3)


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
    wavy = {"M": rng.normal(size=(2, 3)), "v": rng.normal(size=3), "T": rng.normal(size=(2, 1, 3)), "c": np.array([0.7])}
    params, X, Y = _near_kinks(4043)
    smooth = random_params(rng, 3, 4)
    X2, Y2 = random_batch(rng, 10, 3)
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

# Exact gradients at _near_kinks(seed), W1 b1 W2 b2 raveled, as little-endian float64 in base64: computed once with
# grader.references.backprop.network_gradients (bit for bit what the judge recomputes), so no backward pass ships.
_EXACT_AT_KINKS = {
    4044: "GAqcYFaQkL8sEqoYAHulvw5gynR6X8w/yenK26DKoT9fQAskbuSvP9MMmhKsNo8/6gTenUb8kr8j8ZAPIIS5v4dZlGPj9cE/NwAcHF46tz8Y7A"
    "BRMiGTPxTg2vBx1X4/oCQxzQ6GYb/UQEh9oz+tP5NTIWWsp6q/tdF21EKTqL9ujVlrqlWGP3h6TLm5nIE/CsgJ4G5G0b/HQ+q1PRDbv02MBQk/"
    "/ZO/6nzV1rDOh7+1LrJ3F1a4P1ST1k5gvCC/+gjo7LrlsL8=",
    4045: "qnRXGZEHjL883u3TIjq1P2nM4OTzAKK/n3sFbI7xsj8kUWUQorWRvw0LLMsYgak/0z1kri39k79rQjivZ9OkP83CPaFJC5g/6++PdtOepz/1RO"
    "kyvpegv0SvqDFdgKY/wlbWvchojL/c8Gy0uZe6Py7CObuAc6O/q8Q5ao2vsz80yvafo5KtvytcsZPZP7A/mjPqct5roz+9mrOG9Wy6P2SwR/ET"
    "QZI/nEEbVpS47T8pU8NNdi2SP6mcIBwVO8s/NK0oGSwExz8=",
    4046: "Ae8964i1l78/mr2glwe3vx1PtMXbJWy/aHrPObnwp7/BZF2zTuekv+AICxgThnW/y9yZ+aPVh7/3XO42LJytv5YcCV663Cm/SGgKT4jXqT8m1j"
    "ojICh3P/WVNUv0w14/XOAJk+/LsD8YprqzvrLKP4OMR82mE2E/hQZxUgiosL8hmgU1L5GaP2QpRevPulK/4SCmF7Umv7/L/LppdK/Cv4pSBe+a"
    "z6a/IG19Yp6kn7/TnkDYK/2+v6R0A+5oiWW/pCwACdWHzr8=",
    4047: "N5wKWFBG178vZ0FxyYu+v0cXa8f10pi//Q0MR0pKvL8HsGPg8eNqv/8oRTeDE6+/i1KVReIpmb/WuRF94v+iv484sVLlpp8/FkyD114WmD/JcJ"
    "NqGNhlv44q8PF6Eau/KzZjjW+T3z/8T3LBm/fFPzxY9y90f5k/ZYkH9S9NtT+KMF7KwadYv+xFctvBO5o/5C5Hbfr0+b9UN9+HdprFv2xceZn6"
    "erS/LlI/5/722L8L7PpUMluOv2hklAC4RTu/llhgK18E4r8=",
    4048: "modJv/9JkT8C8w4MAT97P4qA+2g68KM/H3xmzKsVY79XWx2XdjKrv1jfTiWqmHm/gnw0j2m/s79BjIQciyZ3v0pSwN4G/ri/jXzwLrYpj78Z1U"
    "C3vnmYP1/SJXq4rG0/tC07q8xvub9XJCzzjYmVv/I9u8WLRb6/cL3/y7fnkb9wbVz6akfEPymZiKoGM28/d7Jz6b+fwb/VKGXnwWjRv+2j8ysx"
    "/a6/cDAiaSpoSj89WNL1zv7Sv0JL1sP9fI2/5XAZ5DGk1b8=",
    4049: "Oegwc7puRL9AG2KhTkSpP00KgXkl0oy/3AE/8o6ecb8pEy9GTGc0P4dgqAZ9RXm/AVGJ0os2TD/c6ew+feqQP5kwbB0PxZi/8/GeOoxroz/P/I"
    "mT04xoP8cy68kPq3w/29cmz3eYd78+u7cKveR7P8TpguV6VJY//sA8f0PCnr9Y1lt1Iwtiv7WOiesJg30/gtvmFmOWgb+lLauX/CquP1Ko+4KM"
    "sbg/bKw7fOadtT8VKT9vijPFP3w5rVDFzoO/APYiy1qrtT8=",
    4051: "jbxP5+8Zsr++ewPcE597vyUD0v9u37S/Msu/QgAAgT/jomxJbjiAv8I/G+S/AYA/WkeJHyaZqb/txqIFIAeHv+JwuYH+hae/Pnmk3c/EkT/DR5"
    "RKSfWivybmf1fRJJS//hrT919Gor9qLjQRg8F7v+nDde7yiaY/Dp0/+OrznD+jIKm63jKUv1UE2pVPqK6//4Izjow9vL80XqP9lQW8vwK3Y/eE"
    "gMS/Vvml4fSg5L9z39kI9Zi2v9/6xyMSftS/vRJCjy6ay78=",
    4052: "/vSwJVjymb8wCF39i4yHP8RXJ2uKt3o/aCyoJX59i7/n6iSBLGxJPzOnoy8RX1E/+POHPCXFtL/sWxVCkW+gv6j+Xmt4DLy/X3Zb7Idin78Mux"
    "r3GQdIv6vjnAu0PLM/Rz+bw3v/qj/AXNYeBPipP0snUPVJP8A/vOFJ4WnPkz9AXkTKWg47P2mZoRXdba+/Ym7dRn2ksL8cqWxxIvbpv6np0zd0"
    "9cG/L77Hb4Cepr8ulg+j59NzPwxx9t5g0b+/YckNZrFNyr8=",
}
_VISIBLE_CHECK_SEED = 4044


def _check_case(seed: int, factors: Mapping[str, float]) -> tuple:
    params, X, Y = _near_kinks(seed)
    exact = unflatten(np.frombuffer(base64.b64decode(_EXACT_AT_KINKS[seed]), dtype="<f8").copy(), 2)
    return network_loss(X, Y), params, {name: exact[name] * factors.get(name, 1.0) for name in exact}


def _check_problem(args: tuple, reported: float, exact: Mapping[str, np.ndarray], show: bool = False) -> str | None:
    """What is wrong with a reported relative error; only the visible check (``show``) states the true one."""
    if not np.isfinite(reported):
        return f"{reported}, which is not a finite number"
    got, want = flat_network(args[2]), flat_network(exact)
    expected = float(np.linalg.norm(got - want) / max(np.linalg.norm(got) + np.linalg.norm(want), 1e-300))
    if expected == 0.0:
        if 0.0 <= reported < CHECK_THRESHOLD:
            return None
        return f"a relative error of {reported:.1e} for gradients that are exactly right (it should be below {CHECK_THRESHOLD:.0e})"
    if abs(reported - expected) <= 1e-3 * expected:
        return None
    if not show:
        return f"a relative error of {reported:.4g}, which is not the relative error these wrong gradients have"
    return f"a relative error of {reported:.4g} for gradients whose relative error is {expected:.4g}"


def _check_holds(args: tuple, result: Any) -> str | None:
    value = as_float_array(result)
    if value is None or value.size != 1:
        return f"returned {describe(result)}; it should return one number."
    problem = _check_problem(args, float(value.ravel()[0]), _check_case(_VISIBLE_CHECK_SEED, {})[2], show=True)
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
    """Judge side: the reported error against the reference gradients (instructor side, imported here only)."""
    from grader.references.backprop import network_gradients

    if output.shape != ():
        return f"an array of shape {output.shape} where one number was expected"
    loss_fn, params, _ = args
    return _check_problem(args, float(output), network_gradients(params, loss_fn.keywords["X"], loss_fn.keywords["Y"]))


def _number_array(result: Any) -> np.ndarray:
    """The answer as a float array of its own shape (kernel side), so the judge sees whether it is one number."""
    return np.asarray(result, dtype=float)


def _check_cases() -> list[tuple]:
    """Wrong gradients: the check must report the error they really have."""
    factors = [{"W1": 2.0, "b1": 2.0, "W2": 2.0, "b2": 2.0}, {"b1": 0.0, "b2": 0.0}, {"W2": 1.01}]
    return [_check_case(seed, scale) for seed, scale in zip((4047, 4048, 4049), factors, strict=True)]


def _step_cases() -> list[tuple]:
    """Exact gradients, with hidden sums a few thousandths from a ReLU kink."""
    return [_check_case(4045, {}), _check_case(4046, {})]


def _order_cases() -> list[tuple]:
    """grads with its keys in another order than params: g and g_num must still line up."""
    cases = [_check_case(4051, {}), _check_case(4052, {"b1": 3.0})]
    return [(loss_fn, params, {name: grads[name] for name in reversed(list(grads))}) for loss_fn, params, grads in cases]


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


def _network_pull(params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
    """A grad_fn for the network's four arrays: smooth in the parameters, drawn from the batch.

    Not the network's gradient (that is question 1's answer, which must not ship): gd_epoch only calls it,
    and any function of the parameters and the batch shows a batch skipped, a stale step or a wrong order.
    """
    H = np.tanh(X @ params["W1"] + params["b1"])
    R = np.tanh(H @ params["W2"] + params["b2"]) - Y
    return {"W1": X.T @ (R * H) / len(X), "b1": (R * H).mean(axis=0), "W2": H.T @ R / len(X), "b2": R.mean(axis=0)}


def _line_example() -> tuple:
    X = np.array([[1.0], [2.0], [3.0]])
    return {"w": np.array([[0.0]]), "b": np.array([0.0])}, X, 2.0 * X, line_gradients, 2, 0.1


def _epoch_holds(args: tuple, result: Any) -> str | None:
    return dict_problem(result, {"w": np.array([[1.76]]), "b": np.array([0.72])})


def _epoch_data() -> dict[str, tuple]:
    """Parameters, X and Y of three problems: a line in 3 inputs, a line in 1 input, the network on moons."""
    rng = np.random.default_rng(4050)
    X1 = rng.normal(size=(10, 3))
    Y1 = X1 @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    X3 = rng.normal(size=(10, 1))
    X2, _, y2, _ = moons_split(seed=7)
    line = {"w": rng.normal(size=(3, 1)), "b": rng.normal(size=1)}
    line1 = {"w": rng.normal(size=(1, 1)), "b": rng.normal(size=1)}
    network = (random_params(rng, 2, 6), X2[:100], y2[:100].reshape(-1, 1).astype(float))
    frozen = {**line, "frozen": np.array([[1.5, -0.5]])}  # a key line_gradients returns no gradient for
    return {"line": (line, X1, Y1), "line1": (line1, X3, 3.0 * X3 - 1.0), "network": network, "frozen": (frozen, X1, Y1)}


def _epochs(*rows: tuple) -> Callable[[], list[tuple]]:
    """Cases (params, X, Y, grad_fn, batch_size, learning_rate) from rows (problem, rows kept, batch size, rate)."""

    def cases() -> list[tuple]:
        data = _epoch_data()
        made = []
        for problem, rows_kept, batch_size, rate in rows:
            params, X, Y = data[problem]
            grad_fn = _network_pull if problem == "network" else line_gradients
            made.append((params, X[:rows_kept], Y[:rows_kept], grad_fn, batch_size, rate))
        return made

    return cases


# Batch sizes that divide n: the step itself; and a parameter that grad_fn returns no gradient for.
_epoch_cases = _epochs(("line", None, 5, 0.1), ("network", 96, 32, 0.5), ("frozen", None, 5, 0.1))
# A smaller last batch (of one row, too), a batch size larger than n, batches of one.
_partial_batch_cases = _epochs(
    ("line", None, 4, 0.1), ("line1", None, 3, 0.05), ("network", None, 32, 0.5), ("line", None, 16, 0.05),
    ("network", 7, 1, 0.2),
)  # fmt: skip

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
        (lambda: _epoch_cases() + _partial_batch_cases(), "hidden data and gradient functions",
            "shapes", {"transform": shapes_json, "verify": shaped_like_argument(0)}),
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


def _trained_flat(result: Any) -> np.ndarray:
    """Ravel a trained parameter dict after checking that W1 is (2, m) (kernel side)."""
    flat = flat_network(result)
    if trained_shapes_problem({name: np.shape(result[name]) for name in NAMES}):
        shapes = ", ".join(f"{name} {np.shape(result[name])}" for name in NAMES)
        raise ValueError(f"parameters of shapes {shapes}, where W1 (2, m), b1 (m,), W2 (m, 1), b2 (1,) were expected")
    return flat


def _trained_shapes_verify(args: tuple, output: Any) -> str | None:
    try:
        got = json.loads(str(output))
    except ValueError:
        return "something that is not a dict of arrays"
    return trained_shapes_problem(got) if isinstance(got, dict) else "something that is not a dict of arrays"


def _moons_accuracy_problem(packed: np.ndarray, seed: int, n: int = 4000, swapped: bool = False) -> str | None:
    params = unflatten(np.asarray(packed, dtype=float).ravel(), 2)
    if params is None:
        return "parameters that do not fit a network with 2 inputs, one hidden layer and 1 output"
    X, y = fresh_moons(n, seed)
    measured = accuracy(params, X, 1 - y if swapped else y)
    if measured >= ACCURACY_THRESHOLD:
        return None
    return f"a network whose accuracy on {n} fresh moons points is {measured:.3f}; it needs at least {ACCURACY_THRESHOLD}"


def _train_visible_holds(result: Any) -> str | None:
    try:
        packed = _trained_flat(result)
    except (TypeError, ValueError) as exc:
        return f"returned {exc}."
    problem = _moons_accuracy_problem(packed, seed=1)
    return f"returned {problem}." if problem else None


def _moons_training_set(seed: int | None = None, swapped: bool = False) -> list[tuple]:
    X, _, y, _ = moons_split() if seed is None else moons_split(seed=seed)
    return [(X, (1 - y if swapped else y).reshape(-1, 1).astype(float))]


# The same two moons with their labels swapped (the lower moon is class 0). A network trained on the X and Y it is
# given learns this as well as the usual labels: the solution and two other recipes score 0.960-0.970 on fresh
# swapped moons (training draws seeds 2024, 7 and 11). One trained on the notebook's X_train and Y_train scores 0.04.
_swapped_train_cases = partial(_moons_training_set, 2025, swapped=True)

q5 = Question(
    id="q5_train_network",
    points=3,
    title="Train the network on make_moons",
    checks=(
        PropertyCheck(
            args=_moons_training_set()[0],
            call="train_network(X_train, Y_train)",
            holds=_train_visible_holds,
            tip="Try 16 hidden units, mini-batches of 32, learning rate 0.5 and a few hundred epochs, shuffling "
            "the training set at the start of every epoch.",
        ),
    ),
    probes=function_probes(
        (partial(_moons_training_set, 2024), "a hidden training set",
            "shapes", {"verify": _trained_shapes_verify, "transform": shapes_json}),
        (partial(_moons_training_set, 2024), "a hidden training set, measured on fresh moons", "accuracy",
            {"verify": lambda args, output: _moons_accuracy_problem(output, seed=_FRESH_MOONS_SEED)}),
        (_swapped_train_cases, "a second hidden training set, measured on fresh points labelled the same way", "given",
            {"verify": lambda args, output: _moons_accuracy_problem(output, seed=_FRESH_MOONS_SEED + 1, swapped=True)}),
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
