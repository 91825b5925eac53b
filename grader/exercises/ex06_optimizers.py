"""Exercise 06, optimizers and learning rates: momentum, RMSprop and Adam in NumPy, a schedule, a trained model.

Each NumPy question returns the whole path of positions, start included, so the
judge compares where the optimizer goes, not how its state is stored. The
conventions accepted (stated in the task text as well):

- momentum: Keras's ``v = mu v - lr g; x = x + v`` or the equivalent
  ``v = mu v + g; x = x - lr v``;
- RMSprop: epsilon inside the square root (Keras, ``sqrt(s + eps)``) or added
  after it (``sqrt(s) + eps``);
- Adam: epsilon added to the bias-corrected ``sqrt(v_hat)`` (Kingma and Ba) or
  to the uncorrected ``sqrt(v)`` with the correction folded into the step size
  (Keras); epsilon inside the square root is accepted too.

Mistakes the hidden tests catch: momentum with the wrong sign (uphill steps, or
the velocity flipped each step), momentum that damps the gradient by
``(1 - mu)``, a path that leaves out the start or stores the same array
object on every step; RMSprop without the square root, with ``g`` in place of
``g**2``, with ``rho`` and ``1 - rho`` swapped, with a growing sum (Adagrad)
instead of a moving average, or without epsilon (NaN where a gradient is 0);
Adam without bias correction, with the correction counted from step 0 or from
step 2, with only the first moment corrected, or with ``beta_1`` and
``beta_2`` swapped; a step-decay schedule off by one epoch (counting epochs
from 1, or dropping at epoch 0), a smooth exponential decay where steps are
asked for, a schedule that ignores ``every``; and a digits model trained with a
learning rate far too large or far too small to reach the held-out accuracy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from grader.checks import CheckFailed, FreshCallCheck, ModelCheck, PropertyCheck, describe
from grader.data import digits_split
from grader.exercises.ex06_visible import VISIBLE_PATHS
from grader.heldout import heldout_set, perturb_digits
from grader.probes import FunctionProbe, ModelProbe, ModelRequirements
from grader.question import Exercise, Question

PATH_RTOL = 1e-5
PATH_ATOL = 1e-7
DIGITS_PARAMS = 2413  # Dense 64->32 and 32->10 (2,410 trainable) + 3 statistics of Normalization(axis=None)
DIGITS_ACCURACY = 0.95
DIGITS_VISIBLE_ACCURACY = 0.94
MIN_MOMENTUM = 0.5


# Loss surfaces whose gradients the hidden tests use. Each is a small class so the judge can rebuild it.


class Bowl:
    """Gradient of the quadratic bowl ``0.5 * (x - centre)^T A (x - centre)``, A symmetric positive definite."""

    def __init__(self, curvatures: Sequence[float], centre: Sequence[float], angle: float = 0.0) -> None:
        d = len(curvatures)
        rotation = np.eye(d)
        if d >= 2:
            c, s = np.cos(angle), np.sin(angle)
            rotation[:2, :2] = [[c, -s], [s, c]]
        self.A = rotation @ np.diag(curvatures) @ rotation.T
        self.centre = np.asarray(centre, dtype=float)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.A @ (np.asarray(x, dtype=float) - self.centre)


class Rosenbrock:
    """Gradient of Rosenbrock's banana ``(a - x)^2 + b (y - x^2)^2``; its minimum is at (a, a^2)."""

    def __init__(self, a: float = 1.0, b: float = 100.0) -> None:
        self.a, self.b = a, b

    def __call__(self, p: np.ndarray) -> np.ndarray:
        x, y = np.asarray(p, dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):  # a wrong optimizer may run far uphill
            return np.array([-2.0 * (self.a - x) - 4.0 * self.b * x * (y - x * x), 2.0 * self.b * (y - x * x)])


class Wavy:
    """Gradient of ``sum(x^2 / 2 + sin(3 x))``: a bumpy one-dimensional loss per coordinate."""

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return x + 3.0 * np.cos(3.0 * x)


def parabola(x: np.ndarray) -> np.ndarray:
    """Gradient of ``f(x) = sum(x^2)``: the example in every question's text."""
    return 2.0 * np.asarray(x, dtype=float)


# Comparing paths.


def as_path(result: Any) -> np.ndarray:
    """The answer's path as one float array (kernel side)."""
    return np.asarray(result, dtype=float)


def _path_problem(got: Any, references: Sequence[np.ndarray]) -> str | None:
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
        if np.allclose(got, reference, rtol=PATH_RTOL, atol=PATH_ATOL):
            return None
    bad = ~np.isclose(got, want, rtol=PATH_RTOL, atol=PATH_ATOL)
    if np.isnan(got).any() and not np.isnan(want).any():
        step = int(np.argwhere(np.isnan(got))[0][0])
        return f"NaN at step {step}, where the path should be at {describe(want[step])}"
    step = int(np.argwhere(bad)[0][0])
    if step == 0:
        return f"a path that starts at {describe(got[0])}; it should start at x0 = {describe(want[0])}"
    return f"a path that is at {describe(got[step])} after step {step}; it should be at {describe(want[step])}"


def _visible(name: str) -> Callable[[tuple, Any], str | None]:
    """A visible check against the accepted paths of visible example ``name``, stored as numbers.

    The reference optimizers stay on the instructor's side (`grader.references`, never in the student
    bundle); `tests/test_exercise_06.py` proves these stored paths are what they compute.
    """

    def holds(args: tuple, result: Any) -> str | None:
        problem = _path_problem(result, [np.asarray(path, dtype=float) for path in VISIBLE_PATHS[name]])
        return f"returned {problem}." if problem else None

    return holds


def _verify(references: Callable[[tuple], list[np.ndarray]]) -> Callable[[tuple, np.ndarray], str | None]:
    return lambda args, output: _path_problem(output, references(args))


# Question 1: gradient descent with momentum.


def _momentum_refs(args: tuple) -> list[np.ndarray]:
    from grader.references.optimizers import momentum_reference  # instructor side only

    return [momentum_reference(*args)]


def _q1_example() -> tuple:
    return parabola, np.array([1.0]), 0.1, 0.9, 3


def _q1_plain() -> tuple:
    return parabola, np.array([1.0, -2.0]), 0.25, 0.0, 2


def _momentum_cases() -> list[tuple]:
    return [
        (Rosenbrock(), np.array([-1.5, 2.0]), 1e-3, 0.9, 60),
        (Bowl([1.0, 25.0], [1.0, -0.5], angle=0.6), np.array([-2.0, 1.5]), 0.03, 0.8, 40),
        (Wavy(), np.array([2.0, -1.0, 0.3, 4.0]), 0.05, 0.95, 30),
        (parabola, np.array([3.0]), 0.2, 0.0, 5),
        (Bowl([2.0, 0.5, 8.0], [0.0, 1.0, -1.0]), np.array([1.0, 1.0, 1.0]), 0.1, 0.5, 1),
    ]


q1 = Question(
    id="q1_momentum",
    points=2,
    title="Gradient descent with momentum",
    checks=(
        FreshCallCheck(
            make_args=_q1_example,
            call="momentum_path(grad, x0=[1.0], learning_rate=0.1, momentum=0.9, steps=3) with grad(x) = 2x",
            holds=_visible("q1_example"),
            tip="The path is [[1.0], [0.8], [0.46], [0.062]]: the velocity starts at 0 and is updated "
            "before the position, v = momentum * v - learning_rate * g, then x = x + v.",
        ),
        FreshCallCheck(
            make_args=_q1_plain,
            call="momentum_path(grad, x0=[1.0, -2.0], learning_rate=0.25, momentum=0.0, steps=2)",
            holds=_visible("q1_plain"),
            tip="With momentum 0 this is plain gradient descent: each step subtracts learning_rate * g, so "
            "every coordinate halves: [[1, -2], [0.5, -1], [0.25, -0.5]].",
        ),
    ),
    probes=(
        FunctionProbe(
            cases=_momentum_cases,
            transform=as_path,
            verify=_verify(_momentum_refs),
            label="hidden loss surfaces (Rosenbrock's banana among them)",
        ),
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


def _rmsprop_refs(args: tuple) -> list[np.ndarray]:
    from grader.references.optimizers import rmsprop_reference  # instructor side only

    return [rmsprop_reference(*args, inside=True), rmsprop_reference(*args, inside=False)]


def _q2_example() -> tuple:
    return parabola, np.array([1.0]), 0.1, 0.9, 1e-7, 2


def _q2_zero() -> tuple:
    return parabola, np.array([0.0, 3.0]), 0.01, 0.9, 1e-7, 2


def _rmsprop_cases() -> list[tuple]:
    return [
        (Rosenbrock(), np.array([-1.5, 2.0]), 0.01, 0.9, 1e-7, 40),
        (Bowl([1.0, 100.0], [1.0, 1.0], angle=0.3), np.array([-2.0, 3.0]), 0.05, 0.95, 1e-7, 40),
        (Wavy(), np.array([2.0, -1.0, 0.3, 4.0]), 0.02, 0.8, 1e-6, 25),
        (Bowl([1.0, 4.0], [0.0, 2.0]), np.array([0.0, -1.0]), 0.1, 0.9, 1e-7, 10),
        (parabola, np.array([1.0]), 0.1, 0.5, 1e-7, 3),
    ]


q2 = Question(
    id="q2_rmsprop",
    points=2,
    title="RMSprop",
    checks=(
        FreshCallCheck(
            make_args=_q2_example,
            call="rmsprop_path(grad, x0=[1.0], learning_rate=0.1, rho=0.9, epsilon=1e-7, steps=2) with grad(x) = 2x",
            holds=_visible("q2_example"),
            tip="The first step: s = 0.9 * 0 + 0.1 * 2**2 = 0.4, so x moves by 0.1 * 2 / sqrt(0.4) = 0.3162 to 0.6838. "
            "Keep a moving average of g squared, and divide by its square root.",
        ),
        FreshCallCheck(
            make_args=_q2_zero,
            call="rmsprop_path(grad, x0=[0.0, 3.0], learning_rate=0.01, rho=0.9, epsilon=1e-7, steps=2)",
            holds=_visible("q2_zero"),
            tip="The first coordinate starts at the minimum, so its gradient and its average are 0: epsilon is "
            "what keeps 0 / 0 from turning into NaN. Add it inside or after the square root.",
        ),
    ),
    probes=(
        FunctionProbe(
            cases=_rmsprop_cases,
            transform=as_path,
            verify=_verify(_rmsprop_refs),
            label="hidden loss surfaces (one starts at the minimum in one coordinate)",
        ),
    ),
    hints=(
        "Keep one array s = np.zeros_like(x), the moving average of the squared gradient, one entry per coordinate.",
        "Each step: g = grad_fn(x), s = rho * s + (1 - rho) * g**2, then x = x - learning_rate * g / np.sqrt(s + epsilon).",
        "Return the path as in question 1: the start, then a copy of x after every step, as one array.",
    ),
)


# Question 3: Adam.


def _adam_refs(args: tuple) -> list[np.ndarray]:
    from grader.references.optimizers import adam_reference  # instructor side only

    return [adam_reference(*args, style=style) for style in ("paper", "keras", "inside")]


def _q3_example() -> tuple:
    return parabola, np.array([1.0]), 0.1, 0.9, 0.999, 1e-7, 3


def _q3_long() -> tuple:
    return Bowl([1.0, 10.0], [1.0, 1.0]), np.array([-1.0, 2.0]), 0.05, 0.9, 0.999, 1e-7, 25


def _adam_cases() -> list[tuple]:
    return [
        (Rosenbrock(), np.array([-1.5, 2.0]), 0.05, 0.9, 0.999, 1e-7, 80),
        (Bowl([1.0, 30.0], [1.0, -1.0], angle=0.4), np.array([-2.0, 2.0]), 0.1, 0.8, 0.99, 1e-8, 40),
        (Wavy(), np.array([2.0, -1.0, 0.3, 4.0]), 0.02, 0.9, 0.999, 1e-7, 30),
        (Bowl([1.0, 4.0], [0.0, 2.0]), np.array([0.0, -1.0]), 0.1, 0.9, 0.999, 1e-7, 10),
        (parabola, np.array([2.0, -1.0]), 0.3, 0.5, 0.9, 1e-7, 4),
    ]


q3 = Question(
    id="q3_adam",
    points=3,
    title="Adam with bias correction",
    checks=(
        FreshCallCheck(
            make_args=_q3_example,
            call="adam_path(grad, x0=[1.0], learning_rate=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-7, steps=3) "
            "with grad(x) = 2x",
            holds=_visible("q3_example"),
            tip="With bias correction Adam's first step is learning_rate * sign(g): 1.0 goes to 0.9. Without it the "
            "first step is 0.316. Divide m by (1 - beta_1**t) and v by (1 - beta_2**t), with t = 1 on the first step.",
        ),
        FreshCallCheck(
            make_args=_q3_long,
            call="adam_path(grad, x0=[-1.0, 2.0], learning_rate=0.05, beta_1=0.9, beta_2=0.999, epsilon=1e-7, "
            "steps=25) on a bowl",
            holds=_visible("q3_long"),
            tip="Count t from 1 on the first step and add 1 each step; m averages g with beta_1, v averages g**2 with "
            "beta_2.",
        ),
    ),
    probes=(
        FunctionProbe(
            cases=_adam_cases,
            transform=as_path,
            verify=_verify(_adam_refs),
            label="hidden loss surfaces (Rosenbrock's banana among them)",
        ),
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


def step_decay_reference(initial_lr: float, drop: float, every: int, epoch: int) -> float:
    return initial_lr * drop ** (epoch // every)


def schedule_rates(schedule: Any, initial_lr: float, epochs: int) -> np.ndarray:
    """The rate of each epoch, called the way LearningRateScheduler calls it (kernel side).

    Keras passes the optimizer's current rate as the second argument (the
    optimizer starts at ``initial_lr``), and falls back to ``schedule(epoch)``
    when the function takes one argument.
    """
    if not callable(schedule):
        raise TypeError(f"make_step_decay returned {describe(schedule)}, not a function schedule(epoch, lr)")
    rates, current = [], float(initial_lr)
    for epoch in range(epochs):
        try:
            rate = schedule(epoch, current)
        except TypeError:
            rate = schedule(epoch)
        current = float(rate)
        rates.append(current)
    return np.array(rates)


_SCHEDULE_CASES = [(0.1, 0.5, 10, 35), (0.05, 0.1, 3, 10), (1.0, 0.9, 1, 6), (0.02, 0.5, 7, 15), (0.3, 0.25, 2, 2)]


def _schedule_problem(config: tuple, rates: np.ndarray) -> str | None:
    initial_lr, drop, every, epochs = config
    want = np.array([step_decay_reference(initial_lr, drop, every, e) for e in range(epochs)])
    rates = np.asarray(rates, dtype=float)
    if rates.shape != want.shape:
        return f"{rates.shape[0] if rates.ndim == 1 else describe(rates)} rates for {epochs} epochs"
    bad = ~np.isclose(rates, want, rtol=1e-5, atol=1e-12)
    if not bad.any():
        return None
    epoch = int(np.argwhere(bad)[0][0])
    return (
        f"a rate of {rates[epoch]:.6g} at epoch {epoch} (counting from 0, as Keras does) for "
        f"make_step_decay({initial_lr}, {drop}, {every}); it should be {want[epoch]:.6g}"
    )


def _schedule_cases() -> list[tuple]:
    return [config[:3] for config in _SCHEDULE_CASES]


class _ScheduleProbe(FunctionProbe):
    """Calls make_step_decay on each configuration and records the rate of every epoch."""

    def collect(self, answer: Any, directory: Any, question: str) -> dict[str, Any]:
        def chained(initial_lr: float, drop: float, every: int) -> np.ndarray:
            epochs = next(c[3] for c in _SCHEDULE_CASES if c[:3] == (initial_lr, drop, every))
            return schedule_rates(answer(initial_lr, drop, every), initial_lr, epochs)

        return super().collect(chained, directory, question)


def _schedule_verify(args: tuple, output: np.ndarray) -> str | None:
    config = next(c for c in _SCHEDULE_CASES if c[:3] == tuple(args))
    return _schedule_problem(config, output)


def _schedule_holds(config: tuple) -> Callable[[Any], str | None]:
    def holds(schedule: Any) -> str | None:
        try:
            rates = schedule_rates(schedule, config[0], config[3])
        except Exception as exc:  # noqa: BLE001 - the student's schedule may raise anything
            return f"the schedule raised {type(exc).__name__}: {exc}."
        problem = _schedule_problem(config, rates)
        return f"gave {problem}." if problem else None

    return holds


q4 = Question(
    id="q4_step_decay",
    points=2,
    title="A step-decay schedule for LearningRateScheduler",
    checks=(
        PropertyCheck(
            args=(0.1, 0.5, 3),
            call="make_step_decay(0.1, 0.5, 3) over 8 epochs",
            holds=_schedule_holds((0.1, 0.5, 3, 8)),
            tip="Keras counts epochs from 0: epochs 0, 1, 2 use 0.1, epochs 3, 4, 5 use 0.05, epochs 6 and 7 use "
            "0.025. The exponent is epoch // every.",
        ),
        PropertyCheck(
            args=(0.01, 0.1, 1),
            call="make_step_decay(0.01, 0.1, 1) over 4 epochs",
            holds=_schedule_holds((0.01, 0.1, 1, 4)),
            tip="With every=1 the rate drops after every epoch, but epoch 0 still uses the initial rate: "
            "0.01, 0.001, 0.0001, 1e-05.",
        ),
    ),
    probes=(
        _ScheduleProbe(
            cases=_schedule_cases,
            verify=_schedule_verify,
            label="hidden schedules, called as LearningRateScheduler calls them",
        ),
    ),
    hints=(
        "make_step_decay returns a new function: def schedule(epoch, lr): ... and then return schedule.",
        "LearningRateScheduler calls schedule(0, lr) before the first epoch: the first `every` epochs must all "
        "return initial_lr.",
        "return initial_lr * drop ** (epoch // every); the lr argument can be ignored.",
    ),
)


# Question 5: train the digits network with SGD, momentum and the schedule, to a held-out accuracy.


@heldout_set("digits_optimizers")
def _digits_heldout(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    return perturb_digits(data.data, rng, noise=0.8), data.target.astype(np.int64)


def _digits_validation() -> tuple[np.ndarray, np.ndarray]:
    _, x_val, _, y_val = digits_split()
    return x_val, y_val


class _AnswerCheck(PropertyCheck):
    """A property of the answer itself (a trained model), which is not called."""

    def run(self, answer: Any) -> None:
        problem = self.holds(answer)
        if problem:
            raise CheckFailed(f"{self.call}: {problem} {self.tip}".strip())


def _optimizer_holds(model: Any) -> str | None:
    import keras

    if not isinstance(model, keras.Model):
        return f"sgd_model is {describe(model)}, not a Keras model."
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return "the model has no optimizer: compile it before you train it."
    name = type(optimizer).__name__
    config = optimizer.get_config()
    if name != "SGD":
        return f"the model was compiled with {name}; this question asks for keras.optimizers.SGD."
    if float(config.get("momentum", 0.0)) < MIN_MOMENTUM or config.get("nesterov"):
        return (
            f"its SGD has momentum={config.get('momentum')} and nesterov={config.get('nesterov')}; use "
            f"keras.optimizers.SGD(learning_rate=..., momentum=0.9)."
        )
    return None


q5 = Question(
    id="q5_train_digits",
    points=3,
    title="Train with SGD, momentum and a schedule",
    checks=(
        _AnswerCheck(
            args=(),
            call="The optimizer of sgd_model",
            holds=_optimizer_holds,
            tip="",
        ),
        ModelCheck(
            input_shape=(64,),
            output_units=10,
            output_activation="softmax",
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
                input_shape=(64,),
                output_units=10,
                output_activation="softmax",
                max_params=DIGITS_PARAMS,
                layer_counts={"Normalization": 1, "Dense": 2},
            ),
        ),
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
