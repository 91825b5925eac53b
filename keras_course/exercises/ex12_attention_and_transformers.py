"""Exercise 12, attention and transformers: attention in NumPy, masks, position encodings, a sorting encoder.

Conventions (the same as Keras's ``MultiHeadAttention``): queries ``q`` of shape
``(..., Tq, d)``, keys ``k`` of shape ``(..., Tk, d)``, values ``v`` of shape
``(..., Tk, dv)``; a mask is boolean, broadcastable to ``(..., Tq, Tk)``, and
True where a query may attend to a key. Attention functions return the pair
``(output, weights)`` with shapes ``(..., Tq, dv)`` and ``(..., Tq, Tk)``.

Each Requirement states what its probes decide. The sorting model is a goal
and a budget, decided on the scorer's report of the saved model and on fresh
sequences. Reference code: `grader.references.attention` (instructor side);
the visible checks and their stored numbers: `keras_course.exercises.ex12_visible`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from keras_course.checks import ModelCheck, PropertyCheck, describe, token_accuracy
from keras_course.data import sorting_data
from keras_course.exercises.ex12_visible import attention_holds, encoding_holds, mask_holds
from keras_course.model_spec import ModelSpec
from keras_course.probes import (
    FunctionProbe,
    ModelProbe,
    ModelRequirements,
    any_shape,
    array_pair,
    flat_pair,
    function_probes,
    input_dtype,
    no_layer_with,
    only_layers,
    output_shape,
    pair_shapes,
)
from keras_course.question import Exercise, Question, Requirement

SEQ_LEN = 8  # tokens per sequence in the sorting task (keras_course.data.sorting_data, which this module hands out)
VOCAB = 10  # tokens are the digits 0..9
# Remeasured 2026-12-03 when q5 became goal-and-budget (token accuracy on the "tests" secret's fresh sequences, seeds
# 0-2, 4,000 training sequences, 5 epochs of 64): the lesson's block (Embedding 32, 2 heads of 16, Dense 64 relu/32,
# post-norm, Adam 3e-3) 0.992-0.998; 4 heads of 8 over width 24 without a feed-forward part 0.930-0.946; a pre-norm
# GELU block of width 24 with AdamW(2e-3) 0.987-0.991. Earlier runs: no position encoding about 0.30, a causal mask
# about 0.6. 0.9 sits 0.03 below the weakest good architecture and far above each mistake.
SORT_ACCURACY = 0.90
MAX_PARAMS = 50_000
# The sorter's budget: the layers of lesson 12's encoder, in any arrangement. How it is trained is the student's choice.
SORTER_LAYERS = {
    "Embedding", "PositionalEncoding", "MultiHeadAttention", "Dense", "LayerNormalization", "BatchNormalization",
    "Dropout", "Add", "Activation", "ReLU", "Softmax",
}
HELDOUT_SEQUENCES = 2000


def _bits(*sequences: str) -> np.ndarray:
    """Boolean masks written out: one string a sequence, one group of 0s and 1s a query, one digit a key."""
    return np.array([[[digit == "1" for digit in row] for row in sequence.split()] for sequence in sequences])


# Turning answers into one array, and judging a pair (output, weights).


def _row_sums(result: Any) -> np.ndarray:
    """Each query's weights added up, in the weights' own shape without the keys axis."""
    return array_pair(result)[1].sum(axis=-1)


# Question 1: scaled dot-product attention.

_Q1_Q = np.array([[1.0, 1.0, 1.0, 1.0]])
_Q1_K = np.array([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
_Q1_V = np.array([[1.0, 0.0], [0.0, 1.0]])


def _q1_batch() -> tuple:
    rng = np.random.default_rng(1201)
    return rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 3))


def _attention_cases() -> list[tuple]:
    """Queries, keys and values of every layout the question names; d (of q and k) differs from dv throughout."""
    rng = np.random.default_rng(12_001)
    cases = []
    for shape_q, shape_k, dv in [
        ((4, 8), (6, 8), 3), ((7, 4), (2, 4), 5), ((5, 5), (5, 5), 2),  # Tq < Tk, Tq > Tk, Tq == Tk
        ((3, 2, 64), (3, 7, 64), 4), ((2, 2, 3, 16), (2, 2, 5, 16), 2),  # a batch, two batch axes
        ((1, 3, 4), (1, 5, 4), 2), ((1, 1, 9), (1, 4, 9), 1),  # batches of one (one query, one value column: squeeze)
        ((1, 1), (3, 1), 2), ((1, 6), (1, 6), 3),  # d = 1; one key, where every weight is 1
    ]:
        q, k = rng.normal(size=shape_q), rng.normal(size=shape_k)
        cases.append((q, k, rng.normal(size=(*shape_k[:-1], dv))))
    q = np.ones((2, 4))
    cases.append((q, np.ones((3, 4)), rng.normal(size=(3, 6))))  # equal scores: equal weights
    return cases


def _large_score_cases() -> list[tuple]:
    """Scores in the hundreds, where np.exp overflows without the shift."""
    rng = np.random.default_rng(12_002)
    return [
        (30.0 * rng.normal(size=(3, 16)), 30.0 * rng.normal(size=(4, 16)), rng.normal(size=(4, 2))),
        (30.0 * rng.normal(size=(2, 3, 8)), 30.0 * rng.normal(size=(2, 5, 8)), rng.normal(size=(2, 5, 3))),
    ]


def _attention_probes(cases: Callable[[], list[tuple]], label: str, value_covers: tuple[str, ...]) -> tuple:
    """Three probes on the same cases: the shapes, the weights adding up to 1 per query, then every value.

    Answers in float64 match the key to about 1e-15; float32 ones (a Keras softmax, say) are off by at most
    1.5e-7 on these cases (measured), so atol 1e-6 and rtol 1e-5 accept both, and the mistakes listed above
    move some value by 1e-2 or more.
    """
    return function_probes(
        (cases, label, ("shape", "unchanged"), {"transform": pair_shapes, "rtol": 0.0, "atol": 0.0}),
        (cases, label, ("softmax", "unchanged"), {"transform": _row_sums, "rtol": 0.0, "atol": 1e-6}),
        (cases, label, (*value_covers, "unchanged"), {"transform": flat_pair, "rtol": 1e-5, "atol": 1e-6}),
    )



def _stable_probe(cases: Callable[[], list[tuple]], label: str) -> FunctionProbe:
    """Every value on scores in the hundreds: float32 answers are at most 7e-7 off on them (measured), so atol 2e-6."""
    return FunctionProbe(cases=cases, transform=flat_pair, rtol=1e-5, atol=2e-6, label=label, covers=("stable", "unchanged"))


q1 = Question(
    id="q1_attention",
    points=2,
    title="Scaled dot-product attention",
    checks=(
        PropertyCheck(
            args=(_Q1_Q, _Q1_K, _Q1_V), call="attention(q, k, v) for the example above",
            holds=attention_holds("q1_example"),
            tip="The scores are [4, 0] / sqrt(4) = [2, 0], so the weights are [e^2, 1] / (e^2 + 1).",
        ),
        PropertyCheck(
            args=_q1_batch(), call="attention(q, k, v) on a batch of 2, with q (2, 3, 4), k (2, 5, 4), v (2, 5, 3)",
            holds=attention_holds("q1_batch"),
            tip="On a batch, k.T reverses all three axes; swap only the last two: np.swapaxes(k, -1, -2).",
        ),
    ),
    probes=(
        *_attention_probes(_attention_cases, "hidden queries, keys and values (some batched)", ("scaled",)),
        _stable_probe(_large_score_cases, "hidden queries and keys with scores in the hundreds"),
    ),
    requirements=(
        Requirement("shape", "returns `(output, weights)` of shapes (..., Tq, dv) and (..., Tq, Tk) for any number "
            "of batch axes, none and a batch of one included, and any Tq and Tk"),
        Requirement("softmax", "takes the softmax over the keys, so that each query's weights add up to 1"),
        Requirement("scaled", "divides the scores by sqrt(d), d the length of one query and one key"),
        Requirement("stable", "stays finite and right for scores in the hundreds"),
        Requirement("unchanged", "leaves `q`, `k` and `v` unchanged"),
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


def _mask_as_float(result: Any) -> np.ndarray:
    """A boolean mask (or one of 0s and 1s) as 0.0 and 1.0; anything else as -1, which no key has."""
    got = np.asarray(result)
    return got.astype(np.float64) if got.dtype == bool or np.isin(got, (0, 1)).all() else np.full(got.shape, -1.0)


# Hidden lengths: a max_len longer than every sequence, lengths as an array, a batch of one.
_MASK_CASES = [
    ([3, 1, 4], 4, False), ([2, 6, 1, 5], 6, False), ([2, 3], 6, False), ([1], 1, False), (np.array([4, 2, 2]), 5, False)
]
_CAUSAL_CASES = [([3, 1, 4], 4, True), ([5], 5, True), ([2, 6, 1, 5], 6, True), ([2, 3], 5, True), ([1], 1, True)]


q2 = Question(
    id="q2_masks",
    points=2,
    title="Padding and causal masks",
    checks=(
        PropertyCheck(
            args=([2, 3], 3, False), call="make_mask([2, 3], 3)",
            holds=mask_holds("q2_padding"),
            tip="The first sequence has 2 real tokens: every query may look at keys 0 and 1, never at key 2.",
        ),
        PropertyCheck(
            args=([2, 3], 3, True), call="make_mask([2, 3], 3, causal=True)",
            holds=mask_holds("q2_causal"),
            tip="Causal: query i may look at keys j <= i (itself included). Combine with the padding mask by 'and'.",
        ),
    ),
    probes=function_probes(
        (lambda: _MASK_CASES + _CAUSAL_CASES, "hidden lengths",
            "shape", {"transform": any_shape, "rtol": 0.0, "atol": 0.0}),
        (lambda: _MASK_CASES, "hidden padded lengths", "padding"),
        (lambda: _CAUSAL_CASES, "hidden lengths with causal=True", "causal"),
        (lambda: [([3, 1, 4], 4), ([2], 3)], "a call without `causal`", "default"),
        transform=_mask_as_float,
    ),
    requirements=(
        Requirement("shape", "returns an array of shape `(len(lengths), max_len, max_len)`, also for a batch of one "
            "and for a `max_len` longer than every sequence"),
        Requirement("padding", "hides from every query the keys j >= lengths[b] of sequence b, and only those"),
        Requirement("causal", "with `causal=True` also hides the keys j > i, and keeps the diagonal: a query may "
            "attend to itself"),
        Requirement("default", "is not causal when called without `causal` (it defaults to False)"),
        Requirement("unchanged", "leaves `lengths` unchanged"),
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
    """Full (batch, Tq, Tk) masks: padded and causal batches, a batch of one, Tq different from Tk; d != dv."""
    rng = np.random.default_rng(12_003)
    cases = []
    for mask, d, dv in [
        (_bits("11100 " * 5, "11111 " * 5, "10000 " * 5), 8, 3),  # lengths 3, 5, 1
        (_bits("1000 1100 1110 1111", "1000 1100 1100 1100"), 16, 2),  # lengths 4, 2, causal
        (_bits("100000 110000 111000 111100 111110 111111"), 4, 5),  # a batch of one, causal
        (_bits("11000 " * 5, "11000 " * 5, "11111 " * 5), 32, 1),  # lengths 2, 2, 5
    ]:
        batch, t = mask.shape[:2]
        q, k = rng.normal(size=(batch, t, d)), rng.normal(size=(batch, t, d))
        cases.append((q, k, rng.normal(size=(batch, t, dv)), mask))
    q, k, v = rng.normal(size=(2, 3, 6)), rng.normal(size=(2, 7, 6)), rng.normal(size=(2, 7, 2))
    cases.append((q, k, v, _bits("1111000 " * 3, "1111111 " * 3)))  # three queries, seven keys
    q, k, v = rng.normal(size=(1, 1, 4)), rng.normal(size=(1, 5, 4)), rng.normal(size=(1, 5, 3))
    cases.append((q, k, v, np.array([[[True, False, True, True, False]]])))  # one query in a batch of one
    return cases


def _large_masked_cases() -> list[tuple]:
    """Scores in the hundreds, each query on its own scale, so a softmax without a per-query shift overflows or
    (shifted by one maximum for all queries) underflows to 0/0 for the small ones."""
    rng = np.random.default_rng(12_005)
    scales = np.array([1.0, 8.0, 30.0, 60.0])[:, None]
    q, k, v = scales * rng.normal(size=(4, 16)), 10.0 * rng.normal(size=(6, 16)), rng.normal(size=(6, 2))
    cases = [(q, k, v, _bits("111100 " * 4)[0])]
    q, k, v = 25.0 * rng.normal(size=(2, 3, 8)), 25.0 * rng.normal(size=(2, 5, 8)), rng.normal(size=(2, 5, 3))
    cases.append((q, k, v, _bits("11100 " * 3, "11111 " * 3)))  # lengths 3 and 5, three queries
    return cases


def _broadcast_cases() -> list[tuple]:
    """Masks of fewer axes than the scores, which broadcast to them (as Keras's attention_mask may)."""
    rng = np.random.default_rng(12_004)
    q, k, v = rng.normal(size=(3, 8)), rng.normal(size=(5, 8)), rng.normal(size=(5, 2))
    cases = [(q, k, v, np.array([True, False, True, True, False]))]  # one row of keys for every query
    q, k, v = rng.normal(size=(2, 4, 8)), rng.normal(size=(2, 6, 8)), rng.normal(size=(2, 6, 3))
    cases.append((q, k, v, _bits("111000", "111111")))  # (batch, 1, Tk)
    cases.append((q, k, v, np.tril(np.ones((4, 6), dtype=bool))))  # one (Tq, Tk) mask for the whole batch
    return cases


def _masked_weights(args: tuple, result: Any) -> np.ndarray:
    """The weights the mask hides (they must all be 0), read in the kernel right after the call."""
    weights = array_pair(result)[1]
    return weights[~np.broadcast_to(np.asarray(args[3], dtype=bool), weights.shape)]


q3 = Question(
    id="q3_masked_attention",
    points=2,
    title="Attention with a mask",
    checks=(
        PropertyCheck(
            args=(_Q3_Q, _Q3_K, _Q3_V, _Q3_MASK), call="masked_attention(q, k, v, mask) for the example above",
            holds=attention_holds("q3_example"),
            tip="Key 2 is masked: its weight must be exactly 0 and the other two must still add up to 1. Put -inf "
            "(or -1e9) in the masked scores before the softmax.",
        ),
    ),
    probes=(
        *function_probes(
            (_masked_cases, "hidden padded and causal batches", "shape", {"transform": pair_shapes, "atol": 0.0}),
            (_masked_cases, "hidden padded and causal batches", "zero", {"observe": _masked_weights, "atol": 1e-12}),
            rtol=0.0,
        ),
        *_attention_probes(_masked_cases, "hidden padded and causal batches", ("scaled",))[1:],
        *_attention_probes(_broadcast_cases, "hidden masks that broadcast to the scores", ("broadcast",))[1:],
        _stable_probe(_large_masked_cases, "hidden masked queries and keys with scores in the hundreds"),
    ),
    requirements=(
        Requirement("shape", "returns `(output, weights)` of shapes (..., Tq, dv) and (..., Tq, Tk), a batch of one "
            "and Tq different from Tk included"),
        Requirement("zero", "gives every masked key a weight of exactly 0"),
        Requirement("softmax", "keeps each query's weights adding up to 1"),
        Requirement("scaled", "is the attention of question 1 on the keys the mask leaves, scores divided by sqrt(d)"),
        Requirement("broadcast", "accepts any mask that broadcasts to the shape of the scores, (..., Tq, Tk)"),
        Requirement("stable", "stays finite and right for scores in the hundreds, as in question 1"),
        Requirement("unchanged", "leaves `q`, `k`, `v` and `mask` unchanged"),
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


_ENCODING_SIZES = [(1, 2), (8, 32), (64, 128), (100, 6), (7, 2), (3, 10), (12, 4)]


def _pair_layout(result: Any) -> np.ndarray:
    """Row 0 (position 0: sin 0 = 0, cos 0 = 1, ...) and sin^2 + cos^2 of each pair (1 when the pair shares its angle)."""
    got = np.asarray(result, dtype=np.float64)
    return np.concatenate([got[0], (got[:, 0::2] ** 2 + got[:, 1::2] ** 2).ravel()])


q4 = Question(
    id="q4_positional_encoding",
    points=2,
    title="Sinusoidal position encodings",
    checks=(
        PropertyCheck(
            args=(3, 4), call="positional_encoding(3, 4)",
            holds=encoding_holds(3, 4),
            tip="Row 1 should be [sin(1), cos(1), sin(0.01), cos(0.01)]: columns 2 and 3 share the angle 1 / 10000^(2/4), since column j belongs to the pair j // 2.",
        ),
        PropertyCheck(
            args=(50, 16), call="positional_encoding(50, 16)",
            holds=encoding_holds(50, 16),
            tip="Columns 2i and 2i+1 share one angle, p / 10000^(2i / depth): use 2 * (j // 2) for column j, not j.",
        ),
    ),
    probes=function_probes(  # atol 2e-5: float32 arithmetic (a Keras layer, say) is right too
        (lambda: _ENCODING_SIZES, "other lengths and depths", ("shape",), {"transform": any_shape, "rtol": 0.0, "atol": 0.0}),
        (lambda: _ENCODING_SIZES, "other lengths and depths", ("layout",), {"transform": _pair_layout}),
        (lambda: _ENCODING_SIZES, "other lengths and depths", ("angle",)),
        rtol=1e-5,
        atol=2e-5,
    ),
    requirements=(
        Requirement("shape", "returns an array of shape `(length, depth)`, row p for position p"),
        Requirement("layout", "puts the sine in the even columns and the cosine in the odd ones, interleaved, both "
            "columns of a pair sharing one angle"),
        Requirement("angle", "uses the angle p / 10000^(2i/D) for pair i, positions counted from 0"),
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
_SORTER = ModelSpec(input_shape=(SEQ_LEN,), output_units=VOCAB, output_activation="softmax", max_params=MAX_PARAMS)


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
        ModelCheck(_SORTER),
        PropertyCheck(
            args=(_VALIDATION[0],), call="sort_model(x_val)",
            holds=_sorting_holds,
            tip="Near 0.3: the position encoding is missing, so every position sees the same bag of digits. "
            "Near 0.6: a causal mask hides the later digits. Otherwise train for longer or on more sequences.",
        ),
    ),
    probes=(
        ModelProbe(
            heldout="ex12_sorted_digit_sequences",
            threshold=SORT_ACCURACY,
            metric="token_accuracy",
            requirements=ModelRequirements(_SORTER, rules=(
                    input_dtype(lambda dtype: dtype.startswith(("int", "uint")), "integer digits (int32)"),
                    no_layer_with("Embedding", "mask_zero", "has an Embedding with mask_zero=True, which hides every "
                                  "digit 0 from the attention: 0 is a digit here", aspect="input"),
                    output_shape((SEQ_LEN, VOCAB)),
                    only_layers(SORTER_LAYERS, aspect="params"),
                )),
            covers=("input", "layers", "params", "heldout"),
        ),
    ),
    requirements=(
        Requirement("input", 'takes 8 digits as integers, `keras.Input(shape=(8,), dtype="int32")`, and masks none '
            'of them (no `mask_zero`: 0 is a digit here)'),
        Requirement("layers", "ends in a softmax over the 10 digits at each position: an output of shape (batch, 8, 10)"),
        Requirement("params", "has at most 50,000 parameters, in `Embedding`, `PositionalEncoding`, "
            "`MultiHeadAttention`, `Dense`, normalization, dropout, `Add` and activation layers only"),
        Requirement(
            "heldout", "sorts at least 0.9 of the tokens of fresh sequences right, each position seeing all 8 digits"
        ),
    ),
    hints=(
        "Each output position must look at every input digit and know where it stands itself: attention mixes the "
        "positions, a position encoding added to the embeddings tells them apart. Near 0.3 of the tokens right, "
        "the positions are missing; near 0.6, something hides the later digits from the earlier positions.",
        "The lesson's encoder block (self-attention and a small feed-forward part, each inside a residual connection "
        "followed by a normalization) is a good starting point; one block of a few dozen dimensions is enough.",
        "If the accuracy stalls, train for more epochs or on more sequences (sorting_data makes as many as you like); "
        "a learning rate a few times Adam's default often helps a small transformer.",
    ),
)

EXERCISE = Exercise(notebook="12_attention_and_transformers", questions=(q1, q2, q3, q4, q5))
