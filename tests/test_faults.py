"""A fault of the grader never costs a student a point: it is never cached, never scored, and graded again."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import nbformat
import psutil
import pytest

import keras_course.exercises
from grader.config import Limits
from grader.course import Course, CourseError
from grader.execute import ExecutionRequest, execute
from grader.jobs import Job, run_job
from grader.ledger import Ledger
from grader.modelscore import ModelScorerProcess, ScorerError
from grader.outcomes import NotebookResult, RunStatus, Status, Submission, Verdict
from grader.record import GradebookRecorder
from grader.sample_class import NOTEBOOK, make_submission, solution_answers

FAULT = Verdict("q4_logistic_model", Status.INFRASTRUCTURE, 0.0, 4.0, "The grader failed.", "ScorerError('died')")
PASSED = Verdict("q1_weighted_sum", Status.PASSED, 2.0, 2.0, "Correct.")


def _result(tmp_path: Path, *verdicts: Verdict, student: str = "ada") -> NotebookResult:
    path = tmp_path / f"{student}.ipynb"
    path.write_text("{}")
    return NotebookResult(Submission(student, NOTEBOOK, path), RunStatus.COMPLETED, "ran", verdicts)


# --- the ledger and the gradebook --------------------------------------------------------------


def test_the_ledger_never_keeps_a_grader_fault(tmp_path):
    ledger = Ledger(tmp_path / ".ledger", context="k")
    good, faulted = _result(tmp_path, PASSED, student="ada"), _result(tmp_path, PASSED, FAULT, student="bob")
    ledger.save(good)
    ledger.save(faulted)
    assert ledger.load(good.submission) == good
    assert ledger.load(faulted.submission) is None  # so running the same command again grades it again


def test_a_fault_after_a_finished_run_drops_the_old_entry_and_an_old_faulted_entry_is_not_reused(tmp_path):
    ledger = Ledger(tmp_path / ".ledger", context="k")
    result = _result(tmp_path, PASSED)
    ledger.save(result)
    ledger.save(_result(tmp_path, FAULT))
    assert ledger.load(result.submission) is None
    entry = ledger._path(result.submission)  # as an older grader wrote it: a cached fault
    ledger.save(result)
    entry.write_text(entry.read_text().replace('"passed"', '"infrastructure_error"'))
    assert ledger.load(result.submission) is None


def test_the_gradebook_leaves_a_grader_fault_ungraded_and_a_later_run_scores_it(course, tmp_path):
    from nbgrader.api import Gradebook

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with GradebookRecorder(url) as recorder:
        recorder.prepare(NOTEBOOK, course.read_source(NOTEBOOK))
        recorder.record(_result(tmp_path, PASSED, FAULT))
    with Gradebook(url) as gb:
        fault = gb.find_grade("q4_logistic_model", NOTEBOOK, NOTEBOOK, "ada")
        assert fault.auto_score is None and fault.needs_manual_grade  # never a zero
        assert gb.find_grade("q1_weighted_sum", NOTEBOOK, NOTEBOOK, "ada").auto_score == 2
    with GradebookRecorder(url) as recorder:
        recorder.prepare(NOTEBOOK, course.read_source(NOTEBOOK))
        recorder.record(_result(tmp_path, PASSED, Verdict("q4_logistic_model", Status.PASSED, 4.0, 4.0, "Correct.")))
    with Gradebook(url) as gb:
        grade = gb.find_grade("q4_logistic_model", NOTEBOOK, NOTEBOOK, "ada")
        assert grade.auto_score == 4 and not grade.needs_manual_grade


# --- the instructor's side failing is not the student's ---------------------------------------


def test_an_unreadable_instructor_notebook_is_an_infrastructure_error_that_names_it(course, tmp_path):
    student = tmp_path / "ada.ipynb"
    nbformat.write(course.read_released(NOTEBOOK), student)
    broken = tmp_path / "solutions" / f"{NOTEBOOK}.ipynb"
    broken.parent.mkdir()
    broken.write_text("{ not json")
    job = Job(Submission("ada", NOTEBOOK, student), broken, course.released_path(NOTEBOOK), tmp_path / "run", Limits(), False, 0)
    result = run_job(job)
    assert result.status is RunStatus.INFRASTRUCTURE and str(broken) in result.message
    missing = Job(Submission("ada", NOTEBOOK, student), course.source_path(NOTEBOOK), tmp_path / "gone.ipynb",
                  tmp_path / "run", Limits(), False, 0)
    assert run_job(missing).status is RunStatus.INFRASTRUCTURE and "gone.ipynb" in run_job(missing).message


def test_a_kernel_that_never_starts_is_an_infrastructure_error_not_a_crash(tmp_path):
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "ipykernel_launcher.py").write_text("raise SystemExit(3)\n")  # found before the real one
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('never runs')")])
    request = ExecutionRequest(nb, tmp_path / "run", Limits(), sandbox=False, env={"PYTHONPATH": str(fake)})
    execution = execute(request)
    assert execution.status is RunStatus.INFRASTRUCTURE, execution.message
    assert "could not start a Python kernel" in execution.message


def test_a_bad_import_in_a_question_module_stops_with_the_import_error(tmp_path, monkeypatch, course):
    (tmp_path / "ex98_broken.py").write_text("import no_such_module_anywhere\n")
    monkeypatch.setattr(keras_course.exercises, "__path__", [*keras_course.exercises.__path__, str(tmp_path)])
    monkeypatch.setattr("grader.course.exercise_module", lambda notebook: tmp_path / f"ex{notebook}.py")
    with pytest.raises(CourseError, match="ModuleNotFoundError: No module named 'no_such_module_anywhere'"):
        Course(course.root).exercise("98_broken")
    with pytest.raises(ModuleNotFoundError, match="no_such_module_anywhere"):
        keras_course.exercises.load_exercise("98_broken")
    with pytest.raises(KeyError, match="No exercise module"):
        keras_course.exercises.load_exercise("97_absent")
    importlib.invalidate_caches()


# --- the model scorer --------------------------------------------------------------------------

FAKE_SCORER = """
import json, os, sys, time
flag = sys.argv[1]
for line in sys.stdin:
    runs = int(open(flag).read()) if os.path.exists(flag) else 0
    open(flag, "w").write(str(runs + 1))
    mode = os.environ["FAKE_SCORER"]
    if mode == "die-leaving-a-child":  # the child keeps the answer pipe open after the scorer is gone
        import subprocess
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(10)"])
        os.kill(os.getpid(), 9)
    if mode == "die" or (mode == "die-once" and runs == 0):
        os.kill(os.getpid(), 9)
    if mode == "slow":
        time.sleep(30)
    print(json.dumps({"ok": True, "score": 1.0}), flush=True)
"""


@pytest.fixture
def fake_scorer(tmp_path, monkeypatch):
    """A scorer process that answers at once, or is killed, or is slow, as FAKE_SCORER says."""
    script, flag = tmp_path / "fake_scorer.py", tmp_path / "requests"
    script.write_text(FAKE_SCORER)
    starts = []

    def start(self):
        starts.append(1)
        return subprocess.Popen([sys.executable, str(script), str(flag)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    monkeypatch.setattr(ModelScorerProcess, "_start", start)
    return starts


def _ask(tmp_path):
    with ModelScorerProcess(tmp_path / "judge", sandbox=False) as scorer:
        return scorer._ask({"model": "m.keras"})


def test_a_killed_scorer_is_restarted_once_and_asked_again(tmp_path, monkeypatch, fake_scorer):
    monkeypatch.setenv("FAKE_SCORER", "die-once")
    assert _ask(tmp_path) == {"ok": True, "score": 1.0}
    assert len(fake_scorer) == 2


def test_a_scorer_killed_twice_raises_scorer_error_for_the_judge(tmp_path, monkeypatch, fake_scorer):
    monkeypatch.setenv("FAKE_SCORER", "die")
    with pytest.raises(ScorerError, match="died"):
        _ask(tmp_path)


def test_a_dead_scorer_is_noticed_even_when_its_child_holds_the_pipe(tmp_path, monkeypatch, fake_scorer):
    monkeypatch.setenv("FAKE_SCORER", "die-leaving-a-child")
    monkeypatch.setattr("grader.modelscore.REQUEST_TIMEOUT", 5.0)  # without noticing, this ends as a slow model
    with pytest.raises(ScorerError, match="died"):
        _ask(tmp_path)


def test_a_model_too_slow_to_score_stays_the_students_failure(tmp_path, monkeypatch, fake_scorer):
    monkeypatch.setenv("FAKE_SCORER", "slow")
    monkeypatch.setattr("grader.modelscore.REQUEST_TIMEOUT", 0.5)
    answer = _ask(tmp_path)
    assert answer["ok"] is False and "longer than" in answer["error"]
    assert len(fake_scorer) == 1  # not retried: the model, not the grader


# --- a whole run whose scorer is killed, then the same command again ---------------------------


def _write_class(course, folder: Path) -> Path:
    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    for student, nb in {"correct": make_submission(source, released, solution_answers(source)), "blank": released}.items():
        (folder / student).mkdir(parents=True)
        nbformat.write(nb, folder / student / f"{NOTEBOOK}.ipynb")
    return folder


@pytest.mark.slow
def test_a_killed_scorer_costs_no_points_and_the_same_command_again_finishes(course, config, tmp_path, monkeypatch):
    from nbgrader.api import Gradebook

    from grader.build import ensure_key
    from grader.grade import grade_class

    folder, out = _write_class(course, tmp_path / "class"), tmp_path / "out"
    ensure_key(course, NOTEBOOK, config)  # with a working scorer: the run below only grades
    start = ModelScorerProcess._start
    killed = []

    def killed_at_once(self):  # the scorer (bubblewrap and all in it) is killed whenever it starts: OOM killer, an operator
        process = start(self)
        tree = psutil.Process(process.pid)
        for member in [*tree.children(recursive=True), tree]:
            member.kill()
        killed.append(process.pid)
        return process

    monkeypatch.setattr(ModelScorerProcess, "_start", killed_at_once)
    lines: list[str] = []
    first = {r.submission.student: r for r in grade_class(folder, out, config, progress=lines.append)}
    fault = {v.question: v for v in first["correct"].verdicts}["q4_logistic_model"]
    assert fault.status is Status.INFRASTRUCTURE and first["correct"].grader_fault
    assert len(killed) == 4, "each attempt restarts the scorer once; the run grades the submission a second time"
    assert any("grading 1 submission(s) again" in line for line in lines)
    assert not first["blank"].grader_fault and first["blank"].score == 0  # no model to score: a grade as usual
    rows = (out / "grades.csv").read_text().splitlines()
    assert "correct,01_the_neuron,q4_logistic_model,,4,infrastructure_error" in rows
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        assert gb.find_grade("q4_logistic_model", NOTEBOOK, NOTEBOOK, "correct").auto_score is None
        assert gb.find_grade("q1_weighted_sum", NOTEBOOK, NOTEBOOK, "correct").auto_score == 2
    report = (out / "report.html").read_text()
    assert "The grader failed (not the students)" in report and "ScorerError" in report
    blank_entry = {p: p.stat().st_mtime_ns for p in (out / ".ledger").glob("*.json")}
    assert len(blank_entry) == 1  # only the blank submission was finished

    monkeypatch.setattr(ModelScorerProcess, "_start", start)
    lines.clear()
    second = {r.submission.student: r for r in grade_class(folder, out, config, progress=lines.append)}
    assert second["correct"].score == 10 and not second["correct"].grader_fault
    assert "resuming: 1 of 2" in lines[0]
    assert all(p.stat().st_mtime_ns == mtime for p, mtime in blank_entry.items()), "the finished one ran again"
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        assert gb.find_submission_notebook(NOTEBOOK, NOTEBOOK, "correct").score == 10
    assert "The grader failed" not in (out / "report.html").read_text()
