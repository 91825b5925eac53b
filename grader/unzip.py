"""Unpack a class handed in as one zip, refusing what could hurt the grader's machine.

Refused or cut: paths that climb out (``../``) or are absolute, symbolic links,
members that unpack to more than a notebook may weigh (zip bombs: the sizes a
zip declares may lie, so the stream itself is counted), and archives with too
many members or too many bytes in all. What is refused is reported per file, so
the student gets a clear status and the batch goes on.

Example:

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> with zipfile.ZipFile(folder / "class.zip", "w") as archive:
...     archive.writestr("ada/01_the_neuron.ipynb", "{}")
...     archive.writestr("../../etc/cron.d/evil", "* * * * * root sh")
>>> unpack_class(folder / "class.zip", folder / "class")
{}
>>> sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())
['class.zip', 'class/ada/01_the_neuron.ipynb']
"""

from __future__ import annotations

import logging
import stat
import zipfile
from pathlib import Path, PurePosixPath

from grader.ingest import MAX_NOTEBOOK_BYTES

log = logging.getLogger(__name__)

MAX_MEMBERS = 20_000
MAX_TOTAL_BYTES = 4 * 1024**3
_CHUNK = 1024 * 1024


class BadArchive(ValueError):
    """The file is not a zip we can read at all."""


def _safe_name(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts or ":" in path.parts[0]:
        return None
    return path


def unpack_class(archive: Path, dest: Path) -> dict[Path, str]:
    """Unpack ``archive`` into ``dest``; returns {unpacked file: why it cannot be used}."""
    problems: dict[Path, str] = {}
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadArchive(f"{archive} is not a readable zip file: {exc}") from exc
    total = 0
    with zf:
        members = zf.infolist()
        if len(members) > MAX_MEMBERS:
            raise BadArchive(f"{archive} has {len(members)} members, more than {MAX_MEMBERS}")
        for info in members:
            name = _safe_name(info.filename)
            if name is None:
                log.warning("zip: refusing %r (it points outside the class folder)", info.filename)
                continue
            if info.is_dir():
                continue
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if stat.S_ISLNK(info.external_attr >> 16):
                log.warning("zip: refusing symbolic link %r", info.filename)
                target.write_bytes(b"")
                problems[target] = "the file is a symbolic link, not a notebook"
                continue
            written = 0
            with zf.open(info) as source, target.open("wb") as out:
                while chunk := source.read(_CHUNK):
                    written += len(chunk)
                    if written > MAX_NOTEBOOK_BYTES or total + written > MAX_TOTAL_BYTES:
                        break
                    out.write(chunk)
            if written > MAX_NOTEBOOK_BYTES or total + written > MAX_TOTAL_BYTES:
                target.write_bytes(b"")
                problems[target] = "the file unpacks to more than 50 MB (is it a zip bomb?)"
                continue
            total += written
    return problems
