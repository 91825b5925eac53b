"""GPU grading, without a GPU: the device nodes and variables each sandbox gets, and the CPU path unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.execute import ExecutionRequest, kernel_environment
from grader.gpus import CONTROL_NODES, Gpu, GpuError, available_gpus, gpu_sandbox, plan_gpus, worker_gpus
from grader.sandbox import SandboxSpec, bwrap_argv


def test_available_gpus_reads_the_device_nodes(tmp_path):
    for name in ("nvidia0", "nvidia1", "nvidia10", "nvidiactl", "nvidia-uvm"):
        (tmp_path / name).touch()
    assert available_gpus(str(tmp_path / "nvidia[0-9]*")) == ["0", "1", "10"]


def test_each_worker_gets_its_own_gpu_and_shares_only_when_there_are_more_workers():
    assert plan_gpus("all", workers=2, available=["0", "1"]) == ("0", "1")
    assert plan_gpus("1", workers=2, available=["0", "1"]) == ("1", "1")
    gpus = worker_gpus(plan_gpus("0,1", workers=3, available=["0", "1"]))
    assert gpus == [Gpu("0", shared=True), Gpu("1", shared=False), Gpu("0", shared=True)]
    assert plan_gpus("", workers=4, available=["0"]) == ()


def test_asking_for_a_gpu_the_machine_lacks_says_what_it_has():
    with pytest.raises(GpuError, match="has no NVIDIA GPU"):
        plan_gpus("all", workers=1, available=[])
    with pytest.raises(GpuError, match="asks for GPU.*3.*has 0, 1"):
        plan_gpus("0,3", workers=1, available=["0", "1"])


def test_a_gpu_sandbox_binds_its_device_and_names_it():
    sandbox = gpu_sandbox(Gpu("1", shared=True))
    argv = bwrap_argv(SandboxSpec(scratch=Path("/tmp/s"), devices=sandbox.devices), ["python"])
    pairs = [(argv[i + 1], argv[i + 2]) for i, a in enumerate(argv) if a == "--dev-bind-try"]
    assert ("/dev/nvidia1", "/dev/nvidia1") in pairs and ("/dev/nvidia0", "/dev/nvidia0") not in pairs
    assert {node for node, _ in pairs} == {*CONTROL_NODES, "/dev/nvidia1"}
    assert argv.index("--dev-bind-try") > argv.index("--dev"), "device binds go on top of the sandbox's own /dev"
    assert sandbox.env["CUDA_VISIBLE_DEVICES"] == "1" and sandbox.env["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert "TF_FORCE_GPU_ALLOW_GROWTH" not in gpu_sandbox(Gpu("0", shared=False)).env
    assert sandbox.label == "gpu:1"


def test_without_a_gpu_the_sandbox_and_the_kernel_environment_are_unchanged(tmp_path):
    plain = SandboxSpec(scratch=tmp_path)
    assert bwrap_argv(plain, ["python"]) == bwrap_argv(SandboxSpec(scratch=tmp_path, devices=gpu_sandbox(None).devices), ["python"])
    assert "--dev-bind-try" not in bwrap_argv(plain, ["python"])
    from grader.config import Limits

    request = ExecutionRequest(notebook=None, scratch=tmp_path, limits=Limits())
    env = kernel_environment(request, tmp_path / "probes")
    assert not any(key.startswith(("CUDA", "NVIDIA", "TF_FORCE_GPU")) for key in env)
    assert gpu_sandbox(None).label == "cpu"
