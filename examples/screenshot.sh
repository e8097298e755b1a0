#!/usr/bin/env bash
# Screenshots of the Dagster UI via headless Chromium, as the UI tests see them: the report
# asset's page with its metadata (the bundled examples materialized), a run stopped by the privacy
# gate, its Checks tab, and the asset group's backfill dialog with a range of report dates typed
# in. Each test starts its own instance and webserver on a free loopback port; the pictures are
# saved under reports/telemetry/ (or TELEMETRY_REPORTS_DIR). Needs Debian's chromium
# (examples/deploy/ci-chromium.sh installs it); the Playwright wheel drives it, no browser is
# downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
bash examples/setup-venv.sh
OUT=${TELEMETRY_REPORTS_DIR:-reports/telemetry}
mkdir -p "$OUT"
shots=$(mktemp -d)
trap 'rm -rf "$shots"' EXIT
.venv/bin/python -m pytest -q -p no:cacheprovider telemetry_assets_tests/test_ui.py \
  --basetemp="$shots" >"$shots/ui-tests.log" 2>&1 || {
  cp "$shots/ui-tests.log" "$OUT/ui-tests.log"
  echo "UI tests failed; log: $OUT/ui-tests.log" >&2
  exit 1
}
# find does not follow pytest's "...current" links to the same folders: each picture once.
for png in $(find "$shots" -type f -name 'ui-*.png' | sort); do
  cp "$png" "$OUT/"
  echo "screenshot: $OUT/$(basename "$png")"
done
