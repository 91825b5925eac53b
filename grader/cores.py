"""CPU cores for grading workers: which worker gets which, and the thread settings its kernels get.

Two TensorFlow processes that share both cores of a machine with their default
thread pools slow each other by about 40%; pinned to one core each, with one
thread, they run as fast as one process alone. So each local worker is
confined to its own cores (``sched_setaffinity``, inherited by its warm-kernel
server and every kernel forked from it), and the kernels' thread pools are
sized to those cores through the environment the sandbox passes in, never by
editing the student's code. The trusted model scorer, which judges between
runs, gets one thread so it never takes a worker's core for long.

Example:

>>> plan_cores(2, available=[0, 1, 2, 3])
((0, 1), (2, 3))
>>> plan_cores(3, available=[0, 1])
((0,), (1,), (0,))
>>> thread_env((2, 3))["TF_NUM_INTRAOP_THREADS"]
'2'
"""

from __future__ import annotations

import os
from collections.abc import Sequence

THREAD_VARIABLES = ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")
SCORER_THREADS = 1


def machine_cores() -> list[int]:
    """The cores this process may run on (its affinity, which a container or `taskset` may narrow)."""
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return list(range(os.cpu_count() or 1))


def plan_cores(workers: int, available: Sequence[int] | None = None) -> tuple[tuple[int, ...], ...]:
    """The cores each of ``workers`` workers may use: an even split, whole cores, at least one each.

    With more workers than cores, workers take one core each in turn and share.

    Args:
        workers: how many workers grade at once.
        available: the cores to split. Defaults to `machine_cores()`.
    """
    cores = list(machine_cores() if available is None else available)
    if workers < 1 or not cores:
        raise ValueError(f"plan_cores expected at least one worker and one core. Received: workers={workers}, cores={cores}")
    if workers >= len(cores):
        return tuple((cores[i % len(cores)],) for i in range(workers))
    share, extra = divmod(len(cores), workers)
    plan, start = [], 0
    for i in range(workers):
        size = share + (1 if i < extra else 0)
        plan.append(tuple(cores[start : start + size]))
        start += size
    return tuple(plan)


def pool_env(threads: int) -> dict[str, str]:
    """The variables that size TensorFlow's, OpenMP's and BLAS's thread pools to ``threads``.

    TensorFlow's inter-op pool gets one thread per two (one at least):
    notebooks here run one op graph at a time, and extra inter-op threads only
    compete with the intra-op ones.
    """
    return {**dict.fromkeys(THREAD_VARIABLES, str(threads)), "TF_NUM_INTEROP_THREADS": str(max(1, threads // 2))}


def thread_env(cores: Sequence[int]) -> dict[str, str]:
    """`pool_env` for one thread per core of ``cores``, and ``GRADER_CORES`` naming them; {} for no cores."""
    if not cores:
        return {}
    return {**pool_env(len(cores)), "GRADER_CORES": ",".join(str(c) for c in cores)}


def pin(cores: Sequence[int]) -> bool:
    """Confine this process (and every process it starts from now on) to ``cores``; False where the OS cannot."""
    if not cores:
        return False
    try:
        os.sched_setaffinity(0, set(cores))
    except (AttributeError, OSError):
        return False
    return True
