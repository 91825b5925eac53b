"""Model rules for transfer learning, read from the trusted scorer's report of a saved model.

The course's transferred models hold a pretrained model as one layer named
"backbone" (lesson and exercise 09). These rules read that layer and the layers
inside it from the report (`grader.modelscore.describe_model`: ``layers``,
``all_layers`` with their ``path``, ``weights`` of the layers a probe names in
``weights_of``), never from numbers the student's kernel reports. Each builder
returns a `keras_course.probes.ModelRule`.

Example:

>>> report = {"layers": [{"name": "backbone"}], "all_layers": [{"path": "backbone/conv", "class_name": "Conv2D"}]}
>>> uses_backbone(("Conv2D",)).check(report) is None
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from keras_course.probes import ModelRule

BACKBONE = "backbone"


def backbone_layers(report: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The top-level layer named "backbone" and the layers inside it, from the report.

    >>> backbone_layers({"layers": [{"name": "head"}], "all_layers": []})
    (None, [])
    """
    top = next((layer for layer in report.get("layers", []) if layer.get("name") == BACKBONE), None)
    inner = [layer for layer in report.get("all_layers", []) if str(layer.get("path", "")).startswith(f"{BACKBONE}/")]
    return top, inner


def uses_backbone(layer_classes: tuple[str, ...]) -> ModelRule:
    """A layer named "backbone" whose layers are of ``layer_classes``, in order (the given backbone, not another).

    >>> uses_backbone(("Conv2D",)).check({"layers": []})
    "has no layer named 'backbone': use the given backbone model itself as one layer (keep its name)"
    """

    def check(report: dict[str, Any]) -> str | None:
        top, inner = backbone_layers(report)
        if top is None:
            return "has no layer named 'backbone': use the given backbone model itself as one layer (keep its name)"
        if [layer.get("class_name") for layer in inner] != list(layer_classes):
            return "has a layer named 'backbone' that is not the given backbone"
        return None

    return ModelRule("layers", check)


def _augmented(report: dict[str, Any]) -> str | None:
    names = [layer.get("name") for layer in report.get("layers", [])]
    before = report.get("layers", [])[: names.index(BACKBONE)] if BACKBONE in names else []
    inside = tuple(f"{layer.get('name')}/" for layer in before)
    nested = [
        layer for layer in report.get("all_layers", []) if inside and str(layer.get("path", "")).startswith(inside)
    ]
    if not any(str(layer.get("class_name", "")).startswith("Random") for layer in (*before, *nested)):
        return "has no augmentation layer (RandomTranslation, RandomZoom, ...) in front of the backbone"
    return None


def augmented() -> ModelRule:
    """A Random... layer before the backbone, on its own or inside a model of its own (``keras.Sequential([...])``).

    >>> layers = [{"name": "random_zoom", "class_name": "RandomZoom"}, {"name": "backbone"}]
    >>> augmented().check({"layers": layers}) is None
    True
    """
    return ModelRule("augmentation", _augmented)


def frozen(head_params: int) -> ModelRule:
    """No trainable parameter inside the backbone, and exactly the head's ``head_params`` trainable in all.

    Read from the layers inside the backbone: a loaded model does not keep the nested model's own flag.

    >>> inside = [{"path": "backbone/c", "trainable_params": 0}]
    >>> frozen(5).check({"trainable_params": 5, "layers": [], "all_layers": inside})
    """

    def check(report: dict[str, Any]) -> str | None:
        _, inner = backbone_layers(report)
        still = sum(int(layer.get("trainable_params", 0)) for layer in inner)
        if still:
            return (
                f"has a backbone with {still} trainable parameters: set backbone.trainable = False before you compile"
            )
        if report.get("trainable_params") != head_params:
            return f"has {report.get('trainable_params')} trainable parameters; only the head's {head_params} should be"
        return None

    return ModelRule("trainable", check)


def _unfrozen(report: dict[str, Any]) -> str | None:
    _, inner = backbone_layers(report)
    still_frozen = [
        layer for layer in inner if layer.get("class_name") == "Conv2D" and not layer.get("trainable_params")
    ]
    if not inner or still_frozen:
        return (
            "has a backbone whose layers are still frozen: set `trainable = True` on the backbone itself (setting it "
            "on the outer model does not reach the layers inside it), then compile again"
        )
    return None


def unfrozen() -> ModelRule:
    """Every convolution inside the backbone is trainable again.

    >>> inside = [{"path": "backbone/c", "class_name": "Conv2D", "trainable_params": 9}]
    >>> unfrozen().check({"layers": [], "all_layers": inside})
    """
    return ModelRule("trainable", _unfrozen)


def backbone_change(report: dict[str, Any], pristine: Callable[[], np.ndarray]) -> tuple[float, float] | None:
    """The largest and the relative change of the saved backbone's weights from ``pristine()`` (None if not comparable).

    >>> backbone_change({"weights": {"backbone": [[1.0, 4.0]]}}, lambda: np.array([1.0, 2.0]))
    (2.0, 0.8944271909999159)
    """
    arrays = (report.get("weights") or {}).get(BACKBONE)
    if not arrays:
        return None
    got, pristine = np.concatenate([np.asarray(a, dtype=np.float64) for a in arrays]), pristine()
    if got.shape != pristine.shape:
        return None
    change = got - pristine
    return float(np.max(np.abs(change))), float(np.linalg.norm(change) / np.linalg.norm(pristine))


def kept_pretrained(pristine: Callable[[], np.ndarray], atol: float) -> ModelRule:
    """The backbone's weights are the pretrained ones (``pristine()``, flattened), each within ``atol``.

    >>> kept_pretrained(lambda: np.ones(2), 1e-6).check({"weights": {"backbone": [[1.0, 1.0]]}}) is None
    True
    """

    def check(report: dict[str, Any]) -> str | None:
        change = backbone_change(report, pristine)
        if change is None:
            return "has no backbone with the pretrained backbone's weights"
        if change[0] > atol:
            return (
                f"has backbone weights that moved by {change[1]:.1%} of their size since pretraining: the backbone was "
                "trained along with the head. Start again from pretrained_backbone() and freeze it before you fit"
            )
        return None

    return ModelRule("weights", check)


def moved_a_little(pristine: Callable[[], np.ndarray], atol: float, at_most: float) -> ModelRule:
    """The backbone's weights moved from ``pristine()`` (one by over ``atol``), by at most ``at_most`` of their size.

    >>> moved_a_little(lambda: np.ones(2), 1e-6, 0.1).check({"weights": {"backbone": [[1.0, 1.0]]}})
    'has backbone weights exactly as pretrained: fine-tuning did not train the backbone'
    """

    def check(report: dict[str, Any]) -> str | None:
        change = backbone_change(report, pristine)
        if change is None:
            return "has no backbone with the pretrained backbone's weights"
        if change[0] <= atol:
            return "has backbone weights exactly as pretrained: fine-tuning did not train the backbone"
        if change[1] > at_most:
            return (
                f"has backbone weights that moved by {change[1]:.0%} of their size; at most {at_most:.0%} is expected"
            )
        return None

    return ModelRule("weights", check)


def learning_rate_at_most(highest: float, task: str) -> ModelRule:
    """The saved optimizer's learning rate is positive and at most ``highest`` (``task`` names what asks for it).

    >>> compiled = {"optimizer": {"config": {"learning_rate": 0.01}}}
    >>> learning_rate_at_most(1e-4, "fine-tuning").check({"compile": compiled})
    'is compiled with a learning rate of 0.01; fine-tuning asks for 0.0001 or lower'
    """

    def check(report: dict[str, Any]) -> str | None:
        rate = (((report.get("compile") or {}).get("optimizer") or {}).get("config") or {}).get("learning_rate")
        if not isinstance(rate, int | float) or not 0 < rate <= highest * (1 + 1e-6):
            return f"is compiled with a learning rate of {rate!r}; {task} asks for {highest:g} or lower"
        return None

    return ModelRule("compile", check)


# Visible checks of a transferred model: ``holds(model)`` for an AnswerPropertyCheck, run on the live model in the
# kernel. They teach and never decide.


def frozen_visible(pristine: Callable[[], np.ndarray], atol: float) -> Callable[[Any], str | None]:
    """The live model holds a frozen backbone with its pretrained weights, after an augmentation layer.

    >>> frozen_visible(lambda: np.zeros(1), 1e-6)("not a model")
    'is not a Keras model.'
    """

    def holds(model: Any) -> str | None:
        import keras

        if not isinstance(model, keras.Model):
            return "is not a Keras model."
        names = [layer.name for layer in model.layers]
        if BACKBONE not in names:
            return "has no layer named 'backbone': use the given backbone model itself as one layer."
        backbone = model.get_layer(BACKBONE)
        if backbone.trainable_weights:
            return (
                "still has a trainable backbone; it should have 0 trainable parameters. Set backbone.trainable = False."
            )
        moved = np.max(np.abs(np.concatenate([w.ravel() for w in backbone.get_weights()]) - pristine()))
        if moved > atol:
            return "has a backbone whose weights changed since pretraining. Start again from pretrained_backbone()."
        before = model.layers[: names.index(BACKBONE)]
        nested = [inner for layer in before for inner in getattr(layer, "layers", [])]
        if not any(type(layer).__name__.startswith("Random") for layer in (*before, *nested)):
            return "has no augmentation layer in front of the backbone."
        return None

    return holds


def fine_tuned_visible(highest_rate: float) -> Callable[[Any], str | None]:
    """The live model's backbone is trainable again and its optimizer's learning rate is at most ``highest_rate``.

    >>> fine_tuned_visible(1e-4)(None)
    "should be your transferred model, with its layer named 'backbone'."
    """

    def holds(model: Any) -> str | None:
        import keras

        if not isinstance(model, keras.Model) or BACKBONE not in [layer.name for layer in model.layers]:
            return "should be your transferred model, with its layer named 'backbone'."
        backbone = model.get_layer(BACKBONE)
        if not backbone.trainable or not all(layer.trainable for layer in backbone.layers):
            return (
                "has a backbone that is still frozen, so fitting again only trains the head. "
                "Set backbone.trainable = True."
            )
        rate = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) if model.optimizer else None
        if rate is None or rate > highest_rate * (1 + 1e-6):
            return f"is compiled with a learning rate of {rate}; recompile with Adam(learning_rate=1e-4) or lower."
        return None

    return holds
