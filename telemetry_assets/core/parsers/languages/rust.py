"""Rust panics with their backtraces, and cargo test's per-test output headers.

A panic is ``thread 'name' panicked at src/main.rs:10:5:`` followed by the message (Rust 1.73+)
or ``thread 'name' panicked at 'message', src/lib.rs:3:9`` (older), then optionally ``stack
backtrace:`` with numbered frames, either short (``   2: app::parse`` + ``at ./src/main.rs:10:5``)
or full (``  12:     0x55d5c0a1b2c3 - app::main::h1a2b3c4d5e6f7a8b``). The ``::h<16 hex>`` symbol
hash is dropped. Backtraces print the innermost frame first; frames are reversed here. When no
backtrace was printed the panic location is the only frame. The exception type is ``panic``.
``---- tests::foo stdout ----`` names the test of the panic that follows.
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
    is_boundary,
    split_location,
)

NAME = "rust"
_MAX_MESSAGE_LINES = 30

# New style ends with ``at path:line:col:``; old style quotes the message first. Deliberately not
# matched: ``has overflowed its stack`` and other runtime aborts, which print no location.
_PANIC_NEW = re.compile(r"^thread\ '(?P<thread>[^']*)'\ panicked\ at\ (?P<loc>[^\s']+):$", re.X)
_PANIC_OLD = re.compile(
    r"^thread\ '(?P<thread>[^']*)'\ panicked\ at\ '(?P<msg>.*)',\ (?P<loc>\S+)$", re.VERBOSE
)
_FRAME = re.compile(
    r"""^\s*(?P<n>\d+):\s+(?:0x[0-9a-f]+\ -\ )?(?P<sym>\S.*?)\s*$""",
    re.VERBOSE,
)
_AT = re.compile(r"^\s+at\ (?P<loc>\S+)\s*$", re.VERBOSE)
_HASH = re.compile(r"::h[0-9a-f]{16}$")
_TEST_HEADER = re.compile(r"^----\ (?P<name>\S+)\ (?:stdout|stderr)\ ----$", re.VERBOSE)


class _PanicReader:
    def __init__(self, old_style: bool) -> None:
        self.state = "backtrace?" if old_style else "message"
        self.message_lines = 0

    def feed(self, line: str) -> bool:
        stripped = line.strip()
        if stripped.startswith("note: "):
            if self.state == "message":
                self.state = "backtrace?"  # the runtime's note follows the message: it has ended
            return True
        if stripped == "stack backtrace:":
            self.state = "backtrace"
            return True
        if self.state == "message":
            if stripped and not is_boundary(line) and self.message_lines < _MAX_MESSAGE_LINES:
                self.message_lines += 1
                return True
            return False
        if self.state == "backtrace":
            return bool(_FRAME.match(line) or _AT.match(line))
        return False


def open_rust(line: str, lookback: Sequence[str]) -> Opening | None:
    if not line.startswith("thread '"):
        return None
    if _PANIC_NEW.match(line):
        return Opening(_PanicReader(old_style=False))
    if _PANIC_OLD.match(line):
        return Opening(_PanicReader(old_style=True))
    return None


def _symbol(sym: str) -> tuple[str, str | None]:
    sym = _HASH.sub("", sym)
    module = None
    if not sym.startswith("<") and "::" in sym:
        module = sym.rsplit("::", 1)[0]
    return sym, module


def parse_rust(lines: Sequence[str]) -> TraceInfo | None:
    if not lines:
        return None
    new = _PANIC_NEW.match(lines[0])
    old = _PANIC_OLD.match(lines[0])
    if not new and not old:
        return None
    loc = (new or old)["loc"]  # type: ignore[index]
    message: list[str] = [old["msg"]] if old else []
    frames: list[Frame] = []
    in_backtrace = False
    for line in lines[1:]:
        stripped = line.strip()
        if stripped == "stack backtrace:":
            in_backtrace = True
            continue
        if stripped.startswith("note: "):
            continue
        if not in_backtrace:
            if not old:
                message.append(line)
            continue
        at = _AT.match(line)
        if at and frames:
            file, line_no, column = split_location(at["loc"])
            last = frames[-1]
            frames[-1] = Frame(
                file=file, function=last.function, line=line_no, column=column, module=last.module
            )
            continue
        frame = _FRAME.match(line)
        if frame:
            function, module = _symbol(frame["sym"])
            frames.append(Frame(function=function, module=module))
    if not frames:
        file, line_no, column = split_location(loc)
        frames = [Frame(file=file, line=line_no, column=column)]
    return TraceInfo("panic", "\n".join(message).strip(), tuple(reversed(frames)), NAME)


def rust_context(line: str) -> TestContext | None:
    if not line.startswith("---- "):
        return None
    match = _TEST_HEADER.match(line)
    return TestContext(match["name"], "failure") if match else None


LANGUAGE = Language(NAME, open_rust, parse_rust, rust_context)
