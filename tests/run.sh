#!/usr/bin/env bash
# The test command: lint, then the whole suite on both cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
ruff check grader tests benchmarks
exec python -m pytest -n 2 --dist loadfile "$@"
