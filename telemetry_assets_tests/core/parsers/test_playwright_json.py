"""Playwright JSON reporter: unexpected tests fail, flaky ones pass, global errors crash."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from telemetry_assets.core.models import ParseError
from telemetry_assets.core.parsers import playwright_json
from telemetry_assets_tests.core.parsers._report_helpers import read

FIXTURE = "playwright/retries-flaky.json"


def test_unexpected_test_uses_last_failing_attempt() -> None:
    result = playwright_json.parse(read(FIXTURE), FIXTURE)
    first = result.failures[0]
    assert first.test_id == "checkout.spec.ts > checkout > pays with card [chromium]"
    assert first.message == "Test timeout of 30000ms exceeded."
    assert first.occurred_at == datetime(2026, 11, 20, 10, 11, 20, 500000, tzinfo=UTC)
    assert first.language == "javascript" and first.kind == "failure"
    assert "\x1b" not in first.trace


def test_flaky_is_passed_and_a_flaky_failure_and_top_level_error_is_a_crash() -> None:
    result = playwright_json.parse(read(FIXTURE), FIXTURE)
    assert [(f.kind, f.flaky) for f in result.failures] == [
        ("failure", False),
        ("crash", False),
        ("failure", True),
    ]
    assert "checkout.spec.ts > checkout > pays with card [webkit]" in result.passed_test_ids
    assert any("flaky" in n for n in result.notes)
    assert result.started_at == datetime(2026, 11, 20, 10, 11, 11, 900000, tzinfo=UTC)


# (name, fixture, test_id, message start, innermost frame (file, line), occurred_at)
FLAKY = [
    (
        "status flaky: the first failed attempt's error, frames and time",
        FIXTURE,
        "checkout.spec.ts > checkout > pays with card [webkit]",
        "Error: flaky",
        ("/home/runner/work/shop/shop/e2e/checkout.spec.ts", 12),
        datetime(2026, 11, 20, 10, 11, 13, tzinfo=UTC),
    ),
    (
        "the examples' screenshot diff (bug B6) that fails on retry 0 and passes on retry 1",
        "../../examples/artifacts/ci/gha-9912101944/playwright-report/results.json",
        "checkout.visual.spec.ts > checkout > summary matches snapshot [chromium]",
        "Error: expect(page).toHaveScreenshot(expected) failed",
        ("/home/runner/work/shop/shop/web/tests/visual/checkout.visual.spec.ts", 31),
        datetime(2026, 11, 18, 10, 9, 23, 270000, tzinfo=UTC),
    ),
]


@pytest.mark.parametrize(
    ("name", "fixture", "test_id", "message", "innermost", "when"),
    FLAKY,
    ids=[c[0] for c in FLAKY],
)
def test_flaky_test_is_one_flaky_failure_from_its_first_failed_attempt(
    name: str,
    fixture: str,
    test_id: str,
    message: str,
    innermost: tuple[str, int],
    when: datetime,
) -> None:
    result = playwright_json.parse(read(fixture), fixture)
    (failure,) = [f for f in result.failures if f.flaky]
    assert failure.test_id == test_id
    assert failure.message.startswith(message)
    assert (failure.frames[-1].file, failure.frames[-1].line) == innermost
    assert failure.occurred_at == when
    assert test_id in result.passed_test_ids


SNIFF = [
    ("playwright report", read(FIXTURE)[:8192], True),
    ("jest report", '{"numFailedTests": 0, "testResults": []}', False),
    ("other json", '{"config": {}, "items": []}', False),
]


@pytest.mark.parametrize(("name", "head", "expected"), SNIFF, ids=[c[0] for c in SNIFF])
def test_sniff(name: str, head: str, expected: bool) -> None:
    assert playwright_json.sniff(head, "r.json") is expected


REJECTED = [
    (
        "renamed keys",
        '{"settings": {"rootDir": "/p", "configFile": "c"}, "tests": []}',
        "no top-level suites",
    ),
    ("truncated", '{"config": {"rootDir": "/p"}, "suites": [', "JSON truncated at byte"),
]


@pytest.mark.parametrize(("name", "text", "reason"), REJECTED, ids=[c[0] for c in REJECTED])
def test_refused(name: str, text: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        playwright_json.parse(text, "r.json")
