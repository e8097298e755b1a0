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


def test_flaky_is_passed_not_failed_and_top_level_error_is_a_crash() -> None:
    result = playwright_json.parse(read(FIXTURE), FIXTURE)
    assert [f.kind for f in result.failures] == ["failure", "crash"]
    assert "checkout.spec.ts > checkout > pays with card [webkit]" in result.passed_test_ids
    assert any("flaky" in n for n in result.notes)
    assert result.started_at == datetime(2026, 11, 20, 10, 11, 11, 900000, tzinfo=UTC)


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
