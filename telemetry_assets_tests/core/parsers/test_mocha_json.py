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
    (failure,) = [f for f in result.failures if not f.flaky]
    assert failure.test_id == (
        "/home/runner/work/api/api/test/auth.spec.js > auth rejects expired tokens"
    )
    assert failure.exception_type == "AssertionError"
    assert failure.message.startswith("Expected values to be strictly equal")
    assert failure.occurred_at == datetime(2026, 11, 20, 10, 11, 12, tzinfo=UTC)
    assert any("flaky" in n for n in result.notes)
    assert len(result.passed_test_ids) == 2


def test_pass_on_retry_is_one_flaky_failure_that_says_the_error_was_not_kept() -> None:
    result = mocha_json.parse(read(FIXTURE), FIXTURE)
    test_id = "/home/runner/work/api/api/test/auth.spec.js > auth issues tokens"
    (flaky,) = [f for f in result.failures if f.flaky]
    assert (flaky.test_id, flaky.frames, flaky.kind) == (test_id, (), "failure")
    assert flaky.message.startswith("failed, then passed on retry 1")
    assert flaky.test_file == "/home/runner/work/api/api/test/auth.spec.js"
    assert test_id in result.passed_test_ids
    assert result.failures[-1] is flaky


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
    # Logs that open with ``[`` are not broken JSON: they must reach the plain-log parser.
    (
        "log with bracketed timestamps",
        "[2026-11-17 08:01:02] INFO  starting nightly rollup\n"
        "[2026-11-17 08:01:02] Traceback (most recent call last):\n",
        "worker-timeout.log",
    ),
    ("log with bracketed level", "[INFO] Scanning for projects...\n", "build.log"),
    ("concurrently process prefix", "[0] > web@1.0.0 build\n[1] > api@1.0.0 build\n", "ci.txt"),
    ("bracketed clock time", "[08:01:02.512] worker 3 ready\n", "worker.out"),
]

# Broken documents whose name does not say JSON but whose opening only JSON has.
CLAIMED_WITHOUT_JSON_NAME = [
    ("truncated object", '{"stats": {"suites": 1, "tests": 4', "results.txt"),
    ("truncated array of objects", '[{"title": "a"}, {"title":', "report"),
    ("truncated number list", "[1, 2, 3", "data.out"),
]


@pytest.mark.parametrize(
    ("name", "head", "path"),
    CLAIMED_WITHOUT_JSON_NAME,
    ids=[c[0] for c in CLAIMED_WITHOUT_JSON_NAME],
)
def test_broken_json_opening_is_claimed_whatever_the_name(name: str, head: str, path: str) -> None:
    assert mocha_json.sniff(head, path)
    with pytest.raises(ParseError):
        mocha_json.parse(head, path)


@pytest.mark.parametrize(("name", "head", "path"), NOT_CLAIMED, ids=[c[0] for c in NOT_CLAIMED])
def test_not_claimed(name: str, head: str, path: str) -> None:
    assert not mocha_json.sniff(head, path)
