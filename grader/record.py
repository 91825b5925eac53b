"""Record scores in nbgrader's gradebook, opened once per run.

Any SQLAlchemy URL works (SQLite by default, PostgreSQL with ``--db``), so
nbgrader's feedback, export and formgrader keep working on our grades.

Example:

>>> with GradebookRecorder("sqlite:///gradebook.db") as recorder:  # doctest: +SKIP
...     recorder.prepare("01_the_neuron", source_notebook)
...     recorder.record(result)
"""

from __future__ import annotations

import copy
import logging
import os
import sys
import warnings
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import SaveCells

from grader.course import gradebook_names
from grader.outcomes import NotebookResult

log = logging.getLogger(__name__)


class GradebookRecorder:
    """Writes one run's results into an nbgrader gradebook.

    Each exercise notebook is its own nbgrader assignment with one notebook of
    the same name, and a notebook ``<assignment>/<notebook>`` of an nbgrader
    course is that notebook of that assignment (`grader.course.gradebook_names`),
    so ``nbgrader export`` and formgrader see the usual layout.
    """

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.gradebook: Gradebook | None = None
        self._prepared: set[str] = set()

    def __enter__(self) -> GradebookRecorder:
        # nbgrader creates a new database by running `alembic`: find it next to this Python.
        bin_dir = str(Path(sys.executable).parent)
        if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
        self.gradebook = Gradebook(self.db_url)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.gradebook is not None:
            self.gradebook.close()

    def prepare(self, notebook: str, source: nbformat.NotebookNode) -> None:
        """Make sure the assignment and its grade cells exist (nbgrader's SaveCells)."""
        assert self.gradebook is not None
        if notebook in self._prepared:
            return
        assignment, name = gradebook_names(notebook)
        self.gradebook.update_or_create_assignment(assignment)
        try:
            existing = self.gradebook.find_notebook(name, assignment)
            known = bool(existing.grade_cells or existing.task_cells)
        except MissingEntry:
            known = False
        if not known:
            resources = {"nbgrader": {"notebook": name, "assignment": assignment, "db_url": self.db_url}}
            SaveCells().preprocess(copy.deepcopy(source), resources)
        self._prepared.add(notebook)

    def record(self, result: NotebookResult) -> None:
        """Store one submission's auto scores (missing submissions are not stored).

        A question the grader failed on (an infrastructure error) is left
        ungraded (no auto score) and flagged for review, never scored zero;
        as in nbgrader, so is a manually graded answer or task (formgrader
        lists it as needing grading) and a question someone graded by hand.
        """
        assert self.gradebook is not None
        sub = result.submission
        if sub.path is None:
            return
        gb = self.gradebook
        assignment, name = gradebook_names(sub.notebook)
        gb.update_or_create_student(sub.student)
        with warnings.catch_warnings():  # nbgrader's own autoflush warnings say nothing to act on
            warnings.simplefilter("ignore")
            gb.update_or_create_submission(assignment, sub.student)
        for verdict in result.verdicts:
            try:
                grade = gb.find_grade(verdict.question, name, assignment, sub.student)
            except MissingEntry:
                log.warning("%s/%s: no grade cell %s in the gradebook", sub.student, sub.notebook, verdict.question)
                continue
            grade.auto_score = None if verdict.status.ungraded else verdict.score
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        gb.db.commit()
