"""Exercise 06, optimizers and learning rates: momentum, RMSprop and Adam in NumPy, a schedule, a trained model.

Each NumPy question returns the whole path of positions, start included, so the
judge compares where the optimizer goes, not how its state is stored
(`keras_course.optimizer_paths`). The conventions accepted (stated in the task text as well):

- momentum: Keras's ``v = mu v - lr g; x = x + v`` or the equivalent ``v = mu v + g; x = x - lr v``;
- RMSprop: epsilon inside the square root (Keras, ``sqrt(s + eps)``) or added after it (``sqrt(s) + eps``);
- Adam: epsilon added to the bias-corrected ``sqrt(v_hat)`` (Kingma and Ba) or to the uncorrected ``sqrt(v)``
  with the correction folded into the step size (Keras); epsilon inside the square root is accepted too.

Mistakes the hidden tests catch (the judge names the requirement a failed answer misses): a path without the
start, of another shape or one array on every row, x0 changed in place (every optimizer); the wrong sign, the
gradient damped by (1 - mu), the velocity reset, the gradient taken after the move (momentum); no square root, g
for g**2, rho and 1 - rho swapped, a growing sum (Adagrad), the average reset, no epsilon or a fixed one
(RMSprop); no bias correction, one counted from step 0 or 2 or fixed at t = 1, only m corrected, beta_1 and
beta_2 swapped, the moments reset, a fixed epsilon (Adam); a schedule off by one epoch, smooth, ignoring
`every`, not a function or giving arrays or tensors (step decay); and a digits model with another optimizer,
momentum, Nesterov, loss or from_logits, a Normalization adapted on more than x_train or per feature, other
hidden units, another parameter count, a rate too far off to reach the held-out accuracy, or a fit without
LearningRateScheduler (read from the rates History logged: the saved optimizer keeps only the last rate).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from keras_course import optimizer_paths as paths
from keras_course import schedules
from keras_course.checks import AnswerPropertyCheck, FreshCallCheck, ModelCheck, PropertyCheck, optimizer_holds
from keras_course.data import digits_split
from keras_course.exercises.ex06_visible import VISIBLE_PATHS
from keras_course.model_spec import ModelSpec
from keras_course.optimizer_paths import bowl, parabola, rosenbrock, wavy
from keras_course.probes import (
    FunctionProbe,
    ModelProbe,
    ModelRequirements,
    adapted_statistics,
    compiled_metric,
    compiled_with,
    exact_params,
    hidden_layers,
    normalization_matches,
    trained_epochs_up_to,
)
from keras_course.question import Exercise, Question, Requirement

PATH_RTOL = 1e-5
PATH_ATOL = 1e-7
DIGITS_PARAMS = 2413  # Dense 64->32 and 32->10 (2,410 trainable) + 3 statistics of Normalization(axis=None)
# Held-out accuracy (5 seeds each, scored as the judge does): the solution (SGD 0.02, momentum 0.9, halving every
# 5 epochs, 20 epochs) 0.9855-0.9894; rate 0.005: 0.962-0.9705; rate 0.05 for 10 epochs: 0.9844-0.9939;
# functional model with ReLU/Activation layers at 0.01: 0.9783-0.9822. Rates of 2.0 or 1e-4 stay far below.
DIGITS_ACCURACY = 0.95
DIGITS_VISIBLE_ACCURACY = 0.94
MOMENTUM = 0.9
# Normalization(axis=None).adapt(x_train) lands within 1e-7 of the float64 mean and variance; adapted on
# x_train and x_val together they move by 1.2e-4 and 2.3e-4 (relative), on x_val alone by 4.7e-4 and 9.3e-4.
NORMALIZATION_RTOL = 2e-5


def example_args(name: str) -> tuple:
    """The arguments of visible example ``name``, made afresh for every call; its paths are in `VISIBLE_PATHS`."""
    return {
        "q1_example": lambda: (parabola, np.array([1.0]), 0.1, 0.9, 3),
        "q1_plain": lambda: (parabola, np.array([1.0, -2.0]), 0.25, 0.0, 2),
        "q2_example": lambda: (parabola, np.array([1.0]), 0.1, 0.9, 1e-7, 2),
        "q2_zero": lambda: (parabola, np.array([0.0, 3.0]), 0.01, 0.9, 1e-7, 2),
        "q3_example": lambda: (parabola, np.array([1.0]), 0.1, 0.9, 0.999, 1e-7, 3),
        "q3_long": lambda: (bowl([1.0, 10.0], [1.0, 1.0]), np.array([-1.0, 2.0]), 0.05, 0.9, 0.999, 1e-7, 25),
    }[name]()


def references(optimizer: str, args: tuple) -> list[np.ndarray]:
    """The paths the judge accepts for ``args``, one per accepted convention (instructor side, judge only)."""
    from grader.references import optimizers as reference  # never in the student bundle

    if optimizer == "momentum":
        return [reference.momentum_reference(*args)]
    if optimizer == "rmsprop":
        return [reference.rmsprop_reference(*args, inside=inside) for inside in (True, False)]
    return [reference.adam_reference(*args, style=style) for style in ("paper", "keras", "inside")]


def _path_check(name: str, call: str, tip: str) -> FreshCallCheck:
    """A visible check against the accepted paths of visible example ``name``, stored as numbers in `VISIBLE_PATHS`.

    The reference optimizers stay on the instructor's side (`grader.references`, never in the student
    bundle); `tests/test_exercise_06.py` proves these stored paths are what they compute.
    """
    holds = paths.visible_path_holds(VISIBLE_PATHS[name], PATH_RTOL, PATH_ATOL)
    return FreshCallCheck(make_args=partial(example_args, name), call=call, holds=holds, tip=tip)


def _path_probes(optimizer: str, *rows: tuple) -> tuple[FunctionProbe, ...]:
    """The form of the path on every hidden case, then its positions, per ``(cases, label, requirement)`` row."""
    rows = tuple((_CASES[cases], label, covers) for cases, label, covers in rows)
    return paths.path_probes(partial(references, optimizer), *rows, rtol=PATH_RTOL, atol=PATH_ATOL)


_PATH_REQUIREMENT = "returns the whole path as an array of shape (steps + 1, len(x0)), x0 as its first row"
_UNCHANGED_REQUIREMENT = "leaves x0 unchanged"

# An epsilon of 0.01 against gradients near 1 moves every step by about 1%: a fixed 1e-7 or 1e-8 written into the
# code in place of the epsilon argument shows here (with the epsilons of 1e-6 to 1e-8 above it changes nothing).
_LARGE_EPSILON_SURFACE = (bowl([0.5, 2.0], [1.0, -1.0]), np.array([-1.0, 0.5]))
# The hidden cases of each optimizer: (grad_fn, x0, its settings, steps), built afresh on each side.
_CASES = {
    "momentum": lambda: [
        (rosenbrock, np.array([-1.5, 2.0]), 1e-3, 0.9, 60),
        (bowl([1.0, 25.0], [1.0, -0.5], angle=0.6), np.array([-2.0, 1.5]), 0.03, 0.8, 40),
        (wavy, np.array([2.0, -1.0, 0.3, 4.0]), 0.05, 0.95, 30),
        (parabola, np.array([3.0]), 0.2, 0.0, 5),
        (bowl([2.0, 0.5, 8.0], [0.0, 1.0, -1.0]), np.array([1.0, 1.0, 1.0]), 0.1, 0.5, 1),
    ],
    "rmsprop": lambda: [
        (rosenbrock, np.array([-1.5, 2.0]), 0.01, 0.9, 1e-7, 40),
        (bowl([1.0, 100.0], [1.0, 1.0], angle=0.3), np.array([-2.0, 3.0]), 0.05, 0.95, 1e-7, 40),
        (wavy, np.array([2.0, -1.0, 0.3, 4.0]), 0.02, 0.8, 1e-6, 25),
        (parabola, np.array([1.0]), 0.1, 0.5, 1e-7, 3),
    ],
    # A coordinate that starts at its minimum: its gradient and its average stay 0.
    "rmsprop zero": lambda: [(bowl([1.0, 4.0], [0.0, 2.0]), np.array([0.0, -1.0]), 0.1, 0.9, 1e-7, 10)],
    "rmsprop epsilon": lambda: [(*_LARGE_EPSILON_SURFACE, 0.05, 0.9, 0.01, 20)],
    "adam": lambda: [
        (rosenbrock, np.array([-1.5, 2.0]), 0.05, 0.9, 0.999, 1e-7, 80),
        (bowl([1.0, 30.0], [1.0, -1.0], angle=0.4), np.array([-2.0, 2.0]), 0.1, 0.8, 0.99, 1e-8, 40),
        (wavy, np.array([2.0, -1.0, 0.3, 4.0]), 0.02, 0.9, 0.999, 1e-7, 30),
        (bowl([1.0, 4.0], [0.0, 2.0]), np.array([0.0, -1.0]), 0.1, 0.9, 0.999, 1e-7, 10),
        (parabola, np.array([2.0, -1.0]), 0.3, 0.5, 0.9, 1e-7, 4),
    ],
    "adam epsilon": lambda: [(*_LARGE_EPSILON_SURFACE, 0.05, 0.9, 0.999, 0.01, 20)],
}


# Question 1: gradient descent with momentum.


q1 = Question(
    id="q1_momentum",
    points=2,
    title="Gradient descent with momentum",
    checks=(
        _path_check(
            "q1_example",
            "momentum_path(grad, x0=[1.0], learning_rate=0.1, momentum=0.9, steps=3) with grad(x) = 2x",
            "The path is [[1.0], [0.8], [0.46], [0.062]]: the velocity starts at 0 and is updated "
            "before the position, v = momentum * v - learning_rate * g, then x = x + v.",
        ),
        _path_check(
            "q1_plain",
            "momentum_path(grad, x0=[1.0, -2.0], learning_rate=0.25, momentum=0.0, steps=2)",
            "With momentum 0 this is plain gradient descent: each step subtracts learning_rate * g, so "
            "every coordinate halves: [[1, -2], [0.5, -1], [0.25, -0.5]].",
        ),
    ),
    probes=_path_probes(
        "momentum",
        ("momentum", "hidden loss surfaces (Rosenbrock's banana among them)", "update"),
    ),
    requirements=(
        Requirement("path", _PATH_REQUIREMENT),
        Requirement(
            "update",
            "starts with v = 0 and, at every step, updates the velocity v = momentum * v - learning_rate * g with the "
            "gradient at the current point, then x = x + v",
        ),
        Requirement("unchanged", _UNCHANGED_REQUIREMENT),
    ),
    hints=(
        "Start with x = np.array(x0, dtype=float), v = np.zeros_like(x) and path = [x.copy()]; then loop steps times.",
        "Each step: g = grad_fn(x), v = momentum * v - learning_rate * g, x = x + v. The minus sign sends you "
        "downhill; the velocity keeps momentum times its old value.",
        "Append x.copy() (not x itself, or every row becomes the last position) after each step and return "
        "np.array(path), of shape (steps + 1, len(x0)).",
    ),
)


# Question 2: RMSprop.


q2 = Question(
    id="q2_rmsprop",
    points=2,
    title="RMSprop",
    checks=(
        _path_check(
            "q2_example",
            "rmsprop_path(grad, x0=[1.0], learning_rate=0.1, rho=0.9, epsilon=1e-7, steps=2) with grad(x) = 2x",
            "The first step: s = 0.9 * 0 + 0.1 * 2**2 = 0.4, so x moves by 0.1 * 2 / sqrt(0.4) = 0.3162 to 0.6838. "
            "Keep a moving average of g squared, and divide by its square root.",
        ),
        _path_check(
            "q2_zero",
            "rmsprop_path(grad, x0=[0.0, 3.0], learning_rate=0.01, rho=0.9, epsilon=1e-7, steps=2)",
            "The first coordinate starts at the minimum, so its gradient and its average are 0: epsilon is "
            "what keeps 0 / 0 from turning into NaN. Add it inside or after the square root.",
        ),
    ),
    probes=_path_probes(
        "rmsprop",
        ("rmsprop", "hidden loss surfaces", "update"),
        ("rmsprop zero", "a hidden loss surface that starts at the minimum in one coordinate", "epsilon"),
        ("rmsprop epsilon", "a hidden loss surface with a large epsilon", "epsilon"),
    ),
    requirements=(
        Requirement("path", _PATH_REQUIREMENT),
        Requirement(
            "update",
            "starts with s = 0 and, at every step, keeps the moving average s = rho * s + (1 - rho) * g**2 and divides "
            "the step by its square root",
        ),
        Requirement(
            "epsilon",
            "adds the epsilon it is given (not a number of its own) inside or after the square root, so a zero "
            "gradient gives no NaN",
        ),
        Requirement("unchanged", _UNCHANGED_REQUIREMENT),
    ),
    hints=(
        "Keep one array s = np.zeros_like(x), the moving average of the squared gradient, one entry per coordinate.",
        "Each step: g = grad_fn(x), s = rho * s + (1 - rho) * g**2, then x = x - learning_rate * g / np.sqrt(s + epsilon).",
        "Return the path as in question 1: the start, then a copy of x after every step, as one array.",
    ),
)


# Question 3: Adam.


q3 = Question(
    id="q3_adam",
    points=3,
    title="Adam with bias correction",
    checks=(
        _path_check(
            "q3_example",
            "adam_path(grad, x0=[1.0], learning_rate=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-7, steps=3) "
            "with grad(x) = 2x",
            "With bias correction Adam's first step is learning_rate * sign(g): 1.0 goes to 0.9. Without it the "
            "first step is 0.316. Divide m by (1 - beta_1**t) and v by (1 - beta_2**t), with t = 1 on the first step.",
        ),
        _path_check(
            "q3_long",
            "adam_path(grad, x0=[-1.0, 2.0], learning_rate=0.05, beta_1=0.9, beta_2=0.999, epsilon=1e-7, "
            "steps=25) on a bowl",
            "Count t from 1 on the first step and add 1 each step; m averages g with beta_1, v averages g**2 with "
            "beta_2.",
        ),
    ),
    probes=_path_probes(
        "adam",
        ("adam", "hidden loss surfaces (Rosenbrock's banana among them)", "update"),
        ("adam epsilon", "a hidden loss surface with a large epsilon", "epsilon"),
    ),
    requirements=(
        Requirement("path", _PATH_REQUIREMENT),
        Requirement(
            "update",
            "keeps both moving averages m and v from one step to the next and corrects both for bias, with the step "
            "counter t starting at 1",
        ),
        Requirement(
            "epsilon", "adds the epsilon it is given (not a number of its own) to the square root or inside it"
        ),
        Requirement("unchanged", _UNCHANGED_REQUIREMENT),
    ),
    hints=(
        "Keep two arrays, m (moving average of g) and v (moving average of g**2), both starting at zero.",
        "For t in range(1, steps + 1): m = beta_1 * m + (1 - beta_1) * g and v = beta_2 * v + (1 - beta_2) * g**2; "
        "then m_hat = m / (1 - beta_1**t) and v_hat = v / (1 - beta_2**t).",
        "The step is x = x - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon). Without m_hat and v_hat the first "
        "steps are about three times too long (lesson, section 5).",
    ),
)


# Question 4: a step-decay schedule for keras.callbacks.LearningRateScheduler.


# Hidden schedules: (initial_lr, drop, every, epochs).
_SCHEDULE_CASES = [(0.1, 0.5, 10, 35), (0.05, 0.1, 3, 10), (1.0, 0.9, 1, 6), (0.02, 0.5, 7, 15), (0.3, 0.25, 2, 2)]
# The visible examples' rates, written out from initial_lr * drop ** (epoch // every) (the question's text).
_VISIBLE_RATES = {
    (0.1, 0.5, 3, 8): [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025],
    (0.01, 0.1, 1, 4): [0.01, 0.001, 0.0001, 1e-05],
}


def _made(config: tuple) -> str:
    return "make_step_decay({}, {}, {})".format(*config[:3])


def _reference_rates(config: tuple) -> list[float]:
    from grader.references.optimizers import step_decay_reference  # instructor side only

    return [step_decay_reference(*config[:3], epoch) for epoch in range(config[3])]


def _schedule_check(config: tuple, tip: str) -> PropertyCheck:
    holds = schedules.schedule_holds(_made(config), config[0], _VISIBLE_RATES[config])
    return PropertyCheck(args=config[:3], call=f"{_made(config)} over {config[3]} epochs", holds=holds, tip=tip)


q4 = Question(
    id="q4_step_decay",
    points=2,
    title="A step-decay schedule for LearningRateScheduler",
    checks=(
        _schedule_check(
            (0.1, 0.5, 3, 8),
            "Keras counts epochs from 0: epochs 0, 1, 2 use 0.1, epochs 3, 4, 5 use 0.05, epochs 6 and 7 use "
            "0.025. The exponent is epoch // every.",
        ),
        _schedule_check(
            (0.01, 0.1, 1, 4),
            "With every=1 the rate drops after every epoch, but epoch 0 still uses the initial rate: "
            "0.01, 0.001, 0.0001, 1e-05.",
        ),
    ),
    probes=schedules.schedule_probes(
        _SCHEDULE_CASES, _made, _reference_rates, "hidden schedules, called as LearningRateScheduler calls them"
    ),
    requirements=(
        Requirement(
            "rates",
            "returns a function schedule(epoch, lr) whose rate for epoch e, counting from 0, is "
            "initial_lr * drop ** (e // every), also at the epochs where a drop happens",
        ),
        Requirement("float", "the schedule returns a float"),
    ),
    hints=(
        "make_step_decay returns a new function: def schedule(epoch, lr): ... and then return schedule.",
        "LearningRateScheduler calls schedule(0, lr) before the first epoch: the first `every` epochs must all "
        "return initial_lr.",
        "return initial_lr * drop ** (epoch // every); the lr argument can be ignored.",
    ),
)


# Question 5: train the digits network with SGD, momentum and the schedule, to a held-out accuracy.


def _digits_validation() -> tuple[np.ndarray, np.ndarray]:
    _, x_val, _, y_val = digits_split()
    return x_val, y_val


MAX_EPOCHS = 20
BATCH_SIZE = 32
_DIGITS_MODEL = ModelSpec(
    input_shape=(64,), output_units=10, output_activation="softmax", layer_counts={"Normalization": 1, "Dense": 2}
)


q5 = Question(
    id="q5_train_digits",
    points=3,
    title="Train with SGD, momentum and a schedule",
    checks=(
        AnswerPropertyCheck(
            name="The optimizer of sgd_model",
            holds=optimizer_holds(
                "sgd_model", "SGD", "keras.optimizers.SGD(learning_rate=..., momentum=0.9)", momentum=MOMENTUM,
                nesterov=False,
            ),
        ),
        AnswerPropertyCheck(
            name="sgd_model's last fit",
            holds=lambda model: schedules.step_decay_problem((), schedules.logged_rates(model)()),
            tip="Pass your schedule of question 4 to fit: keras.callbacks.LearningRateScheduler(make_step_decay(...)).",
        ),
        ModelCheck(
            _DIGITS_MODEL,
            data=_digits_validation,
            minimum_accuracy=DIGITS_VISIBLE_ACCURACY,
            tip="Look at the lesson's learning-rate sweep: with momentum 0.9 each step is about ten times longer, "
            "so start near 0.01 to 0.05. A rate that is too large leaves the loss stuck near 2.3.",
        ),
    ),
    probes=(
        ModelProbe(
            heldout="digits_optimizers",
            threshold=DIGITS_ACCURACY,
            metric="accuracy",
            requirements=ModelRequirements(
                _DIGITS_MODEL,
                rules=(
                    hidden_layers("Dense", units=(32,), activation="relu"),
                    normalization_matches(adapted_statistics(lambda: digits_split()[0]), rtol=NORMALIZATION_RTOL),
                    exact_params(DIGITS_PARAMS),
                    trained_epochs_up_to(MAX_EPOCHS, BATCH_SIZE, lambda: len(digits_split()[0])),
                    compiled_with(
                        loss="sparse_categorical_crossentropy",
                        optimizer="SGD",
                        from_logits=False,
                        momentum=MOMENTUM,
                        nesterov=False,
                    ),
                    compiled_metric("accuracy", {"SparseCategoricalAccuracy"}),
                ),
            ),
            covers=("layers", "preprocessing", "params", "compile", "training", "heldout"),
        ),
        FunctionProbe(
            cases=lambda: [()],
            select=schedules.logged_rates,
            verify=schedules.step_decay_problem,
            label="the learning rates of your model's last fit",
            covers=("schedule",),
        ),
    ),
    requirements=(
        Requirement(
            "layers",
            "takes inputs of shape (64,) and has a Normalization layer, a hidden Dense layer of 32 units with the ReLU "
            "activation and a Dense output layer of 10 units with the softmax activation",
        ),
        Requirement("preprocessing", "its Normalization(axis=None) is adapted on x_train only"),
        Requirement("params", "it has exactly 2413 parameters"),
        Requirement(
            "compile",
            'it is compiled with keras.optimizers.SGD, momentum=0.9 (not Nesterov\'s), the loss "sparse_categorical_crossentropy" on its softmax outputs and metrics=["accuracy"]',
        ),
        Requirement("training", "it is trained on x_train for at most 20 epochs with batch_size=32"),
        Requirement(
            "schedule", "its fit gets keras.callbacks.LearningRateScheduler with a step-decay schedule from question 4"
        ),
        Requirement("heldout", "it reaches an accuracy of at least 0.95 on held-out digits"),
    ),
    hints=(
        "Compile with optimizer=keras.optimizers.SGD(learning_rate=0.02, momentum=0.9), "
        "loss='sparse_categorical_crossentropy', metrics=['accuracy'].",
        "Pass callbacks=[keras.callbacks.LearningRateScheduler(make_step_decay(0.02, 0.5, 5))] to fit, with "
        "epochs=20 and batch_size=32.",
        "If the validation accuracy stays near 0.1, the rate is too large; if it creeps up slowly, too small. "
        "Between 0.005 and 0.05 works with momentum 0.9.",
    ),
)

EXERCISE = Exercise(notebook="06_optimizers", questions=(q1, q2, q3, q4, q5))
