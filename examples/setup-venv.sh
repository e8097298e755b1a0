#!/usr/bin/env bash
# Creates ./.venv (if missing) and installs the project with its dev extras. Idempotent.
# pip's own output goes to .venv/install.log and is shown only when something fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $("$PY" --version 2>&1)" >&2
  "$PY" -m venv .venv
fi
log=.venv/install.log
if ! { .venv/bin/python -m pip install --upgrade pip \
       && .venv/bin/python -m pip install -e ".[dev]" \
       && .venv/bin/python -m pip check; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "installation failed (log above, also in $log)" >&2
  exit 1
fi
