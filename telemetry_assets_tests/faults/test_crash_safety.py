"""Crash safety: ``dagster asset materialize`` killed with SIGKILL mid-run, then rerun, gives
the outputs of an uninterrupted run (but for ``generated_at``), and no half-written report is
ever visible.

The corpus is big enough that sanitizing takes a second or two; the kill comes as soon as the
manifest's stored file appears, i.e. while ``sanitized_artifacts`` is working.
"""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path

import pytest

from telemetry_assets_tests.builders import ci_run, junit, node_log
from telemetry_assets_tests.faults.cli import Layout
from telemetry_assets_tests.faults.compare import fixture_bytes

D = "2026-11-22"
RUNS = 24


def _plant(root: Path) -> None:
    filler = b"2026-11-20T10:11:12.0000000Z [shard] collected 412 items, running\n" * 6000
    for i in range(RUNS):
        day = f"2026-11-{16 + i % 7:02d}"
        ci_run(root, f"gha-9{i:03d}", day, {
            "reports/junit.xml": junit(day, 40 + i % 5, 118),
            "logs/npm.log": node_log(day, 42),
            "logs/pytest.log": filler + fixture_bytes("pool-exhausted-gha.log"),
        })  # fmt: skip


def _complete_reports(folder: Path) -> dict[str, bytes]:
    """Every visible file must be complete: JSON parses, Parquet has its footer, no tmp names."""
    files = {p.relative_to(folder).as_posix(): p.read_bytes()
             for p in folder.rglob("*") if p.is_file()}  # fmt: skip
    for name, data in files.items():
        assert ".tmp-" not in name, name
        if name.endswith(".json"):
            json.loads(data)
        if name.endswith(".parquet"):
            assert data[:4] == data[-4:] == b"PAR1", name
    return files


def _strip(name: str, data: bytes) -> bytes:
    if name.endswith(".json"):
        doc = json.loads(data)
        doc.pop("generated_at", None)
        return json.dumps(doc, sort_keys=True).encode()
    if name.endswith(".md"):
        return re.sub(rb"generated \S+", b"", data)
    return data


@pytest.mark.slow
def test_sigkill_mid_run_then_rerun_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    killed = Layout(tmp_path / "killed")
    _plant(killed.root)
    clean = Layout(tmp_path / "clean")
    _plant(clean.root)
    # The uninterrupted reference runs alongside (own DAGSTER_HOME and folders): saves a CLI start.
    reference = clean.start(D)
    proc = killed.start(D)
    marker = killed.store / "raw_opt_in_manifest" / f"{D}.json"
    deadline = time.monotonic() + 120
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed: grow the corpus"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert not (killed.reports / f"error-aggregates-{D}.json").exists()
    if killed.reports.exists():
        _complete_reports(killed.reports)

    rerun = killed.run(D)
    assert rerun.returncode == 0, rerun.stdout.decode("utf-8", errors="replace")[-2000:]
    after_kill = _complete_reports(killed.reports)

    out, _ = reference.communicate(timeout=240)
    assert reference.returncode == 0, out.decode("utf-8", errors="replace")[-2000:]
    uninterrupted = _complete_reports(clean.reports)

    assert sorted(after_kill) == sorted(uninterrupted)
    for name in uninterrupted:
        assert _strip(name, after_kill[name]) == _strip(name, uninterrupted[name]), name
