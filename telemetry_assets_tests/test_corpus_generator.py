"""The benchmark corpus generator writes the contract's layout, deterministically.

``benchmarks/`` is not a package, so the module is loaded from its path
(:mod:`telemetry_assets_tests.benchmark_scripts`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

from telemetry_assets_tests.benchmark_scripts import load


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def test_two_mb_corpus_has_the_contract_layout_and_is_deterministic(tmp_path: Path) -> None:
    corpus = load("corpus")
    d = date(2026, 11, 22)
    info = corpus.generate_corpus(tmp_path / "a", total_mb=2, report_date=d, seed=7)
    again = corpus.generate_corpus(tmp_path / "b", total_mb=2, report_date=d, seed=7)

    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert info.bytes >= 2 * 1024 * 1024 and info.bytes == again.bytes
    assert {p.name for p in (tmp_path / "a").iterdir()} <= {
        "ci",
        "agent",
        "telemetry-optin",
        "other",
    }
    assert 0 < info.opted_in_runs < info.runs or info.runs < 10
    assert info.secrets > 0 and sum(info.failures_by_day.values()) > 0

    run_jsons = list((tmp_path / "a").glob("*/*/run.json"))
    assert run_jsons
    readable = 0
    for rj in run_jsons:
        try:
            meta = json.loads(rj.read_text())
        except json.JSONDecodeError:
            continue  # deliberately unreadable ones are part of the mix
        readable += 1
        assert meta["run_id"] == rj.parent.name
        assert {"provider", "job_type", "started_at", "env"} <= meta.keys()
    assert readable >= len(run_jsons) // 2


def test_next_day_adds_runs_without_touching_existing_ones(tmp_path: Path) -> None:
    corpus = load("corpus")
    corpus.generate_corpus(tmp_path, total_mb=1, report_date=date(2026, 11, 22), seed=1)
    before = {p: p.stat().st_size for p in tmp_path.rglob("*") if p.is_file()}
    info = corpus.add_next_day(tmp_path, date(2026, 11, 23), 0.5, seed=1)
    after = {p: p.stat().st_size for p in tmp_path.rglob("*") if p.is_file()}
    assert all(after[p] == size for p, size in before.items())
    assert len(after) - len(before) == info.files > 0
    assert set(info.failures_by_day) <= {"2026-11-23"}
