"""Build exercises/ from solutions/ with nbgrader, and the answer keys for the judge.

Only what changed is rebuilt: a notebook whose solution, question module,
judging code, environment and seed are those of its last build is skipped
("unchanged"). --force rebuilds anyway. With --check, change nothing: exit 1
when exercises/ is out of date.
"""

from __future__ import annotations

import argparse

from grader.buildstate import BuildState
from grader.cli.common import add_course_options, config_from
from grader.course import Course, CourseError
from grader.sandbox import SandboxUnavailable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebooks", nargs="*", help="only these notebook ids (default: all)")
    add_course_options(parser)
    parser.add_argument("--check", action="store_true", help="only check that exercises/ matches solutions/")
    parser.add_argument("--no-keys", action="store_true", help="write exercises/ only, without answer keys")
    parser.add_argument("--force", action="store_true", help="rebuild every notebook asked for, even when unchanged")


def run(args: argparse.Namespace) -> int:
    from grader.cli import EXIT_ENVIRONMENT, EXIT_FAILED, error

    config = config_from(args)
    if args.show_config:
        print(config.describe())
        return 0
    course = Course(config.course)
    try:
        if not (args.check or args.force) and _all_current(course, config.seed, args.notebooks, keys=not args.no_keys):
            return 0  # nothing to do: neither nbgrader nor TensorFlow is imported
    except CourseError as exc:
        error(str(exc))
        return EXIT_FAILED
    from grader.build import BuildError, build_course, out_of_sync  # needs nbgrader: instructors only

    try:
        if args.check:
            stale = out_of_sync(course)
            if stale:
                error(f"exercises/ is out of date for: {', '.join(stale)}", "run `grader build` and commit exercises/.")
                return EXIT_FAILED
            print("exercises/ matches solutions/.")
            return 0
        build_course(course, config, keys=not args.no_keys, notebooks=args.notebooks or None, force=args.force,
                     progress=lambda line: print(line, flush=True))
    except SandboxUnavailable as exc:
        error(str(exc))
        return EXIT_ENVIRONMENT
    except (BuildError, CourseError, KeyError) as exc:
        error(str(exc))
        return EXIT_FAILED
    if not args.no_keys:
        print(f"answer keys in {course.private_dir.relative_to(course.root)}/keys (keep them out of the student release)")
    return 0


def _all_current(course: Course, seed: int, notebooks: list[str], keys: bool) -> bool:
    """Every notebook asked for is current; if so, say so for each."""
    wanted = notebooks or course.require_notebooks()
    state = BuildState(course, seed)
    if not all(state.current(notebook, keys) for notebook in wanted):
        return False
    for notebook in wanted:
        print(f"unchanged: {notebook}")
    return True
