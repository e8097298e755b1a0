"""JVM test-runner and runtime reports that are not a plain ``printStackTrace``.

- **Gradle** test logging and the JUnit Platform / Spock console: a ``Class > test() FAILED`` (or
  ``name [params]   FAILED``) line starts one failed test; what follows (Gradle's short
  ``Type at File.java:21`` form, a full indented stack, or Spock's ``Condition not satisfied:``
  power-assertion diagram) is its body, up to the next result line, two blank lines or an
  unindented line after an indented body. The test id is ``Class.test()`` for Gradle's form and
  the display name otherwise.
- **Spock** and **Kotest** failure messages printed alone: ``Condition not satisfied:`` with its
  diagram, or Kotest's power-assert diagram ending in ``expected:<a> but was:<b>``: one failure.
- **MUnit** (sbt): ``==> X suite.test  0.1s Type: message`` is one failed test, with the message
  lines, source excerpt and ``at`` frames below it (``+ name`` lines are passes).
- **Spring Boot**'s failure analysis (``APPLICATION FAILED TO START`` with ``Description:`` and
  ``Action:``, no stack): one crash whose message is the description.
- **Android ANR** traces (``----- pid N at ... -----`` to ``----- end N -----``): one crash, the
  Application Not Responding, whose frames are the ``"main"`` thread's; the other thread dumps are
  context, not failures.

Frames are read as :mod:`.java` reads them (``at pkg.Class.method(File.java:1)``), innermost
printed first and returned outermost first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from telemetry_assets.core.models import FailureKind, Frame
from telemetry_assets.core.parsers.languages import java
from telemetry_assets.core.parsers.languages.base import (
    Language,
    Opening,
    TraceInfo,
    dedent_block,
    indent_of,
    is_boundary,
)

NAME = "java"
_MAX_BODY_LINES = 80

_GRADLE_SHORT = re.compile(
    r"""^\s*(?:Caused\ by:\ )?(?P<type>[\w$.]+)(?::\ (?P<msg>.*?))?
        \ at\ (?P<file>[\w$-]+\.(?:java|kt|groovy|scala)):(?P<line>\d+)$""",
    re.VERBOSE,
)
_SUMMARY = re.compile(r"^\d+\ tests?\ completed|^FAILURE:|^BUILD\ ", re.VERBOSE)
_CONDITION = "Condition not satisfied:"
_EXPECTED_BUT_WAS = re.compile(r"^expected:\s?<.*>\ but\ was:\s?<.*>$", re.VERBOSE)
_DIAGRAM = re.compile(r"^[\s|]*\|[\s|]*")
# ``==> X suite.test name  0.012s Type: message``: test names may hold spaces, so the id runs to
# the two spaces before the duration (or to the end of the line when there is none).
_MUNIT = re.compile(
    r"""^==>\ X\ (?P<id>.+?)(?:\s{2,}\d+(?:\.\d+)?s(?:\s+(?P<rest>.*))?)?$""", re.VERBOSE
)
_MUNIT_ERROR = re.compile(
    r"""^(?P<type>[\w$.]+(?:Error|Exception|Failure|Failed)\w*)(?::\ ?(?P<msg>.*))?$""", re.VERBOSE
)
# Spock feature methods are named by sentences: ``at pkg.Spec.adds two numbers(Spec.groovy:14)``
_SPOCK_FRAME = re.compile(
    r"""^\s*at\ (?P<cls>[\w$.]+)\.(?P<meth>[^()]+)\((?P<file>[^():]+):(?P<line>\d+)\)$""",
    re.VERBOSE,
)
_SPRING_BANNER = "APPLICATION FAILED TO START"
_ANR_START = re.compile(r"^-----\ pid\ (?P<pid>\d+)\ at\ .*-----$", re.VERBOSE)
_ANR_THREAD = re.compile(r'^"(?P<name>[^"]+)"(?:\ daemon)?\ prio=\d+\ tid=\d+\ (?P<state>\S+)')


def _is_result(line: str) -> bool:
    return (
        line.endswith(("FAILED", "PASSED", "SKIPPED")) and java.TEST_RESULT.match(line) is not None
    )


def _result_above(lookback: Sequence[str]) -> int:
    """Lines back to a ``... FAILED`` result line right above (after at most one blank), or 0."""
    for i in (1, 2):
        if i > len(lookback):
            return 0
        if java.result_test_id(lookback[-i]):
            return i
        if lookback[-i].strip():
            return 0
    return 0


class _ResultReader:
    """The body of a failed test: up to the next result line, two blank lines, a summary, or an
    unindented line once an indented body began."""

    def __init__(self) -> None:
        self.lines = 0
        self.blanks = 0
        self.indented = False

    def feed(self, line: str) -> bool:
        self.lines += 1
        if self.lines > _MAX_BODY_LINES or _is_result(line) or _SUMMARY.match(line):
            return False
        if is_boundary(line) or line.startswith(">"):
            return False
        if not line.strip():
            self.blanks += 1
            return self.blanks < 2
        if self.indented and indent_of(line) == 0:
            return False
        self.indented = self.indented or (self.blanks == 0 and indent_of(line) > 0)
        self.blanks = 0
        return True


class _ParagraphsReader:
    """A diagram: non-blank lines, with blank lines only before the first of them."""

    def __init__(self) -> None:
        self.seen = False

    def feed(self, line: str) -> bool:
        if not line.strip():
            return not self.seen
        if is_boundary(line):
            return False
        self.seen = True
        return True


class _MunitReader:
    def feed(self, line: str) -> bool:
        return bool(line.strip()) and not line.startswith(("==> ", "+ ")) and not is_boundary(line)


class _SpringReader:
    """Banner, ``Description:`` and ``Action:`` paragraphs; ends after the action's text."""

    def __init__(self) -> None:
        self.action = False
        self.text_after_action = False

    def feed(self, line: str) -> bool:
        stripped = line.strip()
        if is_boundary(line) and not stripped.startswith("*"):
            return False
        if stripped == "Action:":
            self.action = True
        elif self.action and stripped:
            self.text_after_action = True
        elif self.text_after_action and not stripped:
            return False
        return True


class _AnrReader:
    def __init__(self, pid: str) -> None:
        self.end = f"----- end {pid} -----"
        self.done = False

    def feed(self, line: str) -> bool:
        if self.done:
            return False
        self.done = line.strip() == self.end
        return True


def open_jvm_runner(line: str, lookback: Sequence[str]) -> Opening | None:
    stripped = line.strip()
    if stripped == _CONDITION or (line.startswith("    ") and _GRADLE_SHORT.match(line)):
        # a failed test's body; the result line above it, when there is one, names the test
        back = _result_above(lookback)
        if back:
            return Opening(_ResultReader(), lookback=back)
        return Opening(_ParagraphsReader() if stripped == _CONDITION else _ResultReader())
    if line.startswith("==> X "):
        return Opening(_MunitReader()) if _MUNIT.match(line) else None
    if stripped == _SPRING_BANNER:
        back = 1 if lookback and lookback[-1].strip().startswith("***") else 0
        return Opening(_SpringReader(), lookback=back)
    if line.startswith("-----"):
        anr = _ANR_START.match(line)
        return Opening(_AnrReader(anr["pid"])) if anr else None
    if line.startswith("expected:") and _EXPECTED_BUT_WAS.match(line):
        return _open_power_assert(lookback)
    return None


def _open_power_assert(lookback: Sequence[str]) -> Opening | None:
    """Kotest's power-assert message: the expression, its ``|`` diagram, a blank, the verdict."""
    i = 1
    if i <= len(lookback) and not lookback[-i].strip():
        i += 1
    start = i
    while i <= len(lookback) and lookback[-i].strip() and not is_boundary(lookback[-i]):
        i += 1
    block = [lookback[-j] for j in range(i - 1, start - 1, -1)]
    if not any(_DIAGRAM.match(x) for x in block):
        return None
    return Opening(None, lookback=i - 1)


def _frame(line: str) -> Frame | None:
    frame = java.parse_frame(line)
    if frame is not None:
        return frame
    spock = _SPOCK_FRAME.match(line)
    if spock is None:
        return None
    return Frame(spock["file"], spock["meth"].strip(), int(spock["line"]), module=spock["cls"])


def _frames(lines: Sequence[str]) -> tuple[Frame, ...]:
    found = [f for f in map(_frame, lines) if f is not None]
    return tuple(reversed(found))


def _condition(lines: Sequence[str]) -> str:
    """``Condition not satisfied:`` and the asserted expression (the diagram's first line)."""
    for i, line in enumerate(lines):
        if line.strip() == _CONDITION:
            expression = next((x.strip() for x in lines[i + 1 :] if x.strip()), "")
            return f"{_CONDITION} {expression}".strip()
    return _CONDITION


def _parse_result(lines: Sequence[str]) -> TraceInfo | None:
    """A failed test's body, after its result line when the block starts with one."""
    test_id = java.result_test_id(lines[0])
    body = dedent_block(list(lines[1:] if test_id else lines))
    kind: FailureKind = "failure"
    if any(x.strip() == _CONDITION for x in body):
        return TraceInfo(None, _condition(body), _frames(body), NAME, test_id=test_id, kind=kind)
    short = next(filter(None, map(_GRADLE_SHORT.match, body)), None)
    if short is not None:
        frame = Frame(file=short["file"], line=int(short["line"]))
        chained = tuple(
            (m["type"], m["msg"] or "")
            for m in map(_GRADLE_SHORT.match, body[1:])
            if m is not None and "Caused by:" in m.string
        )
        return TraceInfo(short["type"], short["msg"] or "", (frame,), NAME, chained, test_id, kind)
    info = java.parse_java([x for x in body if x.strip()])
    if info is None:
        return TraceInfo(None, "", (), NAME, test_id=test_id, kind=kind)
    return TraceInfo(
        info.exception_type,
        info.message,
        info.frames,
        NAME,
        info.chained,
        test_id=test_id,
        kind=kind,
    )


def _parse_munit(lines: Sequence[str]) -> TraceInfo | None:
    match = _MUNIT.match(lines[0])
    if match is None:
        return None
    rest = (match["rest"] or "").strip()
    error = _MUNIT_ERROR.match(rest)
    exc_type = error["type"] if error else None
    message = [(error["msg"] or "") if error else rest]
    frames: list[Frame] = []
    for line in lines[1:]:
        frame = _frame(line)
        if frame is not None:
            frames.append(frame)
        elif not frames and not re.match(r"^\d+:", line.strip()):
            message.append(line.strip())  # message lines; the numbered source excerpt is not
    return TraceInfo(
        exc_type,
        "\n".join(message).strip(),
        tuple(reversed(frames)),
        NAME,
        test_id=match["id"].strip(),
        kind="failure",
    )


def _parse_spring(lines: Sequence[str]) -> TraceInfo:
    description: list[str] = []
    section = ""
    for line in lines:
        stripped = line.strip()
        if stripped in ("Description:", "Action:"):
            section = stripped
        elif section == "Description:" and stripped:
            description.append(stripped)
    message = " ".join(description).strip() or _SPRING_BANNER
    return TraceInfo(None, message, (), NAME, kind="crash")


def _parse_anr(lines: Sequence[str]) -> TraceInfo:
    thread: list[str] = []
    header = ""
    for i, line in enumerate(lines):
        match = _ANR_THREAD.match(line)
        if match and match["name"] == "main":
            header = f"main thread {match['state']}"
            for rest in lines[i + 1 :]:
                if not rest.strip():
                    break
                thread.append(rest)
            break
    message = f"Application Not Responding: {header}" if header else "Application Not Responding"
    return TraceInfo(None, message, _frames(thread), NAME, kind="crash")


def parse_jvm_runner(lines: Sequence[str]) -> TraceInfo | None:
    if not lines:
        return None
    first = lines[0]
    if _is_result(first) or _GRADLE_SHORT.match(first):
        return _parse_result(lines)
    if first.startswith("==> X "):
        return _parse_munit(lines)
    if _ANR_START.match(first):
        return _parse_anr(lines)
    if any(x.strip() == _SPRING_BANNER for x in lines[:2]):
        return _parse_spring(lines)
    if first.strip() == _CONDITION:
        return TraceInfo(None, _condition(lines), (), NAME, kind="failure")
    verdict = lines[-1].strip()
    if _EXPECTED_BUT_WAS.match(verdict):
        expression = first.strip()
        return TraceInfo(None, f"{verdict}\n{expression}", (), NAME, kind="failure")
    return None


LANGUAGE = Language("jvm_runners", open_jvm_runner, parse_jvm_runner)
"""Named apart from ``java`` in the scanner's table; failures are reported as ``java``."""
