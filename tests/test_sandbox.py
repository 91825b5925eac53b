"""Student code in the sandbox sees neither the course nor the network, and cannot stop the grader."""

from pathlib import Path

import nbformat
import pytest

from grader.config import Limits
from grader.execute import ExecutionRequest, execute
from grader.outcomes import RunStatus


def run(cells, tmp_path, **limits):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    return execute(ExecutionRequest(notebook=nb, scratch=scratch, limits=Limits(**limits)))


def test_course_files_and_gradebook_are_not_visible(course, tmp_path):
    secret = course.root / ".grader"
    secret.mkdir(exist_ok=True)
    targets = [course.source_path("01_the_neuron"), secret / "secret", tmp_path / "gradebook.db"]
    (tmp_path / "gradebook.db").write_text("grades")
    cells = [f"open({str(t)!r}).read()" for t in targets]
    result = run(cells, tmp_path)
    errors = [str(c.error) if c.error else None for c in result.cells]
    assert all(e and e.startswith(("FileNotFoundError", "PermissionError")) for e in errors), errors


def test_writes_outside_scratch_fail_and_network_is_off(course, tmp_path):
    home = Path.home() / "pwned_by_test.txt"
    result = run(
        [
            "open('/usr/pwned.txt', 'w')",
            "import socket\nsocket.create_connection(('127.0.0.1', 22), timeout=2)",
            "open('/home/student/work/ok.txt', 'w').write('fine')",
            # Under /tmp these land in the sandbox's own tmpfs, elsewhere they fail: never on the host.
            f"try:\n    open({str(course.root / 'pwned.txt')!r}, 'w').write('x')\nexcept OSError:\n    pass",
            f"try:\n    open({str(home)!r}, 'w').write('x')\nexcept OSError:\n    pass",
        ],
        tmp_path,
    )
    errors = [str(c.error) if c.error else None for c in result.cells]
    assert errors[0] and errors[0].startswith("OSError") and "Read-only" in errors[0]
    assert errors[1] and errors[1].startswith(("ConnectionRefusedError", "OSError"))
    assert errors[2] is None
    assert not (course.root / "pwned.txt").exists()
    assert not home.exists()


def test_killing_its_own_process_group_only_ends_its_own_run(tmp_path):
    result = run(["import os, signal\nos.killpg(0, signal.SIGKILL)", "print('never')"], tmp_path)
    assert result.status is RunStatus.CRASHED


@pytest.mark.parametrize(
    ("code", "limits", "status"),
    [
        ("while True: pass", {"cell_timeout": 2}, RunStatus.TIMEOUT),
        ("import time\ntime.sleep(30)", {"notebook_timeout": 3}, RunStatus.TIMEOUT),
        ("x = bytearray(3 * 1024**3)", {"memory_mb": 512}, RunStatus.MEMORY),
        (
            "import os, time\nfor i in range(40):\n    open(os.path.join(os.environ['GRADER_PROBE_DIR'], f'f{i}'), 'wb').write(bytes(8 * 1024**2))\ntime.sleep(5)",
            {"disk_mb": 64},
            RunStatus.DISK,
        ),
    ],
)
def test_limits_stop_the_run_with_a_status(code, limits, status, tmp_path):
    assert run([code], tmp_path, **limits).status is status


def test_a_full_tmpfs_is_an_error_in_student_code_not_a_host_problem(tmp_path):
    result = run(["open('/tmp/big', 'wb').write(bytes(100 * 1024**2))"], tmp_path, disk_mb=32)
    assert result.status is RunStatus.COMPLETED
    assert result.cells[0].error and result.cells[0].error.name == "OSError"


def test_output_is_cut_to_the_bound(tmp_path):
    result = run(["for i in range(20000): print('x' * 100)"], tmp_path, output_kb=64)
    assert len(result.cells[0].output_text) <= 64 * 1024
    assert "cut" in result.message


def test_no_sandbox_mode_runs_in_its_own_folder(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import os\nprint(os.getcwd())")])
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    result = execute(ExecutionRequest(notebook=nb, scratch=scratch, limits=Limits(), sandbox=False))
    assert result.status is RunStatus.COMPLETED
    assert str(scratch / "shared" / "work") in result.cells[0].output_text


def test_binds_come_after_the_tmpfs_mounts_so_a_course_under_tmp_stays_visible(tmp_path):
    from grader.sandbox import SandboxSpec, bwrap_argv

    argv = bwrap_argv(SandboxSpec(scratch=tmp_path, readonly=(tmp_path / "venv",)), ["python"])
    tmpfs_at = max(i for i, a in enumerate(argv) if a == "--tmpfs")
    binds_at = [i for i, a in enumerate(argv) if a in ("--bind", "--ro-bind") and argv[i + 1].startswith("/tmp")]
    assert binds_at and min(binds_at) > tmpfs_at


def test_no_process_outlives_its_grading(tmp_path):
    marker = "987654"
    result = run(
        [
            f"import subprocess, threading, time\nsubprocess.Popen(['/bin/sleep', '{marker}'], start_new_session=True)\n"
            "threading.Thread(target=time.sleep, args=(600,), daemon=False).start()",
            "import os\nos.kill(os.getppid(), 9)",  # the kernel's parent inside the sandbox
        ],
        tmp_path,
    )
    assert result.status in (RunStatus.COMPLETED, RunStatus.CRASHED)
    survivors = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                survivors.append(entry.name)
        except OSError:
            continue
    assert survivors == []
