"""Specification of the .NET report parser: TRX and xUnit v2 XML give one failure per failed
test (not per skipped or passed one), the exception and frames read as the console prints them,
so one failure has one fingerprint whether a team keeps the TRX, the xUnit XML or the console
log; hostile or broken XML is refused with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from telemetry_assets.core.fingerprint.fingerprint import fingerprint
from telemetry_assets.core.models import Failure, ParseError
from telemetry_assets.core.parsers import plain_log, registry, trx

INPUTS = Path(__file__).resolve().parents[2] / "inputs"
TRX = INPUTS / "dotnet" / "checkout-tests.trx"
XUNIT = INPUTS / "dotnet" / "checkout-tests.xunit.xml"
CONSOLE = INPUTS / "plain_log" / "dotnet" / "xunit-console.log"
VSTEST = INPUTS / "plain_log" / "dotnet" / "vstest-console.log"


def _failures(path: Path) -> dict[str, Failure]:
    text = path.read_text("utf-8")
    parser = registry.parser_for(text[:8192], path.name)
    assert parser is not None
    return {f.test_id or "": f for f in parser.parse(text, path.name).failures}


@pytest.mark.parametrize(
    ("name", "path", "failed", "passed"),
    [
        (
            "trx: failed results only, not passed or not executed",
            TRX,
            [
                'Acme.Checkout.Tests.CartTests.AppliesCoupon(code: "SPRING")',
                "Acme.Checkout.Tests.PaymentTests.DeclinedCardThrows",
            ],
            ["Acme.Checkout.Tests.CartTests.EmptyCartTotalsZero"],
        ),
        (
            "xunit v2: tests with result Fail",
            XUNIT,
            [
                "Acme.Checkout.Tests.PaymentTests.DeclinedCardThrows",
                "Acme.Checkout.Tests.PaymentTests.RefundsPartially",
            ],
            ["Acme.Checkout.Tests.PaymentTests.ChargesCard"],
        ),
    ],
)
def test_one_failure_per_failed_test(
    name: str, path: Path, failed: list[str], passed: list[str]
) -> None:
    result = trx.parse(path.read_text("utf-8"), path.name)
    assert [f.test_id for f in result.failures] == failed
    assert list(result.passed_test_ids) == passed
    assert all(f.language == "csharp" and f.source_format == "dotnet-xml" for f in result.failures)


def test_the_registry_sends_dotnet_reports_here_before_junit() -> None:
    for path in (TRX, XUNIT):
        parser = registry.parser_for(path.read_text("utf-8")[:8192], path.name)
        assert parser is not None and parser.name == "dotnet-xml"


def test_exception_and_frames_read_as_the_console_prints_them() -> None:
    failure = _failures(TRX)["Acme.Checkout.Tests.PaymentTests.DeclinedCardThrows"]
    assert failure.exception_type == "System.InvalidOperationException"
    assert failure.message == "Gateway returned 502"
    assert [(f.function, f.line) for f in failure.frames] == [
        ("DeclinedCardThrows", 31),
        ("Charge", 77),
    ]


@pytest.mark.parametrize(
    ("name", "test_id", "paths"),
    [
        (
            "an exception in app code",
            "Acme.Checkout.Tests.PaymentTests.DeclinedCardThrows",
            [TRX, XUNIT, CONSOLE, VSTEST],
        ),
        (
            "an assertion in the test body",
            'Acme.Checkout.Tests.CartTests.AppliesCoupon(code: "SPRING")',
            [TRX, CONSOLE],
        ),
    ],
)
def test_one_failure_one_fingerprint_from_report_or_console(
    name: str, test_id: str, paths: list[Path]
) -> None:
    def read(path: Path) -> dict[str, Failure]:
        if path in (CONSOLE, VSTEST):
            text = path.read_text("utf-8")
            return {f.test_id or "": f for f in plain_log.parse(text, path.name).failures}
        return _failures(path)

    prints = {fingerprint(read(path)[test_id]).value for path in paths}
    assert len(prints) == 1


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("not well formed", '<TestRun xmlns="x/TeamTest/2010"><Results>', "not well-formed"),
        (
            "entity declarations",
            '<!DOCTYPE r [<!ENTITY a "b">]><TestRun xmlns="TeamTest/2010">&a;</TestRun>',
            "not allowed",
        ),
        ("another root", "<testsuites/>", "not a TRX or xUnit v2 report"),
    ],
)
def test_broken_or_hostile_xml_is_refused_with_a_reason(name: str, text: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        trx.parse(text, "results.trx")
