"""Make a sample class of submissions for exercise 01 (the demo, tests, benchmarks).

Four students: ``correct`` (the instructor's solution), ``partial`` (two right
answers, a perceptron with {-1, 1} labels, no model), ``blank`` (the release
as handed out) and ``malicious`` (wrong answers plus attacks on the grader:
an input transformer that rewrites every later test cell, reading the hidden
tests and the gradebook, writing to the instructor's home, the network).
`write_mangled_class` adds honest work as Colab and careless editing leave it
(metadata and cell ids stripped, cells reversed, an answer duplicated), which
must grade like the original and raise no tampering flag.

Example:

>>> write_sample_class(Course(Path(".")), Path("demo/class"))  # doctest: +SKIP
['blank', 'correct', 'malicious', 'partial']
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path

import nbformat

from grader.course import Course
from grader.normalize import role_of

NOTEBOOK = "01_the_neuron"
_SOLUTION = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.M)

WRONG_PERCEPTRON = '''def train_perceptron(x, y, epochs=20, learning_rate=1.0):
    w = np.zeros(x.shape[1])
    b = 0.0
    for _ in range(epochs):
        for xi, yi in zip(x, y):
            prediction = 1 if xi @ w + b > 0 else -1   # labels treated as -1 / 1
            w = w + learning_rate * (yi - prediction) * xi
            b = b + learning_rate * (yi - prediction)
    return w, b
'''

ATTACK = '''import os, socket

def _rewrite(lines):
    text = "".join(lines)
    if ".probe(" in text or ".check(" in text:
        return ["print('All tests passed!')\\n"]
    return lines

get_ipython().input_transformers_cleanup.append(_rewrite)
stolen = []
for target in ["{course}/solutions/01_the_neuron.ipynb", "{course}/.grader/keys/01_the_neuron.json",
               "{out}/gradebook.db", os.path.expanduser("~/.bashrc"), "/root/.bashrc"]:
    try:
        stolen.append(open(target).read()[:100])
    except OSError as error:
        print("could not read", target, type(error).__name__)
for target in ["{course}/pwned.txt", "/root/pwned.txt"]:
    try:
        open(target, "w").write("pwned")
    except OSError as error:
        print("could not write", target, type(error).__name__)
try:
    socket.create_connection(("127.0.0.1", 22), timeout=1)
except OSError as error:
    print("network:", error)

def weighted_sum(x, w, b):
    return x @ w
'''


def solution_source(source: str) -> str:
    """The instructor's answer without nbgrader's solution markers."""
    return _SOLUTION.sub("", source)


def make_submission(source: nbformat.NotebookNode, released: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """The released notebook with the given answer cells (by cell id) filled in."""
    nb = nbformat.from_dict(released)
    for cell in nb.cells:
        if role_of(cell).kind == "answer" and cell.get("id") in answers:
            cell.source = answers[cell["id"]]
    return nb


def solution_answers(source: nbformat.NotebookNode) -> dict[str, str]:
    return {c["id"]: solution_source(c.source) for c in source.cells if role_of(c).kind == "answer"}


def write_sample_class(course: Course, folder: Path, out: Path | None = None) -> list[str]:
    """Write the four sample students under ``folder``; returns their ids."""
    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    right = solution_answers(source)
    attack = ATTACK.format(course=course.root.resolve(), out=(out or folder).resolve())
    students = {
        "correct": right,
        "partial": {"q1-answer": right["q1-answer"], "q2-answer": right["q2-answer"], "q3-answer": WRONG_PERCEPTRON},
        "blank": {},
        "malicious": {"q1-answer": attack},
    }
    for student, answers in students.items():
        (folder / student).mkdir(parents=True, exist_ok=True)
        nbformat.write(make_submission(source, released, answers), folder / student / f"{NOTEBOOK}.ipynb")
    return sorted(students)


def colab_stripped(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` as a Colab download can come back: no nbgrader metadata, new cell ids, no course metadata."""
    out = copy.deepcopy(nb)
    for index, cell in enumerate(out.cells):
        cell.metadata = {}
        cell["id"] = f"colab-{index}"
    out.metadata.pop("keras_course", None)
    return out


def reordered(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` with its cells in reverse order."""
    out = copy.deepcopy(nb)
    out.cells = list(reversed(out.cells))
    return out


def answer_duplicated(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` with its first answer cell twice (the copy under a new id)."""
    out = copy.deepcopy(nb)
    first = next(i for i, c in enumerate(out.cells) if role_of(c).kind == "answer")
    twin = copy.deepcopy(out.cells[first])
    twin["id"] = f"{twin.get('id')}-copy"
    out.cells.insert(first + 1, twin)
    return out


MANGLINGS: dict[str, Callable[[nbformat.NotebookNode], nbformat.NotebookNode]] = {
    "colab": colab_stripped,
    "reordered": reordered,
    "duplicated": answer_duplicated,
}


def write_mangled_class(course: Course, folder: Path) -> list[str]:
    """Write the instructor's solution, mangled each way of `MANGLINGS`, as students ``correct_<how>``; returns their ids."""
    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    correct = make_submission(source, released, solution_answers(source))
    for how, mangle in MANGLINGS.items():
        (folder / f"correct_{how}").mkdir(parents=True, exist_ok=True)
        nbformat.write(mangle(correct), folder / f"correct_{how}" / f"{NOTEBOOK}.ipynb")
    return sorted(f"correct_{how}" for how in MANGLINGS)
