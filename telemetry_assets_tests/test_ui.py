"""What a maintainer sees in the Dagster UI, read from a real webserver in headless Chromium.

Specification: the report asset's page shows its metadata (totals, the top groups named as the
report names them, the dated daily chart); a run the privacy gate blocked reads as a privacy
stop (what happened, the audit request, what to do next), never as a bare crash, and without the
matched text; the Checks tab of the blocked asset names the report date; the backfill dialog of
the asset group offers the report dates from the configured first date, and a range typed into
it selects those dates. Screenshots land in the test's temporary folder
(``examples/screenshot.sh`` keeps them).
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from telemetry_assets_tests.builders import ci_run, harness, junit, write_run
from telemetry_assets_tests.webui import (
    browser_page,
    dismiss_first_visit_dialog,
    new_dagster_home,
    webserver,
)

D = "2026-11-22"
PERSON = "dana.whitfield@example.org"

pytestmark = pytest.mark.slow


def _env(h: object, first: str = "2026-11-01") -> dict[str, str]:
    return {
        "TELEMETRY_ARTIFACTS_ROOT": str(h.root),  # type: ignore[attr-defined]
        "TELEMETRY_REPORTS_DIR": str(h.reports),  # type: ignore[attr-defined]
        "TELEMETRY_REPO_ROOT": str(h.repo),  # type: ignore[attr-defined]
        "TELEMETRY_CACHE_DIR": str(h.cache),  # type: ignore[attr-defined]
        "TELEMETRY_STORAGE_DIR": str(h.store),  # type: ignore[attr-defined]
        "TELEMETRY_FIRST_REPORT_DATE": first,
    }


def test_a_blocked_run_reads_as_a_privacy_stop_with_its_next_steps(tmp_path: Path) -> None:
    h = harness(tmp_path)
    ci_run(h.root, "gha-1", "2026-11-20", {"junit.xml": junit("2026-11-20")})
    # A run folder named after a person, with the e-mail rule broken: the manifest would
    # persist the address, so its blocking check stops the run before anything is written.
    write_run(h.root, "telemetry-optin", f"nightly-{PERSON}", {"junit.xml": junit("2026-11-21")})
    home = new_dagster_home(tmp_path)
    instance = dg.DagsterInstance.from_config(str(home))
    result = h.materialize(D, instance=instance, disabled_redaction_rules=["pii.email"])
    assert not result.success
    assert result.get_failed_step_keys() == {"raw_opt_in_manifest"}
    run_id = result.run_id
    with webserver(home, _env(h), ["-w", "workspace.yaml"]) as base, browser_page() as page:
        page.goto(f"{base}/runs/{run_id}")
        dismiss_first_visit_dialog(page)
        page.get_by_text("Privacy stop").first.wait_for(timeout=60000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(tmp_path / "ui-blocked-run.png"), full_page=True)
        text = page.inner_text("body")
        assert f"Privacy stop for report date {D}" in text
        assert f"privacy-audit-request-{D}.md" in text
        assert "Re-running as is stops again" in text
        assert PERSON not in page.content()

        page.goto(f"{base}/assets/raw_opt_in_manifest?view=checks")
        page.get_by_text("no_residual_pii").first.wait_for(timeout=60000)
        page.get_by_text(D).first.wait_for(timeout=30000)
        page.screenshot(path=str(tmp_path / "ui-checks.png"), full_page=True)
        assert PERSON not in page.content()


def test_the_backfill_dialog_offers_report_dates_from_the_first_date(tmp_path: Path) -> None:
    h = harness(tmp_path)
    home = new_dagster_home(tmp_path)
    with webserver(home, _env(h), ["-w", "workspace.yaml"]) as base, browser_page() as page:
        page.goto(f"{base}/locations/telemetry_assets/asset-groups/telemetry")
        dismiss_first_visit_dialog(page)
        page.get_by_role("button", name="Materialize all…").click(timeout=60000)
        dialog = page.get_by_role("dialog")
        dialog.get_by_text("Partition selection").wait_for(timeout=30000)
        # The partition bar loads after the dialog opens; its left end is the first report date.
        dialog.get_by_text("2026-11-01", exact=True).first.wait_for(timeout=60000)
        box = dialog.get_by_placeholder("No matching partitions")
        box.fill("[2026-11-15...2026-11-22]")
        box.press("Enter")
        dialog.get_by_text("8 partitions").wait_for(timeout=10000)
        page.screenshot(path=str(tmp_path / "ui-backfill-dialog.png"), full_page=True)
        assert dialog.get_by_role("button", name="Launch backfill").is_enabled()


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_the_report_page_shows_totals_top_groups_and_the_dated_chart(tmp_path: Path) -> None:
    h = harness(tmp_path)
    h.root, h.repo = EXAMPLES / "artifacts", EXAMPLES / "repo"  # read only
    home = new_dagster_home(tmp_path)
    result = h.materialize(D, instance=dg.DagsterInstance.from_config(str(home)))
    assert result.success
    top = h.report_json(D)["groups"][0]["fingerprint"][:19]
    with webserver(home, _env(h), ["-w", "workspace.yaml"]) as base, browser_page() as page:
        page.goto(f"{base}/assets/telemetry_report?view=events&partition={D}")
        dismiss_first_visit_dialog(page)
        page.get_by_text("total_errors").first.wait_for(timeout=60000)
        page.get_by_text(top).first.wait_for(timeout=30000)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(tmp_path / "ui-telemetry_report.png"), full_page=True)
        text = page.inner_text("body")
        assert "top_groups" in text and "daily_failures" in text
        assert "11-16" in text and "11-22" in text  # the chart's dates
