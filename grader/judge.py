"""The trusted judge: decide each question from probe data and the answer key.

Runs in the grader's own process, never in the student's kernel. It reads only
the plain data the probes left in the scratch folder (`keras_course.channel`),
compares it with the answer key built from the instructor's solution, and
scores saved models on held-out data that never entered the sandbox.

Example:

>>> verdicts = judge_notebook(exercise, execution, key, context)  # doctest: +SKIP
>>> [(v.question, v.status.value, v.score) for v in verdicts]  # doctest: +SKIP
[('q1_weighted_sum', 'passed', 2.0), ...]
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from grader.answer_key import AnswerKey
from grader.heldout import make_heldout
from grader.modelscore import ModelScorerProcess, ScoreAnswer
from grader.outcomes import CellRecord, Execution, Status, Verdict
from grader.probe_files import read_probe
from grader.probe_verdicts import JudgeContext, ProbeOutcome, judge_probe
from keras_course.channel import ChannelError
from keras_course.question import Exercise, Question

log = logging.getLogger(__name__)

_NOT_DEFINED = ("NameError", "NotImplementedError")


class HeldoutScorer:
    """Scores model files on named held-out sets made from the course secret."""

    def __init__(self, process: ModelScorerProcess, secret: bytes) -> None:
        self.process = process
        self.secret = secret
        self._sets: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __call__(self, model: Path, heldout: str, metric: str, weights_of: tuple[str, ...] = ()) -> ScoreAnswer:
        if heldout not in self._sets:
            self._sets[heldout] = make_heldout(heldout, self.secret)
        x, y = self._sets[heldout]
        return self.process.score(model, x, y, metric, weights_of)


def split_items(items: dict[str, Any], index: int) -> dict[str, Any]:
    """The items that probe number ``index`` of a question wrote."""
    prefix = f"p{index}."
    return {name[len(prefix):]: value for name, value in items.items() if name.startswith(prefix)}


def judge_question(
    question: Question,
    execution: Execution,
    key_items: dict[str, Any],
    context: JudgeContext,
) -> Verdict:
    """Decide one question: full points when every probe passes, else zero.

    A manually graded question is left for a person (`awaiting_manual`).
    """
    if question.manual:
        return awaiting_manual(question)
    cells = [c for c in execution.cells if c.question == question.id]
    if not question.probes:
        return judge_in_kernel(question, cells, execution)
    visible_error = next((c.error for c in cells if not c.hidden and c.error), None)
    try:
        items = read_probe(context.probe_dir, question.id)
    except ChannelError as exc:
        return _verdict(question, ProbeOutcome(Status.FAILED, "The hidden test data for this question was unreadable.", str(exc)))
    if items is None:
        return _verdict(question, _missing_outcome(cells, execution))
    details = []
    heldout = None  # a held-out score measured by any probe, kept whether the question passes or not
    for index, probe in enumerate(question.probes):
        try:
            outcome = judge_probe(probe, split_items(items, index), split_items(key_items, index), context)
        except ChannelError as exc:
            outcome = ProbeOutcome(Status.FAILED, "The hidden test data for this question was malformed.", str(exc))
        heldout = outcome.heldout or heldout
        if outcome.status is not Status.PASSED:
            if visible_error and visible_error.is_a("CheckFailed", "NotAttempted"):
                outcome = replace(outcome, message=visible_error.message, detail=outcome.detail or outcome.message)
            return _verdict(question, replace(_naming_requirement(question, probe, outcome), heldout=heldout))
        details.append(outcome.detail)
    return _verdict(question, ProbeOutcome(Status.PASSED, "Correct.", "; ".join(d for d in details if d), heldout=heldout))


def _naming_requirement(question: Question, probe: Any, outcome: ProbeOutcome) -> ProbeOutcome:
    """Lead a failed question's message with the requirement it missed, in the question's own words."""
    if outcome.status is not Status.FAILED:
        return outcome
    covers = getattr(probe, "covers", ())
    requirement = question.requirement(outcome.requirement) or question.requirement(covers[0] if covers else "")
    if requirement is None:
        return outcome
    message = f"Not yet met: {requirement.text}. {outcome.message}"
    return replace(outcome, message=message, requirement=requirement.id)


def judge_in_kernel(question: Question, cells: list[CellRecord], execution: Execution) -> Verdict:
    """An ordinary nbgrader test cell: its asserts decided inside the student's kernel.

    Kept for compatibility; such a verdict can be tampered with by the student's
    code, so it is flagged ``in_kernel`` and reported as such.
    """
    error = next((c.error for c in cells if c.error), None)
    if error is not None:
        outcome = ProbeOutcome(Status.NOT_ATTEMPTED if error.is_a(*_NOT_DEFINED) else Status.FAILED, f"A test failed: {str(error)[:300]}")
    elif not cells or not all(c.ran for c in cells):
        outcome = ProbeOutcome(execution.status.question_status if execution.status.stops_notebook else Status.FAILED, f"The test did not run: {execution.message}")
    else:
        outcome = ProbeOutcome(Status.PASSED, "Correct (checked inside your notebook).")
    verdict = _verdict(question, outcome)
    return Verdict(verdict.question, verdict.status, verdict.score, verdict.max_score, verdict.message, verdict.detail, in_kernel=True)


MANUAL_MESSAGE = "Your instructor grades this answer by hand; its points are added after that."


def awaiting_manual(question: Question) -> Verdict:
    """A manually graded answer or task: no score yet, its points still in the maximum.

    Example:

    >>> awaiting_manual(Question(id="part-a", points=1, title="part-a", manual=True)).status.value
    'awaiting_manual_grading'
    """
    return Verdict(question.id, Status.AWAITING_MANUAL, 0.0, float(question.points), MANUAL_MESSAGE,
                   "left for nbgrader's formgrader")


def _missing_outcome(cells: list[CellRecord], execution: Execution) -> ProbeOutcome:
    hidden = [c for c in cells if c.hidden]
    errors = [c.error for c in hidden if c.error]
    if errors and errors[0].is_a(*_NOT_DEFINED):
        return ProbeOutcome(Status.NOT_ATTEMPTED, "You have not answered this question yet (or its answer cell did not run).", str(errors[0]))
    if errors:
        return ProbeOutcome(Status.ERROR, f"Testing your answer raised {str(errors[0])[:300]}.", str(errors[0]))
    if execution.status.stops_notebook:
        return ProbeOutcome(execution.status.question_status, f"The notebook stopped before this question was tested: {execution.message}")
    return ProbeOutcome(Status.FAILED, "The hidden test for this question left no result.", "probe file missing without an error")


def _verdict(question: Question, outcome: ProbeOutcome) -> Verdict:
    passed = outcome.status is Status.PASSED
    return Verdict(
        question=question.id,
        status=outcome.status,
        score=float(question.points) if passed else 0.0,
        max_score=float(question.points),
        message=outcome.message,
        detail=outcome.detail,
        heldout=outcome.heldout,
    )


def judge_notebook(
    exercise: Exercise,
    execution: Execution,
    key: AnswerKey,
    context: JudgeContext,
) -> tuple[Verdict, ...]:
    """Decide every question of one executed notebook."""
    verdicts = []
    for question in exercise.questions:
        key_items = key.items_of(question.id)
        try:
            verdicts.append(judge_question(question, execution, key_items, context))
        except Exception as exc:  # a judge bug must not cost the student: flag it for the instructor
            log.exception("judging %s failed", question.id)
            verdicts.append(
                Verdict(question.id, Status.INFRASTRUCTURE, 0.0, float(question.points),
                        "The grader could not judge this question; your instructor has been told.", repr(exc))
            )
    return tuple(verdicts)
