"""Every result type the grader hands between steps survives JSON through `grader.plain`, as the ledger keeps it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

import grader.outcomes as outcomes
from grader.answer_key import AnswerKey
from grader.flags import Flag, FlagKind, Sighting
from grader.jobs import JobResult
from grader.ledger import Ledger, result_from_json, result_to_json
from grader.outcomes import (
    CellError,
    CellRecord,
    Execution,
    HeldOutScore,
    NotebookResult,
    RunStatus,
    Status,
    StudentOutput,
    Submission,
    Verdict,
)
from grader.plain import PlainError, from_plain, to_plain

NAMES = {"Flag": Flag, "Sighting": Sighting}
SUBMISSION = Submission("ada", "01_the_neuron", Path("/class/ada/01_the_neuron.ipynb"))
HELDOUT = HeldOutScore("accuracy", 0.93, True, 0.9)
VERDICTS = (
    Verdict("q1_weighted_sum", Status.PASSED, 2.0, 2.0, "Correct.", "case0 ok", heldout=HELDOUT),
    Verdict("q2_perceptron", Status.TIMEOUT, 0.0, 3.0, "The notebook stopped.", in_kernel=True),
)
CELLS = (
    CellRecord(3, "q1_weighted_sum", False, CellError("CheckFailed", "expected 1.5: got 2"), True, "out\n", "test"),
    CellRecord(4, None, False, None, False, "", "answer", answer_of="q1-answer"),
)
EXECUTION = Execution(
    RunStatus.TIMEOUT, "A cell ran longer than 2 s.", Path("/tmp/run"), Path("/tmp/run/probes"), CELLS, 3.5, 2.25, "gpu:1",
    123456, (Sighting(FlagKind.TRACE_HOOK, "sys.settrace left set"),),
)
RESULT = NotebookResult(
    SUBMISSION, RunStatus.COMPLETED, "The notebook ran to the end.", VERDICTS, 12.5, None,
    (StudentOutput("q1_weighted_sum", "check", "1 visible check failed", "CheckFailed: expected 1.5"),), "gpu:0", 11.0, 2048,
    (Flag("ada", "01_the_neuron", FlagKind.NETWORK, "cell 3 (answer): Network is unreachable"),),
)
SAMPLES = {
    Submission: SUBMISSION,
    CellError: CellError("NameError", "name 'f' is not defined"),
    CellRecord: CELLS[0],
    Execution: EXECUTION,
    HeldOutScore: HELDOUT,
    Verdict: VERDICTS[0],
    StudentOutput: RESULT.outputs[0],
    NotebookResult: RESULT,
    JobResult: JobResult(EXECUTION, RunStatus.TIMEOUT, "stopped", 4.0),
    Flag: RESULT.flags[0],
    Sighting: EXECUTION.sightings[0],
    AnswerKey: AnswerKey("01_the_neuron", "abc", {"q1_weighted_sum": {"p0.value": [1.5, 2.0]}}, {"q1_weighted_sum": "ok"}, 4.2),
}


@pytest.mark.parametrize("kind", list(SAMPLES), ids=lambda k: k.__name__)
def test_every_result_type_round_trips_through_json(kind):
    value = SAMPLES[kind]
    assert from_plain(kind, json.loads(json.dumps(to_plain(value))), NAMES) == value


def test_every_dataclass_of_the_outcomes_module_has_a_round_trip_sample():
    kinds = {v for v in vars(outcomes).values() if dataclasses.is_dataclass(v) and v.__module__ == outcomes.__name__}
    assert kinds <= set(SAMPLES), f"add a sample for {sorted(k.__name__ for k in kinds - set(SAMPLES))}"


def test_the_ledger_keeps_every_field_of_a_result(tmp_path):
    ledger = Ledger(tmp_path / ".ledger", context="k")
    ledger.save(RESULT)
    assert ledger.load(SUBMISSION) == RESULT
    assert result_from_json(json.loads(json.dumps(result_to_json(RESULT)))) == RESULT


def test_a_ledger_entry_of_another_format_or_shape_is_graded_again(tmp_path):
    ledger = Ledger(tmp_path / ".ledger", context="k")
    ledger.save(RESULT)
    entry = ledger._path(SUBMISSION)
    saved = json.loads(entry.read_text())
    entry.write_text(json.dumps({**saved, "format": 1}))
    assert ledger.load(SUBMISSION) is None
    entry.write_text(json.dumps({**saved, "result": {**saved["result"], "status": "finished"}}))
    assert ledger.load(SUBMISSION) is None


@pytest.mark.parametrize(
    ("kind", "data", "problem"),
    [
        (Verdict, {"question": "q1", "status": "great", "score": 1, "max_score": 2, "message": ""}, "'great' is not a valid Status"),
        (Verdict, {"question": "q1", "status": "passed", "score": "2", "max_score": 2, "message": ""}, "value.score: expected a number"),
        (Submission, {"student": "ada", "path": None}, "no 'notebook' for a Submission"),
        (CellRecord, {"index": 1, "question": None, "hidden": False, "error": ["NameError"], "ran": True, "output_text": ""},
         "value.error: expected dict"),
    ],
)
def test_data_that_does_not_fit_its_type_is_refused_with_where(kind, data, problem):
    with pytest.raises(PlainError, match=problem):
        from_plain(kind, data)


def test_a_field_added_later_takes_its_default_when_older_data_lacks_it():
    old = {k: v for k, v in to_plain(VERDICTS[1]).items() if k not in ("heldout", "in_kernel", "detail")}
    assert from_plain(Verdict, old) == dataclasses.replace(VERDICTS[1], in_kernel=False)
