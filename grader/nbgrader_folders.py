"""nbgrader's course folders for what a run graded, so formgrader can open each submission.

formgrader lists a submission, renders it and attaches its grades only when the
notebook exists on disk in nbgrader's course layout. For every submission the
grader recorded in the gradebook this writes, under the output folder:

- ``submitted/<student>/<assignment>/<notebook>.ipynb``: the student's file as handed in;
- ``autograded/<student>/<assignment>/<notebook>.ipynb``: the notebook as graded,
  the student's cells with their outputs and the instructor's test cells
  (hidden tests included: this folder is the instructor's), each graded,
  answer or locked cell carrying the source notebook's ``metadata.nbgrader``
  (``grade_id``, ``points``, ``grade``/``solution``/``locked``/``task``) as
  nbgrader's own autograde leaves it (`nbgrader.preprocessors.OverwriteCells`).

The grader's own cells (the seed prologue and the kernel watch) are left out.
Assignment and notebook names are the gradebook's (`grader.course.gradebook_names`).
No ``timestamp.txt`` is written: the gradebook holds no submission time either,
and formgrader counts a submission as autograded when the two agree.

Example:

>>> folders = NbgraderFolders(Path("graded"), {"01_the_neuron": source}, {"01_the_neuron": released})  # doctest: +SKIP
>>> folders.write(result, executed=scratch / "executed.ipynb")  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import logging
import shutil
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from grader.course import gradebook_names
from grader.ingest import InvalidNotebook, read_submission
from grader.normalize import normalize, role_of, with_cell_ids
from grader.outcomes import NotebookResult

log = logging.getLogger(__name__)

INTERNAL_ROLES = frozenset({"prologue", "watch"})  # the grader's own cells, never the course's
NOT_RUN_NOTE = "*The grader did not run this notebook ({message}): the cells below have no outputs.*"


def _grader_meta(cell: NotebookNode) -> dict:
    meta = cell.get("metadata", {}).get("grader", {})
    return meta if isinstance(meta, dict) else {}


def _course_cell(graded: NotebookNode | None, src: NotebookNode, source_text: str | None = None) -> NotebookNode:
    """``graded``'s source and outputs (``src``'s text when None) under ``src``'s id and nbgrader metadata."""
    base = graded if graded is not None and graded.cell_type == src.cell_type else None
    text = source_text if source_text is not None else (base.source if base is not None else src.source)
    if src.cell_type == "code":
        cell = nbformat.v4.new_code_cell(text)
        if base is not None:
            cell.outputs = copy.deepcopy(base.get("outputs", []))
            cell.execution_count = base.get("execution_count")
    elif src.cell_type == "markdown":
        cell = nbformat.v4.new_markdown_cell(text)
    else:
        cell = nbformat.v4.new_raw_cell(text)
    if base is not None and "execution" in base.get("metadata", {}):
        cell.metadata["execution"] = copy.deepcopy(base.metadata["execution"])
    if "nbgrader" in src.get("metadata", {}):
        cell.metadata["nbgrader"] = copy.deepcopy(src.metadata["nbgrader"])
    if src.get("id"):
        cell["id"] = src["id"]
    return cell


def _plain_cell(graded: NotebookNode) -> NotebookNode:
    """A cell of the student's own (an extra cell, or a second copy of an answer): no nbgrader metadata."""
    cell = copy.deepcopy(graded)
    cell.metadata.pop("grader", None)
    cell.metadata.pop("nbgrader", None)
    return cell


def autograded_notebook(graded: NotebookNode, source: NotebookNode, released: NotebookNode) -> NotebookNode:
    """The notebook formgrader shows: ``graded`` (normalized, maybe executed) in ``source``'s nbgrader shape.

    Walks the source cells in order, as `grader.normalize.normalize` laid them out:
    an answer cell takes the student's cells for it (the first keeps the nbgrader
    metadata, as nbgrader's DeduplicateIds does); a test cell takes its visible
    and hidden runs back as one cell with the instructor's whole source and both
    outputs; any other cell takes its one counterpart. The student's extra cells
    stay where they were, without nbgrader metadata. A graded or answer cell
    missing from ``graded`` comes back from the released notebook with no
    output, as nbgrader's ``OverwriteCells.add_missing_cells`` does.

    Args:
        graded: the normalized notebook, executed or not (`grader.normalize.normalize`).
        source: the instructor's notebook it was normalized from.
        released: the notebook the students received (stubs for missing answers).

    Returns:
        A new nbformat v4 notebook; ``graded`` is not changed.
    """
    source, released = with_cell_ids(source), with_cell_ids(released)  # the ids normalize matched by
    cells = [c for c in graded.cells if _grader_meta(c).get("role") not in INTERNAL_ROLES]
    released_by_id = {c.get("id"): c for c in released.cells}
    out: list[NotebookNode] = []
    position = 0

    def take(roles: tuple, field: str = "", value: str = "", cell_type: str = "", most: int = len(cells)) -> list[NotebookNode]:
        """The run of cells from ``position`` on with one of ``roles`` (and ``field`` equal to ``value``), at most ``most``."""
        nonlocal position
        taken: list[NotebookNode] = []
        while position < len(cells) and len(taken) < most:
            cell, meta = cells[position], _grader_meta(cells[position])
            if meta.get("role") not in roles or (field and meta.get(field) != value) or (cell_type and cell.cell_type != cell_type):
                break
            taken.append(cell)
            position += 1
        return taken

    out += [_plain_cell(c) for c in take(("extra",))]
    for src in source.cells:
        role = role_of(src)
        if role.kind == "answer":
            answers = take(("answer",), "answer_of", role.grade_id)
            if answers:
                out.append(_course_cell(answers[0], src))
                out += [_plain_cell(c) for c in answers[1:]]
            else:
                stub = released_by_id.get(src.get("id"), src)
                out.append(_course_cell(None, src, stub.source))
        elif role.kind == "test":
            runs = take(("test",), "question", role.grade_id)
            cell = _course_cell(runs[0] if runs else None, src, src.source)
            if cell.cell_type == "code":
                cell.outputs = [copy.deepcopy(o) for run in runs for o in run.get("outputs", [])]
            out.append(cell)
        else:
            fixed = take(("fixed", None), cell_type=src.cell_type, most=1)
            out.append(_course_cell(fixed[0] if fixed else None, src))
        out += [_plain_cell(c) for c in take(("extra",))]
    out += [_plain_cell(c) for c in cells[position:]]  # nothing, unless normalize's layout changed
    notebook = nbformat.v4.new_notebook(metadata=copy.deepcopy(source.metadata))
    notebook.cells = out
    return notebook


class NbgraderFolders:
    """Writes ``submitted/`` and ``autograded/`` under ``root`` for each recorded submission.

    Args:
        root: the output folder (``grader grade --out``).
        sources: the instructor's source notebook of each exercise id.
        released: the released notebook of each exercise id.
        seed: the seed a notebook the grader never ran is normalized with. Defaults to 0.
    """

    def __init__(self, root: Path, sources: dict[str, NotebookNode], released: dict[str, NotebookNode], seed: int = 0) -> None:
        self.root, self.sources, self.released, self.seed = root, sources, released, seed

    def paths(self, student: str, notebook: str) -> tuple[Path, Path]:
        """``(submitted, autograded)`` paths of one student's notebook.

        Example:

        >>> NbgraderFolders(Path("out"), {}, {}).paths("ada", "ps1/problem1")[1].as_posix()
        'out/autograded/ada/ps1/problem1.ipynb'
        """
        assignment, name = gradebook_names(notebook)
        parts = (student, assignment, f"{name}.ipynb")
        if any(p in {"", ".", ".."} or "/" in p or "\0" in p for p in parts):
            raise ValueError(f"not a name nbgrader's folders can hold. Received: student={student!r}, notebook={notebook!r}")
        return self.root.joinpath("submitted", *parts), self.root.joinpath("autograded", *parts)

    def has(self, result: NotebookResult) -> bool:
        """True when this submission's autograded notebook is already on disk (an earlier run wrote it)."""
        return self.paths(result.submission.student, result.submission.notebook)[1].is_file()

    def write(self, result: NotebookResult, executed: Path | None = None) -> None:
        """Write one submission's two files; never raises (a failure is logged for the instructor).

        Args:
            result: the submission's result (a missing submission writes nothing).
            executed: the notebook as the sandbox ran it; when None or unreadable,
                the submission is normalized again and written without outputs.
                Defaults to None.
        """
        sub = result.submission
        if sub.path is None:
            return
        try:
            self._write(result, executed)
        except Exception as exc:  # noqa: BLE001 - one submission's folders never stop the batch
            log.warning("%s/%s: could not write its nbgrader folders, so formgrader cannot open it (%s: %s)",
                        sub.student, sub.notebook, type(exc).__name__, exc)

    def _write(self, result: NotebookResult, executed: Path | None) -> None:
        sub = result.submission
        submitted, autograded = self.paths(sub.student, sub.notebook)
        source, released = self.sources[sub.notebook], self.released[sub.notebook]
        graded = None
        if executed is not None and executed.is_file():
            graded = nbformat.read(executed, as_version=4)
        if graded is None:
            graded = self._not_run(result, source, released)
        notebook = autograded_notebook(graded, source, released)
        if not sub.path.is_symlink() and sub.path.is_file():  # type: ignore[union-attr]  # never follow a student's link
            submitted.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(sub.path, submitted)  # type: ignore[arg-type]
        autograded.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, autograded)

    def _not_run(self, result: NotebookResult, source: NotebookNode, released: NotebookNode) -> NotebookNode:
        """The submission normalized again (or the released stubs, if it cannot be), with a note saying why no outputs."""
        try:
            student = read_submission(result.submission.path)  # type: ignore[arg-type]
            graded = normalize(student, source, released, seed=self.seed)
        except (InvalidNotebook, OSError, ValueError, KeyError, TypeError, AttributeError):
            graded = normalize(released, source, released, seed=self.seed)
        note = nbformat.v4.new_markdown_cell(NOT_RUN_NOTE.format(message=result.message.rstrip(".") or result.status.value))
        note.metadata["grader"] = {"role": "extra"}
        note["id"] = "grader-not-run"
        graded.cells.insert(1, note)  # after the prologue, so it leads the notebook
        return graded
