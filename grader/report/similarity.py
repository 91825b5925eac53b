"""Similar submissions, for the instructor only: ``similarity.csv`` and a section of ``report.html``.

``shared_lines`` lists each shared fragment as ``cell:lines=cell:lines`` (the
first student's lines, then the second's; lines counted within the answer
cell), fragments separated by ``; ``. Nothing here reaches a feedback page or
changes a score.

Example:

>>> write_similarity_csv(similarity_report(submissions, course), Path("out/similarity.csv"))  # doctest: +SKIP
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from grader.report.page import escape
from grader.similarity import Fragment, NotebookSimilarity, SimilarPair, Span

SIMILARITY_HEADER = ["notebook", "student_a", "student_b", "score", "shared_lines"]
MAX_FRAGMENTS = 6  # per pair on the page; the CSV lists them all


def _lines(span: Span) -> str:
    return f"{span.label}:{span.first}-{span.last}"


def shared_lines(pair: SimilarPair) -> str:
    """``q1-answer:4-9=q1-answer:5-10; q2-answer:1-3=q2-answer:2-4`` for a pair's fragments."""
    return "; ".join(f"{_lines(f.a)}={_lines(f.b)}" for f in pair.fragments)


def write_similarity_csv(similar: Sequence[NotebookSimilarity], path: Path) -> None:
    """One row per flagged pair, highest score first within each notebook (a header alone when none)."""
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(SIMILARITY_HEADER)
        for notebook in similar:
            for pair in notebook.pairs:
                writer.writerow([notebook.notebook, pair.student_a, pair.student_b, f"{pair.score:.2f}", shared_lines(pair)])


def _fragment_row(pair: SimilarPair, fragment: Fragment) -> str:
    def side(student: str, span: Span) -> str:
        return f"<td><div class='muted'>{escape(student)}, {escape(_lines(span))}</div><pre>{escape(span.text)}</pre></td>"

    return "<tr>" + side(pair.student_a, fragment.a) + side(pair.student_b, fragment.b) + "</tr>"


def _pair_html(pair: SimilarPair) -> str:
    shown = pair.fragments[:MAX_FRAGMENTS]
    more = len(pair.fragments) - len(shown)
    return (
        f"<h4>{escape(pair.student_a)} and {escape(pair.student_b)}: {pair.score:.2f}</h4>"
        + "<table>" + "".join(_fragment_row(pair, f) for f in shown) + "</table>"
        + (f"<p class='muted'>{more} more shared fragment(s) in similarity.csv.</p>" if more > 0 else "")
    )


def _notebook_html(notebook: NotebookSimilarity) -> str:
    head = f"<h3>{escape(notebook.notebook)}</h3>"
    counted = f"{notebook.compared} answers compared, {notebook.too_small} too small to judge."
    if not notebook.pairs:
        return head + f"<p>No similar pairs. {escape(counted)}</p>"
    clusters = "".join(f"<li>{escape(', '.join(c))}</li>" for c in notebook.clusters)
    return head + f"<p>{escape(counted)} Clusters:</p><ul>{clusters}</ul>" + "".join(_pair_html(p) for p in notebook.pairs)


def similarity_section(similar: Sequence[NotebookSimilarity] | None) -> str:
    """The report's "Similar submissions" section (empty when similarity was not computed)."""
    if similar is None:
        return ""
    return (
        "<h2>Similar submissions</h2><p>Answer cells compared by structure: names, numbers, strings, comments and "
        "the order of functions do not count; code the release hands out and idioms much of the class shares are "
        "ignored. A score is the share of fingerprints two answers have in common. This is evidence for you to "
        "read, not a verdict: no score was changed and students do not see it.</p>"
        + "".join(_notebook_html(n) for n in similar)
    )
