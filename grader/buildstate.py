"""What the last build made, and whether it is still current.

A notebook's build (its release in ``exercises/`` and its answer key) is
current when its *fingerprint* is unchanged. The fingerprint is a sha256 over
everything the build's output depends on:

- the solution notebook's bytes;
- the source of the course modules that make and check the key: the
  notebook's question module and every course module (``grader`` or
  ``keras_course``) it imports, and `grader.build` with every course module
  *it* imports (normalize, the sandbox, execute, judge, the held-out scorer,
  probes, checks, channel, ...),
  found by reading their ``import`` statements (and module names written as
  strings, such as ``python -m grader.modelscore``). Another notebook's
  question module is not included, so editing it rebuilds only its own key;
- the environment: the Python version and every installed distribution with
  its version (TensorFlow, Keras, NumPy, nbgrader, the grader itself, ...);
- the grader's seed, and a digest of the course's held-out secret (the
  solution is checked against held-out data made from it).

Only stdlib and the course's bytes are read, so a build with nothing changed
needs neither nbgrader nor TensorFlow. The release's record lives in
``.grader/released/<notebook>.json``; the key keeps its fingerprint inside.

Example:

>>> state = BuildState(Course(Path(".")), seed=0)  # doctest: +SKIP
>>> state.current("01_the_neuron", keys=True)  # doctest: +SKIP
True
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import sys
import sysconfig
from pathlib import Path
from typing import Any

import grader
from grader.course import Course, exercise_module

FORMAT = 1  # bump when the key's layout changes, to rebuild every key
COURSE_PACKAGES = ("grader", "keras_course")  # the instructor side and the student side, installed side by side
PACKAGES_ROOT = Path(grader.__file__).resolve().parent.parent  # the folder that holds them
KEY_PIPELINE = ("grader.build",)  # the modules that make and check an answer key
NOTEBOOK_IMPORT = re.compile(rb"(?:from|import)\s+((?:grader|keras_course)(?:\.\w+)+)")


def _module_path(name: str) -> Path | None:
    """The file of a course module (``grader`` or ``keras_course``), or None when ``name`` is no such module."""
    parts = name.split(".")
    if parts[0] not in COURSE_PACKAGES or not all(p.isidentifier() for p in parts):
        return None
    base = PACKAGES_ROOT.joinpath(*parts)
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


@functools.cache
def _imports(source: bytes) -> tuple[str, ...]:
    """The course modules one file imports, anywhere in it, or names as a string.

    Cached by content, so a long-lived process sees a module's edits.
    """
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)  # a submodule, when it is one
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.add(node.value)
    return tuple(sorted(name for name in names if _module_path(name)))


def module_closure(roots: tuple[str, ...]) -> list[Path]:
    """The files of ``roots`` and of every course module they import, transitively.

    Example:

    >>> _module_path("keras_course.checks") in module_closure(("keras_course.exercises.ex01_the_neuron",))
    True
    """
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        parts = todo.pop().split(".")
        for end in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b too
            name = ".".join(parts[:end])
            if name not in seen and _module_path(name):
                seen.add(name)
                todo.extend(_imports(_module_path(name).read_bytes()))
    return sorted(_module_path(name) for name in seen)


def _module_name(path: Path) -> str:
    """The dotted name of a course module's file (``.../keras_course/exercises/ex01_the_neuron.py`` -> ``keras_course.exercises.ex01_the_neuron``)."""
    parts = path.with_suffix("").parts
    start = max(i for i, part in enumerate(parts) if part in COURSE_PACKAGES)
    return ".".join(parts[start:])


@functools.cache
def environment() -> str:
    """The Python version and the distributions installed in its site-packages, one per line.

    Only site-packages is read, not all of ``sys.path``: the current folder
    (with its ``*.egg-info``) must not change the answer.
    """
    folders = sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})
    dists = sorted({f"{d.metadata['Name']}=={d.version}".lower() for d in importlib.metadata.distributions(path=folders)})
    return "\n".join([sys.version, platform.machine(), *dists])


def _digest_file(digest: Any, label: str, path: Path) -> None:
    data = path.read_bytes() if path.is_file() else b"<missing>"
    digest.update(f"\0{label}\0{len(data)}\0".encode())
    digest.update(data)


class BuildState:
    """Fingerprints and build records of one course.

    Args:
        course: the course.
        seed: the grader's seed (`GraderConfig.seed`); keys made with another seed are stale.
    """

    def __init__(self, course: Course, seed: int) -> None:
        self.course = course
        self.seed = seed

    def fingerprint(self, notebook: str) -> str:
        """Changes whenever anything the notebook's release or answer key depends on changes."""
        digest = hashlib.sha256(f"format {FORMAT}\0seed {self.seed}\0".encode())
        source = self.course.source_path(notebook)
        _digest_file(digest, "solution", source)
        imported = NOTEBOOK_IMPORT.findall(source.read_bytes()) if source.is_file() else []
        heldout = f"grader.heldout_sets.ex{notebook[:2]}"  # the held-out sets of this exercise (none for some)
        roots = (*KEY_PIPELINE, _module_name(exercise_module(notebook)), heldout, *(m.decode() for m in imported))
        for path in module_closure(roots):  # a module that does not exist adds nothing
            _digest_file(digest, path.relative_to(PACKAGES_ROOT).as_posix(), path)
        digest.update(b"\0environment\0" + environment().encode())
        secret = self.course.private_dir / "secret"
        secret_digest = hashlib.sha256(secret.read_bytes()).hexdigest() if secret.is_file() else "none"
        digest.update(f"\0secret\0{secret_digest}".encode())
        return digest.hexdigest()

    def release_record(self, notebook: str) -> Path:
        return self.course.private_dir / "released" / f"{notebook}.json"

    def release_current(self, notebook: str, fingerprint: str | None = None) -> bool:
        """The notebook's exercise was written by a build with this fingerprint and not changed since."""
        try:
            record = json.loads(self.release_record(notebook).read_text())
            released = hashlib.sha256(self.course.released_path(notebook).read_bytes()).hexdigest()
        except (OSError, ValueError):
            return False
        return record.get("fingerprint") == (fingerprint or self.fingerprint(notebook)) and record.get("sha256") == released

    def record_release(self, notebook: str, fingerprint: str) -> None:
        """Remember that the notebook's exercise is what a build with this fingerprint makes."""
        released = hashlib.sha256(self.course.released_path(notebook).read_bytes()).hexdigest()
        write_atomically(self.release_record(notebook), json.dumps({"fingerprint": fingerprint, "sha256": released}))

    def key_current(self, notebook: str, fingerprint: str | None = None) -> bool:
        return self.course.read_key(notebook, fingerprint or self.fingerprint(notebook)) is not None

    def current(self, notebook: str, keys: bool) -> bool:
        """Nothing to build for this notebook: its release (and, with ``keys``, its key) is current."""
        fingerprint = self.fingerprint(notebook)
        return self.release_current(notebook, fingerprint) and (not keys or self.key_current(notebook, fingerprint))


def write_atomically(path: Path, text: str) -> None:
    """Parallel builds (test workers, two instructors' shells) may write the same file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(text)
    partial.replace(path)
