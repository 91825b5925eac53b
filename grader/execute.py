"""Execute one normalized notebook in the sandbox, within its limits.

The kernel is an ordinary ipykernel started inside `grader.sandbox`; nbclient
drives it from this (trusted) process over IPC sockets in the scratch folder.
Verdicts are *not* decided here: this step only runs the notebook, bounds its
time, memory, processes, disk and output, and reports how the run ended.

Example:

>>> import tempfile
>>> import nbformat
>>> from grader.config import Limits
>>> notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
>>> run = ExecutionRequest(notebook, Path(tempfile.mkdtemp()), Limits(), sandbox=False)  # grading sandboxes it
>>> execution = execute(run)
>>> execution.status, execution.cells[0].output_text.strip()
(<RunStatus.COMPLETED: 'completed'>, '42')
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

import nbformat
import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from traitlets import Type

from grader import flags
from grader.config import Limits
from grader.cores import thread_env
from grader.gpus import Gpu, gpu_sandbox
from grader.outcomes import CellError, CellRecord, Execution, RunStatus
from grader.sandbox import Cage, SandboxSpec, bwrap_argv, find_bwrap, tree_usage
from grader.zygote import KERNEL_OPTIONS

log = logging.getLogger(__name__)

PROBE_DIR_NAME = "probes"
SHARED_DIR_NAME = "shared"
TRUNCATION_NOTE = "\n[output cut here: the grader keeps at most {kb} KB of output per notebook]\n"
WATCH_START = "import grader.kernelwatch as _grader_watch\n_grader_watch.start()\ndel _grader_watch\n"
WATCH_REPORT = "import grader.kernelwatch as _grader_watch\n_grader_watch.report()\ndel _grader_watch\n"
REPORT_BYTES = 64 * 1024  # the watch report's own output bound, outside the notebook's


@dataclass(frozen=True)
class ExecutionRequest:
    """One notebook to run.

    Args:
        notebook: the normalized notebook (cells carry ``metadata.grader``).
        scratch: an empty host folder for this run only.
        limits: resource bounds.
        sandbox: run inside bubblewrap. Defaults to True.
        env: extra environment variables for the kernel.
        gpu: the GPU this run may use (see `grader.gpus`); None for the CPU. Defaults to None.
        zygote: a warm-kernel server (`grader.warm.Zygote`) whose run folder holds
            ``scratch``; None starts a cold kernel. Defaults to None.
        cores: the cores this run's worker is confined to; the kernel's thread pools
            are sized to them (see `grader.cores`). Defaults to () (libraries' own defaults).
        watch: add the grader's watch cells (`grader.kernelwatch`) before the first and
            after the last student cell, for the tampering signals. Defaults to True.
    """

    notebook: nbformat.NotebookNode
    scratch: Path
    limits: Limits
    sandbox: bool = True
    env: dict[str, str] = field(default_factory=dict)
    gpu: Gpu | None = None
    zygote: Any = None
    cores: tuple[int, ...] = ()
    watch: bool = True


def add_watch_cells(nb: nbformat.NotebookNode) -> int:
    """Put `grader.kernelwatch`'s two cells into ``nb`` (after the prologue, and last); return the report cell's index."""
    first = 1 if nb.cells and nb.cells[0].get("metadata", {}).get("grader", {}).get("role") == "prologue" else 0
    nb.cells.insert(first, _watch_cell(WATCH_START, "start"))
    nb.cells.append(_watch_cell(WATCH_REPORT, "report"))
    return len(nb.cells) - 1


def _watch_cell(source: str, name: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["grader"] = {"question": None, "hidden": False, "role": "watch"}
    cell["id"] = f"grader-watch-{name}"
    return cell


IOPUB_WAIT = 0.02  # seconds to wait for the kernel's status on IOPub after each kernel_info reply
RECONNECT_MS = 5  # how often the client's sockets try again to reach a kernel that has not bound its own yet


class QuickReadyClient(AsyncKernelClient):
    """A kernel client that knows the kernel is ready as soon as both its shell and IOPub answer.

    jupyter_client waits 0.2 s for an IOPub message after each kernel_info reply,
    and the first reply nearly always comes before the IOPub subscription has
    connected (the kernel binds its sockets after the client connects), so every
    kernel start paid that 0.2 s. This client asks again after ``IOPUB_WAIT``.

    Its sockets connect before the kernel has bound its own, and ZeroMQ tries
    again only every 100 ms by default: each kernel start waited up to that
    long once the kernel was listening. This client's sockets try every
    ``RECONNECT_MS``.
    """

    def _context_default(self) -> zmq.asyncio.Context:
        context = super()._context_default()
        context.setsockopt(zmq.RECONNECT_IVL, RECONNECT_MS)  # a default for every socket made from this context
        return context

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:
                    await self.iopub_channel.get_msg(timeout=IOPUB_WAIT)
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
        while True:  # what the kernel said while it started is not the notebook's output
            try:
                await self.iopub_channel.get_msg(timeout=IOPUB_WAIT)
            except Empty:
                break

    wait_for_ready = _async_wait_for_ready  # the base class binds its own function to this name


class SandboxKernelManager(AsyncKernelManager):
    """An AsyncKernelManager (what nbclient expects) whose kernel command is replaced by ``wrap(kernel argv)``."""

    # The factory, not ``client_class``: a subclass's new default for ``client_class`` never reaches the factory
    # (only a change does), so a ``client_class`` here left every run on jupyter_client's own client.
    client_factory = Type(default_value=QuickReadyClient, klass=AsyncKernelClient)

    def __init__(self, wrap: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._wrap = wrap

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        # The kernel's own stdout/stderr are not the notebook's output: drop them, so a
        # student cannot flood the grader's terminal or disk through them.
        kw["stdout"] = kw["stderr"] = subprocess.DEVNULL
        kw["stdin"] = subprocess.DEVNULL
        await super()._async_launch_kernel(kernel_cmd, **kw)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        conn = os.path.realpath(self.connection_file)
        return self._wrap([sys.executable, "-m", "ipykernel_launcher", "-f", conn, *KERNEL_OPTIONS])


class WarmKernelManager(AsyncKernelManager):
    """A kernel manager whose "launch" is a fork of the warm-kernel server, caged before it runs."""

    client_factory = Type(default_value=QuickReadyClient, klass=AsyncKernelClient)

    def __init__(self, zygote: Any, cage: Cage | None, own: Path, env: dict[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._zygote, self._cage, self._own, self._env = zygote, cage, own, env

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        assert self.provisioner is not None
        process = self._zygote.spawn(self._own, Path(os.path.realpath(self.connection_file)), self._env, self._cage)
        self.provisioner.process = process
        self.provisioner.pid, self.provisioner.pgid = process.pid, None
        self._reconcile_connection_info(self.provisioner.connection_info)


def _refuse_signal_handler(*args: object) -> None:
    raise RuntimeError("the grader handles signals itself")


class BoundedNotebookClient(NotebookClient):
    """An nbclient that keeps at most ``output_bytes`` of output in total, and knows whether its kernel started.

    With ``probe_dir``, it also lists that folder after every cell, from this (trusted) side, and notes
    changes that no probe call made (`flags.touched_outside_probes`) in ``sightings``. The cell at
    ``report_index`` (the watch report) has its own output bound.
    """

    def __init__(
        self, nb: nbformat.NotebookNode, output_bytes: int, probe_dir: Path | None = None, report_index: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(nb, **kwargs)
        self.output_limit = output_bytes
        self.output_budget = output_bytes
        self.output_cut = False
        self.kernel_ready = False  # True once the kernel answered; before that no student code has run
        self.probe_dir, self.report_index = probe_dir, report_index
        self.listing: flags.FolderListing = flags.list_probe_folder(probe_dir) if probe_dir else {}
        self.report_budget = REPORT_BYTES
        self.sightings: list[flags.Sighting] = []

    @asynccontextmanager
    async def async_setup_kernel(self, **kwargs: Any) -> AsyncIterator[None]:
        """nbclient's set-up, without its SIGINT and SIGTERM handlers.

        Those shut the kernel down on Ctrl-C (the student's notebook then "died")
        and leave Python's default handler behind, so the grader never learns
        that it was interrupted (see `grader.interrupt`). nbclient skips them when
        the loop refuses, as it does outside the main thread.
        """
        loop = asyncio.get_running_loop()
        shadowed = "add_signal_handler" in vars(loop)  # another run on this loop got here first
        loop.add_signal_handler = _refuse_signal_handler  # shadows the method on this loop only
        try:
            async with super().async_setup_kernel(**kwargs):
                yield
        finally:
            if not shadowed:
                vars(loop).pop("add_signal_handler", None)

    async def async_execute_cell(
        self, cell: nbformat.NotebookNode, cell_index: int, execution_count: int | None = None, store_history: bool = True
    ) -> nbformat.NotebookNode:
        try:
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        finally:
            if self.probe_dir is not None:
                self._after_cell(cell, cell_index)

    def _after_cell(self, cell: nbformat.NotebookNode, index: int) -> None:
        listing = flags.list_probe_folder(self.probe_dir)  # type: ignore[arg-type]
        meta = cell.get("metadata", {}).get("grader", {})
        self.sightings += flags.touched_outside_probes(
            self.listing, listing, index, str(meta.get("role", "")), meta.get("question"), bool(meta.get("hidden"))
        )
        self.listing = listing

    async def async_start_new_kernel_client(self) -> Any:
        client = await super().async_start_new_kernel_client()
        self.kernel_ready = True
        return client

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> Any:
        size = len(json.dumps(msg.get("content", {}), default=str))
        if cell_index == self.report_index:
            self.report_budget -= size
            return super().output(outs, msg, display_id, cell_index) if self.report_budget >= 0 else None
        if size <= self.output_budget:
            self.output_budget -= size
            return super().output(outs, msg, display_id, cell_index)
        if not self.output_cut:
            self.output_cut = True
            note = TRUNCATION_NOTE.format(kb=self.output_limit // 1024)
            outs.append(nbformat.v4.new_output("stream", name="stderr", text=note))
        return None


class _Watch:
    """Stops the run when the notebook's wall time, its host disk, its processes or (without a cage) its memory run out."""

    def __init__(self, km: AsyncKernelManager, limits: Limits, cage: Cage | None, scratch: Path) -> None:
        self.km, self.limits, self.cage, self.scratch = km, limits, cage, scratch
        self.reason: RunStatus | None = None
        self.peak_rss = 0  # measured only without a cage (a cage counts its own peak)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _Watch:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        tick = 0
        while not self._stop.wait(0.2):
            tick += 1
            if time.monotonic() - self._started > self.limits.notebook_timeout:
                self._kill(RunStatus.TIMEOUT)
                return
            if tick % 5 == 0 and folder_bytes(self.scratch) > self.limits.disk_mb * 1024 * 1024:
                self._kill(RunStatus.DISK)
                return
            if self.cage is not None:
                if self.cage.pids_exhausted():  # stop a process flood at once, however slowly it forks
                    self._kill(RunStatus.PROCESSES)
                    return
                continue
            pid = _kernel_pid(self.km)
            if pid is None:
                continue
            rss, count = tree_usage(pid)
            self.peak_rss = max(self.peak_rss, rss)
            if rss > self.limits.memory_mb * 1024 * 1024:
                self._kill(RunStatus.MEMORY)
                return
            if count > self.limits.max_processes:
                self._kill(RunStatus.PROCESSES)
                return

    def _kill(self, reason: RunStatus) -> None:
        self.reason = reason
        kill_sandbox(self.km, self.cage)


def folder_bytes(folder: Path, limit: int = 100_000) -> int:
    """Bytes under ``folder`` (the host-side scratch: probes and sockets), counting at most ``limit`` entries."""
    total, todo, seen = 0, [folder], 0
    while todo and seen < limit:
        try:
            entries = list(os.scandir(todo.pop()))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            try:
                if entry.is_dir(follow_symlinks=False):
                    todo.append(entry.path)
                else:
                    total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
    return total if seen < limit else max(total, 1 << 62)


def _kernel_pid(km: AsyncKernelManager) -> int | None:
    process = getattr(km.provisioner, "process", None)
    return getattr(process, "pid", None)


def _release(client: NotebookClient, km: AsyncKernelManager) -> None:
    """Close what nbclient leaves open when it does not own the kernel manager.

    The client's channels, the manager's sockets and both zmq contexts hold
    about 20 file descriptors a run; without this, a batch of some 75
    notebooks in one process ran out of the descriptors ``select`` can watch.
    """
    try:
        if client.kc is not None:
            client.kc.stop_channels()
        run_sync(km.cleanup_resources)()
    except Exception as exc:  # noqa: BLE001 - the run is over; a socket we could not close is only logged
        log.warning("could not release a finished kernel's sockets: %s", exc)


def kill_sandbox(km: AsyncKernelManager, cage: Cage | None) -> None:
    """Kill the kernel and everything it started (the sandbox's PID namespace dies with it)."""
    pid = _kernel_pid(km)
    if pid is not None:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if cage is not None:
        cage.kill_all()


def kernel_environment(request: ExecutionRequest, probe_dir: Path) -> dict[str, str]:
    """The variables every kernel gets, sandboxed or not."""
    return {
        "GRADER_PROBE_DIR": str(probe_dir),
        "PYTHONHASHSEED": "0",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONWARNINGS": "ignore",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "JUPYTER_PLATFORM_DIRS": "1",
        **gpu_sandbox(request.gpu).env,
        **thread_env(request.cores),
        **request.env,
    }


def execute(request: ExecutionRequest) -> Execution:
    """Run ``request.notebook``; return how the run ended and what each cell produced."""
    scratch = request.scratch
    shared = scratch / SHARED_DIR_NAME  # the only host folder the sandbox can write
    runtime = shared / "runtime"
    probe_dir = shared / PROBE_DIR_NAME
    for d in (runtime, probe_dir):
        d.mkdir(parents=True, exist_ok=True)
    limits = request.limits
    env = kernel_environment(request, probe_dir)
    cage = Cage.create(limits.memory_mb * 1024 * 1024, limits.max_processes) if request.sandbox else None
    sockets = {"transport": "ipc", "ip": str(runtime / "kernel"), "connection_file": str(runtime / "kernel.json")}
    if request.zygote is not None:
        km: AsyncKernelManager = WarmKernelManager(request.zygote, cage, shared, env, **sockets)
    else:
        wrap = _sandbox_wrapper(request, shared, env, cage) if request.sandbox else _plain_wrapper(shared, env)
        km = SandboxKernelManager(wrap, **sockets)
    nb = request.notebook
    report_index = add_watch_cells(nb) if request.watch else None
    client = BoundedNotebookClient(
        nb,
        output_bytes=limits.output_kb * 1024,
        probe_dir=probe_dir if request.watch else None,
        report_index=report_index,
        km=km,
        timeout=int(limits.cell_timeout),
        startup_timeout=120,
        allow_errors=True,
        interrupt_on_timeout=False,
        record_timing=True,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(shared)}},
    )
    status, message = RunStatus.COMPLETED, "The notebook ran to the end."
    started = time.monotonic()
    with _Watch(km, limits, cage, shared) as watch:
        try:
            client.execute()
        except CellTimeoutError:
            status, message = RunStatus.TIMEOUT, f"A cell ran longer than {limits.cell_timeout:g} s."
        except DeadKernelError:
            status, message = RunStatus.CRASHED, "The Python kernel died while running the notebook."
        except Exception as exc:  # noqa: BLE001 - also a kernel that never started (see kernel_ready)
            status, message = RunStatus.CRASHED, f"The notebook could not run: {exc}"
        finally:
            kill_sandbox(km, cage)
            if request.zygote is not None:
                request.zygote.reap()
            atexit.unregister(client._cleanup_kernel)  # nbclient's own exit hook fails on a dead kernel
            _release(client, km)
    seconds = time.monotonic() - started
    # The root cause first: a notebook that flooded processes or memory often times out afterwards.
    if cage is not None and cage.oom_killed() or watch.reason is RunStatus.MEMORY:
        status, message = RunStatus.MEMORY, f"The notebook used more than {limits.memory_mb} MB of memory."
    elif cage is not None and cage.pids_exhausted() or watch.reason is RunStatus.PROCESSES:
        status = RunStatus.PROCESSES
        message = f"The notebook tried to run more than {limits.max_processes} processes or threads at once."
    elif watch.reason is RunStatus.TIMEOUT:
        status, message = RunStatus.TIMEOUT, f"The notebook ran longer than {limits.notebook_timeout:g} s."
    elif watch.reason is RunStatus.DISK:
        status, message = RunStatus.DISK, f"The notebook wrote more than {limits.disk_mb} MB outside its working folder."
    if not client.kernel_ready:  # no student code ran: whatever stopped the kernel is the grader's fault
        log.error("the kernel never started: %s", message)
        status, message = RunStatus.INFRASTRUCTURE, f"The grader could not start a Python kernel: {message}"
    peak_memory = cage.peak_memory_bytes() if cage is not None else watch.peak_rss
    if cage is not None:
        cage.destroy()
    if client.output_cut:
        message += f" Output beyond {limits.output_kb} KB was cut."
    sightings = (*client.sightings, *flags.run_end(status, message))
    if report_index is not None:
        sightings += flags.report_cell(nb.cells[report_index])
    nbformat.write(nb, scratch / "executed.ipynb")  # outside the shared folder: no student-made links here
    shutil.rmtree(runtime, ignore_errors=True)
    return Execution(
        status=status,
        message=message,
        scratch=scratch,
        probe_dir=probe_dir,
        cells=tuple(_cell_records(nb)),
        seconds=seconds,
        cell_seconds=_cell_seconds(nb),
        device=gpu_sandbox(request.gpu).label,
        peak_memory_bytes=peak_memory,
        sightings=sightings,
    )


def _sandbox_wrapper(request: ExecutionRequest, shared: Path, env: dict[str, str], cage: Cage | None) -> Any:
    bwrap = find_bwrap()
    limits = request.limits
    spec = SandboxSpec(scratch=shared, home_mb=limits.disk_mb, env=env, devices=gpu_sandbox(request.gpu).devices)
    fsize = limits.disk_mb * 1024 * 1024

    def wrap(kernel_argv: list[str]) -> list[str]:
        argv = bwrap_argv(spec, kernel_argv, bwrap=bwrap)
        prlimit = shutil.which("prlimit")
        if prlimit:
            argv = [prlimit, f"--fsize={fsize}", "--core=0", "--", *argv]
        return cage.wrap(argv) if cage is not None else argv

    return wrap


def _plain_wrapper(scratch: Path, env: dict[str, str]) -> Any:
    """No sandbox (``--no-sandbox``): same environment variables, own working folder."""
    work = scratch / "work"
    work.mkdir(exist_ok=True)

    def wrap(kernel_argv: list[str]) -> list[str]:
        assignments = [f"{k}={v}" for k, v in env.items()]
        return ["/usr/bin/env", "-C", str(work), *assignments, *kernel_argv]

    return wrap


def _cell_records(nb: nbformat.NotebookNode) -> list[CellRecord]:
    records = []
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("grader", {})
        if cell.cell_type != "code" or meta.get("role") == "watch":  # the grader's own cells: read by `flags.report_cell`
            continue
        error = None
        texts = []
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                error = CellError(str(out.ename), str(out.evalue))
            elif out.output_type == "stream":
                texts.append(out.text)
            elif "text/plain" in out.get("data", {}):
                texts.append(out.data["text/plain"])
        records.append(
            CellRecord(
                index=index,
                question=meta.get("question"),
                hidden=bool(meta.get("hidden")),
                error=error,
                ran=cell.get("execution_count") is not None,
                output_text="".join(texts)[-4000:],
                role=str(meta.get("role", "")),
                answer_of=meta.get("answer_of"),
            )
        )
    return records


def _cell_seconds(nb: nbformat.NotebookNode) -> float:
    from datetime import datetime

    total = 0.0
    for cell in nb.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        busy, idle = timing.get("iopub.status.busy"), timing.get("iopub.status.idle")
        if busy and idle:
            fmt = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
            total += (fmt(idle) - fmt(busy)).total_seconds()
    return total
