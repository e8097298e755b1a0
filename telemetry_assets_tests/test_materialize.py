"""The whole graph for a report date, executed for real by Dagster (no mocks).

Specification: one materialization writes the contract's three files; only D-13..D counts, and
only D-6..D is in the totals; a leak the redactor misses is caught by the independent check
and withholds its artifact, none of its text persisted; a rerun is identical but for
``generated_at``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from telemetry_assets_tests.builders import Harness, ci_run, harness, junit, node_log

D = "2026-11-22"
SECTIONS = [
    "## Headline",
    "## Top 10 crashes",
    "## Top 5 recommended human actions",
    "## Method & Sources",
    "## Privacy audit",
    "## Limitations & next steps",
]


@pytest.fixture
def planted(tmp_path: Path) -> Harness:
    h = harness(tmp_path)
    # Report week: the same KeyError three times (other lines, other days) and a Node crash.
    ci_run(
        h.root,
        "gha-1001",
        "2026-11-21",
        {"reports/junit.xml": junit("2026-11-21", 42, 118)},
        branch="main",
    )
    ci_run(h.root, "gha-1002", "2026-11-19", {"junit.xml": junit("2026-11-19", 57, 131)})
    ci_run(h.root, "gha-1003", "2026-11-16", {"out/junit.xml": junit("2026-11-16", 61, 140)})
    ci_run(
        h.root, "gha-1004", "2026-11-20", {"job.log": node_log("2026-11-20", 42)}, job_type="smoke"
    )
    # Baseline week: one more KeyError.
    ci_run(h.root, "gha-0990", "2026-11-12", {"junit.xml": junit("2026-11-12", 40, 99)})
    # Never counted: after D, before the window, not opted in.
    ci_run(h.root, "gha-2000", "2026-11-23", {"junit.xml": junit("2026-11-23")})
    ci_run(h.root, "gha-0001", "2026-11-08", {"junit.xml": junit("2026-11-08")})
    ci_run(h.root, "gha-0002", "2026-11-20", {"junit.xml": junit("2026-11-20")}, telemetry="0")
    return h


def test_one_materialization_writes_the_three_contract_files(planted: Harness) -> None:
    result = planted.materialize(D)
    assert result.success
    report = planted.report_json(D)
    assert report["report_date"] == D
    assert report["window"] == {"start": "2026-11-16", "end": D}
    assert set(report["privacy_audit"]) >= {"rule_matches"}
    for group in report["groups"]:
        assert re.fullmatch(r"sha256-[0-9a-f]{64}", group["fingerprint"])
        assert set(group) >= {
            "sample_trace",
            "count",
            "first_seen",
            "last_seen",
            "job_types",
            "severity",
            "suggested_owner",
            "notes",
        }
        assert 0 <= group["severity"] <= 10
    parquet = pd.read_parquet(planted.reports / f"occurrences-{D}.parquet")
    assert report["total_errors"] == len(parquet)
    assert {"artifact", "run_id", "job_type", "occurred_at", "fingerprint"} <= set(parquet.columns)
    markdown = planted.report_md(D)
    positions = [markdown.index(s) for s in SECTIONS]
    assert positions == sorted(positions)
    headline = (
        f"Total sanitized errors: {report['total_errors']} — Groups: "
        f"{len(report['groups'])} — Top severity: "
    )
    assert headline in markdown


def test_only_the_window_counts_and_the_same_bug_is_one_group(planted: Harness) -> None:
    assert planted.materialize(D).success
    report = planted.report_json(D)
    # 3 KeyErrors + 1 TypeError in D-6..D; the baseline KeyError is not in the total.
    assert report["total_errors"] == 4
    counts = sorted((g["count"], g.get("count_baseline")) for g in report["groups"])
    assert counts == [(1, 0), (3, 1)]
    parquet = pd.read_parquet(planted.reports / f"occurrences-{D}.parquet")
    days = {ts.date().isoformat() for ts in parquet["occurred_at"]}
    assert days <= {f"2026-11-{d}" for d in range(16, 23)}
    assert not set(parquet["run_id"]) & {"gha-2000", "gha-0001", "gha-0002", "gha-0990"}


def test_a_rerun_of_the_same_date_is_identical_but_for_generated_at(planted: Harness) -> None:
    assert planted.materialize(D).success
    first = {p.name: p.read_bytes() for p in planted.reports.glob("*") if p.is_file()}
    assert planted.materialize(D).success
    second = {p.name: p.read_bytes() for p in planted.reports.glob("*") if p.is_file()}
    assert first.keys() == second.keys()

    def strip(name: str, data: bytes) -> bytes:
        if name.endswith(".json"):
            doc = json.loads(data)
            doc.pop("generated_at")
            return json.dumps(doc, sort_keys=True).encode()
        if name.endswith(".md"):
            return re.sub(rb"generated \S+", b"", data)
        return data

    for name in first:
        assert strip(name, first[name]) == strip(name, second[name]), name


def test_no_opt_in_sources_still_succeeds_and_says_so(tmp_path: Path) -> None:
    h = harness(tmp_path)
    ci_run(h.root, "gha-1", "2026-11-20", {"junit.xml": junit("2026-11-20")}, telemetry=None)
    result = h.materialize(D)
    assert result.success
    report = h.report_json(D)
    assert report["total_errors"] == 0 and report["groups"] == []
    markdown = h.report_md(D)
    assert "Total sanitized errors: 0 — Groups: 0 — Top severity: 0.0" in markdown
    method = markdown[markdown.index("## Method & Sources") : markdown.index("## Privacy audit")]
    limits = markdown[markdown.index("## Limitations & next steps") :]
    assert "no opt-in sources found" in method
    assert "No opt-in sources found" in limits


def _with_a_customer_email(tmp_path: Path) -> Harness:
    h = harness(tmp_path)
    leaky = junit("2026-11-20").replace(
        "KeyError: 'discount_code'</failure>",
        "KeyError: 'discount_code' for customer dana.whitfield@example.org</failure>",
    )
    ci_run(h.root, "gha-77", "2026-11-20", {"junit.xml": leaky})
    return h


def test_a_leak_the_redactor_misses_is_withheld_and_the_report_goes_on(tmp_path: Path) -> None:
    h = _with_a_customer_email(tmp_path)
    ci_run(h.root, "gha-78", "2026-11-20", {"job.log": node_log("2026-11-20")})
    # A broken redactor: the e-mail rule is off, so only the independent detector stands guard.
    result = h.materialize(D, disabled_redaction_rules=["pii.email"])
    assert result.success
    report = h.report_json(D)
    [withheld] = [q for q in report["quarantined"] if q["withheld"]]
    assert (withheld["path"], withheld["reason"]) == (
        "ci/gha-77/junit.xml",
        "withheld: residual finding (email)",
    )
    assert report["total_errors"] == 1 and report["privacy_audit"]["withheld_artifacts"] == 1
    request = (h.reports / f"privacy-audit-request-{D}.md").read_text("utf-8")
    assert "ci/gha-77/junit.xml" in request and "gha-77" in request
    written = [
        p.read_bytes().decode("utf-8", errors="replace")
        for p in tmp_path.rglob("*")
        if p.is_file() and h.root not in p.parents
    ]
    assert not [t for t in written if "dana.whitfield" in t]
    for event in result.all_events:
        assert "dana.whitfield" not in str(event)


def test_the_same_leak_with_the_redactor_intact_passes(tmp_path: Path) -> None:
    h = _with_a_customer_email(tmp_path)
    assert h.materialize(D).success
    text = "".join(p.read_text("utf-8") for p in h.reports.rglob("*.md"))
    text += (h.reports / f"error-aggregates-{D}.json").read_text("utf-8")
    assert "dana.whitfield" not in text
    assert h.report_json(D)["privacy_audit"]["rule_matches"].get("pii.email", 0) >= 1


def test_the_sanitized_step_counts_every_artifacts_redactions_by_rule(tmp_path: Path) -> None:
    h = _with_a_customer_email(tmp_path)
    # The same report in two more runs: the count is per artifact, not per distinct cell.
    leaky = (h.root / "ci" / "gha-77" / "junit.xml").read_text("utf-8")
    for run in ("gha-81", "gha-82"):
        ci_run(h.root, run, "2026-11-20", {"junit.xml": leaky})
    result = h.materialize(D)
    assert result.success
    [mat] = result.asset_materializations_for_node("sanitized_artifacts")
    stored = pd.read_parquet(h.store / "sanitized_artifacts" / f"{D}.tables" / "artifacts.parquet")
    expected: dict[str, int] = {}
    for cell in stored["redactions"]:
        for rule, n in json.loads(cell).items():
            expected[rule] = expected.get(rule, 0) + n
    assert expected["pii.email"] == 3
    assert mat.metadata["redactions_by_rule"].value == dict(sorted(expected.items()))
    assert mat.metadata["redactions"].value == sum(expected.values())
