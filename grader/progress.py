"""Progress of a grading batch: a live bar with an ETA in a terminal, plain lines elsewhere.

The grader calls `start` once, `update` after each finished submission, `note`
for anything the instructor should read, and `close` at the end.

Example:

>>> reporter = LineProgress(print)
>>> reporter.start(total=2, done=0)
>>> reporter.note("resuming")
resuming
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Protocol

from grader.outcomes import NotebookResult


class ProgressReporter(Protocol):
    def start(self, total: int, done: int) -> None: ...
    def update(self, result: NotebookResult) -> None: ...
    def note(self, text: str) -> None: ...
    def close(self) -> None: ...


def describe_result(result: NotebookResult) -> str:
    """``ada 01_the_neuron: 8/10 (completed, 12.3 s)``."""
    sub = result.submission
    return f"{sub.student} {sub.notebook}: {result.score:g}/{result.max_score:g} ({result.status.value}, {result.seconds:.1f} s)"


class LineProgress:
    """One line per finished submission, with the count and an ETA, through ``write``."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self.total = self.count = 0
        self._started = time.monotonic()
        self._fresh = 0

    def start(self, total: int, done: int) -> None:
        self.total, self.count = total, done
        self._started, self._fresh = time.monotonic(), 0

    def update(self, result: NotebookResult) -> None:
        self.count += 1
        self._fresh += 1
        left = self.total - self.count
        rate = (time.monotonic() - self._started) / self._fresh
        eta = f", about {rate * left:.0f} s left" if left else ""
        self.write(f"[{self.count}/{self.total}] {describe_result(result)}{eta}")

    def note(self, text: str) -> None:
        self.write(text)

    def close(self) -> None:
        pass


class BarProgress:
    """A rich progress bar (count, elapsed, ETA) with each finished submission printed above it."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.console = Console(stderr=True)
        self.bar = Progress(
            TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.description}"),
            console=self.console, transient=False,
        )
        self.task = None

    def start(self, total: int, done: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task("", total=total, completed=done)

    def update(self, result: NotebookResult) -> None:
        style = "green" if result.score == result.max_score and result.max_score else "yellow"
        if result.status.value not in {"completed", "missing"}:
            style = "red"
        self.bar.console.print(f"[{style}]{describe_result(result)}[/{style}]", highlight=False)
        self.bar.update(self.task, advance=1, description=f"last: {result.submission.student}")

    def note(self, text: str) -> None:
        self.bar.console.print(text, highlight=False)

    def close(self) -> None:
        self.bar.stop()


def default_reporter() -> ProgressReporter:
    """A bar when standard error is a terminal, else lines on standard error."""
    if sys.stderr.isatty():
        return BarProgress()
    return LineProgress(lambda line: print(line, file=sys.stderr, flush=True))
