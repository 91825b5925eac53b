"""Exercise 04 (backpropagation): right answers pass, the lesson's mistakes lose their points."""

from __future__ import annotations

import numpy as np
import pytest
from judging import failure_message, judge_answer, judged, not_yet_met

from grader.outcomes import Status
from keras_course.checks import CheckFailed
from keras_course.data import moons_split
from keras_course.exercises.ex04_backpropagation import q1, q2, q3, q4, q5

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


LOST = frozenset({Status.FAILED, Status.ERROR})  # a result of the wrong form: failed, or an error in the kernel


def assert_statuses(found, wanted):
    """Each answer's status is the wanted one (or one of a wanted set)."""
    wrong = {
        name: (found[name], wanted[name])
        for name in wanted
        if found[name] not in (wanted[name] if isinstance(wanted[name], frozenset) else {wanted[name]})
    }
    assert set(found) == set(wanted) and not wrong, wrong


# Question 1: the backward pass.


def backward_other_style(params, cache, Y):
    # A different correct answer: the plain sigmoid, np.where for the mask, einsum, keys in another order.
    X, Z1, H, Z2 = cache
    delta2 = (1.0 / (1.0 + np.exp(-Z2)) - Y) / X.shape[0]
    delta1 = np.where(Z1 > 0, delta2 @ params["W2"].T, 0.0)
    return {
        "b2": np.sum(delta2, axis=0),
        "W2": np.einsum("nm,nk->mk", H, delta2),
        "b1": np.sum(delta1, axis=0),
        "W1": np.einsum("nd,nm->dm", X, delta1),
    }


def backward_by_examples(params, cache, Y):
    # Another correct answer: one example at a time, masked by H > 0, in float32-friendly steps.
    X, Z1, H, Z2 = cache
    n = len(X)
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    for i in range(n):
        d2 = (sigmoid(Z2[i]) - Y[i]) / n
        d1 = (params["W2"] @ d2) * (H[i] > 0)
        grads["W2"] += np.outer(H[i], d2)
        grads["b2"] += d2
        grads["W1"] += np.outer(X[i], d1)
        grads["b1"] += d1
    return grads


def backward_with_rows(params, cache, Y):
    # The bias gradients kept as rows (1, m) and (1, 1): sums with keepdims=True.
    grads = backward(params, cache, Y)
    return {**grads, "b1": grads["b1"].reshape(1, -1), "b2": grads["b2"].reshape(1, 1)}


def backward_scalar_b2(params, cache, Y):
    grads = backward(params, cache, Y)
    return {**grads, "b2": grads["b2"].sum()}


def backward_mask_at_zero(params, cache, Y):
    X, Z1, H, Z2 = cache
    dZ2 = (sigmoid(Z2) - Y) / len(X)
    dZ1 = (dZ2 @ params["W2"].T) * (Z1 >= 0)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": H.T @ dZ2, "b2": dZ2.sum(axis=0)}


def backward_squeezed(params, cache, Y):
    # np.squeeze on the output delta: fine for n > 1, a 0-d array on a batch of one.
    X, Z1, H, Z2 = cache
    dZ2 = np.squeeze(sigmoid(Z2) - Y) / len(X)
    dZ1 = np.outer(dZ2, params["W2"][:, 0]) * (Z1 > 0)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": (H.T @ dZ2).reshape(-1, 1), "b2": np.array([dZ2.sum()])}


def backward_divides_by_features(params, cache, Y):
    X, Z1, H, Z2 = cache
    return {name: grad * len(X) / X.shape[1] for name, grad in backward(params, cache, Y).items()}


def backward_in_place(params, cache, Y):
    # Clips Z1 in the cache (the caller's array) to reuse it as the mask.
    X, Z1, H, Z2 = cache
    np.maximum(Z1, 0.0, out=Z1)
    dZ2 = (sigmoid(Z2) - Y) / len(X)
    dZ1 = (dZ2 @ params["W2"].T) * (Z1 > 0)
    return {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": H.T @ dZ2, "b2": dZ2.sum(axis=0)}


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


def backward_b2_as_list(params, cache, Y):
    # b2 as a Python list of one number: of length 1, but not the array of shape (1,) asked for.
    grads = backward(params, cache, Y)
    return {**grads, "b2": [float(grads["b2"][0])]}


def backward_masked_by_h(params, cache, Y):
    # A different correct answer: H > 0 is the same mask as Z1 > 0, and dH = dZ2 * W2.T by broadcasting.
    X, Z1, H, Z2 = cache
    dZ2 = (1.0 / (1.0 + np.exp(-Z2)) - Y) / Y.shape[0]
    dZ1 = dZ2 * params["W2"].T * (H > 0)
    return {"W2": H.T @ dZ2, "b2": np.sum(dZ2, axis=0), "W1": X.T @ dZ1, "b1": np.sum(dZ1, axis=0)}


def test_backward_mistakes_fail_and_a_different_right_answer_passes(tmp_path):
    cases = {
        "right": backward,
        "other style": backward_other_style,
        "by examples": backward_by_examples,
        "missing bias gradient": backward_without_bias,
        "zero bias gradient": backward_zero_bias,
        "not averaged over the batch": backward_summed,
        "relu mask forgotten": backward_no_relu_mask,
        "bias gradient averaged": backward_bias_mean,
        "bias gradients as rows": backward_with_rows,
        "scalar b2": backward_scalar_b2,
        "mask Z1 >= 0": backward_mask_at_zero,
        "squeezed": backward_squeezed,
        "divided by the features": backward_divides_by_features,
        "cache changed in place": backward_in_place,
        "b2 as a list": backward_b2_as_list,
        "masked by H": backward_masked_by_h,
    }
    assert_statuses(
        judged(q1, cases, backward, tmp_path),
        {
            "right": Status.PASSED,
            "other style": Status.PASSED,
            "by examples": Status.PASSED,
            "missing bias gradient": LOST,  # the dict has no "b1": nothing to compare
            "zero bias gradient": Status.FAILED,
            "not averaged over the batch": Status.FAILED,
            "relu mask forgotten": Status.FAILED,
            "bias gradient averaged": Status.FAILED,
            "bias gradients as rows": Status.FAILED,  # passed before: shapes were flattened
            "scalar b2": Status.FAILED,  # passed before
            "mask Z1 >= 0": Status.FAILED,  # passed before: no hidden sum was exactly 0
            "squeezed": LOST,  # a batch of one breaks the shapes
            "divided by the features": Status.FAILED,
            "cache changed in place": Status.FAILED,  # passed before: the cache was never looked at again
            "b2 as a list": Status.FAILED,  # passed before: a list of one number has the shape (1,)
            "masked by H": Status.PASSED,
        },
    )


@pytest.mark.parametrize(
    ("mistake", "requirement"),
    [
        (backward_with_rows, "shapes"),
        (backward_mask_at_zero, "relu"),
        (backward_in_place, "unchanged"),
        (backward_summed, "value"),
        (backward_b2_as_list, "shapes"),
    ],
)
def test_backward_failures_name_the_missed_requirement(mistake, requirement, tmp_path):
    assert failure_message(q1, mistake, backward, tmp_path).startswith(not_yet_met(q1, requirement))


def test_backward_visible_checks_name_the_mistake():
    q1.check(backward_other_style)
    with pytest.raises(CheckFailed, match="without 'b1' and 'b2'"):
        q1.check(backward_without_bias)
    with pytest.raises(CheckFailed, match="4 times too large"):
        q1.check(backward_summed)
    with pytest.raises(CheckFailed, match="'b1' 4 times too small"):
        q1.check(backward_bias_mean)
    with pytest.raises(CheckFailed, match=r"'b1' of shape \(1, 3\); it should have exactly the shape \(3,\)"):
        q1.check(backward_with_rows)


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


def numerical_gradient_by_views(loss_fn, params, eps=1e-5):
    # A third correct answer: a flat view of each array, nudged in place.
    result = {}
    for name, value in params.items():
        flat_view, g = value.reshape(-1), np.zeros(value.size)
        for i in range(value.size):
            original = flat_view[i]
            flat_view[i] = original + eps
            up = loss_fn(params)
            flat_view[i] = original - eps
            g[i] = (up - loss_fn(params)) / (2 * eps)
            flat_view[i] = original
        result[name] = g.reshape(value.shape)
    return result


def numerical_gradient_two_loops(loss_fn, params, eps=1e-5):
    # Rows and columns only: arrays of three dimensions are not measured.
    result = {}
    for name, value in params.items():
        g = np.zeros_like(value)
        rows = value.reshape(value.shape[0], -1) if value.ndim > 1 else value.reshape(-1, 1)
        for i in range(rows.shape[0]):
            for j in range(rows.shape[1] if value.ndim < 3 else 1):
                original = rows[i, j]
                rows[i, j] = original + eps
                up = loss_fn(params)
                rows[i, j] = original - eps
                down = loss_fn(params)
                rows[i, j] = original
                g.reshape(rows.shape)[i, j] = (up - down) / (2 * eps)
        result[name] = g
    return result


def numerical_gradient_flat(loss_fn, params, eps=1e-5):
    return {name: g.ravel() for name, g in numerical_gradient(loss_fn, params, eps).items()}


def numerical_gradient_default(default):
    return lambda loss_fn, params, eps=default: numerical_gradient(loss_fn, params, eps)


def test_numerical_gradient_mistakes_fail(tmp_path):
    cases = {
        "right": numerical_gradient,
        "copies": numerical_gradient_by_copies,
        "steps": numerical_gradient_by_steps,
        "views": numerical_gradient_by_views,
        "two loops": numerical_gradient_two_loops,
        "flattened": numerical_gradient_flat,
        "default step 1e-3": numerical_gradient_default(1e-3),
        "default step 1e-6": numerical_gradient_default(1e-6),
        "default step 1e-7": numerical_gradient_default(1e-7),
        "lists": lambda f, p, eps=1e-5: {name: g.tolist() for name, g in numerical_gradient(f, p, eps).items()},
        "step ignored": lambda f, p, eps=1e-5: numerical_gradient(f, p, 1e-5),
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
            "views": Status.PASSED,
            "two loops": Status.FAILED,  # passed before: no array had three dimensions
            "flattened": Status.FAILED,  # passed before: shapes were flattened
            "default step 1e-3": Status.FAILED,  # passed before: the default was never used
            "default step 1e-6": Status.FAILED,  # passed before: the steep cubic told 1e-5 from 1e-6 by 1e-7
            "default step 1e-7": Status.FAILED,  # passed before
            "lists": Status.FAILED,  # passed before: nested lists have the shapes of the arrays
            "step ignored": Status.FAILED,
            "forward difference": Status.FAILED,
            "divided by eps": Status.FAILED,
            "not restored": Status.FAILED,
        },
    )


@pytest.mark.parametrize(
    ("mistake", "requirement"),
    [
        (numerical_gradient_flat, "shapes"),
        (numerical_gradient_default(1e-3), "default"),
        (numerical_gradient_default(1e-6), "default"),
        (lambda f, p, eps=1e-5: numerical_gradient(f, p, eps, restore=False), "central"),
    ],
)
def test_numerical_gradient_failures_name_the_missed_requirement(mistake, requirement, tmp_path):
    assert failure_message(q2, mistake, numerical_gradient, tmp_path).startswith(not_yet_met(q2, requirement))


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


def gradient_check_insertion_order(loss_fn, params, grads):
    # g from grads in its own key order, g_num in params' order: they do not line up when the orders differ.
    numeric = numerical_gradient(loss_fn, params)
    g = np.concatenate([np.ravel(v) for v in grads.values()])
    g_num = np.concatenate([np.ravel(v) for v in numeric.values()])
    return np.linalg.norm(g - g_num) / (np.linalg.norm(g) + np.linalg.norm(g_num))


def gradient_check_forward(loss_fn, params, grads):
    numeric = numerical_gradient(loss_fn, params, eps=1e-7, central=False)
    g, g_num = flat(grads, sorted(params)), flat(numeric, sorted(params))
    return np.linalg.norm(g - g_num) / (np.linalg.norm(g) + np.linalg.norm(g_num))


def gradient_check_as_array(loss_fn, params, grads):
    return np.array([gradient_check(loss_fn, params, grads)])


def gradient_check_subtracts_in_place(loss_fn, params, grads):
    numeric = numerical_gradient(loss_fn, params)
    norm_g = np.linalg.norm(flat(grads, sorted(params)))
    for name in grads:
        grads[name] -= numeric[name]
    return np.linalg.norm(flat(grads, sorted(params))) / (norm_g + np.linalg.norm(flat(numeric, sorted(params))))


def gradient_check_by_parameter_order(loss_fn, params, grads):
    # A third correct answer: both vectors in params' key order, np.hypot-free norms via dot products.
    numeric = numerical_gradient_by_copies(loss_fn, params, eps=3e-6)
    g, g_num = flat(grads, list(params)), flat(numeric, list(params))
    diff = g - g_num
    return float(np.sqrt(diff @ diff) / (np.sqrt(g @ g) + np.sqrt(g_num @ g_num)))


@pytest.mark.parametrize("eps", [1e-3, 1e-4, 1e-6, 1e-8])
def test_gradient_check_accepts_every_sensible_step(eps, tmp_path):
    answer = lambda f, p, g: gradient_check(f, p, g, eps=eps)  # noqa: E731
    assert judge_answer(q3, answer, gradient_check, tmp_path) == Status.PASSED
    q3.check(answer)


def test_gradient_check_mistakes_fail(tmp_path):
    cases = {
        "right": gradient_check,
        "own order": gradient_check_own_order,
        "params order": gradient_check_by_parameter_order,
        "insertion order": gradient_check_insertion_order,
        "forward difference": gradient_check_forward,
        "one-element array": gradient_check_as_array,
        "grads changed in place": gradient_check_subtracts_in_place,
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
            "params order": Status.PASSED,
            "insertion order": Status.FAILED,  # passed before: grads always came in params' order
            "forward difference": Status.FAILED,  # passed before: no loss had a small gradient and a large curvature
            "one-element array": Status.FAILED,  # passed before: the result was turned into a float in the kernel
            "grads changed in place": Status.FAILED,  # passed before: grads were never looked at again
            "eps too large": Status.FAILED,
            "eps far too large": Status.FAILED,
            "eps far too small": Status.FAILED,
            "worst parameter": Status.FAILED,
            "absolute error": Status.FAILED,
        },
    )


@pytest.mark.parametrize(
    ("mistake", "requirement"),
    [
        (gradient_check_insertion_order, "order"),
        (gradient_check_forward, "central"),
        (lambda f, p, g: gradient_check(f, p, g, eps=1e-2), "step"),
        (gradient_check_subtracts_in_place, "unchanged"),
    ],
)
def test_gradient_check_failures_name_the_missed_requirement(mistake, requirement, tmp_path):
    assert failure_message(q3, mistake, gradient_check, tmp_path).startswith(not_yet_met(q3, requirement))


def test_gradient_check_hidden_message_states_no_expected_error(tmp_path):
    message = failure_message(q3, gradient_check_worst_parameter, gradient_check, tmp_path)
    assert message.startswith(not_yet_met(q3, "value")) and "whose relative error is" not in message


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


def gd_epoch_while(params, X, Y, grad_fn, batch_size, learning_rate):
    # A third correct answer: explicit batch ends, a new dict every step.
    current = {name: np.copy(value) for name, value in params.items()}
    start = 0
    while start < X.shape[0]:
        end = min(start + batch_size, X.shape[0])
        grads = grad_fn(current, X[start:end], Y[start:end])
        current = {
            name: value - learning_rate * grads[name] if name in grads else value for name, value in current.items()
        }
        start = end
    return current


def gd_epoch_shallow_copy(params, X, Y, grad_fn, batch_size, learning_rate):
    params = dict(params)  # a new dict, but the same arrays: -= writes into the caller's
    for start in range(0, len(X), batch_size):
        grads = grad_fn(params, X[start : start + batch_size], Y[start : start + batch_size])
        for name in grads:
            params[name] -= learning_rate * grads[name]
    return params


def gd_epoch_balanced_batches(params, X, Y, grad_fn, batch_size, learning_rate):
    params = {name: value.copy() for name, value in params.items()}
    parts = int(np.ceil(len(X) / batch_size))
    for X_batch, Y_batch in zip(np.array_split(X, parts), np.array_split(Y, parts), strict=True):
        for name, grad in grad_fn(params, X_batch, Y_batch).items():
            params[name] = params[name] - learning_rate * grad
    return params


def gd_epoch_whole_batches_only(params, X, Y, grad_fn, batch_size, learning_rate):
    params = {name: value.copy() for name, value in params.items()}
    for i in range(len(X) // batch_size):
        rows = slice(i * batch_size, (i + 1) * batch_size)
        for name, grad in grad_fn(params, X[rows], Y[rows]).items():
            params[name] = params[name] - learning_rate * grad
    return params


def gd_epoch_padded(params, X, Y, grad_fn, batch_size, learning_rate):
    # The last batch filled up with rows from the start.
    params = {name: value.copy() for name, value in params.items()}
    for start in range(0, len(X), batch_size):
        rows = np.arange(start, start + batch_size) % len(X)
        for name, grad in grad_fn(params, X[rows], Y[rows]).items():
            params[name] = params[name] - learning_rate * grad
    return params


def gd_epoch_flat(params, X, Y, grad_fn, batch_size, learning_rate):
    return {name: value.ravel() for name, value in gd_epoch(params, X, Y, grad_fn, batch_size, learning_rate).items()}


def gd_epoch_over_params_keys(params, X, Y, grad_fn, batch_size, learning_rate):
    # Loops over the keys of params, not over those grad_fn returns: a parameter without a gradient breaks it.
    params = {name: value.copy() for name, value in params.items()}
    for start in range(0, len(X), batch_size):
        grads = grad_fn(params, X[start : start + batch_size], Y[start : start + batch_size])
        for name in params:
            params[name] = params[name] - learning_rate * grads[name]
    return params


def gd_epoch_rebinds_a_shallow_copy(params, X, Y, grad_fn, batch_size, learning_rate):
    # A fourth correct answer: dict(params) shares the arrays, but `params[name] = ...` builds new ones.
    params = dict(params)
    for start in range(0, len(X), batch_size):
        grads = grad_fn(params, X[start : start + batch_size], Y[start : start + batch_size])
        params.update({name: params[name] - learning_rate * grad for name, grad in grads.items()})
    return params


def test_gd_epoch_mistakes_fail(tmp_path):
    cases = {
        "over the keys of params": gd_epoch_over_params_keys,
        "rebinds a shallow copy": gd_epoch_rebinds_a_shallow_copy,
        "right": gd_epoch,
        "array split": gd_epoch_array_split,
        "while loop": gd_epoch_while,
        "shallow copy": gd_epoch_shallow_copy,
        "balanced batches": gd_epoch_balanced_batches,
        "whole batches only": gd_epoch_whole_batches_only,
        "last batch padded": gd_epoch_padded,
        "flattened": gd_epoch_flat,
        "last batch dropped": gd_epoch_drops_last_batch,
        "uphill": gd_epoch_uphill,
        "stale gradients": gd_epoch_stale_gradients,
        "whole set every step": gd_epoch_whole_set,
        "biases never updated": gd_epoch_weights_only,
        "lists": lambda *args: {name: value.tolist() for name, value in gd_epoch(*args).items()},
    }
    assert_statuses(
        judged(q4, cases, gd_epoch, tmp_path),
        {
            "over the keys of params": Status.ERROR,  # passed before: every grad_fn returned every key
            "rebinds a shallow copy": Status.PASSED,
            "right": Status.PASSED,
            "array split": Status.PASSED,
            "while loop": Status.PASSED,
            "shallow copy": Status.FAILED,  # passed before: the caller's arrays were never looked at again
            "balanced batches": Status.FAILED,
            "whole batches only": Status.FAILED,
            "last batch padded": Status.FAILED,
            "flattened": Status.FAILED,  # passed before: shapes were flattened
            "last batch dropped": Status.FAILED,
            "uphill": Status.FAILED,
            "stale gradients": Status.FAILED,
            "whole set every step": Status.FAILED,
            "biases never updated": Status.FAILED,
            "lists": Status.FAILED,  # passed before: nested lists have the shapes of the arrays
        },
    )


@pytest.mark.parametrize(
    ("mistake", "requirement"),
    [
        (gd_epoch_shallow_copy, "unchanged"),
        (gd_epoch_drops_last_batch, "batches"),
        (gd_epoch_uphill, "step"),
        (gd_epoch_flat, "shapes"),
    ],
)
def test_gd_epoch_failures_name_the_missed_requirement(mistake, requirement, tmp_path):
    assert failure_message(q4, mistake, gd_epoch, tmp_path).startswith(not_yet_met(q4, requirement))


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


def train_functional_style(X, Y):
    # A third correct answer: 24 units, its own generator, shuffled copies, 64-row batches.
    rng = np.random.default_rng(3)
    params = init_params(2, 24, seed=3)
    for _ in range(400):
        order = rng.permutation(len(X))
        params = gd_epoch(params, X[order], Y[order], gradients, 64, 0.8)
    return params


def train_flat_output_weights(X, Y):
    params = train_network(X, Y)
    return {**params, "W2": params["W2"].ravel()}


def train_scalar_b2(X, Y):
    params = train_network(X, Y)
    return {**params, "b2": float(params["b2"][0])}


def train_shuffled_in_place(X, Y):
    # Shuffles the caller's arrays, X and Y with the same permutation.
    rng = np.random.default_rng(0)
    params = init_params(2, 16, seed=0)
    for _ in range(300):
        order = rng.permutation(len(X))
        X[:], Y[:] = X[order], Y[order]
        params = gd_epoch(params, X, Y, gradients, 32, 0.5)
    return params


def train_shuffled_apart(X, Y):
    rng = np.random.default_rng(0)
    params = init_params(2, 16, seed=0)
    for _ in range(300):
        params = gd_epoch(params, X[rng.permutation(len(X))], Y[rng.permutation(len(X))], gradients, 32, 0.5)
    return params


def train_on_the_notebooks_data(X, Y):
    # Ignores its arguments: trains on the notebook's X_train and Y_train (lesson 04's moons).
    X_train, _, y_train, _ = moons_split()
    return train_network(X_train, y_train.reshape(-1, 1).astype(float))


def gradients_without_bias(params, X, Y):
    return backward_without_bias(params, forward(params, X)[1], Y)


def gradients_summed(params, X, Y):
    return backward_summed(params, forward(params, X)[1], Y)


def test_training_mistakes_fail_and_other_recipes_pass(tmp_path):
    cases = {
        "right": train_network,
        "other style": train_other_style,
        "functional style": train_functional_style,
        "W2 flattened": train_flat_output_weights,
        "scalar b2": train_scalar_b2,
        "shuffled in place": train_shuffled_in_place,
        "shuffled apart": train_shuffled_apart,
        "missing bias gradient": lambda X, Y: train_network(X, Y, grad_fn=gradients_without_bias),
        "not averaged": lambda X, Y: train_network(X, Y, grad_fn=gradients_summed),
        "two hidden units": lambda X, Y: train_network(X, Y, n_hidden=2),
        "untrained": lambda X, Y: train_network(X, Y, epochs=0),
        "transposed W1": train_transposed,
        "trains on the notebook's X_train": train_on_the_notebooks_data,
    }
    with np.errstate(all="ignore"):
        found = judged(q5, cases, train_network, tmp_path)
    assert_statuses(
        found,
        {
            "right": Status.PASSED,
            "other style": Status.PASSED,
            "functional style": Status.PASSED,
            "W2 flattened": Status.FAILED,  # passed before: only sizes were compared
            "scalar b2": Status.FAILED,  # passed before
            "shuffled in place": Status.FAILED,  # passed before: X and Y were never looked at again
            "shuffled apart": Status.FAILED,
            "missing bias gradient": Status.FAILED,
            "not averaged": Status.FAILED,
            "two hidden units": Status.FAILED,
            "untrained": Status.FAILED,
            "transposed W1": Status.FAILED,
            "trains on the notebook's X_train": Status.FAILED,  # passed before: every hidden set was moons
        },
    )


@pytest.mark.parametrize(
    ("mistake", "requirement"),
    [
        (train_flat_output_weights, "shapes"),
        (train_shuffled_in_place, "unchanged"),
        (train_shuffled_apart, "accuracy"),
        (train_on_the_notebooks_data, "given"),
    ],
)
def test_training_failures_name_the_missed_requirement(mistake, requirement, tmp_path):
    assert failure_message(q5, mistake, train_network, tmp_path).startswith(not_yet_met(q5, requirement))


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_the_reference_training_clears_the_bar_on_swapped_labels(seed):
    from keras_course.data import fresh_moons as _fresh_moons
    from keras_course.exercises.ex04_backpropagation import ACCURACY_THRESHOLD
    from keras_course.two_layer import accuracy as _accuracy

    X, _, y, _ = moons_split(seed=300 + seed)
    params = train_network(X, (1 - y).reshape(-1, 1).astype(float))
    X_new, y_new = _fresh_moons(4000, seed=400 + seed)
    assert _accuracy(params, X_new, 1 - y_new) >= ACCURACY_THRESHOLD + 0.015


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_the_reference_training_clears_the_bar_on_other_moons(seed, tmp_path):
    from keras_course.data import fresh_moons as _fresh_moons
    from keras_course.exercises.ex04_backpropagation import ACCURACY_THRESHOLD
    from keras_course.two_layer import accuracy as _accuracy

    X, _, y, _ = moons_split(seed=100 + seed)
    params = train_network(X, y.reshape(-1, 1).astype(float))
    X_new, y_new = _fresh_moons(4000, seed=200 + seed)
    assert _accuracy(params, X_new, y_new) >= ACCURACY_THRESHOLD + 0.015


def test_training_visible_check_reports_the_accuracy():
    with pytest.raises(CheckFailed, match="accuracy on 4000 fresh moons points is 0.8"):
        q5.check(lambda X, Y: train_network(X, Y, grad_fn=gradients_without_bias))
