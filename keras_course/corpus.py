"""A small offline corpus of film-review sentences, written for this course (lesson 11).

Every sentence is drawn from templates and word lists in this module, so the
corpus needs no download and any number of fresh sentences can be drawn. The
same seed always gives the same sentences. A label is 1 for a positive review
and 0 for a negative one. Most sentences carry their sentiment in one or two
words ("superb", "tedious"); some say "not" before a positive word, and some
praise one thing and criticise another, joined by "but", where the part after
"but" decides the label. A model that only averages word vectors cannot read
word order, so it gets most, not all, of the "but" sentences right.

Example:

>>> texts, labels = make_reviews(3, seed=0)
>>> len(texts), labels.tolist() == [int(x) for x in labels]
(3, True)
>>> texts == make_reviews(3, seed=0)[0]
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

POSITIVE = (
    "great", "excellent", "wonderful", "superb", "brilliant", "moving", "delightful", "charming",
    "gripping", "clever", "beautiful", "fantastic", "touching", "funny", "lovely", "stunning",
)  # fmt: skip
NEGATIVE = (
    "awful", "terrible", "boring", "dull", "clumsy", "tedious", "weak", "bland",
    "painful", "silly", "messy", "lifeless", "forgettable", "dreadful", "poor", "flat",
)  # fmt: skip
ASPECTS = (
    "plot", "acting", "script", "music", "ending", "cast", "story", "dialogue",
    "pacing", "soundtrack", "camera work", "lead actor", "director", "scenery", "humour", "characters",
)  # fmt: skip
ADVERBS = ("very", "really", "quite", "truly", "rather", "pretty", "so", "incredibly")
# Rare words: each sentence may name a place or a companion. They carry no sentiment, and many of them
# are seen only a few times, so some show up in validation text without ever being in the training text.
_CITIES = (
    "leeds", "lisbon", "osaka", "quito", "tartu", "accra", "bergen", "cusco", "dakar", "galway",
    "hanoi", "izmir", "jaipur", "kazan", "lagos", "malmo", "nantes", "oulu", "perth", "riga",
    "sapporo", "tromso", "utrecht", "varna", "wuhan", "zadar", "bilbao", "cork", "graz", "lyon",
)  # fmt: skip
_TOWN_STARTS = ("bal", "cor", "dun", "fen", "gar", "hol", "kin", "lor", "mar", "nor", "pen", "ros", "sel", "tor", "vel")
_TOWN_ENDS = ("by", "ford", "ham", "ley", "mouth", "ton", "wick", "stead")
# 30 cities and 120 made-up towns such as "balford".
PLACES = _CITIES + tuple(start + end for start in _TOWN_STARTS for end in _TOWN_ENDS)
COMPANIONS = ("my sister", "a friend", "my dad", "the kids", "my partner", "colleagues", "my aunt", "my cousin")

_POSITIVE_ENDINGS = ("i would watch it again", "i recommend it", "worth every penny", "a real treat")
_NEGATIVE_ENDINGS = ("i want my money back", "i nearly walked out", "a waste of an evening", "skip this one")

_TEMPLATES = (
    "the {aspect} was {adverb} {word}",
    "what a {word} film",
    "{word} {aspect} and {word2} {aspect2}",
    "i thought the {aspect} was {word}",
    "a {adverb} {word} film with {word2} {aspect}",
    "honestly the {aspect} is {word}",
    "{word} from start to finish",
    "the {aspect} felt {word} and the {aspect2} was {adverb} {word2}",
    "overall {adverb} {word}",
)


def pick(rng: np.random.Generator, words: tuple[str, ...]) -> str:
    """One of ``words``, drawn from ``rng``."""
    return words[int(rng.integers(len(words)))]


def _clause(rng: np.random.Generator, words: tuple[str, ...]) -> str:
    template = pick(rng, _TEMPLATES)
    aspect, aspect2 = rng.choice(len(ASPECTS), size=2, replace=False)
    return template.format(
        aspect=ASPECTS[aspect],
        aspect2=ASPECTS[aspect2],
        adverb=pick(rng, ADVERBS),
        word=pick(rng, words),
        word2=pick(rng, words),
    )


def _review(rng: np.random.Generator, label: int) -> str:
    mine, other = (POSITIVE, NEGATIVE) if label == 1 else (NEGATIVE, POSITIVE)
    kind = rng.random()
    if kind < 0.12:  # praise or blame first, then the opposite after "but": the second part decides
        text = f"{_clause(rng, other)} but {_clause(rng, mine)}"
    elif kind < 0.22 and label == 0:  # "not" before a positive word
        text = f"the {pick(rng, ASPECTS)} was not {pick(rng, POSITIVE)}"
    else:
        text = _clause(rng, mine)
    if rng.random() < 0.35:
        text += f", we saw it in {pick(rng, PLACES)}"
    if rng.random() < 0.25:
        text += f" with {pick(rng, COMPANIONS)}"
    if rng.random() < 0.3:
        text += f". {pick(rng, _POSITIVE_ENDINGS if label == 1 else _NEGATIVE_ENDINGS)}"
    text = text[0].upper() + text[1:]
    return text + ("!" if rng.random() < 0.3 else ".")


def draw_labelled(
    rng: np.random.Generator, n: int, write: Callable[[np.random.Generator, int], str]
) -> tuple[list[str], np.ndarray]:
    """Draw ``n`` labels (1 positive, 0 negative, about half each), then the text ``write(rng, label)`` of each.

    Returns:
        ``(texts, labels)``: a list of ``n`` strings and an int64 array of shape (n,).
    """
    labels = (rng.random(n) < 0.5).astype(np.int64)
    return [write(rng, int(label)) for label in labels], labels


def draw_reviews(rng: np.random.Generator, n: int) -> tuple[list[str], np.ndarray]:
    """Draw ``n`` review sentences, with capitals and punctuation, and their labels from ``rng`` (see `draw_labelled`)."""
    return draw_labelled(rng, n, _review)


def make_reviews(n: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """``n`` review sentences and labels, the same for the same ``seed`` (see `draw_reviews`)."""
    return draw_reviews(np.random.default_rng(seed), n)



# --- Texts with Zipf-like word frequencies ---

WORDS = tuple(dict.fromkeys(w for phrase in POSITIVE + NEGATIVE + ASPECTS for w in phrase.split()))
"""Every word of the corpus's opinion and aspect phrases, once each, in order of first appearance."""


def zipf_texts(rng: np.random.Generator, n: int, words: tuple[str, ...], longest: int, shortest: int = 1) -> list[str]:
    """``n`` texts of ``shortest`` to ``longest`` of ``words``, drawn with Zipf-like weights (many tied counts).

    The first word is the most frequent, the weight of the k-th is 1 / k^0.8.

    >>> texts = zipf_texts(np.random.default_rng(0), 3, WORDS[:5], longest=4)
    >>> len(texts), all(1 <= len(text.split()) <= 4 for text in texts)
    (3, True)
    """
    weights = 1.0 / np.arange(1, len(words) + 1) ** 0.8
    weights /= weights.sum()
    texts = []
    for _ in range(n):
        size = int(rng.integers(shortest, longest + 1))
        texts.append(" ".join(words[i] for i in rng.choice(len(words), size=size, p=weights)))
    return texts
