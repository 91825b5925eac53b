"""Exercise 03, the forward pass: correct variants score full, the lesson's mistakes lose the question."""

import numpy as np
import pytest
from judging import judged, missed

from grader.outcomes import Status
from keras_course.channel import encode
from keras_course.checks import CheckFailed
from keras_course.exercises.ex03_the_forward_pass import EXERCISE, _computes_max, _pack_network, q1, q2, q3, q4, q5

LOST = {Status.FAILED, Status.ERROR}


def relu(z):
    return np.maximum(0.0, z)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# The instructor's answers, as in the solution notebook.


def dense(X, W, b):
    return X @ W + b


def count_params(layer_sizes):
    return sum(n_in * n_out + n_out for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True))


def forward(X, weights, biases):
    H = X
    for W, b in zip(weights[:-1], biases[:-1], strict=True):
        H = relu(dense(H, W, b))
    return dense(H, weights[-1], biases[-1])


def predict_proba(X, weights, biases):
    return sigmoid(forward(X, weights, biases)[:, 0])


def max_network():
    W1 = np.array([[1.0, 0.0, 0.0], [-1.0, 1.0, -1.0]])
    W2 = np.array([[1.0], [1.0], [-1.0]])
    return [W1, W2], [np.zeros(3), np.zeros(1)]


def test_exercise_has_five_questions_worth_ten_points():
    assert [q.id for q in EXERCISE.questions] == [
        "q1_dense",
        "q2_count_params",
        "q3_forward",
        "q4_predict_proba",
        "q5_max_network",
    ]
    assert EXERCISE.points == 10
    assert all(2 <= len(q.hints) <= 3 for q in EXERCISE.questions)


def count_by_popping(layer_sizes):
    sizes = layer_sizes if isinstance(layer_sizes, list) else list(layer_sizes)
    total, previous = 0, sizes.pop(0)
    while sizes:
        units = sizes.pop(0)
        total, previous = total + previous * units + units, units
    return total


# Question 1: one dense layer.


def dense_loops(X, W, b):
    out = np.zeros((X.shape[0], W.shape[1]))
    for i in range(X.shape[0]):
        for j in range(W.shape[1]):
            out[i, j] = sum(X[i, k] * W[k, j] for k in range(W.shape[0])) + b[j]
    return out


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (dense, Status.PASSED),
        (lambda X, W, b: np.einsum("nd,dm->nm", X, W) + b, Status.PASSED),
        (lambda X, W, b: (W.T @ X.T).T + b[np.newaxis, :], Status.PASSED),
        (lambda X, W, b: np.dot(X, W) + b.reshape(1, -1), Status.PASSED),
        (dense_loops, Status.PASSED),
        (lambda X, W, b: (X @ W + b).tolist(), Status.FAILED),  # a list where an array is asked (accepted before)
        (lambda X, W, b: [x @ W + b for x in X], Status.FAILED),  # a list of rows: passed before
        (lambda X, W, b: np.array([x @ W + b for x in X]), Status.PASSED),
        (lambda X, W, b: X @ W.T + b, LOST),  # transposed weights (runs on square layers)
        (lambda X, W, b: X @ W + b[:, None], LOST),  # bias along the batch axis (runs when n == n_out)
        (lambda X, W, b: X @ W + b.reshape(-1, 1), LOST),  # the same with reshape
        (lambda X, W, b: relu(X @ W + b), LOST),  # an activation where the sums are asked for
        (lambda X, W, b: X @ W, LOST),  # bias forgotten
        (lambda X, W, b: np.squeeze(X @ W + b), LOST),  # a batch of one (or one unit) loses its axes
        (lambda X, W, b: (X @ W + b).ravel(), LOST),  # flattened
        (
            lambda X, W, b: (
                np.add(np.matmul(X, W, out=None), b, out=X) if X.shape == (X.shape[0], W.shape[1]) else X @ W + b
            ),
            LOST,
        ),  # writes into X
        (lambda X, W, b: sigmoid(X @ W + b), LOST),  # an activation where the sums are asked for
    ],
)
def test_dense_layer(answer, status, tmp_path):
    got = judged(q1, answer, dense, tmp_path)
    assert got in status if isinstance(status, set) else got == status


def test_dense_visible_check_catches_a_transposed_square_layer():
    with pytest.raises(CheckFailed, match="not W.T"):
        q1.check(lambda X, W, b: X @ W.T + b if W.shape[0] == W.shape[1] else X @ W + b)


def test_dense_stub_is_not_attempted(tmp_path):
    def stub(X, W, b):
        raise NotImplementedError()

    assert judged(q1, stub, dense, tmp_path) == Status.NOT_ATTEMPTED


# Question 2: counting parameters.


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (count_params, Status.PASSED),
        (lambda s: int(np.dot(s[:-1], s[1:]) + np.sum(s[1:])), Status.PASSED),
        (lambda s: sum((s[i] + 1) * s[i + 1] for i in range(len(s) - 1)), Status.PASSED),
        (lambda s: np.int64(count_params(s)), Status.PASSED),
        (lambda s: float(count_params(s)), Status.FAILED),  # a float where an integer is asked: passed before
        (lambda s: sum((a * b + b for a, b in zip(s[:-1], s[1:], strict=True)), 0.0), Status.FAILED),  # passed before
        (lambda s: np.sum(np.multiply(s[:-1], s[1:]) + np.asarray(s[1:])), Status.PASSED),
        (lambda s: sum(a * b for a, b in zip(s[:-1], s[1:], strict=True)), LOST),  # biases forgotten
        (lambda s: count_params(s) + s[0], LOST),  # a bias for each input too
        (lambda s: sum(a * b + a for a, b in zip(s[:-1], s[1:], strict=True)), LOST),  # biases counted per input
        (lambda s: [count_params(s)], LOST),  # a list, not a number
        (count_by_popping, LOST),  # empties the caller's list
        (lambda s: sum(s[i] * s[i + 1] + s[i + 1] for i in range(len(s) - 2)), LOST),  # off by one: last layer left out
        (
            lambda s: sum(a * b + b for a, b in zip(s, s[1:], strict=False)) if len(s) > 2 else 0,
            LOST,
        ),  # no answer for one layer
    ],
)
def test_count_params(answer, status, tmp_path):
    got = judged(q2, answer, count_params, tmp_path)
    assert got in status if isinstance(status, set) else got == status


# Question 3: the forward pass.


def forward_recursive(X, weights, biases):
    if len(weights) == 1:
        return np.einsum("nd,dm->nm", X, weights[0]) + biases[0]
    return forward_recursive(np.maximum(np.dot(X, weights[0]) + biases[0], 0), weights[1:], biases[1:])


def forward_indexed(X, weights, biases):
    H = np.asarray(X, dtype=np.float64)
    for layer in range(len(weights)):
        Z = H @ weights[layer] + biases[layer]
        H = Z if layer == len(weights) - 1 else Z * (Z > 0)
    return H


def forward_with(hidden=relu, output=lambda z: z, transpose=False, column_bias=False):
    def answer(X, weights, biases):
        H = X
        for layer, (W, b) in enumerate(zip(weights, biases, strict=True)):
            W = W.T if transpose else W
            b = b[:, None] if column_bias else b
            Z = H @ W + b
            H = output(Z) if layer == len(weights) - 1 else hidden(Z)
        return H

    return answer


def forward_popping_the_output(X, weights, biases):
    W_out, b_out = weights.pop(), biases.pop()
    H = X
    for W, b in zip(weights, biases, strict=True):
        H = relu(H @ W + b)
    return H @ W_out + b_out


def forward_skipping_single_layer(X, weights, biases):
    if len(weights) == 1:
        return relu(X @ weights[0] + biases[0])
    return forward(X, weights, biases)


def forward_one_hidden_only(X, weights, biases):
    return relu(X @ weights[0] + biases[0]) @ weights[-1] + biases[-1]


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (forward, Status.PASSED),
        (forward_recursive, Status.PASSED),
        (forward_indexed, Status.PASSED),
        (forward_with(), Status.PASSED),
        (forward_with(output=relu), LOST),  # ReLU on the output layer
        (forward_with(output=sigmoid), LOST),  # a sigmoid where logits are asked for
        (forward_with(transpose=True), LOST),  # transposed weights
        (forward_with(column_bias=True), LOST),  # bias along the batch axis
        (forward_with(hidden=lambda z: z), LOST),  # no ReLU on the hidden layers
        (lambda X, w, b: forward(X, w, b)[:, 0], LOST),  # shape (n,) instead of (n, outputs)
        (forward_one_hidden_only, LOST),  # ignores the middle layers of deeper networks
        (lambda X, w, b: np.squeeze(forward(X, w, b)), LOST),  # a batch of one or a single output loses its axis
        (forward_with(hidden=lambda z: np.maximum(0.01 * z, z)), LOST),  # a leaky ReLU
        (lambda X, w, b: forward(relu(X), w, b), LOST),  # ReLU on the inputs as well
        (forward_popping_the_output, LOST),  # takes the output layer off the caller's lists
        (forward_skipping_single_layer, LOST),  # a network of one layer gets a ReLU
        (lambda X, w, b: [row for row in forward(X, w, b)], Status.FAILED),  # a list of rows: passed before
    ],
)
def test_forward(answer, status, tmp_path):
    got = judged(q3, answer, forward, tmp_path)
    assert got in status if isinstance(status, set) else got == status


def test_forward_visible_check_catches_relu_on_the_output():
    with pytest.raises(CheckFailed, match="the last layer returns logits"):
        q3.check(forward_with(output=relu))


# Question 4: probabilities.


def proba_via_exp(X, weights, biases):
    z = forward_indexed(X, weights, biases).reshape(-1)
    return np.exp(z) / (1.0 + np.exp(z))


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (predict_proba, Status.PASSED),
        (proba_via_exp, Status.PASSED),
        (lambda X, w, b: 0.5 * (1.0 + np.tanh(forward_recursive(X, w, b).ravel() / 2.0)), Status.PASSED),
        (lambda X, w, b: list(predict_proba(X, w, b)), Status.FAILED),  # a list, not an array (accepted before)
        (lambda X, w, b: [float(p) for p in predict_proba(X, w, b)], Status.FAILED),  # passed before
        (lambda X, w, b: sigmoid(sigmoid(forward(X, w, b)[:, 0])), LOST),  # the sigmoid applied twice
        (lambda X, w, b: sigmoid(relu(forward(X, w, b)[:, 0])), LOST),  # ReLU on the output layer
        (lambda X, w, b: sigmoid(forward(X, w, b)), LOST),  # shape (n, 1) instead of (n,)
        (lambda X, w, b: forward(X, w, b)[:, 0], LOST),  # logits, not probabilities
        (lambda X, w, b: (forward(X, w, b)[:, 0] > 0).astype(float), LOST),  # labels, not probabilities
        (lambda X, w, b: sigmoid(forward_with(transpose=True)(X, w, b)[:, 0]), LOST),  # transposed weights
        (lambda X, w, b: np.squeeze(sigmoid(forward(X, w, b))), LOST),  # a batch of one becomes a number
        (lambda X, w, b: sigmoid(forward(X, w, b)).flatten(), Status.PASSED),
        (lambda X, w, b: np.exp(-np.logaddexp(0, -forward(X, w, b)[:, 0])), Status.PASSED),
        (lambda X, w, b: sigmoid(forward(X, w, b)[0]), LOST),  # the first example, not the first column
    ],
)
def test_predict_proba(answer, status, tmp_path):
    got = judged(q4, answer, predict_proba, tmp_path)
    assert got in status if isinstance(status, set) else got == status


def test_predict_proba_visible_check_explains_the_trailing_axis():
    q4.checks[1].run(predict_proba)
    with pytest.raises(CheckFailed, match=r"\[:, 0\]"):
        q4.checks[1].run(lambda X, w, b: sigmoid(forward(X, w, b)))


# Question 5: hand-set weights for max(x1, x2).


def max_network_symmetric():
    # max = (a + b)/2 + |a - b|/2 with four units: relu(a + b), relu(-a - b), relu(a - b), relu(b - a).
    W1 = [[1.0, -1.0, 1.0, -1.0], [1.0, -1.0, -1.0, 1.0]]
    return [W1, [[0.5], [-0.5], [0.5], [0.5]]], [[0.0] * 4, [0.0]]


def max_network_scaled_and_permuted():
    # relu(-3 x2), relu(2 (x1 - x2)), relu(x2), and a dead fourth unit; the output undoes the scales.
    W1 = np.array([[0.0, 2.0, 0.0, 0.0], [-3.0, -2.0, 1.0, 0.0]])
    b1 = np.array([0.0, 0.0, 0.0, -1.0])
    W2 = np.array([[-1.0 / 3.0], [0.5], [1.0], [7.0]])
    return (W1, W2), (b1, np.array([0.0]))


def max_network_deeper():
    weights, biases = max_network()
    identity = np.eye(3)
    return [weights[0], identity, weights[1]], [biases[0], np.zeros(3), biases[1]]


def max_transposed():
    weights, biases = max_network()
    return [weights[0].T, weights[1]], biases


def max_without_pass_through():
    # relu(x1 - x2) + relu(x2): right only where x2 >= 0.
    return [np.array([[1.0, 0.0], [-1.0, 1.0]]), np.array([[1.0], [1.0]])], [np.zeros(2), np.zeros(1)]


def max_flat_output():
    weights, biases = max_network()
    return [weights[0], weights[1][:, 0]], biases


def max_bias_of_shape_units_by_one():
    weights, biases = max_network()
    return weights, [biases[0].reshape(-1, 1), biases[1]]


def max_with_a_floor(floor=1000.0):
    # relu(x1 - x2) + relu(x2 + floor) - floor: two units, but x2 passes through only where x2 > -floor.
    return [np.array([[1.0, 0.0], [-1.0, 1.0]]), np.array([[1.0], [1.0]])], [np.array([0.0, floor]), np.array([-floor])]


def max_network_through_x1():
    # max = x1 + relu(x2 - x1), with x1 = relu(x1) - relu(-x1).
    W1 = np.array([[-1.0, 1.0, -1.0], [1.0, 0.0, 0.0]])
    return [W1, np.array([[1.0], [1.0], [-1.0]])], [np.zeros(3), np.zeros(1)]


def max_almost():
    weights, biases = max_network()
    return weights, [biases[0], np.array([1e-3])]


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (max_network, Status.PASSED),
        (max_network_symmetric, Status.PASSED),
        (max_network_scaled_and_permuted, Status.PASSED),
        (max_network_deeper, Status.PASSED),
        (max_network_through_x1, Status.PASSED),
        (max_with_a_floor, Status.FAILED),  # passed before: every hidden point had x2 > -1000
        (lambda: max_with_a_floor(100.0), Status.FAILED),  # passed before: the uniform points stopped at -100
        (max_transposed, Status.FAILED),  # transposed first layer
        (max_without_pass_through, Status.FAILED),  # wrong for negative inputs
        (max_flat_output, Status.FAILED),  # W2 of shape (3,) instead of (3, 1)
        (max_almost, Status.FAILED),  # off by a little everywhere
        (lambda: (np.ones((2, 3)), np.ones(3)), LOST),  # not lists of layers
        (lambda: 42, LOST),
        (max_bias_of_shape_units_by_one, Status.FAILED),  # b1 as a column
    ],
)
def test_max_network(answer, status, tmp_path):
    got = judged(q5, answer, max_network, tmp_path)
    assert got in status if isinstance(status, set) else got == status


def test_max_network_visible_check_names_a_transposed_layer():
    q5.check(max_network)
    with pytest.raises(CheckFailed, match="transposed"):
        q5.check(max_transposed)
    with pytest.raises(CheckFailed, match=r"at x = \(-3, -2\) it outputs 0"):
        q5.check(max_without_pass_through)


@pytest.mark.parametrize(
    "junk",
    [
        np.array([]),
        np.array([np.nan, 1.0]),
        np.array([2.0, 2.0, 2.0, 1e30, 1.0]),
        np.array([1.0, 1.0, 1.0, 3.0, 5.0]),
        np.array([2.0, 2.0, 2.0, 2.0, 3.0, 1.0, 2.0]),
        np.random.default_rng(0).normal(size=50),
        np.full(20, np.inf),
    ],
)
def test_max_network_judge_survives_malformed_data(junk):
    problem = _computes_max((), junk)
    assert isinstance(problem, str) and problem


def test_max_network_hidden_message_names_no_hidden_point():
    hidden = _computes_max((), _pack_network(max_with_a_floor()))
    assert hidden.startswith("a network that is wrong on") and "x =" not in hidden
    with pytest.raises(CheckFailed, match="at x = "):
        q5.check(max_with_a_floor)


def test_max_network_packing_round_trips_through_the_channel():
    packed = encode(_pack_network(max_network_symmetric()))
    assert packed["type"] == "array"
    assert _computes_max((), np.asarray(packed["data"])) is None


def requirement_named(question, answer, key, tmp_path):
    """The id of the requirement the judge names for a failing answer (its message leads with its text)."""
    return missed(question, {"answer": answer}, key, tmp_path)["answer"]


@pytest.mark.parametrize(
    ("question", "answer", "key", "requirement"),
    [
        (q1, lambda X, W, b: np.squeeze(X @ W + b), dense, "shape"),
        (q1, lambda X, W, b: relu(X @ W + b), dense, "value"),
        (q2, count_by_popping, count_params, "unchanged"),
        (q2, lambda s: sum(a * b for a, b in zip(s[:-1], s[1:], strict=True)), count_params, "value"),
        (q2, lambda s: float(count_params(s)), count_params, "integer"),
        (q1, lambda X, W, b: [x @ W + b for x in X], dense, "shape"),
        (q4, lambda X, w, b: list(predict_proba(X, w, b)), predict_proba, "shape"),
        (q3, lambda X, w, b: np.squeeze(forward(X, w, b)), forward, "shape"),
        (q3, forward_with(output=relu), forward, "value"),
        (q3, forward_skipping_single_layer, forward, "depth"),
        (q3, forward_popping_the_output, forward, "unchanged"),
        (q4, lambda X, w, b: np.squeeze(sigmoid(forward(X, w, b))), predict_proba, "shape"),
        (q4, lambda X, w, b: sigmoid(sigmoid(forward(X, w, b)[:, 0])), predict_proba, "value"),
        (q5, max_flat_output, max_network, "shapes"),
        (q5, max_without_pass_through, max_network, "max"),
    ],
)
def test_failures_name_the_requirement_missed(question, answer, key, requirement, tmp_path):
    assert requirement_named(question, answer, key, tmp_path) == requirement


def test_count_params_visible_check_asks_for_an_integer():
    with pytest.raises(CheckFailed, match="a count of parameters is an integer"):
        q2.check(lambda s: float(count_params(s)))
