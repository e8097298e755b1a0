"""``go test -json``: test failures, panics as crashes, build failures (one per build unit),
reruns, timeouts counted once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from telemetry_assets.core.models import ParseError
from telemetry_assets.core.parsers import go_test_json
from telemetry_assets_tests.core.parsers._report_helpers import read

# (name, fixture, [(test_id, kind, message)])
CASES = [
    (
        "panic in subtest is a crash, the parent fails too",
        "go/panic-in-subtest.json",
        [
            (
                "example.com/shop/cart.TestCart/empty",
                "crash",
                "runtime error: index out of range [3] with length 3",
            ),
            ("example.com/shop/cart.TestCart", "failure", "test failed with no output"),
        ],
    ),
    (
        "build failure becomes one build failure",
        "go/build-failed.json",
        [("example.com/shop/tax [build failed]", "build", "undefined: roundHalfEven")],
    ),
    (
        "failure in first run, pass in rerun, non-JSON line tolerated",
        "go/rerun-then-pass.json",
        [("example.com/shop/queue.TestDrain", "failure", "drained 2 items, want 3")],
    ),
    (
        "a timed-out test with its own fail event is counted once, not again for the package",
        "go/timeout-test-fail-event.json",
        [("example.com/shop/sync.TestDrainWaitsForWorkers", "crash", "test timed out after 30s")],
    ),
    (
        "build-fail events: one failure per failed build unit, also with no package fail event",
        "go/build-fail-shared-dependency.json",
        [
            ("example.com/shop/money [build failed]", "build", "undefined: roundHalfEven"),
            ("example.com/shop/tax [build failed]", "build", "declared and not used: rate"),
        ],
    ),
]


@pytest.mark.parametrize(("name", "fixture", "expected"), CASES, ids=[c[0] for c in CASES])
def test_fixture_yields(name: str, fixture: str, expected: list) -> None:
    text = read(fixture)
    assert go_test_json.sniff(text[:8192], fixture)
    result = go_test_json.parse(text, fixture)
    assert [(f.test_id, f.kind, f.message) for f in result.failures] == expected
    assert all(f.language == "go" for f in result.failures)


def test_panic_frames_and_times() -> None:
    result = go_test_json.parse(read("go/panic-in-subtest.json"), "x")
    crash = result.failures[0]
    assert crash.frames and crash.occurred_at is not None
    assert crash.occurred_at.tzinfo is not None
    assert result.started_at == datetime(2026, 11, 20, 17, 11, 12, tzinfo=UTC)


def test_rerun_pass_marks_failure_flaky() -> None:
    result = go_test_json.parse(read("go/rerun-then-pass.json"), "x")
    assert result.failures[0].flaky
    assert result.passed_test_ids == ("example.com/shop/queue.TestDrain",)


def test_package_failure_without_failing_test_is_attributed() -> None:
    text = (
        '{"Action":"output","Package":"p","Output":"panic: boom\\n"}\n'
        '{"Action":"output","Package":"p","Output":"FAIL\\tp\\t0.01s\\n"}\n'
        '{"Action":"fail","Package":"p"}\n'
    )
    (failure,) = go_test_json.parse(text, "x").failures
    assert (failure.test_id, failure.kind, failure.message) == (
        "p [package failed]",
        "crash",
        "boom",
    )


def test_timed_out_test_frames_come_from_the_stuck_goroutine() -> None:
    (failure,) = go_test_json.parse(read("go/timeout-test-fail-event.json"), "x").failures
    # Not the testing package's alarm goroutine, which panicked but says nothing about the hang.
    assert [(f.function, f.in_app) for f in failure.frames] == [
        ("TestDrainWaitsForWorkers", None),
        ("(*Pool).Drain", None),
        ("runtime_Semacquire", False),
    ]
    assert failure.test_file == "/home/runner/work/shop/shop/sync/pool_test.go"


def test_not_json_is_not_sniffed_and_no_events_is_refused() -> None:
    assert not go_test_json.sniff("=== RUN   TestA\n--- PASS: TestA (0.00s)\n", "x")
    assert not go_test_json.sniff('{"config": {}}\n', "x")
    with pytest.raises(ParseError, match="no go test -json events"):
        go_test_json.parse("hello\n", "x")
