"""The small typed values that grading steps hand to each other.

Every step of the pipeline (ingest, normalize, execute, judge, record, report)
takes and returns these frozen dataclasses instead of shared dicts, so what
crosses a step boundary is written down here once.

Example:

>>> verdict = Verdict("q1_weighted_sum", Status.PASSED, 2.0, 2.0, "Correct.")
>>> verdict.status.value
'passed'
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.flags import Flag, Sighting


class RunStatus(enum.Enum):
    """How one notebook's run ended; its questions have their own `Status`.

    An infrastructure error never costs a student points: the batch reports it
    to the instructor and the submission can be graded again.
    """

    COMPLETED = "completed"  # the notebook ran to the end
    TIMEOUT = "timeout"
    MEMORY = "memory"
    PROCESSES = "processes"
    DISK = "disk"
    CRASHED = "crashed"
    INVALID = "invalid"  # not a notebook we could use
    MISSING = "missing"  # nothing handed in
    INFRASTRUCTURE = "infrastructure_error"  # the grader failed, not the student

    @property
    def stops_notebook(self) -> bool:
        """True for a run that was stopped before its end (killed at a limit, or its kernel died)."""
        return self in _NOTEBOOK_STOPPERS

    @property
    def question_status(self) -> Status:
        """The status of a question this run never let the judge decide.

        Raises:
            ValueError: for a completed run, whose questions are judged one by one.

        Example:

        >>> RunStatus.TIMEOUT.question_status
        <Status.TIMEOUT: 'timeout'>
        """
        if self is RunStatus.COMPLETED:
            raise ValueError("A completed run's questions are judged one by one; they have no status from the run.")
        return _QUESTION_STATUS_OF_RUN[self]


class Status(enum.Enum):
    """What happened to one question.

    Besides the judge's outcomes, a question takes the reason of a run that
    ended before it was decided (`RunStatus.question_status`), so grades.csv
    says "timeout" for a question the notebook never reached.
    """

    PASSED = "passed"
    FAILED = "failed"
    NOT_ATTEMPTED = "not_attempted"
    ERROR = "error"  # the student's code raised
    AWAITING_MANUAL = "awaiting_manual_grading"  # a person grades it in nbgrader's formgrader
    # the run ended before the question was decided:
    TIMEOUT = "timeout"
    MEMORY = "memory"
    PROCESSES = "processes"
    DISK = "disk"
    CRASHED = "crashed"
    INVALID = "invalid"
    MISSING = "missing"
    INFRASTRUCTURE = "infrastructure_error"

    @property
    def ungraded(self) -> bool:
        """True when no score is decided yet: the grader failed, or a person still has to grade it.

        Example:

        >>> Status.AWAITING_MANUAL.ungraded, Status.FAILED.ungraded
        (True, False)
        """
        return self in (Status.INFRASTRUCTURE, Status.AWAITING_MANUAL)


_NOTEBOOK_STOPPERS = frozenset(
    {RunStatus.TIMEOUT, RunStatus.MEMORY, RunStatus.PROCESSES, RunStatus.DISK, RunStatus.CRASHED}
)
_QUESTION_STATUS_OF_RUN = {run: Status(run.value) for run in RunStatus if run is not RunStatus.COMPLETED}


@dataclass(frozen=True)
class Submission:
    """One student's notebook for one exercise, as found by ingest."""

    student: str
    notebook: str  # the exercise id, e.g. "01_the_neuron"
    path: Path | None  # None when the student handed nothing in
    problem: str = ""  # why ingest could not use it, if it could not


@dataclass(frozen=True)
class CellError:
    """The exception a cell raised, as the kernel reported it: its class name and its message.

    Example:

    >>> error = CellError("NameError", "name 'f' is not defined")
    >>> str(error)
    "NameError: name 'f' is not defined"
    >>> error.is_a("NameError", "NotImplementedError")
    True
    """

    name: str  # the exception's class name, e.g. "CheckFailed" (Jupyter's ``ename``)
    message: str  # its text (Jupyter's ``evalue``)

    def __str__(self) -> str:
        return f"{self.name}: {self.message}"

    def is_a(self, *names: str) -> bool:
        """True when the exception's class is one of ``names`` (by name: the class lived in the kernel)."""
        return self.name in names

    @classmethod
    def parse(cls, text: str) -> CellError:
        """The error written as ``"Name: message"`` (its `str`), for callers that still hold the text.

        >>> CellError.parse("OSError: [Errno 30] Read-only file system: '/usr/x'")
        CellError(name='OSError', message="[Errno 30] Read-only file system: '/usr/x'")
        """
        name, _, message = text.partition(": ")
        return cls(name, message)


@dataclass(frozen=True)
class CellRecord:
    """What one executed cell of the normalized notebook produced."""

    index: int
    question: str | None  # grade_id of the question this cell tests, if any
    hidden: bool
    error: CellError | None  # what the cell raised, if it raised
    ran: bool  # False when the run stopped before this cell
    output_text: str  # kept (bounded) text output
    role: str = ""  # "answer", "test", "extra", "fixed" or "prologue" (see grader.normalize)
    answer_of: str | None = None  # for an answer cell: the answer cell id it fills in

    def __post_init__(self) -> None:
        if isinstance(self.error, str):  # an error given as its text (older callers, tests): kept structured
            object.__setattr__(self, "error", CellError.parse(self.error))


@dataclass(frozen=True)
class Execution:
    """The result of running one normalized notebook in the sandbox."""

    status: RunStatus  # COMPLETED when the run finished, otherwise why it stopped
    message: str
    scratch: Path  # the run's folder (the executed notebook is left here)
    probe_dir: Path  # the probe data channel (inside the folder the sandbox could write)
    cells: tuple[CellRecord, ...] = ()
    seconds: float = 0.0
    cell_seconds: float = 0.0  # time spent inside cells, as the kernel reported it
    device: str = "cpu"  # "cpu", or "gpu:N" for the GPU the sandbox was given
    peak_memory_bytes: int = 0  # the most memory the notebook's processes held at once (0: unknown)
    sightings: tuple[Sighting, ...] = ()  # tampering signals seen while it ran (see grader.flags)


@dataclass(frozen=True)
class HeldOutScore:
    """A saved model's score on held-out data, measured on the trusted side (never reported by the kernel).

    Example:

    >>> HeldOutScore("accuracy", 0.93, True, 0.9).meets_goal
    True
    """

    metric: str  # a name in `grader.modelscore.METRICS`
    value: float
    higher_is_better: bool
    goal: float  # the question's threshold

    @property
    def meets_goal(self) -> bool:
        return self.value >= self.goal if self.higher_is_better else self.value <= self.goal


@dataclass(frozen=True)
class Verdict:
    """The judge's decision on one question.

    ``heldout`` is the held-out score of the student's saved model when the
    question scored one and the model met its budget (the projects' leaderboards).
    """

    question: str
    status: Status
    score: float
    max_score: float
    message: str  # for the student: calm, one problem, the next step
    detail: str = ""  # for the instructor only (never shown to students by default)
    in_kernel: bool = False  # True when decided by an assert inside the student's kernel
    heldout: HeldOutScore | None = None


@dataclass(frozen=True)
class StudentOutput:
    """What one of the student's own cells (or a visible check) printed, for feedback.

    ``kind`` is "answer" for the student's code and "check" for a visible test
    cell; hidden test cells are never kept.
    """

    question: str
    kind: str
    text: str
    error: str | None = None


@dataclass(frozen=True)
class NotebookResult:
    """Everything recorded about one submission."""

    submission: Submission
    status: RunStatus  # how the run ended; each verdict has its question's own status
    message: str
    verdicts: tuple[Verdict, ...] = field(default_factory=tuple)
    seconds: float = 0.0
    executed_notebook: Path | None = None
    outputs: tuple[StudentOutput, ...] = field(default_factory=tuple)
    device: str = "cpu"  # where the notebook ran: "cpu" or "gpu:N"
    cell_seconds: float = 0.0  # of ``seconds``, the time spent inside the notebook's cells
    peak_memory_bytes: int = 0  # the most memory the notebook's processes held at once (0: unknown)
    flags: tuple[Flag, ...] = ()  # tampering signals, for the instructor only; never a score change

    @property
    def score(self) -> float:
        return sum(v.score for v in self.verdicts)

    @property
    def grader_fault(self) -> bool:
        """True when the grader failed somewhere in this submission (an infrastructure error).

        Such a result is never cached, never recorded as a score, and graded again.

        Example:

        >>> sub = Submission("ada", "01_the_neuron", None)
        >>> NotebookResult(sub, RunStatus.COMPLETED, "", (Verdict("q1", Status.INFRASTRUCTURE, 0.0, 2.0, ""),)).grader_fault
        True
        """
        return self.status is RunStatus.INFRASTRUCTURE or any(v.status is Status.INFRASTRUCTURE for v in self.verdicts)

    @property
    def max_score(self) -> float:
        return sum(v.max_score for v in self.verdicts)
