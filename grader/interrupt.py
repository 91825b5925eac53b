"""Ctrl-C during a grading run: stop, and keep nothing decided after it.

Python raises ``KeyboardInterrupt`` wherever the main thread happens to be.
Inside a kernel client's event loop that can surface as something else (a
"dead kernel", a cancelled task) and be caught as the student's fault. So a
run remembers that it was interrupted, and checks before it keeps a result:
anything decided after the interrupt is thrown away, never saved or recorded,
and the next run of the same command grades it again.

Example:

>>> with stop_on_interrupt() as stop:
...     stop.check()  # raises KeyboardInterrupt once Ctrl-C was pressed
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Stop:
    """Whether the run was interrupted; `check` raises ``KeyboardInterrupt`` if so."""

    def __init__(self) -> None:
        self.requested = False

    def check(self) -> None:
        if self.requested:
            raise KeyboardInterrupt

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        raise KeyboardInterrupt


@contextmanager
def stop_on_interrupt() -> Iterator[Stop]:
    """Note SIGINT while the block runs (then raise as Python does); outside the main thread, only hand out a `Stop`."""
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = signal.signal(signal.SIGINT, stop._on_signal)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
