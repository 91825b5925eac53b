"""Tampering signals: what each detector sees, that honest work (however mangled) raises none, and where flags go."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.flags import (
    Flag,
    FlagKind,
    hidden_tests_without_data,
    imitated_passes,
    list_probe_folder,
    network_errors,
    notebook_flags,
    report_cell,
    touched_outside_probes,
)
from grader.kernelwatch import REPORT_MIME
from grader.ledger import Ledger
from grader.outcomes import CellRecord, Execution, NotebookResult, RunStatus, Status, Submission, Verdict
from grader.report import FLAGS_HEADER, write_reports

NOTEBOOK = "01_the_neuron"
SUB = Submission("mallory", NOTEBOOK, None)


def cell(index: int, role: str = "answer", output: str = "", error: str | None = None, question: str | None = None,
         hidden: bool = False, ran: bool = True) -> CellRecord:
    return CellRecord(index, question, hidden, error, ran, output, role)


def execution(tmp_path: Path, *cells: CellRecord, status: RunStatus = RunStatus.COMPLETED) -> Execution:
    probe_dir = tmp_path / "probes"
    probe_dir.mkdir(exist_ok=True)
    return Execution(status, "", tmp_path, probe_dir, cells=cells)


# ----------------------------------------------------------------- trusted detectors


def test_imitated_pass_matches_the_graders_own_line_exactly(course, capsys):
    from keras_course.exercises.ex01_the_neuron import q1  # noqa: PLC0415 - the real question prints the real line

    q1.check(lambda x, w, b: x @ w + b)
    real = capsys.readouterr().out
    assert imitated_passes([cell(4, output=real)])[0].flag is FlagKind.IMITATED_PASS
    assert imitated_passes([cell(5, role="extra", output="  [ok]    q1_weighted_sum (2 pt): visible checks pass\n")])
    assert imitated_passes([cell(6, role="test", output=real)]) == ()  # the visible check itself printed it
    honest = "All tests passed!\nall good: my 3 checks passed\nCorrect.\nq1: all checks passed\n"
    assert imitated_passes([cell(7, output=honest)]) == ()


def test_network_errors_in_outputs_and_errors():
    seen = network_errors([cell(3, output="network: [Errno 101] Network is unreachable\n"),
                           cell(5, error="URLError: <urlopen error [Errno -3] Temporary failure in name resolution>"),
                           cell(6, output="loss: 0.3 accuracy: 0.9\n")])
    assert [s.evidence for s in seen] == [
        "cell 3 (answer): network: [Errno 101] Network is unreachable",
        "cell 5 (answer): URLError: <urlopen error [Errno -3] Temporary failure in name resolution>",
    ]


def test_a_hidden_test_that_ran_cleanly_and_left_nothing(tmp_path):
    run = execution(tmp_path, cell(8, "test", question="q1", hidden=True), cell(9, "test", question="q2", hidden=True),
                    cell(10, "test", question="q3", hidden=True, error="NameError: name 'f' is not defined"),
                    cell(11, "test", question="q4", hidden=True, ran=False))
    (run.probe_dir / "q2.json").write_text("{}")
    seen = hidden_tests_without_data(run)
    assert [s.evidence for s in seen] == ["the hidden test of q1 (cell 8) ran without an error and wrote no probe data"]


def test_a_probe_file_behind_a_swapped_folder_is_not_data(tmp_path):
    real = tmp_path / "elsewhere"
    real.mkdir()
    (real / "q1.json").write_text("{}")
    run = Execution(RunStatus.COMPLETED, "", tmp_path, tmp_path / "probes", cells=(cell(8, "test", question="q1", hidden=True),))
    (tmp_path / "probes").symlink_to(real)
    assert len(hidden_tests_without_data(run)) == 1


def test_probe_folder_changes_outside_the_probe_call(tmp_path):
    folder = tmp_path / "probes"
    folder.mkdir()
    empty = list_probe_folder(folder)
    (folder / "q1.json").write_text("{}")
    (folder / "q1.keras").write_text("zip")
    written = list_probe_folder(folder)
    assert touched_outside_probes(empty, written, 9, "test", "q1", hidden=True) == ()
    assert len(touched_outside_probes(empty, written, 12, "test", "q2", hidden=True)) == 2
    os.utime(folder / "q1.json", ns=(1, 1))
    [seen] = touched_outside_probes(written, list_probe_folder(folder), 14, "test")
    assert seen.evidence == "q1.json was rewritten while cell 14 (test) ran"
    (folder / "q1.json").unlink()
    (folder / "q1.keras").unlink()
    folder.rmdir()
    folder.symlink_to("/tmp")
    [seen] = touched_outside_probes(empty, list_probe_folder(folder), 6, "answer")
    assert seen.evidence == "the probe folder was replaced by a link to /tmp while cell 6 (answer) ran"


def test_the_kernel_report_is_read_strictly():
    ran = {"execution_count": 30, "outputs": []}
    assert report_cell(ran)[0].flag is FlagKind.REPORT_MISSING
    assert report_cell({"execution_count": None, "outputs": []}) == ()  # the run stopped before it
    forged = {"seen": [["trace_hook", "sys.settrace left <lambda> set"], ["score", "100"], [1, 2], "x" * 10]}
    ran["outputs"] = [{"output_type": "display_data", "data": {REPORT_MIME: forged}}]
    assert [s.flag for s in report_cell(ran)] == [FlagKind.TRACE_HOOK]


KERNEL_SCRIPT = """
from IPython.core.interactiveshell import InteractiveShell
import json, grader.kernelwatch as watch
shell = InteractiveShell.instance()
shell.run_cell("import numpy as np, matplotlib\\nmatplotlib.use('Agg')\\nimport matplotlib.pyplot as plt\\nplt.plot([1, 2])")
watch.start()
shell.run_cell("import numpy as np\\nx = np.ones(3)\\nclass Point:\\n    def __eq__(self, other): return True\\nprint(x.sum())")
honest = watch.seen()
shell.run_cell({attack!r})
print(json.dumps([honest, watch.seen()]))
"""
ATTACKS = {
    "get_ipython().input_transformers_cleanup.append(lambda lines: lines)": FlagKind.INPUT_TRANSFORMER,
    "import ast\nget_ipython().ast_transformers.append(ast.NodeTransformer())": FlagKind.INPUT_TRANSFORMER,
    "get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)": FlagKind.EXCEPTION_HANDLER,
    "def forge(*a): pass\nget_ipython().events.register('post_run_cell', forge)": FlagKind.EVENT_HOOK,
    "import IPython.core.interactiveshell as s\ns.InteractiveShell.showtraceback = lambda *a, **k: None": FlagKind.TRACEBACK_PATCHED,
    "get_ipython()._showtraceback = print": FlagKind.TRACEBACK_PATCHED,
    "import sys\nsys.setprofile(lambda *a: None)": FlagKind.TRACE_HOOK,
    "import numpy\nnumpy.allclose = lambda *a, **k: True": FlagKind.FUNCTION_REPLACED,
    "import keras_course.question as q\nq.Question.probe = lambda self, answer: None": FlagKind.FUNCTION_REPLACED,
    "class Same(float):\n    def __ne__(self, other): return False": FlagKind.EQUALITY_OVERRIDDEN,
    "import socket\ntry:\n    socket.getaddrinfo('example.org', 80)\nexcept OSError:\n    pass": FlagKind.NETWORK,
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_the_kernel_watch_sees_each_change_and_nothing_in_honest_code(attack, tmp_path):
    script = KERNEL_SCRIPT.format(attack=attack)
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path), "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120, check=True)
    honest, seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert honest == []
    assert ATTACKS[attack].value in {kind for kind, _ in seen}, seen
    assert {kind for kind, _ in seen} <= {k.value for k in FlagKind}


# ----------------------------------------------------------------- where flags go


def flagged_result(student: str = "mallory") -> NotebookResult:
    sub = Submission(student, NOTEBOOK, Path(f"/class/{student}/{NOTEBOOK}.ipynb"))
    flags = (Flag(student, NOTEBOOK, FlagKind.INPUT_TRANSFORMER, "input_transformers_cleanup gained 1: <script>x</script>"),
             Flag(student, NOTEBOOK, FlagKind.HIDDEN_TEST_WITHOUT_DATA, "the hidden test of q1_weighted_sum (cell 8) ran"))
    return NotebookResult(sub, RunStatus.COMPLETED, "The notebook ran to the end.",
                          (Verdict("q1_weighted_sum", Status.FAILED, 0.0, 2.0, "The hidden test for this question left no result."),),
                          flags=flags)


def test_flags_go_to_flags_csv_and_the_report_only(tmp_path):
    result = flagged_result()
    honest = NotebookResult(Submission("ada", NOTEBOOK, Path("/class/ada/x.ipynb")), RunStatus.COMPLETED, "",
                            (Verdict("q1_weighted_sum", Status.PASSED, 2.0, 2.0, "Correct."),))
    write_reports([result, honest], tmp_path)
    with (tmp_path / "flags.csv").open() as f:
        rows = list(csv.reader(f))
    assert rows[0] == FLAGS_HEADER == ["student", "notebook", "flag", "evidence"]
    assert [r[:3] for r in rows[1:]] == [["mallory", NOTEBOOK, "input_transformer"], ["mallory", NOTEBOOK, "hidden_test_without_data"]]
    report = (tmp_path / "report.html").read_text()
    assert "What the grader saw" in report and "&lt;script&gt;x&lt;/script&gt;" in report and "<script>x" not in report
    assert "input_transformer, hidden_test_without_data</a>" in report  # mallory's row
    feedback = (tmp_path / "feedback" / "mallory" / f"{NOTEBOOK}.html").read_text()
    assert "input_transformer" not in feedback and "What the grader saw" not in feedback and "cleanup" not in feedback
    assert "flag" not in (tmp_path / "grades.csv").read_text()


def test_a_resumed_run_keeps_the_flags(tmp_path):
    result = flagged_result()
    notebook = tmp_path / "mallory.ipynb"
    notebook.write_text("{}")
    result = NotebookResult(Submission("mallory", NOTEBOOK, notebook), result.status, result.message, result.verdicts,
                            flags=result.flags)
    ledger = Ledger(tmp_path / ".ledger", context="k")
    ledger.save(result)
    assert ledger.load(result.submission).flags == result.flags


def test_no_execution_no_flags():
    assert notebook_flags(SUB, None) == ()


# ----------------------------------------------------------------- end to end


@pytest.mark.slow
def test_in_a_graded_class_only_the_attacker_is_flagged(course, config, tmp_path):
    from grader.grade import grade_class
    from grader.sample_class import write_mangled_class, write_sample_class

    folder, out = tmp_path / "class", tmp_path / "out"
    write_sample_class(course, folder, out)
    write_mangled_class(course, folder)
    results = {r.submission.student: r for r in grade_class(folder, out, config)}
    flagged = {name for name, r in results.items() if r.flags}
    assert flagged == {"malicious"}, {name: r.flags for name, r in results.items() if r.flags}
    assert all(results[f"correct_{how}"].score == 10 for how in ("colab", "reordered", "duplicated"))
    kinds = {f.flag for f in results["malicious"].flags}
    assert {FlagKind.INPUT_TRANSFORMER, FlagKind.HIDDEN_TEST_WITHOUT_DATA, FlagKind.NETWORK} <= kinds
    report = (out / "report.html").read_text()
    assert report.count("hidden_test_without_data") >= 4
    before = (out / "flags.csv").read_text()
    resumed = {r.submission.student: r for r in grade_class(folder, out, config)}  # every result from the ledger
    assert resumed["malicious"].flags == results["malicious"].flags
    assert (out / "flags.csv").read_text() == before
    feedback = (out / "feedback" / "malicious" / f"{NOTEBOOK}.html").read_text()
    assert "input_transformer" not in feedback and "network_attempt" not in feedback
    assert before.splitlines()[0] == "student,notebook,flag,evidence"
