"""Severity of one error group: a small additive score, capped and normalised to 0-10.

Contract: :func:`severity` takes a :class:`~telemetry_assets.core.models.GroupStats` and returns a
:class:`SeverityBreakdown` whose parts add up to ``raw`` and whose ``score`` is what the report
shows. Pure: no I/O, deterministic, same input -> same score (backfills agree with live runs).

The formula (seed version, one line per part)::

    volume       = min(log10(count + 1), 4.0)   # 9 999 occurrences/week saturate this part
    main         = 2  if any branch is a release channel: main, master, release/*   else 0
    visual_smoke = 1  if job_types contains "visual" or "smoke"                      else 0
    rising       = 1  if count > 0 and count > count_baseline (report week vs baseline week)
    raw          = volume + main + visual_smoke + rising                 # 0 .. RAW_MAX = 8.0
    score        = round_half_up(raw * 10 / RAW_MAX, 1)                  # 0.0 .. 10.0

Branch names are compared after dropping ``refs/heads/`` and ``origin/`` prefixes, so
``origin/release/2.4`` counts as a release channel.  Capping the volume part (instead of capping
the final score) keeps the mapping linear and lets a small group that breaks ``main`` outrank a
noisy one that only fails on feature branches.

Worked example: 42 occurrences this week (12 the week before) on ``main`` in a ``visual`` job:
volume = log10(43) = 1.633, main = 2, visual_smoke = 1, rising = 1, raw = 5.633,
score = 5.633 * 10 / 8 = 7.04 -> **7.0**.  The same group only on a feature branch in ``unit``
jobs and falling (42 vs 50): raw = 1.633, score = 2.04 -> **2.0**.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from telemetry_assets.core.models import GroupStats

VOLUME_CAP = 4.0
"""log10(9 999 + 1): beyond ten thousand occurrences a week, more volume says nothing new."""
MAIN_WEIGHT = 2.0
VISUAL_SMOKE_WEIGHT = 1.0
RISING_WEIGHT = 1.0
RAW_MAX = VOLUME_CAP + MAIN_WEIGHT + VISUAL_SMOKE_WEIGHT + RISING_WEIGHT

RELEASE_BRANCHES: frozenset[str] = frozenset({"main", "master"})
RELEASE_PREFIXES: tuple[str, ...] = ("release/",)
VISUAL_SMOKE_JOBS: frozenset[str] = frozenset({"visual", "smoke"})

# Prefixes that name the same branch differently; stripped in this order (ref namespace before
# remote name) so "refs/remotes/origin/release/2.4" ends up as "release/2.4".
_BRANCH_PREFIXES: tuple[str, ...] = ("refs/heads/", "refs/remotes/", "origin/")


@dataclass(frozen=True, slots=True)
class SeverityBreakdown:
    """The parts of a severity score; ``raw`` is their sum and ``score`` the 0-10 mapping."""

    volume: float
    main: float
    visual_smoke: float
    rising: float
    raw: float
    score: float

    def explain(self) -> str:
        """One line a human can check by hand, e.g. for the issue body or a tooltip."""
        return (
            f"volume {self.volume:.2f} + main {self.main:g} + visual/smoke {self.visual_smoke:g}"
            f" + rising {self.rising:g} = raw {self.raw:.2f} of {RAW_MAX:g}"
            f" -> {self.score:.1f}/10"
        )


def normalise_branch(branch: str) -> str:
    name = branch.strip()
    for prefix in _BRANCH_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name


@lru_cache(maxsize=4096)
def is_release_channel(branch: str) -> bool:
    """``main``, ``master`` or ``release/*`` (after dropping ref and remote prefixes)."""
    name = normalise_branch(branch)
    return name in RELEASE_BRANCHES or name.startswith(RELEASE_PREFIXES)


def on_release_channel(branches: Iterable[str]) -> bool:
    return any(is_release_channel(b) for b in branches)


def _round_half_up(value: float, digits: int = 1) -> float:
    # Python's round() is banker's rounding on binary floats; a score shown to humans should
    # round 7.05 up the way they would by hand.
    scale = 10**digits
    return math.floor(value * scale + 0.5 + 1e-9) / scale


def severity(g: GroupStats) -> SeverityBreakdown:
    """Score one group; see the module docstring for the formula and a worked example."""
    volume = min(math.log10(max(g.count, 0) + 1), VOLUME_CAP)
    main = MAIN_WEIGHT if on_release_channel(g.branches) else 0.0
    visual_smoke = VISUAL_SMOKE_WEIGHT if VISUAL_SMOKE_JOBS.intersection(g.job_types) else 0.0
    rising = RISING_WEIGHT if g.count > 0 and g.count > g.count_baseline else 0.0
    raw = volume + main + visual_smoke + rising
    score = min(10.0, _round_half_up(raw * 10.0 / RAW_MAX))
    return SeverityBreakdown(
        volume=volume, main=main, visual_smoke=visual_smoke, rising=rising, raw=raw, score=score
    )


def severity_band(score: float) -> str:
    """``high`` (>= 7), ``medium`` (>= 4) or ``low``: the label and urgency buckets."""
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    return "low"
