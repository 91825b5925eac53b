"""Tampering signals: what the grader saw a notebook do to the grader, as evidence for a person.

A flag never changes a score and never reaches a student's feedback page: it
goes into ``flags.csv`` and the class report's "What the grader saw" section.
Its evidence says what was seen, not what was meant.

Flags come from two kinds of observation:

- **trusted**, made by the grader outside the kernel: a hidden test cell that
  ran without an error but left no probe data (`hidden_tests_without_data`),
  the probe folder changed while a cell that is not a hidden test ran (listed
  by `grader.execute` after every cell), processes the grader killed or a
  kernel that died (the run's status), connection errors and text imitating
  the grader's pass lines in the notebook's own outputs (`network_errors`,
  `imitated_passes`);
- **kernel evidence**, reported by `grader.kernelwatch` from inside the
  student's kernel at the end of the run (input transformers, exception
  handlers, event hooks, patched tracebacks or functions, tracing, connection
  attempts). Student code can hide such a report, or forge it, which is fine
  for evidence that never decides a score; a report that went missing is
  itself a flag.

Example:

>>> sub = Submission("mallory", "01_the_neuron", None)
>>> flags_for(sub, (Sighting(FlagKind.NETWORK, "socket.connect to 127.0.0.1:22"),))
(Flag(student='mallory', notebook='01_the_neuron', flag=<FlagKind.NETWORK: 'network_attempt'>, evidence='socket.connect to 127.0.0.1:22'),)
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.kernelwatch import REPORT_MIME
from grader.outcomes import CellRecord, Execution, RunStatus, Submission

MAX_EVIDENCE = 300
MAX_SIGHTINGS = 50  # per notebook: a flood of one kind of evidence says no more than its first few


class FlagKind(enum.Enum):
    """The vocabulary of tampering signals (the ``flag`` column of ``flags.csv``)."""

    HIDDEN_TEST_WITHOUT_DATA = "hidden_test_without_data"  # a hidden test cell ran, raised nothing, wrote no probe file
    INPUT_TRANSFORMER = "input_transformer"  # input or AST transformers registered in the kernel
    EXCEPTION_HANDLER = "custom_exception_handler"  # set_custom_exc installed a handler
    EVENT_HOOK = "event_hook"  # a notebook function registered on the kernel's events
    PROBE_FOLDER_TOUCHED = "probe_folder_touched"  # the probe folder changed outside a hidden test cell
    TRACEBACK_PATCHED = "traceback_patched"  # traceback display or the traceback module replaced
    TRACE_HOOK = "trace_hook"  # sys.settrace / sys.setprofile left set
    FUNCTION_REPLACED = "function_replaced"  # builtins, math, numpy, the grader's modules or the shell patched
    EQUALITY_OVERRIDDEN = "equality_overridden"  # a notebook class of numbers/arrays/strings with its own __eq__
    NETWORK = "network_attempt"  # a connection attempted, or a connection error in the outputs
    PROCESSES_KILLED = "processes_killed"  # the grader killed the run: time, memory, processes or disk
    KERNEL_DIED = "kernel_died"  # the kernel died during the run
    IMITATED_PASS = "imitated_pass"  # the student's own cells printed the grader's pass line
    REPORT_MISSING = "kernel_report_missing"  # the grader's last cell ran but its report never arrived


@dataclass(frozen=True)
class Sighting:
    """One thing seen in one run, before it is tied to a student (see `Flag`)."""

    flag: FlagKind
    evidence: str


@dataclass(frozen=True)
class Flag:
    """One tampering signal about one submission: a row of ``flags.csv``."""

    student: str
    notebook: str
    flag: FlagKind
    evidence: str


def sighting(flag: FlagKind, evidence: str) -> Sighting:
    """A `Sighting` whose evidence is one bounded line.

    >>> sighting(FlagKind.TRACE_HOOK, "sys.settrace\\nleft set").evidence
    'sys.settrace left set'
    """
    text = " ".join(evidence.split())
    return Sighting(flag, text if len(text) <= MAX_EVIDENCE else text[: MAX_EVIDENCE - 3] + "...")


def flags_for(submission: Submission, sightings: Iterable[Sighting]) -> tuple[Flag, ...]:
    """The submission's flags, each distinct sighting once, in the order seen."""
    seen = dict.fromkeys(sightings)
    return tuple(Flag(submission.student, submission.notebook, s.flag, s.evidence) for s in list(seen)[:MAX_SIGHTINGS])


def notebook_flags(submission: Submission, execution: Execution | None) -> tuple[Flag, ...]:
    """Everything the grader saw of one run: execute's sightings, then what the cells and probe folder show."""
    if execution is None:
        return ()
    found = [*execution.sightings, *hidden_tests_without_data(execution), *network_errors(execution.cells),
             *imitated_passes(execution.cells)]
    return flags_for(submission, found)


# ----------------------------------------------------------------- the run's end (trusted)

_KILLED = {RunStatus.TIMEOUT, RunStatus.MEMORY, RunStatus.PROCESSES, RunStatus.DISK}


def run_end(status: RunStatus, message: str) -> tuple[Sighting, ...]:
    """The grader killed the run, or the kernel died, and why.

    >>> run_end(RunStatus.PROCESSES, "The notebook tried to run more than 64 processes or threads at once.")[0].flag.value
    'processes_killed'
    >>> run_end(RunStatus.COMPLETED, "The notebook ran to the end.")
    ()
    """
    if status in _KILLED:
        return (sighting(FlagKind.PROCESSES_KILLED, f"the grader killed the notebook's processes ({status.value}): {message}"),)
    if status is RunStatus.CRASHED:
        return (sighting(FlagKind.KERNEL_DIED, message),)
    return ()


# ----------------------------------------------------------------- the probe folder (trusted)


def hidden_tests_without_data(execution: Execution) -> tuple[Sighting, ...]:
    """Hidden test cells that ran to the end without an error and left no probe file.

    A probe always writes its file, even when the student's code raises (as
    error items), so a hidden test that ran cleanly and left nothing did not
    run the grader's code.
    """
    if execution.status.stops_notebook:
        return ()
    found = []
    for cell in execution.cells:
        if cell.hidden and cell.question and cell.ran and cell.error is None and not _probe_file(execution.probe_dir, cell.question):
            found.append(sighting(FlagKind.HIDDEN_TEST_WITHOUT_DATA,
                                  f"the hidden test of {cell.question} (cell {cell.index}) ran without an error and wrote no probe data"))
    return tuple(found)


def _probe_file(folder: Path, question: str) -> bool:
    """True when ``folder`` (not a link) holds ``<question>.json`` as a plain file (never following links)."""
    path = folder / f"{question}.json"
    return not folder.is_symlink() and folder.is_dir() and not path.is_symlink() and path.is_file()


FolderListing = dict[str, tuple[Any, ...]]


def list_probe_folder(folder: Path, limit: int = 1000) -> FolderListing:
    """Name -> (kind, size, mtime_ns, inode) of the probe folder's entries, and "." for the folder itself.

    Never follows a link: a folder replaced by a link is listed as that link.
    """
    if folder.is_symlink():
        try:
            return {".": ("link", str(folder.readlink()))}
        except OSError:
            return {".": ("link", "?")}
    try:
        stat = folder.lstat()
    except OSError:
        return {}
    if not folder.is_dir():
        return {".": ("file", stat.st_ino)}
    listing: FolderListing = {".": ("dir", stat.st_ino)}
    try:
        with os.scandir(folder) as entries:
            for count, entry in enumerate(entries):
                if count >= limit:
                    break
                info = entry.stat(follow_symlinks=False)
                kind = "link" if entry.is_symlink() else "dir" if entry.is_dir(follow_symlinks=False) else "file"
                listing[entry.name] = (kind, info.st_size, info.st_mtime_ns, info.st_ino)
    except OSError:
        pass
    return listing


def probe_folder_changes(before: FolderListing, after: FolderListing) -> list[tuple[str, str]]:
    """``(name, what happened)`` for each entry that differs between two `list_probe_folder` listings.

    >>> probe_folder_changes({}, {"q1.json": ("file", 10, 1, 7)})
    [('q1.json', 'q1.json was written')]
    >>> probe_folder_changes({".": ("dir", 5)}, {".": ("link", "/tmp")})
    [('.', 'the probe folder was replaced by a link to /tmp')]
    """
    changes = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name == ".":
            what = "removed" if new is None else f"replaced by a link to {new[1]}" if new[0] == "link" else f"replaced by a {new[0]}"
            changes.append((name, f"the probe folder was {what}"))
        elif new is None:
            changes.append((name, f"{name} was removed"))
        else:
            kind = "" if new[0] == "file" else f" (a {new[0]})"
            changes.append((name, f"{name} was {'written' if old is None else 'rewritten'}{kind}"))
    return changes


def touched_outside_probes(
    before: FolderListing, after: FolderListing, index: int, role: str, question: str | None = None, hidden: bool = False
) -> tuple[Sighting, ...]:
    """Changes to the probe folder while one cell ran that its own probe call did not make.

    A hidden test of question ``q`` writes ``q.json`` (through ``q.tmp``) and
    ``q.keras``; any other change, or any change during another cell, is flagged.

    >>> touched_outside_probes({}, {"q1.json": ("file", 1, 1, 1)}, 7, "answer")[0].evidence
    'q1.json was written while cell 7 (answer) ran'
    >>> touched_outside_probes({}, {"q1.json": ("file", 1, 1, 1)}, 9, "test", "q1", hidden=True)
    ()
    """
    changes = probe_folder_changes(before, after)
    if hidden and question:
        changes = [(name, what) for name, what in changes if not name.startswith(f"{question}.")]
    where = f"the hidden test of {question} (cell {index})" if hidden else f"cell {index} ({role or 'fixed'})"
    return tuple(sighting(FlagKind.PROBE_FOLDER_TOUCHED, f"{what} while {where} ran") for _, what in changes)


# ----------------------------------------------------------------- the notebook's outputs (trusted)

_NETWORK_ERRORS = re.compile(
    r"Network is unreachable|\[Errno (?:101|111|113)\]|gaierror|Temporary failure in name resolution"
    r"|Name or service not known|URLError|Connection refused|No route to host"
)
# The grader's own pass lines, exactly: Question.check's and `grader check`'s (see keras_course.question, grader.rehearsal).
_PASS_LINES = (
    re.compile(r"^\s*[\w.-]+: all \d+ visible checks? passed\.\s*$", re.M),
    re.compile(r"^\s*\[ok\]\s+[\w.-]+ \(\d+(?:\.\d+)? pts?\): visible checks pass\s*$", re.M),
)


def network_errors(cells: Sequence[CellRecord]) -> tuple[Sighting, ...]:
    """Connection errors (the sandbox has no network) in any cell's error or output.

    >>> cell = CellRecord(3, None, False, "OSError: [Errno 101] Network is unreachable", True, "", "answer")
    >>> network_errors([cell])[0].evidence
    'cell 3 (answer): OSError: [Errno 101] Network is unreachable'
    """
    found = []
    for cell in cells:
        for text in (str(cell.error or ""), cell.output_text):
            match = _NETWORK_ERRORS.search(text)
            if match:
                line = next(ln for ln in text.splitlines() if match.group(0) in ln)
                found.append(sighting(FlagKind.NETWORK, f"cell {cell.index} ({cell.role or 'fixed'}): {line.strip()}"))
    return tuple(found)


def imitated_passes(cells: Sequence[CellRecord]) -> tuple[Sighting, ...]:
    """Lines shaped exactly like the grader's pass lines, printed by the student's own cells.

    >>> cell = CellRecord(4, None, False, None, True, "q1_weighted_sum: all 3 visible checks passed.\\n", "answer")
    >>> imitated_passes([cell])[0].evidence
    "cell 4 (answer) printed 'q1_weighted_sum: all 3 visible checks passed.'"
    >>> imitated_passes([CellRecord(5, None, False, None, True, "All my tests passed\\n", "answer")])
    ()
    """
    found = []
    for cell in cells:
        if cell.role not in ("answer", "extra"):
            continue
        for pattern in _PASS_LINES:
            for match in pattern.finditer(cell.output_text):
                found.append(sighting(FlagKind.IMITATED_PASS, f"cell {cell.index} ({cell.role}) printed {match.group(0).strip()!r}"))
    return tuple(found)


# ----------------------------------------------------------------- the kernel's own report (evidence)


def report_cell(cell: Any) -> tuple[Sighting, ...]:
    """What the executed watch report cell says; a report cell that ran and said nothing is a sighting itself.

    >>> report_cell({"execution_count": 9, "outputs": []})[0].flag.value
    'kernel_report_missing'
    """
    if cell.get("execution_count") is None:
        return ()
    reports = [out["data"][REPORT_MIME] for out in cell.get("outputs", []) if REPORT_MIME in out.get("data", {})]
    if not reports:
        return (sighting(FlagKind.REPORT_MISSING, "the grader's last cell ran but its report of the kernel's state never arrived"),)
    return tuple(s for report in reports for s in from_kernel_report(report))


def from_kernel_report(report: Any) -> tuple[Sighting, ...]:
    """Sightings from `grader.kernelwatch`'s report, read strictly (it crossed from the sandbox).

    >>> from_kernel_report({"seen": [["trace_hook", "sys.settrace left set"], ["bogus", "x"], "junk"]})
    (Sighting(flag=<FlagKind.TRACE_HOOK: 'trace_hook'>, evidence='sys.settrace left set'),)
    """
    known = {kind.value: kind for kind in FlagKind}
    seen = report.get("seen") if isinstance(report, dict) else None
    found = []
    for entry in seen[:MAX_SIGHTINGS] if isinstance(seen, list) else []:
        if isinstance(entry, list) and len(entry) == 2 and entry[0] in known and isinstance(entry[1], str):
            found.append(sighting(known[entry[0]], entry[1]))
    return tuple(found)
