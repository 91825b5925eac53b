"""A student bundle: lessons, exercises and the course package, with nothing of the instructor's.

The bundle is a folder ready to push as the students' repository: its Colab
badges and setup cells point at that repository's URL, and it holds no
solutions, no answer keys, no held-out secret, no tests (they hold correct
answers), no benchmarks, no instructor README and no `grader/references`
(the reference implementations the judge compares with). Every exercise notebook is
checked on the way out: one that still carries a solution or hidden-test
marker stops the publish, and so does any function in the bundle (lessons
and the course package included) that computes a solution's answer the same
way up to names and literals (`grader.leaks`). What students may still read by design: the staged
hints of each question (the last one nearly gives the answer, like a tutor
would) and the one-line formulas the lessons teach.

Example:

>>> publish(Course(Path(".")), Path("/tmp/student-bundle"), "https://github.com/me/dl-course")  # doctest: +SKIP
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat

from grader.course import Course
from grader.leaks import find_leaks
from keras_course.colab import REPOSITORY_URL

INCLUDED = ("lessons", "exercises", "keras_course", "grader", "pyproject.toml", "LICENSE")
STUDENT_README = """# Deep learning with Keras: lessons and exercises

Each lesson in `lessons/` teaches one idea with worked code and plots; its
exercise in `exercises/` has the same number. Open either in Google Colab with
the badge at its top, or locally in JupyterLab:

```bash
pip install "keras-course[student] @ git+{repository}"
jupyter lab
```

In an exercise, write your code where it says `# YOUR CODE HERE`, run the check
cell under it, and ask for a hint with `q1.hint()` (ask again for the next one).
Before you hand a notebook in, rehearse grading on your machine:

```bash
grader check exercises/01_the_neuron.ipynb
```

It runs your notebook the way the grader does and prints each question's
result and a hint. The visible checks teach; hidden tests, run by your
instructor's grader, decide the grade.
"""
_EXCLUDED_NAMES = {"__pycache__", ".ipynb_checkpoints", "references"}  # grader/references: the judge's reference code
FORBIDDEN_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS", ".probe(")
_GITHUB = re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+$")


class PublishError(ValueError):
    """The bundle cannot be written; the message says why and what to do."""


def _ignore(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n in _EXCLUDED_NAMES or n.endswith((".pyc", ".egg-info"))}


def _rewrite_urls(text: str, repository: str, branch: str) -> str:
    old_slug, new_slug = REPOSITORY_URL.removeprefix("https://github.com/"), repository.removeprefix("https://github.com/")
    text = text.replace(f"colab.research.google.com/github/{old_slug}/blob/main/", f"colab.research.google.com/github/{new_slug}/blob/{branch}/")
    return text.replace(REPOSITORY_URL, repository)


def _check_notebook(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for marker in FORBIDDEN_MARKERS:
            if marker in cell.source:
                raise PublishError(
                    f"{path.name} still holds {marker!r} (cell {cell.get('id')}). Run `grader build` so exercises/ is "
                    "the generated release, then publish again."
                )


def publish(course: Course, dest: Path, repository: str = REPOSITORY_URL, branch: str = "main", force: bool = False) -> list[Path]:
    """Write the student bundle into ``dest``; returns the files written.

    Args:
        course: the instructor's course.
        dest: an empty or missing folder outside ``solutions/``.
        repository: the students' GitHub repository URL the badges point at.
            Defaults to the course's own.
        branch: the branch the Colab badges open. Defaults to "main".
        force: replace ``dest`` when it is not empty. Defaults to False.

    Raises:
        PublishError: for a bad URL, a non-empty ``dest``, a notebook that still
            holds solution markers, or bundle code shaped like a solution
            function (the bundle is removed again).
    """
    if not _GITHUB.match(repository):
        raise PublishError(f"--repository expected a URL like https://github.com/owner/name. Received: {repository!r}")
    dest = dest.resolve()
    root = course.root.resolve()
    guarded = {root / name for name in ("solutions", "exercises", "lessons", "keras_course", "grader", ".grader")}
    if dest == root or guarded & {dest, *dest.parents}:
        raise PublishError(f"{dest} is the course itself or inside one of its folders; choose a folder of its own.")
    if dest.exists() and any(dest.iterdir()):
        if not force:
            raise PublishError(f"{dest} is not empty. Choose an empty folder, or pass --force to replace it.")
        shutil.rmtree(dest)
    released = sorted(course.exercises_dir.glob("*.ipynb"))
    if not released:
        raise PublishError("exercises/ is empty: run `grader build` first.")
    for path in released:
        _check_notebook(path)
    dest.mkdir(parents=True, exist_ok=True)
    for name in INCLUDED:
        source = course.root / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=_ignore)
        elif source.is_file():
            shutil.copyfile(source, dest / name)
    (dest / "README.md").write_text(STUDENT_README.format(repository=repository))
    written = []
    for path in sorted(p for p in dest.rglob("*") if p.is_file()):
        if path.suffix in {".ipynb", ".toml", ".md", ".py"}:
            text = path.read_text()
            updated = _rewrite_urls(text, repository, branch)
            if updated != text:
                path.write_text(updated)
        written.append(path)
    solutions = {p.name: nbformat.read(p, as_version=4) for p in sorted(course.solutions_dir.glob("*.ipynb"))}
    leaks = find_leaks(solutions, dest)
    if leaks:
        shutil.rmtree(dest)
        raise PublishError(
            "the bundle would give answers away:\n  " + "\n  ".join(str(leak) for leak in leaks) + "\n"
            "Show the technique on a different case in the lesson, or keep reference code in grader/references/ "
            "(never published); then publish again."
        )
    return written
