"""Exercise 09, augmentation and transfer learning: split classes, shift images, predict in inference mode, transfer.

The data is scikit-learn's 8x8 digits as images of shape (8, 8, 1) with grey
levels scaled to 0..1. A backbone (two convolutions) is pretrained on the digits
0 to 4 by `pretrained_backbone`; the student transfers it to the digits 5 to 9
(relabelled 0 to 4) from a small training set of a few images per class.

Mistakes the hidden tests catch: a class split that keeps the old labels, or
relabels by subtracting the smallest class (wrong for classes out of order); a
shift that wraps pixels around the edge (np.roll), moves the wrong way, or
draws one shift for the whole batch; predictions made by calling the model
directly, which runs its augmentation layers (augmentation at test time); a
backbone that is not frozen while the head trains (its features change, or it
keeps trainable weights); a transferred model without augmentation layers, or
whose predictions change from one call of predict to the next; a fine-tuning
learning rate so high that it wrecks the pretrained features; and transferred
models that do not reach the accuracy on held-out shifted digits of the new classes.

Keras 3 overrides a ``training=True`` written into a functional model with the
``training=False`` of ``predict``, so augmentation at test time shows up in a
plain call ``model(x)``, which question 3 tests.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.channel import decode, encode
from grader.checks import CheckFailed, FreshCallCheck, ModelCheck, PropertyCheck, describe
from grader.heldout import heldout_set
from grader.outcomes import Status
from grader.probes import FunctionProbe, ModelProbe, ModelRequirements, ProbeOutcome
from grader.question import Exercise, Question

OLD_CLASSES = (0, 1, 2, 3, 4)
NEW_CLASSES = (5, 6, 7, 8, 9)
PER_CLASS = 5  # training images per new class: little data
PRETRAIN_EPOCHS = 15
HEAD_ACCURACY = 0.70  # right answers reach about 0.77 on held-out digits; no augmentation about 0.60
FINE_TUNE_ACCURACY = 0.70
FROZEN_CHANGE = 0.01  # a frozen backbone's features move by 0 (same machine) or by float noise elsewhere
FINE_TUNE_CHANGE = 0.10  # lr 1e-4 moves them by about 3%, lr 1e-3 by about 20%, lr 1e-2 by about 70%
_PROBE_SEED = 90_417  # probe images for the backbone and the inference probes (not the held-out secret)


# Data: the digits as images, split by class.


def digit_images() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits as float32 images of shape (8, 8, 1), grey levels scaled from 0..16 to 0..1, and labels 0..9."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.images / 16.0).astype(np.float32)[..., None], digits.target.astype(np.int64)


def _subset(x: np.ndarray, y: np.ndarray, classes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    keep = np.isin(y, classes)
    lookup = {c: i for i, c in enumerate(classes)}
    return x[keep], np.array([lookup[int(c)] for c in y[keep]], dtype=np.int64)


def pretraining_data() -> tuple[np.ndarray, np.ndarray]:
    """The digits 0 to 4 (901 images), for pretraining the backbone. Returns ``(x, y)``."""
    return _subset(*digit_images(), OLD_CLASSES)


def transfer_data(per_class: int = PER_CLASS, seed: int = 0) -> tuple[np.ndarray, ...]:
    """The digits 5 to 9 relabelled 0 to 4: ``per_class`` training images per class, the rest for validation.

    Returns ``(x_train, y_train, x_val, y_val)``, fixed by ``seed``.
    """
    x, y = _subset(*digit_images(), NEW_CLASSES)
    order = np.random.default_rng(seed).permutation(len(y))
    train = np.sort(np.concatenate([order[y[order] == c][:per_class] for c in range(len(NEW_CLASSES))]))
    val = np.setdiff1d(np.arange(len(y)), train)
    return x[train], y[train], x[val], y[val]


def shift_images(images: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Shift each image by its whole-pixel (down, right) pair, filling with zeros (images of shape (n, h, w, ...))."""
    out = np.zeros_like(images)
    h, w = images.shape[1:3]
    for i, (dy, dx) in enumerate(np.asarray(shifts, dtype=int)):
        if abs(dy) >= h or abs(dx) >= w:
            continue
        out[i, max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = images[
            i, max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
        ]
    return out


def _perturb(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A label-preserving change: a shift of up to one pixel, a little lighter or darker, a little noise."""
    shifted = shift_images(x, rng.integers(-1, 2, size=(len(x), 2)))
    brightness = rng.uniform(0.85, 1.15, size=(len(x), 1, 1, 1))
    noisy = shifted * brightness + rng.normal(0.0, 0.04, size=x.shape)
    return np.clip(noisy, 0.0, 1.0).astype(np.float32)


@heldout_set("ex09_new_digits")
def _new_digits(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x, y = _subset(*digit_images(), NEW_CLASSES)
    return _perturb(x, rng), y


def visible_validation() -> tuple[np.ndarray, np.ndarray]:
    """The validation images of `transfer_data`, perturbed like the grader's held-out images (a public seed)."""
    _, _, x_val, y_val = transfer_data()
    return _perturb(x_val, np.random.default_rng(2024)), y_val


# The pretrained backbone.

_PRISTINE: dict[int, list[np.ndarray]] = {}


def build_backbone(name: str = "backbone") -> Any:
    """The course's small convolutional backbone, untrained: (8, 8, 1) images in, 256 features out."""
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
        ],
        name=name,
    )


def pretrained_backbone(seed: int = 0) -> Any:
    """A backbone trained on the digits 0 to 4 (with a 5-way head that is then thrown away).

    It trains for a few seconds the first time; later calls return a fresh copy of
    the same weights. The backbone comes back trainable, as Keras makes every model.

    Example:

    >>> backbone = pretrained_backbone()  # doctest: +SKIP
    >>> backbone.output_shape  # doctest: +SKIP
    (None, 256)
    """
    import keras

    if seed not in _PRISTINE:
        keras.utils.set_random_seed(seed)
        backbone = build_backbone()
        x, y = pretraining_data()
        model = keras.Sequential(
            [
                keras.Input(shape=(8, 8, 1)),
                keras.layers.RandomTranslation(0.125, 0.125, fill_mode="constant"),
                backbone,
                keras.layers.Dense(len(OLD_CLASSES), activation="softmax"),
            ]
        )
        model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=PRETRAIN_EPOCHS, batch_size=32, verbose=0)
        _PRISTINE[seed] = [w.copy() for w in backbone.get_weights()]
    backbone = build_backbone()
    backbone.set_weights([w.copy() for w in _PRISTINE[seed]])
    return backbone


def _probe_images() -> np.ndarray:
    x, _ = digit_images()
    rng = np.random.default_rng(_PROBE_SEED)
    return _perturb(x[rng.choice(len(x), size=64, replace=False)], rng)


# Probes of a transferred model: its backbone, and its behaviour at inference.


def _not_a_model(answer: Any) -> dict[str, Any] | None:
    import keras

    if isinstance(answer, keras.Model):
        return None
    return {"type": "error", "kind": "unencodable", "message": f"Unencodable: a {type(answer).__name__}, not a Keras model"}


def _features(layer: Any, x: np.ndarray) -> np.ndarray:
    import keras

    return np.asarray(keras.ops.convert_to_numpy(layer(x, training=False)), dtype=np.float64)


def _trainable_count(layer: Any) -> int:
    return int(sum(int(np.prod(w.shape)) for w in layer.trainable_weights))


def _relative_change(got: np.ndarray, reference: np.ndarray) -> float:
    return float(np.linalg.norm(got - reference) / max(np.linalg.norm(reference), 1e-12))


def _failed_item(item: Any) -> ProbeOutcome | None:
    if isinstance(item, dict) and item.get("type") == "error":
        message = str(item.get("message", ""))
        if item.get("kind") == "unencodable":
            return ProbeOutcome(Status.FAILED, f"Your answer is {message.split(': a ', 1)[-1]}.")
        return ProbeOutcome(Status.ERROR, f"Your code raised {message[:300]} on a hidden test.")
    return None


@dataclass(frozen=True)
class BackboneProbe:
    """Run the model's layer named ``layer`` on fixed probe images; the judge compares its features with the key's.

    Args:
        layer: the name of the backbone inside the student's model. Defaults to "backbone".
        max_change: the largest relative distance ``|f - f_key| / |f_key|`` allowed
            between the student's features and the key's.
        frozen: the backbone must have no trainable weights left. Defaults to False.
        advice: what to do when the features moved too far.
    """

    max_change: float
    frozen: bool = False
    layer: str = "backbone"
    advice: str = ""

    def collect(self, answer: Any, directory: Path, question: str) -> dict[str, Any]:
        wrong = _not_a_model(answer)
        if wrong:
            return {"features": wrong}
        try:
            layer = answer.get_layer(self.layer)
        except ValueError:
            return {"features": {"type": "none"}}
        try:
            return {"features": encode(_features(layer, _probe_images())), "trainable": encode(_trainable_count(layer))}
        except Exception as exc:  # noqa: BLE001 - a student's layer may fail in any way
            return {"features": {"type": "error", "kind": "error", "message": f"{type(exc).__name__}: {exc}"[:500]}}

    def judge(self, items: dict, key: dict, context: Any) -> ProbeOutcome:
        failed = _failed_item(items.get("features"))
        if failed:
            return failed
        if "features" not in items:
            return ProbeOutcome(Status.FAILED, "A hidden test found no backbone in your answer.")
        got, expected = decode(items["features"]), np.asarray(decode(key["features"]), dtype=np.float64)
        if got is None:
            return ProbeOutcome(
                Status.FAILED,
                f"Your model has no layer named {self.layer!r}. Use the given backbone model itself as one layer "
                "of your model (do not copy its layers one by one).",
            )
        got = np.asarray(got, dtype=np.float64)
        if got.shape != expected.shape or not np.all(np.isfinite(got)):
            return ProbeOutcome(Status.FAILED, f"Your backbone's features have shape {got.shape}, not {expected.shape}.")
        trainable = int(np.asarray(decode(items.get("trainable", encode(-1)))).reshape(-1)[0])
        if self.frozen and trainable != 0:
            return ProbeOutcome(
                Status.FAILED,
                f"Your backbone still has {trainable} trainable parameters: it is not frozen. "
                "Set backbone.trainable = False before you compile and fit the model.",
            )
        change = _relative_change(got, expected)
        detail = f"relative change of the backbone's features {change:.4f}, allowed {self.max_change}"
        if change > self.max_change:
            return ProbeOutcome(
                Status.FAILED,
                f"On hidden probe images your backbone's features differ from the expected ones by {change:.0%} of "
                f"their size; at most {self.max_change:.0%} is allowed. {self.advice}".strip(),
                detail,
            )
        return ProbeOutcome(Status.PASSED, "Correct.", detail)


@dataclass(frozen=True)
class InferenceProbe:
    """Predict the same probe images twice in inference mode; the judge checks that nothing random is left on.

    With ``training_varies`` it also runs the model twice with ``training=True``
    and requires the outputs to differ there (augmentation is in the model).
    """

    training_varies: bool = True

    def collect(self, answer: Any, directory: Path, question: str) -> dict[str, Any]:
        wrong = _not_a_model(answer)
        if wrong:
            return {"inference": wrong}
        import keras

        x = _probe_images()
        try:
            first = answer.predict(x, verbose=0)
            second = answer.predict(x, verbose=0)
            a, b = (keras.ops.convert_to_numpy(answer(x, training=True)) for _ in range(2))
        except Exception as exc:  # noqa: BLE001 - a student's model may fail in any way
            return {"inference": {"type": "error", "kind": "error", "message": f"{type(exc).__name__}: {exc}"[:500]}}
        inference = float(np.max(np.abs(np.asarray(first, dtype=np.float64) - np.asarray(second, dtype=np.float64))))
        training = float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))
        return {"inference": encode(inference), "training": encode(training)}

    def judge(self, items: dict, key: dict, context: Any) -> ProbeOutcome:
        failed = _failed_item(items.get("inference"))
        if failed:
            return failed
        try:
            inference = float(np.asarray(decode(items["inference"]), dtype=np.float64).reshape(-1)[0])
            training = float(np.asarray(decode(items["training"]), dtype=np.float64).reshape(-1)[0])
        except (KeyError, TypeError, ValueError, IndexError):
            return ProbeOutcome(Status.FAILED, "A hidden test found no predictions from your model.")
        if not inference <= 1e-5:
            return ProbeOutcome(
                Status.FAILED,
                "Your model gives different predictions for the same images from one call of predict to the next: "
                "something random is still on at inference. Use only built-in augmentation layers, which Keras "
                "turns off by itself in predict and evaluate.",
                f"largest change between two predictions {inference:.4g}",
            )
        if self.training_varies and not training > 1e-4:
            return ProbeOutcome(
                Status.FAILED,
                "In training mode your model gives the same outputs for the same images twice: it has no augmentation "
                "layers in front of the backbone, so it sees the same few images every epoch.",
                f"largest change between two training-mode outputs {training:.4g}",
            )
        return ProbeOutcome(Status.PASSED, "Correct.")


@dataclass(frozen=True)
class ModelHolds:
    """A visible check on the answer itself: ``holds(model)`` returns what is wrong, or None."""

    holds: Any
    tip: str = ""

    def run(self, answer: Any) -> None:
        import keras

        if not isinstance(answer, keras.Model):
            raise CheckFailed(f"Expected a Keras model, but got {describe(answer)}.")
        problem = self.holds(answer)
        if problem:
            raise CheckFailed(f"{problem} {self.tip}".strip())


def _backbone_of(model: Any) -> Any:
    try:
        return model.get_layer("backbone")
    except ValueError:
        return None


def _pristine_change(model: Any) -> float:
    reference = pretrained_backbone()
    x = _probe_images()
    return _relative_change(_features(_backbone_of(model), x), _features(reference, x))


def _frozen_holds(model: Any) -> str | None:
    backbone = _backbone_of(model)
    if backbone is None:
        return "Your model has no layer named 'backbone': use the given backbone model itself as one layer."
    count = _trainable_count(backbone)
    if count:
        return f"The backbone still has {count} trainable parameters; it should have 0. Set backbone.trainable = False."
    change = _pristine_change(model)
    if change > FROZEN_CHANGE:
        return (
            f"The backbone's features moved by {change:.0%} since pretraining: its weights were trained while the "
            "head learned. Freeze it before you compile and fit, and start again from pretrained_backbone()."
        )
    return None


def _fine_tune_holds(model: Any) -> str | None:
    backbone = _backbone_of(model)
    if backbone is None:
        return "Your model has no layer named 'backbone': keep the transferred backbone inside it."
    if _trainable_count(backbone) == 0:
        return "The backbone is still frozen, so fitting again only trains the head. Set backbone.trainable = True."
    change = _pristine_change(model)
    if change > FINE_TUNE_CHANGE:
        return (
            f"The backbone's features moved by {change:.0%} of their size during fine-tuning; at most "
            f"{FINE_TUNE_CHANGE:.0%} is expected. The learning rate is too high: recompile with "
            "keras.optimizers.Adam(learning_rate=1e-4) or lower."
        )
    return None


def _random_outputs(model: Any) -> tuple[float, float]:
    import keras

    x = _probe_images()
    inference = np.max(np.abs(model.predict(x, verbose=0) - model.predict(x, verbose=0)))
    a, b = (keras.ops.convert_to_numpy(model(x, training=True)) for _ in range(2))
    return float(inference), float(np.max(np.abs(a - b)))


def _augmentation_holds(model: Any) -> str | None:
    inference, training = _random_outputs(model)
    if inference > 1e-5:
        return (
            "predict gives different answers for the same images twice: an augmentation layer is on at test time. "
            "Do not pass training=True to it; Keras switches augmentation off in predict and evaluate."
        )
    if training <= 1e-4:
        return "In training mode your model is not random: put augmentation layers in front of the backbone."
    return None


# Question 1: keep some classes and number them from 0.


def _class_subset_cases() -> list[tuple]:
    rng = np.random.default_rng(901)
    cases = []
    for n, shape, classes in [
        (60, (3,), (5, 6, 7, 8, 9)),
        (40, (4, 4, 1), (7, 2, 9)),
        (30, (2,), (3,)),
        (50, (5,), (9, 8, 7, 6, 5)),
        (25, (8, 8), (0, 1, 2, 3, 4)),
    ]:
        x = rng.normal(size=(n, *shape)).astype(np.float32)
        cases.append((x, rng.integers(0, 10, size=n), classes))
    return cases


def _subset_table(result: Any) -> np.ndarray:
    """The answer's (x_sub, y_sub) as one table: a row of features then the new label, per image."""
    x_sub, y_sub = result
    x_sub, y_sub = np.asarray(x_sub, dtype=np.float64), np.asarray(y_sub, dtype=np.float64).reshape(-1)
    return np.concatenate([x_sub.reshape(len(y_sub), -1), y_sub[:, None]], axis=1)


_Q1_X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]], dtype=np.float32)
_Q1_Y = np.array([5, 0, 7, 5, 9])


def _q1_holds(result: Any) -> str | None:
    try:
        x_sub, y_sub = result
    except (TypeError, ValueError):
        return f"returned {describe(result)}; it should return a pair (x_sub, y_sub)."
    x_sub, y_sub = np.asarray(x_sub), np.asarray(y_sub).reshape(-1)
    if x_sub.shape != (3, 1) or not np.allclose(x_sub, [[0.0], [2.0], [3.0]]):
        return f"x_sub is {describe(x_sub)}; it should be the rows 0, 2 and 3 of x: [[0.], [2.], [3.]]."
    if not np.array_equal(y_sub, [0, 1, 0]):
        return (
            f"y_sub is {describe(y_sub)}; it should be [0, 1, 0]: label 5 is class number 0 of classes=(5, 7), "
            "label 7 is number 1."
        )
    return None


# Question 2: a label-preserving random shift.


def _shift_cases() -> list[tuple]:
    x, _ = digit_images()
    rng = np.random.default_rng(902)
    small = rng.uniform(0.0, 1.0, size=(12, 5, 7))
    return [
        (x[:40, :, :, 0], 1, np.random.default_rng(11)),
        (x[40:70, :, :, 0], 2, np.random.default_rng(12)),
        (small, 3, np.random.default_rng(13)),
        (small, 0, np.random.default_rng(14)),
    ]


def _q2_args() -> tuple:
    images = np.array([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]] * 3)
    return images, 1, np.random.default_rng(0)


def _q2_holds(args: tuple, result: Any) -> str | None:
    expected = shift_images(args[0], np.random.default_rng(0).integers(-1, 2, size=(3, 2)))
    got = np.asarray(result, dtype=np.float64) if result is not None else None
    if got is None or got.shape != expected.shape:
        return f"returned {describe(result)}; it should return an array of shape {expected.shape}, like its input."
    if not np.array_equal(got, expected):
        return f"returned {describe(got)}, but it should return {describe(expected)}."
    return None


# Question 3: predictions in inference mode.


@functools.lru_cache(maxsize=2)
def _template_model(augmentation: str) -> Any:
    """A fixed 10-class model (class-mean templates) with an augmentation layer in front."""
    import keras

    x, y = digit_images()
    means = np.stack([x[y == c].reshape(-1, 64).mean(axis=0) for c in range(10)])
    kernel = (means - means.mean(axis=0)).T * 8.0
    bias = -0.5 * np.sum(kernel**2, axis=0) / 8.0
    layer = {
        "translation": keras.layers.RandomTranslation(0.25, 0.25, fill_mode="constant", seed=1),
        "zoom and rotation": keras.layers.RandomRotation(0.1, fill_mode="constant", seed=2),
    }[augmentation]
    dense = keras.layers.Dense(10, activation="softmax")
    model = keras.Sequential([keras.Input(shape=(8, 8, 1)), layer, keras.layers.Flatten(), dense])
    dense.set_weights([kernel.astype(np.float32), bias.astype(np.float32)])
    return model


def _predict_cases() -> list[tuple]:
    x, _ = digit_images()
    return [(_template_model("translation"), x[100:300]), (_template_model("zoom and rotation"), x[1000:1200])]


def _q3_args() -> tuple:
    x, _ = digit_images()
    return _template_model("translation"), x[:40]


def _q3_holds(args: tuple, result: Any) -> str | None:
    model, images = args
    import keras

    expected = np.argmax(keras.ops.convert_to_numpy(model(images, training=False)), axis=1)
    try:
        got = np.asarray(result)
    except (TypeError, ValueError):
        return f"returned {describe(result)}, not an array of class numbers."
    if got.shape != expected.shape:
        return f"returned an array of shape {got.shape}; it should have shape {expected.shape}, one class per image."
    wrong = int(np.sum(got != expected))
    if wrong:
        return (
            f"gave {wrong} of {len(expected)} images another class than the model's prediction in inference mode. "
            "Calling model(images) runs the augmentation layers, because their training flag defaults to on."
        )
    return None


q1 = Question(
    id="q1_class_subset",
    points=2,
    title="Keep some classes and number them from 0",
    checks=(
        PropertyCheck(
            args=(_Q1_X, _Q1_Y, (5, 7)),
            call="class_subset(x, [5, 0, 7, 5, 9], (5, 7))",
            holds=_q1_holds,
            tip="Keep the rows whose label is in classes, in their order, and give each the position of its label "
            "in classes.",
        ),
    ),
    probes=(
        FunctionProbe(
            cases=_class_subset_cases,
            transform=_subset_table,
            rtol=0.0,
            atol=1e-6,
            label="hidden labels and class lists, some out of order",
        ),
    ),
    hints=(
        "np.isin(y, classes) is True for the rows to keep; x[keep] and y[keep] keep them in order.",
        "The new label is the position of the old one in classes, not the old label minus the smallest class: "
        "for classes=(7, 2, 9) the label 2 becomes 1.",
        "lookup = {c: i for i, c in enumerate(classes)}; return x[keep], np.array([lookup[c] for c in y[keep]]).",
    ),
)

q2 = Question(
    id="q2_random_shift",
    points=2,
    title="Shift images at random without wrapping around",
    checks=(
        FreshCallCheck(
            make_args=_q2_args,
            call="random_shift(three copies of [[1, 2, 3], [4, 5, 6], [7, 8, 9]], 1, np.random.default_rng(0))",
            holds=_q2_holds,
            tip="Draw all shifts with one call rng.integers(-max_shift, max_shift + 1, size=(n, 2)); a positive dy "
            "moves the ink down, a positive dx to the right, and the pixels that come in are 0 (no np.roll).",
        ),
    ),
    probes=(
        FunctionProbe(
            cases=_shift_cases,
            rtol=0.0,
            atol=1e-9,
            label="hidden batches of images and shifts of up to 3 pixels",
        ),
    ),
    hints=(
        "Draw the shifts first, one (dy, dx) row per image: shifts = rng.integers(-max_shift, max_shift + 1, "
        "size=(len(images), 2)). Then start from out = np.zeros_like(images).",
        "np.roll wraps the ink that leaves one edge back in at the other: a digit is not meant to do that. "
        "Copy a slice of the image into a slice of out instead.",
        "With h rows, out[i, max(dy, 0):h + min(dy, 0)] = images[i, max(-dy, 0):h + min(-dy, 0)] shifts by dy rows; "
        "do the same on the columns with dx in the same statement.",
    ),
)

q3 = Question(
    id="q3_predict_classes",
    points=2,
    title="Predict classes with the augmentation switched off",
    checks=(
        FreshCallCheck(
            make_args=_q3_args,
            call="predict_classes(model, images)",
            holds=_q3_holds,
            tip="Use model.predict(images) or model(images, training=False), then the index of the largest "
            "probability in each row.",
        ),
    ),
    probes=(
        FunctionProbe(
            cases=_predict_cases,
            rtol=0.0,
            atol=0.0,
            label="hidden models with augmentation layers",
        ),
    ),
    hints=(
        "A Keras augmentation layer is random only in training mode. Which mode does a plain call model(images) use?",
        "In Keras 3 the call model(images) runs RandomTranslation and friends, because their training flag "
        "defaults to True; model.predict and model(images, training=False) run in inference mode.",
        "return np.argmax(model.predict(images, verbose=0), axis=1)",
    ),
)

_TRANSFER_REQUIREMENTS = ModelRequirements(input_shape=(8, 8, 1), output_units=5, output_activation="softmax")

q4 = Question(
    id="q4_transfer_head",
    points=4,
    title="Freeze the pretrained backbone and train a new head",
    checks=(
        ModelCheck(input_shape=(8, 8, 1), output_units=5, output_activation="softmax"),
        ModelHolds(_frozen_holds),
        ModelHolds(_augmentation_holds),
        ModelCheck(
            input_shape=(8, 8, 1),
            output_units=5,
            output_activation="softmax",
            data=visible_validation,
            minimum_accuracy=HEAD_ACCURACY,
            tip="Train the head longer, or with a larger learning rate (Adam(learning_rate=0.01) is fine for a head).",
        ),
    ),
    probes=(
        BackboneProbe(
            max_change=FROZEN_CHANGE,
            frozen=True,
            advice="The backbone was trained along with the head: freeze it (backbone.trainable = False) before "
            "you compile and fit.",
        ),
        InferenceProbe(),
        ModelProbe(heldout="ex09_new_digits", threshold=HEAD_ACCURACY, requirements=_TRANSFER_REQUIREMENTS),
    ),
    hints=(
        "Freeze first: backbone.trainable = False. Then build keras.Sequential([keras.Input(shape=(8, 8, 1)), "
        "augmentation layers, backbone, keras.layers.Dense(5, activation='softmax')]).",
        "Only the head's 1,285 parameters (256 * 5 + 5) should be trainable: model.summary() lists them as "
        "'Trainable params'. Compile after you freeze.",
        "For augmentation use keras.layers.RandomTranslation(0.125, 0.125, fill_mode='constant') and call it the "
        "normal way, without training=True. Compile with Adam(learning_rate=0.01) and fit about 40 epochs.",
    ),
)

q5 = Question(
    id="q5_fine_tune",
    points=3,
    title="Fine-tune the whole model with a low learning rate",
    checks=(
        ModelCheck(input_shape=(8, 8, 1), output_units=5, output_activation="softmax"),
        ModelHolds(_fine_tune_holds),
        ModelHolds(_augmentation_holds),
        ModelCheck(
            input_shape=(8, 8, 1),
            output_units=5,
            output_activation="softmax",
            data=visible_validation,
            minimum_accuracy=FINE_TUNE_ACCURACY,
            tip="Start from the trained head of question 4 and fine-tune with a low learning rate.",
        ),
    ),
    probes=(
        BackboneProbe(
            max_change=FINE_TUNE_CHANGE,
            advice="The fine-tuning learning rate is too high and rewrites the pretrained features: "
            "recompile with keras.optimizers.Adam(learning_rate=1e-4) or lower.",
        ),
        InferenceProbe(),
        ModelProbe(heldout="ex09_new_digits", threshold=FINE_TUNE_ACCURACY, requirements=_TRANSFER_REQUIREMENTS),
    ),
    hints=(
        "Unfreeze with backbone.trainable = True, then compile again: a change of trainable takes effect at compile.",
        "Fine-tuning nudges weights that are already good. A learning rate 100 times smaller than the head's keeps "
        "the nudges small: keras.optimizers.Adam(learning_rate=1e-4).",
        "backbone.trainable = True; transfer_model.compile(optimizer=keras.optimizers.Adam(1e-4), "
        "loss='sparse_categorical_crossentropy', metrics=['accuracy']); fit a few more epochs; "
        "fine_tuned_model = transfer_model.",
    ),
)

EXERCISE = Exercise(notebook="09_augmentation_and_transfer", questions=(q1, q2, q3, q4, q5))
