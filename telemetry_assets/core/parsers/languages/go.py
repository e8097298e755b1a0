"""Go panics, fatal errors, goroutine dumps and ``go test`` failure blocks.

A crash starts at ``panic: ...`` / ``fatal error: ...`` (or a bare ``goroutine N [state]:``
dump), may carry re-panics (``\\tpanic: ... [recovered]``), a ``[signal ...]`` line and test
timeouts' ``running tests:`` list, then goroutines: ``pkg.(*T).Method(args)`` lines each followed
by ``\\t/path/file.go:123 +0x1d``, and ``created by ...``. Frames come from the first goroutine
(the one that panicked: Go prints it first), innermost first as printed, reversed here; the
``created by`` line is kept as the outermost frame. The exception type is ``panic`` or
``fatal error`` and the message is the panic value (the last one printed when it re-panicked;
earlier values go to ``chained``). ``--- FAIL: TestX (0.00s)`` blocks with ``file_test.go:12:
message`` lines become one failure each; a ``--- FAIL`` without messages names the test of the
panic that follows it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from telemetry_assets.core.models import Frame
from telemetry_assets.core.parsers.languages.base import (
    Language,
    Opening,
    TraceInfo,
    indent_of,
    is_boundary,
    to_int,
)

NAME = "go"
_MAX_PREAMBLE_LINES = 20
_MAX_GOROUTINES = 200
"""Goroutines considered when choosing the one a crash is about (a dump may hold 10 000)."""

# First elements of standard-library import paths (``runtime``, ``net/http``, ``internal/poll``).
_STD_ROOTS = frozenset(
    {
        "archive", "bufio", "bytes", "cmp", "compress", "container", "context", "crypto",
        "database", "debug", "embed", "encoding", "errors", "expvar", "flag", "fmt", "go",
        "hash", "html", "image", "index", "internal", "io", "iter", "log", "maps", "math",
        "mime", "net", "os", "path", "plugin", "reflect", "regexp", "runtime", "slices", "sort",
        "strconv", "strings", "sync", "syscall", "testing", "text", "time", "unicode", "unique",
        "unsafe", "weak",
    }
)  # fmt: skip

_PANIC = re.compile(r"^\s*(?P<kind>panic|fatal\ error):\ (?P<msg>.*?)(?:\ \[recovered\])?$", re.X)
_GOROUTINE = re.compile(r"^goroutine\ \d+(?:\ [^\[]*)?\ \[[^\]]*\]:$", re.VERBOSE)
# ``\t/path/to/file.go:123 +0x1d``. Deliberately not matched: lines without a ``.go``-style
# ``:line`` (assembly stubs print ``.s`` files, which are matched as they are real frames too).
_FILE = re.compile(r"^\t(?P<file>\S.*?):(?P<line>\d+)(?:\ \+0x[0-9a-f]+)?\s*$", re.VERBOSE)
_FAIL = re.compile(r"^(?P<indent>\s*)---\ FAIL:\ (?P<name>\S+)\ \([0-9.]+s\)", re.VERBOSE)
_MESSAGE = re.compile(r"^\s+(?P<file>[\w.\-/]+\.go):(?P<line>\d+):\ ?(?P<msg>.*)$", re.VERBOSE)


def _is_function_line(line: str) -> bool:
    return bool(line) and line[0] not in " \t" and line.endswith(")") and "(" in line


class _CrashReader:
    def __init__(self) -> None:
        self.in_goroutines = False
        self.preamble = 0
        self.blank = False

    def feed(self, line: str) -> bool:
        if not line.strip():
            self.blank = True
            return True
        if _GOROUTINE.match(line):
            self.in_goroutines = True
            return True
        if not self.in_goroutines:
            if line.startswith(("\t", "[signal ", "panic: ", "running tests:")):
                return True
            # The panic value's further lines follow it directly; after a blank line only the
            # goroutine dump belongs to the crash.
            self.preamble += 1
            return not self.blank and self.preamble <= _MAX_PREAMBLE_LINES and not is_boundary(line)
        return (
            line.startswith("\t")
            or line.startswith("created by ")
            or line.startswith("...additional frames elided...")
            or _is_function_line(line)
        )


class _FailReader:
    def __init__(self, indent: int) -> None:
        self.indent = indent

    def feed(self, line: str) -> bool:
        if not line.strip():
            return False
        return indent_of(line) > self.indent and not line.lstrip().startswith(("--- ", "=== "))


def open_go(line: str, lookback: Sequence[str]) -> Opening | None:
    if line.startswith(("panic: ", "fatal error: ")) or _GOROUTINE.match(line):
        return Opening(_CrashReader())
    if "--- FAIL: " in line[:64]:
        match = _FAIL.match(line)
        if match:
            # ``go test -v`` prints the messages above the FAIL line, under ``=== RUN``.
            back = 0
            for i in range(1, len(lookback) + 1):
                previous = lookback[-i]
                if not previous.strip() or previous.lstrip().startswith(("=== ", "--- ")):
                    break
                if indent_of(previous) <= len(match["indent"]):
                    break
                back = i
            reader = _FailReader(len(match["indent"]))
            return Opening(reader, lookback=back, test_id=match["name"])
    return None


def _function(line: str) -> tuple[str | None, str]:
    """``github.com/a/b/pkg.(*T).M(0x0)`` -> (``github.com/a/b/pkg``, ``(*T).M``)."""
    name = line
    if name.endswith(")"):
        depth = 0
        for i in range(len(name) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(name[i], 0)
            if depth == 0:
                name = name[:i]
                break
    slash = name.rfind("/")
    dot = name.find(".", slash + 1)
    if dot <= 0:
        return None, name
    return name[:dot], name[dot + 1 :]


def _is_std(module: str | None) -> bool:
    """A standard-library package (``runtime``, ``testing``, ``net/http``): its import path's
    first element is a known std root. Module paths of projects start with a domain or their own
    module name, which is not one of these."""
    return bool(module) and (module or "").split("/", 1)[0] in _STD_ROOTS


def _goroutine_frames(body: Sequence[str]) -> list[Frame]:
    """Frames of one goroutine as printed (innermost first)."""
    frames: list[Frame] = []
    pending: tuple[str | None, str] | None = None
    for line in body:
        if line.startswith("\t") and pending is not None:
            file_match = _FILE.match(line)
            module, function = pending
            if file_match:
                frames.append(
                    Frame(
                        file=file_match["file"],
                        function=function,
                        line=to_int(file_match["line"]),
                        module=module,
                        in_app=False if _is_std(module) else None,
                    )
                )
            pending = None
        elif line.startswith("created by "):
            pending = _function(line[len("created by ") :].split(" in goroutine ")[0])
        elif _is_function_line(line):
            pending = _function(line)
    return frames


def _pick_goroutine(
    goroutines: list[tuple[str, list[str]]], timeout: bool, running_tests: list[str]
) -> list[str]:
    """The goroutine the failure is about. Go prints the panicking goroutine first, in state
    ``running``, but a hand-assembled or reordered dump may not: the first ``running`` one wins.
    A test timeout panics in the testing package's alarm goroutine, which says nothing about the
    hang: the goroutine running a test named under ``running tests:`` (else any test function)
    is the one stuck."""
    if not goroutines:
        return []
    if timeout:
        marks = [f".{name.split('/', 1)[0]}(" for name in running_tests] or ["_test.go:"]
        for _, body in goroutines:
            if any(mark in line for line in body for mark in marks):
                return body
    for header, body in goroutines:
        if "[running" in header:
            return body
    return goroutines[0][1]


def _parse_crash(lines: Sequence[str]) -> TraceInfo:
    values: list[tuple[str, str]] = []
    goroutines: list[tuple[str, list[str]]] = []
    running_tests: list[str] = []
    in_running = False
    for line in lines:
        if _GOROUTINE.match(line):
            if len(goroutines) >= _MAX_GOROUTINES:
                break
            goroutines.append((line, []))
            continue
        if goroutines:
            goroutines[-1][1].append(line)
            continue
        match = _PANIC.match(line)
        if match:
            values.append((match["kind"], match["msg"]))
            in_running = False
        elif line.strip() == "running tests:":
            in_running = True
        elif in_running and line.startswith("\t"):
            running_tests.append(line.strip().split(" ", 1)[0])
        elif (
            values
            and line.strip()
            and not line.startswith(("[signal ", "running tests:", "\t"))
            and len(values[-1][1]) < 2000
        ):
            values[-1] = (values[-1][0], values[-1][1] + "\n" + line)
    exc_type, message = values[-1] if values else (None, "")
    timeout = message.startswith("test timed out")
    frames = _goroutine_frames(_pick_goroutine(goroutines, timeout, running_tests))
    chained = tuple(
        (kind, msg) for kind, msg in reversed(values[:-1]) if (kind, msg) != (exc_type, message)
    )
    return TraceInfo(exc_type, message, tuple(reversed(frames)), NAME, chained, kind="crash")


def _parse_fail(lines: Sequence[str]) -> TraceInfo | None:
    name = next((m["name"] for m in map(_FAIL.match, lines) if m), None)
    if name is None:
        return None
    messages: list[str] = []
    frames: list[Frame] = []
    for line in lines:
        if _FAIL.match(line):
            continue
        msg = _MESSAGE.match(line)
        if msg:
            if not frames:
                frames.append(Frame(file=msg["file"], function=name, line=to_int(msg["line"])))
            messages.append(msg["msg"])
        elif messages:
            messages[-1] += "\n" + line.strip()
    if not messages:
        return None  # a parent test or a panic follows: the block only names the test
    return TraceInfo(None, messages[0], tuple(frames), NAME, test_id=name, kind="failure")


def parse_go(lines: Sequence[str]) -> TraceInfo | None:
    if not lines:
        return None
    if lines[0].startswith(("panic: ", "fatal error: ")) or _GOROUTINE.match(lines[0]):
        return _parse_crash(lines)
    return _parse_fail(lines)


LANGUAGE = Language(NAME, open_go, parse_go)
