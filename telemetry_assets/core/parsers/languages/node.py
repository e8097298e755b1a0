"""Node.js / browser JavaScript (V8) stacks, including Jest's failure reports.

A trace is an error line (``TypeError: Cannot read properties of undefined (reading 'id')``,
``Uncaught Error: x``, ``AssertionError [ERR_ASSERTION]: x``), optional further message lines and
Jest code frames (``> 42 |   row.id``), then ``at fn (file:line:col)`` / ``at file:line:col``
frames (``async``, ``new``, ``Object.<anonymous>``, ``node:internal/...``, ``file://`` and
``webpack://`` locations). V8 prints the innermost frame first; frames are reversed here. Jest's
``● Suite › test`` lines name the test of the trace that follows.
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

NAME = "javascript"
_MAX_HEADER_LOOKBACK = 20

# ``at fn (loc)`` or ``at loc``. Deliberately not matched: JVM frames (``at a.b.C.m(F.java:1)``
# have no space before the parenthesis and a single ``:line``), which java.py owns.
_FRAME = re.compile(r"^\s*at\ (?P<rest>\S.*)$", re.VERBOSE)
_JVM_FRAME = re.compile(r"^\s*at\ [^\s()]+\([^()]*\)")

# An error line: a name ending in Error/Exception (optionally namespaced, optionally with a
# Node ``[ERR_CODE]``), then ``: message`` or nothing. Deliberately not matched: ``Expected: 4``
# and other ``Word: text`` lines, which Jest prints as part of a message.
_ERROR_LINE = re.compile(
    r"""^\s*(?:Uncaught\ )?(?:\[)?
        (?P<type>(?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*(?:Error|Exception)|Error)
        (?:\ \[(?P<code>[A-Z0-9_]+)\])?
        (?::\ ?(?P<msg>.*))?$""",
    re.VERBOSE,
)
_CODE_FRAME = re.compile(r"^\s*(?:>\s*)?\d*\s*\|")
_JEST_HEADER = re.compile(r"^\s*●\ (?P<name>.+)$", re.VERBOSE)


def _is_frame(line: str) -> bool:
    return bool(_FRAME.match(line)) and not _JVM_FRAME.match(line)


class _NodeReader:
    def feed(self, line: str) -> bool:
        return _is_frame(line) or line.strip().startswith("... ")


def open_node(line: str, lookback: Sequence[str]) -> Opening | None:
    if "at " not in line[:32] or not _is_frame(line):
        return None
    back = 0
    for i in range(1, min(_MAX_HEADER_LOOKBACK, len(lookback)) + 1):
        previous = lookback[-i]
        if _JEST_HEADER.match(previous) or previous.startswith("==") or is_boundary(previous):
            back = i - 1
            break
        if _ERROR_LINE.match(previous):
            back = i
            break
    else:
        # No error line close above: keep only the message lines directly above the frames.
        for i in range(1, min(_MAX_HEADER_LOOKBACK, len(lookback)) + 1):
            if not lookback[-i].strip() or is_boundary(lookback[-i]):
                break
            back = i
    while back and not lookback[-back].strip():
        back -= 1
    return Opening(_NodeReader(), lookback=back)


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


def _frame(line: str) -> Frame | None:
    match = _FRAME.match(line)
    if not match:
        return None
    rest = match["rest"].strip()
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


def parse_node(lines: Sequence[str]) -> TraceInfo | None:
    exc_type: str | None = None
    message: list[str] = []
    frames: list[Frame] = []
    for line in lines:
        if _is_frame(line):
            frame = _frame(line)
            if frame is not None:
                frames.append(frame)
            continue
        if frames or not line.strip() or _CODE_FRAME.match(line):
            continue
        if exc_type is None and not message:
            match = _ERROR_LINE.match(line)
            if match:
                exc_type = match["type"]
                message.append(match["msg"] or "")
                continue
        message.append(line.strip())
    if exc_type is None and not message and not frames:
        return None
    return TraceInfo(exc_type, "\n".join(message).strip(), tuple(reversed(frames)), NAME)


def node_context(line: str) -> TestContext | None:
    if "●" not in line:
        return None
    match = _JEST_HEADER.match(line)
    if not match or match["name"].strip() == "Test suite failed to run":
        return None
    return TestContext(match["name"].strip(), "failure")


LANGUAGE = Language(NAME, open_node, parse_node, node_context)
