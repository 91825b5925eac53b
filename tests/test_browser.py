"""The student's JupyterLab and the instructor's formgrader, driven in headless Chromium.

A student opens exercise 01 in JupyterLab, runs all cells, asks for a hint and
rehearses grading from a cell; an instructor who keeps nbgrader's tools reads the
grader's gradebook with `nbgrader export` and in formgrader. The browser is
Debian's chromium (playwright never downloads one) and every request that would
leave 127.0.0.1 finds no host, so the tests also show that nothing here needs the network.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from jupyter import JupyterServer

from grader.grade import grade_class
from grader.sample_class import NOTEBOOK, make_submission, solution_answers, write_sample_class
from keras_course.exercises import load_exercise

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic",
                 # Names off this machine resolve to nothing, so a page cannot reach the network.
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
KERNEL_START_MS = 180_000  # a cold kernel on a busy two-core machine
RUN_ALL_MS = 300_000  # exercise 01 trains a one-unit Keras model


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM, "Debian's chromium is needed for this test: `make test` installs it (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def open_page(browser, server: JupyterServer, off_machine: list[str]):
    """A page logged in to ``server``; the URLs it asked for off this machine go into ``off_machine``."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000},
                                  extra_http_headers={"Authorization": f"token {server.token}"})
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.on("request", lambda request: None if request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else off_machine.append(request.url))
    return page


@contextmanager
def failure_shown(page, folder: Path, server: JupyterServer, close: bool = False):
    """Run the block; if it fails, save the page as ``folder/failed.png`` and print the server's log, then re-raise."""
    try:
        yield
    except Exception:
        page.screenshot(path=str(folder / "failed.png"))
        print(f"screenshot of the failure: {folder / 'failed.png'}\n{server.log()}")
        raise
    finally:
        if close:
            page.context.close()


# --- the student: JupyterLab ---------------------------------------------------------------


@dataclass
class Lab:
    server: JupyterServer
    page: object
    home: Path
    off_machine: list[str]


@pytest.fixture(scope="module")
def lab(course, browser, tmp_path_factory):
    """JupyterLab on a student's folder: the released exercises, 01 saved with the solution's answers in it."""
    root = tmp_path_factory.mktemp("student")
    home = root / "home"
    shutil.copytree(course.root / "exercises", home)
    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    nbformat.write(make_submission(source, released, solution_answers(source)), home / f"{NOTEBOOK}.ipynb")
    off_machine: list[str] = []
    with JupyterServer(home, root / "jupyter") as server:
        page = open_page(browser, server, off_machine)
        try:
            yield Lab(server, page, home, off_machine)
        finally:
            page.context.close()


def notebook_cells(page):
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")


def wait_until_idle(page, timeout: float) -> None:
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout)


def run_new_cell(page, code: str):
    """Add a code cell at the end of the open notebook, type ``code`` into it and run it; returns the cell."""
    before = notebook_cells(page).count()
    notebook_cells(page).last.locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    cell = notebook_cells(page).nth(before)
    cell.locator(".cm-content").click()
    page.keyboard.insert_text(code)
    assert cell.locator(".cm-content").inner_text() == code
    page.keyboard.press("Control+Enter")  # run it in place (Shift+Enter would add an empty cell below)
    return cell


ALL_CODE_CELLS_RAN = """() => {
    const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""


@pytest.fixture(scope="module")
def ran_all(lab):
    """Exercise 01 opened as a student would, its kernel started, then Run > Run All Cells."""
    page = lab.page
    with failure_shown(page, lab.home.parent, lab.server):
        page.goto(lab.server.url(f"lab/tree/{NOTEBOOK}.ipynb"))
        wait_until_idle(page, KERNEL_START_MS)
        lab.server.wait_for_one_connected_idle_kernel(KERNEL_START_MS / 1000)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        page.wait_for_function(ALL_CODE_CELLS_RAN, timeout=RUN_ALL_MS, polling=500)
        wait_until_idle(page, RUN_ALL_MS)
    return lab


def outputs(page) -> str:
    return "\n".join(page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output").all_inner_texts())


def test_visible_checks_and_a_hint_render_in_jupyterlab(ran_all, tmp_path):
    page = ran_all.page
    shown = outputs(page)
    for question in load_exercise(NOTEBOOK).questions:
        count = len(question.checks)
        assert f"{question.id}: all {count} visible check{'s' if count != 1 else ''} passed." in shown, shown
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count() == 0
    assert "Traceback" not in shown
    prompts = notebook_cells(page).locator(".jp-InputPrompt").all_inner_texts()
    assert not any("*" in p for p in prompts), prompts  # nothing still queued or running

    first = load_exercise(NOTEBOOK).questions[0]
    cell = run_new_cell(page, f"{first.id.split('_')[0]}.hint()")
    expected = f"Hint 1 of {len(first.hints)} for {first.id}: {first.hints[0]}"
    cell.locator(".jp-OutputArea-output").get_by_text(f"Hint 1 of {len(first.hints)} for {first.id}").wait_for()
    wait_until_idle(page, 60_000)
    assert cell.locator(".jp-OutputArea-output").inner_text().strip() == expected
    cell.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "jupyterlab.png"))
    assert (tmp_path / "jupyterlab.png").stat().st_size > 20_000
    # The only request off this machine is the exercise's "Open in Colab" badge (an image that stays blank).
    assert all(url.startswith("https://colab.research.google.com/assets/") for url in ran_all.off_machine), ran_all.off_machine
    print(f"screenshot: {tmp_path / 'jupyterlab.png'}")


def test_rehearsal_runs_from_a_notebook_cell(ran_all, tmp_path):
    page = ran_all.page
    cell = run_new_cell(page, f'from grader.rehearsal import rehearse; rehearse("{NOTEBOOK}.ipynb")')
    cell.locator(".jp-OutputArea-output").get_by_text("Hidden tests decide the grade.").wait_for(timeout=RUN_ALL_MS)
    text = cell.locator(".jp-OutputArea-output").inner_text()
    exercise = load_exercise(NOTEBOOK)
    assert text.startswith(f"{NOTEBOOK}: ") and "ran to the end" in text.splitlines()[0], text
    for question in exercise.questions:
        assert f"[ok]    {question.id} ({question.points:g} pt): visible checks pass" in text, text
    total = sum(q.points for q in exercise.questions)
    assert f"Visible checks pass for {total:g} of {total:g} points." in text, text
    cell.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "rehearsal.png"))
    print(f"screenshot: {tmp_path / 'rehearsal.png'}")


# --- the instructor: nbgrader export and formgrader on the grader's gradebook ---------------


@dataclass
class GradedClass:
    root: Path  # the folder Jupyter serves: the grader's output folder and the nbgrader config folder are in it
    course_dir: Path  # where nbgrader_config.py is (and `nbgrader export` writes grades.csv)
    totals: dict[str, tuple[float, float]]
    scores: dict[str, dict[str, float]]  # each student's score of each question


@pytest.fixture(scope="module")
def graded_class(course, config, tmp_path_factory) -> GradedClass:
    """The sample class graded by `grader grade`, and an nbgrader config that points at its output folder and gradebook."""
    root = tmp_path_factory.mktemp("instructor")
    write_sample_class(course, root / "class", root / "out")
    results = grade_class(root / "class", root / "out", config)
    course_dir = root / "nbgrader"
    course_dir.mkdir()
    (course_dir / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {str((root / 'out').resolve())!r}\n"
        f"c.CourseDirectory.db_url = {'sqlite:///' + str((root / 'out' / 'gradebook.db').resolve())!r}\n"
        f"c.Exchange.root = {str(course_dir / 'exchange')!r}\n"
    )
    return GradedClass(root, course_dir, {r.submission.student: (r.score, r.max_score) for r in results},
                       {r.submission.student: {v.question: v.score for v in r.verdicts} for r in results})


def test_nbgrader_export_reads_the_graders_gradebook(graded_class):
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "nbgrader"), "export"], cwd=graded_class.course_dir, check=True,
                   capture_output=True, timeout=300)
    with (graded_class.course_dir / "grades.csv").open() as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f) if row["assignment"] == NOTEBOOK}
    assert set(rows) == set(graded_class.totals)
    for student, (score, max_score) in graded_class.totals.items():
        assert float(rows[student]["score"]) == pytest.approx(score), student
        assert float(rows[student]["max_score"]) == pytest.approx(max_score), student


def test_formgrader_lists_the_class_with_the_graders_scores(browser, graded_class, tmp_path):
    off_machine: list[str] = []
    with JupyterServer(graded_class.root, tmp_path / "jupyter", app="server", cwd=graded_class.course_dir) as server:
        page = open_page(browser, server, off_machine)
        with failure_shown(page, tmp_path, server, close=True):
            page.goto(server.url("formgrader/manage_students"))
            page.locator("tbody tr td.score").first.wait_for()
            students = dict(zip(page.locator("tbody tr td.id").all_inner_texts(),
                                page.locator("tbody tr td.score").all_inner_texts(), strict=True))
            page.screenshot(path=str(tmp_path / "formgrader_students.png"), full_page=True)

            # The assignment's gradebook page: the class average of the grader's scores.
            page.goto(server.url(f"formgrader/gradebook/{NOTEBOOK}"))
            page.locator("tbody tr td.avg-score").first.wait_for()
            notebook_rows = page.locator("tbody tr").all_inner_texts()
            page.screenshot(path=str(tmp_path / "formgrader_gradebook.png"), full_page=True)
    expected = {s: f"{score:g} / {max_score:g}" for s, (score, max_score) in graded_class.totals.items()}
    assert students == expected
    scores = [score for score, _ in graded_class.totals.values()]
    average = f"{round(sum(scores) / len(scores), 2):g} / {max(m for _, m in graded_class.totals.values()):g}"
    assert len(notebook_rows) == 1 and notebook_rows[0].split("\t")[:2] == [NOTEBOOK, average], notebook_rows
    assert off_machine == []
    print(f"screenshots: {tmp_path / 'formgrader_students.png'}, {tmp_path / 'formgrader_gradebook.png'}")


def test_formgrader_opens_a_students_submission_with_its_scores(browser, graded_class, tmp_path):
    """The notebook `grader grade` wrote into DIR/autograded/ renders in formgrader, each question with the grader's score."""
    student = "partial"  # some questions right, one wrong
    score, max_score = graded_class.totals[student]
    off_machine: list[str] = []
    with JupyterServer(graded_class.root, tmp_path / "jupyter", app="server", cwd=graded_class.course_dir) as server:
        page = open_page(browser, server, off_machine)
        with failure_shown(page, tmp_path, server, close=True):
            page.goto(server.url(f"formgrader/manage_students/{student}/{NOTEBOOK}"))
            page.locator("tbody tr td.score").first.wait_for()
            listed = page.locator("tbody tr").all_inner_texts()
            page.locator("tbody tr td.name a", has_text=NOTEBOOK).click()

            page.locator(".nbgrader_cell").first.wait_for()
            exercise = load_exercise(NOTEBOOK)
            for question in exercise.questions:  # the grades arrive from formgrader's API once the page has loaded
                page.locator(f"input.score#{question.id}[placeholder]").wait_for(state="attached")
            title = page.locator(".panel-heading .panel-title").first.inner_text()
            placeholders = {q.id: page.locator(f"input.score#{q.id}").get_attribute("placeholder") for q in exercise.questions}
            labels = page.locator(".nbgrader_cell .nbgrader-label").all_inner_texts()
            text = page.locator("#notebook").first.inner_text()
            page.screenshot(path=str(tmp_path / "formgrader_submission.png"), full_page=True)
    assert len(listed) == 1 and listed[0].split("\t")[:2] == [NOTEBOOK, f"{score:g} / {max_score:g}"], listed
    assert NOTEBOOK in title and re.search(r"Submission [1-4] / 4", title), title  # every student's notebook is on disk
    assert {q: float(p) for q, p in placeholders.items()} == pytest.approx(graded_class.scores[student])
    assert sum(float(p) for p in placeholders.values()) == pytest.approx(score)
    assert labels.count("Student's answer") == len(exercise.questions), labels  # the answer cells, as nbgrader shows them
    assert "def train_perceptron" in text  # the student's code, rendered
    assert "_grader_watch" not in text and "_grader_random" not in text  # the grader's own cells are not shown
    # Off this machine the page asks only for MathJax (nbconvert's template) and the exercise's "Open in Colab"
    # badge; neither is found and the page renders without them.
    allowed = ("https://cdnjs.cloudflare.com/ajax/libs/mathjax/", "https://colab.research.google.com/assets/")
    assert all(url.startswith(allowed) for url in off_machine), off_machine
    print(f"screenshot: {tmp_path / 'formgrader_submission.png'}")
