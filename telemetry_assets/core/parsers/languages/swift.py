"""XCTest and Swift Testing failures (Swift and Objective-C), as ``swift test`` and
``xcodebuild test`` print them (Linux and macOS, parallel runs included).

A failing XCTest case ends at ``Test Case '-[Module.Class testX]' failed (0.1 seconds).``
(``Test Case 'Class.testX' failed`` on Linux, ``Test case 'Class.testX()' failed on 'Clone 1
of iPhone ...'`` in parallel runs); the assertion lines printed since the case started
(``/src/Tests/FooTests.swift:34: error: -[Module.Class testX] : XCTAssertTrue failed - text``,
also Kiwi/Specta messages in ``.m`` files) are its details. A failing Swift Testing test ends at
``✘ Test foo() failed after 0.001 seconds with 1 issue.`` (any status symbol in front, SF Symbols
glyphs on macOS), its details being ``Test foo() recorded an issue at File.swift:17:9:
Expectation failed: ...``. Each failing test is one failure; its first assertion gives the
exception type (the ``XCTAssert...`` name, ``Expectation failed`` or ``XCTestFailure``), the
message and the one frame, the assertion's place in the test file. Suites and the whole run
failing because their tests failed are not failures of their own.
Deliberately not read: ``error:`` inside test names (``-firstOrDefault:success:error:``), which
is why an assertion line must start with a source path and a line number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from telemetry_assets.core.models import Frame
from telemetry_assets.core.parsers.languages.base import Language, Opening, TraceInfo, to_int

NAME = "swift"

_XCTEST_FAILED = re.compile(r"^Test\ [Cc]ase\ '(?P<id>[^']+)'\ failed\b")
_XCTEST_STARTED = re.compile(r"^Test\ [Cc]ase\ '(?P<id>[^']+)'\ started")
_ASSERTION = re.compile(
    r"""^(?P<file>[^\s:][^:]*?\.(?:swift|m|mm)):(?P<line>\d+):
        \ error:\ (?P<test>.+?)\ :\ (?P<msg>.*)$""",
    re.VERBOSE,
)
_XCT_NAME = re.compile(r"^(?P<name>XCT\w+)\ failed(?:\ -\ |:\ |\ )?(?P<rest>.*)$")
# ``✘ Test foo() failed after 0.001 seconds with 1 issue.`` with any status glyph in front.
_ST_FAILED = re.compile(
    r"""^\W{0,4}\s*Test\ (?P<name>(?!run\ with\ ).+?)\ failed\ after\ [\d.]+\ seconds
        (?:\ with\ \d+\ issues?)?\.?\s*$""",
    re.VERBOSE,
)
_ST_ISSUE = re.compile(
    r"""^\W{0,4}\s*Test\ (?P<name>.+?)\ recorded\ an\ issue
        (?:\ with\ \d+\ arguments?\ .*?)?         # a parameterised case's arguments
        (?:\ at\ (?P<file>[^\s:]+):(?P<line>\d+)(?::\d+)?)?:\ (?P<msg>.*)$""",
    re.VERBOSE,
)
# xcbeautify's GitHub Actions rendering of the same two lines.
_GHA_FAILED = re.compile(r"^::error\ ::(?P<name>\S.*?)\ \([\d.]+\ seconds\)\ \d+\ issue\(s\)\s*$")
_GHA_ISSUE = re.compile(
    r"""^::error\ file=(?P<file>[^,:]+),line=(?P<line>\d+)(?:,col=\d+)?::
        Recorded\ an\ issue\ \((?P<msg>.*)\)\s*$""",
    re.VERBOSE,
)
_OBJC_ID = re.compile(r"^-\[(?P<cls>\S+)\ (?P<sel>[^\]]+)\]$")


def _test_id(raw: str) -> str:
    """``-[Module.Class testX]`` -> ``Module.Class.testX``; other forms stay as printed."""
    objc = _OBJC_ID.match(raw)
    return f"{objc['cls']}.{objc['sel']}" if objc else raw


def _detail_lines(lookback: Sequence[str], started: re.Pattern[str], test: str) -> int:
    """How many lines back the details of ``test`` reach: up to its start line (excluded) or
    another test's line, keeping only a stretch that holds an assertion."""
    back = 0
    for i in range(1, len(lookback) + 1):
        previous = lookback[-i]
        match = started.match(previous)
        if match or previous.startswith(("Test Case '", "Test case '", "Test Suite '")):
            break
        back = i
    return back


def open_swift(line: str, lookback: Sequence[str]) -> Opening | None:
    if line.startswith(("Test Case '", "Test case '")):
        match = _XCTEST_FAILED.match(line)
        if match:
            back = _detail_lines(lookback, _XCTEST_STARTED, match["id"])
            return Opening(None, lookback=back, test_id=_test_id(match["id"]), kind="failure")
        return None
    if line.startswith("::error ::"):
        gha = _GHA_FAILED.match(line)
        if gha and not gha["name"].startswith("Test run "):
            back = 0
            for i in range(1, len(lookback) + 1):
                if not lookback[-i].startswith("::error file="):
                    break
                back = i
            return Opening(None, lookback=back, test_id=gha["name"], kind="failure")
        return None
    if "Test " in line[:12] and " failed after " in line:
        match = _ST_FAILED.match(line)
        if match and not match["name"].startswith("run "):
            back = 0
            for i in range(1, len(lookback) + 1):
                issue = _ST_ISSUE.match(lookback[-i])
                if issue and issue["name"] == match["name"]:
                    back = i
                elif f"Test {match['name']} started" in lookback[-i]:
                    break
            return Opening(None, lookback=back, test_id=match["name"], kind="failure")
    return None


def _exception(message: str) -> tuple[str, str]:
    xct = _XCT_NAME.match(message)
    if xct:
        return xct["name"], xct["rest"]
    if message.startswith("Expectation failed"):
        return "Expectation failed", message.partition(":")[2].strip()
    return "XCTestFailure", message


def parse_swift(lines: Sequence[str]) -> TraceInfo | None:
    if not lines:
        return None
    last = lines[-1]
    xctest = _XCTEST_FAILED.match(last)
    ended = xctest or _ST_FAILED.match(last) or _GHA_FAILED.match(last)
    if ended is None:
        return None
    test_id = _test_id(ended["id"]) if xctest else ended["name"]
    issue = _ASSERTION if xctest else (_GHA_ISSUE if last.startswith("::") else _ST_ISSUE)
    for line in lines[:-1]:
        assertion = issue.match(line)
        if assertion is None:
            continue
        exc_type, message = _exception(assertion["msg"])
        function = test_id.rsplit(".", 1)[-1]
        frame = Frame(
            file=assertion["file"], function=function, line=to_int(assertion["line"]), in_app=True
        )
        frames = (frame,) if assertion["file"] else ()
        return TraceInfo(exc_type, message, frames, NAME, test_id=test_id, kind="failure")
    return TraceInfo("XCTestFailure", "", (), NAME, test_id=test_id, kind="failure")


LANGUAGE = Language(NAME, open_swift, parse_swift)
