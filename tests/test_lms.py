"""LMS downloads (Canvas, Moodle) mapped to students, a roster that names absentees, and the export."""

from __future__ import annotations

import csv
import zipfile

import nbformat
import pytest

from grader.grade import grade_class
from grader.lms import LmsError, arrange, lms_pattern, read_roster, student_file
from grader.sample_class import NOTEBOOK, make_submission, solution_answers


@pytest.mark.parametrize(
    ("name", "lms", "expected"),
    [
        ("smithjane_4242_998_01_the_neuron.ipynb", "canvas", ("4242", "01_the_neuron.ipynb")),
        ("smithjane_LATE_4242_998_01_the_neuron-1.ipynb", "canvas", ("4242", "01_the_neuron-1.ipynb")),
        ("Jane Smith_1234_assignsubmission_file_/01_the_neuron.ipynb", "moodle", ("1234", "01_the_neuron.ipynb")),
        ("Jane Smith_1234_assignsubmission_file_01_the_neuron (2).ipynb", "moodle", ("1234", "01_the_neuron (2).ipynb")),
        ("01_the_neuron.ipynb", "canvas", None),
        ("group7__01_the_neuron.ipynb", r"^(?P<student>[a-z0-9]+)__(?P<file>.+)$", ("group7", "01_the_neuron.ipynb")),
    ],
)
def test_file_names_map_to_students(name, lms, expected):
    assert student_file(name, lms) == expected


def test_a_pattern_without_the_named_groups_is_refused_with_what_to_do():
    with pytest.raises(LmsError, match=r"\(\?P<student>"):
        lms_pattern(r"^(\d+)_(.+)$")
    with pytest.raises(LmsError, match="not a valid regular expression"):
        lms_pattern("(?P<student>")


def test_roster_columns_are_found_by_their_usual_names(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("SIS User ID,Student,Email Address\n4242,Jane Smith,jane@example.edu\n77,Li Wei,\n", encoding="utf-8")
    entries = read_roster(roster)
    assert entries["4242"].name == "Jane Smith" and entries["4242"].email == "jane@example.edu"
    assert entries["77"].email == ""
    roster.write_text("who,mail\nx,y\n")
    with pytest.raises(LmsError, match="no student id column"):
        read_roster(roster)


def test_arrange_lays_a_canvas_zip_out_per_student_and_reports_strays(tmp_path):
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("smithjane_4242_998_01_the_neuron.ipynb", "{}")
        zf.writestr("weili_LATE_77_999_01_the_neuron-2.ipynb", "{}")
        zf.writestr("notes.txt", "not a submission")
        zf.writestr("../escape_1_2_x.ipynb", "{}")
    arranged = arrange(archive, tmp_path / "class", "canvas", students=["4242", "77", "500"])
    assert (arranged.class_dir / "4242" / "01_the_neuron.ipynb").exists()
    assert (arranged.class_dir / "77" / "01_the_neuron-2.ipynb").exists()
    assert (arranged.class_dir / "500").is_dir()  # on the roster, handed nothing in
    assert arranged.unmatched == ("notes.txt",)
    assert not (tmp_path / "escape_1_2_x.ipynb").exists()


@pytest.mark.slow
def test_grading_a_canvas_download_with_a_roster_names_everyone(course, config, tmp_path):
    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("smithjane_4242_998_01_the_neuron.ipynb", nbformat.writes(make_submission(source, released, solution_answers(source))))
        zf.writestr("weili_LATE_77_999_01_the_neuron-1.ipynb", nbformat.writes(released))
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,email\n4242,Jane Smith,jane@example.edu\n77,Li Wei,li@example.edu\n500,Sam Absent,sam@example.edu\n")
    lines = []
    results = grade_class(archive, tmp_path / "out", config.with_overrides(lms="canvas"), roster=roster, progress=lines.append)
    scores = {r.submission.student: (r.score, r.status.value) for r in results}
    assert scores["4242"] == (10, "completed") and scores["77"] == (0, "completed") and scores["500"][1] == "missing"
    with (tmp_path / "out" / "lms_export.csv").open() as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert rows["4242"]["name"] == "Jane Smith" and rows["4242"]["email"] == "jane@example.edu" and rows["4242"]["score"] == "10"
    assert rows["500"]["missing"] == "yes" and rows["77"]["missing"] == ""
    assert any("Sam Absent" in line and "missing" in line for line in lines)
