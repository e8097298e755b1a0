"""The IO manager reads back exactly what it wrote: a model through pydantic's own JSON parser
(one pass over a manifest of ten thousand records), and anything else through ``json``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from telemetry_assets.core.manifest import ArtifactRecord, Manifest, RunRecord, SkippedRecord
from telemetry_assets.defs.io_manager import TelemetryIOManager
from telemetry_assets.defs.partitions import report_dates

D = "2026-11-22"
KEY = dg.AssetKey("raw_opt_in_manifest")

MANIFEST = Manifest(
    report_date=date(2026, 11, 22),
    window_start=date(2026, 11, 9),
    window_end=date(2026, 11, 22),
    runs=[
        RunRecord(
            run_id="gha-1",
            run_dir="ci/gha-1",
            location="ci",
            provider="github-actions",
            job_type="unit",
            job_type_inferred=False,
            branch="main",
            pr=None,
            commit=None,
            started_at=datetime(2026, 11, 20, 10, 0, 0, 123456, tzinfo=UTC),
            date_source="run.json",
            dir_key="sha256-" + "a" * 64,
            opt_in='run.json env.TELEMETRY="1"',
        )
    ],
    artifacts=[
        ArtifactRecord(
            path=f"ci/gha-1/junit-{i}.xml",
            path_key="sha256-" + f"{i:064x}",
            run_id="gha-1",
            size=100 + i,
            sha256=f"{i:064x}",
            mtime=datetime(2026, 11, 20, 10, i, tzinfo=UTC),
        )
        for i in range(3)
    ],
    skipped=[SkippedRecord(path="ci/gha-2", kind="run", reason="opted out", provider="gitlab")],
)


def _write(manager: TelemetryIOManager, value: object) -> None:
    manager.handle_output(dg.build_output_context(asset_key=KEY, partition_key=D), value)


def _read(manager: TelemetryIOManager) -> object:
    context = dg.build_input_context(
        asset_key=KEY, partition_key=D, asset_partitions_def=report_dates
    )
    return manager.load_input(context)


def test_a_model_reads_back_equal_to_what_was_written(tmp_path: Path) -> None:
    manager = TelemetryIOManager(base_dir=str(tmp_path))
    _write(manager, MANIFEST)
    got = _read(manager)
    assert isinstance(got, Manifest)
    assert got == MANIFEST
    assert got.model_dump_json() == MANIFEST.model_dump_json()


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("a plain value", {"model": None, "data": {"counts": [1, 2]}}),
        (
            "a model written by hand with other spacing",
            {"model": "telemetry_assets.core.manifest:Manifest", "data": "MANIFEST"},
        ),
    ],
)
def test_a_file_without_the_written_header_reads_through_json(
    name: str, payload: dict[str, object], tmp_path: Path
) -> None:
    path = tmp_path / "raw_opt_in_manifest" / f"{D}.json"
    path.parent.mkdir(parents=True)
    if payload["data"] == "MANIFEST":
        payload = {**payload, "data": json.loads(MANIFEST.model_dump_json())}
        expected: object = MANIFEST
    else:
        expected = payload["data"]
    path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    assert _read(TelemetryIOManager(base_dir=str(tmp_path))) == expected


TABLES_KEY = dg.AssetKey("sanitized_artifacts")


def _tables(base: Path, value: object | None = None) -> object:
    manager = TelemetryIOManager(base_dir=str(base))
    if value is not None:
        manager.handle_output(dg.build_output_context(asset_key=TABLES_KEY, partition_key=D), value)
    context = dg.build_input_context(
        asset_key=TABLES_KEY, partition_key=D, asset_partitions_def=report_dates
    )
    return manager.load_input(context)


def test_a_rewritten_input_is_read_again_not_served_from_memory(tmp_path: Path) -> None:
    first = {"failures": pd.DataFrame({"message": ["boom"]})}
    assert _tables(tmp_path, first)["failures"]["message"].tolist() == ["boom"]  # type: ignore[index]
    again = _tables(tmp_path)
    assert again["failures"]["message"].tolist() == ["boom"]  # type: ignore[index]
    _tables(tmp_path, {"failures": pd.DataFrame({"message": ["bang"]})})
    assert _tables(tmp_path)["failures"]["message"].tolist() == ["bang"]  # type: ignore[index]


def test_a_step_changing_its_input_does_not_change_what_the_next_step_loads(
    tmp_path: Path,
) -> None:
    _tables(tmp_path, {"failures": pd.DataFrame({"message": ["boom", "bang"]})})
    mine = _tables(tmp_path)
    mine["failures"].loc[0, "message"] = "changed"  # type: ignore[index]
    mine["failures"]["extra"] = 1  # type: ignore[index]
    theirs = _tables(tmp_path)["failures"]  # type: ignore[index]
    assert theirs["message"].tolist() == ["boom", "bang"]
    assert list(theirs.columns) == ["message"]


def test_a_file_replaced_behind_the_managers_back_is_read_from_disk(tmp_path: Path) -> None:
    manager = TelemetryIOManager(base_dir=str(tmp_path))
    _write(manager, MANIFEST)
    assert _read(manager) == MANIFEST
    path = tmp_path / "raw_opt_in_manifest" / f"{D}.json"
    fewer = MANIFEST.model_copy(update={"artifacts": MANIFEST.artifacts[:1]})
    replacement = path.with_name("replacement.json")
    replacement.write_text(
        json.dumps({"model": None, "data": json.loads(fewer.model_dump_json())}), "utf-8"
    )
    replacement.replace(path)  # a new file, as every write of the store makes
    got = _read(manager)
    assert isinstance(got, dict) and len(got["artifacts"]) == 1


def test_what_a_step_hands_on_in_process_is_what_the_next_step_would_read_from_disk(
    tmp_path: Path,
) -> None:
    """A step's output is kept in memory for the steps after it in the same run (no read and
    decode of a file just written): on the bundled sample artifacts, every kept value equals
    the file read back, types included."""
    from telemetry_assets.defs import io_manager
    from telemetry_assets_tests.builders import harness

    h = harness(tmp_path)
    sample = Path(__file__).resolve().parents[2] / "examples" / "artifacts"
    assert h.materialize(D, artifacts_root=str(sample)).success
    manager = TelemetryIOManager(base_dir=str(h.store))
    compared = []
    for path in sorted(h.store.glob(f"*/{D}.*")):
        kept = io_manager._loaded.get(path, D, io_manager._identity(path))
        if kept is None:
            continue  # not keepable (a plain value, an unfrozen model): read from disk
        stored = manager._read(path)
        if isinstance(kept, dict):
            assert list(kept) == list(stored)
            for name in kept:
                pd.testing.assert_frame_equal(kept[name], stored[name], check_exact=True)
        elif isinstance(kept, pd.DataFrame):
            pd.testing.assert_frame_equal(kept, stored, check_exact=True)
        else:
            assert kept == stored
            assert kept.model_dump_json() == stored.model_dump_json()
        compared.append(path.parent.name)
    assert {"raw_opt_in_manifest", "sanitized_artifacts", "fingerprints"} <= set(compared)
    assert {"error_groups", "scored_rollup"} <= set(compared)
