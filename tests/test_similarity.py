"""Similar submissions: copies found through renaming, reordering, comments and new literals; independent work left alone."""

from __future__ import annotations

import csv
import random

import nbformat
import pytest

from grader.outcomes import NotebookResult, RunStatus, Submission
from grader.report import write_reports
from grader.sample_class import make_submission
from grader.similarity import SimilaritySettings, StudentAnswers, compare_answers, similarity_report
from grader.similarity.answers import answer_cells, released_code
from grader.similarity.compare import answer_prints
from grader.similarity.tokens import code_units
from tests.similarity_class import NOTEBOOK, independent_answers, literals_changed, renamed, reordered

INDEPENDENT = 37


@pytest.fixture(scope="module")
def notebooks(course):
    return course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)


def planted_class(seed: int) -> tuple[dict[str, dict[str, str]], set[tuple[str, str]]]:
    """37 independent students and 3 copies of three of them: renamed, reordered, and all changes at once."""
    rng = random.Random(seed)
    cls = {f"s{i:02d}": independent_answers(rng) for i in range(INDEPENDENT)}
    with_helper = next(s for s, a in cls.items() if "def shifted" in a.get("q2-answer", "") and s not in ("s03", "s20"))
    cls["copy_renamed"] = renamed(cls["s03"])
    cls["copy_reordered"] = reordered(cls[with_helper])
    cls["copy_everything"] = literals_changed(renamed(reordered(cls["s20"])))
    planted = {("copy_renamed", "s03"), ("copy_reordered", with_helper), ("copy_everything", "s20")}
    return cls, planted


def compare(cls: dict[str, dict[str, str]], notebooks) -> tuple[set[tuple[str, str]], object]:
    source, released = notebooks
    answers = [StudentAnswers(s, answer_cells(make_submission(source, released, a), source, released)) for s, a in cls.items()]
    similar = compare_answers(NOTEBOOK, answers, released_code(released))
    return {tuple(sorted((p.student_a, p.student_b))) for p in similar.pairs}, similar


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_planted_pair_is_reported_and_no_independent_pair(seed, notebooks):
    cls, planted = planted_class(seed)
    assert len(cls) == 40
    flagged, similar = compare(cls, notebooks)
    assert flagged == {tuple(sorted(p)) for p in planted}
    assert len(similar.clusters) == 3 and all(len(c) == 2 for c in similar.clusters)
    assert all(p.fragments for p in similar.pairs)


def test_renaming_comments_and_literals_leave_the_tokens_unchanged():
    original = "def f(x, w):\n    total = 0.0\n    for v in x:\n        total += v * w\n    return total\n"
    disguised = (
        'def f(x, w):\n    """Sum it up."""\n    acc = -1e-3  # start\n\n    for item in x:  # every row\n'
        "        acc += item * w\n    return acc\n"
    )
    assert [[t.text for t in u] for u in code_units(original)] == [[t.text for t in u] for u in code_units(disguised)]


def test_reordered_functions_keep_their_fingerprints():
    first = "def helper(a):\n    out = [a * 2 for _ in range(3)]\n    return sum(out) + len(out) * 4\n"
    second = "def main(v):\n    result = helper(v) - helper(v + 1)\n    return {'r': result, 'twice': result * 2}\n"
    prints = answer_prints([_cell(first + "\n\n" + second)], SimilaritySettings(k=8, w=3))
    swapped = answer_prints([_cell(second + "\n# then\n" + first)], SimilaritySettings(k=8, w=3))
    assert set(prints) == set(swapped)


def test_short_answers_where_everyone_converges_are_not_flagged(notebooks):
    rng = random.Random(7)
    cls = {}
    for i in range(30):  # everyone answers the short questions only: the same few lines, names aside
        answers = independent_answers(rng, skip_rate=0.0)
        cls[f"s{i:02d}"] = {q: answers[q] for q in ("q4-answer", "q5-answer")}
    flagged, similar = compare(cls, notebooks)
    assert flagged == set()


def test_a_copy_ring_is_one_cluster(notebooks):
    rng = random.Random(3)
    cls = {f"s{i:02d}": independent_answers(rng) for i in range(12)}
    cls["ring1"], cls["ring2"] = renamed(cls["s05"]), literals_changed(cls["s05"])
    flagged, similar = compare(cls, notebooks)
    assert ("ring1", "s05") in flagged and ("ring2", "s05") in flagged
    assert ("ring1", "ring2", "s05") in similar.clusters


def test_class_files_give_similarity_csv_and_a_report_section_students_never_see(course, notebooks, tmp_path):
    source, released = notebooks
    cls, planted = planted_class(0)
    submissions, results = [], []
    for student, answers in cls.items():
        path = tmp_path / "class" / student / f"{NOTEBOOK}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(make_submission(source, released, answers), path)
        sub = Submission(student, NOTEBOOK, path)
        submissions.append(sub)
        results.append(NotebookResult(sub, RunStatus.COMPLETED, ""))
    submissions.append(Submission("absent", NOTEBOOK, None))
    (tmp_path / "class" / "s00" / "broken.ipynb").write_text("{not json")
    submissions.append(Submission("broken", NOTEBOOK, tmp_path / "class" / "s00" / "broken.ipynb"))

    similar = similarity_report(submissions, course)
    out = tmp_path / "out"
    write_reports(results, out, similar=similar)

    with (out / "similarity.csv").open() as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["notebook", "student_a", "student_b", "score", "shared_lines"]
    assert {tuple(sorted(r[1:3])) for r in rows[1:]} == {tuple(sorted(p)) for p in planted}
    assert all(r[0] == NOTEBOOK and float(r[3]) >= 0.7 and "answer:" in r[4] for r in rows[1:])
    report = (out / "report.html").read_text()
    assert "<h2>Similar submissions</h2>" in report and "copy_everything" in report
    assert "<pre>def " in report  # the shared code itself, side by side
    feedback = {p: p.read_text() for p in out.rglob("*.html") if p.name != "report.html"}
    assert feedback and not any("Similar" in page or "s03" in page for p, page in feedback.items() if "s03" not in str(p))


def _cell(source: str):
    from grader.similarity import AnswerCell

    return AnswerCell("q", source)
