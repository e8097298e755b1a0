"""Rust panics with their backtraces, Miri/rustc crash reports, and libtest's failure notes.

A panic is ``thread 'name' panicked at src/main.rs:10:5:`` followed by the message (Rust 1.73+;
Rust 1.92+ adds the thread id: ``thread 'main' (12345) panicked at ...``) or ``thread 'name'
panicked at 'message', src/lib.rs:3:9`` (older; the quoted message may span several lines, as
``assert_eq!`` printed it), then optionally ``stack backtrace:`` with numbered frames, either
short (``   2: app::parse`` + ``at ./src/main.rs:10:5``) or full (``  12:     0x55d5c0a1b2c3 -
app::main::h1a2b3c4d5e6f7a8b``). The ``::h<16 hex>`` symbol hash is dropped. Backtraces print the
innermost frame first; frames are reversed here. When no backtrace was printed the panic location
is the only frame. The exception type is ``panic``. What the runtime prints *because of* a panic
belongs to it and is not a failure of its own: the ``panic in a destructor during cleanup`` panic
reported from ``core/src/panicking.rs`` and ``thread caused non-unwinding panic. aborting.``, and
Miri's ``error: abnormal termination`` report of the abort that follows a panic under
``panic=abort``. Different panics stay different failures.

Miri and rustc reports are one failure each, read with their whole diagnostic (``-->`` locations,
``|`` gutters with ``LL:CC`` placeholders, ``= note:``/``help:`` lines, an indented ``= note:
stack backtrace:``) up to ``error: aborting due to ...``: ``error: Undefined Behavior: ...`` (type
``UndefinedBehavior``), ``unsupported operation``, ``memory leaked``, ``deadlock``, ``resource
exhaustion``, an ``abnormal termination`` without a panic before it (type ``abort``) and a
compiler crash, ``error: internal compiler error: ...`` (type ``InternalCompilerError``) together
with the ``thread 'rustc' panicked`` block and query stack that follow it (its frame is the code
location the compiler reports, not rustc's own backtrace). Under ``cargo miri test`` the report
starts on libtest's ``test name ... `` line, which names its test. Their frames are the
backtrace when printed, else the first ``-->`` location. libtest failures without a panic are
read from its ``note:`` lines: ``test did not panic as expected`` (type ``should_panic``) and
``the test returned a termination value with a non-zero status code`` (type ``Err``, message from
the ``Error: ...`` lines the test printed before it). ``---- tests::foo stdout ----`` names the
test of the failure that follows; without it, a panicking thread named like a test path
(``tests::foo``: libtest names each test's thread after it) names the test.

Runtime and harness frames (``std``/``core``/``alloc``/``test`` symbols, ``/rustc/<hash>/``,
``RUSTLIB/``, toolchain and cargo-registry paths) are marked ``in_app=False``.
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
_MAX_PROSE_LINES = 10
"""Free-text lines a compiler-crash report may hold between its structured parts."""

# New style ends with ``at path:line:col:``; old style quotes the message first. Both may carry
# the thread id in brackets (Rust 1.92+, Miri's ``($TID)``) and may be indented (old cargo test
# indented captured output). Deliberately not matched: ``has overflowed its stack`` and other
# runtime aborts, which print no location.
_PANIC_NEW = re.compile(
    r"^\s*thread\ '(?P<thread>[^']*)'(?:\ \([^)\s]*\))?\ panicked\ at\ (?P<loc>[^\s']+):$", re.X
)
_PANIC_OLD = re.compile(
    r"""^\s*thread\ '(?P<thread>[^']*)'(?:\ \([^)\s]*\))?\ panicked\ at\ '(?P<msg>.*)',
        \ (?P<loc>\S+)$""",
    re.VERBOSE,
)
# An old-style header whose quoted message goes on over the next lines, up to ``', loc``.
_PANIC_OLD_OPEN = re.compile(
    r"^\s*thread\ '(?P<thread>[^']*)'(?:\ \([^)\s]*\))?\ panicked\ at\ '(?P<msg>.*)$", re.X
)
_OLD_END = re.compile(r"^(?P<msg>.*)',\ (?P<loc>[^\s']+)$")
_FRAME = re.compile(
    r"""^\s*(?P<n>\d+):\s+(?:0x[0-9a-f]+\ -\ )?(?P<sym>\S.*?)\s*$""",
    re.VERBOSE,
)
# ``at src/x.rs:64:18``; Miri adds the end of the span (``at src/x.rs:64:18: 64:47``).
_AT = re.compile(r"^\s+at\ (?P<loc>\S+?):?(?:\ \d+:\d+)?\s*$", re.VERBOSE)
_HASH = re.compile(r"::h[0-9a-f]{16}$")
_TEST_HEADER = re.compile(r"^----\ (?P<name>\S+)\ (?:stdout|stderr)\ ----$", re.VERBOSE)

# Miri / rustc reports that are one crash each: ``error: <kind>: message``. Deliberately not
# matched: ordinary compile errors (``error[E0425]``, ``error: could not compile``), which the log
# parser counts as build failures, and cargo's ``error: test failed`` trailer (a consequence).
_REPORT = re.compile(
    r"""^error:\ (?P<kind>Undefined\ Behavior|unsupported\ operation|memory\ leaked|deadlock
        |resource\ exhaustion|abnormal\ termination|internal\ compiler\ error)
        :\ ?(?P<msg>.*)$""",
    re.VERBOSE,
)
# ``cargo miri test`` prints libtest's ``test name ... `` and, on the same line, Miri's report.
_TEST_PREFIX = re.compile(r"^test\ (?P<name>\S+)\ \.\.\.\ (?=error:\ )")
_REPORT_TYPES = {
    "Undefined Behavior": "UndefinedBehavior",
    "unsupported operation": "UnsupportedOperation",
    "memory leaked": "MemoryLeak",
    "deadlock": "Deadlock",
    "resource exhaustion": "ResourceExhaustion",
    "abnormal termination": "abort",
    "internal compiler error": "InternalCompilerError",
}
# Lines of a rustc-style diagnostic: ``  --> file:LL:CC``, gutters (``   |``, ``LL |``, ``15 |``,
# ``...  |``), ``= note:``/``= help:`` and top-level ``help:``/``note:`` sub-diagnostics.
_DIAGNOSTIC = re.compile(
    r"""^(?:\s*-->\ | \s*(?:(?:\d+|LL|\.\.\.)\s+)?\|
        | \s*=\ (?:note|help) | (?:help|note)(?:\[\w+\])?:\ )""",
    re.VERBOSE,
)
_LOCATION = re.compile(r"^\s*-->\ (?P<loc>\S+)")
_ABORTING = "error: aborting due to "
_QUERY_STACK = re.compile(
    r"^(?:query\ stack\ during\ panic:|end\ of\ query\ stack|\#\d+\ \[)", re.VERBOSE
)

_DID_NOT_PANIC = "note: test did not panic as expected"
_NONZERO = "note: the test returned a termination value with a non-zero status code"
_NOT_TEST_THREADS = frozenset({"main", "<main>", "<unnamed>", "rustc", ""})

# Runtime, harness and toolchain code. Deliberately not matched: a project's own ``core``-named
# module under its crate (``shop::core::x``), which starts with the crate name.
_RUNTIME_SYMBOL = re.compile(
    r"""^<?(?:std|core|alloc|test|panic_abort|panic_unwind|backtrace|miri)::
      | ^(?:rust_begin_unwind|rust_panic|__rust_\w+|_start|__libc_start_\w+|start_thread|clone3?)$
      | \ as\ (?:std|core|alloc)::""",
    re.VERBOSE,
)
_RUNTIME_FILE = re.compile(
    r"""^RUSTLIB/ | /rustc/ | (?:^|/)library/(?:std|core|alloc|test|panic_\w+)/src/
      | /\.rustup/ | /\.cargo/registry/ | /\.cargo/git/""",
    re.VERBOSE,
)


def _is_runtime(file: str | None, function: str | None) -> bool:
    if file and _RUNTIME_FILE.search(file):
        return True
    return bool(function) and _RUNTIME_SYMBOL.search(function or "") is not None


def _split(loc: str) -> tuple[str | None, int | None, int | None]:
    """``path:line:col`` -> parts; upstream goldens write ``LL:CC`` for line and column."""
    for placeholder in (":LL:CC", ":LL"):
        if loc.endswith(placeholder):
            return loc[: -len(placeholder)] or None, None, None
    return split_location(loc)


def _ends_message(line: str) -> bool:
    """A line that cannot continue a panic message: a new log record or trace, or the ``Error:
    ...`` line a ``main`` returning ``Err`` prints (only the first panic of a process is followed
    by the runtime's ``note:``, so a later one's message has no other end)."""
    return is_boundary(line) or line.startswith("Error: ")


def _runtime_panic(line: str) -> bool:
    """The runtime's own panic reporting that an earlier panic could not unwind."""
    match = _PANIC_NEW.match(line)
    return match is not None and "core/src/panicking.rs" in match["loc"]


class _RustReader:
    """Follows a panic or a report. States: ``message`` (new-style panic text), ``quoted`` (an
    old-style message up to ``', loc``), ``after`` (notes, backtrace, consequences), ``backtrace``,
    ``diagnostic`` (a rustc-style report), ``done`` (after ``error: aborting due to``)."""

    def __init__(self, state: str, compiler_crash: bool = False) -> None:
        self.state = state
        self.message_lines = 0
        self.prose = 0
        self.compiler_crash = compiler_crash
        """An ``internal compiler error`` report: rustc's own panic block follows it."""
        self.ice = False

    def feed(self, line: str) -> bool:
        stripped = line.strip()
        state = self.state
        if state == "done":
            return False
        if state == "quoted":
            self.message_lines += 1
            if _OLD_END.match(line) or self.message_lines > _MAX_MESSAGE_LINES:
                self.state = "after"
            return True
        if stripped.startswith(_ABORTING):
            self.state = "done"
            return True
        if state == "message":
            if stripped.startswith("note: ") or not stripped:
                self.state = "after"
                return True
            if stripped == "stack backtrace:":
                self.state = "backtrace"
                return True
            if _ends_message(line) or self.message_lines >= _MAX_MESSAGE_LINES:
                return False
            self.message_lines += 1
            return True
        if state == "diagnostic":
            return self._diagnostic(line, stripped)
        if state == "backtrace" and (_FRAME.match(line) or _AT.match(line)):
            return True
        # after (or a backtrace that ended): notes, blank lines and the panic's consequences
        if not stripped or stripped.startswith("note: "):
            self.state = "after"
            return True
        if stripped == "stack backtrace:":
            self.state = "backtrace"
            return True
        if _runtime_panic(line):
            self.state = "message"
            self.message_lines = 0
            return True
        if stripped.startswith("thread caused non-unwinding panic"):
            return True
        report = _REPORT.match(line)
        if report and report["kind"] == "abnormal termination":
            self.state = "diagnostic"
            return True
        return False

    def _diagnostic(self, line: str, stripped: str) -> bool:
        if not stripped or _DIAGNOSTIC.match(line) or _FRAME.match(line) or _AT.match(line):
            return True
        if line[:1] in " \t" and self.message_lines == 0 and self.prose == 0:
            return True  # the report's message goes on, indented under its first line
        if self.ice and (_QUERY_STACK.match(stripped) or stripped == "stack backtrace:"):
            return True
        if (
            self.compiler_crash
            and stripped.startswith("thread '")
            and (_PANIC_NEW.match(line) or _PANIC_OLD.match(line))
        ):
            # the compiler's own panic, reported after its ``internal compiler error``
            self.ice = True
            self.message_lines = 1
            return True
        if self.ice and self.prose < _MAX_PROSE_LINES and not is_boundary(line):
            self.prose += 1
            return True
        return False


def _report_opening(report: re.Match[str] | None) -> Opening | None:
    if report is None:
        return None
    return Opening(_RustReader("diagnostic", report["kind"] == "internal compiler error"))


def open_rust(line: str, lookback: Sequence[str]) -> Opening | None:
    first = line[:1]
    if first == "t" and line.startswith("test "):
        prefix = _TEST_PREFIX.match(line)
        report = _REPORT.match(line[prefix.end() :]) if prefix else None
        return _report_opening(report)
    if first == "e":
        return _report_opening(_REPORT.match(line))
    if first == "n":
        if line.startswith(_DID_NOT_PANIC):
            return Opening(None)
        if line.startswith(_NONZERO):
            back = 0
            for previous in reversed(lookback):
                if not previous.startswith("Error: ") or back >= 10:
                    break
                back += 1
            return Opening(None, lookback=back)
        return None
    if "thread '" not in line[:24]:
        return None
    if _PANIC_NEW.match(line):
        return Opening(_RustReader("message"))
    if _PANIC_OLD.match(line):
        return Opening(_RustReader("after"))
    if _PANIC_OLD_OPEN.match(line):
        return Opening(_RustReader("quoted"))
    return None


def _symbol(sym: str) -> tuple[str, str | None]:
    """``app::cfg::load::h0123..`` -> (``app::cfg::load``, ``app::cfg``); the module is cut at the
    last ``::`` outside generic arguments (``begin_panic::<rustc_errors::Bug>``)."""
    sym = _HASH.sub("", sym)
    if sym.startswith("<"):
        return sym, None
    depth, cut = 0, -1
    for i, ch in enumerate(sym):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif depth == 0 and sym.startswith("::", i) and not sym.startswith("::<", i):
            cut = i
    return sym, (sym[:cut] if cut > 0 else None)


def _frame_at(loc: str) -> Frame:
    file, line_no, column = _split(loc)
    return Frame(file=file, line=line_no, column=column, in_app=not _is_runtime(file, None))


def _backtrace(lines: Sequence[str]) -> list[Frame]:
    """Frames of the first ``stack backtrace:`` in ``lines``, innermost first as printed."""
    frames: list[Frame] = []
    started = False
    for line in lines:
        stripped = line.strip()
        if not started:
            started = stripped.endswith("stack backtrace:")
            continue
        at = _AT.match(line)
        if at and frames:
            file, line_no, column = _split(at["loc"])
            last = frames[-1]
            runtime = _is_runtime(file, last.function)
            frames[-1] = Frame(
                file=file,
                function=last.function,
                line=line_no,
                column=column,
                module=last.module,
                in_app=not runtime,
            )
            continue
        frame = _FRAME.match(line)
        if frame:
            function, module = _symbol(frame["sym"])
            runtime = _is_runtime(None, function)
            frames.append(Frame(function=function, module=module, in_app=not runtime))
            continue
        if frames or stripped:
            break
    return frames


def _thread_test(thread: str) -> str | None:
    return thread if thread not in _NOT_TEST_THREADS and "::" in thread else None


def _parse_panic(lines: Sequence[str]) -> TraceInfo | None:
    header = lines[0]
    new = _PANIC_NEW.match(header)
    old = _PANIC_OLD.match(header)
    message: list[str] = []
    body = list(lines[1:])
    if new:
        loc, thread = new["loc"], new["thread"]
        for line in body:
            stripped = line.strip()
            if not stripped or stripped.startswith("note: ") or stripped == "stack backtrace:":
                break
            if _ends_message(line) or len(message) >= _MAX_MESSAGE_LINES:
                break
            message.append(line)
    elif old:
        loc, thread = old["loc"], old["thread"]
        message.append(old["msg"])
    else:
        opened = _PANIC_OLD_OPEN.match(header)
        if opened is None:
            return None
        thread, loc = opened["thread"], ""
        message.append(opened["msg"])
        for i, line in enumerate(body):
            end = _OLD_END.match(line)
            if end:
                message.append(end["msg"])
                loc = end["loc"]
                body = body[i + 1 :]
                break
            message.append(line)
    # The panic's own backtrace comes before any consequence (a runtime panic, an abort report).
    own: list[str] = []
    for line in body:
        if _runtime_panic(line) or _REPORT.match(line):
            break
        own.append(line)
    frames = _backtrace(own)
    if not frames and loc:
        frames = [_frame_at(loc)]
    return TraceInfo(
        "panic",
        "\n".join(message).strip(),
        tuple(reversed(frames)),
        NAME,
        test_id=_thread_test(thread),
    )


def _parse_report(lines: Sequence[str]) -> TraceInfo | None:
    prefix = _TEST_PREFIX.match(lines[0])
    report = _REPORT.match(lines[0][prefix.end() :] if prefix else lines[0])
    if report is None:
        return None
    message = [report["msg"]]
    location: str | None = None
    for line in lines[1:]:
        if location is None:
            found = _LOCATION.match(line)
            if found:
                location = found["loc"]
            elif line[:1] in " \t" and not _DIAGNOSTIC.match(line) and len(message) < 5:
                message.append(line.strip())
    # A compiler crash's backtrace is rustc's own; the code it choked on is the first location.
    ice = report["kind"] == "internal compiler error"
    frames = [] if ice else _backtrace(lines)
    if not frames and location:
        frames = [_frame_at(location)]
    return TraceInfo(
        _REPORT_TYPES[report["kind"]],
        "\n".join(message).strip(),
        tuple(reversed(frames)),
        NAME,
        test_id=prefix["name"] if prefix else None,
    )


def _parse_note(lines: Sequence[str]) -> TraceInfo | None:
    note = lines[-1].strip()
    if note.startswith(_DID_NOT_PANIC):
        rest = note[len(_DID_NOT_PANIC) :].strip()
        frames = (_frame_at(rest[3:]),) if rest.startswith("at ") else ()
        return TraceInfo("should_panic", "test did not panic as expected", frames, NAME)
    if note.startswith(_NONZERO):
        errors = [x[len("Error: ") :] for x in lines[:-1] if x.startswith("Error: ")]
        message = "\n".join(errors) if errors else note[len("note: ") :]
        return TraceInfo("Err", message, (), NAME)
    return None


def parse_rust(lines: Sequence[str]) -> TraceInfo | None:
    if not lines:
        return None
    first = lines[0]
    if first.lstrip().startswith("thread '"):
        return _parse_panic(lines)
    if first.startswith(("error: ", "test ")):
        return _parse_report(lines)
    return _parse_note(lines)


def rust_context(line: str) -> TestContext | None:
    if not line.startswith("---- "):
        return None
    match = _TEST_HEADER.match(line)
    return TestContext(match["name"], "failure") if match else None


LANGUAGE = Language(NAME, open_rust, parse_rust, rust_context)
