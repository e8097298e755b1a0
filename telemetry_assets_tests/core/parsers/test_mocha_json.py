"""mocha JSON reporter, and broken ``.json`` files refused with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from telemetry_assets.core.models import ParseError
from telemetry_assets.core.parsers import mocha_json
from telemetry_assets_tests.core.parsers._report_helpers import read

FIXTURE = "mocha/failures-and-retries.json"


def test_failure_fields() -> None:
    result = mocha_json.parse(read(FIXTURE), FIXTURE)
    (failure,) = result.failures
    assert failure.test_id == (
        "/home/runner/work/api/api/test/auth.spec.js > auth rejects expired tokens"
    )
    assert failure.exception_type == "AssertionError"
    assert failure.message.startswith("Expected values to be strictly equal")
    assert failure.occurred_at == datetime(2026, 11, 20, 10, 11, 12, tzinfo=UTC)
    assert any("flaky" in n for n in result.notes)
    assert len(result.passed_test_ids) == 2


BROKEN = [
    ("empty .json", "", "empty file"),
    ("not json at all", "this is not json\n", "JSON not well-formed"),
    ("malformed object", '{"key": "val", malformed: "key"}', "Expecting property name"),
]


@pytest.mark.parametrize(("name", "text", "reason"), BROKEN, ids=[c[0] for c in BROKEN])
def test_broken_json_is_claimed_and_refused(name: str, text: str, reason: str) -> None:
    assert mocha_json.sniff(text, "results.json")
    with pytest.raises(ParseError, match=reason) as err:
        mocha_json.parse(text, "results.json")
    assert "malformed" not in str(err.value) and "this is" not in str(err.value)


NOT_CLAIMED = [
    ("valid json of another shape", '{"coverage": 81}', "c.json"),
    ("json lines stream", '{"Action": "run"}\n{"Action": "pass"}\n', "go.json"),
    ("plain text without json name", "hello", "build.log"),
]


@pytest.mark.parametrize(("name", "head", "path"), NOT_CLAIMED, ids=[c[0] for c in NOT_CLAIMED])
def test_not_claimed(name: str, head: str, path: str) -> None:
    assert not mocha_json.sniff(head, path)
