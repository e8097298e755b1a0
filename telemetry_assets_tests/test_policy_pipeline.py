"""The repository policy, seen from the pipeline: it can forbid telemetry (the run stops and the
report says why), narrow collection, and allow a local branch + commit (never a push)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from telemetry_assets_tests.builders import ci_run, harness, junit

D = "2026-11-22"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


def test_a_policy_that_forbids_telemetry_stops_the_run_and_the_report_says_why(
    tmp_path: Path,
) -> None:
    h = harness(tmp_path)
    ci_run(h.root, "gha-1", "2026-11-20", {"junit.xml": junit("2026-11-20")})
    (h.repo / "telemetry.policy.json").write_text(json.dumps({"enabled": False}))
    result = h.materialize(D)
    assert not result.success
    assert result.get_failed_step_keys() == {"raw_opt_in_manifest"}
    assert result.is_node_untouched("sanitized_artifacts")
    markdown = h.report_md(D)
    assert "Telemetry is forbidden by" in markdown and "telemetry.policy.json" in markdown
    assert h.report_json(D)["total_errors"] == 0
    assert not (h.store / "raw_opt_in_manifest").exists()


def test_a_policy_can_narrow_collection_to_some_job_types(tmp_path: Path) -> None:
    h = harness(tmp_path)
    ci_run(h.root, "gha-1", "2026-11-20", {"junit.xml": junit("2026-11-20")}, job_type="unit")
    ci_run(h.root, "gha-2", "2026-11-20", {"junit.xml": junit("2026-11-20", 50)}, job_type="smoke")
    (h.repo / "telemetry.policy.json").write_text(
        json.dumps({"collection": {"job_types": ["smoke"]}})
    )
    assert h.materialize(D).success
    report = h.report_json(D)
    assert report["total_errors"] == 1
    skipped = {s["reason"]: s["count"] for s in report["sources"]["skipped"]}
    assert skipped["excluded by policy"] == 1


def test_no_automation_by_default_and_a_local_commit_when_the_policy_allows_it(
    tmp_path: Path,
) -> None:
    h = harness(tmp_path)
    _git(h.repo, "init", "-q", "-b", "main")
    _git(
        h.repo,
        "-c",
        "user.name=Dev",
        "-c",
        "user.email=dev@example.invalid",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "init",
    )
    ci_run(h.root, "gha-1", "2026-11-20", {"junit.xml": junit("2026-11-20")})
    reports = h.repo / "reports" / "telemetry"

    default = h.materialize(D, reports_dir=str(reports))
    assert default.success
    assert "ai/telemetry" not in _git(h.repo, "branch", "--list")
    [mat] = default.asset_materializations_for_node("telemetry_report")
    assert mat.metadata["automation"].value.startswith("off")

    (h.repo / "telemetry.policy.json").write_text(
        json.dumps({"automation": {"pull_request": True}})
    )
    allowed = h.materialize(D, reports_dir=str(reports))
    assert allowed.success
    assert f"ai/telemetry-{D}" in _git(h.repo, "branch", "--list")
    message = _git(h.repo, "log", "-1", "--format=%s", f"ai/telemetry-{D}").strip()
    assert message == f"chore(ai): telemetry error aggregates ({D})"
    committed = _git(h.repo, "show", "--name-only", "--format=", f"ai/telemetry-{D}")
    assert f"reports/telemetry/telemetry-report-{D}.md" in committed
    assert _git(h.repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    body = (reports / f"pull-request-{D}.md").read_text()
    assert body.startswith(f"# docs(ai): telemetry report — {D}")
    assert _git(h.repo, "remote").strip() == ""
