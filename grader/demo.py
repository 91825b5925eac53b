"""The demo: build exercise 01, make a sample class for it, grade it, show the result.

Run it with ``make demo`` (which installs everything first) or ``python -m grader.demo``.
It builds only the notebook it grades; ``grader build`` builds the whole course.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from grader.cli import main as grader_main
from grader.course import Course
from grader.sample_class import NOTEBOOK, write_sample_class


def main(root: Path | None = None) -> int:
    root = (root or Path.cwd()).resolve()
    demo = root / "demo"
    shutil.rmtree(demo, ignore_errors=True)
    started = time.monotonic()
    print(f"== 1. grader build {NOTEBOOK}: solutions/ -> exercises/ and its answer key", flush=True)
    code = grader_main(["build", NOTEBOOK, "--course", str(root)])
    if code:
        return code
    print(f"\n== 2. a sample class for {NOTEBOOK}: correct, partial, blank, malicious", flush=True)
    students = write_sample_class(Course(root), demo / "class", demo / "out")
    print("   " + ", ".join(students) + f"  (in {demo / 'class'})")
    print("\n== 3. grader grade (sandboxed, 2 workers)", flush=True)
    code = grader_main(["grade", str(demo / "class"), "--out", str(demo / "out"), "--course", str(root), "--workers", "2"])
    print(f"\ndemo finished in {time.monotonic() - started:.0f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
