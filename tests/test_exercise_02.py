"""Exercise 02: other correct answers score full marks, the common mistakes lose the question's points."""

import numpy as np
import pytest
from judging import judge_answer

from grader.outcomes import Status
from keras_course.checks import CheckFailed, NotAttempted
from keras_course.exercises import load_exercise

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
def list_of_rows_softmax(z):
    rows = []
    for row in z:
        exps = np.exp(row - row.max())
        rows.append(exps / exps.sum())
    return rows


def float32_bce(p, y, epsilon=EPSILON):
    p32, y32 = np.asarray(p, dtype=np.float32), np.asarray(y, dtype=np.float32)
    return binary_cross_entropy(p32, y32, np.float32(epsilon))


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


def in_place_sigmoid_derivative(z):
    z = np.asarray(z)
    np.negative(z, out=z)  # writes -z into the caller's array
    s = 1 / (1 + np.exp(z))
    return s * (1 - s)


def in_place_leaky_derivative(z, alpha=0.1):
    z[z > 0] = 1.0  # the caller's z becomes the answer
    z[z <= 0] = alpha
    return z


def in_place_softmax(z):
    z -= np.max(z, axis=-1, keepdims=True)  # shifts the caller's logits
    exps = np.exp(z)
    return exps / np.sum(exps, axis=-1, keepdims=True)


def whole_batch_softmax(z):
    exps = np.exp(z - z.max())
    return exps / exps.sum()  # one distribution over every entry of the batch


def in_place_clip_bce(p, y, epsilon=EPSILON):
    np.clip(p, epsilon, 1 - epsilon, out=p)  # clips the caller's predictions
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def in_place_clip_cce(p, y_one_hot, epsilon=EPSILON):
    np.clip(p, epsilon, 1 - epsilon, out=p)
    return -np.mean(np.sum(y_one_hot * np.log(p), axis=-1))


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
            "in float32": (lambda z: sigmoid_derivative(np.float32(z)), True),
            "writes -z into z": (in_place_sigmoid_derivative, False),
            "squeezed": (lambda z: np.squeeze(sigmoid_derivative(z)), False),
            "flattened": (lambda z: np.ravel(sigmoid_derivative(z)), False),
            "tanh's derivative": (lambda z: 1 - np.tanh(z) ** 2, False),
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
            "ones_like with a mask": (lambda z, alpha=0.1: np.where(np.asarray(z) <= 0, alpha, np.ones_like(z)), True),
            "default alpha 0.01": (lambda z, alpha=0.01: np.where(z > 0, 1.0, alpha), False),
            "default alpha 0.3 (Keras's)": (lambda z, alpha=0.3: np.where(z > 0, 1.0, alpha), False),
            "writes into z": (in_place_leaky_derivative, False),
            "flattened list comprehension": (
                lambda z, alpha=0.1: np.array([1.0 if v > 0 else alpha for v in np.ravel(z)]),
                False,
            ),
            "squeezed": (lambda z, alpha=0.1: np.squeeze(np.where(z > 0, 1.0, alpha)), False),
            "a list": (lambda z, alpha=0.1: np.where(z > 0, 1.0, alpha).tolist(), False),  # passed before
            "np.maximum of the sign": (lambda z, alpha=0.1: np.maximum(np.sign(z), alpha), True),
        },
    ),
    "q3": (
        q3,
        softmax,
        {
            "log-sum-exp": (log_sum_exp_softmax, True),
            "transposed": (transposed_softmax, True),
            "in float32": (lambda z: softmax(z.astype(np.float32)), True),
            "a list of rows": (list_of_rows_softmax, False),  # passed before: a list of rows encodes like an array
            "one row at a time": (lambda z: np.array(list_of_rows_softmax(z)), True),
            "no max subtraction": (naive_softmax, False),
            "softmax over the batch axis": (batch_axis_softmax, False),
            "one max for the whole batch": (global_max_softmax, False),
            "sum without keepdims": (sum_without_keepdims_softmax, False),
            "scipy with axis=-1": (lambda z: __import__("scipy.special").special.softmax(z, axis=-1), True),
            "shifts z in place": (in_place_softmax, False),
            "squeezed": (lambda z: np.squeeze(softmax(z)), False),
            "one distribution for the whole batch": (whole_batch_softmax, False),
            "max without keepdims": (lambda z: softmax(z) if z.shape[0] != z.shape[1] else naive_softmax(z.T).T, False),
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
            "sum divided by n": (
                lambda p, y, epsilon=EPSILON: (
                    -np.sum(y * np.log(np.clip(p, epsilon, 1 - epsilon)) + (1 - y) * np.log(np.clip(1 - p, epsilon, 1)))
                    / len(p)
                ),
                True,
            ),
            "clips p in place": (in_place_clip_bce, False),
            "epsilon fixed at 1e-7": (lambda p, y, epsilon=EPSILON: binary_cross_entropy(p, y, 1e-7), False),
            "mean over axis 0": (
                lambda p, y, epsilon=EPSILON: (
                    -np.mean(
                        y * np.log(np.clip(p, epsilon, 1 - epsilon))
                        + (1 - y) * np.log(1 - np.clip(p, epsilon, 1 - epsilon)),
                        axis=0,
                    )
                ),
                False,
            ),
            "log base 10": (
                lambda p, y, epsilon=EPSILON: binary_cross_entropy(p, y, epsilon) / np.log(10),
                False,
            ),
            "in float32": (float32_bce, True),  # failed before: float32 rounds 1 - 1e-7 to 1 - 1.19e-7
            "epsilon halved": (lambda p, y, epsilon=EPSILON: binary_cross_entropy(p, y, epsilon / 2), False),
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
            "sum divided by len": (
                lambda p, y, epsilon=EPSILON: -np.sum(y * np.log(np.clip(p, epsilon, 1 - epsilon))) / len(p),
                True,
            ),
            "clips p in place": (in_place_clip_cce, False),
            "epsilon fixed at 1e-7": (lambda p, y, epsilon=EPSILON: categorical_cross_entropy(p, y, 1e-7), False),
            "mean with keepdims": (
                lambda p, y, epsilon=EPSILON: (
                    -np.mean(
                        np.sum(y * np.log(np.clip(p, epsilon, 1 - epsilon)), axis=-1, keepdims=True), keepdims=True
                    )
                ),
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
            "log-softmax form": (
                lambda z, y: (
                    (
                        np.exp(
                            z
                            - z.max(1, keepdims=True)
                            - np.log(np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True))
                        )
                        - y
                    )
                    / z.shape[0]
                ),
                True,
            ),
            "divided by K": (lambda z, y: (softmax(z) - y) / z.shape[1], False),
            "precedence: p - y / n": (lambda z, y: softmax(z) - y / len(z), False),
            "softmax that shifts z in place": (lambda z, y: (in_place_softmax(z) - y) / len(z), False),
            "squeezed": (lambda z, y: np.squeeze((softmax(z) - y) / len(z)), False),
            "a list of rows": (lambda z, y: list((softmax(z) - y) / len(z)), False),  # passed before
        },
    ),
}

CASES = [
    pytest.param(question, key, answer, correct, id=f"{name}-{label}")
    for name, (question, key, answers) in QUESTION_CASES.items()
    for label, (answer, correct) in answers.items()
]


def hidden_answer(question, answer):
    """What the hidden cell passes: question 1 hands over (sigmoid, sigmoid_derivative) together."""
    return (sigmoid, answer) if question is q1 and callable(answer) else answer


@pytest.mark.parametrize(("question", "key", "answer", "correct"), CASES)
def test_correct_answers_pass_and_mistakes_lose_the_points(question, key, answer, correct, tmp_path):
    status = judge_answer(question, hidden_answer(question, answer), hidden_answer(question, key), tmp_path)
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


def flipped_sigmoid(z):
    return 1.0 / (1.0 + np.exp(np.asarray(z, dtype=float)))  # the sign of z lost: sigma(-z)


@pytest.mark.parametrize(
    ("pair", "status"),
    [
        ((sigmoid, sigmoid_derivative), Status.PASSED),
        ((lambda z: 1 / (1 + np.exp(-np.asarray(z, dtype=float))), sigmoid_derivative), Status.PASSED),
        # sigma(-z) keeps s(1 - s) right, since the curve is symmetric: only the sigmoid's own probe sees it.
        ((flipped_sigmoid, lambda z: flipped_sigmoid(z) * (1 - flipped_sigmoid(z))), Status.FAILED),
        ((np.tanh, sigmoid_derivative), Status.FAILED),
    ],
)
def test_the_sigmoid_itself_is_judged_too(pair, status, tmp_path):
    assert judge_answer(q1, pair, (sigmoid, sigmoid_derivative), tmp_path) == status


def test_blank_answer_is_not_attempted(tmp_path):
    def stub(*args):
        raise NotImplementedError()

    with pytest.raises(NotAttempted):
        q3.check(stub)
    assert judge_answer(q3, stub, softmax, tmp_path) == Status.NOT_ATTEMPTED


def requirement_named(question, answer, key, tmp_path):
    """The id of the requirement the judge names for a failing answer."""
    from judging import _probe

    from grader.judge import _naming_requirement, split_items
    from grader.probe_verdicts import JudgeContext, judge_probe

    key_items = _probe(question, hidden_answer(question, key), tmp_path / "key")
    items = _probe(question, hidden_answer(question, answer), tmp_path / "student")
    for index, probe in enumerate(question.probes):
        outcome = judge_probe(probe, split_items(items, index), split_items(key_items, index), JudgeContext(tmp_path))
        if outcome.status is not Status.PASSED:
            named = _naming_requirement(question, probe, outcome)
            assert named.message.startswith(f"Not yet met: {question.requirement(named.requirement).text}.")
            return named.requirement
    return None


@pytest.mark.parametrize(
    ("question", "answer", "key", "requirement"),
    [
        (q1, lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, sigmoid_derivative, "finite"),
        (q1, in_place_sigmoid_derivative, sigmoid_derivative, "unchanged"),
        (q1, (flipped_sigmoid, sigmoid_derivative), (sigmoid, sigmoid_derivative), "sigmoid"),
        (q2, lambda z, alpha=0.1: np.where(z >= 0, 1.0, alpha), leaky_relu_derivative, "value"),
        (q2, lambda z, alpha=0.01: np.where(z > 0, 1.0, alpha), leaky_relu_derivative, "alpha"),
        (q2, lambda z, alpha=0.1: np.squeeze(np.where(z > 0, 1.0, alpha)), leaky_relu_derivative, "shape"),
        (q3, lambda z: np.squeeze(softmax(z)), softmax, "batches"),
        (q3, naive_softmax, softmax, "stable"),
        (q3, in_place_softmax, softmax, "unchanged"),
        (q3, list_of_rows_softmax, softmax, "rows"),
        (q2, lambda z, alpha=0.1: np.where(z > 0, 1.0, alpha).tolist(), leaky_relu_derivative, "shape"),
        (q4, lambda p, y, epsilon=EPSILON: binary_cross_entropy(p, y, 1e-7), binary_cross_entropy, "epsilon"),
        (q4, in_place_clip_bce, binary_cross_entropy, "unchanged"),
        (q5, lambda p, y, epsilon=EPSILON: categorical_cross_entropy(p, y) * len(p), categorical_cross_entropy, "mean"),
        (q6, lambda z, y: np.squeeze((softmax(z) - y) / len(z)), softmax_cross_entropy_gradient, "shape"),
    ],
)
def test_failures_name_the_requirement_missed(question, answer, key, requirement, tmp_path):
    assert requirement_named(question, answer, key, tmp_path) == requirement
