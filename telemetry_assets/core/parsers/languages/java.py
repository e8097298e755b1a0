"""Java and Kotlin (JVM) stack traces, as ``Throwable.printStackTrace`` and Surefire print them.

A trace is an exception line (``Exception in thread "main" pkg.Type: msg``, possibly with a
multi-line message) followed by ``\\tat pkg.Class.method(File.java:123)`` frames, ``... N more``,
``Suppressed:`` blocks and ``Caused by:`` sections. The primary exception is the ROOT cause (the
last ``Caused by:``), as Sentry does for JVM events: the wrappers above it are mostly framework
plumbing, the root cause is what broke. Its frames are completed with the ``... N more`` frames it
shares with the exception that wraps it. ``chained`` lists the wrappers from the outermost (the
top-level exception) inward; suppressed exceptions are not part of the cause chain and are left
out. Surefire's ``<<< FAILURE!`` lines name the test of the trace that follows, and so does
Gradle's ``Class > test() FAILED`` line right above it (test id ``Class.test()``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from telemetry_assets.core.models import Frame
from telemetry_assets.core.parsers.languages.base import (
    Language,
    Opening,
    TestContext,
    TraceInfo,
    indent_of,
    is_boundary,
    to_int,
)

NAME = "java"
_MAX_HEADER_LOOKBACK = 12
_MAX_MESSAGE_LINES = 20

# ``at [loader//][module@ver/]pkg.Class$Inner.method(Location)[ ~[jar]]``. The method name has no
# dots; the class is everything before the last dot. Deliberately not matched: Node frames, which
# put a space between function and ``(`` or have no parentheses at all.
_FRAME = re.compile(
    r"""^\s*at\ (?:[^\s/()]*/)*(?P<cls>[^\s()/]+)\.(?P<meth>[^\s.()/]+)\((?P<loc>[^()]*)\)""",
    re.VERBOSE,
)
# Exception header; the type must be package-qualified unless a prefix proves it is an exception
# line. Deliberately not matched: ``Caused by``/``Suppressed`` are matched by prefix, prose with
# spaces before the colon is not a type.
_HEADER = re.compile(
    r"""^\s*(?:
        (?P<prefix>Exception\ in\ thread\ "[^"]*"\ |Caused\ by:\ |Suppressed:\ )
            (?P<ptype>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)
      | (?P<type>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)
    )(?::\ ?(?P<msg>.*))?$""",
    re.VERBOSE,
)
_MORE = re.compile(r"^\s*\.\.\.\ (?P<n>\d+)\ (?:more|common\ frames\ omitted)\s*$", re.VERBOSE)
_SUREFIRE_NEW = re.compile(
    r"""^(?:\[(?:ERROR|INFO|WARNING)\]\s+)?(?P<id>[\w$]+(?:\.[\w$\[\]]+)+)
        \s+--\s+Time\ elapsed:.*<<<\ (?P<status>FAILURE|ERROR)!""",
    re.VERBOSE,
)
_SUREFIRE_OLD = re.compile(
    r"""^(?:\[(?:ERROR|INFO|WARNING)\]\s+)?(?P<meth>[\w$\[\]]+)\((?P<cls>[\w$.]+)\)
        \s+Time\ elapsed:.*<<<\ (?P<status>FAILURE|ERROR)!""",
    re.VERBOSE,
)


# A test result line of Gradle's test logging (``CalculatorTest > adds() FAILED``) or of a padded
# status column (``maximum [a: 1, #0]   FAILED``). Deliberately not matched: ``BUILD FAILED``,
# Gradle's ``> Task :test FAILED``, pytest's ``tests/x.py::test FAILED`` and cargo/Deno
# ``name ... FAILED`` progress lines.
TEST_RESULT = re.compile(
    r"""^(?P<name>(?P<cls>[\w$.]+)\ >\ .+?|[^\s>].*?\S(?=\ {3}))
        \s+(?P<status>FAILED|PASSED|SKIPPED)$""",
    re.VERBOSE,
)


def result_test_id(line: str) -> str | None:
    """``Class.test()`` for Gradle's ``Class > test() FAILED``, the name for a padded column."""
    match = TEST_RESULT.match(line) if line.endswith("FAILED") else None
    if match is None or "::" in match["name"]:
        return None
    name = match["name"].strip()
    if match["cls"]:
        cls, _, method = name.partition(" > ")
        return f"{cls}.{method.strip()}"
    return name


def _is_header(line: str) -> bool:
    return bool(_HEADER.match(line))


class _JavaReader:
    def __init__(self) -> None:
        self.message_lines = 0
        self.blank = False

    def feed(self, line: str) -> bool:
        stripped = line.strip()
        if _FRAME.match(line) or _MORE.match(line) or stripped == "(Coroutine boundary)":
            self.message_lines = 0
            return True
        if stripped.startswith(("Caused by: ", "Suppressed: ")):
            self.message_lines = 1
            self.blank = False
            return True
        if self.blank:
            return False  # after a blank line only frames or a further cause continue
        if not stripped and self.message_lines > 0:
            self.blank = True  # a message ending in a newline, before its frames
            return True
        # a multi-line message of a Caused by (frames follow), up to a new log record or trace
        if 0 < self.message_lines < _MAX_MESSAGE_LINES and stripped and not is_boundary(line):
            self.message_lines += 1
            return True
        return False


def open_java(line: str, lookback: Sequence[str]) -> Opening | None:
    if "at " not in line[:16] or not _FRAME.match(line):
        return None
    back = 0
    size = min(_MAX_HEADER_LOOKBACK, len(lookback))
    # a message ending in a newline leaves one blank line between it and the first frame
    start = 2 if size > 1 and not lookback[-1].strip() and lookback[-2].strip() else 1
    for i in range(start, size + 1):
        previous = lookback[-i]
        if _is_header(previous):
            back = i
            break
        if not previous.strip() or is_boundary(previous):
            break  # a log record above the frames is not part of the message
    # a multi-line message may itself hold a ``pkg.Type: text`` line: the first header counts
    for j in range(back + 1, size + 1) if back else ():
        previous = lookback[-j]
        if not previous.strip() or is_boundary(previous):
            break
        if _is_header(previous):
            back = j
    if back and back < len(lookback) and result_test_id(lookback[-(back + 1)]):
        back += 1  # Gradle's ``Class > test() FAILED`` line names the test
    return Opening(_JavaReader(), lookback=back)


def parse_frame(line: str) -> Frame | None:
    match = _FRAME.match(line)
    if not match:
        return None
    loc = match["loc"]
    file, _, num = loc.partition(":")
    if file in ("Native Method", "Native method", "Unknown Source", ""):
        file = ""
    return Frame(
        file=file or None, function=match["meth"], line=to_int(num.strip()), module=match["cls"]
    )


class _Section:
    def __init__(self, exc_type: str | None, message: str) -> None:
        self.exc_type = exc_type
        self.message = [message]
        self.frames: list[Frame] = []  # innermost first, as printed
        self.more = 0


def _header(line: str) -> tuple[str | None, str]:
    match = _HEADER.match(line)
    if not match:
        return None, line.strip()
    return match["ptype"] or match["type"], match["msg"] or ""


def parse_java(lines: Sequence[str]) -> TraceInfo | None:
    test_id = result_test_id(lines[0]) if lines else None
    if test_id is not None:
        info = parse_java(lines[1:])
        return replace(info, test_id=test_id, kind="failure") if info is not None else None
    sections: list[_Section] = []
    skip_indent: int | None = None  # inside a Suppressed: block printed at this indent
    for line in lines:
        stripped = line.strip()
        indent = indent_of(line)
        if skip_indent is not None:
            if not stripped or indent >= skip_indent:
                continue
            skip_indent = None
        if stripped.startswith("Suppressed: "):
            skip_indent = indent
            continue
        frame = parse_frame(line)
        if frame is not None:
            if not sections:
                sections.append(_Section(None, ""))
            if not (frame.module or "").startswith("_COROUTINE."):
                sections[-1].frames.append(frame)
            continue
        more = _MORE.match(line)
        if more:
            if sections:
                sections[-1].more = int(more["n"])
            continue
        if not stripped or stripped == "(Coroutine boundary)":
            continue
        if stripped.startswith("Caused by: ") or not sections:
            sections.append(_Section(*_header(line)))
        elif not sections[-1].frames:
            sections[-1].message.append(stripped)  # multi-line message
    if not sections:
        return None
    # Complete each cause with the frames it shares with its wrapper (``... N more``).
    full: list[Frame] = []
    for section in sections:
        shared = full[len(full) - section.more :] if 0 < section.more <= len(full) else []
        full = section.frames + shared
    root = sections[-1]
    chained = tuple((s.exc_type, "\n".join(s.message).strip()) for s in sections[:-1])
    return TraceInfo(
        root.exc_type, "\n".join(root.message).strip(), tuple(reversed(full)), NAME, chained
    )


def java_context(line: str) -> TestContext | None:
    if "<<< " not in line:
        return None
    match = _SUREFIRE_NEW.match(line)
    if match:
        return TestContext(match["id"], "error" if match["status"] == "ERROR" else "failure")
    match = _SUREFIRE_OLD.match(line)
    if match:
        test_id = f"{match['cls']}.{match['meth']}"
        return TestContext(test_id, "error" if match["status"] == "ERROR" else "failure")
    return None


LANGUAGE = Language(NAME, open_java, parse_java, java_context)
