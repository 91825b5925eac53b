"""Per-student feedback: one HTML page per notebook.

Each question shows its points, its result, what the judge found and the
student's own outputs (what their answer cells printed and what the visible
checks said). Hidden test code and expected values never appear, unless the
instructor opts in (``show_details``, from ``--show-expected``), which adds the
judge's instructor detail under each message.

Example:

>>> write_feedback(results, Path("out"))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from grader.outcomes import NotebookResult, RunStatus, Status, StudentOutput, Verdict
from grader.report.gradescsv import number
from grader.report.page import escape, page, status_label


def _outputs_html(outputs: list[StudentOutput]) -> str:
    parts = []
    for output in outputs:
        label = "Your code printed" if output.kind == "answer" else "The visible check said"
        text = output.text.strip()
        if output.error:
            text = f"{text}\n{output.error}".strip()
        if text:
            parts.append(f"<div class='muted'>{label}:</div><pre>{escape(text)}</pre>")
    return "".join(parts)


def _question_html(verdict: Verdict, outputs: list[StudentOutput], show_details: bool) -> str:
    detail = (
        f"<div class='muted'>Instructor detail: {escape(verdict.detail)}</div>" if show_details and verdict.detail else ""
    )
    score = "&ndash;" if verdict.status is Status.AWAITING_MANUAL else number(verdict.score)
    return (
        f"<tr><td>{escape(verdict.question)}</td><td>{status_label(verdict.status.value)}</td>"
        f"<td>{score}&nbsp;/&nbsp;{number(verdict.max_score)}</td>"
        f"<td>{escape(verdict.message)}{detail}{_outputs_html(outputs)}</td></tr>"
    )


def _pending(result: NotebookResult) -> str:
    """``(3 points awaiting manual grading)`` when some answers wait for a person, else ""."""
    points = sum(v.max_score for v in result.verdicts if v.status is Status.AWAITING_MANUAL)
    if not points:
        return ""
    return f" ({number(points)} point{'s' if points != 1 else ''} {status_label(Status.AWAITING_MANUAL.value)})"


def feedback_html(result: NotebookResult, show_details: bool = False, standing: str = "") -> str:
    """A student's feedback page for one notebook; ``standing`` is their leaderboard sentence, if any."""
    sub = result.submission
    rows = "".join(
        _question_html(v, [o for o in result.outputs if o.question == v.question], show_details) for v in result.verdicts
    )
    note = "" if result.status is RunStatus.COMPLETED else f"<p>{status_label(result.status.value)}: {escape(result.message)}</p>"
    body = (
        f"<h1>{escape(sub.notebook)}: feedback for {escape(sub.student)}</h1>"
        f"<p>Score: <strong>{number(result.score)} / {number(result.max_score)}</strong>{_pending(result)}</p>{note}"
        + (f"<p>{escape(standing)}</p>" if standing else "") +
        "<table><tr><th>Question</th><th>Result</th><th>Points</th><th>What we found</th></tr>"
        f"{rows}</table>"
        "<p class='muted'>Hidden tests ran outside your notebook. Fix one problem at a time, run "
        "<code>grader check</code> on your notebook to rehearse, and ask for a hint with <code>q1.hint()</code>.</p>"
    )
    return page(f"{sub.notebook} feedback", body)


def write_feedback(
    results: list[NotebookResult], out: Path, show_details: bool = False, standings: Mapping[tuple[str, str], str] | None = None
) -> None:
    """``out/feedback/<student>/<notebook>.html`` for every result; ``standings`` by (student, notebook)."""
    for result in results:
        sub = result.submission
        path = out / "feedback" / sub.student / f"{sub.notebook}.html"
        path.parent.mkdir(parents=True, exist_ok=True)  # an nbgrader course's notebook is <assignment>/<notebook>
        path.write_text(feedback_html(result, show_details, (standings or {}).get((sub.student, sub.notebook), "")))
