"""Reference computations and verifiers for project 16, the trusted side.

Instructor-only: `grader publish` leaves `grader/references/` out of the student
bundle. The project's hidden probes name these verifiers through
`keras_course.probes.reference_verify`, so only the judge imports them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_course.exercises.ex16_review_sentiment import RESERVED, words_of


def strongest_words(weights: np.ndarray, vocabulary: list[str], k: int) -> tuple[list[str], list[str]]:
    """The key's words: reserved tokens out, ties in vocabulary order."""
    kept = [i for i, word in enumerate(vocabulary) if word not in RESERVED]
    weights = np.asarray(weights, dtype=np.float64)
    positive = sorted(kept, key=lambda i: (-weights[i], i))[:k]
    negative = sorted(kept, key=lambda i: (weights[i], i))[:k]
    return [vocabulary[i] for i in positive], [vocabulary[i] for i in negative]


def strongest_reserved_verify(args: tuple, got: Any) -> str | None:
    words = words_of(got)
    if isinstance(words, str):
        return words
    if any(w in RESERVED or w == "" for w in words[0] + words[1]):
        return 'lists that hold the reserved tokens "" or "[UNK]"; leave them out, whatever their weight'
    return None


def strongest_order_verify(args: tuple, got: Any) -> str | None:
    words = words_of(got)
    if isinstance(words, str):
        return words
    weights, vocabulary, k = args
    expected = strongest_words(weights, vocabulary, k)
    if tuple(words) != expected:
        if len(words[0]) != k or len(words[1]) != k:
            return f"lists of {len(words[0])} and {len(words[1])} words; expected {k} each"
        return (
            f"positive {words[0][:4]}..., negative {words[1][:4]}...; expected positive {expected[0][:4]}..., "
            f"negative {expected[1][:4]}... (largest weight first, most negative first, ties in vocabulary order)"
        )
    return None
