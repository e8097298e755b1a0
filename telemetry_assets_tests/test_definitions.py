"""The code location loads as specified: six assets in lineage order, blocking checks, the
weekly schedule, daily partitions, and a core that never imports Dagster."""

from __future__ import annotations

import ast
import itertools
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pytest

from telemetry_assets.definitions import defs
from telemetry_assets.defs.partitions import FIRST_DATE_ENV, first_report_date, report_dates_from
from telemetry_assets.defs.schedules import REPORT_DATE_TAG

LINEAGE = [
    "raw_opt_in_manifest",
    "sanitized_artifacts",
    "fingerprints",
    "error_groups",
    "scored_rollup",
    "telemetry_report",
]


def test_the_definitions_are_loadable() -> None:
    dg.Definitions.validate_loadable(defs)


def test_six_assets_in_one_group() -> None:
    graph = defs.resolve_asset_graph()
    keys = sorted(k.to_user_string() for k in graph.get_all_asset_keys())
    assert keys == sorted(LINEAGE)
    assert {graph.get(dg.AssetKey(k)).group_name for k in LINEAGE} == {"telemetry"}


@pytest.mark.parametrize(("upstream", "downstream"), list(itertools.pairwise(LINEAGE)))
def test_each_asset_depends_on_the_previous_one(upstream: str, downstream: str) -> None:
    graph = defs.resolve_asset_graph()
    parents = {k.to_user_string() for k in graph.get(dg.AssetKey(downstream)).parent_keys}
    assert upstream in parents


def test_every_asset_has_a_blocking_residual_pii_check() -> None:
    graph = defs.resolve_asset_graph()
    checks = {
        (key.asset_key.to_user_string(), key.name): graph.get_check_spec(key)
        for key in graph.asset_check_keys
    }
    assert set(checks) == {(a, "no_residual_pii") for a in LINEAGE}
    assert all(spec.blocking for spec in checks.values())


def test_assets_are_partitioned_by_report_date() -> None:
    graph = defs.resolve_asset_graph()
    for name in LINEAGE:
        partitions = graph.get(dg.AssetKey(name)).partitions_def
        assert isinstance(partitions, dg.DailyPartitionsDefinition)
        assert partitions.timezone == "UTC"
    first = graph.get(dg.AssetKey(LINEAGE[0])).partitions_def.start.date()
    assert first == first_report_date()


@pytest.mark.parametrize(
    ("name", "environ", "today", "expected"),
    [
        ("set by the environment", {FIRST_DATE_ENV: "2026-03-02"}, date(2026, 12, 6), "2026-03-02"),
        ("blank means the default", {FIRST_DATE_ENV: " "}, date(2026, 12, 6), "2026-09-06"),
        ("default: 13 weeks before today", {}, date(2026, 12, 6), "2026-09-06"),
    ],
)
def test_the_first_report_date_is_configurable_with_a_retention_sized_default(
    name: str, environ: dict[str, str], today: date, expected: str
) -> None:
    assert first_report_date(environ, today).isoformat() == expected


def test_a_malformed_first_report_date_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="TELEMETRY_FIRST_REPORT_DATE='12/01/2026' is not a date"):
        first_report_date({FIRST_DATE_ENV: "12/01/2026"})


def test_missing_partitions_are_weeks_of_data_not_years() -> None:
    partitions = report_dates_from(date(2026, 9, 6))
    keys = partitions.get_partition_keys(current_time=datetime(2026, 12, 6, 12, tzinfo=UTC))
    assert keys[0] == "2026-09-06"
    assert keys[-1] == "2026-12-06"  # today is a valid report date ("so far")
    assert len(keys) == 92


@pytest.mark.parametrize(
    ("tick", "report_date"),
    [
        (datetime(2026, 11, 23, 6, 0, tzinfo=UTC), "2026-11-22"),
        (datetime(2026, 11, 30, 6, 0, tzinfo=UTC), "2026-11-29"),
        (datetime(2027, 1, 4, 6, 0, tzinfo=UTC), "2027-01-03"),
    ],
)
def test_the_weekly_schedule_targets_the_sunday_just_ended(
    tick: datetime, report_date: str
) -> None:
    schedule = defs.resolve_schedule_def("weekly_telemetry_schedule")
    assert schedule.cron_schedule == "0 6 * * 1"
    assert schedule.execution_timezone == "UTC"
    context = dg.build_schedule_context(
        instance=dg.DagsterInstance.ephemeral(),
        scheduled_execution_time=tick,
        repository_def=defs.get_repository_def(),
    )
    data = schedule.evaluate_tick(context)
    [request] = data.run_requests or []
    assert request.partition_key == report_date
    assert request.run_key == report_date
    assert request.tags[REPORT_DATE_TAG] == report_date
    assert "Sunday just ended" in (schedule.description or "")


def test_the_pure_core_never_imports_dagster() -> None:
    core = Path(__file__).resolve().parents[1] / "telemetry_assets" / "core"
    offenders = []
    for path in core.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "dagster" or n.startswith(("dagster.", "dagster_")) for n in names):
                offenders.append(str(path.relative_to(core)))
    assert offenders == []


def test_the_dagster_shell_never_imports_the_code_location_back() -> None:
    """``definitions.py`` assembles ``defs/``; a module of ``defs/`` (or the CLI's shared
    pieces) importing ``definitions`` back would make an import circle."""
    shell = Path(__file__).resolve().parents[1] / "telemetry_assets" / "defs"
    offenders = []
    for path in shell.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "telemetry_assets.definitions":
                offenders.append(path.name)
    assert offenders == []
