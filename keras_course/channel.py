"""The data channel between a probe in the student's kernel and the judge.

Probes write plain JSON files (and ``.keras`` model files) into the folder
named by ``GRADER_PROBE_DIR``; the judge reads them back with
`grader.probe_files.read_probe` (the instructor's side). Everything that
crosses is plain data: numbers, arrays of numbers, strings. `decode` never
unpickles or executes anything, and it checks every value's type, shape and
size, because the student's code can write these files too.

Example:

>>> decode(json.loads(json.dumps(encode([[1, 2], [3, 4]])))).shape
(2, 2)
>>> decode(encode("relu"))
'relu'
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

PROBE_DIR_VARIABLE = "GRADER_PROBE_DIR"
MAX_ELEMENTS = 1_000_000
_NUMERIC_KINDS = {"b": "bool", "i": "int64", "u": "int64", "f": "float64"}


class ChannelError(ValueError):
    """Raised when probe data is malformed (by a bug, or by tampering)."""


class Unencodable(TypeError):
    """Raised in the kernel when an answer is not plain data (for example an object)."""


def encode(value: Any) -> dict[str, Any]:
    """Turn an answer into plain JSON data, or raise `Unencodable`."""
    if value is None:
        return {"type": "none"}
    if isinstance(value, str):
        return {"type": "str", "value": value[:10_000]}
    try:
        array = np.asarray(value)
    except Exception as exc:  # arbitrary objects may raise anything when converted
        raise Unencodable(f"a {type(value).__name__} that is not a number or an array") from exc
    if array.dtype.kind not in _NUMERIC_KINDS:
        raise Unencodable(f"a {type(value).__name__} that is not a number or an array of numbers")
    if array.size > MAX_ELEMENTS:
        raise Unencodable(f"an array with {array.size} elements (more than {MAX_ELEMENTS})")
    dtype = _NUMERIC_KINDS[array.dtype.kind]
    flat = array.astype(dtype).ravel().tolist()
    return {"type": "array", "dtype": dtype, "shape": list(array.shape), "data": flat}


def decode(data: Any) -> np.ndarray | str | None:
    """Rebuild a value written by `encode`, checking every field strictly."""
    if not isinstance(data, dict):
        raise ChannelError("value is not an object")
    kind = data.get("type")
    if kind == "none":
        return None
    if kind == "str":
        if not isinstance(data.get("value"), str):
            raise ChannelError("string value is not a string")
        return data["value"]
    if kind != "array":
        raise ChannelError(f"unknown value type {kind!r}")
    dtype, shape, flat = data.get("dtype"), data.get("shape"), data.get("data")
    if dtype not in set(_NUMERIC_KINDS.values()):
        raise ChannelError(f"unknown dtype {dtype!r}")
    if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
        raise ChannelError("shape is not a list of sizes")
    if not isinstance(flat, list) or len(flat) != math.prod(shape) or len(flat) > MAX_ELEMENTS:
        raise ChannelError("data does not match its shape")
    allowed = (bool,) if dtype == "bool" else (int,) if dtype == "int64" else (int, float)
    if not all(type(x) in allowed for x in flat):
        raise ChannelError(f"data holds values that are not {dtype}")
    return np.array(flat, dtype=dtype).reshape(shape)


def probe_dir() -> Path | None:
    """The folder the grader gave this kernel for probe data, if any."""
    value = os.environ.get(PROBE_DIR_VARIABLE)
    return Path(value) if value else None


def write_probe(directory: Path, question: str, items: dict[str, Any]) -> Path:
    """Write one question's probe items atomically (kernel side)."""
    path = directory / f"{question}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"question": question, "items": items}, allow_nan=True))
    tmp.replace(path)
    return path








