"""The command line: exit codes, the sandbox requirement, the student's rehearsal."""

import shutil

import nbformat
import pytest

from grader.cli import main
from grader.sample_class import NOTEBOOK, make_submission, solution_answers


def test_usage_errors_exit_2(capsys):
    assert main(["grade"]) == 2
    assert main(["no-such-command"]) == 2


def test_grade_refuses_without_bubblewrap_and_says_how_to_fix(tmp_path, monkeypatch, capsys, course):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    (tmp_path / "class").mkdir()
    code = main(["grade", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--course", str(course.root)])
    err = capsys.readouterr().err
    assert code == 3
    assert "ERROR:" in err and "apt-get install bubblewrap" in err and "--no-sandbox" in err


def test_check_rehearses_a_students_notebook(course, tmp_path, capsys):
    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    answers = solution_answers(source)
    del answers["q4-answer"]
    path = tmp_path / f"{NOTEBOOK}.ipynb"
    nbformat.write(make_submission(source, released, answers), path)
    assert main(["check", str(path), "--course", str(course.root)]) == 0
    out = capsys.readouterr().out
    assert "[ok]    q1_weighted_sum" in out and "[ok]    q3_perceptron" in out
    assert "[todo]  q4_logistic_model" in out and "hint:" in out
    assert "Visible checks pass for 6 of 10 points" in out


def test_student_side_works_without_nbgrader():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "class NoNbgrader:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'nbgrader':\n"
        "            raise ImportError('nbgrader is an instructor dependency')\n"
        "sys.meta_path.insert(0, NoNbgrader())\n"
        "import grader.cli.check, keras_course.exercises, keras_course.data\n"
        "from keras_course.exercises import load_exercise\n"
        "print(len(load_exercise('01_the_neuron').questions))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "4"


@pytest.mark.slow
def test_rehearse_from_a_notebook_cell_gives_the_same_report(course, tmp_path):
    from grader.config import load_config
    from grader.rehearsal import RehearsalError, rehearse

    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    path = tmp_path / f"Copy of {NOTEBOOK} (3).ipynb"  # as Colab and browsers rename it
    nbformat.write(make_submission(source, released, solution_answers(source)), path)
    rehearsal = rehearse(path, load_config(course.root))
    assert rehearsal.notebook == NOTEBOOK and rehearsal.points == rehearsal.max_points == 10
    assert "Visible checks pass for 10 of 10 points" in str(rehearsal)
    with pytest.raises(RehearsalError, match="does not exist"):
        rehearse(tmp_path / "nothing.ipynb")
    (tmp_path / "notes.ipynb").write_text("{}")
    with pytest.raises(RehearsalError, match="not one of the course's exercises"):
        rehearse(tmp_path / "notes.ipynb", load_config(course.root))
