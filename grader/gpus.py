"""GPUs for grading workers: which NVIDIA devices exist, which worker gets which, what the sandbox needs.

With ``--gpus all`` (or ``--gpus 0,2``) each worker takes one GPU of the list
in turn; when there are more workers than GPUs, workers share a GPU and
TensorFlow's memory growth is turned on so they split its memory instead of
the first one taking it all. A sandbox with a GPU sees that one device node
(plus the driver's control nodes) and ``CUDA_VISIBLE_DEVICES`` names it.
Without ``--gpus`` nothing changes: no device nodes, no variables, the CPU.

Example:

>>> plan_gpus("0,1", workers=3, available=["0", "1"])
('0', '1', '0')
>>> gpu_sandbox(Gpu("1", shared=False)).devices
('/dev/nvidiactl', '/dev/nvidia-uvm', '/dev/nvidia-uvm-tools', '/dev/nvidia-modeset', '/dev/nvidia1')
"""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass, field

CONTROL_NODES = ("/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset")


class GpuError(ValueError):
    """A --gpus value the machine cannot satisfy; the message says what it has."""


def available_gpus(pattern: str = "/dev/nvidia[0-9]*") -> list[str]:
    """The indices of the NVIDIA GPUs whose device nodes exist (``["0", "1"]``), in order."""
    found = [m.group(1) for path in glob.glob(pattern) if (m := re.search(r"nvidia(\d+)$", path))]
    return sorted(found, key=int)


def plan_gpus(request: str, workers: int, available: list[str] | None = None) -> tuple[str, ...]:
    """The GPU index each worker uses, or () for the CPU.

    Args:
        request: "" (the CPU), "all", or a comma-separated list of indices.
        workers: how many workers grade at once.
        available: the machine's GPUs. Defaults to `available_gpus()`.
    """
    if not request:
        return ()
    have = available_gpus() if available is None else available
    wanted = have if request == "all" else [part.strip() for part in request.split(",") if part.strip()]
    missing = [g for g in wanted if g not in have]
    if not wanted or missing:
        raise GpuError(
            f"--gpus {request!r} asks for GPU(s) {', '.join(missing) or 'none'}, but this machine has "
            f"{', '.join(have) or 'no NVIDIA GPU'} (looked for /dev/nvidia0, /dev/nvidia1, ...). "
            "Leave --gpus out to grade on the CPU."
        )
    return tuple(wanted[i % len(wanted)] for i in range(workers))


@dataclass(frozen=True)
class Gpu:
    """One worker's GPU: its index, and whether other workers share it."""

    index: str
    shared: bool


@dataclass(frozen=True)
class GpuSandbox:
    """What a sandbox needs for a GPU: device nodes to bind and environment variables."""

    devices: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    label: str = "cpu"


def gpu_sandbox(gpu: Gpu | None) -> GpuSandbox:
    """The device nodes and variables for ``gpu``; the CPU when ``gpu`` is None."""
    if gpu is None:
        return GpuSandbox()
    env = {"CUDA_VISIBLE_DEVICES": gpu.index, "NVIDIA_VISIBLE_DEVICES": gpu.index}
    if gpu.shared:
        env["TF_FORCE_GPU_ALLOW_GROWTH"] = "true"
    return GpuSandbox(devices=(*CONTROL_NODES, f"/dev/nvidia{gpu.index}"), env=env, label=f"gpu:{gpu.index}")


def worker_gpus(plan: tuple[str, ...]) -> list[Gpu]:
    """One `Gpu` per worker from a plan, marking GPUs that several workers use."""
    return [Gpu(index, plan.count(index) > 1) for index in plan]
