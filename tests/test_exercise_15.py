"""Project 15, digit recognition: the loader, other correct answers score full, each listed mistake loses the points."""

from __future__ import annotations

import numpy as np
import pytest
from judging import judged, missed

from grader.heldout import make_heldout
from grader.outcomes import Status
from grader.references.digits import prepared
from keras_course.channel import PROBE_DIR_VARIABLE
from keras_course.exercises import load_exercise
from keras_course.exercises.ex15_digit_recognition import MAX_PARAMS, perturb_mnist
from keras_course.projects import digits

EXERCISE = load_exercise("15_digit_recognition")
q1, q2, q3 = EXERCISE.questions


def assert_statuses(found, wanted):
    assert found == wanted, {name: (found[name], wanted[name]) for name in wanted if found[name] != wanted[name]}


# The whole notebook (the solution full, the release zero, sandboxed) is graded by tests/test_course.py.


# The loader: the offline split, keras's mnist.npz read from small files written here, the flag under the grader.


def write_npz(path, n_train=6, n_test=4, **changes):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, size=(n_train, 28, 28)).astype(np.uint8),
        "y_train": rng.integers(0, 10, size=n_train).astype(np.uint8),
        "x_test": rng.integers(0, 256, size=(n_test, 28, 28)).astype(np.uint8),
        "y_test": rng.integers(0, 10, size=n_test).astype(np.uint8),
    }
    arrays.update(changes)
    np.savez(path, **{name: value for name, value in arrays.items() if value is not None})
    return arrays


def test_read_mnist_npz_returns_keras_arrays_as_uint8_images_and_int64_labels(tmp_path):
    written = write_npz(tmp_path / "mnist.npz")
    x_train, y_train, x_test, y_test = digits.read_mnist_npz(tmp_path / "mnist.npz")
    assert x_train.shape == (6, 28, 28) and x_test.shape == (4, 28, 28) and x_train.dtype == np.uint8
    assert y_train.dtype == np.int64 and np.array_equal(y_test, written["y_test"])
    assert np.array_equal(x_train, written["x_train"])


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"y_test": None}, "no array y_test"),
        ({"x_train": np.zeros((6, 28, 27), dtype=np.uint8)}, r"x_train has shape \(6, 28, 27\)"),
        ({"y_train": np.zeros(5, dtype=np.uint8)}, r"one label per image, \(6,\)"),
    ],
)
def test_read_mnist_npz_names_what_is_wrong_with_a_file(tmp_path, changes, message):
    write_npz(tmp_path / "bad.npz", **changes)
    with pytest.raises(ValueError, match=message):
        digits.read_mnist_npz(tmp_path / "bad.npz")


def test_full_flag_uses_the_downloaded_file_outside_the_grader(tmp_path, monkeypatch, capsys):
    write_npz(tmp_path / "mnist.npz", n_train=8, n_test=3)
    monkeypatch.delenv(PROBE_DIR_VARIABLE, raising=False)
    monkeypatch.setattr(digits, "_download_mnist", lambda: tmp_path / "mnist.npz")
    x_train, x_val, y_train, y_val = digits.load_digits(full=True)
    assert x_train.shape == (8, 28, 28) and x_val.shape == (3, 28, 28) and len(y_val) == 3
    assert "all of MNIST" in capsys.readouterr().out


def test_full_flag_falls_back_offline_under_the_grader_and_without_network(tmp_path, monkeypatch, capsys):
    def no_network():
        raise OSError("no network")

    monkeypatch.setattr(digits, "_download_mnist", no_network)
    monkeypatch.delenv(PROBE_DIR_VARIABLE, raising=False)
    assert digits.load_digits(full=True)[0].shape == (4000, 28, 28)
    assert "Could not download MNIST (OSError)" in capsys.readouterr().out
    monkeypatch.setenv(PROBE_DIR_VARIABLE, str(tmp_path))
    monkeypatch.setattr(digits, "_download_mnist", lambda: pytest.fail("a graded run must not download"))
    assert digits.load_digits(full=True)[1].shape == (500, 28, 28)
    assert capsys.readouterr().out.count("\n") == 1


def test_offline_split_is_stratified_seeded_and_keeps_500_digits_back():
    images, labels = digits.offline_digits()
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8 and np.all(labels[:500] == 0)  # sorted by class
    train, val, held_back = digits.split_indices(labels)
    assert len(set(train) | set(val) | set(held_back)) == 5000
    for part, per_class in [(train, 400), (val, 50), (held_back, 50)]:
        assert np.all(np.bincount(labels[part]) == per_class)
    assert np.array_equal(train, digits.split_indices(labels)[0]) and not np.all(np.diff(labels[train]) >= 0)
    x_train, x_val, y_train, y_val = digits.offline_split()
    assert np.array_equal(x_train, images[train]) and np.array_equal(y_val, labels[val])


def test_heldout_digits_are_secret_moved_copies_of_the_held_back_digits():
    x_back, y_back = digits.held_back_digits()
    x, y = make_heldout("mnist_moved_digits", b"one")
    assert x.shape == (1500, 28, 28, 1) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    assert np.array_equal(y, np.tile(y_back, 3))
    assert np.mean(np.all(x[:500] == prepared(x_back), axis=(1, 2, 3))) < 0.01
    assert np.array_equal(x, make_heldout("mnist_moved_digits", b"one")[0])
    assert not np.array_equal(x, make_heldout("mnist_moved_digits", b"two")[0])
    moved = perturb_mnist(np.full((50, 28, 28), 100, dtype=np.uint8), np.random.default_rng(0))
    assert moved.dtype == np.uint8 and moved.shape == (50, 28, 28) and (moved[:, 2:-2, 2:-2] > 0).mean() > 0.9


# Question 1: prepare images.


def prepare_images(images):
    return (np.asarray(images, dtype=np.float32) / 255.0)[..., np.newaxis]


def prepare_in_place(images):
    images = np.asarray(images)
    if images.dtype.kind == "f":
        images /= 255.0
        return images[..., None].astype(np.float32)
    return prepare_images(images)


def test_stored_visible_answer_is_what_the_reference_computes():
    from keras_course.exercises import ex15_digit_recognition as ex15

    assert prepared(ex15._Q1_IMAGES).tobytes() == ex15._Q1_PREPARED.tobytes()
    x_val = digits.offline_split()[1]
    assert np.array_equal(ex15._visible_moved_digits()[0], prepared(perturb_mnist(x_val, np.random.default_rng(2024))))


def test_prepare_images_accepts_other_forms_and_rejects_the_usual_slips(tmp_path):
    statuses = judged(
        q1,
        {
            "right": prepare_images,
            "expand_dims after astype": lambda x: np.expand_dims(np.asarray(x).astype("float32") / 255, -1),
            "keras rescaling": lambda x: np.asarray(x, dtype="float32").reshape(*np.shape(x), 1) * np.float32(1 / 255),
            "divided by the batch's maximum": lambda x: (np.asarray(x, dtype=np.float32) / np.max(x))[..., None],
            "float64": lambda x: (np.asarray(x) / 255.0)[..., None],
            "reshaped to 28 x 28": lambda x: (np.asarray(x, dtype=np.float32) / 255).reshape(-1, 28, 28, 1),
            "channel axis first": lambda x: (np.asarray(x, dtype=np.float32) / 255)[:, None],
            "batch of one squeezed": lambda x: np.squeeze(prepare_images(x), axis=0) if len(x) == 1 else prepare_images(x),
            "divided in place": prepare_in_place,
            "no channel axis": lambda x: np.asarray(x, dtype=np.float32) / 255,
        },
        prepare_images,
        tmp_path,
    )
    expected = {name: Status.FAILED for name in statuses}
    expected.update({"right": Status.PASSED, "expand_dims after astype": Status.PASSED, "keras rescaling": Status.PASSED})
    expected["reshaped to 28 x 28"] = Status.ERROR  # raises on the 9 x 13 images: an error loses the points too
    assert_statuses(statuses, expected)


def test_prepare_images_messages_name_the_requirement(tmp_path):
    found = missed(
        q1,
        {
            "divided by the batch's maximum": lambda x: (np.asarray(x, dtype=np.float32) / np.max(x))[..., None],
            "float64": lambda x: (np.asarray(x) / 255.0)[..., None],
            "channel axis first": lambda x: (np.asarray(x, dtype=np.float32) / 255)[:, None],
            "divided in place": prepare_in_place,
        },
        prepare_images,
        tmp_path,
    )
    assert found == {"divided by the batch's maximum": "value", "float64": "dtype", "channel axis first": "shape", "divided in place": "unchanged"}


# Question 2: the confusion matrix.


def confusion_loop(labels, probabilities):
    probabilities = np.asarray(probabilities)
    counts = np.zeros((probabilities.shape[1],) * 2, dtype=np.int64)
    for true, predicted in zip(np.asarray(labels), probabilities.argmax(axis=1), strict=True):
        counts[true, predicted] += 1
    return counts


def confusion_bincount(labels, probabilities, minlength=True):
    k = np.shape(probabilities)[1]
    labels = np.asarray(labels)
    flat = labels * k + np.argmax(probabilities, axis=1)
    counts = np.bincount(flat, minlength=k * k if minlength else 0)
    size = int(np.sqrt(len(counts))) if not minlength else k
    return counts[: size * size].reshape(size, size)


def confusion_by_largest_label(labels, probabilities):
    predicted = np.argmax(probabilities, axis=1)
    k = int(max(np.max(labels), predicted.max())) + 1
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (np.asarray(labels), predicted), 1)
    return counts


def confusion_sklearn(labels, probabilities):
    from sklearn.metrics import confusion_matrix

    k = np.shape(probabilities)[1]
    return confusion_matrix(labels, np.argmax(probabilities, axis=1), labels=np.arange(k))


def test_confusion_matrix_accepts_loops_bincount_and_sklearn_and_rejects_mistakes(tmp_path):
    statuses = judged(
        q2,
        {
            "loop": confusion_loop,
            "bincount": confusion_bincount,
            "sklearn with every class": confusion_sklearn,
            "sklearn without labels=": lambda y, p: __import__("sklearn.metrics").metrics.confusion_matrix(y, np.argmax(p, axis=1)),
            "sized by the largest label": confusion_by_largest_label,
            "rows and columns swapped": lambda y, p: confusion_loop(y, p).T,
            "float counts": lambda y, p: confusion_loop(y, p).astype(float),
            "probabilities above one half": lambda y, p: confusion_loop(y, (np.asarray(p) > 0.5).astype(float)),
            "a list of lists": lambda y, p: confusion_loop(y, p).tolist(),
        },
        confusion_loop,
        tmp_path,
    )
    expected = {name: Status.FAILED for name in statuses}
    expected.update({"loop": Status.PASSED, "bincount": Status.PASSED, "sklearn with every class": Status.PASSED})
    assert_statuses(statuses, expected)


def test_confusion_matrix_messages_name_the_requirement(tmp_path):
    found = missed(
        q2,
        {
            "sized by the largest label": confusion_by_largest_label,
            "rows and columns swapped": lambda y, p: confusion_loop(y, p).T,
            "float counts": lambda y, p: confusion_loop(y, p).astype(float),
        },
        confusion_loop,
        tmp_path,
    )
    assert found == {"sized by the largest label": "shape", "rows and columns swapped": "value", "float counts": "dtype"}


# Question 3: a CNN within the budget, scored on held-out moved digits.


def train_images(moved_copy=False, raw=False, seed=0):
    x_train, _, y_train, _ = digits.offline_split()
    if moved_copy:
        x_train = np.concatenate([x_train, perturb_mnist(x_train, np.random.default_rng(seed))])
        y_train = np.concatenate([y_train, y_train])
    images = np.asarray(x_train, dtype=np.float32)[..., None] if raw else prepared(x_train)
    return images, y_train


def compiled(model, loss="sparse_categorical_crossentropy", optimizer="adam"):
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return model


def fitted(model, epochs, batch_size=32, optimizer="adam", **data):
    compiled(model, optimizer=optimizer).fit(*train_images(**data), epochs=epochs, batch_size=batch_size, verbose=0)
    return model


def cnn(filters=(16, 32), first=(), output_activation="softmax", seed=0):
    """The solution's CNN, with switches for the mistakes."""
    import keras

    keras.utils.set_random_seed(seed)
    layers = [*first]
    for count in filters:
        layers += [keras.layers.Conv2D(count, 3, padding="same", activation="relu"), keras.layers.MaxPooling2D(2)]
    layers += [keras.layers.Flatten(), keras.layers.Dropout(0.3), keras.layers.Dense(10, activation=output_activation)]
    return keras.Sequential([keras.Input(shape=(28, 28, 1)), *layers])


def small_valid_cnn(seed=1):
    """Functional, 'valid' 5x5 then 3x3 convolutions of 8 and 16 filters, 5,386 parameters; Adam, 12 epochs."""
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(28, 28, 1))
    x = keras.layers.MaxPooling2D(2)(keras.layers.Conv2D(8, 5, activation="relu")(inputs))
    x = keras.layers.MaxPooling2D(2)(keras.layers.Conv2D(16, 3, activation="relu")(x))
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(x))
    return fitted(keras.Model(inputs, outputs), epochs=12)


def batchnorm_global_pooling(seed=2):
    """Three 'valid' convolutions, BatchNormalization and ReLU layers, GlobalAveragePooling2D; RMSprop, 8 epochs."""
    import keras

    keras.utils.set_random_seed(seed)
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(16, 3, use_bias=False), layers.BatchNormalization(), layers.ReLU(), layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, use_bias=False), layers.BatchNormalization(), layers.ReLU(), layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, activation="relu"), layers.GlobalAveragePooling2D(),
            layers.Dense(10), layers.Activation("softmax"),
        ]
    )  # fmt: skip
    return fitted(model, epochs=8, optimizer="rmsprop")


def dense_network(seed=0):
    """The walkthrough's kind of network on the images, 25,450 parameters, trained on moved copies too."""
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    return fitted(model, epochs=15, moved_copy=True)


@pytest.fixture(scope="module")
def right_cnn():
    return fitted(cnn(), epochs=6, batch_size=64, moved_copy=True, seed=1)


def test_the_solution_cnn_fits_the_budget():
    assert cnn().count_params() == 20_490 <= MAX_PARAMS


@pytest.mark.slow
def test_any_cnn_within_the_budget_that_reaches_the_goal_scores_full(right_cnn, tmp_path, model_scorer):
    statuses = judged(
        q3,
        {
            "right": right_cnn,
            "small valid convolutions, functional": small_valid_cnn(),
            "batch normalization and global pooling, RMSprop": batchnorm_global_pooling(),
        },
        right_cnn,
        tmp_path,
        model_scorer,
    )
    assert_statuses(statuses, {name: Status.PASSED for name in statuses})


@pytest.mark.slow
def test_cnn_mistakes_fail_on_the_requirement_they_break(right_cnn, tmp_path, model_scorer):
    import keras

    found = missed(
        q3,
        {
            "dense network": dense_network(),
            "raw grey levels for training": fitted(cnn(), epochs=3, batch_size=64, raw=True),
            "one epoch": fitted(cnn(seed=3), epochs=1, batch_size=128),
            "channels first": compiled(
                keras.Sequential([keras.Input((1, 28, 28)), keras.layers.Conv2D(8, 3, data_format="channels_first"),
                                  keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])  # fmt: skip
            ),
            "too many filters": compiled(cnn(filters=(32, 64))),
            "rescaling inside the model": compiled(cnn(first=(keras.layers.Rescaling(1.0),))),
            "random translation inside the model": compiled(cnn(first=(keras.layers.RandomTranslation(0.1, 0.1),))),
            "sigmoid outputs": compiled(cnn(output_activation="sigmoid")),
            "logits loss": compiled(cnn(), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)),
            "never compiled": cnn(),
        },
        right_cnn,
        tmp_path,
        model_scorer,
    )
    assert found == {
        "dense network": "layers",
        "raw grey levels for training": "heldout",
        "one epoch": "heldout",
        "channels first": "input",
        "too many filters": "params",
        "rescaling inside the model": "params",
        "random translation inside the model": "params",
        "sigmoid outputs": "layers",
        "logits loss": "compile",
        "never compiled": "compile",
    }


@pytest.mark.slow
def test_the_visible_check_asks_for_convolutions_and_accuracy(right_cnn):
    from keras_course.checks import CheckFailed

    q3.check(right_cnn)
    with pytest.raises(CheckFailed, match="0 Conv2D layer"):
        q3.check(compiled(_untrained_dense()))
    with pytest.raises(CheckFailed, match="accuracy"):
        q3.check(compiled(cnn()))


def _untrained_dense():
    import keras

    return keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
