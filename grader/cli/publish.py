"""Write the student bundle: lessons, exercises and the course package, never solutions or keys.

The badges and Colab setup cells in the bundle point at --repository, the
students' repository you will push the bundle to.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.course import Course, CourseError
from keras_course.colab import REPOSITORY_URL


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dest", type=Path, help="an empty folder for the bundle")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="the course root (default: this folder)")
    parser.add_argument("--repository", default=REPOSITORY_URL, help=f"the students' GitHub repository (default: {REPOSITORY_URL})")
    parser.add_argument("--branch", default="main", help="the branch Colab badges open (default: main)")
    parser.add_argument("--force", action="store_true", help="replace DEST if it is not empty")


def run(args: argparse.Namespace) -> int:
    from grader.cli import EXIT_FAILED, EXIT_USAGE, error
    from grader.publish import PublishError, publish

    try:
        written = publish(Course(args.course.resolve()), args.dest, args.repository, args.branch, args.force)
    except PublishError as exc:
        error(str(exc))
        return EXIT_USAGE if "expected a URL" in str(exc) or "not empty" in str(exc) else EXIT_FAILED
    except CourseError as exc:
        error(str(exc), "run grader publish from the course root, or pass --course.")
        return EXIT_FAILED
    notebooks = sum(1 for p in written if p.suffix == ".ipynb")
    print(f"wrote {len(written)} files ({notebooks} notebooks) to {args.dest}; badges point at {args.repository}")
    print("no solutions, answer keys, held-out secret or tests are in it.")
    return 0
