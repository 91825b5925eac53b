"""Grading speed: `grader grade` against the machine's own limit and against plain `nbgrader autograde`.

    .venv/bin/python benchmarks/grading_speed.py [--notebook 05_first_keras_model] [-n 8] [--sizes 4 8 16]
                                                [--workers 2] [--no-sandbox] [--skip-nbgrader]
    .venv/bin/python benchmarks/grading_speed.py --mixed      # one honest submission of each exercise

Prints, for a class of N copies of the instructor's solution (or, with
--mixed, one solution of every exercise):

- the grader's wall time (sandboxed, split-trust, N workers) and seconds per submission;
- the physical limit: each notebook's cell time run alone on one core (this
  process pinned to one core, one thread), summed over the class and divided
  by the workers (never below the longest single notebook), and the
  efficiency, limit / wall: 100% means the grader costs nothing beyond the
  students' own cells;
- the grader's overhead per notebook (a run's wall time beyond the time spent
  inside its cells), median and slowest;
- the peak memory of one notebook's sandbox;
- nbgrader's seconds per submission on the same class (it runs the notebooks
  one after another, hidden tests in the student's kernel) and the ratio, with
  the most any grader could reach against it here: nbgrader's time divided by
  the physical limit.
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

from grader.config import load_config
from grader.course import Course
from grader.sample_class import make_submission, solution_answers

ROOT = Path(__file__).resolve().parents[1]
# The pool's workers are spawned processes that import this script again before their first job: its
# top-level imports stay as light as `grader grade`'s own entry point, so the figures are the command's.
# nbformat and the pipeline are imported where they are used.


def write_class(course: Course, notebook: str, size: int, folder: Path) -> list[str]:
    import nbformat

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


def write_mixed_class(course: Course, folder: Path) -> list[str]:
    """One student per exercise, each with the instructor's solution of it."""
    import nbformat

    notebooks = course.notebook_ids()
    for index, notebook in enumerate(notebooks):
        source, released = course.read_source(notebook), course.read_released(notebook)
        (folder / f"student{index:03d}").mkdir(parents=True)
        nbformat.write(make_submission(source, released, solution_answers(source)), folder / f"student{index:03d}" / f"{notebook}.ipynb")
    return notebooks


def alone_cell_seconds(course: Course, notebooks: list[str], work: Path, sandbox: bool, runs: int = 1) -> dict[str, float]:
    """Each notebook's time inside its cells when it runs alone on one core with one thread (the physical cost).

    With ``runs`` above one, each notebook runs that many times, one after another, and the median counts: a
    single run on a shared virtual machine varies by a quarter from one minute to the next.
    """
    import nbformat

    folder = work / "alone-class"
    for notebook in notebooks:
        source, released = course.read_source(notebook), course.read_released(notebook)
        for run in range(runs):
            (folder / f"{notebook}-{run}").mkdir(parents=True)
            nbformat.write(make_submission(source, released, solution_answers(source)),
                           folder / f"{notebook}-{run}" / f"{notebook}.ipynb")
    everything = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(everything)})  # the serial worker sizes the kernel's threads to this one core
    try:
        _, results = time_grader(course, folder, work / "alone-out", 1, sandbox)
    finally:
        os.sched_setaffinity(0, everything)
    return {n: statistics.median(r.cell_seconds for r in results if r.submission.notebook == n) for n in notebooks}


def physical_limit(cell_seconds: list[float], workers: int) -> float:
    """The least wall time ``workers`` single-core workers need for notebooks with these cell times."""
    return max(sum(cell_seconds) / workers, max(cell_seconds))


def time_grader(course: Course, class_dir: Path, out: Path, workers: int, sandbox: bool) -> tuple[float, list]:
    from grader.grade import grade_class

    config = load_config(course.root).with_overrides(workers=workers, sandbox=sandbox)
    started = time.monotonic()
    results = grade_class(class_dir, out, config, progress=lambda _line: None, resume=False)
    seconds = time.monotonic() - started
    results = [r for r in results if r.submission.path is not None]  # a mixed class's students miss the other exercises
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
    parser.add_argument("--mixed", action="store_true", help="one honest submission of each exercise instead of N copies")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    course = Course(ROOT)
    if args.mixed:
        return mixed(course, args)
    print(f"notebook {args.notebook}, {args.workers} workers, sandbox {'off' if args.no_sandbox else 'on'}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="grading-speed-") as tmp:
        work = Path(tmp)
        alone = alone_cell_seconds(course, [args.notebook], work, not args.no_sandbox, runs=3)[args.notebook]
        print(f"alone on one core: {alone:.1f} s inside the notebook's cells (median of 3 runs)", flush=True)
        timings = {}
        for size in sorted(set(args.sizes) | {args.n}):
            class_dir = work / f"class{size}"
            write_class(course, args.notebook, size, class_dir)
            seconds, results = time_grader(course, class_dir, work / f"out{size}", args.workers, not args.no_sandbox)
            timings[size] = (seconds, results)
            limit = physical_limit([alone] * size, args.workers)
            print(f"grader   N={size:<3d} {seconds:7.1f} s   {seconds / size:6.2f} s per submission   "
                  f"physical limit {limit:6.1f} s   efficiency {100 * limit / seconds:5.1f}%", flush=True)
        seconds, results = timings[args.n]
        summarize(results)
        cells = statistics.median(r.cell_seconds for r in results)
        print(f"inside the cells with {args.workers} workers at once: median {cells:.1f} s a notebook "
              f"({cells / alone:.2f} of its time alone: what sharing the machine costs the students' own code)")
        if not args.skip_nbgrader:
            nb_seconds = time_nbgrader(course, args.notebook, work / f"class{args.n}", work)
            print(f"nbgrader N={args.n:<3d} {nb_seconds:7.1f} s   {nb_seconds / args.n:6.2f} s per submission")
            limit = physical_limit([alone] * args.n, args.workers)
            print(f"throughput: grader is {nb_seconds / seconds:.1f}x nbgrader "
                  f"(at most {nb_seconds / limit:.1f}x on this machine: nbgrader's time / the physical limit)")


def summarize(results: list) -> None:
    """Overhead per notebook (median and slowest) and the peak memory of one sandbox."""
    overheads = sorted((r.seconds - r.cell_seconds, r.submission.notebook) for r in results)
    print(f"grader overhead per notebook (wall beyond its cells): median {statistics.median(o for o, _ in overheads):.2f} s, "
          f"slowest {overheads[-1][0]:.2f} s ({overheads[-1][1]}) (target: median <= 0.3 s)")
    print(f"TensorFlow imported by the grading process itself: {'yes' if 'tensorflow' in sys.modules else 'no'}")
    peak = max(r.peak_memory_bytes for r in results) / 2**20
    print(f"peak memory of one notebook's sandbox: {peak:.0f} MB" if peak else "peak memory: not measured (no cgroup here)")


def mixed(course: Course, args: argparse.Namespace) -> None:
    """One honest submission of each exercise: the grader against the physical limit and nbgrader."""
    print(f"mixed class: one solution of each exercise, {args.workers} workers, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="grading-speed-") as tmp:
        work = Path(tmp)
        notebooks = write_mixed_class(course, work / "class")
        alone = alone_cell_seconds(course, notebooks, work, not args.no_sandbox)
        for notebook in notebooks:
            print(f"  alone on one core {notebook:<34} {alone[notebook]:6.1f} s", flush=True)
        seconds, results = time_grader(course, work / "class", work / "out", args.workers, not args.no_sandbox)
        limit = physical_limit(list(alone.values()), args.workers)
        print(f"grader   {len(notebooks)} notebooks {seconds:7.1f} s   physical limit {limit:6.1f} s   efficiency {100 * limit / seconds:5.1f}%")
        summarize(results)
        if not args.skip_nbgrader:
            nb_seconds = sum(time_nbgrader(course, nb, _only(work / "class", nb, work / f"nb-{nb}"), work / f"nbg-{nb}") for nb in notebooks)
            print(f"nbgrader {len(notebooks)} notebooks {nb_seconds:7.1f} s   grader is {nb_seconds / seconds:.1f}x nbgrader "
                  f"(at most {nb_seconds / limit:.1f}x on this machine: nbgrader's time / the physical limit)")


def _only(class_dir: Path, notebook: str, folder: Path) -> Path:
    """A class folder holding only the submissions of ``notebook``."""
    for student_dir in class_dir.iterdir():
        if (student_dir / f"{notebook}.ipynb").exists():
            shutil.copytree(student_dir, folder / student_dir.name)
    return folder


if __name__ == "__main__":
    main()
