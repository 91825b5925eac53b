"""Grade a class: the pipeline, written once.

    ingest -> normalize -> execute (sandboxed) -> judge (trusted) -> record -> report

Workers (separate processes) normalize and execute notebooks in parallel; the
coordinator alone judges, writes the gradebook and the reports. One broken
submission never stops the batch: whatever goes wrong becomes that
submission's status. When the grader itself fails (a lost worker, a dead
scorer, an unreadable instructor file: an infrastructure error), the
submission is graded once more in the same run; if it fails again it is left
ungraded, listed in the report, and graded by the next run of the same command.

Example:

>>> results = grade_class(Path("submissions"), Path("out"), config)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from grader.answer_key import AnswerKey
from grader.build import ensure_keys
from grader.config import GraderConfig
from grader.course import Course, CourseError
from grader.flags import notebook_flags
from grader.gpus import plan_gpus, worker_gpus
from grader.heldout import load_secret
from grader.ingest import ingest, unmatched_help
from grader.interrupt import stop_on_interrupt
from grader.jobs import Job, JobResult
from grader.judge import HeldoutScorer, judge_notebook
from grader.ledger import Ledger
from grader.lms import RosterEntry, arrange, read_roster, write_export
from grader.modelscore import ModelScorerProcess
from grader.nbgrader_folders import NbgraderFolders
from grader.outcomes import CellError, CellRecord, NotebookResult, RunStatus, Status, StudentOutput, Submission, Verdict
from grader.probe_verdicts import JudgeContext
from grader.progress import LineProgress, ProgressReporter, default_reporter
from grader.record import GradebookRecorder
from grader.report import write_reports
from grader.report.leaderboard import Pseudonyms, leaderboards
from grader.similarity import similarity_report
from grader.unzip import unpack_class
from grader.workers import run_jobs
from keras_course.question import Exercise

log = logging.getLogger(__name__)

MAX_OUTPUT_CHARS = 2000
RETRIES = 1  # extra attempts, in the same run, for a submission the grader failed on


class Started:
    """One attempt at a list of submissions, already handed to the workers: iterate for
    ``(submission, job result, seconds)`` as each finishes (those that cannot run come first); `close` stops it."""

    def __init__(self, unrunnable: list[tuple[Submission, JobResult, float]], running: Iterator[tuple[Job, JobResult, float]]) -> None:
        self._unrunnable, self._running = unrunnable, running

    def __iter__(self) -> Iterator[tuple[Submission, JobResult, float]]:
        yield from self._unrunnable
        for job, job_result, seconds in self._running:
            yield job.submission, job_result, seconds

    def close(self) -> None:
        self._running.close()  # type: ignore[attr-defined] - run_jobs hands out closable iterators


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
                    outputs.append(StudentOutput(cell.question, "answer", answer.output_text[-MAX_OUTPUT_CHARS:], _text(answer.error)))
            pending = []
            outputs.append(StudentOutput(cell.question, "check", cell.output_text[-MAX_OUTPUT_CHARS:], _text(cell.error)))
    return tuple(outputs)


def _text(error: CellError | None) -> str | None:
    return None if error is None else str(error)


def _fault_detail(result: NotebookResult) -> str:
    """What the grader reported about its own failure, for the instructor's log."""
    faults = [f"{v.question}: {v.detail or v.message}" for v in result.verdicts if v.status is Status.INFRASTRUCTURE]
    return "; ".join(faults) if result.status is not RunStatus.INFRASTRUCTURE else result.message


GRADER_FAULT_MESSAGE = "The grader failed on this question, not you; your instructor has been told and will grade it again."


def _flat_verdicts(exercise: Exercise, run: RunStatus, message: str) -> tuple[Verdict, ...]:
    """The same verdict for every question of a run that was never judged; a grader fault keeps its message
    for the instructor only."""
    status = run.question_status
    if status is Status.INFRASTRUCTURE:
        return tuple(Verdict(q.id, status, 0.0, float(q.points), GRADER_FAULT_MESSAGE, message) for q in exercise.questions)
    return tuple(Verdict(q.id, status, 0.0, float(q.points), message) for q in exercise.questions)


class ClassGrader:
    """Runs the pipeline over a class; see `grade_class`."""

    def __init__(
        self, course: Course, config: GraderConfig, out: Path, progress: ProgressReporter, resume: bool = True
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
                self.progress.note(f"missing: {student} ({entries.get(student, RosterEntry(student)).name}) handed in no {notebook}")
        return results

    def _run_plain(self, class_dir: Path, notebooks: list[str] | None) -> list[NotebookResult]:
        if class_dir.is_file() and class_dir.suffix.lower() == ".zip":
            with tempfile.TemporaryDirectory(prefix="grader-zip-") as unpacked:
                problems = unpack_class(class_dir, Path(unpacked))
                return self._run(Path(unpacked), notebooks, problems)
        return self._run(class_dir, notebooks, {})

    def _run(self, class_dir: Path, notebooks: list[str] | None, problems: dict[Path, str]) -> list[NotebookResult]:
        known = self.course.require_notebooks()
        submissions = ingest(class_dir, notebooks or known, problems)
        if not submissions:
            raise CourseError(unmatched_help(class_dir, notebooks or known))
        needed = sorted({s.notebook for s in submissions})
        secret = load_secret(self.course.private_dir)  # held-out sets and leaderboard pseudonyms
        scratch_root = Path(tempfile.mkdtemp(prefix="grader-run-"))
        # One scorer for the run: it judges the solutions of keys built now, then the students (one TensorFlow import).
        with ModelScorerProcess(scratch_root / "judge", sandbox=self.config.sandbox) as scorer_process:
            scorer = HeldoutScorer(scorer_process, secret)
            try:
                results, exercises = self._grade(submissions, needed, scratch_root, scorer)
            finally:
                shutil.rmtree(scratch_root, ignore_errors=True)
        results.sort(key=lambda r: (r.submission.student, r.submission.notebook))
        similar = similarity_report(submissions, self.course)  # evidence for the instructor; never changes a score
        pseudonyms = Pseudonyms(secret, (s.student for s in submissions))
        boards = leaderboards(results, {n: e.leaderboard for n, e in exercises.items() if e.leaderboard}, pseudonyms)
        write_reports(results, self.out, show_details=self.config.show_expected, similar=similar, boards=boards,
                      names=self.config.leaderboard_names)
        return results

    def _grade(
        self, submissions: list[Submission], needed: list[str], scratch_root: Path, scorer: HeldoutScorer,
    ) -> tuple[list[NotebookResult], dict[str, Exercise]]:
        """Every submission's result, the earlier run's included, and the exercises (loaded while the workers start).

        The gradebook, the ledger and the nbgrader folders are written as results come in.
        """
        keys = ensure_keys(self.course, needed, self.config, scorer)  # those missing are built at once, on the workers
        self.out.mkdir(parents=True, exist_ok=True)
        context = json.dumps([{n: k.fingerprint for n, k in keys.items()}, self.config.seed, repr(self.config.limits)])
        ledger = Ledger(self.out / ".ledger", context)
        results: list[NotebookResult] = []
        done = [r for r in (ledger.load(s) for s in submissions) if r is not None] if self.resume else []
        finished = {(r.submission.student, r.submission.notebook) for r in done}
        todo = [s for s in submissions if (s.student, s.notebook) not in finished]
        self.progress.start(total=len(submissions), done=len(done))
        if done:
            self.progress.note(f"resuming: {len(done)} of {len(submissions)} submissions were graded before")
        first_run = self._start(todo, scratch_root, attempt=0)  # the workers start now, while the rest is set up
        try:
            exercises = {n: self.course.exercise(n) for n in needed}
            sources = {n: self.course.read_source(n) for n in needed}
            folders = NbgraderFolders(self.out, sources, {n: self.course.read_released(n) for n in needed}, self.config.seed)
            db_url = self.config.db_url or f"sqlite:///{(self.out / 'gradebook.db').resolve()}"
            with stop_on_interrupt() as stop, GradebookRecorder(db_url) as recorder:
                for n in needed:
                    recorder.prepare(n, sources[n])
                for result in done:  # recording again is harmless and mends a run killed mid-write
                    recorder.record(result)
                    if not folders.has(result):  # written by the earlier run, with outputs, unless it was killed first
                        folders.write(result)
                    results.append(result)
                for result in self._grade_all(first_run, scratch_root, exercises, keys, scorer, folders):
                    stop.check()  # decided after a Ctrl-C (perhaps as a "dead kernel"): keep nothing, grade it next run
                    ledger.save(result)  # before the gradebook: a rerun then records it, never regrades it
                    recorder.record(result)
                    results.append(result)
                    self.progress.update(result)
        finally:
            first_run.close()
            self.progress.close()
        return results, exercises

    def _grade_all(
        self, first_run: Started, scratch_root: Path, exercises: dict[str, Exercise], keys: dict[str, AnswerKey],
        scorer: HeldoutScorer, folders: NbgraderFolders,
    ) -> Iterator[NotebookResult]:
        """Each submission's final result; one the grader failed on is graded a second time first.

        ``first_run`` is the first attempt, already started on the submissions to grade.
        """
        run = first_run
        for attempt in range(1 + RETRIES):
            failed = []
            with contextlib.closing(run):
                for submission, job_result, seconds in run:
                    exercise, key = exercises[submission.notebook], keys[submission.notebook]
                    result = self._judge(submission, job_result, exercise, key, scorer, seconds, folders)
                    if result.grader_fault and attempt < RETRIES:
                        log.warning("%s/%s: the grader failed (%s); grading it again", submission.student, submission.notebook,
                                    _fault_detail(result))
                        failed.append(submission)
                    else:
                        yield result
            if not failed:
                return
            self.progress.note(f"grading {len(failed)} submission(s) again: the grader failed on them, not the students")
            run = self._start(failed, scratch_root, attempt + 1)

    def _jobs(self, submissions: list[Submission], scratch_root: Path, attempt: int) -> list[Job]:
        jobs = []
        for index, sub in enumerate(submissions):
            scratch = scratch_root / "jobs" / f"{attempt}-{index:04d}"  # jobs/ is all a warm-kernel server may see
            jobs.append(
                Job(sub, self.course.source_path(sub.notebook), self.course.released_path(sub.notebook),
                    scratch, self.config.limits, self.config.sandbox, self.config.seed, warm=self.config.warm)
            )
        return jobs

    def _start(self, submissions: list[Submission], scratch_root: Path, attempt: int) -> Started:
        """Hand the runnable submissions to the workers (local workers start on them now); see `Started`."""
        runnable = [j for j in self._jobs(submissions, scratch_root, attempt) if j.submission.path and not j.submission.problem]
        unrunnable = []
        for sub in submissions:
            if sub.path is None:
                unrunnable.append((sub, JobResult(None, RunStatus.MISSING, "No notebook was handed in."), 0.0))
            elif sub.problem:
                unrunnable.append((sub, JobResult(None, RunStatus.INVALID, f"We could not use your notebook: {sub.problem}."), 0.0))
        gpus = worker_gpus(plan_gpus(self.config.gpus, self.config.workers))
        return Started(unrunnable, run_jobs(runnable, self.config.workers, gpus, self.config.scheduler))

    def _judge(
        self, sub: Submission, job: JobResult, exercise: Exercise, key: AnswerKey, scorer: HeldoutScorer, seconds: float,
        folders: NbgraderFolders,
    ) -> NotebookResult:
        """The submission's result; its nbgrader folders are written too, while the executed notebook is at hand."""
        if job.execution is None or job.status is RunStatus.INFRASTRUCTURE:  # nothing to judge, or nothing to trust
            verdicts = _flat_verdicts(exercise, job.status, job.message)
            result = NotebookResult(sub, job.status, job.message, verdicts, seconds)
            folders.write(result, job.execution.scratch / "executed.ipynb" if job.execution is not None else None)
            return result
        context = JudgeContext(job.execution.probe_dir, scorer, self.config.show_expected)
        verdicts = judge_notebook(exercise, job.execution, key, context)
        flags = notebook_flags(sub, job.execution)  # evidence for the instructor; never a score change
        outputs = student_outputs(job.execution.cells)
        result = NotebookResult(
            sub, job.execution.status, job.execution.message, verdicts, seconds, outputs=outputs, device=job.execution.device,
            cell_seconds=job.execution.cell_seconds, peak_memory_bytes=job.execution.peak_memory_bytes, flags=flags,
        )
        folders.write(result, job.execution.scratch / "executed.ipynb")  # a remote worker sends it back with the probe files
        shutil.rmtree(job.execution.scratch, ignore_errors=True)
        return result


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
    progress: ProgressReporter | Callable[[str], None] | None = None,
    resume: bool = True,
    roster: Path | None = None,
) -> list[NotebookResult]:
    """Grade every submission under ``class_dir``; write grades, feedback and report to ``out``.

    With ``resume`` (the default), submissions finished by an earlier run into the
    same ``out`` with the same inputs are reused, not run again. With a
    ``roster`` CSV, every student on it is graded (``missing`` when they handed
    nothing in) and ``out/lms_export.csv`` carries their names and emails.

    Raises:
        CourseError: the course has no source notebook, or no notebook under
            ``class_dir`` matches one of its exercises (nothing to grade).
    """
    if progress is None:
        reporter: ProgressReporter = default_reporter()
    elif callable(progress) and not hasattr(progress, "update"):
        reporter = LineProgress(progress)
    else:
        reporter = progress  # type: ignore[assignment]
    return ClassGrader(Course(config.course), config, out, reporter, resume).run(class_dir, notebooks, roster)
