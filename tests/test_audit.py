"""grader audit: every built-in case holds in the sandbox and raises its flags, and the checks do fail without it."""

import contextlib
import io

import pytest

from grader.audit import TAMPERING
from grader.cli import main

pytestmark = pytest.mark.slow
NOTEBOOK = "02_activations_and_losses"


def audit(capsys, *flags, notebook=NOTEBOOK):
    code = main(["audit", notebook, "--workers", "2", *flags])
    return code, capsys.readouterr().out


def test_every_case_holds_in_the_sandbox(capsys, course, monkeypatch):
    monkeypatch.chdir(course.root)
    code, out = audit(capsys)
    assert code == 0, out
    assert "NOT HELD" not in out
    for category in ("tampering", "reading", "writing", "network", "resources", "bad input", "correct work, mangled"):
        assert f"\n{category}\n" in out


def test_without_the_sandbox_reading_writing_and_network_are_not_held(capsys, course, monkeypatch):
    monkeypatch.chdir(course.root)
    # Only these categories: without a sandbox a process flood or memory bomb would hit the test machine itself.
    code, out = audit(capsys, "--no-sandbox", "--category", "reading", "--category", "writing", "--category", "network")
    assert code == 1
    not_held = [line for line in out.splitlines() if "NOT HELD" in line]
    assert len(not_held) == 3, out
    assert any("AUDIT-LEAKED" in line for line in not_held)
    assert any("wrote" in line for line in not_held)
    assert any("connection" in line for line in not_held)
    assert not (course.root / "AUDIT_MARK").exists()


@pytest.fixture(scope="module")
def audit_01(course):
    """One audit of exercise 01 over the categories its tests read: (exit code, printed report)."""
    categories = ("tampering", "network", "correct work, mangled", "forged probe data")
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.chdir(course.root)
        code = main(["audit", "01_the_neuron", "--workers", "2", *(f for c in categories for f in ("--category", c))])
    return code, printed.getvalue()


def test_01_every_tampering_case_raises_its_flag_and_mangled_correct_work_none(audit_01):
    code, out = audit_01
    assert code == 0, out
    assert "NOT HELD" not in out and "NO FLAG" not in out
    lines = {line[12:].split("  (")[0].strip(): line for line in out.splitlines() if "flags:" in line}  # "  held      name  (...)"
    for name, (_, expected) in TAMPERING.items():
        assert all(kind.value in lines[name] for kind in expected), lines[name]
    assert "equality_overridden" in lines["object equal to everything"]
    assert "network_attempt" in lines["loopback connection to the host"]
    assert lines["metadata and cell ids stripped (Colab)"].endswith("flags: none)")
    assert lines["answer duplicated, test cells deleted"].endswith("flags: none)")


def test_forged_probe_data_gains_nothing_for_each_probe_kind(audit_01):
    code, out = audit_01
    assert code == 0, out
    assert "\nforged probe data\n" in out
    held = [line for line in out.splitlines() if line.lstrip().startswith("held")]
    assert any("FunctionProbe items forged" in line for line in held) and any("ModelProbe items forged" in line for line in held), out


def test_a_probe_that_trusts_numbers_from_the_kernel_is_caught_by_the_forged_case(course, config, monkeypatch):
    import dataclasses

    from grader.audit import run_audit
    from grader.outcomes import Status
    from grader.probe_verdicts import ProbeOutcome

    class TrustsTheKernel:  # planted: passes whenever the kernel reports numbers that look like a result
        covers = ()

        def judge(self, items, key, context):
            numbers = [v for v in items.values() if isinstance(v, dict) and v.get("type") == "array"]
            return ProbeOutcome(Status.PASSED if numbers else Status.FAILED, "")

    real = course.exercise("01_the_neuron")
    first = dataclasses.replace(real.questions[0], probes=(TrustsTheKernel(),))
    planted = dataclasses.replace(real, questions=(first, *real.questions[1:]))
    monkeypatch.setattr(type(course), "exercise", lambda self, notebook: planted)
    results = run_audit(course, "01_the_neuron", config, ["forged probe data"])
    planted_case = next(r for r in results if first.id in r.name)
    assert planted_case.name.startswith("TrustsTheKernel items forged")
    assert not planted_case.held and "forged probe data scored" in planted_case.detail
