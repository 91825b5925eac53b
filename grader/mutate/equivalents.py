"""The reviewed list of equivalent mutants that lives beside a solution notebook.

``solutions/NN_name.mutants.toml`` (instructor-only, like the solution) lists
mutants a person checked and found to behave like the solution on every input
the question allows, each with a one-line reason::

    [[equivalent]]
    id = "drop-kwarg:q1-answer:4:33:0"
    change = "np.asarray(z, dtype=float) -> np.asarray(z)"
    reason = "np.tanh returns floats for integer input anyway"

``change`` is what `grader mutate` printed; when the solution changes so that
the id names another change, the entry is reported as stale and not used.

Example:

>>> read_equivalents(Path("solutions/03_the_forward_pass.mutants.toml"))  # doctest: +SKIP
{'number:q5-answer:6:19:0': Equivalent(id=..., change=..., reason=...)}
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.mutate.mutants import Mutant


class EquivalentsError(ValueError):
    """The equivalents file cannot be read."""


@dataclass(frozen=True)
class Equivalent:
    """One reviewed equivalent mutant.

    Args:
        id: the mutant id.
        change: the change as ``before -> after`` when it was reviewed.
        reason: why no allowed input can tell it from the solution.
    """

    id: str
    change: str
    reason: str


def equivalents_path(solution: Path) -> Path:
    """``solutions/NN_name.mutants.toml`` for ``solutions/NN_name.ipynb``."""
    return solution.with_suffix(".mutants.toml")


def read_equivalents(path: Path) -> dict[str, Equivalent]:
    """The reviewed equivalent mutants by id; empty when the file does not exist.

    Raises:
        EquivalentsError: when the file is not valid TOML or an entry lacks an id or a reason.
    """
    if not path.is_file():
        return {}
    try:
        entries = tomllib.loads(path.read_text()).get("equivalent", [])
    except tomllib.TOMLDecodeError as exc:
        raise EquivalentsError(f"{path} is not valid TOML: {exc}") from exc
    found: dict[str, Equivalent] = {}
    for number, entry in enumerate(entries, start=1):
        if not entry.get("id") or not entry.get("reason"):
            raise EquivalentsError(
                f"{path}: [[equivalent]] entry {number} needs an id and a reason. Received: {entry!r}"
            )
        found[entry["id"]] = Equivalent(entry["id"], entry.get("change", ""), entry["reason"])
    return found


def stale_equivalents(equivalents: dict[str, Equivalent], mutants: list[Mutant]) -> tuple[Equivalent, ...]:
    """Entries whose id no mutant has any more, or whose id now names another change."""
    changes = {m.id: m.change for m in mutants}
    return tuple(e for e in equivalents.values() if e.id not in changes or e.change not in ("", changes[e.id]))
