"""Print how long each lesson and each solution notebook takes to run (budget: 45 s each, projects too).

Lessons run in a plain kernel, as a student runs them; solutions run the way the
grader runs a submission (normalized, sandboxed, hidden probes on).

    .venv/bin/python benchmarks/notebook_times.py [--no-sandbox] [NAME ...]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from grader.config import load_config
from grader.course import Course
from grader.execute import ExecutionRequest, execute
from grader.normalize import normalize

ROOT = Path(__file__).resolve().parents[1]
# 45 s on an idle machine here, so a notebook stays under a minute on a busy one and on Colab's CPU (issue 15).
BUDGET = 45.0


def time_lesson(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp}}).execute()
        return time.monotonic() - started


def time_solution(course: Course, notebook: str, sandbox: bool) -> tuple[float, str]:
    config = load_config(course.root)
    source, released = course.read_source(notebook), course.read_released(notebook)
    with tempfile.TemporaryDirectory() as tmp:
        nb = normalize(source, source, released, seed=config.seed)
        run = execute(ExecutionRequest(notebook=nb, scratch=Path(tmp), limits=config.limits, sandbox=sandbox))
    return run.seconds, run.status.value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only notebooks whose name contains one of these")
    parser.add_argument("--no-sandbox", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    wanted = lambda name: not args.names or any(n in name for n in args.names)  # noqa: E731
    course = Course(ROOT)
    print(f"{'notebook':<48} {'seconds':>8}  budget {BUDGET:.0f} s each")
    for path in sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb")):
        if wanted(path.name):
            seconds = time_lesson(path)
            print(f"{'lessons/' + path.name:<48} {seconds:8.1f}  {'ok' if seconds <= BUDGET else 'OVER'}", flush=True)
    for notebook in course.notebook_ids():
        if wanted(notebook):
            seconds, status = time_solution(course, notebook, sandbox=not args.no_sandbox)
            verdict = "ok" if seconds <= BUDGET and status == "completed" else f"OVER or {status}"
            print(f"{'solutions/' + notebook + '.ipynb':<48} {seconds:8.1f}  {verdict}", flush=True)


if __name__ == "__main__":
    main()
