"""The unit every language module provides to the trace scanner, and the helpers they share.

A :class:`Language` recognises where a trace starts (``open``: a line plus a short look-back of
the lines before it), follows it line by line (a :class:`Reader` says whether each next line still
belongs to it) and turns the collected lines into a :class:`TraceInfo` (``parse``). It may also
recognise test-context lines (``context``: Surefire's ``<<< FAILURE!``, Jest's ``●``, cargo's
``---- name stdout ----``) that name the test the next trace belongs to. Everything here is pure
and works on single, length-capped lines, so scanning stays linear in the size of the input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from telemetry_assets.core.models import FailureKind, Frame

MAX_LINE_CHARS = 4096
"""Per-line work is capped: longer lines are cut to this many characters before any regex."""


@dataclass(frozen=True, slots=True)
class TraceInfo:
    """What one trace says: the primary exception, its frames (outermost call first) and chain.

    ``chained`` lists the other exceptions of the chain as ``(type, message)`` from the
    outermost one (closest to where the error escaped) toward the root cause, without the
    primary one. ``test_id``/``kind`` are set when the trace itself names its test (a pytest
    section header, ``--- FAIL: TestX``); ``summary`` marks a one-line restatement of a failure
    that is printed in full elsewhere (pytest's ``FAILED x - Err`` line).
    """

    exception_type: str | None
    message: str
    frames: tuple[Frame, ...]
    language: str | None
    chained: tuple[tuple[str | None, str], ...] = ()
    test_id: str | None = None
    kind: FailureKind | None = None
    summary: bool = False
    test_file: str | None = None
    """The file of the test the trace names, when the runner prints it (``./spec/x_spec.rb``)."""
    shared_with: tuple[str, ...] = ()
    """Further tests that failed with this very error, printed once under several test names
    (Vitest's merged identical errors): each is one more failure with the same trace."""


class Reader(Protocol):
    """Follows one trace: ``feed`` returns False (and does not consume the line) once it ended."""

    def feed(self, line: str) -> bool: ...


@dataclass(slots=True)
class Opening:
    """A trace starts at this line; ``lookback`` earlier lines (header, message) belong to it."""

    reader: Reader | None
    """``None``: the trace is this single line."""
    lookback: int = 0
    test_id: str | None = None
    """The test this block names even when it holds no trace (``--- FAIL: TestX``)."""
    kind: FailureKind | None = None


@dataclass(frozen=True, slots=True)
class TestContext:
    """A line naming the test whose failure the next trace describes."""

    test_id: str | None
    kind: FailureKind | None = None


def _no_context(line: str) -> TestContext | None:
    return None


@dataclass(frozen=True, slots=True)
class Language:
    name: str
    """The public language name used in ``Failure.language``."""
    open: Callable[[str, Sequence[str]], Opening | None]
    parse: Callable[[Sequence[str]], TraceInfo | None]
    context: Callable[[str], TestContext | None] = _no_context


# CSI/OSC terminal escapes (colours, GitLab's ``\x1b[0K``). Deliberately not matched: a lone ESC
# followed by anything else, which is left in place rather than guessed at.
ANSI_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]{0,256}(?:\x07|\x1b\\)")


def clean_line(line: str) -> str:
    """Cap, drop terminal escapes and line terminators (``\\r`` progress redraws keep the last)."""
    line = line[:MAX_LINE_CHARS]
    if "\x1b" in line:
        line = ANSI_ESCAPES.sub("", line)
    line = line.rstrip("\r\n")
    if "\r" in line:
        line = line.rsplit("\r", 1)[-1]
    return line


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def split_location(loc: str) -> tuple[str | None, int | None, int | None]:
    """``path:line[:col]`` -> parts, scanning from the right (paths may hold ``:``, e.g. ``C:\\``).

    Done without a regex so a long location cannot backtrack.
    """
    line: int | None = None
    column: int | None = None
    parts = loc.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return parts[0] or None, int(parts[1]), int(parts[2])
    head, sep, tail = loc.rpartition(":")
    if sep and tail.isdigit():
        line = int(tail)
        return head or None, line, column
    return loc or None, None, None


def to_int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 10 else None


# The first line of a new log record, once the timestamp prefix that the log parser strips is gone:
# a further date-time stamp (a logger's own stamp behind a CI runner's) or a log-level word, either
# optionally in brackets. Deliberately not matched: ``Error:``/``error:`` in mixed or lower case
# (an exception line's own text) and level words anywhere but first.
_RECORD_START = re.compile(
    r"""\[?(?:
        \d{4}-\d{2}-\d{2}[T\ ]\d{2}:\d{2}:\d{2}
      | (?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL|TRACE)\b
    )""",
    re.VERBOSE,
)

# Lines that always end the trace in progress (another trace, a log record or a log section
# begins): used by readers for "soft" continuation such as multi-line messages. Deliberately not
# matched: indented lines, which belong to the trace that is being read.
_BOUNDARY = re.compile(
    r"""(?:
        Traceback\ \(most\ recent\ call\ last\):
      | Exception\ in\ thread\ "
      | ={3,}                       # pytest / generic section rules
      | _{3,}\ .*\ _{3,}$           # pytest test section header
      | (?:FAILED|ERROR|PASSED)\ \S+::
      | panic:\ | fatal\ error:\ | goroutine\ \d+\ 
      | thread\ '[^']*'(?:\ \([^)\s]*\))?\ panicked\ at
      | \#\#\[ | ::(?:error|warning|group|endgroup)
      | ---\ (?:FAIL|PASS):\ | ===\ RUN
      | test\ \S+\ \.\.\.\ 
      | -----BEGIN\                # PEM armour: key material is never part of a message
      | npm\ (?:ERR!|error|WARN)
    )""",
    re.VERBOSE,
)


def is_record_start(line: str) -> bool:
    """``line`` (timestamp prefix already stripped) starts a new log record."""
    return _RECORD_START.match(line) is not None


def is_boundary(line: str) -> bool:
    """``line`` ends a trace's soft continuation: a new trace, log record or log section."""
    return _BOUNDARY.match(line) is not None or _RECORD_START.match(line) is not None


def dedent_block(lines: Sequence[str]) -> list[str]:
    """Remove the indentation common to all non-blank lines."""
    widths = [indent_of(line) for line in lines if line.strip()]
    cut = min(widths) if widths else 0
    return [line[cut:] for line in lines]
