"""``jest --json``: failed assertions, and suites that failed to run as one error each."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from telemetry_assets.core.models import ParseError
from telemetry_assets.core.parsers import jest_json
from telemetry_assets_tests.core.parsers._report_helpers import read

FIXTURE = "jest/suite-exec-error.json"
FILE = "/home/runner/work/ui/ui/src/ui/"

CASES = [
    (
        "failed assertion",
        0,
        f"{FILE}Table.test.tsx > Table > sorting > sorts by name",
        "failure",
        "TypeError",
    ),
    ("suite that failed to run", 1, f"{FILE}Form.test.tsx", "error", "Error"),
]


@pytest.mark.parametrize(
    ("name", "index", "test_id", "kind", "exc"), CASES, ids=[c[0] for c in CASES]
)
def test_failures(name: str, index: int, test_id: str, kind: str, exc: str) -> None:
    failure = jest_json.parse(read(FIXTURE), FIXTURE).failures[index]
    assert (failure.test_id, failure.kind, failure.exception_type) == (test_id, kind, exc)
    assert failure.frames and failure.language == "javascript"


def test_times_and_flaky_retry() -> None:
    result = jest_json.parse(read(FIXTURE), FIXTURE)
    assert result.started_at == datetime(2026, 11, 20, 10, 11, 12, tzinfo=UTC)
    assert result.failures[0].occurred_at == datetime(2026, 11, 20, 10, 11, 12, 500000, tzinfo=UTC)
    assert result.passed_test_ids == (f"{FILE}Table.test.tsx > Table > renders",)
    assert any("flaky" in n for n in result.notes)


CART = "/home/runner/work/shop/shop/web/src/cart/__tests__/Cart.test.tsx"

# (name, fixture, test_id, message start, innermost frame function or None)
FLAKY = [
    (
        "retryReasons: the first failed attempt's message and frames, colours removed",
        "jest/retry-reasons.json",
        f"{CART} > Cart > checkout > applies the voucher",
        "expect(received).toBe(expected)",
        "Object.toBe",
    ),
    (
        "invocations without retryReasons: a flaky failure that says the error was not kept",
        "jest/retry-reasons.json",
        f"{CART} > Cart > renders items",
        "failed, then passed on retry 2",
        None,
    ),
    (
        "older Jest: invocations only",
        FIXTURE,
        f"{FILE}Table.test.tsx > Table > renders",
        "failed, then passed on retry 1",
        None,
    ),
]


@pytest.mark.parametrize(
    ("name", "fixture", "test_id", "message", "innermost"), FLAKY, ids=[c[0] for c in FLAKY]
)
def test_passed_after_retries_is_one_flaky_failure_and_still_passed(
    name: str, fixture: str, test_id: str, message: str, innermost: str | None
) -> None:
    result = jest_json.parse(read(fixture), fixture)
    (failure,) = [f for f in result.failures if f.flaky and f.test_id == test_id]
    assert failure.message.startswith(message)
    assert "\x1b" not in failure.trace
    if innermost is None:
        assert failure.frames == ()
    else:
        assert failure.frames[-1].function == innermost
    assert test_id in result.passed_test_ids
    assert not any(
        f.flaky for f in result.failures[: -len([f for f in result.failures if f.flaky])]
    )


def test_sniff_and_refusal() -> None:
    assert jest_json.sniff(read(FIXTURE)[:8192], "r.json")
    assert not jest_json.sniff('{"stats": {"passes": 1, "failures": 0}}', "r.json")
    with pytest.raises(ParseError, match="no testResults"):
        jest_json.parse('{"numFailedTests": 0}', "r.json")
