"""Exercise 02: other correct answers score full marks, the common mistakes lose the question's points."""

import numpy as np
import pytest
from judging import judge_answer

from grader.checks import CheckFailed, NotAttempted
from grader.exercises import load_exercise
from grader.outcomes import Status

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the mistakes overflow and divide by 0 on purpose

EXERCISE = load_exercise("02_activations_and_losses")
q1, q2, q3, q4, q5, q6 = EXERCISE.questions
EPSILON = 1e-7
LOST = {Status.FAILED, Status.ERROR}


# The instructor's answers, as in solutions/02_activations_and_losses.ipynb.
def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(np.asarray(z, dtype=float) / 2.0))


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def leaky_relu_derivative(z, alpha=0.1):
    return np.where(np.asarray(z) > 0, 1.0, alpha)


def softmax(z):
    exps = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return exps / np.sum(exps, axis=-1, keepdims=True)


def binary_cross_entropy(p, y, epsilon=EPSILON):
    p = np.clip(p, epsilon, 1.0 - epsilon)
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def categorical_cross_entropy(p, y_one_hot, epsilon=EPSILON):
    p = np.clip(p, epsilon, 1.0 - epsilon)
    return -np.mean(np.sum(y_one_hot * np.log(p), axis=-1))


def softmax_cross_entropy_gradient(z, y_one_hot):
    return (softmax(z) - y_one_hot) / z.shape[0]


# Other correct answers, written differently.
def textbook_sigmoid_derivative(z):
    s = 1 / (1 + np.exp(-z))  # overflows (with a warning) to the right limit, 0
    return s * (1 - s)


def symmetric_sigmoid_derivative(z):
    e = np.exp(-np.abs(z))  # never more than 1
    return e / (1 + e) ** 2


def log_sum_exp_softmax(z):
    top = z.max(axis=1, keepdims=True)
    log_sum = top + np.log(np.exp(z - top).sum(axis=1, keepdims=True))
    return np.exp(z - log_sum)


def transposed_softmax(z):
    exps = np.exp(z.T - z.max(axis=1))
    return (exps / exps.sum(axis=0)).T


def clip_inside_logs_bce(p, y, epsilon=EPSILON):
    per_example = np.where(y == 1, np.log(np.maximum(p, epsilon)), np.log(np.maximum(1 - p, epsilon)))
    return -per_example.mean()


def true_class_cce(p, y_one_hot, epsilon=EPSILON):
    picked = np.sum(p * y_one_hot, axis=1)  # the probability of the true class, one per example
    return float(-np.log(np.maximum(picked, epsilon)).mean())


def in_place_gradient(z, y_one_hot):
    grad = log_sum_exp_softmax(z)
    grad[y_one_hot == 1] -= 1.0
    return grad / len(z)


# Mistakes.
def naive_softmax(z):
    exps = np.exp(z)
    return exps / exps.sum(axis=-1, keepdims=True)


def batch_axis_softmax(z):
    exps = np.exp(z - z.max(axis=0, keepdims=True))
    return exps / exps.sum(axis=0, keepdims=True)


def global_max_softmax(z):
    exps = np.exp(z - z.max())  # one shift for the whole batch: rows far below it underflow to 0 / 0
    return exps / exps.sum(axis=-1, keepdims=True)


def sum_without_keepdims_softmax(z):
    exps = np.exp(z - z.max(axis=-1, keepdims=True))
    return exps / exps.sum(axis=-1)  # broadcasts along the wrong axis, silently when n == K


def central_difference_slope(z, alpha=0.1, h=1e-6):
    def leaky(v):
        return np.where(v > 0, v, alpha * v)

    return (leaky(z + h) - leaky(z - h)) / (2 * h)


QUESTION_CASES = {
    "q1": (
        q1,
        sigmoid_derivative,
        {
            "textbook sigmoid": (textbook_sigmoid_derivative, True),
            "symmetric exp form": (symmetric_sigmoid_derivative, True),
            "through tanh": (lambda z: 0.25 * (1 - np.tanh(np.asarray(z) / 2) ** 2), True),
            "s(1 - s) applied to z": (lambda z: z * (1 - z), False),
            "exp(-z) / (1 + exp(-z))**2 overflows": (lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, False),
            "the sigmoid itself": (sigmoid, False),
        },
    ),
    "q2": (
        q2,
        leaky_relu_derivative,
        {
            "boolean arithmetic": (lambda z, alpha=0.1: (z > 0) + alpha * (z <= 0), True),
            "heaviside": (lambda z, alpha=0.1: alpha + (1 - alpha) * np.heaviside(z, 0.0), True),
            "slope 1 at z = 0": (lambda z, alpha=0.1: np.where(z >= 0, 1.0, alpha), False),
            "np.sign": (lambda z, alpha=0.1: np.where(z > 0, 1.0, alpha * np.sign(z)), False),
            "relu(z) / z": (lambda z, alpha=0.1: np.where(z > 0, z, alpha * z) / z, False),
            "central difference at 0": (central_difference_slope, False),
            "alpha fixed at 0.1": (lambda z, alpha=0.1: np.where(z > 0, 1.0, 0.1), False),
            "alpha * z instead of alpha": (lambda z, alpha=0.1: np.where(z > 0, 1.0, alpha * z), False),
        },
    ),
    "q3": (
        q3,
        softmax,
        {
            "log-sum-exp": (log_sum_exp_softmax, True),
            "transposed": (transposed_softmax, True),
            "in float32": (lambda z: softmax(z.astype(np.float32)), True),
            "no max subtraction": (naive_softmax, False),
            "softmax over the batch axis": (batch_axis_softmax, False),
            "one max for the whole batch": (global_max_softmax, False),
            "sum without keepdims": (sum_without_keepdims_softmax, False),
        },
    ),
    "q4": (
        q4,
        binary_cross_entropy,
        {
            "clip inside the logs": (clip_inside_logs_bce, True),
            "log(p + epsilon)": (
                lambda p, y, epsilon=EPSILON: -np.mean(y * np.log(p + epsilon) + (1 - y) * np.log(1 - p + epsilon)),
                True,
            ),
            "list result": (lambda p, y, epsilon=EPSILON: [binary_cross_entropy(p, y, epsilon)][0].item(), True),
            "no clipping": (lambda p, y, epsilon=EPSILON: -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), False),
            "clipped below only": (
                lambda p, y, epsilon=EPSILON: binary_cross_entropy(np.maximum(p, epsilon), y, 0.0),
                False,
            ),
            "sum over the batch": (lambda p, y, epsilon=EPSILON: binary_cross_entropy(p, y, epsilon) * p.size, False),
            "sign flipped": (lambda p, y, epsilon=EPSILON: -binary_cross_entropy(p, y, epsilon), False),
        },
    ),
    "q5": (
        q5,
        categorical_cross_entropy,
        {
            "true-class probabilities": (true_class_cce, True),
            "log(p + epsilon)": (
                lambda p, y, epsilon=EPSILON: -np.mean(np.sum(y * np.log(p + epsilon), axis=-1)),
                True,
            ),
            "clipped below only": (
                lambda p, y, epsilon=EPSILON: -np.mean(np.sum(y * np.log(np.maximum(p, epsilon)), axis=1)),
                True,
            ),
            "no clipping": (lambda p, y, epsilon=EPSILON: -np.mean(np.sum(y * np.log(p), axis=-1)), False),
            "sum over the batch": (
                lambda p, y, epsilon=EPSILON: categorical_cross_entropy(p, y, epsilon) * len(p),
                False,
            ),
            "mean over all n * K entries": (
                lambda p, y, epsilon=EPSILON: -np.mean(y * np.log(np.clip(p, epsilon, 1 - epsilon))),
                False,
            ),
            "classes summed on the batch axis": (
                lambda p, y, epsilon=EPSILON: -np.mean(np.sum(y * np.log(np.clip(p, epsilon, 1)), axis=0)),
                False,
            ),
        },
    ),
    "q6": (
        q6,
        softmax_cross_entropy_gradient,
        {
            "in place on a log-sum-exp softmax": (in_place_gradient, True),
            "not divided by n": (lambda z, y: softmax(z) - y, False),
            "divided by n * K": (lambda z, y: (softmax(z) - y) / z.size, False),
            "y - p": (lambda z, y: (y - softmax(z)) / len(z), False),
            "softmax without max subtraction": (lambda z, y: (naive_softmax(z) - y) / len(z), False),
            "softmax over the batch axis": (lambda z, y: (batch_axis_softmax(z) - y) / len(z), False),
        },
    ),
}

CASES = [
    pytest.param(question, key, answer, correct, id=f"{name}-{label}")
    for name, (question, key, answers) in QUESTION_CASES.items()
    for label, (answer, correct) in answers.items()
]


@pytest.mark.parametrize(("question", "key", "answer", "correct"), CASES)
def test_correct_answers_pass_and_mistakes_lose_the_points(question, key, answer, correct, tmp_path):
    status = judge_answer(question, answer, key, tmp_path)
    if correct:
        assert status == Status.PASSED
    else:
        assert status in LOST


@pytest.mark.parametrize("name", sorted(QUESTION_CASES))
def test_the_instructors_answers_pass_their_visible_checks(name):
    question, key, _ = QUESTION_CASES[name]
    question.check(key)


@pytest.mark.parametrize(
    ("question", "answer", "words"),
    [
        (q1, lambda z: z * (1 - z), "sigmoid(z), not to z itself"),
        (q2, lambda z, alpha=0.1: np.where(z >= 0, 1.0, alpha), "negative side"),
        (q3, naive_softmax, "Subtract each row's maximum"),
        (q3, batch_axis_softmax, "last axis"),
        (q4, lambda p, y, epsilon=EPSILON: -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), "clip"),
        (q5, lambda p, y, epsilon=EPSILON: categorical_cross_entropy(p, y) * len(p), "mean over the examples"),
        (q6, lambda z, y: softmax(z) - y, "divide p - y by n"),
    ],
)
def test_visible_checks_name_the_mistake(question, answer, words):
    with pytest.raises(CheckFailed) as info:
        question.check(answer)
    assert words in str(info.value)


def test_blank_answer_is_not_attempted(tmp_path):
    def stub(*args):
        raise NotImplementedError()

    with pytest.raises(NotAttempted):
        q3.check(stub)
    assert judge_answer(q3, stub, softmax, tmp_path) == Status.NOT_ATTEMPTED
