"""Shared fixtures (the repository's course, its config, one model scorer), and the order of the test files.

Under pytest-xdist (``tests/run.sh`` runs ``-n 2 --dist loadfile``), test files
are handed out longest first (``tests/durations.json``, from a measured run;
``tests/durations.py`` refreshes it), so the last file to finish is a short one
and neither core idles at the end.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from grader.config import GraderConfig, load_config
from grader.course import Course

ROOT = Path(__file__).resolve().parents[1]
DURATIONS = Path(__file__).with_name("durations.json")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest test files first (seconds in ``tests/durations.json``; a file not listed there counts as a minute)."""
    seconds = json.loads(DURATIONS.read_text()) if DURATIONS.is_file() else {}
    items.sort(key=lambda item: -seconds.get(item.path.name, 60.0))


@pytest.fixture(scope="session")
def course() -> Course:
    return Course(ROOT)


@pytest.fixture(scope="session")
def config() -> GraderConfig:
    return load_config(ROOT).with_overrides(workers=2)


@pytest.fixture(scope="session")
def model_scorer(tmp_path_factory):
    """Scores saved models on held-out sets, as the judge does (one scorer process per session)."""
    from grader.judge import HeldoutScorer
    from grader.modelscore import ModelScorerProcess

    with ModelScorerProcess(tmp_path_factory.mktemp("judge"), sandbox=False) as process:
        yield HeldoutScorer(process, secret=b"tests")
