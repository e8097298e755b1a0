"""Screenshot of the report asset's page (with its metadata) in the Dagster UI.

Usage: python examples/screenshot_report.py BASE_URL OUT.png [PARTITION]
Drives Debian's Chromium (/usr/bin/chromium) through Playwright; no browser is downloaded.
Dismisses the first-visit community dialog, opens the asset's Events tab for the partition and
waits for the metadata table before taking the picture.
"""

from __future__ import annotations

import contextlib
import os
import sys

from playwright.sync_api import sync_playwright

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main(argv: list[str]) -> int:
    base, out = argv[0], argv[1]
    partition = argv[2] if len(argv) > 2 else "2026-11-22"
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1500})
        page.goto(f"{base}/assets/telemetry_report?view=events&partition={partition}")
        skip = page.get_by_role("button", name="Skip")
        # The community dialog only shows on a fresh instance.
        with contextlib.suppress(Exception):
            skip.click(timeout=8000)
        page.get_by_text("total_errors").first.wait_for(timeout=30000)
        page.wait_for_timeout(1500)
        page.screenshot(path=out, full_page=True)
        browser.close()
    print(f"screenshot: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
