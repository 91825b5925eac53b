"""What a run leaves behind: ``grades.csv``, feedback per student, a class report.

One module per output: `grader.report.gradescsv`, `grader.report.feedback`,
`grader.report.classreport`, `grader.report.leaderboard` (the projects' ranked
held-out scores) (and `grader.report.page` for the shared HTML frame).

Example:

>>> write_reports(results, Path("out"))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from grader.outcomes import NotebookResult
from grader.report.classreport import write_class_report
from grader.report.feedback import feedback_html, write_feedback
from grader.report.flags import FLAGS_HEADER, write_flags_csv
from grader.report.gradescsv import CSV_HEADER, write_grades_csv
from grader.report.leaderboard import Entry, standing, write_leaderboard_csv
from grader.report.similarity import write_similarity_csv
from grader.similarity import NotebookSimilarity

__all__ = ["CSV_HEADER", "FLAGS_HEADER", "feedback_html", "write_class_report", "write_feedback", "write_grades_csv", "write_reports"]


def write_reports(
    results: list[NotebookResult], out: Path, show_details: bool = False, similar: Sequence[NotebookSimilarity] | None = None,
    boards: Mapping[str, list[Entry]] | None = None, names: bool = False,
) -> Path:
    """Write ``grades.csv``, ``flags.csv``, the feedback pages and ``report.html`` into ``out``; return the report's path.

    ``flags.csv`` and the report's "What the grader saw" section list the tampering signals (`grader.flags`);
    feedback pages and ``grades.csv`` never show them.

    With ``similar`` (see `grader.similarity.similarity_report`), also ``similarity.csv`` and the report's
    "Similar submissions" section; feedback pages never show it.

    With ``boards`` (see `grader.report.leaderboard.leaderboards`), also ``leaderboard.csv`` and the report's
    "Leaderboards" section (pseudonyms, or student ids when ``names``); each ranked student's feedback page
    gives their own pseudonym and rank.
    """
    out.mkdir(parents=True, exist_ok=True)
    write_grades_csv(results, out / "grades.csv")
    write_flags_csv(results, out / "flags.csv")
    standings = {(e.student, notebook): standing(boards, e.student, notebook) for notebook, entries in (boards or {}).items()
                 for e in entries}
    write_feedback(results, out, show_details=show_details, standings=standings)
    if similar is not None:
        write_similarity_csv(similar, out / "similarity.csv")
    if boards:
        write_leaderboard_csv(boards, out / "leaderboard.csv")
    return write_class_report(results, out, similar, boards, names)
