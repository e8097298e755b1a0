#!/usr/bin/env bash
# Installs the project (./.venv) and runs the whole test suite on both cores.
set -euo pipefail
cd "$(dirname "$0")/.."
bash examples/setup-venv.sh
.venv/bin/python -m pytest -n 2 -q -p no:cacheprovider "$@"
