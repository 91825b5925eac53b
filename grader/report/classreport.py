"""The class report: ``report.html`` with PNG plots beside it.

It answers the instructor's questions in order: did the grader fail anywhere
(those submissions are ungraded and listed first), how did the class do (score
distribution), which questions were hard (pass rate per question), what went
wrong most often (the commonest failure messages), which runs stopped early
(timeouts, memory, crashes...), and which notebooks were slowest.

Example:

>>> write_class_report(results, Path("out"))  # doctest: +SKIP
PosixPath('out/report.html')
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from statistics import mean, median

from grader.outcomes import NotebookResult, RunStatus, Status
from grader.report.flags import flag_kinds, flags_section
from grader.report.gradescsv import number
from grader.report.leaderboard import Entry, leaderboard_section
from grader.report.page import escape, page, status_label
from grader.report.similarity import similarity_section
from grader.similarity import NotebookSimilarity

PLOTS = {
    "scores": "scores.png",
    "pass_rate": "pass_rate.png",
    "run_statuses": "run_statuses.png",
    "slowest": "slowest.png",
}
TOP = 10
_STOPPED = {RunStatus.TIMEOUT, RunStatus.MEMORY, RunStatus.PROCESSES, RunStatus.DISK, RunStatus.CRASHED, RunStatus.INVALID,
            RunStatus.INFRASTRUCTURE}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    _pyplot().close(fig)


def _empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#666")
    ax.set_xticks([])
    ax.set_yticks([])


def _handed_in(results: list[NotebookResult]) -> list[NotebookResult]:
    return [r for r in results if r.status is not RunStatus.MISSING]


def _scored(results: list[NotebookResult]) -> list[NotebookResult]:
    """Handed-in submissions whose score means something: the grader did not fail on them."""
    return [r for r in _handed_in(results) if not r.grader_fault]


def grader_faults(results: list[NotebookResult]) -> list[tuple[NotebookResult, str, str]]:
    """``(result, questions, what failed)`` for every submission the grader failed on (ungraded, to grade again)."""
    faults = []
    for r in results:
        if r.grader_fault:
            failed = [v for v in r.verdicts if v.status is Status.INFRASTRUCTURE]
            questions = ", ".join(v.question for v in failed) or "all"
            why = r.message if r.status is RunStatus.INFRASTRUCTURE else "; ".join(v.detail or v.message for v in failed)
            faults.append((r, questions, why))
    return faults


def plot_scores(results: list[NotebookResult], path: Path) -> None:
    """Histogram of each submission's score in percent of its maximum, one colour per notebook."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.2))
    by_notebook: dict[str, list[float]] = {}
    for r in _scored(results):
        if r.max_score:
            by_notebook.setdefault(r.submission.notebook, []).append(100.0 * r.score / r.max_score)
    if by_notebook:
        ax.hist(list(by_notebook.values()), bins=[i * 10 for i in range(11)], label=list(by_notebook), stacked=True)
        ax.set_xlabel("score (% of the notebook's points)")
        ax.set_ylabel("submissions")
        if len(by_notebook) > 1:
            ax.legend(fontsize=8)
    else:
        _empty(ax, "no graded submissions")
    ax.set_title("Score distribution")
    _save(fig, path)


def pass_rates(results: list[NotebookResult]) -> list[tuple[str, float, int]]:
    """``(notebook:question, share passed, submissions)`` for every question, in notebook order."""
    counts: dict[str, list[int]] = {}
    for r in _handed_in(results):
        for v in r.verdicts:
            if v.status.ungraded:
                continue  # ungraded (the grader failed, or a person grades it): neither passed nor failed
            tally = counts.setdefault(f"{r.submission.notebook}:{v.question}", [0, 0])
            tally[0] += v.status is Status.PASSED
            tally[1] += 1
    return [(name, passed / total, total) for name, (passed, total) in sorted(counts.items())]


def _plot_rows(
    path: Path, title: str, rows: list[tuple[str, float]], xlabel: str, colour: Callable[[float], str], empty: str,
    xlim: tuple[float, float] | None = None,
) -> None:
    """Horizontal bars, one per ``(label, value)`` row with the first on top, coloured by value; ``empty`` when none."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 0.8 + 0.35 * max(1, len(rows))))
    if rows:
        labels, values = [label for label, _ in rows][::-1], [value for _, value in rows][::-1]
        ax.barh(labels, values, color=[colour(value) for value in values])
        if xlim is not None:
            ax.set_xlim(*xlim)
        ax.set_xlabel(xlabel)
        ax.tick_params(axis="y", labelsize=8)
    else:
        _empty(ax, empty)
    ax.set_title(title)
    _save(fig, path)


def plot_pass_rate(results: list[NotebookResult], path: Path) -> None:
    """Horizontal bars: the share of handed-in submissions that passed each question."""
    rows = [(name, 100 * share) for name, share, _ in pass_rates(results)]
    _plot_rows(path, "Pass rate per question", rows, "passed (% of handed-in submissions)",
               lambda share: "#1a7f37" if share >= 50 else "#b3261e", "no questions graded", xlim=(0, 100))


def plot_run_statuses(results: list[NotebookResult], path: Path) -> None:
    """Bars: how many notebook runs ended each way (completed, timeout, memory, crashed, ...)."""
    plt = _pyplot()
    counts = Counter(r.status.value for r in results)
    fig, ax = plt.subplots(figsize=(7, 3))
    if counts:
        names = sorted(counts, key=lambda s: (s != "completed", s))
        ax.bar(names, [counts[n] for n in names], color=["#1a7f37" if n == "completed" else "#b3261e" for n in names])
        ax.set_ylabel("submissions")
        ax.tick_params(axis="x", labelsize=8, rotation=20)
    else:
        _empty(ax, "no submissions")
    ax.set_title("How each notebook run ended")
    _save(fig, path)


def slowest(results: list[NotebookResult], top: int = TOP) -> list[NotebookResult]:
    """The ``top`` longest runs, slowest first."""
    return sorted(_handed_in(results), key=lambda r: -r.seconds)[:top]


def plot_slowest(results: list[NotebookResult], path: Path) -> None:
    """Horizontal bars: wall time of the slowest runs."""
    rows = [(f"{r.submission.student} / {r.submission.notebook}", r.seconds) for r in slowest(results)]
    _plot_rows(path, "Slowest notebooks", rows, "seconds", lambda _: "#4063d8", "no runs")


def common_failures(results: list[NotebookResult], top: int = TOP) -> list[tuple[str, str, int, list[str]]]:
    """``(status, message, count, questions)`` of the commonest non-passing verdicts."""
    counts: Counter[tuple[str, str]] = Counter()
    questions: dict[tuple[str, str], set[str]] = {}
    for r in _handed_in(results):
        for v in r.verdicts:
            if v.status not in (Status.PASSED, Status.AWAITING_MANUAL):
                key = (v.status.value, v.message)
                counts[key] += 1
                questions.setdefault(key, set()).add(f"{r.submission.notebook}:{v.question}")
    return [(s, m, n, sorted(questions[(s, m)])) for (s, m), n in counts.most_common(top)]


def _figure(name: str, alt: str) -> str:
    return f"<figure><img src='{PLOTS[name]}' alt='{escape(alt)}'></figure>"


def _summary(results: list[NotebookResult]) -> str:
    handed = [r for r in _scored(results) if r.max_score]
    shares = [100 * r.score / r.max_score for r in handed]
    students = len({r.submission.student for r in results})
    line = f"{students} students, {len(results)} submissions ({len(results) - len(_handed_in(results))} missing)"
    faulted = len(grader_faults(results))
    if faulted:
        line += f"; {faulted} ungraded because the grader failed"
    if shares:
        line += f"; mean score {mean(shares):.0f}%, median {median(shares):.0f}%"
    return f"<p>{escape(line)}.</p>"


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _in_kernel_warning(results: list[NotebookResult]) -> str:
    in_kernel = sorted({f"{r.submission.notebook}: {v.question}" for r in results for v in r.verdicts if v.in_kernel})
    if not in_kernel:
        return ""
    return (
        "<h2>Decided inside the student's kernel</h2><p>These tests are ordinary nbgrader asserts. Student code "
        "runs in the same kernel and can tamper with them; write hidden probes to judge them outside.</p><ul>"
        + "".join(f"<li>{escape(q)}</li>" for q in in_kernel) + "</ul>"
    )


def awaiting_manual(results: list[NotebookResult]) -> list[tuple[str, int, float]]:
    """``(notebook:question, submissions, points)`` of every answer or task left for a person to grade."""
    counts: dict[str, list[float]] = {}
    for r in _handed_in(results):
        for v in r.verdicts:
            if v.status is Status.AWAITING_MANUAL:
                tally = counts.setdefault(f"{r.submission.notebook}:{v.question}", [0, v.max_score])
                tally[0] += 1
    return [(name, int(n), points) for name, (n, points) in sorted(counts.items())]


def _table_section(title: str, intro: str, header: list[str], rows: list[list[str]]) -> str:
    """A heading, a paragraph and a table of ``rows`` (HTML already escaped); nothing when there are no rows."""
    return f"<h2>{title}</h2><p>{intro}</p>" + _table(header, rows) if rows else ""


def _manual_section(results: list[NotebookResult]) -> str:
    return _table_section(
        "Awaiting manual grading",
        "These manually graded answers and tasks count in each notebook's maximum but have no score yet: grade "
        "them in nbgrader's formgrader (the gradebook lists them as needing grading), then export the grades from there.",
        ["question", "submissions", "points each"],
        [[escape(q), str(n), number(p)] for q, n, p in awaiting_manual(results)],
    )


def _grader_faults_section(results: list[NotebookResult]) -> str:
    return _table_section(
        "The grader failed (not the students)",
        "These questions are ungraded: no score was written to the gradebook, and they count in no statistic below. "
        "Fix what the message names, then run the same <code>grader grade</code> command again: it grades only these.",
        ["student", "notebook", "questions", "what failed"],
        [[escape(r.submission.student), escape(r.submission.notebook), escape(q), escape(why)]
         for r, q, why in grader_faults(results)],
    )


def _flags_cell(result: NotebookResult) -> str:
    """A row's tampering signals: their kinds, linked to the "What the grader saw" section."""
    kinds = flag_kinds(result)
    return f"<a href='#flags'>{escape(kinds)}</a>" if kinds else ""


def report_html(
    results: list[NotebookResult], similar: Sequence[NotebookSimilarity] | None = None,
    boards: Mapping[str, list[Entry]] | None = None, names: bool = False,
) -> str:
    """The report page (the plots are separate files, see `write_class_report`).

    ``similar`` adds the similarity section; ``boards`` the projects' leaderboards, with student ids when ``names``.
    """
    failures = common_failures(results)
    stopped = [r for r in results if r.status in _STOPPED]
    ordered = sorted(results, key=lambda r: (r.submission.student, r.submission.notebook))
    body = (
        "<h1>Class report</h1>" + _summary(results) + _grader_faults_section(results) + _manual_section(results)
        + _in_kernel_warning(results)
        + "<h2>Scores</h2>" + _figure("scores", "score distribution")
        + "<h2>Questions</h2>" + _figure("pass_rate", "pass rate per question")
        + _table(["question", "passed", "submissions"], [[escape(n), f"{100 * s:.0f}%", str(t)] for n, s, t in pass_rates(results)])
        + "<h2>Most common problems</h2>"
        + (_table(["result", "message", "times", "questions"],
                  [[status_label(s), escape(m), str(n), escape(", ".join(q))] for s, m, n, q in failures])
           if failures else "<p>Every question passed everywhere.</p>")
        + "<h2>Runs that stopped early</h2>" + _figure("run_statuses", "how each notebook run ended")
        + (_table(["student", "notebook", "result", "why"],
                  [[escape(r.submission.student), escape(r.submission.notebook), status_label(r.status.value), escape(r.message)]
                   for r in stopped])
           if stopped else "<p>No timeouts, memory stops, crashes or invalid files.</p>")
        + "<h2>Slowest notebooks</h2>" + _figure("slowest", "slowest notebooks")
        + leaderboard_section(boards or {}, names)
        + similarity_section(similar)
        + flags_section(results)
        + "<h2>Every submission</h2>"
        + _table(["student", "notebook", "score", "run", "time", "device", "note", "grader saw"],
                 [[escape(r.submission.student), escape(r.submission.notebook), f"{number(r.score)} / {number(r.max_score)}",
                   status_label(r.status.value), f"{r.seconds:.1f} s", escape(r.device), escape(r.message),
                   _flags_cell(r)] for r in ordered])
    )
    return page("Class report", body)


def write_class_report(
    results: list[NotebookResult], out: Path, similar: Sequence[NotebookSimilarity] | None = None,
    boards: Mapping[str, list[Entry]] | None = None, names: bool = False,
) -> Path:
    """Write ``report.html`` and its PNG plots into ``out``; return the page's path (see `report_html`)."""
    out.mkdir(parents=True, exist_ok=True)
    plot_scores(results, out / PLOTS["scores"])
    plot_pass_rate(results, out / PLOTS["pass_rate"])
    plot_run_statuses(results, out / PLOTS["run_statuses"])
    plot_slowest(results, out / PLOTS["slowest"])
    path = out / "report.html"
    path.write_text(report_html(results, similar, boards, names))
    return path
