"""What a run leaves behind: ``grades.csv``, feedback per student, a class report.

Feedback shows each question's points, status and message, never hidden test
code or expected values (the judge puts those in ``detail``, which only the
instructor's report shows when asked).

Example:

>>> write_grades_csv(results, out / "grades.csv")  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import html
from collections import Counter
from pathlib import Path

from grader.outcomes import NotebookResult, Status

CSV_HEADER = ["student", "notebook", "question", "score", "max_score", "status"]

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
.passed{color:#1a7f37}.failed,.error,.timeout,.memory,.crashed,.invalid,.missing,.processes,.disk{color:#b3261e}
.not_attempted{color:#8a6d00}
"""


def write_grades_csv(results: list[NotebookResult], path: Path) -> None:
    """One row per student, notebook and question (a single row when there is no verdict)."""
    rows = []
    for result in results:
        sub = result.submission
        if result.verdicts:
            for v in result.verdicts:
                rows.append([sub.student, sub.notebook, v.question, _num(v.score), _num(v.max_score), v.status.value])
        else:
            rows.append([sub.student, sub.notebook, "", "0", "0", result.status.value])
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_HEADER)
        writer.writerows(rows)


def _num(value: float) -> str:
    return f"{value:g}"


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def feedback_html(result: NotebookResult) -> str:
    """A student's feedback page for one notebook."""
    sub = result.submission
    rows = "".join(
        f"<tr><td>{html.escape(v.question)}</td><td class='{v.status.value}'>{v.status.value.replace('_', ' ')}</td>"
        f"<td>{_num(v.score)} / {_num(v.max_score)}</td><td>{html.escape(v.message)}</td></tr>"
        for v in result.verdicts
    )
    summary = f"<p>Score: <strong>{_num(result.score)} / {_num(result.max_score)}</strong></p>"
    note = "" if result.status is Status.COMPLETED else f"<p class='{result.status.value}'>{html.escape(result.message)}</p>"
    body = (
        f"<h1>{html.escape(sub.notebook)}: feedback for {html.escape(sub.student)}</h1>{summary}{note}"
        f"<table><tr><th>Question</th><th>Result</th><th>Points</th><th>What we found</th></tr>{rows}</table>"
    )
    return _page(f"{sub.notebook} feedback", body)


def write_feedback(results: list[NotebookResult], out: Path) -> None:
    for result in results:
        folder = out / "feedback" / result.submission.student
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{result.submission.notebook}.html").write_text(feedback_html(result))


def write_class_report(results: list[NotebookResult], out: Path) -> Path:
    """``report.html``: scores, statuses and the slowest notebooks, with a score histogram."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scores = [r.score for r in results if r.submission.path is not None]
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(scores, bins=min(10, max(1, len(set(scores)))), color="#4063d8")
    ax.set_xlabel("score")
    ax.set_ylabel("submissions")
    ax.set_title("Score distribution")
    fig.tight_layout()
    fig.savefig(out / "scores.png", dpi=100)
    plt.close(fig)
    statuses = Counter(v.status.value for r in results for v in r.verdicts)
    status_rows = "".join(f"<tr><td>{html.escape(s)}</td><td>{n}</td></tr>" for s, n in statuses.most_common())
    student_rows = "".join(
        f"<tr><td>{html.escape(r.submission.student)}</td><td>{html.escape(r.submission.notebook)}</td>"
        f"<td>{_num(r.score)} / {_num(r.max_score)}</td><td class='{r.status.value}'>{r.status.value}</td>"
        f"<td>{r.seconds:.1f} s</td><td>{html.escape(r.message)}</td></tr>"
        for r in sorted(results, key=lambda r: (r.submission.student, r.submission.notebook))
    )
    in_kernel = sorted({f"{r.submission.notebook}: {v.question}" for r in results for v in r.verdicts if v.in_kernel})
    warning = (
        "<h2>Decided inside the student's kernel</h2><p>These tests are ordinary nbgrader asserts. Student code "
        "runs in the same kernel and can tamper with them; write hidden probes to judge them outside.</p><ul>"
        + "".join(f"<li>{html.escape(q)}</li>" for q in in_kernel) + "</ul>"
        if in_kernel else ""
    )
    body = (
        "<h1>Class report</h1><img src='scores.png' alt='score distribution'>" + warning +
        "<h2>Question results</h2><table><tr><th>status</th><th>count</th></tr>" + status_rows + "</table>"
        "<h2>Submissions</h2><table><tr><th>student</th><th>notebook</th><th>score</th><th>run</th>"
        "<th>time</th><th>note</th></tr>" + student_rows + "</table>"
    )
    path = out / "report.html"
    path.write_text(_page("Class report", body))
    return path
