"""Specification of retries in console logs read by the plain-log parser: pytest-rerunfailures
(``RERUN`` in ``-v`` output, under xdist and in the ``-rR`` summary, with or without the attempt's
reason or report), cargo-nextest (``TRY n FAIL``, ``RETRY``, ``TRY n PASS``, ``FLAKY``) and
Playwright's list reporter (``Retry #1`` details, the ``flaky`` summary). The rule is the one of
every structured report: a test that failed and then passed on a retry in the same run is one
failure with ``flaky=True`` and is listed in ``passed_test_ids``; a test that failed on every
attempt is one failure, not flaky."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from telemetry_assets.core.parsers import plain_log

LOGS = Path(__file__).resolve().parents[2] / "inputs" / "plain_log"

# (name, fixture, expected failures in order as (test_id, flaky, exception_type), passed ids).
FIXTURES: list[tuple[str, str, list[tuple[str, bool, str | None]], tuple[str, ...]]] = [
    (
        "pytest -v: rerun then passed is one flaky failure; rerun twice then failed is one failure",
        "python/pytest-rerunfailures-flaky-and-exhausted.log",
        [
            ("tests/billing/test_invoice.py::test_invoice_total", False, "AssertionError"),
            ("tests/billing/test_tax.py::test_reverse_charge", False, "AttributeError"),
            # pytest prints no report of the failed attempt: the failure says so
            ("tests/api/test_webhooks.py::test_webhook_delivery", True, None),
        ],
        ("tests/api/test_webhooks.py::test_webhook_delivery",),
    ),
    (
        "nextest: a panic then TRY 2 PASS is flaky; three failed tries of a test are one failure",
        "rust/nextest-retries-flaky-and-exhausted.log",
        [
            ("discount::tests::stacked_coupons", True, "panic"),
            # an integration test's thread is not named like a path: nextest's line names it
            ("applies_gift_card", False, "panic"),
        ],
        ("discount::tests::stacked_coupons",),
    ),
    (
        "playwright: a test failed on its retry too is one failure; one passed on retry is flaky",
        "playwright/list-reporter-flaky-and-retried.log",
        [
            (
                "[chromium] › tests/checkout.spec.ts:8:5 › checkout › pays with gift card",
                False,
                "TypeError",
            ),
            ("[chromium] › tests/cart.spec.ts:12:5 › cart › applies coupon", True, "Error"),
        ],
        ("[chromium] › tests/cart.spec.ts:12:5 › cart › applies coupon",),
    ),
]


@pytest.mark.parametrize(
    ("name", "fixture", "expected", "passed"), FIXTURES, ids=[c[0] for c in FIXTURES]
)
def test_retried_tests_in_logs(
    name: str, fixture: str, expected: list[tuple[str, bool, str | None]], passed: tuple[str, ...]
) -> None:
    result = plain_log.parse((LOGS / fixture).read_text("utf-8"), fixture)
    got = [(f.test_id, f.flaky, f.exception_type) for f in result.failures]
    assert got == expected
    assert result.passed_test_ids == passed
    assert all(f.kind == "failure" for f in result.failures)


_SESSION = "============================= test session starts ==============================\n"

# (name, log text, expected): one behaviour each. ``failures`` lists (test_id, flaky).
CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "a rerun summary line with the attempt's reason gives the flaky failure its error",
        _SESSION + "tests/api/test_webhooks.py::test_webhook_delivery RERUN [ 96%]\n"
        "tests/api/test_webhooks.py::test_webhook_delivery PASSED [ 96%]\n"
        "=========================== rerun test summary info ============================\n"
        "RERUN tests/api/test_webhooks.py::test_webhook_delivery - "
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='hooks.example.internal', "
        "port=443): Max retries exceeded\n"
        "======================== 1 passed, 1 rerun in 2.20s ========================\n",
        {
            "failures": [("tests/api/test_webhooks.py::test_webhook_delivery", True)],
            "exception_type": "requests.exceptions.ConnectionError",
            "message_starts": "HTTPSConnectionPool(",
        },
    ),
    (
        "xdist prints the status before the id",
        _SESSION + "[gw1] [ 50%] RERUN tests/test_queue.py::test_drain\n"
        "[gw1] [ 50%] PASSED tests/test_queue.py::test_drain\n"
        "[gw0] [100%] PASSED tests/test_queue.py::test_push\n",
        {"failures": [("tests/test_queue.py::test_drain", True)]},
    ),
    (
        "--rerun-show-tracebacks: the attempt's report is the flaky failure's",
        _SESSION + "tests/test_poll.py::test_eventually RERUN [100%]\n"
        "tests/test_poll.py::test_eventually PASSED [100%]\n"
        "=========================== rerun test summary info ============================\n"
        "RERUN tests/test_poll.py::test_eventually\n"
        "    def test_eventually():\n"
        ">       assert poll() == 'ready'\n"
        "E       AssertionError: assert 'pending' == 'ready'\n\n"
        "tests/test_poll.py:9: AssertionError\n"
        "======================== 1 passed, 1 rerun in 0.12s ========================\n",
        {
            "failures": [("tests/test_poll.py::test_eventually", True)],
            "exception_type": "AssertionError",
            "message_starts": "assert 'pending' == 'ready'",
        },
    ),
    (
        "a traceback printed after pytest's last rule is not the rerun's report",
        _SESSION + "tests/test_poll.py::test_eventually RERUN [100%]\n"
        "tests/test_poll.py::test_eventually PASSED [100%]\n"
        "=========================== rerun test summary info ============================\n"
        "RERUN tests/test_poll.py::test_eventually\n"
        "======================== 1 passed, 1 rerun in 0.12s ========================\n"
        "Traceback (most recent call last):\n"
        '  File "/srv/app/scripts/upload_coverage.py", line 8, in <module>\n'
        "    upload(report)\n"
        "ConnectionError: coverage service unreachable\n",
        {
            "failures": [(None, False), ("tests/test_poll.py::test_eventually", True)],
            "passed": ("tests/test_poll.py::test_eventually",),
            "exception_type": "ConnectionError",
        },
    ),
    (
        "the word RERUN in prose is not a retry",
        _SESSION + "RERUN the job once the registry is back\n",
        {"failures": []},
    ),
    (
        "older nextest: output headers name the try; the summary's FLAKY line marks it",
        "    Starting 2 tests across 1 binary\n"
        "        FAIL [   0.010s] shop cart::tests::totals\n"
        "--- TRY 1 STDERR:        shop cart::tests::totals ---\n"
        "thread 'cart::tests::totals' panicked at src/cart.rs:88:9:\n"
        "assertion failed: total > 0\n"
        "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n"
        "       RETRY 2/2 [         ] shop cart::tests::totals\n"
        "  TRY 2 PASS [   0.004s] shop cart::tests::totals\n"
        "------------\n"
        "     Summary [   0.020s] 2 tests run: 2 passed (1 flaky), 0 skipped\n"
        "   FLAKY 2/2 [   0.004s] shop cart::tests::totals\n",
        {"failures": [("cart::tests::totals", True)], "passed": ("cart::tests::totals",)},
    ),
    (
        "nextest without retries: a failed test stays one plain failure",
        "────────────\n"
        "    Starting 1 test across 1 binary\n"
        "        FAIL [   0.010s] shop cart::tests::totals\n"
        "  stderr ───\n\n"
        "    thread 'cart::tests::totals' panicked at src/cart.rs:88:9:\n"
        "    assertion failed: total > 0\n\n"
        "────────────\n"
        "     Summary [   0.020s] 1 test run: 0 passed, 1 failed, 0 skipped\n"
        "        FAIL [   0.010s] shop cart::tests::totals\n",
        {"failures": [("cart::tests::totals", False)], "passed": ()},
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_retry_lines(name: str, text: str, expected: dict[str, Any]) -> None:
    result = plain_log.parse(text, "job.log")
    assert [(f.test_id, f.flaky) for f in result.failures] == expected["failures"]
    flaky = tuple(f.test_id for f in result.failures if f.flaky)
    assert result.passed_test_ids == expected.get("passed", flaky)
    if "exception_type" in expected:
        assert result.failures[0].exception_type == expected["exception_type"]
    if "message_starts" in expected:
        assert result.failures[0].message.startswith(expected["message_starts"])


def test_streaming_gives_the_same_retries() -> None:
    """``parse_lines`` (what the pipeline calls) and ``parse`` agree on retried tests."""
    text = (LOGS / "python" / "pytest-rerunfailures-flaky-and-exhausted.log").read_text("utf-8")
    whole = plain_log.parse(text, "job.log")
    streamed = plain_log.parse_lines(iter(text.splitlines(keepends=True)), "job.log")
    assert streamed == whole
