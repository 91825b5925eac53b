"""Every question lists what its text asks for, and every requirement has a hidden check.

A question's grade must mean what the question says. So each question module
states its requirements as data (`keras_course.question.Requirement`), each hidden
probe names the requirements it checks (``covers``), and the question's text in
the instructor's notebook states each requirement word for word, so the text
and the list cannot drift apart.
"""

import re

import nbformat
import pytest
from conftest import ROOT

from grader.course import Course

COURSE = Course(ROOT)
QUESTIONS = [
    (notebook, question)
    for notebook in COURSE.notebook_ids()
    for question in COURSE.exercise(notebook).questions
]


def _words(text: str) -> str:
    """Text with markdown emphasis and code ticks dropped and white space folded, for comparing."""
    return re.sub(r"\s+", " ", re.sub(r"[*`_]", "", text)).strip().lower()


def _markdown(notebook: str) -> str:
    cells = nbformat.read(ROOT / "solutions" / f"{notebook}.ipynb", as_version=4).cells
    return _words(" ".join(cell.source for cell in cells if cell.cell_type == "markdown"))


@pytest.mark.parametrize(("notebook", "question"), QUESTIONS, ids=lambda v: getattr(v, "id", v))
def test_every_requirement_has_a_hidden_check(notebook, question):
    assert question.probes, f"{notebook} {question.id}: no hidden probe decides this question"
    assert question.requirements, f"{notebook} {question.id}: list the requirements its text states"
    ids = [r.id for r in question.requirements]
    assert len(ids) == len(set(ids)), f"{notebook} {question.id}: requirement ids repeat: {ids}"
    covered = {requirement for probe in question.probes for requirement in probe.covers}
    unchecked = [r.id for r in question.requirements if r.id not in covered]
    assert not unchecked, f"{notebook} {question.id}: no hidden probe covers {unchecked}"
    unknown = sorted(covered - set(ids))
    assert not unknown, f"{notebook} {question.id}: probes cover requirements the question does not list: {unknown}"
    for probe in question.probes:
        assert probe.covers, f"{notebook} {question.id}: a {type(probe).__name__} covers no requirement"


@pytest.mark.parametrize(("notebook", "question"), QUESTIONS, ids=lambda v: getattr(v, "id", v))
def test_question_text_states_every_requirement(notebook, question):
    text = _markdown(notebook)
    missing = [r.text for r in question.requirements if _words(r.text) not in text]
    assert not missing, f"{notebook} {question.id}: the notebook's text does not state: {missing}"
