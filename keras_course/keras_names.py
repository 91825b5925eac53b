"""Activations and losses named by an answer, sent as plain text and resolved on the judge's side as Keras resolves them.

The kernel side (`identifier_text`) never normalizes a name: it sends what the
answer gave. The judge side (`resolved`) answers what ``keras.activations.get``
and ``keras.losses.get`` make of it, so the names Keras accepts are exactly the
names that pass. For a name given as text both are a lookup in Keras's table of
known names, so the judge reads that table from ``keras_identifiers.json``
(written by ``python -m keras_course.keras_names`` from the installed Keras,
and checked against Keras by the tests) instead of importing TensorFlow into
the grading process, which took it 7 s of a core; with another Keras version
installed than the file was made from, it asks Keras itself.

Example:

>>> identifier_text("relu"), identifier_text(None)
('s:relu', 'n:')
>>> resolved("loss", "s:mse")
('mean_squared_error', False)
>>> resolved("activation", "s:Softmax")
(None, False)
"""

from __future__ import annotations

import json
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

NAME_LIMIT = 100
TABLE_FILE = Path(__file__).with_name("keras_identifiers.json")
KINDS = ("activation", "loss", "metric")


def identifier_text(part: Any) -> str:
    """An activation or a loss as plain text for the judge, in the kernel: never normalized here.

    A string is sent as it is ("s:<text>"); None as "n:"; a Keras function or
    loss object by its Keras name ("o:<name>", with ";logits" when it was made
    with from_logits=True). The judge resolves the names with Keras's own `get`.
    """
    if part is None:
        return "n:"
    if isinstance(part, str):
        return "s:" + part[:NAME_LIMIT]
    config = part.get_config() if hasattr(part, "get_config") and not isinstance(part, type) else {}
    name = type(part).__name__ if hasattr(part, "get_config") else getattr(part, "__name__", type(part).__name__)
    logits = ";logits" if isinstance(config, dict) and config.get("from_logits") else ""
    return f"o:{str(name)[:NAME_LIMIT]}{logits}"


def resolved(kind: str, text: str) -> tuple[str | None, bool]:
    """(Keras's name for an identifier sent by `identifier_text`, or None when Keras rejects it; from_logits).

    ``kind`` is "activation" or "loss"; no activation (None) is the linear one.
    """
    tag, _, name = text.partition(":")
    logits = name.endswith(";logits")
    name = name.removesuffix(";logits")
    if tag == "n":
        return ("linear" if kind == "activation" else None), False
    if tag not in {"s", "o"} or not name or "|" in name:
        return None, False
    found = keras_name(kind, name)
    return found, logits if kind == "loss" and found is not None else False


def keras_name(kind: str, name: str) -> str | None:
    """What Keras makes of the text ``name`` (see `keras_resolves`), read from the stored table when it can be.

    >>> keras_name("loss", "MSE"), keras_name("metric", "mae"), keras_name("activation", "ReLU")
    ('mean_squared_error', 'MeanAbsoluteError', None)
    """
    table = _stored_table()
    return table[kind].get(name) if table is not None else keras_resolves(kind, name)


def keras_resolves(kind: str, name: str) -> str | None:
    """What Keras itself makes of ``name``, or None when it rejects it.

    An activation or a loss: the name of the function it gets (``"mse"`` ->
    ``"mean_squared_error"``); a metric: the class of the metric object it
    makes (``"mae"`` -> ``"MeanAbsoluteError"``). Imports Keras (and
    TensorFlow); `keras_name` reads the stored table instead when it can.
    """
    import keras

    try:
        if kind == "activation":
            return keras.activations.get(name).__name__
        if kind == "metric":
            return type(keras.metrics.get(name)).__name__
        loss = keras.losses.get(name)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return getattr(getattr(loss, "fn", loss), "__name__", None)


def identifier_table() -> dict[str, Any]:
    """Every name Keras's `get` knows for activations, losses and metrics, with what it resolves to (imports Keras).

    A name missing from the table is one Keras rejects: for text, `get` looks
    the name up in these same dictionaries and nowhere else.
    """
    import keras
    from keras.src.activations import ALL_OBJECTS_DICT as activations
    from keras.src.losses import ALL_OBJECTS_DICT as losses
    from keras.src.metrics import ALL_OBJECTS_DICT as metrics

    table: dict[str, Any] = {"keras": keras.__version__}
    for kind, known in zip(KINDS, (activations, losses, metrics), strict=True):
        table[kind] = {name: keras_name for name in sorted(known) if (keras_name := keras_resolves(kind, name)) is not None}
    return table


@cache
def _stored_table() -> dict[str, Any] | None:
    """The stored table, when it was made from the Keras installed here; None otherwise."""
    try:
        table = json.loads(TABLE_FILE.read_text())
        return table if table.get("keras") == metadata.version("keras") else None
    except (OSError, ValueError, metadata.PackageNotFoundError):
        return None


def shown(text: str) -> str:
    """The name an answer gave, as a message shows it.

    >>> shown("s:Softmax"), shown("o:MeanSquaredError;logits"), shown("n:")
    ("'Softmax'", "'MeanSquaredError'", 'None')
    """
    return repr(text.partition(":")[2].removesuffix(";logits") or None)


def pair_text(result: Any) -> str:
    """An answer's (activation, loss) as one string "activation|loss", in the kernel ("?<type>" when not a pair).

    >>> pair_text(("softmax", None)), pair_text("softmax")
    ('s:softmax|n:', '?str')
    """
    if isinstance(result, str) or not isinstance(result, tuple | list) or len(result) != 2:
        return f"?{type(result).__name__}"
    return f"{identifier_text(result[0])}|{identifier_text(result[1])}"


def split_pair(text: str) -> tuple[str, str] | None:
    """The activation's and the loss's text of a `pair_text`, or None when the answer was not a pair.

    >>> split_pair("s:softmax|n:"), split_pair("?str")
    (('s:softmax', 'n:'), None)
    """
    if text.startswith("?") or text.count("|") != 1:
        return None
    activation, loss = text.split("|")
    return activation, loss


if __name__ == "__main__":
    TABLE_FILE.write_text(json.dumps(identifier_table(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {TABLE_FILE}")
