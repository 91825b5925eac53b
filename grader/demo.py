"""The demo: build the course, make a sample class for exercise 01, grade it, show the result.

Run it with ``make demo`` (which installs everything first) or ``python -m grader.demo``.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from grader.cli import main as grader_main
from grader.course import Course
from grader.sample_class import write_sample_class


def main(root: Path | None = None) -> int:
    root = (root or Path.cwd()).resolve()
    demo = root / "demo"
    shutil.rmtree(demo, ignore_errors=True)
    started = time.monotonic()
    print("== 1. grader build: solutions/ -> exercises/ and answer keys", flush=True)
    code = grader_main(["build", "--course", str(root)])
    if code:
        return code
    print("\n== 2. a sample class for 01_the_neuron: correct, partial, blank, malicious", flush=True)
    students = write_sample_class(Course(root), demo / "class", demo / "out")
    print("   " + ", ".join(students) + f"  (in {demo / 'class'})")
    print("\n== 3. grader grade (sandboxed, 2 workers)", flush=True)
    code = grader_main(["grade", str(demo / "class"), "--out", str(demo / "out"), "--course", str(root), "--workers", "2"])
    print(f"\ndemo finished in {time.monotonic() - started:.0f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
