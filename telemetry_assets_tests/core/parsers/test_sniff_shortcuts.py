"""Sniffers take shortcuts on the common head, and the shortcuts never change an answer.

Every artifact is sniffed by most parsers in turn, so the sniffers decide the common case with
substring tests and single regex searches and take the long way only when a head needs it
(runner stamps, colour codes, richgo columns). These cases hold each shortcut to the long way on
real-shaped heads, including the ones built to fall off the fast path.
"""

from __future__ import annotations

import pytest

from telemetry_assets.core.parsers import go_test_text, plain_log, trx
from telemetry_assets.core.parsers.reportutil import complete_lines
from telemetry_assets_tests.core.parsers._report_helpers import read

VERBOSE = read("go/verbose-subtests-and-panic.txt")
STAMPED = read("go/gha-verbose-stamped.log")
RICHGO = read("go/richgo-colored.txt")

GO_HEADS = [
    ("go test -v as printed", VERBOSE, True),
    ("GitHub Actions stamps before every line", STAMPED, True),
    ("richgo columns with colours", RICHGO, True),
    ("CRLF line ends", VERBOSE.replace("\n", "\r\n"), True),
    ("byte-order mark", "\ufeff" + VERBOSE, True),
    ("group markers around the run", "##[group]Run go test\n" + VERBOSE + "##[endgroup]\n", True),
    (
        "stamped group markers around stamped lines",
        "2026-11-20T10:11:12.1234567Z ##[group]Run go test ./...\n"
        + STAMPED
        + "2026-11-20T10:11:19.0000000Z ##[endgroup]",
        True,
    ),
    ("cut in the middle of a line", VERBOSE[: len(VERBOSE) // 2 + 7], True),
    (
        "colour codes inside a result line",
        "=== RUN   TestCart\n\x1b[31m--- FAIL\x1b[0m: TestCart (0.01s)\n",
        True,
    ),
    ("stamp without a date is not stripped", "10:11:12 === RUN   TestCart\n", False),
    (
        "a job log that also ran go test and Python",
        "ok  \tgithub.com/acme/shop/cart\t0.412s\n"
        "Traceback (most recent call last):\n"
        '  File "/home/runner/work/shop/app.py", line 3, in <module>\n'
        "ValueError: bad cart\n",
        False,
    ),
    ("a log that merely says ok and FAIL", "all checks ok\nsee FAIL above\n", False),
    ("a table with a pipe in the first columns", "PASS | 12 tests\nFAIL | 1 test\n", False),
]


def _go_rendered_the_long_way(head: str) -> str:
    return "\n".join(line for line, _ in go_test_text._go_lines(complete_lines(head)))


@pytest.mark.parametrize(("name", "head", "is_go"), GO_HEADS, ids=[c[0] for c in GO_HEADS])
def test_go_text_shortcut_renders_as_the_long_way(name: str, head: str, is_go: bool) -> None:
    assert go_test_text._sniff_text(head) == _go_rendered_the_long_way(head)
    assert go_test_text.sniff(head, "go-test.log") is is_go


def _controls_one_by_one(sample: str) -> int:
    return sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\x1b\x0c")


TEXT_HEADS = [
    ("a build log", "2026-11-20T10:11:12.1234567Z npm ERR! code ELIFECYCLE\n" * 40, True),
    ("ANSI colours, tabs and form feeds", "\x1b[31mFAIL\x1b[0m\tcart\x0c\r\n" * 60, True),
    ("vertical tabs under the 5% limit", "line of text\x0b" + "x" * 30 + "\n", True),
    ("control bytes over the 5% limit", ("ab\x01\x02\x03\x7f" * 200), False),
    ("every control code but NUL once", "".join(map(chr, range(1, 32))) + "t" * 4000, True),
    ("a NUL byte anywhere", "text\x00text", False),
]


@pytest.mark.parametrize(("name", "head", "is_text"), TEXT_HEADS, ids=[c[0] for c in TEXT_HEADS])
def test_plain_log_counts_controls_as_one_by_one(name: str, head: str, is_text: bool) -> None:
    sample = head[:4096]
    assert len(plain_log._CONTROL.findall(sample)) == _controls_one_by_one(sample)
    assert plain_log.sniff(head, "job.log") is is_text


DOTNET_HEADS = [
    (
        "TRX test run",
        '<?xml version="1.0" encoding="utf-8"?>\n<TestRun id="5d1c" name="runner@ci 2026-11-20"'
        ' xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">',
        True,
    ),
    ("xUnit v2 assemblies", '<?xml version="1.0"?>\n<assemblies timestamp="11/20/2026">', True),
    (
        "xUnit v2 single assembly",
        '<assembly name="Shop.Tests.dll" test-framework="xUnit.net 2.9.2">',
        True,
    ),
    ("JUnit XML", '<?xml version="1.0"?>\n<testsuites><testsuite name="cart">', False),
    ("assembly of another framework", '<assembly name="Shop.dll" test-framework="NUnit">', False),
    ("TestRun outside TRX's namespace", "<TestRun id='1' xmlns='urn:other'>", False),
]


@pytest.mark.parametrize(
    ("name", "head", "is_dotnet"), DOTNET_HEADS, ids=[c[0] for c in DOTNET_HEADS]
)
def test_dotnet_sniff_after_substring_test(name: str, head: str, is_dotnet: bool) -> None:
    long_way = bool(trx._TRX_HEAD.search(head) or trx._XUNIT_HEAD.search(head))
    assert trx.sniff(head, "results.xml") is long_way is is_dotnet
