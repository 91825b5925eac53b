"""Reference computations for exercise 12, the trusted side (the lesson shows all of them).

Instructor-only: `grader publish` leaves `grader/references/` out of the student
bundle. The exercise's visible checks compare with the numbers stored in
`keras_course.exercises.ex12_visible`, made from these functions (`visible_numbers`);
`tests/test_exercise_12.py` recomputes and compares them.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None = None) -> tuple:
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = softmax(scores)
    return weights @ v, weights


def sequence_masks(lengths: Any, max_len: int, causal: bool = False) -> np.ndarray:
    """Question 2's masks, one sequence at a time (the question asks for the vectorized version)."""
    masks = np.zeros((len(lengths), max_len, max_len), dtype=bool)
    lower = np.tri(max_len, dtype=bool)
    for b, length in enumerate(lengths):
        masks[b, :, : int(length)] = True
        if causal:
            masks[b] &= lower
    return masks


def encoding(length: int, depth: int) -> np.ndarray:
    angles = np.arange(length)[:, None] / 10000.0 ** (2 * (np.arange(depth)[None, :] // 2) / depth)
    return np.where(np.arange(depth) % 2 == 0, np.sin(angles), np.cos(angles))


def visible_numbers() -> dict[str, list]:
    """What `keras_course.exercises.ex12_visible` stores, from the visible checks' arguments in the exercise module."""
    from keras_course.exercises import ex12_attention_and_transformers as ex12

    stored = {}
    for name, args in [("q1_example", (ex12._Q1_Q, ex12._Q1_K, ex12._Q1_V)), ("q1_batch", ex12._q1_batch())]:
        output, weights = attention(*args)
        unscaled = attention(args[0] * np.sqrt(args[0].shape[-1]), *args[1:])[1]
        stored[name] = [output.tolist(), weights.tolist(), unscaled.tolist()]
    output, weights = attention(ex12._Q3_Q, ex12._Q3_K, ex12._Q3_V, ex12._Q3_MASK)
    stored["q3_example"] = [output.tolist(), weights.tolist()]
    stored["q2_padding"], stored["q2_causal"] = (sequence_masks([2, 3], 3, causal).tolist() for causal in (False, True))
    for length, depth in [(3, 4), (50, 16)]:
        stored[f"q4_{length}_{depth}"] = encoding(length, depth).tolist()
    return stored
