"""grader.ledger, through Ledger.save and Ledger.load: what a resumed run may reuse, and what it must grade again.

That a result the grader failed on is never kept is in tests/test_faults.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.flags import Flag, FlagKind
from grader.ledger import Ledger
from grader.outcomes import HeldOutScore, NotebookResult, RunStatus, Status, StudentOutput, Submission, Verdict

NOTEBOOK = "15_digit_recognition"


def _submission(tmp_path: Path, student: str = "ada", text: str = '{"cells": []}') -> Submission:
    path = tmp_path / "class" / student / f"{NOTEBOOK}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return Submission(student, NOTEBOOK, path)


def _result(submission: Submission) -> NotebookResult:
    """A result with every kind of field the ledger keeps."""
    verdicts = (
        Verdict("q1_data", Status.PASSED, 2.0, 2.0, "Correct.", detail="shape (10, 28, 28)"),
        Verdict("q4_cnn", Status.FAILED, 0.0, 6.0, "Your model reaches 0.91; the goal is 0.95.",
                heldout=HeldOutScore("accuracy", 0.91, True, 0.95)),
        Verdict("q5_notes", Status.NOT_ATTEMPTED, 0.0, 1.0, "Not attempted yet.", in_kernel=True),
    )
    outputs = (StudentOutput("q1_data", "answer", "(10, 28, 28)\n"), StudentOutput("q4_cnn", "check", "", error="AssertionError"))
    flags = (Flag(submission.student, submission.notebook, FlagKind.NETWORK, "socket.connect"),)
    return NotebookResult(submission, RunStatus.COMPLETED, "The notebook ran to the end.", verdicts, seconds=12.5,
                          outputs=outputs, device="gpu:1", cell_seconds=11.0, peak_memory_bytes=3 << 20, flags=flags)


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(tmp_path / "out" / ".ledger", context="key v1, seed 0, limits 2048 MB")


def test_nothing_is_reused_before_a_submission_was_finished(ledger, tmp_path):
    assert ledger.load(_submission(tmp_path)) is None


def test_a_finished_result_comes_back_whole(ledger, tmp_path):
    result = _result(_submission(tmp_path))
    ledger.save(result)
    assert ledger.load(result.submission) == result
    assert Ledger(ledger.folder, ledger.context).load(result.submission) == result  # a later run reads it the same


def test_each_student_and_notebook_has_its_own_entry(ledger, tmp_path):
    ada, bob = _result(_submission(tmp_path, "ada")), _result(_submission(tmp_path, "bob"))
    ledger.save(ada)
    ledger.save(bob)
    assert ledger.load(ada.submission) == ada and ledger.load(bob.submission) == bob
    assert len(list(ledger.folder.glob("*.json"))) == 2 and not list(ledger.folder.glob("*.tmp"))


def test_a_changed_submission_is_graded_again(ledger, tmp_path):
    result = _result(_submission(tmp_path))
    ledger.save(result)
    resubmitted = _submission(tmp_path, text='{"cells": [1]}')
    assert ledger.load(resubmitted) is None
    resubmitted.path.unlink()
    assert ledger.load(resubmitted) is None  # a file gone since is not the file that was graded


def test_a_new_key_seed_or_limit_grades_everything_again(ledger, tmp_path):
    result = _result(_submission(tmp_path))
    ledger.save(result)
    assert Ledger(ledger.folder, context="key v2, seed 0, limits 2048 MB").load(result.submission) is None


def test_a_missing_submission_is_kept_too(ledger, tmp_path):
    result = NotebookResult(Submission("cy", NOTEBOOK, None, "no notebook handed in"), RunStatus.MISSING, "No notebook.")
    ledger.save(result)
    assert ledger.load(result.submission) == result


def test_a_later_result_replaces_the_earlier_one(ledger, tmp_path):
    first = _result(_submission(tmp_path))
    ledger.save(first)
    second = NotebookResult(first.submission, RunStatus.TIMEOUT, "The notebook ran out of time.", seconds=600.0)
    ledger.save(second)
    assert ledger.load(first.submission) == second


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # cut off: a disk that filled up
        lambda text: "",
        lambda text: text.replace('"network_attempt"', '"a_flag_from_a_newer_grader"'),
    ],
    ids=["truncated", "empty", "unknown-flag"],
)
def test_an_entry_this_grader_cannot_read_is_graded_again(ledger, tmp_path, damage):
    result = _result(_submission(tmp_path))
    ledger.save(result)
    (entry,) = ledger.folder.glob("*.json")
    entry.write_text(damage(entry.read_text()))
    assert ledger.load(result.submission) is None

