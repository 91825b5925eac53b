"""The architecture a model question asks for, stated once.

A model question is checked twice: its visible `ModelCheck` runs on the live
model in the student's kernel (to teach), and its hidden `ModelRequirements`
run on the trusted scorer's report of the saved model (to decide). Both read
the same `ModelSpec`, so the two sides can never ask for different shapes.

Example:

>>> spec = ModelSpec(input_shape=(64,), output_units=10, output_activation="softmax", layer_counts={"Dense": 2})
>>> spec.input_shape, spec.max_params
((64,), None)
>>> spec.states()
['takes inputs of shape (64,)', 'ends in 10 units with the softmax activation', 'has at least 2 Dense layer(s)']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ModelSpec:
    """Input shape, output layer, layer counts and parameter budget of a model.

    Args:
        input_shape: shape of one example, e.g. ``(30,)``. Defaults to None (any).
        output_units: units of the last layer. Defaults to None (any).
        output_activation: the last layer's activation name. Defaults to "" (any).
        layer_counts: least number of layers of each class, e.g. ``{"Conv2D": 1}``. Defaults to {}.
        max_params: most parameters allowed. Defaults to None (no limit).
    """

    input_shape: tuple[int, ...] | None = None
    output_units: int | None = None
    output_activation: str = ""
    layer_counts: Mapping[str, int] = field(default_factory=dict)
    max_params: int | None = None

    def states(self) -> list[str]:
        """What the spec asks for, one phrase per part, in plain words (for docs and messages)."""
        said = []
        if self.input_shape is not None:
            said.append(f"takes inputs of shape {tuple(self.input_shape)}")
        if self.output_units is not None:
            activation = f" with the {self.output_activation} activation" if self.output_activation else ""
            said.append(f"ends in {self.output_units} units{activation}")
        elif self.output_activation:
            said.append(f"ends with the {self.output_activation} activation")
        said.extend(f"has at least {least} {name} layer(s)" for name, least in self.layer_counts.items())
        if self.max_params is not None:
            said.append(f"has at most {self.max_params} parameters")
        return said
