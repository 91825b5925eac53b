"""Shared fixtures: the repository's course, and a sample class graded once per module."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.config import GraderConfig, load_config
from grader.course import Course

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


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
