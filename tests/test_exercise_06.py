"""Exercise 06 (optimizers): right answers in every accepted convention pass; the listed mistakes fail."""

from __future__ import annotations

import numpy as np
import pytest
from judging import judge_answer

from grader.checks import CheckFailed
from grader.data import digits_split
from grader.exercises import ex06_optimizers
from grader.exercises.ex06_optimizers import (
    DIGITS_PARAMS,
    Rosenbrock,
    q1,
    q2,
    q3,
    q4,
    q5,
    schedule_rates,
)
from grader.exercises.ex06_visible import VISIBLE_PATHS
from grader.heldout import make_heldout
from grader.outcomes import Status
from grader.references.optimizers import adam_reference, momentum_reference, rmsprop_reference


def judged(question, cases, key, tmp_path, scorer=None):
    """The status of each named answer, judged against the key answer."""
    return {
        name: judge_answer(question, answer, key, tmp_path / name.replace(" ", "_"), scorer)
        for name, answer in cases.items()
    }


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
    return [p.tolist() for p in path]


def test_momentum_accepts_both_forms_and_rejects_the_wrong_sign(tmp_path):
    statuses = judged(
        q1,
        {
            "keras form": momentum_path,
            "pytorch form, lists": torch_style_momentum,
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
        "pytorch form, lists": Status.PASSED,
        "uphill": Status.FAILED,
        "velocity flipped each step": Status.FAILED,
        "damped by 1 - momentum": Status.FAILED,
        "same array every row": Status.FAILED,
        "start left out": Status.FAILED,
    }


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


def test_rmsprop_accepts_epsilon_inside_or_outside_the_root(tmp_path):
    statuses = judged(
        q2,
        {
            "epsilon inside (keras)": rmsprop_path,
            "epsilon outside": lambda *a: rmsprop_path(*a, inside=False),
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
        "no square root": Status.FAILED,
        "g instead of g squared": Status.FAILED,
        "rho and 1 - rho swapped": Status.FAILED,
        "adagrad sum": Status.FAILED,
        "no epsilon": Status.FAILED,
    }


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


def test_adam_accepts_both_epsilon_placements_and_rejects_missing_bias_correction(tmp_path):
    statuses = judged(
        q3,
        {
            "paper form": adam_path,
            "keras form": lambda *a: adam_path(*a, style="keras"),
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

    grad, x0, steps = Rosenbrock(), [-1.5, 2.0], 30
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


def test_step_decay_accepts_three_styles_and_rejects_off_by_one(tmp_path):
    statuses = judged(
        q4,
        {
            "stateless": make_step_decay,
            "from the current rate": chained_step_decay,
            "one argument": one_argument_step_decay,
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
    assert statuses == {
        "stateless": Status.PASSED,
        "from the current rate": Status.PASSED,
        "one argument": Status.PASSED,
        "epochs counted from 1": Status.FAILED,
        "drops at epoch 0": Status.FAILED,
        "chained, drops at epoch 0": Status.FAILED,
        "smooth exponential": Status.FAILED,
        "every ignored": Status.FAILED,
        "not a function": Status.ERROR,
    }


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


def sgd_model(learning_rate=0.02, epochs=20, optimizer="sgd", momentum=0.9):
    import keras

    keras.utils.set_random_seed(0)
    x_train, _, y_train, _ = digits_split()
    normalizer = keras.layers.Normalization(axis=None)
    normalizer.adapt(x_train)
    model = keras.Sequential(
        [
            keras.Input(shape=(64,)),
            normalizer,
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    if optimizer == "sgd":
        chosen = keras.optimizers.SGD(learning_rate, momentum=momentum)
    else:
        chosen = keras.optimizers.Adam(learning_rate)
    model.compile(optimizer=chosen, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    callback = keras.callbacks.LearningRateScheduler(make_step_decay(learning_rate, 0.5, 5))
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=0, callbacks=[callback])
    return model


@pytest.fixture(scope="module")
def right_model():
    return sgd_model()


@pytest.mark.slow
def test_digits_model_is_scored_on_heldout_data(right_model, tmp_path, model_scorer):
    assert right_model.count_params() == DIGITS_PARAMS
    statuses = judged(
        q5,
        {
            "right": right_model,
            "larger rate, fewer epochs": sgd_model(learning_rate=0.05, epochs=10),
            "rate far too large": sgd_model(learning_rate=2.0, epochs=5),
            "rate far too small": sgd_model(learning_rate=1e-4, epochs=5),
        },
        right_model,
        tmp_path,
        model_scorer,
    )
    assert statuses == {
        "right": Status.PASSED,
        "larger rate, fewer epochs": Status.PASSED,
        "rate far too large": Status.FAILED,
        "rate far too small": Status.FAILED,
    }


@pytest.mark.slow
def test_digits_visible_checks_ask_for_sgd_with_momentum(right_model):
    q5.check(right_model)
    visible_fails(q5, sgd_model(optimizer="adam", learning_rate=0.01, epochs=1), "keras.optimizers.SGD")
    visible_fails(q5, sgd_model(momentum=0.0, epochs=1), "momentum=0.9")


def test_stored_visible_paths_are_what_the_references_compute():
    refs = {"q1": ex06_optimizers._momentum_refs, "q2": ex06_optimizers._rmsprop_refs, "q3": ex06_optimizers._adam_refs}
    for name, stored in VISIBLE_PATHS.items():
        computed = refs[name[:2]](getattr(ex06_optimizers, f"_{name}")())
        assert len(stored) == len(computed)
        for path, reference in zip(stored, computed, strict=True):
            np.testing.assert_allclose(path, reference, rtol=0, atol=0)
