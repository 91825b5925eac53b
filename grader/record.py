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
import warnings

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import SaveCells

from grader.course import gradebook_names
from grader.outcomes import NotebookResult

log = logging.getLogger(__name__)


def create_gradebook(db_url: str) -> bool:
    """Create an empty nbgrader gradebook at ``db_url`` as nbgrader's `Gradebook` does; False when one exists.

    nbgrader stamps a new database with the head of its own migrations by
    running the ``alembic`` command in a second Python process (about 3 s of a
    core on every first run here). This reads the same head from the same
    migration scripts in this process, so the database is the one nbgrader
    would make, and nbgrader then opens it as an existing gradebook.
    """
    from alembic.script import ScriptDirectory
    from nbgrader.api import Base
    from nbgrader.dbutil import ALEMBIC_DIR
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(db_url, future=True)
    try:
        if inspect(engine).get_table_names():
            return False
        (head,) = ScriptDirectory(ALEMBIC_DIR).get_heads()
        Base.metadata.create_all(bind=engine)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": head})
        return True
    finally:
        engine.dispose()


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
        create_gradebook(self.db_url)
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
