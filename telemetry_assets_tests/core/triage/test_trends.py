"""Trends: regressed (seen, quiet >= 5 days, back in the report week), new, rising, flaky."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telemetry_assets.core.models import GroupStats
from telemetry_assets.core.triage.trends import (
    SPARK_BLOCKS,
    flaky_test_ids,
    is_new,
    is_regressed,
    is_rising,
    sparkline,
    trend_flags,
)

BASE = GroupStats(
    fingerprint="sha256-" + "1" * 64,
    count=3,
    count_baseline=0,
    first_seen=datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
    last_seen=datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
    job_types=("unit",),
    branches=("main",),
    sample_trace="KeyError: 'tenant_id'\n  File \"src/billing/invoice.py\", line LINE, in total",
)

#           D-13 ............ D-7 | D-6 ............ D
REGRESSION = [
    ("seen, quiet 6 days, back in week", [1, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0], True),
    ("quiet exactly 5 days is enough", [0, 3, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], True),
    ("quiet 4 days is noise", [0, 0, 3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], False),
    ("gap entirely inside the report week", [0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 1], True),
    ("back only in the baseline week", [5, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], False),
    ("never quiet", [1] * 14, False),
    ("first ever appearance is new, not regressed", [0] * 10 + [1, 2, 3, 4], False),
    ("never seen", [0] * 14, False),
    ("negative counts are treated as zero", [2, -1, -1, -1, -1, -1, 0, 0, 1, 0, 0, 0, 0, 0], True),
]


@pytest.mark.parametrize(("name", "daily", "expected"), REGRESSION, ids=[c[0] for c in REGRESSION])
def test_is_regressed(name: str, daily: list[int], expected: bool) -> None:
    assert is_regressed(daily) is expected


NEW = [
    ("first seen this week", dict(first_seen_ever_in_window=True), True),
    ("history says seen before", dict(first_seen_ever_in_window=False), False),
    ("baseline week had it", dict(first_seen_ever_in_window=True, count_baseline=2), False),
    ("regressed is not new", dict(first_seen_ever_in_window=True, regressed=True), False),
    ("no occurrence this week", dict(first_seen_ever_in_window=True, count=0), False),
]


@pytest.mark.parametrize(("name", "changes", "expected"), NEW, ids=[c[0] for c in NEW])
def test_is_new(name: str, changes: dict[str, object], expected: bool) -> None:
    assert is_new(replace(BASE, **changes)) is expected  # type: ignore[arg-type]


RISING = [
    ("more than the baseline week", (5, 2), True),
    ("from zero", (1, 0), True),
    ("flat", (4, 4), False),
    ("falling", (1, 9), False),
    ("nothing at all", (0, 0), False),
]


@pytest.mark.parametrize(("name", "counts", "expected"), RISING, ids=[c[0] for c in RISING])
def test_is_rising(name: str, counts: tuple[int, int], expected: bool) -> None:
    count, baseline = counts
    assert is_rising(replace(BASE, count=count, count_baseline=baseline)) is expected


FLAKY = [
    (
        "failed and passed in the window",
        (
            ["tests/test_api.py::test_retry", "tests/test_api.py::test_auth"],
            ["tests/test_api.py::test_retry", "tests/test_db.py::test_pool"],
        ),
        {"tests/test_api.py::test_retry"},
    ),
    ("only failed", (["com.acme.FooTest.testBar"], []), set()),
    ("empty ids never count", (["", "pkg/sync.TestRetry"], ["", "pkg/sync.TestOther"]), set()),
    ("ids are exact, not prefixes", (["pkg/sync.TestRetry/sub"], ["pkg/sync.TestRetry"]), set()),
]


@pytest.mark.parametrize(("name", "ids", "expected"), FLAKY, ids=[c[0] for c in FLAKY])
def test_flaky_test_ids(name: str, ids: tuple[list[str], list[str]], expected: set[str]) -> None:
    assert flaky_test_ids(*ids) == expected


def test_flags_combine_group_and_window_flakiness() -> None:
    g = replace(
        BASE, test_ids=("tests/test_api.py::test_retry",), daily_counts=(0,) * 11 + (1, 1, 1)
    )
    flags = trend_flags(g, flaky_ids={"tests/test_api.py::test_retry"})
    assert flags.labels() == ("rising", "flaky")


SPARKS = [
    ("spike with quiet days", [0, 1, 0, 8, 4], "▁▂▁█▅"),
    ("all quiet", [0, 0, 0], "▁▁▁"),
    ("flat non-zero is full height", [3, 3], "██"),
    ("a tiny day next to a spike is still above zero", [1, 1000], "▂█"),
    ("empty", [], ""),
]


@pytest.mark.parametrize(("name", "daily", "expected"), SPARKS, ids=[c[0] for c in SPARKS])
def test_sparkline(name: str, daily: list[int], expected: str) -> None:
    assert sparkline(daily) == expected


@given(st.lists(st.integers(0, 10_000), min_size=14, max_size=14))
def test_sparkline_one_block_per_day_and_zero_only_for_zero(daily: list[int]) -> None:
    line = sparkline(daily)
    assert len(line) == 14
    assert set(line) <= set(SPARK_BLOCKS)
    assert [c == SPARK_BLOCKS[0] for c in line] == [d == 0 for d in daily]


@given(st.lists(st.integers(0, 50), min_size=14, max_size=14))
def test_no_regression_without_an_occurrence_in_the_report_week(daily: list[int]) -> None:
    quiet_week = daily[:7] + [0] * 7
    assert not is_regressed(quiet_week)
