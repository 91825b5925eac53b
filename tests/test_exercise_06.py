"""Exercise 06 (optimizers): right answers in every accepted convention pass; the listed mistakes fail."""

from __future__ import annotations

import numpy as np
import pytest
from judging import failure_message, judged, missed, not_yet_met

from grader.heldout import make_heldout
from grader.judge import _naming_requirement
from grader.outcomes import Status
from grader.probe_verdicts import JudgeContext, judge_probe
from grader.references.optimizers import adam_reference, momentum_reference, rmsprop_reference
from keras_course.checks import CheckFailed
from keras_course.data import digits_split
from keras_course.exercises import ex06_optimizers
from keras_course.exercises.ex06_optimizers import (
    DIGITS_PARAMS,
    q1,
    q2,
    q3,
    q4,
    q5,
    rosenbrock,
)
from keras_course.exercises.ex06_visible import VISIBLE_PATHS
from keras_course.schedules import schedule_rates


def visible_fails(question, answer, match):
    with pytest.raises(CheckFailed, match=match):
        question.check(answer)


# Question 1: momentum.


def momentum_path(grad_fn, x0, learning_rate, momentum, steps, sign=-1.0, flip=1.0, damp=False, copy=True, start=True):
    x = np.array(x0, dtype=float)
    v = np.zeros_like(x)
    path = [x.copy()] if start else []
    for _ in range(steps):
        g = grad_fn(x)
        v = flip * momentum * v + sign * (1.0 - momentum if damp else 1.0) * learning_rate * g
        x += v
        path.append(x.copy() if copy else x)
    return np.array(path)


def torch_style_momentum(grad_fn, x0, learning_rate, momentum, steps):
    x = np.asarray(x0, dtype=float)
    buf = np.zeros_like(x)
    path = [x]
    for _ in range(steps):
        buf = momentum * buf + grad_fn(x)
        x = x - learning_rate * buf
        path.append(x)
    return np.array([p.tolist() for p in path])  # rows built as lists, returned as the array asked for


def preallocated_momentum(grad_fn, x0, learning_rate, momentum, steps):
    # A third correct answer: the path preallocated, the velocity kept in the loop.
    path = np.empty((steps + 1, len(x0)))
    path[0] = x0
    velocity = 0.0
    for t in range(steps):
        velocity = momentum * velocity - learning_rate * grad_fn(path[t])
        path[t + 1] = path[t] + velocity
    return path


def momentum_in_place_on_x0(grad_fn, x0, learning_rate, momentum, steps):
    # np.asarray does not copy a float array: x += v writes into the caller's x0.
    x = np.asarray(x0, dtype=float)
    v = np.zeros_like(x)
    path = [x.copy()]
    for _ in range(steps):
        v = momentum * v - learning_rate * grad_fn(x)
        x += v
        path.append(x.copy())
    return np.array(path)


def momentum_velocity_reset(grad_fn, x0, learning_rate, momentum, steps):
    x = np.array(x0, dtype=float)
    path = [x.copy()]
    for _ in range(steps):
        v = np.zeros_like(x)
        v = momentum * v - learning_rate * grad_fn(x)
        x = x + v
        path.append(x.copy())
    return np.array(path)


def momentum_position_first(grad_fn, x0, learning_rate, momentum, steps):
    # x moves with the old velocity, then the velocity is updated.
    x = np.array(x0, dtype=float)
    v = np.zeros_like(x)
    path = [x.copy()]
    for _ in range(steps):
        x = x + momentum * v - learning_rate * grad_fn(x)
        v = momentum * v - learning_rate * grad_fn(x)
        path.append(x.copy())
    return np.array(path)


def test_momentum_accepts_both_forms_and_rejects_the_wrong_sign(tmp_path):
    statuses = judged(
        q1,
        {
            "keras form": momentum_path,
            "pytorch form, rows as lists": torch_style_momentum,
            "preallocated": preallocated_momentum,
            "x0 changed in place": momentum_in_place_on_x0,
            "velocity reset each step": momentum_velocity_reset,
            "gradient after the move": momentum_position_first,
            "uphill": lambda *a: momentum_path(*a, sign=1.0),
            "velocity flipped each step": lambda *a: momentum_path(*a, flip=-1.0),
            "damped by 1 - momentum": lambda *a: momentum_path(*a, damp=True),
            "same array every row": lambda *a: momentum_path(*a, copy=False),
            "start left out": lambda *a: momentum_path(*a, start=False),
        },
        momentum_path,
        tmp_path,
    )
    assert statuses == {
        "keras form": Status.PASSED,
        "pytorch form, rows as lists": Status.PASSED,
        "preallocated": Status.PASSED,
        "x0 changed in place": Status.FAILED,  # passed before: x0 was never looked at again
        "velocity reset each step": Status.FAILED,
        "gradient after the move": Status.FAILED,
        "uphill": Status.FAILED,
        "velocity flipped each step": Status.FAILED,
        "damped by 1 - momentum": Status.FAILED,
        "same array every row": Status.FAILED,
        "start left out": Status.FAILED,
    }


@pytest.mark.parametrize(
    ("mistake", "requirement"),
    [
        (momentum_in_place_on_x0, "unchanged"),
        (lambda *a: momentum_path(*a, start=False), "path"),
        (lambda *a: momentum_path(*a, copy=False), "update"),  # right shape and start, wrong positions after
        (lambda *a: momentum_path(*a, damp=True), "update"),
        (lambda *a: list(momentum_path(*a)), "path"),  # a list of positions, not the array asked for
    ],
)
def test_momentum_failures_name_the_missed_requirement(mistake, requirement, tmp_path):
    assert failure_message(q1, mistake, momentum_path, tmp_path).startswith(not_yet_met(q1, requirement))


def test_momentum_visible_checks_teach():
    q1.check(torch_style_momentum)
    visible_fails(q1, lambda *a: momentum_path(*a, sign=1.0), r"\[1.2\] after step 1; it should be at \[0.8\]")
    visible_fails(q1, lambda *a: momentum_path(*a, start=False), "Keep the starting point")


# Question 2: RMSprop.


def rmsprop_path(
    grad_fn,
    x0,
    learning_rate,
    rho,
    epsilon,
    steps,
    inside=True,
    root=True,
    square=True,
    swap=False,
    adagrad=False,
    eps=True,
):
    x = np.array(x0, dtype=float)
    s = np.zeros_like(x)
    path = [x.copy()]
    for _ in range(steps):
        g = grad_fn(x)
        g2 = g * g if square else g
        if adagrad:
            s = s + g2
        elif swap:
            s = (1.0 - rho) * s + rho * g2
        else:
            s = rho * s + (1.0 - rho) * g2
        e = epsilon if eps else 0.0
        with np.errstate(all="ignore"):
            if not root:
                x = x - learning_rate * g / (s + e)
            elif inside:
                x = x - learning_rate * g / np.sqrt(s + e)
            else:
                x = x - learning_rate * g / (np.sqrt(s) + e)
        path.append(x.copy())
    return np.array(path)


def rmsprop_rows(grad_fn, x0, learning_rate, rho, epsilon, steps):
    # A third correct answer: the rows kept as lists, the average updated in place on its own array.
    x, s, rows = np.array(x0, dtype=float), np.zeros(len(x0)), [list(map(float, x0))]
    for _ in range(steps):
        g = grad_fn(x)
        s *= rho
        s += (1 - rho) * np.square(g)
        x = x - learning_rate * g / np.sqrt(s + epsilon)
        rows.append(x.tolist())
    return np.array(rows)


def rmsprop_reset(grad_fn, x0, learning_rate, rho, epsilon, steps):
    x = np.array(x0, dtype=float)
    path = [x.copy()]
    for _ in range(steps):
        g = grad_fn(x)
        s = (1 - rho) * g**2
        x = x - learning_rate * g / np.sqrt(s + epsilon)
        path.append(x.copy())
    return np.array(path)


def rmsprop_in_place(grad_fn, x0, learning_rate, rho, epsilon, steps):
    x, s = x0, np.zeros_like(x0)
    path = [x.copy()]
    for _ in range(steps):
        g = grad_fn(x)
        s = rho * s + (1 - rho) * g**2
        x -= learning_rate * g / np.sqrt(s + epsilon)
        path.append(x.copy())
    return np.array(path)


def test_rmsprop_accepts_epsilon_inside_or_outside_the_root(tmp_path):
    statuses = judged(
        q2,
        {
            "epsilon inside (keras)": rmsprop_path,
            "epsilon outside": lambda *a: rmsprop_path(*a, inside=False),
            "vectorised rows": rmsprop_rows,
            "state reset each step": rmsprop_reset,
            "x0 changed in place": rmsprop_in_place,
            "no square root": lambda *a: rmsprop_path(*a, root=False),
            "g instead of g squared": lambda *a: rmsprop_path(*a, square=False),
            "rho and 1 - rho swapped": lambda *a: rmsprop_path(*a, swap=True),
            "adagrad sum": lambda *a: rmsprop_path(*a, adagrad=True),
            "no epsilon": lambda *a: rmsprop_path(*a, eps=False),
        },
        rmsprop_path,
        tmp_path,
    )
    assert statuses == {
        "epsilon inside (keras)": Status.PASSED,
        "epsilon outside": Status.PASSED,
        "vectorised rows": Status.PASSED,
        "state reset each step": Status.FAILED,
        "x0 changed in place": Status.FAILED,  # passed before
        "no square root": Status.FAILED,
        "g instead of g squared": Status.FAILED,
        "rho and 1 - rho swapped": Status.FAILED,
        "adagrad sum": Status.FAILED,
        "no epsilon": Status.FAILED,
    }


@pytest.mark.parametrize(
    ("mistake", "requirement"),
    [(lambda *a: rmsprop_path(*a, eps=False), "epsilon"), (rmsprop_in_place, "unchanged"), (rmsprop_reset, "update")],
)
def test_rmsprop_failures_name_the_missed_requirement(mistake, requirement, tmp_path):
    assert failure_message(q2, mistake, rmsprop_path, tmp_path).startswith(not_yet_met(q2, requirement))


def test_rmsprop_visible_checks_teach():
    q2.check(lambda *a: rmsprop_path(*a, inside=False))
    visible_fails(q2, lambda *a: rmsprop_path(*a, eps=False), "NaN at step 1")
    visible_fails(q2, lambda *a: rmsprop_path(*a, root=False), "0.3162")


# Question 3: Adam.


def adam_path(
    grad_fn, x0, learning_rate, beta_1, beta_2, epsilon, steps, correct="both", t0=1, swap=False, style="paper"
):
    if swap:
        beta_1, beta_2 = beta_2, beta_1
    x = np.array(x0, dtype=float)
    m, v = np.zeros_like(x), np.zeros_like(x)
    path = [x.copy()]
    for t in range(t0, t0 + steps):
        g = grad_fn(x)
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        with np.errstate(all="ignore"):
            m_hat = m / (1 - beta_1**t) if correct in ("both", "m") else m
            v_hat = v / (1 - beta_2**t) if correct == "both" else v
            if style == "keras":
                x = x - learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (np.sqrt(v) + epsilon)
            else:
                x = x - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
        path.append(x.copy())
    return np.stack(path)


def adam_inside(grad_fn, x0, learning_rate, beta_1, beta_2, epsilon, steps):
    # A third correct answer: epsilon inside the root, powers of the betas kept as running products.
    x, m, v = np.array(x0, dtype=float), np.zeros(len(x0)), np.zeros(len(x0))
    path, power_1, power_2 = [x.copy()], 1.0, 1.0
    for _ in range(steps):
        g = grad_fn(x)
        power_1, power_2 = power_1 * beta_1, power_2 * beta_2
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        x = x - learning_rate * (m / (1 - power_1)) / np.sqrt(v / (1 - power_2) + epsilon)
        path.append(x.copy())
    return np.vstack(path)


def adam_reset(grad_fn, x0, learning_rate, beta_1, beta_2, epsilon, steps):
    x = np.array(x0, dtype=float)
    path = [x.copy()]
    for t in range(1, steps + 1):
        g = grad_fn(x)
        m, v = (1 - beta_1) * g, (1 - beta_2) * g**2
        x = x - learning_rate * (m / (1 - beta_1**t)) / (np.sqrt(v / (1 - beta_2**t)) + epsilon)
        path.append(x.copy())
    return np.array(path)


def adam_t_fixed(grad_fn, x0, learning_rate, beta_1, beta_2, epsilon, steps):
    x, m, v = np.array(x0, dtype=float), 0.0, 0.0
    path = [x.copy()]
    for _ in range(steps):
        g = grad_fn(x)
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        x = x - learning_rate * (m / (1 - beta_1)) / (np.sqrt(v / (1 - beta_2)) + epsilon)
        path.append(x.copy())
    return np.array(path)


def adam_in_place(grad_fn, x0, learning_rate, beta_1, beta_2, epsilon, steps):
    x, m, v = x0, np.zeros_like(x0), np.zeros_like(x0)
    path = [x.copy()]
    for t in range(1, steps + 1):
        g = grad_fn(x)
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        x -= learning_rate * (m / (1 - beta_1**t)) / (np.sqrt(v / (1 - beta_2**t)) + epsilon)
        path.append(x.copy())
    return np.array(path)


def test_adam_accepts_both_epsilon_placements_and_rejects_missing_bias_correction(tmp_path):
    statuses = judged(
        q3,
        {
            "paper form": adam_path,
            "keras form": lambda *a: adam_path(*a, style="keras"),
            "epsilon inside the root": adam_inside,
            "moments reset each step": adam_reset,
            "correction with t fixed at 1": adam_t_fixed,
            "x0 changed in place": adam_in_place,
            "no bias correction": lambda *a: adam_path(*a, correct="none"),
            "only m corrected": lambda *a: adam_path(*a, correct="m"),
            "t counted from 0": lambda *a: adam_path(*a, t0=0),
            "t counted from 2": lambda *a: adam_path(*a, t0=2),
            "betas swapped": lambda *a: adam_path(*a, swap=True),
        },
        adam_path,
        tmp_path,
    )
    assert statuses == {
        "paper form": Status.PASSED,
        "keras form": Status.PASSED,
        "epsilon inside the root": Status.PASSED,
        "moments reset each step": Status.FAILED,
        "correction with t fixed at 1": Status.FAILED,
        "x0 changed in place": Status.FAILED,  # passed before
        "no bias correction": Status.FAILED,
        "only m corrected": Status.FAILED,
        "t counted from 0": Status.FAILED,
        "t counted from 2": Status.FAILED,
        "betas swapped": Status.FAILED,
    }


def test_adam_visible_check_names_the_bias_correction():
    q3.check(lambda *a: adam_path(*a, style="keras"))
    visible_fails(q3, lambda *a: adam_path(*a, correct="none"), r"\[0.6838\] after step 1; it should be at \[0.9\]")


def test_references_match_keras_optimizers():
    import keras

    grad, x0, steps = rosenbrock, [-1.5, 2.0], 30
    cases = [
        (keras.optimizers.SGD(1e-3, momentum=0.9), momentum_reference(grad, x0, 1e-3, 0.9, steps)),
        (keras.optimizers.RMSprop(0.01, rho=0.9, epsilon=1e-7), rmsprop_reference(grad, x0, 0.01, 0.9, 1e-7, steps)),
        (keras.optimizers.Adam(0.05, epsilon=1e-7), adam_reference(grad, x0, 0.05, 0.9, 0.999, 1e-7, steps, "keras")),
    ]
    for optimizer, reference in cases:
        variable = keras.Variable(np.array(x0, dtype="float32"))
        path = [np.array(x0)]
        for _ in range(steps):
            gradient = grad(keras.ops.convert_to_numpy(variable).astype(float)).astype("float32")
            optimizer.apply_gradients([(gradient, variable)])
            path.append(keras.ops.convert_to_numpy(variable).astype(float))
        assert np.allclose(path, reference, atol=1e-5), type(optimizer).__name__


def momentum_rate_on_the_velocity(grad_fn, x0, learning_rate, momentum, steps):
    # A correct answer: v = mu v - g, x = x + lr v is the same path with v scaled by 1 / lr.
    x, v, path = np.array(x0, dtype=float), 0.0, [np.array(x0, dtype=float)]
    for _ in range(steps):
        v = momentum * v - grad_fn(x)
        x = x + learning_rate * v
        path.append(x)
    return np.stack(path)


def momentum_velocity_uphill(grad_fn, x0, learning_rate, momentum, steps):
    # A correct answer: the velocity kept pointing uphill and subtracted.
    x, v, path = np.array(x0, dtype=float), 0.0, [np.array(x0, dtype=float)]
    for _ in range(steps):
        v = momentum * v + learning_rate * grad_fn(x)
        x = x - v
        path.append(x)
    return np.array(path)


def nesterov_momentum(grad_fn, x0, learning_rate, momentum, steps):
    # The gradient at the look-ahead point x + mu v, not at the current point.
    x = np.array(x0, dtype=float)
    v = np.zeros_like(x)
    path = [x.copy()]
    for _ in range(steps):
        v = momentum * v - learning_rate * grad_fn(x + momentum * v)
        x = x + v
        path.append(x.copy())
    return np.array(path)


def rmsprop_one_average_for_all(grad_fn, x0, learning_rate, rho, epsilon, steps):
    # One moving average of the mean squared gradient, shared by every coordinate, not one per coordinate.
    x, s, path = np.array(x0, dtype=float), 0.0, [np.array(x0, dtype=float)]
    for _ in range(steps):
        g = grad_fn(x)
        s = rho * s + (1 - rho) * np.mean(g**2)
        x = x - learning_rate * g / np.sqrt(s + epsilon)
        path.append(x)
    return np.array(path)


def adam_corrected_moments_kept(grad_fn, x0, learning_rate, beta_1, beta_2, epsilon, steps):
    # m and v overwritten by their corrected values, so the next step averages corrected moments.
    x = np.array(x0, dtype=float)
    m, v = np.zeros_like(x), np.zeros_like(x)
    path = [x.copy()]
    for t in range(1, steps + 1):
        g = grad_fn(x)
        m = (beta_1 * m + (1 - beta_1) * g) / (1 - beta_1**t)
        v = (beta_2 * v + (1 - beta_2) * g**2) / (1 - beta_2**t)
        x = x - learning_rate * m / (np.sqrt(v) + epsilon)
        path.append(x.copy())
    return np.array(path)


def test_every_optimizer_path_must_be_an_array_not_a_list(tmp_path):
    """`return path` where `return np.array(path)` is due kept full marks (grader mutate survivors in q1, q2 and q3)."""
    for question, right in ((q1, momentum_path), (q2, rmsprop_path), (q3, adam_path)):
        assert missed(question, {"list": lambda *a, right=right: list(right(*a))}, right, tmp_path / question.id) == {
            "list": "path"
        }


def test_realistic_optimizer_mistakes_name_the_requirement_they_miss(tmp_path):
    """A fixed epsilon written into the code passed before: every hidden epsilon was too small to show."""
    assert missed(
        q1,
        {
            "rate on the velocity": momentum_rate_on_the_velocity,
            "velocity uphill, subtracted": momentum_velocity_uphill,
            "nesterov": nesterov_momentum,
        },
        momentum_path,
        tmp_path / "q1",
    ) == {"rate on the velocity": "passed", "velocity uphill, subtracted": "passed", "nesterov": "update"}
    assert missed(
        q2,
        {
            "epsilon 1e-7 written in": lambda g, x0, lr, rho, eps, steps: rmsprop_path(g, x0, lr, rho, 1e-7, steps),
            "epsilon 1e-8 after the root": lambda g, x0, lr, rho, eps, steps: rmsprop_path(
                g, x0, lr, rho, 1e-8, steps, inside=False
            ),
            "one average for all coordinates": rmsprop_one_average_for_all,
            "epsilon after the root": lambda *a: rmsprop_path(*a, inside=False),
        },
        rmsprop_path,
        tmp_path / "q2",
    ) == {
        "epsilon 1e-7 written in": "epsilon",  # passed before
        "epsilon 1e-8 after the root": "epsilon",  # passed before
        "one average for all coordinates": "update",
        "epsilon after the root": "passed",
    }
    assert missed(
        q3,
        {
            "epsilon 1e-8 written in": lambda g, x0, lr, b1, b2, eps, steps: adam_path(g, x0, lr, b1, b2, 1e-8, steps),
            "keras form, epsilon 1e-7 written in": lambda g, x0, lr, b1, b2, eps, steps: adam_path(
                g, x0, lr, b1, b2, 1e-7, steps, style="keras"
            ),
            "corrected moments kept": adam_corrected_moments_kept,
            "keras form": lambda *a: adam_path(*a, style="keras"),
            "epsilon inside the root": adam_inside,
        },
        adam_path,
        tmp_path / "q3",
    ) == {
        "epsilon 1e-8 written in": "epsilon",  # passed before
        "keras form, epsilon 1e-7 written in": "epsilon",  # passed before
        "corrected moments kept": "update",
        "keras form": "passed",
        "epsilon inside the root": "passed",
    }


# Question 4: the step-decay schedule.


def make_step_decay(initial_lr, drop, every):
    def schedule(epoch, lr):
        return initial_lr * drop ** (epoch // every)

    return schedule


def chained_step_decay(initial_lr, drop, every):
    def schedule(epoch, lr):
        return lr * drop if epoch > 0 and epoch % every == 0 else lr

    return schedule


def one_argument_step_decay(initial_lr, drop, every):
    return lambda epoch: float(initial_lr * np.power(drop, np.floor(epoch / every)))


def with_exponent(exponent):
    return lambda initial_lr, drop, every: lambda epoch, lr: initial_lr * drop ** exponent(epoch, every)


def array_step_decay(initial_lr, drop, every):
    # The right rates, as 0-d arrays: LearningRateScheduler rejects them.
    return lambda epoch, lr: np.array(initial_lr * drop ** (epoch // every))


def early_drop_step_decay(initial_lr, drop, every):
    return lambda epoch, lr: lr * drop if (epoch + 1) % every == 0 else lr


def test_step_decay_accepts_three_styles_and_rejects_off_by_one(tmp_path):
    statuses = judged(
        q4,
        {
            "stateless": make_step_decay,
            "from the current rate": chained_step_decay,
            "one argument": one_argument_step_decay,
            "rates as arrays": array_step_decay,
            "chained, drops one epoch early": early_drop_step_decay,
            "epochs counted from 1": with_exponent(lambda e, k: (e + 1) // k),
            "drops at epoch 0": with_exponent(lambda e, k: e // k + 1),
            "chained, drops at epoch 0": lambda i, d, k: lambda e, lr: lr * d if e % k == 0 else lr,
            "smooth exponential": with_exponent(lambda e, k: e / k),
            "every ignored": with_exponent(lambda e, k: e),
            "not a function": lambda i, d, k: i,
        },
        make_step_decay,
        tmp_path,
    )
    assert statuses.pop("not a function") in {Status.FAILED, Status.ERROR}
    assert statuses == {
        "stateless": Status.PASSED,
        "from the current rate": Status.PASSED,
        "one argument": Status.PASSED,
        "rates as arrays": Status.FAILED,  # passed before: rates were turned into floats before judging
        "chained, drops one epoch early": Status.FAILED,
        "epochs counted from 1": Status.FAILED,
        "drops at epoch 0": Status.FAILED,
        "chained, drops at epoch 0": Status.FAILED,
        "smooth exponential": Status.FAILED,
        "every ignored": Status.FAILED,
    }


@pytest.mark.parametrize(
    ("mistake", "requirement"),
    [(array_step_decay, "float"), (with_exponent(lambda e, k: (e + 1) // k), "rates")],
)
def test_step_decay_failures_name_the_missed_requirement(mistake, requirement, tmp_path):
    assert failure_message(q4, mistake, make_step_decay, tmp_path).startswith(not_yet_met(q4, requirement))


def test_step_decay_visible_check_points_at_epoch_zero():
    q4.check(chained_step_decay)
    visible_fails(q4, with_exponent(lambda e, k: (e + 1) // k), "at epoch 2 .*it should be 0.1")


def test_schedule_rates_calls_like_keras_learning_rate_scheduler():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    callback = keras.callbacks.LearningRateScheduler(chained_step_decay(0.1, 0.5, 2))
    history = model.fit(np.zeros((4, 1)), np.zeros(4), epochs=5, verbose=0, callbacks=[callback])
    assert np.allclose(history.history["learning_rate"], schedule_rates(chained_step_decay(0.1, 0.5, 2), 0.1, 5))


# Question 5: the digits network trained with SGD, momentum and the schedule.


def test_heldout_set_is_a_secret_perturbation_of_the_digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    x, y = make_heldout("digits_optimizers", b"one")
    assert x.shape == (1797, 64) and np.array_equal(y, digits.target)
    assert x.min() >= 0 and x.max() <= 16 and np.mean(x != digits.data) > 0.3
    assert not np.array_equal(x, make_heldout("digits_optimizers", b"two")[0])


def sgd_model(
    learning_rate=0.02,
    epochs=20,
    optimizer="sgd",
    momentum=0.9,
    nesterov=False,
    loss="sparse_categorical_crossentropy",
    adapt_on="train",
    axis=None,
    hidden=(32, "relu"),
    style="sequential",
    batch_size=32,
    metrics=("accuracy",),
):
    """The digits network of question 5, trained with SGD and the step-decay schedule; keywords plant variants."""
    import keras

    keras.utils.set_random_seed(0)
    x_train, x_val, y_train, _ = digits_split()
    normalizer = keras.layers.Normalization(axis=axis)
    normalizer.adapt(x_train if adapt_on == "train" else np.concatenate([x_train, x_val]))
    units, activation = hidden
    if style == "functional":  # Dense + ReLU layer, Dense + Activation layer: the same network
        inputs = keras.Input(shape=(64,))
        features = keras.layers.ReLU()(keras.layers.Dense(units)(normalizer(inputs)))
        outputs = keras.layers.Activation("softmax")(keras.layers.Dense(10)(features))
        model = keras.Model(inputs, outputs)
    else:
        model = keras.Sequential(
            [
                keras.Input(shape=(64,)),
                normalizer,
                keras.layers.Dense(units, activation=activation),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
    if optimizer == "sgd":
        chosen = keras.optimizers.SGD(learning_rate, momentum=momentum, nesterov=nesterov)
    else:
        chosen = keras.optimizers.Adam(learning_rate)
    model.compile(optimizer=chosen, loss=loss, metrics=list(metrics))
    callback = keras.callbacks.LearningRateScheduler(make_step_decay(learning_rate, 0.5, 5))
    model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[callback])
    return model


@pytest.fixture(scope="module")
def right_model():
    return sgd_model()


@pytest.mark.slow
def test_digits_model_is_scored_on_heldout_data(right_model, tmp_path, model_scorer):
    import keras

    assert right_model.count_params() == DIGITS_PARAMS
    statuses = judged(
        q5,
        {
            "right": right_model,
            "larger rate, fewer epochs": sgd_model(learning_rate=0.05, epochs=10),
            "functional, activation layers": sgd_model(learning_rate=0.01, style="functional"),
            "metric object": sgd_model(metrics=(keras.metrics.SparseCategoricalAccuracy(),)),
            "loss object": sgd_model(loss=keras.losses.SparseCategoricalCrossentropy()),
            "rate far too large": sgd_model(learning_rate=2.0, epochs=5),
            "rate far too small": sgd_model(learning_rate=1e-4, epochs=5),
            "nesterov": sgd_model(nesterov=True, epochs=10),
            "momentum 0.8": sgd_model(momentum=0.8, epochs=10),
            "adam": sgd_model(optimizer="adam", learning_rate=0.005, epochs=10),
            "from logits on softmax": sgd_model(
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), epochs=10
            ),
            "normalizer adapted on all data": sgd_model(adapt_on="all", epochs=10),
            "normalizer per feature": sgd_model(axis=-1, epochs=10),
            "hidden layer of 24": sgd_model(hidden=(24, "relu"), epochs=10),
            "hidden sigmoid": sgd_model(hidden=(32, "sigmoid"), learning_rate=0.05, epochs=20),
            "batches of 64": sgd_model(batch_size=64, learning_rate=0.05, epochs=20),
            "21 epochs": sgd_model(epochs=21),
            "no metrics": sgd_model(metrics=()),
        },
        right_model,
        tmp_path,
        model_scorer,
    )
    assert statuses == {
        "right": Status.PASSED,
        "larger rate, fewer epochs": Status.PASSED,
        "functional, activation layers": Status.PASSED,
        "metric object": Status.PASSED,
        "loss object": Status.PASSED,
        "rate far too large": Status.FAILED,
        "rate far too small": Status.FAILED,
        # each of these passed before: the compile settings and the layers' settings were never read
        "nesterov": Status.FAILED,
        "momentum 0.8": Status.FAILED,
        "adam": Status.FAILED,
        "from logits on softmax": Status.FAILED,
        "normalizer adapted on all data": Status.FAILED,
        "normalizer per feature": Status.FAILED,
        "hidden layer of 24": Status.FAILED,
        "hidden sigmoid": Status.FAILED,
        # these too: the saved optimizer's step count was never read
        "batches of 64": Status.FAILED,
        "21 epochs": Status.FAILED,
        # and these: the compiled metrics were never read
        "no metrics": Status.FAILED,
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    ("variant", "requirement"),
    [
        ({"nesterov": True}, "compile"),
        ({"adapt_on": "all"}, "preprocessing"),
        ({"hidden": (32, "sigmoid")}, "layers"),
        ({"learning_rate": 1e-4}, "heldout"),
        ({"batch_size": 128}, "training"),
        ({"metrics": ()}, "compile"),
    ],
)
def test_digits_failures_name_the_missed_requirement(variant, requirement, right_model, tmp_path, model_scorer):
    wrong = sgd_model(**variant, epochs=3)
    message = failure_message(q5, wrong, right_model, tmp_path, model_scorer)
    assert message.startswith(not_yet_met(q5, requirement))


@pytest.mark.slow
def test_digits_visible_checks_ask_for_sgd_with_momentum(right_model):
    q5.check(right_model)
    visible_fails(q5, sgd_model(optimizer="adam", learning_rate=0.01, epochs=1), "keras.optimizers.SGD")
    visible_fails(q5, sgd_model(momentum=0.0, epochs=1), "momentum=0.9")
    visible_fails(q5, sgd_model(momentum=0.8, epochs=1), "momentum=0.9")


def briefly_fit(callbacks, epochs):
    """A small digits model fitted for a few epochs with these callbacks: enough to log its rates."""
    import keras

    keras.utils.set_random_seed(0)
    x_train, _, y_train, _ = digits_split()
    model = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9), loss="sparse_categorical_crossentropy")
    if epochs:
        model.fit(x_train[:64] / 16, y_train[:64], epochs=epochs, batch_size=32, verbose=0, callbacks=callbacks)
    return model


def test_digits_schedule_is_read_from_the_rates_the_fit_logged(tmp_path):
    """A fit without LearningRateScheduler kept full marks: the saved optimizer keeps only the last rate."""
    import keras

    def scheduler(schedule):
        return [keras.callbacks.LearningRateScheduler(schedule)]

    probe = q5.probes[-1]
    key = probe.collect(briefly_fit(scheduler(make_step_decay(0.01, 0.5, 2)), 6), tmp_path, q5.id)
    models = {
        "halving every 2 epochs": briefly_fit(scheduler(make_step_decay(0.01, 0.5, 2)), 6),
        "a tenth every epoch, chained": briefly_fit(scheduler(chained_step_decay(0.01, 0.1, 1)), 4),
        "first drop after the last epoch": briefly_fit(scheduler(make_step_decay(0.01, 0.5, 10)), 3),
        "no LearningRateScheduler": briefly_fit([], 4),
        "a linear decay": briefly_fit(scheduler(lambda epoch, lr: 0.01 * (1 - epoch / 10)), 4),
        "rates that grow": briefly_fit(scheduler(make_step_decay(0.01, 2.0, 2)), 4),
        "never fitted": briefly_fit([], 0),
    }
    statuses, messages = {}, {}
    for name, model in models.items():
        items = probe.collect(model, tmp_path, q5.id)
        outcome = judge_probe(probe, items, key, JudgeContext(tmp_path, None))
        statuses[name] = outcome.status
        messages[name] = _naming_requirement(q5, probe, outcome).message
    assert statuses == {
        "halving every 2 epochs": Status.PASSED,
        "a tenth every epoch, chained": Status.PASSED,
        "first drop after the last epoch": Status.PASSED,
        "no LearningRateScheduler": Status.FAILED,  # passed before
        "a linear decay": Status.FAILED,
        "rates that grow": Status.FAILED,
        "never fitted": Status.FAILED,
    }
    assert messages["no LearningRateScheduler"].startswith(not_yet_met(q5, "schedule"))
    assert "your answer returned no logged learning rates: the model's last fit ran without callbacks=" in (
        messages["no LearningRateScheduler"]
    )
    visible_fails(q5, models["no LearningRateScheduler"], "no logged learning rates")
    visible_fails(q5, models["a linear decay"], "do not follow a step decay")


def test_stored_visible_paths_are_what_the_references_compute():
    optimizers = {"q1": "momentum", "q2": "rmsprop", "q3": "adam"}
    for name, stored in VISIBLE_PATHS.items():
        computed = ex06_optimizers.references(optimizers[name[:2]], ex06_optimizers.example_args(name))
        assert len(stored) == len(computed)
        for path, reference in zip(stored, computed, strict=True):
            np.testing.assert_allclose(path, reference, rtol=0, atol=0)
