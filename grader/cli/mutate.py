"""Mutation-test an exercise's hidden tests: grade mutants of the solution and list those that keep full marks.

Each mutant is one realistic change inside one solution region (see
`grader mutate NOTEBOOK --operators`). A survivor is a mistake the hidden tests
do not catch: add a hidden case or requirement, or, when no allowed input can
tell it from the solution, list it in solutions/NOTEBOOK.mutants.toml with a
reason. Writes DIR/mutants.csv; run the same command again to resume.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from grader.cli.common import add_course_options, config_from

if TYPE_CHECKING:
    from grader.mutate.analysis import MutationReport

MUTATE_CELL_TIMEOUT, MUTATE_NOTEBOOK_TIMEOUT = 60.0, 300.0  # a mutant that loops forever should not cost minutes
MAX_SHOWN = 160


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebook", help="the exercise id, e.g. 03_the_forward_pass")
    parser.add_argument("--out", type=Path, help="where the mutants' class, grades and mutants.csv go (default: .grader/mutate/NOTEBOOK)")
    parser.add_argument("--workers", type=int, help="notebooks graded at once (default: from the config)")
    parser.add_argument("--only", action="append", metavar="QUESTION", help="only mutants of this question id (repeatable)")
    parser.add_argument("--max", type=int, metavar="N", help="at most N mutants, the same sample every time")
    parser.add_argument("--list", action="store_true", help="list the mutants without grading them")
    parser.add_argument("--operators", nargs="?", const="", metavar="A,B", help="use only these operators; alone, list the operators")
    add_course_options(parser)


def run(args: argparse.Namespace) -> int:
    from grader.build import BuildError
    from grader.cli import EXIT_ENVIRONMENT, EXIT_FAILED, EXIT_USAGE, error
    from grader.course import Course, CourseError
    from grader.mutate.analysis import MutationError, run_mutation
    from grader.mutate.equivalents import EquivalentsError, equivalents_path, read_equivalents, stale_equivalents
    from grader.mutate.mutants import generate_mutants, select
    from grader.mutate.operators import OPERATORS, operators_named
    from grader.sandbox import SandboxUnavailable, find_bwrap

    if args.operators == "":
        for operator in OPERATORS:
            print(f"{operator.name:<12} {operator.summary}")
        return 0
    config = config_from(args, workers=args.workers)
    config = config.with_overrides(
        cell_timeout=args.timeout or min(config.limits.cell_timeout, MUTATE_CELL_TIMEOUT),
        notebook_timeout=args.notebook_timeout or min(config.limits.notebook_timeout, MUTATE_NOTEBOOK_TIMEOUT),
    )
    if args.show_config:
        print(config.describe())
        return 0
    if args.max is not None and args.max < 1 or config.workers < 1:
        error(f"--max and --workers expected positive integers. Received: max={args.max}, workers={config.workers}")
        return EXIT_USAGE
    course = Course(config.course)
    try:
        if args.notebook not in course.notebook_ids():
            error(f"no exercise {args.notebook!r}.", f"choose one of: {', '.join(course.notebook_ids())}")
            return EXIT_USAGE
        operators = operators_named(args.operators.split(",") if args.operators else None)
        equivalents = read_equivalents(equivalents_path(course.source_path(args.notebook)))
    except (CourseError, ValueError) as exc:
        error(str(exc))
        return EXIT_USAGE
    every = generate_mutants(course.read_source(args.notebook), operators)
    unknown = sorted(set(args.only or []) - {m.question for m in every})
    if unknown:
        error(f"no mutants for question {unknown[0]!r}.", f"choose from: {', '.join(sorted({m.question for m in every}))}")
        return EXIT_USAGE
    mutants = select(every, args.only, args.max)
    if args.list:
        for mutant in mutants:
            print(f"{mutant.id:<44} {mutant.question:<28} {_short(mutant.change)}")
        print(f"\n{len(mutants)} of {len(every)} mutants of {args.notebook}")
        return 0
    out = args.out or course.private_dir / "mutate" / args.notebook
    try:
        if config.sandbox:
            find_bwrap()
        report = run_mutation(course, args.notebook, mutants, out, config, equivalents)
    except (KeyboardInterrupt, asyncio.CancelledError):
        error("interrupted.", "run the same command again: mutants already graded are kept and not graded twice.")
        return EXIT_FAILED
    except SandboxUnavailable as exc:
        error(str(exc))
        return EXIT_ENVIRONMENT
    except (BuildError, CourseError, EquivalentsError, MutationError) as exc:
        error(str(exc))
        return EXIT_FAILED
    print_report(report, out)
    for entry in stale_equivalents(equivalents, every):
        print(f"WARNING: {equivalents_path(course.source_path(args.notebook))}: {entry.id} no longer names {entry.change!r}; review it again")
    return 0


def _short(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def print_report(report: MutationReport, out: Path) -> None:
    """Survivors per question, then the summary row and where the CSV is."""
    survivors = report.survivors_by_question()
    for question, outcomes in survivors.items():
        print(f"\n{question}: {len(outcomes)} mutant(s) kept full marks")
        for o in outcomes:
            print(f"  {o.mutant.id:<44} {_short(o.mutant.change)}")
    if not survivors:
        print("\nNo mutant kept full marks.")
    unjudged = report.count("unjudged")
    if unjudged:
        print(f"\n{unjudged} mutant(s) unjudged: the grader itself failed on them (see run_status in mutants.csv). "
              "Run the same command again to grade them.")
    print(f"\n{'notebook':<28} {'mutants':>7} {'killed':>6} {'equivalent':>10} {'survived':>8} {'seconds':>7} {'survival':>8}")
    print(f"{report.notebook:<28} {len(report.outcomes):>7} {report.count('killed'):>6} {report.count('equivalent'):>10} "
          f"{report.count('survived'):>8} {report.seconds:>7.0f} {report.survival_percent:>7.1f}%")
    print(f"\nmutants: {out / 'mutants.csv'}")
