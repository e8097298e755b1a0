"""The deployment's Postgres-backed Dagster instance, exercised for real.

Specification: with ``examples/deploy/dagster-postgres.yaml`` as the instance configuration and
credentials from ``DAGSTER_PG_*`` (set by ``examples/deploy/ci-postgres.sh``), one
materialization of the six assets for a report date is recorded in PostgreSQL, and a second
instance object, with its own connections, reads back from the database: the run (succeeded,
tagged with the partition), one materialization per asset for that partition and run, and one
passed ``no_residual_pii`` evaluation per asset. Without the variables the test is skipped,
except under ``CI=true``, where a missing database is a broken pipeline and fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from telemetry_assets_tests.builders import Harness, ci_run, harness, junit, node_log

REPO = Path(__file__).resolve().parents[1]
INSTANCE_YAML = REPO / "examples" / "deploy" / "dagster-postgres.yaml"
PG_ENV = (
    "DAGSTER_PG_HOST",
    "DAGSTER_PG_PORT",
    "DAGSTER_PG_USERNAME",
    "DAGSTER_PG_PASSWORD",
    "DAGSTER_PG_DB",
)
D = "2026-11-22"
CHECK = "no_residual_pii"

# (name, asset key): every asset of the graph must be recorded, each with its blocking check.
ASSETS = [
    ("manifest", "raw_opt_in_manifest"),
    ("sanitized", "sanitized_artifacts"),
    ("fingerprints", "fingerprints"),
    ("groups", "error_groups"),
    ("rollup", "scored_rollup"),
    ("report", "telemetry_report"),
]


def _require_postgres() -> None:
    missing = [name for name in PG_ENV if not os.environ.get(name)]
    if not missing:
        return
    message = (
        f"PostgreSQL not configured ({', '.join(missing)} unset): run "
        '`eval "$(bash examples/deploy/ci-postgres.sh)"` first'
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true requires the Postgres instance test to run. {message}")
    pytest.skip(message)


def _instance(home: Path) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(home))


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A planted root materialized for D on the Postgres instance: (DAGSTER_HOME, run id)."""
    _require_postgres()
    tmp = tmp_path_factory.mktemp("pg")
    home = tmp / "dagster_home"
    home.mkdir()
    shutil.copyfile(INSTANCE_YAML, home / "dagster.yaml")
    h: Harness = harness(tmp)
    ci_run(h.root, "gha-7001", "2026-11-21", {"reports/junit.xml": junit("2026-11-21", 42, 118)})
    ci_run(h.root, "gha-7002", "2026-11-18", {"junit.xml": junit("2026-11-18", 57, 131)})
    ci_run(h.root, "gha-7003", "2026-11-20", {"job.log": node_log("2026-11-20")}, job_type="smoke")
    instance = _instance(home)
    try:
        result = h.materialize(D, instance=instance)
        assert result.success, [e.message for e in result.get_step_failure_events()]
        run_id = result.run_id
    finally:
        instance.dispose()
    yield home, run_id


@pytest.fixture
def reader(recorded: tuple[Path, str]) -> Iterator[dg.DagsterInstance]:
    """A fresh instance: whatever it sees came back from the database, not from memory."""
    instance = _instance(recorded[0])
    yield instance
    instance.dispose()


def test_the_instance_is_backed_by_postgres(reader: dg.DagsterInstance) -> None:
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

    assert isinstance(reader.run_storage, PostgresRunStorage)
    assert isinstance(reader.event_log_storage, PostgresEventLogStorage)


def test_the_run_is_recorded_as_succeeded_for_the_partition(
    reader: dg.DagsterInstance, recorded: tuple[Path, str]
) -> None:
    record = reader.get_run_record_by_id(recorded[1])
    assert record is not None
    assert record.dagster_run.status == dg.DagsterRunStatus.SUCCESS
    assert record.dagster_run.tags.get("dagster/partition") == D
    assert record.start_time is not None and record.end_time is not None


@pytest.mark.parametrize(("name", "asset"), ASSETS, ids=[a[0] for a in ASSETS])
def test_each_asset_materialization_is_stored(
    name: str, asset: str, reader: dg.DagsterInstance, recorded: tuple[Path, str]
) -> None:
    key = dg.AssetKey(asset)
    records = reader.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=[D]), limit=50
    ).records
    ours = [r for r in records if r.run_id == recorded[1]]
    assert len(ours) == 1, f"{name}: {len(ours)} materializations of {asset} in the run"
    materialization = ours[0].asset_materialization
    assert materialization is not None
    assert materialization.partition == D
    latest = reader.get_latest_materialization_event(key)
    assert latest is not None and latest.asset_materialization is not None


@pytest.mark.parametrize(("name", "asset"), ASSETS, ids=[a[0] for a in ASSETS])
def test_each_blocking_check_evaluation_is_stored_as_passed(
    name: str, asset: str, reader: dg.DagsterInstance, recorded: tuple[Path, str]
) -> None:
    from dagster._core.storage.asset_check_execution_record import (
        AssetCheckExecutionRecordStatus,
    )

    check_key = dg.AssetCheckKey(dg.AssetKey(asset), CHECK)
    history = reader.event_log_storage.get_asset_check_execution_history(check_key, limit=50)
    ours = [r for r in history if r.run_id == recorded[1]]
    # The check spec has no partitions_def, so the evaluation is stored with partition None
    # beside a PLANNED row for the partition that Dagster never closes: only the evaluated
    # records say how the check went.
    evaluated = [r for r in ours if r.status != AssetCheckExecutionRecordStatus.PLANNED]
    assert len(evaluated) == 1, f"{name}: {len(evaluated)} evaluations of {CHECK} on {asset}"
    assert evaluated[0].status == AssetCheckExecutionRecordStatus.SUCCEEDED
    entry = evaluated[0].event
    assert entry is not None and entry.dagster_event is not None
    evaluation = entry.dagster_event.asset_check_evaluation_data
    assert evaluation.passed
    assert evaluation.metadata["findings"].value == "0"
    assert evaluation.metadata["report_date"].value == D
    assert evaluation.partition == D
