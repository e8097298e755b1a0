"""Trend flags for one group over the 14-day window: new, regressed, rising, flaky, and a sparkline.

Contract: pure functions over :class:`~telemetry_assets.core.models.GroupStats` or its
``daily_counts`` (14 ints for D-13..D, oldest first; the last 7 are the report week D-6..D).
Definitions, so the report can state them:

- **new**: seen in the report week, never in the baseline week, and the grouping step marks no
  earlier occurrence (``first_seen_ever_in_window``) and no regression; only the aggregation step
  sees history before D-13, so this trusts its flag instead of guessing from 14 numbers.
- **regressed** (:func:`is_regressed`): seen on some day, then quiet for at least
  :data:`QUIET_DAYS` (5) consecutive days, then seen again on a day inside the report week,
  all within the window. A group whose history says it regressed (``GroupStats.regressed``)
  is regressed too (:func:`is_regressed_group`).
- **rising**: ``count > count_baseline`` with at least one occurrence this week (the severity
  formula uses the same definition).
- **flaky** (:func:`flaky_test_ids`): the same test id both failed and passed in the window.
- **sparkline**: one block per day, zero days as the lowest block and any non-zero day at least
  one step higher, so quiet gaps stay visible even next to a spike.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from telemetry_assets.core.models import GroupStats

QUIET_DAYS = 5
"""Consecutive silent days that make a reappearance a regression rather than noise: longer
than a weekend plus a holiday, shorter than the 7-day report week so it can be seen in it."""
REPORT_WEEK_DAYS = 7

SPARK_BLOCKS = "▁▂▃▄▅▆▇█"


def is_new(g: GroupStats) -> bool:
    return (
        g.count > 0
        and g.count_baseline == 0
        and g.first_seen_ever_in_window
        and not is_regressed_group(g)
    )


def is_rising(g: GroupStats) -> bool:
    return g.count > 0 and g.count > g.count_baseline


def is_regressed(daily_counts: Sequence[int], quiet_days: int = QUIET_DAYS) -> bool:
    """Seen, then ``quiet_days``+ silent days, then seen again inside the report week.

    The report week is the last :data:`REPORT_WEEK_DAYS` entries (all of them for a shorter
    series). Negative counts are treated as zero.
    """
    if quiet_days < 1:
        raise ValueError("quiet_days must be at least 1")
    counts = [max(int(c), 0) for c in daily_counts]
    week_start = max(len(counts) - REPORT_WEEK_DAYS, 0)
    seen_before = False
    quiet_run = 0
    for day, value in enumerate(counts):
        if value == 0:
            quiet_run += 1
            continue
        if seen_before and quiet_run >= quiet_days and day >= week_start:
            return True
        seen_before = True
        quiet_run = 0
    return False


def is_regressed_group(g: GroupStats) -> bool:
    return g.count > 0 and (g.regressed or is_regressed(g.daily_counts))


def flaky_test_ids(failed_ids: Iterable[str], passed_ids: Iterable[str]) -> set[str]:
    """Test ids that both failed and passed in the window (empty ids never count)."""
    failed = {t for t in failed_ids if t}
    return failed.intersection(t for t in passed_ids if t)


def is_flaky(g: GroupStats, flaky_ids: Iterable[str] = ()) -> bool:
    """The group is flagged flaky, ran in a flaky job, or one of its tests is in ``flaky_ids``."""
    return g.flaky or "flaky" in g.job_types or not set(g.test_ids).isdisjoint(flaky_ids)


def sparkline(daily_counts: Sequence[int]) -> str:
    """One character per day, e.g. ``▁▁▂▁▁▁▁▁▁▁▃█▅▂`` for 14 days (empty input -> ``""``)."""
    counts = [max(int(c), 0) for c in daily_counts]
    peak = max(counts, default=0)
    if peak == 0:
        return SPARK_BLOCKS[0] * len(counts)
    top = len(SPARK_BLOCKS) - 1
    return "".join(
        SPARK_BLOCKS[0] if c == 0 else SPARK_BLOCKS[max(1, math.ceil(c * top / peak))]
        for c in counts
    )


@dataclass(frozen=True, slots=True)
class TrendFlags:
    new: bool
    regressed: bool
    rising: bool
    flaky: bool

    def labels(self) -> tuple[str, ...]:
        """Set flags in a fixed order, e.g. ``("regressed", "rising")``."""
        named = (
            ("new", self.new),
            ("regressed", self.regressed),
            ("rising", self.rising),
            ("flaky", self.flaky),
        )
        return tuple(name for name, on in named if on)


def trend_flags(g: GroupStats, flaky_ids: Iterable[str] = ()) -> TrendFlags:
    return TrendFlags(
        new=is_new(g),
        regressed=is_regressed_group(g),
        rising=is_rising(g),
        flaky=is_flaky(g, flaky_ids),
    )


def trend_text(g: GroupStats) -> str:
    """E.g. ``42 this week vs 12 the week before (+250%)``; ``(up from 0)`` for a 0 baseline."""
    if g.count_baseline == 0:
        change = "up from 0" if g.count else "none"
    else:
        pct = round((g.count - g.count_baseline) * 100 / g.count_baseline)
        change = f"{pct:+d}%"
    return f"{g.count} this week vs {g.count_baseline} the week before ({change})"
