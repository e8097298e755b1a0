"""The memory of values the detector found clean: remembered while in use, forgotten after.

Every check of a report date looks up each value it would persist; the memory must answer for
the values of recent windows, stay about that size however long the deployment runs, and never
answer for a value it was not told about."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from telemetry_assets.core import clean_values
from telemetry_assets.core.clean_values import KEEP_DAYS, CleanValues

DAY = date(2026, 11, 22)


def _stored(cache: Path) -> Path:
    return cache / clean_values.FOLDER / f"{clean_values.detector_version()}{clean_values.SUFFIX}"


def _learn(cache: Path, day: date, values: list[str]) -> None:
    memory = CleanValues.open(cache, today=day)
    memory.add(values)
    memory.save()


def _knows(cache: Path, day: date, value: str) -> bool:
    memory = CleanValues.open(cache, today=day)
    found = value in memory
    memory.save()
    return found


def test_a_value_in_use_is_remembered_and_an_unused_one_is_forgotten(tmp_path: Path) -> None:
    _learn(tmp_path, DAY, ["KeyError: 'tenant_id'", "TimeoutError: pool exhausted after 30s"])
    # Looked up every week (a weekly schedule): each use restarts its clock.
    for week in range(1, 9):
        assert _knows(tmp_path, DAY + timedelta(weeks=week), "KeyError: 'tenant_id'")
    later = DAY + timedelta(weeks=8)
    assert "TimeoutError: pool exhausted after 30s" not in CleanValues.open(tmp_path, today=later)


def test_a_value_is_kept_for_exactly_keep_days_after_its_last_use(tmp_path: Path) -> None:
    _learn(tmp_path, DAY, ["AssertionError: expected 200, got 503"])
    # A save on a later day is what forgets; the lookup itself is the last use checked.
    _learn(tmp_path, DAY + timedelta(days=KEEP_DAYS), ["other"])
    assert _knows(
        tmp_path, DAY + timedelta(days=KEEP_DAYS), "AssertionError: expected 200, got 503"
    )
    _learn(tmp_path, DAY + timedelta(days=2 * KEEP_DAYS + 1), ["another"])
    assert not _knows(
        tmp_path, DAY + timedelta(days=2 * KEEP_DAYS + 1), "AssertionError: expected 200, got 503"
    )


def test_the_memory_stays_the_size_of_recent_windows_after_a_year_of_daily_runs(
    tmp_path: Path,
) -> None:
    per_day = 200
    for n in range(365):
        day = DAY + timedelta(days=n)
        memory = CleanValues.open(tmp_path, today=day)
        # The 14-day window: 13 days already known, one new.
        for back in range(1, 14):
            for k in range(0, per_day, 10):
                assert (f"value {n - back}:{k}" in memory) == (n - back >= 0)
        memory.add(f"value {n}:{k}" for k in range(per_day))
        memory.save()
    # Each day's values are used while in the window (13 more days), then kept KEEP_DAYS more.
    assert len(CleanValues.open(tmp_path, today=day)) <= per_day * (14 + KEEP_DAYS + 1)
    assert _stored(tmp_path).stat().st_size <= 32 * (per_day + 1) * (14 + KEEP_DAYS + 1)


def test_a_save_with_nothing_new_today_writes_nothing(tmp_path: Path) -> None:
    _learn(tmp_path, DAY, ["ConnectionResetError: [Errno 104] Connection reset by peer"])
    before = _stored(tmp_path).stat()
    assert _knows(tmp_path, DAY, "ConnectionResetError: [Errno 104] Connection reset by peer")
    after = _stored(tmp_path).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_two_writers_keep_what_each_learnt(tmp_path: Path) -> None:
    first = CleanValues.open(tmp_path, today=DAY)
    second = CleanValues.open(tmp_path, today=DAY)
    first.add(["panic: runtime error: index out of range [3] with length 3"])
    second.add(['java.lang.NullPointerException: Cannot invoke "String.length()"'])
    first.save()
    second.save()
    again = CleanValues.open(tmp_path, today=DAY)
    assert "panic: runtime error: index out of range [3] with length 3" in again
    assert 'java.lang.NullPointerException: Cannot invoke "String.length()"' in again


def test_a_damaged_memory_is_a_miss_never_a_wrong_answer(tmp_path: Path) -> None:
    _learn(tmp_path, DAY - timedelta(days=1), ["older value"])
    _learn(tmp_path, DAY, ["newer value"])
    data = _stored(tmp_path).read_bytes()
    # Cut inside the last generation (a torn append): the one before still reads, the torn
    # one is a miss.
    _stored(tmp_path).write_bytes(data[:-5])
    memory = CleanValues.open(tmp_path, today=DAY)
    assert "older value" in memory
    assert "newer value" not in memory
    # Appending after a torn tail: the bytes that follow it can only be misses.
    _learn(tmp_path, DAY, ["latest value"])
    memory = CleanValues.open(tmp_path, today=DAY)
    assert "older value" in memory
    assert "newer value" not in memory
    _stored(tmp_path).write_bytes(b"not a memory at all, just some bytes of the wrong kind..")
    assert len(CleanValues.open(tmp_path, today=DAY)) == 0


def test_only_digests_are_stored(tmp_path: Path) -> None:
    _learn(tmp_path, DAY, ["OSError: cannot open /srv/build/cache.db"])
    data = _stored(tmp_path).read_bytes()
    assert b"OSError" not in data and b"/srv/build" not in data
    assert len(data) % clean_values.DIGEST_BYTES == 0
