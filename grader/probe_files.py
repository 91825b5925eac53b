"""Reading the probe folder a student's kernel wrote (the judge's side of `keras_course.channel`).

The folder, its JSON files and its ``.keras`` files are the student's: the
code here refuses links, paths outside the folder, oversized and malformed
files, and names a probe did not write, before anything is decoded.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from keras_course.channel import ChannelError

MAX_PROBE_BYTES = 20 * 1024 * 1024
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")


def read_probe(directory: Path, question: str) -> dict[str, Any] | None:
    """Read one question's items (judge side); ``None`` if the probe never wrote them.

    Raises:
        ChannelError: the file is too large, not JSON, or not shaped as written.
    """
    if not _SAFE_NAME.match(question):
        raise ChannelError(f"bad question id {question!r}")
    check_folder(directory)
    path = directory / f"{question}.json"
    if path.is_symlink() or not path.exists():
        return None
    if not path.is_file() or path.stat().st_size > MAX_PROBE_BYTES:
        raise ChannelError(f"probe file for {question} is not a plain file under the size limit")
    try:
        document = json.loads(_read_nofollow(path))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ChannelError(f"probe file for {question} is not JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("question") != question:
        raise ChannelError(f"probe file for {question} names another question")
    items = document.get("items")
    if not isinstance(items, dict) or not all(isinstance(k, str) for k in items):
        raise ChannelError(f"probe file for {question} has no items")
    return items


def check_folder(directory: Path) -> None:
    """Refuse a probe folder the student replaced by a link (to a classmate's probes, say)."""
    if directory.is_symlink() or not directory.is_dir() or directory.resolve() != directory.absolute():
        raise ChannelError(f"{directory} is not the probe folder the grader made")


def _read_nofollow(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        return f.read(MAX_PROBE_BYTES + 1)


def safe_file(directory: Path, name: Any, suffix: str) -> Path:
    """Resolve a file a probe named, refusing links and paths outside ``directory``."""
    check_folder(directory)
    if not isinstance(name, str) or not _SAFE_NAME.match(name) or not name.endswith(suffix):
        raise ChannelError(f"bad file name {name!r}")
    path = directory / name
    if path.is_symlink() or not path.is_file():
        raise ChannelError(f"{name} is missing or not a plain file")
    return path
