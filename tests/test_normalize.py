"""Correct work survives what Colab and students do to a notebook; test cells come from the source."""

import copy

import nbformat
import pytest

from grader.normalize import normalize
from grader.sample_class import make_submission, solution_answers

NOTEBOOK = "01_the_neuron"


@pytest.fixture(scope="module")
def notebooks(course):
    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    return source, released, make_submission(source, released, solution_answers(source))


def answers_of(nb):
    return {c.metadata["grader"].get("answer_of"): c.source for c in nb.cells if c.metadata.get("grader", {}).get("role") == "answer"}


def graded_cells(nb):
    return [(c.metadata["grader"]["question"], c.metadata["grader"]["hidden"], c.source) for c in nb.cells if c.metadata.get("grader", {}).get("role") == "test"]


def test_answers_from_student_tests_from_source(notebooks):
    source, released, student = notebooks
    nb = normalize(student, source, released)
    assert "return x @ w + b" in answers_of(nb)["q1-answer"]
    hidden = [t for t in graded_cells(nb) if t[1]]
    assert [t[0] for t in hidden] == ["q1_weighted_sum", "q2_sigmoid", "q3_perceptron", "q4_logistic_model"]


def mangle(student, how):
    nb = copy.deepcopy(student)
    if how == "colab stripped metadata":
        for cell in nb.cells:
            cell.metadata.pop("nbgrader", None)
    elif how == "no cell ids":
        for index, cell in enumerate(nb.cells):
            cell.metadata.pop("nbgrader", None)
            cell["id"] = f"colab-{index}"
    elif how == "tests deleted":
        nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("grade")]
    elif how == "tests edited":
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                cell.source = "print('all good')"
    elif how == "reordered":
        nb.cells = list(reversed(nb.cells))
    elif how == "answer duplicated":
        first = next(i for i, c in enumerate(nb.cells) if c.get("id") == "q1-answer")
        twin = copy.deepcopy(nb.cells[first])
        twin["id"] = "q1-answer-copy"
        nb.cells.insert(first + 1, twin)
    return nb


@pytest.mark.parametrize(
    "how", ["colab stripped metadata", "no cell ids", "tests deleted", "tests edited", "reordered", "answer duplicated"]
)
def test_mangled_correct_work_keeps_its_answers(notebooks, how):
    source, released, student = notebooks
    expected = normalize(student, source, released)
    got = normalize(mangle(student, how), source, released)
    assert graded_cells(got) == graded_cells(expected)
    for answer_id, text in answers_of(expected).items():
        assert answers_of(got)[answer_id] == text, answer_id


def test_student_helper_cells_are_kept_after_their_anchor(notebooks):
    source, released, student = notebooks
    nb = copy.deepcopy(student)
    index = next(i for i, c in enumerate(nb.cells) if c.get("id") == "q1-answer")
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell("def helper():\n    return 1"))
    out = normalize(nb, source, released)
    sources = [c.source for c in out.cells]
    assert sources.index("def helper():\n    return 1") > next(i for i, c in enumerate(out.cells) if c.metadata.get("grader", {}).get("answer_of") == "q1-answer")


def test_rehearsal_has_no_hidden_tests(notebooks):
    source, released, student = notebooks
    nb = normalize(student, released, released, hidden=False)
    assert all(not hidden for _, hidden, _ in graded_cells(nb))
    assert not any(".probe(" in c.source for c in nb.cells)


def test_notebooks_without_cell_ids_put_each_answer_in_its_own_place():
    """nbgrader's own example course predates cell ids: its answers must still land where they belong."""
    from pathlib import Path

    import nbgrader

    guide = Path(nbgrader.__file__).parent / "docs" / "source" / "user_guide"
    read = lambda path: nbformat.read(path, as_version=4)  # noqa: E731
    source, released = read(guide / "source/ps1/problem1.ipynb"), read(guide / "release/ps1/problem1.ipynb")
    student = read(guide / "submitted/bitdiddle/ps1/problem1.ipynb")
    assert not any(c.get("id") for c in source.cells), "the example course changed: it now has cell ids"
    graded = [(c.metadata.get("grader", {}), c) for c in normalize(student, source, released).cells]
    extras = [c.source for meta, c in graded if meta.get("role") == "extra"]
    assert len(extras) == 1 and extras[0].startswith("NAME ="), "only the release's header cell, which the source lacks, is extra"
    answers = {meta["answer_of"]: c for meta, c in graded if meta.get("role") == "answer"}
    assert answers["squares"].source.startswith("def squares") and answers["sum_of_squares"].source.startswith("def sum_of_squares")
    assert answers["sum_of_squares_equation"].cell_type == "markdown" and "sum" in answers["sum_of_squares_equation"].source
