"""Held-out sets of exercise 12: secret-seeded variations of its public data (see `grader.heldout_sets`)."""

from __future__ import annotations

import numpy as np

from keras_course.exercises import ex12_attention_and_transformers as ex12


def ex12_sorted_digit_sequences(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.integers(0, ex12.VOCAB, size=(ex12.HELDOUT_SEQUENCES, ex12.SEQ_LEN))
    return x.astype(np.int32), np.sort(x, axis=1).astype(np.int64)
