"""One submission's work on a grading worker: read, normalize, execute in the sandbox.

A `Job` holds plain, picklable values, so any worker can run it: this process,
a local process pool, or a Dask worker on another machine. For a remote worker
the job travels as a `PackedJob` (the notebooks' bytes instead of paths), and
the result comes back as a `PackedResult` whose probe files the coordinator
writes into its own scratch folder before judging. Probe files are carried as
bytes and are never unpickled or executed.

Example:

>>> result = run_job(job)  # doctest: +SKIP
>>> result.status  # doctest: +SKIP
<RunStatus.COMPLETED: 'completed'>
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.config import Limits
from grader.cores import pin
from grader.execute import ExecutionRequest, execute
from grader.gpus import Gpu
from grader.ingest import InvalidNotebook, read_submission
from grader.normalize import normalize
from grader.outcomes import Execution, RunStatus, Submission
from grader.warm import uses_tensorflow, worker_zygote

log = logging.getLogger(__name__)

MAX_PROBE_BYTES = 200 * 1024 * 1024
_worker_gpu: Gpu | None = None  # set once per worker process by `take_slot`
_worker_cores: tuple[int, ...] = ()  # likewise: the cores this worker is confined to (see `grader.cores`)


@dataclass(frozen=True)
class Job:
    """What a worker needs to run one submission (plain, picklable values)."""

    submission: Submission
    source: Path
    released: Path
    scratch: Path
    limits: Limits
    sandbox: bool
    seed: int
    gpu: Gpu | None = None
    warm: bool = True


@dataclass(frozen=True)
class JobResult:
    """How the run ended; ``execution`` is None when the notebook never ran."""

    execution: Execution | None
    status: RunStatus
    message: str
    seconds: float = 0.0  # the worker's own time for this job (reading, normalizing, running), not queueing


class InstructorFileError(RuntimeError):
    """The instructor's source or released notebook could not be read (an infrastructure error)."""


def read_instructor_notebook(path: Path) -> nbformat.NotebookNode:
    """Read one of the instructor's notebooks, or raise `InstructorFileError` naming it and what to do.

    Example:

    >>> read_instructor_notebook(Path("/nowhere/01_the_neuron.ipynb"))
    Traceback (most recent call last):
    ...
    grader.jobs.InstructorFileError: The grader could not read the instructor's notebook /nowhere/01_the_neuron.ipynb (FileNotFoundError: [Errno 2] No such file or directory: '/nowhere/01_the_neuron.ipynb'); check it (`grader build` rewrites exercises/) and run the same command again.
    """
    try:
        return nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises several unrelated types for a bad file
        raise InstructorFileError(
            f"The grader could not read the instructor's notebook {path} ({type(exc).__name__}: {exc}); "
            "check it (`grader build` rewrites exercises/) and run the same command again."
        ) from exc


def take_slot(queue) -> None:
    """Process-pool initializer: this worker takes the next ``(gpu, cores)`` of the plan and pins itself to the cores.

    Its warm-kernel server and every kernel inherit the pinning; their thread
    pools are sized to the cores (see `grader.cores`).
    """
    gpu, cores = queue.get()
    use_slot(gpu, cores)


def use_slot(gpu: Gpu | None, cores: tuple[int, ...]) -> None:
    """This process grades on ``gpu`` (None: the CPU) and is confined to ``cores`` from now on."""
    global _worker_gpu, _worker_cores
    _worker_gpu = gpu
    _worker_cores = tuple(cores) if pin(cores) else ()


def run_job(job: Job) -> JobResult:
    """Worker side: read, normalize, execute, timed. Never raises."""
    started = time.monotonic()
    result = _run_job(job)
    return dataclasses.replace(result, seconds=time.monotonic() - started)


def _run_job(job: Job) -> JobResult:
    try:
        student = read_submission(job.submission.path)  # type: ignore[arg-type]
    except (InvalidNotebook, OSError) as exc:
        return JobResult(None, RunStatus.INVALID, f"We could not read your notebook: {exc}.")
    try:
        source, released = read_instructor_notebook(job.source), read_instructor_notebook(job.released)
    except InstructorFileError as exc:  # the instructor's files, not the student's: never the student's points
        log.error("%s/%s: %s", job.submission.student, job.submission.notebook, exc)
        return JobResult(None, RunStatus.INFRASTRUCTURE, str(exc))
    try:
        nb = normalize(student, source, released, seed=job.seed)
    except Exception as exc:  # noqa: BLE001 - a notebook we cannot rebuild is invalid, not fatal
        return JobResult(None, RunStatus.INVALID, f"We could not match your notebook to the exercise: {exc}.")
    try:
        gpu = job.gpu if job.gpu is not None else _worker_gpu
        warm = job.sandbox and job.warm
        zygote = worker_zygote(job.scratch.parent, job.limits, gpu, uses_tensorflow(nb), _worker_cores) if warm else None
        request = ExecutionRequest(
            notebook=nb, scratch=job.scratch, limits=job.limits, sandbox=job.sandbox, gpu=gpu, zygote=zygote,
            cores=_worker_cores,
        )
        execution = execute(request)
    except Exception as exc:  # noqa: BLE001 - the grader's fault: never the student's points
        log.exception("executing %s/%s failed", job.submission.student, job.submission.notebook)
        return JobResult(None, RunStatus.INFRASTRUCTURE, f"The grader could not run this notebook: {exc}")
    return JobResult(execution, execution.status, execution.message)


@dataclass(frozen=True)
class PackedJob:
    """A `Job` that carries its notebooks as bytes, for a worker that cannot read the coordinator's files."""

    job: Job
    student: bytes
    source: bytes
    released: bytes


@dataclass(frozen=True)
class PackedResult:
    """A `JobResult` whose probe files and executed notebook travel as bytes (regular files only, bounded in size)."""

    result: JobResult
    probe_files: dict[str, bytes]
    executed: bytes = b""  # the notebook as run (outputs bounded by the limits), for feedback and formgrader


def pack_job(job: Job) -> PackedJob:
    """Read the job's files so it can run anywhere."""
    return PackedJob(job, job.submission.path.read_bytes(), job.source.read_bytes(), job.released.read_bytes())  # type: ignore[union-attr]


def run_packed(packed: PackedJob) -> PackedResult:
    """Remote worker side: write the notebooks into a scratch folder of its own, run, pack the probe files.

    Every job of one worker process runs under the same folder, so the worker starts its warm-kernel
    server once (`grader.warm.worker_zygote` keeps one per folder), not once per job.
    """
    with tempfile.TemporaryDirectory(prefix="grader-inputs-") as inputs, \
            tempfile.TemporaryDirectory(dir=_remote_jobs_folder()) as scratch:
        paths = {name: Path(inputs) / f"{name}.ipynb" for name in ("student", "source", "released")}
        for name, path in paths.items():
            path.write_bytes(getattr(packed, name))
        sub = dataclasses.replace(packed.job.submission, path=paths["student"])
        job = dataclasses.replace(packed.job, submission=sub, source=paths["source"], released=paths["released"], scratch=Path(scratch))
        result = run_job(job)
        files = _read_probe_files(result.execution.probe_dir) if result.execution else {}
        executed = Path(scratch) / "executed.ipynb"
        notebook = executed.read_bytes() if executed.is_file() and not executed.is_symlink() else b""
        if result.execution is not None:
            result = dataclasses.replace(result, execution=dataclasses.replace(result.execution, scratch=Path(), probe_dir=Path()))
        return PackedResult(result, files, notebook)


def _remote_jobs_folder() -> Path:
    """This worker process's folder for its jobs' scratch folders (what its warm-kernel server may see)."""
    folder = Path(tempfile.gettempdir()) / f"grader-remote-{os.getpid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _read_probe_files(folder: Path) -> dict[str, bytes]:
    files, total = {}, 0
    for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
        if entry.is_symlink() or not entry.is_file():
            continue  # links and folders are never carried (the judge would refuse them anyway)
        total += entry.stat().st_size
        if total > MAX_PROBE_BYTES:
            break
        files[entry.name] = entry.read_bytes()
    return files


def unpack_result(packed: PackedResult, scratch: Path) -> JobResult:
    """Coordinator side: write the probe files into ``scratch`` and point the execution at them."""
    result = packed.result
    if result.execution is None:
        return result
    probe_dir = scratch / "probes"
    probe_dir.mkdir(parents=True, exist_ok=True)
    for name, data in packed.probe_files.items():
        if "/" in name or name in {"", ".", ".."} or "\0" in name:
            continue
        (probe_dir / name).write_bytes(data)
    if packed.executed:
        (scratch / "executed.ipynb").write_bytes(packed.executed)
    return dataclasses.replace(result, execution=dataclasses.replace(result.execution, scratch=scratch, probe_dir=probe_dir))
