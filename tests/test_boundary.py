"""The trust boundary: what runs in a student's kernel imports nothing of the instructor's side.

The student side (`STUDENT_SIDE`) is what a notebook or Colab imports: questions,
checks, what probes collect, the channel's writing half, data, layers. The
instructor side is every other ``grader`` module (the pipeline, the judge, the
scorer, the gradebook, the build) and the heavy dependencies only the grader
needs. Two checks hold the line, and a third shows they catch a wrong-way import:

- every student-side module imports in a fresh interpreter whose import system
  refuses every instructor-side module and heavy dependency;
- no student-side file names an instructor-side module in an ``import``, at the
  top or inside a function, except `grader.references` imported inside a
  function (the reference code a judging function compares with, on the trusted
  side only; the kernel never calls it).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

# The student side: these modules and packages (with everything in them). -- student side: begin
STUDENT_SIDE = ("keras_course",)
# -- student side: end
INSTRUCTOR_PACKAGE = "grader"
LAZY_ALLOWED = ("grader.references",)  # inside a function only: reference code a judging function compares with
HEAVY_INSTRUCTOR_ONLY = (
    "nbgrader",
    "nbclient",
    "nbconvert",
    "nbformat",
    "jupyter_client",
    "dask",
    "distributed",
    "sqlalchemy",
    "psycopg",
    "playwright",
)

# Run in a fresh interpreter: refuse the instructor side, then import each student-side module.
_IMPORT_ALL = textwrap.dedent(
    """
    import importlib, json, sys
    side, modules, heavy, instructor = json.loads(sys.argv[1])

    def on_student_side(name):
        return any(name == s or name.startswith(s + ".") or s.startswith(name + ".") for s in side)

    class Refuse:
        def find_spec(self, name, path=None, target=None):
            top = name.split(".")[0]
            if top in heavy or (top == instructor and not on_student_side(name)):
                raise ImportError(f"instructor-side module {name} imported from the student side")
            return None

    sys.meta_path.insert(0, Refuse())
    failures = {}
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception as exc:
            failures[module] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(failures))
    """
)


def on_student_side(name: str, side: tuple[str, ...] = STUDENT_SIDE) -> bool:
    """Whether module ``name`` is on the student side: in it, or a package that holds part of it."""
    return any(name == s or name.startswith(s + ".") or s.startswith(name + ".") for s in side)


def is_instructor_side(name: str, side: tuple[str, ...] = STUDENT_SIDE) -> bool:
    """Whether module ``name`` belongs to the instructor's side (a grader module off the student side, or a heavy dependency)."""
    top = name.split(".")[0]
    return top in HEAVY_INSTRUCTOR_ONLY or (top == INSTRUCTOR_PACKAGE and not on_student_side(name, side))


def student_files(side: tuple[str, ...] = STUDENT_SIDE) -> dict[str, Path]:
    """Every student-side module's dotted name and file."""
    files: dict[str, Path] = {}
    for name in side:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin, f"{name} is listed on the student side but cannot be found"
        if spec.submodule_search_locations:
            folder = Path(next(iter(spec.submodule_search_locations)))
            for path in sorted(folder.rglob("*.py")):
                parts = path.relative_to(folder).with_suffix("").parts
                dotted = ".".join((name, *parts[:-1])) if parts[-1] == "__init__" else ".".join((name, *parts))
                files[dotted] = path
        else:
            files[name] = Path(spec.origin)
    return files


def import_with_instructor_side_blocked(modules: list[str], side: tuple[str, ...], extra_path: Path | None = None) -> dict[str, str]:
    """Import ``modules`` in a fresh interpreter that refuses the instructor side; the failures, by module."""
    env_path = [str(extra_path)] if extra_path else []
    argument = json.dumps([list(side), modules, list(HEAVY_INSTRUCTOR_ONLY), INSTRUCTOR_PACKAGE])
    code = f"import sys; sys.path[:0] = {env_path!r}\n" + _IMPORT_ALL
    result = subprocess.run([sys.executable, "-c", code, argument], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _absolute(module: str, node: ast.ImportFrom) -> str:
    """The absolute module name a ``from ... import`` in ``module`` refers to (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    base = module.split(".")[: -node.level]
    return ".".join([*base, *([node.module] if node.module else [])])


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules an import statement imports (``from a import b`` imports ``a``, and ``a.b`` when that is a module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = _absolute(module, node)
    return [base, *(f"{base}.{alias.name}" for alias in node.names if _is_module(f"{base}.{alias.name}"))]


def wrong_way_imports(files: dict[str, Path], side: tuple[str, ...] = STUDENT_SIDE) -> list[str]:
    """Every import of an instructor-side module in ``files``, as ``file:line: module``; lazy `grader.references` excepted."""
    found = []
    for module, path in files.items():
        tree = ast.parse(path.read_text())
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        inside = {id(inner) for f in functions for inner in ast.walk(f) if inner is not f}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            wrong = [name for name in _imported(module, node) if is_instructor_side(name, side)]
            if wrong and not (id(node) in inside and all(name.startswith(LAZY_ALLOWED) for name in wrong)):
                found.append(f"{path}:{node.lineno}: {wrong[0]}")
    return found


def test_every_student_side_module_imports_with_the_instructor_side_blocked():
    modules = sorted(student_files())
    failures = import_with_instructor_side_blocked(modules, STUDENT_SIDE)
    assert not failures, "student-side modules that need the instructor side:\n" + "\n".join(f"{m}: {e}" for m, e in failures.items())


def test_no_student_side_file_imports_the_instructor_side():
    found = wrong_way_imports(student_files())
    assert not found, "wrong-way imports (move the code to the student side, or the import into grader/):\n" + "\n".join(found)


def _planted_side(root: Path) -> tuple[str, ...]:
    package = root / "planted_side"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "fine.py").write_text(
        "import numpy as np\n\n\ndef reference():\n    from grader.references.optimizers import adam_reference\n\n    return adam_reference\n"
    )
    (package / "top_level.py").write_text("from grader.judge import judge_question\n")
    (package / "lazy.py").write_text("def verdict():\n    from grader.outcomes import Status\n\n    return Status.PASSED\n")
    (package / "heavy.py").write_text("import nbclient\n")
    return ("planted_side",)


def test_a_planted_wrong_way_import_is_caught_by_both_checks(tmp_path, monkeypatch):
    side = _planted_side(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    files = student_files(side)
    assert set(files) == {"planted_side", "planted_side.fine", "planted_side.top_level", "planted_side.lazy", "planted_side.heavy"}

    failures = import_with_instructor_side_blocked(sorted(files), side, extra_path=tmp_path)
    assert set(failures) == {"planted_side.top_level", "planted_side.heavy"}, failures
    assert "grader" in failures["planted_side.top_level"] and "nbclient" in failures["planted_side.heavy"]

    found = wrong_way_imports(files, side)
    assert sorted(line.split(": ")[-1] for line in found) == ["grader.judge", "grader.outcomes", "nbclient"], found
    assert not any("fine.py" in line for line in found), "a lazy grader.references import is allowed"
