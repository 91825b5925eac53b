"""What the trusted scorer reports of a saved model: the shape of the report, written down once.

The scorer (`grader.modelscore.describe_model`, instructor side) measures these
facts on the loaded model; model rules (`keras_course.probes.ModelRule`, and the
rules of exercise modules) read them on the trusted side to decide a model
question. Both sides read this one description. At run time a report is a
plain dict (it crosses the scorer's JSON pipe), so rules read it with
``report.get(...)``; these types only write its shape down.

Example:

>>> report: ModelReport = {"layers": [], "all_layers": [], "params": 0, "trainable_params": 0, "input_shape": [4],
...     "input_dtype": "float32", "output_shape": [1], "compile": None, "graph": [], "weights": {}}
>>> sorted(ModelReport.__annotations__)[:3]
['all_layers', 'compile', 'graph']
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class LayerFacts(TypedDict):
    """One layer as the trusted scorer reads it from the loaded model."""

    class_name: str  # the layer's class, e.g. "Dense"
    name: str
    path: str  # "outer/inner" for a layer inside a nested model
    units: int | None  # from the config, when the layer has units
    activation: str | None  # its activation's name; an activation layer's own name for ReLU and kin
    trainable: bool
    params: int  # all its weights (0 for a layer never built)
    trainable_params: int
    config: dict[str, Any]  # its public config, as plain JSON values
    vocabulary: NotRequired[list[str]]  # TextVectorization only
    mean: NotRequired[list[float]]  # Normalization only (once built)
    variance: NotRequired[list[float]]  # Normalization only (once built)


class CompileFacts(TypedDict):
    """The compile settings a model was saved with, resolved by Keras's own ``get`` functions."""

    loss: dict[str, Any] | None  # {"name", "config"}, or {"name": None, "error"} for an unknown loss
    optimizer: dict[str, Any] | None  # {"class_name", "config"}, or {"class_name": None, "error"}
    metrics: Any  # as saved (plain JSON values)
    optimizer_state: dict[str, float] | None  # "iterations" and the final "learning_rate" (see `_optimizer_state`)


class GraphNode(TypedDict):
    """One node of a functional model's graph, as the archive's config.json records it."""

    name: str
    class_name: str
    module: str
    inputs: list[str]  # the names of the nodes it reads


class ModelReport(TypedDict):
    """Plain facts about a saved model, measured by the trusted scorer (`describe_model`), never by a kernel.

    Checks read it with ``report.get(...)``; its runtime shape is a plain dict
    (it crosses the scorer's JSON pipe), so this type only writes that shape down.
    """

    layers: list[LayerFacts]  # the top-level layers, in order
    all_layers: list[LayerFacts]  # every layer, nested models opened up
    params: int
    trainable_params: int
    input_shape: list[int | None] | None  # without the batch axis; None for a model without inputs
    input_dtype: str | None
    output_shape: list[int | None] | None  # without the batch axis
    compile: CompileFacts | None  # None when never compiled, or no archive was given
    graph: list[GraphNode]  # empty for a Sequential model
    weights: dict[str, list[list[float]]]  # the layers asked for by name (small ones only), flattened
