"""Specification of PHP console output: PHPUnit's default, ``--testdox`` and ``--teamcity``
printers, Pest's, and PHP's own fatal errors. One failure per failed or errored test (risky,
skipped, incomplete and retried-then-passed tests are not failures), the exception type (PHPUnit's
``ExpectationFailedException`` for assertions), ``Caused by`` / ``Next`` chains, and frames whose
vendor and PHP-internal entries are not in-app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from telemetry_assets.core.models import Failure
from telemetry_assets.core.parsers import plain_log, registry, teamcity
from telemetry_assets.core.parsers.languages.php import ASSERTION_TYPE
from telemetry_assets.core.parsers.languages.service_messages import unescape
from telemetry_assets_tests.core.parsers._console_helpers import exact_failure_rate
from telemetry_assets_tests.core.parsers._expectations import check

INPUTS = Path(__file__).resolve().parents[2] / "inputs"
SHOP = "/home/runner/work/shop/shop"
APP = "/var/www/app"


def _parse(relative: str) -> tuple[str, tuple[Failure, ...]]:
    path = INPUTS / relative
    text = path.read_text(encoding="utf-8")
    parser = registry.parser_for(text[:8192], path.name)
    assert parser is not None
    return parser.name, parser.parse(text, path.name).failures


# (name, fixture under inputs/, parser that must read it, expected failures in order)
FIXTURES: list[tuple[str, str, str, list[dict[str, Any]]]] = [
    (
        "phpunit default printer: errors and failures count, risky and skipped do not",
        "plain_log/php/phpunit-errors-failures-and-skips.log",
        "plain_log",
        [
            {
                "test_id": "App\\Tests\\Unit\\CheckoutServiceTest::testChargesTheCard",
                "test_file": f"{SHOP}/tests/Unit/CheckoutServiceTest.php",
                "exception_type": "Stripe\\Exception\\CardException",
                "message": "Your card was declined.",
                "kind": "error",
                "language": "php",
                "frames": [
                    (f"{SHOP}/tests/Unit/CheckoutServiceTest.php", "testChargesTheCard", True),
                    (f"{SHOP}/src/Checkout/CheckoutService.php", None, True),
                    (f"{SHOP}/src/Payment/StripeGateway.php", None, True),
                    (
                        f"{SHOP}/vendor/stripe/stripe-php/lib/Exception/ApiErrorException.php",
                        None,
                        False,
                    ),
                ],
            },
            {
                "test_id": (
                    'App\\Tests\\Unit\\CartTest::testTotalIncludesTax with data set "reduced rate"'
                    " (7, 107.0)"
                ),
                "exception_type": ASSERTION_TYPE,
                "message": "Failed asserting that 108.0 matches expected 107.0.",
                "kind": "failure",
                "frames": [(f"{SHOP}/tests/Unit/CartTest.php", "testTotalIncludesTax", True)],
            },
            {
                "test_id": "App\\Tests\\Unit\\CartTest::testEmptyCartHasNoLines",
                "message": (
                    "Cart should be empty after clear()\n"
                    "Failed asserting that actual size 1 matches expected size 0."
                ),
            },
        ],
    ),
    (
        "php fatal error in error_log: Next chain, the escaped exception is primary",
        "plain_log/php/php-fatal-uncaught-next-chain.log",
        "plain_log",
        [
            {
                "test_id": None,
                "exception_type": "App\\Import\\ImportFailed",
                "message": "could not load orders",
                "kind": "crash",
                "chained": (("PDOException", "SQLSTATE[HY000] [2002] Connection refused"),),
                # each location runs in the function called on the next stack line
                "frames": [
                    (f"{APP}/bin/import-orders.php", None, True),
                    (f"{APP}/src/Import/Importer.php", "App\\Import\\Importer->run", True),
                ],
            }
        ],
    ),
    (
        "pest (Collision) blocks: type from the header, callee on the line below a frame",
        "plain_log/php/pest-collision-failures.log",
        "plain_log",
        [
            {
                "test_id": "Tests\\Feature\\CheckoutTest > it applies the coupon",
                "test_file": "tests/Feature/CheckoutTest.php",
                "exception_type": ASSERTION_TYPE,
                "message": "Failed asserting that 100 is identical to 90.",
                "kind": "failure",
                "frames": [("tests/Feature/CheckoutTest.php", "it applies the coupon", True)],
            },
            {
                "test_id": "Tests\\Feature\\CheckoutTest > it charges the card",
                "exception_type": "RuntimeException",
                "message": "Payment gateway timed out after 30s",
                "kind": "error",
                "frames": [
                    ("tests/Feature/CheckoutTest.php", "it charges the card", True),
                    ("app/Checkout/PlaceOrder.php", "App\\Checkout\\PlaceOrder::handle", True),
                    ("app/Payments/Gateway.php", "App\\Payments\\Gateway::charge", True),
                ],
            },
        ],
    ),
    (
        "phpunit --teamcity: ignored is not a failure, a retried pass is flaky, Caused by chains",
        "teamcity/phpunit-teamcity-retry-and-chain.log",
        "teamcity",
        [
            {
                "test_id": "App\\Tests\\Unit\\CartTest::testTotal",
                "test_file": f"{SHOP}/tests/Unit/CartTest.php",
                "exception_type": ASSERTION_TYPE,
                "kind": "failure",
                "flaky": False,
                "frames": [(f"{SHOP}/tests/Unit/CartTest.php", "testTotal", True)],
            },
            {
                "test_id": "App\\Tests\\Unit\\CheckoutServiceTest::testChargesTheCard",
                "exception_type": "Stripe\\Exception\\ApiConnectionException",
                "message": "Could not connect to Stripe (api.stripe.com).",
                "kind": "error",
                "chained": (
                    (
                        "GuzzleHttp\\Exception\\ConnectException",
                        "cURL error 28: Operation timed out after 30001 milliseconds",
                    ),
                ),
                "frames": [
                    (
                        f"{SHOP}/tests/Unit/CheckoutServiceTest.php",
                        "testChargesTheCard",
                        True,
                    ),
                    (f"{SHOP}/src/Payment/StripeGateway.php", None, True),
                    (f"{SHOP}/vendor/stripe/stripe-php/lib/HttpClient/CurlClient.php", None, False),
                ],
            },
            {"test_id": "App\\Tests\\Unit\\CheckoutServiceTest::testSyncsStock", "flaky": True},
        ],
    ),
    (
        "pest --teamcity after 18 kB of composer output: found by the plain log, ids from hints",
        "teamcity/gha-composer-then-pest-teamcity.log",
        "plain_log",
        [
            {
                "test_id": "tests/Feature/CheckoutTest.php::it applies the coupon",
                "test_file": "tests/Feature/CheckoutTest.php",
                "exception_type": ASSERTION_TYPE,
                "kind": "failure",
                "frames": [("tests/Feature/CheckoutTest.php", "it applies the coupon", True)],
            },
            {
                "test_id": "tests/Feature/CheckoutTest.php::it charges the card",
                "exception_type": "RuntimeException",
                "message": "Payment gateway timed out after 30s",
                "kind": "error",
                "frames": [
                    ("tests/Feature/CheckoutTest.php", "it charges the card", True),
                    ("app/Payments/Gateway.php", None, True),
                ],
            },
        ],
    ),
]


@pytest.mark.parametrize(
    ("name", "fixture", "parser", "expected"), FIXTURES, ids=[c[0] for c in FIXTURES]
)
def test_fixture_failures(
    name: str, fixture: str, parser: str, expected: list[dict[str, Any]]
) -> None:
    parsed_by, failures = _parse(fixture)
    assert parsed_by == parser
    assert len(failures) == len(expected), [f.test_id or f.message for f in failures]
    for failure, want in zip(failures, expected, strict=True):
        assert failure.language == "php"
        check(failure, want)


# (name, console text, expected failures): one behaviour each.
CASES: list[tuple[str, str, list[dict[str, Any]]]] = [
    (
        "testdox: the class header names the test, the box holds the message",
        "Cart (App\\Tests\\Unit\\Cart)\n ✔ Adds a line\n ✘ Applies a coupon\n   │\n"
        "   │ Failed asserting that 100 is identical to 90.\n   │\n"
        "   │ /app/tests/Unit/CartTest.php:31\n   │\n\nFAILURES!\n",
        [
            {
                "test_id": "App\\Tests\\Unit\\Cart::Applies a coupon",
                "message": "Failed asserting that 100 is identical to 90.",
                "exception_type": ASSERTION_TYPE,
            }
        ],
    ),
    (
        "a test calling exit(): the fatal error glued to its output names the test",
        "PHPUnit 11.4.3 by Sebastian Bergmann and contributors.\n\nRuntime:       PHP 8.3.13\n\n"
        "byeFatal error: Premature end of PHP process when running "
        "App\\Tests\\ShutdownTest::testExits.\n",
        [
            {
                "test_id": "App\\Tests\\ShutdownTest::testExits",
                "exception_type": "Fatal error",
                "kind": "error",
            }
        ],
    ),
    (
        "php 5 uncaught exception with the [internal function] frame not in-app",
        "PHP Fatal error:  Uncaught exception 'LogicException' with message 'no driver' in "
        "/srv/app/lib/Db.php:12\nStack trace:\n#0 [internal function]: Db->connect()\n"
        "#1 /srv/app/index.php(7): call_user_func(Array)\n#2 {main}\n"
        "  thrown in /srv/app/lib/Db.php on line 12\n",
        [
            {
                "exception_type": "LogicException",
                "message": "no driver",
                "frames": [
                    ("/srv/app/index.php", None, True),
                    ("[internal function]", "call_user_func", False),
                    ("/srv/app/lib/Db.php", "Db->connect", True),
                ],
            }
        ],
    ),
    (
        "a fatal error without a stack ends at its own line",
        "PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate "
        "20480 bytes) in /srv/app/src/Report.php on line 88\nnext job starting\n",
        [
            {
                "exception_type": "Fatal error",
                "message": (
                    "Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 "
                    "bytes)"
                ),
                "frames": [("/srv/app/src/Report.php", None, True)],
            }
        ],
    ),
    (
        "a passing run, its warnings and deprecations are not failures",
        "PHPUnit 11.4.3 by Sebastian Bergmann and contributors.\n\n...W.D   5 / 5 (100%)\n\n"
        "1 test triggered 1 warning:\n\n1) /app/src/Legacy.php:9\nUndefined variable $x\n\n"
        "OK, but there were issues!\nTests: 5, Assertions: 9, Warnings: 1, Deprecations: 1.\n",
        [],
    ),
    (
        "a report cut short: the entry ends where another trace begins",
        "There was 1 error:\n\n1) App\\Tests\\SyncTest::testPushes\nRuntimeException: "
        "queue closed\n\n/app/tests/SyncTest.php:19\nTraceback (most recent call last):\n"
        '  File "/app/tools/notify.py", line 4, in <module>\n    send()\n'
        "ConnectionError: relay down\n",
        [{"test_id": "App\\Tests\\SyncTest::testPushes", "exception_type": "RuntimeException"}],
    ),
    (
        "swift testing's first-column ✘ lines are not PHPUnit's testdox",
        "✘ Test parsesDates() recorded an issue at DateTests.swift:12:5: Expectation failed\n",
        [],
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_php_text(name: str, text: str, expected: list[dict[str, Any]]) -> None:
    failures = [f for f in plain_log.parse(text, "job.log").failures if f.language == "php"]
    assert len(failures) == len(expected)
    for failure, want in zip(failures, expected, strict=True):
        check(failure, want)


@pytest.mark.parametrize(
    ("name", "escaped", "plain"),
    [
        ("newline and quote", "a|nb|'c|'", "a\nb'c'"),
        ("brackets and the escape itself", "|[x|] || y", "[x] | y"),
        ("unicode escape", "next|0x2028line", "next\u2028line"),
    ],
)
def test_teamcity_unescape(name: str, escaped: str, plain: str) -> None:
    assert unescape(escaped) == plain


def test_service_messages_of_other_runners_mid_log_keep_name_and_type() -> None:
    text = (
        "yarn run v1.22.22\n$ jest --reporters=jest-teamcity\n"
        "##teamcity[testStarted name='cart adds a line' flowId='3']\n"
        "##teamcity[testFailed name='cart adds a line' message='TypeError: lines is undefined'"
        " details='at add (src/cart.js:4:9)' flowId='3']\n"
    )
    failures = plain_log.parse(text, "job.log").failures
    assert len(failures) == 1
    check(
        failures[0],
        {
            "test_id": "cart adds a line",
            "exception_type": "TypeError",
            "message": "lines is undefined",
            "kind": "error",
        },
    )


def test_teamcity_sniffs_a_timestamped_stream_but_not_a_mention() -> None:
    stamped = "2026-11-20T10:00:00.0000000Z ##teamcity[testStarted name='a' flowId='1']\n"
    assert teamcity.sniff(stamped, "job.log")
    assert not teamcity.sniff("the reporter prints ##teamcity[ lines\n", "job.log")


def test_console_corpus_php_failures_are_exact() -> None:
    """At least 95% of the real PHP console outputs give exactly the expected failures."""
    rate, misses = exact_failure_rate("PHP")
    assert rate >= 0.95, misses
