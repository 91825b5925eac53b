"""The course on disk: where solutions, exercises and answer keys are.

Example:

>>> course = Course(Path("."))  # doctest: +SKIP
>>> course.notebook_ids()  # doctest: +SKIP
['01_the_neuron']
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.exercises import load_exercise
from grader.question import Exercise, Question

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
    def solutions_dir(self) -> Path:
        return self.root / "solutions"

    @property
    def exercises_dir(self) -> Path:
        return self.root / "exercises"

    @property
    def private_dir(self) -> Path:
        """Answer keys and the held-out secret: never bound into a sandbox."""
        return self.root / ".grader"

    def notebook_ids(self) -> list[str]:
        if not self.solutions_dir.is_dir():
            raise CourseError(
                f"No solutions/ folder in {self.root}.\nTIP: run the grader from the course root or pass --course."
            )
        return sorted(p.stem for p in self.solutions_dir.glob("[0-9][0-9]_*.ipynb"))

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
        """The notebook's questions: its module in `grader.exercises`, or, for an
        ordinary nbgrader assignment without one, its grade cells (judged in the kernel).

        Raises:
            CourseError: the notebook has a question module that cannot be
                imported (the message carries the import error). The grader
                never falls back to in-kernel asserts for such a notebook.
        """
        if not exercise_module(notebook).exists():
            return exercise_from_notebook(notebook, self.read_source(notebook))
        try:
            return load_exercise(notebook)
        except Exception as exc:  # noqa: BLE001 - any failure to import a question module stops the command
            cause = exc.__cause__ if isinstance(exc, KeyError) and exc.__cause__ else exc
            raise CourseError(
                f"{exercise_module(notebook)} could not be imported: {type(cause).__name__}: {cause}.\n"
                "TIP: fix that import (try `python -c 'import grader.exercises.ex" + notebook + "'`) and run the command again."
            ) from exc

    def read_key(self, notebook: str, fingerprint: str) -> dict[str, Any] | None:
        """The answer key, or None when it is missing, unreadable or was built from
        anything else than what has ``fingerprint`` (see `grader.buildstate`)."""
        try:
            key = json.loads(self.key_path(notebook).read_text())
        except (OSError, ValueError):
            return None
        return key if isinstance(key, dict) and key.get("fingerprint") == fingerprint else None


def exercise_module(notebook: str) -> Path:
    """Where the question module of ``notebook`` lives (it may not exist).

    Example:

    >>> exercise_module("01_the_neuron").name
    'ex01_the_neuron.py'
    """
    import grader.exercises

    return Path(grader.exercises.__file__).parent / f"ex{notebook}.py"


def exercise_from_notebook(notebook: str, source: nbformat.NotebookNode) -> Exercise:
    """Questions without probes, one per nbgrader test cell: their asserts decide in the kernel."""
    from grader.normalize import role_of

    questions = []
    for cell in source.cells:
        role = role_of(cell)
        if role.kind == "test":
            points = float(cell.metadata["nbgrader"].get("points") or 0)
            questions.append(Question(id=role.grade_id, points=points, title=role.grade_id))
    return Exercise(notebook=notebook, questions=tuple(questions))
