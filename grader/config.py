"""Configuration in one typed object.

Values come from, in order of precedence: command-line flags, the
``[tool.grader]`` table of the course's ``pyproject.toml``, and the defaults
declared below.

Example:

>>> config = GraderConfig()
>>> config.limits.memory_mb
2048
>>> config.with_overrides(memory_mb=512).limits.memory_mb
512
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from keras_course.colab import REPOSITORY_URL  # noqa: F401 - read here by grader.publish and its command


class ConfigError(ValueError):
    """Raised when a configuration value is unknown, of the wrong type or out of range.

    Its message is one line that names the setting, the rule and what was received.
    """


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Limits:
    """Resource bounds for one student notebook in the sandbox.

    Args:
        cell_timeout: seconds one cell may run. Defaults to 120.
        notebook_timeout: seconds the whole notebook may run. Defaults to 600.
        memory_mb: memory of all the notebook's processes together. Defaults to 2048.
        max_processes: processes and threads the notebook may hold at once.
            Defaults to 512 (TensorFlow alone starts a few threads per core).
        disk_mb: size of the writable scratch space. Defaults to 256.
        output_kb: text and image output kept per notebook. Defaults to 512.
    """

    cell_timeout: float = 120.0
    notebook_timeout: float = 600.0
    memory_mb: int = 2048
    max_processes: int = 512
    disk_mb: int = 256
    output_kb: int = 512

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            whole = f.type == "int"  # a size or a count; the timeouts may be fractions of a second
            if not (_is_integer(value) if whole else _is_number(value)) or not value > 0:
                rule = "a positive integer" if whole else "a positive number"
                raise ConfigError(f"{f.name} expected {rule}. Received: {f.name}={value!r}")


@dataclass(frozen=True)
class GraderConfig:
    """Everything a grading run needs to know, resolved once.

    Args:
        course: the course root (holds solutions/, exercises/, .grader/).
            Defaults to the current folder.
        limits: sandbox resource bounds. Defaults to ``Limits()``.
        workers: notebooks graded at once. Defaults to the number of CPU cores.
        sandbox: run student code in bubblewrap. Defaults to True.
        seed: the seed the grader fixes in every kernel. Defaults to 0.
        db_url: nbgrader gradebook URL; empty means ``sqlite:///<out>/gradebook.db``.
        show_expected: show hidden expected values in feedback. Defaults to False.
        lms: how submission file names carry the student: "canvas", "moodle",
            or a regular expression with ``student`` and ``file`` groups (see
            `grader.lms`); empty for a folder per student. Defaults to "".
        gpus: "" for the CPU, "all", or GPU indices such as "0,1"; each worker
            takes one (see `grader.gpus`). Defaults to "".
        warm: start kernels warm, forked from a server that imported TensorFlow
            once per worker (see `grader.warm`); False starts each cold. Defaults to True.
        scheduler: a Dask scheduler address (``tcp://host:8786``) to grade on
            a cluster; empty grades on this machine. Defaults to "".
        leaderboard_names: show student ids instead of pseudonyms on the
            report's leaderboards. Defaults to False.
    """

    course: Path = field(default_factory=Path.cwd)
    limits: Limits = field(default_factory=Limits)
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    sandbox: bool = True
    seed: int = 0
    db_url: str = ""
    show_expected: bool = False
    lms: str = ""
    gpus: str = ""
    scheduler: str = ""
    warm: bool = True
    leaderboard_names: bool = False

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.type == "bool" and not isinstance(value, bool):
                raise ConfigError(f"{f.name} expected true or false. Received: {f.name}={value!r}")
            if f.type == "str" and not isinstance(value, str):
                raise ConfigError(f"{f.name} expected a string. Received: {f.name}={value!r}")
            if f.type == "int" and not _is_integer(value):
                raise ConfigError(f"{f.name} expected an integer. Received: {f.name}={value!r}")
        if not isinstance(self.course, Path):
            raise ConfigError(f"course expected a path. Received: course={self.course!r}")
        if not isinstance(self.limits, Limits):
            raise ConfigError(f"limits expected a Limits. Received: limits={self.limits!r}")
        if self.workers < 1:
            raise ConfigError(f"workers expected a positive integer. Received: workers={self.workers!r}")

    def with_overrides(self, **values: object) -> GraderConfig:
        """Return a copy with the given fields (top level or limits) replaced.

        ``None`` values are ignored so unset command-line flags keep the config.
        """
        values = {k: v for k, v in values.items() if v is not None}
        limit_names = {f.name for f in dataclasses.fields(Limits)}
        limits = {k: values.pop(k) for k in list(values) if k in limit_names}
        unknown = set(values) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ConfigError(f"Unknown setting(s): {', '.join(sorted(unknown))}. Allowed: {allowed_settings()}")
        return dataclasses.replace(
            self, limits=dataclasses.replace(self.limits, **limits), **values
        )

    def describe(self) -> str:
        """The values in effect, one per line, for ``--show-config``."""
        lines = [f"course = {self.course}"]
        for f in dataclasses.fields(self):
            if f.name not in {"course", "limits"}:
                lines.append(f"{f.name} = {getattr(self, f.name)!r}")
        for f in dataclasses.fields(self.limits):
            lines.append(f"limits.{f.name} = {getattr(self.limits, f.name)!r}")
        return "\n".join(lines)


def allowed_settings() -> str:
    """The setting names `GraderConfig.with_overrides` and ``[tool.grader]`` accept, for error messages.

    Example:

    >>> allowed_settings().split("; ")[1]
    'limits: cell_timeout, notebook_timeout, memory_mb, max_processes, disk_mb, output_kb'
    """
    top = [f.name for f in dataclasses.fields(GraderConfig) if f.name not in {"course", "limits"}]
    return f"{', '.join(top)}; limits: {', '.join(f.name for f in dataclasses.fields(Limits))}"


def load_config(course: Path | None = None) -> GraderConfig:
    """Read ``[tool.grader]`` from ``<course>/pyproject.toml`` if it exists.

    Raises:
        ConfigError: the table is not valid TOML, names an unknown key (the
            message lists the allowed ones) or holds a value out of range.

    Example ``pyproject.toml`` table::

        [tool.grader]
        workers = 2
        [tool.grader.limits]
        memory_mb = 1024
    """
    course = (course or Path.cwd()).resolve()
    config = GraderConfig(course=course)
    pyproject = course / "pyproject.toml"
    if not pyproject.is_file():
        return config
    try:
        table = tomllib.loads(pyproject.read_text()).get("tool", {}).get("grader", {})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject} is not valid TOML: {exc}") from exc
    table = dict(table)
    limits = table.pop("limits", {})
    table.pop("repository", None)  # read by keras_course.colab and grader.publish
    if "course" in table:  # the course is the folder this file is in
        raise ConfigError(f"{pyproject} [tool.grader]: Unknown setting(s): course. Allowed: {allowed_settings()}")
    if not isinstance(limits, dict):
        raise ConfigError(f"{pyproject}: [tool.grader] limits expected a table. Received: limits={limits!r}")
    try:
        return config.with_overrides(**table, **limits)
    except ConfigError as exc:
        raise ConfigError(f"{pyproject} [tool.grader]: {exc}") from exc
