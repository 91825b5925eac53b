"""Colab, simulated: one exercise alone in an empty folder, the course installed from its wheel, solutions filled in.

Colab ships TensorFlow, Keras, NumPy, scikit-learn, matplotlib and Jupyter; the
setup cell installs only the course package. Here a fresh virtual environment
sees the instructor environment's packages *without the course itself* (as
Colab's preinstalled packages), and the course wheel is installed with
``--no-index``: if it needed anything Colab does not already have, or tried to
reinstall TensorFlow, the install would fail. The exercise then runs outside
the repository, with the solutions filled in, and every visible check passes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

from grader.sample_class import make_submission, solution_answers

pytestmark = pytest.mark.slow
EXERCISES = ["01_the_neuron", "05_first_keras_model", "15_digit_recognition", "16_review_sentiment", "17_price_prediction"]
_COURSE_ITSELF = ("keras_course", "__editable__", "grader")

RUN_NOTEBOOK = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": "."}}).execute()
nbformat.write(nb, sys.argv[2])
"""


def _run(*argv, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{argv[:4]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def colab(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("colab")
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(ROOT / name, source / name)
    for package in ("grader", "keras_course"):  # the instructor side and the student side: one distribution
        if (ROOT / package).is_dir():
            shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", root / "dist", source)
    wheel = next((root / "dist").glob("keras_course-*.whl"))

    preinstalled = root / "preinstalled"  # what Colab already has: everything but the course
    preinstalled.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(_COURSE_ITSELF) and entry.suffix != ".pth":
            (preinstalled / entry.name).symlink_to(entry)
    venv = root / "venv"
    _run(getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    (site / "colab_preinstalled.pth").write_text(f"{preinstalled}\n")
    _run(python, "-m", "pip", "install", "--quiet", "--no-index", "--no-cache-dir", wheel, cwd=root)

    kernel = root / "jupyter" / "kernels" / "python3"
    kernel.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (kernel / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Colab-like", "language": "python"}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JUPYTER", "VIRTUAL_ENV"))}
    env.update(JUPYTER_PATH=str(root / "jupyter"), TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="agg", PATH=f"{venv / 'bin'}:{env.get('PATH', '')}")
    return {"root": root, "python": python, "venv": venv, "site": site, "env": env}


def test_the_course_installs_from_its_wheel_without_reinstalling_anything(colab):
    folder = colab["root"] / "elsewhere"
    folder.mkdir(exist_ok=True)
    student_side = "keras_course"
    script = f"import grader, {student_side} as s, keras; print(grader.__file__); print(s.__file__); print(keras.__file__)"
    location = _run(colab["python"], "-c", script, cwd=folder, env=colab["env"])
    grader_file, student_file, keras_file = location.stdout.split()
    assert Path(grader_file).is_relative_to(colab["site"]), "the course must come from the installed wheel"
    assert Path(student_file).is_relative_to(colab["site"]), "the student side must come from the installed wheel"
    assert "preinstalled" in keras_file, "Keras must stay Colab's own"
    assert not (colab["site"] / "tensorflow").exists() and not (colab["site"] / "keras").exists()


def test_the_wheel_carries_every_data_file_of_the_packages(colab):
    tracked = subprocess.run(["git", "ls-files", "grader", "keras_course"], cwd=ROOT, capture_output=True, text=True, check=True)
    data = [name for name in tracked.stdout.split() if not name.endswith(".py")]
    assert data, "the packages ship data files (the moved digits, the names Keras knows)"
    missing = [name for name in data if not (colab["site"] / name).is_file()]
    assert not missing, f"not in the wheel (add them to [tool.setuptools.package-data] in pyproject.toml): {missing}"


@pytest.mark.parametrize("notebook", EXERCISES)
def test_exercise_alone_with_solutions_passes_its_visible_checks(colab, course, notebook):
    folder = colab["root"] / f"drive-{notebook}"
    folder.mkdir()
    filled = make_submission(course.read_source(notebook), course.read_released(notebook), solution_answers(course.read_source(notebook)))
    nbformat.write(filled, folder / f"{notebook}.ipynb")
    _run(colab["python"], "-c", RUN_NOTEBOOK, f"{notebook}.ipynb", "executed.ipynb", cwd=folder, env=colab["env"], timeout=900)
    executed = nbformat.read(folder / "executed.ipynb", as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, [f"{e.ename}: {e.evalue}" for e in errors]
    text = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert text.count("visible check") == len(course.exercise(notebook).questions), text[-2000:]
    assert "GPU" in text, "the setup cell says whether a GPU is in use"
    rehearsal = _run(colab["venv"] / "bin" / "grader", "check", f"{notebook}.ipynb", "--no-sandbox", cwd=folder, env=colab["env"], timeout=900)
    points = course.exercise(notebook).points
    assert f"Visible checks pass for {points:g} of {points:g} points" in rehearsal.stdout, rehearsal.stdout
