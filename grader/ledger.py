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
from dataclasses import asdict
from pathlib import Path

from grader.flags import Flag, FlagKind
from grader.outcomes import HeldOutScore, NotebookResult, RunStatus, Status, StudentOutput, Submission, Verdict


def _file_digest(path: Path | None) -> str:
    if path is None:
        return "missing"
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"



def _verdict(saved: dict) -> Verdict:
    """A verdict as `Ledger.save` wrote it (``asdict`` with the status as its value)."""
    heldout = saved.get("heldout")
    return Verdict(**{**saved, "status": Status(saved["status"]), "heldout": HeldOutScore(**heldout) if heldout else None})

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
        if entry.get("fingerprint") != self._fingerprint(submission):
            return None
        result = entry["result"]
        try:
            flags = tuple(Flag(submission.student, submission.notebook, FlagKind(kind), evidence) for kind, evidence in result.get("flags", []))
        except (TypeError, ValueError):  # a flag this grader does not know: grade it again
            return None
        loaded = NotebookResult(
            submission=submission,
            status=RunStatus(result["status"]),
            message=result["message"],
            verdicts=tuple(_verdict(v) for v in result["verdicts"]),
            seconds=result["seconds"],
            outputs=tuple(StudentOutput(**o) for o in result.get("outputs", [])),
            device=result.get("device", "cpu"),
            cell_seconds=result.get("cell_seconds", 0.0),
            peak_memory_bytes=result.get("peak_memory_bytes", 0),
            flags=flags,
        )
        return None if loaded.grader_fault else loaded  # written by an older grader: grade it again

    def save(self, result: NotebookResult) -> None:
        """Write one finished result atomically; a grader fault is not finished, so it drops any entry instead."""
        path = self._path(result.submission)
        if result.grader_fault:
            path.unlink(missing_ok=True)
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        verdicts = [{**asdict(v), "status": v.status.value} for v in result.verdicts]
        entry = {
            "fingerprint": self._fingerprint(result.submission),
            "result": {"status": result.status.value, "message": result.message, "verdicts": verdicts, "seconds": result.seconds,
                       "outputs": [asdict(o) for o in result.outputs], "device": result.device,
                       "cell_seconds": result.cell_seconds, "peak_memory_bytes": result.peak_memory_bytes,
                       "flags": [[f.flag.value, f.evidence] for f in result.flags]},
        }
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(entry))
        partial.replace(path)
