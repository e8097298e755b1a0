"""Actions: which rule each kind of group gets, urgency, and the top-5 selection."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from telemetry_assets.core.models import GroupStats
from telemetry_assets.core.triage.actions import (
    TriagedGroup,
    actions_for,
    recommend_actions,
    triage_group,
)
from telemetry_assets.core.triage.owners import FixtureRepoFacts

FACTS = FixtureRepoFacts("src/ui/ @acme/ui-team\nsrc/auth/ @acme/security\n", {}, ())

BASE = GroupStats(
    fingerprint="sha256-" + "3" * 64,
    count=12,
    count_baseline=12,
    first_seen=datetime(2026, 11, 17, 8, 0, tzinfo=UTC),
    last_seen=datetime(2026, 11, 23, 4, 0, tzinfo=UTC),
    job_types=("unit",),
    branches=("feature/x",),
    sample_trace="AssertionError: expected 3 rows, got 2\n  at checkRows (src/ui/Table.tsx:LINE)",
    exception_type="AssertionError",
    message="expected 3 rows, got 2",
    test_ids=("src/ui/Table.test.tsx > paging",),
    top_frame_file="src/ui/Table.tsx",
    top_frame_function="checkRows",
    daily_counts=(2,) * 14,
)


def tg(**changes: object) -> TriagedGroup:
    return triage_group(replace(BASE, **changes), FACTS)  # type: ignore[arg-type]


PRIMARY = [
    ("plain assertion: open an issue", tg(), "open_issue"),
    (
        "jwt in the trace: security review",
        tg(
            exception_type="JsonWebTokenError",
            message="jwt malformed",
            sample_trace="JsonWebTokenError: jwt malformed\n  at verify (src/auth/jwt.ts:LINE)",
            top_frame_file="src/auth/verifyJWT.ts",
        ),
        "security_review",
    ),
    (
        "redacted <TOKEN> placeholder alone is not a security topic",
        tg(message="request failed for <TOKEN> at <HOST>"),
        "open_issue",
    ),
    (
        "flaky group: quarantine, not a guard",
        tg(flaky=True, message="x is undefined"),
        "quarantine_flaky",
    ),
    ("smoke job: repeat under stress", tg(job_types=("smoke",)), "stress_repeat_run"),
    (
        "undefined property: add a guard",
        tg(
            exception_type="TypeError", message="Cannot read properties of undefined (reading 'id')"
        ),
        "add_guard",
    ),
    (
        "python KeyError: add a guard",
        tg(exception_type="KeyError", message="'tenant_id'"),
        "add_guard",
    ),
    (
        "go nil pointer: add a guard",
        tg(
            exception_type="panic",
            message="runtime error: invalid memory address or nil pointer dereference",
        ),
        "add_guard",
    ),
    (
        "java index out of bounds: add a guard",
        tg(
            exception_type="java.lang.ArrayIndexOutOfBoundsException",
            message="Index 5 out of bounds for length 5",
        ),
        "add_guard",
    ),
]


@pytest.mark.parametrize(("name", "t", "rule"), PRIMARY, ids=[c[0] for c in PRIMARY])
def test_primary_action_rule(name: str, t: TriagedGroup, rule: str) -> None:
    actions = actions_for(t)
    assert actions[0].rule == rule
    assert actions[-1].rule == "open_issue"  # always available as the fallback


URGENCY = [
    (
        "high severity is now",
        tg(count=500, count_baseline=2, branches=("main",), job_types=("visual",)),
        "now",
    ),
    (
        "medium severity is this week",
        tg(count=40, count_baseline=40, branches=("main",)),
        "this week",
    ),
    ("low severity is next sprint", tg(count=2, count_baseline=5), "next sprint"),
    (
        "regression on main moves one step sooner",
        tg(
            count=3,
            count_baseline=0,
            branches=("main",),
            daily_counts=(1,) + (0,) * 6 + (3,) + (0,) * 6,
        ),
        "now",
    ),
    (
        "security review moves one step sooner",
        tg(count=2, count_baseline=5, message="session cookie rejected"),
        "this week",
    ),
]


@pytest.mark.parametrize(("name", "t", "urgency"), URGENCY, ids=[c[0] for c in URGENCY])
def test_urgency(name: str, t: TriagedGroup, urgency: str) -> None:
    assert actions_for(t)[0].urgency == urgency


def test_render_format_and_owner() -> None:
    action = actions_for(tg())[0]
    text = action.render()
    assert text.startswith("Open an issue with repro steps for AssertionError")
    assert " (@acme/ui-team) - severity " in text
    assert text.endswith(" - next sprint")
    assert "\n" not in text


def test_unknown_owner_is_said_with_a_team() -> None:
    action = actions_for(tg(top_frame_file="src/api/client.py"))[0]
    assert "find an owner in protocol" in action.text
    assert action.owner == "unknown (suggested: protocol)"


def test_top_five_primary_actions_of_the_worst_groups_first() -> None:
    groups = [
        tg(fingerprint=f"sha256-{i:064x}", count=10 * (i + 1), count_baseline=0) for i in range(8)
    ]
    actions = recommend_actions(groups)
    assert len(actions) == 5
    chosen = {a.fingerprint for a in actions}
    assert chosen == {f"sha256-{i:064x}" for i in range(3, 8)}  # the five highest counts


def test_few_groups_get_secondary_actions_up_to_five() -> None:
    group = tg(
        exception_type="TypeError", message="Cannot read properties of null", job_types=("smoke",)
    )
    actions = recommend_actions([group])
    assert [a.rule for a in actions] == ["stress_repeat_run", "add_guard", "open_issue"]


def test_ordered_by_urgency_and_empty_groups_skipped() -> None:
    low = tg(fingerprint="sha256-" + "a" * 64, count=1, count_baseline=3)
    high = tg(fingerprint="sha256-" + "b" * 64, count=800, count_baseline=1, branches=("main",))
    gone = tg(fingerprint="sha256-" + "c" * 64, count=0, count_baseline=9)
    actions = recommend_actions([low, high, gone], limit=2)
    assert [a.fingerprint[-1] for a in actions] == ["b", "a"]
    assert [a.urgency for a in actions] == ["now", "next sprint"]
    assert recommend_actions([]) == []
