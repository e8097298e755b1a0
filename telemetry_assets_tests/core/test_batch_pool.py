"""How ``sanitize_manifest`` ends a pooled run (its workers are joined only after the tables
are built and the cache written): a cache write that fails costs a recomputation next time,
never the run; a pooled run prunes as a serial one does. The wait that lets the pool hand out
its first tasks before the cached entries are decoded never blocks for long.
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from pathlib import Path

import pandas as pd
import pytest

from telemetry_assets import storage
from telemetry_assets.core import batch
from telemetry_assets_tests.core.test_batch_writes import _segments, planted


def test_a_cache_write_that_fails_in_a_pooled_run_costs_a_recomputation_not_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, manifest, real, settings = planted(tmp_path)
    cache = tmp_path / "cache"
    serial = batch.sanitize_manifest(root, manifest, real, settings, workers=1)

    def disk_full(path: Path, data: bytes) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage, "append_bytes", disk_full)
    failed = batch.sanitize_manifest(root, manifest, real, settings, workers=2, cache_dir=cache)
    monkeypatch.undo()

    pd.testing.assert_frame_equal(failed.failures, serial.failures)
    pd.testing.assert_frame_equal(failed.artifacts, serial.artifacts)
    assert not _segments(cache)

    again = batch.sanitize_manifest(root, manifest, real, settings, workers=2, cache_dir=cache)

    assert (again.processed, again.from_cache) == (614, 0)
    pd.testing.assert_frame_equal(again.artifacts, serial.artifacts)
    assert len(_segments(cache)) == 6  # one per run folder
    warm = batch.sanitize_manifest(root, manifest, real, settings, workers=2, cache_dir=cache)
    assert (warm.processed, warm.from_cache) == (0, 614)
    pd.testing.assert_frame_equal(warm.failures, serial.failures)
    pd.testing.assert_frame_equal(warm.artifacts, serial.artifacts)


def test_a_pooled_run_prunes_dead_run_folders_as_a_serial_run_does(tmp_path: Path) -> None:
    root, manifest, real, settings = planted(tmp_path)
    pruned: dict[int, int] = {}
    for workers in (1, 2):
        cache = tmp_path / f"cache-{workers}"
        token = settings.cache_token()
        dead = cache / token / ("d" * 32)
        dead.mkdir(parents=True)
        (dead / batch.SanitizedCache.SEGMENT).write_bytes(b"x")
        (cache / "0123456789abcdef").mkdir()  # a stale cache token
        result = batch.sanitize_manifest(
            root, manifest, real, settings, workers=workers, cache_dir=cache
        )
        pruned[workers] = result.cache_pruned
        assert not dead.exists() and not (cache / "0123456789abcdef").exists()
        assert len(_segments(cache)) == 6  # one per run folder
    assert pruned[1] == pruned[2] == 1


def test_waiting_for_the_pool_to_take_its_first_tasks_is_bounded() -> None:
    taken: Future[int] = Future()
    assert taken.set_running_or_notify_cancel()
    done: Future[int] = Future()
    done.set_result(1)
    started = time.monotonic()
    batch._until_handed_over([taken, done])
    assert time.monotonic() - started < 0.4  # no wait at all: the bound is for a busy machine

    never: Future[int] = Future()
    started = time.monotonic()
    batch._until_handed_over([never, Future()], limit=0.05)
    assert 0.05 <= time.monotonic() - started < 2
