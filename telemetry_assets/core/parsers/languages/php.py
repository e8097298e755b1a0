"""PHP: PHPUnit and Pest console reports, and PHP's own fatal errors with their stack traces.

Recognised, one failure each:

* PHPUnit's default printer: the numbered entries (``1) App\\Tests\\CartTest::testTotal``) of its
  ``There was 1 failure:`` / ``There were 2 errors:`` sections. Entries of the other sections
  (risky, incomplete, skipped, retried tests, and the ``N tests triggered N warnings`` lists) are
  not failures; which section an entry is in is read from the lines above it (an entry of a
  failure section follows the previous failure entry directly, since that one was read as a
  trace). An entry holds an optional ``Type: message`` line (errors), the message and diff, the
  filtered stack as ``/path/File.php:12`` lines (innermost first) and ``Caused by`` blocks.
* PHPUnit ``--testdox``: a ``✘ description`` line and its ``│`` box.
* Pest / Collision: the ``FAILED  Tests\\Unit\\CartTest > it adds`` detail blocks.
* PHP fatal errors: ``PHP Fatal error:  Uncaught Exception: msg in /app/x.php:12`` (PHP 7+),
  ``Uncaught exception 'E' with message 'm' in ...`` (PHP 5), a bare ``exception 'E' with message``
  line, other fatal and parse errors (``... in /app/x.php on line 3``), each with its ``Stack
  trace:`` (``#0 /app/x.php(12): Cart->total()``, ``#1 {main}``) and ``Next E: msg`` chains; and
  PHPUnit's ``Fatal error: Premature end of PHP process when running X::y.``, which may be glued
  to the test's own output.

Frames: a ``#N file(line): fn()`` line says that ``fn`` was *called* at ``file(line)``, so each
location is given the function of the next line (the one it executes in) and the ``in
file:line`` of the message gets the function of ``#0``, the way PHP's own tooling reads them.
Frames of ``vendor/``, ``[internal function]``, ``phar://`` and the system's ``/usr/share/php``
are library frames (``in_app=False``). PHPUnit prints locations only: the frame in the test's own
file takes the test method as its function; when none is printed the test method is the one
frame. The primary exception of a PHPUnit ``Caused by`` chain is the first printed (the one the
test saw); of a PHP ``Next`` chain the last printed (the one that escaped).
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
)

NAME = "php"
_MAX_MESSAGE_LINES = 30
ASSERTION_TYPE = "PHPUnit\\Framework\\ExpectationFailedException"
"""The exception PHPUnit raises for a failed assertion (its report does not name it)."""

# ``1) Ns\\CartTest::testTotal`` (optionally `` with data set #0 (...)``, ``@name``,
# `` (repetition 2 of 2)``). Deliberately not matched: entries without ``::`` (the warning lists
# name ``/path/File.php:12`` instead of a test).
_ENTRY = re.compile(r"^(?P<n>\d+)\)\ (?P<id>[^\s:]+::\S.*)$")
_FAILURE_SECTION = re.compile(r"^There\ (?:was|were)\ \d+\ (?:failure|error)s?:$")
# Any other report section header: ``There was 1 risky test:``, ``There were 3 skipped tests:``,
# ``5 tests triggered 5 warnings:``, ``There was 1 PHPUnit test runner warning:``.
_OTHER_SECTION = re.compile(r"^(?:There\ (?:was|were)\ \d+\ .*:|\d+\ tests?\ triggered\ .*:|--)$")
_END_OF_REPORT = re.compile(r"^(?:FAILURES!|ERRORS!|OK\ \(|OK,\ but|Tests:\ \d|Time:\ )")
_RUN_HEADER = re.compile(r"^PHPUnit\ \S+\ by\ Sebastian\ Bergmann")
_MAX_PROGRESS_LINES = 500
_REPETITION = re.compile(r"\ \(repetition\ \d+\ of\ \d+\)$")
_DATA_SET = re.compile(r"(?:\ with\ data\ set\ .*|@.*|\#\d+)$")

# ``Ns\\SomeException: message`` / ``Error: message``. Deliberately not matched: ``Failed
# asserting that ...`` and other prose, whose first word is not followed by ``:``.
_TYPED = re.compile(r"^(?P<type>\\?[A-Za-z_][\w\\]*):\ (?P<msg>.*)$")
# PHPUnit's stack line: ``/app/tests/CartTest.php:42`` (innermost first).
_LOCATION = re.compile(r"^(?P<file>\S+\.php):(?P<line>\d+)$")

# PHPUnit indents its marks (`` ✘ name``); a ``✘`` in the first column is another runner's.
_TESTDOX_FAILED = re.compile(r"^\s+✘\ (?P<name>\S.*)$")
_TESTDOX_BOX = re.compile(r"^\s*│")
_TESTDOX_CLASS = re.compile(r"^\S.*\ \((?P<cls>[\w\\]+)\)$")

# Pest / Collision: ``  FAILED  Tests\\Unit\\CartTest > it adds     ExpectationFailedException``.
_PEST_FAILED = re.compile(
    r"^\s*(?:FAILED|ERROR)\ {2}(?P<id>\S.*?\ >\ .+?)(?:\s{2,}(?P<type>[\w\\]+))?\s*$"
)
_PEST_AT = re.compile(r"^\s*at\ (?P<file>\S+):(?P<line>\d+)$")
_PEST_FRAME = re.compile(r"^\s*\d+\s+(?P<file>\S+):(?P<line>\d+)(?:\s+(?P<func>\S.*))?$")
_PEST_CODE = re.compile(r"^\s*(?:➜\s*)?\d+▕")

# PHP's own errors. ``PHP Fatal error:  Uncaught ...`` (error_log / CLI stderr) or ``Fatal error:
# ...`` (display_errors); deliberately not matched: warnings, notices and deprecations.
_FATAL = re.compile(
    r"""(?:PHP\ )?(?P<level>Fatal\ error|Parse\ error|Catchable\ fatal\ error|
        Recoverable\ fatal\ error):\s+(?P<rest>.*)$""",
    re.VERBOSE,
)
# PHP's own ``error_log`` prefix: ``[06-Dec-2026 07:14:03 UTC] PHP Fatal error: ...``.
_ERROR_LOG = re.compile(r"^\[\d{2}-[A-Z][a-z]{2}-\d{4}\ \d{2}:\d{2}:\d{2}(?:\ [\w/+-]+)?\]\ ")
_UNCAUGHT = re.compile(r"^Uncaught\ (?P<type>\\?[A-Za-z_][\w\\]*):\ ?(?P<msg>.*)$")
_PHP5 = re.compile(
    r"""^(?:Uncaught\ )?exception\ '(?P<type>[^']+)'\ with\ message\ '(?P<msg>.*)'
        \ in\ (?P<file>\S+):(?P<line>\d+)$""",
    re.VERBOSE,
)
_NEXT = re.compile(r"^Next\ (?P<type>\\?[A-Za-z_][\w\\]*):\ ?(?P<msg>.*)$")
_IN_AT = re.compile(r"^(?P<msg>.*?)\ in\ (?P<file>\S+):(?P<line>\d+)$")
_ON_LINE = re.compile(r"^(?P<msg>.*?)\ in\ (?P<file>\S+)\ on\ line\ (?P<line>\d+)$")
_PREMATURE = re.compile(r"^Premature\ end\ of\ PHP\ process\ when\ running\ (?P<id>\S+?)\.?$")
_STACK_LINE = re.compile(r"^\s*\#\d+\ (?P<where>.*?)(?::\ (?P<call>.*))?$")
_STACK_WHERE = re.compile(r"^(?P<file>.+)\((?P<line>\d+)\)$")
_THROWN_IN = re.compile(r"^\s+thrown\ in\ ")

_LIBRARY_PARTS = ("/vendor/", "[internal function]", "phar://", "/usr/share/php/", "/usr/lib/")


def is_library_file(file: str | None) -> bool:
    """Composer packages, PHP internals, PHARs and system PHP are not the application."""
    if not file:
        return False
    return file.startswith(("vendor/", "phar://", "[internal")) or any(
        part in file for part in _LIBRARY_PARTS
    )


def _in_failure_section(lookback: Sequence[str]) -> bool:
    """Whether a numbered entry belongs to a failure/error section (see the module docstring)."""
    for i in range(1, len(lookback) + 1):
        previous = lookback[-i]
        if _FAILURE_SECTION.match(previous):
            return True
        if _OTHER_SECTION.match(previous) or _ENTRY.match(previous):
            return False
        if _END_OF_REPORT.match(previous):
            return False
    return False


class _EntryReader:
    """A PHPUnit entry runs to the next entry, section separator, the final summary, or a new
    log record or trace (a run cut short)."""

    def feed(self, line: str) -> bool:
        if not line or line[0] in " \t":
            return True
        return not (
            is_boundary(line)
            or _ENTRY.match(line)
            or _OTHER_SECTION.match(line)
            or _FAILURE_SECTION.match(line)
            or _END_OF_REPORT.match(line)
        )


class _RunReader:
    """PHPUnit's header and progress lines, read only to catch a fatal error glued to a test's
    output (``messageFatal error: Premature end of PHP process ...``), which no line-start check
    can see. Ends at the report, at a fatal error of its own line (read as a trace of its own),
    at any other trace or after the glued error."""

    def __init__(self) -> None:
        self.lines = 0
        self.done = False

    def feed(self, line: str) -> bool:
        self.lines += 1
        if self.done or self.lines > _MAX_PROGRESS_LINES or _FATAL.match(line):
            return False
        if (
            _END_OF_REPORT.match(line)
            or _FAILURE_SECTION.match(line)
            or _OTHER_SECTION.match(line)
            or _ENTRY.match(line)
            or _TESTDOX_CLASS.match(line)
            or "✘" in line
            or line.startswith("##teamcity[")  # ``--teamcity``: the report is in messages
            or is_boundary(line)
        ):
            return False
        if "Fatal error: " in line:
            self.done = True
        return True


class _TestdoxReader:
    def feed(self, line: str) -> bool:
        return _TESTDOX_BOX.match(line) is not None


class _PestReader:
    """Collision's block, every line indented: message, ``at file:line``, code excerpt, numbered
    frames; it ends at the next block's rule, the next header or the summary."""

    def feed(self, line: str) -> bool:
        stripped = line.strip()
        if not stripped:
            return True
        if stripped.startswith(("FAILED  ", "ERROR  ", "Tests:", "PASS ", "FAIL ", "──")):
            return False
        return line[0] in " \t" and not is_boundary(stripped)


class _FatalReader:
    """States: message (until it names its location) -> stack -> ``thrown in`` / ``Next``."""

    def __init__(self, located: bool) -> None:
        self.state = "after" if located else "message"
        self.message_lines = 0

    def feed(self, line: str) -> bool:
        stripped = line.strip()
        if stripped == "Stack trace:":
            self.state = "stack"
            return True
        if self.state == "stack" and _STACK_LINE.match(line):
            return True
        if _THROWN_IN.match(line):
            self.state = "done"
            return True
        if not stripped:
            return self.state == "stack"  # PHP separates a ``Next`` block by a blank line
        if _NEXT.match(stripped) and self.state in ("stack", "after"):
            self.state = "message"
            self.message_lines = 0
            self._located(stripped)
            return True
        if self.state == "message" and self.message_lines < _MAX_MESSAGE_LINES:
            if is_boundary(line):
                return False
            self.message_lines += 1
            self._located(stripped)
            return True
        return False

    def _located(self, line: str) -> None:
        if _IN_AT.match(line) or _ON_LINE.match(line):
            self.state = "after"


def _fatal_start(line: str) -> re.Match[str] | None:
    """A fatal error at the start of ``line``, or glued to output before it (``msgFatal error``)."""
    if line[:1] == "[":
        prefix = _ERROR_LOG.match(line)
        if prefix is not None:
            return _FATAL.match(line, prefix.end())
    match = _FATAL.match(line)
    if match is None and "Fatal error: " in line:
        match = _FATAL.search(line)
    return match


def open_php(line: str, lookback: Sequence[str]) -> Opening | None:
    first = line[:1]
    if first.isdigit():
        if _ENTRY.match(line) and _in_failure_section(lookback):
            return Opening(_EntryReader())
        return None
    if "✘" in line[:8] and _TESTDOX_FAILED.match(line):
        back = 0
        for i in range(1, min(len(lookback), 20) + 1):
            if _TESTDOX_CLASS.match(lookback[-i]):
                back = i
                break
        return Opening(_TestdoxReader(), lookback=back)
    if first == "P" and _RUN_HEADER.match(line):
        return Opening(_RunReader())
    stripped = line.lstrip()
    if stripped.startswith(("FAILED  ", "ERROR  ")) and _PEST_FAILED.match(line):
        return Opening(_PestReader())
    if stripped.startswith("exception '") and _PHP5.match(stripped):
        return Opening(_FatalReader(located=True))
    fatal = _fatal_start(line)
    if fatal is not None:
        rest = fatal["rest"]
        located = bool(_IN_AT.match(rest) or _ON_LINE.match(rest) or _PREMATURE.match(rest))
        if _PHP5.match(rest):
            located = True
        return Opening(_FatalReader(located))
    return None


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def _test_parts(test_id: str) -> tuple[str | None, str | None, str | None]:
    """``(class, method, file)`` of a test id: ``Ns\\CartTest::testTotal with data set #0`` ->
    (``Ns\\CartTest``, ``testTotal``, None); Pest's ``tests/CartTest.php::it adds`` -> (None,
    ``it adds``, ``tests/CartTest.php``)."""
    owner, sep, rest = test_id.partition("::")
    if not sep or not rest:
        return None, None, None
    if owner.endswith(".php") or "/" in owner:
        return None, rest.strip() or None, owner
    method = _DATA_SET.sub("", rest.split(" ", 1)[0]) or None
    return owner.lstrip("\\"), method, None


def _location_frames(
    locations: list[tuple[str, int | None]],
    cls: str | None,
    method: str | None,
    test_file: str | None = None,
) -> tuple[Frame, ...]:
    """PHPUnit's location lines (innermost first) as frames, outermost first; the frame in the
    test's own file runs the test method."""
    short = cls.rsplit("\\", 1)[-1] if cls else None
    frames: list[Frame] = []
    named = False
    for file, line in reversed(locations):
        stem = file.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".php")
        own = (short is not None and stem.endswith(short)) or (
            test_file is not None and file.endswith(test_file.lstrip("./"))
        )
        function = None
        if own and method and not named:
            function, named = method, True
        frames.append(
            Frame(
                file=file,
                function=function,
                line=line,
                module=cls if function else None,
                in_app=not is_library_file(file),
            )
        )
    if not named and method:
        frames.insert(0, Frame(file=test_file, function=method, module=cls, in_app=True))
    return tuple(frames)


def split_typed(text: str) -> tuple[str | None, str]:
    """``Ns\\Err: msg`` (first line) -> (``Ns\\Err``, ``msg``); untyped text -> (None, text)."""
    first, _, rest = text.strip().partition("\n")
    typed = _TYPED.match(first.strip())
    if typed is None:
        return None, text.strip()
    return typed["type"].lstrip("\\"), "\n".join([typed["msg"], rest]).strip()


def _segment(lines: Sequence[str]) -> tuple[str | None, str, list[tuple[str, int | None]]]:
    """One exception of an entry: ``(type, message, locations)``; the message ends at the first
    blank line or diff."""
    exc_type: str | None = None
    message: list[str] = []
    locations: list[tuple[str, int | None]] = []
    done = False
    for raw in lines:
        text = raw.strip()
        location = _LOCATION.match(text)
        if location:
            locations.append((location["file"], int(location["line"])))
            done = True
            continue
        if done:
            continue
        if not text or text.startswith("--- Expected"):
            done = bool(message)
            continue
        if exc_type is None and not message:
            typed = _TYPED.match(text)
            if typed:
                exc_type = typed["type"].lstrip("\\")
                message.append(typed["msg"])
                continue
        message.append(text)
    return exc_type, "\n".join(message).strip(), locations


def _parse_entry(lines: Sequence[str]) -> TraceInfo | None:
    match = _ENTRY.match(lines[0])
    if match is None:
        return None
    test_id = _REPETITION.sub("", match["id"].strip())
    segments: list[list[str]] = [[]]
    for line in lines[1:]:
        if line.strip() == "Caused by":
            segments.append([])
        else:
            segments[-1].append(line)
    parsed = [_segment(s) for s in segments]
    exc_type, message, locations = parsed[0]
    kind: FailureKind = "error" if exc_type else "failure"
    if exc_type is None:
        exc_type = ASSERTION_TYPE
    cls, method, named_file = _test_parts(test_id)
    frames = _location_frames(locations, cls, method, named_file)
    test_file = next((f.file for f in frames if f.function == method and f.file), named_file)
    chained = tuple((t or ASSERTION_TYPE, m) for t, m, _ in parsed[1:])
    return TraceInfo(
        exc_type,
        message,
        frames,
        NAME,
        chained=chained,
        test_id=test_id,
        kind=kind,
        test_file=test_file,
    )


def _parse_testdox(lines: Sequence[str]) -> TraceInfo | None:
    cls: str | None = None
    start = 0
    for i, line in enumerate(lines):
        header = _TESTDOX_CLASS.match(line)
        if header:
            cls = header["cls"]
        if _TESTDOX_FAILED.match(line):
            start = i
    failed = _TESTDOX_FAILED.match(lines[start])
    if failed is None:
        return None
    name = failed["name"].strip()
    box = [_TESTDOX_BOX.sub("", x, count=1) for x in lines[start + 1 :]]
    if not box:
        return None  # PHPUnit boxes every failure's details
    exc_type, message, locations = _segment(box)
    kind: FailureKind = "error" if exc_type else "failure"
    test_id = f"{cls}::{name}" if cls else name
    frames = _location_frames(locations, cls, name if cls else None)
    return TraceInfo(exc_type or ASSERTION_TYPE, message, frames, NAME, test_id=test_id, kind=kind)


def _parse_pest(lines: Sequence[str]) -> TraceInfo | None:
    header = _PEST_FAILED.match(lines[0])
    if header is None:
        return None
    test_id = header["id"].strip()
    exc_type = (header["type"] or "").lstrip("\\") or None
    message: list[str] = []
    # Innermost first: the ``at`` location, then the numbered call sites outward, each with the
    # function it called (printed on the line below it), as in PHP's own stack.
    stack: list[tuple[str, int, str | None]] = []
    expect_callee = False
    for line in lines[1:]:
        text = line.strip()
        if not text or _PEST_CODE.match(line):
            continue
        where = _PEST_AT.match(line)
        if where and not stack:
            stack.append((where["file"], int(where["line"]), None))
            continue
        if not stack:
            message.append(text)
            continue
        frame = _PEST_FRAME.match(line)
        if frame:
            entry = (frame["file"], int(frame["line"]), frame["func"])
            if entry[:2] != stack[-1][:2]:
                stack.append(entry)
            expect_callee = frame["func"] is None
            continue
        if expect_callee:
            file, number, _ = stack[-1]
            stack[-1] = (file, number, text.split("(", 1)[0])
            expect_callee = False
    kind: FailureKind = "failure"
    if exc_type is None or "ExpectationFailed" in exc_type or "AssertionFailed" in exc_type:
        exc_type = exc_type or ASSERTION_TYPE
    else:
        kind = "error"
    app = [file for file, _, _ in stack if not is_library_file(file)]
    test_file = app[-1] if app else None
    name = test_id.rsplit(" > ", 1)[-1]
    frames: list[Frame] = []
    for i, (file, number, _) in enumerate(stack):
        # a location runs in the function called from the next (outer) one
        function = stack[i + 1][2] if i + 1 < len(stack) else None
        if function is None and file == test_file and i == len(stack) - 1:
            function = name
        frames.append(Frame(file, function, number, None, None, not is_library_file(file)))
    return TraceInfo(
        exc_type,
        "\n".join(message).strip(),
        tuple(reversed(frames)),
        NAME,
        test_id=test_id,
        kind=kind,
        test_file=test_file,
    )


def _stack_frames(stack: list[str], raised: tuple[str, int | None] | None) -> tuple[Frame, ...]:
    """``#N`` lines plus the raise location -> frames, outermost first (see module docstring)."""
    calls: list[tuple[str | None, int | None, str | None]] = []
    for line in stack:
        match = _STACK_LINE.match(line)
        if not match:
            continue
        where, call = match["where"].strip(), match["call"]
        loc = _STACK_WHERE.match(where)
        file, line_no = (loc["file"], int(loc["line"])) if loc else (None, None)
        if where == "{main}":
            calls.append((None, None, "{main}"))
            continue
        if where.startswith("[internal"):
            file = "[internal function]"
        function = call.split("(", 1)[0] if call else None
        calls.append((file, line_no, function))
    frames: list[Frame] = []
    where_file, where_line = raised if raised else (None, None)
    for file, line_no, function in calls:
        # the location of this line executes in the function named on the next one
        if where_file is not None or function:
            frames.append(
                Frame(
                    file=where_file,
                    function=function if function != "{main}" else None,
                    line=where_line,
                    in_app=not is_library_file(where_file) if where_file else None,
                )
            )
        where_file, where_line = file, line_no
    if where_file is not None:
        frames.append(
            Frame(file=where_file, line=where_line, in_app=not is_library_file(where_file))
        )
    return tuple(reversed(frames))


def _exception_head(text: str) -> tuple[str | None, str, tuple[str, int | None] | None, str]:
    """``(type, message, raise location, level)`` of a fatal error's first line (no prefix)."""
    level = "Fatal error"
    fatal = _FATAL.search(text)
    rest = text
    if fatal is not None:
        level, rest = fatal["level"], fatal["rest"]
    php5 = _PHP5.match(rest)
    if php5:
        return php5["type"].lstrip("\\"), php5["msg"], (php5["file"], int(php5["line"])), level
    uncaught = _UNCAUGHT.match(rest)
    if uncaught:
        rest = uncaught["msg"]
        exc_type: str | None = uncaught["type"].lstrip("\\")
    else:
        exc_type = None
    return exc_type, rest, None, level


def _split_location(message: str) -> tuple[str, tuple[str, int | None] | None]:
    located = _IN_AT.match(message) or _ON_LINE.match(message)
    if located is None:
        return message, None
    return located["msg"], (located["file"], int(located["line"]))


def _parse_fatal(lines: Sequence[str]) -> TraceInfo | None:
    head = lines[0]
    fatal = _fatal_start(head)
    head = head[fatal.start() :] if fatal is not None else head.strip()
    premature = _PREMATURE.match(fatal["rest"]) if fatal else None
    if premature:
        test_id = premature["id"]
        cls, method, file = _test_parts(test_id)
        frames: tuple[Frame, ...] = ()
        if method:
            frames = (Frame(file=file, function=method, module=cls, in_app=True),)
        message = "Premature end of PHP process"
        return TraceInfo("Fatal error", message, frames, NAME, test_id=test_id, kind="error")
    # Split into exceptions: the head, then every ``Next`` block (PHP prints the cause first).
    blocks: list[list[str]] = [[head]]
    for line in lines[1:]:
        if _NEXT.match(line.strip()):
            blocks.append([line.strip()])
        else:
            blocks[-1].append(line)
    exceptions: list[tuple[str | None, str, tuple[Frame, ...]]] = []
    for i, block in enumerate(blocks):
        if i == 0:
            exc_type, message, raised, level = _exception_head(block[0])
        else:
            nxt = _NEXT.match(block[0])
            exc_type, message, raised = nxt["type"].lstrip("\\"), nxt["msg"], None  # type: ignore[index]
            level = "Fatal error"
        extra: list[str] = []
        stack: list[str] = []
        in_stack = False
        for line in block[1:]:
            stripped = line.strip()
            if stripped == "Stack trace:":
                in_stack = True
            elif in_stack and _STACK_LINE.match(line):
                stack.append(line)
            elif not in_stack and stripped and not _THROWN_IN.match(line):
                extra.append(stripped)
        if raised is None:
            full = "\n".join([message, *extra])
            message, raised = _split_location(full)
        if exc_type is None:
            exc_type = level
        exceptions.append((exc_type, message.strip(), _stack_frames(stack, raised)))
    exc_type, message, frames = exceptions[-1]
    chained = tuple((t, m) for t, m, _ in reversed(exceptions[:-1]))
    return TraceInfo(exc_type, message, frames, NAME, chained=chained, kind="crash")


def _parse_run(lines: Sequence[str]) -> TraceInfo | None:
    glued = next((i for i, x in enumerate(lines) if _fatal_start(x)), None)
    return _parse_fatal(lines[glued:]) if glued is not None else None


def parse_php(lines: Sequence[str]) -> TraceInfo | None:
    if not lines:
        return None
    first = lines[0]
    if _RUN_HEADER.match(first):
        return _parse_run(lines)
    if _ENTRY.match(first):
        return _parse_entry(lines)
    if _PEST_FAILED.match(first):
        return _parse_pest(lines)
    if _fatal_start(first) or _PHP5.match(first.strip()):
        return _parse_fatal(lines)
    return _parse_testdox(lines)


LANGUAGE = Language(NAME, open_php, parse_php)
