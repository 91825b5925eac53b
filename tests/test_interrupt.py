"""A grading run stopped by SIGINT or SIGKILL, then run again, finishes; no submission runs twice."""

import os
import signal
import subprocess
import sys
import threading
import time

import nbformat
import pytest

from grader.config import Limits
from grader.execute import ExecutionRequest, execute
from grader.interrupt import stop_on_interrupt
from grader.sample_class import make_submission, solution_answers

pytestmark = pytest.mark.slow
NOTEBOOK = "02_activations_and_losses"
STUDENTS = [f"s{i}" for i in range(6)]


def grade_command(course, folder, out):
    return [sys.executable, "-m", "grader", "grade", str(folder), "--out", str(out), "--course", str(course.root), "--workers", "1"]


def wait_for_ledger(out, count, process, limit=120.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None:
        if len(list((out / ".ledger").glob("*.json"))) >= count:
            return
        time.sleep(0.05)
    raise AssertionError("the first run never finished a submission")


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT])
def test_stopped_run_resumes_and_grades_each_submission_once(course, tmp_path, stop):
    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    right = make_submission(source, released, solution_answers(source))
    for student in STUDENTS:
        (tmp_path / "class" / student).mkdir(parents=True)
        nbformat.write(right, tmp_path / "class" / student / f"{NOTEBOOK}.ipynb")
    out = tmp_path / "out"
    first = subprocess.Popen(grade_command(course, tmp_path / "class", out), stderr=subprocess.PIPE, text=True)
    wait_for_ledger(out, 2, first)
    first.send_signal(stop)
    _, err = first.communicate(timeout=60)
    if stop == signal.SIGINT:
        assert first.returncode == 1 and "run the same command again" in err
    finished = {p: p.stat().st_mtime_ns for p in (out / ".ledger").glob("*.json")}
    assert 2 <= len(finished) < len(STUDENTS)

    second = subprocess.run(grade_command(course, tmp_path / "class", out), capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert f"resuming: {len(finished)} of {len(STUDENTS)}" in second.stderr
    assert all(p.stat().st_mtime_ns == mtime for p, mtime in finished.items()), "a finished submission ran again"
    assert len(list((out / ".ledger").glob("*.json"))) == len(STUDENTS)

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        scores = {s: gb.find_submission(NOTEBOOK, s).score for s in STUDENTS}
    assert scores == {s: 11 for s in STUDENTS}
    rows = (out / "grades.csv").read_text().splitlines()
    assert len(rows) == 1 + 6 * len(STUDENTS)


def test_ctrl_c_in_a_cell_stops_the_run_and_is_never_the_students_dead_kernel(tmp_path):
    """nbclient's own SIGINT handler would shut the kernel down (a "dead kernel", the student's zero) and swallow it."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time\ntime.sleep(30)")])
    request = ExecutionRequest(notebook=nb, scratch=tmp_path, limits=Limits(), sandbox=False, watch=False)
    with stop_on_interrupt() as stop:
        ours = signal.getsignal(signal.SIGINT)
        timer = threading.Timer(5.0, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                execute(request)
        finally:
            timer.cancel()
        assert stop.requested
        assert signal.getsignal(signal.SIGINT) is ours, "the kernel client replaced the grader's handler"
        with pytest.raises(KeyboardInterrupt):
            stop.check()
