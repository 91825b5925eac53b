"""House rules every lesson and exercise keeps, now and as new ones are added."""

import re
import tomllib

import nbformat
import pytest
from conftest import ROOT

from grader.course import Course
from keras_course.colab import setup_cell_source

REPOSITORY = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
NOTEBOOKS = sorted(ROOT.glob("lessons/*.ipynb")) + sorted(ROOT.glob("solutions/*.ipynb")) + sorted(ROOT.glob("exercises/*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_colab_badge_and_setup_cell_use_the_repository_url_from_pyproject(path):
    nb = nbformat.read(path, as_version=4)
    slug = REPOSITORY.removeprefix("https://github.com/")
    folder = "exercises" if path.parent.name == "solutions" else path.parent.name  # a source is released as its exercise
    badge = f"https://colab.research.google.com/github/{slug}/blob/main/{folder}/{path.name}"
    assert badge in nb.cells[0].source
    setup = next(c for c in nb.cells if c.cell_type == "code")
    assert setup.source == setup_cell_source(REPOSITORY), "the first code cell is keras_course.colab's setup cell (it also says whether a GPU is in use)"
    assert f"git+{REPOSITORY}" in setup.source
    code = "\n".join(line for line in setup.source.lower().splitlines() if not line.lstrip().startswith("#"))
    assert "tensorflow" not in code and not re.search(r"[\"' ]keras[\"'<>=\[ ]", code), "never reinstall TensorFlow or Keras in Colab"


@pytest.mark.parametrize("notebook", Course(ROOT).notebook_ids())
def test_every_question_has_a_hint_and_a_visible_check(notebook):
    for question in Course(ROOT).exercise(notebook).questions:
        assert question.hints, f"{notebook}: {question.id} has no hint"
        assert question.checks, f"{notebook}: {question.id} has no visible check"


@pytest.mark.parametrize("path", sorted(ROOT.glob("lessons/*.ipynb")), ids=lambda p: p.name)
def test_lessons_link_their_exercise(path):
    text = "".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    assert f"exercises/{path.name}" in text
    assert (ROOT / "exercises" / path.name).exists()


def test_no_notebook_reads_files_by_a_repository_path():
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                assert "../" not in cell.source and str(ROOT) not in cell.source, f"{path.name}: {cell.get('id')}"


def test_repository_url_is_set_once():
    assert REPOSITORY.startswith("https://github.com/")
    assert (ROOT / "keras_course" / "colab.py").read_text().count(REPOSITORY) == 1, "the student side states it"
    assert REPOSITORY not in (ROOT / "grader" / "config.py").read_text(), "the instructor side imports it"


def test_exercise_modules_define_no_classes_of_their_own():
    """Check and probe kinds live in keras_course/checks.py and keras_course/probes.py, one place each, not in an exercise."""
    import ast

    for path in sorted((ROOT / "keras_course" / "exercises").glob("*.py")):
        tree = ast.parse(path.read_text())
        classes = [node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
        assert not classes, f"{path.name} defines {classes}: make it a kind in keras_course/probes.py or keras_course/checks.py"


def test_every_held_out_set_a_question_names_is_in_the_one_table():
    """Held-out generators live on the instructor side, in grader/heldout_sets/'s table, not in exercise modules."""
    from grader.heldout_sets import HELDOUT_SETS, generator
    from keras_course.exercises import load_exercise
    from keras_course.probes import ModelProbe

    named = set()
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        for question in load_exercise(path.stem).questions:
            named |= {probe.heldout for probe in question.probes if isinstance(probe, ModelProbe)}
    assert named, "no question names a held-out set"
    assert named <= set(HELDOUT_SETS), f"missing from grader/heldout_sets/__init__.py: {sorted(named - set(HELDOUT_SETS))}"
    assert set(HELDOUT_SETS) == named, f"held-out sets no question uses: {sorted(set(HELDOUT_SETS) - named)}"
    assert all(generator(name).__name__ == name for name in named)
