#!/usr/bin/env bash
# The test command: lint, then the whole suite on both cores, with the docstring
# examples of the grader package (tests/test_docstrings.py), longest files first (tests/conftest.py),
# and the slowest tests listed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
ruff check keras_course grader tests benchmarks
exec python -m pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=15 tests "$@"
