"""Attack an exercise with built-in cases (tampering, reading, writing, network, resources, bad input, mangled work).

Prints each case with held, NOT HELD, or NO FLAG (the defence held but the case did not raise its
tampering flag, or correct work raised one). Exits 0 when every case held and flagged as it must, 1 otherwise.
"""

from __future__ import annotations

import argparse

from grader.cli.common import add_course_options, config_from


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebook", help="the exercise id, e.g. 01_the_neuron")
    parser.add_argument("--workers", type=int, help="cases run at once (default: from the config)")
    parser.add_argument("--category", action="append", help="run only this category (repeatable), e.g. network")
    add_course_options(parser)


def run(args: argparse.Namespace) -> int:
    from grader.audit import run_audit
    from grader.build import BuildError
    from grader.cli import EXIT_ENVIRONMENT, EXIT_FAILED, error
    from grader.course import Course
    from grader.sandbox import SandboxUnavailable, find_bwrap

    config = config_from(args, workers=args.workers)
    config = config.with_overrides(cell_timeout=min(config.limits.cell_timeout, 20.0), notebook_timeout=min(config.limits.notebook_timeout, 180.0))
    if args.show_config:
        print(config.describe())
        return 0
    course = Course(config.course)
    if args.notebook not in course.notebook_ids():
        error(f"no exercise {args.notebook!r}.", f"choose one of: {', '.join(course.notebook_ids())}")
        return EXIT_FAILED
    try:
        if config.sandbox:
            find_bwrap()
        results = run_audit(course, args.notebook, config, categories=args.category)
    except SandboxUnavailable as exc:
        error(str(exc))
        return EXIT_ENVIRONMENT
    except (BuildError, ValueError) as exc:
        error(str(exc))
        return EXIT_FAILED
    width = max(len(r.name) for r in results)
    category = None
    for result in results:
        if result.category != category:
            category = result.category
            print(f"\n{category}")
        mark = "NOT HELD" if not result.held else "NO FLAG " if not result.flagged else "held    "
        print(f"  {mark}  {result.name:<{width}}  ({result.detail})")
    broken = [r for r in results if not (r.held and r.flagged)]
    print(f"\n{len(results) - len(broken)} of {len(results)} cases held for {args.notebook}.")
    return 0 if not broken else EXIT_FAILED
