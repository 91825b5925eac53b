"""Exercise 05, your first Keras model: normalize, count, choose the output, train a classifier and a regressor.

Mistakes the hidden tests catch: normalization statistics taken from the test
data (leakage) or from each split separately, a bias forgotten in the
parameter count, a sigmoid output with a categorical loss, a loss that does not
match the labels, a digits model without a Normalization layer, with per-pixel
statistics that explode on a pixel blank in every training image, or with the
wrong output, and a regression model without normalization or with a squashing
output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from grader.checks import FunctionCheck, ModelCheck, PropertyCheck, describe
from grader.data import diabetes_split, digits_split
from grader.heldout import heldout_set, perturb_digits
from grader.probes import FunctionProbe, ModelProbe, ModelRequirements
from grader.question import Exercise, Question

DIGITS_LAYERS = [64, 32, 16, 10]
DIGITS_PARAMS = 2781  # 2,778 trainable in the Dense layers + 3 statistics of Normalization(axis=None)
DIABETES_PARAMS = 214  # 193 trainable in the Dense layers + 21 statistics of a per-feature Normalization
DIGITS_ACCURACY = 0.93
DIABETES_MAE = 50.0
DIABETES_VISIBLE_MAE = 52.0


# Held-out sets: secret-seeded, label-preserving perturbations of the public data.


@heldout_set("digits")
def _digits(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    return perturb_digits(data.data, rng), data.target.astype(np.int64)


@heldout_set("diabetes")
def _diabetes(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_diabetes

    data = load_diabetes(scaled=False)
    x = data.data.astype(np.float64)
    factor = 1.0 + rng.normal(0.0, 0.03, size=x.shape)
    factor[:, 1] = 1.0  # sex is coded 1 or 2: keep it
    return (x * factor).astype(np.float32), data.target.astype(np.float32)


# Question 1: normalize with training statistics only.


def _standardize_cases() -> list[tuple]:
    rng = np.random.default_rng(505)
    cases = []
    for n_train, n_test, d in [(40, 15, 5), (120, 30, 12), (8, 1, 3), (25, 60, 2)]:
        spread = rng.uniform(0.5, 20.0, size=d)
        centre = spread * rng.uniform(-3.0, 3.0, size=d)
        x_train = centre + spread * rng.normal(size=(n_train, d))
        drift = spread * rng.uniform(0.5, 1.5, size=d)  # the test rows come from a shifted distribution
        x_test = centre + drift + spread * rng.uniform(0.7, 1.6) * rng.normal(size=(n_test, d))
        cases.append((x_train.astype(np.float32), x_test.astype(np.float32)))
    return cases


def _stacked(result: Any) -> np.ndarray:
    z_train, z_test = result
    return np.concatenate([np.asarray(z_train, dtype=np.float64), np.asarray(z_test, dtype=np.float64)], axis=0)


def _standardize_holds(x_train: np.ndarray, x_test: np.ndarray) -> Callable[[Any], str | None]:
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    expected = ((x_train - mean) / std, (x_test - mean) / std)

    def holds(result: Any) -> str | None:
        try:
            z_train, z_test = result
        except (TypeError, ValueError):
            return f"returned {describe(result)}; it should return a pair (z_train, z_test)."
        for name, got, want in [("z_train", z_train, expected[0]), ("z_test", z_test, expected[1])]:
            got = np.asarray(got, dtype=np.float64)
            if got.shape != want.shape:
                return f"{name} has shape {got.shape}; it should have shape {want.shape}, the same as its input."
            if not np.allclose(got, want, rtol=1e-4, atol=1e-4):
                return f"{name} is {describe(got)}, but it should be {describe(want)}."
        return None

    return holds


_Q1_TRAIN = np.array([[0.0, 10.0], [2.0, 30.0]], dtype=np.float32)
_Q1_TEST = np.array([[1.0, 40.0], [4.0, 20.0]], dtype=np.float32)


# Question 3: the output activation and loss that match a task.

TASKS = ("binary", "multiclass", "onehot", "regression")
_RIGHT_PAIRS: dict[str, tuple[set[str], set[str]]] = {
    "binary": ({"sigmoid"}, {"binarycrossentropy"}),
    "multiclass": ({"softmax"}, {"sparsecategoricalcrossentropy"}),
    "onehot": ({"softmax"}, {"categoricalcrossentropy"}),
    "regression": (
        {"linear", "none", ""},
        {"mse", "meansquarederror", "mae", "meanabsoluteerror", "huber"},
    ),
}


def _name(part: Any) -> str:
    """The name of an activation or a loss given as a string, a function, a Keras object or None."""
    if part is None:
        return "none"
    if isinstance(part, str):
        text = part
    else:
        text = getattr(part, "__name__", None) or type(part).__name__
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _pair_text(result: Any) -> str:
    """The answer's (activation, loss) as one string "activation|loss", in the kernel."""
    if isinstance(result, str) or not isinstance(result, tuple | list) or len(result) != 2:
        return f"?{type(result).__name__}"
    return f"{_name(result[0])}|{_name(result[1])}"


def _pair_problem(task: str, text: str) -> str | None:
    if text.startswith("?"):
        return f"a {text[1:]} for task {task!r}, where a pair (activation, loss) was expected"
    activation, loss = text.split("|", 1)
    activations, losses = _RIGHT_PAIRS[task]
    if activation in activations and loss in losses:
        return None
    return f"an activation and a loss that do not fit task {task!r}"


def _pair_verify(args: tuple, got: np.ndarray) -> str | None:
    return _pair_problem(args[0], str(got))


def _multiclass_holds(result: Any) -> str | None:
    problem = _pair_problem("multiclass", _pair_text(result))
    if problem is None:
        return None
    return f"returned {describe(result)}: {problem}."


# Questions 4 and 5: trained models, checked on visible data here and on held-out data by the judge.

_DIGITS = digits_split()
_DIABETES = diabetes_split()


def _digits_validation() -> tuple[np.ndarray, np.ndarray]:
    return _DIGITS[1], _DIGITS[3]


def _noisy_digits_validation() -> tuple[np.ndarray, np.ndarray]:
    return perturb_digits(_DIGITS[1], np.random.default_rng(2024)), _DIGITS[3]


def _diabetes_mae_holds(predictions: Any) -> str | None:
    y_val = _DIABETES[3]
    try:
        predictions = np.asarray(predictions, dtype=np.float64).reshape(len(y_val), -1)[:, 0]
    except (TypeError, ValueError):
        return f"returned {describe(predictions)}, not one prediction per patient."
    mae = float(np.mean(np.abs(predictions - y_val)))
    baseline = float(np.mean(np.abs(y_val - _DIABETES[2].mean())))
    if mae <= DIABETES_VISIBLE_MAE:
        return None
    return (
        f"your model's mean absolute error on the validation patients is {mae:.1f}; it should be at most "
        f"{DIABETES_VISIBLE_MAE:.0f} (always predicting the training mean gives {baseline:.1f})."
    )


q1 = Question(
    id="q1_standardize",
    points=2,
    title="Normalize with training statistics only",
    checks=(
        PropertyCheck(
            args=(_Q1_TRAIN, _Q1_TEST),
            call="standardize([[0, 10], [2, 30]], [[1, 40], [4, 20]])",
            holds=_standardize_holds(_Q1_TRAIN, _Q1_TEST),
            tip="Measure the mean and standard deviation of each column of x_train only, "
            "then apply those same numbers to both arrays.",
        ),
    ),
    probes=(
        FunctionProbe(
            cases=_standardize_cases,
            transform=_stacked,
            rtol=1e-4,
            atol=1e-4,
            label="hidden training and test sets whose test rows come from a shifted distribution",
        ),
    ),
    hints=(
        "Both arrays are normalized with the mean and standard deviation of x_train, one per column (axis=0).",
        "Never measure anything on x_test: the test set is what the model has not seen. "
        "Not even to normalize x_test itself.",
        "mean, std = x_train.mean(axis=0), x_train.std(axis=0); return (x_train - mean) / std, (x_test - mean) / std. "
        "A keras.layers.Normalization() adapted on x_train gives the same numbers.",
    ),
)

q2 = Question(
    id="q2_count_params",
    points=2,
    title="Count a dense network's parameters",
    checks=(
        FunctionCheck(
            args=([64, 32, 10],),
            expected=2410,
            call="count_dense_params([64, 32, 10])",
            tip="A Dense layer from n_in inputs to n_out units has n_in * n_out weights plus n_out biases.",
        ),
        FunctionCheck(
            args=([30, 1],),
            expected=31,
            call="count_dense_params([30, 1])",
            tip="One unit with 30 inputs has 30 weights and 1 bias.",
        ),
    ),
    probes=(
        FunctionProbe(
            cases=lambda: [([64, 32, 16, 10],), ([10, 16, 1],), ([784, 128, 64, 10],), ([5, 3],), ([2, 4, 4, 4, 1],)],
            label="other layer sizes",
        ),
    ),
    hints=(
        "Walk over consecutive pairs of sizes: each pair (n_in, n_out) is one Dense layer.",
        "Each layer has n_in * n_out weights and n_out biases; add them up over all layers.",
        "sum(n_in * n_out + n_out for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]))",
    ),
)

q3 = Question(
    id="q3_output_and_loss",
    points=2,
    title="Match the output activation and the loss to the task",
    checks=(
        PropertyCheck(
            args=("multiclass",),
            call='output_and_loss("multiclass")',
            holds=_multiclass_holds,
            tip="Ten digits, one per image, labels stored as integers 0 to 9: "
            "look at the second row of the table in section 6 of the lesson.",
        ),
    ),
    probes=(
        FunctionProbe(
            cases=lambda: [(task,) for task in TASKS],
            transform=_pair_text,
            verify=_pair_verify,
            label="the four tasks",
        ),
    ),
    hints=(
        "Probabilities for one class out of many come from softmax; one yes-or-no probability from a sigmoid; "
        "a real number needs no squashing at all.",
        "The loss follows the labels: integers 0..K-1 take the sparse categorical cross-entropy, one-hot vectors "
        "the categorical cross-entropy, labels 0 or 1 the binary cross-entropy.",
        "For regression return ('linear', 'mse'): a linear output and the mean squared error.",
    ),
)

q4 = Question(
    id="q4_digits_model",
    points=4,
    title="Build, compile and train a digits classifier",
    checks=(
        ModelCheck(
            input_shape=(64,),
            output_units=10,
            output_activation="softmax",
            data=_digits_validation,
            minimum_accuracy=DIGITS_ACCURACY,
            tip="Check that the normalizer was adapted on x_train, that the loss is "
            "'sparse_categorical_crossentropy', and train for more epochs (30 with Adam is plenty).",
        ),
        ModelCheck(
            input_shape=(64,),
            output_units=10,
            output_activation="softmax",
            data=_noisy_digits_validation,
            minimum_accuracy=DIGITS_ACCURACY,
            tip="This check adds a little noise to the validation images, as the grader's held-out images do, so "
            "some pixels that are blank in every training image get a drop of ink. With one mean and deviation per "
            "pixel (the default axis=-1) such a pixel is divided by almost zero. Use "
            "keras.layers.Normalization(axis=None).",
        ),
    ),
    probes=(
        ModelProbe(
            heldout="digits",
            threshold=DIGITS_ACCURACY,
            metric="accuracy",
            requirements=ModelRequirements(
                input_shape=(64,),
                output_units=10,
                output_activation="softmax",
                max_params=DIGITS_PARAMS,
                layer_counts={"Normalization": 1, "Dense": 3},
            ),
        ),
    ),
    hints=(
        "The model is keras.Input(shape=(64,)), the adapted normalizer, Dense(32, relu), Dense(16, relu) and "
        "Dense(10, softmax), chained by keras.Sequential.",
        "Create the normalizer with keras.layers.Normalization(axis=None) and call normalizer.adapt(x_train) before "
        "you build the model. model.count_params() should then say 2781.",
        "Compile with optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'], then "
        "model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=30, batch_size=32, verbose=0).",
    ),
)

q5 = Question(
    id="q5_diabetes_model",
    points=3,
    title="Train a regression model that beats the mean",
    checks=(
        ModelCheck(input_shape=(10,), output_units=1, output_activation="linear"),
        PropertyCheck(
            args=(_DIABETES[1],),
            call="diabetes_model(xd_val)",
            holds=_diabetes_mae_holds,
            tip="Normalize per feature inside the model, use a linear output, and train with Adam at "
            "learning_rate=0.05: with the default 0.001 the output climbs too slowly towards targets near 150.",
        ),
    ),
    probes=(
        ModelProbe(
            heldout="diabetes",
            threshold=DIABETES_MAE,
            metric="mae",
            requirements=ModelRequirements(
                input_shape=(10,),
                output_units=1,
                output_activation="linear",
                max_params=DIABETES_PARAMS,
                layer_counts={"Normalization": 1, "Dense": 2},
            ),
        ),
    ),
    hints=(
        "The features come in different units, so keep one mean and one deviation per feature: "
        "keras.layers.Normalization() with its default axis=-1, adapted on xd_train.",
        "The output is Dense(1) with no activation: a progression score is any real number, not a probability.",
        "Compile with keras.optimizers.Adam(learning_rate=0.05), loss='mse', metrics=['mae'], and fit for "
        "30 epochs with batch_size=32.",
    ),
)

EXERCISE = Exercise(notebook="05_first_keras_model", questions=(q1, q2, q3, q4, q5))
