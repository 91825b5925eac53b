"""grader.zygote, the warm-kernel server: its protocol, its self-test of the isolation, and what it kills.

The server runs here without bubblewrap (grader.warm starts it inside one); each test
starts its own server with the light preload.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from grader import zygote


@pytest.fixture
def server():
    process = subprocess.Popen([sys.executable, "-m", "grader.zygote"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONPATH": str(Path(zygote.__file__).parents[1])})

    def ask(request: dict | str) -> dict:
        process.stdin.write((request if isinstance(request, str) else json.dumps(request)) + "\n")
        process.stdin.flush()
        return json.loads(process.stdout.readline())

    ready = json.loads(process.stdout.readline())
    assert ready["ready"] is True and ready["preload_seconds"] >= 0
    ask.process = process
    yield ask
    process.kill()
    process.wait()


@pytest.fixture
def home():
    """The folder that becomes the kernel's home: outside /tmp, which the child replaces with a tmpfs."""
    with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
        yield folder


def test_a_bad_request_is_answered_with_an_error_and_the_server_goes_on(server):
    assert server({"op": "fly"}) == {"error": "unknown op 'fly'"}
    assert server("not json")["error"].startswith("JSONDecodeError")
    assert server({"op": "go", "pid": 12345}) == {"error": "KeyError: 12345"}  # no child waits under that pid
    assert server({"op": "reap"}) == {"ok": True}


def test_the_self_test_child_sees_only_its_own_folder_of_the_run(server, tmp_path, home):
    run = tmp_path / "run"
    for student in ("ada", "bob"):
        (run / student).mkdir(parents=True)
    answer = server({"op": "selftest", "run_root": str(run), "own": str(run / "ada"), "home": home})
    assert answer == {"ok": True, "visible": ["ada"]}, answer
    assert sorted(p.name for p in run.iterdir()) == ["ada", "bob"]  # the server's own view is untouched


def test_the_self_test_reports_a_python_environment_that_isolation_would_hide(server, tmp_path, home):
    (tmp_path / "run" / "ada").mkdir(parents=True)
    request = {"op": "selftest", "run_root": str(tmp_path / "run"), "own": str(tmp_path / "run" / "ada"), "home": home,
               "keep": ["/var/tmp/no-such-environment"]}
    assert server(request) == {"ok": False, "error": "FileNotFoundError: the Python environment is not visible after isolation"}


def test_a_kernel_that_cannot_start_says_why_in_its_own_folder_and_reap_leaves_nothing(server, tmp_path, home):
    own = tmp_path / "run" / "ada"
    own.mkdir(parents=True)
    spawned = server({"op": "spawn", "run_root": str(own.parent), "own": str(own), "home": home})  # no sizes: it fails
    child = psutil.Process(spawned["pid"])
    assert child.ppid() == server.process.pid and child.status() != psutil.STATUS_ZOMBIE  # waiting to be released
    assert server({"op": "go", "pid": spawned["pid"]}) == {"ok": True}
    error = own / "kernel-start-error.txt"
    deadline = time.monotonic() + 10
    while not error.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert error.read_text().startswith("KeyError: 'tmpfs_bytes'")
    waiting = server({"op": "spawn", "run_root": str(own.parent), "own": str(own), "home": home})["pid"]
    assert server({"op": "reap"}) == {"ok": True}
    assert not psutil.pid_exists(waiting) or psutil.Process(waiting).status() == psutil.STATUS_ZOMBIE
    assert psutil.Process(server.process.pid).children() == []


def test_descendants_are_only_what_the_caller_started(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "import subprocess, sys; subprocess.run([sys.executable, '-c', 'import time; time.sleep(30)'])"])
    try:
        deadline = time.monotonic() + 10
        while len(psutil.Process(child.pid).children()) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        grandchild = psutil.Process(child.pid).children()[0].pid
        found = zygote._descendants()
        assert {child.pid, grandchild} <= set(found)
        assert os.getppid() not in found and 1 not in found and os.getpid() not in found  # reap never reaches past its own
    finally:
        for process in [*psutil.Process(child.pid).children(recursive=True), psutil.Process(child.pid)]:
            process.kill()
        child.wait()


def test_preload_times_the_imports_and_skips_a_missing_module():
    seconds = zygote.preload(("json", "no_such_module_for_the_zygote"))
    assert 0 <= seconds < 5
