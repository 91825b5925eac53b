"""Model rules about the layers of a saved model, read from the trusted scorer's report.

The report (`grader.modelscore.describe_model`) lists the top-level ``layers``
and, nested models opened, ``all_layers``. These helpers read wrapped layers
(``Bidirectional``, ``TimeDistributed``) as the layer they wrap and skip the
containers, so a rule asks about the computation, not about how it was written.
Each rule builder returns a `keras_course.probes.ModelRule`.

Example:

>>> report = {"layers": [{"class_name": "GRU", "units": 8, "config": {}},
...                      {"class_name": "Dense", "units": 1, "activation": "linear"}]}
>>> linear_dense_output().check(report) is None
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_course.probes import ModelRule

RECURRENT = ("SimpleRNN", "GRU", "LSTM")
CONTAINERS = frozenset({"InputLayer", "Sequential", "Functional", "Model"})
_WRAPPERS = ("Bidirectional", "TimeDistributed")


def unwrapped(layer: dict[str, Any]) -> dict[str, Any]:
    """A wrapper layer (Bidirectional, TimeDistributed) read as the layer it wraps; other layers as they are.

    >>> dense = {"class_name": "Dense", "config": {"units": 1}}
    >>> unwrapped({"class_name": "TimeDistributed", "config": {"layer": dense}})
    {'class_name': 'Dense', 'units': 1, 'activation': None, 'config': {'units': 1}}
    """
    if layer.get("class_name") not in _WRAPPERS:
        return layer
    inner = (layer.get("config") or {}).get("layer") or {}
    config = inner.get("config") or {}
    return {
        "class_name": inner.get("class_name"),
        "units": config.get("units"),
        "activation": config.get("activation"),
        "config": config,
    }


def output_layer(report: dict[str, Any]) -> dict[str, Any]:
    """The last layer with activation layers folded in; ``TimeDistributed(Dense(1))`` reads as ``Dense(1)``.

    >>> output_layer({"layers": [{"class_name": "Dense", "units": 1, "activation": "linear"},
    ...                          {"class_name": "Activation", "activation": "relu"}]})["activation"]
    'relu'
    """
    from keras_course.measures import fold_activations

    layers = fold_activations(report.get("layers", []))
    last = layers[-1] if layers else {}
    inner = unwrapped(last)
    folded = last.get("activation")
    return {**inner, "activation": folded if folded not in (None, "linear") else inner.get("activation") or "linear"}


def _linear_dense_output(report: dict[str, Any]) -> str | None:
    last = output_layer(report)
    if last.get("class_name") != "Dense" or last.get("units") != 1:
        return (
            f"ends with a {last.get('class_name')} layer of {last.get('units')} unit(s), not a Dense layer of one unit"
        )
    if last.get("activation") != "linear":
        return f"ends with the activation {last.get('activation')!r}; the output Dense layer takes no activation"
    return None


def linear_dense_output() -> ModelRule:
    """The model ends with a Dense layer of one unit and no activation (a regression output), wrappers read through.

    >>> linear_dense_output().check({"layers": [{"class_name": "Dense", "units": 1, "activation": "tanh"}]})
    "ends with the activation 'tanh'; the output Dense layer takes no activation"
    """
    return ModelRule("layers", _linear_dense_output)


def every_recurrent_layer(kinds: tuple[str, ...], units: int, why: str) -> ModelRule:
    """Every recurrent layer is one of ``kinds`` (e.g. GRU or LSTM), of ``units`` units, with ``return_sequences=True``.

    ``why`` finishes the message for a layer that hands on only its last state.

    >>> rule = every_recurrent_layer(("GRU", "LSTM"), 16, "the model cannot answer at every step")
    >>> rule.check({"all_layers": [{"class_name": "GRU", "units": 16, "config": {"return_sequences": False}}]})[:60]
    'has a GRU layer without return_sequences=True, so it hands o'
    """
    wanted = " or ".join(kinds)
    asked = " (or an ".join(kinds) + ")" * (len(kinds) - 1)

    def check(report: dict[str, Any]) -> str | None:
        layers = [
            layer for layer in report.get("all_layers", []) if layer.get("class_name") in (*RECURRENT, "Bidirectional")
        ]
        if not layers:
            return f"has no {wanted} layer"
        for layer in layers:
            name = layer.get("class_name")
            if name not in kinds:
                return f"uses a {name} layer where the question asks for a {asked}"
            if layer.get("units") != units:
                return f"has a {name} layer of {layer.get('units')} units, not {units}"
            if not (layer.get("config") or {}).get("return_sequences"):
                return f"has a {name} layer without return_sequences=True, so it hands on only its last state and {why}"
        return None

    return ModelRule("layers", check)


def exact_layers(first: tuple[str, ...], then: str, ignored: frozenset[str] = frozenset({"Dropout"})) -> ModelRule:
    """Exactly two layers after the input, ``ignored`` ones aside: one of ``first``, then a ``then`` layer.

    Wrappers are read as the layer they wrap, activation layers folded into the layer before them.

    >>> rule = exact_layers(("GRU", "LSTM"), "Dense")
    >>> rule.check({"all_layers": [{"class_name": "GRU"}, {"class_name": "Dropout"}, {"class_name": "Dense"}]}) is None
    True
    """

    def check(report: dict[str, Any]) -> str | None:
        from keras_course.measures import fold_activations

        layers = fold_activations(
            [layer for layer in report.get("all_layers", []) if layer.get("class_name") not in CONTAINERS]
        )
        names = [name for name in (unwrapped(layer).get("class_name") for layer in layers) if name not in ignored]
        if len(names) != 2 or names[0] not in first or names[1] != then:
            asked = " (or ".join(first) + ")" * (len(first) - 1)
            return (
                f"has the layers {', '.join(map(str, names))} after its input, where the question asks for exactly two "
                f"(dropout aside): a {asked} layer, then the {then} output"
            )
        return None

    return ModelRule("layers", check)


def last_recurrent_returns_one_vector(per: str, steps: str) -> ModelRule:
    """At least one recurrent layer (wrappers read through), the last of which leaves ``return_sequences`` off.

    ``per`` names what one output answers (a window), ``steps`` what a sequence is made of (years).

    >>> rule = last_recurrent_returns_one_vector("window", "year")
    >>> rule.check({"all_layers": [{"class_name": "Dense"}]})
    'has no recurrent layer (GRU, LSTM or SimpleRNN)'
    """

    def check(report: dict[str, Any]) -> str | None:
        recurrent = [
            layer for layer in map(unwrapped, report.get("all_layers", [])) if layer.get("class_name") in RECURRENT
        ]
        if not recurrent:
            return "has no recurrent layer (GRU, LSTM or SimpleRNN)"
        last = recurrent[-1]
        if (last.get("config") or {}).get("return_sequences"):
            return (
                f"has return_sequences=True on its last {last.get('class_name')} layer, so it answers at every {steps} "
                f"of a {per} instead of once per {per}"
            )
        return None

    return ModelRule("layers", check)


def first_layer_rescales(top: int) -> ModelRule:
    """The first layer after the input (containers skipped) is ``Rescaling(1 / top)``, no offset: 0..top in, 0..1 out.

    >>> rule = first_layer_rescales(16)
    >>> rule.check({"all_layers": [{"class_name": "Rescaling", "config": {"scale": 0.0625}}]}) is None
    True
    >>> rule.check({"all_layers": [{"class_name": "Rescaling", "config": {"scale": 1 / 255}}]})[:44]
    'rescales the grey levels by scale=0.00392156'
    """

    def check(report: dict[str, Any]) -> str | None:
        layers = [layer for layer in report.get("all_layers", []) if layer.get("class_name") not in CONTAINERS]
        first = layers[0] if layers else {}
        if first.get("class_name") != "Rescaling":
            return (
                f"starts with a {first.get('class_name')} layer: its first layer should be Rescaling(1 / {top}), so "
                f"that the model itself turns the raw grey levels 0..{top} into 0..1"
            )
        config = first.get("config") or {}
        scale, offset = config.get("scale"), config.get("offset", 0.0)
        if not (isinstance(scale, int | float) and np.isclose(scale, 1 / top, rtol=1e-6, atol=0.0)):
            return (
                f"rescales the grey levels by scale={scale!r}; the grey levels go up to {top}, so scale=1 / {top} "
                "brings them to 0..1"
            )
        if not (isinstance(offset, int | float) and offset == 0):
            return f"rescales the grey levels with offset={offset!r}; 0..1 needs no offset"
        return None

    return ModelRule("preprocessing", check)
