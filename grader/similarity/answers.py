"""The code a student wrote for one notebook: their answer cells, as the grader rebuilt them.

The notebook goes through `grader.normalize.normalize`, as for grading, so
answer cells are found the same way (by ``grade_id``, cell id, or the lines
they share with the released stub) even when Colab stripped the metadata.
Cells a student added are kept too (labelled ``extra``): helpers live there.

Example:

>>> cells = answer_cells(student_nb, source_nb, released_nb)  # doctest: +SKIP
>>> cells[0].label  # doctest: +SKIP
'q1-answer'
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from nbformat import NotebookNode

from grader.normalize import normalize

EXTRA_LABEL = "extra"


@dataclass(frozen=True)
class AnswerCell:
    """One cell of a student's own code; ``label`` names the answer cell it fills (``q3-answer``)."""

    label: str
    source: str


@dataclass(frozen=True)
class StudentAnswers:
    """All of one student's own code for one notebook."""

    student: str
    cells: tuple[AnswerCell, ...]


def answer_cells(student: NotebookNode, source: NotebookNode, released: NotebookNode) -> tuple[AnswerCell, ...]:
    """The student's answer cells and extra code cells, in notebook order.

    A label used twice (a duplicated answer cell) gets a number: ``q1-answer (2)``.
    """
    rebuilt = normalize(student, source, released, seed=0, hidden=False)
    seen: Counter[str] = Counter()
    cells = []
    for cell in rebuilt.cells:
        grader_meta = cell.metadata.get("grader", {})
        if cell.cell_type != "code" or grader_meta.get("role") not in ("answer", "extra"):
            continue
        label = grader_meta.get("answer_of") or EXTRA_LABEL
        seen[label] += 1
        cells.append(AnswerCell(label if seen[label] == 1 else f"{label} ({seen[label]})", cell.source))
    return tuple(cells)


def released_code(released: NotebookNode) -> tuple[str, ...]:
    """Every code cell the release hands out (stubs, setup, checks): code no student is credited or blamed for."""
    return tuple(cell.source for cell in released.cells if cell.cell_type == "code")
