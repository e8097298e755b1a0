"""``go test -v`` text: subtests, package panics and build errors, as go-junit-report counts."""

from __future__ import annotations

import pytest

from telemetry_assets.core.parsers import go_test_text
from telemetry_assets_tests.core.parsers._report_helpers import read

FIXTURE = "go/verbose-subtests-and-panic.txt"

EXPECTED = [
    ("example.com/shop/money.TestParse", "failure", "test failed with no output"),
    ("example.com/shop/money.TestParse/empty", "failure", 'Parse("") error = <nil>, want ErrEmpty'),
    ("example.com/shop/config [package failed]", "crash", "config: missing SHOP_ENV"),
    ("example.com/shop/ledger [build failed]", "build", "undefined: openLedger"),
]


@pytest.mark.parametrize(("test_id", "kind", "message"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_failures(test_id: str, kind: str, message: str) -> None:
    result = go_test_text.parse(read(FIXTURE), FIXTURE)
    assert (test_id, kind, message) in [(f.test_id, f.kind, f.message) for f in result.failures]


def test_counts_passes_and_frames() -> None:
    result = go_test_text.parse(read(FIXTURE), FIXTURE)
    assert len(result.failures) == len(EXPECTED)
    assert "example.com/shop/config.TestLoad" in result.passed_test_ids
    subtest = result.failures[1]
    assert subtest.frames[0].file == "parse_test.go" and subtest.frames[0].line == 21


SNIFF = [
    ("verbose output", "=== RUN   TestA\n", True),
    ("summary only", "ok  \texample.com/a\t0.01s\n", True),
    ("plain log mentioning FAIL", "step FAIL: see above\n", False),
]


@pytest.mark.parametrize(("name", "head", "expected"), SNIFF, ids=[c[0] for c in SNIFF])
def test_sniff(name: str, head: str, expected: bool) -> None:
    assert go_test_text.sniff(head, "out.txt") is expected
