"""C++ test runners: doctest's console reporter and GoogleTest's.

doctest prints one block per test-case pass between ``=====`` rules: the test's location
(``math.cpp(12):``), optional ``DESCRIPTION:``/``TEST SUITE:`` lines, ``TEST CASE:  name`` (or a
BDD ``  Scenario: ...``), the subcase stack, then ``file(12): ERROR: CHECK( a == b ) is NOT
correct!`` lines (``FATAL ERROR`` for ``REQUIRE``; ``WARNING``/``MESSAGE`` do not fail) and
the test's outcome notes. A block is a failure when it has an ``ERROR``/``FATAL ERROR`` line, a
``Should have failed`` / ``Didn't fail exactly`` note or a time-limit note, unless doctest says
``marking it as not failed`` (``may_fail``, ``should_fail``, ``expected_failures``). A test case
re-entered once per subcase prints one block per pass; they are one failure (the log parser
merges consecutive traces of one test). The exception type is
the assertion macro (``CHECK``, ``REQUIRE_THROWS_AS``), ``exception`` for ``test case THREW
exception``, ``FAIL`` for a bare failure message; the one frame is the assertion's location in the
test case, with the test case (template arguments dropped) as its function.

GoogleTest: a test runs from ``[ RUN      ] Suite.Name`` to ``[  FAILED  ] Suite.Name`` (a
failure) or ``[       OK ]``/``[  SKIPPED ]`` (not); a test with no result line crashed. Its
failures are ``file.cc:42: Failure`` (``file.cc(42): error:`` on Windows, ``unknown file:
Failure`` for exceptions) blocks; the first one gives the message and the frame. The summary list
at the end (``[  FAILED  ] Suite.Name`` without a ``RUN``) restates and is not read. Failures
between tests (a suite's ``SetUpTestSuite`` after ``[----------] 1 test from Suite``, the global
environment's set-up or tear-down) are one ``error`` each, named by the suite when there is one;
failures printed before GoogleTest's first line are not seen. The type is
``Failure``, or ``C++ exception`` with its description as the message. GoogleTest's own sources,
system headers and vendored third-party code are library frames.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from telemetry_assets.core.models import FailureKind, Frame
from telemetry_assets.core.parsers.languages.base import (
    Language,
    Opening,
    TraceInfo,
    is_boundary,
    is_record_start,
)

NAME = "cpp"

_RULE = "=" * 20
_TEST_CASE = "TEST CASE:  "
# doctest writes ``file:line:`` (GCC/Clang default) or ``file(line):`` (MSVC, or
# ``--gnu-file-line=false``).
_LOCATION_ONLY = re.compile(r"^(?P<file>\S.*?)(?:\((?P<line>\d+)\)|:(?P<gnu>\d+)):$")
_HEADER = re.compile(r"^(?:DESCRIPTION|TEST\ SUITE):\ ")
_SCENARIO = re.compile(r"^\s+Scenario:\ \S")
_ASSERT = re.compile(
    r"""^(?P<file>\S.*?)(?:\((?P<line>\d+)\)|:(?P<gnu>\d+)):
        \ (?P<sev>ERROR|FATAL\ ERROR|WARNING|MESSAGE):
        \ ?(?P<text>.*)$""",
    re.VERBOSE,
)
_MACRO = re.compile(
    r"""^(?P<macro>[A-Z][A-Z0-9_]*)\(\ .*\ \)\ (?:is\ NOT\ correct!|THREW\ exception|did\ NOT
        \ throw|threw\ a\ DIFFERENT\ exception)""",
    re.VERBOSE,
)
_THREW = re.compile(r"^test\ case\ THREW\ exception:\ ?(?P<msg>.*)$")
_NOT_FAILED = "marking it as not failed"
_MARKED_FAILED = ("Should have failed but didn't!", "Didn't fail exactly")
_TIMEOUT = "Test case exceeded time limit"
_TEMPLATE_ARGS = re.compile(r"<.*>$")

_RUN = re.compile(r"^\[\ RUN\ {6}\]\ (?P<name>\S+)")
_RESULT = re.compile(r"^\[\ {2}(?P<status>FAILED|SKIPPED|\ {5}OK)\ {1,2}\]\ (?P<name>\S+)")
_GTEST_FAILURE = re.compile(
    r"^(?P<file>\S.*?)(?:(?::(?P<line>\d+|\#))?:\ Failure|\((?P<wline>\d+)\):\ error:.*)$"
)
_GTEST_SECTION = ("[----------]", "[==========]", "[ RUN      ]")
_SUITE_RULE = "[----------] "
_MAX_OUTSIDE_LINES = 400
"""Lines read between tests before giving up (a ``[----------]`` rule in someone else's text)."""
_SUITE_OF = re.compile(r"^\[-{10}\]\ \d+\ tests?\ from\ (?P<suite>[^\s,]+)")
_CXX_EXCEPTION = re.compile(
    r"^(?:C\+\+\ exception|Unknown\ C\+\+\ exception)(?:\ with\ description\ \"(?P<msg>.*)\")?"
)

_LIBRARY_PARTS = (
    "/usr/include/",
    "/usr/lib/",
    "/usr/local/include/",
    "googletest/",
    "googlemock/",
    "third_party/",
    "/external/",
    "_deps/",
    "vcpkg_installed/",
    "/opt/homebrew/",
)
_LIBRARY_FILES = ("gtest.cc", "gtest-port.cc", "gmock.cc", "doctest.h", "unknown file")


def is_library_file(file: str | None) -> bool:
    if not file:
        return False
    name = file.replace("\\", "/")
    return name.endswith(_LIBRARY_FILES) or any(part in name for part in _LIBRARY_PARTS)


def _other_trace(line: str) -> bool:
    """Another runtime's trace starts (a crash cut the test's output short)."""
    return is_boundary(line) and not is_record_start(line)


class _DoctestReader:
    """A doctest block runs to the next rule, the ``[doctest]`` summary or another trace."""

    def feed(self, line: str) -> bool:
        return not (line.startswith((_RULE, "[doctest] ")) or _other_trace(line))


class _GtestReader:
    """From ``[ RUN ]`` through this test's result line."""

    def __init__(self) -> None:
        self.done = False

    def feed(self, line: str) -> bool:
        if self.done or line.startswith(_GTEST_SECTION) or _other_trace(line):
            return False
        if _RESULT.match(line):
            self.done = True
        return True


class _GtestOutsideReader:
    """Between tests (``[----------]`` suite and environment lines, or a failure line right after
    another block): through the first ``file:line: Failure`` block; a second one is its own."""

    def __init__(self, failed: bool) -> None:
        self.failed = failed
        self.lines = 0

    def feed(self, line: str) -> bool:
        self.lines += 1
        if self.lines > _MAX_OUTSIDE_LINES or line.startswith(_GTEST_SECTION):
            return False
        if _RESULT.match(line) or _other_trace(line):
            return False
        if _GTEST_FAILURE.match(line):
            if self.failed:
                return False
            self.failed = True
        return True


def open_cpp(line: str, lookback: Sequence[str]) -> Opening | None:
    if line.startswith("[ RUN "):
        return Opening(_GtestReader()) if _RUN.match(line) else None
    if line.startswith(_SUITE_RULE):
        return Opening(_GtestOutsideReader(failed=False))
    if line.endswith(("Failure", ": error: ")) and _GTEST_FAILURE.match(line):
        # seen only right after another block closed (a path-first line never passes the scan's
        # prefilter): a second failure of a suite's set-up or of the test environment
        return Opening(_GtestOutsideReader(failed=True))
    if line.startswith(_TEST_CASE) or _SCENARIO.match(line):
        # doctest prints the test's location first; without it this is someone else's text
        # (a Gherkin ``Scenario:`` line), which must not open a block that runs to a rule.
        for i in range(1, min(4, len(lookback)) + 1):
            previous = lookback[-i]
            if _HEADER.match(previous):
                continue
            if _LOCATION_ONLY.match(previous):
                return Opening(_DoctestReader(), lookback=i)
            break
    return None


def frame_function(name: str) -> str:
    """A test's name as the function of its frame: doctest template arguments, GoogleTest
    instantiation prefixes and parameter/type indexes dropped (``My/Suite.Test/2`` ->
    ``Suite.Test``), so instances failing at one place are one group."""
    name = _TEMPLATE_ARGS.sub("", name.strip()).strip()
    if "." in name and " " not in name:
        suite, _, test = name.partition(".")
        parts = suite.split("/")
        # ``Suite/0`` and ``Prefix/Suite/0`` (typed) or ``Prefix/Suite`` (value-parameterised)
        suite = parts[-2] if len(parts) > 1 and parts[-1].isdigit() else parts[-1]
        test = test.split("/")[0]
        return f"{suite}.{test}"
    return name


def _doctest_type(text: str) -> tuple[str, str]:
    threw = _THREW.match(text)
    if threw:
        return "exception", threw["msg"].strip()
    macro = _MACRO.match(text)
    if macro:
        return macro["macro"], text
    return "FAIL", text


def _parse_doctest(lines: Sequence[str]) -> TraceInfo | None:
    location: tuple[str, int] | None = None
    suite: str | None = None
    name: str | None = None
    first: re.Match[str] | None = None
    failed = False
    for line in lines:
        if _NOT_FAILED in line:
            return None
        if name is None:
            only = _LOCATION_ONLY.match(line)
            if only and location is None:
                location = (only["file"], int(only["line"] or only["gnu"]))
                continue
            if line.startswith("TEST SUITE: "):
                suite = line[len("TEST SUITE: ") :].strip()
                continue
            if line.startswith(_TEST_CASE):
                name = line[len(_TEST_CASE) :].strip()
                continue
            if _SCENARIO.match(line):
                name = line.strip()
                continue
        found = _ASSERT.match(line)
        if found and found["sev"] in ("ERROR", "FATAL ERROR"):
            failed = True
            first = first or found
        elif line.startswith(_MARKED_FAILED) or line.startswith(_TIMEOUT):
            failed = True
    if not failed or name is None:
        return None
    function = frame_function(name)
    if first is not None:
        exc_type, message = _doctest_type(first["text"].strip())
        file, line_no = first["file"], int(first["line"] or first["gnu"])
    else:
        note = next(x for x in lines if x.startswith((*_MARKED_FAILED, _TIMEOUT)))
        exc_type = "timeout" if note.startswith(_TIMEOUT) else "should_fail"
        message = note.strip()
        file, line_no = location if location else (None, None)  # type: ignore[assignment]
    frames = (Frame(file=file, function=function, line=line_no, in_app=not is_library_file(file)),)
    test_id = f"{suite}::{name}" if suite else name
    kind: FailureKind = "error" if exc_type == "exception" else "failure"
    test_file = location[0] if location else file
    return TraceInfo(
        exc_type, message, frames, NAME, test_id=test_id, kind=kind, test_file=test_file
    )


def _parse_gtest(lines: Sequence[str]) -> TraceInfo | None:
    run = _RUN.match(lines[0])
    if run is None:
        return None
    name = run["name"]
    result = next((m for m in map(_RESULT.match, lines[1:]) if m), None)
    if result is not None and result["status"] != "FAILED":
        return None
    kind: FailureKind = "failure" if result is not None else "crash"
    exception, message, frame_file, frame_line, _ = _first_failure(lines[1:])
    exc_type = exception or ("Failure" if result is not None else "crash")
    if result is None and frame_file is None:
        message = [x.strip() for x in lines[1:] if x.strip()][-1:]
    if exc_type == "C++ exception":
        kind = "error"
    function = frame_function(name)
    frames: tuple[Frame, ...] = ()
    if frame_file is not None:
        in_app = not is_library_file(frame_file)
        frames = (Frame(file=frame_file, function=function, line=frame_line, in_app=in_app),)
    else:
        frames = (Frame(function=function, in_app=True),)
    test_file = frame_file if frame_file and not is_library_file(frame_file) else None
    return TraceInfo(
        exc_type,
        "\n".join(message).strip(),
        frames,
        NAME,
        test_id=name,
        kind=kind,
        test_file=test_file,
    )


def _first_failure(
    lines: Sequence[str],
) -> tuple[str | None, list[str], str | None, int | None, bool]:
    """``(C++ exception or None, message lines, file, line, found)`` of the first failure block:
    it describes the test (later ones are often its consequences)."""
    exc_type: str | None = None
    message: list[str] = []
    frame_file: str | None = None
    frame_line: int | None = None
    found = in_failure = False
    for line in lines:
        failure = _GTEST_FAILURE.match(line)
        if failure:
            if found:
                break
            found = True
            frame_file = failure["file"]
            in_failure = True
            if frame_file == "unknown file":  # an exception: GoogleTest knows no location
                frame_file = None
                continue
            number = failure["line"] or failure["wline"]
            frame_line = int(number) if number and number.isdigit() else None
            in_failure = True
            continue
        if _RESULT.match(line) or line.startswith(_GTEST_SECTION):
            break
        if in_failure:
            if not line.strip() or line.startswith("Stack trace:"):
                if message:
                    break
                continue
            exception = _CXX_EXCEPTION.match(line)
            if exception and not message:
                exc_type = "C++ exception"
                message.append(exception["msg"] or line.strip())
                continue
            message.append(line.rstrip())
    return exc_type, message, frame_file, frame_line, found


def _parse_outside(lines: Sequence[str]) -> TraceInfo | None:
    """A failure between tests: a suite's ``SetUpTestSuite``, the global environment, or one
    more of them after the first."""
    suite = _SUITE_OF.match(lines[0])
    body = lines[1:] if lines[0].startswith(_SUITE_RULE) else lines
    exception, message, file, line, found = _first_failure(body)
    if not found:
        return None
    test_id = suite["suite"] if suite else None
    in_app = not is_library_file(file)
    frames = (Frame(file=file, function=test_id, line=line, in_app=in_app),) if file else ()
    return TraceInfo(
        exception or "Failure",
        "\n".join(message).strip(),
        frames,
        NAME,
        test_id=test_id,
        kind="error",
        test_file=file if file and in_app else None,
    )


def parse_cpp(lines: Sequence[str]) -> TraceInfo | None:
    if not lines:
        return None
    first = lines[0]
    if first.startswith("[ RUN "):
        return _parse_gtest(lines)
    if first.startswith(_SUITE_RULE) or _GTEST_FAILURE.match(first):
        return _parse_outside(lines)
    return _parse_doctest(lines)


LANGUAGE = Language(NAME, open_cpp, parse_cpp)
