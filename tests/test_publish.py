"""`grader publish`: a student bundle with lessons, exercises and the package, and nothing that gives answers away."""

from __future__ import annotations

import ast
import re

import nbformat
import pytest
from conftest import ROOT

from grader.cli import main
from grader.course import Course
from grader.publish import PublishError, publish

STUDENT_REPO = "https://github.com/some-school/dl-course-2027"
_BLOCK = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    dest = tmp_path_factory.mktemp("bundle") / "student"
    publish(Course(ROOT), dest, STUDENT_REPO)
    return dest


def _secret_blocks() -> list[tuple[str, str]]:
    """(notebook, block) for every solution and hidden-test block with real content."""
    blocks = []
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for _, text in _BLOCK.findall(cell.source):
                lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
                if lines:
                    blocks.append((path.name, "\n".join(lines)))
    return blocks


def _normalized(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _without_hints(source: str) -> str:
    """A question module's source with the staged hints blanked: hints are meant to be read."""
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg == "hints":
            for number in range(node.value.lineno - 1, node.value.end_lineno):
                lines[number] = ""
    return "\n".join(lines)


def _later(path, notebook: str) -> bool:
    number = re.match(r"^(?:ex)?(\d\d)_", path.name)
    return bool(number) and int(number.group(1)) > int(notebook[:2])


def _readable(path, bundle) -> str:
    text = path.read_text(errors="ignore")
    if path.suffix == ".py" and "exercises" in path.relative_to(bundle).parts:
        text = _without_hints(text)
    return _normalized(text)


def test_bundle_has_lessons_exercises_and_the_package_but_no_instructor_files(bundle):
    names = {p.name for p in bundle.iterdir()}
    assert {"lessons", "exercises", "grader", "pyproject.toml", "README.md"} <= names
    assert not names & {"solutions", ".grader", "tests", "benchmarks", ".git", ".venv"}
    assert sorted(p.name for p in (bundle / "exercises").glob("*.ipynb")) == sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))
    assert not list(bundle.rglob("*.json")) or all(".grader" not in p.parts and "keys" not in p.parts for p in bundle.rglob("*.json"))
    assert not list(bundle.rglob("secret"))


def test_no_solution_or_hidden_test_text_is_anywhere_in_the_bundle(bundle):
    texts = {p: _readable(p, bundle) for p in bundle.rglob("*") if p.is_file()}
    leaks = [
        (nb, block[:60], str(p.relative_to(bundle)))
        for nb, block in _secret_blocks()
        for p, t in texts.items()
        if block in t and ("\n" in block or p.parent.name != "lessons")  # a lesson may show a one-line formula it teaches
        and not _later(p, nb)  # a later exercise may hand out an earlier answer as given code
    ]
    assert not leaks, leaks
    for path in list(bundle.glob("exercises/*.ipynb")) + list(bundle.glob("lessons/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            assert "BEGIN SOLUTION" not in cell.source and "HIDDEN TESTS" not in cell.source and ".probe(" not in cell.source


def test_badges_and_setup_cells_point_at_the_students_repository(bundle):
    slug = STUDENT_REPO.removeprefix("https://github.com/")
    for path in sorted(bundle.glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert f"colab.research.google.com/github/{slug}/blob/main/{path.parent.name}/{path.name}" in nb.cells[0].source
        setup = next(c for c in nb.cells if c.cell_type == "code")
        assert f"git+{STUDENT_REPO}" in setup.source and "keras-course/keras-course" not in setup.source
    assert STUDENT_REPO in (bundle / "pyproject.toml").read_text()


def test_publish_refuses_a_bad_url_a_full_folder_and_the_course_itself(tmp_path):
    with pytest.raises(PublishError, match="expected a URL"):
        publish(Course(ROOT), tmp_path / "a", "ftp://example.org/x")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(PublishError, match="not empty"):
        publish(Course(ROOT), tmp_path / "full", STUDENT_REPO)
    assert (tmp_path / "full" / "keep.txt").exists()
    with pytest.raises(PublishError, match="inside one of its folders"):
        publish(Course(ROOT), ROOT / "solutions" / "out", STUDENT_REPO)


def test_publish_command_prints_what_it_wrote(tmp_path, capsys):
    assert main(["publish", str(tmp_path / "b"), "--course", str(ROOT), "--repository", STUDENT_REPO]) == 0
    assert "no solutions" in capsys.readouterr().out
    assert main(["publish", str(tmp_path / "b"), "--course", str(ROOT)]) == 2


def test_no_function_in_the_bundle_computes_a_solution_the_same_way(bundle):
    from grader.leaks import find_leaks

    solutions = {p.name: nbformat.read(p, as_version=4) for p in sorted((ROOT / "solutions").glob("*.ipynb"))}
    assert find_leaks(solutions, bundle) == []


RENAMED_BACKWARD = '''
def backprop(weights, saved, targets):
    """Renamed, recommented and reformatted: still exercise 04's answer."""
    inputs, pre, hidden, out = saved
    count = len(inputs)
    d_out = (sigmoid(out) - targets) / count
    g_w2 = hidden.T @ d_out
    g_b2 = d_out.sum(axis=0)
    d_hidden = d_out @ weights["W2"].T
    d_pre = d_hidden * (pre > 0.0)   # a different literal
    g_w1 = inputs.T @ d_pre
    g_b1 = d_pre.sum(axis=0)
    return {"W1": g_w1, "b1": g_b1, "W2": g_w2, "b2": g_b2}
'''


def test_a_renamed_copy_of_a_solution_function_is_found_and_stops_the_publish(tmp_path):
    from grader.leaks import find_leaks

    solutions = {"04_backpropagation.ipynb": nbformat.read(ROOT / "solutions" / "04_backpropagation.ipynb", as_version=4)}
    lessons = tmp_path / "bundle" / "lessons"
    lessons.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(RENAMED_BACKWARD)]), lessons / "04_backpropagation.ipynb")
    leaks = find_leaks(solutions, tmp_path / "bundle")
    assert [(leak.function, leak.where) for leak in leaks] == [("backward", "lessons/04_backpropagation.ipynb:backprop")]
    later = tmp_path / "bundle" / "lessons" / "06_optimizers.ipynb"  # by lesson 06 the student has written it
    (lessons / "04_backpropagation.ipynb").rename(later)
    assert find_leaks(solutions, tmp_path / "bundle") == []
