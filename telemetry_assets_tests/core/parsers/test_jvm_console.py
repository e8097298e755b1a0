"""Specification of JVM console output read by the plain-log parser: Gradle's test logging (short
and full exception formats), Spock's and Kotest's assertion messages, MUnit under sbt, Spring
Boot's failure analysis, Android ANR traces, and a ``printStackTrace`` whose message ends with a
blank line. One failure per failed test or crash, with its test id when the log names it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from telemetry_assets.core.models import Failure
from telemetry_assets.core.parsers import plain_log
from telemetry_assets_tests.core.parsers._console_helpers import exact_failure_rate

LOGS = Path(__file__).resolve().parents[2] / "inputs" / "plain_log"

NESTED_MESSAGE = (
    "java.lang.RuntimeException: javax.mail.SendFailedException: Invalid Addresses;\n"
    "  nested exception is:\n"
    "com.sun.mail.smtp.SMTPAddressFailedException: 550 5.7.1 Relaying denied\n"
    "\n"
    "\tat com.acme.mail.Mailer.send(Mailer.java:236)\n"
    "\tat java.base/java.lang.Thread.run(Thread.java:1583)\n"
    "Caused by: com.sun.mail.smtp.SMTPAddressFailedException: 550 5.7.1 Relaying denied\n"
    "\n"
    "\tat com.sun.mail.smtp.SMTPTransport.rcptTo(SMTPTransport.java:2064)\n"
    "\t... 2 more\n"
)


# (name, fixture or inline text, expected per failure in order). Keys: the Failure field of that
# name, or ``innermost`` ((file, function, module) of the innermost frame), ``chained_types``,
# ``message_starts``, ``frame_count``.
CASES: list[tuple[str, str, list[dict[str, Any]]]] = [
    (
        "gradle-short-and-full-exception-formats",
        "gradle/test-logging-short-and-full.log",
        [
            {
                "test_id": "InvoiceServiceTest.totalsIncludeTax()",
                "exception_type": "org.opentest4j.AssertionFailedError",
                "innermost": ("InvoiceServiceTest.java", None, None),
                "kind": "failure",
            },
            {
                "test_id": "InvoiceServiceTest.rejectsEmptyInvoice()",
                "exception_type": "java.lang.IllegalStateException",
                "chained_types": ("java.lang.NullPointerException",),
            },
            {
                "test_id": "com.acme.billing.RefundTest.refundsPartialPayment()",
                "message": "expected: <25.00> but was: <20.00>",
                "innermost": (
                    "AssertionFailureBuilder.java",
                    "build",
                    "org.junit.jupiter.api.AssertionFailureBuilder",
                ),
                "frame_count": 4,
            },
        ],
    ),
    (
        "spock-unrolled-iteration-with-power-assertion-and-sentence-named-frame",
        "spock/unrolled-feature.log",
        [
            {
                "test_id": (
                    "ShippingCostSpec.shipping cost for #weight kg "
                    "[weight: 30, expected: 19.99, #1]"
                ),
                "message": "Condition not satisfied: calculator.cost(weight) == expected",
                "innermost": (
                    "ShippingCostSpec.groovy",
                    "shipping cost for #weight kg",
                    "com.acme.shipping.ShippingCostSpec",
                ),
            }
        ],
    ),
    (
        "munit-failures-with-spaces-in-names-excerpt-not-in-message",
        "munit/sbt-test.log",
        [
            {
                "test_id": "com.acme.geo.DistanceSuite.haversine across the dateline",
                "exception_type": "munit.ComparisonFailException",
                "innermost": ("Assertions.scala", "failComparison", "munit.Assertions"),
                "absent": "assertEquals(d.round",
            },
            {
                "test_id": "com.acme.geo.BoundsSuite.initializationError",
                "exception_type": "java.lang.ExceptionInInitializerError",
            },
        ],
    ),
    (
        "kotest-power-assert-message-alone-is-one-failure",
        "kotest/power-assert-message.log",
        [{"message_starts": 'expected:<"abc"> but was:<"ABd">', "kind": "failure"}],
    ),
    (
        "spring-boot-failure-analysis-is-one-crash-described",
        "spring-boot/failure-analysis.log",
        [
            {
                "message_starts": "Failed to bind properties under 'inventory.datasource.url'",
                "kind": "crash",
                "frame_count": 0,
            }
        ],
    ),
    (
        "android-anr-is-one-crash-on-the-main-threads-frames",
        "android/anr-traces.txt",
        [
            {
                "message": "Application Not Responding: main thread Blocked",
                "innermost": ("SyncLock.kt", "acquire", "com.acme.notes.sync.SyncLock"),
                "frame_count": 5,
                "kind": "crash",
            }
        ],
    ),
    (
        "message-ending-in-a-newline-keeps-its-frames-and-causes",
        NESTED_MESSAGE,
        [
            {
                "exception_type": "com.sun.mail.smtp.SMTPAddressFailedException",
                "chained_types": ("java.lang.RuntimeException",),
                "innermost": ("SMTPTransport.java", "rcptTo", "com.sun.mail.smtp.SMTPTransport"),
            }
        ],
    ),
]


def _text(source: str) -> str:
    if "\n" in source:
        return source
    return (LOGS / source).read_text(encoding="utf-8")


def _check(failure: Failure, expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        if key == "chained_types":
            assert tuple(t for t, _ in failure.chained) == value
        elif key == "innermost":
            frame = failure.frames[-1]
            assert (frame.file, frame.function, frame.module) == value
        elif key == "message_starts":
            assert failure.message.startswith(value)
        elif key == "frame_count":
            assert len(failure.frames) == value
        elif key == "absent":
            assert value not in failure.message
        else:
            assert getattr(failure, key) == value, key


@pytest.mark.parametrize(("name", "source", "expected"), CASES, ids=[c[0] for c in CASES])
def test_console_failures(name: str, source: str, expected: list[dict[str, Any]]) -> None:
    failures = plain_log.parse(_text(source), name).failures
    assert len(failures) == len(expected), [f.test_id or f.message for f in failures]
    for failure, want in zip(failures, expected, strict=True):
        assert failure.language == "java"
        _check(failure, want)


@pytest.mark.parametrize("language", ["Java", "Kotlin", "Scala", "Groovy"])
def test_console_corpus_failures_are_exact(language: str) -> None:
    """At least 95% of the real JVM console outputs (Spring Boot, sentry-java's ANR dump, crash
    traces, MUnit, Spock, Kotest) give exactly the expected failures."""
    rate, misses = exact_failure_rate(language)
    assert rate >= 0.95, misses
