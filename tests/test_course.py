"""Every exercise: the instructor's solution scores full marks, the blank release scores zero.

One class, graded once for the module: student "solution" hands in every
exercise with the instructor's answers, student "blank" every release as it
is. Each exercise is then its own test over that class's results.
"""

import nbformat
import pytest
from conftest import ROOT

from grader.course import Course
from grader.grade import grade_class
from grader.sample_class import make_submission, solution_answers

pytestmark = pytest.mark.slow
NOTEBOOKS = Course(ROOT).notebook_ids()


@pytest.fixture(scope="module")
def graded(course, config, tmp_path_factory):
    """The whole course's class graded: (results by (student, notebook), the output folder)."""
    root = tmp_path_factory.mktemp("course")
    for notebook in NOTEBOOKS:
        source, released = course.read_source(notebook), course.read_released(notebook)
        for student, nb in {"solution": make_submission(source, released, solution_answers(source)), "blank": released}.items():
            (root / "class" / student).mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, root / "class" / student / f"{notebook}.ipynb")
    results = grade_class(root / "class", root / "out", config)
    return {(r.submission.student, r.submission.notebook): r for r in results}, root / "out"


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_solution_full_marks_and_blank_zero(notebook, course, graded):
    results, out = graded
    solution, blank = results["solution", notebook], results["blank", notebook]
    assert solution.score == solution.max_score == course.exercise(notebook).points, solution.verdicts
    assert blank.score == 0 and blank.status.value == "completed", blank.verdicts
    assert all(v.status.value in {"not_attempted", "failed", "error"} for v in blank.verdicts)
    board = course.exercise(notebook).leaderboard
    if board:  # a project: the solution's model is ranked by its trusted held-out score, the blank one not at all
        ranked = [row for row in (out / "leaderboard.csv").read_text().splitlines()[1:] if row.startswith(f"{notebook},")]
        assert len(ranked) == 1 and ranked[0].split(",")[:3] == [notebook, "1", "solution"], ranked
        assert next(v for v in solution.verdicts if v.question == board).heldout.meets_goal


def test_the_class_holds_every_exercise_of_both_students(graded):
    results, _ = graded
    assert sorted(results) == sorted((student, n) for student in ("blank", "solution") for n in NOTEBOOKS)
