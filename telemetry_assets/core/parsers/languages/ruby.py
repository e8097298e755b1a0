"""Ruby: RSpec's failure report, RSpec errors outside examples, uncaught exceptions, Rails logs.

* RSpec: the numbered entries (``  1) Cart#total sums the lines``) of its ``Failures:`` section;
  entries of ``Pending:`` are not failures (which section an entry is in is read from the lines
  above it, as for PHPUnit: a failure entry directly follows the previous one, read as a trace).
  An entry holds ``Failure/Error: <code>``, then either an exception class line (``KeyError:``)
  with its indented message, or the expectation's own text (``expected: 3`` / ``got: nil``, type
  ``RSpec::Expectations::ExpectationNotMetError``; ``Got 3 failures:`` for aggregated ones), and
  ``# ./spec/cart_spec.rb:12:in 'block (2 levels) in <top (required)>'`` backtrace lines. The
  ``rspec ./spec/cart_spec.rb:12 # ...`` rerun list restates the entries and is not read.
* ``An error occurred in a `before(:suite)` hook.`` / ``An error occurred while loading
  ./spec/x_spec.rb.``: one failure each (type from the class line, ``# ./x.rb:3`` frames).
* An uncaught exception: ``app.rb:3:in 'Cart#total': undefined method 'x' for nil
  (NoMethodError)`` followed by ``\\tfrom app.rb:9:in '<main>'`` lines.
* Rails logs: ``NoMethodError (undefined method ...):`` then ``app/...:69:in 'x'`` frames,
  indented (Rails 5/6) or not (Rails 7), gem frames as ``actionpack (7.1.3) lib/...``.

Ruby prints the innermost frame first; frames are reversed here. Gem frames (``name (1.2.3)``,
``/gems/``, ``vendor/bundle``), the interpreter (``/ruby/``, ``<internal:``) and RSpec's own code
are library frames.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from telemetry_assets.core.models import FailureKind, Frame
from telemetry_assets.core.parsers.languages.base import (
    Language,
    Opening,
    TraceInfo,
    indent_of,
    is_boundary,
)

NAME = "ruby"
EXPECTATION_TYPE = "RSpec::Expectations::ExpectationNotMetError"
AGGREGATE_TYPE = "RSpec::Expectations::MultipleExpectationsNotMetError"
_MAX_MESSAGE_LINES = 30

_ENTRY = re.compile(r"^(?P<indent>\ {2,})(?P<n>\d+)\)\ (?P<desc>\S.*)$")
_SECTIONS = {"Failures:": True, "Pending:": False}
_PENDING_HEADER = re.compile(r"^Pending:\ ")
_ERROR_OUTSIDE = re.compile(r"^An\ error\ occurred\ (?:in\ |while\ )")
_CLASS_LINE = re.compile(r"^(?P<type>[A-Z]\w*(?:::[A-Z]\w*)*):(?:\ (?P<msg>.*))?$")
_GOT = re.compile(r"^Got\ \d+\ failures?(?:\ and\ \d+\ other\ errors?)?")
# ``# ./spec/cart_spec.rb:12:in 'block in <top (required)>'`` (backtick or quote) or a bare
# ``# ./spec/cart_spec.rb:12``. Deliberately not matched: ``# comment`` lines without a location.
_RSPEC_FRAME = re.compile(r"^\#\ (?P<loc>\S+?:\d+)(?::in\ [`'](?P<func>.*)')?$")
# A Ruby backtrace line: ``path:12:in 'label'``; gem frames may start ``name (1.2.3) ``.
_FRAME = re.compile(
    r"""^(?:(?P<gem>[\w.-]+)\ \((?P<version>[\w.-]+)\)\ )?
        (?P<file>\S+?):(?P<line>\d+):in\ [`'](?P<func>.*)'$""",
    re.VERBOSE,
)
_UNCAUGHT = re.compile(
    r"""^(?P<file>\S+?):(?P<line>\d+):in\ [`'](?P<func>.*?)':
        \ (?P<msg>.*)\ \((?P<type>[A-Z][\w:]*)\)$""",
    re.VERBOSE,
)
_RAILS = re.compile(r"^\ ?(?P<type>[A-Z]\w*(?:::[A-Z]\w*)*)\ \((?P<msg>.*)\):$")

_LIBRARY_PARTS = ("/gems/", "vendor/bundle/", "/ruby/", "<internal:", "/rubygems/", "/lib/rspec/")


def is_library_file(file: str | None, gem: str | None = None) -> bool:
    if gem:
        return True
    if not file:
        return False
    return file.startswith(("<internal:", "vendor/")) or any(p in file for p in _LIBRARY_PARTS)


def _in_failures(lookback: Sequence[str], indent: int) -> bool:
    for i in range(1, len(lookback) + 1):
        previous = lookback[-i]
        if previous in _SECTIONS:
            return _SECTIONS[previous]
        if _PENDING_HEADER.match(previous):
            return False
        entry = _ENTRY.match(previous)
        if entry and len(entry["indent"]) == indent:
            return False  # an entry left unread before this one: not a failure section
    return False


class _EntryReader:
    """An entry runs while lines are blank or indented deeper than its number."""

    def __init__(self, indent: int) -> None:
        self.indent = indent

    def feed(self, line: str) -> bool:
        return not line.strip() or indent_of(line) > self.indent


class _ErrorReader:
    """``Failure/Error:``, the class line and its indented message, ``#`` frames."""

    def __init__(self) -> None:
        self.seen_frames = False

    def feed(self, line: str) -> bool:
        stripped = line.strip()
        if not stripped:
            return not self.seen_frames
        if stripped.startswith("# "):
            self.seen_frames = True
            return True
        if self.seen_frames:
            return False
        return (
            stripped.startswith("Failure/Error:")
            or line[0] in " \t"
            or _CLASS_LINE.match(stripped) is not None
        )


class _BacktraceReader:
    """Indented ``path:line:in 'x'`` frames (blank lines before the first one allowed)."""

    def __init__(self, from_lines: bool) -> None:
        self.from_lines = from_lines
        self.frames = 0
        self.message_lines = 0

    def feed(self, line: str) -> bool:
        stripped = line.strip()
        if self.from_lines:
            return stripped.startswith("from ") and _FRAME.match(stripped[5:]) is not None
        if not stripped:
            return self.frames == 0
        # Rails 5/6 indent the frames by two spaces; Rails 7 logs them one record per line
        if _FRAME.match(stripped):
            self.frames += 1
            return True
        return False


def open_ruby(line: str, lookback: Sequence[str]) -> Opening | None:
    first = line[:1]
    if first == " " and line[2:3].isdigit():
        entry = _ENTRY.match(line)
        if entry and _in_failures(lookback, len(entry["indent"])):
            return Opening(_EntryReader(len(entry["indent"])))
        return None
    if first == "A" and _ERROR_OUTSIDE.match(line):
        return Opening(_ErrorReader())
    stripped = line.strip()
    if stripped.startswith("from ") and _FRAME.match(stripped[5:]):
        back = 1 if lookback and _UNCAUGHT.match(lookback[-1]) else 0
        return Opening(_BacktraceReader(from_lines=True), lookback=back)
    if _RAILS.match(line):
        return Opening(_BacktraceReader(from_lines=False))
    return None


def _frame(text: str) -> Frame | None:
    match = _FRAME.match(text.strip())
    if match is None:
        return None
    file, gem = match["file"], match["gem"]
    return Frame(
        file=file,
        function=match["func"] or None,
        line=int(match["line"]),
        module=gem,
        in_app=not is_library_file(file, gem),
    )


def _rspec_frames(lines: Sequence[str]) -> list[Frame]:
    """The first run of ``# loc`` lines (an aggregated example prints one run per failure)."""
    frames: list[Frame] = []
    for line in lines:
        match = _RSPEC_FRAME.match(line.strip())
        if match is None:
            if frames and line.strip():
                break
            continue
        file, _, number = match["loc"].rpartition(":")
        frames.append(
            Frame(
                file=file,
                function=match["func"],
                line=int(number),
                in_app=not is_library_file(file),
            )
        )
    return frames


def _failure_body(lines: Sequence[str]) -> tuple[str | None, str]:
    """``(type, message)`` of a ``Failure/Error:`` body."""
    exc_type: str | None = None
    message: list[str] = []
    code: str | None = None
    for raw in lines:
        text = raw.strip()
        if text.startswith("# ") and _RSPEC_FRAME.match(text):
            break
        if text.startswith("Failure/Error:"):
            if code is not None:
                break  # the next aggregated failure
            code = text[len("Failure/Error:") :].strip()
            continue
        if not text:
            if message and exc_type is None and len(message) > 1:
                continue
            continue
        if exc_type is None and not message:
            got = _GOT.match(text)
            if got:
                return AGGREGATE_TYPE, text.rstrip(":")
            typed = _CLASS_LINE.match(text)
            if typed and not text.startswith(("expected", "got", "Diff")):
                exc_type = typed["type"]
                if typed["msg"]:
                    message.append(typed["msg"])
                continue
        if text.startswith(("(compared using", "Diff:")):
            break
        if len(message) < _MAX_MESSAGE_LINES:
            message.append(text)
    joined = "\n".join(message).strip() or (code or "")
    return exc_type, joined


def _parse_entry(lines: Sequence[str]) -> TraceInfo | None:
    entry = _ENTRY.match(lines[0])
    if entry is None:
        return None
    body = lines[1:]
    exc_type, message = _failure_body(body)
    kind: FailureKind = "error" if exc_type and exc_type != AGGREGATE_TYPE else "failure"
    frames = _rspec_frames(body)
    spec = next((f.file for f in reversed(frames) if f.file and "_spec.rb" in f.file), None)
    test_file = spec or (frames[-1].file if frames else None)
    return TraceInfo(
        exc_type or EXPECTATION_TYPE,
        message,
        tuple(reversed(frames)),
        NAME,
        test_id=entry["desc"].strip(),
        kind=kind,
        test_file=test_file,
    )


def _parse_error_outside(lines: Sequence[str]) -> TraceInfo:
    exc_type, message = _failure_body(lines[1:])
    frames = _rspec_frames(lines[1:])
    where = lines[0].strip().rstrip(".")
    return TraceInfo(
        exc_type or EXPECTATION_TYPE,
        message or where,
        tuple(reversed(frames)),
        NAME,
        kind="error",
    )


def _parse_backtrace(lines: Sequence[str]) -> TraceInfo | None:
    head = lines[0].strip()
    frames: list[Frame] = []
    exc_type: str | None = None
    message = ""
    uncaught = _UNCAUGHT.match(head)
    rails = _RAILS.match(lines[0])
    rest = lines
    if uncaught:
        exc_type, message = uncaught["type"], uncaught["msg"]
        file = uncaught["file"]
        frames.append(
            Frame(
                file=file,
                function=uncaught["func"],
                line=int(uncaught["line"]),
                in_app=not is_library_file(file),
            )
        )
        rest = lines[1:]
    elif rails:
        exc_type, message = rails["type"], rails["msg"]
        rest = lines[1:]
    for line in rest:
        text = line.strip()
        if text.startswith("from "):
            text = text[5:]
        frame = _frame(text)
        if frame is not None:
            frames.append(frame)
    if not frames:
        return None
    return TraceInfo(exc_type, message, tuple(reversed(frames)), NAME, kind="crash")


def parse_ruby(lines: Sequence[str]) -> TraceInfo | None:
    if not lines:
        return None
    first = lines[0]
    if _ENTRY.match(first):
        return _parse_entry(lines)
    if _ERROR_OUTSIDE.match(first):
        return _parse_error_outside(lines)
    if is_boundary(first):
        return None
    return _parse_backtrace(lines)


LANGUAGE = Language(NAME, open_ruby, parse_ruby)
