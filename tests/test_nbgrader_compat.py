"""An ordinary nbgrader assignment (plain asserts, no probes) is graded in the sandbox and flagged as in-kernel."""

import nbformat
import pytest

from grader.build import write_exercises
from grader.course import Course
from grader.grade import grade_class
from grader.sample_class import make_submission

pytestmark = pytest.mark.slow
NOTEBOOK = "90_plain_asserts"


def nbgrader_cell(cell, grade_id, **flags):
    cell["id"] = grade_id
    cell.metadata["nbgrader"] = {"grade": False, "solution": False, "locked": False, "task": False,
                                 "schema_version": 3, "grade_id": grade_id, **flags}
    return cell


def plain_assignment():
    v4 = nbformat.v4
    return v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        cells=[
            nbgrader_cell(v4.new_markdown_cell("# Add two numbers"), "intro", locked=True),
            nbgrader_cell(v4.new_code_cell("def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION"), "add-answer", solution=True),
            nbgrader_cell(
                v4.new_code_cell("assert add(1, 2) == 3\n### BEGIN HIDDEN TESTS\nassert add(-2, 2) == 0\n### END HIDDEN TESTS"),
                "test_add", grade=True, locked=True, points=2,
            ),
        ],
    )


@pytest.fixture(scope="module")
def graded(config, tmp_path_factory):
    root = tmp_path_factory.mktemp("plain")
    (root / "solutions").mkdir()
    nbformat.write(plain_assignment(), root / "solutions" / f"{NOTEBOOK}.ipynb")
    course = Course(root)
    write_exercises(course)
    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    answers = {
        "right": "def add(a, b):\n    return a + b",
        "wrong": "def add(a, b):\n    return a * b",
        "tamperer": "get_ipython().set_custom_exc((AssertionError,), lambda *a, **k: None)\ndef add(a, b):\n    return 0",
        "blank": None,
    }
    for student, answer in answers.items():
        nb = make_submission(source, released, {"add-answer": answer} if answer else {})
        (root / "class" / student).mkdir(parents=True)
        nbformat.write(nb, root / "class" / student / f"{NOTEBOOK}.ipynb")
    results = grade_class(root / "class", root / "out", config.with_overrides(course=root))
    return {r.submission.student: r for r in results}, root / "out"


def test_plain_asserts_are_graded_in_the_sandbox(graded):
    results, _ = graded
    assert results["right"].score == 2
    assert results["wrong"].score == 0
    assert results["blank"].score == 0 and results["blank"].verdicts[0].status.value == "not_attempted"


def test_in_kernel_verdicts_are_flagged_because_they_can_be_tampered_with(graded):
    results, out = graded
    assert all(v.in_kernel for r in results.values() for v in r.verdicts)
    assert results["tamperer"].score == 2  # exactly why the report warns
    report = (out / "report.html").read_text()
    assert "Decided inside the student" in report and "90_plain_asserts: test_add" in report
