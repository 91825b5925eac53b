"""The budget of a sentiment model that reads raw strings, shared by exercise 11 and project 16.

Strings in, one `TextVectorization` adapted on the training texts, one `Embedding`
of its vocabulary size with ``mask_zero=True``, only layer families that respect
the mask, one sigmoid unit out, the binary cross-entropy on probabilities, and at
most `SENTIMENT_MAX_PARAMS` parameters. The visible `ModelCheck` and the hidden
`ModelRequirements` read the one `SENTIMENT_MODEL`. Every rule decides on the
trusted scorer's report of the saved model.

Example:

>>> SENTIMENT_MODEL.states()
['takes inputs of shape (1,)', 'ends in 1 units with the sigmoid activation', 'has at most 40000 parameters']
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import Any

from keras_course.model_spec import ModelSpec
from keras_course.probes import (
    ModelRequirements,
    ModelRule,
    compiled_with,
    input_dtype,
    layer_setting,
    layers_of,
    only_layers,
)
from keras_course.question import Requirement

SENTIMENT_MAX_PARAMS = 40_000
SENTIMENT_MODEL = ModelSpec(input_shape=(1,), output_units=1, output_activation="sigmoid", max_params=SENTIMENT_MAX_PARAMS)
# The layer families of lessons 10 and 11 that respect the Embedding's mask (GlobalMaxPooling1D, Conv1D and Flatten
# do not); the judge loads the model in safe mode.
SENTIMENT_LAYER_FAMILIES = {
    "TextVectorization", "Embedding", "GlobalAveragePooling1D", "SimpleRNN", "LSTM", "GRU", "Bidirectional",
    "Dense", "Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "LayerNormalization", "BatchNormalization", "Dropout",
}

# The question's requirements that the rules below decide; each question adds its own "heldout" goal.
SENTIMENT_REQUIREMENTS = (
    Requirement("input", 'reads raw strings: `keras.Input(shape=(1,), dtype="string")`'),
    Requirement("preprocessing", "has one `TextVectorization` layer, adapted on `texts_train` only"),
    Requirement(
        "layers",
        "has one `Embedding` with `input_dim=vectorizer.vocabulary_size()` and ends in a `Dense` layer of one "
        "unit with the sigmoid activation",
    ),
    Requirement("masking", "masks the padding: the `Embedding` has `mask_zero=True`"),
    Requirement(
        "compile",
        "is compiled with the binary cross-entropy on its sigmoid probabilities (not `from_logits=True`)",
    ),
    Requirement(
        "params",
        "has at most 40,000 parameters, in `TextVectorization`, `Embedding`, `GlobalAveragePooling1D`, recurrent, "
        "`Dense`, activation, normalization and dropout layers only",
    ),
)


def sentiment_model_requirements(vectorizer_rule: Callable[[dict[str, Any]], str | None]) -> ModelRequirements:
    """The hidden requirements of `SENTIMENT_MODEL`, with ``vectorizer_rule`` deciding how its vectorizer was adapted.

    >>> [rule.aspect for rule in sentiment_model_requirements(lambda report: None).rules]
    ['input', 'preprocessing', 'layers', 'masking', 'compile', 'params']
    """
    return ModelRequirements(
        SENTIMENT_MODEL,
        rules=(
            input_dtype(lambda dtype: dtype == "string", 'raw strings (dtype="string")'),
            ModelRule("preprocessing", vectorizer_rule),
            ModelRule("layers", _embedding_rule),
            layer_setting("Embedding", "mask_zero", True, aspect="masking"),
            compiled_with(loss="binary_crossentropy", from_logits=False),
            only_layers(SENTIMENT_LAYER_FAMILIES, aspect="params"),
        ),
    )


def _embedding_rule(report: dict[str, Any]) -> str | None:
    """One Embedding of vectorizer.vocabulary_size() rows (any number of columns)."""
    embeddings, vectorizers = layers_of(report, "Embedding"), layers_of(report, "TextVectorization")
    if len(embeddings) != 1:
        return f"has {len(embeddings)} Embedding layers; it needs exactly one"
    config = embeddings[0].get("config") or {}
    size = (vectorizers[0].get("config") or {}).get("vocabulary_size") if vectorizers else None
    if config.get("input_dim") != size:
        return (
            f"has an Embedding with input_dim={config.get('input_dim')}, where vectorizer.vocabulary_size() is {size}"
        )
    return None


def vectorizer_settings(report: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | str:
    """The one TextVectorization layer's config and the settings that fix its vocabulary, or what is wrong.

    >>> vectorizer_settings({"all_layers": []})
    'has 0 TextVectorization layers; it needs exactly one, right after the input'
    """
    layers = layers_of(report, "TextVectorization")
    if len(layers) != 1:
        return f"has {len(layers)} TextVectorization layers; it needs exactly one, right after the input"
    config = layers[0].get("config") or {}
    settings = {name: config[name] for name in ("max_tokens", "standardize", "split", "ngrams") if name in config}
    if not all(isinstance(value, str | int | type(None)) for value in settings.values()):
        return "has a TextVectorization layer with settings that cannot be checked"
    return config, settings


def vocabulary_size_rule(texts: Callable[[], Sequence[str]]) -> Callable[[dict[str, Any]], str | None]:
    """A vectorizer rule: one TextVectorization whose vocabulary size is the one its settings reach on ``texts()``.

    >>> vocabulary_size_rule(lambda: ["a b"])({"all_layers": []})
    'has 0 TextVectorization layers; it needs exactly one, right after the input'
    """

    @functools.cache
    def size_on_texts(settings: str) -> int:
        import keras

        layer = keras.layers.TextVectorization(**json.loads(settings))
        layer.adapt(texts())
        return int(layer.vocabulary_size())

    def rule(report: dict[str, Any]) -> str | None:
        found = vectorizer_settings(report)
        if isinstance(found, str):
            return found
        config, settings = found
        wanted_size = size_on_texts(json.dumps(settings, sort_keys=True))
        if config.get("vocabulary_size") != wanted_size:
            return (
                f"has a TextVectorization layer with a vocabulary of {config.get('vocabulary_size')} tokens, where "
                f"adapting it on texts_train gives {wanted_size}: call vectorizer.adapt(texts_train), on the training "
                "texts only"
            )
        return None

    return rule
