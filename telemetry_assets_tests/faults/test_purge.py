"""Reversible: a purged run and an opted-out run leave outputs identical to a root that never
had the run.

Identical means: the occurrences Parquet byte for byte, and the report JSON except
``generated_at`` and the accounting fields of :data:`compare.ACCOUNTING` (``sources.skipped``
gains a "purged on request" or "opted out" count, ``limitations`` says "1 run(s) opted out").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from telemetry_assets.cli import purge as purge_cli
from telemetry_assets.core import purge
from telemetry_assets.core.manifest import path_key
from telemetry_assets_tests.builders import Harness, ci_run, harness, junit, node_log
from telemetry_assets_tests.faults.compare import assert_same_outputs, fixture_bytes

TARGET = "gha-7001"
TARGET_DAY = "2026-11-06"
COVERING = ("2026-11-08", "2026-11-15")
"""Reports whose window D-13..D holds 2026-11-06."""
NOT_COVERING = "2026-11-22"
"""Window 2026-11-09..2026-11-22: never held the run, so the purge must not touch it."""
DATES = (*COVERING, NOT_COVERING)


def _plant(h: Harness, *, with_target: bool) -> None:
    ci_run(h.root, "gha-7000", "2026-11-05", {"junit.xml": junit("2026-11-05", 42, 118)})
    ci_run(
        h.root,
        "gha-7002",
        "2026-11-13",
        {"logs/npm.log": node_log("2026-11-13", 42)},
        job_type="smoke",
    )
    ci_run(h.root, "gha-7003", "2026-11-19", {"junit.xml": junit("2026-11-19", 50, 120)})
    if with_target:
        # Its own crash (the pool log) and one more of the shared KeyError.
        ci_run(
            h.root,
            TARGET,
            TARGET_DAY,
            {
                "junit.xml": junit(TARGET_DAY, 44, 119),
                "logs/pytest.log": fixture_bytes("pool-exhausted-gha.log"),
            },
        )


def _env(monkeypatch: pytest.MonkeyPatch, h: Harness, tmp_path: Path) -> None:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    for name, value in {
        "TELEMETRY_ARTIFACTS_ROOT": h.root,
        "TELEMETRY_REPORTS_DIR": h.reports,
        "TELEMETRY_REPO_ROOT": h.repo,
        "TELEMETRY_CACHE_DIR": h.cache,
        "TELEMETRY_STATE_DIR": tmp_path / "state",
        "TELEMETRY_STORAGE_DIR": h.store,
        "TELEMETRY_WORKERS": "1",
    }.items():
        monkeypatch.setenv(name, str(value))


@pytest.fixture(scope="module")
def never_had_it(tmp_path_factory: pytest.TempPathFactory) -> Harness:
    h = harness(tmp_path_factory.mktemp("never"))
    _plant(h, with_target=False)
    for day in COVERING:
        assert h.materialize(day).success
    return h


def _cache_folders(h: Harness) -> set[str]:
    return {p.name for p in h.cache.glob("*/*") if p.is_dir()}


def test_purge_deletes_the_cache_at_once_and_remakes_only_the_affected_reports(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    never_had_it: Harness,
    capsys: pytest.CaptureFixture[str],
) -> None:
    h = harness(tmp_path)
    _plant(h, with_target=True)
    state = tmp_path / "state"
    for day in DATES:
        assert h.materialize(day, state_dir=str(state)).success
    key = path_key(f"ci/{TARGET}")[:32]
    assert key in _cache_folders(h)
    untouched = (h.reports / f"error-aggregates-{NOT_COVERING}.json").read_bytes()

    _env(monkeypatch, h, tmp_path)
    assert purge_cli.main(["--run", TARGET]) == purge_cli.EXIT_OK

    out = capsys.readouterr().out
    assert "run recorded in the purge register" in out
    assert "2 cached sanitized file(s) deleted" in out
    assert f"{COVERING[0]} re-materialized: ok" in out and NOT_COVERING not in out
    assert purge.load_purged(state) == {TARGET}
    assert key not in _cache_folders(h) and _cache_folders(h)
    # The manifest's own memories (hashes and display paths) forget the run's files too.
    target_keys = {
        path_key(p.relative_to(h.root).as_posix())
        for p in (h.root / "ci" / TARGET).rglob("*")
        if p.is_file()
    }
    hashes = json.loads((state / "file-hashes.json").read_text("utf-8"))
    shown = json.loads((state / "shown-paths.json").read_text("utf-8"))["paths"]
    assert target_keys and hashes and shown
    assert not target_keys & (set(hashes) | set(shown))
    # Not re-made: it never held the run (generated_at would have changed).
    assert (h.reports / f"error-aggregates-{NOT_COVERING}.json").read_bytes() == untouched
    for day in COVERING:
        assert_same_outputs(h, never_had_it, day)
        assert TARGET not in (h.reports / f"telemetry-report-{day}.md").read_text("utf-8")
        skipped = {s["reason"]: s["count"] for s in h.report_json(day)["sources"]["skipped"]}
        assert skipped["purged on request"] == 1


def test_purge_of_a_run_whose_folder_is_gone_uses_the_stored_manifests(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    never_had_it: Harness,
    capsys: pytest.CaptureFixture[str],
) -> None:
    h = harness(tmp_path)
    _plant(h, with_target=True)
    assert h.materialize(COVERING[0], state_dir=str(tmp_path / "state")).success
    for path in sorted((h.root / "ci" / TARGET).rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    (h.root / "ci" / TARGET).rmdir()
    _env(monkeypatch, h, tmp_path)
    assert purge_cli.main(["--run", TARGET]) == purge_cli.EXIT_OK
    assert "1 run folder(s) found; 2 cached sanitized file(s) deleted" in capsys.readouterr().out
    assert path_key(f"ci/{TARGET}")[:32] not in _cache_folders(h)
    assert_same_outputs(h, never_had_it, COVERING[0])


def test_the_register_is_idempotent(tmp_path: Path) -> None:
    assert purge.record_purge(tmp_path, TARGET)
    assert not purge.record_purge(tmp_path, TARGET)
    assert purge.record_purge(tmp_path, "gha-7000")
    assert purge.load_purged(tmp_path) == {TARGET, "gha-7000"}


def test_opting_out_gives_the_outputs_of_a_root_that_never_had_the_run(
    tmp_path: Path, never_had_it: Harness
) -> None:
    h = harness(tmp_path)
    _plant(h, with_target=True)
    assert h.materialize(COVERING[0]).success
    run_json = h.root / "ci" / TARGET / "run.json"
    run_json.write_text(
        run_json.read_text("utf-8").replace('"TELEMETRY": "1"', '"TELEMETRY": "0"'), "utf-8"
    )
    assert h.materialize(COVERING[0]).success
    assert_same_outputs(h, never_had_it, COVERING[0])
    # The next materialization pruned the opted-out run's cached rows.
    assert path_key(f"ci/{TARGET}")[:32] not in _cache_folders(h)


def test_usage_errors_exit_2() -> None:
    with pytest.raises(SystemExit) as exc:
        purge_cli.main([])
    assert exc.value.code == purge_cli.EXIT_USAGE
    assert purge_cli.main(["--run", "  "]) == purge_cli.EXIT_USAGE


def test_the_purge_job_records_deletes_the_cache_and_removes_the_derived_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from telemetry_assets.defs.purge import purge_run_job

    h = harness(tmp_path)
    _plant(h, with_target=True)
    state = tmp_path / "state"
    assert h.materialize(COVERING[0], state_dir=str(state)).success
    monkeypatch.setenv("TELEMETRY_STORAGE_DIR", str(h.store))
    result = purge_run_job.execute_in_process(
        run_config={"ops": {"purge_run": {"config": {"run_id": TARGET}}}},
        resources={"settings": h.settings(state_dir=str(state))},
    )
    assert result.success
    assert result.output_for_node("purge_run") == [COVERING[0]]
    assert purge.load_purged(state) == {TARGET}
    assert path_key(f"ci/{TARGET}")[:32] not in _cache_folders(h)
    assert not list(h.reports.glob(f"*{COVERING[0]}*"))
    assert not list(h.store.glob(f"*/{COVERING[0]}.*"))
