"""``solutions/`` -> ``exercises/`` with nbgrader, and the answer keys for the judge.

The release is made by nbgrader's own preprocessors (solutions replaced by
stubs, hidden tests removed, outputs cleared, cells locked and checksummed);
cell ids are kept, so a release is stable from build to build. Answer keys are
made by running the instructor's notebook through the same pipeline as a
student's (normalize, execute in the sandbox) and keeping what its probes
wrote; the solutions run at once on the grading workers, and a solution that
fails its own hidden tests fails the build (the other keys are kept).

A notebook whose fingerprint (`grader.buildstate`) is unchanged since its last
build is skipped: its release and key are current. A changed solution or
question module rebuilds only that notebook; a change to the judging code or
the environment rebuilds them all.

Example:

>>> build_course(Course(Path(".")), GraderConfig())  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import copy
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearHiddenTests,
    ClearMarkScheme,
    ClearOutput,
    ClearSolutions,
    ComputeChecksums,
    LockCells,
)

from grader.answer_key import AnswerKey, AnswerKeyError
from grader.buildstate import BuildState, write_atomically
from grader.config import GraderConfig
from grader.course import Course
from grader.heldout import load_secret
from grader.jobs import Job, JobResult
from grader.judge import HeldoutScorer, judge_notebook
from grader.modelscore import ModelScorerProcess
from grader.normalize import role_of
from grader.outcomes import RunStatus, Status, Submission
from grader.probe_files import read_probe
from grader.probe_verdicts import JudgeContext
from grader.workers import run_jobs

log = logging.getLogger(__name__)

RELEASE_STEPS = (
    LockCells,
    ClearSolutions,
    ClearOutput,
    CheckCellMetadata,
    ComputeChecksums,
    ClearHiddenTests,
    ClearMarkScheme,
    ComputeChecksums,
    CheckCellMetadata,
)


class BuildError(RuntimeError):
    """A source notebook is inconsistent, or its solution fails its own tests."""


@dataclass(frozen=True)
class BuildResult:
    """What one build did, by notebook id.

    Args:
        released: notebooks whose source was checked and whose exercise was written
            (rewritten only when its text changed).
        keys: notebooks whose answer key was built.
        unchanged: notebooks already current: nothing was done for them.
    """

    released: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()


def release_notebook(source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student version of a source notebook, made by nbgrader's preprocessors."""
    nb = copy.deepcopy(source)
    resources: dict = {}
    for step in RELEASE_STEPS:
        nb, resources = step().preprocess(nb, resources)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def release_text(source: nbformat.NotebookNode) -> str:
    return nbformat.writes(release_notebook(source)) + "\n"


def check_source(course: Course, notebook: str) -> None:
    """Every test cell is a question of the exercise module, with the same points."""
    exercise = course.exercise(notebook)
    source = course.read_source(notebook)
    nbformat.validate(source)
    tests = {role_of(c).grade_id: c for c in source.cells if role_of(c).kind == "test"}
    for question in (q for q in exercise.questions if not q.manual):
        cell = tests.pop(question.id, None)
        if cell is None:
            raise BuildError(f"{notebook}: question {question.id} has no test cell with grade_id {question.id!r}.")
        points = cell.metadata["nbgrader"].get("points")
        if float(points or 0) != float(question.points):
            raise BuildError(
                f"{notebook}: test cell {question.id} is worth {points} points in the notebook but "
                f"{question.points} in keras_course/exercises/ex{notebook}.py. Make them agree."
            )
        if f"{question.id.split('_')[0]}.probe(" not in cell.source and question.probes:
            raise BuildError(f"{notebook}: test cell {question.id} never calls its hidden probe.")
    if tests:
        raise BuildError(f"{notebook}: test cells {sorted(tests)} have no question in the exercise module.")
    in_kernel = [q.id for q in exercise.questions if not q.probes and not q.manual]
    if in_kernel:
        log.warning(
            "%s: %s are judged by asserts inside the student's kernel, which student code can tamper with; "
            "write hidden probes in keras_course/exercises/ex%s.py to judge them outside.",
            notebook, ", ".join(in_kernel), notebook,
        )


def write_exercises(course: Course, notebooks: list[str] | None = None) -> list[Path]:
    """Regenerate ``exercises/`` from ``solutions/``; returns the files written."""
    course.exercises_dir.mkdir(exist_ok=True)
    written = []
    for notebook in notebooks or course.notebook_ids():
        check_source(course, notebook)
        path = course.released_path(notebook)
        text = release_text(course.read_source(notebook))
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)  # nbgrader's layout: one folder per assignment
            path.write_text(text)
        written.append(path)
    return written


def out_of_sync(course: Course) -> list[str]:
    """Notebook ids whose committed exercise differs from what the build makes."""
    stale = []
    for notebook in course.require_notebooks():
        path = course.released_path(notebook)
        if not path.exists() or path.read_text() != release_text(course.read_source(notebook)):
            stale.append(notebook)
    return stale


def build_keys(
    course: Course, fingerprints: dict[str, str], config: GraderConfig, progress: Callable[[str, float], None] | None = None,
    scorer: HeldoutScorer | None = None,
) -> dict[str, AnswerKey]:
    """Run the instructor's solutions as submissions and keep what their probes wrote: one answer key each.

    ``fingerprints`` names the notebooks, each with its fingerprint taken before
    its solution is read (a change meanwhile leaves the key stale, not wrong).

    The solutions run at once on ``config.workers`` local workers (each on its
    own cores, as submissions are graded); one scorer judges them all, and each
    key is written as soon as its solution passes its own hidden tests.
    ``progress(notebook, seconds)`` is told of each key written. A grading run
    passes its own ``scorer``, so one scorer process (one TensorFlow import)
    judges the solutions and then the students; without one, the build starts its own.

    Raises:
        BuildError: a solution did not run to the end or fails its own hidden tests
            (every other key is written first; the message names each failing one).
    """
    secret = load_secret(course.private_dir)
    keys: dict[str, AnswerKey] = {}
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="grader-key-") as tmp:
        jobs = [_solution_job(course, n, config, Path(tmp) / "jobs" / n) for n in fingerprints]
        with ModelScorerProcess(Path(tmp) / "judge", sandbox=config.sandbox) as process, \
                contextlib.closing(run_jobs(jobs, min(config.workers, len(jobs)))) as finished:  # type: ignore[type-var]
            judge_with = scorer if scorer is not None else HeldoutScorer(process, secret)  # the build's own process starts only if used
            for job, result, seconds in finished:
                notebook = job.submission.notebook
                try:
                    key = _judged_key(course, notebook, fingerprints[notebook], result, judge_with)
                except BuildError as exc:
                    problems.append(str(exc))
                    continue
                write_atomically(course.key_path(notebook), key.to_json())  # parallel test workers may build the same key
                keys[notebook] = key
                if progress is not None:
                    progress(notebook, seconds)
    if problems:
        raise BuildError("\n".join(problems))
    return keys


def _solution_job(course: Course, notebook: str, config: GraderConfig, scratch: Path) -> Job:
    """The instructor's solution as a submission (run cold: a key never depends on a warm server)."""
    source = course.source_path(notebook)
    return Job(Submission("instructor", notebook, source), source, course.released_path(notebook), scratch,
               config.limits, config.sandbox, config.seed, warm=False)


def _judged_key(course: Course, notebook: str, fingerprint: str, result: JobResult, scorer: HeldoutScorer) -> AnswerKey:
    """The key made of a solution's run, with what the judge said of each question; `BuildError` if it does not pass."""
    execution = result.execution
    if execution is None or execution.status is not RunStatus.COMPLETED:
        raise BuildError(f"{notebook}: the solution did not run to the end: {result.message}")
    exercise = course.exercise(notebook)
    questions = {}
    for question in exercise.questions:
        if not question.probes:
            continue  # an ordinary nbgrader test: nothing to keep, its asserts decide
        items = read_probe(execution.probe_dir, question.id)
        if items is None:
            errors = [str(c.error) for c in execution.cells if c.question == question.id and c.error]
            raise BuildError(f"{notebook}: the solution's probe for {question.id} wrote nothing. {errors}")
        questions[question.id] = items
    key = AnswerKey(notebook, fingerprint, questions, seconds=round(execution.seconds, 1))
    verdicts = judge_notebook(exercise, execution, key, JudgeContext(execution.probe_dir, scorer))
    failing = [f"{v.question}: {v.message} {v.detail}" for v in verdicts if v.status not in (Status.PASSED, Status.AWAITING_MANUAL)]
    if failing:
        raise BuildError(f"{notebook}: the solution fails its own hidden tests:\n  " + "\n  ".join(failing))
    return replace(key, reference={v.question: v.detail for v in verdicts})  # what the judge said of the solution


def ensure_keys(
    course: Course, notebooks: list[str], config: GraderConfig, scorer: HeldoutScorer | None = None
) -> dict[str, AnswerKey]:
    """The answer keys of ``notebooks``; those missing or stale are built first, at once (`build_keys`, with ``scorer``).

    Raises:
        BuildError: a current key (same fingerprint) written in another format (the message
            names the file and says to run `grader build`), or a key that could not be built.
    """
    load_secret(course.private_dir)  # the fingerprint covers it: make it before comparing
    state = BuildState(course, config.seed)
    keys, missing = {}, {}
    for notebook in notebooks:
        fingerprint = state.fingerprint(notebook)
        saved = course.read_key(notebook, fingerprint)
        if saved is None:
            missing[notebook] = fingerprint
            continue
        try:
            keys[notebook] = AnswerKey.from_dict(saved, course.key_path(notebook))
        except AnswerKeyError as exc:
            raise BuildError(str(exc)) from exc
    if missing:
        log.info("building the answer keys of %s", ", ".join(missing))
        keys.update(build_keys(course, missing, config, scorer=scorer))
    return {n: keys[n] for n in notebooks}


def ensure_key(course: Course, notebook: str, config: GraderConfig, force: bool = False) -> AnswerKey:
    """The answer key of one notebook, built first when it is missing or stale (always, with ``force``); see `ensure_keys`."""
    if force:
        load_secret(course.private_dir)  # the fingerprint covers it
        return build_keys(course, {notebook: BuildState(course, config.seed).fingerprint(notebook)}, config)[notebook]
    return ensure_keys(course, [notebook], config)[notebook]


def build_course(
    course: Course,
    config: GraderConfig,
    keys: bool = True,
    notebooks: list[str] | None = None,
    force: bool = False,
    progress: Callable[[str], None] = log.info,
) -> BuildResult:
    """The whole build (or that of some notebooks): exercises, then answer keys.

    Args:
        course: the course to build.
        config: the grader's settings (seed, sandbox, limits for running the solutions).
        keys: build answer keys too. Defaults to True.
        notebooks: only these notebook ids. Defaults to None: all of them.
        force: rebuild even what is current. Defaults to False.
        progress: told one line per notebook as it is done. Defaults to `log.info`.

    Returns:
        What was rebuilt and what was current (`BuildResult`).

    Raises:
        BuildError: an unknown notebook id, an inconsistent source notebook, or a
            solution that fails its own hidden tests. Every other key is built and kept.
        CourseError: the course has no source notebook at all (nothing to build).
    """
    known = course.require_notebooks()
    unknown = sorted(set(notebooks or []) - set(known))
    if unknown:
        where = course.solutions_dir.relative_to(course.root)
        raise BuildError(f"No {where}/{unknown[0]}.ipynb. Known: {', '.join(known)}")
    wanted = list(notebooks or known)
    if keys:
        load_secret(course.private_dir)  # the fingerprints cover it
    state = BuildState(course, config.seed)
    released, to_build = [], {}
    for notebook in wanted:
        fingerprint = state.fingerprint(notebook)
        if force or not state.release_current(notebook, fingerprint):
            write_exercises(course, [notebook])
            state.record_release(notebook, fingerprint)
            released.append(notebook)
            progress(f"wrote {course.released_path(notebook).relative_to(course.root)}")
        if keys and (force or not state.key_current(notebook, fingerprint)):
            to_build[notebook] = fingerprint
    for notebook in wanted:
        if notebook not in released and notebook not in to_build:
            progress(f"unchanged: {notebook}")
    if to_build:  # every key is built, or BuildError is raised
        progress(f"building {len(to_build)} answer key(s) on {min(config.workers, len(to_build))} worker(s)")
        build_keys(course, to_build, config, lambda n, seconds: progress(f"built the answer key of {n} in {seconds:.0f} s"))
    unchanged = tuple(n for n in wanted if n not in released and n not in to_build)
    return BuildResult(released=tuple(released), keys=tuple(to_build), unchanged=unchanged)
