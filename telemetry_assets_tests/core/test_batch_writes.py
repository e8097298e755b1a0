"""How ``sanitize_manifest`` writes the sanitized cache: each run folder's new entries as one
record; a folder of quarantined artifacts only leaves nothing behind; the pool and a serial run
write the same cache; pruning removes dead folders and stray files, nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pytest

from telemetry_assets.core import batch
from telemetry_assets.core.manifest import Manifest, build_manifest, resolve_paths
from telemetry_assets.core.window import window_for
from telemetry_assets_tests.builders import ci_run, junit

DAY = "2026-11-20"


def _plant(root: Path) -> None:
    # One run of more files than a pool task takes (so its entries come back from several
    # tasks), a few small ones, and one whose files will all be quarantined.
    ci_run(
        root, "gha-9900000001", DAY, {f"r/junit-{n:03d}.xml": junit(DAY, n + 1) for n in range(600)}
    )
    for run in range(2, 6):
        ci_run(
            root,
            f"gha-990000000{run}",
            DAY,
            {f"r/junit-{n}.xml": junit(DAY, run * 10 + n) for n in range(3)},
        )
    ci_run(root, "gha-9900000009", DAY, {f"r/junit-{n}.xml": junit(DAY, 90 + n) for n in range(2)})


class Planted(NamedTuple):
    """The runs of :func:`_plant`, their manifest for the report date and what sanitizing
    them takes."""

    root: Path
    manifest: Manifest
    real: dict[str, str]
    settings: batch.RedactorSettings


def planted(tmp_path: Path) -> Planted:
    root = tmp_path / "artifacts"
    _plant(root)
    manifest = build_manifest(root, window_for("2026-11-22"))
    return Planted(root, manifest, resolve_paths(root, manifest), batch.RedactorSettings())


def _segments(cache: Path) -> dict[str, tuple[int, set[str]]]:
    """Run folder -> (records in its segment, artifact hashes it holds)."""
    out: dict[str, tuple[int, set[str]]] = {}
    for path in sorted(cache.glob(f"*/*/{batch.SanitizedCache.SEGMENT}")):
        blocks: list[batch._Block] = []
        segment = batch._read_segment(path, blocks)
        assert not segment.damaged
        out[path.parent.name] = (len(blocks), set(segment.entries))
    return out


def _quarantine_run(root: Path, manifest: Manifest, run_id: str) -> set[str]:
    """Change the run's files after the manifest hashed them: they are quarantined."""
    changed = set()
    for record in manifest.artifacts:
        if record.run_id == run_id:
            path = root / record.path
            path.write_bytes(path.read_bytes() + b"\n<!-- changed -->\n")
            changed.add(record.sha256)
    assert changed
    return changed


@pytest.mark.parametrize("workers", [1, 2])
def test_each_run_folder_gets_one_record_and_quarantined_runs_leave_no_folder(
    tmp_path: Path, workers: int
) -> None:
    root, manifest, real, settings = planted(tmp_path)
    cache = tmp_path / "cache"
    quarantined = _quarantine_run(root, manifest, "gha-9900000009")

    first = batch.sanitize_manifest(
        root, manifest, real, settings, workers=workers, cache_dir=cache
    )

    assert (first.processed, first.from_cache) == (614, 0)
    runs = {r.run_id: r.dir_key[:32] for r in manifest.runs}
    segments = _segments(cache)
    assert set(segments) == set(runs.values()) - {runs["gha-9900000009"]}
    for run_id, key in runs.items():
        if key in segments:
            shas = {a.sha256 for a in manifest.artifacts if a.run_id == run_id}
            assert segments[key] == (1, shas), run_id
    # Neither the quarantined run's folder nor a segment file made ahead for it is left.
    token = next(p for p in cache.iterdir() if p.is_dir() and p.name != "clean-values")
    assert not (token / runs["gha-9900000009"]).exists()
    assert not [p for p in cache.rglob("*") if p.is_file() and p.stat().st_size == 0]
    statuses = first.artifacts.set_index("sha256")["status"]
    assert set(statuses[statuses != "ok"].index) == quarantined

    again = batch.sanitize_manifest(
        root, manifest, real, settings, workers=workers, cache_dir=cache
    )

    assert (again.processed, again.from_cache) == (2, 612)
    pd.testing.assert_frame_equal(again.failures, first.failures)
    pd.testing.assert_frame_equal(again.artifacts, first.artifacts)
    assert _segments(cache) == segments


def test_a_pooled_run_writes_the_cache_a_serial_run_writes(tmp_path: Path) -> None:
    root, manifest, real, settings = planted(tmp_path)
    serial = batch.sanitize_manifest(
        root, manifest, real, settings, workers=1, cache_dir=tmp_path / "one"
    )
    pooled = batch.sanitize_manifest(
        root, manifest, real, settings, workers=2, cache_dir=tmp_path / "two"
    )

    pd.testing.assert_frame_equal(pooled.failures, serial.failures)
    pd.testing.assert_frame_equal(pooled.artifacts, serial.artifacts)
    assert _segments(tmp_path / "two") == _segments(tmp_path / "one")


def test_prune_removes_stray_files_of_live_folders_and_dead_folders(tmp_path: Path) -> None:
    token = "0123456789abcdef"
    live, dead = "a" * 32, "b" * 32
    (tmp_path / token / live).mkdir(parents=True)
    (tmp_path / token / live / batch.SanitizedCache.SEGMENT).write_bytes(b"x")
    (tmp_path / token / live / f".{batch.SanitizedCache.SEGMENT}.tmp-1").write_bytes(b"x")
    (tmp_path / token / live / "entries.json").write_bytes(b"x")  # an older layout
    (tmp_path / token / dead).mkdir()
    (tmp_path / token / dead / batch.SanitizedCache.SEGMENT).write_bytes(b"x")
    (tmp_path / token / "stray-file").write_bytes(b"x")
    (tmp_path / token / ("c" * 32)).symlink_to(tmp_path / token / live)

    pruned = batch.SanitizedCache(tmp_path, token).prune([live + "0" * 32])

    assert pruned == 4
    assert sorted(p.name for p in (tmp_path / token).iterdir()) == [live]
    assert sorted(p.name for p in (tmp_path / token / live).iterdir()) == [
        f".{batch.SanitizedCache.SEGMENT}.tmp-1",
        batch.SanitizedCache.SEGMENT,
    ]
