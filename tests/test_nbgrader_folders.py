"""nbgrader's submitted/ and autograded/ folders, written so formgrader can open every graded submission."""

import logging
import shutil
from pathlib import Path

import nbformat
import nbgrader
import pytest

from grader.execute import add_watch_cells
from grader.nbgrader_folders import NbgraderFolders, autograded_notebook
from grader.normalize import nbgrader_meta, normalize
from grader.outcomes import NotebookResult, RunStatus, Status, Submission, Verdict
from grader.record import GradebookRecorder
from grader.sample_class import NOTEBOOK, make_submission, solution_answers

USER_GUIDE = Path(nbgrader.__file__).parent / "docs" / "source" / "user_guide"


def ran(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` as the sandbox leaves it: watch cells added, every code cell with an output naming its text."""
    add_watch_cells(nb)
    for count, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"ran: {cell.source[:30]!r}\n")]
        cell.execution_count = count
    return nb


@pytest.fixture
def exercise01(course, tmp_path):
    """Exercise 01 handed in by ada with the solution's answers, run, and written into nbgrader's folders."""
    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    handed_in = tmp_path / "class" / "ada" / f"{NOTEBOOK} (2).ipynb"  # a Colab name: nbgrader's is the exercise id
    handed_in.parent.mkdir(parents=True)
    nbformat.write(make_submission(source, released, solution_answers(source)), handed_in)
    executed = tmp_path / "executed.ipynb"
    graded = ran(normalize(nbformat.read(handed_in, as_version=4), source, released, seed=3))
    nbformat.write(graded, executed)
    verdicts = tuple(Verdict(c.metadata.nbgrader["grade_id"], Status.PASSED, c.metadata.nbgrader["points"],
                             c.metadata.nbgrader["points"], "Correct.") for c in source.cells if nbgrader_meta(c).get("grade"))
    result = NotebookResult(Submission("ada", NOTEBOOK, handed_in), RunStatus.COMPLETED, "ran", verdicts)
    out = tmp_path / "out"
    NbgraderFolders(out, {NOTEBOOK: source}, {NOTEBOOK: released}).write(result, executed)
    return out, result, source, graded


def test_folders_have_nbgraders_names_and_the_graded_notebook(exercise01):
    out, result, source, graded = exercise01
    submitted = out / "submitted" / "ada" / NOTEBOOK / f"{NOTEBOOK}.ipynb"
    autograded = out / "autograded" / "ada" / NOTEBOOK / f"{NOTEBOOK}.ipynb"
    assert submitted.read_bytes() == result.submission.path.read_bytes()
    nb = nbformat.read(autograded, as_version=4)
    nbformat.validate(nb)

    # Every source cell, in order, under its own id with nbgrader's metadata as the source has it.
    assert [c.get("id") for c in nb.cells] == [c.get("id") for c in source.cells]
    for cell, src in zip(nb.cells, source.cells, strict=True):
        assert cell.cell_type == src.cell_type
        assert cell.metadata["nbgrader"] == src.metadata["nbgrader"], src.id
        assert "grader" not in cell.metadata
    # The grader's own cells (seed prologue, kernel watch) are not the course's.
    assert not any("kernelwatch" in c.source or "_grader_random" in c.source for c in nb.cells)

    by_id = {c.id: c for c in nb.cells}
    outputs = {c.source: c.outputs for c in graded.cells if c.cell_type == "code"}
    for src in source.cells:
        meta, cell = src.metadata.nbgrader, by_id[src.id]
        if meta["grade"]:  # a test cell: the instructor's whole source, the visible and the hidden run's outputs
            assert "### BEGIN HIDDEN TESTS" in cell.source and cell.source == src.source
            visible, hidden = [c for c in graded.cells if c.metadata.get("grader", {}).get("question") == src.id]
            assert cell.outputs == visible.outputs + hidden.outputs and len(cell.outputs) == 2
            assert cell.execution_count == visible.execution_count
        elif meta["solution"]:  # the student's answer as graded, with its output
            assert "BEGIN SOLUTION" not in cell.source and cell.outputs == outputs[cell.source]
            assert cell.outputs[0].text.startswith("ran: ")


def test_formgraders_own_api_finds_the_submission_and_its_grades(exercise01):
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    out, result, source, _ = exercise01
    db_url = f"sqlite:///{out / 'gradebook.db'}"
    with GradebookRecorder(db_url) as recorder:
        recorder.prepare(NOTEBOOK, source)
        recorder.record(result)
    coursedir = CourseDirectory(root=str(out))
    coursedir.db_url = db_url
    api = NbGraderAPI(coursedir=coursedir)
    assert len(api.get_notebook_submission_indices(NOTEBOOK, NOTEBOOK)) == 1
    [submission] = api.get_submissions(NOTEBOOK)
    assert submission["student"] == "ada" and submission["autograded"]
    assert submission["score"] == pytest.approx(result.score) == pytest.approx(result.max_score)
    [notebook] = api.get_student_notebook_submissions("ada", NOTEBOOK)
    assert notebook["id"] is not None and notebook["score"] == pytest.approx(result.score)


def with_cell_ids(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` as nbformat 4.5 has it: every cell with an id (nbgrader's example course predates cell ids)."""
    nb.nbformat_minor = max(nb.nbformat_minor, 5)
    for index, cell in enumerate(nb.cells):
        cell["id"] = cell.get("id") or nbgrader_meta(cell).get("grade_id") or f"cell-{index}"
    return nb


def test_an_nbgrader_course_keeps_its_names_tasks_and_manual_answers(tmp_path):
    source = with_cell_ids(nbformat.read(USER_GUIDE / "source" / "ps1" / "problem1.ipynb", as_version=4))
    handed_in = tmp_path / "hacker" / "problem1.ipynb"
    handed_in.parent.mkdir()
    shutil.copyfile(USER_GUIDE / "submitted" / "hacker" / "ps1" / "problem1.ipynb", handed_in)
    result = NotebookResult(Submission("hacker", "ps1/problem1", handed_in), RunStatus.COMPLETED, "ran")
    NbgraderFolders(tmp_path / "out", {"ps1/problem1": source}, {"ps1/problem1": source}).write(result)  # not run here

    nb = nbformat.read(tmp_path / "out" / "autograded" / "hacker" / "ps1" / "problem1.ipynb", as_version=4)
    nbformat.validate(nb)
    assert (tmp_path / "out" / "submitted" / "hacker" / "ps1" / "problem1.ipynb").read_bytes() == handed_in.read_bytes()
    graded = [nbgrader_meta(c) for c in nb.cells if nbgrader_meta(c)]
    assert graded == [nbgrader_meta(c) for c in source.cells if nbgrader_meta(c)]
    assert any(m.get("task") for m in graded) and any(m.get("solution") and m.get("grade") for m in graded)
    assert nb.cells[0].cell_type == "markdown" and "did not run this notebook" in nb.cells[0].source
    student = nbformat.read(handed_in, as_version=4)
    answers = {nbgrader_meta(c)["grade_id"]: c.source for c in student.cells if nbgrader_meta(c).get("solution")}
    for cell in nb.cells:
        if nbgrader_meta(cell).get("solution"):
            assert cell.source == answers[nbgrader_meta(cell)["grade_id"]]


def test_a_broken_submission_still_opens_and_never_stops_the_rest(course, tmp_path, caplog):
    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    broken = tmp_path / "bob" / f"{NOTEBOOK}.ipynb"
    broken.parent.mkdir()
    broken.write_text("{ not a notebook")
    folders = NbgraderFolders(tmp_path / "out", {NOTEBOOK: source}, {NOTEBOOK: released})
    folders.write(NotebookResult(Submission("bob", NOTEBOOK, broken), RunStatus.INVALID, "We could not read your notebook."))
    nb = nbformat.read(tmp_path / "out" / "autograded" / "bob" / NOTEBOOK / f"{NOTEBOOK}.ipynb", as_version=4)
    assert "We could not read your notebook" in nb.cells[0].source
    released_answers = {c.id: c.source for c in released.cells if nbgrader_meta(c).get("solution")}
    assert {c.id: c.source for c in nb.cells if nbgrader_meta(c).get("solution")} == released_answers  # the stubs
    assert (tmp_path / "out" / "submitted" / "bob" / NOTEBOOK / f"{NOTEBOOK}.ipynb").read_text() == "{ not a notebook"

    with caplog.at_level(logging.WARNING):  # an exercise it has no source for: logged, not raised
        folders.write(NotebookResult(Submission("eve", "99_unknown", broken), RunStatus.INVALID, ""))
    assert "eve/99_unknown: could not write its nbgrader folders" in caplog.text
    folders.write(NotebookResult(Submission("kim", NOTEBOOK, None), RunStatus.MISSING, ""))  # nothing handed in, nothing written
    assert sorted(p.name for p in (tmp_path / "out" / "autograded").iterdir()) == ["bob"]


def test_duplicated_answers_keep_one_grade_id(course):
    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    student = make_submission(source, released, solution_answers(source))
    answer = next(c for c in student.cells if nbgrader_meta(c).get("solution"))
    student.cells.insert(student.cells.index(answer) + 1, nbformat.from_dict({**answer, "id": "copy"}))
    nb = autograded_notebook(ran(normalize(student, source, released)), source, released)
    grade_ids = [nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c)]
    assert grade_ids == [nbgrader_meta(c)["grade_id"] for c in source.cells]
    assert len(nb.cells) == len(source.cells) + 1 and len({c.id for c in nb.cells}) == len(nb.cells)
