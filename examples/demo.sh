#!/usr/bin/env bash
# The main job on the bundled sample artifacts, with Dagster's embedded SQLite instance.
# Usage: bash examples/demo.sh [REPORT_DATE]   (default 2026-11-22, the examples' Sunday)
set -euo pipefail
cd "$(dirname "$0")/.."
D=${1:-2026-11-22}
bash examples/setup-venv.sh
export DAGSTER_HOME="$PWD/.dagster_home"
mkdir -p "$DAGSTER_HOME"
cp examples/dagster.yaml "$DAGSTER_HOME/dagster.yaml"
export TELEMETRY_ARTIFACTS_ROOT=${TELEMETRY_ARTIFACTS_ROOT:-examples/artifacts}
# The bundled examples are dated November 2026: their report dates start there.
export TELEMETRY_FIRST_REPORT_DATE=${TELEMETRY_FIRST_REPORT_DATE:-2026-11-01}
export TELEMETRY_REPO_ROOT=${TELEMETRY_REPO_ROOT:-examples/repo}
export TELEMETRY_REPORTS_DIR=${TELEMETRY_REPORTS_DIR:-reports/telemetry}
export TELEMETRY_REPO_FIXTURE=${TELEMETRY_REPO_FIXTURE:-examples/repo-history.json}
.venv/bin/dagster asset materialize -m telemetry_assets.definitions --select '*' --partition "$D" \
  > "$DAGSTER_HOME/last-materialize.log" 2>&1 || {
  echo "materialization failed; Dagster's log: $DAGSTER_HOME/last-materialize.log" >&2
  grep -E "ERROR|did not pass" "$DAGSTER_HOME/last-materialize.log" | tail -n 5 >&2 || true
  exit 1
}
echo "Report for $D:"
echo "  $TELEMETRY_REPORTS_DIR/telemetry-report-$D.md"
echo "  $TELEMETRY_REPORTS_DIR/error-aggregates-$D.json"
echo "  $TELEMETRY_REPORTS_DIR/occurrences-$D.parquet"
echo "Open the UI with:  DAGSTER_HOME=$DAGSTER_HOME TELEMETRY_ARTIFACTS_ROOT=$TELEMETRY_ARTIFACTS_ROOT \\"
echo "  TELEMETRY_REPO_ROOT=$TELEMETRY_REPO_ROOT TELEMETRY_FIRST_REPORT_DATE=$TELEMETRY_FIRST_REPORT_DATE .venv/bin/dagster dev"
