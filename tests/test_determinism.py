"""The same class graded twice gives the same grades.csv; a correct solution passes under any seed."""

import nbformat
import pytest

from grader.grade import grade_class
from grader.sample_class import make_submission, solution_answers, write_sample_class

pytestmark = pytest.mark.slow


def test_grading_twice_gives_identical_grades(course, config, tmp_path):
    notebook = "02_activations_and_losses"
    source, released = course.read_source(notebook), course.read_released(notebook)
    right = solution_answers(source)
    students = {"right": right, "blank": {}, "half": {k: v for k, v in right.items() if k in {"q1-answer", "q3-answer", "q5-answer"}}}
    for student, answers in students.items():
        (tmp_path / "class" / student).mkdir(parents=True)
        nbformat.write(make_submission(source, released, answers), tmp_path / "class" / student / f"{notebook}.ipynb")
    grade_class(tmp_path / "class", tmp_path / "one", config)
    grade_class(tmp_path / "class", tmp_path / "two", config)
    grade_class(tmp_path / "class", tmp_path / "two", config, resume=False)
    assert (tmp_path / "one" / "grades.csv").read_text() == (tmp_path / "two" / "grades.csv").read_text()


def test_correct_solution_passes_under_five_seeds(course, config, tmp_path):
    write_sample_class(course, tmp_path / "class")
    for student in ("blank", "malicious", "partial"):
        for path in (tmp_path / "class" / student).iterdir():
            path.unlink()
        (tmp_path / "class" / student).rmdir()
    for seed in range(1, 6):
        results = grade_class(tmp_path / "class", tmp_path / f"out{seed}", config.with_overrides(seed=seed))
        assert [r.score for r in results] == [10], (seed, results[0].verdicts)
