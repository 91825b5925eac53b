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
