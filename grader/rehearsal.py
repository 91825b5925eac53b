"""A student's rehearsal of grading: run a notebook as the grader would, visible checks only.

The same code serves ``grader check NOTEBOOK`` in a terminal and a notebook cell:

>>> from grader.rehearsal import rehearse
>>> rehearse("01_the_neuron.ipynb")  # doctest: +SKIP
01_the_neuron: the notebook ran to the end (14.2 s)
  [ok]    q1_weighted_sum (2 pt): visible checks pass
  [todo]  q2_step (2 pt): step(0.0) returned 0, but it should return 1.
          hint: ...
Visible checks pass for 2 of 10 points. Hidden tests decide the grade.

It uses the grader's sandbox when bubblewrap is installed, and says so when it
is not. Hidden tests never run here, so the real grade may differ.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.config import GraderConfig, load_config
from grader.course import Course
from grader.execute import ExecutionRequest, execute
from grader.ingest import InvalidNotebook, match_metadata, match_name, read_submission
from grader.normalize import normalize
from grader.outcomes import Execution
from grader.sandbox import SandboxUnavailable, find_bwrap
from keras_course.exercises import load_exercise


class RehearsalError(ValueError):
    """The notebook cannot be rehearsed; the message says what to do."""


@dataclass(frozen=True)
class QuestionResult:
    """One question in a rehearsal: did its visible checks pass, and if not, why and a hint."""

    id: str
    points: float
    ok: bool
    problem: str = ""
    hint: str = ""


@dataclass(frozen=True)
class Rehearsal:
    """What a rehearsal found; ``str()`` gives the text `grader check` prints."""

    notebook: str
    message: str
    seconds: float
    questions: tuple[QuestionResult, ...]
    sandboxed: bool

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions if q.ok)

    @property
    def max_points(self) -> float:
        return sum(q.points for q in self.questions)

    def __str__(self) -> str:
        lines = [] if self.sandboxed else ["Note: bubblewrap is not installed, so this rehearsal runs without the grader's sandbox."]
        lines.append(f"{self.notebook}: {self.message} ({self.seconds:.1f} s)")
        for q in self.questions:
            if q.ok:
                lines.append(f"  [ok]    {q.id} ({q.points:g} pt): visible checks pass")
            else:
                lines.append(f"  [todo]  {q.id} ({q.points:g} pt): {q.problem}")
                if q.hint:
                    lines.append(f"          hint: {q.hint}")
        lines.append(f"Visible checks pass for {self.points:g} of {self.max_points:g} points. Hidden tests decide the grade.")
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # IPython shows the text, not a dataclass repr
        printer.text(str(self))


def known_exercises(course: Path) -> list[str]:
    """The course's exercise ids; a student without solutions/ gets the package's exercises."""
    try:
        return Course(course).notebook_ids()
    except Exception:  # noqa: BLE001 - no solutions/ here: fall back to the installed package
        import keras_course.exercises

        package = Path(keras_course.exercises.__file__).parent
        return sorted(p.stem[2:] for p in package.glob("ex[0-9][0-9]_*.py"))


def exercise_id(path: Path, course: Path) -> str | None:
    """Which exercise a notebook is, by its metadata first, then by its (possibly mangled) name."""
    known = known_exercises(course)
    return match_metadata(path, known) or match_name(path.name, known)


def _released(notebook_id: str, course: Path, student: nbformat.NotebookNode) -> nbformat.NotebookNode:
    try:
        path = Course(course).released_path(notebook_id)
    except Exception:  # noqa: BLE001 - a student's folder is not a course
        return student
    return nbformat.read(path, as_version=4) if path.exists() else student


def _question_results(notebook_id: str, execution: Execution) -> tuple[QuestionResult, ...]:
    results = []
    for question in load_exercise(notebook_id).questions:
        cells = [c for c in execution.cells if c.question == question.id and not c.hidden]
        ran = bool(cells) and all(c.error is None for c in cells) and "visible check" in "".join(c.output_text for c in cells)
        if ran:
            results.append(QuestionResult(question.id, question.points, True))
        else:
            error = next((c.error for c in cells if c.error), None)
            problem = error.message if error else "this question's checks did not run"
            hint = question.hints[0] if question.hints else ""
            results.append(QuestionResult(question.id, question.points, False, problem, hint))
    return tuple(results)


def rehearse(notebook: str | Path, config: GraderConfig | None = None) -> Rehearsal:
    """Run ``notebook`` with its visible checks, as the grader would, and say how each question does.

    Args:
        notebook: the path of your exercise notebook.
        config: settings (limits, sandbox). Defaults to the course's, read from the current folder.

    Raises:
        RehearsalError: when the file is not one of the course's exercises or cannot be read.
    """
    path = Path(notebook)
    config = config or load_config()
    if not path.is_file():
        raise RehearsalError(f"{path} does not exist. Pass the path of your exercise notebook, such as 01_the_neuron.ipynb.")
    notebook_id = exercise_id(path, config.course)
    if notebook_id is None:
        raise RehearsalError(f"{path.name} is not one of the course's exercises. Name it like 01_the_neuron.ipynb.")
    try:
        student = read_submission(path)
    except (InvalidNotebook, OSError) as exc:
        raise RehearsalError(f"We could not read {path}: {exc}.") from exc
    sandboxed = config.sandbox
    if sandboxed:
        try:
            find_bwrap()
        except SandboxUnavailable:
            sandboxed = False
    released = _released(notebook_id, config.course, student)
    nb = normalize(student, released, released, seed=config.seed, hidden=False)
    with tempfile.TemporaryDirectory(prefix="grader-check-") as tmp:
        execution = execute(ExecutionRequest(notebook=nb, scratch=Path(tmp), limits=config.limits, sandbox=sandboxed))
    return Rehearsal(notebook_id, execution.message, execution.seconds, _question_results(notebook_id, execution), sandboxed)
