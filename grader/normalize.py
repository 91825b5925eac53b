"""Rebuild a submission from the instructor's source and the student's answer cells.

Test cells always come from the instructor's source notebook, never from the
submission. What a student may change (answer cells, and cells they added
themselves) is carried over; everything else is taken from the source. This
works when Colab stripped ``metadata.nbgrader``, cell ids were lost, answer
cells were duplicated, or test cells were deleted, edited or moved.

A student cell is matched to an answer cell by, in order: its nbgrader
``grade_id``; its cell id; the lines it shares with the released stub (the
``def ...`` line, say). Student cells that match no released cell are kept as
extra cells, after the released cell they followed.

Example:

>>> normalized = normalize(student_nb, source_nb, released_nb, seed=0)  # doctest: +SKIP
>>> [c.metadata.grader for c in normalized.cells if c.metadata.grader.get("question")]  # doctest: +SKIP
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nbformat
from nbformat import NotebookNode

HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
_STUB_LINES = {"# YOUR CODE HERE", "raise NotImplementedError()", "raise NotImplementedError", ""}
_START = "<start>"


@dataclass(frozen=True)
class CellRole:
    """How a source cell takes part in grading."""

    kind: str  # "answer", "test" or "fixed"
    grade_id: str


def nbgrader_meta(cell: NotebookNode) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def role_of(cell: NotebookNode) -> CellRole:
    meta = nbgrader_meta(cell)
    grade_id = str(meta.get("grade_id") or cell.get("id") or "")
    if meta.get("solution"):
        return CellRole("answer", grade_id)
    if meta.get("grade") and cell.cell_type == "code":
        return CellRole("test", grade_id)
    return CellRole("fixed", grade_id)


def split_hidden(source: str) -> tuple[str, str]:
    """Split a test cell into its visible part and its hidden-tests part."""
    pattern = re.compile(re.escape(HIDDEN_BEGIN) + r"\n?(.*?)" + re.escape(HIDDEN_END) + r"\n?", re.S)
    hidden = "".join(m.group(1) for m in pattern.finditer(source))
    visible = pattern.sub("", source)
    return visible.rstrip() + ("\n" if visible.strip() else ""), hidden


def _meaningful_lines(source: str) -> set[str]:
    return {line.strip() for line in source.splitlines() if line.strip() not in _STUB_LINES}


def with_cell_ids(nb: NotebookNode) -> NotebookNode:
    """``nb`` itself when every cell has an id; else a copy whose cells without one get ``nbgrader-<grade_id>`` or ``cell-<n>``.

    Notebooks older than nbformat 4.5 (nbgrader's own example course, say) have no
    cell ids; the instructor's source and release have the same cells in the same
    order, so both get the same ids.

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("a")])
    >>> del nb.cells[0]["id"]
    >>> with_cell_ids(nb).cells[0]["id"]
    'cell-0'
    """
    if all(cell.get("id") for cell in nb.cells):
        return nb
    copy = nbformat.from_dict(nb)
    for index, cell in enumerate(copy.cells):
        if not cell.get("id"):
            grade_id = nbgrader_meta(cell).get("grade_id")
            cell["id"] = f"nbgrader-{grade_id}" if grade_id else f"cell-{index}"
    return copy


def _match_cells(student: NotebookNode, released: NotebookNode) -> list[tuple[str | None, NotebookNode]]:
    """For each student cell, the id of the released cell it is, or None for an extra cell."""
    released_cells = {c.get("id"): c for c in released.cells}
    by_grade_id = {nbgrader_meta(c).get("grade_id"): c.get("id") for c in released.cells if nbgrader_meta(c).get("grade_id")}
    by_source = {c.source.strip(): c.get("id") for c in released.cells if role_of(c).kind != "answer" and c.source.strip()}
    answer_lines = {
        c.get("id"): _meaningful_lines(c.source) for c in released.cells if role_of(c).kind == "answer"
    }
    matched: list[tuple[str | None, NotebookNode]] = []
    for cell in student.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        cell_id = cell.get("id")
        source = cell.get("source", "")
        if grade_id in by_grade_id:
            found = by_grade_id[grade_id]
        elif cell_id in released_cells and released_cells[cell_id].cell_type == cell.cell_type:
            found = cell_id
        elif source.strip() in by_source:
            found = by_source[source.strip()]
        else:
            found = _best_answer_match(source, answer_lines) if cell.cell_type == "code" else None
        matched.append((found, cell))
    return matched


def _best_answer_match(source: str, answer_lines: dict[str, set[str]]) -> str | None:
    lines = _meaningful_lines(source)
    best, best_share = None, 0.0
    for answer_id, stub in answer_lines.items():
        if not stub:
            continue
        share = len(stub & lines) / len(stub)
        if share > best_share:
            best, best_share = answer_id, share
    return best if best_share >= 0.5 else None


def _grader_cell(source: str, question: str | None = None, hidden: bool = False, role: str = "fixed") -> NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["grader"] = {"question": question, "hidden": hidden, "role": role}
    return cell


def prologue(seed: int) -> str:
    """The first cell of every graded run: fixed seeds before any student code."""
    return (
        "import random as _grader_random\n"
        f"_grader_random.seed({seed})\n"
        "try:\n"
        "    import numpy as _grader_numpy\n"
        f"    _grader_numpy.random.seed({seed})\n"
        "except ImportError:\n"
        "    pass\n"
        "del _grader_random\n"
    )


def normalize(
    student: NotebookNode,
    source: NotebookNode,
    released: NotebookNode,
    *,
    seed: int = 0,
    hidden: bool = True,
) -> NotebookNode:
    """Return the notebook to execute: source structure, student answers, source tests.

    Args:
        student: the submission (already read as nbformat v4).
        source: the instructor's notebook (solutions and hidden tests).
        released: the exercise notebook students received.
        seed: the seed fixed before any student code. Defaults to 0.
        hidden: include hidden tests (False for a student's rehearsal). Defaults to True.
    """
    source, released = with_cell_ids(source), with_cell_ids(released)
    matched = _match_cells(student, released)
    answers: dict[str, list[NotebookNode]] = {}
    extras: dict[str, list[NotebookNode]] = {}
    anchor = _START
    for found, cell in matched:
        if found is None:
            if cell.cell_type == "code" and cell.source.strip():
                extras.setdefault(anchor, []).append(cell)
            continue
        anchor = found
        if role_of(_released_cell(released, found)).kind == "answer":
            answers.setdefault(found, []).append(cell)

    released_by_id = {c.get("id"): c for c in released.cells}
    out = nbformat.v4.new_notebook(metadata=source.metadata)
    cells = [_grader_cell(prologue(seed), role="prologue")]
    cells += [_student_cell(c, None) for c in extras.get(_START, [])]
    for src in source.cells:
        role = role_of(src)
        cell_id = src.get("id")
        if role.kind == "answer":
            chosen = answers.get(cell_id) or [released_by_id.get(cell_id, src)]
            cells += [_student_cell(c, role.grade_id) for c in chosen if c.cell_type == src.cell_type]
        elif role.kind == "test":
            visible, hidden_part = split_hidden(src.source)
            cells.append(_grader_cell(visible, role.grade_id, False, "test"))
            if hidden and hidden_part.strip():
                cells.append(_grader_cell(hidden_part, role.grade_id, True, "test"))
        elif src.cell_type == "code":
            cells.append(_grader_cell(released_by_id.get(cell_id, src).source))
        else:
            cells.append(nbformat.v4.new_markdown_cell(src.source))
        cells += [_student_cell(c, None) for c in extras.get(cell_id, [])]
    out.cells = cells
    for index, cell in enumerate(out.cells):
        cell["id"] = f"graded-{index:04d}"
    return out


def _released_cell(released: NotebookNode, cell_id: str) -> NotebookNode:
    for cell in released.cells:
        if cell.get("id") == cell_id:
            return cell
    raise KeyError(cell_id)


def _student_cell(cell: NotebookNode, answer_of: str | None) -> NotebookNode:
    if cell.cell_type != "code":
        new = nbformat.v4.new_markdown_cell(cell.source)
    else:
        new = nbformat.v4.new_code_cell(cell.source)
    new.metadata["grader"] = {"question": None, "hidden": False, "role": "answer" if answer_of else "extra", "answer_of": answer_of}
    return new
