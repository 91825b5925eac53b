"""Exercise 11: different correct answers score full; each listed mistake loses the question's points."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from judging import failure_message, judged, missed, not_yet_met

from grader.heldout import make_heldout
from grader.outcomes import Status
from keras_course.checks import CheckFailed
from keras_course.corpus import make_reviews
from keras_course.data import reviews_split
from keras_course.exercises import load_exercise
from keras_course.exercises.ex11_text_and_embeddings import HELDOUT_SIZE, SENTIMENT_ACCURACY

EXERCISE = load_exercise("11_text_and_embeddings")
q1, q2, q3, q4, q5 = EXERCISE.questions


# Question 1: the vocabulary.


def build_vocabulary(texts, min_count):
    counts = Counter(word for text in texts for word in text.split())
    kept = sorted((w for w in counts if counts[w] >= min_count), key=lambda w: (-counts[w], w))
    return ["", "[UNK]", *kept]


def numpy_vocabulary(texts, min_count):
    words, counts = np.unique(" ".join(texts).split(), return_counts=True)  # unique sorts the words
    order = np.argsort(-counts, kind="stable")
    return ["", "[UNK]"] + [str(words[i]) for i in order if counts[i] >= min_count]


def strict_cutoff(texts, min_count):
    counts = Counter(word for text in texts for word in text.split())
    return ["", "[UNK]", *sorted((w for w in counts if counts[w] > min_count), key=lambda w: (-counts[w], w))]


def first_seen_ties(texts, min_count):
    counts = Counter(word for text in texts for word in text.split())
    return ["", "[UNK]"] + [w for w, c in counts.most_common() if c >= min_count]


def document_frequency(texts, min_count):
    counts = Counter(word for text in texts for word in set(text.split()))
    return ["", "[UNK]", *sorted((w for w in counts if counts[w] >= min_count), key=lambda w: (-counts[w], w))]


def two_stable_sorts(texts, min_count):
    counts = Counter(word for text in texts for word in text.split())
    return ["", "[UNK]", *sorted(sorted(w for w in counts if counts[w] >= min_count), key=counts.get, reverse=True)]


def ties_reversed(texts, min_count):
    counts = Counter(word for text in texts for word in text.split())
    return [
        "",
        "[UNK]",
        *sorted((w for w in counts if counts[w] >= min_count), key=lambda w: (counts[w], w), reverse=True),
    ]


def texts_split_in_place(texts, min_count):
    for i, text in enumerate(texts):
        texts[i] = text.split()  # the caller's list now holds lists of words
    counts = Counter(word for words in texts for word in words)
    return ["", "[UNK]", *sorted((w for w in counts if counts[w] >= min_count), key=lambda w: (-counts[w], w))]


def test_vocabulary_accepts_numpy_and_rejects_wrong_cutoff_order_and_tokens(tmp_path):
    statuses = judged(
        q1,
        {
            "counter": build_vocabulary,
            "numpy unique": numpy_vocabulary,
            "as a tuple": lambda t, m: tuple(build_vocabulary(t, m)),
            "cutoff > instead of >=": strict_cutoff,
            "ties in order of first appearance": first_seen_ties,
            "alphabetical": lambda t, m: ["", "[UNK]", *sorted(build_vocabulary(t, m)[2:])],
            "no reserved tokens": lambda t, m: build_vocabulary(t, m)[2:],
            "counts texts, not words": document_frequency,
            "a dict": lambda t, m: {w: i for i, w in enumerate(build_vocabulary(t, m))},
            "two stable sorts": two_stable_sorts,
            "ties in reverse alphabetical order": ties_reversed,
            "texts split in place": texts_split_in_place,
            "texts sorted in place": lambda t, m: (t.sort(), build_vocabulary(t, m))[1],
        },
        build_vocabulary,
        tmp_path,
    )
    expected = {name: Status.FAILED for name in statuses}
    passing = ("counter", "numpy unique", "as a tuple", "two stable sorts")
    expected.update(dict.fromkeys(passing, Status.PASSED))
    assert statuses == expected


@pytest.mark.parametrize(
    ("answer", "requirement"),
    [
        (lambda t, m: build_vocabulary(t, m)[2:], "reserved"),
        (strict_cutoff, "cutoff"),
        (document_frequency, "cutoff"),
        (first_seen_ties, "order"),
        (texts_split_in_place, "unchanged"),
    ],
)
def test_vocabulary_failures_name_the_requirement(answer, requirement, tmp_path):
    assert failure_message(q1, answer, build_vocabulary, tmp_path).startswith(not_yet_met(q1, requirement))


def test_vocabulary_visible_check_names_the_reserved_tokens():
    q1.check(numpy_vocabulary)
    with pytest.raises(CheckFailed, match="padding token"):
        q1.check(lambda t, m: build_vocabulary(t, m)[2:])


# Question 2: ids from a training-only vocabulary, padded on the requested side.


def vectorize(train_texts, test_texts, min_count, length, padding, fit_on=None, oov=1, keep="first", dtype=None):
    vocabulary = build_vocabulary(fit_on(train_texts, test_texts) if fit_on else train_texts, min_count)
    index = {w: i for i, w in enumerate(vocabulary)}

    def encode(text):
        ids = [index.get(w, oov) for w in text.split()]
        ids = ids[:length] if keep == "first" else ids[-length:]
        zeros = [0] * (length - len(ids))
        return zeros + ids if padding == "pre" else ids + zeros

    return np.array([encode(t) for t in train_texts], dtype=dtype), np.array(
        [encode(t) for t in test_texts], dtype=dtype
    )


def keras_pad_sequences(train_texts, test_texts, min_count, length, padding, truncating="post"):
    import keras

    index = {w: i for i, w in enumerate(build_vocabulary(train_texts, min_count))}
    return tuple(
        keras.utils.pad_sequences(
            [[index.get(w, 1) for w in t.split()] for t in texts],
            maxlen=length,
            padding=padding,
            truncating=padding if truncating == "same side" else truncating,
        )
        for texts in (train_texts, test_texts)
    )


def filled_zeros(train_texts, test_texts, min_count, length, padding, dtype=float):
    """Ids written into np.zeros((n, length)): floats unless a dtype is given."""
    index = {w: i for i, w in enumerate(build_vocabulary(train_texts, min_count))}
    arrays = []
    for texts in (train_texts, test_texts):
        ids = np.zeros((len(texts), length), dtype=dtype)
        for row, text in enumerate(texts):
            words = [index.get(w, 1) for w in text.split()][:length]
            if words:
                if padding == "pre":
                    ids[row, length - len(words) :] = words
                else:
                    ids[row, : len(words)] = words
        arrays.append(ids)
    return tuple(arrays)


def test_vectorize_accepts_pad_sequences_and_rejects_leaks_and_wrong_sides(tmp_path):
    statuses = judged(
        q2,
        {
            "python": vectorize,
            "keras pad_sequences": keras_pad_sequences,
            "vocabulary fit on train and test": lambda *a: vectorize(*a, fit_on=lambda tr, te: list(tr) + list(te)),
            "vocabulary fit on test": lambda *a: vectorize(*a, fit_on=lambda tr, te: te),
            "always padded at the end": lambda tr, te, m, n, p: vectorize(tr, te, m, n, "post"),
            "pre and post swapped": lambda tr, te, m, n, p: vectorize(tr, te, m, n, "post" if p == "pre" else "pre"),
            "unknown words as padding": lambda *a: vectorize(*a, oov=0),
            "keeps the last words": lambda *a: vectorize(*a, keep="last"),
            "ids in zeros of ints": lambda *a: filled_zeros(*a, dtype=int),
            "ids in zeros of floats": filled_zeros,
            "squeezed": lambda *a: tuple(np.squeeze(ids) for ids in vectorize(*a)),
            "pad_sequences truncating by default": lambda *a: keras_pad_sequences(*a, truncating="pre"),
            "pad_sequences truncating on the padding side": lambda *a: keras_pad_sequences(*a, truncating="same side"),
            "unknown words as the last id": lambda tr, te, m, n, p: vectorize(
                tr, te, m, n, p, oov=len(build_vocabulary(tr, m))
            ),
            "test texts appended to train_texts": lambda tr, te, m, n, p: vectorize(
                tr, te, m, n, p, fit_on=lambda a, b: a.extend(b) or a
            ),
            "x_test left as a list of lists": lambda *a: (vectorize(*a)[0], vectorize(*a)[1].tolist()),
            "int32 arrays": lambda *a: tuple(ids.astype(np.int32) for ids in vectorize(*a)),
        },
        vectorize,
        tmp_path,
    )
    expected = {name: Status.FAILED for name in statuses}
    expected.update(dict.fromkeys(("python", "keras pad_sequences", "ids in zeros of ints", "int32 arrays"), Status.PASSED))
    assert statuses == expected


@pytest.mark.parametrize(
    ("answer", "requirement"),
    [
        (lambda *a: filled_zeros(*a), "shape"),
        (lambda *a: (vectorize(*a)[0], vectorize(*a)[1].tolist()), "shape"),
        (lambda *a: tuple(np.squeeze(ids) for ids in vectorize(*a)), "shape"),
        (lambda *a: vectorize(*a, fit_on=lambda tr, te: list(tr) + list(te)), "train_only"),
        (lambda *a: vectorize(*a, oov=0), "unknown"),
        (lambda *a: keras_pad_sequences(*a, truncating="pre"), "truncate"),
        (lambda tr, te, m, n, p: vectorize(tr, te, m, n, "post"), "padding"),
    ],
)
def test_vectorize_failures_name_the_requirement(answer, requirement, tmp_path):
    assert failure_message(q2, answer, vectorize, tmp_path).startswith(not_yet_met(q2, requirement))


def test_vectorize_visible_checks_catch_the_leak_and_the_side():
    q2.check(keras_pad_sequences)
    with pytest.raises(CheckFailed, match="train_texts only"):
        q2.check(lambda *a: vectorize(*a, fit_on=lambda tr, te: list(tr) + list(te)))
    with pytest.raises(CheckFailed, match="zeros at the start"):
        q2.check(lambda tr, te, m, n, p: vectorize(tr, te, m, n, "post"))


# Question 3: cosine nearest neighbours.


def nearest_neighbours(embeddings, index, k):
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    similarities = unit @ unit[index]
    similarities[index] = -np.inf
    return np.argsort(-similarities)[:k]


def sklearn_neighbours(embeddings, index, k):
    from sklearn.metrics.pairwise import cosine_similarity

    scores = cosine_similarity(embeddings[index : index + 1], embeddings)[0]
    return [int(i) for i in np.argsort(scores)[::-1] if i != index][:k]


def by_score(score):
    def neighbours(embeddings, index, k):
        scores = np.array([score(row, embeddings[index]) for row in embeddings], dtype=float)
        scores[index] = -np.inf
        return np.argsort(-scores)[:k]

    return neighbours


def sorted_pairs(embeddings, index, k):
    """A loop over rows in float64, ties broken by the larger row number."""
    query = embeddings[index] / np.linalg.norm(embeddings[index])
    scored = [(float(row @ query / np.linalg.norm(row)), j) for j, row in enumerate(embeddings) if j != index]
    return [j for _, j in sorted(scored, reverse=True)[:k]]


def first_sorted_dropped(embeddings, index, k):
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    return np.argsort(-(unit @ unit[index]), kind="stable")[1 : k + 1]  # assumes the query row sorts first


def norms_without_keepdims(embeddings, index, k):
    if embeddings.shape[0] == embeddings.shape[1]:
        unit = embeddings / np.linalg.norm(embeddings, axis=1)  # fits a square table, dividing columns
    else:
        unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    similarities = unit @ unit[index]
    similarities[index] = -np.inf
    return np.argsort(-similarities)[:k]


def normalized_in_place(embeddings, index, k):
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    similarities = embeddings @ embeddings[index]
    similarities[index] = -np.inf
    return np.argsort(-similarities)[:k]


def test_neighbours_accept_sklearn_and_reject_dot_product_distance_and_self(tmp_path):
    statuses = judged(
        q3,
        {
            "numpy": nearest_neighbours,
            "sklearn": sklearn_neighbours,
            "sorted pairs": sorted_pairs,
            "dot product": by_score(lambda a, b: a @ b),
            "euclidean distance": by_score(lambda a, b: -np.linalg.norm(a - b)),
            "itself included": lambda e, i, k: np.argsort(-(e @ e[i]) / np.linalg.norm(e, axis=1))[:k],
            "least similar first": lambda e, i, k: nearest_neighbours(e, i, k)[::-1],
            "first of the sorted rows dropped": first_sorted_dropped,
            "norms without keepdims": norms_without_keepdims,
            "absolute cosine": by_score(lambda a, b: abs(a @ b) / np.linalg.norm(a) / np.linalg.norm(b)),
            "normalized in place": normalized_in_place,
            "as a row": lambda e, i, k: nearest_neighbours(e, i, k)[None, :],
        },
        nearest_neighbours,
        tmp_path,
    )
    passing = {"numpy", "sklearn", "sorted pairs"}
    assert statuses == {name: Status.PASSED if name in passing else Status.FAILED for name in statuses}


@pytest.mark.parametrize(
    ("answer", "requirement"),
    [
        (lambda e, i, k: nearest_neighbours(e, i, k)[None, :], "count"),
        (first_sorted_dropped, "itself"),
        (norms_without_keepdims, "cosine"),
        (by_score(lambda a, b: a @ b), "cosine"),
        (normalized_in_place, "unchanged"),
    ],
)
def test_neighbours_failures_name_the_requirement(answer, requirement, tmp_path):
    assert failure_message(q3, answer, nearest_neighbours, tmp_path).startswith(not_yet_met(q3, requirement))


def test_neighbours_visible_check_explains_the_dot_product():
    with pytest.raises(CheckFailed, match=r"should return \[1, 2\].*dot product"):
        q3.check(by_score(lambda a, b: a @ b))


# Question 4: masked mean pooling.


def masked_mean(vectors, mask):
    m = np.asarray(mask, dtype=float)[:, :, None]
    return (vectors * m).sum(axis=1) / m.sum(axis=1)


def keras_pooling(vectors, mask):
    import keras

    pooled = keras.layers.GlobalAveragePooling1D()(vectors, mask=np.asarray(mask, dtype=bool))
    return keras.ops.convert_to_numpy(pooled)


def count_without_keepdims(vectors, mask):
    weights = np.asarray(mask, dtype=float)
    total, count = (vectors * weights[:, :, None]).sum(axis=1), weights.sum(axis=1)
    return total / count if total.shape[0] == total.shape[1] else total / count[:, None]  # fits when batch == dim


def mask_on_the_wrong_axis(vectors, mask):
    weights = np.asarray(mask, dtype=float)
    if vectors.shape[1] != vectors.shape[2]:
        return masked_mean(vectors, mask)
    return (vectors * weights[:, None, :]).sum(axis=1) / weights.sum(axis=1, keepdims=True)  # fits when steps == dim


def masked_in_place(vectors, mask):
    weights = np.asarray(mask, dtype=vectors.dtype)[:, :, None]
    vectors *= weights
    return vectors.sum(axis=1) / weights.sum(axis=1)


def test_masked_mean_accepts_keras_pooling_and_rejects_an_ignored_mask(tmp_path):
    statuses = judged(
        q4,
        {
            "numpy": masked_mean,
            "keras pooling with the mask": keras_pooling,
            "loop": lambda v, m: np.array(
                [row[np.asarray(r, dtype=bool)].mean(axis=0) for row, r in zip(v, m, strict=True)]
            ),
            "mask ignored": lambda v, m: v.mean(axis=1),
            "masked sum": lambda v, m: (v * np.asarray(m, dtype=float)[:, :, None]).sum(axis=1),
            "divided by the full length": lambda v, m: (v * np.asarray(m, dtype=float)[:, :, None]).mean(axis=1),
            "one mean for the whole batch": lambda v, m: np.tile(
                v[np.asarray(m, dtype=bool)].mean(axis=0), (len(v), 1)
            ),
            "count without keepdims": count_without_keepdims,
            "mask on the wrong axis": mask_on_the_wrong_axis,
            "squeezed": lambda v, m: masked_mean(v, m).squeeze(),
            "vectors masked in place": masked_in_place,
        },
        masked_mean,
        tmp_path,
    )
    expected = {name: Status.FAILED for name in statuses}
    expected.update({"numpy": Status.PASSED, "keras pooling with the mask": Status.PASSED, "loop": Status.PASSED})
    assert statuses == expected


@pytest.mark.parametrize(
    ("answer", "requirement"),
    [
        (lambda v, m: masked_mean(v, m).squeeze(), "shape"),
        (count_without_keepdims, "mask"),
        (lambda v, m: v.mean(axis=1), "mask"),
        (masked_in_place, "unchanged"),
    ],
)
def test_masked_mean_failures_name_the_requirement(answer, requirement, tmp_path):
    assert failure_message(q4, answer, masked_mean, tmp_path).startswith(not_yet_met(q4, requirement))


def test_masked_mean_visible_check_shows_the_padded_mean():
    with pytest.raises(CheckFailed, match="padding included"):
        q4.check(lambda v, m: v.mean(axis=1))


# Held-out sentences: fresh draws from the secret, not the visible ones.


def test_heldout_sentences_are_fresh_secret_draws():
    x, y = make_heldout("review_sentences_11", b"one")
    assert x.shape == (HELDOUT_SIZE,) and x.dtype.kind == "U" and y.shape == (HELDOUT_SIZE,)
    assert 0.4 < y.mean() < 0.6 and set(np.unique(y)) == {0, 1}
    assert np.array_equal(x, make_heldout("review_sentences_11", b"one")[0])
    assert not np.array_equal(x, make_heldout("review_sentences_11", b"two")[0])
    texts_train, texts_val, _, _ = reviews_split()
    visible = set(texts_train) | set(texts_val)
    assert np.mean([text in visible for text in x]) < 0.2  # short sentences repeat now and then, most are new
    assert make_reviews(5, seed=3)[0] == make_reviews(5, seed=3)[0]


# Question 5: a goal and a budget for a sentiment model, scored on held-out sentences.


def sentiment_model(
    epochs=15,
    max_tokens=1000,
    learning_rate=0.01,
    functional=False,
    hidden=0,
    mask_zero=True,
    adapt_on="train",
    input_dim=None,
    loss="binary_crossentropy",
    output="sigmoid",
    metrics=("accuracy",),
    reader="average",
    dim=16,
    seed=0,
):
    """The solution's model, with the question's free choices and the lesson's mistakes as switches."""
    import keras

    keras.utils.set_random_seed(seed)
    texts_train, texts_val, y_train, _ = reviews_split()
    vectorizer = keras.layers.TextVectorization(max_tokens=max_tokens, output_sequence_length=24)
    vectorizer.adapt({"train": texts_train, "train and validation": np.concatenate([texts_train, texts_val])}[adapt_on])
    head = {
        "sigmoid": [keras.layers.Dense(1, activation="sigmoid")],
        "activation layer": [keras.layers.Dense(1), keras.layers.Activation("sigmoid")],
    }[output]
    layers = [
        keras.Input(shape=(1,), dtype="string"),
        vectorizer,
        keras.layers.Embedding(input_dim or vectorizer.vocabulary_size(), dim, mask_zero=mask_zero),
        *{
            "average": [keras.layers.GlobalAveragePooling1D()],
            "maximum": [keras.layers.GlobalMaxPooling1D()],  # ignores the mask
            "convolution": [keras.layers.Conv1D(16, 3), keras.layers.GlobalAveragePooling1D()],
        }[reader],
        *([keras.layers.Dense(hidden, activation="relu"), keras.layers.Dropout(0.3)] if hidden else []),
        *head,
    ]
    if functional:
        outputs = layers[0]
        for layer in layers[1:]:
            outputs = layer(outputs)
        model = keras.Model(layers[0], outputs)
    else:
        model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=list(metrics))
    if epochs:
        model.fit(texts_train, y_train, epochs=epochs, batch_size=32, verbose=0)
    return model


def recurrent_sentiment_model(seed=1):
    """A GRU reads the word vectors in order; sequences of 16, RMSprop, 12 epochs."""
    import keras

    keras.utils.set_random_seed(seed)
    texts_train, _, y_train, _ = reviews_split()
    vectorizer = keras.layers.TextVectorization(output_sequence_length=16)
    vectorizer.adapt(texts_train)
    model = keras.Sequential(
        [
            keras.Input(shape=(1,), dtype="string"),
            vectorizer,
            keras.layers.Embedding(vectorizer.vocabulary_size(), 16, mask_zero=True),
            keras.layers.GRU(16),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.RMSprop(3e-3), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(texts_train, y_train, epochs=12, batch_size=32, verbose=0)
    return model


def small_sentiment_model(seed=2):
    """200 tokens, sequences of 12, an Embedding of 8; Nadam, 20 epochs of 64."""
    import keras

    keras.utils.set_random_seed(seed)
    texts_train, _, y_train, _ = reviews_split()
    vectorizer = keras.layers.TextVectorization(max_tokens=200, output_sequence_length=12)
    vectorizer.adapt(texts_train)
    inputs = keras.Input(shape=(1,), dtype="string")
    vectors = keras.layers.Embedding(vectorizer.vocabulary_size(), 8, mask_zero=True)(vectorizer(inputs))
    outputs = keras.layers.Dense(1, activation="sigmoid")(keras.layers.GlobalAveragePooling1D()(vectors))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Nadam(0.02), loss=keras.losses.BinaryCrossentropy())
    model.fit(texts_train, y_train, epochs=20, batch_size=64, verbose=0)
    return model


def ids_model():
    import keras

    model = keras.Sequential([keras.Input(shape=(24,)), keras.layers.Embedding(50, 4, mask_zero=True),
                              keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


@pytest.fixture(scope="module")
def right_sentiment():
    return sentiment_model()


@pytest.mark.slow
def test_any_sentiment_model_within_the_budget_that_reaches_the_goal_scores_full(right_sentiment, tmp_path, model_scorer):
    import keras

    statuses = judged(
        q5,
        {
            "right": right_sentiment,
            "functional, Embedding of 32, hidden Dense and dropout, Adam at 1e-3 for 40 epochs": sentiment_model(
                functional=True, hidden=16, dim=32, learning_rate=1e-3, epochs=40, seed=3
            ),
            "GRU over sequences of 16, RMSprop": recurrent_sentiment_model(),
            "200 tokens, sequences of 12, Embedding of 8, Nadam, no metrics": small_sentiment_model(),
            "sigmoid as an activation layer, Accuracy() metric": sentiment_model(
                output="activation layer", metrics=(keras.metrics.Accuracy(),), seed=4
            ),
        },
        right_sentiment,
        tmp_path,
        model_scorer,
    )
    assert statuses == {name: Status.PASSED for name in statuses}


@pytest.mark.slow
def test_sentiment_mistakes_fail_on_the_requirement_they_break(right_sentiment, tmp_path, model_scorer):
    found = missed(
        q5,
        {
            "ids instead of raw strings": ids_model(),
            "adapted on training and validation texts": sentiment_model(adapt_on="train and validation", epochs=0),
            "Embedding sized by max_tokens": sentiment_model(input_dim=1000, epochs=0),
            "no mask_zero": sentiment_model(mask_zero=False, epochs=0),
            "trained on the squared error": sentiment_model(loss="mse", epochs=0),
            "logits loss on sigmoid outputs": sentiment_model(
                loss=keras_loss("BinaryCrossentropy", from_logits=True), epochs=0
            ),
            "embedding of 200 dimensions": sentiment_model(dim=200, epochs=0),
            "GlobalMaxPooling1D ignores the mask": sentiment_model(reader="maximum", epochs=0),
            "Conv1D ignores the mask": sentiment_model(reader="convolution", epochs=0),
            "vocabulary of three tokens": sentiment_model(max_tokens=3, epochs=5),
            "undertrained: one epoch at Adam's default rate": sentiment_model(epochs=1, learning_rate=1e-3),
        },
        right_sentiment,
        tmp_path,
        model_scorer,
    )
    assert found == {
        "ids instead of raw strings": "input",
        "adapted on training and validation texts": "preprocessing",
        "Embedding sized by max_tokens": "layers",
        "no mask_zero": "masking",
        "trained on the squared error": "compile",
        "logits loss on sigmoid outputs": "compile",
        "embedding of 200 dimensions": "params",
        "GlobalMaxPooling1D ignores the mask": "params",
        "Conv1D ignores the mask": "params",
        "vocabulary of three tokens": "heldout",
        "undertrained: one epoch at Adam's default rate": "heldout",
    }


def keras_loss(name, **settings):
    import keras

    return getattr(keras.losses, name)(**settings)


@pytest.mark.slow
def test_text_model_round_trips_through_the_scorer(right_sentiment, tmp_path, model_scorer):
    path = tmp_path / "text.keras"
    right_sentiment.save(path)
    texts, labels = make_reviews(200, seed=77)
    for x in (np.array(texts, dtype=object), np.array(texts, dtype=str)):  # object arrays are saved as strings
        report = model_scorer.process.score(path, x, labels, "accuracy")
        assert report["ok"], report
        assert report["score"] >= SENTIMENT_ACCURACY and report["input_shape"] == [1]
        assert [layer["class_name"] for layer in report["layers"]][:2] == ["TextVectorization", "Embedding"]


@pytest.mark.slow
def test_sentiment_visible_checks_want_raw_strings(right_sentiment):
    import keras

    q5.check(right_sentiment)
    ids_model = keras.Sequential([keras.Input(shape=(24,)), keras.layers.Embedding(50, 4), keras.layers.Dense(1)])
    with pytest.raises(CheckFailed, match='dtype="string"'):
        q5.check(ids_model)
