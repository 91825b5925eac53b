"""Run many jobs: in this process, on a local process pool, or on a Dask cluster.

Results come back as they finish, each with the worker's own time for it
(not the time it waited in the queue); the coordinator (`grader.grade`) alone
judges them and writes the gradebook. Every worker gets the same sandbox and
limits. Each local worker takes its share of the cores once, when it starts
(see `grader.cores`), and its GPU with ``--gpus``.

Example:

>>> for job, result, seconds in run_jobs(jobs, workers=2):  # doctest: +SKIP
...     print(job.submission.student, result.status.value)
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed

from grader.cores import plan_cores
from grader.gpus import Gpu
from grader.jobs import Job, JobResult, pack_job, run_job, run_packed, take_slot, unpack_result, use_slot
from grader.outcomes import RunStatus

Finished = tuple[Job, JobResult, float]


def _failed(exc: BaseException) -> JobResult:
    return JobResult(None, RunStatus.INFRASTRUCTURE, f"The grading worker failed: {type(exc).__name__}: {exc}")


def run_serial(jobs: list[Job], gpu: Gpu | None = None) -> Iterator[Finished]:
    use_slot(None, plan_cores(1)[0])  # all of this process's cores: the thread pools get sized to them
    for job in jobs:
        started = time.monotonic()
        job.scratch.mkdir(parents=True, exist_ok=True)
        yield job, run_job(dataclasses.replace(job, gpu=gpu) if gpu else job), time.monotonic() - started


class PoolRun:
    """Jobs handed to a pool of worker processes, which start on them at once; iterate for each as it finishes.

    The workers start when the run is made, not when it is first read, so they
    import their libraries and start their warm-kernel servers while the
    coordinator still opens the gradebook. `close` (or reading to the end)
    stops the pool; jobs not yet started are dropped.
    """

    def __init__(self, jobs: list[Job], workers: int, gpus: list[Gpu] = ()) -> None:
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        for index, cores in enumerate(plan_cores(workers)):
            queue.put((gpus[index] if gpus else None, cores))
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=take_slot, initargs=(queue,))
        self._futures: dict[Future, tuple[Job, float]] = {}
        try:
            for job in jobs:
                job.scratch.mkdir(parents=True, exist_ok=True)
                self._futures[self._pool.submit(run_job, job)] = (job, time.monotonic())
        except BaseException:
            self.close()
            raise
        self._finished = self._each_finished()

    def __iter__(self) -> Iterator[Finished]:
        return self

    def __next__(self) -> Finished:
        return next(self._finished)

    def _each_finished(self) -> Iterator[Finished]:
        try:
            for future in as_completed(self._futures):
                job, started = self._futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - a dead worker is the grader's problem, never the student's
                    result = _failed(exc)
                yield job, result, result.seconds or time.monotonic() - started
        finally:
            self.close()

    def close(self) -> None:
        """Stop the workers: a job already running finishes, the others are dropped."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def run_dask(jobs: list[Job], scheduler: str) -> Iterator[Finished]:
    """Each job runs on a Dask worker (which needs the course environment and bubblewrap)."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as exc:
        raise RuntimeError("--scheduler needs Dask: pip install 'keras-course[cluster]'") from exc
    with Client(scheduler, timeout=30) as client:
        futures = {}
        for job in jobs:
            future = client.submit(run_packed, pack_job(job), pure=False, key=f"grade-{job.submission.student}-{job.submission.notebook}-{id(job)}")
            futures[future] = (job, time.monotonic())
        for future in dask_completed(futures):
            job, started = futures[future]
            try:
                result = unpack_result(future.result(), job.scratch)
            except Exception as exc:  # noqa: BLE001 - a lost worker is the grader's problem
                result = _failed(exc)
            yield job, result, result.seconds or time.monotonic() - started


def run_jobs(jobs: list[Job], workers: int = 1, gpus: list[Gpu] = (), scheduler: str = "") -> Iterator[Finished]:
    """Run ``jobs`` the configured way; yields ``(job, result, seconds)`` as each finishes.

    Local pool workers start on the jobs at once; the others when the first result is asked for.
    Close the iterator (``contextlib.closing``) when the run stops early.
    """
    if not jobs:
        return (finished for finished in ())
    if scheduler:
        return run_dask(jobs, scheduler)
    if workers <= 1:
        return run_serial(jobs, gpus[0] if gpus else None)
    return PoolRun(jobs, workers, list(gpus))
