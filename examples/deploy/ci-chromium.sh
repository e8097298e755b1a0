#!/usr/bin/env bash
# Debian's Chromium for the UI tests (telemetry_assets_tests/test_ui.py), installed with apt-get
# when /usr/bin/chromium is missing. The Playwright wheel (a dev dependency) drives it; no browser
# is ever downloaded. Needs root or sudo and no prompts (DEBIAN_FRONTEND=noninteractive).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
log=$(mktemp)
if ! { $SUDO apt-get update -qq </dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
       chromium </dev/null; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "ci-chromium: could not install chromium (log above)" >&2
  exit 1
fi
echo "ci-chromium: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)" >&2
