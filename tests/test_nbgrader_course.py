"""nbgrader's own example course (shipped inside the nbgrader package) grades under its own names.

The course is ``source/ps1/problem1.ipynb`` and ``problem2.ipynb`` with the
submissions of ``bitdiddle`` and ``hacker`` in nbgrader's ``submitted/``
layout. Autograded scores must equal those in nbgrader's own ``grades.csv``
shipped beside them; manually graded answers and tasks count in the maximum,
are reported as awaiting manual grading and are left for formgrader.
"""

import copy
import csv
import io
import shutil
from pathlib import Path

import nbformat
import nbgrader
import pytest

from grader.build import build_course
from grader.cli import main
from grader.course import Course, CourseError
from grader.grade import grade_class
from grader.ingest import match_name

USER_GUIDE = Path(nbgrader.__file__).parent / "docs" / "source" / "user_guide"
STUDENTS = ("bitdiddle", "hacker")


def nbgrader_rows() -> dict[str, dict[str, str]]:
    """nbgrader's own ``grades.csv`` for the example course, by student."""
    with (USER_GUIDE / "grades.csv").open(newline="") as f:
        return {row["student_id"]: row for row in csv.DictReader(f) if row["assignment"] == "ps1"}


def walkthrough_rows() -> dict[str, dict[str, str]]:
    """The ``grades.csv`` that nbgrader's own walkthrough prints after ``nbgrader export``, by student."""
    walkthrough = nbformat.read(USER_GUIDE / "creating_and_grading_assignments.ipynb", as_version=4)
    cell = next(c for c in walkthrough.cells if c.cell_type == "code" and "cat grades.csv" in c.source)
    text = "".join(output.get("text", "") for output in cell.outputs)
    return {row["student_id"]: row for row in csv.DictReader(io.StringIO(text))}


def nbgrader_max_score(source: Path, db: Path) -> float:
    """ps1's maximum as nbgrader's own gradebook computes it from the source notebooks.

    Not the ``max_score`` column of the shipped ``grades.csv``: that file is a
    leftover of some docs build (it says 23.0 in nbgrader 0.9.6, and 9.0 in
    older versions), while nbgrader's gradebook gives 13 for these notebooks,
    as does the ``cat grades.csv`` output printed in nbgrader's own
    ``creating_and_grading_assignments.ipynb``.
    """
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import SaveCells

    url = f"sqlite:///{db}"
    with Gradebook(url) as gb:
        gb.update_or_create_assignment("ps1")
    for path in sorted(source.glob("*.ipynb")):
        resources = {"nbgrader": {"notebook": path.stem, "assignment": "ps1", "db_url": url}}
        SaveCells().preprocess(nbformat.read(path, as_version=4), copy.deepcopy(resources))
    with Gradebook(url) as gb:
        return gb.find_assignment("ps1").max_score


@pytest.fixture(scope="module")
def graded(config, tmp_path_factory):
    root = tmp_path_factory.mktemp("nbgrader-course")
    shutil.copytree(USER_GUIDE / "source" / "ps1", root / "source" / "ps1")
    for student in STUDENTS:
        shutil.copytree(USER_GUIDE / "submitted" / student, root / "submitted" / student)
    settings = config.with_overrides(course=root)
    build_course(Course(root), settings, progress=lambda _: None)
    results = grade_class(root / "submitted", root / "out", settings, progress=lambda _: None)
    return root, results


@pytest.mark.slow
def test_autograded_scores_and_maximum_match_nbgraders_own(graded, tmp_path):
    root, results = graded
    assert sorted({r.submission.notebook for r in results}) == ["ps1/problem1", "ps1/problem2"]
    expected, printed = nbgrader_rows(), walkthrough_rows()
    maximum = nbgrader_max_score(root / "source" / "ps1", tmp_path / "nbgrader.db")
    assert all(float(printed[student]["max_score"]) == maximum for student in STUDENTS)
    for student in STUDENTS:
        mine = [r for r in results if r.submission.student == student]
        score = float(expected[student]["score"])
        assert score == float(printed[student]["score"])
        assert sum(r.score for r in mine) == score, [r.verdicts for r in mine]
        assert sum(r.max_score for r in mine) == maximum
    # The gradebook the grader wrote, read through nbgrader's API (as `nbgrader export` reads it), gives the same.
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'out' / 'gradebook.db'}") as gb:
        for student in STUDENTS:
            submission = gb.find_submission("ps1", student)
            assert submission.score == float(expected[student]["raw_score"])
            assert submission.max_score == maximum
            assert submission.needs_manual_grade


@pytest.mark.slow
def test_manually_graded_cells_await_manual_grading_everywhere(graded):
    root, _ = graded
    out = root / "out"
    with (out / "grades.csv").open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["status"] == "awaiting_manual_grading"]
    manual = {"sum_of_squares_equation", "sum_of_squares_application", "cell-938593c4a215c6cc", "part-a", "part-b"}
    assert {r["question"] for r in rows} == manual
    assert len(rows) == len(manual) * len(STUDENTS) and all(r["score"] == "" for r in rows)
    assert {r["max_score"] for r in rows if r["question"] == "cell-938593c4a215c6cc"} == {"4"}  # a task counts too
    feedback = (out / "feedback" / "hacker" / "ps1" / "problem2.html").read_text()
    assert "awaiting manual grading" in feedback and "3 points" in feedback
    report = (out / "report.html").read_text()
    assert "Awaiting manual grading" in report and "ps1/problem2:part-b" in report

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        for question, notebook in (("part-a", "problem2"), ("cell-938593c4a215c6cc", "problem1")):
            grade = gb.find_grade(question, notebook, "ps1", "bitdiddle")
            assert grade.auto_score is None and grade.manual_score is None and grade.needs_manual_grade
        assert gb.find_grade("squares_invalid_input", "problem1", "ps1", "bitdiddle").auto_score == 1


def test_any_notebook_name_and_nbgraders_source_layout(tmp_path):
    ours = tmp_path / "ours"
    for name in ("solutions/add two.ipynb", "solutions/ps1/problem1.ipynb", "solutions/.ipynb_checkpoints/x.ipynb"):
        (ours / name).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nbformat.v4.new_notebook(), ours / name)
    assert Course(ours).notebook_ids() == ["add two", "ps1/problem1"]
    theirs = tmp_path / "theirs"
    shutil.copytree(USER_GUIDE / "source", theirs / "source")
    course = Course(theirs)
    assert course.nbgrader_layout and course.exercises_dir == theirs / "release"
    assert "ps1/problem1" in course.notebook_ids() and "header" not in course.notebook_ids()  # a header is no assignment


def test_a_notebook_is_matched_by_name_and_by_its_assignment_folder():
    assert match_name("Problem1.ipynb", ["ps1/problem1", "ps1/problem2"]) == "ps1/problem1"
    assert match_name("problem1.ipynb", ["ps1/problem1", "ps2/problem1"], folder="ps2") == "ps2/problem1"
    assert match_name("problem1.ipynb", ["ps1/problem1", "ps2/problem1"]) is None


def test_an_empty_build_is_an_error_that_says_where_it_looked(tmp_path, capsys):
    (tmp_path / "solutions").mkdir()
    with pytest.raises(CourseError, match="No source notebooks"):
        Course(tmp_path).require_notebooks()
    assert main(["build", "--course", str(tmp_path), "--no-sandbox"]) == 1
    assert "No source notebooks" in capsys.readouterr().err


def test_a_grade_that_matches_no_exercise_is_an_error_that_says_why(tmp_path, capsys):
    shutil.copytree(USER_GUIDE / "source" / "ps1", tmp_path / "course" / "source" / "ps1")
    (tmp_path / "class" / "ada").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "class" / "ada" / "homework.ipynb")
    code = main(["grade", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--course", str(tmp_path / "course"),
                 "--no-sandbox"])
    assert code == 1
    err = capsys.readouterr().err
    assert "matches an exercise" in err and "homework.ipynb" in err and "ps1/problem1" in err and "TIP" in err
