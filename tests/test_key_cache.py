"""A build rebuilds only what changed: answer keys and releases are cached by fingerprint."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader import buildstate
from grader.buildstate import BuildState, module_closure
from grader.course import Course

FAST = ("01_the_neuron", "03_the_forward_pass")  # NumPy only: their keys build in seconds


def _course_copy(course: Course, folder: Path) -> Course:
    """A throwaway course with the two fast notebooks (question modules are the package's own)."""
    for name in ("solutions", "exercises"):
        (folder / name).mkdir(parents=True)
        for notebook in FAST:
            shutil.copy(course.root / name / f"{notebook}.ipynb", folder / name)
    return Course(folder)


def _add_a_sentence(course: Course, notebook: str) -> None:
    nb = course.read_source(notebook)
    markdown = next(c for c in nb.cells if c.cell_type == "markdown")
    markdown.source += "\nOne more sentence."
    nbformat.write(nb, course.source_path(notebook))


def _key_mtimes(course: Course) -> dict[str, int]:
    return {n: course.key_path(n).stat().st_mtime_ns for n in FAST}


@pytest.mark.slow
def test_an_unchanged_build_rebuilds_nothing_and_a_changed_solution_only_its_own_key(course, config, tmp_path):
    from grader.build import build_course

    copy = _course_copy(course, tmp_path / "course")
    first = build_course(copy, config)
    assert first.keys == FAST and first.released == FAST and first.unchanged == ()
    built = _key_mtimes(copy)

    again = build_course(copy, config)
    assert (again.keys, again.released, again.unchanged) == ((), (), FAST)
    assert _key_mtimes(copy) == built

    _add_a_sentence(copy, "03_the_forward_pass")
    changed = build_course(copy, config)
    assert changed.keys == ("03_the_forward_pass",) and changed.released == ("03_the_forward_pass",)
    assert changed.unchanged == ("01_the_neuron",)
    after = _key_mtimes(copy)
    assert after["01_the_neuron"] == built["01_the_neuron"] and after["03_the_forward_pass"] != built["03_the_forward_pass"]
    assert json.loads(copy.key_path("03_the_forward_pass").read_text())["fingerprint"] == BuildState(
        copy, config.seed).fingerprint("03_the_forward_pass")

    # the command line: nothing to do, said per notebook, without importing nbgrader or TensorFlow
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    script = ("import sys; from grader.cli import main; code = main(sys.argv[1:]); "
              "assert not {'nbgrader', 'nbformat', 'tensorflow', 'keras'} & set(sys.modules); sys.exit(code)")
    run = subprocess.run([sys.executable, "-c", script, "build", "--course", str(copy.root)],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [f"unchanged: {n}" for n in FAST]

    forced = build_course(copy, config, keys=False, force=True)
    assert forced.released == FAST and forced.keys == ()


def test_a_changed_solution_changes_only_its_own_fingerprint(course, tmp_path):
    copy = _course_copy(course, tmp_path / "course")
    state = BuildState(copy, seed=0)
    before = {n: state.fingerprint(n) for n in FAST}
    assert before == {n: state.fingerprint(n) for n in FAST}, "a fingerprint is stable"
    _add_a_sentence(copy, "03_the_forward_pass")
    after = {n: state.fingerprint(n) for n in FAST}
    assert after["01_the_neuron"] == before["01_the_neuron"]
    assert after["03_the_forward_pass"] != before["03_the_forward_pass"]
    assert BuildState(copy, seed=1).fingerprint("01_the_neuron") != after["01_the_neuron"], "keys depend on the seed"


def test_a_question_module_changes_its_own_fingerprint_and_judging_code_changes_all(course, tmp_path, monkeypatch):
    packages = tmp_path / "packages"
    for name in buildstate.COURSE_PACKAGES:
        if (buildstate.PACKAGES_ROOT / name).is_dir():
            shutil.copytree(buildstate.PACKAGES_ROOT / name, packages / name, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(buildstate, "PACKAGES_ROOT", packages)
    copy = _course_copy(course, tmp_path / "course")
    state = BuildState(copy, seed=0)
    before = {n: state.fingerprint(n) for n in FAST}

    with buildstate._module_path("keras_course.exercises.ex03_the_forward_pass").open("a") as module:
        module.write("\n# an edit\n")
    after = {n: state.fingerprint(n) for n in FAST}
    assert after["01_the_neuron"] == before["01_the_neuron"] and after["03_the_forward_pass"] != before["03_the_forward_pass"]

    for judging in ("keras_course.probes", "keras_course.checks", "grader.judge", "grader.normalize"):
        with buildstate._module_path(judging).open("a") as module:
            module.write("\n# an edit\n")
        changed = {n: state.fingerprint(n) for n in FAST}
        assert all(changed[n] != after[n] for n in FAST), judging
        after = changed


def test_the_closure_follows_imports_but_not_other_exercises():
    files = {p.relative_to(buildstate.PACKAGES_ROOT).as_posix() for p in module_closure(
        ("grader.build", "keras_course.exercises.ex06_optimizers"))}
    assert {"keras_course/probes.py", "keras_course/checks.py", "keras_course/channel.py", "grader/judge.py", "grader/execute.py",
            "grader/sandbox.py", "grader/modelscore.py", "keras_course/exercises/__init__.py",
            "keras_course/exercises/ex06_optimizers.py", "keras_course/exercises/ex06_visible.py"} <= files
    assert not any("/exercises/ex" in f and "/exercises/ex06" not in f for f in files)
    assert not {"grader/grade.py", "grader/report/__init__.py", "grader/cli/__init__.py"} & files


def test_a_key_of_another_fingerprint_is_not_returned(course, tmp_path):
    copy = _course_copy(course, tmp_path / "course")
    copy.key_path("01_the_neuron").parent.mkdir(parents=True)
    copy.key_path("01_the_neuron").write_text(json.dumps({"fingerprint": "old", "questions": {}}))
    assert copy.read_key("01_the_neuron", "old") is not None
    assert copy.read_key("01_the_neuron", BuildState(copy, seed=0).fingerprint("01_the_neuron")) is None
    assert not BuildState(copy, seed=0).current("01_the_neuron", keys=True)


def test_a_key_covers_its_own_held_out_sets_and_no_others():
    roots = ("grader.build", "keras_course.exercises.ex10_recurrent_networks", "grader.heldout_sets.ex10")
    files = {p.relative_to(buildstate.PACKAGES_ROOT).as_posix() for p in module_closure(roots)}
    assert "grader/heldout_sets/ex10.py" in files
    assert not any(f.startswith("grader/heldout_sets/ex") and f != "grader/heldout_sets/ex10.py" for f in files)


def test_a_current_key_in_an_older_format_is_refused_naming_the_file(course, tmp_path):
    from grader.build import BuildError, ensure_key
    from grader.config import GraderConfig
    from grader.heldout import load_secret

    copy = _course_copy(course, tmp_path / "course")
    load_secret(copy.private_dir)  # the fingerprint covers it
    fingerprint = BuildState(copy, seed=0).fingerprint("01_the_neuron")
    copy.key_path("01_the_neuron").parent.mkdir(parents=True)
    copy.key_path("01_the_neuron").write_text(json.dumps({"notebook": "01_the_neuron", "fingerprint": fingerprint, "questions": {}}))
    with pytest.raises(BuildError, match="older grader.*Run `grader build 01_the_neuron`") as raised:
        ensure_key(copy, "01_the_neuron", GraderConfig(course=copy.root, sandbox=False))
    assert str(copy.key_path("01_the_neuron")) in str(raised.value)


@pytest.mark.slow
def test_a_solution_that_fails_its_own_tests_fails_the_build_but_every_other_key_is_written(course, config, tmp_path):
    from grader.build import BuildError, build_course

    copy = _course_copy(course, tmp_path / "course")
    nb = copy.read_source("03_the_forward_pass")
    answer = next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution"))
    answer.source = "raise RuntimeError('a solution broken on purpose')\n" + answer.source
    nbformat.write(nb, copy.source_path("03_the_forward_pass"))
    with pytest.raises(BuildError) as raised:
        build_course(copy, config, progress=lambda _: None)
    assert str(raised.value).startswith("03_the_forward_pass: "), raised.value
    assert "01_the_neuron" not in str(raised.value)
    state = BuildState(copy, config.seed)
    assert state.key_current("01_the_neuron") and not state.key_current("03_the_forward_pass")


@pytest.mark.slow
def test_grading_with_a_missing_key_builds_it_and_judges_both_with_one_scorer(course, config, tmp_path, monkeypatch):
    """The key's solution and the students' models are scored by one scorer process: one TensorFlow import, not two."""
    from grader.grade import grade_class
    from grader.modelscore import ModelScorerProcess
    from grader.sample_class import make_submission, solution_answers

    copy = _course_copy(course, tmp_path / "course")
    source = copy.read_source("01_the_neuron")
    (tmp_path / "class" / "ada").mkdir(parents=True)
    nbformat.write(make_submission(source, copy.read_released("01_the_neuron"), solution_answers(source)),
                   tmp_path / "class" / "ada" / "01_the_neuron.ipynb")
    started = []
    start = ModelScorerProcess._start
    monkeypatch.setattr(ModelScorerProcess, "_start", lambda self: started.append(self) or start(self))

    [result] = grade_class(tmp_path / "class", tmp_path / "out", config.with_overrides(course=copy.root))
    assert BuildState(copy, config.seed).key_current("01_the_neuron")
    assert result.score == result.max_score, result.verdicts
    assert len(started) == 1, "the build and the grading each started a scorer"
