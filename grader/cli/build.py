"""Build exercises/ from solutions/ with nbgrader, and the answer keys for the judge.

With --check, change nothing: exit 1 when exercises/ is out of date.
"""

from __future__ import annotations

import argparse

from grader.cli.common import add_course_options, config_from
from grader.course import Course, CourseError
from grader.sandbox import SandboxUnavailable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebooks", nargs="*", help="only these notebook ids (default: all)")
    add_course_options(parser)
    parser.add_argument("--check", action="store_true", help="only check that exercises/ matches solutions/")
    parser.add_argument("--no-keys", action="store_true", help="write exercises/ only, without answer keys")


def run(args: argparse.Namespace) -> int:
    from grader.build import BuildError, build_course, out_of_sync  # needs nbgrader: instructors only
    from grader.cli import EXIT_ENVIRONMENT, EXIT_FAILED, error

    config = config_from(args)
    if args.show_config:
        print(config.describe())
        return 0
    course = Course(config.course)
    try:
        if args.check:
            stale = out_of_sync(course)
            if stale:
                error(f"exercises/ is out of date for: {', '.join(stale)}", "run `grader build` and commit exercises/.")
                return EXIT_FAILED
            print("exercises/ matches solutions/.")
            return 0
        written = build_course(course, config, keys=not args.no_keys, notebooks=args.notebooks or None)
    except SandboxUnavailable as exc:
        error(str(exc))
        return EXIT_ENVIRONMENT
    except (BuildError, CourseError, KeyError) as exc:
        error(str(exc))
        return EXIT_FAILED
    for path in written:
        print(f"wrote {path.relative_to(course.root)}")
    if not args.no_keys:
        print(f"answer keys in {course.private_dir.relative_to(course.root)}/keys (keep them out of the student release)")
    return 0
