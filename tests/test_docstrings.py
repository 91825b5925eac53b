"""Every module of both packages (grader/ and keras_course/) has its docstring examples run; an example that cannot run here says why."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import grader
import keras_course

MODULES = sorted(
    m.name
    for package in (grader, keras_course)
    for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
    if not m.name.endswith("__main__")
)

# Modules whose examples are shown but not run (``# doctest: +SKIP``), and why: each needs what a
# unit test cannot make in a second (a course, a graded class, a sandbox, a trained model).
SKIPPED_BECAUSE = {
    "grader.audit": "grades attack notebooks in the sandbox",
    "grader.build": "runs a course's solutions to build its keys",
    "grader.buildstate": "reads a course's solutions and keys",
    "grader.cli": "prints the whole help",
    "grader.course": "reads a course folder",
    "grader.grade": "grades a class",
    "grader.jobs": "runs a student's notebook",
    "grader.judge": "needs an executed notebook and its key",
    "grader.kernelwatch": "runs only in a kernel the grader started",
    "grader.ledger": "needs a graded notebook's result",
    "grader.modelscore": "starts a scorer process with TensorFlow",
    "grader.mutate.analysis": "grades a course's mutants",
    "grader.mutate.equivalents": "reads a course's mutant file",
    "grader.mutate.mutants": "reads a course's solution",
    "grader.nbgrader_folders": "needs graded results",
    "grader.normalize": "needs a student's, the source and the released notebook",
    "keras_course.projects.reviews": "reads the IMDB download",
    "grader.publish": "writes a course's student bundle",
    "grader.record": "needs graded results and a gradebook",
    "grader.rehearsal": "runs a notebook",
    "grader.report": "needs graded results",
    "grader.report.classreport": "needs graded results",
    "grader.report.feedback": "needs graded results",
    "grader.report.similarity": "needs a class's notebooks",
    "grader.sample_class": "writes a class from a course",
    "grader.similarity": "needs a class's notebooks",
    "grader.similarity.answers": "needs a class's notebooks",
    "grader.similarity.compare": "needs a class's notebooks",
    "keras_course.transfer": "trains the pretrained backbone",
    "grader.warm": "starts the warm-kernel server in bubblewrap",
    "grader.workers": "runs students' notebooks",
}


def _skipped(module) -> int:
    return sum(bool(example.options.get(doctest.SKIP)) for test in doctest.DocTestFinder().find(module) for example in test.examples)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    failed, _ = doctest.testmod(module, verbose=False, report=True)
    assert failed == 0
    if _skipped(module):
        assert name in SKIPPED_BECAUSE, f"{name} skips a docstring example: make it run, or say why in SKIPPED_BECAUSE"
    else:
        assert name not in SKIPPED_BECAUSE, f"{name} no longer skips an example: drop it from SKIPPED_BECAUSE"
