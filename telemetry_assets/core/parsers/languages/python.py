"""Python tracebacks, exception groups and pytest's own failure reports.

Recognises ``Traceback (most recent call last):`` blocks with their chains (``The above
exception was the direct cause ...`` / ``During handling ...``), ``Exception Group Traceback``
blocks, pytest test sections (``____ test_name ____`` up to the next section) in both the long
(``>   code`` / ``E   Err`` / ``path:LINE: Err``) and short (``path:LINE: in func``) styles, and
pytest's ``FAILED id - Err: msg`` summary lines (marked ``summary``: the same failure is printed in
full in its section). The primary exception of a chain is the LAST one printed (the one that
escaped); ``chained`` holds the others from the one nearest to it back to the first printed, an
exception group's members right after their group; a group's box may stand anywhere in a chain.

Also read: a plugin's reason in words on pytest's location line (pytest-xdist's ``test_x.py:6:
running the test CRASHED with signal 15``), a section without any trace (a plugin item's own
report: its text is the message), a pytest report fragment with no section header (recognised at
its first ``E`` line right under a ``>`` line), tracebacks as loguru and better-exceptions format
them (``> File`` marking the catch point, ``│ └ value`` annotations, blank lines between frames,
an unindented ``File "<string>", line 4`` for a ``SyntaxError``), and a ``SyntaxError`` /
``IndentationError`` printed without a ``Traceback`` header. In a pytest section the first frame
is the test function (named from the section when no ``def`` is shown) and its file is the test
file. Installed packages, the standard library and pytest/pluggy are ``in_app=False``, and so is
a script's ``<module>`` frame when it only called into the code that failed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from telemetry_assets.core.models import FailureKind, Frame
from telemetry_assets.core.parsers.languages.base import (
    Language,
    Opening,
    TraceInfo,
    dedent_block,
    indent_of,
    is_boundary,
    to_int,
)

NAME = "python"
_MAX_MESSAGE_LINES = 30

_TRACEBACK_HEADER = "Traceback (most recent call last):"
_GROUP_HEADER = "Exception Group Traceback (most recent call last):"
_CHAIN_SEPARATORS = (
    "The above exception was the direct cause of the following exception:",
    "During handling of the above exception, another exception occurred:",
)

# ``  File "path", line N, in func``; loguru marks the frame that caught the error with ``>`` in
# place of the indentation. Deliberately not matched: frames without a line number (never printed
# by CPython); ``<frozen ...>`` paths are kept as written.
_FILE_LINE = re.compile(
    r"""^(?:\s+|>\s+)File\ "(?P<file>[^"]+)",\ line\ (?P<line>\d+)(?:,\ in\ (?P<func>\S.*))?$""",
    re.VERBOSE,
)
# A compile error printed without a ``Traceback`` header (``python app.py`` on a file that does not
# parse): ``  File "app.py", line 3`` with no function, then the code, a caret line and the error.
_SYNTAX_FILE_LINE = re.compile(r"""^\s+File\ "[^"]+",\ line\ \d+$""", re.VERBOSE)
# The same location inside a traceback, which better-exceptions prints unindented.
_SYNTAX_LOCATION = re.compile(r"""^\s*File\ "(?P<file>[^"]+)",\ line\ (?P<line>\d+)$""", re.VERBOSE)
_SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")

# Installed packages, the standard library and the test harness: ``in_app=False``. Deliberately
# not matched: a project's own ``lib/`` folder (``src/shop/lib/x.py``), which is not ``lib/python``.
_LIBRARY_FILE = re.compile(
    r"""(?:^|[/\\])(?:site|dist)-packages[/\\] | (?:^|/)lib/python[\d.]*/ | \\Lib\\
      | ^<frozen\  | (?:^|[/\\])(?:_pytest|pluggy)[/\\]""",
    re.VERBOSE,
)

# ``pkg.module.ErrorType: message`` or a bare ``ErrorType``. Deliberately not matched: lines
# whose first word is followed by anything but ``:`` (``assert 3 == 4``), so prose is not typed.
_EXCEPTION_LINE = re.compile(
    r"""^(?P<type>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?::\ ?(?P<msg>.*))?$""",
    re.VERBOSE,
)

# pytest: ``tests/test_x.py:42: in test_y`` (short style) or ``tests/test_x.py:42: ValueError``
# / ``tests/test_x.py:42: `` (long style, function taken from the ``def`` shown above it), or a
# plugin's reason in words (pytest-xdist: ``test_x.py:6: running the test CRASHED with signal
# 15``). Deliberately not matched: paths with spaces or drive letters, which pytest prints
# relative.
_PYTEST_LOCATION = re.compile(
    r"""^(?P<file>[^\s:]+\.\w+):(?P<line>\d+):(?:\ (?:in\ (?P<func>\S+)\s*$|(?P<rest>.*)))?\s*$""",
    re.VERBOSE,
)
# Lines of a pytest failure report around its first ``E`` line when no section header names it (a
# fragment of a report): the source shown (indented, ``>`` marks the failing line), argument
# reprs (``mocker = <...>``), ``_ _ _`` frame separators and earlier ``path:N:`` locations.
_FIXTURE_REPR = re.compile(r"^\w+\ =\ \S")
_MAX_FRAGMENT_LOOKBACK = 20
_PYTEST_DEF = re.compile(r"^\s*(?:async\s+)?def\s+(?P<name>\w+)\s*\(")
_PYTEST_E_LINE = re.compile(r"^E(?:\s(?P<text>.*))?$")

# A log record in the shape of a bracketed tag (``[agent] giving up``, ``[gw1] [ 50%] PASSED``):
# it starts a record of its own, so it ends the message of the traceback printed before it.
# Deliberately not matched: brackets holding data (``[1, 2] != [1, 3]``, ``['a']``), which a
# multi-line exception message may start with.
_LOG_TAG = re.compile(r"^\[[A-Za-z][\w.:/-]{0,40}\]\ ")

# ``FAILED tests/x.py::test_y - ValueError: msg``; the id must look like a pytest node id.
_SUMMARY = re.compile(
    r"""^(?P<status>FAILED|ERROR)\ (?P<id>\S+(?:::\S+|\.py))(?:\ -\ (?P<reason>.*))?$""",
    re.VERBOSE,
)


def _section_name(line: str) -> str | None:
    """``_____ test_y _____`` -> ``test_y`` (no regex: the line may be long)."""
    if not line.startswith("___") or not line.endswith("___"):
        return None
    name = line.strip("_").strip()
    if not name or line.startswith("_ _"):
        return None
    return name


def _looks_like_type(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return bool(last) and last[0].isupper()


def split_exception_line(line: str) -> tuple[str | None, str]:
    """``mod.Err: msg`` -> (``mod.Err``, ``msg``); text that is not typed -> (None, text)."""
    match = _EXCEPTION_LINE.match(line.strip())
    if match and _looks_like_type(match["type"]):
        return match["type"], match["msg"] or ""
    return None, line.strip()


class _TracebackReader:
    """States: frames -> message -> (blank) -> separator -> next traceback of the chain; an
    exception group's box (``group``: lines starting with ``|`` or ``+``) may take the place of a
    traceback anywhere in the chain."""

    def __init__(self, base: int, state: str = "frames") -> None:
        self.base = base
        self.state = state
        self.message_lines = 0

    def feed(self, line: str) -> bool:
        if self.state == "group":
            if line.lstrip()[:1] in ("|", "+"):
                return True
            self.state = "after"
        if not line.strip():
            if self.state in ("frames",):
                return True
            self.state = "after" if self.state in ("message", "after") else self.state
            return True
        if indent_of(line) < self.base:
            return False
        rel = line[self.base :]
        if self.state == "frames":
            if rel[0] in " \t" or rel.startswith("> File "):
                return True
            if is_boundary(rel):
                return False  # a cut-off traceback: the next record is not its exception line
            self.state = "message"
            return True
        if self.state == "message":
            if rel.startswith(">>> "):
                return False  # an interactive session's next prompt
            if rel[0] in " \t" or (
                self.message_lines < _MAX_MESSAGE_LINES
                and not is_boundary(rel)
                and not (rel[0] == "[" and _LOG_TAG.match(rel))
            ):
                self.message_lines += 1
                return True
            return False
        if self.state == "after":
            if rel.strip() in _CHAIN_SEPARATORS:
                self.state = "separator"
                return True
            return False
        # separator: the next traceback of the chain
        if rel.strip() == _TRACEBACK_HEADER:
            self.state = "frames"
            self.message_lines = 0
            return True
        if rel.strip() == "+ " + _GROUP_HEADER:
            self.state = "group"
            return True
        return False


class _SyntaxErrorReader:
    """A headerless compile error: the code and caret lines, then one ``SyntaxError`` line."""

    def __init__(self) -> None:
        self.done = False

    def feed(self, line: str) -> bool:
        if self.done or not line.strip():
            return False
        if line[0] in " \t":
            return True
        self.done = True
        return split_exception_line(line)[0] in _SYNTAX_ERRORS


class _FragmentReader:
    """The rest of a pytest report fragment: ``E`` lines, blank lines, then its ``path:N:`` line."""

    def __init__(self) -> None:
        self.done = False

    def feed(self, line: str) -> bool:
        if self.done:
            return False
        if not line.strip() or _PYTEST_E_LINE.match(line):
            return True
        self.done = True
        return _PYTEST_LOCATION.match(line) is not None


def _fragment_lookback(lookback: Sequence[str]) -> int | None:
    """How many lines before an ``E`` line belong to a headerless pytest report, or ``None``
    when the line before it is not pytest's ``>`` failing-line marker (then it is no report)."""
    if not lookback or not lookback[-1].startswith(">"):
        return None
    back = 0
    for previous in reversed(lookback):
        if back >= _MAX_FRAGMENT_LOOKBACK:
            break
        if (
            not previous.strip()
            or previous[0] in " \t>"
            or _FIXTURE_REPR.match(previous)
            or previous.startswith("_ _")
            or _PYTEST_LOCATION.match(previous)
        ):
            back += 1
            continue
        break
    while back and not lookback[len(lookback) - back].strip():
        back -= 1  # leading blank lines are not part of the report
    return back


class _SectionReader:
    """A pytest test section runs until the next section header or ``====`` rule.

    Its ``Captured stdout/log`` parts are the test's own output, not its failure: they stay in
    the section (a traceback logged there is not a failure of its own) but out of its text
    (``text_lines``: how many of the section's lines, header included, are the failure).
    """

    def __init__(self) -> None:
        self.text_lines: int | None = None
        self._fed = 1

    def feed(self, line: str) -> bool:
        if line.startswith("==") or line.startswith("##[") or _section_name(line) is not None:
            return False
        if line.startswith(("FAILED ", "ERROR ")) and _SUMMARY.match(line):
            return False
        if self.text_lines is None and line.startswith("---") and "Captured" in line:
            self.text_lines = self._fed
        self._fed += 1
        return True


def open_python(line: str, lookback: Sequence[str]) -> Opening | None:
    stripped = line.strip()
    if stripped == _TRACEBACK_HEADER:
        return Opening(_TracebackReader(indent_of(line)))
    if stripped.endswith(_GROUP_HEADER) and stripped.startswith("+"):
        # CPython indents a top-level group's box by two: the chain around it is not indented.
        return Opening(_TracebackReader(max(indent_of(line) - 2, 0), state="group"))
    name = _section_name(line)
    if name is not None:
        return Opening(_SectionReader(), test_id=name)
    if line.startswith(("FAILED ", "ERROR ")) and _SUMMARY.match(line):
        return Opening(None)
    if line.startswith("E ") and _PYTEST_E_LINE.match(line):
        back = _fragment_lookback(lookback)
        return None if back is None else Opening(_FragmentReader(), lookback=back)
    if stripped.startswith('File "') and _SYNTAX_FILE_LINE.match(line):
        return Opening(_SyntaxErrorReader())
    return None


# -- parsing -------------------------------------------------------------------------------


def _split_chain(lines: Sequence[str]) -> list[list[str]]:
    segments: list[list[str]] = [[]]
    for line in lines:
        if line.strip() in _CHAIN_SEPARATORS:
            segments.append([])
        else:
            segments[-1].append(line)
    return [s for s in segments if any(x.strip() for x in s)]


def _frame(file: str, function: str | None, line: str | None) -> Frame:
    library = _LIBRARY_FILE.search(file) is not None
    return Frame(file=file, function=function, line=to_int(line), in_app=False if library else None)


def _traceback_segment(lines: list[str]) -> tuple[str | None, str, tuple[Frame, ...]]:
    frames: list[Frame] = []
    exc_type: str | None = None
    message: list[str] = []
    seen_exception = False
    for line in lines:
        if seen_exception:
            message.append(line)
            continue
        match = _FILE_LINE.match(line) or _SYNTAX_LOCATION.match(line)
        if match:
            frames.append(_frame(match["file"], match.groupdict().get("func"), match["line"]))
            continue
        if not line.strip() or line[0] in " \t" or line.strip() == _TRACEBACK_HEADER:
            continue
        seen_exception = True
        exc_type, first = split_exception_line(line)
        message.append(first)
    while message and not message[-1].strip():
        message.pop()
    if len(frames) > 1 and frames[0].function == "<module>" and frames[0].in_app is None:
        # A script's top level that called into the code that failed: how the program was
        # launched (like ``main``), not where the bug is.
        frames[0] = replace(frames[0], in_app=False)
    return exc_type, "\n".join(message), tuple(frames)


def _chain_info(
    segments: list[tuple[str | None, str, tuple[Frame, ...]]], test_id: str | None = None
) -> TraceInfo | None:
    if not segments:
        return None
    exc_type, message, frames = segments[-1]
    chained = tuple((t, m) for t, m, _ in reversed(segments[:-1]))
    return TraceInfo(exc_type, message, frames, NAME, chained, test_id=test_id)


def _chain_segment(
    lines: list[str],
) -> tuple[str | None, str, tuple[Frame, ...], tuple[tuple[str | None, str], ...]]:
    """One traceback of a chain, or one exception group's box (with its members)."""
    first = next((x.strip() for x in lines if x.strip()), "")
    if first.startswith("+") and first.endswith(_GROUP_HEADER):
        group = _parse_group(lines)
        return group.exception_type, group.message, group.frames, group.chained
    exc_type, message, frames = _traceback_segment(lines)
    return exc_type, message, frames, ()


def parse_traceback(lines: Sequence[str]) -> TraceInfo | None:
    """A traceback and its chain; the primary exception's group members come first in
    ``chained``, then the earlier exceptions of the chain, each followed by its group members."""
    body = dedent_block(lines)
    parts = [_chain_segment(seg) for seg in _split_chain(body)]
    if not parts:
        return None
    exc_type, message, frames, members = parts[-1]
    chained = [*members]
    for earlier_type, earlier_message, _, earlier_members in reversed(parts[:-1]):
        chained.append((earlier_type, earlier_message))
        chained.extend(earlier_members)
    return TraceInfo(exc_type, message, frames, NAME, tuple(chained))


def _parse_group(lines: Sequence[str]) -> TraceInfo:
    """Depth 1 (the first ``|`` column) is the group's own traceback; deeper ``| Err: msg``
    lines are members."""
    top: list[str] = []
    members: list[tuple[str | None, str]] = []
    top_bar: int | None = None
    for line in lines:
        bar = line.find("|")
        if bar < 0:
            continue
        top_bar = bar if top_bar is None else top_bar
        content = line[bar + 1 :]
        content = content[1:] if content.startswith(" ") else content
        if line[:bar].strip() == "" and bar == top_bar:
            top.append(content)
        elif content and content[0] not in " \t":
            exc_type, msg = split_exception_line(content)
            if exc_type is not None:
                members.append((exc_type, msg))
    exc_type, message, frames = _traceback_segment(top)
    return TraceInfo(exc_type, message, frames, NAME, tuple(members))


def _pytest_segment(lines: list[str]) -> tuple[str | None, str, tuple[Frame, ...]] | None:
    frames: list[Frame] = []
    last_def: str | None = None
    last_rest: str | None = None
    e_lines: list[str] = []
    for line in lines:
        e_match = _PYTEST_E_LINE.match(line)
        if e_match:
            e_lines.append(e_match["text"] or "")
            continue
        loc = _PYTEST_LOCATION.match(line)
        if loc:
            frames.append(_frame(loc["file"], loc["func"] or last_def, loc["line"]))
            last_rest = loc["rest"] or None
            last_def = None
            continue
        d = _PYTEST_DEF.match(line)
        if d and last_def is None:
            last_def = d["name"]
    if not frames and not e_lines:
        return None
    typed = bool(last_rest) and _EXCEPTION_LINE.match(last_rest or "") is not None
    exc_type = last_rest if typed else None
    message_lines = [x.rstrip() for x in dedent_block(e_lines)]
    if not message_lines and last_rest and not typed:
        message_lines = [last_rest.strip()]  # a plugin's reason in words
    if message_lines:
        first_type, first_msg = split_exception_line(message_lines[0])
        same = exc_type is None or first_type == exc_type
        same = same or (first_type or "").endswith(f".{exc_type}")
        if first_type is not None and same:
            exc_type = first_type
            message_lines[0] = first_msg
        elif exc_type is None and message_lines[0].startswith("assert"):
            exc_type = "AssertionError"
    return exc_type, "\n".join(message_lines).strip("\n"), tuple(frames)


def parse_pytest_report(lines: Sequence[str], test_id: str | None = None) -> TraceInfo | None:
    """pytest's long/short failure representation (also what pytest puts into JUnit bodies)."""
    kept: list[str] = []
    for line in lines:
        if line.startswith("---") and "Captured" in line:
            break  # captured output is the test's log, not its failure
        kept.append(line)
    segments = [s for s in (_pytest_segment(seg) for seg in _split_chain(kept)) if s]
    return _chain_info(segments, test_id)


def _parse_section(lines: Sequence[str]) -> TraceInfo | None:
    name = _section_name(lines[0]) or ""
    kind: FailureKind = "failure"
    for prefix in ("ERROR at setup of ", "ERROR at teardown of ", "ERROR collecting "):
        if name.startswith(prefix):
            name, kind = name[len(prefix) :], "error"
    body = list(lines[1:])
    starts = [i for i, x in enumerate(body) if x.strip() == _TRACEBACK_HEADER]
    info = parse_traceback(body[starts[0] :]) if starts else None
    if info is None or (not info.frames and info.exception_type is None):
        info = parse_pytest_report(body)
    if info is None:
        # A plugin's own report (a YAML test item, a custom ``repr_failure``): its text is the
        # message.
        return TraceInfo(None, _plain_message(body), (), NAME, test_id=name or None, kind=kind)
    frames = info.frames
    if frames and frames[0].function is None and not starts and kind == "failure":
        # pytest's report starts at the test function; with no ``def`` shown it is the test.
        test_function = name.split("[", 1)[0].split(" ", 1)[0].rsplit(".", 1)[-1]
        frames = (replace(frames[0], function=test_function or None), *frames[1:])
    return TraceInfo(
        info.exception_type,
        info.message,
        frames,
        NAME,
        info.chained,
        name or None,
        kind,
        # a setup or collection error starts at a fixture or an import, not at the test
        test_file=frames[0].file if frames and not starts and kind == "failure" else None,
    )


def _plain_message(body: Sequence[str]) -> str:
    kept: list[str] = []
    for line in body:
        if line.startswith("---") and "Captured" in line:
            break
        if line.strip():
            kept.append(line.rstrip())
        if len(kept) >= _MAX_MESSAGE_LINES:
            break
    return "\n".join(dedent_block(kept))


def parse_summary_line(line: str) -> TraceInfo | None:
    match = _SUMMARY.match(line.strip())
    if not match:
        return None
    exc_type, message = split_exception_line(match["reason"] or "")
    kind: FailureKind = "error" if match["status"] == "ERROR" else "failure"
    return TraceInfo(exc_type, message, (), NAME, test_id=match["id"], kind=kind, summary=True)


def parse_python(lines: Sequence[str]) -> TraceInfo | None:
    if not lines:
        return None
    first = lines[0].strip()
    if _section_name(lines[0]) is not None:
        return _parse_section(lines)
    if _SUMMARY.match(first):
        return parse_summary_line(first)
    if first.startswith("+") and first.endswith(_GROUP_HEADER):
        return parse_traceback(lines)
    if _SYNTAX_FILE_LINE.match(lines[0]):
        exc_type, message, frames = _traceback_segment(list(lines))
        return TraceInfo(exc_type, message, frames, NAME) if exc_type in _SYNTAX_ERRORS else None
    starts = [i for i, x in enumerate(lines) if x.strip() == _TRACEBACK_HEADER]
    if starts:
        return parse_traceback(lines[starts[0] :])
    return parse_pytest_report(lines)


LANGUAGE = Language(NAME, open_python, parse_python)
