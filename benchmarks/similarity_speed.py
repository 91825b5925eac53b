"""Similarity speed: a synthetic class of 1,000 submissions to exercise 04 compared in one call.

    .venv/bin/python benchmarks/similarity_speed.py [-n 1000] [--copies 30]

Writes N notebooks (independent answers from `tests/similarity_class.py`, and
``--copies`` renamed, reordered or re-numbered copies among them) to a
temporary folder, then times `grader.similarity.similarity_report` as
`grader grade` calls it: reading each notebook, rebuilding its answer cells,
fingerprinting, indexing and scoring. Prints the seconds taken and how many
planted copies were found and how many other pairs were flagged.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.course import Course  # noqa: E402
from grader.outcomes import Submission  # noqa: E402
from grader.sample_class import make_submission  # noqa: E402
from grader.similarity import similarity_report  # noqa: E402
from tests.similarity_class import NOTEBOOK, independent_answers, literals_changed, renamed, reordered  # noqa: E402

DISGUISES = (renamed, reordered, lambda a: literals_changed(renamed(reordered(a))))


def write_class(course: Course, size: int, copies: int, folder: Path) -> tuple[list[Submission], set[tuple[str, str]]]:
    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    rng = random.Random(0)
    answers = {f"s{i:04d}": independent_answers(rng) for i in range(size - copies)}
    planted = set()
    for i in range(copies):
        original = f"s{i * 7:04d}"
        answers[f"copy{i:03d}"] = DISGUISES[i % len(DISGUISES)](answers[original])
        planted.add(tuple(sorted((original, f"copy{i:03d}"))))
    submissions = []
    for student, filled in answers.items():
        path = folder / student / f"{NOTEBOOK}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(make_submission(source, released, filled), path)
        submissions.append(Submission(student, NOTEBOOK, path))
    return submissions, planted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="submissions in the class")
    parser.add_argument("--copies", type=int, default=30, help="planted copies among them")
    args = parser.parse_args(argv)
    course = Course(ROOT)
    with tempfile.TemporaryDirectory(prefix="similarity-bench-") as tmp:
        submissions, planted = write_class(course, args.n, args.copies, Path(tmp))
        started = time.perf_counter()
        (similar,) = similarity_report(submissions, course)
        seconds = time.perf_counter() - started
    flagged = {tuple(sorted((p.student_a, p.student_b))) for p in similar.pairs}
    print(f"{len(submissions)} submissions of {NOTEBOOK} compared in {seconds:.1f} s "
          f"({similar.compared} judged, {similar.too_small} too small)")
    print(f"planted copies found: {len(planted & flagged)} of {len(planted)}; other pairs flagged: {len(flagged - planted)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
