"""grader.record, through GradebookRecorder: what lands in nbgrader's gradebook, read back with nbgrader's own API.

That a question the grader failed on stays ungraded (never a zero) is in tests/test_faults.py.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook, MissingEntry

from grader.outcomes import NotebookResult, RunStatus, Status, Submission, Verdict
from grader.record import GradebookRecorder, create_gradebook


def _graded_cell(grade_id: str, points: float, solution: bool = False) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("# answer here" if solution else f"assert True  # {grade_id}")
    cell.metadata.nbgrader = {"grade": True, "solution": solution, "locked": not solution, "grade_id": grade_id,
                              "points": points, "schema_version": 3}
    return cell


SOURCE = nbformat.v4.new_notebook(cells=[_graded_cell("q1", 2), _graded_cell("q2", 3), _graded_cell("essay", 5, solution=True)])


def _result(tmp_path: Path, notebook: str, *verdicts: Verdict, student: str = "ada") -> NotebookResult:
    path = tmp_path / f"{student}.ipynb"
    path.write_text("{}")
    return NotebookResult(Submission(student, notebook, path), RunStatus.COMPLETED, "ran", verdicts)


def _verdict(question: str, score: float, max_score: float) -> Verdict:
    return Verdict(question, Status.PASSED if score == max_score else Status.FAILED, score, max_score, "message")


@pytest.fixture(scope="module")
def new_gradebook(tmp_path_factory) -> Path:
    """A gradebook the recorder created (once per module: each test copies it)."""
    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    with GradebookRecorder(f"sqlite:///{path}"):
        pass
    return path


@pytest.fixture
def url(tmp_path: Path, new_gradebook: Path) -> str:
    shutil.copyfile(new_gradebook, tmp_path / "gradebook.db")
    return f"sqlite:///{tmp_path / 'gradebook.db'}"


def _schema(path: Path) -> dict[str, object]:
    import sqlite3

    with sqlite3.connect(path) as db:
        tables = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name"))
        return {"tables": tables, "version": db.execute("SELECT version_num FROM alembic_version").fetchall()}


def test_a_new_gradebook_is_the_one_nbgrader_makes(new_gradebook, tmp_path, monkeypatch):
    """nbgrader's own `Gradebook` (which runs the alembic command) and `create_gradebook` make the same database."""
    import sys

    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{__import__('os').environ['PATH']}")
    theirs = tmp_path / "nbgrader.db"
    Gradebook(f"sqlite:///{theirs}").close()
    assert _schema(new_gradebook) == _schema(theirs)
    assert _schema(theirs)["version"], "stamped with nbgrader's migration head"
    assert not create_gradebook(f"sqlite:///{theirs}"), "an existing gradebook is left as it is"
    assert _schema(new_gradebook) == _schema(theirs)


def _record(url: str, notebook: str, *results: NotebookResult) -> None:
    with GradebookRecorder(url) as recorder:
        recorder.prepare(notebook, SOURCE)
        for result in results:
            recorder.record(result)


def test_each_question_gets_its_auto_score(url, tmp_path):
    _record(url, "hw1", _result(tmp_path, "hw1", _verdict("q1", 2, 2), _verdict("q2", 1, 3)))
    with Gradebook(url) as gb:
        assert gb.find_grade("q1", "hw1", "hw1", "ada").auto_score == 2
        q2 = gb.find_grade("q2", "hw1", "hw1", "ada")
        assert q2.auto_score == 1 and not q2.needs_manual_grade
        assert gb.find_submission_notebook("hw1", "hw1", "ada").score == 3
        assert {cell.name for cell in gb.find_notebook("hw1", "hw1").grade_cells} == {"q1", "q2", "essay"}


def test_a_rerun_replaces_the_auto_scores(url, tmp_path):
    _record(url, "hw1", _result(tmp_path, "hw1", _verdict("q1", 0, 2), _verdict("q2", 0, 3)))
    _record(url, "hw1", _result(tmp_path, "hw1", _verdict("q1", 2, 2), _verdict("q2", 3, 3)))
    with Gradebook(url) as gb:
        assert gb.find_submission_notebook("hw1", "hw1", "ada").score == 5
        assert len(gb.find_notebook("hw1", "hw1").grade_cells) == 3  # prepared twice, created once


def test_a_score_given_by_hand_stays_and_keeps_its_review_flag(url, tmp_path):
    _record(url, "hw1", _result(tmp_path, "hw1", _verdict("q1", 0, 2)))
    with Gradebook(url) as gb:
        grade = gb.find_grade("q1", "hw1", "hw1", "ada")
        grade.manual_score = 1.5
        gb.db.commit()
    _record(url, "hw1", _result(tmp_path, "hw1", _verdict("q1", 0, 2)))
    with Gradebook(url) as gb:
        grade = gb.find_grade("q1", "hw1", "hw1", "ada")
        assert grade.manual_score == 1.5 and grade.score == 1.5 and grade.needs_manual_grade


def test_a_manually_graded_answer_is_left_for_formgrader(url, tmp_path):
    _record(url, "hw1", _result(tmp_path, "hw1", _verdict("q1", 2, 2)))
    with Gradebook(url) as gb:
        essay = gb.find_grade("essay", "hw1", "hw1", "ada")
        assert essay.auto_score is None and essay.manual_score is None


def test_a_notebook_not_handed_in_is_not_stored(url, tmp_path):
    missing = NotebookResult(Submission("bob", "hw1", None, "no notebook handed in"), Status.NOT_ATTEMPTED, "No notebook.")
    _record(url, "hw1", missing)
    with Gradebook(url) as gb, pytest.raises(MissingEntry):
        gb.find_submission("hw1", "bob")


def test_a_question_the_gradebook_does_not_know_is_logged_and_the_rest_recorded(url, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="grader.record"):
        _record(url, "hw1", _result(tmp_path, "hw1", _verdict("q9_renamed", 1, 1), _verdict("q1", 2, 2)))
    assert "ada/hw1: no grade cell q9_renamed in the gradebook" in caplog.text
    with Gradebook(url) as gb:
        assert gb.find_grade("q1", "hw1", "hw1", "ada").auto_score == 2


def test_an_nbgrader_course_notebook_is_that_notebook_of_its_assignment(url, tmp_path):
    _record(url, "ps1/problem1", _result(tmp_path, "ps1/problem1", _verdict("q1", 2, 2)))
    with Gradebook(url) as gb:
        assert gb.find_grade("q1", "problem1", "ps1", "ada").auto_score == 2
        assert [a.name for a in gb.assignments] == ["ps1"]
