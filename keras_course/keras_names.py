"""Activations and losses named by an answer, sent as plain text and resolved on the judge's side by Keras itself.

The kernel side (`identifier_text`) never normalizes a name: it sends what the
answer gave. The judge side (`resolved`) asks ``keras.activations.get`` and
``keras.losses.get``, so the names Keras accepts are exactly the names that pass.

Example:

>>> identifier_text("relu"), identifier_text(None)
('s:relu', 'n:')
>>> resolved("loss", "s:mse")
('mean_squared_error', False)
>>> resolved("activation", "s:Softmax")
(None, False)
"""

from __future__ import annotations

from typing import Any

NAME_LIMIT = 100


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
    import keras

    tag, _, name = text.partition(":")
    logits = name.endswith(";logits")
    name = name.removesuffix(";logits")
    if tag == "n":
        return ("linear" if kind == "activation" else None), False
    if tag not in {"s", "o"} or not name or "|" in name:
        return None, False
    try:
        if kind == "activation":
            return keras.activations.get(name).__name__, False
        loss = keras.losses.get(name)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None, False
    return getattr(getattr(loss, "fn", loss), "__name__", None), logits


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
