"""The projects' leaderboards: held-out scores ranked, ``leaderboard.csv`` and a section of ``report.html``.

A project names the question whose saved model ranks the class
(``Exercise(..., leaderboard="q4_cnn")``). The score is the one the trusted
scorer measured on held-out data; a model that broke the question's budget has
none and is not ranked. Students appear under a pseudonym by default: two words
drawn from a keyed hash of their id, so the class can see the board without
seeing names, and nobody can work out someone's pseudonym from their name
without the course's secret. Each student's feedback page tells them their own.

Example:

>>> from grader.outcomes import RunStatus, Status, Submission, Verdict
>>> def scored(student, accuracy):
...     heldout = HeldOutScore("accuracy", accuracy, higher_is_better=True, goal=0.9)
...     verdict = Verdict("q4_cnn", Status.PASSED, 6.0, 6.0, "Correct.", heldout=heldout)
...     return NotebookResult(Submission(student, "15_digit_recognition", None), RunStatus.COMPLETED, "", (verdict,))
>>> results = [scored("ada", 0.93), scored("bob", 0.947), scored("cy", 0.93)]
>>> board = leaderboard(results, "15_digit_recognition", "q4_cnn", Pseudonyms(b"secret", ["ada", "bob", "cy"]))
>>> [(entry.rank, entry.student, entry.score.value) for entry in board]
[(1, 'bob', 0.947), (2, 'ada', 0.93), (2, 'cy', 0.93)]
"""

from __future__ import annotations

import csv
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from grader.outcomes import HeldOutScore, NotebookResult
from grader.report.page import escape

LEADERBOARD_HEADER = ["notebook", "rank", "student", "pseudonym", "metric", "score", "meets_goal"]

_ADJECTIVES = (
    "amber", "brave", "bright", "calm", "clever", "coral", "crisp", "daring", "deft", "eager", "early", "fair",
    "fleet", "gentle", "golden", "grand", "hardy", "honest", "humble", "jolly", "keen", "kind", "lively", "lucky",
    "merry", "mellow", "nimble", "noble", "patient", "plucky", "polite", "proud", "quick", "quiet", "rapid", "ready",
    "rosy", "royal", "rustic", "sandy", "sharp", "shiny", "silent", "silver", "sleek", "smart", "snowy", "solid",
    "steady", "stormy", "sunny", "swift", "tidy", "tranquil", "valiant", "vivid", "warm", "wise", "witty", "young",
    "zesty", "azure", "breezy", "cosmic",
)
_ANIMALS = (
    "otter", "heron", "badger", "falcon", "lynx", "marten", "panda", "raven", "salmon", "tiger", "walrus", "wombat",
    "beaver", "bison", "camel", "crane", "dingo", "eagle", "ferret", "gecko", "gibbon", "hare", "ibis", "jackal",
    "koala", "lemur", "llama", "magpie", "moose", "newt", "ocelot", "osprey", "owl", "parrot", "pelican", "puffin",
    "quail", "robin", "seal", "shrew", "sparrow", "stork", "swan", "tapir", "toucan", "turtle", "viper", "vole",
    "weasel", "whale", "wolf", "wren", "yak", "zebra", "bat", "cobra", "dolphin", "finch", "gazelle", "hedgehog",
    "iguana", "kiwi", "mole", "orca",
)


class Pseudonyms:
    """Stable two-word pseudonyms for a class, keyed by the course's secret.

    The same student gets the same pseudonym on every board of a run and in later
    runs of the same class; two students never share one (a clash takes a number).

    >>> names = Pseudonyms(b"course secret", ["ada", "bob"])
    >>> names["ada"] == Pseudonyms(b"course secret", ["bob", "ada"])["ada"], names["ada"] != names["bob"]
    (True, True)
    """

    def __init__(self, secret: bytes, students: Iterable[str]) -> None:
        self._names: dict[str, str] = {}
        taken: set[str] = set()
        for digest, student in sorted((self._digest(secret, s), s) for s in set(students)):
            base = f"{_ADJECTIVES[digest[0] % len(_ADJECTIVES)]}-{_ANIMALS[digest[1] % len(_ANIMALS)]}"
            name, number = base, 2
            while name in taken:
                name, number = f"{base}-{number}", number + 1
            taken.add(name)
            self._names[student] = name

    @staticmethod
    def _digest(secret: bytes, student: str) -> bytes:
        return hmac.new(secret, f"leaderboard\0{student}".encode(), hashlib.sha256).digest()

    def __getitem__(self, student: str) -> str:
        return self._names[student]


@dataclass(frozen=True)
class Entry:
    """One ranked student on one board."""

    rank: int
    student: str
    pseudonym: str
    score: HeldOutScore

    def shown(self, names: bool) -> str:
        """What the board shows: the pseudonym, or the student's id with ``names``."""
        return self.student if names else self.pseudonym


def leaderboard(results: Iterable[NotebookResult], notebook: str, question: str, pseudonyms: Pseudonyms) -> list[Entry]:
    """The students whose saved model for ``question`` was scored, best first; ties share a rank."""
    scored = [
        (r.submission.student, v.heldout)
        for r in results if r.submission.notebook == notebook
        for v in r.verdicts if v.question == question and v.heldout is not None
    ]
    if not scored:
        return []
    sign = -1.0 if scored[0][1].higher_is_better else 1.0
    scored.sort(key=lambda item: (sign * item[1].value, item[0]))
    entries: list[Entry] = []
    for position, (student, score) in enumerate(scored, start=1):
        tied = entries and entries[-1].score.value == score.value
        entries.append(Entry(entries[-1].rank if tied else position, student, pseudonyms[student], score))
    return entries


def leaderboards(results: list[NotebookResult], boards: Mapping[str, str], pseudonyms: Pseudonyms) -> dict[str, list[Entry]]:
    """Every board of the run: ``{notebook: entries}`` for each ``{notebook: question}`` in ``boards``."""
    return {notebook: leaderboard(results, notebook, question, pseudonyms) for notebook, question in sorted(boards.items())}


def write_leaderboard_csv(boards: Mapping[str, list[Entry]], path: Path) -> None:
    """``leaderboard.csv``: one row per ranked student, names and pseudonyms both (the instructor's file)."""
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(LEADERBOARD_HEADER)
        for notebook, entries in boards.items():
            for e in entries:
                writer.writerow([notebook, e.rank, e.student, e.pseudonym, e.score.metric, f"{e.score.value:.4f}",
                                 "yes" if e.score.meets_goal else "no"])


def _board_html(notebook: str, entries: list[Entry], names: bool) -> str:
    head = f"<h3>{escape(notebook)}</h3>"
    if not entries:
        return head + "<p>No model met the question's budget and was scored yet.</p>"
    score = entries[0].score
    word = "higher" if score.higher_is_better else "lower"
    rows = "".join(
        f"<tr><td>{e.rank}</td><td>{escape(e.shown(names))}</td><td>{e.score.value:.4f}</td>"
        f"<td>{'yes' if e.score.meets_goal else 'not yet'}</td></tr>"
        for e in entries
    )
    return (
        head + f"<p>Held-out {escape(score.metric)} ({word} is better); the goal is {score.goal:g}.</p>"
        + f"<table><tr><th>rank</th><th>{'student' if names else 'pseudonym'}</th><th>{escape(score.metric)}</th>"
        + f"<th>meets the goal</th></tr>{rows}</table>"
    )


def leaderboard_section(boards: Mapping[str, list[Entry]], names: bool = False) -> str:
    """The report's "Leaderboards" section (empty when no graded notebook has a board)."""
    if not boards:
        return ""
    shown = "student ids" if names else "pseudonyms (each student's feedback page tells them their own)"
    return (
        "<h2 id='leaderboards'>Leaderboards</h2><p>Each project's saved models ranked by the score the grader "
        f"measured on held-out data; a model outside the question's budget is not ranked. Shown with {shown}.</p>"
        + "".join(_board_html(n, e, names) for n, e in boards.items())
    )


def standing(boards: Mapping[str, list[Entry]], student: str, notebook: str) -> str:
    """One sentence for a student's feedback page: their pseudonym and rank on this notebook's board, or ""."""
    entries = boards.get(notebook) or []
    mine = next((e for e in entries if e.student == student), None)
    if mine is None:
        return ""
    return (f"On the class leaderboard you appear as {mine.pseudonym}: rank {mine.rank} of {len(entries)}, "
            f"held-out {mine.score.metric} {mine.score.value:.4f}.")
