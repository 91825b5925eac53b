"""Exercise 02, activations and losses: derivatives, a stable softmax, cross-entropies and their gradient.

Conventions, as in the lesson: the leaky ReLU's slope for negative inputs is
``alpha`` (0.1 by default); at ``z == 0`` the ReLU-family derivatives take the
value of the negative side (0 for ReLU, ``alpha`` for leaky ReLU); losses clip
probabilities to ``[1e-7, 1 - 1e-7]`` and average over the examples of a batch.

Each question has one probe per requirement it names (shape, values, the edges), and
each case function's docstring says which mistake its cases catch (a wrong axis or a
missing ``keepdims`` shows only on square batches, say); every probe also checks that
the inputs are left unchanged. Correct answers computed in float32 pass (``_CLIP_RTOL``).
"""

from __future__ import annotations

from functools import partial
from operator import itemgetter

import numpy as np

from keras_course.checks import FunctionCheck
from keras_course.probes import array_shape, function_probes, numpy_result
from keras_course.question import Exercise, Question, Requirement

# Losses are compared with these tolerances: clipping both sides or only the lower side, or
# guarding with log(p + epsilon), changes a loss by far less, and all of these are correct.
# The mistakes (nan, inf, a factor n or K, a flipped sign) are off by much more.
_LOSS_ATOL = 1e-6
_LOSS_RTOL = 1e-4
# Where probabilities of exactly 0 or 1 are clipped: float32 cannot hold 1 - 1e-7 (it rounds to 1 - 1.19e-7),
# so a correct float32 binary cross-entropy is up to 1.1% lower there (measured: 1.09e-2 at most, 5.4e-3 with
# two such examples of four, 8.7e-4 for epsilon=1e-6). The mistakes these cases catch are off by far more:
# inf or nan (no clipping, one side only), 15-40% (an epsilon fixed in the code), 4% (epsilon / 2).
_CLIP_RTOL = 2e-2
_loss_check = partial(FunctionCheck, rtol=_LOSS_RTOL, atol=_LOSS_ATOL)


def _sigmoid_derivative_cases() -> list[tuple]:
    rng = np.random.default_rng(2101)
    return [(np.array(0.0),), (np.linspace(-10.0, 10.0, 21),), (rng.normal(scale=3.0, size=(4, 5)),),
            (rng.normal(scale=2.0, size=(1, 1)),), (rng.normal(scale=2.0, size=(2, 1, 3)),), (1.5,)]  # fmt: skip


def _sigmoid_derivative_extreme() -> list[tuple]:
    return [(np.array([-1000.0, -745.0, -50.0, 50.0, 745.0, 1000.0]),), (np.array([[-1000.0], [1000.0]]),)]


def _leaky_cases() -> list[tuple]:
    """The lesson's alpha and zeros among the inputs: the value at z == 0 is the negative side's."""
    rng = np.random.default_rng(2102)
    mixed = rng.normal(size=(3, 4))
    mixed[0, 1] = mixed[2, 3] = 0.0
    return [
        (mixed, 0.1),
        (np.array([-3.0, -1e-12, 0.0, -0.0, 1e-12, 3.0]), 0.1),
        (np.array(0.0), 0.1),
        (np.array([[0.0]]), 0.1),
        (np.array([0.0, 2.0]), 0.1),
    ]


def _leaky_alpha_cases() -> list[tuple]:
    """Other slopes, and none given (the default, 0.1)."""
    rng = np.random.default_rng(2103)
    mixed = rng.normal(size=(3, 4))
    mixed[1, 2] = 0.0
    return [
        (mixed, 0.0),
        (np.array([-3.0, -1e-12, 0.0, -0.0, 1e-12, 3.0]), 0.3),
        (np.array(0.0), 0.2),
        (rng.normal(scale=5.0, size=20), 0.01),
        (mixed,),
        (np.array([-2.0, 0.0, 0.5]),),
    ]


def _leaky_shape_cases() -> list[tuple]:
    rng = np.random.default_rng(2104)
    return [(rng.normal(size=(1, 1)), 0.1), (rng.normal(size=(1,)), 0.1), (rng.normal(size=(2, 1, 3)), 0.1),
            (np.array(0.0), 0.1)]  # fmt: skip


def _ordinary_logits() -> list[tuple]:
    rng = np.random.default_rng(2103)
    return [(rng.normal(scale=2.0, size=(6, 4)),), (rng.normal(scale=3.0, size=(50, 10)),)]


def _batch_logits() -> list[tuple]:
    """One row, one column, and square batches (where a wrong axis or a missing keepdims raises nothing)."""
    rng = np.random.default_rng(2104)
    return [(rng.normal(size=(1, 5)),), (rng.normal(size=(5, 1)),), (rng.normal(size=(1, 1)),),
            (rng.normal(scale=2.0, size=(4, 4)),),
            (rng.normal(size=(3, 3)) + np.array([[0.0], [5.0], [-5.0]]),)]  # fmt: skip


def _extreme_logits() -> list[tuple]:
    rng = np.random.default_rng(2105)
    extreme = np.array([[1000.0, 0.0, -5.0], [-1000.0, -1001.0, -1003.0], [3.0, 3.0, 3.0]])
    return [(extreme,), (rng.normal(scale=400.0, size=(8, 6)),)]


def _one_hot(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    return np.eye(k)[rng.integers(0, k, size=n)]


def _bce_ordinary() -> list[tuple]:
    rng = np.random.default_rng(2106)
    return [
        (rng.uniform(0.01, 0.99, size=20), rng.integers(0, 2, size=20).astype(float)),
        (rng.uniform(0.001, 0.999, size=200), rng.integers(0, 2, size=200).astype(float)),
    ]


def _bce_shapes() -> list[tuple]:
    """Columns of shape (n, 1) and batches of one: the loss is still one number."""
    rng = np.random.default_rng(2116)
    return [
        (np.array([0.3]), np.array([1.0])),
        (rng.uniform(0.05, 0.95, size=(12, 1)), rng.integers(0, 2, size=(12, 1)).astype(float)),
        (np.array([[0.8]]), np.array([[0.0]])),
    ]


def _bce_epsilon() -> list[tuple]:
    """An epsilon other than the default: the clipping must use the one it is given."""
    return [
        (np.array([1.0, 0.0, 0.5, 0.0]), np.array([0.0, 1.0, 1.0, 0.0]), 1e-5),
        (np.array([[1.0], [0.25]]), np.array([[0.0], [1.0]]), 1e-6),
    ]


def _bce_extreme() -> list[tuple]:
    return [
        (np.array([1.0, 0.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.0, 1.0])),
        (np.array([1.0, 0.0, 0.5]), np.array([1.0, 0.0, 1.0])),
        (np.array([1e-12, 1.0 - 1e-12, 0.7]), np.array([1.0, 0.0, 1.0])),
        (np.array([1.0, 1.0]), np.array([0.0, 0.0])),
    ]


def _softmax_rows(rng: np.random.Generator, n: int, k: int, scale: float) -> np.ndarray:
    z = rng.normal(scale=scale, size=(n, k))
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _cce_ordinary() -> list[tuple]:
    rng = np.random.default_rng(2107)
    return [
        (_softmax_rows(rng, 8, 5, 1.5), _one_hot(rng, 8, 5)),
        (_softmax_rows(rng, 100, 10, 2.0), _one_hot(rng, 100, 10)),
        (_softmax_rows(rng, 6, 2, 1.0), _one_hot(rng, 6, 2)),
        (_softmax_rows(rng, 3, 7, 1.0), _one_hot(rng, 3, 7)),
    ]


def _cce_shapes() -> list[tuple]:
    """A batch of one and a square batch: the loss is still one number, the mean over the examples."""
    rng = np.random.default_rng(2117)
    return [
        (_softmax_rows(rng, 1, 3, 1.0), _one_hot(rng, 1, 3)),
        (_softmax_rows(rng, 4, 4, 1.0), _one_hot(rng, 4, 4)),
    ]


def _cce_epsilon() -> list[tuple]:
    """An epsilon other than the default, with a zero on a true class."""
    p = np.array([[0.0, 0.5, 0.5], [0.2, 0.3, 0.5], [0.1, 0.9, 0.0]])
    y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    return [(p, y, 1e-5), (p[:1], y[:1], 1e-6)]


def _cce_extreme() -> list[tuple]:
    p = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.2, 0.3, 0.5]])
    return [
        (p, np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])),  # zeros only off the true class
        (p, np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])),  # a zero on the true class
    ]


def _gradient_ordinary() -> list[tuple]:
    rng = np.random.default_rng(2108)
    return [
        (rng.normal(scale=2.0, size=(5, 3)), _one_hot(rng, 5, 3)),
        (rng.normal(scale=2.0, size=(64, 10)), _one_hot(rng, 64, 10)),
        (rng.normal(scale=2.0, size=(3, 6)), _one_hot(rng, 3, 6)),
    ]


def _gradient_shapes() -> list[tuple]:
    """A batch of one, a square batch and two classes: the gradient has the shape of z."""
    rng = np.random.default_rng(2118)
    return [
        (rng.normal(size=(1, 4)), _one_hot(rng, 1, 4)),
        (rng.normal(scale=2.0, size=(4, 4)), _one_hot(rng, 4, 4)),
        (rng.normal(size=(1, 2)), _one_hot(rng, 1, 2)),
    ]


def _gradient_extreme() -> list[tuple]:
    rng = np.random.default_rng(2109)
    z = np.array([[1000.0, 0.0, -5.0], [-1000.0, -1001.0, -1003.0], [3.0, 3.0, 3.0]])
    return [
        (z, np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])),
        (rng.normal(scale=400.0, size=(8, 6)), _one_hot(rng, 8, 6)),
    ]


# The hidden cell of question 1 passes ``(sigmoid, sigmoid_derivative)``: each probe selects one.
_the_sigmoid, _the_derivative = itemgetter(0), itemgetter(1)


q1 = Question(
    id="q1_sigmoid_derivative",
    points=1,
    title="Derivative of the sigmoid",
    checks=(
        FunctionCheck((np.array(0.0),), 0.25, "sigmoid_derivative(0.0)",
            tip="At z = 0 the sigmoid is 0.5, so its slope is 0.5 * (1 - 0.5): apply s * (1 - s) to s = sigmoid(z), "
            "not to z itself."),
        FunctionCheck((np.array([-2.0, 0.0, 2.0]),),
            np.array([0.104993585404, 0.25, 0.104993585404]), "sigmoid_derivative([-2, 0, 2])",
            tip="The formula uses s = sigmoid(z), not z itself: compute s first, then s * (1 - s)."),
        FunctionCheck((np.array([-1000.0, 1000.0]),), np.array([0.0, 0.0]), "sigmoid_derivative([-1000, 1000])",
            tip="Far from 0 the sigmoid is flat, so its slope is 0. Written as exp(-z) / (1 + exp(-z))**2 it "
            "divides inf by inf; compute sigmoid(z) first and use s * (1 - s)."),
    ),
    probes=function_probes(
        (_sigmoid_derivative_cases, "hidden inputs (your sigmoid)", ("sigmoid",), {"select": _the_sigmoid}),
        (_sigmoid_derivative_cases, "hidden inputs (the shape of the result)", "shape", {"transform": array_shape}),
        (_sigmoid_derivative_cases, "hidden inputs", "value"),
        (_sigmoid_derivative_extreme, "hidden inputs as large as 1000", "finite"),
        select=_the_derivative,
    ),
    hints=(
        "The lesson's formula: sigma'(z) = sigma(z) * (1 - sigma(z)).",
        "Call your `sigmoid` once, keep the result in a variable `s`, and return `s * (1 - s)`.",
        "If `sigmoid` warns about overflow for z = -1000, write it as `0.5 * (1 + np.tanh(z / 2))`: "
        "the same function, and np.tanh never overflows.",
    ),
    requirements=(
        Requirement("sigmoid", "your sigmoid returns 1 / (1 + e^(−z)) for each element of z"),
        Requirement("value", "returns σ(z)(1 − σ(z)) for each element of z"),
        Requirement("shape", "returns a result of the shape of z, for a number or an array of any shape"),
        Requirement("finite", "returns 0, not `nan`, for inputs as large as ±1000"),
        Requirement("unchanged", "leaves z unchanged"),
    ),
)

q2 = Question(
    id="q2_leaky_relu_derivative",
    points=2,
    title="Derivative of the (leaky) ReLU",
    checks=(
        FunctionCheck((np.array([-2.0, 0.0, 2.0]),), np.array([0.1, 0.1, 1.0]), "leaky_relu_derivative([-2, 0, 2])",
            tip="At z = 0 use the slope of the negative side, alpha (0.1 by default), as the lesson does."),
        FunctionCheck((np.array([-3.0, 0.0, 0.5]), 0.0),
            np.array([0.0, 0.0, 1.0]), "leaky_relu_derivative([-3, 0, 0.5], alpha=0.0)",
            tip="With alpha = 0 this is the ReLU's derivative: 0 for z <= 0 and 1 for z > 0. "
            "Use the alpha you are given, not a fixed 0.1."),
        FunctionCheck((np.array([[-1.0, 4.0], [0.0, -0.5]]), 0.3),
            np.array([[0.3, 1.0], [0.3, 0.3]]), "leaky_relu_derivative([[-1, 4], [0, -0.5]], alpha=0.3)",
            tip="The derivative is a slope, alpha, not the leaky ReLU's value alpha * z; it must keep the shape of z."),
    ),
    probes=function_probes(
        (_leaky_shape_cases, "hidden inputs (the shape of the result)", "shape", {"transform": array_shape}),
        (_leaky_cases, "hidden inputs, with zeros among them", "value"),
        (_leaky_alpha_cases, "hidden inputs with other slopes alpha, or none given", "alpha"),
    ),
    hints=(
        "The slope is 1 where z > 0 and alpha everywhere else, including z = 0.",
        "`np.where(condition, a, b)` picks a where the condition holds and b elsewhere, element by element.",
        "Avoid `np.sign(z)` (it gives -1 on the negative side) and `relu(z) / z` (it gives nan at 0): "
        "return `np.where(z > 0, 1.0, alpha)`.",
    ),
    requirements=(
        Requirement("value", "returns 1 where z > 0 and `alpha` where z ≤ 0, z = 0 included"),
        Requirement("alpha", "uses the `alpha` it is given, and 0.1 when none is given"),
        Requirement("shape", "returns an array of the shape of z, one element included"),
        Requirement("unchanged", "leaves z unchanged"),
    ),
)

q3 = Question(
    id="q3_softmax",
    points=2,
    title="A numerically stable softmax for a batch",
    checks=(
        FunctionCheck((np.array([[0.0, np.log(3.0)]]),), np.array([[0.25, 0.75]]), "softmax([[0, log(3)]])",
            tip="Each row is one example: normalize along the last axis (axis=-1), so that each row sums to 1."),
        FunctionCheck((np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0]]),),
            np.array([[0.665240955775, 0.244728471055, 0.09003057317], [1 / 3, 1 / 3, 1 / 3]]),
            "softmax([[2, 1, 0], [0, 0, 0]])",
            tip="Take the row maximum and the row sum with axis=-1 and keepdims=True, so they broadcast "
            "against the (n, K) batch."),
        FunctionCheck((np.array([[1000.0, 1001.0, 1002.0]]),),
            np.array([[0.09003057317, 0.244728471055, 0.665240955775]]), "softmax([[1000, 1001, 1002]])",
            tip="exp(1000) overflows to inf. Subtract each row's maximum from the row before calling np.exp."),
    ),
    probes=function_probes(
        (_ordinary_logits, "hidden batches of logits", "rows", {"transform": numpy_result}),
        (_batch_logits, "a hidden batch of one row, of one column, or as many examples as classes", "batches"),
        (_extreme_logits, "hidden logits as large as +-1000, different in each row", "stable"),
    ),
    hints=(
        "softmax(z)_k = exp(z_k) / sum_j exp(z_j), for each row of the batch separately.",
        "Subtracting the same number from every logit of a row leaves its softmax unchanged; "
        "the row maximum makes the largest exponent 0.",
        "`shifted = z - np.max(z, axis=-1, keepdims=True)`, then `exps = np.exp(shifted)` and "
        "`exps / np.sum(exps, axis=-1, keepdims=True)`.",
    ),
    requirements=(
        Requirement("rows", "returns an array of the shape of z whose rows each sum to 1"),
        Requirement("batches", "works for one row, one column, and as many rows as columns"),
        Requirement("stable", "gives no overflow or `nan` for logits as large as ±1000 in different rows"),
        Requirement("unchanged", "leaves z unchanged"),
    ),
)

q4 = Question(
    id="q4_binary_cross_entropy",
    points=2,
    title="Binary cross-entropy that survives p = 0 and p = 1",
    checks=(
        _loss_check((np.array([0.9, 0.2, 0.6]), np.array([1.0, 0.0, 1.0])),
            0.2797765635793423, "binary_cross_entropy([0.9, 0.2, 0.6], [1, 0, 1])",
            tip="Average -[y log p + (1 - y) log(1 - p)] over the examples, with the natural log (np.log)."),
        _loss_check((np.array([1.0, 0.0]), np.array([1.0, 0.0])),
            1.0000000494736474e-07, "binary_cross_entropy([1.0, 0.0], [1, 0])",
            tip="Two confident, right predictions cost almost nothing. Without clipping, 0 * log(0) is nan: "
            "clip p into [epsilon, 1 - epsilon] before taking logs."),
        _loss_check((np.array([1.0]), np.array([0.0])), 16.118095651484676, "binary_cross_entropy([1.0], [0])",
            tip="A confident wrong prediction costs -log(1e-7), about 16.1, once p is clipped into "
            "[1e-7, 1 - 1e-7] on both sides."),
    ),
    probes=function_probes(
        (_bce_shapes, "hidden predictions of shape (n, 1) or (1,) (the shape of the result)",
            "number", {"transform": array_shape, "atol": 1e-07}),
        (_bce_ordinary, "hidden predictions and labels", "mean", {"rtol": _LOSS_RTOL}),
        (_bce_shapes, "hidden predictions of shape (n, 1) or (1,)", "mean", {"rtol": _LOSS_RTOL}),
        (_bce_extreme, "hidden predictions of exactly 0 and 1", "clip", {"rtol": _CLIP_RTOL}),
        (_bce_epsilon, "hidden predictions with another epsilon", "epsilon", {"rtol": _CLIP_RTOL}),
        atol=_LOSS_ATOL,
    ),
    hints=(
        "BCE = -mean(y * log(p) + (1 - y) * log(1 - p)), a single number for the whole batch.",
        "log(0) is -inf, and 0 * -inf is nan. Clip first: `p = np.clip(p, epsilon, 1 - epsilon)`.",
        "Clip both sides: p = 1 with label 0 needs log(1 - p), which is log(0) unless p is kept below 1.",
    ),
    requirements=(
        Requirement(
            "mean", "returns the mean over the examples of −[y log p + (1 − y) log(1 − p)], with the natural log"
        ),
        Requirement("clip", "clips p into [ε, 1 − ε] on both sides before taking logs"),
        Requirement("epsilon", "clips with the `epsilon` it is given"),
        Requirement("number", "returns one number for p and y of shape (n,) or (n, 1)"),
        Requirement("unchanged", "leaves p and y unchanged"),
    ),
)

q5 = Question(
    id="q5_categorical_cross_entropy",
    points=2,
    title="Categorical cross-entropy for a batch",
    checks=(
        _loss_check((np.array([[0.25, 0.75]]), np.array([[0.0, 1.0]])),
            0.2876820724517809, "categorical_cross_entropy([[0.25, 0.75]], [[0, 1]])",
            tip="One example whose true class got 0.75: its loss is -log(0.75)."),
        _loss_check((np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]]), np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])),
            1.329630018466389, "categorical_cross_entropy([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]], [[1, 0, 0], [0, 0, 1]])",
            tip="Sum over the classes of each example, then take the mean over the examples: "
            "(-log 0.7 - log 0.1) / 2. Not the sum over the batch, and not the mean over all n * K entries."),
        _loss_check((np.array([[1.0, 0.0, 0.0]]), np.array([[1.0, 0.0, 0.0]])),
            1.0000000494736474e-07, "categorical_cross_entropy([[1.0, 0.0, 0.0]], [[1, 0, 0]])",
            tip="A perfect prediction costs (almost) 0. Without clipping, the zero probabilities give "
            "0 * log(0) = nan: clip p into [epsilon, 1 - epsilon] first."),
    ),
    probes=function_probes(
        (_cce_shapes, "a hidden batch of one or a square batch (the shape of the result)",
            "number", {"transform": array_shape, "atol": 1e-07, "rtol": 1e-05}),
        (_cce_ordinary, "hidden batches of softmax outputs", "mean"),
        (_cce_shapes, "a hidden batch of one or a square batch", "mean"),
        (_cce_extreme, "hidden probabilities of exactly 0 and 1", "clip"),
        (_cce_epsilon, "hidden probabilities with another epsilon", "epsilon"),
        atol=_LOSS_ATOL,
        rtol=_LOSS_RTOL,
    ),
    hints=(
        "CE = -(1/n) * sum over examples i and classes k of y[i, k] * log(p[i, k]).",
        "`np.sum(y * np.log(p), axis=-1)` gives one number per example; take `np.mean` of that.",
        "Clip before the log: `p = np.clip(p, epsilon, 1 - epsilon)`. Zeros in classes that are not the "
        "true one still break the loss, because 0 * log(0) is nan.",
    ),
    requirements=(
        Requirement("mean", "returns the sum over the classes of −y log p, averaged over the examples"),
        Requirement(
            "clip", "clips p into [ε, 1 − ε] before taking logs, so that probabilities of exactly 0 give no `nan`"
        ),
        Requirement("epsilon", "clips with the `epsilon` it is given"),
        Requirement("number", "returns one number, a batch of one included"),
        Requirement("unchanged", "leaves p and y_one_hot unchanged"),
    ),
)

q6 = Question(
    id="q6_softmax_cross_entropy_gradient",
    points=2,
    title="Gradient of softmax and cross-entropy with respect to the logits",
    checks=(
        FunctionCheck((np.array([[0.0, np.log(3.0)]]), np.array([[0.0, 1.0]])),
            np.array([[0.25, -0.25]]), "softmax_cross_entropy_gradient([[0, log(3)]], [[0, 1]])",
            tip="For one example the gradient is p - y, with p = softmax(z) = (0.25, 0.75) and y = (0, 1)."),
        FunctionCheck((np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0]]), np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])),
            np.array(
                [[-0.167379522113, 0.122364235527, 0.045015286585], [1 / 6, -1 / 3, 1 / 6]],
            ),
            "softmax_cross_entropy_gradient([[2, 1, 0], [0, 0, 0]], [[1, 0, 0], [0, 1, 0]])",
            tip="The loss is a mean over the n examples, so divide p - y by n (here 2), not by n * K."),
        FunctionCheck((np.array([[1000.0, 0.0]]), np.array([[0.0, 1.0]])),
            np.array([[1.0, -1.0]]), "softmax_cross_entropy_gradient([[1000, 0]], [[0, 1]])",
            tip="Use a softmax that subtracts the row maximum, as in question 3, so large logits do not overflow."),
    ),
    probes=function_probes(
        (_gradient_shapes, "a hidden batch of one or a square batch (the shape of the result)",
            "shape", {"transform": array_shape}),
        (_gradient_ordinary, "hidden batches of logits and labels", "value"),
        (_gradient_shapes, "a hidden batch of one or a square batch", "value"),
        (_gradient_extreme, "hidden logits as large as +-1000", "stable"),
    ),
    hints=(
        "Through a softmax, the derivative of the mean cross-entropy with respect to z[i, k] is "
        "(p[i, k] - y[i, k]) / n.",
        "You can call your `softmax` from question 3; n is the number of rows, `len(z)` or `z.shape[0]`.",
        "`return (softmax(z) - y_one_hot) / z.shape[0]`. The sign matters: p - y, not y - p.",
    ),
    requirements=(
        Requirement("value", "returns (softmax(z) − y_one_hot) / n, divided by the number of examples n"),
        Requirement("shape", "returns an array of shape (n, K), a batch of one included"),
        Requirement("stable", "gives no `nan` for logits as large as ±1000"),
        Requirement("unchanged", "leaves z and y_one_hot unchanged"),
    ),
)

EXERCISE = Exercise(notebook="02_activations_and_losses", questions=(q1, q2, q3, q4, q5, q6))
