"""End to end: a sample class for exercise 01 graded in the sandbox, as an instructor would."""

import csv
import shutil

import pytest

from grader.grade import grade_class
from grader.sample_class import NOTEBOOK, make_submission, solution_answers, write_sample_class

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(course, config, tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    folder, out = root / "class", root / "out"
    write_sample_class(course, folder, out)
    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    answers = solution_answers(source)
    answers["q1-answer"] = "def weighted_sum(x, w, b):\n    return x @ w  # the bias is forgotten\n"
    one_wrong = make_submission(source, released, answers)
    (folder / "one_wrong").mkdir()
    import nbformat

    nbformat.write(one_wrong, folder / "one_wrong" / f"{NOTEBOOK}.ipynb")
    (folder / "broken").mkdir()
    (folder / "broken" / f"{NOTEBOOK}.ipynb").write_text('{"cells": [ this is not json')
    renamed = folder / "colab_user"
    renamed.mkdir()
    shutil.copy(folder / "correct" / f"{NOTEBOOK}.ipynb", renamed / f"{NOTEBOOK} (2).ipynb")
    results = grade_class(folder, out, config)
    with (out / "grades.csv").open() as f:
        rows = list(csv.DictReader(f))
    return {r.submission.student: r for r in results}, rows, out


def test_solution_gets_full_marks(graded):
    results, _, _ = graded
    assert results["correct"].score == results["correct"].max_score == 10


def test_renamed_colab_download_is_matched_and_graded(graded):
    assert graded[0]["colab_user"].score == 10


def test_blank_exercise_gets_zero_without_crashing(graded):
    blank = graded[0]["blank"]
    assert blank.score == 0 and blank.status.value == "completed"
    assert {v.status.value for v in blank.verdicts} == {"not_attempted"}


def test_one_wrong_answer_loses_exactly_that_question(graded):
    verdicts = {v.question: v for v in graded[0]["one_wrong"].verdicts}
    assert verdicts["q1_weighted_sum"].score == 0
    assert all(v.score == v.max_score for q, v in verdicts.items() if q != "q1_weighted_sum")


def test_partial_and_malicious(graded):
    results, _, _ = graded
    assert results["partial"].score == 3  # q1 and q2 right, perceptron labels wrong, no model
    assert results["malicious"].score == 0  # an input transformer rewrote every later test cell


def test_invalid_notebook_is_reported_and_the_batch_goes_on(graded):
    results, rows, _ = graded
    assert {row["status"] for row in rows if row["student"] == "broken"} == {"invalid"}
    assert "not valid notebook JSON" in results["broken"].message


def test_outputs_follow_the_contract(graded):
    _, rows, out = graded
    assert list(rows[0]) == ["student", "notebook", "question", "score", "max_score", "status"]
    assert len(rows) == 7 * 4
    assert (out / "feedback" / "partial" / f"{NOTEBOOK}.html").exists()
    assert (out / "report.html").exists() and (out / "gradebook.db").exists()
    feedback = (out / "feedback" / "one_wrong" / f"{NOTEBOOK}.html").read_text()
    assert ".probe(" not in feedback and "case0" not in feedback


def test_gradebook_holds_the_scores(graded):
    from nbgrader.api import Gradebook

    _, _, out = graded
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        assert gb.find_submission(NOTEBOOK, "correct").score == 10
        assert gb.find_submission(NOTEBOOK, "one_wrong").score == 8
