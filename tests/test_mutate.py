"""grader mutate: the operators on small snippets, mutant generation on a solution, one graded run."""

from __future__ import annotations

import ast
import csv
import dataclasses

import pytest

from grader.cli import main
from grader.mutate.analysis import EQUIVALENT, KILLED, SURVIVED, run_mutation
from grader.mutate.equivalents import Equivalent, EquivalentsError, read_equivalents, stale_equivalents
from grader.mutate.mutants import cell_mutants, generate_mutants, mutant_notebook, select, solution_lines
from grader.mutate.operators import OPERATORS, operators_named
from grader.normalize import role_of

NOTEBOOK = "03_the_forward_pass"


def region(code: str) -> str:
    """``code`` as the body of an answer cell's solution region."""
    body = "".join(f"    {line}\n" for line in code.splitlines())
    return f"def f(x, y, z, w, lr, g):\n    ### BEGIN SOLUTION\n{body}    ### END SOLUTION\n"


def changes(code: str, operator: str) -> list[str]:
    """The changed line of every mutant one operator makes of ``code``."""
    return [m.after for m in cell_mutants(region(code), "cell", "q", operators_named([operator]))]


@pytest.mark.parametrize(
    ("operator", "code", "expected"),
    [
        ("arith", "return x + y * z", ["return x - y * z", "return x + y / z"]),
        ("arith", "x += y", ["x -= y"]),
        ("compare", "return x > 0", ["return x >= 0"]),
        ("boolean", "return x and not y", ["return x or not y", "return x and y"]),
        ("negation", "return -np.mean(x)", ["return np.mean(x)"]),
        ("number", "return x[:, 0] * 1e-3", ["return x[:, 1] * 1e-3", "return x[:, -1] * 1e-3", "return x[:, 0] * 0.01"]),
        ("flag", "return np.sum(x, keepdims=True)", ["return np.sum(x, keepdims=False)"]),
        ("axis", "return np.max(x, axis=-1)", ["return np.max(x, axis=0)"]),
        ("slice", "return x[1:-1]", ["return x[2:-1]", "return x[0:-1]", "return x[1:0]", "return x[1:-2]"]),
        ("slice", "return x[:n]", ["return x[:n + 1]", "return x[:n - 1]"]),
        ("assign", "x += lr * g", ["x = lr * g"]),
        ("in-place", "w = w - lr * g", ["w -= lr * g"]),
        ("swap-args", "return np.where(x, y, z)", ["return np.where(y, x, z)", "return np.where(x, z, y)"]),
        ("swap-args", "return x - y", ["return y - x"]),
        ("drop-term", "return x + y - z", ["return x + y", "return -z", "return x - z", "return y - z"]),
        ("drop-kwarg", "return layers.Dense(4, activation='relu', name='d')", ["return layers.Dense(4, name='d')", "return layers.Dense(4, activation='relu')"]),
        ("string", "return layers.Conv2D(4, 3, padding='same')", ["return layers.Conv2D(4, 3, padding='valid')"]),
        ("copy", "return x.copy()", ["return x"]),
        ("unwrap-call", "return relu(dense(x, w))", ["return dense(x, w)", "return relu(x)"]),
        ("swap-return", "return x, y", ["return (y, x)"]),
    ],
)
def test_each_operator_makes_the_expected_mutants(operator, code, expected):
    assert changes(code, operator) == expected


def test_verbose_is_never_mutated():
    assert changes("model.fit(x, y, verbose=0)", "number") == []
    assert changes("model.fit(x, y, verbose=0)", "drop-kwarg") == []


def test_a_changed_operand_is_put_in_parentheses_only_where_needed():
    assert changes("return x @ w + b", "arith") == ["return x @ w - b", "return x * w + b"]
    assert changes("return s * (1.0 - s)", "drop-term")[-1] == "return s * (-s)"
    assert changes("return a / x ** 2", "arith")[-1] == "return a / (x * 2)"


def test_mutant_ids_are_unique_stable_and_name_operator_cell_line_column_index():
    first = cell_mutants(region("return x @ w + b"), "q1-answer", "q1")
    again = cell_mutants(region("return x @ w + b"), "q1-answer", "q1")
    assert [m.id for m in first] == [m.id for m in again]
    assert len({m.id for m in first}) == len(first)
    assert first[0].id == "arith:q1-answer:3:12:0"  # the + node; the @ node starts at the same place
    assert "arith:q1-answer:3:12:1" in {m.id for m in first}


def test_only_solution_regions_are_mutated():
    source = "def f(x):\n    '''Return x + 1.'''\n    y = x + 1\n    ### BEGIN SOLUTION\n    return y * 2\n    ### END SOLUTION\n"
    assert sorted(solution_lines(source)) == [5]
    assert {m.line for m in cell_mutants(source, "c", "q")} == {5}


def test_generation_on_a_solution_touches_answer_cells_only(course):
    source = course.read_source(NOTEBOOK)
    mutants = generate_mutants(source)
    answers = {c["id"]: c.source for c in source.cells if role_of(c).kind == "answer"}
    assert len(mutants) > 20 and len({m.id for m in mutants}) == len(mutants)
    assert {m.cell for m in mutants} <= set(answers)
    assert {m.question for m in mutants} == {"q1_dense", "q2_count_params", "q3_forward", "q4_predict_proba", "q5_max_network"}
    for mutant in mutants:
        inside = solution_lines(answers[mutant.cell])
        changed = {i + 1 for i, (a, b) in enumerate(zip(answers[mutant.cell].splitlines(), mutant.source.splitlines(), strict=False)) if a != b}
        assert changed <= inside, mutant.id
    released = course.read_released(NOTEBOOK)
    notebook = mutant_notebook(source, released, mutants[0])
    tests = [c.source for c in notebook.cells if role_of(c).kind == "test"]
    assert tests == [c.source for c in released.cells if role_of(c).kind == "test"]  # the release's tests, untouched
    assert all("HIDDEN" not in text for text in tests)
    assert mutants[0].after in notebook.cells[[c.get("id") for c in notebook.cells].index(mutants[0].cell)].source


def test_sampling_is_deterministic_and_respects_only(course):
    mutants = generate_mutants(course.read_source(NOTEBOOK))
    assert select(mutants, limit=6) == select(list(mutants), limit=6)
    assert len(select(mutants, limit=6)) == 6
    assert {m.question for m in select(mutants, ["q1_dense"])} == {"q1_dense"}


def test_equivalents_list_is_read_and_stale_entries_found(tmp_path):
    path = tmp_path / "03_the_forward_pass.mutants.toml"
    path.write_text('[[equivalent]]\nid = "a:c:1:1:0"\nchange = "x -> y"\nreason = "same values"\n')
    found = read_equivalents(path)
    assert found == {"a:c:1:1:0": Equivalent("a:c:1:1:0", "x -> y", "same values")}
    assert stale_equivalents(found, []) == (found["a:c:1:1:0"],)
    path.write_text('[[equivalent]]\nid = "a:c:1:1:0"\n')
    with pytest.raises(EquivalentsError, match="needs an id and a reason"):
        read_equivalents(path)


def test_cli_lists_operators_and_mutants_and_rejects_bad_usage(capsys, course):
    assert main(["mutate", NOTEBOOK, "--operators", "--course", str(course.root)]) == 0
    assert {op.name for op in OPERATORS} <= set(capsys.readouterr().out.split())
    assert main(["mutate", NOTEBOOK, "--list", "--max", "3", "--course", str(course.root)]) == 0
    assert "3 of " in capsys.readouterr().out
    assert main(["mutate", NOTEBOOK, "--operators", "nope", "--list", "--course", str(course.root)]) == 2
    assert main(["mutate", NOTEBOOK, "--only", "q9", "--list", "--course", str(course.root)]) == 2
    assert main(["mutate", "99_none", "--course", str(course.root)]) == 2


@pytest.mark.slow
def test_a_graded_run_counts_killed_mutants_and_lists_a_survivor(course, config, tmp_path):
    source = course.read_source(NOTEBOOK)
    sampled = select(generate_mutants(source), limit=5)
    dense = next(c.source for c in source.cells if c.get("id") == "q1-answer")
    harmless = dataclasses.replace(  # the same sum written the other way round: full marks, by construction
        sampled[0], id="handmade:q1-answer:4:12:0", cell="q1-answer", question="q1_dense",
        before="return X @ W + b", after="return b + X @ W", source=dense.replace("return X @ W + b", "return b + X @ W"),
    )
    assert ast.parse(harmless.source)
    report = run_mutation(course, NOTEBOOK, [*sampled, harmless], tmp_path, config, progress=lambda line: None)
    outcomes = {o.mutant.id: o for o in report.outcomes}
    assert outcomes[harmless.id].outcome == SURVIVED
    assert harmless.id in {o.mutant.id for o in report.survivors_by_question()["q1_dense"]}
    assert report.count(KILLED) >= 1 and report.count(KILLED) + report.count(SURVIVED) == 6
    with (tmp_path / "mutants.csv").open() as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    assert rows[harmless.id]["after"] == "return b + X @ W" and len(rows) == 6
    killed = next(o for o in report.outcomes if o.outcome == KILLED)
    assert killed.lost and killed.score < killed.max_score

    reviewed = {harmless.id: Equivalent(harmless.id, harmless.change, "addition commutes")}
    again = run_mutation(course, NOTEBOOK, [*sampled, harmless], tmp_path, config, reviewed, progress=lambda line: None)
    assert {o.mutant.id: o.outcome for o in again.outcomes}[harmless.id] == EQUIVALENT  # graded before: resumed
    assert again.survival_percent == 100.0 * again.count(SURVIVED) / 5


def test_a_grader_fault_leaves_a_mutant_unjudged_never_killed():
    from grader.mutate.analysis import UNJUDGED, MutationReport, classify
    from grader.mutate.mutants import Mutant
    from grader.outcomes import NotebookResult, RunStatus, Status, Submission, Verdict

    mutant = Mutant("arith:q1-answer:4:12:0", "arith", "q1-answer", "q1_dense", 4, 12, "x + y", "x - y", "x - y")
    submission = Submission(mutant.student, NOTEBOOK, None)
    faulted = NotebookResult(submission, RunStatus.COMPLETED, "", (Verdict("q1_dense", Status.INFRASTRUCTURE, 0, 2, "scorer died"),))
    lost = NotebookResult(submission, RunStatus.COMPLETED, "", (Verdict("q1_dense", Status.FAILED, 0, 2, "no"),))
    unjudged, killed = classify(mutant, faulted, 2, {}), classify(mutant, lost, 2, {})
    assert (unjudged.outcome, killed.outcome) == (UNJUDGED, KILLED)
    report = MutationReport(NOTEBOOK, (unjudged, killed), 1.0)
    assert report.survival_percent == 0.0 and report.count(UNJUDGED) == 1


def test_the_first_stage_keeps_answers_up_to_the_mutants_question_and_leaves_the_rest_unanswered(course):
    from grader.mutate.analysis import question_order, unanswered_after

    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    order = question_order(source)
    assert order[0] == "q1_dense" and len(order) == len(set(order)) >= 3
    mutant = next(m for m in generate_mutants(source) if m.question == order[1])
    nb = unanswered_after(mutant_notebook(source, released, mutant), released, mutant.question)
    answers = {c["id"]: c.source for c in nb.cells if role_of(c).kind == "answer"}
    stubs = {c["id"]: c.source for c in released.cells if role_of(c).kind == "answer"}
    cells = [c["id"] for c in source.cells if role_of(c).kind == "answer"]
    mutated = cells.index(mutant.cell)
    assert answers[mutant.cell] != stubs[mutant.cell] and answers[cells[0]] != stubs[cells[0]]
    assert all(answers[cell] == stubs[cell] for cell in cells[mutated + 1 :]), "later answers must be unanswered"


def test_a_mutant_is_killed_early_only_by_points_lost_up_to_its_question():
    from grader.mutate.analysis import killed_early
    from grader.mutate.mutants import Mutant
    from grader.outcomes import NotebookResult, RunStatus, Status, Submission, Verdict

    mutant = Mutant("arith:q2-answer:4:12:0", "arith", "q2-answer", "q2", 4, 12, "x + y", "x - y", "x - y")
    order = ["q1", "q2", "q3"]
    submission = Submission(mutant.student, NOTEBOOK, None)

    def run(*scores, status=RunStatus.COMPLETED, fault=False):
        verdicts = tuple(Verdict(q, Status.INFRASTRUCTURE if fault else Status.PASSED, s, 2, "") for q, s in zip(order, scores, strict=True))
        return NotebookResult(submission, status, "", verdicts)

    assert killed_early(mutant, run(2, 0, 0), order)  # its own question lost points
    assert killed_early(mutant, run(0, 2, 0), order)  # an earlier question lost points
    assert not killed_early(mutant, run(2, 2, 0), order)  # only the unanswered later question: grade the whole notebook
    assert killed_early(mutant, run(2, 2, 0, status=RunStatus.TIMEOUT), order)
    assert not killed_early(mutant, run(0, 0, 0, fault=True), order)  # a grader fault decides nothing
