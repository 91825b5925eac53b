"""Grade a class: the pipeline, written once.

    ingest -> normalize -> execute (sandboxed) -> judge (trusted) -> record -> report

Workers (separate processes) normalize and execute notebooks in parallel; the
coordinator alone judges, writes the gradebook and the reports. One broken
submission never stops the batch: whatever goes wrong becomes that
submission's status.

Example:

>>> results = grade_class(Path("submissions"), Path("out"), config)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.build import ensure_key
from grader.config import GraderConfig, Limits
from grader.course import Course
from grader.execute import ExecutionRequest, execute
from grader.heldout import load_secret
from grader.ingest import InvalidNotebook, ingest, read_submission
from grader.judge import HeldoutScorer, judge_notebook
from grader.ledger import Ledger
from grader.lms import RosterEntry, arrange, read_roster, write_export
from grader.modelscore import ModelScorerProcess
from grader.normalize import normalize
from grader.outcomes import CellRecord, Execution, NotebookResult, Status, StudentOutput, Submission, Verdict
from grader.probes import JudgeContext
from grader.question import Exercise
from grader.record import GradebookRecorder
from grader.report import write_reports
from grader.unzip import unpack_class

log = logging.getLogger(__name__)

PIPELINE = ("ingest", "normalize", "execute", "judge", "record", "report")


@dataclass(frozen=True)
class Job:
    """What a worker needs to run one submission (plain, picklable values)."""

    submission: Submission
    source: Path
    released: Path
    scratch: Path
    limits: Limits
    sandbox: bool
    seed: int


@dataclass(frozen=True)
class JobResult:
    execution: Execution | None
    status: Status
    message: str


def run_job(job: Job) -> JobResult:
    """Worker side: read, normalize, execute. Never raises."""
    try:
        student = read_submission(job.submission.path)  # type: ignore[arg-type]
    except (InvalidNotebook, OSError) as exc:
        return JobResult(None, Status.INVALID, f"We could not read your notebook: {exc}.")
    try:
        source = nbformat.read(job.source, as_version=4)
        released = nbformat.read(job.released, as_version=4)
        nb = normalize(student, source, released, seed=job.seed)
    except Exception as exc:  # noqa: BLE001 - a notebook we cannot rebuild is invalid, not fatal
        return JobResult(None, Status.INVALID, f"We could not match your notebook to the exercise: {exc}.")
    try:
        request = ExecutionRequest(notebook=nb, scratch=job.scratch, limits=job.limits, sandbox=job.sandbox)
        execution = execute(request)
    except Exception as exc:  # noqa: BLE001 - the grader's fault: never the student's points
        log.exception("executing %s/%s failed", job.submission.student, job.submission.notebook)
        return JobResult(None, Status.INFRASTRUCTURE, f"The grader could not run this notebook: {exc}")
    return JobResult(execution, execution.status, execution.message)


MAX_OUTPUT_CHARS = 2000


def student_outputs(cells: tuple[CellRecord, ...]) -> tuple[StudentOutput, ...]:
    """The student's own answer cells and the visible checks, each tied to its question.

    An answer cell belongs to the first test cell after it; hidden test cells are left out.
    """
    outputs: list[StudentOutput] = []
    pending: list[CellRecord] = []
    for cell in cells:
        if cell.role == "answer":
            pending.append(cell)
        elif cell.role == "test" and cell.question and not cell.hidden:
            for answer in pending:
                if answer.output_text.strip() or answer.error:
                    outputs.append(StudentOutput(cell.question, "answer", answer.output_text[-MAX_OUTPUT_CHARS:], answer.error))
            pending = []
            outputs.append(StudentOutput(cell.question, "check", cell.output_text[-MAX_OUTPUT_CHARS:], cell.error))
    return tuple(outputs)


def _flat_verdicts(exercise: Exercise, status: Status, message: str) -> tuple[Verdict, ...]:
    return tuple(Verdict(q.id, status, 0.0, float(q.points), message) for q in exercise.questions)


class ClassGrader:
    """Runs the pipeline over a class; see `grade_class`."""

    def __init__(
        self, course: Course, config: GraderConfig, out: Path, progress: Callable[[str], None], resume: bool = True
    ) -> None:
        self.course, self.config, self.out, self.progress, self.resume = course, config, out, progress, resume

    def run(self, class_dir: Path, notebooks: list[str] | None = None, roster: Path | None = None) -> list[NotebookResult]:
        entries = read_roster(roster) if roster else {}
        if self.config.lms:
            with tempfile.TemporaryDirectory(prefix="grader-lms-") as tmp:
                arranged = arrange(class_dir, Path(tmp) / "class", self.config.lms, sorted(entries))
                for name in arranged.unmatched:
                    log.warning("LMS download: %s matches no student in the %r pattern; skipped", name, self.config.lms)
                results = self._run(arranged.class_dir, notebooks, arranged.problems)
        elif entries:
            with tempfile.TemporaryDirectory(prefix="grader-roster-") as tmp:
                results = self._run(_with_roster(class_dir, Path(tmp) / "class", sorted(entries)), notebooks, {})
        else:
            return self._run_plain(class_dir, notebooks)
        if entries:
            missing = write_export(results, entries, self.out / "lms_export.csv")
            for student, notebook in missing:
                self.progress(f"missing: {student} ({entries.get(student, RosterEntry(student)).name}) handed in no {notebook}")
        return results

    def _run_plain(self, class_dir: Path, notebooks: list[str] | None) -> list[NotebookResult]:
        if class_dir.is_file() and class_dir.suffix.lower() == ".zip":
            with tempfile.TemporaryDirectory(prefix="grader-zip-") as unpacked:
                problems = unpack_class(class_dir, Path(unpacked))
                return self._run(Path(unpacked), notebooks, problems)
        return self._run(class_dir, notebooks, {})

    def _run(self, class_dir: Path, notebooks: list[str] | None, problems: dict[Path, str]) -> list[NotebookResult]:
        known = self.course.notebook_ids()
        submissions = ingest(class_dir, notebooks or known, problems)
        needed = sorted({s.notebook for s in submissions})
        keys = {n: ensure_key(self.course, n, self.config) for n in needed}
        exercises = {n: self.course.exercise(n) for n in needed}
        self.out.mkdir(parents=True, exist_ok=True)
        db_url = self.config.db_url or f"sqlite:///{(self.out / 'gradebook.db').resolve()}"
        context = json.dumps([{n: k["fingerprint"] for n, k in keys.items()}, self.config.seed, repr(self.config.limits)])
        ledger = Ledger(self.out / ".ledger", context)
        results: list[NotebookResult] = []
        done = [r for r in (ledger.load(s) for s in submissions) if r is not None] if self.resume else []
        finished = {(r.submission.student, r.submission.notebook) for r in done}
        todo = [s for s in submissions if (s.student, s.notebook) not in finished]
        if done:
            self.progress(f"resuming: {len(done)} of {len(submissions)} submissions were graded before")
        scratch_root = Path(tempfile.mkdtemp(prefix="grader-run-"))
        try:
            with GradebookRecorder(db_url) as recorder, ModelScorerProcess(
                scratch_root / "judge", sandbox=self.config.sandbox
            ) as scorer_process:
                for n in needed:
                    recorder.prepare(n, self.course.read_source(n))
                for result in done:  # recording again is harmless and mends a run killed mid-write
                    recorder.record(result)
                    results.append(result)
                scorer = HeldoutScorer(scorer_process, load_secret(self.course.private_dir))
                for submission, job_result, seconds in self._execute_all(todo, scratch_root):
                    exercise = exercises[submission.notebook]
                    result = self._judge(submission, job_result, exercise, keys[submission.notebook], scorer, seconds)
                    ledger.save(result)  # before the gradebook: a rerun then records it, never regrades it
                    recorder.record(result)
                    results.append(result)
                    self.progress(
                        f"[{len(results)}/{len(submissions)}] {submission.student} {submission.notebook}: "
                        f"{result.score:g}/{result.max_score:g} ({result.status.value}, {seconds:.1f} s)"
                    )
        finally:
            shutil.rmtree(scratch_root, ignore_errors=True)
        results.sort(key=lambda r: (r.submission.student, r.submission.notebook))
        write_reports(results, self.out, show_details=self.config.show_expected)
        return results

    def _jobs(self, submissions: list[Submission], scratch_root: Path) -> list[Job]:
        jobs = []
        for index, sub in enumerate(submissions):
            scratch = scratch_root / f"{index:04d}"
            jobs.append(
                Job(sub, self.course.source_path(sub.notebook), self.course.released_path(sub.notebook),
                    scratch, self.config.limits, self.config.sandbox, self.config.seed)
            )
        return jobs

    def _execute_all(self, submissions: list[Submission], scratch_root: Path):
        runnable = [j for j in self._jobs(submissions, scratch_root) if j.submission.path and not j.submission.problem]
        for sub in submissions:
            if sub.path is None:
                yield sub, JobResult(None, Status.MISSING, "No notebook was handed in."), 0.0
            elif sub.problem:
                yield sub, JobResult(None, Status.INVALID, f"We could not use your notebook: {sub.problem}."), 0.0
        if not runnable:
            return
        if self.config.workers <= 1:
            for job in runnable:
                started = time.monotonic()
                job.scratch.mkdir(parents=True)
                yield job.submission, run_job(job), time.monotonic() - started
            return
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=self.config.workers, mp_context=context) as pool:
            futures: dict[Future, tuple[Job, float]] = {}
            for job in runnable:
                job.scratch.mkdir(parents=True)
                futures[pool.submit(run_job, job)] = (job, time.monotonic())
            for future in as_completed(futures):
                job, started = futures[future]
                try:
                    job_result = future.result()
                except Exception as exc:  # noqa: BLE001 - a dead worker is the grader's problem
                    job_result = JobResult(None, Status.INFRASTRUCTURE, f"The grading worker failed: {exc}")
                yield job.submission, job_result, time.monotonic() - started

    def _judge(self, sub: Submission, job: JobResult, exercise: Exercise, key: dict, scorer: HeldoutScorer, seconds: float) -> NotebookResult:
        if job.execution is None:
            verdicts = _flat_verdicts(exercise, job.status, job.message)
            return NotebookResult(sub, job.status, job.message, verdicts, seconds)
        context = JudgeContext(job.execution.probe_dir, scorer, self.config.show_expected)
        verdicts = judge_notebook(exercise, job.execution, key, context)
        shutil.rmtree(job.execution.scratch, ignore_errors=True)
        outputs = student_outputs(job.execution.cells)
        return NotebookResult(sub, job.execution.status, job.execution.message, verdicts, seconds, outputs=outputs)


def _with_roster(class_dir: Path, dest: Path, students: list[str]) -> Path:
    """A view of the class folder with an (empty) folder for every roster student, so absentees are listed."""
    if class_dir.is_file():
        unpack_class(class_dir, dest)
    else:
        shutil.copytree(class_dir, dest, symlinks=True)
    for student in students:
        (dest / student).mkdir(parents=True, exist_ok=True)
    return dest


def grade_class(
    class_dir: Path,
    out: Path,
    config: GraderConfig,
    notebooks: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    resume: bool = True,
    roster: Path | None = None,
) -> list[NotebookResult]:
    """Grade every submission under ``class_dir``; write grades, feedback and report to ``out``.

    With ``resume`` (the default), submissions finished by an earlier run into the
    same ``out`` with the same inputs are reused, not run again. With a
    ``roster`` CSV, every student on it is graded (``missing`` when they handed
    nothing in) and ``out/lms_export.csv`` carries their names and emails.
    """
    report = progress or (lambda line: print(line, file=sys.stderr))
    return ClassGrader(Course(config.course), config, out, report, resume).run(class_dir, notebooks, roster)
