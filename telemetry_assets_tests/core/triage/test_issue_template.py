"""Issue drafts: every section present, untrusted text kept inert, opt-in request explains how."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from telemetry_assets.core.models import GroupStats
from telemetry_assets.core.triage.actions import TriagedGroup, triage_group
from telemetry_assets.core.triage.issue_template import (
    code,
    fence,
    issue_title,
    md,
    render_issue,
    render_opt_in_request,
    suggested_labels,
)
from telemetry_assets.core.triage.owners import FixtureRepoFacts

FACTS = FixtureRepoFacts("src/ui/ @acme/ui-team\n", {}, ("src/ui/Table.tsx",))
TRACE = (
    "TypeError: Cannot read properties of undefined (reading 'rows')\n"
    "    at render (src/ui/Table.tsx:LINE)\n"
    "    at renderWithHooks (node_modules/react-dom/cjs/react-dom.development.js:LINE)"
)
BASE = GroupStats(
    fingerprint="sha256-" + "4" * 64,
    count=42,
    count_baseline=12,
    first_seen=datetime(2026, 11, 17, 8, 1, tzinfo=UTC),
    last_seen=datetime(2026, 11, 23, 5, 12, 44, tzinfo=UTC),
    job_types=("unit", "visual"),
    branches=("main",),
    sample_trace=TRACE,
    exception_type="TypeError",
    message="Cannot read properties of undefined (reading 'rows')",
    test_ids=("tests/visual/table.spec.ts > table > renders rows",),
    sample_run_ids=("gha-9912345678", "gha-9912345990"),
    top_frame_file="app/src/ui/Table.tsx",
    top_frame_function="render",
    daily_counts=(1, 2, 1, 2, 2, 2, 2, 3, 5, 6, 9, 7, 6, 6),
)


def tg(**changes: object) -> TriagedGroup:
    return triage_group(replace(BASE, **changes), FACTS)  # type: ignore[arg-type]


ISSUE = render_issue(tg(), date(2026, 11, 23))

SECTIONS = [
    ("title heading", "# \\[telemetry\\] TypeError: Cannot read properties of undefined"),
    (
        "severity headline",
        "**Severity 7.0/10 (high)** · 2026-11-17..2026-11-23: 42 this week vs 12",
    ),
    ("breakdown row", "| raw (of 8) -> score | 5.63 -> 7.0 |"),
    ("sparkline", "daily `▂▃▂▃▃▃▃▄▅▆█▇▆▆`"),
    ("owner in a code span", "**Suggested owner:** `@acme/ui-team` (from codeowners"),
    ("trace fenced", "```text\n" + TRACE + "\n```"),
    ("job types", "- Job types: `unit`, `visual`"),
    ("test ids", "- Failing tests: `tests/visual/table.spec.ts > table > renders rows`"),
    ("run ids", "- Sample runs: `gha-9912345678`, `gha-9912345990`"),
    ("branch step", "1. Check out `main` at the commit of `gha-9912345678`."),
    (
        "labels",
        "`telemetry`, `severity:high`, `bug`, `needs-guard`, `area:ui`, `job:unit`, `job:visual`",
    ),
    ("fingerprint", "Fingerprint `sha256-" + "4" * 64 + "`"),
]


@pytest.mark.parametrize(("name", "fragment"), SECTIONS, ids=[c[0] for c in SECTIONS])
def test_issue_has_section(name: str, fragment: str) -> None:
    assert fragment in ISSUE


def test_untrusted_text_cannot_break_out() -> None:
    hostile = tg(
        message="failed for @octocat at <HOST> [x](javascript:alert(1))",
        sample_trace="Error: boom\n```\n# not a heading\n```",
    )
    text = render_issue(hostile, date(2026, 11, 23))
    assert "````text\nError: boom\n```\n# not a heading\n```\n````" in text
    assert "\\@octocat" in text and " @octocat" not in text
    assert "\\<HOST\\>" in text
    assert "](javascript" not in text


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("plain", "tests/a.py::t", "`tests/a.py::t`"),
        ("backtick inside", "a `b` c", "``a `b` c``"),
        ("backtick at the edge", "`x", "`` `x ``"),
        ("newlines flattened", "a\nb", "`a b`"),
    ],
)
def test_code_span(name: str, value: str, expected: str) -> None:
    assert code(value) == expected


def test_md_and_fence_helpers() -> None:
    assert md("<EMAIL> *x*") == "\\<EMAIL\\> \\*x\\*"
    assert fence("a ```` b").startswith("`````text\n")


def test_long_title_is_one_line_and_bounded() -> None:
    title = issue_title(tg(message="x " * 200))
    assert "\n" not in title and len(title) <= 100
    assert title.endswith("in render (app/src/ui/Table.tsx)")


def test_labels_for_flaky_regressed_security_group() -> None:
    t = tg(
        flaky=True,
        message="token expired",
        regressed=True,
        count_baseline=0,
        job_types=("e2e",),
    )
    assert suggested_labels(t) == [
        "telemetry",
        "severity:medium",
        "flaky-test",
        "regression",
        "security",
        "area:ui",
        "job:e2e",
    ]


def test_opt_in_request_explains_both_ways() -> None:
    text = render_opt_in_request("buildkite", 3, ["bk-4411", "bk-4412", 'bk"odd'])
    assert text.startswith("# Please opt in to failure telemetry for buildkite runs")
    assert "3 runs from `buildkite` were skipped" in text
    assert '"env": {"TELEMETRY": "1"}' in text
    assert '"run_id": "bk-4411"' in text
    assert "telemetry-optin/<run>/" in text
    assert "policy currently disables" not in text


def test_opt_in_request_when_placement_is_disabled() -> None:
    text = render_opt_in_request("github-actions", 1, [], allow_placement_opt_in=False)
    assert "1 run from `github-actions` was skipped" in text
    assert "policy currently disables" in text
