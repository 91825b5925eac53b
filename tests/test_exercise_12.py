"""Exercise 12: different correct answers score full; each listed mistake loses the question's points."""

from __future__ import annotations

import numpy as np
import pytest
from judging import failure_message, judge_answer, judged, not_yet_met

from grader.heldout import make_heldout
from grader.modelscore import metric, metric_value
from grader.outcomes import Status
from keras_course.checks import CheckFailed
from keras_course.exercises import load_exercise
from keras_course.exercises.ex12_attention_and_transformers import SEQ_LEN, VOCAB, sorting_data

EXERCISE = load_exercise("12_attention_and_transformers")
q1, q2, q3, q4, q5 = EXERCISE.questions


LOST = (Status.FAILED, Status.ERROR)


def softmax(scores, axis=-1):
    e = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# Question 1: scaled dot-product attention.


def attention(q, k, v):
    weights = softmax(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]))
    return weights @ v, weights


def einsum_attention(q, k, v):
    from scipy.special import softmax as scipy_softmax

    weights = scipy_softmax(np.einsum("...qd,...kd->...qk", q, k) / q.shape[-1] ** 0.5, axis=-1)
    return [np.einsum("...qk,...kv->...qv", weights, v).tolist(), weights.tolist()]


def unscaled(q, k, v):
    weights = softmax(q @ np.swapaxes(k, -1, -2))
    return weights @ v, weights


def scaled_by_d(q, k, v):
    weights = softmax(q @ np.swapaxes(k, -1, -2) / q.shape[-1])
    return weights @ v, weights


def softmax_over_queries(q, k, v):
    weights = softmax(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]), axis=-2)
    return weights @ v, weights


def overflowing(q, k, v):
    e = np.exp(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]))
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, weights


def transposed_2d(q, k, v):
    weights = softmax(q @ k.T / np.sqrt(q.shape[-1]))
    return weights @ v, weights


def test_attention_accepts_einsum_and_rejects_scaling_and_axis_mistakes(tmp_path):
    with np.errstate(over="ignore", invalid="ignore"):
        statuses = judged(
            q1,
            {
                "matmul": attention,
                "einsum and scipy, as lists": einsum_attention,
                "no scaling": unscaled,
                "divided by d": scaled_by_d,
                "softmax over the queries": softmax_over_queries,
                "softmax that overflows": overflowing,
                "weights only": lambda q, k, v: attention(q, k, v)[1],
                "2-D transpose on a batch": transposed_2d,
            },
            attention,
            tmp_path,
        )
    assert statuses["matmul"] is Status.PASSED
    assert statuses["einsum and scipy, as lists"] is Status.PASSED
    assert all(
        status is not Status.PASSED
        for name, status in statuses.items()
        if name not in ("matmul", "einsum and scipy, as lists")
    )


def test_attention_visible_checks_name_the_mistake():
    q1.check(attention)
    with pytest.raises(CheckFailed, match="unscaled scores"):
        q1.check(unscaled)
    with pytest.raises(CheckFailed, match="last axis"):
        q1.check(softmax_over_queries)
    with pytest.raises(CheckFailed, match="on a batch of 2.*raised ValueError"):
        q1.check(transposed_2d)


def attention_float32(q, k, v):
    q, k, v = (np.asarray(a, dtype=np.float32) for a in (q, k, v))
    return attention(q, k, v)


def attention_keras_softmax(q, k, v):
    import keras

    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    weights = keras.ops.convert_to_numpy(keras.ops.softmax(scores, axis=-1))
    return weights @ v, weights


def attention_batch_loop(q, k, v):
    if q.ndim == 2:
        return attention(q, k, v)
    pairs = [attention_batch_loop(a, b, c) for a, b, c in zip(q, k, v, strict=True)]
    return np.stack([o for o, _ in pairs]), np.stack([w for _, w in pairs])


def attention_in_place(q, k, v):
    q /= np.sqrt(q.shape[-1])  # scales the caller's queries
    weights = softmax(q @ np.swapaxes(k, -1, -2))
    return weights @ v, weights


def scaled_by(size):
    def answer(q, k, v):
        weights = softmax(q @ np.swapaxes(k, -1, -2) / np.sqrt(size(q, k, v)))
        return weights @ v, weights

    return answer


def global_shift(q, k, v):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    e = np.exp(scores - scores.max())  # one shift for every row: rows far below it underflow to 0 / 0
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, weights


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        (attention, True),
        (einsum_attention, True),
        (attention_float32, True),
        (attention_keras_softmax, True),
        (attention_batch_loop, True),
        (lambda q, k, v: tuple(np.squeeze(a) for a in attention(q, k, v)), False),  # a batch of one loses axes
        (scaled_by(lambda q, k, v: v.shape[-1]), False),  # sqrt of the value size
        (scaled_by(lambda q, k, v: q.shape[1]), False),  # q.shape[1]: the queries on a batch
        (scaled_by(lambda q, k, v: k.shape[-2]), False),  # sqrt of the number of keys
        (attention_in_place, False),
        (global_shift, False),
        (lambda q, k, v: (attention(q, k, v)[0], np.swapaxes(attention(q, k, v)[1], -1, -2)), False),
        (lambda q, k, v: attention(q, k, v)[::-1], False),  # (weights, output)
    ],
)
def test_attention_cases(answer, correct, tmp_path):
    with np.errstate(all="ignore"):
        status = judge_answer(q1, answer, attention, tmp_path)
    assert status is Status.PASSED if correct else status in LOST


def test_attention_messages_name_the_requirement(tmp_path):
    squeezed = failure_message(
        q1, lambda q, k, v: tuple(np.squeeze(a) for a in attention(q, k, v)), attention, tmp_path / "a"
    )
    assert squeezed.startswith("Not yet met: returns `(output, weights)` of shapes (..., Tq, dv) and (..., Tq, Tk)")
    assert failure_message(q1, softmax_over_queries, attention, tmp_path / "b").startswith(
        "Not yet met: takes the softmax over the keys"
    )
    assert failure_message(q1, scaled_by(lambda q, k, v: v.shape[-1]), attention, tmp_path / "c").startswith(
        "Not yet met: divides the scores by sqrt(d)"
    )
    with np.errstate(all="ignore"):
        assert failure_message(q1, overflowing, attention, tmp_path / "d").startswith("Not yet met: stays finite")
    assert failure_message(q1, attention_in_place, attention, tmp_path / "e").startswith(
        "Not yet met: leaves `q`, `k` and `v` unchanged."
    )


# Question 2: padding and causal masks.


def make_mask(lengths, max_len, causal=False):
    keys = np.arange(max_len)[None, None, :] < np.asarray(lengths)[:, None, None]
    mask = np.broadcast_to(keys, (len(lengths), max_len, max_len))
    return mask & np.tril(np.ones((max_len, max_len), dtype=bool)) if causal else mask


def loop_mask(lengths, max_len, causal=False):
    mask = np.zeros((len(lengths), max_len, max_len), dtype=int)
    for b, length in enumerate(lengths):
        for i in range(max_len):
            for j in range(max_len):
                mask[b, i, j] = int(j < length and (j <= i or not causal))
    return mask.tolist()


def test_masks_accept_loops_and_reject_wrong_masks(tmp_path):
    t = np.arange(12)
    statuses = judged(
        q2,
        {
            "broadcast": make_mask,
            "loops, as 0s and 1s": loop_mask,
            "padding on the queries": lambda lengths, n, causal=False: np.swapaxes(make_mask(lengths, n, causal), 1, 2),
            "inverted": lambda lengths, n, causal=False: ~make_mask(lengths, n, causal),
            "causal looks ahead": lambda lengths, n, causal=False: (
                make_mask(lengths, n) & (np.triu(np.ones((n, n), dtype=bool)) if causal else True)
            ),
            "causal hides the diagonal": lambda lengths, n, causal=False: (
                make_mask(lengths, n) & (t[:n, None] > t[None, :n] if causal else True)
            ),
            "causal ignored": lambda lengths, n, causal=False: make_mask(lengths, n),
        },
        make_mask,
        tmp_path,
    )
    assert statuses.pop("broadcast") is Status.PASSED
    assert statuses.pop("loops, as 0s and 1s") is Status.PASSED
    assert set(statuses.values()) == {Status.FAILED}


def test_mask_visible_check_explains_swapped_axes():
    q2.check(loop_mask)
    with pytest.raises(CheckFailed, match="Padding hides keys"):
        q2.check(lambda lengths, n, causal=False: np.swapaxes(make_mask(lengths, n, causal), 1, 2))


def mask_sized_by_lengths(lengths, max_len, causal=False):
    return make_mask(lengths, max(lengths), causal)  # ignores max_len


def mask_sorting_lengths(lengths, max_len, causal=False):
    lengths.sort()  # reorders the caller's list (and the batch)
    return make_mask(lengths, max_len, causal)


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        (make_mask, True),
        (loop_mask, True),
        (lambda lengths, n, causal=False: make_mask(lengths, n, causal).astype(np.float32), True),
        (
            lambda lengths, n, causal=False: (
                make_mask(lengths, n) & ~np.triu(np.ones((n, n), dtype=bool), k=1) if causal else make_mask(lengths, n)
            ),
            True,
        ),
        (mask_sized_by_lengths, False),
        (lambda lengths, n, causal=True: make_mask(lengths, n, causal), False),  # causal by default
        (lambda lengths, n, causal=False: np.squeeze(make_mask(lengths, n, causal)), False),  # batch of one squeezed
        (
            lambda lengths, n, causal=False: (
                make_mask(lengths, n, causal) & (np.arange(n)[None, :, None] < np.asarray(lengths)[:, None, None])
            ),
            False,
        ),  # hides the padded queries too
        (
            lambda lengths, n, causal=False: (
                np.arange(n)[None, None, :] <= np.asarray(lengths)[:, None, None]
                if not causal
                else make_mask(lengths, n, causal)
            ),
            False,
        ),  # j <= length
        (
            lambda lengths, n, causal=False: (
                make_mask(lengths, n) | np.tril(np.ones((n, n), dtype=bool)) if causal else make_mask(lengths, n)
            ),
            False,
        ),  # causal combined with "or"
        (mask_sorting_lengths, False),
    ],
)
def test_mask_cases(answer, correct, tmp_path):
    status = judge_answer(q2, answer, make_mask, tmp_path)
    assert status is Status.PASSED if correct else status in LOST


def test_mask_messages_name_the_requirement(tmp_path):
    assert failure_message(q2, mask_sized_by_lengths, make_mask, tmp_path / "a").startswith(
        "Not yet met: returns an array of shape `(len(lengths), max_len, max_len)`"
    )
    default = failure_message(
        q2, lambda lengths, n, causal=True: make_mask(lengths, n, causal), make_mask, tmp_path / "b"
    )
    assert default.startswith("Not yet met: is not causal when called without `causal`")


# Question 3: attention with a mask.


def masked_attention(q, k, v, mask):
    scores = np.where(mask, q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]), -np.inf)
    weights = softmax(scores)
    return weights @ v, weights


def big_negative(q, k, v, mask):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]) + (1.0 - np.asarray(mask, dtype=float)) * -1e9
    weights = softmax(scores)
    return weights @ v, weights


def renormalized(q, k, v, mask):
    weights = softmax(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])) * mask
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ v, weights


def with_scores(change):
    def answer(q, k, v, mask):
        weights = softmax(change(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]), np.asarray(mask, dtype=float)))
        return weights @ v, weights

    return answer


def zeroed_after_softmax(q, k, v, mask):
    weights = softmax(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])) * mask
    return weights @ v, weights


def test_masked_attention_accepts_equivalent_forms_and_rejects_mask_mistakes(tmp_path):
    statuses = judged(
        q3,
        {
            "where -inf": masked_attention,
            "plus -1e9": big_negative,
            "softmax, zero, renormalize": renormalized,
            "penalty added with the wrong sign": with_scores(lambda s, m: s + (1.0 - m) * 1e9),
            "mask subtracted where it should be kept": with_scores(lambda s, m: s - m * 1e9),
            "mask multiplied into the scores": with_scores(lambda s, m: s * m),
            "weights zeroed after the softmax": zeroed_after_softmax,
            "mask ignored": lambda q, k, v, mask: attention(q, k, v),
            "no scaling": lambda q, k, v, mask: masked_attention(q * np.sqrt(q.shape[-1]), k, v, mask),
        },
        masked_attention,
        tmp_path,
    )
    right = ("where -inf", "plus -1e9", "softmax, zero, renormalize")
    assert all(statuses.pop(name) is Status.PASSED for name in right)
    assert set(statuses.values()) == {Status.FAILED}


def test_masked_attention_visible_check_rejects_a_multiplied_mask():
    q3.check(big_negative)
    with pytest.raises(CheckFailed, match="-inf"):
        q3.check(with_scores(lambda s, m: s * m))
    with pytest.raises(CheckFailed, match="add up to 1"):
        q3.check(zeroed_after_softmax)


def masked_by_indexing(q, k, v, mask):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    scores[~np.broadcast_to(mask, scores.shape)] = -np.inf
    weights = softmax(scores)
    return weights @ v, weights


def masked_keras_softmax(q, k, v, mask):
    import keras

    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    layer = keras.layers.Softmax(axis=-1)
    weights = keras.ops.convert_to_numpy(layer(scores, mask=np.broadcast_to(mask, scores.shape))).astype(np.float64)
    return weights @ v, weights


def masked_without_broadcast(q, k, v, mask):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    scores[~mask] = -np.inf  # works only when the mask has the scores' shape
    weights = softmax(scores)
    return weights @ v, weights


def masked_in_place(q, k, v, mask):
    mask[...] = np.broadcast_to(mask, mask.shape)  # harmless
    q *= 1.0 / np.sqrt(q.shape[-1])  # but this scales the caller's queries
    scores = np.where(mask, q @ np.swapaxes(k, -1, -2), -np.inf)
    weights = softmax(scores)
    return weights @ v, weights


def masked_unshifted(q, k, v, mask):
    # exp of the raw scores: right for small ones, inf / inf = NaN in the hundreds
    scores = np.where(mask, q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]), -np.inf)
    e = np.exp(scores)
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, weights


def masked_one_shift_for_all(q, k, v, mask):
    # one maximum for every query: a query far below it underflows to 0 / 0
    scores = np.where(mask, q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]), -np.inf)
    e = np.exp(scores - scores.max())
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, weights


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        (masked_attention, True),
        (big_negative, True),
        (masked_unshifted, False),
        (masked_one_shift_for_all, False),
        (masked_by_indexing, True),
        (masked_keras_softmax, True),
        (masked_without_broadcast, False),
        (masked_in_place, False),
        (with_scores(lambda s, m: s - (1.0 - m) * 10.0), False),  # a penalty too small to hide a key
        (with_scores(lambda s, m: np.where(m > 0, s, 0.0)), False),  # masked scores set to 0
        (lambda q, k, v, mask: masked_attention(q, k, v, np.swapaxes(np.asarray(mask), -1, -2)), False),
        (lambda q, k, v, mask: tuple(np.squeeze(a) for a in masked_attention(q, k, v, mask)), False),
        (lambda q, k, v, mask: masked_attention(q, k, v, np.asarray(mask)[0] if np.ndim(mask) == 3 else mask), False),
    ],
)
def test_masked_attention_cases(answer, correct, tmp_path):
    with np.errstate(all="ignore"):
        status = judge_answer(q3, answer, masked_attention, tmp_path)
    assert status is Status.PASSED if correct else status in LOST


def test_masked_attention_messages_name_the_requirement(tmp_path):
    assert failure_message(q3, with_scores(lambda s, m: s * m), masked_attention, tmp_path / "a").startswith(
        "Not yet met: gives every masked key a weight of exactly 0."
    )
    assert failure_message(q3, zeroed_after_softmax, masked_attention, tmp_path / "b").startswith(
        "Not yet met: keeps each query's weights adding up to 1."
    )
    assert judged(q3, masked_without_broadcast, masked_attention, tmp_path / "c") is Status.ERROR  # not a failure
    with np.errstate(all="ignore"):
        assert failure_message(q3, masked_one_shift_for_all, masked_attention, tmp_path / "d").startswith(
            "Not yet met: stays finite and right for scores in the hundreds, as in question 1."
        )


# Question 4: sinusoidal position encodings.


def positional_encoding(length, depth):
    columns = np.arange(depth)[None, :]
    angles = np.arange(length)[:, None] / 10000.0 ** (2 * (columns // 2) / depth)
    return np.where(columns % 2 == 0, np.sin(angles), np.cos(angles))


def keras_layer_encoding(length, depth):
    import keras

    from keras_course.layers import PositionalEncoding

    return keras.ops.convert_to_numpy(PositionalEncoding()(np.zeros((1, length, depth), dtype="float32")))[0]


def variant(kind):
    def answer(length, depth):
        p, j = np.arange(length)[:, None], np.arange(depth)[None, :]
        if kind == "column index":
            angles = p / 10000.0 ** (j / depth)
            return np.where(j % 2 == 0, np.sin(angles), np.cos(angles))
        angles = p / 10000.0 ** (2 * (j // 2) / depth)
        if kind == "swapped":
            return np.where(j % 2 == 0, np.cos(angles), np.sin(angles))
        if kind == "halves":
            half = angles[:, 0::2]
            return np.concatenate([np.sin(half), np.cos(half)], axis=1)
        if kind == "no depth":
            angles = p / 10.0 ** (2 * (j // 2))
            return np.where(j % 2 == 0, np.sin(angles), np.cos(angles))
        raise ValueError(kind)

    return answer


def test_positional_encoding_accepts_the_keras_layer_and_rejects_layout_mistakes(tmp_path):
    statuses = judged(
        q4,
        {
            "numpy": positional_encoding,
            "the course's keras layer": keras_layer_encoding,
            "sine and cosine swapped": variant("swapped"),
            "column index for the pair": variant("column index"),
            "sines then cosines": variant("halves"),
            "exponent without the depth": variant("no depth"),
        },
        positional_encoding,
        tmp_path,
    )
    assert statuses.pop("numpy") is Status.PASSED
    assert statuses.pop("the course's keras layer") is Status.PASSED
    assert set(statuses.values()) == {Status.FAILED}


def test_positional_encoding_visible_checks_name_the_layout():
    with pytest.raises(CheckFailed, match="other way round"):
        q4.check(variant("swapped"))
    with pytest.raises(CheckFailed, match="interleave"):
        q4.check(variant("halves"))
    with pytest.raises(CheckFailed, match="share the angle"):
        q4.check(variant("column index"))


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        (positional_encoding, True),
        (keras_layer_encoding, True),
        (lambda length, depth: positional_encoding(length, depth).astype(np.float32).tolist(), True),
        (lambda length, depth: positional_encoding(length + 1, depth)[1:], False),  # positions from 1
        (lambda length, depth: positional_encoding(length, depth).T, False),
        (lambda length, depth: positional_encoding(length, depth)[None], False),  # a batch axis added
        (variant("swapped"), False),
        (variant("halves"), False),
        (variant("column index"), False),
        (variant("no depth"), False),
        (
            lambda length, depth: np.where(
                np.arange(depth) % 2 == 0,
                np.sin(np.arange(length)[:, None] / 10000.0 ** ((np.arange(depth) // 2) / depth)),
                np.cos(np.arange(length)[:, None] / 10000.0 ** ((np.arange(depth) // 2) / depth)),
            ),
            False,
        ),  # i / D where 2i / D is due
    ],
)
def test_positional_encoding_cases(answer, correct, tmp_path):
    status = judge_answer(q4, answer, positional_encoding, tmp_path)
    assert status is Status.PASSED if correct else status in LOST


def test_positional_encoding_messages_name_the_requirement(tmp_path):
    assert failure_message(q4, variant("halves"), positional_encoding, tmp_path / "a").startswith(
        "Not yet met: puts the sine in the even columns"
    )
    assert failure_message(q4, variant("no depth"), positional_encoding, tmp_path / "b").startswith(
        "Not yet met: uses the angle p / 10000^(2i/D)"
    )


# The shared pieces this exercise added: the token accuracy metric, the layer, the held-out set.


def test_token_accuracy_metric_compares_the_most_likely_token_with_each_label():
    assert metric("token_accuracy").higher_is_better
    y = np.array([[0, 1, 2], [2, 2, 1]])
    scores = np.eye(3)[y]  # (2, 3, 3): every token right
    assert metric_value(scores, y, "token_accuracy") == 1.0
    scores[0, :, :] = np.eye(3)[[1, 1, 1]]  # the first sequence has one token right out of three
    assert metric_value(scores, y, "token_accuracy") == pytest.approx(4 / 6)
    assert metric_value(scores[:, :2], y, "token_accuracy") == 0.0  # a shape that does not match scores nothing
    assert metric_value(scores.reshape(6, 3), y, "token_accuracy") == 0.0


def test_positional_encoding_layer_round_trips_in_safe_mode(tmp_path):
    import keras

    from keras_course.layers import PositionalEncoding

    inputs = keras.Input(shape=(5,), dtype="int32")
    model = keras.Model(inputs, PositionalEncoding(max_wavelength=100.0)(keras.layers.Embedding(4, 6)(inputs)))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    x = np.array([[0, 1, 2, 3, 0]])
    assert np.allclose(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert loaded.layers[-1].max_wavelength == 100.0
    with pytest.raises(ValueError, match="max_wavelength"):
        PositionalEncoding(max_wavelength=0)


def test_heldout_sequences_are_fresh_sorted_draws_from_the_secret():
    x, y = make_heldout("ex12_sorted_digit_sequences", b"one")
    assert x.shape == y.shape == (2000, SEQ_LEN) and x.min() >= 0 and x.max() < VOCAB
    assert np.array_equal(np.sort(x, axis=1), y)
    assert np.array_equal(x, make_heldout("ex12_sorted_digit_sequences", b"one")[0])
    assert not np.array_equal(x, make_heldout("ex12_sorted_digit_sequences", b"two")[0])
    public = {tuple(row) for seed in (0, 1) for row in sorting_data(4000 if seed == 0 else 1000, seed=seed)[0]}
    assert sum(tuple(row) in public for row in x) < 5  # 10^8 possible sequences: the notebook's data is no help


# Question 5: a trained encoder, scored on fresh sequences.


def sorting_model(
    position=True,
    causal=False,
    n=4000,
    epochs=5,
    heads=2,
    key_dim=16,
    width=32,
    seed=0,
    optimizer=None,
    loss="sparse_categorical_crossentropy",
    mask_zero=False,
    split_softmax=False,
    dtype="int32",
    ff_activation="relu",
    residual="+",
    feedforward=True,
    blocks=1,
    dropout=0.0,
):
    """Lesson 12's encoder, with the choices the question leaves open (and the lesson's mistakes) as switches."""
    import keras

    from keras_course.layers import PositionalEncoding

    keras.utils.set_random_seed(seed)
    x, y = sorting_data(n, seed=seed)
    tokens = keras.Input(shape=(SEQ_LEN,), dtype=dtype)
    h = keras.layers.Embedding(VOCAB, width, mask_zero=mask_zero)(tokens)
    if position:
        h = PositionalEncoding()(h)
    for _ in range(blocks):
        if residual == "pre-norm":  # normalize each sublayer's input, add its output to the stream
            normed = keras.layers.LayerNormalization()(h)
            h = h + keras.layers.MultiHeadAttention(num_heads=heads, key_dim=key_dim)(normed, normed, use_causal_mask=causal)
            normed = keras.layers.LayerNormalization()(h)
            h = h + keras.layers.Dense(width)(keras.layers.Dense(2 * width, activation=ff_activation)(normed))
            continue
        a = keras.layers.MultiHeadAttention(num_heads=heads, key_dim=key_dim, dropout=dropout)(h, h, use_causal_mask=causal)
        add = (lambda u, v: keras.layers.Add()([u, v])) if residual == "Add layer" else (lambda u, v: u + v)
        h = keras.layers.LayerNormalization()(add(h, a))
        if feedforward:
            f = keras.layers.Dense(width)(keras.layers.Dense(2 * width, activation=ff_activation)(h))
            if dropout:
                f = keras.layers.Dropout(dropout)(f)
            h = keras.layers.LayerNormalization()(add(h, f))
    if residual == "pre-norm":
        h = keras.layers.LayerNormalization()(h)
    if split_softmax:
        outputs = keras.layers.Softmax()(keras.layers.Dense(VOCAB)(h))
    else:
        outputs = keras.layers.Dense(VOCAB, activation="softmax")(h)
    model = keras.Model(tokens, outputs)
    model.compile(optimizer=optimizer or keras.optimizers.Adam(3e-3), loss=loss)
    if epochs:
        model.fit(x.astype(dtype), y, epochs=epochs, batch_size=64, verbose=0)
    return model


def recurrent_sorter():
    """A bidirectional LSTM that answers at every position: a layer family outside the question's budget (untrained)."""
    import keras

    tokens = keras.Input(shape=(SEQ_LEN,), dtype="int32")
    h = keras.layers.Embedding(VOCAB, 16)(tokens)
    h = keras.layers.Bidirectional(keras.layers.LSTM(32, return_sequences=True))(h)
    return keras.Model(tokens, keras.layers.Dense(VOCAB, activation="softmax")(h))


@pytest.fixture(scope="module")
def right_sorter():
    return sorting_model()


@pytest.fixture(scope="module")
def unordered_sorter():
    return sorting_model(position=False, n=2000, epochs=3)


@pytest.mark.slow
def test_sorting_model_is_scored_on_fresh_sequences(right_sorter, unordered_sorter, tmp_path, model_scorer):
    import keras

    statuses = judged(
        q5,
        {
            "right": right_sorter,
            "another seed, Dense then Softmax, loss object, int64": sorting_model(
                seed=3, split_softmax=True, loss=keras.losses.SparseCategoricalCrossentropy(), dtype="int64"
            ),
            "four narrow heads, no feed-forward part": sorting_model(
                heads=4, key_dim=8, width=24, feedforward=False, seed=1
            ),
            "pre-norm GELU block, AdamW": sorting_model(
                residual="pre-norm", ff_activation="gelu", width=24, optimizer=keras.optimizers.AdamW(2e-3), seed=2
            ),
            "two blocks with Add layers and dropout, RMSprop": sorting_model(
                residual="Add layer", blocks=2, width=24, dropout=0.1, optimizer=keras.optimizers.RMSprop(1e-3),
                epochs=8, seed=4,
            ),
            "mask_zero on the digits": sorting_model(mask_zero=True, epochs=0),
            "float inputs": sorting_model(dtype="float32", epochs=0),
            "an LSTM instead of attention": recurrent_sorter(),
            "over the parameter budget": sorting_model(width=128, epochs=0),
            "no position encoding": unordered_sorter,
            "causal mask": sorting_model(causal=True, n=2000, epochs=2),
            "undertrained": sorting_model(n=1000, epochs=1),
            "not a model": lambda x: x,
        },
        right_sorter,
        tmp_path,
        model_scorer,
    )
    right = (
        "right",
        "another seed, Dense then Softmax, loss object, int64",
        "four narrow heads, no feed-forward part",
        "pre-norm GELU block, AdamW",
        "two blocks with Add layers and dropout, RMSprop",
    )
    assert {name: statuses.pop(name) for name in right} == dict.fromkeys(right, Status.PASSED)
    assert set(statuses.values()) == {Status.FAILED}


@pytest.mark.slow
def test_sorting_messages_name_the_requirement(right_sorter, unordered_sorter, tmp_path, model_scorer):
    messages = {
        name: failure_message(q5, model, right_sorter, tmp_path / name, model_scorer)
        for name, model in {
            "mask": sorting_model(mask_zero=True, epochs=0),
            "float": sorting_model(dtype="float32", epochs=0),
            "lstm": recurrent_sorter(),
            "params": sorting_model(width=128, epochs=0),
            "position": unordered_sorter,
            "causal": sorting_model(causal=True, n=2000, epochs=2),
        }.items()
    }
    assert messages["mask"].startswith(not_yet_met(q5, "input")) and "mask_zero" in messages["mask"]
    assert messages["float"].startswith(not_yet_met(q5, "input")) and "integer" in messages["float"]
    assert messages["lstm"].startswith(not_yet_met(q5, "params")) and "Bidirectional" in messages["lstm"]
    assert messages["params"].startswith(not_yet_met(q5, "params"))
    assert messages["position"].startswith(not_yet_met(q5, "heldout"))
    assert messages["causal"].startswith(not_yet_met(q5, "heldout"))


@pytest.mark.slow
def test_sorting_visible_checks_point_at_the_position_encoding(right_sorter, unordered_sorter):
    q5.check(right_sorter)
    with pytest.raises(CheckFailed, match="position encoding is missing"):
        q5.check(unordered_sorter)


def test_stored_visible_numbers_are_what_the_references_compute():
    from grader.references.attention import visible_numbers
    from keras_course.exercises.ex12_visible import VISIBLE

    assert VISIBLE == visible_numbers()
