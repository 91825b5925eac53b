"""Ingest finds every student's notebook, by metadata or by a mangled file name."""

import json

from grader.ingest import ingest, match_name

NOTEBOOKS = ["01_the_neuron", "02_activations_and_losses"]


def notebook(metadata=None):
    return json.dumps({"cells": [], "metadata": metadata or {}, "nbformat": 4, "nbformat_minor": 5})


def test_mangled_names_match():
    assert match_name("01_the_neuron (2).ipynb", NOTEBOOKS) == "01_the_neuron"
    assert match_name("Copy of 02_activations_and_losses.ipynb", NOTEBOOKS) == "02_activations_and_losses"
    assert match_name("02-Activations and Losses.ipynb", NOTEBOOKS) == "02_activations_and_losses"
    assert match_name("03_cnn.ipynb", NOTEBOOKS) is None
    assert match_name("homework.ipynb", NOTEBOOKS) is None


def test_plain_folders_nbgrader_layout_metadata_and_missing(tmp_path):
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / "01_the_neuron.ipynb").write_text(notebook())
    (tmp_path / "bob" / "01_the_neuron").mkdir(parents=True)  # nbgrader's submitted/<student>/<assignment>/
    (tmp_path / "bob" / "01_the_neuron" / "01_the_neuron.ipynb").write_text(notebook())
    (tmp_path / "cy").mkdir()
    (tmp_path / "cy" / "my homework.ipynb").write_text(notebook({"keras_course": {"exercise": "01_the_neuron"}}))
    (tmp_path / "dee").mkdir()
    (tmp_path / "dee" / "notes.txt").write_text("nothing here")
    found = {(s.student, s.notebook): s for s in ingest(tmp_path, NOTEBOOKS)}
    assert set(found) == {("ann", "01_the_neuron"), ("bob", "01_the_neuron"), ("cy", "01_the_neuron"), ("dee", "01_the_neuron")}
    assert found[("cy", "01_the_neuron")].path.name == "my homework.ipynb"
    assert found[("dee", "01_the_neuron")].path is None


def test_symlinks_are_not_followed(tmp_path):
    (tmp_path / "eve").mkdir()
    secret = tmp_path / "secret.ipynb"
    secret.write_text(notebook())
    (tmp_path / "eve" / "01_the_neuron.ipynb").symlink_to(secret)
    (tmp_path / "fay").mkdir()
    (tmp_path / "fay" / "01_the_neuron.ipynb").write_text(notebook())
    found = {(s.student, s.notebook): s for s in ingest(tmp_path, NOTEBOOKS)}
    assert found[("eve", "01_the_neuron")].path is None


def test_grader_processes_validate_notebooks_without_the_iri_parser(tmp_path):
    """`grader/__init__.py` keeps jsonschema from building its IRI-format parser (a second per process); notebook
    validation, which never uses those formats, still accepts a good notebook and rejects a bad one."""
    import subprocess
    import sys

    script = """
import sys, grader, nbformat
good = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
nbformat.validate(good)
bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
bad.cells[0].source = 1
try:
    nbformat.validate(bad)
    print("bad notebook accepted")
except nbformat.ValidationError:
    print("bad notebook rejected")
print("rfc3987_syntax imported:", sys.modules.get("rfc3987_syntax") is not None)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert out.splitlines() == ["bad notebook rejected", "rfc3987_syntax imported: False"]
