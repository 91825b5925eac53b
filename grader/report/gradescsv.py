"""``grades.csv``: one row per student, notebook and graded question.

Example:

>>> import tempfile
>>> from grader.outcomes import RunStatus, Status, Submission, Verdict
>>> verdicts = (Verdict("q1_weighted_sum", Status.PASSED, 2.0, 2.0, "Correct."),
...             Verdict("q4_logistic_model", Status.INFRASTRUCTURE, 0.0, 4.0, "The grader failed."))
>>> results = [NotebookResult(Submission("ada", "01_the_neuron", None), RunStatus.COMPLETED, "", verdicts)]
>>> path = Path(tempfile.mkdtemp()) / "grades.csv"
>>> write_grades_csv(results, path)
>>> print(path.read_text(), end="")
student,notebook,question,score,max_score,status
ada,01_the_neuron,q1_weighted_sum,2,2,passed
ada,01_the_neuron,q4_logistic_model,,4,infrastructure_error
"""

from __future__ import annotations

import csv
from pathlib import Path

from grader.outcomes import NotebookResult

CSV_HEADER = ["student", "notebook", "question", "score", "max_score", "status"]


def number(value: float) -> str:
    """A score as people write it: ``2`` rather than ``2.0``."""
    return f"{value:g}"


def write_grades_csv(results: list[NotebookResult], path: Path) -> None:
    """One row per student, notebook and question (a single row when there is no verdict).

    A question the grader failed on has an empty score and the status
    ``infrastructure_error``; a manually graded answer or task has an empty
    score, its points in ``max_score`` and the status ``awaiting_manual_grading``.
    """
    rows = []
    for result in results:
        sub = result.submission
        if result.verdicts:
            for v in result.verdicts:
                score = "" if v.status.ungraded else number(v.score)  # ungraded, not zero
                rows.append([sub.student, sub.notebook, v.question, score, number(v.max_score), v.status.value])
        else:
            rows.append([sub.student, sub.notebook, "", "0", "0", result.status.value])
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_HEADER)
        writer.writerows(rows)
