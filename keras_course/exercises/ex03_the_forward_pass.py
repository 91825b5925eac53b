"""Exercise 03, the forward pass: a dense layer, parameter counts, an MLP in NumPy, hand-set weights.

Conventions of lesson 03: a weight matrix has shape (inputs, outputs), a bias
shape (outputs,), a batch has one example per row, hidden layers apply ReLU and
the output layer returns logits (no activation).

Each question has one probe per requirement it names (the shape first, then the
values, then the edges), so a failure names the requirement it missed; every
probe also checks that the inputs are left unchanged. The cases say which mistake
they catch (square layers show transposed weights, say). No forward pass ships:
visible checks compare with stored numbers, and the max network is evaluated
inside its verdict only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_course.checks import FunctionCheck, PropertyCheck, describe
from keras_course.data import fresh_moons, moons_network
from keras_course.probes import array_shape, function_probes, pack_array_lists, unpack_array_lists
from keras_course.question import Exercise, Question, Requirement

# The lesson's 2-3-1 network and its batch of four inputs (sections 1 and 2). The results the visible checks expect
# are stored, computed once in float64 (X W + b, the forward pass, the sigmoid), so that no answer ships.
LESSON_X = np.array([[1.0, 2.0], [0.0, 0.0], [-1.0, 1.0], [2.0, -1.0]])
LESSON_WEIGHTS = [np.array([[1.0, -1.0, 0.5], [0.0, 2.0, -1.0]]), np.array([[1.0], [-1.0], [2.0]])]
LESSON_BIASES = [np.array([0.0, -1.0, 1.0]), np.array([0.5])]
LESSON_LOGITS = np.array([[-0.5], [2.5], [-1.5], [8.5]])
LESSON_HIDDEN_SUMS = np.array([[1.0, 2.0, -0.5], [0.0, -1.0, 1.0], [-1.0, 2.0, -0.5], [2.0, -5.0, 3.0]])  # X W1 + b1
LESSON_PROBABILITIES = np.array([0.3775406687981454, 0.9241418199787566, 0.18242552380635635, 0.9997965730219448])

# A square batch and layer: transposed weights or a bias along the batch axis raise no error here.
SQUARE_X = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0], [1.0, 1.0, 1.0]])
SQUARE_W = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [3.0, 0.0, 1.0]])
SQUARE_B = np.array([0.5, -0.5, 1.0])
SQUARE_SUMS = np.array([[7.5, 1.5, 3.0], [-2.5, 0.5, -1.0], [4.5, 2.5, 1.0]])  # SQUARE_X @ SQUARE_W + SQUARE_B

MAX_HIDDEN_UNITS = 64


def _random_network(rng: np.random.Generator, sizes: list[int]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    pairs = zip(sizes[:-1], sizes[1:], strict=True)
    weights = [rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out)) for n_in, n_out in pairs]
    biases = [rng.normal(0.0, 0.5, size=n_out) for n_out in sizes[1:]]
    return weights, biases


# Question 1: one dense layer -------------------------------------------------------------------


def _dense_cases() -> list[tuple]:
    rng = np.random.default_rng(301)
    shapes = [(5, 3, 4), (3, 3, 3), (4, 2, 4), (1, 2, 1), (6, 4, 2), (2, 5, 2), (1, 4, 5), (3, 1, 1)]  # (n, d, m)
    return [(rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m)) for n, d, m in shapes]


q1 = Question(
    id="q1_dense",
    points=2,
    title="One dense layer for a batch",
    checks=(
        FunctionCheck((SQUARE_X, SQUARE_W, SQUARE_B),
            SQUARE_SUMS, "dense(X, W, b) with a square batch X (3, 3), W (3, 3) and b = [0.5, -0.5, 1]",
            tip="Every shape fits here, so a mistake raises no error. Use W as it is (not W.T), and add b "
            "to every row, so that column j gets b[j]; a b of shape (3, 1) would add b[i] to row i instead."),
        FunctionCheck((LESSON_X, LESSON_WEIGHTS[0], LESSON_BIASES[0]),
            LESSON_HIDDEN_SUMS, "dense(X, W1, b1) for the lesson's batch X (4, 2), W1 (2, 3), b1 (3,)",
            tip="Row i of the result is x_i W + b: one row per example, one column per unit of the layer."),
    ),
    probes=function_probes(
        (_dense_cases, "hidden batches and layers, a batch of one among them (the shape of the result)",
            "shape", {"transform": array_shape}),
        (_dense_cases, "hidden batches and layers (some of them square)", ("value", "activation", "unchanged")),
    ),
    hints=(
        "A layer with weights W of shape (n_in, n_out) turns a batch X of shape (n, n_in) into shape (n, n_out).",
        "The matrix product `X @ W` gives every weighted sum at once; NumPy's broadcasting adds b to every row.",
        "The whole body is one line: `return X @ W + b`. No activation here: the layer returns its sums.",
    ),
    requirements=(
        Requirement("value", "returns X W + b, with W used as given and the same b added to every row"),
        Requirement("shape", "returns an array of shape (n, m) for any batch size, a batch of one included"),
        Requirement("activation", "applies no activation"),
        Requirement("unchanged", "leaves X, W and b unchanged"),
    ),
)


# Question 2: counting parameters ---------------------------------------------------------------


def _count_cases() -> list[tuple]:
    return [([2, 3, 1],), ([784, 128, 10],), ([5, 5],), ([10, 1, 10],), ([3, 4, 5, 6],), ((64, 32, 32, 16, 2),)]


def _integer_kind(result: Any) -> np.ndarray:
    """Kernel side: 1 when the result is one integer (a Python int or a NumPy integer), else 0."""
    value = np.asarray(result)
    return np.array(int(value.ndim == 0 and value.dtype.kind in "iu"), dtype=np.int64)


def _is_integer(args: tuple, output: np.ndarray) -> str | None:
    return None if int(output) == 1 else "something that is not an integer (a float, say, such as 13.0)"


def _an_integer(result: Any) -> str | None:
    """Visible check: the count is an integer."""
    if int(_integer_kind(result)) == 1:
        return None
    return f"it returned a {type(result).__name__}; a count of parameters is an integer (13, not 13.0)."


def _sizes_after_call(args: tuple, result: Any) -> np.ndarray:
    """Kernel side: the list of sizes as the student's function left it (a list of ints is not an array)."""
    return np.array(list(args[0]), dtype=np.int64)


q2 = Question(
    id="q2_count_params",
    points=1,
    title="Count the parameters of an MLP",
    checks=(
        FunctionCheck(([2, 3, 1],), 13, "count_params([2, 3, 1])",
            tip="The hidden layer has 2 * 3 weights and 3 biases, the output layer 3 * 1 weights and 1 bias."),
        FunctionCheck(([2, 16, 16, 1],), 337, "count_params([2, 16, 16, 1])",
            tip="Go over consecutive pairs (n_in, n_out) of sizes: each layer has n_in * n_out weights and "
            "n_out biases. The input layer has no weights or biases of its own."),
        PropertyCheck(([2, 3, 1],), "count_params([2, 3, 1])", _an_integer,
            tip="Multiply and add whole numbers only: no division, no float starting value."),
    ),
    probes=function_probes(
        (_count_cases, "hidden lists of layer sizes", ("value", "layers")),
        (_count_cases, "hidden lists of layer sizes (the type of the result)",
            ("integer",), {"transform": _integer_kind, "verify": _is_integer}),
        (_count_cases, "hidden lists of layer sizes (the list after the call)",
            ("unchanged",), {"observe": _sizes_after_call}),
    ),
    hints=(
        "A list of sizes [d, m1, m2, ...] describes len(sizes) - 1 layers; layer l maps sizes[l-1] inputs to sizes[l] units.",
        "Layer l has a weight matrix of shape (sizes[l-1], sizes[l]) and a bias of shape (sizes[l],).",
        "`sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))`.",
    ),
    requirements=(
        Requirement("value", "counts n_in · n_out weights and n_out biases for each layer, and nothing for the inputs"),
        Requirement("layers", "works for any number of layers, one included"),
        Requirement("integer", "returns the count as an integer"),
        Requirement("unchanged", "leaves `layer_sizes` unchanged"),
    ),
)


# Question 3: the forward pass of an MLP --------------------------------------------------------


def _networks(seed: int, layouts: list[tuple[list[int], int]]) -> list[tuple]:
    """A random network and batch for each (sizes, batch size)."""
    rng = np.random.default_rng(seed)
    cases = []
    for sizes, n in layouts:
        weights, biases = _random_network(rng, sizes)
        cases.append((rng.normal(size=(n, sizes[0])), weights, biases))
    return cases


def _forward_cases() -> list[tuple]:
    lesson = (LESSON_X, [w.copy() for w in LESSON_WEIGHTS], [b.copy() for b in LESSON_BIASES])
    return [lesson, *_networks(303, [([3, 3, 3, 2], 3), ([4, 5, 3], 6), ([2, 8, 8, 8, 1], 10), ([3, 4, 4, 4], 4)])]


def _forward_shape_cases() -> list[tuple]:
    """A batch of one, a single output unit, a single input."""
    return _networks(313, [([3, 4, 2], 1), ([2, 5, 1], 1), ([4, 3, 1], 6), ([1, 3, 2], 2)])


def _forward_depth_cases() -> list[tuple]:
    """One layer (no hidden layer at all), and deep networks."""
    return _networks(323, [([2, 1], 5), ([3, 3], 3), ([2, 1], 1), ([2, 6, 5, 4, 3, 2], 7), ([5, 2, 2, 2, 2, 2, 1], 4)])


def _deep_visible() -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    x = np.array([[1.0, -1.0, 0.5], [0.0, 2.0, -1.0], [-1.0, 0.5, 1.0]])
    weights = [np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0], [0.0, -1.0, 1.0]]),
               np.array([[1.0, -1.0], [0.5, 1.0], [-1.0, 2.0]])]  # fmt: skip
    biases = [np.array([0.5, 0.0, -0.5]), np.array([-1.0, 0.0])]
    return x, weights, biases


q3 = Question(
    id="q3_forward",
    points=3,
    title="Forward pass of an MLP for a batch",
    checks=(
        FunctionCheck((LESSON_X, LESSON_WEIGHTS, LESSON_BIASES),
            LESSON_LOGITS, "forward(X, [W1, W2], [b1, b2]) for the lesson's 2-3-1 network and batch",
            tip="Expect shape (4, 1): one row per example, one column per output unit. Apply ReLU after the "
            "hidden layer only: the last layer returns logits, and logits may be negative."),
        FunctionCheck(_deep_visible(),
            np.array([[-1.0, 0.0], [5.0, -1.5], [-2.0, 2.5]]),
            "forward(X, weights, biases) for a 3-3-2 network with a square hidden layer and a batch of 3",
            tip="ReLU after every hidden layer, no activation after the last one (its logits may be negative). "
            "Use each W as given, not W.T, and add each b along the units."),
    ),
    probes=function_probes(
        (_forward_shape_cases, "hidden networks and batches, a batch of one among them (the shape of the result)",
            "shape", {"transform": array_shape}),
        (_forward_cases, "hidden networks and batches", "value"),
        (_forward_shape_cases, "hidden networks and batches of one", "value"),
        (_forward_depth_cases, "hidden networks of one layer and of many", "depth"),
    ),
    hints=(
        "Start with H = X. For every layer but the last: H = relu(H @ W + b). The last layer: H @ W + b.",
        "Loop over `zip(weights[:-1], biases[:-1])` for the hidden layers, then use `weights[-1]` and `biases[-1]`.",
        "The output layer returns logits: do not apply ReLU or the sigmoid to it. "
        "A network with a single layer ([2, 1], say) has no hidden layer at all.",
    ),
    requirements=(
        Requirement(
            "value",
            "applies ReLU after every hidden layer and no activation after the last, with each W used as given "
            "and each b added along the units",
        ),
        Requirement("shape", "returns the logits of shape (n, units of the last layer), a batch of one included"),
        Requirement("depth", "works for any number of layers, one included"),
        Requirement("unchanged", "leaves X, weights and biases unchanged"),
    ),
)


# Question 4: probabilities from logits ---------------------------------------------------------


def _moons_batch(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    return fresh_moons(n, seed, noise=0.15)


def _proba_cases() -> list[tuple]:
    moons_weights, moons_biases = moons_network()
    return [
        (LESSON_X, [w.copy() for w in LESSON_WEIGHTS], [b.copy() for b in LESSON_BIASES]),
        (_moons_batch(1304, 40)[0], moons_weights, moons_biases),
        *_networks(304, [([2, 6, 1], 7), ([3, 3, 1], 3), ([2, 1], 4)]),
    ]


def _proba_shape_cases() -> list[tuple]:
    """Batches of one: squeezing the logits would drop the batch axis too."""
    moons_weights, moons_biases = moons_network()
    return [
        (_moons_batch(2304, 1)[0], moons_weights, moons_biases),
        *_networks(314, [([3, 4, 1], 1), ([2, 1], 1), ([2, 3, 1], 5)]),
    ]


def _classifies_moons(result: Any) -> str | None:
    x, y = _moons_batch(0, 300)
    try:
        p = np.asarray(result, dtype=float)
    except (TypeError, ValueError):
        return f"it returned {describe(result)}, which is not an array of probabilities."
    if p.shape != (len(x),):
        return (
            f"it returned an array of shape {p.shape}. Return one probability per example, shape ({len(x)},): "
            "take the only column of the logits with `[:, 0]`."
        )
    if p.min() < 0 or p.max() > 1:
        return f"it returned values from {p.min():.3g} to {p.max():.3g}, but probabilities lie between 0 and 1."
    accuracy = float(np.mean((p > 0.5) == y))
    if accuracy < 0.95:
        return f"it classifies {accuracy:.1%} of the 300 moons points correctly; the trained network gets 99.7%."
    return None


q4 = Question(
    id="q4_predict_proba",
    points=2,
    title="Probabilities from a one-output network",
    checks=(
        FunctionCheck((LESSON_X, LESSON_WEIGHTS, LESSON_BIASES),
            LESSON_PROBABILITIES, "predict_proba(X, [W1, W2], [b1, b2]) for the lesson's 2-3-1 network and batch",
            tip="Apply the sigmoid once, to the logits of the forward pass, and return shape (4,), not (4, 1)."),
        PropertyCheck((_moons_batch(0, 300)[0], *moons_network()),
            "predict_proba(X_moons, weights_moons, biases_moons)", _classifies_moons),
    ),
    probes=function_probes(
        (_proba_shape_cases, "hidden networks and batches of one (the shape of the result)",
            "shape", {"transform": array_shape}),
        (_proba_cases, "hidden networks and batches", "value"),
        (_proba_shape_cases, "hidden batches of one", "value"),
    ),
    hints=(
        "Run the forward pass to get the logits, shape (n, 1), then turn each logit into a probability.",
        "The probability of class 1 is sigmoid(logit) = 1 / (1 + exp(-logit)); apply it exactly once, and no ReLU.",
        "`return sigmoid(forward(X, weights, biases)[:, 0])`: the `[:, 0]` turns shape (n, 1) into (n,).",
    ),
    requirements=(
        Requirement(
            "value", "returns the sigmoid of the logits, applied once, with no other change to the forward pass"
        ),
        Requirement("shape", "returns an array of shape (n,), a batch of one included"),
        Requirement("unchanged", "leaves X, weights and biases unchanged"),
    ),
)


# Question 5: hand-set weights that compute max(x1, x2) -----------------------------------------


def _pack_network(result: Any) -> np.ndarray:
    """Kernel side: (weights, biases) as one flat array (`pack_array_lists`)."""
    try:
        weights, biases = result
        return pack_array_lists((weights, biases))
    except (TypeError, ValueError):
        raise ValueError("expected a pair (weights, biases): two lists of NumPy arrays") from None


def _unpack_network(packed: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Judge side: rebuild the arrays from untrusted data; raises ValueError when it does not parse."""
    weights, biases = unpack_array_lists(packed, 2, most=8, max_ndim=2, max_side=MAX_HIDDEN_UNITS)
    return weights, biases


def _shape_problem(weights: list[np.ndarray], biases: list[np.ndarray]) -> str | None:
    if len(weights) != len(biases) or len(weights) < 2:
        return (
            f"{len(weights)} weight matrices and {len(biases)} bias vectors; a network with one hidden "
            "layer has two of each, [W1, W2] and [b1, b2]"
        )
    n_in = 2
    for layer, (w, b) in enumerate(zip(weights, biases, strict=True), start=1):
        last = layer == len(weights)
        if w.ndim != 2 or w.shape[0] != n_in or (last and w.shape[1] != 1):
            wanted = f"({n_in}, 1)" if last else f"({n_in}, units)"
            flipped = (
                "; it looks transposed: weights are (inputs, outputs)" if w.ndim == 2 and w.shape[1] == n_in else ""
            )
            return f"W{layer} of shape {w.shape}, where shape {wanted} was expected{flipped}"
        if b.shape != (w.shape[1],):
            return f"b{layer} of shape {b.shape}, where shape ({w.shape[1]},) was expected (one bias per unit)"
        n_in = w.shape[1]
    return None


def _max_points(seed: int) -> np.ndarray:
    grid = np.array([[a, b] for a in (-3.0, -1.0, 0.0, 0.5, 2.0) for b in (-2.0, -0.5, 0.0, 1.0, 3.0)])
    diagonal = np.repeat(np.array([-50.0, -2.5, -1.0, 0.5, 3.0, 40.0])[:, None], 2, axis=1)  # ties: x1 == x2
    # Far from 0: a pass-through unit relu(x2 + c) - c is right only for x2 > -c, however large c is.
    far = np.array([[-1e6, -2e6], [-3e6, 5e5], [1e6, -1e6], [-1e6, -1e6], [-1e3, -2e3], [-5e3, 4e3], [2e5, 7e5]])
    rng = np.random.default_rng(seed)
    tied = np.repeat(rng.normal(scale=5.0, size=(20, 1)), 2, axis=1)
    return np.vstack(
        [grid, diagonal, far, tied, rng.normal(scale=5.0, size=(200, 2)), rng.uniform(-100.0, 100.0, size=(50, 2))]
    )


def _has_lesson_shapes(args: tuple, packed: np.ndarray) -> str | None:
    """What is wrong with the shapes of a packed network, or None (the hidden shape probe)."""
    try:
        weights, biases = _unpack_network(packed)
    except (ValueError, OverflowError):
        return "something that is not a pair (weights, biases) of lists of arrays"
    return _shape_problem(weights, biases)


def _computes_max(args: tuple, packed: np.ndarray, seed: int = 306, show_point: bool = False) -> str | None:
    """What is wrong with a packed network as max(x1, x2), or None; the hidden test's points by default.

    Only the visible check (``show_point=True``) names a point where the network is wrong; the hidden
    test's message names none of its inputs.
    """
    try:
        weights, biases = _unpack_network(packed)
    except (ValueError, OverflowError):
        return "something that is not a pair (weights, biases) of lists of arrays"
    problem = _shape_problem(weights, biases)
    if problem:
        return problem
    x = out = _max_points(seed)
    with np.errstate(all="ignore"):  # the network's output, evaluated here only (no forward pass ships)
        for layer, (w, b) in enumerate(zip(weights, biases, strict=True), start=1):
            out = out @ w + b if layer == len(weights) else np.maximum(0.0, out @ w + b)
    out = out[:, 0]
    target = x.max(axis=1)
    wrong = ~np.isclose(out, target, rtol=1e-6, atol=1e-6)
    if wrong.any():
        i = int(np.argmax(wrong))
        if not show_point:
            return (
                f"a network that is wrong on {int(wrong.sum())} of {len(x)} hidden points (they include large "
                "negative inputs and ties x1 = x2)"
            )
        return (
            f"a network that is wrong on {int(wrong.sum())} of {len(x)} points; at x = ({x[i, 0]:g}, {x[i, 1]:g}) "
            f"it outputs {out[i]:.6g} instead of max = {target[i]:g}"
        )
    return None


def _max_network_holds(result: Any) -> str | None:
    try:
        packed = _pack_network(result)
    except ValueError:
        return f"it returned {describe(result)}, which is not a pair (weights, biases) of lists of arrays."
    problem = _computes_max((), packed, seed=305, show_point=True)
    if problem and problem.startswith("a network that is wrong"):
        return f"it returned {problem}. Check that point by hand: h = relu(x W1 + b1), then h W2 + b2."
    return f"it returned {problem}." if problem else None


q5 = Question(
    id="q5_max_network",
    points=2,
    title="Hand-set weights: a network that computes max(x1, x2)",
    checks=(
        PropertyCheck((), "max_network()", _max_network_holds),
    ),
    probes=function_probes(
        (lambda: [()], "the network it returns", ("shapes",), {"verify": _has_lesson_shapes}),
        (lambda: [()], "hidden inputs (large, small and negative numbers, and ties)",
            ("max",), {"verify": _computes_max}),
        transform=_pack_network,
    ),
    hints=(
        "max(a, b) = b + max(0, a - b) = b + relu(a - b). One hidden unit can compute relu(x1 - x2).",
        "The output layer has no activation, but b must pass through a ReLU layer too. "
        "For any number, b = relu(b) - relu(-b): two more hidden units.",
        "Hidden units relu(x1 - x2), relu(x2), relu(-x2): W1 = [[1, 0, 0], [-1, 1, -1]], b1 = [0, 0, 0]; "
        "output W2 = [[1], [1], [-1]], b2 = [0].",
    ),
    requirements=(
        Requirement("max", "outputs max(x1, x2) for every input, positive, negative, or with x1 = x2"),
        Requirement(
            "shapes",
            "returns (weights, biases) in the shapes of the lesson: W1 (2, units), b1 (units,), W2 (units, 1), b2 (1,)",
        ),
    ),
)

EXERCISE = Exercise(notebook="03_the_forward_pass", questions=(q1, q2, q3, q4, q5))
