"""Plain ``go test -v`` output: the failures go-junit-report would write into a JUnit report.

Reads ``=== RUN``/``--- FAIL: TestX (0.00s)`` (subtests indented, old ``(0.02 seconds)`` and
benchmark results without a duration too), output lines attributed to the running test (including
``=== CONT``/``=== NAME`` switches and the legacy layout that prints output after the result
line), package summaries (``ok``/``FAIL pkg 0.01s``, ``[no test files]``), compiler errors
(``# pkg`` then ``file.go:3:2: undefined: x`` and ``FAIL pkg [build failed]``), panics and data
races. A panicking test prints its ``--- FAIL`` line *before* the panic; the panic (and its
frames) is attached to that test when the goroutine dump runs through the test's function. One
Failure per failed test or benchmark (``package.TestName/sub``); a package that failed with no
failing test (a panic outside tests, ``TestMain``) gets one synthetic ``crash``/``error``, except a
test-binary timeout, which is the hung test's (named under ``running tests:``); a build
or setup failure gets one ``build`` Failure. Repeated runs (``-count``) count each time.

The same output is read when a CI runner prefixed every line with a timestamp (GitHub Actions'
``2026-11-20T10:11:12.1234567Z ``; ``##[group]`` markers are dropped): the stamp of a test's
result line becomes its failure's ``occurred_at`` and the first stamp the run's start. Output
rendered by richgo (``START|``/``FAIL |``/``PASS |``/``BUILD|`` labels, ``     |`` before
output lines, ``Test`` prefixes dropped, coverage bars, ANSI colour) is translated back to the
``go test -v`` lines it stands for, so it gives the same failures and test ids. Plain output has
no timestamps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from telemetry_assets.core.models import Failure, ParseError, ParseResult
from telemetry_assets.core.parsers.go_common import (
    Lines,
    build_failure,
    is_summary_line,
    package_failure,
    test_failure,
    test_function,
)
from telemetry_assets.core.parsers.languages.base import ANSI_ESCAPES, MAX_LINE_CHARS, clean_line
from telemetry_assets.core.parsers.reportutil import (
    complete_lines,
    dedupe,
    head_is_whole_file,
    mark_flaky,
    parse_timestamp,
)

NAME = "go-test-text"

_RUN = re.compile(r"^=== RUN\s+(?P<name>\S+)\s*$")
_SWITCH = re.compile(r"^=== (?:CONT|NAME|PAUSE)\s+(?P<name>\S+)\s*$")
_RESULT = re.compile(
    r"""
    ^(?P<indent>\s*)--- [ ] (?P<status>FAIL|PASS|SKIP) : [ ]+ (?P<name>\S+)
    (?: [ ]+ \( [\d.]+ [ ]? (?:s|seconds) \) )? \s*$
    """,
    re.VERBOSE,
)
"""``--- FAIL: TestX (0.00s)``; benchmarks print no duration. Does not match ``--- BENCH:``."""

_SUMMARY = re.compile(
    r"""
    ^(?P<status>ok|FAIL|\?) \s+ (?P<package>[^\s\[]\S*)
    (?: \s+ (?: [\d.]+s | \(cached\)
             | \[(?P<marker>build[ ]failed|setup[ ]failed|no[ ]test[ ]files)\] ) .* )?
    \s*$
    """,
    re.VERBOSE,
)
"""The per-package result line. A bare ``FAIL``/``PASS`` (no package) does not match."""

_BUILD_HEADER = re.compile(r"^#\s+(?P<package>\S+)(?:\s+\[(?P<binary>\S+?)(?:\.test)?\])?\s*$")
_BENCH_START = re.compile(r"^(?P<name>Benchmark\w[\w/\-]*)\s*$")
"""A benchmark name alone on a line (``-v`` prints it before running). Result lines with
iterations and ns/op are not test cases and are not matched."""
_PKG_LINE = re.compile(r"^pkg:\s+(?P<package>\S+)\s*$")
_PANIC = re.compile(r"^(?:panic: |fatal error: )")

_STRONG = re.compile(
    r"""
    \n(?: === [ ] RUN \s+ \S
       | \s* --- [ ] (?:FAIL|PASS|SKIP) : [ ] \S
       | (?:ok|FAIL) \s+ \S+ \s+ (?: [\d.]+s | \(cached\) | \[(?:build|setup)[ ]failed\] )
       | \? \s+ \S+ \s+ \[no[ ]test[ ]files\]
    )
    """,
    re.VERBOSE,
)
"""Lines only ``go test`` prints. A log merely mentioning FAIL or panic does not match."""


# A CI runner's timestamp before every line (GitHub Actions, ISO with offset). Deliberately not
# matched: stamps without a date, and stamps not followed by a space.
_STAMP_PREFIX = re.compile(
    r"^(?P<stamp>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))\ "
)

# richgo's labelled lines. Deliberately not matched: a ``|`` anywhere but in the sixth column.
_RICHGO = re.compile(r"^(?P<label>START|PASS\ |FAIL\ |SKIP\ |BUILD|COVER|\ {5})\|\ ?(?P<rest>.*)$")
_RICHGO_RESULT = re.compile(r"^(?P<indent>\s*)(?P<name>\S+)\ (?P<time>\([\d.]+s\))\s*$")
_UNPREFIXED = ("Benchmark", "Example", "Fuzz", "Test")


def _richgo_name(name: str) -> str:
    """richgo drops the ``Test`` prefix of test names; put it back."""
    return name if name.startswith(_UNPREFIXED) else f"Test{name}"


def _from_richgo(label: str, rest: str) -> str | None:
    """The ``go test -v`` line a richgo line stands for; ``None`` for richgo's own additions."""
    if label == "START":
        return f"=== RUN   {_richgo_name(rest.strip())}"
    if label == "BUILD":
        return f"# {rest.strip()}"
    if label == "COVER":
        return None
    if label.strip() == "":
        return rest
    status = label.strip()
    result = _RICHGO_RESULT.match(rest)
    if result:
        name = _richgo_name(result["name"])
        return f"{result['indent']}--- {status}: {name} {result['time']}"
    summary = rest.strip()
    if not summary:
        return status
    if status == "FAIL":
        return f"FAIL\t{summary}"
    if status == "SKIP":
        return f"?   \t{summary}"
    return f"ok  \t{summary.split()[0]}"  # ``PASS | pkg coverage: ...``: the package passed


def _go_lines(lines: Iterable[str]) -> Iterator[tuple[str, str | None]]:
    """``(go test line, timestamp text or None)``: runner stamps and markers removed, richgo
    rendering translated back."""
    richgo = False
    for raw in lines:
        line = raw.rstrip("\r")
        stamp = None
        if line[:1].isdigit():
            prefix = _STAMP_PREFIX.match(line)
            if prefix:
                stamp, line = prefix["stamp"], line[prefix.end() :]
        if line.startswith("##["):
            continue
        if "\x1b" in line:
            line = clean_line(line)
        labelled = _RICHGO.match(line) if "|" in line[:6] else None
        if labelled and (richgo or labelled["label"] in ("START", "BUILD", "FAIL ")):
            richgo = True
            translated = _from_richgo(labelled["label"], labelled["rest"])
            if translated is None:
                continue
            line = translated
        yield line, stamp


# The sniffer's patterns look for lines of the head, so each would start with ``^`` in
# MULTILINE mode; they start with a literal ``\n`` instead and run over the head with one line
# break put in front. The same lines match (``^`` matches exactly after a line break), and a
# pattern that starts with a literal lets the regex engine skip to the next line break instead
# of trying every position: four to six times faster over an 8 KiB head. None of them can end
# with a line break, so ``findall`` counts the same matches too.

# Other runtimes' traces in the same head: a job log that ran ``go test`` among other steps
# (``ok pkg 0.2s`` lines of a monorepo) is a plain log, read by every language, not a go test
# stream whose parser reads Go alone.
_OTHER_TRACES = re.compile(
    r"""\n(?:Traceback\ \(most\ recent\ call\ last\):|Exception\ in\ thread\ "
        |\s+at\ [\w$.<>]+\(|[A-Za-z]\w*Error:\ |FAILED\ \S+::|thread\ '[^']*'\ panicked)""",
    re.VERBOSE,
)

_STAMP_LINE = re.compile("\n" + _STAMP_PREFIX.pattern.removeprefix("^"))
_MARKER_LINE = re.compile(r"\n\#\#\[[^\n]*")
"""A ``##[group]``-style marker line with the line break before it: removing the match drops
the line."""


def _sniff_text(head: str) -> str:
    """The head as :func:`_go_lines` renders it, one line per line."""
    return _sniff_lines(head)[1:]


def _sniff_lines(head: str) -> str:
    """:func:`_sniff_text` with a line break in front (see the patterns above).

    Most heads have no colours or richgo columns, and for them the rendering is the lines with
    runner stamps cut and marker lines dropped: done with two regex substitutions instead of
    the full per-line walk (which was most of the cost of choosing a parser for a small go test
    log). Any sign of colours or richgo goes the long way. A ``|`` alone is no such sign: the walk
    translates nothing until a line opens with one of :data:`_RICHGO_OPENERS`, so without one
    it renders exactly what the substitutions do (tables of a plain log stay on the short way).
    """
    text = "\n" + _joined_lines(head)
    if "\x1b" in text or _may_be_richgo(text):
        return "\n" + "\n".join(line for line, _ in _go_lines(text[1:].split("\n")))
    text = _STAMP_LINE.sub("\n", text)
    if "##[" in text:
        text = _MARKER_LINE.sub("", text)
    return text


def _joined_lines(head: str) -> str:
    """``"\\n".join(complete_lines(head))``. Most heads break lines with ``\\n`` alone, and then
    the joined lines are the head itself, less its BOM, its line break at the end or, when the
    sniffer may have cut it, its last line: sliced instead of split and joined again (that was a
    third of the cost of this sniffer on a plain log's head)."""
    body = head.lstrip("\ufeff")
    if (
        "\r" in body
        or "\x0b" in body
        or "\x0c" in body
        or "\x1c" in body
        or "\x1d" in body
        or "\x1e" in body
        or (not body.isascii() and ("\x85" in body or "\u2028" in body or "\u2029" in body))
    ):
        return "\n".join(complete_lines(head))  # other line breaks ``str.splitlines`` knows
    if body.endswith("\n"):
        return body[:-1]
    if not body or head_is_whole_file(head):
        return body
    return body[: max(body.rfind("\n"), 0)]


# What only ``go test`` itself prints: a test starting or ending, a failed package.
_GO_TEST_EVENT = re.compile(
    r"\n(?:===\ RUN\s|\s*---\ (?:FAIL|PASS|SKIP):\ |FAIL\s+\S+\s+(?:[\d.]+s|\[))", re.VERBOSE
)
_GO_SUMMARY = re.compile(r"\n(?:ok|\?)\s+\S+\s+(?:[\d.]+s|\(cached\)|\[no\ test\ files\])")


# What :func:`sniff` needs, checked on the head as it is before any rendering (issue #14: every
# plain log is asked, and rendering its head was most of the cost of choosing its parser).
#
# ``sniff`` says yes only when the rendered text has a test event or at least half its
# non-blank lines are package summaries (and ``_STRONG`` matches, which needs one non-blank
# line). Without richgo (see below) every rendered line is the tail of one line of the head,
# cleaned of terminal escapes as ``clean_line`` cleans it: rendering cuts a stamp from the front
# of a line, drops whole lines and translates nothing. So a string without a line break that a
# rendered line holds, the cleaned head holds too, and:
# - a test event needs ``=== RUN``, ``FAIL`` or ``--- PASS: ``/``--- SKIP: `` in the cleaned head;
# - each summary match opens a line of its own with ``ok`` or ``?``, so there are at most as many
#   as the cleaned head holds ``ok`` and ``?`` where a rendered line may start (see
#   :func:`_line_openers`), and with none a yes would need no non-blank line;
# - more non-blank rendered lines than twice that bound (:func:`_more_nonblank_lines` finds them
#   among the first lines) make the summaries too few.
# richgo translates lines only after one opens with a label of ``_RICHGO_OPENERS`` (``START|``
# writes ``=== RUN``, ``PASS |`` writes ``ok``): such a head, as any the check cannot settle,
# goes the whole way.

_RICHGO_OPENERS = ("START|", "BUILD|", "FAIL |")
"""The labels that switch :func:`_go_lines` to richgo; every other line is left as it is."""

_OTHER_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""What ``str.splitlines`` breaks lines at besides ``\\n``."""

_ANSI_OSC_BODY = r"[^\x07\x1b]"
if _ANSI_OSC_BODY not in ANSI_ESCAPES.pattern:  # pragma: no cover - guards languages.base
    raise ImportError("clean_line's escape pattern changed: review go_test_text's sniff check")
_ANSI_IN_LINE = re.compile(
    ANSI_ESCAPES.pattern.replace(_ANSI_OSC_BODY, r"[^\x07\x1b\n" + _OTHER_BREAKS + "]")
)
"""``clean_line``'s escapes, never across a line break: one substitution over the whole head
removes what ``clean_line`` removes from each of its lines (lines no longer than the cap)."""

_EVENT_WORDS = (re.compile("FAIL"), re.compile("=== RUN"))
"""Literal searches: the regex engine's prefix scan beats ``in`` on a plain log's head."""
_OK = re.compile("ok")
_QUESTION = re.compile(r"\?")
_LINE_STARTS = "\n" + _OTHER_BREAKS + "\ufeff"
"""What may come just before the first character of a line of a head."""


def _may_be_richgo(text: str) -> bool:
    return "|" in text and any(opener in text for opener in _RICHGO_OPENERS)


def _lines_fit_cap(head: str) -> bool:
    """Every line of ``head`` is shorter than ``MAX_LINE_CHARS`` (so ``clean_line`` cuts none):
    a longer line would hold a whole aligned block of half that size with no line break."""
    half = MAX_LINE_CHARS // 2
    return all(
        head.find("\n", start, start + half) >= 0 for start in range(0, len(head) - half + 1, half)
    )


def _cannot_be_go_test(head: str) -> bool:
    """True only when :func:`sniff` would say no (see the notes above); False when unsure."""
    text = head
    if "\x1b" in head:
        if len(head) > MAX_LINE_CHARS and not _lines_fit_cap(head):
            return False
        text = _ANSI_IN_LINE.sub("", head)
    if _may_be_richgo(text):
        return False
    if any(word.search(text) for word in _EVENT_WORDS):
        return False
    if "--- " in text and ("--- PASS: " in text or "--- SKIP: " in text):
        return False
    summaries = _line_openers(text, _OK.finditer(text))
    if "?" in text:
        summaries += _line_openers(text, _QUESTION.finditer(text))
    return summaries == 0 or _more_nonblank_lines(text, 2 * summaries)


def _line_openers(text: str, found: Iterator[re.Match[str]]) -> int:
    """How many of ``found`` may open a rendered line: at the start of a line of ``text`` (past
    byte-order marks), or past a space that may end a runner stamp (whose last character is
    ``Z`` or a digit)."""
    count = 0
    for match in found:
        at = match.start()
        before = text[at - 1] if at else "\n"
        stamped = before == " " and at >= 2 and (text[at - 2] == "Z" or text[at - 2].isdigit())
        count += stamped or before in _LINE_STARTS
    return count


def _more_nonblank_lines(text: str, limit: int) -> bool:
    """Whether the rendered head surely has more than ``limit`` non-blank lines; ``text`` is the
    head cleaned of escapes.

    Counted without rendering, on the first lines (split as the head's lines are) that a ``\\n``
    ends: the last one may have been cut. A line counts when it holds no ``##[`` (rendering drops
    no part of it) and more than space after its first space: a runner stamp holds no space but
    the one that ends it, so what follows the first space is kept by rendering, stamp or not.
    """
    found = 0
    markers = "##[" in text
    for piece in text.lstrip("\ufeff").split("\n", limit + 4)[:-1]:
        for line in piece.splitlines():  # ``\r\n`` and the other breaks ``splitlines`` knows
            tail = line[line.find(" ") + 1 :]
            if tail and not tail.isspace() and not (markers and "##[" in line):
                found += 1
                if found > limit:
                    return True
    return False


def sniff(head: str, path: str) -> bool:
    """Go test output, and only that: a head with test events (``=== RUN``, ``--- FAIL``,
    ``FAIL pkg 0.1s``) and no other runtime's trace, or one made mostly of package summaries.
    A job log that prints a few ``ok pkg 0.2s`` lines among other tools' output (a monorepo's
    build step) is a plain log, read for every language."""
    if _cannot_be_go_test(head):
        return False
    text = _sniff_lines(head)
    if not _STRONG.search(text) or _OTHER_TRACES.search(text) is not None:
        return False
    if _GO_TEST_EVENT.search(text):
        return True
    lines = sum(1 for line in text.split("\n") if line.strip())
    return len(_GO_SUMMARY.findall(text)) * 2 >= lines


@dataclass
class _Case:
    name: str
    status: str | None = None
    output: Lines = field(default_factory=Lines)
    stamp: str | None = None
    """The runner's timestamp of the result line, when lines carry one."""


@dataclass
class _Pkg:
    cases: list[_Case] = field(default_factory=list)
    output: Lines = field(default_factory=Lines)
    panicked: bool = False
    name_hint: str | None = None
    panic_case: _Case | None = None
    """The test whose ``--- FAIL`` line came just before the panic header: ``go test -v`` prints
    a panicking test's result first (``tRunner``'s deferred handler), then re-panics."""


@dataclass
class _State:
    failures: list[Failure] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    pkg: _Pkg = field(default_factory=_Pkg)
    current: _Case | None = None
    build_blocks: list[tuple[str, str | None, list[str]]] = field(default_factory=list)
    in_build: bool = False
    saw_go: bool = False
    stamp: str | None = None
    """The timestamp of the line being read."""
    first_stamp: str | None = None


def parse(text: str, path: str) -> ParseResult:
    if not text.strip():
        raise ParseError("empty file")
    state = _State()
    for line, stamp in _go_lines(text.splitlines()):
        state.stamp = stamp
        if state.first_stamp is None:
            state.first_stamp = stamp
        _line(state, line)
    if state.pkg.cases or state.pkg.panicked:
        # Output ends without a package summary (job killed, or output cut): still report.
        _close_package(state, state.pkg.name_hint, failed=state.pkg.panicked)
    if not state.saw_go:
        raise ParseError("no go test output found")
    return ParseResult(
        format=NAME,
        failures=tuple(mark_flaky(state.failures, state.passed)),
        passed_test_ids=dedupe(state.passed),
        started_at=parse_timestamp(state.first_stamp),
    )


def _find(state: _State, name: str) -> _Case | None:
    for case in reversed(state.pkg.cases):
        if case.name == name:
            return case
    return None


def _line(state: _State, line: str) -> None:
    header = _BUILD_HEADER.match(line)
    if header and not line.startswith("#  "):
        state.in_build = True
        state.saw_go = True
        state.build_blocks.append((header["package"], header["binary"], []))
        return
    summary = _SUMMARY.match(line)
    run = _RUN.match(line)
    result = _RESULT.match(line)
    if state.in_build:
        if summary is None and run is None and result is None and not _PANIC.match(line):
            state.build_blocks[-1][2].append(line)
            return
        state.in_build = False
    if run:
        state.saw_go = True
        state.current = _Case(run["name"])
        state.pkg.cases.append(state.current)
        return
    bench = _BENCH_START.match(line)
    if bench:
        state.current = _Case(bench["name"])
        state.pkg.cases.append(state.current)
        return
    switch = _SWITCH.match(line)
    if switch:
        state.current = _find(state, switch["name"]) or state.current
        return
    if result:
        state.saw_go = True
        case = _find(state, result["name"])
        if case is None or case.status is not None:
            case = _Case(result["name"])
            state.pkg.cases.append(case)
        case.status = result["status"]
        case.stamp = state.stamp
        # Legacy (Go < 1.14) output follows the result line, indented: keep attributing it.
        state.current = case
        return
    if summary:
        state.saw_go = True
        _summary(state, summary)
        return
    pkg_line = _PKG_LINE.match(line)
    if pkg_line:
        state.pkg.name_hint = pkg_line["package"]
        return
    if _PANIC.match(line):
        if not state.pkg.panicked and state.current is not None and state.current.status == "FAIL":
            state.pkg.panic_case = state.current
        state.pkg.panicked = True
        state.current = None
    if state.current is not None and not state.pkg.panicked:
        state.current.output.append(line)
    else:
        state.pkg.output.append(line)


def _summary(state: _State, summary: re.Match[str]) -> None:
    package = summary["package"]
    marker = summary["marker"]
    if marker in ("build failed", "setup failed"):
        state.failures.append(
            build_failure(
                source_format=NAME,
                package=_build_package(state, package),
                marker=marker,
                output=_take_build_block(state, package),
                occurred_at=None,
            )
        )
        state.pkg = _Pkg()
        state.current = None
        return
    _close_package(state, package, failed=summary["status"] == "FAIL")


def _build_package(state: _State, package: str) -> str:
    """The package name as the compiler header spelled it (``pkg_test`` for external tests)."""
    for name, binary, _ in state.build_blocks:
        if package in (name, binary):
            return name
    return package


def _take_build_block(state: _State, package: str) -> list[str]:
    for index, (name, binary, lines) in enumerate(state.build_blocks):
        if package in (name, binary):
            del state.build_blocks[index]
            return lines
    return []


def _close_package(state: _State, package: str | None, *, failed: bool) -> None:
    pkg, state.pkg, state.current = state.pkg, _Pkg(), None
    prefix = f"{package}." if package else ""
    failed_cases = 0
    for case in pkg.cases:
        test_id = prefix + case.name
        if case.status == "PASS":
            state.passed.append(test_id)
        elif case.status == "FAIL":
            failed_cases += 1
            output = case.output.lines()
            if case is pkg.panic_case and _panic_runs_through(case, pkg.output.lines()):
                # The panic and its goroutines belong to the test that raised it, not to the
                # package: without them the test reads "failed with no output" and has no frames.
                output += [line for line in pkg.output.lines() if not is_summary_line(line)]
            state.failures.append(
                test_failure(
                    source_format=NAME,
                    output=output,
                    test_id=test_id,
                    function=test_function(case.name),
                    occurred_at=_when(case.stamp),
                    fallback_message="test failed with no output",
                )
            )
    if failed and failed_cases == 0:
        output = pkg.output.lines()
        hung = _timed_out_test(output)
        if hung is not None:
            # A test-binary timeout prints no ``--- FAIL`` line: the alarm names the test that hung.
            failure = test_failure(
                source_format=NAME,
                output=[line for line in output if not is_summary_line(line)],
                test_id=prefix + hung,
                function=test_function(hung),
                occurred_at=None,
                fallback_message="test timed out",
            )
        else:
            failure = package_failure(
                source_format=NAME,
                package=package or "unknown package",
                output=output,
                occurred_at=None,
            )
        state.failures.append(failure)


def _timed_out_test(lines: list[str]) -> str | None:
    """The first test listed under ``running tests:`` after ``panic: test timed out``."""
    timed_out = listing = False
    for line in lines:
        if line.startswith("panic: test timed out"):
            timed_out = True
        elif timed_out and line.strip() == "running tests:":
            listing = True
        elif listing:
            name = line.strip().split(" ", 1)[0]
            return name or None
    return None


def _panic_runs_through(case: _Case, lines: list[str]) -> bool:
    """The goroutine dump calls the test's function (``pkg.TestX(``, ``pkg.TestX.func1(``).

    Guards against a panic in a background goroutine that merely follows another test's result.
    """
    function = case.name.split("/", 1)[0]
    marks = (f".{function}(", f".{function}.func")
    return any(mark in line for line in lines for mark in marks)


def _when(stamp: str | None) -> datetime | None:
    return parse_timestamp(stamp) if stamp else None
