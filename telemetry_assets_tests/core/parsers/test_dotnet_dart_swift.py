"""Specification of .NET, Dart and XCTest/Swift Testing console output read by the plain-log
parser: unhandled .NET exceptions (inner-exception chains, async state machines, Mono frames) and
xUnit's console blocks, Dart VM crashes, and failing XCTest cases and Swift Testing tests (Linux,
macOS, parallel xcodebuild, Objective-C), and Swift runtime traps (``Fatal error:`` in both
formats, ``Current stack trace:``, the backtracer's dump, a macOS crash report's crashed thread).
One failure per failed test or crash, with the root cause as its exception, frames outermost
first and the runtime's frames marked as library."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from telemetry_assets.core.models import Failure
from telemetry_assets.core.parsers import plain_log
from telemetry_assets_tests.core.parsers._console_helpers import exact_failure_rate

LOGS = Path(__file__).resolve().parents[2] / "inputs" / "plain_log"

# (name, fixture, expected per failure in order). Keys: a Failure field, or ``innermost`` ((file,
# function) of the innermost frame), ``in_app`` (in_app of every frame, outermost first),
# ``chained_types``.
CASES: list[tuple[str, str, list[dict[str, Any]]]] = [
    (
        "dotnet-inner-exception-is-the-root-cause-async-frames-named-by-method",
        "dotnet/unhandled-inner-and-async.log",
        [
            {
                "language": "csharp",
                "kind": "crash",
                "exception_type": "System.Collections.Generic.KeyNotFoundException",
                "message": "The given key 'EUR' was not present in the dictionary.",
                "chained_types": ("System.InvalidOperationException",),
                "innermost": (None, "get_Item"),
                "functions": ["PostAsync", "Lookup", "get_Item"],
                "in_app": [True, True, False],
            }
        ],
    ),
    (
        "mono-frames-with-il-offsets-and-unknown-files",
        "dotnet/mono-unhandled.log",
        [
            {
                "exception_type": "System.NullReferenceException",
                "innermost": ("/builds/acme/inventory/src/Sync/StockMerger.cs", "Merge"),
                "in_app": [False, True, True],
            }
        ],
    ),
    (
        "xunit-console-blocks-one-failure-per-test",
        "dotnet/xunit-console.log",
        [
            {
                "exception_type": "Assert.Equal",
                "test_id": 'Acme.Checkout.Tests.CartTests.AppliesCoupon(code: "SPRING")',
                "innermost": ("/src/tests/Acme.Checkout.Tests/CartTests.cs", "AppliesCoupon"),
            },
            {
                "exception_type": "System.InvalidOperationException",
                "message": "Gateway returned 502",
                "test_id": "Acme.Checkout.Tests.PaymentTests.DeclinedCardThrows",
                "innermost": ("/src/src/Acme.Checkout/Payments/GatewayClient.cs", "Charge"),
            },
        ],
    ),
    (
        "vstest-console-logger-failed-blocks-without-their-captured-output",
        "dotnet/vstest-console.log",
        [
            {
                "test_id": "Acme.Checkout.Tests.PaymentTests.DeclinedCardThrows",
                "exception_type": "System.InvalidOperationException",
                "message": "Gateway returned 502",
                "functions": ["InvokeMethod", "DeclinedCardThrows", "Charge"],
                "in_app": [False, True, True],
            },
            {
                "test_id": "Acme.Checkout.Tests.CartTests.TotalsInEuro",
                "exception_type": "Assert.Equal",
                "innermost": ("/src/tests/Acme.Checkout.Tests/CartTests.cs", "TotalsInEuro"),
            },
        ],
    ),
    (
        "dart-async-crash-with-source-excerpt",
        "dart/unhandled-async.log",
        [
            {
                "language": "dart",
                "exception_type": "FormatException",
                "message": "Unexpected character (at character 1)",
                "innermost": ("dart:convert-patch/convert_patch.dart", "_ChunkedJsonParser.fail"),
                "in_app": [True, True, False],
            }
        ],
    ),
    (
        "dart-thrown-instance",
        "dart/instance-of.log",
        [{"exception_type": "QuotaExceeded", "in_app": [False, True, True]}],
    ),
    (
        "xctest-linux-and-swift-testing-one-failure-per-failed-test",
        "swift/xctest-linux-and-swift-testing.log",
        [
            {
                "language": "swift",
                "test_id": "CartTests.testTotalIncludesTax",
                "exception_type": "XCTAssertEqual",
                "innermost": (
                    "/home/runner/work/shop/shop/Tests/ShopTests/CartTests.swift",
                    "testTotalIncludesTax",
                ),
            },
            {
                "test_id": "parsesPrice(_:)",
                "exception_type": "Expectation failed",
                "innermost": ("PriceParserTests.swift", "parsesPrice(_:)"),
            },
        ],
    ),
    (
        "xcodebuild-objective-c-and-parallel-clones",
        "swift/xcodebuild-objc.log",
        [
            {
                "test_id": "SKReceiptTests.testParsesLegacyReceipt",
                "exception_type": "XCTestFailure",
                "innermost": (
                    "/Users/runner/work/shop/ShopKit/Tests/SKReceiptTests.m",
                    "testParsesLegacyReceipt",
                ),
            },
            {"test_id": "SKSyncTests.testRetriesOnTimeout()", "frames": ()},
        ],
    ),
    (
        "swift-trap-inside-a-test-is-that-tests-crash-with-its-stack-and-exit-report",
        "swift/xctest-linux-crash-inside-a-test.log",
        [
            {"test_id": "CartTests.testTotalWithCoupon", "kind": "failure"},
            {
                "language": "swift",
                "test_id": "CartTests.testTotalWithGiftCard",
                "kind": "crash",
                "exception_type": "Fatal error",
                "message": "Unexpectedly found nil while unwrapping an Optional value",
                "innermost": (None, "swift_reportError"),
                # XCTest and the Swift runtime are libraries; the test bundle's frames are not
                "in_app": [False, False, None, None, False, False],
                "files": [
                    None,
                    None,
                    "/home/runner/work/shop/shop/Tests/CartKitTests/CartTests.swift",
                    "/home/runner/work/shop/shop/Sources/CartKit/Cart.swift",
                    None,
                    None,
                ],
                "trace_ends": "error: Exited with unexpected signal code 4",
            },
        ],
    ),
    (
        "swift-traps-outside-tests-old-and-new-formats-backtracer-and-macos-crash-report",
        "swift/runtime-traps-outside-tests.log",
        [
            {
                "kind": "crash",
                "test_id": None,
                "exception_type": "Fatal error",
                "message": "Unexpectedly found nil while unwrapping an Optional value",
                # no stack printed: the trap's own location is the frame
                "files": ["report-gen/Config.swift"],
            },
            {
                "exception_type": "Fatal error",
                "message": "Index out of range",
                "functions": [
                    "main",
                    "ReportGen.render(rows:)",
                    "$ss17_assertionFailure__4file4line5flagss5NeverOs12StaticStringV_SSAHSus6"
                    "UInt32VtF",
                ],
                "in_app": [None, None, False],
            },
            {
                "exception_type": "EXC_BREAKPOINT",
                "message": "Namespace SIGNAL, Code 5 Trace/BPT trap: 5",
                "innermost": (None, "_assertionFailure(_:_:file:line:flags:)"),
                "files": [None, None, None, "CheckoutViewModel.swift", "Cart.swift", None],
                "in_app": [False, False, False, None, None, False],
            },
        ],
    ),
]


def _check(failure: Failure, key: str, expected: Any) -> None:
    if key == "innermost":
        frame = failure.frames[-1]
        assert (frame.file, frame.function) == expected
    elif key == "in_app":
        assert [f.in_app for f in failure.frames] == expected
    elif key == "functions":
        assert [f.function for f in failure.frames] == expected
    elif key == "files":
        assert [f.file for f in failure.frames] == expected
    elif key == "trace_ends":
        assert failure.trace.splitlines()[-1] == expected
    elif key == "chained_types":
        assert tuple(t for t, _ in failure.chained) == expected
    else:
        assert getattr(failure, key) == expected, key


@pytest.mark.parametrize(("name", "fixture", "expected"), CASES, ids=[c[0] for c in CASES])
def test_console_output_is_read_as_specified(
    name: str, fixture: str, expected: list[dict[str, Any]]
) -> None:
    text = (LOGS / fixture).read_text("utf-8")
    failures = plain_log.parse(text, fixture).failures
    assert len(failures) == len(expected), [(f.test_id, f.exception_type) for f in failures]
    for failure, fields in zip(failures, expected, strict=True):
        for key, value in fields.items():
            _check(failure, key, value)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "a jvm frame keeps going to the jvm",
            "java.lang.IllegalStateException: x\n\tat com.acme.Foo.bar(Foo.java:12)\n",
        ),
        (
            "a jvm native frame is not a .NET frame",
            "java.lang.InterruptedException: x\n"
            "\tat java.lang.Thread.sleep(Native Method)\n\tat com.acme.Foo.bar(Foo.java:12)\n",
        ),
        ("a passing swift test", "Test Case 'CartTests.testEmptyCart' passed (0.001 seconds)\n"),
        ("a failing suite is not a failure", "Test Suite 'CartTests' failed at 2026-11-20\n"),
        (
            "PHP's fatal error is not a Swift trap",
            "Fatal error: Uncaught RuntimeException: cart is empty in /app/src/Cart.php:12\n",
        ),
        (
            "swiftpm's exit report alone names no trap",
            "error: Exited with unexpected signal code 11\n",
        ),
        (
            "an error: inside a passing test name",
            "Test Case '-[RACSpec "
            "querying_should_return_error_with_firstOrDefault:success:error:]' passed (0.0 s).\n",
        ),
    ],
)
def test_what_is_not_a_dotnet_or_swift_failure(name: str, text: str) -> None:
    failures = plain_log.parse(text, "x.log").failures
    assert all(f.language not in ("csharp", "swift", "dart") for f in failures)


@pytest.mark.parametrize("language", ["C#", "Dart", "Swift", "Objective-C"])
def test_the_real_console_corpus_is_read_exactly(language: str) -> None:
    rate, misses = exact_failure_rate(language)
    print(f"{language}: {rate:.1%} exact on failures; misses: {misses}")
    assert rate >= 0.95, misses
