"""Groups -> the scored rollup: severity, owner, trend flags, notes, ranks and top-5 actions.

Ranking is by severity, then report-week count, then fingerprint, so ties break the same way
every time. Groups with no occurrence in the report week stay in the table (they feed trends)
but are not ranked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

import pandas as pd

from telemetry_assets.core.grouping import records
from telemetry_assets.core.models import GroupStats
from telemetry_assets.core.redaction.redactor import placeholder_for
from telemetry_assets.core.triage.actions import (
    Action,
    TriagedGroup,
    recommend_actions,
    triage_group,
)
from telemetry_assets.core.triage.owners import RepoFacts
from telemetry_assets.core.triage.trends import is_regressed_group, sparkline

_PLACEHOLDER_NOUNS: Mapping[str, tuple[str, str]] = {
    "<EMAIL>": ("email", "emails"),
    "<IP>": ("IP", "IPs"),
    "<HOST>": ("internal host", "internal hosts"),
    "<URL>": ("internal URL", "internal URLs"),
    "<KEY>": ("key", "keys"),
    "<TOKEN>": ("token", "tokens"),
    "<SECRET>": ("secret", "secrets"),
    "<UUID>": ("UUID", "UUIDs"),
    "<USER>": ("user name", "user names"),
    "<CARD>": ("card number", "card numbers"),
    "<PHONE>": ("phone number", "phone numbers"),
    "<SSN>": ("SSN", "SSNs"),
    "<IBAN>": ("IBAN", "IBANs"),
    "<MAC>": ("MAC address", "MAC addresses"),
}


def _placeholder(rule: str) -> str:
    try:
        return placeholder_for(rule)
    except (KeyError, ValueError):
        return "<SECRET>"


def redaction_phrase(counts: Iterable[tuple[str, int]]) -> str:
    """``removed 3 emails and 1 IP`` from per-rule counts (rules folded by what they remove)."""
    by_noun: Counter[str] = Counter()
    for rule, count in counts:
        by_noun[_placeholder(rule)] += count
    parts = []
    for placeholder, count in sorted(by_noun.items(), key=lambda kv: (-kv[1], kv[0])):
        singular, plural = _PLACEHOLDER_NOUNS.get(placeholder, ("secret", "secrets"))
        parts.append(f"{count} {singular if count == 1 else plural}")
    if not parts:
        return ""
    if len(parts) == 1:
        return f"removed {parts[0]}"
    return "removed " + ", ".join(parts[:-1]) + f" and {parts[-1]}"


def notes_for(t: TriagedGroup) -> str:
    pieces = ["sanitized"]
    phrase = redaction_phrase(t.stats.redactions)
    if phrase:
        pieces[0] = f"sanitized; {phrase}"
    pieces.extend(t.flags.labels())
    if t.stats.flaky_count:
        pieces.append(f"{t.stats.flaky_count} flaky on retry")
    if t.stats.grouping_rule:
        pieces.append(f"grouping rule '{t.stats.grouping_rule}' applied")
    return "; ".join(pieces)


def triage_all(
    groups: Sequence[GroupStats],
    facts: RepoFacts,
    module_map: Mapping[str, str],
) -> list[TriagedGroup]:
    """Triage every group; ordered by rank (severity desc, count desc, fingerprint)."""
    triaged = []
    for g in groups:
        g = replace(g, regressed=is_regressed_group(g))
        flaky_ids = g.test_ids if g.flaky else ()
        triaged.append(triage_group(g, facts, module_map, flaky_ids))
    triaged.sort(key=lambda t: (-t.severity.score, -t.stats.count, t.stats.fingerprint))
    return triaged


SCORED_COLUMNS: tuple[str, ...] = (
    "rank", "fingerprint", "severity", "severity_volume", "severity_main",
    "severity_visual_smoke", "severity_rising", "severity_raw", "suggested_owner",
    "owner_source", "suggested_team", "owner_reason", "notes", "trend", "new_this_week",
    "regressed", "rising", "likely_flaky",
)  # fmt: skip


def scored_frame(triaged: Sequence[TriagedGroup]) -> pd.DataFrame:
    rows = []
    rank = 0
    for t in triaged:
        ranked = t.stats.count > 0
        rank += 1 if ranked else 0
        s = t.severity
        rows.append(
            {
                "rank": rank if ranked else None,
                "fingerprint": t.stats.fingerprint,
                "severity": s.score,
                "severity_volume": s.volume,
                "severity_main": s.main,
                "severity_visual_smoke": s.visual_smoke,
                "severity_rising": s.rising,
                "severity_raw": s.raw,
                "suggested_owner": t.owner.display,
                "owner_source": t.owner.source,
                "suggested_team": t.owner.suggested_team,
                "owner_reason": t.owner.reason,
                "notes": notes_for(t),
                "trend": sparkline(t.stats.daily_counts),
                "new_this_week": t.flags.new,
                "regressed": t.flags.regressed,
                "rising": t.flags.rising,
                "likely_flaky": t.flags.flaky,
            }
        )
    frame = pd.DataFrame(rows, columns=list(SCORED_COLUMNS))
    frame["rank"] = frame["rank"].astype("Int64")
    return frame


ACTION_COLUMNS: tuple[str, ...] = ("rank", "text", "owner", "reason", "urgency", "fingerprint")


def actions_frame(actions: Sequence[Action]) -> pd.DataFrame:
    rows = [
        {
            "rank": i,
            "text": a.text,
            "owner": a.owner,
            "reason": a.reason,
            "urgency": a.urgency,
            "fingerprint": a.fingerprint,
        }
        for i, a in enumerate(actions, start=1)
    ]
    return pd.DataFrame(rows, columns=list(ACTION_COLUMNS))


def top_actions(triaged: Sequence[TriagedGroup], limit: int = 5) -> list[Action]:
    return recommend_actions([t for t in triaged if t.stats.count > 0], limit)


def similar_to(similar: pd.DataFrame) -> dict[str, list[str]]:
    """Fingerprint -> the fingerprints it was paired with as a near-duplicate, sorted."""
    out: dict[str, list[str]] = {}
    for row in records(similar):
        out.setdefault(str(row["a"]), []).append(str(row["b"]))
        out.setdefault(str(row["b"]), []).append(str(row["a"]))
    return {k: sorted(set(v)) for k, v in out.items()}
