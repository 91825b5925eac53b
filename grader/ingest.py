"""Find the submissions in a class folder and match each to its exercise.

Layouts understood:

- ``PATH/<student>/<notebook>.ipynb`` (a plain folder per student);
- nbgrader's ``submitted/<student>/<assignment>/<notebook>.ipynb``.

A notebook is matched to an exercise by its metadata first
(``metadata.keras_course.exercise``), then by its file name, which Colab and
browsers mangle (``01_the_neuron (2).ipynb``, ``Copy of 01_the_neuron.ipynb``).
Any exercise name works; an exercise ``<assignment>/<notebook>`` of an
nbgrader course is matched by its notebook name, and by the assignment folder
it was handed in under when two assignments have a notebook of that name.
Anything unusable becomes a `Submission` with a ``problem``, so the batch
goes on and the report says why.

Example:

>>> match_name("Copy of 01_the_neuron (2).ipynb", ["01_the_neuron"])
'01_the_neuron'
>>> match_name("problem1.ipynb", ["ps1/problem1", "ps2/problem1"], folder="ps2")
'ps2/problem1'
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import nbformat

from grader.outcomes import Submission

log = logging.getLogger(__name__)

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
_COPY_MARKS = re.compile(r"(^copy of\s+)|(\s*\(\d+\)$)|(\s*-\s*copy$)|(_copy$)|(-\d+$)", re.I)  # -1: Canvas resubmissions


def name_key(name: str) -> str:
    """A name as matching compares it: lower case, runs of spaces and dashes as ``_``.

    Example:

    >>> name_key("02-Activations and Losses")
    '02_activations_and_losses'
    """
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def match_name(filename: str, notebooks: list[str], folder: str = "") -> str | None:
    """The exercise id a file name refers to, or None.

    Args:
        filename: the submitted file's name.
        notebooks: the course's exercise ids.
        folder: the folder the file was handed in under (nbgrader's
            ``<assignment>``), which decides between two assignments' notebooks
            of the same name. Defaults to "".
    """
    stem = filename[: -len(".ipynb")] if filename.lower().endswith(".ipynb") else filename
    previous = None
    while previous != stem:
        previous, stem = stem, _COPY_MARKS.sub("", stem).strip()
    key = name_key(stem)
    named = _one_of([n for n in notebooks if name_key(n.rpartition("/")[2]) == key], folder)
    if named:
        return named
    number = re.match(r"^(\d\d)(?:_|$)", key)
    if number:
        return _one_of([n for n in notebooks if n.rpartition("/")[2].startswith(number.group(1) + "_")], folder)
    return None


def _one_of(candidates: list[str], folder: str) -> str | None:
    """The only candidate, or the only one in the assignment ``folder``, else None."""
    if len(candidates) > 1:
        candidates = [n for n in candidates if name_key(n.rpartition("/")[0]) == name_key(folder)]
    return candidates[0] if len(candidates) == 1 else None


def match_metadata(path: Path, notebooks: list[str]) -> str | None:
    """The exercise id stored in a notebook's metadata, if the file is readable JSON."""
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            return None
        document = json.loads(path.read_bytes())
        exercise = document.get("metadata", {}).get("keras_course", {}).get("exercise")
    except (OSError, ValueError, AttributeError):
        return None
    return exercise if exercise in notebooks else None


def student_folders(root: Path) -> list[tuple[str, Path]]:
    """``(student id, folder)`` pairs for a class folder or nbgrader's submitted/ folder."""
    folders = []
    for entry in sorted(root.iterdir()):
        if entry.is_dir() and not entry.is_symlink() and not entry.name.startswith("."):
            folders.append((entry.name, entry))
    return folders


def ingest(root: Path, notebooks: list[str], problems: dict[Path, str] | None = None) -> list[Submission]:
    """Every (student, exercise) pair of the class, including missing ones.

    The exercises graded are those that at least one student handed in.
    ``problems`` names files already known to be unusable (from `grader.unzip`).
    """
    problems = problems or {}
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder of student submissions.")
    found: dict[tuple[str, str], Submission] = {}
    students = []
    for student, folder in student_folders(root):
        students.append(student)
        files = sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        for path in files:
            if path.is_symlink():
                log.warning("%s: skipping symlink %s", student, path)
                continue
            notebook = match_metadata(path, notebooks) or match_name(path.name, notebooks, path.parent.name)
            if notebook is None:
                log.warning("%s: %s matches no exercise; skipped", student, path.name)
                continue
            problem = problems.get(path) or ("" if path.stat().st_size <= MAX_NOTEBOOK_BYTES else "the file is larger than 50 MB")
            previous = found.get((student, notebook))
            if previous is None or path.stat().st_mtime > previous.path.stat().st_mtime:
                found[(student, notebook)] = Submission(student, notebook, path, problem)
    graded = sorted({n for _, n in found})
    submissions = []
    for student in students:
        for notebook in graded:
            submissions.append(found.get((student, notebook), Submission(student, notebook, None, "no notebook handed in")))
    return submissions


def unmatched_help(root: Path, notebooks: list[str]) -> str:
    """Why no submission under ``root`` matched an exercise, and what to do (for the instructor).

    Example:

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "ada").mkdir()
    >>> _ = (root / "ada" / "homework.ipynb").write_text("{}")
    >>> print(unmatched_help(root, ["01_the_neuron"]))  # doctest: +ELLIPSIS
    No notebook under ... matches an exercise of the course (1 student folders). Seen: homework.ipynb. Exercises: 01_the_neuron.
    TIP: pass the folder that holds one subfolder per student ...
    """
    seen = sorted({p.name for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts}) if root.is_dir() else []
    what = f"Seen: {', '.join(seen[:5])}{' ...' if len(seen) > 5 else ''}." if seen else "It holds no .ipynb file."
    students = len(student_folders(root)) if root.is_dir() else 0
    return (
        f"No notebook under {root} matches an exercise of the course ({students} student folders). {what} "
        f"Exercises: {', '.join(notebooks) or 'none'}.\n"
        "TIP: pass the folder that holds one subfolder per student (nbgrader's submitted/ works), with "
        "notebooks named like the course's source notebooks; check --course points at the right course."
    )


class InvalidNotebook(ValueError):
    """The submitted file is not a notebook we can read."""


def read_submission(path: Path) -> nbformat.NotebookNode:
    """Read a student's file as an nbformat v4 notebook, or raise `InvalidNotebook`."""
    data = path.read_bytes()
    if not data.strip():
        raise InvalidNotebook("the file is empty")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidNotebook("the file is not text (is it really a notebook?)") from exc
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types for bad input
        raise InvalidNotebook(f"the file is not valid notebook JSON ({type(exc).__name__})") from exc
    if not isinstance(nb.get("cells"), list):
        raise InvalidNotebook("the notebook has no list of cells")
    for cell in nb.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") not in {"code", "markdown", "raw"}:
            raise InvalidNotebook("the notebook holds a cell that is not a notebook cell")
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(str(s) for s in cell["source"])
        cell.setdefault("source", "")
        cell.setdefault("metadata", {})
    return nb
