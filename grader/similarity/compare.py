"""Compare a class's answers to one notebook through an index of fingerprints.

No pair is compared by hand: each fingerprint points to the submissions that
have it, and only submissions that share a fingerprint become a candidate pair.
Fingerprints of code the release hands out are ignored, and so are fingerprints
so common that they are an idiom rather than evidence (held by more than
``common_fraction`` of the class, and by more than ``min_common`` submissions).
Answers too small to tell a copy from convergence (fewer than
``min_fingerprints``) are left out.

A candidate pair (one that shares at least ``min_shared`` uncommon
fingerprints) is scored by the Jaccard index of the two answers' fingerprints
(shared over all, released code left out) and flagged when the score reaches
``threshold``: a copy keeps nearly every fingerprint, while independent answers
share idioms and a few runs where their choices happen to meet. Clusters are
the connected groups of flagged pairs. A flag is evidence for a person to
read, never a verdict: nothing here changes a score.

Example:

>>> similar = compare_answers("04_backpropagation", answers, released_code(released))  # doctest: +SKIP
>>> [(p.student_a, p.student_b, round(p.score, 2)) for p in similar.pairs]  # doctest: +SKIP
[('ada', 'bob', 0.93)]
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from grader.similarity.answers import AnswerCell, StudentAnswers
from grader.similarity.tokens import code_units
from grader.similarity.winnow import fingerprints


@dataclass(frozen=True)
class SimilaritySettings:
    """How answers are fingerprinted and when a pair is flagged.

    Args:
        k: tokens per k-gram; shorter shared runs are chance. Defaults to 15.
        w: k-grams per winnowing window; any shared run of ``k + w - 1`` tokens
            is seen. Defaults to 4.
        threshold: the least score for a flagged pair. Copies with renamed,
            reordered and re-numbered code scored 0.92 and more in the test class,
            independent answers 0.61 at most. Defaults to 0.7.
        min_shared: the fewest shared fingerprints for a flagged pair. Defaults to 8.
        min_fingerprints: answers with fewer fingerprints (besides released code)
            are too small to judge: about 20 lines, where independent answers to
            short questions often meet token for token. Defaults to 80.
        common_fraction: fingerprints held by more than this share of the class
            are idioms. Defaults to 0.05.
        min_common: ... unless held by this many submissions or fewer. Defaults to 8.
    """

    k: int = 15
    w: int = 4
    threshold: float = 0.7
    min_shared: int = 8
    min_fingerprints: int = 80
    common_fraction: float = 0.05
    min_common: int = 8

    def most_holders(self, class_size: int) -> int:
        """How many submissions may hold a fingerprint before it counts as an idiom.

        Example:

        >>> SimilaritySettings().most_holders(40), SimilaritySettings().most_holders(1000)
        (8, 50)
        """
        return max(self.min_common, int(self.common_fraction * class_size))


@dataclass(frozen=True)
class Span:
    """Lines ``first`` to ``last`` (1-based) of one answer cell, and their text."""

    label: str
    first: int
    last: int
    text: str


@dataclass(frozen=True)
class Fragment:
    """Code two answers share: the lines in the first answer, and the matching lines in the second."""

    a: Span
    b: Span


@dataclass(frozen=True)
class SimilarPair:
    """Two students whose answers to a notebook share more code than chance explains."""

    student_a: str
    student_b: str
    score: float  # Jaccard index of the two answers' fingerprints, from 0 to 1
    fragments: tuple[Fragment, ...]


@dataclass(frozen=True)
class NotebookSimilarity:
    """The flagged pairs and clusters of one notebook, and how many answers were compared."""

    notebook: str
    pairs: tuple[SimilarPair, ...]
    clusters: tuple[tuple[str, ...], ...]
    compared: int  # answers large enough to judge
    too_small: int  # answers left out as too small


@dataclass(frozen=True)
class _Located:
    label: str
    first: int
    last: int


def answer_prints(cells: Iterable[AnswerCell], settings: SimilaritySettings) -> dict[int, _Located]:
    """Each fingerprint of a student's answer cells and where it first occurs."""
    prints: dict[int, _Located] = {}
    for cell in cells:
        for unit in code_units(cell.source):
            for p in fingerprints(unit, settings.k, settings.w):
                prints.setdefault(p.hash, _Located(cell.label, p.first_line, p.last_line))
    return prints


def release_prints(released_sources: Iterable[str], settings: SimilaritySettings) -> set[int]:
    """The fingerprints of the code the release hands out."""
    return set(answer_prints((AnswerCell("release", s) for s in released_sources), settings))


def compare_answers(
    notebook: str,
    answers: Sequence[StudentAnswers],
    released_sources: Iterable[str] = (),
    settings: SimilaritySettings | None = None,
) -> NotebookSimilarity:
    """Flag the pairs of students whose answers to ``notebook`` share uncommon code.

    Args:
        notebook: the exercise id, for the report.
        answers: each student's answer cells (see `grader.similarity.answers`).
        released_sources: the code cells of the released exercise, ignored
            wherever they appear. Defaults to none.
        settings: thresholds. Defaults to `SimilaritySettings()`.

    Returns:
        The flagged pairs (highest score first) and their clusters (largest first).
    """
    settings = settings or SimilaritySettings()
    ignored = release_prints(released_sources, settings)
    prints = {a.student: {h: at for h, at in answer_prints(a.cells, settings).items() if h not in ignored} for a in answers}
    judged = sorted(s for s, p in prints.items() if len(p) >= settings.min_fingerprints)
    sources = {a.student: {c.label: c.source for c in a.cells} for a in answers}
    pairs = []
    for a, b in _candidates(judged, prints, settings):
        together = prints[a].keys() & prints[b].keys()
        score = len(together) / len(prints[a].keys() | prints[b].keys())
        if score >= settings.threshold:
            pairs.append(SimilarPair(a, b, score, _fragments(sorted(together), prints[a], prints[b], sources[a], sources[b])))
    pairs.sort(key=lambda p: (-p.score, p.student_a, p.student_b))
    return NotebookSimilarity(notebook, tuple(pairs), _clusters(pairs), len(judged), len(prints) - len(judged))


def _candidates(
    students: list[str], prints: dict[str, dict[int, _Located]], settings: SimilaritySettings
) -> list[tuple[str, str]]:
    """Pairs that share at least ``min_shared`` uncommon fingerprints, found through the index alone."""
    holders = _index(students, prints)
    most = settings.most_holders(len(students))
    shared = Counter(pair for held in holders.values() if len(held) <= most for pair in combinations(held, 2))
    return sorted(pair for pair, count in shared.items() if count >= settings.min_shared)


def _index(students: list[str], prints: dict[str, dict[int, _Located]]) -> dict[int, list[str]]:
    """Fingerprint -> the students who have it (in sorted order, so pairs come out as (a, b) with a < b)."""
    holders: dict[int, list[str]] = defaultdict(list)
    for student in students:
        for h in prints[student]:
            holders[h].append(student)
    return holders


def _fragments(
    hashes: list[int], a: dict[int, _Located], b: dict[int, _Located], a_cells: dict[str, str], b_cells: dict[str, str]
) -> tuple[Fragment, ...]:
    """Shared fingerprints merged into runs of lines that match in both answers."""
    matches = [(a[h], b[h]) for h in hashes]
    merged: list[tuple[_Located, _Located]] = []
    for at_a, at_b in sorted(matches, key=lambda m: (m[0].label, m[0].first, m[1].label, m[1].first)):
        if merged and _continues(merged[-1][0], at_a) and _continues(merged[-1][1], at_b):
            last_a, last_b = merged[-1]
            merged[-1] = (_joined(last_a, at_a), _joined(last_b, at_b))
        else:
            merged.append((at_a, at_b))
    return tuple(Fragment(_span(x, a_cells), _span(y, b_cells)) for x, y in merged)


def _continues(run: _Located, next_one: _Located) -> bool:
    return run.label == next_one.label and run.first - 1 <= next_one.first <= run.last + 1


def _joined(run: _Located, next_one: _Located) -> _Located:
    return _Located(run.label, min(run.first, next_one.first), max(run.last, next_one.last))


def _span(at: _Located, cells: dict[str, str]) -> Span:
    lines = cells.get(at.label, "").splitlines()
    return Span(at.label, at.first, at.last, "\n".join(lines[at.first - 1 : at.last]))


def _clusters(pairs: list[SimilarPair]) -> tuple[tuple[str, ...], ...]:
    """Connected groups of flagged pairs, largest first."""
    parent: dict[str, str] = {}

    def root(student: str) -> str:
        parent.setdefault(student, student)
        while parent[student] != student:
            parent[student] = parent[parent[student]]
            student = parent[student]
        return student

    for pair in pairs:
        parent[root(pair.student_a)] = root(pair.student_b)
    groups: dict[str, list[str]] = defaultdict(list)
    for student in parent:
        groups[root(student)].append(student)
    return tuple(sorted((tuple(sorted(g)) for g in groups.values()), key=lambda g: (-len(g), g)))
