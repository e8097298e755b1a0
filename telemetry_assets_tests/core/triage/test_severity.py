"""Severity: the seed formula pinned on worked examples, and its 0-10 range for any input."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telemetry_assets.core.models import GroupStats
from telemetry_assets.core.triage.severity import (
    RAW_MAX,
    SeverityBreakdown,
    is_release_channel,
    severity,
)

BASE = GroupStats(
    fingerprint="sha256-" + "0" * 64,
    count=1,
    count_baseline=0,
    first_seen=datetime(2026, 11, 17, 8, 1, tzinfo=UTC),
    last_seen=datetime(2026, 11, 23, 5, 12, tzinfo=UTC),
    job_types=("unit",),
    branches=("feature/table-paging",),
    sample_trace="TypeError: x is undefined\n  at render (src/ui/Table.tsx:LINE)",
)


def group(**changes: object) -> GroupStats:
    return replace(BASE, **changes)  # type: ignore[arg-type]


# (name, group, expected breakdown: volume rounded to 3 places, main, visual_smoke, rising, score)
CASES = [
    (
        "module docstring example: 42 on main in visual, rising from 12",
        group(count=42, count_baseline=12, branches=("main",), job_types=("unit", "visual")),
        (1.633, 2.0, 1.0, 1.0, 7.0),
    ),
    (
        "same volume on a feature branch in unit jobs, falling",
        group(count=42, count_baseline=50),
        (1.633, 0.0, 0.0, 0.0, 2.0),
    ),
    (
        "one occurrence, new, feature branch",
        group(count=1, count_baseline=0),
        (0.301, 0, 0, 1, 1.6),
    ),
    (
        "9 999 occurrences saturate volume; everything on: raw 8 -> 10.0",
        group(count=9_999, count_baseline=10, branches=("release/2.4",), job_types=("smoke",)),
        (4.0, 2.0, 1.0, 1.0, 10.0),
    ),
    (
        "a million occurrences do not exceed the volume cap",
        group(count=1_000_000, count_baseline=1_000_000),
        (4.0, 0.0, 0.0, 0.0, 5.0),
    ),
    ("zero occurrences score zero", group(count=0, count_baseline=3), (0.0, 0, 0, 0, 0.0)),
    (
        "master counts as a release channel; flat is not rising",
        group(count=9, count_baseline=9, branches=("dependabot/npm", "master")),
        (1.0, 2.0, 0.0, 0.0, 3.8),
    ),
    (
        "remote-prefixed release branch counts; e2e is not visual/smoke",
        group(count=99, count_baseline=100, branches=("origin/release/3.0",), job_types=("e2e",)),
        (2.0, 2.0, 0.0, 0.0, 5.0),
    ),
]


@pytest.mark.parametrize(("name", "g", "expected"), CASES, ids=[c[0] for c in CASES])
def test_worked_examples(name: str, g: GroupStats, expected: tuple[float, ...]) -> None:
    b = severity(g)
    volume, main, visual_smoke, rising, score = expected
    assert round(b.volume, 3) == volume
    assert (b.main, b.visual_smoke, b.rising) == (main, visual_smoke, rising)
    assert b.raw == pytest.approx(b.volume + b.main + b.visual_smoke + b.rising)
    assert b.score == score


BRANCHES = [
    ("main", "main", True),
    ("master", "master", True),
    ("release branch", "release/2026.11", True),
    ("full ref", "refs/heads/main", True),
    ("remote ref", "refs/remotes/origin/release/1.2", True),
    ("feature branch", "feature/main-menu", False),
    ("prefix is not enough", "mainline", False),
    ("releases is not release/", "releases/2.0", False),
]


@pytest.mark.parametrize(("name", "branch", "expected"), BRANCHES, ids=[c[0] for c in BRANCHES])
def test_release_channel(name: str, branch: str, expected: bool) -> None:
    assert is_release_channel(branch) is expected


def test_explain_shows_every_part() -> None:
    text = severity(group(count=42, count_baseline=12, branches=("main",))).explain()
    assert text == "volume 1.63 + main 2 + visual/smoke 0 + rising 1 = raw 4.63 of 8 -> 5.8/10"


@given(
    count=st.integers(0, 10**9),
    baseline=st.integers(0, 10**9),
    main=st.booleans(),
    visual=st.booleans(),
)
def test_score_is_bounded_and_monotonic_in_count(
    count: int, baseline: int, main: bool, visual: bool
) -> None:
    g = group(
        count=count,
        count_baseline=baseline,
        branches=("main",) if main else ("topic",),
        job_types=("visual",) if visual else ("unit",),
    )
    b: SeverityBreakdown = severity(g)
    assert 0.0 <= b.score <= 10.0
    assert 0.0 <= b.raw <= RAW_MAX
    more = severity(replace(g, count=count + 1))
    assert more.score >= b.score
