#!/usr/bin/env bash
# Installs the project (./.venv), checks style and types, and runs the whole test suite on both cores.
set -euo pipefail
cd "$(dirname "$0")/.."
bash examples/setup-venv.sh
.venv/bin/ruff check telemetry_assets telemetry_assets_tests benchmarks examples
.venv/bin/ruff format --check --quiet telemetry_assets telemetry_assets_tests benchmarks examples
.venv/bin/mypy
.venv/bin/python -m pytest -n 2 -q -p no:cacheprovider "$@"
