"""Where notebooks run: a local pool (with a GPU per worker), a Dask cluster, and the progress shown meanwhile."""

from __future__ import annotations

import nbformat
import pytest
from tiny_course import tiny_class

from grader.grade import grade_class
from grader.jobs import PackedResult, _read_probe_files, unpack_result
from grader.outcomes import Execution, RunStatus
from grader.progress import LineProgress
from grader.sample_class import NOTEBOOK, make_submission, solution_answers


def _class(course, folder):
    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    for student, nb in {"correct": make_submission(source, released, solution_answers(source)), "blank": released}.items():
        (folder / student).mkdir(parents=True)
        nbformat.write(nb, folder / student / f"{NOTEBOOK}.ipynb")
    return folder


def test_probe_files_travel_as_bytes_without_links_or_paths(tmp_path):
    probes = tmp_path / "probes"
    probes.mkdir()
    (probes / "q1.json").write_text('{"p0.case0": 1}')
    (probes / "secret").symlink_to("/etc/passwd")
    (probes / "sub").mkdir()
    files = _read_probe_files(probes)
    assert files == {"q1.json": b'{"p0.case0": 1}'}
    from grader.jobs import JobResult

    execution = Execution(RunStatus.COMPLETED, "ok", scratch=tmp_path, probe_dir=tmp_path)
    packed = PackedResult(JobResult(execution, RunStatus.COMPLETED, "ok"), {**files, "../escape.json": b"x", "q2.json": b"{}"})
    result = unpack_result(packed, tmp_path / "coordinator")
    assert sorted(p.name for p in result.execution.probe_dir.iterdir()) == ["q1.json", "q2.json"]
    assert not (tmp_path / "escape.json").exists()
    notebook = PackedResult(JobResult(execution, RunStatus.COMPLETED, "ok"), {}, b'{"cells": []}')
    assert (unpack_result(notebook, tmp_path / "again").execution.scratch / "executed.ipynb").read_bytes() == b'{"cells": []}'



def test_line_progress_counts_and_estimates_what_is_left():
    lines = []
    progress = LineProgress(lines.append)
    progress.start(total=3, done=1)

    class Result:
        class submission:
            student, notebook = "ada", NOTEBOOK
        score, max_score, seconds = 10.0, 10.0, 2.5
        status = RunStatus.COMPLETED

    progress.update(Result)
    assert lines[0].startswith("[2/3] ada 01_the_neuron: 10/10 (completed, 2.5 s)") and "left" in lines[0]
    progress.update(Result)
    assert lines[1].startswith("[3/3]") and "left" not in lines[1]


@pytest.mark.slow
def test_a_dask_cluster_grades_the_class_and_the_coordinator_alone_writes_the_gradebook(course, config, tmp_path):
    from distributed import LocalCluster

    folder = _class(course, tmp_path / "class")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        results = grade_class(folder, tmp_path / "out", config.with_overrides(scheduler=cluster.scheduler_address), progress=lambda _: None)
    scores = {r.submission.student: r.score for r in results}
    assert scores == {"correct": 10, "blank": 0}
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tmp_path / 'out' / 'gradebook.db'}") as gradebook:
        assert gradebook.find_submission_notebook(NOTEBOOK, NOTEBOOK, "correct").score == 10


def _tiny_course(root):
    """Twenty submissions of a one-question course: right, wrong and unanswered in turn."""
    answers = ["def add(a, b):\n    return a + b", "def add(a, b):\n    return a * b", None]
    return tiny_class(root, "91_add", [answers[index % 3] for index in range(20)])


@pytest.mark.slow
def test_a_dask_worker_killed_mid_batch_changes_no_grade(config, tmp_path):
    import os
    import signal

    from distributed import Client, LocalCluster

    folder = _tiny_course(tmp_path)
    config = config.with_overrides(course=tmp_path)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        config = config.with_overrides(scheduler=cluster.scheduler_address)
        grade_class(folder, tmp_path / "clean", config, progress=lambda _: None)
        killed = []

        def kill_a_busy_worker(_line):
            if killed:
                return
            busy = {address: len(tasks) for address, tasks in client.processing().items() if tasks}
            address = max(busy, key=busy.get)
            os.kill(client.run(os.getpid, workers=[address])[address], signal.SIGKILL)
            killed.append(busy[address])

        results = grade_class(folder, tmp_path / "killed", config, progress=kill_a_busy_worker)
    assert killed and killed[0] >= 1, "the killed worker was running a submission"
    assert sorted(r.submission.student for r in results) == [f"s{i:02d}" for i in range(20)]  # each graded once
    assert not any(r.grader_fault for r in results)
    clean = (tmp_path / "clean" / "grades.csv").read_text()
    assert (tmp_path / "killed" / "grades.csv").read_text() == clean
    assert clean.count(",passed") == 7 and clean.count(",not_attempted") == 6


def _open_descriptors() -> int:
    import os

    return len(os.listdir("/proc/self/fd"))


@pytest.mark.slow
def test_grading_in_this_process_leaves_no_descriptors_behind(config, tmp_path):
    """Each graded notebook once left its kernel client's zmq sockets and contexts open (about 20 descriptors):
    past about 75 notebooks in one run, select() failed and every model-scored question became a grader fault."""
    folder = tiny_class(tmp_path, "91_add", ["def add(a, b):\n    return a + b"] * 8)
    config = config.with_overrides(course=tmp_path, workers=1)
    grade_class(folder, tmp_path / "first", config, progress=lambda _: None)
    before = _open_descriptors()
    grade_class(folder, tmp_path / "second", config, progress=lambda _: None)
    assert _open_descriptors() - before < 8, "a graded notebook leaves descriptors open in the grading process"
