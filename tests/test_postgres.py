"""`--db URL`: the gradebook on a real PostgreSQL server (Debian's packages, loopback), read back by nbgrader."""

from __future__ import annotations

import nbformat
import pytest
from postgres import running_postgres

from grader.cli import main
from grader.sample_class import NOTEBOOK, make_submission, solution_answers

pytestmark = pytest.mark.slow


def test_grader_grade_writes_scores_into_postgresql_that_nbgrader_reads(course, tmp_path, capsys):
    from nbgrader.api import Gradebook

    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    for student, nb in {"correct": make_submission(source, released, solution_answers(source)), "blank": released}.items():
        (tmp_path / "class" / student).mkdir(parents=True)
        nbformat.write(nb, tmp_path / "class" / student / f"{NOTEBOOK}.ipynb")
    with running_postgres() as url:
        argv = ["grade", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--db", url, "--course", str(course.root)]
        assert main(argv) == 0, capsys.readouterr().err
        with Gradebook(url) as gradebook:
            assert gradebook.find_submission_notebook(NOTEBOOK, NOTEBOOK, "correct").score == 10
            assert gradebook.find_submission_notebook(NOTEBOOK, NOTEBOOK, "blank").score == 0
            assert sorted(s.id for s in gradebook.students) == ["blank", "correct"]
    assert not (tmp_path / "out" / "gradebook.db").exists(), "with --db, no SQLite gradebook is made"
