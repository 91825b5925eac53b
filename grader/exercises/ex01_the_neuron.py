"""Exercise 01, the neuron: weighted sum, sigmoid, the perceptron rule, logistic regression in Keras.

Mistakes the hidden tests catch: a forgotten bias, step and sigmoid confused,
labels treated as {-1, 1} instead of {0, 1}, a model with the wrong output.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks import FunctionCheck, ModelCheck, PropertyCheck
from grader.data import breast_cancer_split, iris_petals
from grader.probes import FunctionProbe, ModelProbe, ModelRequirements
from grader.question import Exercise, Question


def _weighted_sum_cases() -> list[tuple]:
    rng = np.random.default_rng(101)
    return [
        (rng.normal(size=3), rng.normal(size=3), 0.7),
        (rng.normal(size=(7, 4)), rng.normal(size=4), -1.3),
        (rng.normal(size=(1, 5)), rng.normal(size=5), 2.0),
        (np.zeros((2, 3)), rng.normal(size=3), 0.5),
    ]


def _sigmoid_cases() -> list[tuple]:
    rng = np.random.default_rng(202)
    return [
        (np.array(0.0),),
        (np.linspace(-8, 8, 17),),
        (rng.normal(scale=3.0, size=(4, 5)),),
        (np.array([-30.0, 30.0]),),
    ]


def _separable_blobs(seed: int, n: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    direction = rng.normal(size=d)
    direction /= np.linalg.norm(direction)
    x = rng.normal(size=(n, d)) * 2.0 + 3.0
    score = (x - x.mean(axis=0)) @ direction
    keep = np.abs(score) > 0.5  # leave a margin so the perceptron converges quickly
    return x[keep], (score[keep] > 0).astype(np.int64)


def _perceptron_cases() -> list[tuple]:
    x_iris, y_iris = iris_petals()
    x_blob, y_blob = _separable_blobs(303, 80, 3)
    return [(x_iris, y_iris, 50, 1.0), (x_blob, y_blob, 100, 0.5)]


def _weights_and_bias(result: Any) -> np.ndarray:
    weights, bias = result
    return np.concatenate([np.ravel(np.asarray(weights, dtype=float)), np.ravel(np.asarray(bias, dtype=float))])


def _separates(args: tuple, packed: np.ndarray) -> str | None:
    x, y = args[0], args[1]
    if packed.shape != (x.shape[1] + 1,):
        return f"weights and bias of {packed.size} numbers in all, where {x.shape[1] + 1} were expected"
    z = x @ packed[:-1] + packed[-1]
    if np.array_equal((z > 0).astype(int), y) or np.array_equal((z >= 0).astype(int), y):
        return None
    wrong = int(np.sum((z > 0).astype(int) != y))
    return f"weights that misclassify {wrong} of {len(y)} training points of a separable dataset"


def _separates_iris(result: Any) -> str | None:
    x, y = iris_petals()
    try:
        packed = _weights_and_bias(result)
    except Exception:  # noqa: BLE001 - student values may fail to convert in any way
        return "return a pair (weights, bias)."
    problem = _separates((x, y), packed)
    return f"it returned {problem}." if problem else None


def _visible_validation() -> tuple[np.ndarray, np.ndarray]:
    _, x_val, _, y_val = breast_cancer_split()
    return x_val, y_val


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
    probes=(FunctionProbe(cases=_weighted_sum_cases, label="a hidden batch of inputs"),),
    hints=(
        "The neuron computes z = w1*x1 + ... + wn*xn + b.",
        "NumPy's `x @ w` computes the products and the sum for one example or for every row of a batch.",
        "The whole body can be one line: `return x @ w + b`.",
    ),
)

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
    probes=(FunctionProbe(cases=_sigmoid_cases, label="hidden inputs"),),
    hints=(
        "sigmoid(z) = 1 / (1 + e^(-z)).",
        "Use `np.exp` so the function works on whole arrays at once.",
    ),
)

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
    probes=(
        FunctionProbe(
            cases=_perceptron_cases,
            verify=_separates,
            transform=_weights_and_bias,
            label="a hidden linearly separable dataset",
        ),
    ),
    hints=(
        "Loop over the epochs; in each, loop over the examples one by one.",
        "The prediction is 1 when x @ w + b > 0, else 0. The labels are 0 and 1, not -1 and 1.",
        "Update with error = y - prediction: w += learning_rate * error * x and b += learning_rate * error.",
    ),
)

q4 = Question(
    id="q4_logistic_model",
    points=4,
    title="Logistic regression in Keras",
    checks=(
        ModelCheck(
            input_shape=(30,),
            output_units=1,
            output_activation="sigmoid",
            data=_visible_validation,
            minimum_accuracy=0.92,
            tip="Normalize the inputs inside the model and train for more epochs.",
        ),
    ),
    probes=(
        ModelProbe(
            heldout="breast_cancer",
            threshold=0.92,
            requirements=ModelRequirements(
                input_shape=(30,),
                output_units=1,
                output_activation="sigmoid",
                max_params=100,
                layer_counts={"Dense": 1},
            ),
        ),
    ),
    hints=(
        "The model is keras.Input(shape=(30,)), a Normalization layer, and one Dense unit with a sigmoid.",
        "Call `normalizer.adapt(x_train)` before you build the model, so the layer learns the training mean and spread.",
        "Compile with loss='binary_crossentropy' and metrics=['accuracy']; 100 epochs with Adam at 0.01 is plenty.",
    ),
)

EXERCISE = Exercise(notebook="01_the_neuron", questions=(q1, q2, q3, q4))
