"""Frozen dataclasses to plain JSON values and back, by their type annotations.

The grader's results are nested frozen dataclasses (`grader.outcomes`) holding
enums, paths, tuples and optional values. `to_plain` writes any of them as
JSON-ready dicts, lists and scalars; `from_plain` rebuilds the value from the
annotations of the type asked for, so a new field is saved and read without a
line of code here. A value that does not fit its annotation raises
`PlainError`; a field missing from the data takes its default (data written
before the field existed), and one without a default is an error.

Example:

>>> from grader.outcomes import HeldOutScore
>>> plain = to_plain(HeldOutScore("accuracy", 0.93, True, 0.9))
>>> plain
{'metric': 'accuracy', 'value': 0.93, 'higher_is_better': True, 'goal': 0.9}
>>> from_plain(HeldOutScore, plain)
HeldOutScore(metric='accuracy', value=0.93, higher_is_better=True, goal=0.9)
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import sys
import types
import typing
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any


class PlainError(ValueError):
    """Data that does not have the shape of the type it is read as."""


def to_plain(value: Any) -> Any:
    """``value`` as JSON-ready data: dataclasses as dicts of their fields, enums by value, paths as text, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise PlainError(f"to_plain cannot write a {type(value).__name__}: {value!r}")


def from_plain(kind: Any, data: Any, names: Mapping[str, Any] | None = None) -> Any:
    """Rebuild a value of type ``kind`` from what `to_plain` wrote.

    Args:
        kind: the type to read: a dataclass, an enum, `Path`, a scalar type, or
            ``X | None``, ``tuple[X, ...]``, ``list[X]``, ``dict[str, X]`` of those; `Any` keeps the data as it is.
        data: the parsed JSON.
        names: names that annotations use but their module imports only for type
            checking (e.g. ``{"Flag": Flag}``). Defaults to None: none.

    Raises:
        PlainError: the data does not fit ``kind``.
    """
    return _read(kind, data, tuple(sorted((names or {}).items())), "value")


def _read(kind: Any, data: Any, names: tuple[tuple[str, Any], ...], where: str) -> Any:
    if kind is Any:
        return data
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        problems = []
        for option in options:
            try:
                return _read(option, data, names, where)
            except PlainError as exc:
                problems.append(str(exc))
        raise PlainError("; ".join(problems))
    if origin is tuple:
        _expect(data, list, where)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_read(args[0], v, names, f"{where}[{i}]") for i, v in enumerate(data))
        if len(args) != len(data):
            raise PlainError(f"{where}: expected {len(args)} items, got {len(data)}")
        return tuple(_read(a, v, names, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, data, strict=True)))
    if origin is list:
        _expect(data, list, where)
        return [_read(args[0] if args else Any, v, names, f"{where}[{i}]") for i, v in enumerate(data)]
    if origin in (dict, Mapping):
        _expect(data, dict, where)
        value_kind = args[1] if args else Any
        return {k: _read(value_kind, v, names, f"{where}[{k!r}]") for k, v in data.items()}
    if dataclasses.is_dataclass(kind):
        return _read_dataclass(kind, data, names, where)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        try:
            return kind(data)
        except ValueError as exc:
            raise PlainError(f"{where}: {exc}") from None
    if kind is Path:
        return Path(_expect(data, str, where))
    if kind is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise PlainError(f"{where}: expected a number, got {data!r}")
        return float(data)
    if kind is int and isinstance(data, bool):
        raise PlainError(f"{where}: expected an integer, got {data!r}")
    if kind in (int, str, bool):
        return _expect(data, kind, where)
    if kind is type(None) or kind is None:
        if data is not None:
            raise PlainError(f"{where}: expected null, got {data!r}")
        return None
    if kind in (dict, list):
        return _expect(data, kind, where)
    raise PlainError(f"{where}: from_plain cannot read the type {kind!r}")


def _read_dataclass(kind: type, data: Any, names: tuple[tuple[str, Any], ...], where: str) -> Any:
    _expect(data, dict, where)
    hints = _field_types(kind, names)
    values = {}
    for f in dataclasses.fields(kind):
        if not f.init:
            continue
        if f.name in data:
            values[f.name] = _read(hints[f.name], data[f.name], names, f"{where}.{f.name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise PlainError(f"{where}: no {f.name!r} for a {kind.__name__}")
    return kind(**values)


@functools.cache
def _field_types(kind: type, names: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    """The dataclass's field annotations, resolved (they are strings under ``from __future__ import annotations``)."""
    module = vars(sys.modules[kind.__module__])
    try:
        return typing.get_type_hints(kind, globalns=module, localns=dict(names))
    except NameError as exc:
        raise PlainError(f"{kind.__name__} names a type its module does not import at run time ({exc}); pass it in names") from None


def _expect(data: Any, kind: type, where: str) -> Any:
    if not isinstance(data, kind):
        raise PlainError(f"{where}: expected {kind.__name__}, got {type(data).__name__} {data!r:.80}")
    return data
