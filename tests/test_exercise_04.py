"""Exercise 04 (backpropagation): right answers pass, the lesson's mistakes lose their points."""

from __future__ import annotations

import numpy as np
import pytest
from judging import judge_answer

from grader.checks import CheckFailed
from grader.data import moons_split
from grader.exercises.ex04_backpropagation import q1, q2, q3, q4, q5
from grader.outcomes import Status

# The instructor's answers, written as in the lesson.


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def init_params(n_in, n_hidden, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_hidden)),
        "b1": np.zeros(n_hidden),
        "W2": rng.normal(0.0, np.sqrt(1.0 / n_hidden), size=(n_hidden, 1)),
        "b2": np.zeros(1),
    }


def forward(params, X):
    Z1 = X @ params["W1"] + params["b1"]
    H = np.maximum(0.0, Z1)
    Z2 = H @ params["W2"] + params["b2"]
    return Z2, (X, Z1, H, Z2)


def backward(params, cache, Y):
    X, Z1, H, Z2 = cache
    n = len(X)
    dZ2 = (sigmoid(Z2) - Y) / n
    dZ1 = (dZ2 @ params["W2"].T) * (Z1 > 0)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": H.T @ dZ2, "b2": dZ2.sum(axis=0)}


def gradients(params, X, Y):
    return backward(params, forward(params, X)[1], Y)


def numerical_gradient(loss_fn, params, eps=1e-5, central=True, restore=True, divisor=2.0):
    numeric = {}
    for name, value in params.items():
        g = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            original = value[index]
            value[index] = original + eps
            loss_up = loss_fn(params)
            value[index] = original - eps if central else original
            loss_down = loss_fn(params)
            if restore:
                value[index] = original
            g[index] = (loss_up - loss_down) / ((divisor if central else 1.0) * eps)
        numeric[name] = g
    return numeric


def flat(grads, names):
    return np.concatenate([np.ravel(grads[name]) for name in names])


def gradient_check(loss_fn, params, grads, eps=1e-5):
    numeric = numerical_gradient(loss_fn, params, eps=eps)
    g, g_num = flat(grads, sorted(params)), flat(numeric, sorted(params))
    return np.linalg.norm(g - g_num) / (np.linalg.norm(g) + np.linalg.norm(g_num))


def gd_epoch(params, X, Y, grad_fn, batch_size, learning_rate):
    params = {name: value.copy() for name, value in params.items()}
    for start in range(0, len(X), batch_size):
        grads = grad_fn(params, X[start : start + batch_size], Y[start : start + batch_size])
        for name in grads:
            params[name] = params[name] - learning_rate * grads[name]
    return params


def train_network(X, Y, n_hidden=16, epochs=300, batch_size=32, learning_rate=0.5, grad_fn=gradients):
    rng = np.random.default_rng(0)
    params = init_params(X.shape[1], n_hidden, seed=0)
    for _ in range(epochs):
        order = rng.permutation(len(X))
        params = gd_epoch(params, X[order], Y[order], grad_fn, batch_size, learning_rate)
    return params


def judged(question, cases, key, tmp_path):
    """Each case's status, judged against the key answer (a folder per case)."""
    return {
        name: judge_answer(question, answer, key, tmp_path / name.replace(" ", "_")) for name, answer in cases.items()
    }


def assert_statuses(found, wanted):
    assert found == wanted, {name: (found[name], wanted[name]) for name in wanted if found[name] != wanted[name]}


# Question 1: the backward pass.


def backward_other_style(params, cache, Y):
    # A different correct answer: the plain sigmoid, np.where for the mask, biases kept as rows.
    X, Z1, H, Z2 = cache
    delta2 = (1.0 / (1.0 + np.exp(-Z2)) - Y) / X.shape[0]
    delta1 = np.where(Z1 > 0, delta2 @ params["W2"].T, 0.0)
    return {
        "b2": np.sum(delta2, axis=0, keepdims=True),
        "W2": np.einsum("nm,nk->mk", H, delta2),
        "b1": np.sum(delta1, axis=0, keepdims=True),
        "W1": np.einsum("nd,nm->dm", X, delta1),
    }


def backward_without_bias(params, cache, Y):
    grads = backward(params, cache, Y)
    return {"W1": grads["W1"], "W2": grads["W2"]}


def backward_zero_bias(params, cache, Y):
    grads = backward(params, cache, Y)
    return {**grads, "b1": np.zeros_like(grads["b1"]), "b2": np.zeros_like(grads["b2"])}


def backward_summed(params, cache, Y):
    n = len(cache[0])
    return {name: n * grad for name, grad in backward(params, cache, Y).items()}


def backward_no_relu_mask(params, cache, Y):
    X, Z1, H, Z2 = cache
    dZ2 = (sigmoid(Z2) - Y) / len(X)
    dZ1 = dZ2 @ params["W2"].T
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": H.T @ dZ2, "b2": dZ2.sum(axis=0)}


def backward_bias_mean(params, cache, Y):
    X, Z1, H, Z2 = cache
    dZ2 = (sigmoid(Z2) - Y) / len(X)
    dZ1 = (dZ2 @ params["W2"].T) * (Z1 > 0)
    return {"W1": X.T @ dZ1, "b1": dZ1.mean(axis=0), "W2": H.T @ dZ2, "b2": dZ2.mean(axis=0)}


def test_backward_mistakes_fail_and_a_different_right_answer_passes(tmp_path):
    cases = {
        "right": backward,
        "other style": backward_other_style,
        "missing bias gradient": backward_without_bias,
        "zero bias gradient": backward_zero_bias,
        "not averaged over the batch": backward_summed,
        "relu mask forgotten": backward_no_relu_mask,
        "bias gradient averaged": backward_bias_mean,
    }
    assert_statuses(
        judged(q1, cases, backward, tmp_path),
        {
            "right": Status.PASSED,
            "other style": Status.PASSED,
            "missing bias gradient": Status.ERROR,  # the dict has no "b1": the probe reports it, nothing to compare
            "zero bias gradient": Status.FAILED,
            "not averaged over the batch": Status.FAILED,
            "relu mask forgotten": Status.FAILED,
            "bias gradient averaged": Status.FAILED,
        },
    )


def test_backward_visible_checks_name_the_mistake():
    q1.check(backward_other_style)
    with pytest.raises(CheckFailed, match="without 'b1' and 'b2'"):
        q1.check(backward_without_bias)
    with pytest.raises(CheckFailed, match="4 times too large"):
        q1.check(backward_summed)
    with pytest.raises(CheckFailed, match="'b1' 4 times too small"):
        q1.check(backward_bias_mean)


# Question 2: the numerical gradient.


def numerical_gradient_by_copies(loss_fn, params, eps=1e-5):
    # A different correct answer: nudge copies instead of the caller's arrays.
    result = {}
    for name in params:
        g = np.zeros(params[name].size)
        for i in range(params[name].size):
            up = {key: value.copy() for key, value in params.items()}
            down = {key: value.copy() for key, value in params.items()}
            up[name].flat[i] += eps
            down[name].flat[i] -= eps
            g[i] = (loss_fn(up) - loss_fn(down)) / (2 * eps)
        result[name] = g.reshape(params[name].shape)
    return result


def numerical_gradient_by_steps(loss_fn, params, eps=1e-5):
    # Another correct answer: step up, two steps down, one step back up.
    numeric = {name: np.zeros_like(value) for name, value in params.items()}
    for name, value in params.items():
        for index in np.ndindex(value.shape):
            value[index] += eps
            loss_up = loss_fn(params)
            value[index] -= 2 * eps
            loss_down = loss_fn(params)
            value[index] += eps
            numeric[name][index] = (loss_up - loss_down) / 2 / eps
    return numeric


def test_numerical_gradient_mistakes_fail(tmp_path):
    cases = {
        "right": numerical_gradient,
        "copies": numerical_gradient_by_copies,
        "steps": numerical_gradient_by_steps,
        "forward difference": lambda f, p, eps=1e-5: numerical_gradient(f, p, eps, central=False),
        "divided by eps": lambda f, p, eps=1e-5: numerical_gradient(f, p, eps, divisor=1.0),
        "not restored": lambda f, p, eps=1e-5: numerical_gradient(f, p, eps, restore=False),
    }
    assert_statuses(
        judged(q2, cases, numerical_gradient, tmp_path),
        {
            "right": Status.PASSED,
            "copies": Status.PASSED,
            "steps": Status.PASSED,
            "forward difference": Status.FAILED,
            "divided by eps": Status.FAILED,
            "not restored": Status.FAILED,
        },
    )


def test_numerical_gradient_visible_check_catches_a_forward_difference():
    q2.check(numerical_gradient_by_copies)
    with pytest.raises(CheckFailed, match="3.31"):
        q2.check(lambda f, p, eps=1e-5: numerical_gradient(f, p, eps, central=False))
    with pytest.raises(CheckFailed, match="leave it at"):
        q2.check(lambda f, p, eps=1e-5: numerical_gradient(f, p, eps, restore=False))


# Question 3: the gradient check.


def gradient_check_own_order(loss_fn, params, grads):
    # A different correct answer: its own step, insertion order, squared norms written out.
    numeric = numerical_gradient_by_copies(loss_fn, params, eps=1e-6)
    g, g_num = flat(grads, list(params)), flat(numeric, list(params))
    return float(np.sqrt(np.sum((g - g_num) ** 2)) / (np.sqrt(np.sum(g**2)) + np.sqrt(np.sum(g_num**2))))


def gradient_check_worst_parameter(loss_fn, params, grads):
    numeric = numerical_gradient(loss_fn, params)
    errors = [
        np.linalg.norm(grads[k] - numeric[k]) / (np.linalg.norm(grads[k]) + np.linalg.norm(numeric[k])) for k in params
    ]
    return max(errors)


def gradient_check_absolute(loss_fn, params, grads):
    numeric = numerical_gradient(loss_fn, params)
    return np.linalg.norm(flat(grads, sorted(params)) - flat(numeric, sorted(params)))


@pytest.mark.parametrize("eps", [1e-3, 1e-4, 1e-6, 1e-8])
def test_gradient_check_accepts_every_sensible_step(eps, tmp_path):
    answer = lambda f, p, g: gradient_check(f, p, g, eps=eps)  # noqa: E731
    assert judge_answer(q3, answer, gradient_check, tmp_path) == Status.PASSED
    q3.check(answer)


def test_gradient_check_mistakes_fail(tmp_path):
    cases = {
        "right": gradient_check,
        "own order": gradient_check_own_order,
        "eps too large": lambda f, p, g: gradient_check(f, p, g, eps=1e-2),
        "eps far too large": lambda f, p, g: gradient_check(f, p, g, eps=1e-1),
        "eps far too small": lambda f, p, g: gradient_check(f, p, g, eps=1e-12),
        "worst parameter": gradient_check_worst_parameter,
        "absolute error": gradient_check_absolute,
    }
    assert_statuses(
        judged(q3, cases, gradient_check, tmp_path),
        {
            "right": Status.PASSED,
            "own order": Status.PASSED,
            "eps too large": Status.FAILED,
            "eps far too large": Status.FAILED,
            "eps far too small": Status.FAILED,
            "worst parameter": Status.FAILED,
            "absolute error": Status.FAILED,
        },
    )


def test_gradient_check_visible_check_blames_a_large_step():
    with pytest.raises(CheckFailed, match="exactly right.*eps = 1e-2 or larger"):
        q3.check(lambda f, p, g: gradient_check(f, p, g, eps=1e-2))


# Question 4: one epoch of mini-batch gradient descent.


def gd_epoch_array_split(params, X, Y, grad_fn, batch_size, learning_rate):
    # A different correct answer: precomputed batch boundaries and in-place updates on copies.
    params = {name: np.array(value, dtype=float) for name, value in params.items()}
    cuts = np.arange(batch_size, len(X), batch_size)
    for X_batch, Y_batch in zip(np.split(X, cuts), np.split(Y, cuts), strict=True):
        for name, grad in grad_fn(params, X_batch, Y_batch).items():
            params[name] -= learning_rate * grad
    return params


def gd_epoch_drops_last_batch(params, X, Y, grad_fn, batch_size, learning_rate):
    whole = len(X) // batch_size * batch_size
    return gd_epoch(params, X[:whole], Y[:whole], grad_fn, batch_size, learning_rate)


def gd_epoch_uphill(params, X, Y, grad_fn, batch_size, learning_rate):
    return gd_epoch(params, X, Y, grad_fn, batch_size, -learning_rate)


def gd_epoch_stale_gradients(params, X, Y, grad_fn, batch_size, learning_rate):
    start_params = {name: value.copy() for name, value in params.items()}
    params = dict(start_params)
    for start in range(0, len(X), batch_size):
        grads = grad_fn(start_params, X[start : start + batch_size], Y[start : start + batch_size])
        params = {name: params[name] - learning_rate * grads[name] for name in params}
    return params


def gd_epoch_whole_set(params, X, Y, grad_fn, batch_size, learning_rate):
    steps = int(np.ceil(len(X) / batch_size))
    for _ in range(steps):
        params = gd_epoch(params, X, Y, grad_fn, len(X), learning_rate)
    return params


def gd_epoch_weights_only(params, X, Y, grad_fn, batch_size, learning_rate):
    params = {name: value.copy() for name, value in params.items()}
    for start in range(0, len(X), batch_size):
        grads = grad_fn(params, X[start : start + batch_size], Y[start : start + batch_size])
        for name in grads:
            if not name.startswith("b"):
                params[name] = params[name] - learning_rate * grads[name]
    return params


def test_gd_epoch_mistakes_fail(tmp_path):
    cases = {
        "right": gd_epoch,
        "array split": gd_epoch_array_split,
        "last batch dropped": gd_epoch_drops_last_batch,
        "uphill": gd_epoch_uphill,
        "stale gradients": gd_epoch_stale_gradients,
        "whole set every step": gd_epoch_whole_set,
        "biases never updated": gd_epoch_weights_only,
    }
    assert_statuses(
        judged(q4, cases, gd_epoch, tmp_path),
        {
            "right": Status.PASSED,
            "array split": Status.PASSED,
            "last batch dropped": Status.FAILED,
            "uphill": Status.FAILED,
            "stale gradients": Status.FAILED,
            "whole set every step": Status.FAILED,
            "biases never updated": Status.FAILED,
        },
    )


def test_gd_epoch_visible_check_matches_the_hand_computed_example():
    q4.check(gd_epoch_array_split)
    with pytest.raises(CheckFailed, match="0.5"):
        q4.check(gd_epoch_drops_last_batch)


# Question 5: train the network.


def train_other_style(X, Y):
    # A different correct answer: more units, another seed, plain batch descent with a larger step.
    params = init_params(X.shape[1], 32, seed=5)
    for _ in range(1500):
        params = gd_epoch(params, X, Y, gradients, len(X), 2.0)
    return params


def train_transposed(X, Y):
    params = train_network(X, Y)
    return {**params, "W1": params["W1"].T}


def gradients_without_bias(params, X, Y):
    return backward_without_bias(params, forward(params, X)[1], Y)


def gradients_summed(params, X, Y):
    return backward_summed(params, forward(params, X)[1], Y)


def test_training_mistakes_fail_and_other_recipes_pass(tmp_path):
    cases = {
        "right": train_network,
        "other style": train_other_style,
        "missing bias gradient": lambda X, Y: train_network(X, Y, grad_fn=gradients_without_bias),
        "not averaged": lambda X, Y: train_network(X, Y, grad_fn=gradients_summed),
        "two hidden units": lambda X, Y: train_network(X, Y, n_hidden=2),
        "untrained": lambda X, Y: train_network(X, Y, epochs=0),
        "transposed W1": train_transposed,
    }
    with np.errstate(all="ignore"):
        found = judged(q5, cases, train_network, tmp_path)
    assert_statuses(
        found,
        {
            "right": Status.PASSED,
            "other style": Status.PASSED,
            "missing bias gradient": Status.FAILED,
            "not averaged": Status.FAILED,
            "two hidden units": Status.FAILED,
            "untrained": Status.FAILED,
            "transposed W1": Status.ERROR,
        },
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_the_reference_training_clears_the_bar_on_other_moons(seed, tmp_path):
    from grader.exercises.ex04_backpropagation import ACCURACY_THRESHOLD, _accuracy, _fresh_moons

    X, _, y, _ = moons_split(seed=100 + seed)
    params = train_network(X, y.reshape(-1, 1).astype(float))
    X_new, y_new = _fresh_moons(4000, seed=200 + seed)
    assert _accuracy(params, X_new, y_new) >= ACCURACY_THRESHOLD + 0.015


def test_training_visible_check_reports_the_accuracy():
    with pytest.raises(CheckFailed, match="accuracy on 4000 fresh moons points is 0.8"):
        q5.check(lambda X, Y: train_network(X, Y, grad_fn=gradients_without_bias))
