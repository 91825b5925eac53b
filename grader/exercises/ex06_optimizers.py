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

Mistakes the hidden tests catch (each question lists its requirements; the
judge names the one a failed answer misses):

- every optimizer: a path that leaves out the start, has another shape, or
  stores the same array on every row; ``x0`` changed in place (``x =
  np.asarray(x0)`` does not copy, so ``x -= ...`` writes into it);
- momentum: the wrong sign (uphill steps, or the velocity flipped each step),
  the gradient damped by ``(1 - mu)``, the velocity reset every step, the
  gradient taken after the move;
- RMSprop: no square root, ``g`` in place of ``g**2``, ``rho`` and ``1 - rho``
  swapped, a growing sum (Adagrad), the average reset every step, no epsilon
  (NaN where a gradient is 0), a fixed epsilon (1e-7, 1e-8) in place of the
  argument;
- Adam: no bias correction, the correction counted from step 0 or step 2 or
  fixed at t = 1, only the first moment corrected, ``beta_1`` and ``beta_2``
  swapped, the moments reset every step, a fixed epsilon in place of the
  argument;
- step decay: off by one epoch (counting from 1, dropping at epoch 0, or one
  epoch early at each boundary), a smooth exponential, ``every`` ignored, not a
  function, rates that are arrays or tensors instead of floats (Keras's
  LearningRateScheduler rejects them);
- the digits model: another optimizer than SGD, momentum other than 0.9,
  Nesterov momentum, another loss or ``from_logits=True`` on softmax outputs
  (all read from the saved compile config); a Normalization adapted on more
  than x_train or per feature; a hidden layer of other units or activation; a
  parameter count other than 2413; a rate far too large or too small to reach
  the held-out accuracy; a fit without LearningRateScheduler (a constant rate),
  read from the rates the model's History logged, since the saved optimizer
  keeps only the last rate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

from grader.checks import AnswerPropertyCheck, FreshCallCheck, ModelCheck, PropertyCheck, describe
from grader.data import digits_split
from grader.exercises.ex06_visible import VISIBLE_PATHS
from grader.model_spec import ModelSpec
from grader.probes import (
    FunctionProbe,
    ModelProbe,
    ModelRequirements,
    ModelRule,
    compiled_metric,
    compiled_with,
    exact_params,
    function_probes,
    hidden_layers,
    normalization_matches,
)
from grader.question import Exercise, Question, Requirement

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


# Loss surfaces whose gradients the hidden tests use: plain functions (and partials), so the judge can rebuild them.


def bowl(
    curvatures: Sequence[float], centre: Sequence[float], angle: float = 0.0
) -> Callable[[np.ndarray], np.ndarray]:
    """Gradient of the quadratic bowl ``0.5 * (x - centre)^T A (x - centre)``, A symmetric positive definite."""
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
    """Gradient of Rosenbrock's banana ``(a - x)^2 + b (y - x^2)^2``; its minimum is at (a, a^2)."""
    x, y = np.asarray(p, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):  # a wrong optimizer may run far uphill
        return np.array([-2.0 * (a - x) - 4.0 * b * x * (y - x * x), 2.0 * b * (y - x * x)])


def wavy(x: np.ndarray) -> np.ndarray:
    """Gradient of ``sum(x^2 / 2 + sin(3 x))``: a bumpy one-dimensional loss per coordinate."""
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
        if problem is None and not isinstance(result, np.ndarray):
            problem = f"{describe(result)}, a path that is not a NumPy array: return np.array(path)"
        return f"returned {problem}." if problem else None

    return holds


def _verify(references: Callable[[tuple], list[np.ndarray]]) -> Callable[[tuple, np.ndarray], str | None]:
    return lambda args, output: _path_problem(output, references(args))


_NOT_AN_ARRAY = np.zeros((0, 0))


def _path_array(result: Any) -> np.ndarray:
    """The path as a float array when the answer returned a NumPy array; an empty (0, 0) marker otherwise (kernel side)."""
    return as_path(result) if isinstance(result, np.ndarray) else _NOT_AN_ARRAY


def _path_form_problem(args: tuple, output: np.ndarray) -> str | None:
    """The path is a NumPy array of shape (steps + 1, len(x0)) whose first row is x0; the positions are judged elsewhere."""
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


def _path_form_probe(cases: Callable[[], list[tuple]]) -> FunctionProbe:
    return FunctionProbe(
        cases, transform=_path_array, verify=_path_form_problem, label="hidden loss surfaces", covers=("path", "unchanged")
    )


def _positions_probe(
    cases: Callable[[], list[tuple]], references: Callable[[tuple], list[np.ndarray]], label: str, covers: str
) -> FunctionProbe:
    """The positions of the answer's path on hidden surfaces, against the accepted reference paths."""
    return FunctionProbe(cases, transform=as_path, verify=_verify(references), label=label, covers=(covers, "unchanged"))


_PATH_REQUIREMENT = "returns the whole path as an array of shape (steps + 1, len(x0)), x0 as its first row"
_UNCHANGED_REQUIREMENT = "leaves x0 unchanged"


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
        (rosenbrock, np.array([-1.5, 2.0]), 1e-3, 0.9, 60),
        (bowl([1.0, 25.0], [1.0, -0.5], angle=0.6), np.array([-2.0, 1.5]), 0.03, 0.8, 40),
        (wavy, np.array([2.0, -1.0, 0.3, 4.0]), 0.05, 0.95, 30),
        (parabola, np.array([3.0]), 0.2, 0.0, 5),
        (bowl([2.0, 0.5, 8.0], [0.0, 1.0, -1.0]), np.array([1.0, 1.0, 1.0]), 0.1, 0.5, 1),
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
        _path_form_probe(_momentum_cases),
        _positions_probe(
            _momentum_cases, _momentum_refs, "hidden loss surfaces (Rosenbrock's banana among them)", "update"
        ),
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


def _rmsprop_refs(args: tuple) -> list[np.ndarray]:
    from grader.references.optimizers import rmsprop_reference  # instructor side only

    return [rmsprop_reference(*args, inside=True), rmsprop_reference(*args, inside=False)]


def _q2_example() -> tuple:
    return parabola, np.array([1.0]), 0.1, 0.9, 1e-7, 2


def _q2_zero() -> tuple:
    return parabola, np.array([0.0, 3.0]), 0.01, 0.9, 1e-7, 2


def _rmsprop_cases() -> list[tuple]:
    return [
        (rosenbrock, np.array([-1.5, 2.0]), 0.01, 0.9, 1e-7, 40),
        (bowl([1.0, 100.0], [1.0, 1.0], angle=0.3), np.array([-2.0, 3.0]), 0.05, 0.95, 1e-7, 40),
        (wavy, np.array([2.0, -1.0, 0.3, 4.0]), 0.02, 0.8, 1e-6, 25),
        (parabola, np.array([1.0]), 0.1, 0.5, 1e-7, 3),
    ]


def _rmsprop_zero_cases() -> list[tuple]:
    """A coordinate that starts at its minimum: its gradient and its average stay 0."""
    return [(bowl([1.0, 4.0], [0.0, 2.0]), np.array([0.0, -1.0]), 0.1, 0.9, 1e-7, 10)]


# An epsilon of 0.01 against gradients near 1 moves every step by about 1%: a fixed 1e-7 or 1e-8 written into the
# code in place of the epsilon argument shows here (with the epsilons of 1e-6 to 1e-8 above it changes nothing).
_LARGE_EPSILON_SURFACE = (bowl([0.5, 2.0], [1.0, -1.0]), np.array([-1.0, 0.5]))


def _rmsprop_epsilon_cases() -> list[tuple]:
    return [(*_LARGE_EPSILON_SURFACE, 0.05, 0.9, 0.01, 20)]


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
        _path_form_probe(lambda: _rmsprop_cases() + _rmsprop_zero_cases() + _rmsprop_epsilon_cases()),
        _positions_probe(_rmsprop_cases, _rmsprop_refs, "hidden loss surfaces", "update"),
        _positions_probe(
            _rmsprop_zero_cases,
            _rmsprop_refs,
            "a hidden loss surface that starts at the minimum in one coordinate",
            "epsilon",
        ),
        _positions_probe(
            _rmsprop_epsilon_cases, _rmsprop_refs, "a hidden loss surface with a large epsilon", "epsilon"
        ),
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


def _adam_refs(args: tuple) -> list[np.ndarray]:
    from grader.references.optimizers import adam_reference  # instructor side only

    return [adam_reference(*args, style=style) for style in ("paper", "keras", "inside")]


def _q3_example() -> tuple:
    return parabola, np.array([1.0]), 0.1, 0.9, 0.999, 1e-7, 3


def _q3_long() -> tuple:
    return bowl([1.0, 10.0], [1.0, 1.0]), np.array([-1.0, 2.0]), 0.05, 0.9, 0.999, 1e-7, 25


def _adam_cases() -> list[tuple]:
    return [
        (rosenbrock, np.array([-1.5, 2.0]), 0.05, 0.9, 0.999, 1e-7, 80),
        (bowl([1.0, 30.0], [1.0, -1.0], angle=0.4), np.array([-2.0, 2.0]), 0.1, 0.8, 0.99, 1e-8, 40),
        (wavy, np.array([2.0, -1.0, 0.3, 4.0]), 0.02, 0.9, 0.999, 1e-7, 30),
        (bowl([1.0, 4.0], [0.0, 2.0]), np.array([0.0, -1.0]), 0.1, 0.9, 0.999, 1e-7, 10),
        (parabola, np.array([2.0, -1.0]), 0.3, 0.5, 0.9, 1e-7, 4),
    ]


def _adam_epsilon_cases() -> list[tuple]:
    return [(*_LARGE_EPSILON_SURFACE, 0.05, 0.9, 0.999, 0.01, 20)]


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
        _path_form_probe(lambda: _adam_cases() + _adam_epsilon_cases()),
        _positions_probe(_adam_cases, _adam_refs, "hidden loss surfaces (Rosenbrock's banana among them)", "update"),
        _positions_probe(_adam_epsilon_cases, _adam_refs, "a hidden loss surface with a large epsilon", "epsilon"),
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


def step_decay_reference(initial_lr: float, drop: float, every: int, epoch: int) -> float:
    return initial_lr * drop ** (epoch // every)


def schedule_rates(schedule: Any, initial_lr: float, epochs: int, with_types: bool = False) -> np.ndarray:
    """The rate of each epoch, called the way LearningRateScheduler calls it (kernel side).

    Keras passes the optimizer's current rate as the second argument (the
    optimizer starts at ``initial_lr``; Keras keeps it in float32), and falls
    back to ``schedule(epoch)`` when the function takes one argument. With
    ``with_types`` a second row says, per epoch, whether the rate was a float
    as Keras requires (1.0) or not (0.0).
    """
    if not callable(schedule):
        raise TypeError(f"make_step_decay returned {describe(schedule)}, not a function schedule(epoch, lr)")
    rates, floats, current = [], [], float(np.float32(initial_lr))
    for epoch in range(epochs):
        try:
            rate = schedule(epoch, current)
        except TypeError:
            rate = schedule(epoch)
        floats.append(1.0 if isinstance(rate, float | np.float32 | np.float64) else 0.0)
        rates.append(float(rate))
        current = float(np.float32(rates[-1]))
    return np.array([rates, floats]) if with_types else np.array(rates)


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


def _epochs_of(args: tuple) -> tuple:
    return next(c for c in _SCHEDULE_CASES if c[:3] == tuple(args))


def _observe_schedule(args: tuple, schedule: Any) -> np.ndarray:
    """Run the returned schedule over its epochs as LearningRateScheduler would: rates, and whether each is a float."""
    config = _epochs_of(args)
    return schedule_rates(schedule, config[0], config[3], with_types=True)


def _schedule_verify(args: tuple, output: np.ndarray) -> str | None:
    config = _epochs_of(args)
    if output.ndim != 2 or output.shape[0] != 2:
        return "no rates"
    return _schedule_problem(config, output[0])


def _float_verify(args: tuple, output: np.ndarray) -> str | None:
    if output.ndim != 2 or output.shape[0] != 2:
        return "no rates"
    if np.all(output[1] == 1.0):
        return None
    epoch = int(np.argwhere(output[1] != 1.0)[0][0])
    return (
        f"a rate at epoch {epoch} that is not a Python or NumPy float (LearningRateScheduler stops with a "
        "ValueError then): return float(...)"
    )


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
    probes=function_probes(
        (_schedule_cases, "hidden schedules, called as LearningRateScheduler calls them",
            ("rates",), {"verify": _schedule_verify}),
        (_schedule_cases, "hidden schedules, called as LearningRateScheduler calls them",
            ("float",), {"verify": _float_verify}),
        observe=_observe_schedule,
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


def _training_statistics() -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of every grey level of x_train: what Normalization(axis=None) learns from ``adapt`` (trusted side)."""
    x_train = np.asarray(digits_split()[0], dtype=np.float64)
    return np.array([x_train.mean()]), np.array([x_train.var()])


MAX_EPOCHS = 20
BATCH_SIZE = 32


def _training_steps(report: dict[str, Any]) -> str | None:
    """Trained on x_train in batches of 32 for 1 to 20 epochs: the saved optimizer counts ceil(1347 / 32) = 43 steps an epoch."""
    state = (report.get("compile") or {}).get("optimizer_state") or {}
    steps = state.get("iterations")
    per_epoch = -(-len(digits_split()[0]) // BATCH_SIZE)
    if not steps:
        return "was saved without any training steps: train it with fit on x_train, then save it"
    epochs, rest = divmod(int(steps), per_epoch)
    if rest or not 1 <= epochs <= MAX_EPOCHS:
        return (
            f"took {int(steps)} training steps, which is not 1 to {MAX_EPOCHS} epochs of {per_epoch} batches of "
            f"{BATCH_SIZE} on x_train"
        )
    return None


def _logged_rates(model: Any) -> Callable[[], np.ndarray]:
    """A function returning the rates LearningRateScheduler logged in the model's last fit (kernel side).

    ``fit`` leaves its History on the model (``model.history``); only a rate
    callback such as LearningRateScheduler adds ``learning_rate`` to it, one
    value per epoch. The saved model cannot tell: its optimizer keeps the last
    rate only, in the compile config and the optimizer state alike.
    """

    def rates() -> np.ndarray:
        history = getattr(getattr(model, "history", None), "history", None)
        logged = history.get("learning_rate", []) if isinstance(history, dict) else []
        return np.asarray(logged, dtype=np.float64).reshape(-1)

    return rates


def _step_decay_problem(args: tuple, rates: np.ndarray) -> str | None:
    """The logged rates follow a step decay: initial_lr for ``every`` epochs, then times ``drop`` < 1 each ``every``."""
    rates = np.asarray(rates, dtype=np.float64).reshape(-1)
    if rates.size == 0:
        return (
            "no logged learning rates: the model's last fit ran without "
            "callbacks=[keras.callbacks.LearningRateScheduler(make_step_decay(...))]"
        )
    changes = np.flatnonzero(~np.isclose(rates, rates[0], rtol=1e-5, atol=0.0))
    if changes.size == 0:
        return None  # a schedule whose first drop comes after the last epoch
    every = int(changes[0])
    drop = rates[every] / rates[0]
    steps = rates[0] * drop ** (np.arange(rates.size) // every)
    if 0.0 < drop < 1.0 and np.allclose(rates, steps, rtol=1e-4, atol=0.0):
        return None
    return "learning rates that do not follow a step decay (the rate times drop every `every` epochs)"


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
    if not np.isclose(float(config.get("momentum", 0.0)), MOMENTUM) or config.get("nesterov"):
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
        AnswerPropertyCheck(name="The optimizer of sgd_model", holds=_optimizer_holds),
        AnswerPropertyCheck(
            name="sgd_model's last fit",
            holds=lambda model: _step_decay_problem((), _logged_rates(model)()),
            tip="Pass your schedule of question 4 to fit: keras.callbacks.LearningRateScheduler(make_step_decay(...)).",
        ),
        ModelCheck(ModelSpec(input_shape=(64,), output_units=10, output_activation="softmax"), data=_digits_validation, minimum_accuracy=DIGITS_VISIBLE_ACCURACY, tip="Look at the lesson's learning-rate sweep: with momentum 0.9 each step is about ten times longer, "
            "so start near 0.01 to 0.05. A rate that is too large leaves the loss stuck near 2.3."),
    ),
    probes=(
        ModelProbe(
            heldout="digits_optimizers",
            threshold=DIGITS_ACCURACY,
            metric="accuracy",
            requirements=ModelRequirements(ModelSpec(input_shape=(64,), output_units=10, output_activation="softmax", layer_counts={"Normalization": 1, "Dense": 2}), rules=(
                    hidden_layers("Dense", units=(32,), activation="relu"),
                    normalization_matches(_training_statistics, rtol=NORMALIZATION_RTOL),
                    exact_params(DIGITS_PARAMS),
                    ModelRule("training", _training_steps),
                    compiled_with(
                        loss="sparse_categorical_crossentropy",
                        optimizer="SGD",
                        from_logits=False,
                        momentum=MOMENTUM,
                        nesterov=False,
                    ),
                    compiled_metric("accuracy", {"SparseCategoricalAccuracy"}),
                )),
            covers=("layers", "preprocessing", "params", "compile", "training", "heldout"),
        ),
        FunctionProbe(
            cases=lambda: [()],
            select=_logged_rates,
            verify=_step_decay_problem,
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
