"""Mutants of a solution notebook: one change inside one solution region of one answer cell.

Only code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` of answer
cells is changed; test cells, hidden tests, helper cells and the code around
the regions (``def`` lines, docstrings) never are. A mutant's id is
``operator:cell:line:column:index`` (line and column in the source cell as the
instructor sees it, 1-based; index counts the operator's mutants of that node),
so ids stay the same from run to run and can be listed as equivalent.

Example:

>>> mutants = generate_mutants(course.read_source("03_the_forward_pass"))  # doctest: +SKIP
>>> mutants[0].id, mutants[0].before, mutants[0].after  # doctest: +SKIP
('arith:q1-answer:4:11:0', 'return a @ b + c', 'return a @ b - c')
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import logging
import re
from collections import Counter
from dataclasses import dataclass

import nbformat

from grader.mutate.operators import OPERATORS, Operator
from grader.normalize import role_of
from grader.sample_class import make_submission, solution_answers, solution_source

log = logging.getLogger(__name__)

_BEGIN = re.compile(r"^\s*### BEGIN SOLUTION\s*$")
_END = re.compile(r"^\s*### END SOLUTION\s*$")
_BINARY = {
    ast.BitOr: 5, ast.BitXor: 6, ast.BitAnd: 7, ast.LShift: 8, ast.RShift: 8, ast.Add: 9, ast.Sub: 9,
    ast.Mult: 10, ast.Div: 10, ast.FloorDiv: 10, ast.Mod: 10, ast.MatMult: 10, ast.Pow: 12,
}


@dataclass(frozen=True)
class Mutant:
    """One changed answer cell.

    Args:
        id: ``operator:cell:line:column:index``, stable across runs.
        operator: the operator's name.
        cell: the answer cell's id.
        question: the grade id of the test cell that follows the answer cell.
        line: 1-based line of the change in the cell source.
        column: 1-based column of the change.
        before: the changed line(s) as they were.
        after: the changed line(s) in the mutant.
        source: the whole mutated cell source (solution markers kept).
    """

    id: str
    operator: str
    cell: str
    question: str
    line: int
    column: int
    before: str
    after: str
    source: str

    @property
    def student(self) -> str:
        """The mutant's folder name in the class the grader grades."""
        return "m" + hashlib.sha256(self.id.encode()).hexdigest()[:10]

    @property
    def change(self) -> str:
        return f"{self.before} -> {self.after}"


def solution_lines(source: str) -> frozenset[int]:
    """1-based numbers of the lines strictly inside solution regions.

    Example:

    >>> sorted(solution_lines("def f():\\n    ### BEGIN SOLUTION\\n    return 1\\n    ### END SOLUTION\\n"))
    [3]
    """
    inside, lines = False, set()
    for number, line in enumerate(source.splitlines(), start=1):
        if _BEGIN.match(line):
            inside = True
        elif _END.match(line):
            inside = False
        elif inside:
            lines.add(number)
    return frozenset(lines)


def answer_questions(source: nbformat.NotebookNode) -> dict[str, str]:
    """Each answer cell's id mapped to the grade id of the first test cell after it."""
    questions: dict[str, str] = {}
    pending: list[str] = []
    for cell in source.cells:
        role = role_of(cell)
        if role.kind == "answer":
            pending.append(cell.get("id") or role.grade_id)
        elif role.kind == "test":
            questions.update({answer: role.grade_id for answer in pending})
            pending = []
    questions.update({answer: "" for answer in pending})
    return questions


def _offset(lines: list[str], lineno: int, col: int) -> int:
    """Character offset of an AST position (its column counts UTF-8 bytes)."""
    line = lines[lineno - 1]
    return sum(len(x) for x in lines[: lineno - 1]) + len(line.encode()[:col].decode(errors="ignore"))


def _precedence(node: ast.AST) -> int:
    """How tightly an expression binds (Python's table); 100 for atoms such as names and calls."""
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)]
    if isinstance(node, ast.UnaryOp):
        negative_number = isinstance(node.operand, ast.Constant)
        return 3 if isinstance(node.op, ast.Not) else 100 if negative_number else 11
    if isinstance(node, ast.BoolOp):
        return 1 if isinstance(node.op, ast.Or) else 2
    return {ast.Compare: 4, ast.IfExp: 0, ast.Lambda: 0, ast.NamedExpr: 0}.get(type(node), 100)


def _needs_parens(new: ast.AST, node: ast.AST, parent: ast.AST | None) -> bool:
    """True when ``new`` put where ``node`` was would bind to its neighbours differently."""
    if isinstance(parent, (ast.Attribute, ast.Subscript)) and parent.value is node or isinstance(parent, ast.Call) and parent.func is node:
        return _precedence(new) < 100
    if not isinstance(parent, (ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare)):
        return False
    inner, outer = _precedence(new), _precedence(parent)
    if isinstance(parent, ast.BinOp) and inner == outer:
        power = isinstance(parent.op, ast.Pow)
        return (parent.left is node) if power else (parent.right is node)
    return inner < outer or isinstance(parent, ast.Compare) and inner == outer


def _replacement_text(new: ast.AST, node: ast.AST, parent: ast.AST | None, grouped: bool) -> str:
    """The new node's code, in parentheses where the code around it binds tighter (and has none)."""
    text = ast.unparse(new)
    return f"({text})" if not grouped and _needs_parens(new, node, parent) else text


def _changed_lines(before: str, after: str) -> tuple[str, str]:
    old, new = before.splitlines(), after.splitlines()
    removed, added = [], []
    for group in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        tag, i1, i2, j1, j2 = group
        if tag != "equal":
            removed += [line.strip() for line in old[i1:i2]]
            added += [line.strip() for line in new[j1:j2]]
    return " / ".join(removed), " / ".join(added)


def _nodes(tree: ast.AST) -> list[tuple[ast.AST, ast.AST | None]]:
    """Every positioned node with its parent, in source order."""
    pairs = [(child, parent) for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)]
    positioned = [(n, p) for n, p in pairs if getattr(n, "end_lineno", None) is not None]
    return sorted(positioned, key=lambda pair: (pair[0].lineno, pair[0].col_offset, -pair[0].end_lineno, -pair[0].end_col_offset))


def cell_mutants(source: str, cell: str, question: str, operators: tuple[Operator, ...] = OPERATORS) -> list[Mutant]:
    """The mutants of one answer cell's source, changed only inside its solution regions.

    Mutants that do not compile, or whose code equals the original or an
    earlier mutant's, are left out.

    Args:
        source: the answer cell's source, with its solution markers.
        cell: the cell id, used in mutant ids.
        question: the question the cell answers.
        operators: the operators to apply. Defaults to all of them.

    Returns:
        The mutants, in source order.
    """
    region = solution_lines(source)
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        log.warning("answer cell %s is not plain Python (%s); it is not mutated", cell, exc.msg)
        return []
    lines = source.splitlines(keepends=True)
    seen, mutants, counts = {source}, [], Counter()
    for node, parent in _nodes(tree):
        if not set(range(node.lineno, node.end_lineno + 1)) <= region:
            continue
        start, end = _offset(lines, node.lineno, node.col_offset), _offset(lines, node.end_lineno, node.end_col_offset)
        grouped = source[start - 1 : start] == "(" and source[end : end + 1] == ")"
        for operator in operators:
            for new in operator.mutate(node, parent):
                place = f"{operator.name}:{cell}:{node.lineno}:{node.col_offset + 1}"
                index, counts[place] = counts[place], counts[place] + 1  # counted before filtering: ids stay put
                text = source[:start] + _replacement_text(new, node, parent, grouped) + source[end:]
                if text in seen or not _compiles(text):
                    continue
                seen.add(text)
                before, after = _changed_lines(source, text)
                mutant_id = f"{place}:{index}"
                mutants.append(Mutant(mutant_id, operator.name, cell, question, node.lineno, node.col_offset + 1, before, after, text))
    return mutants


def _compiles(text: str) -> bool:
    try:
        compile(text, "<mutant>", "exec")
    except (SyntaxError, ValueError):
        return False
    return True


def generate_mutants(source: nbformat.NotebookNode, operators: tuple[Operator, ...] = OPERATORS) -> list[Mutant]:
    """Every mutant of a solution notebook's answer cells, cell by cell in notebook order.

    Args:
        source: the nbgrader source notebook (with solutions and hidden tests).
        operators: the operators to apply. Defaults to all of them.

    Returns:
        The mutants; ids are unique.
    """
    questions = answer_questions(source)
    mutants: list[Mutant] = []
    for cell in source.cells:
        if role_of(cell).kind == "answer":
            cell_id = cell.get("id") or role_of(cell).grade_id
            mutants += cell_mutants(cell.source, cell_id, questions[cell_id], operators)
    return mutants


def select(mutants: list[Mutant], questions: list[str] | None = None, limit: int | None = None) -> list[Mutant]:
    """The mutants of some questions, and at most ``limit`` of them, sampled by a hash of their ids.

    The sample depends only on the ids, so the same command picks the same mutants
    every time (and an interrupted run resumes them).
    """
    chosen = [m for m in mutants if not questions or m.question in questions]
    if limit is not None and len(chosen) > limit:
        keep = set(sorted(chosen, key=lambda m: hashlib.sha256(m.id.encode()).hexdigest())[:limit])
        chosen = [m for m in chosen if m in keep]
    return chosen


def mutant_notebook(source: nbformat.NotebookNode, released: nbformat.NotebookNode, mutant: Mutant | None) -> nbformat.NotebookNode:
    """The released exercise filled in with the solution, one answer cell replaced by the mutant's.

    With ``mutant=None``, the unmutated solution (the baseline every mutant is compared with).
    """
    answers = solution_answers(source)
    if mutant is not None:
        answers[mutant.cell] = solution_source(mutant.source)
    return make_submission(source, released, answers)
