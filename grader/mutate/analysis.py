"""Grade mutants of a solution through the real pipeline and say which ones kept full marks.

Grading runs in two stages, both through `grader.grade.grade_class` (its
workers, warm kernels and ledger, so an interrupted run resumes like ``grader
grade``):

1. *Up to its question* (``OUT/first/``): each mutant's notebook holds the
   solution up to the mutated question and the released, unanswered cells
   after it, so the training of later questions is not paid for. A mutant that
   loses points on its own question or an earlier one is killed: those cells
   run exactly as they would in the whole notebook. A mutant of the last
   question has run whole already, and is decided here.
2. *Whole* (``OUT/class/``): every other mutant, next to the unmutated
   solution as student ``solution``, runs the whole notebook (the released
   exercise filled in with the solution, one answer cell mutated), because a
   change can also break a later question that builds on it. A mutant is *killed* when it scores less than
full marks (a crash or timeout included), *equivalent* when it kept full marks
and is in the reviewed list beside the solution, and *survived* otherwise. A
mutant whose grading hit a fault of the grader is *unjudged*: it is neither
killed nor survived, and running the same command again grades it again.

Example:

>>> report = run_mutation(course, "03_the_forward_pass", mutants, Path("out"), config)  # doctest: +SKIP
>>> report.survived  # doctest: +SKIP
2
"""

from __future__ import annotations

import csv
import dataclasses
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.config import GraderConfig
from grader.course import Course
from grader.grade import grade_class
from grader.mutate.equivalents import Equivalent
from grader.mutate.mutants import Mutant, mutant_notebook
from grader.normalize import role_of
from grader.outcomes import NotebookResult

BASELINE = "solution"
KILLED, SURVIVED, EQUIVALENT, UNJUDGED = "killed", "survived", "equivalent", "unjudged"
CSV_FIELDS = ("id", "question", "operator", "cell", "line", "column", "before", "after", "outcome", "score",
              "max_score", "run_status", "lost", "seconds", "student")


class MutationError(RuntimeError):
    """The mutation run cannot be judged (for one, the solution itself loses points)."""


@dataclass(frozen=True)
class MutantOutcome:
    """How one mutant fared.

    Args:
        mutant: the mutant.
        outcome: "killed", "survived", "equivalent" or "unjudged" (a fault of the grader).
        score: the mutant's total score.
        max_score: full marks.
        run_status: how its notebook run ended ("completed", "timeout", "crashed", ...).
        lost: the questions that lost points.
        seconds: the time its notebook took.
    """

    mutant: Mutant
    outcome: str
    score: float
    max_score: float
    run_status: str
    lost: tuple[str, ...]
    seconds: float


@dataclass(frozen=True)
class MutationReport:
    """The result of one ``grader mutate`` run.

    Args:
        notebook: the exercise id.
        outcomes: one per mutant graded, in mutant order.
        seconds: wall-clock time of the run.
    """

    notebook: str
    outcomes: tuple[MutantOutcome, ...]
    seconds: float

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    @property
    def survival_percent(self) -> float:
        """Survivors as a percentage of the judged mutants not reviewed as equivalent."""
        judged = len(self.outcomes) - self.count(EQUIVALENT) - self.count(UNJUDGED)
        return 100.0 * self.count(SURVIVED) / judged if judged else 0.0

    def survivors_by_question(self) -> dict[str, list[MutantOutcome]]:
        grouped: dict[str, list[MutantOutcome]] = {}
        for outcome in self.outcomes:
            if outcome.outcome == SURVIVED:
                grouped.setdefault(outcome.mutant.question, []).append(outcome)
        return grouped


def write_class(course: Course, notebook: str, mutants: list[Mutant], class_dir: Path, up_to_question: bool = False) -> None:
    """One student folder per mutant (plus ``solution`` for the whole run); the folder is rebuilt so it holds only these.

    With ``up_to_question``, answers after each mutant's question are left as released.
    """
    source, released = course.read_source(notebook), course.read_released(notebook)
    shutil.rmtree(class_dir, ignore_errors=True)
    students = [(m.student, m) for m in mutants] if up_to_question else [(BASELINE, None), *((m.student, m) for m in mutants)]
    for student, mutant in students:
        (class_dir / student).mkdir(parents=True)
        nb = mutant_notebook(source, released, mutant)
        if up_to_question and mutant is not None:
            nb = unanswered_after(nb, released, mutant.question)
        nbformat.write(nb, class_dir / student / f"{notebook}.ipynb")


def question_order(nb: nbformat.NotebookNode) -> list[str]:
    """The graded questions' ids in the order their test cells come."""
    order: list[str] = []
    for cell in nb.cells:
        role = role_of(cell)
        if role.kind == "test" and role.grade_id and role.grade_id not in order:
            order.append(role.grade_id)
    return order


def unanswered_after(nb: nbformat.NotebookNode, released: nbformat.NotebookNode, question: str) -> nbformat.NotebookNode:
    """``nb`` with every answer cell after ``question``'s last test cell put back as released."""
    last = max((i for i, c in enumerate(nb.cells) if role_of(c).kind == "test" and role_of(c).grade_id == question), default=None)
    if last is None:
        return nb
    stubs = {c.get("id"): c.source for c in released.cells if role_of(c).kind == "answer"}
    trimmed = nbformat.from_dict(nb)
    for cell in trimmed.cells[last + 1 :]:
        if role_of(cell).kind == "answer" and cell.get("id") in stubs:
            cell.source = stubs[cell["id"]]
    return trimmed


def _up_to_question(result: NotebookResult, mutant: Mutant, order: list[str]) -> NotebookResult:
    """The result with only the verdicts of the mutant's question and the ones before it (later ones were not answered)."""
    upto = set(order[: order.index(mutant.question) + 1])
    return dataclasses.replace(result, verdicts=tuple(v for v in result.verdicts if v.question in upto))


def killed_early(mutant: Mutant, result: NotebookResult, order: list[str]) -> bool:
    """Whether a mutant's up-to-its-question run lost points on its question or an earlier one (a grader fault never counts)."""
    if result.grader_fault or mutant.question not in order:
        return False
    if result.status.stops_notebook:
        return True  # its own code stopped the run: the cells after it are unanswered stubs
    upto = set(order[: order.index(mutant.question) + 1])
    return any(v.score < v.max_score for v in result.verdicts if v.question in upto)


def classify(mutant: Mutant, result: NotebookResult, full: float, equivalents: dict[str, Equivalent]) -> MutantOutcome:
    """Killed, survived or equivalent, from the mutant's grading result."""
    lost = tuple(v.question for v in result.verdicts if v.score < v.max_score)
    if result.grader_fault:
        outcome = UNJUDGED
    elif result.score < full or lost:
        outcome = KILLED
    elif mutant.id in equivalents and equivalents[mutant.id].change in ("", mutant.change):
        outcome = EQUIVALENT
    else:
        outcome = SURVIVED
    return MutantOutcome(mutant, outcome, result.score, result.max_score, result.status.value, lost, result.seconds)


def run_mutation(
    course: Course,
    notebook: str,
    mutants: list[Mutant],
    out: Path,
    config: GraderConfig,
    equivalents: dict[str, Equivalent] | None = None,
    progress: Callable[[str], None] | None = None,
) -> MutationReport:
    """Grade the solution and every mutant, then classify each mutant.

    Args:
        course: the course.
        notebook: the exercise id.
        mutants: the mutants to grade (see `grader.mutate.mutants.select`).
        out: the output folder: ``class/``, the grading ledger, grades, ``mutants.csv``.
        config: grading settings (workers, limits, sandbox, warm kernels).
        equivalents: reviewed equivalent mutants by id. Defaults to none.
        progress: called with a line per graded notebook; None shows `grader grade`'s progress.

    Returns:
        The report; ``out/mutants.csv`` holds one row per mutant.

    Raises:
        MutationError: when the unmutated solution does not get full marks.
    """
    started = time.monotonic()
    equivalents = equivalents or {}
    order = question_order(course.read_source(notebook))
    write_class(course, notebook, mutants, out / "first" / "class", up_to_question=True)
    first = {r.submission.student: r for r in grade_class(out / "first" / "class", out / "first", config, notebooks=[notebook], progress=progress)}
    early = {m.student: _up_to_question(first[m.student], m, order) for m in mutants if killed_early(m, first[m.student], order)}
    early.update({m.student: first[m.student] for m in mutants if order and m.question == order[-1] and not first[m.student].grader_fault})
    whole = [m for m in mutants if m.student not in early]
    write_class(course, notebook, whole, out / "class")
    results = {r.submission.student: r for r in grade_class(out / "class", out, config, notebooks=[notebook], progress=progress)}
    results.update(early)
    baseline = results[BASELINE]
    if baseline.score < baseline.max_score:
        raise MutationError(
            f"the unmutated solution of {notebook} scores {baseline.score:g}/{baseline.max_score:g} "
            f"({baseline.status.value}: {baseline.message or 'see ' + str(out / 'feedback' / BASELINE)}). "
            "Mutants are compared with full marks: make the solution pass first (`grader build`, `grader grade`)."
        )
    outcomes = tuple(classify(m, results[m.student], baseline.max_score, equivalents) for m in mutants)
    report = MutationReport(notebook, outcomes, time.monotonic() - started)
    write_csv(report, out / "mutants.csv")
    return report


def write_csv(report: MutationReport, path: Path) -> None:
    """One row per mutant: where it changed what, and how its grading ended."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_FIELDS)
        for o in report.outcomes:
            m = o.mutant
            writer.writerow([m.id, m.question, m.operator, m.cell, m.line, m.column, m.before, m.after, o.outcome,
                             f"{o.score:g}", f"{o.max_score:g}", o.run_status, " ".join(o.lost), f"{o.seconds:.1f}", m.student])
