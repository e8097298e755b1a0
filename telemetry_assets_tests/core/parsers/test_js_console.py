"""Specification of JavaScript/TypeScript console output read by the plain-log parser: one failure
per failed test or crash, with its test id, for Node crashes, Jest, mocha, Deno, AVA, Vitest and
TAP.

Causes, aggregated members, ``'error'`` event stacks, inspected properties and Jest's summary are
parts of the failure they explain; consequences (``exited with a non-zero exit code``, parents
failing through their children, ``error: Test failed``) and TODO/SKIP results are not failures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from telemetry_assets.core.models import Failure
from telemetry_assets.core.parsers import plain_log
from telemetry_assets_tests.core.parsers._console_helpers import exact_failure_rate

LOGS = Path(__file__).resolve().parents[2] / "inputs" / "plain_log"


def _parse(name: str) -> tuple[Failure, ...]:
    return plain_log.parse((LOGS / name).read_text(encoding="utf-8"), name).failures


# (name, fixture, expected per failure in order). Keys: the Failure field of that name, or
# ``chained_types``, ``innermost`` ((file, function) of the innermost frame), ``library_files``
# (frames the parser marked not in-app), ``message_starts``.
CASES: list[tuple[str, str, list[dict[str, Any]]]] = [
    (
        "jest-each-test-block-is-one-failure-with-its-id",
        "jest/suite-cause-aggregate-summary.log",
        [
            {
                "test_id": "Cart total › adds line items",
                "exception_type": None,
                "message_starts": "expect(received).toBe(expected)",
                "innermost": ("src/cart/total.test.ts", "Object.<anonymous>"),
                "kind": "failure",
            },
            {"test_id": "Cart total › applies the discount", "kind": "failure"},
            {
                # the Cause: section explains this failure: it is its chain, not a failure
                "test_id": "client › retries a failed request",
                "exception_type": "Error",
                "chained_types": ("TypeError",),
                "innermost": ("src/api/retry.ts", "retry"),
            },
            {
                # the AggregateError's members are parts of it; console.error frames are output
                "test_id": "client › loads every region",
                "exception_type": "AggregateError",
                "innermost": ("src/api/regions.ts", "loadRegions"),
            },
            {
                # a suite that fails to run without a stack is one failure of the suite file;
                # the reprint under "Summary of all failing tests" is not another one
                "test_id": "src/legacy/format.test.js",
                "test_file": "src/legacy/format.test.js",
                "kind": "error",
                "message_starts": "Cannot find module './currency'",
            },
        ],
    ),
    (
        "node-emitted-error-event-second-stack-and-properties-belong-to-the-crash",
        "node/emitted-error-event.log",
        [
            {
                "exception_type": "Error",
                "message_starts": "listen EADDRINUSE",
                "innermost": ("node:net", "Server.setupListenHandle [as _listen2]"),
                "kind": "crash",
                "frame_count": 5,
            }
        ],
    ),
    (
        "node-inspected-cause-is-the-chain-not-a-second-crash",
        "node/cause-and-errors-properties.log",
        [
            {
                "exception_type": "Error",
                "message": "sync failed",
                "chained_types": ("Error",),
                "innermost": ("/srv/worker/jobs/sync.js", "syncAccounts"),
            }
        ],
    ),
    (
        "node-uncaught-aggregate-error-without-own-frames",
        "node/uncaught-aggregate-error.log",
        [{"exception_type": "AggregateError", "message": "All promises were rejected"}],
    ),
    (
        "node-thrown-non-error-value-has-no-type-and-the-banner-location",
        "node/thrown-non-error-value.log",
        [
            {
                "exception_type": None,
                "message": "{ code: 'E_LOCKED', table: 'orders' }",
                "innermost": ("/srv/app/scripts/migrate.js", None),
            }
        ],
    ),
    (
        "node-frames-without-function-names",
        "node/bare-location-frames.log",
        [
            {
                "exception_type": "TypeError",
                "innermost": ("/srv/importer/lib/parse.js", None),
                "frame_count": 3,
            }
        ],
    ),
    (
        "deno-test-errors-one-per-entry-steps-values-and-uncaught",
        "deno/test-reporter-steps-and-uncaught.log",
        [
            {
                # blank lines inside the assertion diff stay in the entry
                "test_id": "sums credits",
                "test_file": "./tests/balance_test.ts",
                "exception_type": "AssertionError",
                "message": "Values are not equal.",
                "library_files": ("https://jsr.io/@std/assert/1.0.8/equals.ts",),
                "kind": "failure",
            },
            {
                "test_id": "rejects overdraft",
                "innermost": ("/home/runner/work/ledger/ledger/src/account.ts", "withdraw"),
            },
            {
                "test_id": "ledger steps ... posts entry",
                "exception_type": "TypeError",
                "library_files": ("ext:cli/40_test.js",),
            },
            {"test_id": "throws a string", "exception_type": None, "message": '"ledger is closed"'},
            {
                "test_id": None,
                "test_file": "./tests/balance_test.ts",
                "kind": "crash",
                "message": "flush failed",
            },
        ],
    ),
    (
        "deno-run-uncaught-aggregate-members-and-causes-are-one-crash",
        "deno/run-uncaught-cause-aggregate.log",
        [
            {
                "exception_type": "AggregateError",
                "message": "2 mirrors failed",
                "chained_types": ("Error",),
                "innermost": ("/home/runner/work/cdn/cdn/src/mirrors.ts", "pickMirror"),
                "frame_count": 2,
                "kind": "crash",
            }
        ],
    ),
    (
        "deno-run-error-logged-then-thrown-is-one-crash",
        "deno/run-logged-then-uncaught.log",
        [
            {
                "exception_type": "RangeError",
                "kind": "crash",
                "innermost": ("/home/dev/etl/scripts/import.ts", "makeBatches"),
                "trace_starts": "error: Uncaught",
            }
        ],
    ),
    (
        "ava-failed-tests-crashes-and-file-errors-not-exit-codes",
        "ava/default-reporter.log",
        [
            {"test_id": "discounts › rounds to cents", "kind": "failure"},
            {
                "test_id": "discounts › rejects negative totals",
                "message": "Test failed via `t.fail()`",
            },
            {"test_id": "taxes › legacy rate"},
            {
                "test_id": None,
                "test_file": "test/currency.js",
                "exception_type": "TypeError",
                "kind": "crash",
                "innermost": ("/home/runner/work/pricing/pricing/test/currency.js", None),
            },
            {"test_file": "test/helpers.js", "kind": "error"},
        ],
    ),
    (
        "vitest-merged-identical-error-counts-per-test",
        "vitest/default-reporter-merged.log",
        [
            {
                "test_id": "src/cart.test.ts > cart > totals in cents 1",
                "test_file": "src/cart.test.ts",
                "exception_type": "AssertionError",
                "innermost": ("src/cart.test.ts", None),
            },
            {
                "test_id": "src/cart.test.ts > cart > totals in cents 2",
                "exception_type": "AssertionError",
            },
            {
                "test_id": "src/cart.test.ts > cart > loads prices",
                "exception_type": "TypeError",
                "innermost": ("src/prices.ts", "priceOf"),
                "library_files": ("node_modules/@vitest/runner/dist/index.js",),
            },
        ],
    ),
    (
        "mocha-numbered-header-over-several-lines-is-the-test-id",
        "mocha/spec-reporter.log",
        [
            {
                "test_id": "stock releases a reservation",
                "exception_type": "AssertionError",
                "message": "Expected values to be strictly equal:\n5 !== 4",
                "innermost": ("test/stock.test.js", "Context.<anonymous>"),
                "kind": "failure",
            },
            {
                "test_id": "stock rejects a negative quantity",
                "innermost": ("src/stock.js", "validate"),
            },
        ],
    ),
    (
        "tap-nested-failure-counted-parent-todo-and-skip-not",
        "tap/node-test-runner.log",
        [
            {
                "test_id": "parser > rejects a bad row",
                "exception_type": "AssertionError",
                "message": "Expected values to be strictly equal:",
                "innermost": (
                    "/home/runner/work/csvkit/csvkit/test/parser.test.js",
                    "TestContext.<anonymous>",
                ),
            }
        ],
    ),
]


def _check(failure: Failure, expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        if key == "chained_types":
            assert tuple(t for t, _ in failure.chained) == value
        elif key == "innermost":
            frame = failure.frames[-1]
            assert (frame.file, frame.function) == value
        elif key == "library_files":
            assert {f.file for f in failure.frames if f.in_app is False} == set(value)
        elif key == "message_starts":
            assert failure.message.startswith(value)
        elif key == "trace_starts":
            assert failure.trace.startswith(value)
        elif key == "frame_count":
            assert len(failure.frames) == value
        else:
            assert getattr(failure, key) == value, key


@pytest.mark.parametrize(("name", "fixture", "expected"), CASES, ids=[c[0] for c in CASES])
def test_console_failures(name: str, fixture: str, expected: list[dict[str, Any]]) -> None:
    failures = _parse(fixture)
    assert len(failures) == len(expected), [f.test_id or f.message for f in failures]
    for failure, want in zip(failures, expected, strict=True):
        assert failure.language == "javascript"
        _check(failure, want)


@pytest.mark.parametrize("language", ["JavaScript", "TypeScript"])
def test_console_corpus_failures_are_exact(language: str) -> None:
    """At least 95% of the real JavaScript/TypeScript console outputs (AVA, Deno, Vitest, mocha,
    Node crashes) give exactly the expected failures."""
    rate, misses = exact_failure_rate(language)
    assert rate >= 0.95, misses
