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
- the shared benign corpora (real CI, compiler and test output) go through with nothing withheld.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pytest

from telemetry_assets.core.privacy import scan_artifact_values, scan_frame, withheld_reason
from telemetry_assets.core.redaction.detector import ResidualPiiDetector
from telemetry_assets.core.redaction.redactor import Redactor
from telemetry_assets.core.triage.policy import PolicyError, read_policy
from telemetry_assets_tests.builders import Harness, ci_run, harness, junit, node_log, write_run

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
    ci_run(h.root, "gha-7001", DAY, {"reports/junit.xml": junit(DAY)}, branch=branch)
    result = h.materialize(D, disabled_redaction_rules=["pii.email"])
    assert not result.success
    assert result.get_failed_step_keys() == {"raw_opt_in_manifest"}
    for downstream in ("sanitized_artifacts", "fingerprints", "telemetry_report"):
        assert result.is_node_untouched(downstream)
    assert not (h.reports / f"error-aggregates-{D}.json").exists()
    request = (h.reports / f"privacy-audit-request-{D}.md").read_text("utf-8")
    assert "blocked the telemetry run" in request and "gha-7001" in request
    assert finding.digest in request and "dana.whitfield" not in request

    # Reviewed (say, a test fixture's address), the same value no longer halts anything.
    _review(h, [finding.digest])
    result = h.materialize(D, disabled_redaction_rules=["pii.email"])
    assert result.success
    checks = {e.asset_key.to_user_string(): e for e in result.get_asset_check_evaluations()}
    assert int(str(checks["raw_opt_in_manifest"].metadata["reviewed_allowed"].value)) >= 1


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
        message = f"shared corpus not found at {manifest}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
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
