"""Warm kernels: one sandboxed server per worker imports TensorFlow once and forks a kernel per submission.

Starting a cold kernel costs about 6 s here, nearly all of it ``import
tensorflow``; a fork of a process that already did the import costs a
fraction of a second. `Zygote` starts `grader.zygote` inside bubblewrap (the
same read-only view, no network, the run's job folder bound at its own path),
and `WarmKernelManager` is the jupyter_client kernel manager whose "launch"
asks that server for a fork, puts the child into the submission's cgroup
before it runs anything, and then lets it isolate itself and become the
kernel (see `grader.zygote` for what the child does first).

When the machine cannot do this (no nested user namespaces, say), `Zygote.start`
raises `WarmUnavailable` and the grader falls back to cold kernels.

Example:

>>> zygote = Zygote(run_root=Path("/tmp/run/jobs"), limits=Limits())  # doctest: +SKIP
>>> zygote.start()  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

from grader.config import Limits
from grader.cores import thread_env
from grader.gpus import Gpu, gpu_sandbox
from grader.sandbox import SANDBOX_HOME, Cage, SandboxSpec, bwrap_argv, find_bwrap, python_environment, readable

log = logging.getLogger(__name__)

START_TIMEOUT = 180.0
SERVER_UID = 1000  # inside the server's own user namespace; mapped to the grader's user outside
REPLY_TIMEOUT = 30.0
SERVER_ENV = {
    "PYTHONHASHSEED": "0",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "PYTHONWARNINGS": "ignore",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "JUPYTER_PLATFORM_DIRS": "1",
}


class WarmUnavailable(RuntimeError):
    """Warm kernels cannot run on this machine; the grader uses cold kernels instead."""


class ForkedProcess:
    """The Popen-like handle jupyter_client's provisioner expects, for a child of the server (by host pid)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.stdin = self.stdout = self.stderr = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                if psutil.Process(self.pid).status() in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD):
                    self.returncode = -signal.SIGKILL
            except psutil.NoSuchProcess:
                self.returncode = -signal.SIGKILL
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait until the child has exited; a zombie counts as exited.

        The child belongs to the server, which reaps it only when asked, so
        waiting for its pid to vanish (``psutil.Process.wait``) could wait
        forever after a kill.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.005
        while self.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired("warm kernel", timeout or 0)
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        try:
            os.kill(self.pid, signum)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class Zygote:
    """One worker's warm-kernel server.

    Args:
        run_root: the host folder that holds every job folder of this worker
            (bound into the server's sandbox; each child sees only its own).
        limits: sizes for the children's /tmp, home and files.
        gpu: the worker's GPU, if any. Defaults to None.
        heavy: also import TensorFlow and Keras (for notebooks that use them).
            A NumPy notebook gets a light server: forks of it are ten times cheaper.
            Defaults to True.
        cores: the worker's cores; the server's libraries size their thread pools
            to them before any fork (see `grader.cores`). Defaults to ().
    """

    def __init__(
        self, run_root: Path, limits: Limits, gpu: Gpu | None = None, heavy: bool = True, cores: tuple[int, ...] = ()
    ) -> None:
        self.run_root, self.limits, self.gpu, self.heavy, self.cores = run_root, limits, gpu, heavy, cores
        self._process: subprocess.Popen[str] | None = None
        self._server: psutil.Process | None = None
        self.preload_seconds = 0.0

    # -- life cycle

    def start(self) -> None:
        """Start the server and check that a child can isolate itself; raise `WarmUnavailable` if not."""
        self.run_root.mkdir(parents=True, exist_ok=True)
        gpu = gpu_sandbox(self.gpu)
        spec = SandboxSpec(scratch=self.run_root, home_mb=256, env={**SERVER_ENV, **gpu.env, **thread_env(self.cores)}, devices=gpu.devices, uid=SERVER_UID)
        command = [sys.executable, "-m", "grader.zygote", *(["--heavy"] if self.heavy else [])]
        argv = bwrap_argv(spec, command, bwrap=find_bwrap())
        self._process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        ready = self._read(START_TIMEOUT)
        if not ready.get("ready"):
            self.close()
            raise WarmUnavailable(f"the warm-kernel server did not start: {ready}")
        self.preload_seconds = float(ready.get("preload_seconds", 0.0))
        self._server = self._find_server()
        probe = self.run_root / ".selftest" / "shared"
        probe.mkdir(parents=True, exist_ok=True)
        (self.run_root / ".selftest-sibling").mkdir(exist_ok=True)
        answer = self._ask(
            {"op": "selftest", "run_root": str(self.run_root), "own": str(probe), "home": SANDBOX_HOME, "keep": _keep()}
        )
        if not answer.get("ok") or answer.get("visible") != [".selftest"]:
            self.close()
            raise WarmUnavailable(f"a warm kernel cannot isolate itself here: {answer}")

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    # -- the protocol

    def _read(self, timeout: float) -> dict[str, Any]:
        assert self._process is not None and self._process.stdout is not None
        line = self._process.stdout.readline() if readable(self._process.stdout, timeout) else ""
        if not line:
            return {"error": "no answer from the warm-kernel server"}
        return json.loads(line)

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        if not self.alive:
            raise WarmUnavailable("the warm-kernel server is not running")
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        return self._read(REPLY_TIMEOUT)

    def _find_server(self) -> psutil.Process:
        assert self._process is not None
        for process in psutil.Process(self._process.pid).children(recursive=True):
            try:
                if process.cmdline()[1:3] == ["-m", "grader.zygote"]:  # not bwrap, whose arguments name it too
                    return process
            except psutil.Error:
                continue
        raise WarmUnavailable("could not find the warm-kernel server's process")

    def spawn(self, own: Path, connection_file: Path, env: dict[str, str], cage: Cage | None) -> ForkedProcess:
        """Fork a kernel for the job whose writable folder is ``own``; it joins ``cage`` before running."""
        assert self._server is not None
        answer = self._ask({
            "op": "spawn", "run_root": str(self.run_root), "own": str(own), "home": SANDBOX_HOME,
            "tmpfs_bytes": self.limits.disk_mb * 1024 * 1024, "fsize": self.limits.disk_mb * 1024 * 1024,
            "connection_file": str(connection_file), "env": self._child_env(env), "keep": _keep(),
        })
        if "pid" not in answer:
            raise WarmUnavailable(f"the warm-kernel server could not fork: {answer}")
        pid = self._host_pid(int(answer["pid"]))
        if cage is not None:
            cage.adopt(pid)
        if not self._ask({"op": "go", "pid": answer["pid"]}).get("ok"):
            raise WarmUnavailable("the warm-kernel server did not release the kernel")
        return ForkedProcess(pid)

    def _host_pid(self, server_pid: int) -> int:
        """The host pid of the server's child that the server knows as ``server_pid`` (inside its PID namespace).

        Matched by the child's own record of its pids (``NSpid``), so an orphan the server adopted
        as a subreaper is never taken for the new kernel.
        """
        assert self._server is not None
        matches = [pid for pid in self._children() if _namespace_pid(pid) == server_pid]
        if len(matches) != 1:
            raise WarmUnavailable(f"could not find the new kernel's process ({len(matches)} children match)")
        return matches[0]

    def _children(self) -> list[int]:
        """The server's children, from its own list (not a scan of every process on the machine)."""
        assert self._server is not None
        server = self._server.pid
        try:
            return [int(pid) for pid in Path(f"/proc/{server}/task/{server}/children").read_text().split()]
        except OSError:  # a kernel built without that list
            return [child.pid for child in self._server.children()]

    def reap(self) -> None:
        """Kill whatever a finished run left in the server's sandbox."""
        if self.alive:
            self._ask({"op": "reap"})

    def _child_env(self, env: dict[str, str]) -> dict[str, str]:
        return {
            "HOME": SANDBOX_HOME,
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "TMPDIR": "/tmp",
            "MPLCONFIGDIR": f"{SANDBOX_HOME}/.matplotlib",
            "LANG": "C.UTF-8",
            **SERVER_ENV,
            **env,
        }


def _namespace_pid(pid: int) -> int | None:
    """The pid of host process ``pid`` in its innermost PID namespace, or None (gone, or no ``NSpid`` here)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("NSpid:"):
            return int(line.split()[-1])
    return None


def _keep() -> list[str]:
    """The read-only paths a kernel needs (the Python environment and the course package)."""
    return [str(path) for path in python_environment()]


_TF_IMPORT = re.compile(r"^\s*(?:import|from)\s+(?:keras|tensorflow)\b", re.M)
_zygotes: dict[tuple, Zygote] = {}


def uses_tensorflow(nb) -> bool:
    """Whether a notebook imports Keras or TensorFlow (then its kernel is forked from the heavy server)."""
    return any(c.cell_type == "code" and _TF_IMPORT.search(c.source) for c in nb.cells)


def worker_zygote(
    run_root: Path, limits: Limits, gpu: Gpu | None, heavy: bool = True, cores: tuple[int, ...] = ()
) -> Zygote | None:
    """This process's server for ``run_root`` (started once), or None when warm kernels cannot run here."""
    key = (str(run_root), limits, gpu, heavy, cores)
    zygote = _zygotes.get(key)
    if zygote is not None and zygote.alive:
        return zygote
    if zygote is not None and zygote.preload_seconds < 0:
        return None  # it failed before: stay cold
    zygote = Zygote(run_root, limits, gpu, heavy, cores)
    try:
        zygote.start()
    except (WarmUnavailable, OSError, ValueError) as exc:
        log.warning("warm kernels are off for this run (%s); using cold kernels", exc)
        zygote.preload_seconds = -1
        _zygotes[key] = zygote
        return None
    _zygotes[key] = zygote
    return zygote
