"""One core per worker: how cores are split, and the affinity and thread settings a graded kernel sees."""

from __future__ import annotations

import json

import pytest
from tiny_course import tiny_class

from grader.config import load_config
from grader.cores import THREAD_VARIABLES, machine_cores, plan_cores, pool_env, thread_env
from grader.grade import grade_class

SEEN = """import json, os
print("SEEN " + json.dumps({"affinity": sorted(os.sched_getaffinity(0)),
                             "env": {k: os.environ.get(k) for k in VARIABLES}}))
def add(a, b):
    return a + b"""


def test_cores_are_split_evenly_in_whole_cores_and_shared_only_when_workers_outnumber_them():
    assert plan_cores(2, available=[0, 1]) == ((0,), (1,))
    assert plan_cores(3, available=[0, 1, 2, 3, 4, 5, 6]) == ((0, 1, 2), (3, 4), (5, 6))
    assert plan_cores(1, available=[2, 5]) == ((2, 5),)
    assert plan_cores(3, available=[4, 7]) == ((4,), (7,), (4,))
    with pytest.raises(ValueError, match="at least one worker"):
        plan_cores(0, available=[0])


def test_thread_pools_are_sized_to_the_cores_and_nothing_is_set_without_cores():
    env = thread_env((2, 3))
    assert {env[name] for name in THREAD_VARIABLES} == {"2"} and env["TF_NUM_INTEROP_THREADS"] == "1"
    assert env["GRADER_CORES"] == "2,3"
    assert thread_env(()) == {}
    assert pool_env(1)["TF_NUM_INTRAOP_THREADS"] == "1" and "GRADER_CORES" not in pool_env(1)


def _course_that_reports_what_its_kernel_sees(root):
    """A one-question course whose four answers print the kernel's affinity and thread variables."""
    variables = [*THREAD_VARIABLES, "TF_NUM_INTEROP_THREADS", "GRADER_CORES"]
    return tiny_class(root, "92_seen", [f"VARIABLES = {variables!r}\n{SEEN}"] * 4, test="assert add(1, 2) == 3", points=1)


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_each_kernel_runs_on_its_workers_cores_with_thread_pools_of_that_size(tmp_path, warm):
    cores = machine_cores()
    if len(cores) < 2:
        pytest.skip("needs two cores to give two workers one each")
    folder = _course_that_reports_what_its_kernel_sees(tmp_path / "course")
    config = load_config(tmp_path / "course").with_overrides(workers=2, warm=warm)
    results = grade_class(folder, tmp_path / "out", config, progress=lambda _: None)
    plan = set(plan_cores(2, cores))
    for result in results:
        assert result.score == 1, result.message
        text = next(o.text for o in result.outputs if "SEEN " in o.text)
        seen = json.loads(text.split("SEEN ", 1)[1].splitlines()[0])
        own = tuple(seen["affinity"])
        assert own in plan, f"{result.submission.student} ran on {own}, not on one worker's share of {sorted(plan)}"
        expected = {**thread_env(own)}
        assert seen["env"] == expected, f"the kernel's thread settings {seen['env']} are not sized to its cores {own}"
