"""The report a reviewer reads for the bundled examples, pinned as a golden file.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest
telemetry_assets_tests/test_golden_report.py`` and review the diff like code: it is the product.
Only the ``generated`` timestamp is masked.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import dagster as dg

from telemetry_assets.definitions import ALL_ASSETS
from telemetry_assets.defs.io_manager import TelemetryIOManager
from telemetry_assets.defs.resources import RepoFactsResource, TelemetrySettings

REPO = Path(__file__).resolve().parents[1]
D = "2026-11-22"
GOLDEN = Path(__file__).with_name("golden") / f"telemetry-report-{D}.md"


def _mask(markdown: str) -> str:
    return re.sub(r"generated \S+", "generated <generated_at>", markdown)


def test_the_examples_report_matches_the_golden_file(tmp_path: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        ALL_ASSETS,
        partition_key=D,
        instance=instance,
        resources={
            "settings": TelemetrySettings(
                artifacts_root=str(REPO / "examples" / "artifacts"),
                reports_dir=str(tmp_path / "reports"),
                repo_root=str(REPO / "examples" / "repo"),
                cache_dir="",
                workers=1,
            ),
            "repo": RepoFactsResource(
                repo_root=str(REPO / "examples" / "repo"),
                fixture_path=str(REPO / "examples" / "repo-history.json"),
            ),
            "io_manager": TelemetryIOManager(base_dir=str(tmp_path / "store")),
        },
        raise_on_error=False,
    )
    assert result.success
    rendered = _mask((tmp_path / "reports" / f"telemetry-report-{D}.md").read_text("utf-8"))
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(rendered, "utf-8")
    assert rendered == GOLDEN.read_text("utf-8")
