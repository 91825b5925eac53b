"""Grade a class: PATH holds one folder per student (or is nbgrader's submitted/ folder, or a .zip of either).

Writes DIR/grades.csv, DIR/feedback/<student>/<notebook>.html, DIR/report.html and
the nbgrader gradebook. Exits 0 when the batch finished, even if submissions failed.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from grader.cli.common import add_course_options, config_from
from grader.course import CourseError
from grader.outcomes import Status
from grader.sandbox import SandboxUnavailable, find_bwrap


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="the class folder")
    parser.add_argument("--out", type=Path, required=True, help="where grades, feedback and report go")
    parser.add_argument("--workers", type=int, help="notebooks graded at once (default: from the config)")
    parser.add_argument("--db", dest="db_url", help="nbgrader gradebook URL (default: sqlite in --out)")
    parser.add_argument("--seed", type=int, help="the seed fixed in every kernel")
    parser.add_argument("--notebook", action="append", help="grade only this exercise id (repeatable)")
    parser.add_argument("--regrade", action="store_true", help="grade everything again, ignoring what an earlier run into --out finished")
    parser.add_argument("--show-expected", action="store_true", default=None, help="show hidden expected values in feedback")
    parser.add_argument("--lms", help="PATH is an LMS download: canvas, moodle, or a regex with (?P<student>) and (?P<file>) groups")
    parser.add_argument("--gpus", help="grade on NVIDIA GPUs: all, or indices such as 0,1 (each worker takes one)")
    parser.add_argument("--scheduler", help="grade on a Dask cluster: the scheduler's address, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--leaderboard-names", action="store_true", default=None,
                        help="show student ids on the projects' leaderboards (default: pseudonyms)")
    parser.add_argument("--roster", type=Path, help="class list CSV (id, name, email): absentees are listed, the export gets names")
    add_course_options(parser)


def run(args: argparse.Namespace) -> int:
    from grader.build import BuildError  # needs nbgrader: instructors only
    from grader.cli import EXIT_ENVIRONMENT, EXIT_FAILED, EXIT_USAGE, error
    from grader.grade import grade_class
    from grader.lms import LmsError, lms_pattern
    from grader.unzip import BadArchive

    config = config_from(
        args, workers=args.workers, db_url=args.db_url, seed=args.seed, show_expected=args.show_expected, lms=args.lms,
        gpus=args.gpus, scheduler=args.scheduler, leaderboard_names=args.leaderboard_names,
    )
    if args.show_config:
        print(config.describe())
        return 0
    if args.roster is not None and not args.roster.is_file():
        error(f"the roster {args.roster} does not exist.", "pass a CSV with a column id (and name, email).")
        return EXIT_USAGE
    if config.gpus:
        from grader.gpus import GpuError, plan_gpus

        try:
            plan = plan_gpus(config.gpus, config.workers)
        except GpuError as exc:
            error(str(exc))
            return EXIT_ENVIRONMENT
        print(f"GPUs: worker i uses GPU {', '.join(plan)} (in that order)")
    if config.lms:
        try:
            lms_pattern(config.lms)
        except LmsError as exc:
            error(str(exc))
            return EXIT_USAGE
    if not args.path.is_dir() and not (args.path.is_file() and args.path.suffix.lower() == ".zip"):
        error(f"{args.path} is neither a folder nor a .zip.", "pass the folder (or zip) that holds one subfolder per student.")
        return EXIT_USAGE
    if config.sandbox:
        try:
            find_bwrap()
        except SandboxUnavailable as exc:
            error(str(exc))
            return EXIT_ENVIRONMENT
    try:
        results = grade_class(
            args.path, args.out, config, notebooks=args.notebook, resume=not args.regrade, roster=args.roster
        )
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C may surface inside nbclient's event loop
        error("interrupted.", "run the same command again: finished submissions are kept and not graded twice.")
        return EXIT_FAILED
    except SandboxUnavailable as exc:
        error(str(exc))
        return EXIT_ENVIRONMENT
    except (BuildError, CourseError, FileNotFoundError, BadArchive, LmsError) as exc:
        error(str(exc))
        return EXIT_FAILED
    print_table(results)
    in_kernel = sorted({f"{r.submission.notebook}:{v.question}" for r in results for v in r.verdicts if v.in_kernel})
    if in_kernel:
        print(f"\nWARNING: decided by asserts inside the students' kernels (tamperable): {', '.join(in_kernel)}")
    waiting = sum(v.status is Status.AWAITING_MANUAL for r in results for v in r.verdicts)
    if waiting:
        print(f"\nNOTE: {waiting} manually graded answer(s) and task(s) await grading in nbgrader's formgrader "
              "(status awaiting_manual_grading, no score yet; their points count in max_score).")
    faulted = sum(r.grader_fault for r in results)
    if faulted:
        print(f"\nWARNING: the grader failed on {faulted} submission(s), twice; they are ungraded (see the report), "
              "not scored zero. Run the same command again to grade them.")
    print(f"\ngrades:   {args.out / 'grades.csv'}")
    print(f"feedback: {args.out / 'feedback'}/<student>/<notebook>.html")
    print(f"report:   {args.out / 'report.html'}")
    if args.roster:
        print(f"export:   {args.out / 'lms_export.csv'} (names and emails from {args.roster})")
    return 0


def print_table(results: list) -> None:
    width = max([len(r.submission.student) for r in results] + [7])
    print(f"{'student':<{width}}  {'notebook':<16} {'score':>9}  status")
    for r in results:
        score = f"{r.score:g}/{r.max_score:g}"
        status = "infrastructure_error (ungraded)" if r.grader_fault else r.status.value
        print(f"{r.submission.student:<{width}}  {r.submission.notebook:<16} {score:>9}  {status}")
