"""Judge one answer to one question in-process, the way the grader does, without a notebook.

The answer key is made by probing the instructor's answer; the student's data by
probing the student's answer; the probes' judge halves decide. Use it to show that
a different correct answer passes and each listed mistake fails.

    from judging import failure_message, judged, not_yet_met
    assert judged(q1, wrong_sum, right_sum, tmp_path) == Status.FAILED
    assert judged(q1, {"right": right_sum, "wrong": wrong_sum}, right_sum, tmp_path) == {
        "right": Status.PASSED, "wrong": Status.FAILED}
    assert failure_message(q1, wrong_sum, right_sum, tmp_path).startswith(not_yet_met(q1, "shape"))

Every answer that does not pass must leave the student a message the judge would
show: not empty, no traceback, and led by the missed requirement when the
question lists its requirements.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from grader.judge import _naming_requirement, split_items
from grader.outcomes import Status
from grader.probe_files import read_probe
from grader.probe_verdicts import JudgeContext, ModelScorer, ProbeOutcome, judge_probe
from keras_course.channel import PROBE_DIR_VARIABLE
from keras_course.question import Question


def _probe(question: Question, answer: Any, folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    previous = os.environ.get(PROBE_DIR_VARIABLE)
    os.environ[PROBE_DIR_VARIABLE] = str(folder)
    try:
        question.probe(answer)
    finally:
        if previous is None:
            os.environ.pop(PROBE_DIR_VARIABLE, None)
        else:
            os.environ[PROBE_DIR_VARIABLE] = previous
    items = read_probe(folder, question.id)
    assert items is not None
    return items


def judge_answer(
    question: Question,
    answer: Any,
    key_answer: Any,
    tmp_path: Path,
    scorer: ModelScorer | None = None,
) -> Status:
    """The question's status for ``answer`` when the key comes from ``key_answer``."""
    key = _probe(question, key_answer, tmp_path / "key")
    return judged_outcome(question, answer, key, tmp_path / "student", scorer).status


def missed(question: Question, cases: dict[str, Any], key: Any, tmp_path: Path, scorer: ModelScorer | None = None) -> dict[str, str]:
    """For each named answer: the id of the requirement its failure names ("passed" when it passes).

    The message is the one the judge shows the student; it must lead with "Not yet met: <requirement>".
    """
    folder = _fresh_folder(tmp_path)
    key_items = _probe(question, key, folder / "key")
    found = {}
    for number, (name, answer) in enumerate(cases.items()):
        outcome = judged_outcome(question, answer, key_items, folder / f"case{number}", scorer)
        found[name] = "passed"
        if outcome.status is not Status.PASSED:
            requirement = question.requirement(outcome.requirement)
            assert requirement is not None and outcome.message.startswith(f"Not yet met: {requirement.text}."), outcome
            found[name] = outcome.requirement if outcome.status is Status.FAILED else outcome.status.value
    return found


def judged(
    question: Question,
    answers: Any,
    key_answer: Any,
    tmp_path: Path,
    scorer: ModelScorer | None = None,
) -> Status | dict[str, Status]:
    """The status of an answer, or of each named answer, judged against a key probed once from ``key_answer``.

    Args:
        answers: one answer, or a dict of answers by name (then a dict of statuses by name is returned).
        tmp_path: a folder; each call works in a fresh folder below it, so one test may call it often.
        scorer: scores saved models on held-out data, for model questions. Defaults to None.
    """
    folder = _fresh_folder(tmp_path)
    key = _probe(question, key_answer, folder / "key")
    if not isinstance(answers, Mapping):
        return judged_outcome(question, answers, key, folder / "answer", scorer).status
    return {
        name: judged_outcome(question, answer, key, folder / f"case{number}", scorer).status
        for number, (name, answer) in enumerate(answers.items())
    }


def failure_message(
    question: Question, answer: Any, key_answer: Any, tmp_path: Path, scorer: ModelScorer | None = None
) -> str:
    """The student's message for an answer that does not pass, as the judge words it ("" when it passes)."""
    folder = _fresh_folder(tmp_path)
    key = _probe(question, key_answer, folder / "key")
    return judged_outcome(question, answer, key, folder / "answer", scorer).message


def not_yet_met(question: Question, requirement_id: str) -> str:
    """The opening of a message that names one of the question's requirements."""
    requirement = question.requirement(requirement_id)
    assert requirement is not None, f"{question.id} has no requirement {requirement_id!r}"
    return f"Not yet met: {requirement.text}."


def judged_outcome(
    question: Question, answer: Any, key: dict, folder: Path, scorer: ModelScorer | None = None
) -> ProbeOutcome:
    """The judge's outcome for ``answer`` against the probed ``key`` items; its message checked as a student reads it."""
    items = _probe(question, answer, folder)
    context = JudgeContext(folder, scorer)
    for index, probe in enumerate(question.probes):
        outcome = judge_probe(probe, split_items(items, index), split_items(key, index), context)
        if outcome.status is not Status.PASSED:
            named = _naming_requirement(question, probe, outcome)
            _assert_student_message(question, named)
            return named
    return ProbeOutcome(Status.PASSED)


def _assert_student_message(question: Question, outcome: ProbeOutcome) -> None:
    message = outcome.message
    assert message and "Traceback" not in message, f"{question.id}: {outcome.status.value} with message {message!r}"
    if outcome.status is Status.FAILED and question.requirements:
        assert message.startswith("Not yet met: "), f"{question.id}: a failure that names no requirement: {message!r}"


_folders = itertools.count()


def _fresh_folder(tmp_path: Path) -> Path:
    while True:
        folder = tmp_path / f"judged{next(_folders)}"
        if not folder.exists():
            folder.mkdir(parents=True)
            return folder
