"""Exercise 09: different correct answers score full; each listed mistake loses the question's points."""

from __future__ import annotations

import numpy as np
import pytest
from judging import judge_answer

from grader.channel import encode
from grader.checks import CheckFailed
from grader.exercises import load_exercise
from grader.exercises.ex09_augmentation_and_transfer import (
    NEW_CLASSES,
    BackboneProbe,
    InferenceProbe,
    digit_images,
    pretrained_backbone,
    shift_images,
    transfer_data,
)
from grader.heldout import make_heldout
from grader.outcomes import Status

EXERCISE = load_exercise("09_augmentation_and_transfer")
q1, q2, q3, q4, q5 = EXERCISE.questions


def judged(question, cases, key, tmp_path, scorer=None):
    """The status of each named answer, judged against the key answer."""
    return {
        name: judge_answer(question, answer, key, tmp_path / name.replace(" ", "_"), scorer)
        for name, answer in cases.items()
    }


# Question 1: keep some classes and renumber them.


def class_subset(x, y, classes):
    keep = np.isin(y, classes)
    position = {label: index for index, label in enumerate(classes)}
    return x[keep], np.array([position[label] for label in y[keep]])


def loop_subset(x, y, classes):
    rows = [i for i, label in enumerate(y) if label in classes]
    return np.stack([x[i] for i in rows]), [list(classes).index(y[i]) for i in rows]


def test_class_subset_accepts_loops_and_rejects_labels_kept_or_shifted(tmp_path):
    statuses = judged(
        q1,
        {
            "numpy": class_subset,
            "plain loop": loop_subset,
            "old labels kept": lambda x, y, c: (x[np.isin(y, c)], y[np.isin(y, c)]),
            "minus the smallest class": lambda x, y, c: (x[np.isin(y, c)], y[np.isin(y, c)] - min(c)),
            "sorted positions": lambda x, y, c: (x[np.isin(y, c)], np.searchsorted(np.sort(c), y[np.isin(y, c)])),
        },
        class_subset,
        tmp_path,
    )
    assert statuses == {
        "numpy": Status.PASSED,
        "plain loop": Status.PASSED,
        "old labels kept": Status.FAILED,
        "minus the smallest class": Status.FAILED,
        "sorted positions": Status.FAILED,
    }


def test_class_subset_visible_check_explains_the_new_numbers():
    q1.check(loop_subset)
    with pytest.raises(CheckFailed, match=r"should be \[0, 1, 0\]"):
        q1.check(lambda x, y, c: (x[np.isin(y, c)], y[np.isin(y, c)]))


# Question 2: a random shift that keeps the label.


def random_shift(images, max_shift, rng):
    return shift_images(images, rng.integers(-max_shift, max_shift + 1, size=(len(images), 2)))


def padded_shift(images, max_shift, rng):
    m = max_shift
    padded = np.pad(images, ((0, 0), (m, m), (m, m)))
    h, w = images.shape[1:]
    out = np.empty_like(images)
    for i in range(len(images)):
        dy, dx = rng.integers(-m, m + 1, size=2)
        out[i] = padded[i, m - dy : m - dy + h, m - dx : m - dx + w]
    return out


def rolled(images, max_shift, rng):
    shifts = rng.integers(-max_shift, max_shift + 1, size=(len(images), 2))
    return np.stack([np.roll(im, tuple(s), axis=(0, 1)) for im, s in zip(images, shifts, strict=True)])


def one_shift_for_all(images, max_shift, rng):
    dy, dx = rng.integers(-max_shift, max_shift + 1, size=2)
    return shift_images(images, np.tile([dy, dx], (len(images), 1)))


def test_random_shift_accepts_padding_and_rejects_wrapping_and_wrong_directions(tmp_path):
    statuses = judged(
        q2,
        {
            "slices": random_shift,
            "pad and crop, one draw per image": padded_shift,
            "np.roll": rolled,
            "moved the other way": lambda im, m, rng: random_shift(im[:, ::-1, ::-1], m, rng)[:, ::-1, ::-1],
            "one shift for the batch": one_shift_for_all,
            "no shift": lambda im, m, rng: im.copy(),
        },
        random_shift,
        tmp_path,
    )
    assert statuses == {
        "slices": Status.PASSED,
        "pad and crop, one draw per image": Status.PASSED,
        "np.roll": Status.FAILED,
        "moved the other way": Status.FAILED,
        "one shift for the batch": Status.FAILED,
        "no shift": Status.FAILED,
    }


def test_random_shift_visible_check_catches_roll():
    q2.check(padded_shift)
    with pytest.raises(CheckFailed, match="no np.roll"):
        q2.check(rolled)


# Question 3: predictions in inference mode.


def predict_classes(model, images):
    return np.argmax(model.predict(images, verbose=0), axis=1)


def called_in_inference(model, images):
    import keras

    return keras.ops.convert_to_numpy(keras.ops.argmax(model(images, training=False), axis=-1))


def plain_call(model, images):
    import keras

    return np.argmax(keras.ops.convert_to_numpy(model(images)), axis=1)


def test_predict_classes_accepts_inference_calls_and_rejects_augmented_predictions(tmp_path):
    import keras

    statuses = judged(
        q3,
        {
            "predict": predict_classes,
            "call with training=False": called_in_inference,
            "plain call": plain_call,
            "training=True": lambda m, x: np.argmax(keras.ops.convert_to_numpy(m(x, training=True)), axis=1),
            "probabilities": lambda m, x: m.predict(x, verbose=0),
        },
        predict_classes,
        tmp_path,
    )
    assert statuses == {
        "predict": Status.PASSED,
        "call with training=False": Status.PASSED,
        "plain call": Status.FAILED,
        "training=True": Status.FAILED,
        "probabilities": Status.FAILED,
    }


def test_predict_classes_visible_check_names_the_plain_call():
    q3.check(called_in_inference)
    with pytest.raises(CheckFailed, match=r"Calling model\(images\) runs the augmentation"):
        q3.check(plain_call)


# Held-out set: secret-seeded perturbations of the new classes, labels renumbered.


def test_heldout_new_digits_are_secret_shifts_of_the_public_images():
    x_public, y_public = digit_images()
    x, y = make_heldout("ex09_new_digits", b"one")
    keep = np.isin(y_public, NEW_CLASSES)
    assert x.shape == (int(keep.sum()), 8, 8, 1) and x.dtype == np.float32
    assert np.array_equal(y, y_public[keep] - 5)
    assert x.min() >= 0.0 and x.max() <= 1.0
    assert np.mean(np.abs(x - x_public[keep]) > 0.1) > 0.1
    assert np.array_equal(x, make_heldout("ex09_new_digits", b"one")[0])
    assert not np.array_equal(x, make_heldout("ex09_new_digits", b"two")[0])


# The probes of transferred models, judged on hand-made items.


def test_backbone_probe_judges_missing_thawed_and_moved_backbones():
    probe = BackboneProbe(max_change=0.01, frozen=True, advice="Freeze it.")
    key = {"features": encode(np.ones((4, 3))), "trainable": encode(0)}
    assert probe.judge(key, key, None).status is Status.PASSED
    assert "no layer named 'backbone'" in probe.judge({"features": {"type": "none"}}, key, None).message
    thawed = probe.judge({"features": encode(np.ones((4, 3))), "trainable": encode(320)}, key, None)
    assert thawed.status is Status.FAILED and "320 trainable parameters" in thawed.message
    moved = probe.judge({"features": encode(np.full((4, 3), 1.5)), "trainable": encode(0)}, key, None)
    assert moved.status is Status.FAILED and "50%" in moved.message and "Freeze it." in moved.message
    wrong = probe.judge({"features": encode(np.ones((2, 3))), "trainable": encode(0)}, key, None)
    assert wrong.status is Status.FAILED


def test_inference_probe_wants_fixed_predictions_and_random_training():
    probe = InferenceProbe()
    assert probe.judge({"inference": encode(0.0), "training": encode(0.3)}, {}, None).status is Status.PASSED
    random = probe.judge({"inference": encode(0.2), "training": encode(0.3)}, {}, None)
    assert random.status is Status.FAILED and "from one call of predict to the next" in random.message
    plain = probe.judge({"inference": encode(0.0), "training": encode(0.0)}, {}, None)
    assert plain.status is Status.FAILED and "no augmentation" in plain.message
    assert probe.judge({}, {}, None).status is Status.FAILED


# Questions 4 and 5: transferred models, scored on held-out data.


def head_model(freeze=True, augment=True, functional=False, epochs=40):
    import keras

    keras.utils.set_random_seed(0)
    x_train, y_train, _, _ = transfer_data()
    backbone = pretrained_backbone()
    backbone.trainable = not freeze
    shift = keras.layers.RandomTranslation(0.125, 0.125, fill_mode="constant")
    head = keras.layers.Dense(5, activation="softmax")
    if functional:
        inputs = keras.Input(shape=(8, 8, 1))
        hidden = keras.layers.RandomZoom(0.1, fill_mode="constant")(shift(inputs))
        model = keras.Model(inputs, head(backbone(hidden, training=False)))
    else:
        model = keras.Sequential([keras.Input(shape=(8, 8, 1)), *([shift] if augment else []), backbone, head])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train, epochs=epochs, batch_size=8, verbose=0)
    return model


def fine_tune(model, learning_rate=1e-4, epochs=10):
    import keras

    keras.utils.set_random_seed(1)
    x_train, y_train, _, _ = transfer_data()
    model.get_layer("backbone").trainable = True
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train, epochs=epochs, batch_size=8, verbose=0)
    return model


@pytest.fixture(scope="module")
def right_head():
    return head_model()


@pytest.fixture(scope="module")
def right_fine_tuned():
    return fine_tune(head_model())


@pytest.mark.slow
def test_transfer_head_needs_a_frozen_backbone_and_augmentation_off_at_test_time(right_head, tmp_path, model_scorer):
    statuses = judged(
        q4,
        {
            "right": right_head,
            "functional, zoom too, backbone in inference mode": head_model(functional=True),
            "backbone not frozen": head_model(freeze=False),
            "no augmentation": head_model(augment=False),
        },
        right_head,
        tmp_path,
        model_scorer,
    )
    assert statuses == {
        "right": Status.PASSED,
        "functional, zoom too, backbone in inference mode": Status.PASSED,
        "backbone not frozen": Status.FAILED,
        "no augmentation": Status.FAILED,
    }


@pytest.mark.slow
def test_transfer_head_visible_checks_name_the_mistake(right_head):
    q4.check(right_head)
    with pytest.raises(CheckFailed, match="backbone.trainable = False"):
        q4.check(head_model(freeze=False, epochs=2))


@pytest.mark.slow
def test_fine_tuning_rejects_a_learning_rate_that_wrecks_the_backbone(right_fine_tuned, tmp_path, model_scorer):
    statuses = judged(
        q5,
        {
            "right": right_fine_tuned,
            "lower learning rate": fine_tune(head_model(), learning_rate=1e-5),
            "Adam's default rate 1e-3": fine_tune(head_model(), learning_rate=1e-3),
            "learning rate too high": fine_tune(head_model(), learning_rate=1e-2),
        },
        right_fine_tuned,
        tmp_path,
        model_scorer,
    )
    assert statuses == {
        "right": Status.PASSED,
        "lower learning rate": Status.PASSED,
        "Adam's default rate 1e-3": Status.FAILED,
        "learning rate too high": Status.FAILED,
    }


@pytest.mark.slow
def test_fine_tuning_visible_check_names_the_learning_rate(right_fine_tuned):
    q5.check(right_fine_tuned)
    with pytest.raises(CheckFailed, match="still frozen"):
        q5.check(head_model(epochs=1))
