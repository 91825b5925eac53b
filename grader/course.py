"""The course on disk: where solutions, exercises and answer keys are.

Two layouts are understood. Ours: ``solutions/<notebook>.ipynb`` (or
``solutions/<assignment>/<notebook>.ipynb``) released into ``exercises/``.
nbgrader's: ``source/<assignment>/<notebook>.ipynb`` released into
``release/<assignment>/``, used when there is no ``solutions/`` folder. Any
notebook name works; a notebook in an assignment folder has the id
``<assignment>/<notebook>``.

Example:

>>> course = Course(Path("."))  # doctest: +SKIP
>>> course.notebook_ids()  # doctest: +SKIP
['01_the_neuron']
>>> Course(Path("nbgrader-course")).notebook_ids()  # doctest: +SKIP
['ps1/problem1', 'ps1/problem2']
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from keras_course.exercises import load_exercise
from keras_course.question import Exercise, Question

if TYPE_CHECKING:
    import nbformat


class CourseError(RuntimeError):
    """The course folder is missing something the command needs."""


@dataclass(frozen=True)
class Course:
    """Paths of one course folder (the repository root).

    Args:
        root: the folder holding ``solutions/`` and ``exercises/``.
    """

    root: Path

    @property
    def nbgrader_layout(self) -> bool:
        """True for nbgrader's ``source/<assignment>/`` layout (no ``solutions/`` folder)."""
        return not (self.root / "solutions").is_dir() and (self.root / "source").is_dir()

    @property
    def solutions_dir(self) -> Path:
        return self.root / ("source" if self.nbgrader_layout else "solutions")

    @property
    def exercises_dir(self) -> Path:
        return self.root / ("release" if self.nbgrader_layout else "exercises")

    @property
    def private_dir(self) -> Path:
        """Answer keys and the held-out secret: never bound into a sandbox."""
        return self.root / ".grader"

    def notebook_ids(self) -> list[str]:
        """Every source notebook, under any name: ``<notebook>`` or ``<assignment>/<notebook>``.

        nbgrader's layout counts only notebooks in assignment folders (a
        notebook directly in ``source/``, such as a header, is no assignment).

        Raises:
            CourseError: there is neither a ``solutions/`` nor a ``source/`` folder.
        """
        if not self.solutions_dir.is_dir():
            raise CourseError(
                f"No solutions/ (or nbgrader's source/) folder in {self.root}.\n"
                "TIP: run the grader from the course root or pass --course."
            )
        patterns = ("*/*.ipynb",) if self.nbgrader_layout else ("*.ipynb", "*/*.ipynb")
        found = {p.relative_to(self.solutions_dir).with_suffix("").as_posix() for pattern in patterns
                 for p in self.solutions_dir.glob(pattern) if _is_notebook(p, self.solutions_dir)}
        return sorted(found)

    def require_notebooks(self) -> list[str]:
        """`notebook_ids`, or a `CourseError` that says where notebooks were looked for.

        Example:

        >>> import tempfile
        >>> root = Path(tempfile.mkdtemp())
        >>> (root / "solutions").mkdir()
        >>> Course(root).require_notebooks()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        grader.course.CourseError: No source notebooks in .../solutions: nothing to build or grade.
        TIP: put the instructor's nbgrader notebooks in solutions/<notebook>.ipynb or ...
        """
        notebooks = self.notebook_ids()
        if not notebooks:
            where = self.solutions_dir.relative_to(self.root)
            raise CourseError(
                f"No source notebooks in {self.root / where}: nothing to build or grade.\n"
                f"TIP: put the instructor's nbgrader notebooks in {where}/<notebook>.ipynb "
                f"or {where}/<assignment>/<notebook>.ipynb (nbgrader's source/ layout also works)."
            )
        return notebooks

    def source_path(self, notebook: str) -> Path:
        return self.solutions_dir / f"{notebook}.ipynb"

    def released_path(self, notebook: str) -> Path:
        return self.exercises_dir / f"{notebook}.ipynb"

    def key_path(self, notebook: str) -> Path:
        return self.private_dir / "keys" / f"{notebook}.json"

    def read_source(self, notebook: str) -> nbformat.NotebookNode:
        import nbformat  # imported when needed: a build with nothing to do never reads a notebook

        return nbformat.read(self.source_path(notebook), as_version=4)

    def read_released(self, notebook: str) -> nbformat.NotebookNode:
        import nbformat

        path = self.released_path(notebook)
        if not path.exists():
            raise CourseError(f"{path} is missing.\nTIP: run `grader build` first.")
        return nbformat.read(path, as_version=4)

    def exercise(self, notebook: str) -> Exercise:
        """The notebook's questions: its module in `keras_course.exercises`, or, for an
        ordinary nbgrader assignment without one, its grade cells (judged in the kernel).
        Manually graded answers and tasks of the source notebook come last in
        both cases (`manual_questions`).

        Raises:
            CourseError: the notebook has a question module that cannot be
                imported (the message carries the import error). The grader
                never falls back to in-kernel asserts for such a notebook.
        """
        if not exercise_module(notebook).exists():
            return exercise_from_notebook(notebook, self.read_source(notebook))
        try:
            exercise = load_exercise(notebook)
        except Exception as exc:  # noqa: BLE001 - any failure to import a question module stops the command
            cause = exc.__cause__ if isinstance(exc, KeyError) and exc.__cause__ else exc
            raise CourseError(
                f"{exercise_module(notebook)} could not be imported: {type(cause).__name__}: {cause}.\n"
                "TIP: fix that import (try `python -c 'import keras_course.exercises.ex" + notebook + "'`) and run the command again."
            ) from exc
        manual = manual_questions(self.read_source(notebook))
        return replace(exercise, questions=exercise.questions + manual) if manual else exercise

    def read_key(self, notebook: str, fingerprint: str) -> dict[str, Any] | None:
        """The answer key, or None when it is missing, unreadable or was built from
        anything else than what has ``fingerprint`` (see `grader.buildstate`)."""
        try:
            key = json.loads(self.key_path(notebook).read_text())
        except (OSError, ValueError):
            return None
        return key if isinstance(key, dict) and key.get("fingerprint") == fingerprint else None


def _is_notebook(path: Path, top: Path) -> bool:
    """A real notebook file, not one in a hidden folder or ``.ipynb_checkpoints``."""
    parts = path.relative_to(top).parts
    return path.is_file() and not any(part.startswith(".") for part in parts)


def gradebook_names(notebook: str) -> tuple[str, str]:
    """``(assignment, notebook)`` names of a notebook id in nbgrader's gradebook.

    Example:

    >>> gradebook_names("ps1/problem1")
    ('ps1', 'problem1')
    >>> gradebook_names("01_the_neuron")
    ('01_the_neuron', '01_the_neuron')
    """
    assignment, _, name = notebook.rpartition("/")
    return (assignment or name, name)


def exercise_module(notebook: str) -> Path:
    """Where the question module of ``notebook`` lives (it may not exist).

    Example:

    >>> exercise_module("01_the_neuron").name
    'ex01_the_neuron.py'
    """
    import keras_course.exercises

    return Path(keras_course.exercises.__file__).parent / f"ex{notebook}.py"


def exercise_from_notebook(notebook: str, source: nbformat.NotebookNode) -> Exercise:
    """Questions without probes, one per nbgrader test cell: their asserts decide in the kernel.

    The notebook's manually graded answers and tasks follow (`manual_questions`).
    """
    from grader.normalize import role_of

    questions = []
    for cell in source.cells:
        role = role_of(cell)
        if role.kind == "test":
            points = float(cell.metadata["nbgrader"].get("points") or 0)
            questions.append(Question(id=role.grade_id, points=points, title=role.grade_id))
    return Exercise(notebook=notebook, questions=tuple(questions) + manual_questions(source))


def is_manually_graded(cell: nbformat.NotebookNode) -> bool:
    """An nbgrader "manually graded answer" (grade and solution) or "manually graded task".

    Example:

    >>> from nbformat.v4 import new_markdown_cell
    >>> is_manually_graded(new_markdown_cell("...", metadata={"nbgrader": {"grade": True, "solution": True}}))
    True
    >>> is_manually_graded(new_markdown_cell("...", metadata={"nbgrader": {"grade": True}}))
    False
    """
    from grader.normalize import nbgrader_meta

    meta = nbgrader_meta(cell)
    return bool(meta.get("task") or (meta.get("grade") and meta.get("solution")))


def manual_questions(source: nbformat.NotebookNode) -> tuple[Question, ...]:
    """One question per manually graded cell, in notebook order: a person grades them in formgrader.

    Their points count in the notebook's maximum; the grader leaves them
    awaiting manual grading (`grader.outcomes.Status.AWAITING_MANUAL`).
    """
    from grader.normalize import role_of

    questions = []
    for cell in source.cells:
        if is_manually_graded(cell):
            grade_id = role_of(cell).grade_id
            points = float(cell.metadata["nbgrader"].get("points") or 0)
            questions.append(Question(id=grade_id, points=points, title=grade_id, manual=True))
    return tuple(questions)
