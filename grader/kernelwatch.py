"""Kernel side of the tampering signals: note the kernel's state first, report what changed at the end.

`grader.execute` adds two cells to every graded run: one right after the
seeds, before any student code, calls `start`; one after the notebook's last
cell calls `report`. The report is one display output of type `REPORT_MIME`,
``{"seen": [[kind, evidence], ...]}``, each kind a value of
`grader.flags.FlagKind` (the trusted side reads it strictly and drops anything
else).

This runs in the student's kernel, so student code can undo it, hide the
report or forge it: what it says is evidence for a person, never a verdict,
and a report that never arrives is itself flagged by the grader. Nothing here
imports the grader's trusted side.

Example (in a kernel started by the grader):

>>> import grader.kernelwatch as watch  # doctest: +SKIP
>>> watch.start()  # before any student code  # doctest: +SKIP
>>> watch.report()  # after the last cell: one display output of REPORT_MIME  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from typing import Any

REPORT_MIME = "application/vnd.grader.watch+json"
MAX_CONNECTIONS = 10
WATCHED_MODULES = (
    "builtins", "math", "numpy", "numpy.testing", "traceback",
    "keras_course.channel", "keras_course.checks", "keras_course.probes", "keras_course.question",
)
SHELL_ATTRIBUTES = (
    "showtraceback", "_showtraceback", "showsyntaxerror", "InteractiveTB", "SyntaxTB", "run_cell",
    "run_cell_async", "run_code", "run_ast_nodes", "transform_cell", "displayhook", "display_pub",
)
_TRACEBACK_WORDS = ("traceback", "TB", "syntaxerror", "exception_only", "exc_info")
_NUMERIC_BASES = (int, float, complex, str, bytes, tuple, list, dict)
_NETWORK_EVENTS = ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr")

_baseline: dict[str, Any] = {}  # what `start` saw, for `report`


def _shell() -> Any:
    from IPython import get_ipython

    return get_ipython()


def _unwrapped(value: Any) -> Any:
    """A bound method's function (bound methods are new objects on every attribute read)."""
    return getattr(value, "__func__", value)


def same(a: Any, b: Any) -> bool:
    """True for the same object, or bound methods of the same function and object (made afresh on every read).

    >>> same([].append, [].append), same(str.upper, str.upper)
    (False, True)
    """
    if a is b:
        return True
    return _unwrapped(a) is _unwrapped(b) and getattr(a, "__self__", None) is getattr(b, "__self__", None)


def watched_attributes(shell: Any) -> dict[str, Any]:
    """Dotted name -> object for every function the grader's view of the run depends on.

    The watched modules' callables and, for the grader's own modules, their
    classes' attributes; the shell's classes' attributes and a few of its
    instance attributes (a method replaced on the instance shadows the class).
    """
    found: dict[str, Any] = {}
    for name in WATCHED_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for attr, value in list(vars(module).items()):
            if callable(value) and attr not in ("_", "__", "___"):
                found[f"{name}.{attr}"] = value
                if name.startswith("keras_course.") and isinstance(value, type) and value.__module__ == name:
                    found.update({f"{name}.{attr}.{a}": v for a, v in vars(value).items() if callable(v)})
    for cls in type(shell).__mro__:
        if cls.__module__.startswith(("IPython", "ipykernel")):
            found.update({f"{cls.__module__}.{cls.__qualname__}.{a}": v for a, v in vars(cls).items() if callable(v)})
    for attr in SHELL_ATTRIBUTES:
        found[f"shell.{attr}"] = _unwrapped(getattr(shell, attr, None))
    found["sys.displayhook"] = sys.displayhook
    return found


def _connection_hook(log: list[str]) -> Callable[[str, tuple], None]:
    """An audit hook (PEP 578, never removable) that notes attempts to reach the network."""
    import socket

    inet = (socket.AF_INET, socket.AF_INET6)

    def hook(event: str, args: tuple) -> None:
        if not event.startswith("socket.") or len(log) >= MAX_CONNECTIONS:
            return
        try:
            if event in ("socket.connect", "socket.sendto") and args[0].family in inet:
                log.append(f"{event} to {args[1]!r}")
            elif event in _NETWORK_EVENTS:
                log.append(f"{event} for {args[0]!r}")
        except Exception:  # noqa: BLE001 - an audit hook must never raise into the student's code
            return

    return hook


def start() -> None:
    """Note the kernel's state before any student code runs, and start noting connection attempts."""
    shell = _shell()
    _baseline.clear()
    _baseline.update(
        transformers=_transformers(shell),
        custom_exceptions=shell.custom_exceptions,
        callbacks={event: list(callbacks) for event, callbacks in shell.events.callbacks.items()},
        trace=(sys.gettrace(), threading.gettrace()),
        profile=(sys.getprofile(), threading.getprofile()),
        attributes=watched_attributes(shell),
        connections=[],
    )
    sys.addaudithook(_connection_hook(_baseline["connections"]))


def describe(value: Any) -> str:
    """A short name for a function or object: ``<lambda> from __main__``, ``forge() from __main__``.

    >>> describe(len)
    'len() from builtins'
    >>> describe(None)
    'nothing'
    """
    if value is None:
        return "nothing"
    value = _unwrapped(value)
    name = getattr(value, "__qualname__", None) or type(value).__qualname__
    module = getattr(value, "__module__", None) or type(value).__module__
    return f"{name}{'' if name.startswith('<') else '()'} from {module}"


def _from_notebook(value: Any) -> bool:
    """True unless ``value`` was defined in an installed module (the notebook's code is ``__main__``)."""
    module = getattr(_unwrapped(value), "__module__", None)
    return module in (None, "__main__") or not getattr(sys.modules.get(module), "__file__", None)


def _transformers(shell: Any) -> dict[str, list[Any]]:
    names = ("input_transformers_cleanup", "input_transformers_post", "ast_transformers")
    return {name: list(getattr(shell, name)) for name in names}


def transformers_added(shell: Any) -> list[list[str]]:
    seen = []
    for name, now in _transformers(shell).items():
        before = _baseline["transformers"][name]
        added = [describe(t) for t in now if not any(t is b for b in before)]
        removed = [describe(b) for b in before if not any(t is b for t in now)]
        if added:
            seen.append(["input_transformer", f"{name} gained {len(added)}: {', '.join(added)}"])
        if removed:
            seen.append(["input_transformer", f"{name} lost {len(removed)}: {', '.join(removed)}"])
    return seen


def handlers_set(shell: Any) -> list[list[str]]:
    seen = []
    if shell.custom_exceptions != _baseline["custom_exceptions"]:
        names = ", ".join(getattr(e, "__name__", str(e)) for e in shell.custom_exceptions) or "nothing"
        seen.append(["custom_exception_handler", f"set_custom_exc installed a handler for {names}"])
    for event, callbacks in shell.events.callbacks.items():
        before = _baseline["callbacks"].get(event, [])
        for callback in callbacks:
            if callback not in before and _from_notebook(callback):
                seen.append(["event_hook", f"a {event} callback {describe(callback)} was registered"])
    return seen


def tracing_set() -> list[list[str]]:
    seen = []
    for name, now, before in (("sys.settrace", (sys.gettrace(), threading.gettrace()), _baseline["trace"]),
                              ("sys.setprofile", (sys.getprofile(), threading.getprofile()), _baseline["profile"])):
        for where, value, old in zip(("this thread", "new threads"), now, before, strict=True):
            if not same(value, old):
                seen.append(["trace_hook", f"{name} left {describe(value)} set for {where}"])
    return seen


def replaced_attributes(shell: Any) -> list[list[str]]:
    now = watched_attributes(shell)
    seen = []
    for name, before in _baseline["attributes"].items():
        value = now.get(name)
        if same(value, before):
            continue
        kind = "traceback_patched" if any(w in name.rsplit(".", 1)[-1] for w in _TRACEBACK_WORDS) or name.startswith("traceback.") \
            else "function_replaced"
        seen.append([kind, f"{name} was {'removed' if name not in now else 'replaced by ' + describe(value)}"])
    return seen


def equality_overrides() -> list[list[str]]:
    """Notebook classes of numbers, strings, containers or arrays that define their own ``__eq__``/``__ne__``."""
    bases: list[type] = list(_NUMERIC_BASES)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        bases += [numpy.ndarray, numpy.generic]
    todo, done, seen = list(bases), set(bases), []
    while todo:
        for sub in type.__subclasses__(todo.pop()):
            if sub in done:
                continue
            done.add(sub)
            todo.append(sub)
            own = [m for m in ("__eq__", "__ne__") if m in vars(sub)]
            if own and sub.__module__ == "__main__":
                base = next(b.__name__ for b in bases if issubclass(sub, b))
                seen.append(["equality_overridden", f"class {sub.__qualname__} (a {base} defined in the notebook) defines {', '.join(own)}"])
    return seen


def seen() -> list[list[str]]:
    """``[kind, evidence]`` for everything that differs from what `start` noted."""
    if not _baseline:
        return [["kernel_report_missing", "the notes the grader took before the notebook's cells were gone at the end"]]
    shell = _shell()
    found = transformers_added(shell) + handlers_set(shell) + tracing_set() + replaced_attributes(shell) + equality_overrides()
    found += [["network_attempt", attempt] for attempt in _baseline["connections"]]
    return found


def report() -> None:
    """Publish what `seen` found as one display output of `REPORT_MIME`."""
    from IPython.display import publish_display_data

    publish_display_data({REPORT_MIME: {"seen": seen()}})
