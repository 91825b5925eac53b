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

from grader.outcomes import NotebookResult, Status

log = logging.getLogger(__name__)


class GradebookRecorder:
    """Writes one run's results into an nbgrader gradebook.

    Each exercise notebook is its own nbgrader assignment with one notebook of
    the same name, so ``nbgrader export`` and formgrader see the usual layout.
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
        self.gradebook.update_or_create_assignment(notebook)
        try:
            existing = self.gradebook.find_notebook(notebook, notebook)
            known = bool(existing.grade_cells)
        except MissingEntry:
            known = False
        if not known:
            resources = {"nbgrader": {"notebook": notebook, "assignment": notebook, "db_url": self.db_url}}
            SaveCells().preprocess(copy.deepcopy(source), resources)
        self._prepared.add(notebook)

    def record(self, result: NotebookResult) -> None:
        """Store one submission's auto scores (missing submissions are not stored).

        A question the grader failed on (an infrastructure error) is left
        ungraded (no auto score) and flagged for review, never scored zero;
        as in nbgrader, so is a question someone graded by hand.
        """
        assert self.gradebook is not None
        sub = result.submission
        if sub.path is None:
            return
        gb = self.gradebook
        gb.update_or_create_student(sub.student)
        with warnings.catch_warnings():  # nbgrader's own autoflush warnings say nothing to act on
            warnings.simplefilter("ignore")
            gb.update_or_create_submission(sub.notebook, sub.student)
        for verdict in result.verdicts:
            try:
                grade = gb.find_grade(verdict.question, sub.notebook, sub.notebook, sub.student)
            except MissingEntry:
                log.warning("%s/%s: no grade cell %s in the gradebook", sub.student, sub.notebook, verdict.question)
                continue
            grade.auto_score = None if verdict.status is Status.INFRASTRUCTURE else verdict.score
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        gb.db.commit()
