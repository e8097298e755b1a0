"""Deno: the ``deno test`` reporter's ERRORS entries and ``deno run``'s uncaught errors.

``deno test`` prints every failure once in its ERRORS section: a header naming the test and where
it is declared (``step failures ... step 2 => ./main.ts:14:11``) or the module that threw outside
any test (``./main.ts (uncaught error)``), then ``error: <thrown value>``, a message, a two-line
code frame (source line, caret line), V8 ``at`` frames and, for an uncaught error, two lines of
advice. Each entry is one failure whose test id is the header's name (steps keep their
``parent ... step`` path) and whose test file is the header's location; an entry runs until the
next header after a blank line or the ``FAILURES`` banner, so blank lines inside an assertion
diff stay in it. Progress lines (``test 0 ... FAILED``), the FAILURES list and the final
``error: Test failed`` restate entries and are not failures.

``deno run`` prints an uncaught error as ``error: Uncaught [(in promise) ]Type: message``, then
the members of an ``AggregateError`` (indented, each with its own frames), the code frame, the
frames, and ``Caused by:`` sections: all of it is one crash. The primary exception is the one
thrown (the outermost); ``chained`` lists the causes, outermost first; aggregated members are
parts of the error, not extra failures. A thrown non-Error value (``error: undefined``,
``error: { a: 1 }``) has no type and the value as its message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from telemetry_assets.core.models import FailureKind, Frame
from telemetry_assets.core.parsers.languages import node
from telemetry_assets.core.parsers.languages.base import (
    Language,
    Opening,
    TraceInfo,
    indent_of,
    is_boundary,
)

NAME = "javascript"
_MAX_PREAMBLE_LINES = 60

# ERRORS entry headers. ``name => location``: the location is one token without spaces or
# parentheses at the end of the line, so an arrow function in a code frame
# (``() => Promise.reject(...)``) is not a header. Deliberately not matched: indented lines.
_TEST_HEADER = re.compile(r"^(?P<name>\S.*?)\ =>\ (?P<loc>[^\s()]+)$", re.VERBOSE)
_UNCAUGHT_HEADER = re.compile(r"^(?P<path>\S+)\ \(uncaught\ error\)$", re.VERBOSE)
# ``error: Uncaught (in promise) Error: x`` / ``error: (in worker "w") Error: x`` -> the value.
_ERROR_PREFIX = re.compile(
    r"""^error:\ (?:Uncaught\ )?(?:\((?:in\ promise|in\ worker\ "[^"]*")\)\ )?""", re.VERBOSE
)
_CARET = re.compile(r"^\s*\^+\s*$")
_BANNER = re.compile(r"^\s(?:ERRORS|FAILURES)\s$")
_LOCATION_SUFFIX = re.compile(r"(?::(?:\d+|\[WILD(?:CARD|LINE)\]))+$")


def _is_header(line: str) -> bool:
    return bool(_TEST_HEADER.match(line) or _UNCAUGHT_HEADER.match(line))


class _EntryReader:
    """An ERRORS entry: everything up to the next header after a blank line, or a banner."""

    def __init__(self) -> None:
        self.blank = False

    def feed(self, line: str) -> bool:
        if _BANNER.match(line) or line.startswith(("FAILED | ", "ok | ")):
            return False
        if self.blank and _is_header(line):
            return False
        self.blank = not line.strip()
        return True


class _UncaughtReader:
    """``error: Uncaught ...``: the message, members and code frame, then frames and causes."""

    def __init__(self) -> None:
        self.framed = False
        self.preamble = 0

    def feed(self, line: str) -> bool:
        if not line.strip() or line.startswith("error: "):
            return False
        if node.is_frame(line):
            # the error's own frames are indented once; an aggregated member's are deeper
            self.framed = self.framed or indent_of(line) <= 4
            return True
        if line.startswith("Caused by: "):
            self.framed = False
            self.preamble = 0
            return True
        if self.framed:
            return indent_of(line) > 0 and not is_boundary(line)
        self.preamble += 1
        return self.preamble <= _MAX_PREAMBLE_LINES


def open_deno(line: str, lookback: Sequence[str]) -> Opening | None:
    if not line.startswith("error: "):
        return None
    if lookback and _is_header(lookback[-1]):
        return Opening(_EntryReader(), lookback=1)
    if line.startswith("error: Uncaught "):
        return Opening(_UncaughtReader())
    return None


def _value(line: str) -> tuple[str | None, str]:
    """The thrown value of an ``error:`` line as ``(type, message)``."""
    prefix = _ERROR_PREFIX.match(line)
    text = line[prefix.end() :] if prefix else line
    match = node.ERROR_LINE.match(text)
    if match and not text.startswith(" "):
        return match["type"], (match["msg"] or "").strip()
    return None, text.strip()


def _frame(line: str) -> Frame | None:
    frame = node.parse_frame(line)
    if frame is None:
        return None
    if frame.file and frame.file.startswith(("ext:", "https://", "http://")):
        # Deno's own runtime (``ext:``) and remote modules (``https://jsr.io/@std/...``)
        return Frame(frame.file, frame.function, frame.line, frame.column, in_app=False)
    file = _LOCATION_SUFFIX.sub("", frame.file) if frame.file else None
    named_file = bool(file) and "." in (file or "").rsplit("/", 1)[-1]
    if frame.function is None and frame.line is None and not named_file:
        # ``at [WILDCARD]``/``at <anonymous>``: no function, no file, no position says nothing.
        return Frame(frame.file, None, None, None, in_app=False)
    # a position normalised away (``main.ts:[WILDCARD]``) leaves the file
    return Frame(file, frame.function, frame.line, frame.column)


def parse_deno(lines: Sequence[str]) -> TraceInfo | None:
    test_id: str | None = None
    test_file: str | None = None
    start = 0
    if lines and not lines[0].startswith("error: "):
        header = lines[0]
        start = 1
        test = _TEST_HEADER.match(header)
        if test:
            test_id = test["name"]
            test_file = _LOCATION_SUFFIX.sub("", test["loc"]) or None
        else:
            uncaught = _UNCAUGHT_HEADER.match(header)
            test_file = uncaught["path"] if uncaught else None
    if start >= len(lines) or not lines[start].startswith("error: "):
        return None
    exc_type, first = _value(lines[start])
    message = [first]
    frames: list[Frame] = []  # innermost first, as printed, of the thrown error only
    chained: list[tuple[str | None, str]] = []
    in_message = True
    in_cause = False
    body = lines[start + 1 :]
    for i, line in enumerate(body):
        if line.startswith("Caused by: "):
            chained.append(_value("error: " + line[len("Caused by: ") :]))
            in_cause, in_message = True, False
            continue
        if node.is_frame(line):
            in_message = False
            # top-level frames are indented once; deeper ones belong to aggregated members
            if not in_cause and indent_of(line) <= 4:
                frame = _frame(line)
                if frame is not None:
                    frames.append(frame)
            continue
        if not in_message:
            continue
        next_line = body[i + 1] if i + 1 < len(body) else ""
        if not line.strip() or indent_of(line) or _CARET.match(line) or _CARET.match(next_line):
            in_message = False  # the message ends at a blank line, a member or the code frame
            continue
        message.append(line.strip())
    kind: FailureKind = "failure" if test_id else "crash"
    return TraceInfo(
        exc_type,
        "\n".join(message).strip(),
        tuple(reversed(frames)),
        NAME,
        tuple(chained),
        test_id=test_id,
        kind=kind,
        test_file=test_file,
    )


LANGUAGE = Language("deno", open_deno, parse_deno)
"""Named ``deno`` in the scanner's table; failures are reported as ``javascript``."""
