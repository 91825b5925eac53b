"""Exercise 01, the neuron: other correct answers score full marks, realistic mistakes lose the question's points.

The authoring-API tests that use exercise 01 as their example live in tests/test_questions.py.
"""

import numpy as np
import pytest
from judging import failure_message, judged

from grader.outcomes import Status
from keras_course.exercises import load_exercise

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # some mistakes overflow on purpose

EXERCISE = load_exercise("01_the_neuron")
q1, q2, q3, q4 = EXERCISE.questions
LOST = {Status.FAILED, Status.ERROR}


# The instructor's answers, as in solutions/01_the_neuron.ipynb.


def weighted_sum(x, w, b):
    return x @ w + b


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def train_perceptron(x, y, epochs=20, learning_rate=1.0):
    w = np.zeros(x.shape[1])
    b = 0.0
    for _ in range(epochs):
        mistakes = 0
        for xi, yi in zip(x, y, strict=True):
            prediction = 1 if xi @ w + b > 0 else 0
            error = yi - prediction
            w = w + learning_rate * error * xi
            b = b + learning_rate * error
            mistakes += error != 0
        if mistakes == 0:
            break
    return w, b


# Question 1: the weighted sum.


def weighted_sum_in_place(x, w, b):
    x *= w  # writes the products into the caller's array
    return x.sum(axis=-1) + b


def weighted_sum_rows_as_list(x, w, b):
    if x.ndim == 1:
        return float(x @ w) + b
    return [float(row @ w) + b for row in x]  # one number per row, but a list


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        (weighted_sum, True),
        (lambda x, w, b: np.dot(x, w) + b, True),
        (lambda x, w, b: np.einsum("...d,d->...", x, w) + b, True),
        (lambda x, w, b: (x * w).sum(axis=-1) + b, True),
        (lambda x, w, b: np.matmul(x, w) + b if x.ndim == 2 else float(x @ w + b), True),
        (lambda x, w, b: np.squeeze(x @ w + b), False),  # a batch of one loses its axis
        (lambda x, w, b: (x @ w + b).reshape(-1, 1), False),  # shape (n, 1) where (n,) is asked
        (lambda x, w, b: x @ w.reshape(-1, 1) + b, False),  # w as a column: (n, 1) and (1,)
        (lambda x, w, b: w @ x + b, False),  # runs only on square batches, and wrong there
        (lambda x, w, b: np.sum(x * w + b, axis=-1), False),  # the bias added to every product
        (weighted_sum_in_place, False),  # writes into x
        (lambda x, w, b: np.sum(x @ w) + b, False),  # one number for a whole batch
        (lambda x, w, b: x @ w, False),  # bias forgotten
        (lambda x, w, b: np.inner(x, w) + b, True),
        (weighted_sum_rows_as_list, False),  # a Python list where an array is asked: passed before
        (lambda x, w, b: (x @ w + b).tolist(), False),  # a list for a batch: passed before
    ],
)
def test_weighted_sum(answer, correct, tmp_path):
    status = judged(q1, answer, weighted_sum, tmp_path)
    assert status == Status.PASSED if correct else status in LOST


def test_weighted_sum_messages_name_the_requirement(tmp_path):
    message = failure_message(q1, lambda x, w, b: np.squeeze(x @ w + b), weighted_sum, tmp_path)
    assert message.startswith("Not yet met: returns one number for one example")
    message = failure_message(q1, weighted_sum_rows_as_list, weighted_sum, tmp_path)
    assert message.startswith("Not yet met: returns one number for one example")
    assert "where a NumPy array was expected" in message
    message = failure_message(q1, weighted_sum_in_place, weighted_sum, tmp_path)
    assert message.startswith("Not yet met: leaves x and w unchanged.")


# Question 2: the sigmoid.


def sigmoid_in_place(z):
    z = np.asarray(z)
    z *= -1  # negates the caller's array
    return 1 / (1 + np.exp(z))


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        (sigmoid, True),
        (lambda z: 0.5 * (1 + np.tanh(np.asarray(z) / 2)), True),
        (lambda z: np.exp(z) / (1 + np.exp(z)), True),
        (lambda z: 1 / (1 + np.exp(-np.asarray(z, dtype=np.float32))), True),
        (lambda z: (np.asarray(z) > 0).astype(float), False),  # the step
        (lambda z: 1 / (1 + np.exp(z)), False),  # sign of the exponent flipped
        (sigmoid_in_place, False),  # writes into z
        (lambda z: np.squeeze(1 / (1 + np.exp(-np.asarray(z)))), False),  # drops axes of length one
        (lambda z: np.ravel(sigmoid(np.asarray(z))), False),  # flattens
        (lambda z: np.tanh(z), False),  # another squashing function
    ],
)
def test_sigmoid(answer, correct, tmp_path):
    status = judged(q2, answer, sigmoid, tmp_path)
    assert status == Status.PASSED if correct else status in LOST


# Question 3: the perceptron.


def perceptron_with(
    predict_at_zero=0,
    low=0,
    use_rate=True,
    bias=True,
    until_converged=False,
    per_epoch=False,
    order=None,
    init=None,
    column=False,
):
    """The perceptron with one thing changed; the defaults are the instructor's answer."""

    def answer(x, y, epochs=20, learning_rate=1.0):
        rate = learning_rate if use_rate else 1.0
        w = np.zeros(x.shape[1]) if init is None else init(x.shape[1])
        b = 0.0
        epoch = 0
        while epoch < epochs or until_converged:
            epoch += 1
            mistakes = 0
            step_w, step_b = np.zeros_like(w), 0.0
            indices = order(len(x)) if order else range(len(x))
            for i in indices:
                z = x[i] @ w + b
                prediction = 1 if z > 0 or (z == 0 and predict_at_zero) else low
                error = y[i] - prediction
                mistakes += error != 0
                if per_epoch:
                    step_w, step_b = step_w + rate * error * x[i], step_b + rate * error
                else:
                    w, b = w + rate * error * x[i], b + (rate * error if bias else 0.0)
            if per_epoch:
                w, b = w + step_w, b + (step_b if bias else 0.0)
            if mistakes == 0 or epoch > 1000:
                break
        return (w.reshape(-1, 1) if column else w), b

    return answer


def perceptron_no_early_stop(x, y, epochs=20, learning_rate=1.0):
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(epochs):
        for xi, yi in zip(x, y, strict=True):
            if (np.dot(w, xi) + b > 0) != yi:
                error = yi - (np.dot(w, xi) + b > 0)
                w += learning_rate * error * xi  # in place on its own array: fine
                b += learning_rate * error
    return w, b


def perceptron_relabels_in_place(x, y, epochs=20, learning_rate=1.0):
    y[y == 0] = -1  # the {-1, 1} convention, written into the caller's labels
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(epochs):
        for xi, yi in zip(x, y, strict=True):
            if yi * (xi @ w + b) <= 0:
                w, b = w + learning_rate * yi * xi, b + learning_rate * yi
    return w, b


def perceptron_predicts_again_for_the_bias(x, y, epochs=20, learning_rate=1.0):
    def step(z):
        return 1 if z > 0 else 0

    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(epochs):
        for xi, yi in zip(x, y, strict=True):
            w = w + learning_rate * (yi - step(xi @ w + b)) * xi
            b = b + learning_rate * (yi - step(xi @ w + b))  # predicts with the new w: the update order is off
    return w, b


def perceptron_loops(x, y, epochs=20, learning_rate=1.0):
    d = len(x[0])
    w, b = [0.0] * d, 0.0
    for _ in range(epochs):
        for row, label in zip(x.tolist(), y.tolist(), strict=True):
            z = sum(wj * xj for wj, xj in zip(w, row, strict=True)) + b
            error = label - (1 if z > 0 else 0)
            w = [wj + learning_rate * error * xj for wj, xj in zip(w, row, strict=True)]
            b += learning_rate * error
    return np.array(w), b


def perceptron_bias_array(x, y, epochs=20, learning_rate=1.0):
    w, b = np.zeros(x.shape[1]), np.zeros(1)  # b an array of one element, where a number is asked for
    for _ in range(epochs):
        for xi, yi in zip(x, y, strict=True):
            error = yi - (1 if xi @ w + b[0] > 0 else 0)
            w, b = w + learning_rate * error * xi, b + learning_rate * error
    return w, b


def perceptron_weights_as_list(x, y, epochs=20, learning_rate=1.0):
    w, b = [0.0] * x.shape[1], 0.0
    for _ in range(epochs):
        for row, label in zip(x.tolist(), y.tolist(), strict=True):
            error = label - (1 if sum(wj * xj for wj, xj in zip(w, row, strict=True)) + b > 0 else 0)
            w = [wj + learning_rate * error * xj for wj, xj in zip(w, row, strict=True)]
            b += learning_rate * error
    return w, b  # w a Python list where an array is asked for


def perceptron_stops_when_all_right(x, y, epochs=20, learning_rate=1.0):
    """Checks the whole set before each epoch and stops when it is all right: no update is skipped."""
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(epochs):
        if np.array_equal((x @ w + b > 0).astype(int), y):
            break
        for xi, yi in zip(x, y, strict=True):
            error = yi - int(xi @ w + b > 0)
            w += learning_rate * error * xi
            b += learning_rate * error
    return w, b


def perceptron_augmented(x, y, epochs=20, learning_rate=1.0):
    """The bias as a last weight on a column of ones: the same rule, the same (w, b)."""
    x1 = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(x1.shape[1])
    for _ in range(epochs):
        for xi, yi in zip(x1, y, strict=True):
            w = w + learning_rate * (yi - np.heaviside(xi @ w, 0.0)) * xi
    return w[:-1], w[-1]


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        (train_perceptron, True),
        (perceptron_no_early_stop, True),
        (perceptron_augmented, True),
        (perceptron_bias_array, False),
        (perceptron_weights_as_list, False),  # passed before: shapes only were read
        (perceptron_stops_when_all_right, True),
        (perceptron_loops, True),
        (perceptron_with(), True),
        (perceptron_with(predict_at_zero=1), False),  # predicts 1 on the line
        (perceptron_with(low=-1), False),  # labels treated as {-1, 1}
        (perceptron_with(use_rate=False), False),  # learning rate ignored
        (perceptron_with(bias=False), False),  # bias never updated
        (perceptron_with(until_converged=True), False),  # epochs ignored: runs until no mistakes
        (perceptron_with(per_epoch=True), False),  # one update per epoch, not per example
        (perceptron_with(order=lambda n: np.random.permutation(n)), False),  # examples shuffled
        (perceptron_with(order=lambda n: range(n - 1)), False),  # the last example left out
        (perceptron_with(init=lambda d: np.random.normal(size=d)), False),  # random start
        (perceptron_with(column=True), False),  # w of shape (d, 1)
        (perceptron_relabels_in_place, False),  # writes into y
        (perceptron_predicts_again_for_the_bias, False),  # the bias updated with a second prediction
    ],
)
def test_perceptron(answer, correct, tmp_path):
    status = judged(q3, answer, train_perceptron, tmp_path)
    assert status == Status.PASSED if correct else status in LOST


def test_perceptron_messages_name_the_requirement(tmp_path):
    message = failure_message(q3, perceptron_with(predict_at_zero=1), train_perceptron, tmp_path)
    assert message.startswith("Not yet met: predicts 1 only when w · x + b > 0")
    message = failure_message(q3, perceptron_with(use_rate=False), train_perceptron, tmp_path)
    assert message.startswith("Not yet met: goes over the examples `epochs` times")
    message = failure_message(q3, perceptron_relabels_in_place, train_perceptron, tmp_path)
    assert message.startswith("Not yet met: leaves x and y unchanged.")
    for answer in (perceptron_bias_array, perceptron_with(column=True), perceptron_weights_as_list):
        message = failure_message(q3, answer, train_perceptron, tmp_path)
        assert message.startswith("Not yet met: returns the pair (w, b), with w an array of shape (d,) and b a number.")


def test_instructors_answers_pass_their_visible_checks():
    q1.check(weighted_sum)
    q2.check(sigmoid)
    q3.check(train_perceptron)


# Question 4: logistic regression in Keras (trains small models).


def logistic_model(
    build="sequential",
    loss="binary_crossentropy",
    adapt_on="train",
    hidden=0,
    optimizer=None,
    epochs=60,
):
    """Train a one-unit model on the breast cancer data; the defaults are the instructor's answer."""
    import keras

    from keras_course.data import breast_cancer_split

    keras.utils.set_random_seed(0)
    x_train, x_val, y_train, _ = breast_cancer_split()
    normalizer = keras.layers.Normalization()
    if adapt_on == "train":
        normalizer.adapt(x_train)
    elif adapt_on == "all":
        normalizer.adapt(np.concatenate([x_train, x_val]))
    elif adapt_on == "numpy":
        normalizer = keras.layers.Normalization(mean=x_train.mean(axis=0), variance=x_train.var(axis=0))
    inputs = keras.Input(shape=(30,))
    if build == "functional":
        h = normalizer(inputs)
        outputs = keras.layers.Dense(1, activation="sigmoid")(h)
        model = keras.Model(inputs, outputs)
    else:
        layers = [inputs, normalizer]
        if hidden:
            layers.append(keras.layers.Dense(hidden, activation="relu"))
        if build == "activation layer":
            layers += [keras.layers.Dense(1), keras.layers.Activation("sigmoid")]
        else:
            layers.append(keras.layers.Dense(1, activation="sigmoid"))
        model = keras.Sequential(layers)
    model.compile(optimizer=optimizer or keras.optimizers.Adam(0.01), loss=loss, metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=0)
    return model


def _normalization_rule():
    (rule,) = [r for r in q4.probes[0].requirements.rules if r.aspect == "preprocessing"]
    return rule


def _normalization_report(mean, variance):
    return {"all_layers": [{"class_name": "Normalization", "mean": list(mean), "variance": list(variance)}]}


def test_normalization_statistics_of_x_train_pass_whatever_the_variance_estimator():
    from keras_course.data import breast_cancer_split

    x_train, x_val, _, _ = breast_cancer_split()
    x_train, x_all = x_train.astype(float), np.concatenate([x_train, x_val]).astype(float)
    rule = _normalization_rule()
    assert rule.check(_normalization_report(x_train.mean(0), x_train.var(0))) is None
    assert rule.check(_normalization_report(x_train.mean(0), x_train.var(0, ddof=1))) is None  # pandas' .var()
    assert rule.check(_normalization_report(x_all.mean(0), x_all.var(0))) is not None  # adapted on all the data
    assert rule.check(_normalization_report(x_val.mean(0), x_val.var(0))) is not None  # adapted on x_val
    assert rule.check(_normalization_report(x_train[:300].mean(0), x_train[:300].var(0))) is not None  # a part


@pytest.mark.slow
def test_model_alternatives_pass_and_mistakes_fail(tmp_path, model_scorer):
    import keras

    key = logistic_model()
    alternatives = {
        "Dense(1) then Activation('sigmoid')": logistic_model(build="activation layer"),
        "functional, BinaryCrossentropy object, RMSprop": logistic_model(
            build="functional", loss=keras.losses.BinaryCrossentropy(), optimizer="rmsprop"
        ),
        "statistics passed to Normalization": logistic_model(adapt_on="numpy", loss="bce"),
    }
    for name, model in alternatives.items():
        assert judged(q4, model, key, tmp_path, model_scorer) == Status.PASSED, name
    mistakes = {
        "mean squared error loss": (logistic_model(loss="mse"), "is compiled with the binary cross-entropy loss"),
        "normalization adapted on all the data": (logistic_model(adapt_on="all"), "adapts the Normalization layer"),
        "normalization never adapted": (logistic_model(adapt_on="none", epochs=5), "adapts the Normalization layer"),
        "a hidden layer": (logistic_model(hidden=8, epochs=20), "has a Normalization layer, then one Dense unit"),
        "from_logits on a sigmoid output": (
            logistic_model(loss=keras.losses.BinaryCrossentropy(from_logits=True), epochs=20),
            "is compiled with the binary cross-entropy loss",
        ),
    }
    for name, (model, words) in mistakes.items():
        assert judged(q4, model, key, tmp_path, model_scorer) in LOST, name
        assert failure_message(q4, model, key, tmp_path, model_scorer).startswith(f"Not yet met: {words}"), name


@pytest.mark.slow
def test_model_visible_check_accepts_an_activation_layer():
    q4.check(logistic_model(build="activation layer", epochs=30))
