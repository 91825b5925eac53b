"""Film reviews for project 16: the course's longer generated reviews offline, IMDB in Colab behind a flag.

No package the course can depend on ships real review text with labels under a
licence that allows it (see the project notebook), so the offline reviews come
from the course's own generator (`keras_course.corpus`): each review strings together
several opinions, some of them the other way round, a few plain facts and often
a verdict. Its label (1 positive, 0 negative) is the side most of its opinions
take. Words such as "not" and "but" turn an opinion around, so a model that
only counts words gets most reviews right, not all.

IMDB (Maas et al., 2011) downloads through ``keras.datasets``'s files only when
asked, never while the grader runs and never in a test; `parse_imdb` turns the
two downloaded files into text and is tested on small files of the same format.

Example:

>>> texts_train, texts_val, y_train, y_val = course_reviews(n_train=4, n_val=2)
>>> texts_train.shape, y_val.dtype
((4,), dtype('int64'))
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from keras_course.corpus import ADVERBS, ASPECTS, COMPANIONS, NEGATIVE, PLACES, POSITIVE, draw_labelled, pick

N_TRAIN, N_VAL = 2000, 500
IMDB_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
IMDB_FILES = {  # keras.datasets.imdb's two files and their hashes
    "imdb.npz": "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
    "imdb_word_index.json": "bfafd718b763782e994055a2d397834f",
}

_VERDICTS = {
    1: ("i would watch it again", "i recommend it", "worth every penny", "a real treat", "go and see it"),
    0: ("i want my money back", "i nearly walked out", "a waste of an evening", "skip this one", "wait for something better"),
}  # fmt: skip
_FACTS = (
    "we saw it in {place} with {companion}",
    "it is set in {place}",
    "i went with {companion} on a rainy evening",
    "the {aspect} reminded me of a film i saw in {place}",
    "it runs for about two hours",
    "the story follows a family from {place}",
    "{companion} had read the book first",
    "i knew nothing about the {aspect} going in",
)
_OPINIONS = (
    "the {aspect} was {adverb} {word}",
    "i thought the {aspect} was {word}",
    "{word} {aspect}",
    "what a {word} {aspect}",
    "the {aspect} felt {word}",
    "honestly the {aspect} is {adverb} {word}",
    "a {word} {aspect} and a {word2} {aspect2}",
)


def _opinion(rng: np.random.Generator, side: int) -> str:
    """One sentence that takes ``side`` (1 for, 0 against): plainly, with "not" before the other side, or after "but"."""
    mine, other = (POSITIVE, NEGATIVE) if side == 1 else (NEGATIVE, POSITIVE)
    aspect, aspect2 = (ASPECTS[i] for i in rng.choice(len(ASPECTS), size=2, replace=False))

    def plain(words: tuple[str, ...]) -> str:
        return pick(rng, _OPINIONS).format(
            aspect=aspect, aspect2=aspect2, adverb=pick(rng, ADVERBS), word=pick(rng, words), word2=pick(rng, words)
        )

    kind = rng.random()
    if kind < 0.15:  # "not" before a word of the other side: the words say one thing, the sentence the other
        return f"the {aspect} was not {pick(rng, other)} at all"
    if kind < 0.27:  # the part after "but" decides
        return f"{plain(other)} but {plain(mine)}"
    return plain(mine)


def _long_review(rng: np.random.Generator, label: int) -> str:
    opinions = int(rng.integers(2, 7))
    against = min(int(rng.binomial(opinions, 0.3)), (opinions - 1) // 2)  # fewer opinions against the label
    sides = [label] * (opinions - against) + [1 - label] * against
    sentences = [_opinion(rng, side) for side in sides]
    for _ in range(int(rng.integers(0, 4))):
        fact = pick(rng, _FACTS).format(
            place=pick(rng, PLACES), companion=pick(rng, COMPANIONS), aspect=pick(rng, ASPECTS)
        )
        sentences.append(fact)
    sentences = [sentences[i] for i in rng.permutation(len(sentences))]
    if rng.random() < 0.5:
        sentences.append(pick(rng, _VERDICTS[label]))
    return " ".join(s[0].upper() + s[1:] + ("!" if rng.random() < 0.15 else ".") for s in sentences)


def draw_long_reviews(rng: np.random.Generator, n: int) -> tuple[list[str], np.ndarray]:
    """Draw ``n`` reviews of 2 to 10 sentences and their labels from ``rng`` (see `keras_course.corpus.draw_labelled`)."""
    return draw_labelled(rng, n, _long_review)


def course_reviews(seed: int = 16, n_train: int = N_TRAIN, n_val: int = N_VAL) -> tuple[np.ndarray, ...]:
    """The project's offline reviews: ``(texts_train, texts_val, y_train, y_val)``, fixed by ``seed``.

    The texts are NumPy arrays of dtype object holding Python strings (what Keras's
    ``fit``, ``predict`` and ``TextVectorization.adapt`` take), the labels int64.
    """
    texts, labels = draw_long_reviews(np.random.default_rng(seed), n_train + n_val)
    texts = np.array(texts, dtype=object)
    return texts[:n_train], texts[n_train:], labels[:n_train], labels[n_train:]


def parse_imdb(
    npz_path: str | os.PathLike, word_index_path: str | os.PathLike, num_words: int = 10_000, n: int | None = None
) -> tuple[np.ndarray, ...]:
    """Turn keras's ``imdb.npz`` and ``imdb_word_index.json`` into lowercase texts and labels.

    ``imdb.npz`` holds ``x_train`` and ``x_test`` (object arrays of lists of word
    ranks: 1 is the most frequent word) and ``y_train``, ``y_test`` (0 or 1); the
    JSON maps each word to its rank. The arrays are pickled, so only load a file
    whose hash you checked (`imdb_reviews` downloads through ``keras.utils.get_file``,
    which does).

    Args:
        npz_path: the path of ``imdb.npz``.
        word_index_path: the path of ``imdb_word_index.json``.
        num_words: keep the ``num_words`` most frequent words; rarer ones are
            dropped (as keras's ``load_data`` marks them unknown). Defaults to 10,000.
        n: keep the first ``n`` reviews of each split. Defaults to None (all).

    Returns:
        ``(texts_train, texts_test, y_train, y_test)``: object arrays of strings
        (words joined by single spaces) and int64 labels of shape (n,).

    Example:

    >>> texts_train, texts_test, y_train, y_test = parse_imdb("imdb.npz", "imdb_word_index.json")  # doctest: +SKIP
    """
    words = {rank: word for word, rank in json.loads(Path(word_index_path).read_text()).items()}
    keep = slice(None) if n is None else slice(0, n)
    with np.load(npz_path, allow_pickle=True) as arrays:
        parts = {name: arrays[name][keep] for name in ("x_train", "x_test", "y_train", "y_test")}

    def as_text(sequences: np.ndarray) -> np.ndarray:
        texts = [" ".join(words[r] for r in ranks if 0 < r <= num_words and r in words) for ranks in sequences]
        return np.array(texts, dtype=object)

    return (
        as_text(parts["x_train"]),
        as_text(parts["x_test"]),
        np.asarray(parts["y_train"]).astype(np.int64),
        np.asarray(parts["y_test"]).astype(np.int64),
    )


def imdb_reviews(num_words: int = 10_000, n: int | None = None) -> tuple[np.ndarray, ...]:
    """IMDB film reviews as text: DOWNLOADS about 80 MB (keras.datasets's files), for Colab only.

    Args:
        num_words: keep the most frequent words only. Defaults to 10,000.
        n: keep the first ``n`` reviews of each split. Defaults to None (all 25,000).

    Returns:
        ``(texts_train, texts_test, y_train, y_test)``, as `parse_imdb` gives them.
    """
    import keras

    paths = [
        keras.utils.get_file(name, origin=IMDB_ORIGIN + name, file_hash=digest) for name, digest in IMDB_FILES.items()
    ]
    return parse_imdb(*paths, num_words=num_words, n=n)


def load_reviews(full_imdb: bool = False, n: int | None = 10_000) -> tuple[np.ndarray, ...]:
    """The reviews a notebook works on: `course_reviews`, or IMDB when ``full_imdb`` and it can download.

    Under the grader (it sets a probe folder), or when the download fails, the
    flag is ignored: this prints one line saying so and returns the course reviews,
    so a notebook submitted with the flag on still grades.

    Args:
        full_imdb: load IMDB's first ``n`` training and test reviews instead. Defaults to False.
        n: how many IMDB reviews of each split. Defaults to 10,000.

    Returns:
        ``(texts_train, texts_val, y_train, y_val)``.

    Example:

    >>> texts_train, texts_val, y_train, y_val = load_reviews(full_imdb=False)
    >>> len(texts_train), len(texts_val)
    (2000, 500)
    """
    from keras_course.channel import probe_dir

    if full_imdb and probe_dir() is not None:
        print("The grader is running this notebook: using the course reviews, not IMDB.")
    elif full_imdb:
        try:
            return imdb_reviews(n=n)
        except Exception as error:  # noqa: BLE001 - no network, a proxy, a full disk: the course reviews still work
            print(f"IMDB could not be downloaded ({type(error).__name__}): using the course reviews instead.")
    return course_reviews()
