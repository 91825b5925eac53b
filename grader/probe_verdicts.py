"""The judging half of the hidden probes: verdicts decided outside the student's kernel.

A probe kind (`keras_course.probes`) says what to collect in the kernel; this module,
on the instructor's side only, decides what the collected data is worth. It
compares the student's items with the answer key (the same probe run on the
instructor's solution at build time) using tolerances from the probe, never
from the data, and has saved models scored on held-out data the sandbox never
saw. `judge_probe` dispatches on the probe's kind.

Example:

>>> from keras_course.channel import encode
>>> probe = FunctionProbe(cases=lambda: [(1.0,)], rtol=1e-6)
>>> judge_probe(probe, {"case0": encode(2.0)}, {"case0": encode(2.0)}, None).status.value
'passed'
>>> probe = FunctionProbe(cases=lambda: [(np.ones(2),)], covers=("value",))
>>> items = probe.collect(lambda a: a.sum(), Path("."), "q")
>>> judge_probe(probe, items, probe.collect(lambda a: a.sum(), Path("."), "q"), None).status.value
'passed'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from grader.outcomes import HeldOutScore, Status
from grader.probe_files import safe_file
from keras_course.channel import ChannelError, decode
from keras_course.checks import compare
from keras_course.probes import FunctionProbe, ModelProbe, ValueProbe, arguments_state


@dataclass(frozen=True)
class ProbeOutcome:
    """The judge's finding for one probe: a status, a student message, an instructor detail.

    ``requirement`` is the id of the question's requirement that failed, when
    the probe can tell which one (else the judge names the probe's first).
    """

    status: Status
    message: str = ""
    detail: str = ""
    requirement: str = ""
    heldout: HeldOutScore | None = None  # a model's held-out score, when one was measured


PASSED = ProbeOutcome(Status.PASSED, "Correct.")


class ModelScorer(Protocol):
    def __call__(self, model: Path, heldout: str, metric: str, weights_of: tuple[str, ...] = ()) -> dict[str, Any]: ...


@dataclass(frozen=True)
class JudgeContext:
    """What a probe's judge half may use: the probe folder and the model scorer."""

    probe_dir: Path
    score_model: ModelScorer | None = None
    show_expected: bool = False


def _item_error(item: Any) -> ProbeOutcome | None:
    """Turn an error item written by the kernel into an outcome (validated strictly)."""
    if not (isinstance(item, dict) and item.get("type") == "error"):
        return None
    kind, message = item.get("kind"), item.get("message")
    if not isinstance(message, str):
        raise ChannelError("error item without a message")
    if kind == "not_attempted":
        return ProbeOutcome(Status.NOT_ATTEMPTED, "You have not answered this question yet.")
    if kind == "unencodable":
        return ProbeOutcome(Status.FAILED, f"Your answer returned {message.split(': ', 1)[-1]}.")
    if kind == "error":
        return ProbeOutcome(Status.ERROR, f"Your code raised {message[:300]} on a hidden test.")
    if kind == "malformed":
        return ProbeOutcome(Status.FAILED, f"On a hidden test, your answer did not have the form the question asks for: {message[:300]}")
    raise ChannelError(f"unknown error kind {kind!r}")


def _same_state(got: Any, want: dict[str, Any]) -> bool:
    """Whether a recorded arguments state matches the judge's own (shapes exactly, numbers to rounding)."""
    if not isinstance(got, dict) or set(got) != set(want):
        return False
    if decode(got["others"]) != decode(want["others"]):
        return False
    if compare(decode(got["shapes"]), decode(want["shapes"]), 0.0, 0.0) is not None:
        return False
    return compare(decode(got["values"]), decode(want["values"]), 1e-9, 1e-12) is None


def _case_order(name: str) -> int:
    return int(name[4:]) if name.startswith("case") and name[4:].isdigit() else 10**9


def _function_requirement(probe: FunctionProbe, wanted: str) -> str:
    """The requirement a failure is about: ``wanted`` ("unchanged", "generator", ...) when the probe covers it."""
    return wanted if wanted in probe.covers or wanted in ("unchanged", "generator") else ""


def judge_function(probe: FunctionProbe, items: dict, key: dict, context: JudgeContext | None) -> ProbeOutcome:
    """Each hidden case's result against the key (or the probe's ``verify``), its arguments left as they were, its randomness from its generator."""
    cases = probe.cases()
    for name in sorted((n for n in key if "." not in n), key=_case_order):
        if name not in items:
            return ProbeOutcome(Status.FAILED, "A hidden test found no result from your code.", f"{name} missing")
        failed = _item_error(items[name])
        if failed:
            return failed
        args = cases[_case_order(name)]
        outcome = (
            (_judge_generator(probe, items, key, name) if probe.generator is not None else None)
            or _judge_value(probe, items[name], key[name], args, name, context)
            or _judge_inputs(probe, items, key, args, name)
        )
        if outcome is not None:
            return outcome
    return PASSED


def _judge_value(probe: FunctionProbe, item: Any, key_item: Any, args: tuple, name: str, context: JudgeContext | None
) -> ProbeOutcome | None:
    got = decode(item)
    if probe.verify is not None:
        problem = probe.verify(args, np.asarray(got))
        detail = problem or ""
    else:
        expected = decode(key_item)
        problem = compare(got, expected, probe.rtol, probe.atol)
        detail = f"{name}: expected {expected!r}, got {got!r}"
    if not problem:
        return None
    message = f"On {probe.label}, your answer returned {problem}."
    if context is not None and context.show_expected and probe.verify is None:
        message += f" Expected {expected!r}; got {got!r}."
    return ProbeOutcome(Status.FAILED, message, detail, _function_requirement(probe, "value"))


def _judge_inputs(probe: FunctionProbe, items: dict, key: dict, args: tuple, name: str) -> ProbeOutcome | None:
    """Unchanged arguments are required when the instructor's answer leaves them unchanged."""
    original = arguments_state([a for i, a in enumerate(args) if i != probe.generator])
    if not _same_state(key.get(f"{name}.after"), original):
        return None
    if not _same_state(items.get(f"{name}.after"), original):
        return ProbeOutcome(
            Status.FAILED,
            f"On {probe.label}, your function changed the arrays it was given. Work on a copy "
            "(`x = x.copy()`) or build new arrays instead of writing into the arguments.",
            f"{name}: arguments changed by the call",
            _function_requirement(probe, "unchanged"),
        )
    return None


def _judge_generator(probe: FunctionProbe, items: dict, key: dict, name: str) -> ProbeOutcome | None:
    """Same seed, same result; another seed, another result (when the instructor's differs)."""
    first, again, other = (items.get(name), items.get(f"{name}.again"), items.get(f"{name}.other"))
    if again is None or other is None:
        return ProbeOutcome(Status.FAILED, "A hidden test found no result from your code.", f"{name} runs missing")
    for item in (again, other):
        failed = _item_error(item)
        if failed:
            return failed
    if compare(decode(again), decode(first), 0.0, 0.0):
        return ProbeOutcome(
            Status.FAILED,
            f"On {probe.label}, two generators made with the same seed gave different results. Draw every "
            "random number from the generator you are given (`rng.random(...)`, `rng.normal(...)`), not from "
            "`np.random` or another source.",
            f"{name}: same seed, different results",
            _function_requirement(probe, "generator"),
        )
    key_differs = compare(decode(key[f"{name}.other"]), decode(key[name]), 0.0, 0.0) is not None
    if key_differs and compare(decode(other), decode(first), 0.0, 0.0) is None:
        return ProbeOutcome(
            Status.FAILED,
            f"On {probe.label}, generators with different seeds gave the same result. Use the generator you "
            "are given for every random draw.",
            f"{name}: different seeds, same result",
            _function_requirement(probe, "generator"),
        )
    return None


def judge_value(probe: ValueProbe, items: dict, key: dict, context: JudgeContext | None) -> ProbeOutcome:
    """The recorded value against the key, within the probe's tolerances."""
    if "value" not in items:
        return ProbeOutcome(Status.FAILED, "A hidden test found no value from your code.")
    failed = _item_error(items["value"])
    if failed:
        return failed
    got, expected = decode(items["value"]), decode(key["value"])
    problem = compare(got, expected, probe.rtol, probe.atol)
    if problem:
        return ProbeOutcome(
            Status.FAILED,
            f"{probe.label.capitalize()} is {problem}.",
            f"expected {expected!r}, got {got!r}",
            probe.covers[0] if probe.covers else "",
        )
    return PASSED


def _model_requirement(probe: ModelProbe, aspect: str) -> str:
    """The requirement a failed rule is about: the one named like its aspect; the judge falls back to the first covered.

    A missed score names "heldout" when the probe covers it, else the probe's first covered requirement (a
    probe whose score checks something else, such as how the model was trained).
    """
    if aspect == "heldout" and probe.covers and "heldout" not in probe.covers:
        return probe.covers[0]
    return aspect


def _higher_is_better(probe: ModelProbe) -> bool:
    """Whether a larger value of the probe's metric is a better model (accuracy) or a worse one (an error)."""
    from grader.modelscore import metric

    return metric(probe.metric).higher_is_better


def judge_model(probe: ModelProbe, items: dict, key: dict, context: JudgeContext | None) -> ProbeOutcome:
    """The saved model, loaded and measured by the trusted scorer: its requirements first, then its held-out score."""
    item = items.get("model")
    failed = _item_error(item)
    if failed:
        return failed
    if not isinstance(item, dict) or item.get("type") != "file":
        return ProbeOutcome(Status.FAILED, "A hidden test found no saved model.")
    if context is None or context.score_model is None:
        raise RuntimeError("judging a ModelProbe needs a JudgeContext with a model scorer")
    path = safe_file(context.probe_dir, item.get("name"), ".keras")
    report = context.score_model(path, probe.heldout, probe.metric, probe.weights_of)
    if not report.get("ok"):
        return ProbeOutcome(
            Status.FAILED,
            "Your saved model could not be loaded for grading. Use only built-in Keras layers "
            "(no Lambda layers or custom classes).",
            str(report.get("error", ""))[:500],
        )
    problems = probe.requirements.problems(report)
    if problems:
        aspect, first = problems[0]
        return ProbeOutcome(
            Status.FAILED,
            f"Your model does not meet the question's requirements: {first}.",
            "; ".join(problem for _, problem in problems),
            _model_requirement(probe, aspect),
        )
    measured = HeldOutScore(probe.metric, float(report["score"]), _higher_is_better(probe), probe.threshold)
    score = measured.value
    detail = f"{probe.metric} on held-out data {score:.4f}, threshold {probe.threshold}"
    if not measured.meets_goal:
        word = "at least" if _higher_is_better(probe) else "at most"
        return ProbeOutcome(
            Status.FAILED,
            f"On held-out data your model's {probe.metric} is {score:.3f}; it needs {word} {probe.threshold}.",
            detail,
            _model_requirement(probe, "heldout"),
            measured,
        )
    return ProbeOutcome(Status.PASSED, f"Correct: held-out {probe.metric} {score:.3f}.", detail, heldout=measured)


_JUDGES: dict[type, Callable[..., ProbeOutcome]] = {
    FunctionProbe: judge_function,
    ValueProbe: judge_value,
    ModelProbe: judge_model,
}


def judge_probe(probe: Any, items: dict, key: dict, context: JudgeContext | None) -> ProbeOutcome:
    """Decide one probe of a question from its items and the key's, by the probe's kind.

    A kind this module does not know judges itself with its own ``judge(items,
    key, context)`` method (a test that plants a kind does so); anything else is
    a fault of the course, not of the student.

    Raises:
        ChannelError: an item is malformed (the caller turns it into a failed outcome).
        TypeError: the probe is of no kind the grader can judge.
    """
    judge = _JUDGES.get(type(probe))
    if judge is not None:
        return judge(probe, items, key, context)
    if callable(getattr(probe, "judge", None)):
        return probe.judge(items, key, context)
    raise TypeError(f"no judge for the probe kind {type(probe).__name__}")
