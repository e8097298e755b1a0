#!/usr/bin/env bash
# Screenshots of the Dagster UI via headless Chromium: the report asset's page with its metadata,
# a run blocked by the privacy gate, its Checks tab, and the backfill dialog.
# Runs the demo first (so the instance has a materialization), starts the webserver on a free
# loopback port, saves reports/telemetry/ui-telemetry_report.png, and stops the webserver.
# Needs Debian's chromium (apt-get install chromium); the Playwright wheel drives it, no browser
# is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
  echo "chromium not found: apt-get install chromium (or set CHROMIUM=/path/to/chrome)" >&2
  exit 2
fi
bash examples/demo.sh >/dev/null
.venv/bin/python -m pip install --quiet -e ".[dev,screenshot]"
export DAGSTER_HOME="$PWD/.dagster_home"
PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# A background job ignores SIGINT; restore it so SIGTERM shuts the webserver down cleanly.
.venv/bin/python -c 'import os,signal,sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
  .venv/bin/dagster-webserver -h 127.0.0.1 -p "$PORT" -m telemetry_assets.definitions \
  >"$DAGSTER_HOME/webserver.log" 2>&1 &
WS=$!
trap 'kill -TERM $WS 2>/dev/null; wait $WS 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$PORT/server_info" >/dev/null 2>&1 && break
  sleep 0.5
done
OUT=${TELEMETRY_REPORTS_DIR:-reports/telemetry}/ui-telemetry_report.png
CHROMIUM="$CHROMIUM" .venv/bin/python examples/screenshot_report.py "http://127.0.0.1:$PORT" "$OUT" 2026-11-22
# The blocked-run page, the blocked check's Checks tab and the backfill dialog, as the UI tests
# see them (each test makes its own instance: a run stopped by a planted leak, then the group's
# "Materialize all…" dialog with a range of report dates typed in).
shots=$(mktemp -d)
.venv/bin/python -m pytest -q -p no:cacheprovider telemetry_assets_tests/test_ui.py \
  --basetemp="$shots" >"$DAGSTER_HOME/ui-tests.log" 2>&1 || {
  echo "UI tests failed; log: $DAGSTER_HOME/ui-tests.log" >&2
  exit 1
}
# find does not follow pytest's "...current" links to the same folders: each picture once.
for png in $(find "$shots" -type f -name 'ui-*.png' | sort); do
  cp "$png" "$(dirname "$OUT")/"
  echo "screenshot: $(dirname "$OUT")/$(basename "$png")"
done
rm -rf "$shots"
