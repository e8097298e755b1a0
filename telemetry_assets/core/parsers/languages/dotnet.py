""".NET exceptions (C#, F#, VB) as the runtime, Mono and ``dotnet test`` with xUnit print them.

An unhandled-exception trace is a header ``Ns.Type: message`` (``Unhandled exception.`` /
``Unhandled Exception:`` in front on .NET Core and .NET Framework), possibly chaining inner
exceptions on the same line (``Outer: msg ---> Ns.Inner: msg``), then frames
``at Ns.Class.Method(Type arg) in C:\\src\\File.cs:line 33`` (Mono: ``at Ns.Class.Method (Type
arg) [0x00007] in /src/File.cs:9``, or ``in <filename unknown>:0``), with
``--- End of inner exception stack trace ---`` between the inner exception's frames and the
outer ones and ``--- End of stack trace from previous location ...`` between the parts of an
async call chain. The primary exception is the innermost (the root cause, printed last in the
``--->`` chain): its frames are the ones printed before the first "End of inner exception" line.
Async state-machine frames (``<TopLevelMethod>d__0.MoveNext()``) are named after their method.
``System.*``/``Microsoft.*`` frames are the runtime's (not in-app).

xUnit's console (``dotnet test``) prints a failure's details without the test's name: a message
(``Assert.Equal() Failure`` + ``Expected``/``Actual``, or ``System.Exception : text``), then
``Stack Trace:`` with frames ``C:\\src\\Tests.cs(29,0): at Ns.Class.Test(Boolean expected)``;
each such block is one failure, named by its innermost test-class frame. Its ``[FAIL]`` lines
(``Ns.Class.Test [FAIL]``) are failures of their own where no details block names the test.
Deliberately not read: JVM frames, which have a file and line inside the parentheses and no
space in them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from telemetry_assets.core.models import Frame
from telemetry_assets.core.parsers.languages.base import (
    Language,
    Opening,
    TraceInfo,
    is_boundary,
    to_int,
)

NAME = "csharp"
_MAX_HEADER_LOOKBACK = 6
_MAX_DETAIL_LOOKBACK = 12
_MAX_MESSAGE_LINES = 40

# ``at Ns.Class.Method(args) [0x00007] in path:line 12`` / ``... in path:12``. The parameter
# list is empty or holds a space (``String key``) or the frame says ``in <path>``: a JVM frame's
# ``(File.java:12)`` has neither. The function may hold generics, ``+``/``<>`` of compiler types.
_FRAME = re.compile(
    r"""^\s*at\ (?P<func>[^\s(]+(?:\[[^\]]*\])?)\ ?\((?P<params>[^()]*)\)
        (?:\ \[0x[0-9a-f]+\])?
        (?:\ in\ (?P<file>.+?)(?::line\ |:)(?P<line>\d+))?\s*$""",
    re.VERBOSE,
)
# xUnit's frame: ``C:\src\Tests.cs(29,0): at Ns.Class.Test(Boolean expected)``.
_XUNIT_FRAME = re.compile(
    r"""^\s*(?P<file>\S.*?\.(?:cs|fs|vb))\((?P<line>\d+),\d+\):\ at\ (?P<func>[^\s(]+)\(""",
    re.VERBOSE,
)
_HEADER = re.compile(
    r"""^\s*(?:Unhandled\ [Ee]xception[.:]?\ +)?
        (?P<type>[A-Za-z_][\w`]*(?:\.[A-Za-z_][\w`]*)+)(?:\ ?:\ (?P<msg>.*))?$""",
    re.VERBOSE,
)
_END_INNER = "--- End of inner exception stack trace ---"
_END_ASYNC = "--- End of stack trace from previous location"
_XUNIT_PREFIX = re.compile(r"^\[xUnit\.net\ \d\d:\d\d:\d\d\.\d\d\]\s?")
_XUNIT_FAIL = re.compile(r"^\s*(?P<id>[\w.]+(?:\([^)]*\))?)\ \[FAIL\]\s*$")
# VSTest's console logger (``dotnet test`` at its default verbosity): ``  Failed Ns.Class.Test
# [12 ms]`` then ``Error Message:`` / ``Stack Trace:`` sections, then captured output.
_VSTEST_FAILED = re.compile(r"^\s*Failed\ (?P<id>\S.*?)\ \[[\d.,]+\ ?(?:ms|s|m|h)\]\s*$")
_VSTEST_SECTIONS = ("Error Message:", "Stack Trace:")
_VSTEST_OUTPUT = ("Standard Output Messages:", "Standard Error Messages:", "Debug Trace:")
_LIBRARY_ROOTS = ("System.", "Microsoft.", "Xunit.", "NUnit.", "Mono.")


def _is_frame(line: str) -> bool:
    match = _FRAME.match(line)
    if not match:
        return False
    params = match["params"]
    if match["file"] is not None or not params:
        return True
    return " " in params and params not in ("Native Method", "Unknown Source")


def _strip_xunit(line: str) -> str:
    return _XUNIT_PREFIX.sub("", line, count=1) if line.startswith("[xUnit.net ") else line


class _TraceReader:
    def feed(self, line: str) -> bool:
        stripped = line.strip()
        return _is_frame(line) or stripped.startswith((_END_INNER, _END_ASYNC))


class _XunitReader:
    """A ``Stack Trace:`` block of xUnit frames, then its captured ``Output:``."""

    def __init__(self) -> None:
        self.output = False

    def feed(self, line: str) -> bool:
        body = _strip_xunit(line)
        if _XUNIT_FRAME.match(body):
            return not self.output
        if body.strip() == "Output:":
            self.output = True
            return True
        # Captured output is indented deeper than the block's own lines.
        return self.output and body.startswith("        ") and not is_boundary(body)


class _FailBlockReader:
    """The details block indented under an xUnit ``[FAIL]`` line."""

    def __init__(self, indent: int) -> None:
        self.indent = indent

    def feed(self, line: str) -> bool:
        body = _strip_xunit(line)
        return bool(body.strip()) and len(body) - len(body.lstrip(" ")) > self.indent


class _VstestReader:
    """The indented ``Error Message:``/``Stack Trace:`` block under a VSTest ``Failed`` line,
    up to its captured output (not part of the failure) or the next result line."""

    def __init__(self) -> None:
        self.section = ""
        self.message_lines = 0

    def feed(self, line: str) -> bool:
        stripped = line.strip()
        if stripped in _VSTEST_OUTPUT or _VSTEST_FAILED.match(line):
            return False
        if stripped in _VSTEST_SECTIONS:
            self.section = stripped
            return True
        if self.section == "Error Message:" and self.message_lines < _MAX_MESSAGE_LINES:
            # An assertion's further lines (``Expected:``/``Actual:``) start at column 0.
            self.message_lines += 1
            return not stripped.startswith(("Failed!", "Passed!", "Total tests:"))
        return not line or line[0] in " \t" or not stripped


def open_dotnet(line: str, lookback: Sequence[str]) -> Opening | None:
    if "Failed " in line[:12]:
        vstest = _VSTEST_FAILED.match(line)
        if vstest:
            return Opening(_VstestReader(), test_id=vstest["id"], kind="failure")
    body = _strip_xunit(line)
    if body.strip() == "Stack Trace:":
        back = 0
        for i in range(1, min(_MAX_DETAIL_LOOKBACK, len(lookback)) + 1):
            previous = _strip_xunit(lookback[-i]).strip()
            if (
                not previous
                or previous in ("Output:", "Skipped")
                or previous.startswith(("Starting:", "Discovered:", "Discovering:", "Finished:"))
            ):
                break
            if _XUNIT_FRAME.match(previous) or previous.startswith("Running "):
                break
            back = i
        return Opening(_XunitReader(), lookback=back)
    failed = _XUNIT_FAIL.match(body) if body.endswith("[FAIL]") else None
    if failed:
        # ``dotnet test`` prints the details of a failed test right under its [FAIL] line.
        indent = len(body) - len(body.lstrip(" "))
        return Opening(_FailBlockReader(indent), test_id=failed["id"], kind="failure")
    if "at " not in line[:16] or not _is_frame(line):
        return None
    back = 0
    for i in range(1, min(_MAX_HEADER_LOOKBACK, len(lookback)) + 1):
        previous = lookback[-i]
        if _HEADER.match(previous):
            back = i
            break
        if not previous.strip() or is_boundary(previous):
            break
    if back == 0 and lookback and _is_frame(lookback[-1]):
        return None  # the middle of a trace that is already open elsewhere
    return Opening(_TraceReader(), lookback=back)


def _function(name: str) -> tuple[str | None, str]:
    """``Ns.Class.<Method>d__2.MoveNext`` -> (``Ns.Class``, ``Method``)."""
    name = re.sub(r"`\d+(?:\[[^\]]*\])?", "", name)
    async_method = re.search(r"<(?P<m>[\w]+)>d__\d+\.MoveNext$", name)
    if async_method:
        owner = name[: async_method.start()].rstrip(".+")
        return owner or None, async_method["m"]
    owner, _, method = name.rpartition(".")
    return owner or None, method or name


def _frame(func: str, file: str | None, line: str | None) -> Frame:
    module, function = _function(func)
    if file in (None, "<filename unknown>"):
        file = None
    return Frame(
        file=file,
        function=function,
        line=to_int(line),
        module=module,
        in_app=not func.startswith(_LIBRARY_ROOTS),
    )


def _chain(header: str) -> list[tuple[str | None, str]]:
    """``Outer: a ---> Ns.Inner: b`` -> [(Outer, a), (Ns.Inner, b)]."""
    out: list[tuple[str | None, str]] = []
    for part in header.split(" ---> "):
        match = _HEADER.match(part)
        if match:
            out.append((match["type"], (match["msg"] or "").strip()))
        elif part.strip():
            out.append((None, part.strip()))
    return out


def test_exception(message: list[str]) -> tuple[str | None, list[str]]:
    """A test framework's failure message -> (exception type, message lines): ``System.X : text``
    (xUnit's spacing) or ``System.X: text`` names the type; ``Assert.Equal() Failure`` is the
    assertion ``Assert.Equal``; anything else has no type."""
    first = message[0] if message else ""
    header = _HEADER.match(first.replace(" : ", ": ", 1))
    if header and header["msg"] is not None:
        return header["type"], [header["msg"], *message[1:]]
    if first.startswith(("Assert.", "Expected:")) or first.startswith("Assert "):
        return first.split("(", 1)[0].split(" ", 1)[0], message
    return None, message


def stack_frames(lines: Sequence[str]) -> tuple[Frame, ...]:
    """The frames of a .NET stack-trace text (``at ... in file:line N``), outermost first."""
    frames = []
    for line in lines:
        match = _FRAME.match(line)
        if match and _is_frame(line):
            frames.append(_frame(match["func"], match["file"], match["line"]))
    return tuple(reversed(frames))


def _parse_xunit(lines: Sequence[str]) -> TraceInfo | None:
    message: list[str] = []
    frames: list[Frame] = []
    for raw in lines:
        body = _strip_xunit(raw).strip()
        match = _XUNIT_FRAME.match(body)
        if match:
            frames.append(_frame(match["func"], match["file"], match["line"]))
        elif body in ("Stack Trace:", "Output:"):
            if body == "Output:":
                break
        elif not frames and body:
            message.append(body)
    if not message and not frames:
        return None
    exc_type, message = test_exception(message)
    # Printed innermost first: the last frame is the test method itself.
    test_id = f"{frames[-1].module}.{frames[-1].function}" if frames else None
    return TraceInfo(
        exc_type, "\n".join(message).strip(), tuple(reversed(frames)), NAME, test_id=test_id
    )


def _parse_vstest(lines: Sequence[str], test_id: str) -> TraceInfo:
    message: list[str] = []
    stack: list[str] = []
    section = ""
    for line in lines[1:]:
        stripped = line.strip()
        if stripped in _VSTEST_SECTIONS:
            section = stripped
        elif section == "Error Message:" and stripped:
            message.append(stripped)
        elif section == "Stack Trace:" and stripped:
            stack.append(line)
    exc_type, rest = test_exception(message)
    return TraceInfo(
        exc_type,
        "\n".join(rest).strip(),
        stack_frames(stack),
        NAME,
        test_id=test_id,
        kind="failure",
    )


def parse_dotnet(lines: Sequence[str]) -> TraceInfo | None:
    vstest = _VSTEST_FAILED.match(lines[0]) if lines else None
    if vstest:
        return _parse_vstest(lines, vstest["id"])
    failed = _XUNIT_FAIL.match(_strip_xunit(lines[0])) if lines else None
    if failed:
        details = _parse_xunit(lines[1:]) if len(lines) > 1 else None
        if details is None:
            return TraceInfo("TestFailure", "", (), NAME, test_id=failed["id"], kind="failure")
        return TraceInfo(
            details.exception_type,
            details.message,
            details.frames,
            NAME,
            test_id=failed["id"],
            kind="failure",
        )
    if lines and any(_strip_xunit(line).strip() == "Stack Trace:" for line in lines[:16]):
        return _parse_xunit(lines)
    chain: list[tuple[str | None, str]] = []
    frames: list[Frame] = []
    root_frames: list[Frame] | None = None
    for line in lines:
        stripped = line.strip()
        match = _FRAME.match(line)
        if match and _is_frame(line):
            frames.append(_frame(match["func"], match["file"], match["line"]))
        elif stripped.startswith(_END_INNER):
            if root_frames is None:
                root_frames = frames
            frames = []
        elif stripped.startswith(_END_ASYNC):
            continue
        elif stripped and not frames and root_frames is None:
            chain.extend(_chain(stripped))
    if not chain and not frames and root_frames is None:
        return None
    primary = root_frames if root_frames is not None else frames
    exc_type, message = chain[-1] if chain else (None, "")
    return TraceInfo(
        exc_type,
        message,
        tuple(reversed(primary)),
        NAME,
        tuple(chain[:-1]),
        kind="crash",
    )


LANGUAGE = Language(NAME, open_dotnet, parse_dotnet)
