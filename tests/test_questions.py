"""The authoring API: visible checks teach, hidden probes never pass outside the grader."""

import numpy as np
import pytest
from judging import judge_answer

from grader.outcomes import Status
from keras_course.channel import PROBE_DIR_VARIABLE
from keras_course.checks import CheckFailed, NotAttempted
from keras_course.exercises import load_exercise
from keras_course.question import ProbeOutsideGrader

EXERCISE = load_exercise("01_the_neuron")
q1, q2, q3 = EXERCISE.questions[:3]


def test_visible_check_says_expected_and_got_and_a_tip():
    with pytest.raises(CheckFailed) as info:
        q1.check(lambda x, w, b: x @ w)
    message = str(info.value)
    assert "returned -1.5" in message and "should return -1.25" in message and "bias" in message


def test_stub_is_reported_as_not_attempted():
    def stub(x, w, b):
        raise NotImplementedError()

    with pytest.raises(NotAttempted):
        q1.check(stub)


def test_hints_are_staged(capsys):
    q2.hint()
    q2.hint()
    q2.hint()
    out = capsys.readouterr().out
    assert "Hint 1 of 2" in out and "Hint 2 of 2" in out


def test_hidden_probe_refuses_to_run_outside_the_grader(monkeypatch):
    monkeypatch.delenv(PROBE_DIR_VARIABLE, raising=False)
    with pytest.raises(ProbeOutsideGrader, match="grader grade"):
        q1.probe(lambda x, w, b: x @ w + b)


def right_sum(x, w, b):
    return x @ w + b


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (right_sum, Status.PASSED),
        (lambda x, w, b: np.dot(x, w) + b, Status.PASSED),  # a different correct answer
        (lambda x, w, b: x @ w, Status.FAILED),  # bias forgotten
        (lambda x, w, b: (x @ w + b).tolist(), Status.FAILED),  # a list where the requirement asks for an array
        (lambda x, w, b: 1 / 0, Status.ERROR),
    ],
)
def test_weighted_sum_probe_is_judged_outside(answer, status, tmp_path):
    assert judge_answer(q1, answer, right_sum, tmp_path) == status


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_step_instead_of_sigmoid_fails(tmp_path):
    assert judge_answer(q2, lambda z: (np.asarray(z) > 0).astype(float), sigmoid, tmp_path) == Status.FAILED


def perceptron(x, y, epochs=20, learning_rate=1.0, signed=False, bias=True):
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(epochs):
        for xi, yi in zip(x, y, strict=True):
            low = -1 if signed else 0
            error = yi - (1 if xi @ w + b > 0 else low)
            w = w + learning_rate * error * xi
            b = b + (learning_rate * error if bias else 0.0)
    return w, b


def test_perceptron_mistakes_fail_and_variants_pass(tmp_path):
    def vectorized_style(x, y, epochs=20, learning_rate=1.0):
        w, b = perceptron(x, y, epochs, learning_rate)
        return w.astype(np.float32), np.float32(b)

    def weights_as_list(x, y, epochs=20, learning_rate=1.0):
        w, b = perceptron(x, y, epochs, learning_rate)
        return list(w), b  # the requirement asks for w as an array of shape (d,)

    cases = {
        "right": (perceptron, Status.PASSED),
        "variant": (vectorized_style, Status.PASSED),
        "w as a list": (weights_as_list, Status.FAILED),
        "signed labels": (lambda *a: perceptron(*a, signed=True), Status.FAILED),
        "no bias": (lambda *a: perceptron(*a, bias=False), Status.FAILED),
    }
    for name, (answer, status) in cases.items():
        sub = tmp_path / name.replace(" ", "_")
        sub.mkdir()
        assert judge_answer(q3, answer, perceptron, sub) == status, name


def logistic_model(hidden=0, activation="sigmoid", normalize=True, epochs=60):
    import keras

    from keras_course.data import breast_cancer_split

    keras.utils.set_random_seed(0)
    x_train, _, y_train, _ = breast_cancer_split()
    layers = [keras.Input(shape=(30,))]
    if normalize:
        normalizer = keras.layers.Normalization()
        normalizer.adapt(x_train)
        layers.append(normalizer)
    if hidden:
        layers.append(keras.layers.Dense(hidden, activation="relu"))
    layers.append(keras.layers.Dense(1, activation=activation))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    model.fit(x_train, y_train, epochs=epochs, verbose=0)
    return model


@pytest.mark.slow
def test_model_question_is_scored_on_heldout_data(tmp_path, model_scorer):
    q4 = EXERCISE.questions[3]
    right = logistic_model()
    cases = {
        "right": (right, Status.PASSED),
        "hidden layer": (logistic_model(hidden=8), Status.FAILED),  # not one neuron any more
        "linear output": (logistic_model(activation="linear", epochs=1), Status.FAILED),
        "untrained": (logistic_model(epochs=0), Status.FAILED),
    }
    for name, (model, status) in cases.items():
        assert judge_answer(q4, model, right, tmp_path / name.replace(" ", "_"), model_scorer) == status, name
