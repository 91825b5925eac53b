"""Exercise 11, text and embeddings: build a vocabulary, turn texts into padded ids, find neighbours, pool with a mask, train a sentiment model.

Mistakes the hidden tests catch: a vocabulary without the padding and
out-of-vocabulary tokens, with a frequency cutoff off by one (``>`` for
``>=``), ordered by first appearance or alphabetically instead of by
frequency; a vocabulary fit on the test texts (or on training and test texts
together); padding on the wrong side, truncating from the wrong end, unknown
words sent to the padding id 0; nearest neighbours by dot product or by
Euclidean distance instead of cosine similarity, the query word listed as its
own neighbour, neighbours in the wrong order; a mean that ignores the mask
(averages padded positions too), a masked sum not divided by the count, or a
division by the full length; and a sentiment model that cannot beat the
majority class on held-out sentences (untrained, or a vocabulary too small to
tell words apart), that does not take raw strings, or that lacks the
TextVectorization or Embedding layer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.checks import CheckFailed, FunctionCheck, ModelCheck, PropertyCheck, describe
from grader.corpus import ASPECTS, NEGATIVE, POSITIVE, draw_reviews
from grader.data import reviews_split
from grader.heldout import heldout_set
from grader.probes import FunctionProbe, ModelProbe, ModelRequirements
from grader.question import Exercise, Question

PAD, OOV = "", "[UNK]"
SENTIMENT_ACCURACY = 0.85
SENTIMENT_MAX_PARAMS = 40_000
HELDOUT_SIZE = 1000


@heldout_set("review_sentences_11")
def _review_sentences(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Fresh secret-seeded sentences from the course's generator: not in any file the student can read."""
    texts, labels = draw_reviews(rng, HELDOUT_SIZE)
    return np.array(texts, dtype=str), labels


def _reference_vocabulary(texts: list[str], min_count: int) -> list[str]:
    counts = Counter(word for text in texts for word in text.split())
    kept = sorted((word for word, count in counts.items() if count >= min_count), key=lambda w: (-counts[w], w))
    return [PAD, OOV, *kept]


# Hidden cases: texts of lowercase words from a Zipf-like distribution, with many ties in the counts.

_WORDS = tuple(dict.fromkeys(w for phrase in POSITIVE + NEGATIVE + ASPECTS for w in phrase.split()))


def _texts(rng: np.random.Generator, n: int, words: tuple[str, ...], longest: int) -> list[str]:
    weights = 1.0 / np.arange(1, len(words) + 1) ** 0.8
    weights /= weights.sum()
    texts = []
    for _ in range(n):
        size = int(rng.integers(1, longest + 1))
        texts.append(" ".join(words[i] for i in rng.choice(len(words), size=size, p=weights)))
    return texts


def _vocabulary_cases() -> list[tuple]:
    rng = np.random.default_rng(1101)
    cases = []
    for n, pool, min_count in [(30, 25, 2), (60, 40, 3), (12, 15, 1), (80, 50, 5), (25, 30, 2)]:
        words = tuple(rng.permutation(_WORDS)[:pool])
        cases.append((_texts(rng, n, words, 12), min_count))
    return cases


def _vectorize_cases() -> list[tuple]:
    rng = np.random.default_rng(1102)
    cases = []
    for n_train, n_test, min_count, length, padding in [
        (40, 15, 2, 8, "post"),
        (40, 15, 2, 8, "pre"),
        (60, 20, 3, 5, "pre"),
        (25, 10, 1, 12, "post"),
        (50, 30, 2, 6, "pre"),
    ]:
        words = tuple(rng.permutation(_WORDS)[:40])
        test_words = words[20:] + words[:20]  # the test texts favour other words than the training texts
        cases.append((_texts(rng, n_train, words, 14), _texts(rng, n_test, test_words, 14), min_count, length, padding))
    return cases


def _neighbour_cases() -> list[tuple]:
    rng = np.random.default_rng(1103)
    cases = []
    for n, d, k in [(30, 4, 3), (120, 8, 5), (60, 16, 1), (200, 6, 10)]:
        directions = rng.normal(size=(n, d))
        lengths = np.exp(rng.normal(0.0, 0.8, size=(n, 1)))  # rows of very different lengths
        embeddings = (directions * lengths).astype(np.float32)
        for index in rng.choice(n, size=2, replace=False):
            cases.append((embeddings, int(index), k))
    return cases


def _masked_mean_cases() -> list[tuple]:
    rng = np.random.default_rng(1104)
    cases = []
    for batch, steps, dim, kind in [(4, 6, 3, "post"), (5, 8, 4, "pre"), (3, 5, 2, "random"), (6, 10, 5, "post")]:
        vectors = rng.normal(1.0, 2.0, size=(batch, steps, dim)).astype(np.float32)
        lengths = rng.integers(1, steps + 1, size=batch)
        positions = np.arange(steps)[None, :]
        if kind == "post":
            mask = positions < lengths[:, None]
        elif kind == "pre":
            mask = positions >= steps - lengths[:, None]
        else:
            mask = rng.random((batch, steps)) < 0.5
            mask[:, 0] = True
        cases.append((vectors, mask))
        cases.append((vectors, mask.astype(np.int64)))
    return cases


# Transforms (kernel side) and verifiers (judge side).


def _vocabulary_text(result: Any) -> str:
    """The answer's vocabulary as one string, one token a line; a marker starting with "?" if it is not a list of strings."""
    if isinstance(result, str) or not isinstance(result, list | tuple | np.ndarray):
        return f"?a {type(result).__name__}"
    tokens = [str(t) if isinstance(t, str | np.str_) else None for t in result]
    if any(t is None or "\n" in t for t in tokens):
        return "?a list that holds things other than words"
    return "\n".join(tokens)


def _vocabulary_problem(expected: list[str], got: list[str]) -> str | None:
    if got == expected:
        return None
    if got[:2] != [PAD, OOV]:
        return f"a vocabulary that starts with {got[:2]!r}; it must start with the padding token '' and '[UNK]'"
    if set(got) == set(expected):
        return "the right words in the wrong order: most frequent first, ties in alphabetical order"
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    if missing:
        return f"a vocabulary without {missing[:3]!r}, which appear at least min_count times"
    return f"a vocabulary with {extra[:3]!r}, which appear fewer than min_count times"


def _vocabulary_verify(args: tuple, got: np.ndarray) -> str | None:
    text = str(got)
    if text.startswith("?"):
        return text[1:] + ", not a list of words"
    return _vocabulary_problem(_reference_vocabulary(*args), text.split("\n"))


def _stacked_ids(result: Any) -> Any:
    """Both id arrays stacked into one (kernel side); a marker string when the pair is malformed."""
    try:
        x_train, x_test = result
        x_train, x_test = np.asarray(x_train), np.asarray(x_test)
    except (TypeError, ValueError):
        return f"?{type(result).__name__}"
    if x_train.ndim != 2 or x_test.ndim != 2 or x_train.shape[1] != x_test.shape[1]:
        return f"?pair of arrays of shapes {x_train.shape} and {x_test.shape}"
    return np.concatenate([x_train, x_test], axis=0)


# Visible examples, small enough to do by hand.

_TRAIN = ["the plot was dull", "the cast was great", "the plot was great"]
_TEST = ["the ending was great", "dull"]
_VOCAB = [PAD, OOV, "the", "was", "great", "plot"]
_POST = (
    np.array([[2, 5, 3, 1, 0], [2, 1, 3, 4, 0], [2, 5, 3, 4, 0]]),
    np.array([[2, 1, 3, 4, 0], [1, 0, 0, 0, 0]]),
)
_PRE = (
    np.array([[0, 2, 5, 3, 1], [0, 2, 1, 3, 4], [0, 2, 5, 3, 4]]),
    np.array([[0, 2, 1, 3, 4], [0, 0, 0, 0, 1]]),
)
_EMBEDDINGS = np.array([[2.0, 0.0], [0.5, 0.1], [3.0, 2.0], [2.0, 1.5], [-1.0, 0.0]])
_VECTORS = np.array([[[1.0, 2.0], [3.0, 4.0], [9.0, 9.0]], [[2.0, 0.0], [5.0, 5.0], [5.0, 5.0]]])
_MASK = np.array([[True, True, False], [True, False, False]])


def _vocabulary_holds(result: Any) -> str | None:
    text = _vocabulary_text(result)
    if text.startswith("?"):
        return f"returned {text[1:]}; it should return a list of words."
    problem = _vocabulary_problem(_VOCAB, text.split("\n"))
    return None if problem is None else f"returned {describe(list(result))}, {problem}. Expected {_VOCAB!r}."


def _ids_holds(expected: tuple[np.ndarray, np.ndarray]) -> Callable[[Any], str | None]:
    def holds(result: Any) -> str | None:
        try:
            x_train, x_test = result
        except (TypeError, ValueError):
            return f"returned {describe(result)}; it should return a pair (x_train, x_test)."
        for name, got, want in [("x_train", x_train, expected[0]), ("x_test", x_test, expected[1])]:
            got = np.asarray(got)
            if got.shape != want.shape:
                return f"{name} has shape {got.shape}; it should have shape {want.shape}: one row per text, `length` ids each."
            if not np.array_equal(got, want):
                return f"{name} is {describe(got)}, but it should be {describe(want)}."
        return None

    return holds


@dataclass(frozen=True)
class _RawTextCheck:
    """The model turns raw sentences (capitals, punctuation) into one probability each."""

    def run(self, answer: Any) -> None:
        import keras

        if not isinstance(answer, keras.Model):
            raise CheckFailed(f"Expected a trained Keras model, but got {describe(answer)}.")
        sentences = np.array(["What a SUPERB film!", "Dull, dull, dull."], dtype=object)
        try:
            scores = np.asarray(answer.predict(sentences, verbose=0), dtype=float)
        except Exception as exc:  # noqa: BLE001 - a model that cannot read strings may fail in many ways
            raise CheckFailed(
                f"Your model could not read raw sentences ({type(exc).__name__}). Start it with "
                'keras.Input(shape=(1,), dtype="string") followed by the adapted TextVectorization layer.'
            ) from None
        if scores.shape != (2, 1) or not np.all((scores >= 0) & (scores <= 1)):
            raise CheckFailed(
                f"On two raw sentences your model returned {describe(scores)}; it should return one probability "
                "per sentence, shape (2, 1), from a Dense(1, activation='sigmoid') output."
            )


_REVIEWS = reviews_split()


def _review_validation() -> tuple[np.ndarray, np.ndarray]:
    return _REVIEWS[1], _REVIEWS[3]


q1 = Question(
    id="q1_build_vocabulary",
    points=2,
    title="Build a vocabulary with a frequency cutoff",
    checks=(
        PropertyCheck(
            args=(_TRAIN, 2),
            call="build_vocabulary(['the plot was dull', 'the cast was great', 'the plot was great'], 2)",
            holds=_vocabulary_holds,
            tip="Count every word with collections.Counter, keep those seen at least min_count times, sort by "
            "(-count, word), and put '' and '[UNK]' in front.",
        ),
    ),
    probes=(
        FunctionProbe(
            cases=_vocabulary_cases,
            transform=_vocabulary_text,
            verify=_vocabulary_verify,
            label="hidden texts with many tied counts",
        ),
    ),
    hints=(
        "Split each text into words with text.split() and count all the words of all the texts together.",
        "A word stays when its count is at least min_count (>=, not >). Sort the words that stay with "
        "key=lambda w: (-counts[w], w): most frequent first, ties in alphabetical order.",
        "counts = collections.Counter(w for t in texts for w in t.split()); kept = sorted((w for w in counts if "
        "counts[w] >= min_count), key=lambda w: (-counts[w], w)); return ['', '[UNK]'] + kept",
    ),
)

q2 = Question(
    id="q2_vectorize",
    points=3,
    title="Turn training and test texts into padded ids",
    checks=(
        PropertyCheck(
            args=(_TRAIN, _TEST, 2, 5, "post"),
            call="vectorize(train_texts, test_texts, min_count=2, length=5, padding='post')",
            holds=_ids_holds(_POST),
            tip="Build the vocabulary from train_texts only (question 1); a word not in it, such as 'ending', "
            "becomes 1, the [UNK] id. 'post' puts the zeros at the end.",
        ),
        PropertyCheck(
            args=(_TRAIN, _TEST, 2, 5, "pre"),
            call="vectorize(train_texts, test_texts, min_count=2, length=5, padding='pre')",
            holds=_ids_holds(_PRE),
            tip="'pre' puts the zeros at the start, in front of the ids.",
        ),
    ),
    probes=(
        FunctionProbe(
            cases=_vectorize_cases,
            transform=_stacked_ids,
            label="hidden training and test texts, with both padding sides and long texts",
        ),
    ),
    hints=(
        "The vocabulary comes from train_texts alone: vocabulary = build_vocabulary(train_texts, min_count). "
        "The test texts are only encoded with it, never counted.",
        "Map each word to its position with index = {w: i for i, w in enumerate(vocabulary)}, and a missing word "
        "to 1 with index.get(w, 1). Keep the first `length` ids of a long text.",
        "Pad a row of ids to `length` with zeros: [0] * (length - len(ids)) + ids for 'pre', "
        "ids + [0] * (length - len(ids)) for 'post'. Return two NumPy arrays of shape (number of texts, length).",
    ),
)

q3 = Question(
    id="q3_nearest_neighbours",
    points=2,
    title="Nearest neighbours by cosine similarity",
    checks=(
        FunctionCheck(
            args=(_EMBEDDINGS, 0, 2),
            expected=np.array([1, 2]),
            call="nearest_neighbours([[2, 0], [0.5, 0.1], [3, 2], [2, 1.5], [-1, 0]], 0, 2)",
            tip="Cosine similarity ignores the length of a vector: divide each row by its norm before the dot "
            "products. A dot product prefers long rows and gives [2, 3]; Euclidean distance gives [3, 1].",
        ),
    ),
    probes=(
        FunctionProbe(cases=_neighbour_cases, label="hidden embedding matrices with rows of very different lengths"),
    ),
    hints=(
        "cos(a, b) = a . b / (|a| |b|). Work on unit rows: unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True).",
        "similarities = unit @ unit[index] gives one number per row. The query row is most similar to itself: "
        "leave it out (set its similarity to -np.inf, say).",
        "np.argsort(-similarities)[:k] lists the k most similar rows, most similar first.",
    ),
)

q4 = Question(
    id="q4_masked_mean",
    points=2,
    title="Average word vectors over the real tokens only",
    checks=(
        FunctionCheck(
            args=(_VECTORS, _MASK),
            expected=np.array([[2.0, 3.0], [2.0, 0.0]]),
            call="masked_mean(vectors, mask)",
            rtol=1e-5,
            atol=1e-6,
            tip="Average each sentence's vectors over the positions where its mask is True. The mean over all "
            "three positions, padding included, would give [[4.33, 5], [4, 3.33]].",
        ),
    ),
    probes=(
        FunctionProbe(
            cases=_masked_mean_cases,
            rtol=1e-4,
            atol=1e-5,
            label="hidden batches padded at the end, at the start and at random",
        ),
    ),
    hints=(
        "Turn the mask into numbers of shape (batch, steps, 1): m = mask.astype(float)[:, :, None]. "
        "It then multiplies each vector by 1 (a real token) or 0 (padding).",
        "Sum the masked vectors over the steps (axis=1) and divide by how many real tokens each sentence has.",
        "(vectors * m).sum(axis=1) / m.sum(axis=1): shape (batch, dim).",
    ),
)

q5 = Question(
    id="q5_sentiment_model",
    points=4,
    title="Train a sentiment model that reads raw sentences",
    checks=(
        _RawTextCheck(),
        ModelCheck(
            input_shape=(1,),
            output_units=1,
            output_activation="sigmoid",
            data=_review_validation,
            minimum_accuracy=SENTIMENT_ACCURACY,
            tip="Check that the TextVectorization layer was adapted on texts_train, that the Embedding has "
            "input_dim=vectorizer.vocabulary_size(), and train for more epochs (15 with Adam at 0.01 is plenty).",
        ),
    ),
    probes=(
        ModelProbe(
            heldout="review_sentences_11",
            threshold=SENTIMENT_ACCURACY,
            metric="accuracy",
            requirements=ModelRequirements(
                input_shape=(1,),
                output_units=1,
                output_activation="sigmoid",
                max_params=SENTIMENT_MAX_PARAMS,
                layer_counts={"TextVectorization": 1, "Embedding": 1},
            ),
        ),
    ),
    hints=(
        'The model reads strings: keras.Input(shape=(1,), dtype="string"), then the TextVectorization layer '
        "you adapted on texts_train, then Embedding, GlobalAveragePooling1D and Dense(1, activation='sigmoid').",
        "vectorizer = keras.layers.TextVectorization(max_tokens=1000, output_sequence_length=24); "
        "vectorizer.adapt(texts_train). The Embedding takes input_dim=vectorizer.vocabulary_size(), "
        "output_dim=16 and mask_zero=True, so the pooling averages over the real words only.",
        "Compile with keras.optimizers.Adam(0.01), loss='binary_crossentropy', metrics=['accuracy'], and "
        "fit(texts_train, y_train, epochs=15, batch_size=32, verbose=0).",
    ),
)

EXERCISE = Exercise(notebook="11_text_and_embeddings", questions=(q1, q2, q3, q4, q5))
