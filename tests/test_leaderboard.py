"""The projects' leaderboards: trusted held-out scores ranked, pseudonyms by default, each student told their own."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from grader.judge import judge_question
from grader.ledger import Ledger
from grader.outcomes import CellRecord, Execution, HeldOutScore, NotebookResult, RunStatus, Status, Submission, Verdict
from grader.probe_verdicts import JudgeContext
from grader.report import write_reports
from grader.report.leaderboard import LEADERBOARD_HEADER, Pseudonyms, leaderboard, leaderboards
from keras_course.channel import write_probe
from keras_course.probes import ModelProbe, ModelRequirements, ModelRule
from keras_course.question import Exercise, Question, Requirement

PROJECT = "15_digit_recognition"
SECRET = b"course secret"


def _accuracy(value: float) -> HeldOutScore:
    return HeldOutScore("accuracy", value, True, 0.9)


def _result(student: str, heldout: HeldOutScore | None, notebook: str = PROJECT, question: str = "q4_cnn") -> NotebookResult:
    status = Status.PASSED if heldout and heldout.meets_goal else Status.FAILED
    verdicts = (
        Verdict("q1_prepare", Status.PASSED, 2.0, 2.0, "Correct."),
        Verdict(question, status, 4.0 if status is Status.PASSED else 0.0, 4.0, "", heldout=heldout),
    )
    return NotebookResult(Submission(student, notebook, None), RunStatus.COMPLETED, "ran", verdicts)


@pytest.fixture
def results() -> list[NotebookResult]:
    return [
        _result("ada", _accuracy(0.95)),
        _result("bob", _accuracy(0.88)),  # scored, below the goal: ranked, marked "not yet"
        _result("cy", _accuracy(0.95)),  # ties ada
        _result("dee", None),  # broke the budget: no trusted score, not ranked
        _result("eve", _accuracy(0.99), notebook="05_first_keras_model", question="q4_cnn"),  # no board there
    ]


def test_pseudonyms_are_stable_keyed_by_the_secret_and_never_shared():
    students = [f"student{i:04d}" for i in range(3000)]  # far more than 64 x 64 / 2: clashes must happen
    names = Pseudonyms(SECRET, students)
    assert len({names[s] for s in students}) == len(students)
    assert Pseudonyms(SECRET, reversed(students))["student0007"] == names["student0007"]
    other = Pseudonyms(b"another course", students)
    assert sum(other[s] == names[s] for s in students) < 300, "without the secret, pseudonyms cannot be computed"
    assert all(name.count("-") >= 1 for name in (names[s] for s in students[:50]))


def test_the_board_ranks_trusted_scores_ties_share_a_rank_and_models_over_budget_are_left_out(results):
    board = leaderboard(results, PROJECT, "q4_cnn", Pseudonyms(SECRET, ["ada", "bob", "cy", "dee"]))
    assert [(e.rank, e.student, e.score.value) for e in board] == [(1, "ada", 0.95), (1, "cy", 0.95), (3, "bob", 0.88)]
    assert [e.score.meets_goal for e in board] == [True, True, False]


def test_a_lower_is_better_board_puts_the_smallest_error_first():
    errors = [_result(s, HeldOutScore("mae", v, False, 0.5)) for s, v in (("ada", 0.41), ("bob", 0.62), ("cy", 0.37))]
    board = leaderboard(errors, PROJECT, "q4_cnn", Pseudonyms(SECRET, ["ada", "bob", "cy"]))
    assert [(e.rank, e.student) for e in board] == [(1, "cy"), (2, "ada"), (3, "bob")]
    assert [e.score.meets_goal for e in board] == [True, True, False]


def _board_section(out: Path) -> str:
    """The "Leaderboards" section of the report, up to the next section."""
    return (out / "report.html").read_text().split("id='leaderboards'")[1].split("<h2")[0]


def test_reports_show_pseudonyms_by_default_and_tell_each_ranked_student_their_own(results, tmp_path):
    names = Pseudonyms(SECRET, [r.submission.student for r in results])
    boards = leaderboards(results, {PROJECT: "q4_cnn"}, names)
    write_reports(results, tmp_path, boards=boards)
    section = _board_section(tmp_path)
    assert names["ada"] in section and names["bob"] in section and names["dee"] not in section
    assert ">ada<" not in section and ">bob<" not in section, "student ids stay off the board by default"
    assert "not yet" in section
    with (tmp_path / "leaderboard.csv").open() as f:
        rows = list(csv.reader(f))
    assert rows[0] == LEADERBOARD_HEADER
    assert [r[:4] for r in rows[1:]] == [[PROJECT, "1", "ada", names["ada"]], [PROJECT, "1", "cy", names["cy"]],
                                         [PROJECT, "3", "bob", names["bob"]]]
    mine = (tmp_path / "feedback" / "bob" / f"{PROJECT}.html").read_text()
    assert f"you appear as {names['bob']}: rank 3 of 3" in mine
    assert "leaderboard" not in (tmp_path / "feedback" / "dee" / f"{PROJECT}.html").read_text()
    assert "leaderboard" not in (tmp_path / "feedback" / "eve" / "05_first_keras_model.html").read_text()


def test_names_on_the_board_only_when_the_instructor_asks(results, tmp_path):
    boards = leaderboards(results, {PROJECT: "q4_cnn"}, Pseudonyms(SECRET, ["ada", "bob", "cy", "dee"]))
    write_reports(results, tmp_path, boards=boards, names=True)
    section = _board_section(tmp_path)
    assert ">ada<" in section and ">bob<" in section


def test_a_class_without_projects_has_no_board_and_no_file(results, tmp_path):
    write_reports(results, tmp_path, boards={})
    assert "id='leaderboards'" not in (tmp_path / "report.html").read_text()
    assert not (tmp_path / "leaderboard.csv").exists()


def test_the_ledger_keeps_the_held_out_score(tmp_path):
    path = tmp_path / "ada.ipynb"
    path.write_text("{}")
    result = _result("ada", _accuracy(0.95))
    result = NotebookResult(Submission("ada", PROJECT, path), result.status, result.message, result.verdicts)
    ledger = Ledger(tmp_path / ".ledger", context="k")
    ledger.save(result)
    assert ledger.load(result.submission) == result


def test_an_exercise_cannot_name_a_leaderboard_question_it_does_not_have():
    question = Question(id="q1", points=1, title="one")
    assert Exercise("x", (question,), leaderboard="q1").leaderboard == "q1"
    with pytest.raises(KeyError, match="q9"):
        Exercise("x", (question,), leaderboard="q9")


# The score comes from the trusted scorer, through the judge ------------------------------------------


def _judged(tmp_path: Path, score: float, rules: tuple[ModelRule, ...] = ()) -> Verdict:
    probe = ModelProbe(heldout="digits", threshold=0.9, requirements=ModelRequirements(rules=rules), covers=("goal",))
    question = Question(id="q4_cnn", points=4, title="a CNN", probes=(probe,),
                        requirements=(Requirement("goal", "held-out accuracy at least 0.9"),))
    student = tmp_path / "student"
    student.mkdir(parents=True)
    (student / "q4_cnn.keras").write_bytes(b"saved model")
    write_probe(student, "q4_cnn", {"p0.model": {"type": "file", "name": "q4_cnn.keras"}})
    cells = (CellRecord(index=0, question="q4_cnn", hidden=True, error=None, ran=True, output_text=""),)
    execution = Execution(status=RunStatus.COMPLETED, message="", scratch=tmp_path, probe_dir=student, cells=cells)

    def trusted_scorer(model, heldout, metric, weights_of=()):
        assert model.read_bytes() == b"saved model" and heldout == "digits"
        return {"ok": True, "score": score, "layers": [], "params": 1000}

    return judge_question(question, execution, {}, JudgeContext(student, trusted_scorer))


def test_the_judge_passes_the_trusted_score_on_whether_the_goal_is_met_or_not(tmp_path):
    met = _judged(tmp_path / "met", 0.93)
    assert met.status is Status.PASSED and met.heldout == HeldOutScore("accuracy", 0.93, True, 0.9)
    missed = _judged(tmp_path / "missed", 0.85)
    assert missed.status is Status.FAILED and missed.heldout == HeldOutScore("accuracy", 0.85, True, 0.9)


def test_a_model_that_breaks_the_budget_gets_no_score_to_rank(tmp_path):
    over_budget = ModelRule("params", lambda report: "has too many parameters")
    verdict = _judged(tmp_path, 0.99, rules=(over_budget,))
    assert verdict.status is Status.FAILED and verdict.heldout is None
