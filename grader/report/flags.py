"""Tampering signals, for the instructor only: ``flags.csv`` and the report's "What the grader saw" section.

Each flag says what the grader saw a notebook do (see `grader.flags`); it is
evidence for a person to read, never a score change, and feedback pages never
show it.

Example:

>>> import tempfile
>>> from grader.flags import Flag, FlagKind
>>> from grader.outcomes import RunStatus, Status, Submission
>>> seen = (Flag("ada", "01_the_neuron", FlagKind.NETWORK, "socket.connect to 10.0.0.1:80"),)
>>> results = [NotebookResult(Submission("ada", "01_the_neuron", None), RunStatus.COMPLETED, "", flags=seen)]
>>> path = Path(tempfile.mkdtemp()) / "flags.csv"
>>> write_flags_csv(results, path)
>>> print(path.read_text(), end="")
student,notebook,flag,evidence
ada,01_the_neuron,network_attempt,socket.connect to 10.0.0.1:80
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from grader.flags import Flag
from grader.outcomes import NotebookResult
from grader.report.page import escape

FLAGS_HEADER = ["student", "notebook", "flag", "evidence"]


def all_flags(results: Sequence[NotebookResult]) -> list[Flag]:
    """Every result's flags, by student and notebook, each submission's in the order seen."""
    ordered = sorted(results, key=lambda r: (r.submission.student, r.submission.notebook))
    return [flag for result in ordered for flag in result.flags]


def write_flags_csv(results: Sequence[NotebookResult], path: Path) -> None:
    """One row per flag (a header alone when nothing was seen)."""
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(FLAGS_HEADER)
        writer.writerows([flag.student, flag.notebook, flag.flag.value, flag.evidence] for flag in all_flags(results))


def flag_kinds(result: NotebookResult) -> str:
    """The distinct kinds of a result's flags, for its row of the report: ``input_transformer, event_hook``.

    >>> from grader.outcomes import RunStatus, Submission
    >>> flag_kinds(NotebookResult(Submission("ada", "01", None), RunStatus.COMPLETED, ""))
    ''
    """
    return ", ".join(dict.fromkeys(flag.flag.value for flag in result.flags))


def flags_section(results: Sequence[NotebookResult]) -> str:
    """The report's "What the grader saw" section: every flag with its evidence, HTML-escaped."""
    flags = all_flags(results)
    intro = (
        "<h2 id='flags'>What the grader saw</h2><p>Signs that a notebook acted on the grader rather than on the "
        "exercise, as seen during its run (also in <code>flags.csv</code>). Each line says what was seen, not what was "
        "meant; some come from inside the student's kernel, where student code could also hide them. This is "
        "evidence for you to read, not a verdict: no score was changed and students do not see it.</p>"
    )
    if not flags:
        return intro + "<p>Nothing was seen.</p>"
    rows = "".join(
        f"<tr><td>{escape(f.student)}</td><td>{escape(f.notebook)}</td><td>{escape(f.flag.value)}</td><td>{escape(f.evidence)}</td></tr>"
        for f in flags
    )
    head = "".join(f"<th>{escape(h)}</th>" for h in FLAGS_HEADER)
    return intro + f"<table><tr>{head}</tr>{rows}</table>"
