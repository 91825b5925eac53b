"""exercises/ is exactly what the build makes from solutions/."""

import shutil

import nbformat

from grader.build import check_source, out_of_sync, release_notebook
from grader.course import Course


def test_committed_exercises_match_solutions(course):
    assert out_of_sync(course) == [], "run `grader build` and commit exercises/"


def test_a_changed_solution_is_out_of_sync(course, tmp_path):
    for folder in ("solutions", "exercises"):
        shutil.copytree(course.root / folder, tmp_path / folder)
    copy = Course(tmp_path)
    nb = copy.read_source("01_the_neuron")
    nb.cells[0].source += "\nOne more sentence."
    nbformat.write(nb, copy.source_path("01_the_neuron"))
    assert out_of_sync(copy) == ["01_the_neuron"]


def test_release_strips_solutions_and_hidden_tests_and_keeps_ids(course):
    for notebook in course.notebook_ids():
        source = course.read_source(notebook)
        check_source(course, notebook)
        released = release_notebook(source)
        text = nbformat.writes(released)
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text and ".probe(" not in text
        assert [c["id"] for c in released.cells] == [c["id"] for c in source.cells]
        assert all(not c.get("outputs") for c in released.cells if c.cell_type == "code")
