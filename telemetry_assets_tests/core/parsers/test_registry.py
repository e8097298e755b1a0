"""The registry picks the right structured parser for each fixture, in its declared order.

The registry is imported at module level: a parser module that fails to import is a collection
error (a failure), never a skipped test.
"""

from __future__ import annotations

import pytest

from telemetry_assets.core.parsers import registry
from telemetry_assets_tests.core.parsers._report_helpers import INPUTS

CASES = [
    ("junit", "junit/surefire-caused-by.xml", "junit-xml"),
    ("broken junit still junit", "junit/truncated.xml", "junit-xml"),
    ("playwright", "playwright/retries-flaky.json", "playwright-json"),
    ("jest", "jest/suite-exec-error.json", "jest-json"),
    ("mocha", "mocha/failures-and-retries.json", "mocha-json"),
    ("go json", "go/panic-in-subtest.json", "go-test-json"),
    ("go json with stray line", "go/rerun-then-pass.json", "go-test-json"),
    ("go text", "go/verbose-subtests-and-panic.txt", "go-test-text"),
    # Opens with ``[`` like a JSON array, but it is a log: mocha-json must not quarantine it.
    ("log with bracketed timestamps", "grouping/plain-logs/worker-timeout.log", "plain_log"),
]


@pytest.mark.parametrize(("name", "fixture", "parser"), CASES, ids=[c[0] for c in CASES])
def test_parser_for(name: str, fixture: str, parser: str) -> None:
    raw = (INPUTS / fixture).read_bytes()
    chosen = registry.parser_for(raw[:8192].decode("utf-8", errors="replace"), fixture)
    assert chosen is not None and chosen.name == parser


def test_unknown_json_goes_past_structured_parsers() -> None:
    chosen = registry.parser_for('{"coverage": {"lines": 81}}', "coverage.json")
    structured = {p.name for p in registry.PARSERS[:-1]}
    assert chosen is None or chosen.name not in structured


def test_bracket_timestamped_log_is_read_not_quarantined() -> None:
    fixture = "grouping/plain-logs/worker-timeout.log"
    text = (INPUTS / fixture).read_text(encoding="utf-8")
    parser = registry.parser_for(text[:8192], fixture)
    assert parser is not None
    result = parser.parse(text, fixture)
    assert [f.exception_type for f in result.failures] == ["TimeoutError"]
