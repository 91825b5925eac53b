"""Rehearse grading: run a notebook as the grader would (same sandbox, visible tests only).

Prints each question's result and, for a question that is not right yet, what the
check found and a hint. Hidden tests are not run; the real grade may differ.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import nbformat

from grader.cli.common import add_course_options, config_from
from grader.course import Course
from grader.execute import ExecutionRequest, execute
from grader.exercises import load_exercise
from grader.ingest import InvalidNotebook, match_metadata, match_name, read_submission
from grader.normalize import normalize
from grader.sandbox import SandboxUnavailable, find_bwrap


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebook", type=Path, help="your exercise notebook")
    add_course_options(parser)


def run(args: argparse.Namespace) -> int:
    from grader.cli import EXIT_FAILED, EXIT_USAGE, error

    config = config_from(args)
    if args.show_config:
        print(config.describe())
        return 0
    notebook_id = _exercise_id(args.notebook, config.course)
    if notebook_id is None:
        error(f"{args.notebook.name} is not one of the course's exercises.", "name it like 01_the_neuron.ipynb.")
        return EXIT_USAGE
    try:
        student = read_submission(args.notebook)
    except (InvalidNotebook, OSError) as exc:
        error(f"could not read {args.notebook}: {exc}")
        return EXIT_FAILED
    released = _released(notebook_id, config.course, student)
    if config.sandbox:
        try:
            find_bwrap()
        except SandboxUnavailable:
            print("Note: bubblewrap is not installed, so this rehearsal runs without the grader's sandbox.")
            config = config.with_overrides(sandbox=False)
    nb = normalize(student, released, released, seed=config.seed, hidden=False)
    with tempfile.TemporaryDirectory(prefix="grader-check-") as tmp:
        execution = execute(ExecutionRequest(notebook=nb, scratch=Path(tmp), limits=config.limits, sandbox=config.sandbox))
    print(f"{notebook_id}: {execution.message} ({execution.seconds:.1f} s)")
    exercise = load_exercise(notebook_id)
    right = 0.0
    for question in exercise.questions:
        cells = [c for c in execution.cells if c.question == question.id and not c.hidden]
        ran = bool(cells) and all(c.error is None for c in cells) and "visible check" in "".join(c.output_text for c in cells)
        if ran:
            right += question.points
            print(f"  [ok]    {question.id} ({question.points:g} pt): visible checks pass")
        else:
            problem = next((c.error for c in cells if c.error), None) or "this question's checks did not run"
            print(f"  [todo]  {question.id} ({question.points:g} pt): {problem.split(': ', 1)[-1]}")
            if question.hints:
                print(f"          hint: {question.hints[0]}")
    print(f"Visible checks pass for {right:g} of {exercise.points:g} points. Hidden tests decide the grade.")
    return 0


def _exercise_id(path: Path, course: Path) -> str | None:
    try:
        known = Course(course).notebook_ids()
    except Exception:  # noqa: BLE001 - a student has no solutions/: fall back to the package's exercises
        import grader.exercises

        package = Path(grader.exercises.__file__).parent
        known = sorted(p.stem[2:] for p in package.glob("ex[0-9][0-9]_*.py"))
    return match_metadata(path, known) or match_name(path.name, known)


def _released(notebook_id: str, course: Path, student: nbformat.NotebookNode) -> nbformat.NotebookNode:
    path = Course(course).released_path(notebook_id)
    return nbformat.read(path, as_version=4) if path.exists() else student
