"""Submissions downloaded from an LMS (Canvas, Moodle), and a grade export with the class roster.

An LMS hands the class in as one zip (or folder) of files whose names carry the
student: Canvas writes ``<login>_<user id>_<submission id>_<file>`` (with
``_LATE`` after the login for late work, and ``-1``, ``-2`` after resubmitted
file names); Moodle writes ``<full name>_<participant id>_assignsubmission_file_<file>``
(a folder of that name, or a prefix of the file). A pattern with the named
groups ``student`` (the id the roster uses) and ``file`` maps each file to
``<student>/<file>``, the class folder layout the grader reads; files that
match no pattern are reported, never guessed.

A roster CSV (id, name, email) names every student: those who handed nothing
in get ``missing``, and the export carries names and emails.

Example:

>>> student_file("smithjane_LATE_4242_998_01_the_neuron-1.ipynb", LMS_PATTERNS["canvas"])
('4242', '01_the_neuron-1.ipynb')
"""

from __future__ import annotations

import csv
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from grader.outcomes import NotebookResult, RunStatus
from grader.unzip import unpack_class

LMS_PATTERNS = {
    "canvas": r"^(?P<login>[^_/]+?)(?:_LATE)?_(?P<student>\d+)_(?P<submission>\d+)_(?P<file>[^/]+)$",
    "moodle": r"^(?P<name>[^/]+?)_(?P<student>\d+)_assignsubmission_(?:file|onlinetext)_?/?(?P<file>[^/]+)$",
}
ROSTER_COLUMNS = {
    "id": ("id", "student_id", "student id", "sis user id", "user id", "identifier", "username"),
    "name": ("name", "student", "full name", "student name"),
    "email": ("email", "email address", "e-mail"),
}


class LmsError(ValueError):
    """An LMS pattern or roster the grader cannot use; the message says how to fix it."""


def lms_pattern(name_or_regex: str) -> re.Pattern[str]:
    """``"canvas"``, ``"moodle"``, or a regular expression with ``student`` and ``file`` groups."""
    text = LMS_PATTERNS.get(name_or_regex.lower(), name_or_regex)
    try:
        pattern = re.compile(text)
    except re.error as exc:
        raise LmsError(f"The LMS pattern {name_or_regex!r} is not a valid regular expression: {exc}") from exc
    if not {"student", "file"} <= set(pattern.groupindex):
        raise LmsError(
            f"The LMS pattern {name_or_regex!r} needs the named groups (?P<student>...) and (?P<file>...). "
            f"Known LMS names: {', '.join(LMS_PATTERNS)}."
        )
    return pattern


def student_file(relative: str, pattern: re.Pattern[str] | str) -> tuple[str, str] | None:
    """``(student id, file name)`` for a path inside the download, or None when it does not match."""
    compiled = lms_pattern(pattern) if isinstance(pattern, str) else pattern
    match = compiled.match(relative.replace("\\", "/"))
    if not match:
        return None
    student = re.sub(r"[^\w.@-]+", "_", match.group("student")).strip("._")
    return (student, match.group("file")) if student else None


@dataclass(frozen=True)
class Arranged:
    """What `arrange` made of an LMS download."""

    class_dir: Path
    problems: dict[Path, str]  # files that cannot be used (from unpacking), keyed by their new place
    unmatched: tuple[str, ...]  # files whose names match no student


def arrange(download: Path, dest: Path, pattern: str, students: list[str] = ()) -> Arranged:
    """Lay out an LMS download (zip or folder) as ``dest/<student>/<file>``.

    ``students`` (from a roster) get a folder even when they handed nothing in,
    so they are graded ``missing``.
    """
    compiled = lms_pattern(pattern)
    unpacked = dest.parent / f"{dest.name}-download"
    problems_in: dict[Path, str] = {}
    if download.is_file():
        problems_in = unpack_class(download, unpacked)
        source = unpacked
    else:
        source = download
    dest.mkdir(parents=True, exist_ok=True)
    problems: dict[Path, str] = {}
    unmatched = []
    for path in sorted(p for p in source.rglob("*") if p.is_file() and not p.is_symlink()):
        relative = path.relative_to(source).as_posix()
        found = student_file(relative, compiled)
        if found is None:
            unmatched.append(relative)
            continue
        student, name = found
        target = dest / student / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        if path in problems_in:
            problems[target] = problems_in[path]
    for student in students:
        (dest / student).mkdir(parents=True, exist_ok=True)
    shutil.rmtree(unpacked, ignore_errors=True)
    return Arranged(dest, problems, tuple(unmatched))


@dataclass(frozen=True)
class RosterEntry:
    """One student of the class list."""

    id: str
    name: str = ""
    email: str = ""


def read_roster(path: Path) -> dict[str, RosterEntry]:
    """Read a roster CSV; its id column may be called id, student_id, SIS User ID, ... (see ROSTER_COLUMNS)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
            header = [h or "" for h in (rows[0].keys() if rows else [])]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise LmsError(f"Could not read the roster {path}: {exc}") from exc
    columns = {role: next((h for h in header if h.strip().lower() in names), None) for role, names in ROSTER_COLUMNS.items()}
    if columns["id"] is None:
        raise LmsError(
            f"The roster {path} has no student id column (found: {', '.join(header) or 'no columns'}). "
            f"Name one of its columns {', '.join(ROSTER_COLUMNS['id'])}."
        )
    roster = {}
    for row in rows:
        student = (row.get(columns["id"]) or "").strip()
        if student:
            roster[student] = RosterEntry(
                student,
                (row.get(columns["name"]) or "").strip() if columns["name"] else "",
                (row.get(columns["email"]) or "").strip() if columns["email"] else "",
            )
    return roster


EXPORT_HEADER = ["student", "name", "email", "notebook", "score", "max_score", "status", "missing"]


def write_export(results: list[NotebookResult], roster: dict[str, RosterEntry], path: Path) -> list[tuple[str, str]]:
    """One row per student and notebook with the roster's name and email; returns the missing (student, notebook)."""
    notebooks = sorted({r.submission.notebook for r in results})
    by_key = {(r.submission.student, r.submission.notebook): r for r in results}
    students = sorted(set(roster) | {r.submission.student for r in results})
    missing = []
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(EXPORT_HEADER)
        for student in students:
            entry = roster.get(student, RosterEntry(student))
            for notebook in notebooks:
                result = by_key.get((student, notebook))
                absent = result is None or result.status is RunStatus.MISSING
                if absent:
                    missing.append((student, notebook))
                score = f"{result.score:g}" if result else "0"
                maximum = f"{result.max_score:g}" if result else ""
                status = result.status.value if result else RunStatus.MISSING.value
                writer.writerow([student, entry.name, entry.email, notebook, score, maximum, status, "yes" if absent else ""])
    return missing
