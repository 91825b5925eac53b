"""Feedback pages and the class report: what they show, what they never show, and that they render."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.outcomes import NotebookResult, RunStatus, Status, StudentOutput, Submission, Verdict
from grader.report import feedback_html, write_reports

NOTEBOOK = "01_the_neuron"
SECRET_DETAIL = "case0: expected 0.731, got 0.5"


def _result(student: str, status: RunStatus, verdicts: list[tuple[str, Status, float, str]], seconds: float = 3.0,
            outputs: tuple[StudentOutput, ...] = ()) -> NotebookResult:
    path = None if status is RunStatus.MISSING else Path(f"/class/{student}/{NOTEBOOK}.ipynb")
    return NotebookResult(
        Submission(student, NOTEBOOK, path),
        status,
        "stopped after 600 s" if status is RunStatus.TIMEOUT else "",
        tuple(Verdict(q, s, points if s is Status.PASSED else 0.0, points, message, SECRET_DETAIL) for q, s, points, message in verdicts),
        seconds,
        outputs=outputs,
    )


@pytest.fixture
def results() -> list[NotebookResult]:
    wrong = "On a hidden input, your answer returned a different value."
    return [
        _result("ada", RunStatus.COMPLETED, [("q1_sum", Status.PASSED, 2, "Correct."), ("q2_model", Status.PASSED, 4, "Correct.")], 12.0),
        _result("bob", RunStatus.COMPLETED, [("q1_sum", Status.FAILED, 2, wrong), ("q2_model", Status.PASSED, 4, "Correct.")], 8.0,
                (StudentOutput("q1_sum", "answer", "debug: z = 0.5\n"),
                 StudentOutput("q1_sum", "check", "", "CheckFailed: weighted_sum([1, 2], [3, 4], 0) returned 10, but it should return 11."))),
        _result("cy", RunStatus.COMPLETED, [("q1_sum", Status.FAILED, 2, wrong), ("q2_model", Status.NOT_ATTEMPTED, 4, "You have not answered this question yet.")]),
        _result("dee", RunStatus.TIMEOUT, [("q1_sum", Status.TIMEOUT, 2, "The notebook stopped."), ("q2_model", Status.TIMEOUT, 4, "The notebook stopped.")], 600.0),
        _result("eve", RunStatus.MISSING, [("q1_sum", Status.MISSING, 2, "No notebook was handed in."), ("q2_model", Status.MISSING, 4, "No notebook was handed in.")], 0.0),
    ]


def test_feedback_shows_points_messages_and_the_students_own_outputs(results):
    page = feedback_html(results[1])
    assert "0&nbsp;/&nbsp;2" in page and "4&nbsp;/&nbsp;4" in page and "4 / 6" in page
    assert "your answer returned a different value" in page
    assert "debug: z = 0.5" in page and "returned 10, but it should return 11" in page


def test_feedback_hides_instructor_details_unless_asked(results):
    assert SECRET_DETAIL not in feedback_html(results[1])
    assert "expected 0.731" not in feedback_html(results[1])
    assert SECRET_DETAIL in feedback_html(results[1], show_details=True)


def test_feedback_escapes_what_students_print(results):
    evil = _result("mal", RunStatus.COMPLETED, [("q1_sum", Status.FAILED, 2, "x")], outputs=(StudentOutput("q1_sum", "answer", "<script>alert(1)</script>"),))
    page = feedback_html(evil)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_class_report_has_every_section_and_plot(results, tmp_path):
    report = write_reports(results, tmp_path)
    text = report.read_text()
    for png in ("scores.png", "pass_rate.png", "run_statuses.png", "slowest.png"):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"src='{png}'" in text
    assert "Most common problems" in text and "your answer returned a different value" in text
    assert "dee" in text and "stopped after 600 s" in text  # the timeout is listed
    assert "01_the_neuron:q1_sum" in text and "25%" in text  # 1 of the 4 handed-in submissions passed q1
    assert SECRET_DETAIL not in text
    assert (tmp_path / "grades.csv").read_text().startswith("student,notebook,question,score,max_score,status")
    assert (tmp_path / "feedback" / "bob" / f"{NOTEBOOK}.html").exists()


def test_class_report_of_an_empty_class_still_renders(tmp_path):
    text = write_reports([], tmp_path).read_text()
    assert "Class report" in text and (tmp_path / "scores.png").exists()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def test_class_report_renders_in_headless_chromium(results, tmp_path):
    assert CHROMIUM, "Debian's chromium is needed for this test: `make test` installs it (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    report = write_reports(results, tmp_path / "out")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(report.as_uri())
            page.wait_for_load_state("load")
            images = page.evaluate("Array.from(document.images).map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])")
            headings = page.locator("h2").all_inner_texts()
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert len(images) == 4 and all(complete and width > 100 for _, complete, width in images), images
    assert {"Scores", "Questions", "Most common problems", "Runs that stopped early", "Slowest notebooks"} <= set(headings)
    assert (tmp_path / "report.png").stat().st_size > 20_000
    print(f"screenshot: {tmp_path / 'report.png'}")
