"""A class handed in as a zip: traversal, links and bombs are refused per file; the rest is graded."""

import stat
import zipfile

import nbformat
import pytest

from grader.grade import grade_class
from grader.sample_class import make_submission, solution_answers
from grader.unzip import BadArchive, unpack_class

NOTEBOOK = "02_activations_and_losses"


def add_symlink(zf, name, target):
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    zf.writestr(info, target)


def write_zip(path, correct_text):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"ann/{NOTEBOOK}.ipynb", correct_text)
        zf.writestr(f"bomb/{NOTEBOOK}.ipynb", b"0" * (60 * 1024 * 1024))
        zf.writestr(f"../escaped/{NOTEBOOK}.ipynb", correct_text)
        zf.writestr("/abs/evil.ipynb", correct_text)
        add_symlink(zf, f"linky/{NOTEBOOK}.ipynb", "/etc/passwd")


def test_unpack_refuses_what_could_hurt(tmp_path):
    archive = tmp_path / "class.zip"
    write_zip(archive, "{}")
    dest = tmp_path / "dest"
    problems = unpack_class(archive, dest)
    assert (dest / "ann" / f"{NOTEBOOK}.ipynb").read_text() == "{}"
    assert "zip bomb" in problems[dest / "bomb" / f"{NOTEBOOK}.ipynb"]
    assert not (tmp_path / "escaped").exists() and not (dest / "abs").exists()
    assert (dest / "linky" / f"{NOTEBOOK}.ipynb").read_bytes() == b""
    assert "symbolic link" in problems[dest / "linky" / f"{NOTEBOOK}.ipynb"]


def test_not_a_zip_is_a_clear_error(tmp_path):
    (tmp_path / "x.zip").write_text("hello")
    with pytest.raises(BadArchive):
        unpack_class(tmp_path / "x.zip", tmp_path / "dest")


@pytest.mark.slow
def test_a_zipped_class_is_graded_and_bad_members_get_a_status(course, config, tmp_path):
    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    correct = nbformat.writes(make_submission(source, released, solution_answers(source)))
    archive = tmp_path / "class.zip"
    write_zip(archive, correct)
    results = {r.submission.student: r for r in grade_class(archive, tmp_path / "out", config)}
    assert results["ann"].score == 11
    assert results["bomb"].status.value == "invalid" and "zip bomb" in results["bomb"].message
    assert results["linky"].status.value == "invalid" and "symbolic link" in results["linky"].message
    assert not (tmp_path / "escaped").exists()
