"""Project 16: different correct answers score full; each listed mistake loses the question's points; IMDB's files parse."""

from __future__ import annotations

import json

import numpy as np
import pytest
from judging import judge_answer, missed

from grader.heldout import make_heldout
from grader.outcomes import Status
from keras_course.checks import CheckFailed
from keras_course.exercises import load_exercise
from keras_course.exercises.ex16_review_sentiment import HELDOUT_SIZE
from keras_course.projects.reviews import course_reviews, draw_long_reviews, load_reviews, parse_imdb

EXERCISE = load_exercise("16_review_sentiment")
q1, q2, q3 = EXERCISE.questions


def test_the_model_question_ranks_the_class():
    assert EXERCISE.leaderboard == q3.id and sum(q.points for q in EXERCISE.questions) == 10


# The loader: the course reviews offline, IMDB's two files parsed into text.


def write_imdb_files(folder):
    """Small files in the format of keras's imdb.npz (ragged object arrays) and imdb_word_index.json."""
    ragged = lambda rows: np.array([list(row) for row in rows] + [[]], dtype=object)[:-1]  # noqa: E731
    np.savez(
        folder / "imdb.npz",
        x_train=ragged([[1, 4, 2], [3, 5, 5, 6]]),
        y_train=np.array([1, 0]),
        x_test=ragged([[2, 6], [4], [1, 1, 3]]),
        y_test=np.array([0, 1, 1]),
    )
    index = {"the": 1, "film": 2, "was": 3, "superb": 4, "dull": 5, "rare": 6}
    (folder / "imdb_word_index.json").write_text(json.dumps(index))
    return folder / "imdb.npz", folder / "imdb_word_index.json"


def test_parse_imdb_turns_ranks_into_words(tmp_path):
    texts_train, texts_test, y_train, y_test = parse_imdb(*write_imdb_files(tmp_path))
    assert texts_train.tolist() == ["the superb film", "was dull dull rare"]
    assert texts_test.tolist() == ["film rare", "superb", "the the was"]
    assert y_train.dtype == np.int64 and y_train.tolist() == [1, 0] and y_test.tolist() == [0, 1, 1]
    assert texts_train.dtype == object


def test_parse_imdb_keeps_the_most_frequent_words_and_the_first_reviews(tmp_path):
    texts_train, texts_test, y_train, y_test = parse_imdb(*write_imdb_files(tmp_path), num_words=4, n=1)
    assert texts_train.tolist() == ["the superb film"] and texts_test.tolist() == ["film"]
    assert y_train.tolist() == [1] and y_test.tolist() == [0]


def test_loader_ignores_the_flag_under_the_grader(monkeypatch, capsys, tmp_path):
    from keras_course.channel import PROBE_DIR_VARIABLE

    monkeypatch.setenv(PROBE_DIR_VARIABLE, str(tmp_path))
    texts_train, texts_val, y_train, y_val = load_reviews(full_imdb=True)
    assert "course reviews" in capsys.readouterr().out
    assert np.array_equal(texts_train, course_reviews()[0]) and len(texts_val) == 500


def test_loader_falls_back_to_the_course_reviews_when_the_download_fails(monkeypatch, capsys):
    import keras_course.projects.reviews as reviews

    def offline(**settings):
        raise OSError("no network")

    monkeypatch.setattr(reviews, "imdb_reviews", offline)
    texts_train = load_reviews(full_imdb=True)[0]
    assert "could not be downloaded (OSError)" in capsys.readouterr().out
    assert np.array_equal(texts_train, course_reviews()[0])


def test_course_reviews_are_long_fixed_and_balanced():
    texts_train, texts_val, y_train, y_val = course_reviews()
    assert texts_train.shape == (2000,) and texts_val.shape == (500,) and texts_train.dtype == object
    assert np.array_equal(texts_train, course_reviews()[0])
    lengths = np.array([len(t.split()) for t in texts_train])
    assert 25 < np.median(lengths) < 50 and lengths.max() < 100
    assert 0.45 < y_train.mean() < 0.55
    assert np.mean([" not " in t for t in texts_train]) > 0.2 and np.mean([" but " in t for t in texts_train]) > 0.2


def test_heldout_reviews_are_fresh_secret_draws():
    x, y = make_heldout("long_reviews_16", b"one")
    assert x.shape == (HELDOUT_SIZE,) and x.dtype.kind == "U" and y.shape == (HELDOUT_SIZE,)
    assert 0.4 < y.mean() < 0.6 and np.array_equal(x, make_heldout("long_reviews_16", b"one")[0])
    assert not np.array_equal(x, make_heldout("long_reviews_16", b"two")[0])
    texts_train, texts_val, _, _ = course_reviews()
    assert not set(x) & (set(texts_train) | set(texts_val))
    assert draw_long_reviews(np.random.default_rng(3), 2)[0] == draw_long_reviews(np.random.default_rng(3), 2)[0]


# Question 1: counts from padded ids.


def bag_of_words(ids, vocab_size):
    ids = np.asarray(ids)
    counts = np.zeros((len(ids), vocab_size), dtype=np.float32)
    np.add.at(counts, (np.repeat(np.arange(len(ids)), ids.shape[1]), ids.ravel()), 1.0)
    counts[:, 0] = 0.0
    return counts


def looped_counts(ids, vocab_size):
    counts = np.zeros((len(ids), vocab_size), dtype=np.float32)
    for row, review in enumerate(ids):
        for i in review:
            if i:
                counts[row, i] += 1
    return counts


def bincount_rows(ids, vocab_size):
    rows = [np.bincount(review, minlength=vocab_size) for review in ids]
    counts = np.array(rows, dtype=np.float32)
    counts[:, 0] = 0
    return counts


def fancy_index_add(ids, vocab_size):
    counts = np.zeros((len(ids), vocab_size), dtype=np.float32)
    counts[np.arange(len(ids))[:, None], ids] += 1  # a repeated index adds once
    counts[:, 0] = 0
    return counts


def padding_counted(ids, vocab_size):
    counts = np.zeros((len(ids), vocab_size), dtype=np.float32)
    np.add.at(counts, (np.repeat(np.arange(len(ids)), ids.shape[1]), ids.ravel()), 1.0)
    return counts


def flat_bincount(ids, vocab_size):
    counts = np.bincount(np.ravel(ids), minlength=vocab_size).astype(np.float32)
    return np.tile(counts, (len(ids), 1)) / len(ids)


def columns_to_largest_id(ids, vocab_size):
    return bag_of_words(ids, int(np.max(ids)) + 1)


def padding_in_place(ids, vocab_size):
    ids[ids == 0] = 0  # harmless, but the next line is not
    ids.sort(axis=1)
    return bag_of_words(ids, vocab_size)


def test_counts_accept_loops_and_bincount_and_reject_the_usual_slips(tmp_path):
    cases = {
        "np.add.at": bag_of_words,
        "a loop": looped_counts,
        "bincount per row": bincount_rows,
        "padding counted": padding_counted,
        "multi-hot": lambda ids, v: np.minimum(bag_of_words(ids, v), 1),
        "fancy-index add": fancy_index_add,
        "bincount over the whole batch": flat_bincount,
        "columns up to the largest id": columns_to_largest_id,
        "integers": lambda ids, v: bag_of_words(ids, v).astype(np.int64),
        "float64": lambda ids, v: bag_of_words(ids, v).astype(np.float64),
        "squeezed": lambda ids, v: np.squeeze(bag_of_words(ids, v)),
        "ids sorted in place": padding_in_place,
    }
    found = missed(q1, cases, bag_of_words, tmp_path)
    assert found == {
        "np.add.at": "passed",
        "a loop": "passed",
        "bincount per row": "passed",
        "padding counted": "padding",
        "multi-hot": "counts",
        "fancy-index add": "counts",
        "bincount over the whole batch": "counts",
        "columns up to the largest id": "shape",
        "integers": "shape",
        "float64": "shape",
        "squeezed": "shape",
        "ids sorted in place": "unchanged",
    }


def test_counts_visible_check_explains_repeats():
    q1.check(looped_counts)
    with pytest.raises(CheckFailed, match="three times"):
        q1.check(lambda ids, v: np.minimum(bag_of_words(ids, v), 1))


# Question 2: the strongest words.


def strongest_words(weights, vocabulary, k):
    kept = [i for i, word in enumerate(vocabulary) if word not in ("", "[UNK]")]
    positive = sorted(kept, key=lambda i: (-weights[i], i))[:k]
    negative = sorted(kept, key=lambda i: (weights[i], i))[:k]
    return [vocabulary[i] for i in positive], [vocabulary[i] for i in negative]


def reserved_kept(weights, vocabulary, k):
    positive = sorted(range(len(vocabulary)), key=lambda i: (-weights[i], i))[:k]
    negative = sorted(range(len(vocabulary)), key=lambda i: (weights[i], i))[:k]
    return [vocabulary[i] for i in positive], [vocabulary[i] for i in negative]


def stable_argsort(weights, vocabulary, k):
    words = np.array(vocabulary, dtype=object)
    keep = ~np.isin(words, ["", "[UNK]"])
    w, words = np.asarray(weights)[keep], words[keep]
    return list(words[np.argsort(-w, kind="stable")[:k]]), list(words[np.argsort(w, kind="stable")[:k]])


def reversed_argsort(weights, vocabulary, k):
    words = np.array(vocabulary, dtype=object)
    keep = ~np.isin(words, ["", "[UNK]"])
    order = np.argsort(np.asarray(weights)[keep], kind="stable")
    return list(words[keep][order[::-1][:k]]), list(words[keep][order[:k]])


def test_strongest_words_accept_stable_argsort_and_reject_slips(tmp_path):
    cases = {
        "sorted with a key": strongest_words,
        "stable argsort": stable_argsort,
        "as tuples": lambda w, v, k: tuple(tuple(part) for part in strongest_words(w, v, k)),
        "reserved tokens kept": reserved_kept,
        "ties reversed": reversed_argsort,
        "negative least negative first": lambda w, v, k: (
            strongest_words(w, v, k)[0],
            strongest_words(w, v, k)[1][::-1],
        ),
        "by absolute weight": lambda w, v, k: strongest_words(np.abs(w), v, k),
        "vocabulary emptied in place": lambda w, v, k: (strongest_words(w, v, k), v.clear())[0],
    }
    found = missed(q2, cases, strongest_words, tmp_path)
    assert found == {
        "sorted with a key": "passed",
        "stable argsort": "passed",
        "as tuples": "passed",
        "reserved tokens kept": "reserved",
        "ties reversed": "order",
        "negative least negative first": "order",
        "by absolute weight": "order",
        "vocabulary emptied in place": "unchanged",
    }


# Question 3: a goal and a budget, scored on held-out reviews.


def review_model(
    reader="bigrams",
    epochs=15,
    length=160,
    dim=16,
    learning_rate=0.01,
    batch_size=32,
    mask_zero=True,
    adapt_on="train",
    loss="binary_crossentropy",
    seed=0,
):
    """The solution's model (pairs of words, averaged) with the question's free choices and mistakes as switches."""
    import keras

    keras.utils.set_random_seed(seed)
    texts_train, texts_val, y_train, _ = course_reviews()
    ngrams = 2 if reader in ("bigrams", "bigram maximum") else None
    vectorizer = keras.layers.TextVectorization(max_tokens=2000, ngrams=ngrams, output_sequence_length=length)
    vectorizer.adapt(texts_train if adapt_on == "train" else np.concatenate([texts_train, texts_val]))
    readers = {
        "bigrams": [keras.layers.GlobalAveragePooling1D()],
        "words": [keras.layers.GlobalAveragePooling1D()],
        "bigram maximum": [keras.layers.GlobalMaxPooling1D()],
        "gru": [keras.layers.GRU(16)],
        "gru then average": [keras.layers.GRU(16, return_sequences=True), keras.layers.GlobalAveragePooling1D()],
    }
    model = keras.Sequential(
        [
            keras.Input(shape=(1,), dtype="string"),
            vectorizer,
            keras.layers.Embedding(vectorizer.vocabulary_size(), dim, mask_zero=mask_zero),
            *readers[reader],
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["accuracy"])
    if epochs:
        model.fit(texts_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0)
    return model


@pytest.fixture(scope="module")
def right_model():
    return review_model()


@pytest.mark.slow
def test_models_of_different_kinds_that_beat_the_baseline_score_full(right_model, tmp_path, model_scorer):
    statuses = {
        name: judge_answer(q3, model, right_model, tmp_path / name.replace(" ", "_"), model_scorer)
        for name, model in {
            "bigrams averaged": right_model,
            "a GRU over sequences of 80": review_model(
                "gru", epochs=8, length=80, learning_rate=0.01, batch_size=64, seed=1
            ),
            "a GRU read, then averaged": review_model("gru then average", epochs=6, length=80, batch_size=64, seed=2),
        }.items()
    }
    assert statuses == {name: Status.PASSED for name in statuses}


@pytest.mark.slow
def test_review_mistakes_fail_on_the_requirement_they_break(right_model, tmp_path, model_scorer):
    found = missed(
        q3,
        {
            "exercise 11's model: single words averaged": review_model("words", epochs=20),
            "undertrained: one epoch": review_model(epochs=1, learning_rate=1e-3),
            "reviews cut to 12 tokens": review_model(length=12),
            "adapted on training and validation reviews": review_model(adapt_on="both", epochs=0),
            "no mask_zero": review_model(mask_zero=False, epochs=0),
            "GlobalMaxPooling1D ignores the mask": review_model("bigram maximum", epochs=0),
            "embedding of 32 over 2,000 pairs": review_model(dim=32, epochs=0),
            "trained on the squared error": review_model(loss="mse", epochs=0),
        },
        right_model,
        tmp_path,
        model_scorer,
    )
    assert found == {
        "exercise 11's model: single words averaged": "heldout",
        "undertrained: one epoch": "heldout",
        "reviews cut to 12 tokens": "heldout",
        "adapted on training and validation reviews": "preprocessing",
        "no mask_zero": "masking",
        "GlobalMaxPooling1D ignores the mask": "params",
        "embedding of 32 over 2,000 pairs": "params",
        "trained on the squared error": "compile",
    }
