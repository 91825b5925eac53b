"""A one-question nbgrader course with no imports at all, and a class of answers to it: each submission costs a kernel start, nothing more.

    from tiny_course import tiny_class
    folder = tiny_class(tmp_path, "91_add", ["def add(a, b):\\n    return a + b", None])
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from grader.sample_class import make_submission

_META = {"grade": False, "solution": False, "locked": False, "task": False, "schema_version": 3}
HIDDEN_TEST = "assert add(1, 2) == 3\n### BEGIN HIDDEN TESTS\nassert add(-2, 2) == 0\n### END HIDDEN TESTS"


def tiny_class(root: Path, notebook: str, answers: list[str | None], test: str = HIDDEN_TEST, points: int = 2) -> Path:
    """Write the course (solutions/ and exercises/) under ``root`` and one student per answer under ``root/class``.

    The question asks for ``add(a, b)``; ``None`` hands in the released notebook unanswered.
    Returns the class folder (students ``s00``, ``s01``, ...).
    """
    from grader.build import write_exercises
    from grader.course import Course

    v4 = nbformat.v4
    answer = v4.new_code_cell("def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION", id="add-answer")
    answer.metadata["nbgrader"] = {**_META, "solution": True, "grade_id": "add-answer"}
    check = v4.new_code_cell(test, id="test_add")
    check.metadata["nbgrader"] = {**_META, "grade": True, "locked": True, "points": points, "grade_id": "test_add"}
    (root / "solutions").mkdir(parents=True)
    kernelspec = {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    nbformat.write(v4.new_notebook(cells=[answer, check], metadata=kernelspec), root / "solutions" / f"{notebook}.ipynb")
    course = Course(root)
    write_exercises(course)
    source, released = course.read_source(notebook), course.read_released(notebook)
    for index, code in enumerate(answers):
        nb = make_submission(source, released, {"add-answer": code} if code else {})
        (root / "class" / f"s{index:02d}").mkdir(parents=True)
        nbformat.write(nb, root / "class" / f"s{index:02d}" / f"{notebook}.ipynb")
    return root / "class"
