"""Exercise 01, the neuron: weighted sum, sigmoid, the perceptron rule, logistic regression in Keras.

Mistakes the hidden tests catch: a forgotten bias (or a bias added to every
product, d times), a result of shape (n, 1), a squeezed batch of one, or a
Python list (``[r @ w + b for r in x]``) where an array of shape (n,) is asked
for, ``w @ x`` that runs only on square batches, inputs written into
(``x *= w``, ``z *= -1``); step and sigmoid confused, the sign of the exponent
flipped; a perceptron with labels treated as {-1, 1}, a prediction of 1 at
``w . x + b == 0`` (the hidden data start every run on the line), a learning
rate or an ``epochs`` count ignored, updates made once per epoch instead of
after each example, examples shuffled, labels rewritten in place, ``w`` of shape
(d, 1) or a Python list, or ``b`` an array of one element (``np.zeros(1)``); a
Keras model with the wrong output, a hidden layer, a Normalization layer adapted
on all the data (or not adapted), or compiled with another loss than binary
cross-entropy (such as ``mse``, which still clears the accuracy threshold).

The perceptron is judged exactly against the key on integer-valued data with
learning rates that are powers of two, so every formula for ``w . x + b`` gives
the same bits and a point exactly on the line is on it for everyone.

The held-out threshold of question 4 stays 0.92 (accuracy on the secret-perturbed
breast cancer set): it is not where the missing requirements are decided. Measured
over seeds 0-4 and three secrets (TF single-threaded, 15 runs each): the
solution (Adam 0.01, 60 epochs) 0.977-0.984; RMSprop for 100 epochs in a
functional model 0.975-0.982; the listed mistake ``loss="mse"`` 0.981-0.986 and
a model without Normalization 0.81-0.94, which is why the compile and
preprocessing rules decide those, not the threshold. Under-trained runs (Adam at
0.001 for 20 epochs: 0.84-0.92; SGD for 10 epochs: 0.89-0.94) straddle it and
also fail the visible 0.92 check on the validation split, so students see them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_course.checks import FreshCallCheck, FunctionCheck, PropertyCheck
from keras_course.data import breast_cancer_split, iris_petals
from keras_course.model_spec import ModelSpec
from keras_course.probes import (
    ModelProbe,
    ModelRequirements,
    ModelRule,
    array_shape,
    compiled_with,
    function_probes,
    normalization_matches,
    numpy_result,
    only_layers,
)
from keras_course.question import Exercise, Question, Requirement

# Question 1: the weighted sum --------------------------------------------------------------------


def _weighted_sum_cases() -> list[tuple]:
    rng = np.random.default_rng(101)
    return [
        (rng.normal(size=3), rng.normal(size=3), 0.7),
        (rng.normal(size=(7, 4)), rng.normal(size=4), -1.3),
        (rng.normal(size=(1, 5)), rng.normal(size=5), 2.0),  # a batch of one: np.squeeze would drop its axis
        (np.zeros((2, 3)), rng.normal(size=3), 0.5),
        (rng.normal(size=(4, 4)), rng.normal(size=4), 1.5),  # square: w @ x runs here and is wrong
        (rng.normal(size=(1, 1)), rng.normal(size=1), -0.25),
        (rng.normal(size=1), rng.normal(size=1), 3.0),
    ]


q1 = Question(
    id="q1_weighted_sum",
    points=2,
    title="Weighted sum with bias",
    checks=(
        FunctionCheck(
            args=(np.array([1.0, 2.0]), np.array([0.5, -1.0]), 0.25),
            expected=-1.25,
            call="weighted_sum([1, 2], [0.5, -1], 0.25)",
            tip="Multiply each input by its weight, add the products, then add the bias.",
        ),
        FunctionCheck(
            args=(np.array([[1.0, 2.0], [3.0, 0.0]]), np.array([0.5, -1.0]), 0.25),
            expected=np.array([-1.25, 1.75]),
            call="weighted_sum([[1, 2], [3, 0]], [0.5, -1], 0.25)",
            tip="For a batch, each row of x is one example: x @ w gives one sum per row.",
        ),
    ),
    probes=function_probes(
        (_weighted_sum_cases, "a hidden batch of inputs (the shape of the result)",
            "shape", {"transform": array_shape}),
        (_weighted_sum_cases, "a hidden batch of inputs", "value"),
    ),
    hints=(
        "The neuron computes z = w1*x1 + ... + wn*xn + b.",
        "NumPy's `x @ w` computes the products and the sum for one example or for every row of a batch.",
        "The whole body can be one line: `return x @ w + b`.",
    ),
    requirements=(
        Requirement("value", "returns w · x + b, with the bias added once per example"),
        Requirement(
            "shape",
            "returns one number for one example of shape (d,) and an array of shape (n,) for a batch of shape "
            "(n, d), a batch of one included",
        ),
        Requirement("unchanged", "leaves x and w unchanged"),
    ),
)

# Question 2: the sigmoid -------------------------------------------------------------------------


def _sigmoid_cases() -> list[tuple]:
    rng = np.random.default_rng(202)
    return [
        (np.array(0.0),),
        (np.linspace(-8, 8, 17),),
        (rng.normal(scale=3.0, size=(4, 5)),),
        (np.array([-30.0, 30.0]),),
        (0.5,),
        (rng.normal(scale=2.0, size=(1, 3)),),
        (rng.normal(scale=2.0, size=(2, 3, 1)),),
    ]


q2 = Question(
    id="q2_sigmoid",
    points=1,
    title="Sigmoid activation",
    checks=(
        FunctionCheck(args=(np.array(0.0),), expected=0.5, call="sigmoid(0.0)", tip="sigmoid(0) is exactly one half."),
        FunctionCheck(
            args=(np.array([-2.0, 0.0, 2.0]),),
            expected=1.0 / (1.0 + np.exp(-np.array([-2.0, 0.0, 2.0]))),
            call="sigmoid([-2, 0, 2])",
            tip="The sigmoid is smooth: it gives values strictly between 0 and 1, not only 0 or 1 as the step does.",
        ),
    ),
    probes=function_probes(
        (_sigmoid_cases, "hidden inputs (the shape of the result)", "shape", {"transform": array_shape}),
        (_sigmoid_cases, "hidden inputs", "value"),
    ),
    hints=(
        "sigmoid(z) = 1 / (1 + e^(-z)).",
        "Use `np.exp` so the function works on whole arrays at once.",
    ),
    requirements=(
        Requirement("value", "returns 1 / (1 + e^(-z)) for each element of z"),
        Requirement("shape", "returns a number for a number and an array of the shape of z for an array"),
        Requirement("unchanged", "leaves z unchanged"),
    ),
)

# Question 3: the perceptron ----------------------------------------------------------------------


def _separable_blobs(seed: int, n: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    direction = rng.normal(size=d)
    direction /= np.linalg.norm(direction)
    x = rng.normal(size=(n, d)) * 2.0 + 3.0
    score = (x - x.mean(axis=0)) @ direction
    keep = np.abs(score) > 0.5  # leave a margin so the perceptron converges quickly
    return x[keep], (score[keep] > 0).astype(np.int64)


def _integer_points(seed: int, n: int, d: int, separable: bool) -> tuple[np.ndarray, np.ndarray]:
    """Small integer features (exact in floating point), labels from an integer line or overlapping."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-4, 5, size=(n, d)).astype(np.float64)
    w = rng.integers(-3, 4, size=d)
    score = x @ w + 1
    if separable:
        keep = score != 0
        return x[keep], (score[keep] > 0).astype(np.int64)
    return x, rng.integers(0, 2, size=n).astype(np.int64)


def _perceptron_cases() -> list[tuple]:
    """Separable data: the weights must classify every training point."""
    x_iris, y_iris = iris_petals()
    x_blob, y_blob = _separable_blobs(303, 80, 3)
    return [(x_iris, y_iris, 50, 1.0), (x_blob, y_blob, 100, 0.5)]


def _perceptron_rule_cases() -> list[tuple]:
    """Integer data and a learning rate of 1: the rule gives exactly one (w, b) for everyone."""
    x_sep, y_sep = _integer_points(311, 30, 2, separable=True)
    x_mix, y_mix = _integer_points(312, 25, 3, separable=False)
    return [
        (x_sep, y_sep, 30, 1.0),
        (x_mix, y_mix, 3, 1.0),
        (np.array([[0.0, 0.0], [1.0, 2.0], [-2.0, 1.0]]), np.array([1, 1, 0]), 4, 1.0),  # starts on the line
        (np.array([[2.0, -1.0, 3.0]]), np.array([1]), 2, 1.0),  # one example
    ]


def _perceptron_schedule_cases() -> list[tuple]:
    """Other learning rates and a run stopped before it converges."""
    x_sep, y_sep = _integer_points(313, 40, 3, separable=True)
    return [(x_sep, y_sep, 1, 0.25), (x_sep, y_sep, 2, 0.5), (x_sep, y_sep, 40, 0.125)]


def _weights_and_bias(result: Any) -> np.ndarray:
    """Kernel side: the pair (w, b) as one array [w..., b]; w must be 1-D and b a single number."""
    weights, bias = result
    w = np.asarray(weights, dtype=float)
    b = np.asarray(bias, dtype=float)
    if w.ndim != 1:
        raise ValueError(f"return w of shape (d,), one weight per feature; yours has shape {w.shape}")
    if b.size != 1:
        raise ValueError(f"return b as a single number; yours has shape {b.shape}")
    return np.concatenate([w, b.ravel()])


def _pair_shapes(result: Any) -> np.ndarray:
    """Kernel side: the shapes of w and b as one vector [w.ndim, *w.shape, b.ndim, *b.shape]; w must be an array."""
    weights, bias = result
    numpy_result(weights)
    w_shape, b_shape = np.shape(weights), np.shape(bias)
    return np.array([len(w_shape), *w_shape, len(b_shape), *b_shape], dtype=np.int64)


def _unpack_shapes(packed: np.ndarray) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Judge side: the shapes of w and b from `_pair_shapes`, or None when the data do not parse."""
    flat = [int(n) for n in np.asarray(packed).ravel()]
    if not flat or not 0 <= flat[0] < len(flat) - 1:
        return None
    w_shape = tuple(flat[1 : 1 + flat[0]])
    rest = flat[1 + flat[0] :]
    if not rest or rest[0] != len(rest) - 1:
        return None
    return w_shape, tuple(rest[1:])


def _pair_shapes_verify(args: tuple, packed: np.ndarray) -> str | None:
    """w of shape (d,) and b a single number (shape ()), not an array of one element."""
    shapes = _unpack_shapes(packed)
    if shapes is None:
        return "something that is not a pair (w, b)"
    w_shape, b_shape = shapes
    d = args[0].shape[1]
    if w_shape == (d,) and b_shape == ():
        return None
    return (
        f"w of shape {w_shape} and b of shape {b_shape}, where w of shape (d,), one weight per feature, and b a "
        "single number were expected (start from `b = 0.0`, not an array such as `np.zeros(1)`)"
    )


def _separates(args: tuple, packed: np.ndarray) -> str | None:
    x, y = args[0], args[1]
    if packed.shape != (x.shape[1] + 1,):
        return f"weights and bias of {packed.size} numbers in all, where {x.shape[1] + 1} were expected"
    z = x @ packed[:-1] + packed[-1]
    if np.array_equal((z > 0).astype(int), y):
        return None
    wrong = int(np.sum((z > 0).astype(int) != y))
    return f"weights that misclassify {wrong} of {len(y)} training points of a separable dataset"


def _separates_iris(result: Any) -> str | None:
    x, y = iris_petals()
    try:
        packed = _weights_and_bias(result)
    except Exception as exc:  # noqa: BLE001 - student values may fail to convert in any way
        return f"return a pair (w, b) ({exc})."
    problem = _separates((x, y), packed)
    return f"it returned {problem}." if problem else None


q3 = Question(
    id="q3_perceptron",
    points=3,
    title="Train a perceptron",
    checks=(
        PropertyCheck(
            args=(*iris_petals(), 20, 1.0),
            call="train_perceptron(iris petals, labels, epochs=20, learning_rate=1.0)",
            holds=_separates_iris,
            tip="Predict with the step of w.x + b, then move w and b by learning_rate * (y - prediction).",
        ),
    ),
    probes=function_probes(
        (_perceptron_rule_cases, "a hidden dataset (the shapes of w and b)",
            "returns", {"transform": _pair_shapes, "verify": _pair_shapes_verify}),
        (_perceptron_cases, "a hidden linearly separable dataset",
            ("separates", "returns", "unchanged"), {"verify": _separates}),
        (_perceptron_rule_cases, "a hidden dataset",
            ("rule", "start", "labels", "unchanged"), {"rtol": 1e-9, "atol": 1e-9}),
        (_perceptron_schedule_cases, "a hidden dataset with other learning rates and epochs",
            ("epochs",), {"rtol": 1e-9, "atol": 1e-9}),
        transform=_weights_and_bias,
    ),
    hints=(
        "Loop over the epochs; in each, loop over the examples one by one.",
        "The prediction is 1 when x @ w + b > 0, else 0. The labels are 0 and 1, not -1 and 1.",
        "Update with error = y - prediction: w = w + learning_rate * error * x and b = b + learning_rate * error.",
    ),
    requirements=(
        Requirement("start", "starts from zero weights and a zero bias"),
        Requirement(
            "rule",
            "predicts 1 only when w · x + b > 0 (a point exactly on the line counts as 0) and updates w and b "
            "right after each example, in the order given",
        ),
        Requirement("epochs", "goes over the examples `epochs` times, scaling each update by `learning_rate`"),
        Requirement("labels", "uses the labels 0 and 1 as they are given"),
        Requirement("returns", "returns the pair (w, b), with w an array of shape (d,) and b a number"),
        Requirement("separates", "classifies every training point correctly on data that a line can separate"),
        Requirement("unchanged", "leaves x and y unchanged"),
    ),
)

# Question 4: logistic regression in Keras --------------------------------------------------------

HELDOUT_ACCURACY = 0.92  # see the module docstring for the measured distribution

# The Normalization layer's statistics must be those of x_train. Variances computed with ddof=1 (pandas'
# default) differ from adapt's by 1/(n-1), 0.24% here, and are still x_train's; statistics of all the data
# differ by up to 1.9% (means) and 32% (variances).
NORMALIZATION_RTOL = 5e-3


def _training_statistics() -> tuple[np.ndarray, np.ndarray]:
    """Trusted side: the mean and variance a Normalization layer learns from ``x_train`` alone."""
    x_train = breast_cancer_split()[0].astype(np.float64)
    return x_train.mean(axis=0), x_train.var(axis=0)


def _one_sigmoid_unit(report: dict[str, Any]) -> str | None:
    """The model is a Normalization layer, then one Dense unit with a sigmoid (activation layers folded in)."""
    from keras_course.measures import fold_activations

    layers = [layer for layer in fold_activations(report["layers"]) if layer["class_name"] != "InputLayer"]
    kinds = [layer["class_name"] for layer in layers]
    if kinds != ["Normalization", "Dense"]:
        return f"is made of the layers {kinds}, where a Normalization layer and then one Dense layer are asked for"
    dense = layers[-1]
    if dense["units"] != 1:
        return f"has a Dense layer of {dense['units']} units, where one unit is asked for"
    if dense["activation"] != "sigmoid":
        return f"ends with the activation {dense['activation']!r}, where the sigmoid is asked for"
    return None


def _visible_probabilities(args: tuple, result: Any) -> str | None:
    """Visible check: the model maps the validation inputs to probabilities that classify them well."""
    x_val = args[0]
    y_val = breast_cancer_split()[3]
    p = np.asarray(result, dtype=float)
    if p.shape != (len(x_val), 1):
        return f"returned shape {p.shape}; one output unit gives shape ({len(x_val)}, 1)."
    if p.min() < 0 or p.max() > 1:
        return (
            f"returned values from {p.min():.3g} to {p.max():.3g}: end with one Dense unit with the sigmoid "
            "activation, so the outputs are probabilities."
        )
    accuracy = float(np.mean((p[:, 0] > 0.5) == y_val))
    if accuracy < HELDOUT_ACCURACY:
        return (
            f"classifies {accuracy:.3f} of the validation tumours correctly; it should reach at least "
            f"{HELDOUT_ACCURACY}. Normalize the inputs inside the model and train for more epochs."
        )
    return None


q4 = Question(
    id="q4_logistic_model",
    points=4,
    title="Logistic regression in Keras",
    checks=(
        FreshCallCheck(
            make_args=lambda: (breast_cancer_split()[1],),
            call="model(x_val)",
            holds=_visible_probabilities,
        ),
    ),
    probes=(
        ModelProbe(
            heldout="breast_cancer",
            threshold=HELDOUT_ACCURACY,
            requirements=ModelRequirements(ModelSpec(input_shape=(30,)), rules=(
                    ModelRule("layers", _one_sigmoid_unit),
                    only_layers({"InputLayer", "Normalization", "Dense", "Activation"}),
                    normalization_matches(_training_statistics, rtol=NORMALIZATION_RTOL),
                    compiled_with(loss="binary_crossentropy", from_logits=False),
                )),
            covers=("input", "layers", "preprocessing", "compile", "heldout"),
        ),
    ),
    hints=(
        "The model is keras.Input(shape=(30,)), a Normalization layer, and one Dense unit with a sigmoid.",
        "Call `normalizer.adapt(x_train)` before you build the model, so the layer learns the training mean and spread.",
        "Compile with loss='binary_crossentropy' and metrics=['accuracy']; 60 epochs with Adam at 0.01 is plenty.",
    ),
    requirements=(
        Requirement("input", "takes inputs of shape (30,)"),
        Requirement(
            "layers", "has a Normalization layer, then one Dense unit with the sigmoid activation, and no other layers"
        ),
        Requirement("preprocessing", "adapts the Normalization layer on `x_train` only"),
        Requirement("compile", "is compiled with the binary cross-entropy loss"),
        Requirement("heldout", "reaches an accuracy of at least 0.92 on data it has not seen"),
    ),
)

EXERCISE = Exercise(notebook="01_the_neuron", questions=(q1, q2, q3, q4))
