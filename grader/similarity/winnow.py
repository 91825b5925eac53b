"""Winnowing (Schleimer, Wilkerson and Aiken, 2003; the method behind MOSS).

Every run of ``k`` consecutive tokens is hashed; in every window of ``w``
consecutive hashes the smallest is kept. Two texts that share a run of at least
``k + w - 1`` tokens are then sure to share a kept hash, and the kept hashes
are few (about ``2 / (w + 1)`` of the k-grams), so a whole class fits in an
index. Hashes are stable across runs and machines (BLAKE2b, not ``hash()``).

Example:

>>> from grader.similarity.tokens import code_units
>>> unit = code_units("total = 0\\nfor v in values:\\n    total += v * v\\n")[0]
>>> prints = fingerprints(unit, k=5, w=4)
>>> sorted({(p.first_line, p.last_line) for p in prints})[0]
(1, 2)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from grader.similarity.tokens import Token


@dataclass(frozen=True)
class Fingerprint:
    """A kept k-gram hash and the source lines its tokens span."""

    hash: int
    first_line: int
    last_line: int


def kgram_hash(texts: Sequence[str]) -> int:
    """A stable 64-bit hash of a run of token texts.

    Example:

    >>> kgram_hash(["V", "=", "N"]) == kgram_hash(["V", "=", "N"]) != kgram_hash(["V", "=", "S"])
    True
    """
    return int.from_bytes(hashlib.blake2b("\x1f".join(texts).encode(), digest_size=8).digest(), "big")


def fingerprints(unit: Sequence[Token], k: int, w: int) -> list[Fingerprint]:
    """The winnowed fingerprints of one unit of tokens (none when it is shorter than ``k``).

    Args:
        unit: normalized tokens, see `grader.similarity.tokens.code_units`.
        k: tokens per k-gram.
        w: k-grams per window.

    Returns:
        The kept fingerprints in source order, each once.
    """
    texts = [t.text for t in unit]
    grams = [
        Fingerprint(kgram_hash(texts[i : i + k]), unit[i].line, unit[i + k - 1].line) for i in range(len(unit) - k + 1)
    ]
    if len(grams) <= w:
        return [min(grams, key=lambda g: g.hash)] if grams else []
    kept: dict[int, Fingerprint] = {}
    for start in range(len(grams) - w + 1):
        window = grams[start : start + w]
        chosen = min(range(w), key=lambda i: (window[i].hash, -i))  # rightmost minimum, as in the paper
        kept.setdefault(start + chosen, window[chosen])
    return [kept[i] for i in sorted(kept)]
