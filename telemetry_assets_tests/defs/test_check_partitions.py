"""Each blocking check is evaluated for one report date, so the Checks tab and the check's
history say which date an evaluation was for (the same partitions as the asset it guards)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from telemetry_assets.definitions import defs
from telemetry_assets_tests.builders import ci_run, harness, junit

D = "2026-11-22"


def test_every_check_is_partitioned_like_its_asset() -> None:
    graph = defs.resolve_asset_graph()
    for key in graph.asset_check_keys:
        spec = graph.get_check_spec(key)
        assert spec.partitions_def == graph.get(key.asset_key).partitions_def, key


def test_a_materialization_records_each_check_evaluation_under_its_report_date(
    tmp_path: Path,
) -> None:
    h = harness(tmp_path)
    ci_run(h.root, "gha-1", "2026-11-20", {"junit.xml": junit("2026-11-20")})
    result = h.materialize(D)
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == 6
    assert {e.partition for e in evaluations} == {D}
    key = dg.AssetCheckKey(dg.AssetKey("telemetry_report"), "no_residual_pii")
    history = h.instances[-1].event_log_storage.get_asset_check_execution_history(key, limit=5)
    assert [r.partition for r in history] == [D]
