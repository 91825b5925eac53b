"""Exercise 12, attention and transformers: attention in NumPy, masks, position encodings, a sorting encoder.

Conventions (the same as Keras's ``MultiHeadAttention``): queries ``q`` of shape
``(..., Tq, d)``, keys ``k`` of shape ``(..., Tk, d)``, values ``v`` of shape
``(..., Tk, dv)``; a mask is boolean, broadcastable to ``(..., Tq, Tk)``, and
True where a query may attend to a key. Attention functions return the pair
``(output, weights)`` with shapes ``(..., Tq, dv)`` and ``(..., Tq, Tk)``.

Mistakes the hidden tests catch: the 1/sqrt(d) scaling missing (or by d, or by
sqrt of the value size), the softmax taken over the queries (the wrong axis), a
softmax that overflows on large scores, keys transposed the 2-D way on a batch,
a padding mask laid on the queries instead of the keys, a causal mask that looks
ahead or hides the diagonal, an inverted mask, a mask added with the wrong sign,
a mask multiplied into the scores instead of adding minus infinity, weights
zeroed after the softmax without renormalizing, sine and cosine swapped, the
column index used where the pair index is due, the sines and cosines stacked in
two halves, and a sorting model that does not learn the task: no position
encoding (attention alone cannot tell positions apart), a causal mask in the
encoder (a position cannot see the later tokens it must sort), too little training.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from grader.checks import ModelCheck, PropertyCheck, describe
from grader.heldout import heldout_set
from grader.probes import FunctionProbe, ModelProbe, ModelRequirements
from grader.question import Exercise, Question

SEQ_LEN = 8  # tokens per sequence in the sorting task
VOCAB = 10  # tokens are the digits 0..9
SORT_ACCURACY = 0.90  # right encoders reach about 0.99; no position encoding about 0.30, a causal mask about 0.6
MAX_PARAMS = 50_000
HELDOUT_SEQUENCES = 2000


def sorting_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random sequences of ``SEQ_LEN`` digits and the same sequences sorted: ``(x, y)``, int32, shape (n, 8).

    Example:

    >>> x, y = sorting_data(2, seed=0)
    >>> bool((np.sort(x, axis=1) == y).all()), x.shape
    (True, (2, 8))
    """
    x = np.random.default_rng(seed).integers(0, VOCAB, size=(n, SEQ_LEN))
    return x.astype(np.int32), np.sort(x, axis=1).astype(np.int32)


@heldout_set("ex12_sorted_digit_sequences")
def _sorted_sequences(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.integers(0, VOCAB, size=(HELDOUT_SEQUENCES, SEQ_LEN))
    return x.astype(np.int32), np.sort(x, axis=1).astype(np.int64)


# The reference computations (the lesson shows all of them).


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def _attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None = None) -> tuple:
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = _softmax(scores)
    return weights @ v, weights


def _mask(lengths: Any, max_len: int, causal: bool = False) -> np.ndarray:
    keys = np.arange(max_len)[None, None, :] < np.asarray(lengths)[:, None, None]
    keys = np.broadcast_to(keys, (len(lengths), max_len, max_len))
    if causal:
        keys = keys & np.tril(np.ones((max_len, max_len), dtype=bool))
    return keys


def _encoding(length: int, depth: int) -> np.ndarray:
    angles = np.arange(length)[:, None] / 10000.0 ** (2 * (np.arange(depth)[None, :] // 2) / depth)
    return np.where(np.arange(depth) % 2 == 0, np.sin(angles), np.cos(angles))


# Turning answers into one array, and judging a pair (output, weights).


def _pair(result: Any) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise TypeError(f"a {type(result).__name__} where a pair (output, weights) was expected")
    return np.asarray(result[0], dtype=np.float64), np.asarray(result[1], dtype=np.float64)


def _flat_pair(result: Any) -> np.ndarray:
    """Output and weights raveled into one vector, after their shapes (so a transposed answer differs)."""
    output, weights = _pair(result)
    return np.concatenate([[output.ndim], output.shape, [weights.ndim], weights.shape, output.ravel(), weights.ravel()])


def _pair_problem(result: Any, expected: tuple[np.ndarray, np.ndarray], unscaled: tuple | None = None) -> str | None:
    try:
        output, weights = _pair(result)
    except (TypeError, ValueError):
        return f"returned {describe(result)}; it should return a pair (output, weights)."
    want_output, want_weights = expected
    if weights.shape != want_weights.shape:
        return f"returned weights of shape {weights.shape}; they should have shape {want_weights.shape}, one row per query."
    if np.isnan(weights).any():
        return "returned weights with NaN in them. Subtract each row's largest score before np.exp."
    if not np.allclose(weights.sum(axis=-1), 1.0, atol=1e-6):
        return (
            f"returned weights whose rows add up to {describe(weights.sum(axis=-1))}; each query's weights should add "
            "up to 1. Take the softmax over the last axis, the keys."
        )
    if unscaled is not None and np.allclose(weights, unscaled[1], atol=1e-6):
        return "returned the weights of the unscaled scores. Divide q @ k^T by sqrt(d) before the softmax."
    if not np.allclose(weights, want_weights, rtol=1e-6, atol=1e-8):
        return f"returned weights {describe(weights)}, but they should be {describe(want_weights)}."
    if output.shape != want_output.shape:
        return f"returned an output of shape {output.shape}; it should have shape {want_output.shape}."
    if not np.allclose(output, want_output, rtol=1e-6, atol=1e-8):
        return f"returned output {describe(output)}, but it should be {describe(want_output)}: weights @ v."
    return None


def _attention_holds(args: tuple, unscaled: bool = True) -> Callable[[Any], str | None]:
    expected = _attention(*args)
    plain = _attention(args[0] * np.sqrt(args[0].shape[-1]), *args[1:]) if unscaled else None

    def holds(result: Any) -> str | None:
        return _pair_problem(result, expected, plain)

    return holds


# Question 1: scaled dot-product attention.

_Q1_Q = np.array([[1.0, 1.0, 1.0, 1.0]])
_Q1_K = np.array([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
_Q1_V = np.array([[1.0, 0.0], [0.0, 1.0]])


def _q1_batch() -> tuple:
    rng = np.random.default_rng(1201)
    return rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 3))


def _attention_cases() -> list[tuple]:
    rng = np.random.default_rng(12_001)
    cases = []
    for shape_q, shape_k, dv, scale in [
        ((4, 8), (6, 8), 3, 1.0),
        ((5, 5), (5, 5), 5, 1.0),
        ((3, 2, 64), (3, 7, 64), 4, 1.0),
        ((2, 2, 3, 16), (2, 2, 3, 16), 2, 1.0),
        ((3, 16), (4, 16), 2, 30.0),  # scores near 900: a softmax without the shift overflows
        ((1, 1), (3, 1), 1, 1.0),
    ]:
        q = scale * rng.normal(size=shape_q)
        k = scale * rng.normal(size=shape_k)
        v = rng.normal(size=(*shape_k[:-1], dv))
        cases.append((q, k, v))
    return cases


q1 = Question(
    id="q1_attention",
    points=2,
    title="Scaled dot-product attention",
    checks=(
        PropertyCheck(
            args=(_Q1_Q, _Q1_K, _Q1_V),
            call="attention(q, k, v) for the example above",
            holds=_attention_holds((_Q1_Q, _Q1_K, _Q1_V)),
            tip="The scores are [4, 0] / sqrt(4) = [2, 0], so the weights are [e^2, 1] / (e^2 + 1).",
        ),
        PropertyCheck(
            args=_q1_batch(),
            call="attention(q, k, v) on a batch of 2, with q (2, 3, 4), k (2, 5, 4), v (2, 5, 3)",
            holds=_attention_holds(_q1_batch()),
            tip="On a batch, k.T reverses all three axes; swap only the last two: np.swapaxes(k, -1, -2).",
        ),
    ),
    probes=(
        FunctionProbe(
            cases=_attention_cases,
            transform=_flat_pair,
            rtol=1e-6,
            atol=1e-8,
            label="hidden queries, keys and values (some batched, some with large scores)",
        ),
    ),
    hints=(
        "Three steps: scores = q @ k^T / sqrt(d), weights = softmax of the scores over the keys, output = weights @ v.",
        "d is the size of one query, q.shape[-1]. The softmax runs over the last axis (axis=-1, the keys), so each "
        "query's weights add up to 1. Subtract each row's maximum before np.exp, so large scores do not overflow.",
        "scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]); e = np.exp(scores - scores.max(axis=-1, "
        "keepdims=True)); weights = e / e.sum(axis=-1, keepdims=True); return weights @ v, weights",
    ),
)


# Question 2: padding and causal masks.


def _mask_holds(lengths: list[int], max_len: int, causal: bool) -> Callable[[Any], str | None]:
    expected = _mask(lengths, max_len, causal)

    def holds(result: Any) -> str | None:
        try:
            got = np.asarray(result)
        except (TypeError, ValueError):
            return f"returned {describe(result)}, not an array."
        if got.shape != expected.shape:
            return f"returned an array of shape {got.shape}; it should have shape {expected.shape}: (batch, queries, keys)."
        if got.dtype != bool and not np.isin(got, (0, 1)).all():
            return f"returned {describe(got)}; it should be boolean (True where a query may attend)."
        got = got.astype(bool)
        if np.array_equal(got, ~expected):
            return "returned the opposite mask. True means 'may attend', as in Keras's attention_mask."
        if np.array_equal(got, np.swapaxes(expected, -1, -2)):
            return "returned the mask with queries and keys swapped. Padding hides keys: the columns j >= length."
        if not np.array_equal(got, expected):
            return f"returned {describe(got.astype(int))}, but it should be {describe(expected.astype(int))}."
        return None

    return holds


def _mask_as_float(result: Any) -> np.ndarray:
    """A boolean mask (or one of 0s and 1s) as 0.0 and 1.0; anything else as -1, which no key has."""
    got = np.asarray(result)
    return got.astype(np.float64) if got.dtype == bool or np.isin(got, (0, 1)).all() else np.full(got.shape, -1.0)


def _mask_cases() -> list[tuple]:
    return [
        ([3, 1, 4], 4, False),
        ([3, 1, 4], 4, True),
        ([5], 5, True),
        ([2, 6, 1, 5], 6, False),
        ([2, 6, 1, 5], 6, True),
        ([1], 1, True),
    ]


q2 = Question(
    id="q2_masks",
    points=2,
    title="Padding and causal masks",
    checks=(
        PropertyCheck(
            args=([2, 3], 3, False),
            call="make_mask([2, 3], 3)",
            holds=_mask_holds([2, 3], 3, False),
            tip="The first sequence has 2 real tokens: every query may look at keys 0 and 1, never at key 2.",
        ),
        PropertyCheck(
            args=([2, 3], 3, True),
            call="make_mask([2, 3], 3, causal=True)",
            holds=_mask_holds([2, 3], 3, True),
            tip="Causal: query i may look at keys j <= i (itself included). Combine with the padding mask by 'and'.",
        ),
    ),
    probes=(
        FunctionProbe(cases=_mask_cases, transform=_mask_as_float, label="hidden lengths, with and without causal"),
    ),
    hints=(
        "Entry [b, i, j] answers: may query i of sequence b look at key j? Padding hides the keys j >= lengths[b]; "
        "causal also hides the keys j > i.",
        "np.arange(max_len) < length gives the real keys of one sequence; np.tril(np.ones((T, T), dtype=bool)) is the "
        "causal mask. Combine them with &.",
        "keys = np.arange(max_len)[None, None, :] < np.asarray(lengths)[:, None, None]; mask = np.broadcast_to(keys, "
        "(len(lengths), max_len, max_len)); if causal: mask = mask & np.tril(np.ones((max_len, max_len), dtype=bool))",
    ),
)


# Question 3: attention with a mask.

_Q3_Q = np.array([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
_Q3_K = np.array([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0], [2.0, 2.0, 2.0, 2.0]])
_Q3_V = np.array([[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
_Q3_MASK = np.array([[True, True, False], [True, True, False]])


def _masked_cases() -> list[tuple]:
    rng = np.random.default_rng(12_003)
    cases = []
    for lengths, causal, d, dv in [
        ([3, 5, 1], False, 8, 3),
        ([4, 2], True, 16, 2),
        ([6], True, 4, 4),
        ([2, 2, 5], False, 32, 1),
    ]:
        t = max(lengths)
        q, k, v = (
            rng.normal(size=(len(lengths), t, d)),
            rng.normal(size=(len(lengths), t, d)),
            rng.normal(size=(len(lengths), t, dv)),
        )
        cases.append((q, k, v, _mask(lengths, t, causal)))
    q, k, v = rng.normal(size=(3, 8)), rng.normal(size=(5, 8)), rng.normal(size=(5, 2))
    cases.append((q, k, v, np.array([True, False, True, True, False])))  # one row of keys, broadcast over the queries
    return cases


q3 = Question(
    id="q3_masked_attention",
    points=2,
    title="Attention with a mask",
    checks=(
        PropertyCheck(
            args=(_Q3_Q, _Q3_K, _Q3_V, _Q3_MASK),
            call="masked_attention(q, k, v, mask) for the example above",
            holds=lambda result: _pair_problem(result, _attention(_Q3_Q, _Q3_K, _Q3_V, _Q3_MASK)),
            tip="Key 2 is masked: its weight must be exactly 0 and the other two must still add up to 1. Put -inf "
            "(or -1e9) in the masked scores before the softmax.",
        ),
    ),
    probes=(
        FunctionProbe(
            cases=_masked_cases, transform=_flat_pair, rtol=1e-6, atol=1e-8, label="hidden padded and causal batches"
        ),
    ),
    hints=(
        "A masked key must get weight 0 after the softmax, and the weights of the others must still add up to 1. "
        "So change the scores, not the weights.",
        "exp(-inf) = 0: set the masked scores to -np.inf (or -1e9) with np.where(mask, scores, -np.inf), then take "
        "the same softmax as in question 1. Multiplying the scores by the mask gives the masked keys a score of 0, "
        "which is not small at all.",
        "scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]); scores = np.where(mask, scores, -np.inf); then "
        "the softmax over axis -1 and weights @ v, as in question 1.",
    ),
)


# Question 4: sinusoidal position encodings.


def _encoding_holds(length: int, depth: int) -> Callable[[Any], str | None]:
    expected = _encoding(length, depth)

    def holds(result: Any) -> str | None:
        got = np.asarray(result, dtype=np.float64) if not isinstance(result, str) else None
        if got is None or got.shape != expected.shape:
            shape = None if got is None else got.shape
            return f"returned an array of shape {shape}; it should have shape {expected.shape}: (length, depth)."
        if np.allclose(got[:, 0::2], expected[:, 1::2]) and np.allclose(got[:, 1::2], expected[:, 0::2]):
            return "returned cosines in the even columns and sines in the odd ones; it is the other way round."
        if np.allclose(got, np.concatenate([expected[:, 0::2], expected[:, 1::2]], axis=1)):
            return "returned all the sines first and then all the cosines; interleave them: sin, cos, sin, cos, ..."
        if not np.allclose(got, expected, rtol=1e-5, atol=2e-5):
            return f"returned {describe(got)}, but it should be {describe(expected)}."
        return None

    return holds


q4 = Question(
    id="q4_positional_encoding",
    points=2,
    title="Sinusoidal position encodings",
    checks=(
        PropertyCheck(
            args=(3, 4),
            call="positional_encoding(3, 4)",
            holds=_encoding_holds(3, 4),
            tip="Row 1 should be [sin(1), cos(1), sin(0.01), cos(0.01)]: columns 2 and 3 share the angle 1 / 10000^(2/4), since column j belongs to the pair j // 2.",
        ),
        PropertyCheck(
            args=(50, 16),
            call="positional_encoding(50, 16)",
            holds=_encoding_holds(50, 16),
            tip="Columns 2i and 2i+1 share one angle, p / 10000^(2i / depth): use 2 * (j // 2) for column j, not j.",
        ),
    ),
    probes=(
        FunctionProbe(
            cases=lambda: [(1, 2), (8, 32), (64, 128), (100, 6), (7, 2)],
            rtol=1e-5,
            atol=2e-5,  # float32 arithmetic (a Keras layer, say) is right too
            label="other lengths and depths",
        ),
    ),
    hints=(
        "Make a column of positions p = 0..length-1 and a row of pair indices i = j // 2 for the columns j; each "
        "entry's angle is p / 10000^(2i / depth).",
        "Even columns (j = 0, 2, 4, ...) take the sine of their angle, odd columns the cosine of the same angle. "
        "np.where(j % 2 == 0, np.sin(angles), np.cos(angles)) picks one per column.",
        "p = np.arange(length)[:, None]; j = np.arange(depth)[None, :]; angles = p / 10000.0 ** (2 * (j // 2) / depth); "
        "return np.where(j % 2 == 0, np.sin(angles), np.cos(angles))",
    ),
)


# Question 5: a small encoder that sorts digits.

_VALIDATION = sorting_data(1000, seed=1)


def token_accuracy(predictions: Any, y: np.ndarray) -> float:
    """Share of tokens whose most likely digit is the label: (n, T, 10) probabilities against (n, T) labels."""
    predictions = np.asarray(predictions, dtype=np.float64)
    return float(np.mean(predictions.argmax(axis=-1) == np.asarray(y)))


def _sorting_holds(predictions: Any) -> str | None:
    x_val, y_val = _VALIDATION
    try:
        predictions = np.asarray(predictions, dtype=np.float64)
    except (TypeError, ValueError):
        return f"returned {describe(predictions)}, not an array of probabilities."
    if predictions.shape != (*y_val.shape, VOCAB):
        return f"returned predictions of shape {predictions.shape}; they should have shape {(*y_val.shape, VOCAB)}."
    accuracy = token_accuracy(predictions, y_val)
    if accuracy >= SORT_ACCURACY:
        return None
    return f"your model sorts {accuracy:.3f} of the validation tokens right; it should reach at least {SORT_ACCURACY}."


q5 = Question(
    id="q5_sorting_encoder",
    points=4,
    title="Train a small transformer encoder to sort digits",
    checks=(
        ModelCheck(input_shape=(SEQ_LEN,), output_units=VOCAB, output_activation="softmax"),
        PropertyCheck(
            args=(_VALIDATION[0],),
            call="sort_model(x_val)",
            holds=_sorting_holds,
            tip="Near 0.3: the position encoding is missing, so every position sees the same bag of digits. "
            "Near 0.6: a causal mask hides the later digits. Otherwise train for more epochs.",
        ),
    ),
    probes=(
        ModelProbe(
            heldout="ex12_sorted_digit_sequences",
            threshold=SORT_ACCURACY,
            metric="token_accuracy",
            requirements=ModelRequirements(
                input_shape=(SEQ_LEN,),
                output_units=VOCAB,
                output_activation="softmax",
                max_params=MAX_PARAMS,
                layer_counts={"Embedding": 1, "MultiHeadAttention": 1},
            ),
        ),
    ),
    hints=(
        "The model is: keras.Input(shape=(8,), dtype='int32'), Embedding(10, 32), PositionalEncoding(), one encoder "
        "block, and Dense(10, activation='softmax'). It predicts one digit per position.",
        "The encoder block: a = MultiHeadAttention(num_heads=2, key_dim=16)(h, h); h = LayerNormalization()(h + a); "
        "f = Dense(32)(Dense(64, activation='relu')(h)); h = LayerNormalization()(h + f). No causal mask: to sort, "
        "every position must see every digit.",
        "Compile with keras.optimizers.Adam(3e-3) and loss='sparse_categorical_crossentropy' (the labels are digits, "
        "one per position), then fit(x_train, y_train, epochs=5, batch_size=64).",
    ),
)

EXERCISE = Exercise(notebook="12_attention_and_transformers", questions=(q1, q2, q3, q4, q5))
