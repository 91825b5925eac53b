"""Grading speed: plain `nbgrader autograde` against `grader grade` on the same class of correct submissions.

    .venv/bin/python benchmarks/grading_speed.py [--notebook 05_first_keras_model] [-n 8] [--sizes 4 8 16]
                                                [--workers 2] [--no-sandbox] [--skip-nbgrader]

Prints, for a class of N copies of the instructor's solution: seconds per
submission for nbgrader (which runs the notebooks one after another in the
course directory, hidden tests in the student's kernel) and for the grader
(sandboxed, split-trust, N workers), their ratio, the grader's median
per-notebook overhead (a run's wall time beyond the time spent inside its
cells), the peak memory of one notebook's sandbox, and the grader's time for
each class size in --sizes, to show how the cost grows.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from grader.config import load_config
from grader.course import Course
from grader.grade import grade_class
from grader.sample_class import make_submission, solution_answers

ROOT = Path(__file__).resolve().parents[1]


def write_class(course: Course, notebook: str, size: int, folder: Path) -> list[str]:
    source, released = course.read_source(notebook), course.read_released(notebook)
    filled = make_submission(source, released, solution_answers(source))
    students = [f"student{i:03d}" for i in range(size)]
    for student in students:
        (folder / student).mkdir(parents=True)
        nbformat.write(filled, folder / student / f"{notebook}.ipynb")
    return students


def time_nbgrader(course: Course, notebook: str, class_dir: Path, work: Path) -> float:
    """Seconds for `nbgrader autograde` on the class, in an nbgrader course directory of its own."""
    root = work / "nbgrader_course"
    (root / "source" / notebook).mkdir(parents=True)
    shutil.copyfile(course.source_path(notebook), root / "source" / notebook / f"{notebook}.ipynb")
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{root}/gradebook.db'\n"
        "c.ExecutePreprocessor.timeout = 600\n"
    )
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "TF_CPP_MIN_LOG_LEVEL": "3"}
    run = lambda *argv: subprocess.run(["nbgrader", *argv], cwd=root, env=env, check=True, capture_output=True)  # noqa: E731
    run("generate_assignment", notebook, "--force")
    for student_dir in sorted(class_dir.iterdir()):
        target = root / "submitted" / student_dir.name / notebook
        target.mkdir(parents=True)
        shutil.copyfile(student_dir / f"{notebook}.ipynb", target / f"{notebook}.ipynb")
    started = time.monotonic()
    run("autograde", notebook, "--force")
    return time.monotonic() - started


def time_grader(course: Course, class_dir: Path, out: Path, workers: int, sandbox: bool) -> tuple[float, list]:
    config = load_config(course.root).with_overrides(workers=workers, sandbox=sandbox)
    started = time.monotonic()
    results = grade_class(class_dir, out, config, progress=lambda _line: None, resume=False)
    seconds = time.monotonic() - started
    bad = [r for r in results if r.score != r.max_score]
    if bad:
        raise SystemExit(f"a correct submission lost points: {bad[0].submission.student} {bad[0].verdicts}")
    return seconds, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", default="05_first_keras_model")
    parser.add_argument("-n", type=int, default=8, help="class size compared with nbgrader (default 8)")
    parser.add_argument("--sizes", type=int, nargs="*", default=[4, 8, 16], help="class sizes the grader is timed on")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--no-sandbox", action="store_true")
    parser.add_argument("--skip-nbgrader", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    course = Course(ROOT)
    print(f"notebook {args.notebook}, {args.workers} workers, sandbox {'off' if args.no_sandbox else 'on'}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="grading-speed-") as tmp:
        work = Path(tmp)
        timings = {}
        for size in sorted(set(args.sizes) | {args.n}):
            class_dir = work / f"class{size}"
            write_class(course, args.notebook, size, class_dir)
            seconds, results = time_grader(course, class_dir, work / f"out{size}", args.workers, not args.no_sandbox)
            timings[size] = (seconds, results)
            print(f"grader   N={size:<3d} {seconds:7.1f} s   {seconds / size:6.2f} s per submission", flush=True)
        seconds, results = timings[args.n]
        overheads = [r.seconds - r.cell_seconds for r in results]
        peak = max(r.peak_memory_bytes for r in results) / 2**20
        print(f"grader overhead per notebook (wall beyond its cells): median {statistics.median(overheads):.2f} s, "
              f"max {max(overheads):.2f} s (target: median <= 0.5 s)")
        print(f"peak memory of one notebook's sandbox: {peak:.0f} MB" if peak else "peak memory: not measured (no cgroup here)")
        if not args.skip_nbgrader:
            nb_seconds = time_nbgrader(course, args.notebook, work / f"class{args.n}", work)
            ratio = nb_seconds / seconds
            print(f"nbgrader N={args.n:<3d} {nb_seconds:7.1f} s   {nb_seconds / args.n:6.2f} s per submission")
            print(f"throughput: grader is {ratio:.1f}x nbgrader (target: at least 6x)")


if __name__ == "__main__":
    main()
