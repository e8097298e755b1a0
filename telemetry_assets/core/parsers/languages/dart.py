"""Dart VM (and Flutter) unhandled exceptions.

A crash is ``Unhandled exception:`` then the error (``Bad state: oops``, ``Instance of
'MyError'``, ``FormatException: ...``, a compiler message with a source excerpt and caret), then
frames ``#0      main.<anonymous closure> (file:///app/bin/main.dart:15:20)`` with
``<asynchronous suspension>`` markers between async parts. Frames print innermost first; they are
reversed here. ``dart:`` and ``package:flutter``/``package:test_api``-style SDK frames are not
in-app; ``package:<name>/`` and ``file://`` frames are. The exception type is the text before
the first ``:`` of the error line when that is a type-like name (``Bad state`` and
``FormatException`` alike), the instance's class for ``Instance of 'MyError'``, else ``Error``.
Deliberately not read: ``#N`` lines without a parenthesised Dart location (C++ and Ruby
backtraces use ``#N`` too).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from telemetry_assets.core.models import Frame
from telemetry_assets.core.parsers.languages.base import Language, Opening, TraceInfo, to_int

NAME = "dart"
_MAX_ERROR_LINES = 12

_FRAME = re.compile(
    r"""^\#\d+\s+(?P<func>.+?)\ \((?P<loc>(?:dart:|package:|file://|org-dartlang)[^()]*?)
        (?::(?P<line>\d+)(?::\d+)?)?\)\s*$""",
    re.VERBOSE,
)
# The Dart VM's own words; .NET Framework's ``Unhandled Exception:`` (capital E) is not Dart's.
_UNHANDLED = ("Unhandled exception:",)
_INSTANCE = re.compile(r"^Instance\ of\ '(?P<cls>[\w$]+)'", re.VERBOSE)
_TYPED = re.compile(r"^(?P<type>[A-Z][\w ]{0,40}?):\ ?(?P<msg>.*)$")
_SDK_PACKAGES = ("package:flutter/", "package:test_api/", "package:test/", "package:stack_trace/")


class _Reader:
    def __init__(self) -> None:
        self.frames = False
        self.error_lines = 0

    def feed(self, line: str) -> bool:
        stripped = line.strip()
        if _FRAME.match(stripped):
            self.frames = True
            return True
        if stripped == "<asynchronous suspension>":
            return True
        if self.frames or stripped.startswith("at "):
            return False  # another runtime's frames: not a Dart crash after all
        self.error_lines += 1
        return self.error_lines <= _MAX_ERROR_LINES


def open_dart(line: str, lookback: Sequence[str]) -> Opening | None:
    if line.strip() in _UNHANDLED:
        return Opening(_Reader())
    return None


def _frame(match: re.Match[str]) -> Frame:
    loc = match["loc"]
    file = loc[len("file://") :] if loc.startswith("file://") else loc
    in_app = not loc.startswith(("dart:", "org-dartlang")) and not loc.startswith(_SDK_PACKAGES)
    return Frame(file=file, function=match["func"], line=to_int(match["line"]), in_app=in_app)


def parse_dart(lines: Sequence[str]) -> TraceInfo | None:
    error: list[str] = []
    frames: list[Frame] = []
    for line in lines:
        stripped = line.strip()
        match = _FRAME.match(stripped)
        if match:
            frames.append(_frame(match))
        elif stripped in _UNHANDLED or stripped == "<asynchronous suspension>":
            continue
        elif not frames and stripped:
            error.append(line.rstrip())
    if not error and not frames:
        return None
    first = error[0].strip() if error else ""
    instance = _INSTANCE.match(first)
    typed = _TYPED.match(first)
    if instance:
        exc_type, message = instance["cls"], first
    elif typed and not first.startswith(("'", '"')):
        exc_type, message = typed["type"], typed["msg"]
    else:
        exc_type, message = "Error", first
    return TraceInfo(exc_type, message, tuple(reversed(frames)), NAME, kind="crash")


LANGUAGE = Language(NAME, open_dart, parse_dart)
