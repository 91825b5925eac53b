"""Solution code that a student bundle would give away, found by structure rather than by text.

A function is reduced to its *shape*: its body parsed, the docstring dropped,
every variable, argument and literal replaced by a placeholder (attribute and
keyword names, which say which API is called, are kept). Two functions with
the same shape compute the same way up to names and constants, so renaming
variables, changing numbers, reformatting or adding comments does not hide a
copy. `find_leaks` compares every function of three or more statements in the
solutions' answer cells with every function in the bundle's Python files and
notebooks, lessons included.

Example:

>>> a = "def f(x, p):\\n    keep = x > p\\n    y = x * keep\\n    return y / (1 - p)"
>>> b = "def g(h, rate):\\n    # drop\\n    m = h > rate\\n    out = h * m\\n    return out / (1.0 - rate)"
>>> [shape for _, shape in function_shapes(a)] == [shape for _, shape in function_shapes(b)]
True
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

MIN_STATEMENTS = 3
_NUMBERED = re.compile(r"^(?:ex)?(\d\d)_")


@dataclass(frozen=True)
class Leak:
    """A bundle function shaped like a solution function.

    Args:
        notebook: the solution notebook's file name.
        function: the solution function's name.
        where: the bundle file, relative to the bundle, and the function's name there.
    """

    notebook: str
    function: str
    where: str

    def __str__(self) -> str:
        return f"{self.where} computes {self.function}() of solutions/{self.notebook} (same code up to names and literals)"


class _Abstracted(ast.NodeTransformer):
    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.copy_location(ast.Name(id="_", ctx=node.ctx), node)

    def visit_arg(self, node: ast.arg) -> ast.AST:
        return ast.copy_location(ast.arg(arg="_", annotation=None), node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.copy_location(ast.Constant(value=0), node)


def _body(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        body = body[1:]
    return body


def _shape(function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, int]:
    """The function body's abstracted dump, and how many statements it holds (nested ones included)."""
    body = ast.parse(ast.unparse(ast.Module(body=_body(function), type_ignores=[])))
    statements = sum(isinstance(node, ast.stmt) for node in ast.walk(body))
    return ast.dump(_Abstracted().visit(body), annotate_fields=False), statements


def function_shapes(source: str, minimum: int = MIN_STATEMENTS) -> list[tuple[str, str]]:
    """``(name, shape)`` of every function of at least ``minimum`` statements in ``source`` ([] if it does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    shapes = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            shape, statements = _shape(node)
            if statements >= minimum:
                shapes.append((node.name, shape))
    return shapes


def _code(path: Path) -> list[str]:
    """The Python code a bundle file holds: a module's text, or a notebook's code cells without magics."""
    if path.suffix == ".py":
        return [path.read_text(errors="ignore")]
    if path.suffix == ".ipynb":
        cells = nbformat.read(path, as_version=4).cells
        return ["\n".join(line for line in c.source.splitlines() if not line.lstrip().startswith(("%", "!"))) for c in cells if c.cell_type == "code"]
    return []


def solution_functions(solution: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """``(name, shape)`` of the functions written in a solution notebook's answer cells."""
    return [pair for cell in solution.cells if cell.cell_type == "code" and "### BEGIN SOLUTION" in cell.source
            for pair in function_shapes(cell.source)]


def _later(path: Path, notebook: str) -> bool:
    """A later lesson or exercise may show an earlier exercise's answer: the student has written it by then."""
    number = _NUMBERED.match(path.name)
    return bool(number) and int(number.group(1)) > int(notebook[:2])


def find_leaks(solutions: dict[str, nbformat.NotebookNode], bundle: Path) -> list[Leak]:
    """Every bundle function shaped like a solution function.

    Args:
        solutions: the solution notebooks by file name (``"04_backpropagation.ipynb"``).
        bundle: the folder a student would receive.
    """
    found: dict[str, list[tuple[Path, str]]] = {}
    for path in sorted(bundle.rglob("*")):
        if path.is_file():
            for code in _code(path):
                for name, shape in function_shapes(code):
                    found.setdefault(shape, []).append((path, name))
    leaks = []
    for notebook, solution in sorted(solutions.items()):
        for function, shape in solution_functions(solution):
            leaks += [
                Leak(notebook, function, f"{path.relative_to(bundle)}:{name}")
                for path, name in found.get(shape, ())
                if not _later(path, notebook)
            ]
    return leaks
