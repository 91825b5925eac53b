"""Exercise 09: different correct answers score full; each listed mistake loses the question's points."""

from __future__ import annotations

import numpy as np
import pytest
from judging import judged

from grader.heldout import make_heldout
from grader.outcomes import Status
from grader.references.transfer import shift_images
from keras_course.checks import CheckFailed
from keras_course.exercises import load_exercise
from keras_course.exercises.ex09_augmentation_and_transfer import (
    NEW_CLASSES,
    digit_images,
    pretrained_backbone,
    pristine_weights,
    transfer_data,
)

EXERCISE = load_exercise("09_augmentation_and_transfer")
q1, q2, q3, q4, q5 = EXERCISE.questions


# Question 1: keep some classes and renumber them.


def class_subset(x, y, classes):
    keep = np.isin(y, classes)
    position = {label: index for index, label in enumerate(classes)}
    return x[keep], np.array([position[label] for label in y[keep]])


def loop_subset(x, y, classes):
    rows = [i for i, label in enumerate(y) if label in classes]
    return np.stack([x[i] for i in rows]), [list(classes).index(y[i]) for i in rows]


def searchsorted_subset(x, y, classes):
    classes = np.asarray(classes)
    order = np.argsort(classes)
    keep = np.isin(y, classes)
    return x[keep], order[np.searchsorted(classes[order], y[keep])]


def float_labels(x, y, classes):
    keep = np.isin(y, classes)
    labels = np.zeros(keep.sum())
    for index, label in enumerate(classes):
        labels[y[keep] == label] = index
    return x[keep], labels


def lookup_table_subset(x, y, classes):
    # A different correct answer: a table from old label to new number, indexed with the kept labels.
    keep = np.flatnonzero(np.isin(y, classes))
    table = np.full(max(classes) + 1, -1)
    table[list(classes)] = np.arange(len(classes))
    return x[keep], table[y[keep]]


def relabelled_in_a_loop(x, y, classes):
    # y[y == c] = i, class by class: once 4 became 0, the later class 0 renumbers those rows again.
    keep = np.isin(y, classes)
    labels = y[keep]
    for index, label in enumerate(classes):
        labels[labels == label] = index
    return x[keep], labels


def test_class_subset_accepts_loops_and_rejects_labels_kept_or_shifted(tmp_path):
    statuses = judged(
        q1,
        {
            "numpy": class_subset,
            "plain loop": loop_subset,
            "argsort and searchsorted": searchsorted_subset,
            "old labels kept": lambda x, y, c: (x[np.isin(y, c)], y[np.isin(y, c)]),
            "minus the smallest class": lambda x, y, c: (x[np.isin(y, c)], y[np.isin(y, c)] - min(c)),
            "sorted positions": lambda x, y, c: (x[np.isin(y, c)], np.searchsorted(np.sort(c), y[np.isin(y, c)])),
            "rows flattened": lambda x, y, c: (
                x[np.isin(y, c)].reshape(int(np.isin(y, c).sum()), -1),
                class_subset(x, y, c)[1],
            ),
            "labels as floats": float_labels,
            "labels as a column": lambda x, y, c: (class_subset(x, y, c)[0], class_subset(x, y, c)[1][:, None]),
            "lookup table": lookup_table_subset,
            "relabelled in a loop": relabelled_in_a_loop,
            "rows squeezed": lambda x, y, c: (np.squeeze(x[np.isin(y, c)]), class_subset(x, y, c)[1]),
        },
        class_subset,
        tmp_path,
    )
    expected = {name: Status.FAILED for name in statuses}
    expected.update(
        {
            "numpy": Status.PASSED,
            "plain loop": Status.PASSED,
            "argsort and searchsorted": Status.PASSED,
            "lookup table": Status.PASSED,
        }
    )
    assert statuses == expected


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


def rolled_then_blanked(images, max_shift, rng):
    # np.roll, then the wrapped rows and columns set to zero: a correct shift.
    out = np.empty_like(images)
    h, w = images.shape[1:3]
    for i, (dy, dx) in enumerate(rng.integers(-max_shift, max_shift + 1, size=(len(images), 2))):
        moved = np.roll(images[i], (dy, dx), axis=(0, 1))
        moved[: max(dy, 0)] = 0
        moved[h + min(dy, 0) :] = 0
        moved[:, : max(dx, 0)] = 0
        moved[:, w + min(dx, 0) :] = 0
        out[i] = moved
    return out


def shifted_in_place(images, max_shift, rng):
    shifted = random_shift(images, max_shift, rng)
    images[...] = shifted
    return images


def shifted_by_scipy(images, max_shift, rng):
    # A different correct answer: scipy.ndimage.shift with whole pixels (order 0) and zeros coming in.
    from scipy import ndimage

    shifts = rng.integers(-max_shift, max_shift, size=(len(images), 2), endpoint=True)
    return np.stack([ndimage.shift(im, s, order=0, mode="constant", cval=0) for im, s in zip(images, shifts, strict=True)])


def same_images_when_nothing_moves(images, max_shift, rng):
    # A shortcut for max_shift=0 that hands back the caller's own array instead of a new one.
    return images if max_shift == 0 else random_shift(images, max_shift, rng)


def test_random_shift_accepts_padding_and_rejects_wrapping_and_wrong_directions(tmp_path):
    statuses = judged(
        q2,
        {
            "slices": random_shift,
            "pad and crop, one draw per image": padded_shift,
            "roll, then blank the wrapped pixels": rolled_then_blanked,
            "np.roll": rolled,
            "moved the other way": lambda im, m, rng: random_shift(im[:, ::-1, ::-1], m, rng)[:, ::-1, ::-1],
            "one shift for the batch": one_shift_for_all,
            "no shift": lambda im, m, rng: im.copy(),
            "global np.random": lambda im, m, rng: shift_images(im, np.random.randint(-m, m + 1, size=(len(im), 2))),
            "a fresh generator of seed 0": lambda im, m, rng: random_shift(im, m, np.random.default_rng(0)),
            "upper bound left out": lambda im, m, rng: shift_images(im, rng.integers(-m, max(m, 1), size=(len(im), 2))),
            "dx and dy swapped": lambda im, m, rng: shift_images(
                im, rng.integers(-m, m + 1, size=(len(im), 2))[:, ::-1]
            ),
            "written into the images": shifted_in_place,
            "float64 output": lambda im, m, rng: random_shift(im, m, rng).astype(np.float64),
            "scipy shift, endpoint=True": shifted_by_scipy,
            "dy and dx in two draws": lambda im, m, rng: shift_images(
                im, np.stack([rng.integers(-m, m + 1, size=len(im)), rng.integers(-m, m + 1, size=len(im))], axis=1)
            ),
            "the images themselves when max_shift is 0": same_images_when_nothing_moves,
        },
        random_shift,
        tmp_path,
    )
    expected = {name: Status.FAILED for name in statuses}
    expected.update(
        {
            "slices": Status.PASSED,
            "pad and crop, one draw per image": Status.PASSED,
            "roll, then blank the wrapped pixels": Status.PASSED,
            "scipy shift, endpoint=True": Status.PASSED,
        }
    )
    assert statuses == expected


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


def frozen_then_called(model, images):
    # trainable = False freezes the weights; it does not switch the augmentation off.
    import keras

    model.trainable = False
    try:
        return np.argmax(keras.ops.convert_to_numpy(model(images)), axis=1)
    finally:
        model.trainable = True


def one_image_at_a_time(model, images):
    # Correct, if slow. A call per image, not model.predict per image: 800 predict calls would cost this test a minute.
    import keras

    return np.array([int(keras.ops.argmax(model(image[None], training=False)[0])) for image in images])


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
            "predict_on_batch": lambda m, x: np.asarray(m.predict_on_batch(x)).argmax(axis=-1),
            "squeezed": lambda m, x: np.squeeze(predict_classes(m, x)),
            "a column": lambda m, x: predict_classes(m, x)[:, None],
            "classes as floats": lambda m, x: predict_classes(m, x).astype(float),
            "one image at a time": one_image_at_a_time,
            "frozen, then a plain call": frozen_then_called,
        },
        predict_classes,
        tmp_path,
    )
    expected = {name: Status.FAILED for name in statuses}
    expected.update(
        {
            "predict": Status.PASSED,
            "call with training=False": Status.PASSED,
            "predict_on_batch": Status.PASSED,
            "one image at a time": Status.PASSED,
        }
    )
    assert statuses == expected


def test_predict_classes_visible_check_names_the_plain_call():
    q3.check(called_in_inference)
    with pytest.raises(CheckFailed, match=r"Calling model\(images\) runs the augmentation"):
        q3.check(plain_call)


# Held-out set: secret-seeded perturbations of the new classes, labels renumbered.


def test_stored_visible_answers_are_what_the_references_compute():
    from keras_course.exercises import ex09_augmentation_and_transfer as ex09

    images, max_shift, rng = ex09._q2_args()
    expected = shift_images(images, np.random.default_rng(0).integers(-max_shift, max_shift + 1, size=(len(images), 2)))
    np.testing.assert_array_equal(ex09._Q2_SHIFTED, expected)
    model, images = ex09._q3_args()
    np.testing.assert_array_equal(ex09._Q3_CLASSES, np.argmax(model.predict(images, verbose=0), axis=1))


def test_data_preparation_is_the_reference_class_subset():
    from grader.references.transfer import subset_classes
    from keras_course.transfer import OLD_CLASSES, pretraining_data

    x, y = digit_images()
    for got, want in zip(pretraining_data(), subset_classes(x, y, OLD_CLASSES), strict=True):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype
    x_new, y_new = subset_classes(x, y, NEW_CLASSES)
    x_train, y_train, x_val, y_val = transfer_data()
    assert len(x_train) + len(x_val) == len(x_new) and y_new.dtype == y_train.dtype == y_val.dtype
    np.testing.assert_array_equal(np.sort(np.concatenate([y_train, y_val])), np.sort(y_new))


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


# The rules for transferred models, decided on hand-made scorer reports.


def report(trainable=False, weights=None, rate=0.01, augmentation="RandomTranslation", inner_trainable=None):
    inner_trainable = trainable if inner_trainable is None else inner_trainable
    inner = [
        {
            "class_name": name,
            "name": f"l{i}",
            "path": f"backbone/l{i}",
            "trainable": inner_trainable,
            "trainable_params": params if inner_trainable else 0,
        }
        for i, (name, params) in enumerate(
            [("Conv2D", 320), ("MaxPooling2D", 0), ("Conv2D", 18496), ("MaxPooling2D", 0), ("Flatten", 0)]
        )
    ]
    top = [
        {"class_name": augmentation, "name": "aug", "path": "aug", "trainable": True, "trainable_params": 0},
        {"class_name": "Sequential", "name": "backbone", "path": "backbone", "trainable": trainable},
        {"class_name": "Dense", "name": "head", "path": "head", "units": 5, "activation": "softmax", "trainable": True},
    ]
    pristine = pristine_weights()
    return {
        "layers": top,
        "all_layers": [top[0], top[1], *inner, top[2]],
        "trainable_params": 1285 + (18816 if inner_trainable else 0),
        "weights": {"backbone": [list(pristine if weights is None else weights)]},
        "compile": {"optimizer": {"class_name": "Adam", "config": {"learning_rate": rate}}},
    }


def rule_problems(question, made):
    return dict(question.probes[0].requirements.problems({**made, "input_shape": [8, 8, 1]}))


def test_rules_for_a_frozen_head_read_the_trainable_flags_and_the_exact_weights():
    assert set(rule_problems(q4, report())) <= {"compile"}  # the hand-made report has no loss
    assert "trainable" in rule_problems(q4, report(trainable=True))
    assert "trainable" in rule_problems(q4, report(trainable=False, inner_trainable=True))
    assert "weights" in rule_problems(q4, report(weights=pristine_weights() + 1e-4))
    assert "augmentation" in rule_problems(q4, report(augmentation="Rescaling"))
    assert "augmentation" not in rule_problems(q4, augmentation_in_a_sequential(report()))
    assert "augmentation" in rule_problems(q4, augmentation_in_a_sequential(report(), inner="Rescaling"))


def augmentation_in_a_sequential(made, inner="RandomTranslation"):
    """The report of a model whose augmentation is a keras.Sequential of its own, as Keras's guides write it."""
    wrapper = {"class_name": "Sequential", "name": "augmentation", "path": "augmentation", "trainable": True}
    layer = {"class_name": inner, "name": "shift", "path": "augmentation/shift", "trainable": True, "trainable_params": 0}
    top = [wrapper, *made["layers"][1:]]
    return {**made, "layers": top, "all_layers": [wrapper, layer, *made["all_layers"][1:]]}


def test_rules_for_fine_tuning_want_the_inner_layers_unfrozen_and_moved_a_little():
    moved = pristine_weights() * 1.01
    assert set(rule_problems(q5, report(trainable=True, weights=moved, rate=1e-4))) <= {"compile"}
    assert "trainable" in rule_problems(q5, report(trainable=True, inner_trainable=False, weights=moved, rate=1e-4))
    assert "weights" in rule_problems(q5, report(trainable=True, rate=1e-4))
    assert "weights" in rule_problems(q5, report(trainable=True, weights=pristine_weights() * 1.5, rate=1e-4))
    assert "compile" in rule_problems(q5, report(trainable=True, weights=moved, rate=1e-3))


# Questions 4 and 5: transferred models, scored on held-out data.


def head_model(
    freeze=True, augment=True, functional=False, separate=False, epochs=40, rate=0.01, optimizer="Adam", warm_up=0
):
    import keras

    keras.utils.set_random_seed(0)
    x_train, y_train, _, _ = transfer_data()
    backbone = pretrained_backbone()
    shift = keras.layers.RandomTranslation(0.125, 0.125, fill_mode="constant")
    head = (
        [keras.layers.Dense(5), keras.layers.Softmax()] if separate else [keras.layers.Dense(5, activation="softmax")]
    )
    if augment == "sequential":  # the augmentation as a model of its own, as in Keras's transfer-learning guide
        shift = keras.Sequential([shift], name="augmentation")
    if functional:
        inputs = keras.Input(shape=(8, 8, 1))
        hidden = backbone(keras.layers.RandomZoom(0.1, fill_mode="constant")(shift(inputs)), training=False)
        for layer in head:
            hidden = layer(hidden)
        model = keras.Model(inputs, hidden)
    else:
        model = keras.Sequential([keras.Input(shape=(8, 8, 1)), *([shift] if augment else []), backbone, *head])
    if warm_up:  # a first fit with the backbone still trainable, then frozen as asked
        model.compile(optimizer=keras.optimizers.Adam(rate), loss="sparse_categorical_crossentropy")
        model.fit(x_train, y_train, epochs=warm_up, batch_size=8, verbose=0)
    backbone.trainable = not freeze
    model.compile(optimizer=getattr(keras.optimizers, optimizer)(rate), loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train, epochs=epochs, batch_size=8, verbose=0)
    return model


def fine_tune(model, learning_rate=1e-4, epochs=10, unfreeze="backbone", recompile=True):
    import keras

    keras.utils.set_random_seed(1)
    x_train, y_train, _, _ = transfer_data()
    if unfreeze == "backbone":
        model.get_layer("backbone").trainable = True
    elif unfreeze == "outer model":
        model.trainable = True
    if recompile:
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
            "Dense then a Softmax layer": head_model(separate=True),
            "augmentation in a Sequential of its own": head_model(augment="sequential"),
            "backbone not frozen": head_model(freeze=False),
            "no augmentation": head_model(augment=False),
            "backbone trained one epoch before freezing": head_model(warm_up=1),
            "Adam's default rate": head_model(rate=1e-3, epochs=2),
            "SGD": head_model(optimizer="SGD", epochs=2),
        },
        right_head,
        tmp_path,
        model_scorer,
    )
    expected = {name: Status.FAILED for name in statuses}
    expected.update(
        {
            "right": Status.PASSED,
            "functional, zoom too, backbone in inference mode": Status.PASSED,
            "Dense then a Softmax layer": Status.PASSED,
            "augmentation in a Sequential of its own": Status.PASSED,
        }
    )
    assert statuses == expected


@pytest.mark.slow
def test_transfer_head_failure_names_the_frozen_weights(tmp_path, model_scorer):
    from judging import _probe

    from grader.judge import _naming_requirement, split_items
    from grader.probe_verdicts import JudgeContext, judge_probe

    probe = q4.probes[0]
    items = _probe(q4, head_model(warm_up=1, epochs=1), tmp_path)
    outcome = judge_probe(probe, split_items(items, 0), {}, JudgeContext(tmp_path, model_scorer))
    message = _naming_requirement(q4, probe, outcome).message
    assert message.startswith("Not yet met: keeps the pretrained backbone's weights exactly as they were")


@pytest.mark.slow
def test_transfer_head_visible_checks_name_the_mistake(right_head):
    q4.check(right_head)
    q4.check(head_model(augment="sequential"))
    with pytest.raises(CheckFailed, match="backbone.trainable = False"):
        q4.check(head_model(freeze=False, epochs=2))


@pytest.mark.slow
def test_fine_tuning_rejects_a_learning_rate_that_wrecks_the_backbone(right_fine_tuned, tmp_path, model_scorer):
    statuses = judged(
        q5,
        {
            "right": right_fine_tuned,
            "lower learning rate": fine_tune(head_model(), learning_rate=1e-5),
            "functional, 3e-5": fine_tune(head_model(functional=True), learning_rate=3e-5),
            "Adam's default rate 1e-3": fine_tune(head_model(), learning_rate=1e-3),
            "learning rate too high": fine_tune(head_model(), learning_rate=1e-2),
            "trainable set on the outer model only": fine_tune(head_model(), unfreeze="outer model"),
            "unfrozen without compiling again": fine_tune(head_model(), recompile=False),
            "never unfrozen": fine_tune(head_model(), unfreeze="nothing"),
        },
        right_fine_tuned,
        tmp_path,
        model_scorer,
    )
    expected = {name: Status.FAILED for name in statuses}
    expected.update({"right": Status.PASSED, "lower learning rate": Status.PASSED, "functional, 3e-5": Status.PASSED})
    assert statuses == expected


@pytest.mark.slow
def test_fine_tuning_visible_check_names_the_learning_rate(right_fine_tuned):
    q5.check(right_fine_tuned)
    with pytest.raises(CheckFailed, match="still frozen"):
        q5.check(head_model(epochs=1))
