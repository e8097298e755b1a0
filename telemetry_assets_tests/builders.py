"""Test builders: artifacts roots laid out as the contract says, and a Dagster harness.

Kept small and explicit so each test shows the runs it plants.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from telemetry_assets.definitions import ALL_ASSETS
from telemetry_assets.defs.io_manager import TelemetryIOManager
from telemetry_assets.defs.resources import RepoFactsResource, TelemetrySettings

PYTEST_JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="1" skipped="0" tests="2" time="1.234"
 timestamp="{ts}" hostname="runner-7">
<testcase classname="tests.test_checkout" name="test_total_with_coupon" time="0.010"/>
<testcase classname="tests.test_checkout" name="test_apply_discount" time="0.020">
<failure message="KeyError: 'discount_code'">Traceback (most recent call last):
  File "/home/runner/work/shop/shop/tests/test_checkout.py", line {line}, in test_apply_discount
    total = checkout.apply_discount(cart, code)
  File "/home/runner/work/shop/shop/src/shop/checkout.py", line {line2}, in apply_discount
    rate = RATES[payload["discount_code"]]
KeyError: 'discount_code'</failure>
</testcase></testsuite></testsuites>
"""

NODE_LOG = """{ts}Z ##[group]Run npm test
{ts}Z > shop-ui@1.4.0 test
{ts}Z FAIL src/ui/Table.test.tsx
{ts}Z TypeError: Cannot read properties of undefined (reading 'id')
{ts}Z     at render (/home/runner/work/shop/shop/src/ui/Table.tsx:{line}:17)
{ts}Z     at renderRows (/home/runner/work/shop/shop/src/ui/Rows.tsx:88:5)
{ts}Z     at Object.<anonymous> (/home/runner/work/shop/shop/src/ui/Table.test.tsx:12:3)
{ts}Z ##[endgroup]
{ts}Z ##[error]Process completed with exit code 1.
"""


def write_run(
    root: Path,
    location: str,
    name: str,
    files: Mapping[str, str | bytes],
    *,
    run_json: Mapping[str, Any] | None = None,
    raw_run_json: str | None = None,
) -> Path:
    run_dir = root / location / name
    run_dir.mkdir(parents=True, exist_ok=True)
    if raw_run_json is not None:
        (run_dir / "run.json").write_text(raw_run_json, "utf-8")
    elif run_json is not None:
        (run_dir / "run.json").write_text(json.dumps(run_json), "utf-8")
    for rel, content in files.items():
        path = run_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, "utf-8")
    return run_dir


def ci_run(
    root: Path,
    run_id: str,
    day: str,
    files: Mapping[str, str | bytes],
    *,
    telemetry: object = "1",
    branch: str = "feature/x",
    job_type: str | None = "unit",
    location: str = "ci",
) -> Path:
    meta: dict[str, Any] = {
        "run_id": run_id,
        "provider": "github-actions",
        "branch": branch,
        "commit": "3f2a9c1",
        "started_at": f"{day}T10:11:12Z",
        "env": {"TELEMETRY": telemetry, "NPM_TOKEN": "npm_" + "a1B2" * 9},
    }
    if job_type:
        meta["job_type"] = job_type
    return write_run(root, location, run_id, files, run_json=meta)


def surefire_runs(root: Path, runs: int, files: int) -> list[Path]:
    """``runs`` opted-in run folders of ``files`` passing Surefire reports each (one per test
    class), dated 2026-11-20; the run folders, in order."""
    made = []
    for r in range(runs):
        run = root / "ci" / f"gha-99123{r:05d}"
        reports = run / "target" / "surefire-reports"
        reports.mkdir(parents=True)
        (run / "run.json").write_text(
            json.dumps(
                {"run_id": run.name, "started_at": "2026-11-20T10:11:12Z", "telemetry": True}
            )
        )
        for f in range(files):
            (reports / f"TEST-com.acme.shop.Case{f:03d}Test.xml").write_text(
                f'<testsuite name="com.acme.shop.Case{f:03d}Test" tests="1" failures="0"/>\n'
            )
        made.append(run)
    return made


def junit(day: str, line: int = 42, line2: int = 118) -> str:
    return PYTEST_JUNIT.format(ts=f"{day}T10:11:12", line=line, line2=line2)


def node_log(day: str, line: int = 42) -> str:
    return NODE_LOG.format(ts=f"{day}T10:11:12.1234567", line=line)


@dataclass
class Harness:
    root: Path
    reports: Path
    store: Path
    cache: Path
    repo: Path
    instances: list[dg.DagsterInstance] = field(default_factory=list)

    def settings(self, **overrides: Any) -> TelemetrySettings:
        values: dict[str, Any] = {
            "artifacts_root": str(self.root),
            "reports_dir": str(self.reports),
            "repo_root": str(self.repo),
            "cache_dir": str(self.cache),
            "workers": 1,
        }
        values.update(overrides)
        return TelemetrySettings(**values)

    def materialize(
        self, partition: str, instance: dg.DagsterInstance | None = None, **overrides: Any
    ) -> dg.ExecuteInProcessResult:
        # The result reads events back through a weak reference to the instance: keep it alive
        # for as long as the harness (and so the test) holds the result.
        self.instances.append(instance or dg.DagsterInstance.ephemeral())
        return dg.materialize(
            ALL_ASSETS,
            partition_key=partition,
            instance=self.instances[-1],
            resources={
                "settings": self.settings(**overrides),
                "repo": RepoFactsResource(repo_root=str(self.repo)),
                "io_manager": TelemetryIOManager(base_dir=str(self.store)),
            },
            raise_on_error=False,
        )

    def report_json(self, partition: str) -> dict[str, Any]:
        return json.loads((self.reports / f"error-aggregates-{partition}.json").read_text("utf-8"))

    def report_md(self, partition: str) -> str:
        return (self.reports / f"telemetry-report-{partition}.md").read_text("utf-8")


def harness(tmp_path: Path) -> Harness:
    h = Harness(
        root=tmp_path / "artifacts",
        reports=tmp_path / "reports",
        store=tmp_path / "store",
        cache=tmp_path / "cache",
        repo=tmp_path / "repo",
    )
    for path in (h.root, h.repo):
        path.mkdir(parents=True, exist_ok=True)
    return h
