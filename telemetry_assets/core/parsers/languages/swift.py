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

Swift runtime traps are one crash each (kind ``crash``, type ``Fatal error``): ``Fatal error:
Unexpectedly found nil while unwrapping an Optional value: file App/Cart.swift, line 42`` (Swift
5.x), ``Swift/ContiguousArrayBuffer.swift:600: Fatal error: Index out of range`` (newer; read
through the line that follows it, since such a line starts with a path), with what the runtime
prints after it: ``Current stack trace:`` and its numbered frames (``0  libswiftCore.so  0x...
swift_reportError + 50``, ``2  App.xctest  0x... $s7CartKit... + 420 in CartKit at
/src/Cart.swift:57:31``), the backtracer's ``💣 Program crashed:`` / ``*** Signal 4:`` and
``Thread 0 crashed:`` dump, and swiftpm's ``error: Exited with unexpected signal code 4``. A
macOS crash report's ``Thread 0 Crashed::`` dump is one crash too (its ``Exception Type:`` is
the type when no fatal error was printed). A crash inside a test that had started and not
finished (``Test Case '-[M.C testX]' started``) is that test's. Frames are printed innermost
first and reversed here; library images (``libswiftCore``, ``libsystem_*``, ``Foundation``,
``XCTest``, any ``.so``/``.dylib``) are not in-app, and a fatal error's own location is the only
frame when no stack was printed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from telemetry_assets.core.models import Frame
from telemetry_assets.core.parsers.languages.base import (
    Language,
    Opening,
    TestContext,
    TraceInfo,
    split_location,
    to_int,
)

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

# ``[path.swift:N: ]Fatal error[: msg][: file path.swift, line N]``. Deliberately not matched
# bare: PHP's ``Fatal error: Uncaught X in /app/x.php:12`` and ``... on line 3``, which name a
# ``.php`` file or PHP itself (see ``_PHP_LIKE``).
_FATAL = re.compile(
    r"""^(?:(?P<loc>[^\s:][^:]*?\.swift:\d+):\ )?Fatal\ error(?::\ (?P<msg>.*?))?
        (?::\ file\ (?P<file>[^,]+\.swift),\ line\ (?P<line>\d+))?\s*$""",
    re.VERBOSE,
)
_PHP_LIKE = re.compile(r"\.php\b|PHP|^Uncaught\ |\ on\ line\ \d+$")
# What the runtime prints after a trap: the stack header, the backtracer's banners, a crash
# report's thread header and swiftpm's exit report.
_STACK_HEADER = "Current stack trace:"
_CRASHED = re.compile(
    r"""^(?:(?:💣|\*\*\*)\ Program\ crashed:|\*\*\*\ Signal\ \d+:
        |Thread\ \d+\ (?:"[^"]*"\ )?[Cc]rashed:)""",
    re.VERBOSE,
)
_EXITED = re.compile(r"^error:\ Exited\ with\ (?:unexpected\ )?signal\ code\ \d+")
# A numbered frame: ``3  App  0x0000000100a1b2c3 Cart.total() + 40 (Cart.swift:42)``, ``2  X.xctest
# 0x... $s7CartKit0A0V5totalSdvg + 420 in CartKit at /src/Cart.swift:57:31`` and the backtracer's
# ``1 [ra] 0x... main + 84 in App at /src/main.swift:3:1``.
_FRAME = re.compile(
    r"""^\s*\d+\s+(?:(?P<image>[^\s\[]\S*)\s+|(?:\[\w+\]\s+)+)?0x[0-9a-fA-F]+\s+(?P<sym>.*?)
        (?:\ \+\ \d+)?(?:\ in\ (?P<module>\S+))?(?:\ at\ (?P<at>\S+)|\ \((?P<paren>[^()\s]+:\d+)\))?
        \s*$""",
    re.VERBOSE,
)
_EXCEPTION_TYPE = re.compile(r"^Exception\ Type:\s+(?P<type>\S+)")
_TERMINATION = re.compile(r"^Termination\ Reason:\s+(?P<reason>\S.*)$")
# System and runtime images: not the app. Deliberately not matched: the app or test bundle itself
# (``App``, ``CartKitPackageTests.xctest``), whose frames are the code under test.
_LIBRARY_IMAGE = re.compile(
    r"""^(?:lib\S+|\S+\.(?:so|dylib)(?:\.[\d.]+)?|Foundation|CoreFoundation|XCTest\w*|UIKit\w*
        |SwiftUI|dyld|GraphicsServices|FrontBoardServices|xctest|swift-\w+)$""",
    re.VERBOSE,
)
_MAX_CRASH_LOOKBACK = 24


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


class _CrashReader:
    """What the runtime prints after a trap: stack headers, banners and numbered frames (a blank
    line only right after a header), and swiftpm's exit report, which ends it."""

    def __init__(self) -> None:
        self.after_header = True
        self.done = False

    def feed(self, line: str) -> bool:
        if self.done:
            return False
        stripped = line.strip()
        if not stripped:
            return self.after_header
        header = stripped == _STACK_HEADER or _CRASHED.match(stripped) is not None
        if header or _FRAME.match(line):
            self.after_header = header
            return True
        if _EXITED.match(stripped):
            self.done = True
            return True
        return False


def _fatal(line: str) -> re.Match[str] | None:
    """A Swift trap line; a bare ``Fatal error: msg`` only when nothing says it is PHP's."""
    if "Fatal error" not in line:
        return None
    match = _FATAL.match(line.strip())
    if match is None or match["loc"] or match["file"]:
        return match
    return None if _PHP_LIKE.search(match["msg"] or "") else match


def _crash_lookback(lookback: Sequence[str]) -> int:
    """How many lines before a crash dump belong to it: back to the trap line, or to a crash
    report's ``Exception Type:``, when one is near; else none."""
    for i in range(1, min(len(lookback), _MAX_CRASH_LOOKBACK) + 1):
        previous = lookback[-i].strip()
        if _fatal(previous) is not None or _EXCEPTION_TYPE.match(previous):
            return i
        if previous.startswith(("Test Case '", "Test case '")):
            break
    return 0


def open_swift(line: str, lookback: Sequence[str]) -> Opening | None:
    first = line[:1]
    if first in "FC💣*T" or (first == "e" and line.startswith("error: Exited")):
        if _fatal(line) is not None:
            return Opening(_CrashReader(), kind="crash")
        stripped = line.strip()
        if stripped == _STACK_HEADER or _CRASHED.match(stripped) or _EXITED.match(stripped):
            back = _crash_lookback(lookback)
            if back or not _EXITED.match(stripped):
                reader = None if _EXITED.match(stripped) else _CrashReader()
                return Opening(reader, lookback=back, kind="crash")
            return None
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


def _image_frame(match: re.Match[str]) -> Frame:
    image = match["image"] or match["module"] or ""
    file, line, column = split_location(match["at"] or match["paren"] or "")
    library = bool(image) and _LIBRARY_IMAGE.match(image) is not None
    return Frame(
        file=file,
        function=match["sym"] or None,
        line=line,
        column=column,
        module=match["module"] or image or None,
        in_app=False if library else None,
    )


def _parse_crash(lines: Sequence[str]) -> TraceInfo | None:
    exc_type: str | None = None
    message = ""
    location: str | None = None
    frames: list[Frame] = []
    in_stack = False
    for line in lines:
        stripped = line.strip()
        fatal = _fatal(stripped) if exc_type != "Fatal error" else None
        if fatal is not None:
            exc_type, message = "Fatal error", (fatal["msg"] or "").strip()
            location = f"{fatal['file']}:{fatal['line']}" if fatal["file"] else fatal["loc"]
            continue
        typed = _EXCEPTION_TYPE.match(stripped)
        if typed and exc_type is None:
            exc_type = typed["type"]
            continue
        reason = _TERMINATION.match(stripped)
        if reason and not message:
            message = reason["reason"]
            continue
        if stripped == _STACK_HEADER or _CRASHED.match(stripped):
            # one stack: the first printed (a dump after the backtracer repeats it)
            in_stack = not frames
            if exc_type is None and "Program crashed:" in stripped:
                exc_type = "crash"
                message = stripped.split(":", 1)[1].strip(" *")
            continue
        frame = _FRAME.match(line) if in_stack else None
        if frame is not None:
            frames.append(_image_frame(frame))
    if exc_type is None and not frames:
        return None
    if not frames and location:
        file, line_no, column = split_location(location)
        library = (file or "").startswith("Swift/")  # the standard library's own sources
        frames = [Frame(file=file, line=line_no, column=column, in_app=False if library else None)]
    else:
        frames.reverse()
    return TraceInfo(exc_type or "crash", message, tuple(frames), NAME, kind="crash")


def parse_swift(lines: Sequence[str]) -> TraceInfo | None:
    if not lines:
        return None
    last = lines[-1]
    if not (_XCTEST_FAILED.match(last) or _ST_FAILED.match(last) or _GHA_FAILED.match(last)):
        return _parse_crash(lines)
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


def swift_context(line: str) -> TestContext | None:
    """An XCTest case that started names the crash that ends it; a finished one names none."""
    if not line.startswith(("Test Case '", "Test case '")):
        return None
    started = _XCTEST_STARTED.match(line)
    if started is not None:
        return TestContext(_test_id(started["id"]), "crash")
    return TestContext(None) if " passed " in line or " failed " in line else None


LANGUAGE = Language(NAME, open_swift, parse_swift, swift_context)
