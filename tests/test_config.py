"""grader.config: one typed object, read from ``[tool.grader]``, overridden by flags, checked field by field."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from grader.cli import main
from grader.config import ConfigError, GraderConfig, Limits, allowed_settings, load_config

INTEGER_LIMITS = ("memory_mb", "max_processes", "disk_mb", "output_kb")
SECONDS_LIMITS = ("cell_timeout", "notebook_timeout")


def _course(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(table)
    return tmp_path


def test_every_limit_and_setting_is_named_in_the_allowed_list():
    names = {f.name for f in dataclasses.fields(GraderConfig)} - {"course", "limits"}
    assert set(INTEGER_LIMITS + SECONDS_LIMITS) == {f.name for f in dataclasses.fields(Limits)}
    assert all(name in allowed_settings() for name in [*names, *INTEGER_LIMITS, *SECONDS_LIMITS])


@pytest.mark.parametrize("name", INTEGER_LIMITS + SECONDS_LIMITS)
@pytest.mark.parametrize("value", [0, -1, True, "2", None])
def test_a_limit_must_be_a_positive_number(name, value):
    with pytest.raises(ConfigError, match=rf"^{name} expected a positive (number|integer)\. Received: {name}={value!r}$"):
        Limits(**{name: value})


@pytest.mark.parametrize("name", INTEGER_LIMITS)
def test_a_size_or_count_limit_must_be_whole(name):
    with pytest.raises(ConfigError, match=rf"^{name} expected a positive integer\. Received: {name}=1.5$"):
        Limits(**{name: 1.5})


@pytest.mark.parametrize("name", SECONDS_LIMITS)
def test_a_timeout_may_be_a_fraction_of_a_second(name):
    assert getattr(Limits(**{name: 0.5}), name) == 0.5


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("sandbox", "yes", "true or false"),
        ("warm", 1, "true or false"),
        ("show_expected", None, "true or false"),
        ("leaderboard_names", "no", "true or false"),
        ("db_url", 3, "a string"),
        ("lms", None, "a string"),
        ("gpus", 0, "a string"),
        ("scheduler", False, "a string"),
        ("seed", 1.0, "an integer"),
        ("seed", True, "an integer"),
        ("workers", "2", "an integer"),
        ("workers", 0, "a positive integer"),
        ("course", "/tmp/course", "a path"),
        ("limits", {"memory_mb": 1}, "a Limits"),
    ],
)
def test_a_setting_of_the_wrong_type_or_range_names_the_setting_the_rule_and_the_value(name, value, rule):
    with pytest.raises(ConfigError, match=f"^{name} expected {rule}. Received: {name}="):
        GraderConfig(**{name: value})


def test_overrides_replace_top_level_settings_and_limits_and_ignore_unset_flags():
    config = GraderConfig(workers=3).with_overrides(workers=None, memory_mb=512, cell_timeout=None, seed=7)
    assert (config.workers, config.seed, config.limits.memory_mb) == (3, 7, 512)
    assert config.limits.cell_timeout == Limits().cell_timeout


def test_an_unknown_override_names_the_allowed_settings():
    with pytest.raises(ConfigError) as raised:
        GraderConfig().with_overrides(memory=512)
    assert str(raised.value) == f"Unknown setting(s): memory. Allowed: {allowed_settings()}"


def test_describe_lists_every_value_in_effect():
    lines = GraderConfig(course=Path("/c"), workers=2).with_overrides(output_kb=9).describe().splitlines()
    assert lines[0] == "course = /c" and "workers = 2" in lines and "limits.output_kb = 9" in lines
    assert len(lines) == len(dataclasses.fields(GraderConfig)) - 1 + len(dataclasses.fields(Limits))


def test_without_a_pyproject_the_defaults_hold(tmp_path):
    assert load_config(tmp_path) == GraderConfig(course=tmp_path.resolve())


def test_the_tool_grader_table_and_its_limits_table_are_read(tmp_path):
    course = _course(tmp_path, '[project]\nname = "c"\n[tool.grader]\nworkers = 2\nwarm = false\nrepository = "x"\n'
                               "[tool.grader.limits]\nmemory_mb = 1024\ncell_timeout = 30.5\n")
    config = load_config(course)
    assert (config.course, config.workers, config.warm) == (course.resolve(), 2, False)
    assert (config.limits.memory_mb, config.limits.cell_timeout) == (1024, 30.5)


def test_a_file_without_a_tool_grader_table_keeps_the_defaults(tmp_path):
    assert load_config(_course(tmp_path, '[project]\nname = "c"\n')).workers == GraderConfig().workers


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("[tool.grader]\nworkerz = 2\n", "Unknown setting(s): workerz. Allowed: "),
        ('[tool.grader]\ncourse = "/elsewhere"\n', "Unknown setting(s): course. Allowed: "),
        ("[tool.grader.limits]\nmemory = 2\n", "Unknown setting(s): memory. Allowed: "),
        ("[tool.grader]\nlimits = 3\n", "limits expected a table. Received: limits=3"),
        ("[tool.grader.limits]\nmemory_mb = 0\n", "memory_mb expected a positive integer. Received: memory_mb=0"),
        ('[tool.grader]\nworkers = "two"\n', "workers expected an integer. Received: workers='two'"),
        ("[tool.grader\n", "is not valid TOML"),
    ],
)
def test_a_bad_tool_grader_table_names_the_file_and_the_rule(tmp_path, table, expected):
    with pytest.raises(ConfigError) as raised:
        load_config(_course(tmp_path, table))
    message = str(raised.value)
    assert str(tmp_path / "pyproject.toml") in message and expected in message and "\n" not in message.strip()
    if "Unknown" in expected:
        assert message.endswith(allowed_settings())


# --- the command line: flags over the file, and one line with exit 2 for a bad value ----------


def test_flags_override_the_file(tmp_path, capsys):
    course = _course(tmp_path, "[tool.grader]\nworkers = 2\n[tool.grader.limits]\nmemory_mb = 1024\ncell_timeout = 30\n")
    args = ["grade", str(tmp_path), "--out", str(tmp_path / "out"), "--course", str(course), "--show-config"]
    assert main([*args, "--memory-mb", "700", "--no-sandbox", "--cold"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert {"limits.memory_mb = 700", "limits.cell_timeout = 30", "workers = 2", "sandbox = False", "warm = False"} <= set(shown)


def test_a_limit_out_of_range_is_one_line_and_exit_2(tmp_path, capsys):
    code = main(["grade", str(tmp_path), "--out", str(tmp_path / "out"), "--memory-mb", "0", "--course", str(tmp_path)])
    assert code == 2
    assert capsys.readouterr().err == "ERROR: memory_mb expected a positive integer. Received: memory_mb=0\n"


def test_an_unknown_tool_grader_key_is_one_line_naming_the_allowed_keys(tmp_path, capsys):
    course = _course(tmp_path, "[tool.grader]\nworkerz = 2\n")
    code = main(["grade", str(tmp_path), "--out", str(tmp_path / "out"), "--course", str(course)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "Unknown setting(s): workerz" in err and "workers, sandbox, seed" in err and "limits: cell_timeout" in err
    assert str(tmp_path / "pyproject.toml") in err


def test_a_value_of_the_wrong_type_in_tool_grader_is_one_line_too(tmp_path, capsys):
    _course(tmp_path, '[tool.grader]\nworkers = "two"\n')
    assert main(["build", "--course", str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
