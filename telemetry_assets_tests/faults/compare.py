"""What "as if the bad file were absent" means, as code shared by the fault tests.

Two materializations of the same date are compared on the contract's outputs: the occurrences
Parquet byte for byte, and the report JSON field by field except the fields that exist to tell
the reader about skipped or quarantined input. Those are named here, once, with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from telemetry_assets_tests.builders import Harness, ci_run, junit, node_log

D = "2026-11-22"
DAY = "2026-11-20"

VOLATILE = ("generated_at",)
"""Wall-clock time of the materialization: differs between any two runs."""

ACCOUNTING = ("sources", "quarantined", "limitations", "next_steps", "issue_templates")
"""Fields that *describe the input* and so legitimately differ when a bad file, a skipped run
or a purged run was there: ``sources`` counts collected/parsed artifacts and skip reasons,
``quarantined`` lists quarantined artifacts, ``limitations`` and ``next_steps`` say "N
artifact(s) were quarantined" / "N run(s) opted out", and ``issue_templates`` lists the
opt-in request drafted for a run whose run.json could not be read. Everything else (groups, counts,
severities, owners, privacy audit, actions) must not move."""


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k not in VOLATILE + ACCOUNTING}


def plant_good_runs(h: Harness) -> None:
    """Two ordinary opted-in runs the bad input is planted next to."""
    ci_run(h.root, "gha-5001", DAY, {"reports/junit.xml": junit(DAY, 42, 118)}, branch="main")
    ci_run(
        h.root,
        "gha-5002",
        "2026-11-19",
        {"logs/npm-test.log": node_log("2026-11-19", 42)},
        job_type="smoke",
    )


def outputs(h: Harness, day: str = D) -> tuple[dict[str, Any], bytes]:
    report = json.loads((h.reports / f"error-aggregates-{day}.json").read_text("utf-8"))
    return report, (h.reports / f"occurrences-{day}.parquet").read_bytes()


def assert_same_outputs(got: Harness, expected: Harness, day: str = D) -> None:
    report, parquet = outputs(got, day)
    want_report, want_parquet = outputs(expected, day)
    assert parquet == want_parquet, "occurrences Parquet differs"
    got_view, want_view = comparable(report), comparable(want_report)
    differing = sorted(
        k for k in got_view.keys() | want_view.keys() if got_view.get(k) != want_view.get(k)
    )
    assert not differing, f"report fields differ: {differing}"


def fixture_bytes(name: str) -> bytes:
    return (Path(__file__).resolve().parents[1] / "inputs" / "faults" / name).read_bytes()
