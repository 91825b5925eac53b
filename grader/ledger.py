"""What a grading run has finished, kept on disk so an interrupted run can resume.

Each finished submission is written as one small JSON file under
``<out>/.ledger/`` *before* its scores go into the gradebook. A run started
again (after Ctrl-C, SIGKILL or a crash) reuses every entry whose inputs are
unchanged (the submitted file, the answer key, the seed and limits) and grades
only the rest, so each submission is executed once and the gradebook ends up
with every score. A result the grader failed on (an infrastructure error) is
never kept, so running the same command again grades it again.

Example:

>>> ledger = Ledger(Path("out/.ledger"), context="key+limits")  # doctest: +SKIP
>>> ledger.load(submission)  # None until the submission was finished once  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

from grader.flags import Flag, Sighting
from grader.outcomes import NotebookResult, Submission
from grader.plain import PlainError, from_plain, to_plain

FORMAT = 2  # of an entry; an entry of another format is graded again
_TYPE_CHECKING_NAMES = {"Flag": Flag, "Sighting": Sighting}  # named by `grader.outcomes` for type checkers only


def _file_digest(path: Path | None) -> str:
    if path is None:
        return "missing"
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def result_to_json(result: NotebookResult) -> dict:
    """One result as plain JSON data (`grader.plain`), every field included."""
    return to_plain(result)


def result_from_json(data: object) -> NotebookResult:
    """A result `result_to_json` wrote.

    Raises:
        PlainError: the data is not such a result (damaged, or written by another grader).
    """
    return from_plain(NotebookResult, data, _TYPE_CHECKING_NAMES)


class Ledger:
    """Finished results of one output folder, keyed by student and notebook."""

    def __init__(self, folder: Path, context: str) -> None:
        self.folder = folder
        self.context = context  # changes whenever keys, seed or limits change

    def _path(self, submission: Submission) -> Path:
        name = hashlib.sha256(f"{submission.student}\0{submission.notebook}".encode()).hexdigest()[:32]
        return self.folder / f"{name}.json"

    def _fingerprint(self, submission: Submission) -> str:
        return hashlib.sha256(f"{self.context}\0{_file_digest(submission.path)}".encode()).hexdigest()

    def load(self, submission: Submission) -> NotebookResult | None:
        """The earlier result for this exact submission, or None."""
        path = self._path(submission)
        try:
            entry = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("fingerprint") != self._fingerprint(submission):
            return None
        try:
            loaded = result_from_json(entry["result"])
        except (KeyError, PlainError, TypeError):  # damaged, or a value this grader does not know: grade it again
            return None
        if loaded.grader_fault:  # written by an older grader: grade it again
            return None
        return replace(loaded, submission=submission)  # the same file (the fingerprint says so), wherever it is now

    def save(self, result: NotebookResult) -> None:
        """Write one finished result atomically; a grader fault is not finished, so it drops any entry instead."""
        path = self._path(result.submission)
        if result.grader_fault:
            path.unlink(missing_ok=True)
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        entry = {"format": FORMAT, "fingerprint": self._fingerprint(result.submission), "result": result_to_json(result)}
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(entry))
        partial.replace(path)
