"""Hidden probes: data collected in the student's kernel, verdicts decided outside it.

Each class is one kind of hidden test, with two halves:

- ``collect(answer, directory, question)`` runs *in the student's kernel*. It
  calls the student's function on fixed inputs, or saves the student's model,
  and returns plain data for the channel. It decides nothing.
- ``judge(items, key, context)`` runs *in the grader*, never in the kernel. It
  compares the student's data with the answer key (the same probe run on the
  instructor's solution at build time) using tolerances from this trusted
  module, never from the data, and scores saved models on held-out data the
  sandbox never saw.

Example (judge side):

>>> from grader.channel import encode
>>> probe = FunctionProbe(cases=lambda: [(1.0,)], rtol=1e-6)
>>> probe.judge({"case0": encode(2.0)}, {"case0": encode(2.0)}, None).status.value
'passed'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from grader.channel import ChannelError, Unencodable, decode, encode, safe_file
from grader.checks import compare
from grader.outcomes import Status


@dataclass(frozen=True)
class ProbeOutcome:
    """The judge's finding for one probe: a status, a student message, an instructor detail."""

    status: Status
    message: str = ""
    detail: str = ""


PASSED = ProbeOutcome(Status.PASSED, "Correct.")


class ModelScorer(Protocol):
    def __call__(self, model: Path, heldout: str, metric: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class JudgeContext:
    """What a probe's judge half may use: the probe folder and the model scorer."""

    probe_dir: Path
    score_model: ModelScorer | None = None
    show_expected: bool = False


def _error_item(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, NotImplementedError):
        return {"type": "error", "kind": "not_attempted", "message": "NotImplementedError"}
    kind = "unencodable" if isinstance(exc, Unencodable) else "error"
    return {"type": "error", "kind": kind, "message": f"{type(exc).__name__}: {exc}"[:500]}


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
    raise ChannelError(f"unknown error kind {kind!r}")


@dataclass(frozen=True)
class FunctionProbe:
    """Call the student's function on hidden cases and compare with the key.

    Args:
        cases: returns a list of argument tuples (built lazily, seeded).
        rtol: relative tolerance. Defaults to 1e-5.
        atol: absolute tolerance. Defaults to 1e-7.
        verify: ``verify(args, output) -> problem or None`` to accept every
            output with a property instead of one exact value (trained
            weights, say). When given, the key is not compared. Defaults to None.
        label: what the cases are, for messages. Defaults to "a hidden input".
        transform: turns the answer's result into one array in the kernel (for
            functions that return a tuple, say). Defaults to None.
    """

    cases: Callable[[], list[tuple]]
    rtol: float = 1e-5
    atol: float = 1e-7
    verify: Callable[[tuple, np.ndarray], str | None] | None = None
    label: str = "a hidden input"
    transform: Callable[[Any], Any] | None = None

    def collect(self, answer: Any, directory: Path, question: str) -> dict[str, Any]:
        items: dict[str, Any] = {}
        for index, args in enumerate(self.cases()):
            copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
            try:
                result = answer(*copies)
                items[f"case{index}"] = encode(self.transform(result) if self.transform else result)
            except BaseException as exc:  # noqa: BLE001 - student code may raise anything
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                items[f"case{index}"] = _error_item(exc)
        return items

    def judge(self, items: dict, key: dict, context: JudgeContext | None) -> ProbeOutcome:
        cases = self.cases() if self.verify else None
        for name in sorted(key, key=_case_order):
            if name not in items:
                return ProbeOutcome(Status.FAILED, "A hidden test found no result from your code.", f"{name} missing")
            failed = _item_error(items[name])
            if failed:
                return failed
            got = decode(items[name])
            if self.verify is not None:
                problem = self.verify(cases[_case_order(name)], np.asarray(got))
                detail = problem or ""
            else:
                expected = decode(key[name])
                problem = compare(got, expected, self.rtol, self.atol)
                detail = f"{name}: expected {expected!r}, got {got!r}"
            if problem:
                message = f"On {self.label}, your answer returned {problem}."
                if context is not None and context.show_expected and self.verify is None:
                    message += f" Expected {expected!r}; got {got!r}."
                return ProbeOutcome(Status.FAILED, message, detail)
        return PASSED


def _case_order(name: str) -> int:
    return int(name[4:]) if name.startswith("case") and name[4:].isdigit() else 10**9


@dataclass(frozen=True)
class ValueProbe:
    """Record a value the student computed and compare it with the key."""

    rtol: float = 1e-6
    atol: float = 1e-8
    label: str = "this value"

    def collect(self, answer: Any, directory: Path, question: str) -> dict[str, Any]:
        try:
            return {"value": encode(answer)}
        except Unencodable as exc:
            return {"value": _error_item(exc)}

    def judge(self, items: dict, key: dict, context: JudgeContext | None) -> ProbeOutcome:
        if "value" not in items:
            return ProbeOutcome(Status.FAILED, "A hidden test found no value from your code.")
        failed = _item_error(items["value"])
        if failed:
            return failed
        got, expected = decode(items["value"]), decode(key["value"])
        problem = compare(got, expected, self.rtol, self.atol)
        if problem:
            return ProbeOutcome(Status.FAILED, f"{self.label.capitalize()} is {problem}.", f"expected {expected!r}, got {got!r}")
        return PASSED


@dataclass(frozen=True)
class ModelRequirements:
    """Architecture rules a saved model must meet (checked on its config, not its internals).

    Args:
        input_shape: shape of one example. Defaults to None (any).
        output_units: units of the last layer. Defaults to None (any).
        output_activation: the last layer's activation. Defaults to "" (any).
        max_params: most parameters allowed. Defaults to None (no limit).
        layer_counts: least number of layers of each class, e.g. ``{"Dense": 2}``. Defaults to {}.
    """

    input_shape: tuple[int, ...] | None = None
    output_units: int | None = None
    output_activation: str = ""
    max_params: int | None = None
    layer_counts: dict[str, int] = field(default_factory=dict)

    def problems(self, report: dict[str, Any]) -> list[str]:
        found: list[str] = []
        layers = report.get("layers", [])
        last = layers[-1] if layers else {}
        if self.input_shape is not None and tuple(report.get("input_shape") or ()) != tuple(self.input_shape):
            found.append(f"it takes inputs of shape {tuple(report.get('input_shape') or ())}, not {tuple(self.input_shape)}")
        if self.output_units is not None and last.get("units") != self.output_units:
            found.append(f"its last layer has {last.get('units')} units, not {self.output_units}")
        if self.output_activation and last.get("activation") != self.output_activation:
            found.append(f"its last layer's activation is {last.get('activation')!r}, not {self.output_activation!r}")
        if self.max_params is not None and report.get("params", 0) > self.max_params:
            found.append(f"it has {report.get('params')} parameters, more than {self.max_params}")
        for name, least in self.layer_counts.items():
            have = sum(1 for layer in layers if layer.get("class_name") == name)
            if have < least:
                found.append(f"it has {have} {name} layer(s), fewer than {least}")
        return found


@dataclass(frozen=True)
class ModelProbe:
    """Save the student's trained Keras model; the judge scores it on held-out data.

    Args:
        heldout: name of a held-out set in `grader.heldout` (made from the
            course's secret; it never enters the sandbox).
        metric: a name in `grader.modelscore.METRICS`: "accuracy" (higher is
            better), "mae" / "mse" (lower is better), ... Defaults to "accuracy".
        threshold: the score the model must reach (at least, or at most for errors).
        requirements: architecture rules. Defaults to none.
    """

    heldout: str
    threshold: float
    metric: str = "accuracy"
    requirements: ModelRequirements = field(default_factory=ModelRequirements)

    def collect(self, answer: Any, directory: Path, question: str) -> dict[str, Any]:
        import keras

        if not isinstance(answer, keras.Model):
            return {"model": _error_item(Unencodable(f"a {type(answer).__name__}, not a Keras model"))}
        name = f"{question}.keras"
        try:
            answer.save(directory / name)
        except Exception as exc:  # noqa: BLE001 - saving a student's model may fail in many ways
            return {"model": _error_item(exc)}
        return {"model": {"type": "file", "name": name}}

    @property
    def higher_is_better(self) -> bool:
        from grader.modelscore import metric

        return metric(self.metric).higher_is_better

    def judge(self, items: dict, key: dict, context: JudgeContext | None) -> ProbeOutcome:
        item = items.get("model")
        failed = _item_error(item)
        if failed:
            return failed
        if not isinstance(item, dict) or item.get("type") != "file":
            return ProbeOutcome(Status.FAILED, "A hidden test found no saved model.")
        if context is None or context.score_model is None:
            raise RuntimeError("ModelProbe.judge needs a JudgeContext with a model scorer")
        path = safe_file(context.probe_dir, item.get("name"), ".keras")
        report = context.score_model(path, self.heldout, self.metric)
        if not report.get("ok"):
            return ProbeOutcome(
                Status.FAILED,
                "Your saved model could not be loaded for grading. Use only built-in Keras layers "
                "(no Lambda layers or custom classes).",
                str(report.get("error", ""))[:500],
            )
        problems = self.requirements.problems(report)
        if problems:
            return ProbeOutcome(Status.FAILED, "Your model does not match the specification: " + "; ".join(problems) + ".")
        score = float(report["score"])
        good = score >= self.threshold if self.higher_is_better else score <= self.threshold
        detail = f"{self.metric} on held-out data {score:.4f}, threshold {self.threshold}"
        if not good:
            word = "at least" if self.higher_is_better else "at most"
            return ProbeOutcome(
                Status.FAILED,
                f"On held-out data your model's {self.metric} is {score:.3f}; it needs {word} {self.threshold}.",
                detail,
            )
        return ProbeOutcome(Status.PASSED, f"Correct: held-out {self.metric} {score:.3f}.", detail)


Probe = FunctionProbe | ValueProbe | ModelProbe
