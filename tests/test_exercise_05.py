"""Exercise 05: different correct answers score full; each listed mistake loses the question's points."""

from __future__ import annotations

import numpy as np
import pytest
from judging import judge_answer

from grader.checks import CheckFailed
from grader.data import diabetes_split, digits_split
from grader.exercises import load_exercise
from grader.exercises.ex05_first_keras_model import DIABETES_PARAMS, DIGITS_LAYERS, DIGITS_PARAMS
from grader.heldout import make_heldout
from grader.outcomes import Status

EXERCISE = load_exercise("05_first_keras_model")
q1, q2, q3, q4, q5 = EXERCISE.questions


def judged(question, cases, key, tmp_path, scorer=None):
    """The status of each named answer, judged against the key answer."""
    return {
        name: judge_answer(question, answer, key, tmp_path / name.replace(" ", "_"), scorer)
        for name, answer in cases.items()
    }


# Question 1: normalization statistics from the training set only.


def standardize(x_train, x_test):
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    return (x_train - mean) / std, (x_test - mean) / std


def keras_standardize(x_train, x_test):
    import keras

    normalizer = keras.layers.Normalization()
    normalizer.adapt(x_train)
    return keras.ops.convert_to_numpy(normalizer(x_train)), keras.ops.convert_to_numpy(normalizer(x_test))


def sklearn_standardize(x_train, x_test):
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x_train)
    return scaler.transform(x_train).tolist(), scaler.transform(x_test).tolist()


def leaky_standardize(x_train, x_test):
    both = np.concatenate([x_train, x_test])
    mean, std = both.mean(axis=0), both.std(axis=0)
    return (x_train - mean) / std, (x_test - mean) / std


def each_on_its_own(x_train, x_test):
    return tuple((x - x.mean(axis=0)) / x.std(axis=0) for x in (x_train, x_test))


def one_mean_for_all(x_train, x_test):
    return (x_train - x_train.mean()) / x_train.std(), (x_test - x_train.mean()) / x_train.std()


def test_standardize_accepts_numpy_keras_and_sklearn_and_rejects_leakage(tmp_path):
    statuses = judged(
        q1,
        {
            "numpy": standardize,
            "keras layer": keras_standardize,
            "sklearn": sklearn_standardize,
            "adapted on train and test": leaky_standardize,
            "each split on its own": each_on_its_own,
            "one mean for all columns": one_mean_for_all,
            "sample deviation": lambda a, b: ((a - a.mean(0)) / a.std(0, ddof=1), (b - a.mean(0)) / a.std(0, ddof=1)),
            "only the test set": lambda a, b: standardize(a, b)[1],
        },
        standardize,
        tmp_path,
    )
    assert statuses == {
        "numpy": Status.PASSED,
        "keras layer": Status.PASSED,
        "sklearn": Status.PASSED,
        "adapted on train and test": Status.FAILED,
        "each split on its own": Status.FAILED,
        "one mean for all columns": Status.FAILED,
        "sample deviation": Status.FAILED,
        "only the test set": Status.ERROR,
    }


def test_standardize_visible_check_shows_the_leak():
    q1.check(keras_standardize)
    with pytest.raises(CheckFailed) as info:
        q1.check(leaky_standardize)
    assert "z_train" in str(info.value) and "x_train only" in str(info.value)


# Question 2: parameter counts with biases.


def count_dense_params(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def keras_count(sizes):
    import keras

    model = keras.Sequential([keras.Input(shape=(sizes[0],)), *[keras.layers.Dense(n) for n in sizes[1:]]])
    return model.count_params()


def test_count_params_accepts_keras_and_rejects_forgotten_biases(tmp_path):
    statuses = judged(
        q2,
        {
            "loop": count_dense_params,
            "built in keras": keras_count,
            "matrix style": lambda s: int(np.dot(s[:-1], s[1:]) + np.sum(s[1:])),
            "bias forgotten": lambda s: sum(a * b for a, b in zip(s[:-1], s[1:], strict=True)),
            "bias of the output only": lambda s: sum(a * b for a, b in zip(s[:-1], s[1:], strict=True)) + s[-1],
            "one bias per layer": lambda s: sum(a * b + 1 for a, b in zip(s[:-1], s[1:], strict=True)),
        },
        count_dense_params,
        tmp_path,
    )
    assert statuses == {
        "loop": Status.PASSED,
        "built in keras": Status.PASSED,
        "matrix style": Status.PASSED,
        "bias forgotten": Status.FAILED,
        "bias of the output only": Status.FAILED,
        "one bias per layer": Status.FAILED,
    }


def test_count_params_visible_check_names_the_bias():
    with pytest.raises(CheckFailed, match="should return 2410.*biases"):
        q2.check(lambda s: sum(a * b for a, b in zip(s[:-1], s[1:], strict=True)))


def test_parameter_limits_match_the_specification():
    assert DIGITS_PARAMS == count_dense_params(DIGITS_LAYERS) + 3  # Normalization(axis=None): mean, variance, count
    assert DIABETES_PARAMS == count_dense_params([10, 16, 1]) + 21  # per feature: 10 means, 10 variances, a count


# Question 3: output activation and loss.

PAIRS = {
    "binary": ("sigmoid", "binary_crossentropy"),
    "multiclass": ("softmax", "sparse_categorical_crossentropy"),
    "onehot": ("softmax", "categorical_crossentropy"),
    "regression": ("linear", "mse"),
}


def output_and_loss(task):
    return PAIRS[task]


def with_change(task, pair):
    return lambda t: pair if t == task else PAIRS[t]


def keras_objects(task):
    import keras

    return {
        "binary": [keras.activations.sigmoid, keras.losses.BinaryCrossentropy()],
        "multiclass": ("Softmax", keras.losses.SparseCategoricalCrossentropy()),
        "onehot": (keras.activations.softmax, keras.losses.categorical_crossentropy),
        "regression": (None, "mean_squared_error"),
    }[task]


def test_output_and_loss_accepts_other_spellings_and_rejects_mismatches(tmp_path):
    statuses = judged(
        q3,
        {
            "strings": output_and_loss,
            "keras objects": keras_objects,
            "mae for regression": with_change("regression", ("linear", "mae")),
            "sigmoid with a categorical loss": with_change("multiclass", ("sigmoid", "sparse_categorical_crossentropy")),
            "one-hot loss for integer labels": with_change("multiclass", ("softmax", "categorical_crossentropy")),
            "sparse loss for one-hot labels": with_change("onehot", ("softmax", "sparse_categorical_crossentropy")),
            "softmax on one unit": with_change("binary", ("softmax", "binary_crossentropy")),
            "sigmoid for regression": with_change("regression", ("sigmoid", "mse")),
            "cross-entropy for regression": with_change("regression", ("linear", "binary_crossentropy")),
            "not a pair": lambda t: "softmax",
        },
        output_and_loss,
        tmp_path,
    )
    expected = {name: Status.FAILED for name in statuses}
    expected.update({"strings": Status.PASSED, "keras objects": Status.PASSED, "mae for regression": Status.PASSED})
    assert statuses == expected


def test_output_and_loss_visible_check_rejects_sigmoid_for_digits():
    q3.check(keras_objects)
    with pytest.raises(CheckFailed, match="do not fit task 'multiclass'"):
        q3.check(with_change("multiclass", ("sigmoid", "sparse_categorical_crossentropy")))


# Held-out sets: made from the secret, not in the package, labels kept.


def test_heldout_sets_are_secret_perturbations_of_the_public_data():
    from sklearn.datasets import load_diabetes, load_digits

    digits, diabetes = load_digits(), load_diabetes(scaled=False)
    x, y = make_heldout("digits", b"one")
    assert x.shape == (1797, 64) and np.array_equal(y, digits.target)
    assert x.min() >= 0 and x.max() <= 16 and np.array_equal(x, np.rint(x))
    assert np.mean(x != digits.data) > 0.3
    assert not np.array_equal(x, make_heldout("digits", b"two")[0])
    assert np.array_equal(x, make_heldout("digits", b"one")[0])
    xd, yd = make_heldout("diabetes", b"one")
    assert xd.shape == (442, 10) and np.allclose(yd, diabetes.target)
    assert not np.any(np.isclose(xd[:, 0], diabetes.data[:, 0]))
    assert np.allclose(xd, diabetes.data, rtol=0.2)


# Questions 4 and 5: trained models, scored on held-out data.


def digits_model(norm_axis=None, normalize=True, output="softmax", epochs=30, learning_rate=1e-3, functional=False):
    import keras

    keras.utils.set_random_seed(0)
    x_train, x_val, y_train, y_val = digits_split()
    hidden = [keras.layers.Dense(32, activation="relu"), keras.layers.Dense(16, activation="relu")]
    layers = [keras.Input(shape=(64,))]
    if normalize:
        normalizer = keras.layers.Normalization(axis=norm_axis)
        normalizer.adapt(x_train)
        layers.append(normalizer)
    layers += [*hidden, keras.layers.Dense(10, activation=output)]
    if functional:
        inputs = layers[0]
        outputs = inputs
        for layer in layers[1:]:
            outputs = layer(outputs)
        model = keras.Model(inputs, outputs)
    else:
        model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=0)
    return model


@pytest.fixture(scope="module")
def right_digits():
    return digits_model()


@pytest.mark.slow
def test_digits_model_is_scored_on_heldout_data(right_digits, tmp_path, model_scorer):
    statuses = judged(
        q4,
        {
            "right": right_digits,
            "functional api, faster learning rate": digits_model(functional=True, learning_rate=1e-2, epochs=15),
            "unnormalized inputs": digits_model(normalize=False),
            "per-pixel statistics": digits_model(norm_axis=-1),
            "sigmoid output": digits_model(output="sigmoid"),
            "undertrained": digits_model(epochs=3),
        },
        right_digits,
        tmp_path,
        model_scorer,
    )
    assert statuses == {
        "right": Status.PASSED,
        "functional api, faster learning rate": Status.PASSED,
        "unnormalized inputs": Status.FAILED,
        "per-pixel statistics": Status.FAILED,
        "sigmoid output": Status.FAILED,
        "undertrained": Status.FAILED,
    }


@pytest.mark.slow
def test_digits_visible_checks_catch_per_pixel_statistics(right_digits):
    q4.check(right_digits)
    with pytest.raises(CheckFailed, match="axis=None"):
        q4.check(digits_model(norm_axis=-1))
    with pytest.raises(CheckFailed, match="'softmax'"):
        q4.check(digits_model(output="sigmoid", epochs=1))


def diabetes_model(normalize=True, output=None, learning_rate=0.05, loss="mse", functional=False):
    import keras

    keras.utils.set_random_seed(0)
    x_train, _, y_train, _ = diabetes_split()
    layers = [keras.Input(shape=(10,))]
    if normalize:
        normalizer = keras.layers.Normalization()
        normalizer.adapt(x_train)
        layers.append(normalizer)
    layers += [keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1, activation=output)]
    if functional:
        outputs = layers[0]
        for layer in layers[1:]:
            outputs = layer(outputs)
        model = keras.Model(layers[0], outputs)
    else:
        model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss)
    model.fit(x_train, y_train, epochs=30, batch_size=32, verbose=0)
    return model


@pytest.fixture(scope="module")
def right_diabetes():
    return diabetes_model()


@pytest.mark.slow
def test_diabetes_model_is_scored_on_heldout_data(right_diabetes, tmp_path, model_scorer):
    statuses = judged(
        q5,
        {
            "right": right_diabetes,
            "functional api, mae loss": diabetes_model(functional=True, loss="mae"),
            "unnormalized inputs": diabetes_model(normalize=False),
            "sigmoid output": diabetes_model(output="sigmoid"),
            "relu output": diabetes_model(output="relu"),
            "learning rate too small": diabetes_model(learning_rate=1e-3),
        },
        right_diabetes,
        tmp_path,
        model_scorer,
    )
    assert statuses == {
        "right": Status.PASSED,
        "functional api, mae loss": Status.PASSED,
        "unnormalized inputs": Status.FAILED,
        "sigmoid output": Status.FAILED,
        "relu output": Status.FAILED,
        "learning rate too small": Status.FAILED,
    }


@pytest.mark.slow
def test_diabetes_visible_check_compares_with_the_baseline(right_diabetes):
    q5.check(right_diabetes)
    with pytest.raises(CheckFailed, match="always predicting the training mean gives"):
        q5.check(diabetes_model(learning_rate=1e-3))
