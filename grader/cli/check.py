"""Rehearse grading: run a notebook as the grader would (same sandbox, visible tests only).

Prints each question's result and, for a question that is not right yet, what the
check found and a hint. Hidden tests are not run; the real grade may differ.
From a notebook cell: ``from grader.rehearsal import rehearse; rehearse("01_the_neuron.ipynb")``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.cli.common import add_course_options, config_from


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebook", type=Path, help="your exercise notebook")
    add_course_options(parser)


def run(args: argparse.Namespace) -> int:
    from grader.cli import EXIT_USAGE, error
    from grader.rehearsal import RehearsalError, rehearse

    config = config_from(args)
    if args.show_config:
        print(config.describe())
        return 0
    try:
        print(rehearse(args.notebook, config))
    except RehearsalError as exc:
        error(str(exc))
        return EXIT_USAGE
    return 0
