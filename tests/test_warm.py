"""The handle the grader keeps on a warm kernel: a child of the server, not of the grader."""

import subprocess
import sys

import pytest

from grader.warm import ForkedProcess

# A stand-in for the server: forks a child, prints its pid, and never reaps it.
SERVER = """
import os, sys, time
pid = os.fork()
if pid == 0:
    time.sleep(600)
    os._exit(0)
print(pid, flush=True)
sys.stdin.read()
"""


@pytest.fixture
def server():
    process = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    yield process, int(process.stdout.readline())
    process.kill()
    process.wait()


def test_a_killed_child_the_server_never_reaps_counts_as_exited(server):
    _, pid = server
    child = ForkedProcess(pid)
    assert child.poll() is None
    child.kill()
    assert child.wait(timeout=10) == -9  # a zombie of the server: waiting for the pid to vanish would never end
    assert child.poll() == -9


def test_waiting_on_a_live_child_times_out_like_popen(server):
    _, pid = server
    child = ForkedProcess(pid)
    with pytest.raises(subprocess.TimeoutExpired):
        child.wait(timeout=0.2)
    child.kill()
    child.wait(timeout=10)


def test_kernel_managers_use_the_quick_ready_client(tmp_path):
    from grader.execute import QuickReadyClient, SandboxKernelManager, WarmKernelManager

    sockets = {"transport": "ipc", "ip": str(tmp_path / "kernel"), "connection_file": str(tmp_path / "kernel.json")}
    for km in (SandboxKernelManager(lambda argv: argv, **sockets), WarmKernelManager(None, None, tmp_path, {}, **sockets)):
        assert type(km.client()) is QuickReadyClient  # jupyter_client's own client waits 0.2 s more per kernel start


def test_the_new_kernel_is_found_by_its_pid_inside_the_servers_namespace(server, tmp_path):
    import psutil

    from grader.config import Limits
    from grader.warm import WarmUnavailable, Zygote

    process, pid = server  # no PID namespace here: the server's pid for its child is the host pid
    zygote = Zygote(tmp_path, Limits())
    zygote._server = psutil.Process(process.pid)
    assert zygote._host_pid(pid) == pid
    with pytest.raises(WarmUnavailable):
        zygote._host_pid(pid + 100_000)
