"""Node.js / browser JavaScript (V8) stacks, including Jest's failure reports.

A trace is an error line (``TypeError: Cannot read properties of undefined (reading 'id')``,
``Uncaught Error: x``, ``AssertionError [ERR_ASSERTION]: x``), optional further message lines and
Jest code frames (``> 42 |   row.id``), then ``at fn (file:line:col)`` / ``at file:line:col``
frames (``async``, ``new``, ``Object.<anonymous>``, ``node:internal/...``, ``file://`` and
``webpack://`` locations). V8 prints the innermost frame first; frames are reversed here. The
primary exception is the one thrown (the first error line).

One failure per thrown error, whatever Node prints around it: the properties ``util.inspect``
adds after the last frame (``{ [cause]: Error: y ..., [errors]: [...], code: 'E' }``) belong to
it (a ``[cause]`` is listed in ``chained``, aggregated ``[errors]`` members are parts of it), and
so does the second stack of an unhandled ``'error'`` event (``Emitted 'error' event ... at:``). An
uncaught ``AggregateError`` with no frames of its own (``[AggregateError: All promises were
rejected] {``) and an uncaught non-Error value (``42``, ``{ code: 1 }``, followed by Node's ``(Use
`node --trace-uncaught ...```) hint) are read from Node's uncaught-exception banner (the
``file:line`` / source / caret lines); the value has no type and is the message. Frames inside a
``console.log``/``console.error`` block of Jest are printed output, not a failure.

Jest: each ``● Suite › test`` block (everything indented under the bullet) is one failure with
that test id: its ``Cause:`` section, ``Errors contained in AggregateError:`` members and any
further text are parts of it, never failures of their own. ``● Test suite failed to run`` is one
failure of kind ``error`` even without a stack (a module that does not resolve, a TypeScript
diagnostic); its test id is the suite file from the ``FAIL`` line above. Jest repeats every block
under ``Summary of all failing tests``; the repeat is a summary of the same failure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from telemetry_assets.core.models import FailureKind, Frame
from telemetry_assets.core.parsers.languages.base import (
    Language,
    Opening,
    TestContext,
    TraceInfo,
    dedent_block,
    indent_of,
    is_boundary,
    split_location,
)

NAME = "javascript"
_MAX_HEADER_LOOKBACK = 20
_MAX_VALUE_LINES = 12

# ``at fn (loc)`` or ``at loc``. Deliberately not matched: JVM frames (``at a.b.C.m(F.java:1)``
# have no space before the parenthesis and a single ``:line``), which java.py owns.
_FRAME = re.compile(r"^\s*at\ (?P<rest>\S.*)$", re.VERBOSE)
_JVM_FRAME = re.compile(r"^\s*at\ [^\s()]+\([^()]*\)")

# An error line: a name ending in Error/Exception (optionally namespaced, optionally with a
# Node ``[ERR_CODE]``), then ``: message`` or nothing. Deliberately not matched: ``Expected: 4``
# and other ``Word: text`` lines, which Jest prints as part of a message.
ERROR_LINE = re.compile(
    r"""^\s*(?:Uncaught\ )?(?:\[)?
        (?P<type>(?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*(?:Error|Exception)|Error)
        (?:\ \[(?P<code>[A-Z0-9_]+)\])?
        (?::\ ?(?P<msg>.*))?$""",
    re.VERBOSE,
)
CODE_FRAME = re.compile(r"^\s*(?:>\s*)?\d*\s*\|")
_JEST_HEADER = re.compile(r"^(?P<indent>\s*)●\ (?P<name>.+)$", re.VERBOSE)
_JEST_SUITE_FILE = re.compile(r"^\s*FAIL\s+(?P<file>\S+)")
_SUITE_FAILED = "Test suite failed to run"
# Jest's sections under a failure: they explain it and end its own stack.
_JEST_SECTION = re.compile(r"^(?:Cause:|Errors\ contained\ in\ AggregateError:|Caught\ error:)")
# Lines of Jest's ``console.log`` blocks (``console.error``, ``console.warn`` ...).
_CONSOLE_BLOCK = re.compile(r"^\s*console\.(?:log|info|warn|error|debug|trace)$")
# Node's uncaught-exception banner: ``/srv/app/x.js:3`` (or ``node:internal/...:289``) above the
# source line and the caret line.
_BANNER_LOCATION = re.compile(r"^(?P<file>\S+):(?P<line>\d+)$")
_CARET = re.compile(r"^\s*\^+\s*$")
# ``[AggregateError: All promises were rejected] {``: how Node prints an uncaught AggregateError
# whose own stack is empty. Deliberately not matched: other bracketed errors, which carry frames.
_AGGREGATE_VALUE = re.compile(r"^\[(?P<type>AggregateError)(?::\ (?P<msg>.*))?\]\ \{$")
_TRACE_UNCAUGHT_HINT = "(Use `node --trace-uncaught"
_EMITTED = re.compile(r"^\s*Emitted\ '[^']+'\ event\b")
# Mocha's numbered failure header (the progress line ``1) test`` has no trailing colon).
# Deliberately not matched: PHPUnit's, RSpec's and ExUnit's numbered entries, which end otherwise.
_MOCHA_HEADER = re.compile(r"^\s+\d+\)\ (?P<title>.+):$")
_MOCHA_NUMBER = re.compile(r"^\s+\d+\)\ (?P<title>\S.*)$")
_MAX_TITLE_LINES = 6
_CAUSE_PROPERTY = re.compile(r"^\s*\[cause\]:\ (?P<value>.*?)(?:\ \{)?$")


def is_frame(line: str) -> bool:
    return bool(_FRAME.match(line)) and not _JVM_FRAME.match(line)


class _NodeReader:
    """Frames, then the inspected properties after a frame ending in ``{`` up to the matching
    ``}``, and the stack of an ``Emitted 'error' event`` line."""

    def __init__(self, props_indent: int | None = None) -> None:
        self.props_indent = props_indent
        """Inside ``{ ... }`` opened by a line at this indent (``None``: outside)."""

    def feed(self, line: str) -> bool:
        if self.props_indent is not None:
            stripped = line.strip()
            if stripped.startswith("}") and indent_of(line) <= self.props_indent:
                self.props_indent = None
            return True
        if is_frame(line):
            if line.rstrip().endswith("{"):
                self.props_indent = max(indent_of(line) - 4, 0)
            return True
        return line.strip().startswith("... ") or _EMITTED.match(line) is not None


class _JestReader:
    """A ``●`` block: blank lines and lines indented deeper than the bullet."""

    def __init__(self, indent: int) -> None:
        self.indent = indent

    def feed(self, line: str) -> bool:
        return not line.strip() or indent_of(line) > self.indent


class _ValueReader:
    """An uncaught value printed without frames: its lines up to a blank line or a record."""

    def __init__(self, aggregate: bool) -> None:
        self.props_indent: int | None = 0 if aggregate else None
        self.lines = 0

    def feed(self, line: str) -> bool:
        if self.props_indent is not None:
            if line.strip().startswith("}") and indent_of(line) == 0:
                self.props_indent = None
            return True
        self.lines += 1
        stripped = line.strip()
        if stripped.startswith(_TRACE_UNCAUGHT_HINT) or stripped == "Thrown at:":
            return True
        if is_frame(line):
            return True
        return bool(stripped) and self.lines <= _MAX_VALUE_LINES and not is_boundary(line)


def _banner_above(lookback: Sequence[str], caret: int) -> int:
    """Lines to take back when ``lookback[-caret]`` is the caret line under Node's ``file:line``
    banner and source line; 0 when it is not."""
    if caret + 2 > len(lookback) or not _CARET.match(lookback[-caret]):
        return 0
    return caret + 2 if _BANNER_LOCATION.match(lookback[-(caret + 2)]) else 0


def _open_jest(line: str, lookback: Sequence[str]) -> Opening | None:
    match = _JEST_HEADER.match(line)
    if not match:
        return None
    back = 0
    if match["name"].strip() == _SUITE_FAILED:
        # the suite's ``FAIL path`` line right above names what failed to run
        for i in range(1, min(3, len(lookback)) + 1):
            if _JEST_SUITE_FILE.match(lookback[-i]):
                back = i
                break
    return Opening(_JestReader(len(match["indent"])), lookback=back)


def open_node(line: str, lookback: Sequence[str]) -> Opening | None:
    if "●" in line[:16]:
        return _open_jest(line, lookback)
    aggregate = _AGGREGATE_VALUE.match(line)
    if aggregate or line.startswith(_TRACE_UNCAUGHT_HINT):
        return _open_value(line, lookback, aggregate is not None)
    if "at " not in line[:32] or not is_frame(line):
        return None
    back = 0
    for i in range(1, min(_MAX_HEADER_LOOKBACK, len(lookback)) + 1):
        previous = lookback[-i]
        if _CONSOLE_BLOCK.match(previous):
            return None  # Jest echoing console output: its frames say where it was logged
        if _JEST_HEADER.match(previous) or previous.startswith("==") or is_boundary(previous):
            back = i - 1
            break
        if ERROR_LINE.match(previous):
            back = i + _mocha_title_above(lookback, i)
            break
    else:
        # No error line close above: keep only the message lines directly above the frames.
        for i in range(1, min(_MAX_HEADER_LOOKBACK, len(lookback)) + 1):
            if not lookback[-i].strip() or is_boundary(lookback[-i]):
                break
            back = i
    while back and not lookback[-back].strip():
        back -= 1
    props = max(indent_of(line) - 4, 0) if line.rstrip().endswith("{") else None
    return Opening(_NodeReader(props), lookback=back)


def _mocha_title_above(lookback: Sequence[str], error_at: int) -> int:
    """Lines of mocha's ``  1) suite`` / ``       test:`` header right above the error line."""
    if error_at + 1 > len(lookback) or not lookback[-(error_at + 1)].endswith(":"):
        return 0
    for extra in range(1, min(_MAX_TITLE_LINES, len(lookback) - error_at) + 1):
        line = lookback[-(error_at + extra)]
        if _MOCHA_NUMBER.match(line):
            return extra
        if not line.strip() or not indent_of(line):
            return 0
    return 0


def _open_value(line: str, lookback: Sequence[str], aggregate: bool) -> Opening | None:
    """An uncaught value under Node's banner; ``line`` is its first line (aggregate) or the hint
    after it (a non-Error value)."""
    if aggregate:
        caret = 2 if lookback and not lookback[-1].strip() else 1
        back = _banner_above(lookback, caret)
        return Opening(_ValueReader(aggregate=True), lookback=back) if back else None
    # the value's lines sit between the caret line and the hint
    for i in range(1, min(_MAX_VALUE_LINES, len(lookback)) + 1):
        if _CARET.match(lookback[-i]):
            back = _banner_above(lookback, i)
            return Opening(_ValueReader(aggregate=False), lookback=back) if back else None
    return None


def _clean_file(file: str | None) -> str | None:
    if file is None:
        return None
    if file.startswith("file://"):
        file = file[len("file://") :]
    elif file.startswith("webpack://"):
        file = file[len("webpack://") :].lstrip("/")
        ns, sep, rest = file.partition("/./")
        file = rest if sep and "/" not in ns else file.removeprefix("./")
    if file in ("native", "<anonymous>") or file.startswith("index "):
        return None
    return file


def parse_frame(line: str) -> Frame | None:
    match = _FRAME.match(line)
    if not match:
        return None
    rest = match["rest"].strip().removesuffix("{").removesuffix(",").strip()
    function: str | None = None
    loc = rest
    if rest.endswith(")") and " (" in rest:
        function, _, loc = rest[:-1].rpartition(" (")
    for prefix in ("async ", "new "):
        if function and function.startswith(prefix):
            function = function[len(prefix) :]
        if function is None and loc.startswith(prefix):
            loc = loc[len(prefix) :]
    file, line_no, column = split_location(loc)
    return Frame(file=_clean_file(file), function=function or None, line=line_no, column=column)


def _parse_stack(lines: Sequence[str]) -> TraceInfo | None:
    """Error line, message, frames of the thrown error; inspected properties and a second
    ``Emitted 'error' event`` stack are skipped (a ``[cause]`` becomes ``chained``)."""
    exc_type: str | None = None
    message: list[str] = []
    frames: list[Frame] = []
    chained: list[tuple[str | None, str]] = []
    props_indent: int | None = None
    emitted = False
    for line in lines:
        if props_indent is not None:
            if line.strip().startswith("}") and indent_of(line) <= props_indent:
                props_indent = None
                continue
            cause = _CAUSE_PROPERTY.match(line)
            if cause and indent_of(line) == props_indent + 2:
                chained.append(_value_of(cause["value"]))
            continue
        if emitted:
            continue
        if _EMITTED.match(line):
            emitted = True
            continue
        if is_frame(line):
            frame = parse_frame(line)
            if frame is not None:
                frames.append(frame)
            if line.rstrip().endswith("{"):
                props_indent = max(indent_of(line) - 4, 0)
            continue
        if frames or not line.strip() or CODE_FRAME.match(line):
            continue
        if exc_type is None and not message:
            match = ERROR_LINE.match(line)
            if match:
                exc_type = match["type"]
                message.append(match["msg"] or "")
                continue
        message.append(line.strip())
    if exc_type is None and not message and not frames:
        return None
    return TraceInfo(
        exc_type, "\n".join(message).strip(), tuple(reversed(frames)), NAME, tuple(chained)
    )


def _value_of(text: str) -> tuple[str | None, str]:
    match = ERROR_LINE.match(text)
    if match:
        return match["type"], (match["msg"] or "").strip()
    return None, text.strip()


def _parse_value(lines: Sequence[str]) -> TraceInfo | None:
    """Node's banner (``file:line``, source, caret) and the uncaught value under it."""
    banner = _BANNER_LOCATION.match(lines[0]) if lines else None
    if banner is None:
        return None
    start = 1
    while start < len(lines) and not _CARET.match(lines[start]):
        start += 1
    body = [ln for ln in lines[start + 1 :] if ln.strip()]
    if not body:
        return None
    aggregate = _AGGREGATE_VALUE.match(body[0])
    if aggregate:
        # the members listed under ``[errors]`` are parts of this failure, not a chain
        exc_type: str | None = aggregate["type"]
        message = (aggregate["msg"] or "").strip()
    else:
        value: list[str] = []
        for line in body:
            if line.strip().startswith(_TRACE_UNCAUGHT_HINT) or line.strip() == "Thrown at:":
                break
            value.append(line.strip())
        exc_type, message = None, "\n".join(value)
    # the banner names where it was thrown, unless that is Node's own promise machinery
    file = _clean_file(banner["file"])
    where = () if not file or file.startswith("node:") else (Frame(file, line=int(banner["line"])),)
    # a member's frames are not the value's; ``Thrown at:`` frames (newer Node) are
    own = [] if aggregate else [f for f in map(parse_frame, body) if f is not None]
    return TraceInfo(exc_type, message, tuple(reversed(own)) or where, NAME)


def _parse_jest(lines: Sequence[str]) -> TraceInfo | None:
    at = next((i for i, x in enumerate(lines[:4]) if _JEST_HEADER.match(x)), None)
    header = _JEST_HEADER.match(lines[at]) if at is not None else None
    if at is None or header is None:
        return None
    suite = next(filter(None, map(_JEST_SUITE_FILE.match, lines[:at])), None)
    suite_file = suite["file"] if suite else None
    body = dedent_block(list(lines[at + 1 :]))
    own: list[str] = []
    chained: list[tuple[str | None, str]] = []
    framed = False
    for i, line in enumerate(body):
        if _JEST_SECTION.match(line):
            # what follows explains the failure: a cause, aggregated members, a caught error
            if line.startswith("Cause:"):
                cause = next((x for x in body[i + 1 :] if x.strip()), "")
                chained.append(_value_of(cause.strip()))
            break
        if is_frame(line):
            framed = True
        elif framed and line.strip() and indent_of(line) == 0:
            break  # text after the stack at the message's indent: not part of the trace
        own.append(line)
    info = _parse_stack(own)
    name = header["name"].strip()
    kind: FailureKind = "failure"
    test_id: str | None = name
    if name == _SUITE_FAILED:
        kind, test_id = "error", suite_file
    if info is None:
        info = TraceInfo(None, _SUITE_FAILED if kind == "error" else "", (), NAME)
    return TraceInfo(
        info.exception_type,
        info.message,
        info.frames,
        NAME,
        (*info.chained, *chained),
        test_id=test_id,
        kind=kind,
        test_file=suite_file,
    )


def parse_node(lines: Sequence[str]) -> TraceInfo | None:
    if lines and any(_JEST_HEADER.match(x) for x in lines[:4]):
        return _parse_jest(lines)
    if lines and _BANNER_LOCATION.match(lines[0]) and any(_CARET.match(x) for x in lines[1:4]):
        value = _parse_value(lines)
        if value is not None:
            return value
    title: list[str] = []
    if lines and _MOCHA_NUMBER.match(lines[0]):
        # mocha's header: the suite and test titles, one per line, the last ending in ``:``
        for i, line in enumerate(lines):
            text = _MOCHA_NUMBER.match(line)
            title.append((text["title"] if text else line).strip())
            if line.endswith(":"):
                lines = lines[i + 1 :]
                break
    info = _parse_stack(lines)
    if info is None or not title:
        return info
    return replace(info, test_id=" ".join(title).removesuffix(":").strip(), kind="failure")


def node_context(line: str) -> TestContext | None:
    """Mocha's spec reporter names each failure ``  1) Suite test:`` above its error."""
    if ") " not in line[:12]:
        return None
    match = _MOCHA_HEADER.match(line)
    return TestContext(match["title"].strip(), "failure") if match else None


LANGUAGE = Language(NAME, open_node, parse_node, node_context)
