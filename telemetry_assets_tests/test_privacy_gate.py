"""The privacy gate: a residual finding costs one artifact, not the week's report.

Specification, each through a real Dagster materialization:

- a file holding a secret the (deliberately broken) redactor misses is withheld: the report is
  complete without it, counts it, lists it under the quarantine with its reason; the audit
  request names the file and the finding's digest; the secret is nowhere in anything written
  (reports, Parquet, intermediate storage, cache, the Dagster instance's SQLite and logs);
- a harmless string the detector flags (a false alarm) is withheld the same way until its digest
  is listed as reviewed in the repository policy; then the file is included and the privacy audit
  counts one reviewed finding; withdrawing the review withholds it again (the cache re-decides);
- the blocking asset checks still halt the run when persisted data carries a finding the
  artifact gate never saw (run metadata), and honour a reviewed digest there too;
- the audit request names each place by artifact path (or run folder, or report file) and run
  id, with the field holding the finding; a name that itself holds a finding is withheld; a
  stopped run says which report files for the date are an earlier run's (with its generated_at);
- ``telemetry-sanitize --explain`` on a withheld file reports exactly the digests the gate put in
  the audit request (a Jest ``--json`` report and a console log), by field;
- the shared benign corpora (real CI, compiler and test output) go through with nothing withheld.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pytest

from telemetry_assets.cli.sanitize import main as sanitize_cli
from telemetry_assets.core.privacy import (
    FILE_TEXT,
    WITHHELD_NAME,
    ResidualScan,
    audit_request_markdown,
    earlier_reports,
    scan_artifact_values,
    scan_frame,
    scan_texts,
    withheld_reason,
)
from telemetry_assets.core.redaction.detector import ResidualPiiDetector
from telemetry_assets.core.redaction.redactor import Redactor
from telemetry_assets.core.triage.policy import PolicyError, read_policy
from telemetry_assets_tests.builders import Harness, ci_run, harness, junit, node_log, write_run
from telemetry_assets_tests.prerequisites import missing

D = "2026-11-22"
DAY = "2026-11-20"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
BLOBS = ("blob.base64", "blob.hex", "field.secret", "field.secret_line")
FALSE_ALARM = "fuzz_corpus_Qm9Lx2Vt7Rz4Kp8Wn3"
"""A fuzz-corpus entry name: random-looking, harmless, and flagged by the detector."""


def _junit_failing_with(tail: str, day: str = DAY) -> str:
    return junit(day).replace(
        "KeyError: 'discount_code'</failure>", f"KeyError: 'discount_code' {tail}</failure>"
    )


def _findings(line: str, disabled: tuple[str, ...] = ()) -> list[Any]:
    """What the detector sees in ``line`` once the (possibly broken) redactor has run."""
    return ResidualPiiDetector().scan(Redactor(disabled_rules=disabled).redact(line).text)


def _texts_in(folder: Path) -> list[tuple[str, str]]:
    """(file, text) for every file below ``folder``: SQLite cells, Parquet cells, raw bytes."""
    out: list[tuple[str, str]] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = str(path.relative_to(folder))
        out.append((rel, path.read_bytes().decode("utf-8", errors="replace")))
        if path.suffix in {".db", ".sqlite"}:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                tables = [
                    r[0] for r in db.execute("select name from sqlite_master where type='table'")
                ]
                for table in tables:
                    for row in db.execute(f'select * from "{table}"'):
                        out.extend((rel, str(v)) for v in row if v is not None)
        elif path.suffix == ".parquet":
            frame = pd.read_parquet(path)
            out.extend((rel, str(v)) for col in frame.columns for v in frame[col])
    return out


def _places_holding(secret: str, *folders: Path) -> list[str]:
    """Files that hold ``secret`` (named, never quoted)."""
    return sorted(
        {
            f"{folder.name}/{rel}"
            for folder in folders
            for rel, t in _texts_in(folder)
            if secret in t
        }
    )


# --- the repository policy's reviewed findings (schema) ----------------------------------------

DIGEST = "fd1:" + "0123456789abcdef" * 4
POLICIES = [
    (
        "json file",
        {
            "telemetry.policy.json": json.dumps(
                {"privacy": {"reviewed_findings": [{"digest": DIGEST, "reason": "fuzz corpus id"}]}}
            )
        },
        {DIGEST},
    ),
    (
        "toml file",
        {
            "telemetry.policy.toml": (
                f'[[privacy.reviewed_findings]]\ndigest = "{DIGEST}"\nreason = "golden file id"\n'
            )
        },
        {DIGEST},
    ),
    (
        "AGENTS.md section",
        {
            "AGENTS.md": (
                "# Agents\n\n## Telemetry policy\n\n```json\n"
                + json.dumps(
                    {"privacy": {"reviewed_findings": [{"digest": DIGEST, "reason": "test card"}]}}
                )
                + "\n```\n"
            )
        },
        {DIGEST},
    ),
    ("no privacy section: nothing reviewed", {"telemetry.policy.json": "{}"}, set()),
]


@pytest.mark.parametrize(("name", "files", "digests"), POLICIES, ids=[c[0] for c in POLICIES])
def test_reviewed_findings_are_read_from_every_policy_source(
    name: str, files: dict[str, str], digests: set[str]
) -> None:
    assert read_policy(files).policy.privacy.reviewed_digests == digests


BAD_REVIEWS = [
    ("not an fd1 digest", {"digest": "sha256:" + "0" * 64, "reason": "x"}, "digest"),
    ("uppercase hex", {"digest": DIGEST.upper().replace("FD1", "fd1"), "reason": "x"}, "digest"),
    ("too short", {"digest": "fd1:0123abcd", "reason": "x"}, "digest"),
    ("empty reason", {"digest": DIGEST, "reason": "   "}, "reason"),
    ("no reason", {"digest": DIGEST}, "reason"),
    ("the value instead of a digest", {"value": "dana@example.org", "reason": "x"}, "value"),
]


@pytest.mark.parametrize(("name", "entry", "field"), BAD_REVIEWS, ids=[c[0] for c in BAD_REVIEWS])
def test_an_invalid_review_is_an_error_naming_the_field(
    name: str, entry: dict[str, str], field: str
) -> None:
    text = json.dumps({"privacy": {"reviewed_findings": [entry]}})
    with pytest.raises(PolicyError, match=rf"privacy\.reviewed_findings\.0\.{field}"):
        read_policy({"telemetry.policy.json": text})


# --- the gate on one artifact's values ---------------------------------------------------------

GATE = [
    ("clean values", ["KeyError: 'discount_code'"], False, (False, {}, {})),
    ("a false alarm, unreviewed", [f"KeyError: '{FALSE_ALARM}'"], False, (True, "one", {})),
    ("the same false alarm, reviewed", [f"KeyError: '{FALSE_ALARM}'"], True, (False, {}, "one")),
    (
        "repeated in message and trace: one finding",
        [f"KeyError: '{FALSE_ALARM}'", f"Traceback ...\nKeyError: '{FALSE_ALARM}'"],
        False,
        (True, "one", {}),
    ),
    (
        "reviewing one value never allows another",
        [f"KeyError: '{FALSE_ALARM}'", "KeyError: 'fuzz_corpus_Zt4Kp8Wn3Qm9Lx2Vr7'"],
        True,
        (True, "one", "one"),
    ),
]


@pytest.mark.parametrize(("name", "values", "review", "expected"), GATE, ids=[c[0] for c in GATE])
def test_the_gate_counts_distinct_findings_and_honours_reviews(
    name: str, values: list[str], review: bool, expected: tuple[bool, Any, Any]
) -> None:
    det = ResidualPiiDetector()
    [finding] = det.scan(f"KeyError: '{FALSE_ALARM}'")
    reviewed = {finding.digest} if review else set()
    got = scan_artifact_values(det, values, reviewed)
    withholds, withheld, allowed = expected
    one = {finding.detector: 1}
    assert got.withholds == withholds
    assert got.withheld == (one if withheld == "one" else withheld)
    assert got.reviewed == (one if allowed == "one" else allowed)
    assert finding.digest not in got.digests or not review
    assert all(d.startswith("fd1:") for d in got.digests)


# --- the blocking checks honour reviews --------------------------------------------------------

EMAIL_LINE = "PermissionError: refused for dana.whitfield@example.org"
TABLE_CASES = [
    ("nothing reviewed: the check fails", False, 1, 0, {("ci/gha-1/a.log", "gha-1")}),
    ("the finding reviewed: passes, counted as reviewed", True, 0, 1, set()),
]


@pytest.mark.parametrize(
    ("name", "review", "hits", "allowed", "affected"),
    TABLE_CASES,
    ids=[c[0] for c in TABLE_CASES],
)
def test_a_table_scan_moves_reviewed_findings_out_of_the_way(
    name: str, review: bool, hits: int, allowed: int, affected: set[tuple[str, str]]
) -> None:
    frame = pd.DataFrame(
        [
            {"artifact": "ci/gha-1/a.log", "run_id": "gha-1", "message": EMAIL_LINE},
            {"artifact": "ci/gha-2/b.log", "run_id": "gha-2", "message": "KeyError: 'sku'"},
        ]
    )
    [finding] = ResidualPiiDetector().scan(EMAIL_LINE)
    reviewed = {finding.digest} if review else set()
    scan = scan_frame(frame, reviewed=reviewed)
    assert (scan.hits, sum(scan.reviewed.values()), scan.affected) == (hits, allowed, affected)
    again = scan.allowing(reviewed)  # the asset shell applies the policy once more: no change
    assert (again.hits, sum(again.reviewed.values()), again.affected) == (hits, allowed, affected)


# --- a real secret the redactor misses ---------------------------------------------------------

LEAKS = [
    ("customer email", "for customer dana.whitfield@example.org", ("pii.email",)),
    (
        "github token",
        "while using ghp_8xK2mQ9vR4tY7wE1uI3oP5aS6dF0gH2jK4lZ",
        ("token.github", *BLOBS),
    ),
]


@pytest.mark.parametrize(("name", "tail", "disabled"), LEAKS, ids=[c[0] for c in LEAKS])
def test_a_secret_the_redactor_misses_withholds_only_its_own_file(
    tmp_path: Path, name: str, tail: str, disabled: tuple[str, ...]
) -> None:
    secret = tail.split()[-1]
    found = _findings(tail, disabled)
    assert found, "premise: the broken redactor lets it through and the detector sees it"
    h = harness(tmp_path)
    ci_run(h.root, "gha-5001", DAY, {"reports/junit.xml": junit(DAY)}, branch="main")
    ci_run(
        h.root,
        "gha-5002",
        DAY,
        {"reports/junit.xml": _junit_failing_with(tail), "logs/npm-test.log": node_log(DAY)},
    )
    home = tmp_path / "dagster_home"
    home.mkdir()
    instance = dg.DagsterInstance.local_temp(tempdir=str(home))
    result = h.materialize(D, instance=instance, disabled_redaction_rules=list(disabled))
    assert result.success

    report = h.report_json(D)
    withheld = [q for q in report["quarantined"] if q["withheld"]]
    assert withheld == [
        {
            "path": "ci/gha-5002/reports/junit.xml",
            "run_id": "gha-5002",
            "reason": withheld_reason(f.detector for f in found),
            "withheld": True,
            "detectors": sorted({f.detector for f in found}),
        }
    ]
    audit = report["privacy_audit"]
    assert audit["withheld_artifacts"] == 1
    assert audit["withheld_by_detector"] == {d: 1 for d in {f.detector for f in found}}
    # Complete without it: the other file of the same run and the other run still count.
    parquet = pd.read_parquet(h.reports / f"occurrences-{D}.parquet")
    assert set(parquet["artifact"]) == {
        "ci/gha-5001/reports/junit.xml",
        "ci/gha-5002/logs/npm-test.log",
    }
    assert report["total_errors"] == len(parquet) == 2
    markdown = h.report_md(D)
    method = markdown[markdown.index("## Method & Sources") : markdown.index("## Privacy audit")]
    privacy = markdown[markdown.index("## Privacy audit") : markdown.index("## Limitations")]
    limits = markdown[markdown.index("## Limitations") :]
    assert "**1 artifact(s) withheld**" in method
    assert "**1 artifact(s)** still held a residual finding" in privacy
    assert "1 artifact(s) were withheld by the privacy gate" in limits

    request = (h.reports / f"privacy-audit-request-{D}.md").read_text("utf-8")
    assert "`ci/gha-5002/reports/junit.xml` | `gha-5002`" in request
    for finding in found:
        assert finding.digest in request
    assert "reviewed_findings" in request

    leaks = _places_holding(secret, h.reports, h.store, h.cache, home)
    assert leaks == [], f"{name} written to {leaks}"
    assert not [e for e in result.all_events if secret in str(e)], f"{name} in a Dagster event"


# --- a false alarm, reviewed -------------------------------------------------------------------


def _review(h: Harness, digests: list[str]) -> None:
    policy = {
        "privacy": {
            "reviewed_findings": [
                {"digest": d, "reason": "fuzz corpus entry name, not a secret"} for d in digests
            ]
        }
    }
    (h.repo / "telemetry.policy.json").write_text(json.dumps(policy), "utf-8")


def _artifact_row(h: Harness, path: str) -> dict[str, Any]:
    table = pd.read_parquet(h.store / "sanitized_artifacts" / f"{D}.tables" / "artifacts.parquet")
    [row] = [r for r in table.to_dict("records") if r["artifact"] == path]
    return row


def test_a_false_alarm_is_withheld_until_its_digest_is_reviewed(tmp_path: Path) -> None:
    tail = f"for corpus entry '{FALSE_ALARM}'"
    [finding] = _findings(tail)  # premise: the intact redactor keeps it, the detector flags it
    h = harness(tmp_path)
    ci_run(h.root, "gha-6001", DAY, {"reports/junit.xml": junit(DAY)}, branch="main")
    ci_run(h.root, "gha-6002", "2026-11-19", {"fuzz/junit.xml": _junit_failing_with(tail)})
    path = "ci/gha-6002/fuzz/junit.xml"

    assert h.materialize(D).success
    assert _artifact_row(h, path)["reason"] == withheld_reason([finding.detector])
    request = (h.reports / f"privacy-audit-request-{D}.md").read_text("utf-8")
    assert path in request and finding.digest in request
    assert h.report_json(D)["total_errors"] == 1

    _review(h, [finding.digest])
    result = h.materialize(D)
    assert result.success
    assert _artifact_row(h, path)["status"] == "ok"
    report = h.report_json(D)
    assert report["total_errors"] == 2 and report["quarantined"] == []
    assert report["privacy_audit"]["reviewed_findings_allowed"] == 1
    assert report["privacy_audit"]["reviewed_by_detector"] == {finding.detector: 1}
    assert "Reviewed and allowed: 1 finding(s)" in h.report_md(D)
    assert not (h.reports / f"privacy-audit-request-{D}.md").exists()
    # The blocking checks downstream saw the same value and allowed it as reviewed.
    checks = {e.asset_key.to_user_string(): e for e in result.get_asset_check_evaluations()}
    assert int(str(checks["sanitized_artifacts"].metadata["reviewed_allowed"].value)) >= 1

    _review(h, [])  # the review is withdrawn: the cached, kept artifact must not survive it
    assert h.materialize(D).success
    assert _artifact_row(h, path)["reason"] == withheld_reason([finding.detector])
    assert h.report_json(D)["total_errors"] == 1


# --- the asset-level block ---------------------------------------------------------------------


def test_persisted_data_with_a_finding_still_halts_the_run(tmp_path: Path) -> None:
    # The artifacts are clean; the run's branch name (run metadata, persisted by the manifest
    # and never part of an artifact's text) carries an e-mail the broken redactor keeps.
    branch = "fix/refunds-dana.whitfield@example.org"
    [finding] = _findings(branch, ("pii.email",))
    h = harness(tmp_path)
    ci_run(h.root, "gha-7000", DAY, {"reports/junit.xml": junit(DAY)}, branch="main")
    assert h.materialize(D, disabled_redaction_rules=["pii.email"]).success
    earlier = h.report_json(D)["generated_at"]
    ci_run(h.root, "gha-7001", DAY, {"reports/junit.xml": junit(DAY)}, branch=branch)
    result = h.materialize(D, disabled_redaction_rules=["pii.email"])
    assert not result.success
    assert result.get_failed_step_keys() == {"raw_opt_in_manifest"}
    for downstream in ("sanitized_artifacts", "fingerprints", "telemetry_report"):
        assert result.is_node_untouched(downstream)
    assert h.report_json(D)["generated_at"] == earlier, "the earlier run's report is untouched"
    request = (h.reports / f"privacy-audit-request-{D}.md").read_text("utf-8")
    assert "blocked the telemetry run" in request
    assert finding.digest in request and "dana.whitfield" not in request
    # The place: the run's folder and id, and the column holding the finding; never "nan".
    assert "| `ci/gha-7001` | `gha-7001` | `branch` |" in request
    assert "`nan`" not in request and "`None`" not in request
    # The report files still there are said to be the earlier run's, with its generated_at.
    assert f"from an **earlier run** (`generated_at` {earlier})" in request
    assert f"- `telemetry-report-{D}.md`" in request

    # Reviewed (say, a test fixture's address), the same value no longer halts anything.
    _review(h, [finding.digest])
    result = h.materialize(D, disabled_redaction_rules=["pii.email"])
    assert result.success
    checks = {e.asset_key.to_user_string(): e for e in result.get_asset_check_evaluations()}
    assert int(str(checks["raw_opt_in_manifest"].metadata["reviewed_allowed"].value)) >= 1


def test_a_path_that_stops_the_run_is_not_remembered_in_the_state_folder(tmp_path: Path) -> None:
    # The manifest remembers display paths between dates (state folder). A path the check
    # flags must not be among them, or it would outlive the stop it caused.
    h = harness(tmp_path)
    state = tmp_path / "state"
    person = "dana.whitfield@example.org"
    files = {"reports/junit.xml": junit(DAY), f"logs/{person}/pytest.log": junit(DAY)}
    ci_run(h.root, "gha-7002", DAY, files)
    stopped = h.materialize(D, disabled_redaction_rules=["pii.email"], state_dir=str(state))
    assert not stopped.success
    assert stopped.get_failed_step_keys() == {"raw_opt_in_manifest"}
    remembered = (state / "shown-paths.json").read_text("utf-8")
    assert "dana.whitfield" not in remembered
    assert "ci/gha-7002/reports/junit.xml" in remembered  # the clean path is kept
    assert "dana.whitfield" not in (state / "file-hashes.json").read_text("utf-8")

    # With the rule back the path is shown redacted, and that form is what is remembered.
    assert h.materialize(D, state_dir=str(state)).success
    remembered = (state / "shown-paths.json").read_text("utf-8")
    assert "dana.whitfield" not in remembered and "logs/<EMAIL>/pytest.log" in remembered


# --- the audit request: places, fields, names that hold a finding, earlier report files --------

PERSON = "dana.whitfield@example.org"


def _manifest_scan(rows: list[dict[str, Any]]) -> ResidualScan:
    """The blocking check's scan of a manifest-shaped table (artifact, skipped and run rows
    side by side, as the manifest asset persists them), with the e-mail rule assumed broken."""
    return scan_frame(pd.DataFrame(rows).astype("object"), where="path")


PLACES = [
    (
        "run metadata: named by the run folder, the field is the column",
        lambda: _manifest_scan(
            [
                {"path": "ci/gha-7001/reports/junit.xml", "run_id": "gha-7001", "size": 1200},
                {"run_id": "gha-7001", "run_dir": "ci/gha-7001", "branch": f"fix/{PERSON}"},
            ]
        ),
        "| `ci/gha-7001` | `gha-7001` | `branch` |",
    ),
    (
        "a file name holding the finding is withheld, its run id is not",
        lambda: _manifest_scan(
            [{"path": f"ci/gha-7002/{PERSON}/pytest.log", "run_id": "gha-7002", "size": 10}]
        ),
        f"| {WITHHELD_NAME} | `gha-7002` | `path` |",
    ),
    (
        "a run id holding the finding is withheld, the file is named",
        lambda: _manifest_scan(
            [{"path": "ci/build-17/log.txt", "run_id": f"build-{PERSON}", "size": 10}]
        ),
        f"| `ci/build-17/log.txt` | {WITHHELD_NAME} | `run_id` |",
    ),
    (
        "a report file: the whole text is the field",
        lambda: scan_texts({f"telemetry-report-{D}.md": f"owner: {PERSON}\n"}),
        f"| `telemetry-report-{D}.md` | - | `{FILE_TEXT}` |",
    ),
]


@pytest.mark.parametrize(("name", "scan", "row"), PLACES, ids=[c[0] for c in PLACES])
def test_the_audit_request_names_each_place_and_field(name: str, scan: Any, row: str) -> None:
    found = scan()
    request = audit_request_markdown("raw_opt_in_manifest", date.fromisoformat(D), found)
    [line] = [line for line in request.splitlines() if line.startswith(row)]
    for digest in found.unreviewed_digests().values():
        assert all(d in line for d in digest), "the place's digests are on its row"
    assert PERSON not in request
    assert "`nan`" not in request and "`None`" not in request


EARLIER = [
    ("no report file yet: says this run wrote none", {}, (), None, "this run wrote none"),
    (
        "an earlier run's files: listed with its generated_at",
        {
            f"telemetry-report-{D}.md": "# Telemetry report\n",
            f"error-aggregates-{D}.json": json.dumps({"generated_at": "2026-11-23T06:00:03Z"}),
            f"occurrences-{D}.parquet": "PAR1",
            f"issues/{D}/sha256-1a2b.md": "# draft\n",
        },
        (
            f"telemetry-report-{D}.md",
            f"error-aggregates-{D}.json",
            f"occurrences-{D}.parquet",
            f"issues/{D}/",
        ),
        "2026-11-23T06:00:03Z",
        "from an **earlier run** (`generated_at` 2026-11-23T06:00:03Z)",
    ),
    (
        "unreadable aggregates: generated_at unknown",
        {f"telemetry-report-{D}.md": "# r\n", f"error-aggregates-{D}.json": "{trunc"},
        (f"telemetry-report-{D}.md", f"error-aggregates-{D}.json"),
        None,
        "`generated_at` unknown",
    ),
    (
        "only a timestamp is copied from the file",
        {f"error-aggregates-{D}.json": json.dumps({"generated_at": PERSON})},
        (f"error-aggregates-{D}.json",),
        None,
        "`generated_at` unknown",
    ),
    (
        "another date's files are not this date's",
        {"telemetry-report-2026-11-15.md": "# r\n"},
        (),
        None,
        "this run wrote none",
    ),
]


@pytest.mark.parametrize(
    ("name", "files", "listed", "generated_at", "said"), EARLIER, ids=[c[0] for c in EARLIER]
)
def test_a_stopped_run_says_which_report_files_are_an_earlier_runs(
    tmp_path: Path,
    name: str,
    files: dict[str, str],
    listed: tuple[str, ...],
    generated_at: str | None,
    said: str,
) -> None:
    for rel, body in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(body, "utf-8")
    earlier = earlier_reports(tmp_path, date.fromisoformat(D))
    assert (earlier.files, earlier.generated_at) == (listed, generated_at)
    scan = _manifest_scan([{"path": f"ci/gha-1/{PERSON}/pytest.log", "run_id": "gha-1"}])
    request = audit_request_markdown(
        "raw_opt_in_manifest", date.fromisoformat(D), scan, earlier=earlier
    )
    assert said in request
    assert all(f"- `{name}`" in request for name in listed)
    assert PERSON not in request


# --- --explain reports exactly the gate's findings ---------------------------------------------

SHIPPING_NOTE = base64.b64encode(hashlib.sha256(b"webhook 55-A").digest()[:27]).decode()
"""A webhook signature in an assertion (27 bytes, 36 base64 characters): shorter than the
redactor's blob rule, flagged by the detector's entropy probes. A false alarm to review or a
real credential: the maintainer decides, with ``--explain``."""
CART_TOKEN = base64.b64encode(hashlib.sha256(b"cart TBL-42").digest()[:27]).decode()
WEB = "/home/runner/work/shop/shop/web"
JEST_JSON = json.dumps(
    {
        "numFailedTestSuites": 1,
        "numFailedTests": 1,
        "numPassedTestSuites": 0,
        "numPassedTests": 1,
        "numPendingTestSuites": 0,
        "numPendingTests": 0,
        "numRuntimeErrorTestSuites": 0,
        "numTodoTests": 0,
        "numTotalTestSuites": 1,
        "numTotalTests": 2,
        "openHandles": [],
        "snapshot": {},
        "startTime": 1795169472000,
        "success": False,
        "wasInterrupted": False,
        "testResults": [
            {
                "assertionResults": [
                    {
                        "ancestorTitles": ["shipping webhook"],
                        "failureMessages": [
                            "Error: expect(received).toBe(expected) // Object.is equality\n\n"
                            f'Expected: "{SHIPPING_NOTE}"\nReceived: ""\n'
                            f"    at Object.<anonymous> ({WEB}/src/webhooks/shipping.test.ts:31:27)"
                            f"\n    at Promise.then.completed "
                            f"({WEB}/node_modules/jest-circus/build/utils.js:298:28)"
                        ],
                        "fullName": "shipping webhook encodes the note",
                        "location": None,
                        "status": "failed",
                        "title": "encodes the note",
                    },
                    {
                        "ancestorTitles": ["shipping webhook"],
                        "failureMessages": [],
                        "fullName": "shipping webhook rejects empty orders",
                        "status": "passed",
                        "title": "rejects empty orders",
                    },
                ],
                "endTime": 1795169473000,
                "message": "",
                "name": f"{WEB}/src/webhooks/shipping.test.ts",
                "startTime": 1795169472500,
                "status": "failed",
                "summary": "",
            }
        ],
    },
    indent=1,
)
PYTEST_LOG = "".join(
    f"{DAY}T10:11:13.1234567Z {line}\n"
    for line in (
        "============================= test session starts ==============================",
        "platform linux -- Python 3.12.7, pytest-8.3.3, pluggy-1.5.0",
        "rootdir: /home/runner/work/shop/shop",
        "collected 3 items",
        "",
        "tests/test_cart.py ..F                                                   [100%]",
        "",
        "=================================== FAILURES ===================================",
        "__________________________ test_cart_token_roundtrip ___________________________",
        "",
        "    def test_cart_token_roundtrip():",
        "        token = encode_cart(CART)",
        ">       assert token == EXPECTED_TOKEN",
        f"E       AssertionError: assert '{CART_TOKEN}' == ''",
        "",
        "tests/test_cart.py:27: AssertionError",
        "=========================== short test summary info ============================",
        "FAILED tests/test_cart.py::test_cart_token_roundtrip - AssertionError: assert...",
        "========================= 1 failed, 2 passed in 0.41s ==========================",
    )
)
EXPLAINED = [
    (
        "jest --json: a base64 blob in an assertion message",
        "web/jest-results.json",
        JEST_JSON,
        SHIPPING_NOTE,
    ),
    (
        "pytest console log: a base64 blob in an assertion",
        "logs/pytest.log",
        PYTEST_LOG,
        CART_TOKEN,
    ),
]


@pytest.fixture(scope="module")
def withheld_run(tmp_path_factory: pytest.TempPathFactory) -> Harness:
    """One materialization: a clean run, and a run whose two files the gate withholds."""
    h = harness(tmp_path_factory.mktemp("explain"))
    ci_run(h.root, "gha-8100", DAY, {"reports/junit.xml": junit(DAY)}, branch="main")
    ci_run(h.root, "gha-8101", DAY, {rel: text for _, rel, text, _ in EXPLAINED})
    assert h.materialize(D).success
    return h


@pytest.mark.parametrize(("name", "rel", "text", "blob"), EXPLAINED, ids=[c[0] for c in EXPLAINED])
def test_explain_reports_the_digests_the_gate_reported(
    withheld_run: Harness,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    rel: str,
    text: str,
    blob: str,
) -> None:
    h = withheld_run
    path = f"ci/gha-8101/{rel}"
    assert _findings(f"'{blob}'"), "premise: the redactor keeps the blob, the detector flags it"
    request = (h.reports / f"privacy-audit-request-{D}.md").read_text("utf-8")
    [row] = [line for line in request.splitlines() if line.startswith(f"| `{path}` |")]
    gate = set(re.findall(r"fd1:[0-9a-f]{64}", row))
    assert gate, "premise: the pipeline's gate withheld the file"

    # The maintainer pastes the path from the request; nothing reviewed yet.
    argv = [path, "--explain", "--artifacts-root", str(h.root), "--repo-root", str(h.repo)]
    assert sanitize_cli(argv) == 3
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: withheld by the privacy gate")
    rows = [line.split("\t") for line in out.splitlines() if line.count("\t") == 5]
    assert {r[4] for r in rows} == gate, "the same digests as the gate's audit request"
    assert "failure 1 message" in {r[1] for r in rows}, "found in the assertion message"
    assert all(r[5] == "NOT REVIEWED" for r in rows)

    # Listed as reviewed, the same gate keeps the file.
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "telemetry.policy.json").write_text(
        json.dumps(
            {
                "privacy": {
                    "reviewed_findings": [
                        {"digest": d, "reason": "order note in a test fixture"}
                        for d in sorted(gate)
                    ]
                }
            }
        ),
        "utf-8",
    )
    argv = [path, "--explain", "--artifacts-root", str(h.root), "--repo-root", str(repo)]
    assert sanitize_cli(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: kept by the privacy gate (0 finding(s) not reviewed")
    assert blob not in out, "the value is printed only with --show-lines"


# --- the shared benign corpora -----------------------------------------------------------------

CORPORA = [
    ("benign CI, compiler and test output", "benign-ci"),
    ("real console test output", "realworld-console"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "folder"), CORPORA, ids=[c[1] for c in CORPORA])
def test_benign_corpus_goes_through_with_nothing_withheld(
    tmp_path: Path, name: str, folder: str
) -> None:
    manifest = SHARED / folder / "manifest.jsonl"
    if not manifest.is_file():
        missing(f"shared corpus not found at {manifest}")
    records = [json.loads(line) for line in manifest.read_text("utf-8").splitlines() if line]
    h = harness(tmp_path)
    for i, record in enumerate(records):
        # Its own opted-in run per file, dated on the report date; a hard link where the
        # filesystem allows (the manifest never follows symlinks), else a copy.
        run = f"corpus-{i:05d}"
        target = write_run(
            h.root,
            "telemetry-optin",
            run,
            {},
            run_json={"run_id": run, "started_at": f"{D}T08:00:00Z", "job_type": "unit"},
        )
        source = SHARED / folder / record["path"]
        try:
            os.link(source, target / source.name)
        except OSError:
            shutil.copyfile(source, target / source.name)
    result = h.materialize(D, workers=2)
    # A failed check says which step stopped, with counts per detector (never matched text).
    stops = [e.description for e in result.get_asset_check_evaluations() if not e.passed]
    assert result.success, f"{name}: {stops}"
    report = h.report_json(D)
    withheld = [q for q in report["quarantined"] if q["withheld"]]
    by_detector = Counter(d for q in withheld for d in q["detectors"])
    assert withheld == [], (
        f"{name}: {len(withheld)} of {len(records)} files withheld; by detector "
        f"{dict(by_detector.most_common())}; e.g. {[q['path'] for q in withheld[:5]]}"
    )
