"""Judge one answer to one question in-process, the way the grader does, without a notebook.

The answer key is made by probing the instructor's answer; the student's data by
probing the student's answer; the probes' judge halves decide. Use it to show that
a different correct answer passes and each listed mistake fails.

    from judging import judge_answer
    assert judge_answer(q1, wrong_sum, right_sum, tmp_path) == Status.FAILED
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from grader.channel import PROBE_DIR_VARIABLE, read_probe
from grader.judge import _naming_requirement, split_items
from grader.outcomes import Status
from grader.probes import JudgeContext, ModelScorer
from grader.question import Question


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
    items = _probe(question, answer, tmp_path / "student")
    context = JudgeContext(tmp_path / "student", scorer)
    for index, probe in enumerate(question.probes):
        outcome = probe.judge(split_items(items, index), split_items(key, index), context)
        if outcome.status is not Status.PASSED:
            return outcome.status
    return Status.PASSED


def missed(question: Question, cases: dict[str, Any], key: Any, tmp_path: Path, scorer: ModelScorer | None = None) -> dict[str, str]:
    """For each named answer: the id of the requirement its failure names ("passed" when it passes).

    The message is the one the judge shows the student; it must lead with "Not yet met: <requirement>".
    """
    key_items = _probe(question, key, tmp_path / "key")
    found = {}
    for name, answer in cases.items():
        folder = tmp_path / name.replace(" ", "_")
        items = _probe(question, answer, folder)
        found[name] = "passed"
        for index, probe in enumerate(question.probes):
            outcome = probe.judge(split_items(items, index), split_items(key_items, index), JudgeContext(folder, scorer))
            if outcome.status is not Status.PASSED:
                named = _naming_requirement(question, probe, outcome)
                requirement = question.requirement(named.requirement)
                assert requirement is not None and named.message.startswith(f"Not yet met: {requirement.text}."), named
                found[name] = named.requirement if outcome.status is Status.FAILED else outcome.status.value
                break
    return found
