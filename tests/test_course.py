"""Every exercise: the instructor's solution scores full marks, the blank release scores zero."""

import nbformat
import pytest
from conftest import ROOT

from grader.course import Course
from grader.grade import grade_class
from grader.sample_class import make_submission, solution_answers

pytestmark = pytest.mark.slow
NOTEBOOKS = Course(ROOT).notebook_ids()


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_solution_full_marks_and_blank_zero(notebook, course, config, tmp_path):
    source, released = course.read_source(notebook), course.read_released(notebook)
    for student, nb in {"solution": make_submission(source, released, solution_answers(source)), "blank": released}.items():
        (tmp_path / "class" / student).mkdir(parents=True)
        nbformat.write(nb, tmp_path / "class" / student / f"{notebook}.ipynb")
    results = {r.submission.student: r for r in grade_class(tmp_path / "class", tmp_path / "out", config)}
    solution, blank = results["solution"], results["blank"]
    assert solution.score == solution.max_score == course.exercise(notebook).points, solution.verdicts
    assert blank.score == 0 and blank.status.value == "completed", blank.verdicts
    assert all(v.status.value in {"not_attempted", "failed", "error"} for v in blank.verdicts)
    board = course.exercise(notebook).leaderboard
    if board:  # a project: the solution's model is ranked by its trusted held-out score, the blank one not at all
        ranked = (tmp_path / "out" / "leaderboard.csv").read_text().splitlines()
        assert len(ranked) == 2 and ranked[1].split(",")[:3] == [notebook, "1", "solution"], ranked
        assert next(v for v in solution.verdicts if v.question == board).heldout.meets_goal
