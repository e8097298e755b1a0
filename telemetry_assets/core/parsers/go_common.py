"""What ``go test -json`` and ``go test -v`` share: reading one test's output into a Failure.

A Go test's output is its ``t.Error``/``t.Fatal`` lines (``    file_test.go:42: message``), anything
it printed, and possibly a panic with goroutine dumps. :func:`test_failure` turns those lines into
a Failure: a panic makes it a ``crash`` with frames from ``parse_trace``; otherwise the first
location line gives the message and a single frame. :func:`build_failure` does the same for
compiler output (``# pkg`` then ``file.go:3:2: undefined: x``) and :func:`package_failure` for a
package that failed with no failing test (panic in ``init``, ``TestMain`` exiting non-zero, a
test-binary timeout), which gotestsum and go-junit-report also report as a synthetic test case.
:class:`Lines` keeps one test's output bounded so a chatty test cannot make memory grow.
"""

from __future__ import annotations

import re
from datetime import datetime

from telemetry_assets.core.models import Failure, FailureKind, Frame
from telemetry_assets.core.parsers.reportutil import clip, first_line, trace_info

_FRAMING = re.compile(r"^\s*(?:===\s(?:RUN|PAUSE|CONT|NAME)\b|---\s(?:FAIL|PASS|SKIP|BENCH):)")
"""The test runner's own progress lines; never part of a failure's text."""

_LOCATION = re.compile(
    r"""
    ^[ \t]+                              # t.Log output is always indented
    (?P<file>[\w.\-/\\]+\.go) : (?P<line>\d+) : [ ]
    (?P<message>.*)$
    """,
    re.VERBOSE,
)
"""``    foo_test.go:42: got 3, want 4``. Does not match unindented compiler errors (see below)."""

_COMPILE_ERROR = re.compile(
    r"""
    ^(?P<file>[\w.\-/\\]+\.go) : (?P<line>\d+) (?: : (?P<column>\d+) )? : [ ]
    (?P<message>.*)$
    """,
    re.VERBOSE,
)
"""``./x_test.go:3:2: undefined: x`` as the compiler prints it, unindented."""

_FATAL = re.compile(r"^\s*(?:panic: |fatal error: )")
"""A Go panic header, or a runtime throw (``fatal error: concurrent map writes``). Does not match
``panic(`` inside a goroutine dump, which only follows a header."""

DATA_RACE = "WARNING: DATA RACE"


class Lines:
    """Output lines kept bounded: the head (where ``t.Error`` messages are) and the tail (where a
    panic and its goroutines are); the middle of a very chatty test is dropped."""

    HEAD = 400
    TAIL = 2000

    __slots__ = ("dropped", "head", "tail")

    def __init__(self) -> None:
        self.head: list[str] = []
        self.tail: list[str] = []
        self.dropped = 0

    def append(self, line: str) -> None:
        if len(self.head) < self.HEAD:
            self.head.append(line)
            return
        self.tail.append(line)
        if len(self.tail) > 2 * self.TAIL:
            self.dropped += len(self.tail) - self.TAIL
            del self.tail[: len(self.tail) - self.TAIL]

    def lines(self) -> list[str]:
        if self.dropped:
            return [*self.head, f"[... {self.dropped} lines dropped]", *self.tail]
        return [*self.head, *self.tail]

    def has_panic(self) -> bool:
        return any(_FATAL.match(line) for line in self.head) or any(
            _FATAL.match(line) for line in self.tail
        )


def test_function(name: str) -> str:
    """The function a test's messages come from: ``TestX`` for a top-level test; for a subtest
    (``TestX/case``) the closure ``t.Run`` was given inside ``TestX``, written ``TestX.func`` (Go
    numbers closures, ``TestX.func1``, but the test output does not say which one). Table-driven
    cases of one closure thus share the function, and a parent failing in its own body does not
    share it with its subtests."""
    root, sep, _ = name.partition("/")
    return f"{root}.func" if sep else root


def _content(lines: list[str]) -> list[str]:
    return [line.rstrip("\r\n") for line in lines if not _FRAMING.match(line)]


def _panic_block(lines: list[str]) -> list[str] | None:
    for index, line in enumerate(lines):
        if _FATAL.match(line):
            return [text.strip() if i == 0 else text for i, text in enumerate(lines[index:])]
    return None


def test_failure(
    *,
    source_format: str,
    output: list[str],
    test_id: str | None,
    function: str | None,
    occurred_at: datetime | None,
    fallback_message: str,
    kind: FailureKind = "failure",
) -> Failure:
    """A Failure from one test's (or one package's) output lines."""
    lines = _content(output)
    text = clip("\n".join(lines).strip("\n"))
    panic = _panic_block(lines)
    if panic is not None:
        trace = clip("\n".join(panic).strip())
        info = trace_info(trace, "go")
        message = first_line(trace)
        message = message.split(": ", 1)[1] if ": " in message else message
        return Failure(
            source_format=source_format,
            message=info.message or message,
            trace=trace,
            exception_type=info.exception_type or "panic",
            frames=info.frames,
            test_id=test_id,
            test_file=_first_in_app_file(info.frames),
            kind="crash",
            language="go",
            occurred_at=occurred_at,
            chained=info.chained,
        )
    for index, line in enumerate(lines):
        match = _LOCATION.match(line)
        if match is None:
            continue
        indent = len(line) - len(line.lstrip())
        continuation = [more.strip() for more in _takewhile_indented(lines[index + 1 :], indent)]
        message = "\n".join([match["message"].strip(), *continuation]).strip()
        return Failure(
            source_format=source_format,
            message=message or fallback_message,
            trace=text,
            exception_type="data race" if any(DATA_RACE in ln for ln in lines) else None,
            frames=(Frame(file=match["file"], function=function, line=int(match["line"])),),
            test_id=test_id,
            test_file=match["file"],
            kind=kind,
            language="go",
            occurred_at=occurred_at,
        )
    return Failure(
        source_format=source_format,
        message=first_line(text) or fallback_message,
        trace=text or fallback_message,
        exception_type="data race" if any(DATA_RACE in ln for ln in lines) else None,
        test_id=test_id,
        kind=kind,
        language="go",
        occurred_at=occurred_at,
    )


def _takewhile_indented(lines: list[str], indent: int) -> list[str]:
    taken: list[str] = []
    for line in lines:
        if not line.strip() or len(line) - len(line.lstrip()) <= indent:
            break
        taken.append(line)
    return taken


def _first_in_app_file(frames: tuple[Frame, ...]) -> str | None:
    for frame in reversed(frames):
        if frame.file and frame.file.endswith("_test.go"):
            return frame.file
    return None


def build_failure(
    *,
    source_format: str,
    package: str,
    marker: str,
    output: list[str],
    occurred_at: datetime | None,
) -> Failure:
    """A compile or setup failure of ``package``; ``marker`` says ``build`` or ``setup failed``."""
    lines = [
        line.rstrip("\r\n")
        for line in output
        if line.strip() and not line.startswith("# ") and not line.startswith("FAIL")
    ]
    text = clip("\n".join(lines)) or f"{package} [{marker}]"
    frames: tuple[Frame, ...] = ()
    message = first_line(text)
    for line in lines:
        match = _COMPILE_ERROR.match(line.strip())
        if match:
            message = match["message"].strip()
            column = int(match["column"]) if match["column"] else None
            frames = (Frame(file=match["file"], line=int(match["line"]), column=column),)
            break
    return Failure(
        source_format=source_format,
        message=message,
        trace=text,
        exception_type=None,
        frames=frames,
        test_id=f"{package} [{marker}]",
        test_file=frames[0].file if frames else None,
        kind="build",
        language="go",
        occurred_at=occurred_at,
    )


def package_failure(
    *,
    source_format: str,
    package: str,
    output: list[str],
    occurred_at: datetime | None,
    reason: str = "package failed",
) -> Failure:
    """A package that failed outside any test: an ``init`` panic, ``TestMain``, a timeout."""
    failure = test_failure(
        source_format=source_format,
        output=[line for line in output if not is_summary_line(line)],
        test_id=f"{package} [{reason}]",
        function=None,
        occurred_at=occurred_at,
        fallback_message=f"{reason} with no failing test (TestMain, init or exit code)",
        kind="error",
    )
    return failure


_SUMMARY = re.compile(r"^(?:FAIL|ok|PASS|exit status \d+)\b")


def is_summary_line(line: str) -> bool:
    """``FAIL``/``ok``/``PASS``/``exit status N``: the runner's verdict, not the failure's text."""
    return bool(_SUMMARY.match(line))
