"""Similar submissions across a class: code compared by structure, for a person to read.

For each notebook, every student's answer cells (see `grader.similarity.answers`)
are turned into normalized tokens (`grader.similarity.tokens`: names, literals,
comments and order of functions do not matter), winnowed into fingerprints
(`grader.similarity.winnow`, as MOSS does), and compared through an index of
fingerprints (`grader.similarity.compare`): code the release hands out and
idioms most of the class shares are ignored, tiny answers are left out, and
pairs that share much uncommon code are flagged and grouped into clusters.

The result is evidence for the instructor (``similarity.csv`` and a section of
``report.html``); it never changes a score and never reaches a student.

Example:

>>> report = similarity_report(submissions, course)  # doctest: +SKIP
>>> [(n.notebook, n.clusters) for n in report]  # doctest: +SKIP
[('04_backpropagation', (('ada', 'bob'),))]
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable

from nbformat import NotebookNode

from grader.course import Course
from grader.ingest import InvalidNotebook, read_submission
from grader.outcomes import Submission
from grader.similarity.answers import AnswerCell, StudentAnswers, answer_cells, released_code
from grader.similarity.compare import (
    Fragment,
    NotebookSimilarity,
    SimilaritySettings,
    SimilarPair,
    Span,
    compare_answers,
)

__all__ = [
    "AnswerCell", "Fragment", "NotebookSimilarity", "SimilarPair", "SimilaritySettings", "Span", "StudentAnswers",
    "compare_answers", "similarity_report",
]

log = logging.getLogger(__name__)


def similarity_report(
    submissions: Iterable[Submission], course: Course, settings: SimilaritySettings | None = None
) -> tuple[NotebookSimilarity, ...]:
    """Compare the handed-in submissions of each notebook; one result per notebook, in notebook order.

    A notebook that cannot be read or matched to its exercise is left out of
    the comparison (grading reports it already).

    Args:
        submissions: what ingest found; missing and unusable ones are skipped.
        course: where the released and source notebooks are.
        settings: thresholds. Defaults to `SimilaritySettings()`.
    """
    by_notebook: dict[str, list[Submission]] = defaultdict(list)
    for sub in submissions:
        if sub.path is not None and not sub.problem:
            by_notebook[sub.notebook].append(sub)
    results = []
    for notebook in sorted(by_notebook):
        source, released = course.read_source(notebook), course.read_released(notebook)
        answers = [a for a in (_answers(s, source, released) for s in by_notebook[notebook]) if a is not None]
        results.append(compare_answers(notebook, answers, released_code(released), settings))
    return tuple(results)


def _answers(sub: Submission, source: NotebookNode, released: NotebookNode) -> StudentAnswers | None:
    try:
        return StudentAnswers(sub.student, answer_cells(read_submission(sub.path), source, released))  # type: ignore[arg-type]
    except (InvalidNotebook, OSError) as exc:
        log.info("similarity: %s/%s left out: %s", sub.student, sub.notebook, exc)
    except Exception as exc:  # noqa: BLE001 - normalize raises several types for a notebook it cannot rebuild
        log.info("similarity: %s/%s left out, it matches no exercise: %s", sub.student, sub.notebook, exc)
    return None
