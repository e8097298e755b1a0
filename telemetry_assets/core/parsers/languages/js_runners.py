"""JavaScript test runners whose console reports are not V8 stacks: AVA, Vitest and TAP.

**AVA** (default reporter). Each ``✘ [fail]: file › title`` (or ``[unexpected pass]``) progress
line is one failed test; its test id is the title, without the reason AVA appends to the line
(``Test failed via `t.fail()```). ``Uncaught exception in x.js`` and ``Unhandled rejection in
x.js`` blocks (location, source excerpt, error line, ``›`` frames) are one failure each, of kind
``crash``, with ``x.js`` as their test file; ``✘ No tests found in x.js``, ``✘ Line numbers for
x.js did not match any tests`` and ``✘ Timed out while running tests`` (with the file whose
tests were left pending as its test file) are one failure each.
``✘ x.js exited with a non-zero exit code`` is a consequence of an earlier failure and is not
counted; the detailed section after the ``─`` rule restates the failed tests.

**Vitest** (default reporter). A failure block starts at ``FAIL  file > suite > test`` (or
``FAIL  file [ file ]`` for a file that failed to load) and runs to the ``⎯⎯[n/m]⎯`` rule: the
error line, message and diff, ``❯ fn file:line:col`` frames and code frames. When Vitest merges
an identical error of several tests it prints their ``FAIL`` lines one under the other above one
error: each is a failure (``shared_with``).

**TAP** (AVA ``--tap``, Vitest ``tap``/``tap-flat``, Deno ``--reporter=tap``, node:test). Each
``not ok N - title`` is one failure unless it is a ``# TODO``/``# SKIP``, an AVA ``exited with a
non-zero exit code`` line, or a Deno parent step failing only because of its children (``N test
steps failed.``); the YAML diagnostics below it (``name``/``message``/``at``, or Deno's JSON) give
the exception and location.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from telemetry_assets.core.models import FailureKind, Frame
from telemetry_assets.core.parsers.languages import node
from telemetry_assets.core.parsers.languages.base import (
    Language,
    Opening,
    TraceInfo,
    indent_of,
    is_boundary,
    split_location,
)

NAME = "javascript"
_MAX_MESSAGE_LINES = 40

# --------------------------------------------------------------------------------------------
# AVA
# --------------------------------------------------------------------------------------------

_AVA_FAIL = re.compile(r"^\s*✘\ \[(?:fail|unexpected\ pass)\]:\ (?P<rest>.+)$", re.VERBOSE)
# The reason AVA appends to a failed test's progress line. Deliberately not matched: anything
# else after the title, which stays in the test id rather than being guessed at.
_AVA_REASON = re.compile(
    r"""\ (?P<reason>Test\ failed\ via\ `t\.fail\(\)`.*
      | Error\ thrown\ in\ test.*
      | Test\ was\ expected\ to\ fail.*
      | Rejected\ promise\ returned\ by\ test.*
      | Promise\ returned\ by\ test\ never\ resolved.*
      | Test\ finished\ without\ running\ any\ assertions.*
      | Assertion\ failed.*
      | Difference\ \(-\ actual,\ \+\ expected\):.*)$""",
    re.VERBOSE,
)
_AVA_FILE_EVENT = re.compile(
    r"""^\s*✘\ (?P<event>No\ tests\ found\ in\ (?P<file>\S+?),?(?:\ .*)?
      | Line\ numbers\ for\ (?P<lfile>\S+)\ did\ not\ match\ any\ tests
      | Timed\ out\ while\ running\ tests)$""",
    re.VERBOSE,
)
# A consequence line: claimed (so no other reader takes it) and dropped.
_AVA_EXITED = re.compile(r"^\s*✘\ \S+\ exited\ with\ a\ non-zero\ exit\ code:\ \d+$", re.VERBOSE)
_AVA_PENDING = re.compile(r"^\s*\d+\ tests?\ (?:was|were)\ pending\ in\ (?P<file>\S+)$", re.VERBOSE)
_AVA_CRASH = re.compile(
    r"^\s*(?P<what>Uncaught\ exception|Unhandled\ rejection)\ in\ (?P<file>\S+)$", re.VERBOSE
)
# ``› fn (file:line:col)`` or ``› file:line:col``
_AVA_FRAME = re.compile(r"^\s*›\ (?P<rest>\S.*)$")
_AVA_PROGRESS = re.compile(r"^\s*(?:✘|✔|─|◌|-\ \[|---tty-stream-chunk-separator)")


class _AvaCrashReader:
    """An uncaught exception block: blank and indented lines up to the next progress line."""

    def feed(self, line: str) -> bool:
        if _AVA_PROGRESS.match(line) or is_boundary(line):
            return False
        return not line.strip() or indent_of(line) >= 2


def open_ava(line: str, lookback: Sequence[str]) -> Opening | None:
    stripped = line.lstrip()
    if stripped.startswith("✘ "):
        if stripped == "✘ Timed out while running tests":
            return Opening(_AvaCrashReader())  # the pending tests and their file follow
        if _AVA_FAIL.match(line) or _AVA_FILE_EVENT.match(line) or _AVA_EXITED.match(line):
            return Opening(None)
        return None
    crash = stripped.startswith(("Uncaught exception in ", "Unhandled rejection in "))
    return Opening(_AvaCrashReader()) if crash and _AVA_CRASH.match(line) else None


def _ava_frame(line: str) -> Frame | None:
    match = _AVA_FRAME.match(line)
    return node.parse_frame("at " + match["rest"]) if match else None


def parse_ava(lines: Sequence[str]) -> TraceInfo | None:
    if not lines:
        return None
    first = lines[0]
    failed = _AVA_FAIL.match(first)
    if failed:
        rest = failed["rest"].strip()
        reason = _AVA_REASON.search(rest)
        title = rest[: reason.start()] if reason else rest
        message = reason["reason"] if reason else ""
        return TraceInfo(None, message, (), NAME, test_id=title.strip(), kind="failure")
    event = _AVA_FILE_EVENT.match(first)
    if event:
        file = event["file"] or event["lfile"]
        pending = next(filter(None, map(_AVA_PENDING.match, lines[1:])), None)
        file = file or (pending["file"] if pending else None)
        return TraceInfo(None, event["event"].strip(), (), NAME, kind="error", test_file=file)
    crash = _AVA_CRASH.match(first)
    if crash is None:
        return None
    exc_type: str | None = None
    message = ""
    frames: list[Frame] = []
    for line in lines[1:]:
        frame = _ava_frame(line)
        if frame is not None:
            frames.append(frame)
            continue
        text = line.strip()
        if not text or frames or message or exc_type:
            continue
        error = node.ERROR_LINE.match(text)
        if error:
            exc_type, message = error["type"], (error["msg"] or "").strip()
        elif not re.match(r"^\S+:\d+$|^\d+:", text):  # the location and source excerpt
            message = text  # a rejected non-Error value (``null``)
    kind: FailureKind = "crash"
    return TraceInfo(
        exc_type, message, tuple(reversed(frames)), NAME, kind=kind, test_file=crash["file"]
    )


# --------------------------------------------------------------------------------------------
# Vitest
# --------------------------------------------------------------------------------------------

# `` FAIL  file > suite > test`` or `` FAIL  file [ file ]``. Deliberately not matched: Jest's
# `` FAIL  src/x.test.ts`` suite lines (its ``●`` blocks are the failures).
_VITEST_FAIL = re.compile(
    r"^\s?FAIL\s+(?P<file>\S+)\s+(?:>\s+(?P<name>.+?)|\[\s*(?P<suite>\S+)\s*\])(?:\s+\d+m?s)?$"
)
_VITEST_RULE = re.compile(r"^\s*⎯+(?:\[\d+/\d+\]⎯*|\s.*⎯+)?\s*$")
_VITEST_FRAME = re.compile(r"^\s*❯\ (?P<rest>\S.*)$")
_VITEST_SUMMARY = re.compile(r"^\s*(?:Test\ Files|Tests|Start\ at|Duration)\s{2,}")


class _VitestReader:
    """Up to the ``⎯`` rule; ``FAIL`` lines directly under the first share its error."""

    def __init__(self) -> None:
        self.body = False

    def feed(self, line: str) -> bool:
        if _VITEST_RULE.match(line) or _VITEST_SUMMARY.match(line):
            return False
        if _VITEST_FAIL.match(line):
            return not self.body
        self.body = True
        return True


def open_vitest(line: str, lookback: Sequence[str]) -> Opening | None:
    if "FAIL" not in line[:6] or not _VITEST_FAIL.match(line):
        return None
    return Opening(_VitestReader())


def _vitest_frame(line: str) -> Frame | None:
    match = _VITEST_FRAME.match(line)
    if not match:
        return None
    rest = match["rest"].strip()
    function, sep, loc = rest.rpartition(" ")
    if not sep:
        function, loc = "", rest
    file, line_no, column = split_location(loc)
    in_app = False if file and ("node_modules" in file or "(NODE_MODULES)" in file) else None
    return Frame(file, function or None, line_no, column, in_app=in_app)


def parse_vitest(lines: Sequence[str]) -> TraceInfo | None:
    ids: list[str] = []
    test_file: str | None = None
    i = 0
    while i < len(lines):
        header = _VITEST_FAIL.match(lines[i])
        if not header:
            break
        test_file = test_file or header["file"]
        ids.append(f"{header['file']} > {header['name']}" if header["name"] else header["file"])
        i += 1
    if not ids:
        return None
    exc_type: str | None = None
    message: list[str] = []
    frames: list[Frame] = []
    for line in lines[i:]:
        frame = _vitest_frame(line)
        if frame is not None:
            frames.append(frame)
            continue
        if frames or node.is_frame(line) or node.CODE_FRAME.match(line):
            continue
        if exc_type is None and not message:
            if not line.strip():
                continue
            error = node.ERROR_LINE.match(line)
            if error:
                exc_type, message = error["type"], [(error["msg"] or "").strip()]
                continue
        if len(message) < _MAX_MESSAGE_LINES:
            message.append(line.strip())
    kind: FailureKind = "error" if len(ids) == 1 and "[" in lines[0] else "failure"
    return TraceInfo(
        exc_type,
        "\n".join(message).strip(),
        tuple(reversed(frames)),
        NAME,
        test_id=ids[0],
        kind=kind,
        test_file=test_file,
        shared_with=tuple(ids[1:]),
    )


# --------------------------------------------------------------------------------------------
# TAP
# --------------------------------------------------------------------------------------------

_TAP_NOT_OK = re.compile(r"^(?P<indent>\s*)not\ ok\ \d+(?:\ -)?\ ?(?P<title>.*)$", re.VERBOSE)
_TAP_DIRECTIVE = re.compile(r"\s#\s*(?P<word>TODO|SKIP)\b", re.IGNORECASE)
_TAP_TIME = re.compile(r"\s#\s*time=\S+\s*$")
# Results that restate other failures (see the module docstring).
_TAP_CONSEQUENCE = re.compile(
    r"exited\ with\ a\ non-zero\ exit\ code | ^\d+\ (?:test\ steps?|subtests?)\ failed\.?$",
    re.VERBOSE,
)


_AVA_INTERNAL = re.compile(r"(?:^|/)(?:node_modules/ava/)?lib/(?:assert|test|runner)\.js$")
_TAP_SUBTEST = re.compile(r"^(?P<indent>\s*)\#\ Subtest:\ (?P<name>.+)$", re.VERBOSE)
_JSON_MESSAGE = re.compile(r'"message":\s*("(?:[^"\\]|\\.)*")')


class _TapReader:
    """The YAML block under a ``not ok`` line: lines indented deeper, up to its ``...`` end."""

    def __init__(self, indent: int) -> None:
        self.indent = indent
        self.done = False
        self.yaml = False

    def feed(self, line: str) -> bool:
        if self.done or not line.strip():
            return False
        if indent_of(line) <= self.indent:
            # the test's own ``# output`` comments may sit between the result and its YAML
            return not self.yaml and line.lstrip().startswith("#") and not _TAP_SUBTEST.match(line)
        self.yaml = True
        self.done = line.strip() == "..."
        return True


def open_tap(line: str, lookback: Sequence[str]) -> Opening | None:
    if "not ok" not in line[:24]:
        return None
    match = _TAP_NOT_OK.match(line)
    if not match:
        return None
    title = match["title"]
    directive = _TAP_DIRECTIVE.search(title)
    if directive or _TAP_CONSEQUENCE.search(title):
        return None
    indent = len(match["indent"])
    back = 0
    if indent:
        # a nested result: its parent's ``# Subtest: name`` comment names the path to it
        for i in range(1, len(lookback) + 1):
            parent = _TAP_SUBTEST.match(lookback[-i])
            if parent and len(parent["indent"]) < indent:
                back = i
                break
    return Opening(_TapReader(indent), lookback=back)


def _yaml_value(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def parse_tap(lines: Sequence[str]) -> TraceInfo | None:
    parent = _TAP_SUBTEST.match(lines[0]) if lines else None
    at_line = max((i for i, x in enumerate(lines) if _TAP_NOT_OK.match(x)), default=None)
    if at_line is None:
        return None
    match = _TAP_NOT_OK.match(lines[at_line])
    if match is None:
        return None
    title = _TAP_TIME.sub("", match["title"]).strip()
    if parent:
        title = f"{parent['name'].strip()} > {title}"
    lines = [x for x in lines[at_line + 1 :] if not x.lstrip().startswith("#")]
    # only the diagnostics' top-level keys: ``details`` nest the values the assertion compared
    top = min((indent_of(x) for x in lines if x.strip() not in ("", "---", "...")), default=0)
    exc_type: str | None = None
    message = ""
    at: str | None = None
    for raw in lines:
        if indent_of(raw) != top:
            continue
        line = raw.strip()
        if line.startswith("{") and line.endswith("}"):
            # Deno's diagnostics: one JSON object; only its message string is read, so a value
            # elsewhere in the object that is not valid JSON does not lose it
            found = _JSON_MESSAGE.search(line)
            try:
                text = json.loads(found.group(1)) if found else ""
            except ValueError:
                text = ""
            first = str(text).split("\n", 1)[0]
            error = node.ERROR_LINE.match(first)
            exc_type = error["type"] if error else None
            message = (error["msg"] or "") if error else first
            continue
        key, sep, value = line.partition(":")
        if not sep:
            continue
        if key == "name" and exc_type is None:
            exc_type = _yaml_value(value) or None
        elif key in ("message", "error") and not message:
            message = _yaml_value(value)
            message = "" if message in (">-", "|-", ">", "|") else message
        elif key == "at" and at is None:
            at = _yaml_value(value)
    if _TAP_CONSEQUENCE.search(message):
        return None
    frames: tuple[Frame, ...] = ()
    if at:
        frame = node.parse_frame("at " + at)
        # AVA points ``at`` into its own assertion or test machinery (``ExecutionContext.fail
        # (/lib/assert.js:288:15)``): that says which assertion failed, not where
        runner = frame is not None and _AVA_INTERNAL.search(frame.file or "") is not None
        frames = (frame,) if frame is not None and not runner else ()
    if node.ERROR_LINE.match(title):
        # AVA reports an uncaught exception as a result titled by the error itself
        return TraceInfo(exc_type, message, frames, NAME, kind="crash")
    return TraceInfo(exc_type, message, frames, NAME, test_id=title or None, kind="failure")


AVA = Language("ava", open_ava, parse_ava)
VITEST = Language("vitest", open_vitest, parse_vitest)
TAP = Language("tap", open_tap, parse_tap)
LANGUAGES: tuple[Language, ...] = (AVA, VITEST, TAP)
"""Registered before Node and the PHP testdox reader, which would take their lines."""
