"""One way to define a graded question: id, points, visible checks, hints, hidden probes.

A question lives in an exercise module under `keras_course.exercises`. Its ``id`` is
the nbgrader ``grade_id`` of the test cell that checks it. In the exercise
notebook a student calls ``q1.check(answer)`` and ``q1.hint()``; the
instructor's source notebook adds, between ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS``, a call to ``q1.probe(answer)``, which collects data
for the grader's judge and decides nothing itself.

Example:

>>> from keras_course.checks import FunctionCheck
>>> double = Question(
...     id="q1_double", points=1, title="Double a number",
...     checks=(FunctionCheck(args=(2,), expected=4, call="double(2)"),),
...     hints=("Multiply by two.",),
... )
>>> double.check(lambda x: 2 * x)
q1_double: all 1 visible check passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from keras_course.channel import probe_dir, write_probe
from keras_course.checks import FreshCallCheck, FunctionCheck, ModelCheck, PropertyCheck, ValueCheck
from keras_course.probes import Probe

Check = FunctionCheck | ValueCheck | PropertyCheck | FreshCallCheck | ModelCheck

OUTSIDE_GRADER = (
    "This cell is a hidden test of the course grader. It only collects data; the grade is "
    "decided outside the notebook by `grader grade` (or `grader build` for the answer key). "
    "Plain `nbgrader autograde` cannot judge it, so it stops here instead of passing."
)


class ProbeOutsideGrader(RuntimeError):
    """A hidden probe ran in a kernel that the course grader did not start."""


_hints_shown: dict[str, int] = {}


@dataclass(frozen=True)
class Requirement:
    """One thing a question's text asks for, in the student's words, checked by a hidden probe.

    Args:
        id: a short name that probes list in their ``covers``, e.g. "shape".
            Model probes name requirements by aspect: "compile", "layers",
            "params", "preprocessing", "masking", "trainable", "weights", "heldout".
        text: what is required, as the question states it, e.g.
            "returns an array of shape (n, m)". It also appears in the question's
            text in the notebook, word for word.

    Example:

    >>> Requirement("unchanged", "leaves its arguments unchanged").text
    'leaves its arguments unchanged'
    """

    id: str
    text: str


@dataclass(frozen=True)
class Question:
    """A graded question.

    Args:
        id: the nbgrader ``grade_id`` of its test cell, e.g. ``"q1_weighted_sum"``.
        points: what it is worth.
        title: a few words for reports.
        checks: visible checks, run by `check`. Defaults to ().
        probes: hidden probes, run by `probe` and decided by the judge. Defaults to ().
        hints: staged hints, from a nudge to nearly the answer. Defaults to ().
        requirements: what the question's text asks for, each checked by the
            probes that list its id in ``covers``. Defaults to ().
        manual: graded by a person in nbgrader's formgrader (an nbgrader
            "manually graded answer" or "manually graded task"): it counts in
            the maximum, and the grader leaves it awaiting manual grading.
            Defaults to False.
    """

    id: str
    points: float
    title: str
    checks: tuple[Check, ...] = ()
    probes: tuple[Probe, ...] = ()
    hints: tuple[str, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    manual: bool = False

    def requirement(self, requirement_id: str) -> Requirement | None:
        """The requirement with this id, or None."""
        return next((r for r in self.requirements if r.id == requirement_id), None)

    def check(self, answer: Any) -> None:
        """Run the visible checks; print a summary, or stop at the first problem."""
        for check in self.checks:
            check.run(answer)
        count = len(self.checks)
        print(f"{self.id}: all {count} visible check{'s' if count != 1 else ''} passed.")

    def hint(self, level: int | None = None) -> None:
        """Print the next hint (or hint number ``level``, counting from 1)."""
        if not self.hints:
            print(f"{self.id}: no hints for this question.")
            return
        shown = _hints_shown.get(self.id, 0)
        index = (level - 1) if level else min(shown, len(self.hints) - 1)
        index = max(0, min(index, len(self.hints) - 1))
        _hints_shown[self.id] = max(shown, index + 1)
        print(f"Hint {index + 1} of {len(self.hints)} for {self.id}: {self.hints[index]}")

    def probe(self, answer: Any) -> None:
        """Collect hidden-test data for the grader's judge (decides nothing here)."""
        directory = probe_dir()
        if directory is None:
            raise ProbeOutsideGrader(OUTSIDE_GRADER)
        items: dict[str, Any] = {}
        for index, probe in enumerate(self.probes):
            for name, value in probe.collect(answer, directory, self.id).items():
                items[f"p{index}.{name}"] = value
        write_probe(directory, self.id, items)


@dataclass(frozen=True)
class Exercise:
    """The graded questions of one exercise notebook, in order.

    Args:
        notebook: the notebook id, e.g. "15_digit_recognition".
        questions: its graded questions, in notebook order.
        leaderboard: the id of a question with a `ModelProbe` whose held-out
            score ranks the class on the report's leaderboard (the projects).
            Defaults to None: no leaderboard.
    """

    notebook: str
    questions: tuple[Question, ...]
    leaderboard: str | None = None

    def __post_init__(self) -> None:
        if self.leaderboard is not None:
            self.question(self.leaderboard)  # a KeyError names a leaderboard question that does not exist

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(f"{self.notebook} has no question {question_id!r}")

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)
