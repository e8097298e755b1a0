"""Issue: parse what real tools write. Every report of ``../shared/realworld`` goes through the
whole pipeline, each in its own opted-in run dated on the report date, and the failures the
pipeline finds per file are compared with the count the tools themselves report.

Which number to match (the corpus README): ``upstream_failures`` for ``go-test-json`` where
present (a panic, failing TestMain or build failure is a failure users expect to see), either
answer for ``no-cases-but-tests.xml``, ``expected_failures`` everywhere else. Invalid files must
be quarantined with a reason while the rest of the run goes on.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from telemetry_assets.core.cells import text
from telemetry_assets_tests.builders import harness, write_run
from telemetry_assets_tests.prerequisites import missing

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "realworld"
D = "2026-11-22"

# Files where the product deliberately counts differently, with the reason (kept honest: the
# test fails if one of them starts agreeing, so the list cannot go stale).
_TESTMAIN = "package badmain fails in TestMain; one synthetic failure, as gotestsum reports it"
KNOWN_BETTER = {
    "gotestsum/testjson/input/go-test-json-with-cover.out": _TESTMAIN,
    "gotestsum/testjson/input/go-test-json-with-cover-go1.20.out": _TESTMAIN,
    "gotestsum/testjson/input/go-test-json-with-shuffle.out": _TESTMAIN,
    "tparse/race/test_06.jsonl": "a data race inside TestMain fails the package: one failure",
}


def _expected(record: dict) -> set[int] | None:
    if not record["valid"]:
        return None
    if record["path"].endswith("no-cases-but-tests.xml"):
        return {0, int(record.get("upstream_failures") or 0)}
    if record["format"] == "go-test-json" and record.get("upstream_failures") is not None:
        return {int(record["upstream_failures"])}
    return {int(record["expected_failures"])}


@pytest.mark.slow
def test_the_pipeline_agrees_with_real_test_reports(tmp_path: Path) -> None:
    if not (SHARED / "manifest.jsonl").is_file():
        missing(f"shared realworld corpus not found at {SHARED}")
    records = [json.loads(line) for line in (SHARED / "manifest.jsonl").read_text().splitlines()]
    h = harness(tmp_path)
    names = {}
    for i, record in enumerate(records):
        run = f"rw-{i:03d}"
        source = SHARED / record["path"]
        target = write_run(
            h.root,
            "ci",
            run,
            {},
            run_json={
                "run_id": run,
                "provider": "github-actions",
                "job_type": "unit",
                "branch": "main",
                "started_at": f"{D}T08:00:00Z",
                "env": {"TELEMETRY": "1"},
            },
        )
        shutil.copyfile(source, target / Path(record["path"]).name)
        names[f"ci/{run}/{Path(record['path']).name}"] = record
    result = h.materialize(D, workers=2)
    assert result.success, [
        e.event_specific_data.error.message[:300] for e in result.get_step_failure_events()
    ]
    table = pd.read_parquet(h.store / "sanitized_artifacts" / f"{D}.tables" / "artifacts.parquet")
    rows = {r["artifact"]: r for r in table.to_dict("records")}
    assert set(rows) == set(names), "every opted-in file is accounted for"

    agree, mismatches, invalid_ok, invalid_bad = 0, [], 0, []
    for path, record in sorted(names.items()):
        row, expected = rows[path], _expected(record)
        if expected is None:
            if row["status"] == "quarantined" and row["reason"]:
                invalid_ok += 1
            else:
                invalid_bad.append((record["path"], row["status"], row["failures"]))
            continue
        # Tests that failed and then passed on a retry are kept as flaky occurrences. The tools'
        # counting rule leaves those attempts out, except for `go test -json`, where every
        # `fail` event counts, reruns included.
        flaky = 0 if record["format"] == "go-test-json" else int(row["flaky_failures"])
        got = int(row["failures"]) - flaky if row["status"] == "ok" else None
        if got in expected:
            agree += 1
            assert record["path"] not in KNOWN_BETTER, f"now agrees: {record['path']}"
        else:
            mismatches.append(
                (record["path"], record["format"], sorted(expected), got, row["reason"])
            )
    valid = sum(1 for r in records if r["valid"])
    rate = agree / valid
    print(
        f"\nrealworld agreement: {agree}/{valid} = {rate:.2%}; "
        f"invalid quarantined: {invalid_ok}/{len(records) - valid}"
    )
    for path, fmt, expected, got, reason in mismatches:
        print(f"  MISMATCH {path} [{fmt}] expected {expected} got {got} {text(reason) or ''}")
    assert not invalid_bad, invalid_bad
    unexplained = [m for m in mismatches if m[0] not in KNOWN_BETTER]
    assert not unexplained
    assert rate >= 0.98
