"""Exercise 09, augmentation and transfer learning: split classes, shift images, predict in inference mode, transfer.

The data is scikit-learn's 8x8 digits as images of shape (8, 8, 1) with grey
levels scaled to 0..1. A backbone (two convolutions) is pretrained on the digits
0 to 4 by `pretrained_backbone`; the student transfers it to the digits 5 to 9
(relabelled 0 to 4) from a small training set of a few images per class.

Mistakes the hidden tests catch: a class split that keeps the old labels,
relabels by subtracting the smallest class or by sorted position (wrong for
classes out of order) or in a loop ``y[y == c] = i`` (wrong when a new number
is a class met later), flattens the kept rows, or gives labels as floats or as
a column; a shift that wraps pixels around the edge (np.roll), moves the wrong
way, draws one shift for the whole batch or dy and dx in two draws, draws from
``np.random`` instead of the given generator, writes into the caller's images,
returns them instead of a new array (``max_shift=0``), or returns another dtype;
predictions made by calling the model directly (augmentation at test time), as
probabilities, as floats, or squeezed to a number for a batch of one; and, read
by the trusted scorer from the saved models: a backbone that is not the given
one (or not named "backbone"), no augmentation layer in front of it, a head
backbone left trainable or trained at all (its weights must be bit for bit the
pretrained ones), other trainable parameters, another optimizer, learning rate
or loss; for fine-tuning, a backbone still frozen (``trainable`` set on the
outer model only, which in Keras 3 does not reach the layers inside it), a
backbone unfrozen without compiling again (it keeps the head's learning rate
and its weights do not move), a learning rate above 1e-4, a backbone moved too
far, and held-out accuracy below the threshold.

Keras 3 overrides a ``training=True`` written into a functional model with the
``training=False`` of ``predict``, and the scorer loads built-in layers only,
so a saved model cannot augment at test time; question 3 tests the plain call
``model(x)``, where augmentation does run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from grader.checks import AnswerPropertyCheck, FreshCallCheck, ModelCheck, PropertyCheck, describe
from grader.model_spec import ModelSpec
from grader.probes import ModelProbe, ModelRequirements, ModelRule, compiled_with, function_probes
from grader.question import Exercise, Question, Requirement
from grader.transfer import NEW_CLASSES as NEW_CLASSES  # re-exported: notebook 09 and its tests import these from here
from grader.transfer import digit_images as digit_images
from grader.transfer import pretrained_backbone as pretrained_backbone
from grader.transfer import pristine_weights as pristine_weights
from grader.transfer import shift_images as shift_images
from grader.transfer import transfer_data

BACKBONE_LAYERS = ("Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten")
HEAD_PARAMS = 256 * 5 + 5
HEAD_RATE = 0.01
FINE_TUNE_MAX_RATE = 1e-4
# Held-out accuracy, measured with `pretrained_backbone` trained in float64 (5 seeds, two secrets,
# TF_NUM_INTRAOP_THREADS=1): the solution 0.73-0.80 (0.768, 0.786, 0.789, 0.737, 0.743 with the tests' secret),
# functional with RandomZoom 0.727-0.729, Dense then Softmax 0.768; no augmentation 0.653. An unfrozen backbone
# reaches 0.86: accuracy cannot see that mistake, the trainable and weights rules do.
HEAD_ACCURACY = 0.70
# Fine-tuned 10 epochs: lr 1e-4 0.74-0.82 over 5 seeds, 1e-5 0.78, functional 3e-5 0.77. Too high a rate scores as
# well (1e-3 0.82, 1e-2 0.82): the compile rule (learning rate at most 1e-4) decides that mistake.
FINE_TUNE_ACCURACY = 0.70
FROZEN_ATOL = 1e-6  # a frozen backbone keeps its float32 weights bit for bit; one Adam step moves them by ~lr
# Relative change of the backbone's weights |w - w0| / |w0| after fine-tuning: lr 1e-4 0.008-0.0096 (5 seeds),
# 1e-4 for 40 epochs 0.023, 1e-5 0.0012, 3e-5 0.0038; 1e-3 0.055, 1e-2 0.41; not recompiled, or trainable set on
# the outer model only: 0 (caught by "moved at all"). The cap is the question's 10%.
FINE_TUNE_CHANGE = 0.10


# Data: the digits as images, split by class.


def _perturb(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A label-preserving change: a shift of up to one pixel, a little lighter or darker, a little noise."""
    shifted = shift_images(x, rng.integers(-1, 2, size=(len(x), 2)))
    brightness = rng.uniform(0.85, 1.15, size=(len(x), 1, 1, 1))
    noisy = shifted * brightness + rng.normal(0.0, 0.04, size=x.shape)
    return np.clip(noisy, 0.0, 1.0).astype(np.float32)


def visible_validation() -> tuple[np.ndarray, np.ndarray]:
    """The validation images of `transfer_data`, perturbed like the grader's held-out images (a public seed)."""
    _, _, x_val, y_val = transfer_data()
    return _perturb(x_val, np.random.default_rng(2024)), y_val


# The pretrained backbone.

# Rules for a saved transferred model, decided on the trusted scorer's report (never on the kernel's word).


def _backbone_facts(report: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The top-level layer named "backbone" and the layers inside it, from the report."""
    top = next((layer for layer in report.get("layers", []) if layer.get("name") == "backbone"), None)
    inner = [layer for layer in report.get("all_layers", []) if str(layer.get("path", "")).startswith("backbone/")]
    return top, inner


def _uses_backbone(report: dict[str, Any]) -> str | None:
    top, inner = _backbone_facts(report)
    if top is None:
        return "has no layer named 'backbone': use the given backbone model itself as one layer (keep its name)"
    if [layer.get("class_name") for layer in inner] != list(BACKBONE_LAYERS):
        return "has a layer named 'backbone' that is not the given backbone"
    return None


def _augmented(report: dict[str, Any]) -> str | None:
    """A Random... layer before the backbone, on its own or inside a model of its own (``keras.Sequential([...])``)."""
    names = [layer.get("name") for layer in report.get("layers", [])]
    before = report.get("layers", [])[: names.index("backbone")] if "backbone" in names else []
    inside = tuple(f"{layer.get('name')}/" for layer in before)
    nested = [layer for layer in report.get("all_layers", []) if inside and str(layer.get("path", "")).startswith(inside)]
    if not any(str(layer.get("class_name", "")).startswith("Random") for layer in (*before, *nested)):
        return "has no augmentation layer (RandomTranslation, RandomZoom, ...) in front of the backbone"
    return None


def _frozen(report: dict[str, Any]) -> str | None:
    """Read from the layers inside the backbone: a loaded model does not keep the nested model's own flag."""
    _, inner = _backbone_facts(report)
    still = sum(int(layer.get("trainable_params", 0)) for layer in inner)
    if still:
        return f"has a backbone with {still} trainable parameters: set backbone.trainable = False before you compile"
    if report.get("trainable_params") != HEAD_PARAMS:
        return f"has {report.get('trainable_params')} trainable parameters; only the head's {HEAD_PARAMS} should be"
    return None


def _unfrozen(report: dict[str, Any]) -> str | None:
    _, inner = _backbone_facts(report)
    frozen = [layer for layer in inner if layer.get("class_name") == "Conv2D" and not layer.get("trainable_params")]
    if not inner or frozen:
        return (
            "has a backbone whose layers are still frozen: set `trainable = True` on the backbone itself (setting it "
            "on the outer model does not reach the layers inside it), then compile again"
        )
    return None


def _backbone_change(report: dict[str, Any]) -> tuple[float, float] | None:
    """The largest and the relative change of the saved backbone's weights from the pretrained ones."""
    arrays = (report.get("weights") or {}).get("backbone")
    if not arrays:
        return None
    got, pristine = np.concatenate([np.asarray(a, dtype=np.float64) for a in arrays]), pristine_weights()
    if got.shape != pristine.shape:
        return None
    change = got - pristine
    return float(np.max(np.abs(change))), float(np.linalg.norm(change) / np.linalg.norm(pristine))


def _kept_pretrained(report: dict[str, Any]) -> str | None:
    change = _backbone_change(report)
    if change is None:
        return "has no backbone with the pretrained backbone's weights"
    if change[0] > FROZEN_ATOL:
        return (
            f"has backbone weights that moved by {change[1]:.1%} of their size since pretraining: the backbone was "
            "trained along with the head. Start again from pretrained_backbone() and freeze it before you fit"
        )
    return None


def _moved_a_little(report: dict[str, Any]) -> str | None:
    change = _backbone_change(report)
    if change is None:
        return "has no backbone with the pretrained backbone's weights"
    if change[0] <= FROZEN_ATOL:
        return "has backbone weights exactly as pretrained: fine-tuning did not train the backbone"
    if change[1] > FINE_TUNE_CHANGE:
        return f"has backbone weights that moved by {change[1]:.0%} of their size; at most {FINE_TUNE_CHANGE:.0%} is expected"
    return None


def _low_learning_rate(report: dict[str, Any]) -> str | None:
    rate = (((report.get("compile") or {}).get("optimizer") or {}).get("config") or {}).get("learning_rate")
    if not isinstance(rate, int | float) or not 0 < rate <= FINE_TUNE_MAX_RATE * (1 + 1e-6):
        return f"is compiled with a learning rate of {rate!r}; fine-tuning asks for {FINE_TUNE_MAX_RATE:g} or lower"
    return None


_TRANSFER_COMMON = (ModelRule("layers", _uses_backbone), ModelRule("augmentation", _augmented))
_LOSS = "sparse_categorical_crossentropy"


_TRANSFERRED_MODEL = ModelSpec(input_shape=(8, 8, 1), output_units=5, output_activation="softmax")  # q4 and q5, checked and probed


def _transfer_requirements(*rules: ModelRule) -> ModelRequirements:
    return ModelRequirements(_TRANSFERRED_MODEL, rules=(*_TRANSFER_COMMON, *rules))


# Visible checks of a transferred model: run in the kernel, they teach and never decide.


def _frozen_visible(model: Any) -> str | None:
    import keras

    if not isinstance(model, keras.Model):
        return "is not a Keras model."
    names = [layer.name for layer in model.layers]
    if "backbone" not in names:
        return "has no layer named 'backbone': use the given backbone model itself as one layer."
    backbone = model.get_layer("backbone")
    if backbone.trainable_weights:
        return "still has a trainable backbone; it should have 0 trainable parameters. Set backbone.trainable = False."
    moved = np.max(np.abs(np.concatenate([w.ravel() for w in backbone.get_weights()]) - pristine_weights()))
    if moved > FROZEN_ATOL:
        return "has a backbone whose weights changed since pretraining. Start again from pretrained_backbone()."
    before = model.layers[: names.index("backbone")]
    nested = [inner for layer in before for inner in getattr(layer, "layers", [])]
    if not any(type(layer).__name__.startswith("Random") for layer in (*before, *nested)):
        return "has no augmentation layer in front of the backbone."
    return None


def _fine_tune_visible(model: Any) -> str | None:
    import keras

    if not isinstance(model, keras.Model) or "backbone" not in [layer.name for layer in model.layers]:
        return "should be your transferred model, with its layer named 'backbone'."
    backbone = model.get_layer("backbone")
    if not backbone.trainable or not all(layer.trainable for layer in backbone.layers):
        return (
            "has a backbone that is still frozen, so fitting again only trains the head. Set backbone.trainable = True."
        )
    rate = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) if model.optimizer else None
    if rate is None or rate > FINE_TUNE_MAX_RATE * (1 + 1e-6):
        return f"is compiled with a learning rate of {rate}; recompile with Adam(learning_rate=1e-4) or lower."
    return None


# Transforms run in the kernel on the student's result: one part of it, or a fact about its type.


def _first(result: Any) -> Any:
    return result[0]


def _second(result: Any) -> Any:
    return np.asarray(result[1])


def _integers_flag(value: Any) -> np.ndarray:
    """1 when ``value`` is an array (or list) of integers, else 0."""
    return np.ones(1) if np.asarray(value).dtype.kind in "iu" else np.zeros(1)


def _new_array_flag(args: tuple, result: Any) -> np.ndarray:
    """1 when the result is an array of its own, 0 when it is (or looks into) the images it was given (kernel side)."""
    shared = isinstance(result, np.ndarray) and np.shares_memory(result, args[0])
    return np.zeros(1) if shared else np.ones(1)


def _dtype_code(value: Any) -> np.ndarray:
    """The kind and size of the result's dtype, as numbers: float32 is [102, 4]."""
    dtype = np.asarray(value).dtype
    return np.array([ord(dtype.kind), dtype.itemsize])


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
        (12, (6, 5), (8, 1)),
    ]:
        x = rng.normal(size=(n, *shape)).astype(np.float32)
        cases.append((x, rng.integers(0, 10, size=n), classes))
    # Classes whose new numbers are old labels met later in the list: relabelling in a loop, y[y == c] = i, turns
    # the 4s into 0s and then those 0s into 2s. And a single kept row of shape (1,), which np.squeeze would drop.
    collide = np.array([4, 1, 2, 0, 9, 2, 0, 4, 1, 3, 0, 2])
    cases.append((rng.normal(size=(len(collide), 1)).astype(np.float32), collide, (4, 2, 0, 1)))
    cases.append((rng.normal(size=(9, 1)).astype(np.float32), np.array([3, 1, 4, 1, 5, 0, 2, 6, 5]), (6,)))
    return cases


_Q1_X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]], dtype=np.float32)
_Q1_Y = np.array([5, 0, 7, 5, 9])


def _q1_holds(result: Any) -> str | None:
    try:
        x_sub, y_sub = result
    except (TypeError, ValueError):
        return f"returned {describe(result)}; it should return a pair (x_sub, y_sub)."
    x_sub, y_sub = np.asarray(x_sub), np.asarray(y_sub)
    if x_sub.shape != (3, 1) or not np.allclose(x_sub, [[0.0], [2.0], [3.0]]):
        return f"x_sub is {describe(x_sub)}; it should be the rows 0, 2 and 3 of x: [[0.], [2.], [3.]]."
    if y_sub.shape != (3,) or not np.array_equal(y_sub, [0, 1, 0]) or y_sub.dtype.kind not in "iu":
        return (
            f"y_sub is {describe(y_sub)}; it should be [0, 1, 0] (integers, shape (3,)): label 5 is class number 0 "
            "of classes=(5, 7), label 7 is number 1."
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
    probes=function_probes(
        (_class_subset_cases, "hidden data (x_sub)", "rows", {"transform": _first}),
        (_class_subset_cases, "hidden labels and class lists, some out of order (y_sub)",
            ("labels",), {"transform": _second}),
        (_class_subset_cases, "hidden labels (are the new labels integers?)",
            ("labels",), {"transform": lambda result: _integers_flag(result[1])}),
        atol=0.0,
        rtol=0.0,
    ),
    hints=(
        "np.isin(y, classes) is True for the rows to keep; x[keep] and y[keep] keep them in order.",
        "The new label is the position of the old one in classes, not the old label minus the smallest class: "
        "for classes=(7, 2, 9) the label 2 becomes 1.",
        "lookup = {c: i for i, c in enumerate(classes)}; return x[keep], np.array([lookup[c] for c in y[keep]]).",
    ),
    requirements=(
        Requirement("rows", "keeps the rows of `x` whose label is in `classes`, in their order and with their shape"),
        Requirement("labels", "gives each kept row the position of its label in `classes`, as integers of shape (n,)"),
        Requirement("unchanged", "leaves `x` and `y` unchanged"),
    ),
)


# Question 2: a label-preserving random shift.


def _shift_images_for_cases() -> list[np.ndarray]:
    x, _ = digit_images()
    rng = np.random.default_rng(902)
    small = rng.uniform(0.0, 1.0, size=(12, 5, 7))
    grey = (x[70:80, :, :, 0] * 255).astype(np.uint8)
    return [x[:40, :, :, 0], x[40:70, :, :, 0], small, small, x[80:81, :, :, 0], grey]


def _shift_cases() -> list[tuple]:
    """Images, max_shift and an integer seed (the probe turns it into ``np.random.default_rng(seed)``)."""
    return list(zip(_shift_images_for_cases(), (1, 2, 3, 0, 2, 1), (11, 12, 13, 14, 15, 16), strict=True))


def _shift_dtype_cases() -> list[tuple]:
    return [(images, shift, np.random.default_rng(seed)) for images, shift, seed in _shift_cases()]


def _q2_args() -> tuple:
    images = np.array([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]] * 3)
    return images, 1, np.random.default_rng(0)


def _q2_holds(args: tuple, result: Any) -> str | None:
    expected = shift_images(_q2_args()[0], np.random.default_rng(0).integers(-1, 2, size=(3, 2)))
    got = np.asarray(result, dtype=np.float64) if result is not None else None
    if got is None or got.shape != expected.shape:
        return f"returned {describe(result)}; it should return an array of shape {expected.shape}, like its input."
    if not np.array_equal(got, expected):
        return f"returned {describe(got)}, but it should return {describe(expected)}."
    if not np.array_equal(args[0], _q2_args()[0]):
        return "changed the images it was given; build a new array (np.zeros_like(images)) instead."
    return None


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
    probes=function_probes(
        (_shift_cases, "hidden batches of images and shifts of up to 3 pixels",
            ("value", "generator", "unchanged"), {"atol": 1e-9, "generator": 2}),
        (_shift_dtype_cases, "hidden batches of float and integer images (the dtype of your result)",
            ("dtype",), {"transform": _dtype_code}),
        (_shift_dtype_cases, "hidden batches of images (is your result a new array?)",
            ("dtype",), {"observe": _new_array_flag}),
        atol=0.0,
        rtol=0.0,
    ),
    hints=(
        "Draw the shifts first, one (dy, dx) row per image: shifts = rng.integers(-max_shift, max_shift + 1, "
        "size=(len(images), 2)). Then start from out = np.zeros_like(images).",
        "np.roll wraps the ink that leaves one edge back in at the other: a digit is not meant to do that. "
        "Copy a slice of the image into a slice of out instead.",
        "With h rows, out[i, max(dy, 0):h + min(dy, 0)] = images[i, max(-dy, 0):h + min(-dy, 0)] shifts by dy rows; "
        "do the same on the columns with dx in the same statement.",
    ),
    requirements=(
        Requirement(
            "value",
            "moves image `i` by the `i`-th row `(dy, dx)` of that one draw, down and right for positive values, "
            "filling with zeros and never wrapping around",
        ),
        Requirement("generator", "draws every random number from `rng`"),
        Requirement("dtype", "returns a new array of the same shape and dtype"),
        Requirement("unchanged", "leaves `images` unchanged"),
    ),
)


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
    return [
        (_template_model("translation"), x[100:300]),
        (_template_model("zoom and rotation"), x[1000:1200]),
        (_template_model("translation"), x[500:501]),  # a batch of one
    ]


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
    if got.dtype.kind not in "iu":
        return f"returned class numbers of dtype {got.dtype}; they should be integers (np.argmax gives them)."
    return None


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
    probes=function_probes(
        (_predict_cases, "hidden models with augmentation layers", "value"),
        (_predict_cases, "hidden models (are the classes integers?)", ("integers",), {"transform": _integers_flag}),
        atol=0.0,
        rtol=0.0,
    ),
    hints=(
        "A Keras augmentation layer is random only in training mode. Which mode does a plain call model(images) use?",
        "In Keras 3 the call model(images) runs RandomTranslation and friends, because their training flag "
        "defaults to True; model.predict and model(images, training=False) run in inference mode.",
        "return np.argmax(model.predict(images, verbose=0), axis=1)",
    ),
    requirements=(
        Requirement(
            "value",
            "returns the class with the largest probability for each image, computed in inference mode, in an "
            "array of shape (n,), a batch of one included",
        ),
        Requirement("integers", "returns the classes as integers"),
        Requirement("unchanged", "leaves `images` unchanged"),
    ),
)


# Questions 4 and 5: the transferred model, read and scored by the trusted scorer.

_TRANSFER_HINT = "Train the head longer, or check that the backbone is frozen and the augmentation is in front of it."
_TRANSFER_REQUIREMENTS = (
    Requirement("input", "takes images of shape (8, 8, 1)"),
    Requirement(
        "layers",
        "uses the given backbone itself as one layer named `backbone`, followed by a `Dense` output layer of 5 "
        "units with the softmax activation",
    ),
    Requirement("augmentation", "has at least one augmentation layer in front of the backbone"),
)
_HELDOUT_REQUIREMENT = Requirement("heldout", "reaches an accuracy of at least 0.70 on held-out digits")


def _transferred_checks(name: str, holds: Callable[[Any], str | None], accuracy: float, tip: str) -> tuple:
    """The visible checks of a transferred model: its shape, what ``holds`` says of it, then its accuracy."""
    return (
        ModelCheck(_TRANSFERRED_MODEL),
        AnswerPropertyCheck(name, holds),
        ModelCheck(_TRANSFERRED_MODEL, data=visible_validation, minimum_accuracy=accuracy, tip=tip),
    )


q4 = Question(
    id="q4_transfer_head",
    points=4,
    title="Freeze the pretrained backbone and train a new head",
    checks=_transferred_checks("transfer_model", _frozen_visible, HEAD_ACCURACY, _TRANSFER_HINT),
    probes=(
        ModelProbe(
            heldout="ex09_new_digits",
            threshold=HEAD_ACCURACY,
            requirements=_transfer_requirements(
                ModelRule("trainable", _frozen),
                ModelRule("weights", _kept_pretrained),
                compiled_with(loss=_LOSS, optimizer="Adam", learning_rate=HEAD_RATE, from_logits=False),
            ),
            covers=("input", "layers", "augmentation", "trainable", "weights", "compile", "heldout"),
            weights_of=("backbone",),
        ),
    ),
    hints=(
        "Freeze first: backbone.trainable = False. Then build keras.Sequential([keras.Input(shape=(8, 8, 1)), "
        "augmentation layers, backbone, keras.layers.Dense(5, activation='softmax')]).",
        "Only the head's 1,285 parameters (256 * 5 + 5) should be trainable: model.summary() lists them as "
        "'Trainable params'. Compile after you freeze.",
        "For augmentation use keras.layers.RandomTranslation(0.125, 0.125, fill_mode='constant') and call it the "
        "normal way, without training=True. Compile with Adam(learning_rate=0.01) and fit about 40 epochs.",
    ),
    requirements=(
        *_TRANSFER_REQUIREMENTS,
        Requirement("trainable", "has a frozen backbone: the head's 1285 parameters are the only trainable ones"),
        Requirement("weights", "keeps the pretrained backbone's weights exactly as they were"),
        Requirement("compile", "is compiled with `Adam(learning_rate=0.01)` and the sparse categorical cross-entropy"),
        _HELDOUT_REQUIREMENT,
    ),
)

q5 = Question(
    id="q5_fine_tune",
    points=3,
    title="Fine-tune the whole model with a low learning rate",
    checks=_transferred_checks(
        "fine_tuned_model", _fine_tune_visible, FINE_TUNE_ACCURACY,
        "Start from the trained head of question 4 and fine-tune with a low learning rate.",
    ),
    probes=(
        ModelProbe(
            heldout="ex09_new_digits",
            threshold=FINE_TUNE_ACCURACY,
            requirements=_transfer_requirements(
                ModelRule("trainable", _unfrozen),
                compiled_with(loss=_LOSS, optimizer="Adam", from_logits=False),
                ModelRule("compile", _low_learning_rate),
                ModelRule("weights", _moved_a_little),
            ),
            covers=("input", "layers", "augmentation", "trainable", "compile", "weights", "heldout"),
            weights_of=("backbone",),
        ),
    ),
    hints=(
        "Unfreeze with backbone.trainable = True, then compile again: a change of trainable takes effect at compile.",
        "Fine-tuning nudges weights that are already good. A learning rate 100 times smaller than the head's keeps "
        "the nudges small: keras.optimizers.Adam(learning_rate=1e-4).",
        "backbone.trainable = True; transfer_model.compile(optimizer=keras.optimizers.Adam(1e-4), "
        "loss='sparse_categorical_crossentropy', metrics=['accuracy']); fit a few more epochs; "
        "fine_tuned_model = transfer_model.",
    ),
    requirements=(
        *_TRANSFER_REQUIREMENTS,
        Requirement("trainable", "has every layer of the backbone trainable again"),
        Requirement(
            "compile",
            "is compiled again after unfreezing, with Adam at a learning rate of 1e-4 or lower and the sparse "
            "categorical cross-entropy",
        ),
        Requirement("weights", "moves the backbone's weights, but only a little (at most 10% of their size)"),
        _HELDOUT_REQUIREMENT,
    ),
)

EXERCISE = Exercise(notebook="09_augmentation_and_transfer", questions=(q1, q2, q3, q4, q5))
