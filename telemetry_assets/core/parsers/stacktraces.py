"""Stack-trace extraction shared by every parser: find traces in text and read their frames.

:func:`parse_trace` reads one failure body (a JUnit ``<failure>`` text, a Jest
``failureMessage``, a go test output) and returns a :class:`TraceInfo`: primary exception type and
message, frames ordered outermost call first and innermost (where raised) last for every language,
and the other exceptions of a chain. :class:`TraceScanner` finds every trace of every language in
a stream of lines (a CI log) in one linear pass, with per-line work capped; :func:`split_traces`
is its convenience form for a blob. Which exception is primary is decided per language and stated
in each language module: for Python the last printed (the one that escaped), for the JVM the root
cause (the last ``Caused by:``), for Go the last panic value, for Rust the panic. A trace holds
its exception line(s) and stack only: multi-line messages stop at the first line that starts a new
log record (:func:`~.languages.base.is_boundary`). While no trace is open the scanner costs one
prefilter match per line; languages are asked only about lines that pass it. Nothing here raises
on any text: unreadable input yields a frameless :class:`TraceInfo`.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from telemetry_assets.core.models import FailureKind
from telemetry_assets.core.parsers.languages import (
    cpp,
    dart,
    deno,
    dotnet,
    elixir,
    go,
    java,
    js_runners,
    jvm_runners,
    node,
    php,
    python,
    ruby,
    rust,
    service_messages,
    swift,
)
from telemetry_assets.core.parsers.languages.base import (
    Language,
    Reader,
    TestContext,
    TraceInfo,
    _no_context,
    clean_line,
    is_record_start,
)
from telemetry_assets.core.parsers.languages.python import split_exception_line

__all__ = [
    "LANGUAGES",
    "FoundTrace",
    "TraceInfo",
    "TraceScanner",
    "iter_traces",
    "parse_trace",
    "split_traces",
]

# Order matters only where two openers could claim the same line: Python first (its headers are
# unambiguous and pytest sections contain lines other openers would take), Go and Rust next
# (panic headers), then the JVM before Node because both print ``at`` frames and the JVM pattern
# is the narrower one (``name(File.java:1)`` without a space).
LANGUAGES: tuple[Language, ...] = (
    python.LANGUAGE,
    go.LANGUAGE,
    rust.LANGUAGE,
    dotnet.LANGUAGE,  # .NET ``at`` frames (spaces or `` in path:line``): before Java's
    jvm_runners.LANGUAGE,  # Gradle/Spock/MUnit/ANR blocks hold JVM frames: before Java
    java.LANGUAGE,
    deno.LANGUAGE,  # before Node: its ERRORS entries hold V8 frames
    *js_runners.LANGUAGES,  # AVA, Vitest, TAP: before Node and PHP (AVA's ``✘`` lines)
    node.LANGUAGE,
    dart.LANGUAGE,
    swift.LANGUAGE,
    php.LANGUAGE,
    cpp.LANGUAGE,
    ruby.LANGUAGE,
    elixir.LANGUAGE,
    service_messages.LANGUAGE,
)

_ALIASES = {
    "py": "python",
    "kotlin": "java",
    "scala": "java",
    "jvm": "java",
    "js": "javascript",
    "node": "javascript",
    "nodejs": "javascript",
    "typescript": "javascript",
    "ts": "javascript",
    "golang": "go",
}
_BY_NAME = {language.name: language for language in LANGUAGES}

LOOKBACK_LINES = 24
"""Lines kept before a trace's first frame so its header and message can join it."""
MAX_BLOCK_LINES = 2000
"""A trace keeps at most this many lines (a 10 000-goroutine dump is still consumed whole)."""
CONTEXT_TTL_LINES = 80
"""A test-naming line applies to a trace starting at most this many lines later."""


@dataclass(frozen=True, slots=True)
class FoundTrace:
    """One trace found in a stream: what it says, its text and the stamp of its first line."""

    info: TraceInfo
    text: str
    stamp: datetime | None = None


# Every line on which some language's ``open`` or ``context`` can answer starts like this (after
# optional indentation for frames and headers) or holds ``<<< `` (Surefire's test line, checked
# apart). It is a superset of those checks, so lines it rejects, the vast majority of a CI log,
# cost this one match while no trace is open. Keep it in step with the openers in ``languages/``.
# Deliberately not matched: ``at`` anywhere but first on the line, lowercase ``failed``.
MAY_OPEN = re.compile(
    r"""(?:
        \s*+(?:at\ |---\ FAIL:\ |Traceback|\+|●  # frames, go test FAIL, Python headers, Jest
          | \d+\)\ | \*\*\ \( | ✘ | from\ | (?:FAILED|ERROR)\ \  | Scenario: | \[\ RUN\ 
          | not\ ok\  | FAIL\s | Uncaught\ exception\ in\  | Unhandled\ rejection\ in\ 
          | Condition\ not\ satisfied: | APPLICATION\ FAILED | thread\ ' | File\ "
          | Failed\ \S)
          # numbered entries (PHPUnit, RSpec, ExUnit), Elixir ``** (E)``, testdox, Ruby ``from``
          # frames, Pest blocks, doctest BDD scenarios, GoogleTest tests; TAP results, Vitest
          # failures, AVA crashes, Spock messages, Spring Boot's analysis, Rust panics (indented
          # by old cargo test), Python's bare ``File "x", line N``, VSTest's ``Failed X [1 ms]``.
          # One possessive ``\s*+``
          # group for the indented openers: every separate group, and every retry of a shorter
          # indentation, costs each line of the log another pass.
      | ___ | FAILED\  | ERROR\                   # pytest section headers and summary lines
      | panic:\  | fatal\ error:\  | goroutine\    # Go crashes and goroutine dumps
      | ----\                                      # cargo test output headers
      | note:\ (?:test|the\ test)                   # libtest failures without a panic
      | test\ \S+\ \.\.\.\ error:\                    # Miri's report on libtest's test line
      | E\                                         # pytest report fragments
      | (?=[-e(\[=])(?:error:\ | expected:< | \[AggregateError | \(Use\ `node\  | ==>\ X\ 
          | -----\ pid\  | =++\ (?:test\ session\ starts|rerun\ test\ summary))
        # Deno errors, Kotest messages, Node's uncaught AggregateError or value, MUnit failures,
        # Android ANRs (behind a first-character test: a line starting otherwise costs one step);
        # pytest's session and rerun-summary rules, which the log parser reads to follow retries
      | \ {4}[\w$.]++\ at\                         # Gradle's short ``Type at File.java:21``
      | TEST\ CASE: | PHP(?:Unit)?\ | Fatal\ error: | Parse\ error: | exception\ '
      | An\ error\ occurred\  | \[\d\d-[A-Z][a-z][a-z]-\d{4}\ [^]]*\]\ PHP\ 
      | \#\#teamcity\[testFailed\  | \[-{10}\]\ 
        # doctest test cases, PHP errors (bare, in PHP's error_log) and PHPUnit's header, RSpec
        # errors outside examples, TeamCity test failures further down a log, GoogleTest's lines
        # between tests (suite set-up and environment failures)
      | [A-Z][\w:]*+(?<=Error|ption)\ \( | \ [A-Z][\w:]*+(?<=Error|ption)\ \(
        # Rails ``NoMethodError (msg):`` (possessive: a long first word costs one pass)
      | \[xUnit\.net\  | Unhandled\ [Ee]xception: | Test\ [Cc]ase\ '
      | [^\w\s]{1,4}\s*Test\  | ::error\ ::
        # xUnit console blocks, Dart VM crashes, XCTest cases, Swift Testing results (also as
        # xcbeautify renders them for GitHub Actions)
      | Current\ stack\ trace: | Thread\ \d+\ (?:"[^"]*"\ )?[Cc]rashed | \*\*\*\ (?:Signal|Program)
      | 💣\ Program
        # Swift runtime traps: what follows a ``path.swift:N: Fatal error:`` line
    )""",
    re.VERBOSE,
)

_NO_TRACES: tuple[FoundTrace, ...] = ()


def _contexts_of(
    languages: tuple[Language, ...],
) -> tuple[Callable[[str], TestContext | None], ...]:
    return tuple(x.context for x in languages if x.context is not _no_context)


_DEFAULT_CONTEXTS = _contexts_of(LANGUAGES)
"""Built once: every log's scanner asks the same languages."""


def _as_datetime(stamp: object) -> datetime | None:
    return stamp if isinstance(stamp, datetime) else None


class _Block:
    __slots__ = ("kind", "language", "lines", "reader", "stamps", "test_id", "unstamped")

    def __init__(
        self,
        language: Language,
        reader: Reader | None,
        lines: list[str],
        stamps: list[object],
        test_id: str | None,
        kind: FailureKind | None,
        unstamped: bool,
    ) -> None:
        self.language = language
        self.reader = reader
        self.lines = lines
        self.stamps = stamps
        """Stamps of the block's lines up to its opening line; the first readable one counts."""
        self.test_id = test_id
        self.kind = kind
        self.unstamped = unstamped
        """The opening line had no timestamp prefix: a stamped line is a new log record."""


class TraceScanner:
    """Feed lines one at a time; completed traces come back from :meth:`feed` and :meth:`finish`.

    Memory is bounded by :data:`LOOKBACK_LINES` plus the current trace (at most
    :data:`MAX_BLOCK_LINES` lines of at most ``MAX_LINE_CHARS`` characters). A line's stamp is
    opaque here: ``stamp_of`` turns the stamp of a trace's first line into its time, only when a
    trace is found, so a caller may pass a cheap token (a regex match) for every line. A stamp
    that is not ``None`` also tells that the line carried a timestamp prefix: when a trace opened
    on a line without one, the next stamped line starts a new log record and ends the trace.
    """

    def __init__(
        self,
        languages: tuple[Language, ...] = LANGUAGES,
        stamp_of: Callable[[object], datetime | None] = _as_datetime,
    ) -> None:
        self._languages = languages
        self._stamp_of = stamp_of
        self._contexts = _DEFAULT_CONTEXTS if languages is LANGUAGES else _contexts_of(languages)
        self._lines: deque[str] = deque(maxlen=LOOKBACK_LINES)
        self._stamps: deque[object] = deque(maxlen=LOOKBACK_LINES)
        self._block: _Block | None = None
        self._context: TestContext | None = None
        self._context_age = 0

    def feed(self, line: str, stamp: object = None) -> list[FoundTrace]:
        """Feed one raw line (escapes and terminators are cleaned here)."""
        return list(self.feed_clean(clean_line(line), stamp))

    def feed_clean(self, line: str, stamp: object = None) -> Sequence[FoundTrace]:
        """Feed one line already passed through :func:`clean_line`."""
        block = self._block
        if block is not None:
            if stamp is not None and block.unstamped:
                closed = self._close()
                return [*closed, *self._idle(line, stamp)]
            if block.reader is not None and block.reader.feed(line):
                if len(block.lines) < MAX_BLOCK_LINES:
                    block.lines.append(line)
                return _NO_TRACES
            closed = self._close()
            return [*closed, *self._idle(line, stamp)]
        if self.feed_quiet(line, stamp):
            return _NO_TRACES
        return self._idle(line, stamp)

    def feed_quiet(self, line: str, stamp: object = None) -> bool:
        """Take a cleaned ``line`` only if it is ordinary: no trace is open and no language could
        start one or name a test at it (the hot path of a log scan: one match, two appends).
        ``False``: nothing was done and the line must go to :meth:`feed_clean`."""
        if self._block is not None or MAY_OPEN.match(line) is not None or "<<< " in line:
            return False
        if self._context is not None:
            self._context_age += 1
        self._lines.append(line)
        self._stamps.append(stamp)
        return True

    # What :meth:`feed_quiet` does, for a caller that inlines it in its own line loop (a call per
    # line is a measurable part of scanning a big log): while :attr:`block_open` is false and
    # ``MAY_OPEN`` and ``"<<< "`` reject a line, append it and its stamp to the
    # :meth:`quiet_window` and, while :attr:`context_open`, count it for :meth:`age_context`
    # before the next :meth:`feed_clean` or :meth:`finish`.

    @property
    def block_open(self) -> bool:
        return self._block is not None

    @property
    def context_open(self) -> bool:
        return self._context is not None

    def quiet_window(self) -> tuple[Callable[[str], None], Callable[[object], None]]:
        """The appenders of the lookback window's lines and stamps (fixed for the scanner)."""
        return self._lines.append, self._stamps.append

    def age_context(self, lines: int) -> None:
        """``lines`` quiet lines went by while a test context was open."""
        self._context_age += lines

    def _idle(self, line: str, stamp: object) -> Sequence[FoundTrace]:
        if self._context is not None:
            self._context_age += 1
        return self._open(line, stamp)

    def _open(self, line: str, stamp: object) -> Sequence[FoundTrace]:
        for context_of in self._contexts:
            context = context_of(line)
            if context is not None:
                self._context, self._context_age = context, 0
                break
        for language in self._languages:
            opening = language.open(line, self._lines)
            if opening is None:
                continue
            back = min(opening.lookback, len(self._lines))
            if stamp is None:
                back = self._unstamped_lookback(back)
            lines = [self._lines[i] for i in range(len(self._lines) - back, len(self._lines))]
            stamps = [self._stamps[i] for i in range(len(self._stamps) - back, len(self._stamps))]
            for _ in range(back):
                self._lines.pop()
                self._stamps.pop()
            known = [s for s in [*stamps, stamp] if s is not None]
            if not known:
                # An unstamped trace is part of the last stamped log record (a logger prints the
                # record's line, then the traceback): it happened at that record's time.
                known = [s for s in reversed(self._stamps) if s is not None][:1]
            self._block = _Block(
                language,
                opening.reader,
                [*lines, line],
                known,
                opening.test_id,
                opening.kind,
                unstamped=stamp is None,
            )
            if opening.reader is None:
                return self._close()
            return _NO_TRACES
        self._lines.append(line)
        self._stamps.append(stamp)
        return _NO_TRACES

    def _unstamped_lookback(self, back: int) -> int:
        """A trace opening on an unstamped line takes earlier lines only up to the nearest stamped
        one (a log record's first line), and that one only when it reads as an exception line
        (``TypeError: x``, a logger printing the error itself), not as a record of its own."""
        size = len(self._lines)
        for i in range(1, back + 1):
            if self._stamps[size - i] is not None:
                previous = self._lines[size - i]
                typed = split_exception_line(previous)[0] is not None
                return i if typed and not is_record_start(previous) else i - 1
        return back

    def finish(self) -> list[FoundTrace]:
        return self._close()

    def _close(self) -> list[FoundTrace]:
        block, self._block = self._block, None
        if block is None:
            return []
        lines = block.lines
        text_lines = getattr(block.reader, "text_lines", None)  # a reader may end the text early
        if isinstance(text_lines, int):
            del lines[text_lines:]
        while lines and not lines[-1].strip():
            lines.pop()
        try:
            info = block.language.parse(lines)
        except (ValueError, IndexError, TypeError):
            info = None  # a language unit's bug must not lose the rest of the log
        if info is None:
            if block.test_id is not None:
                self._context = TestContext(block.test_id, block.kind or "failure")
                self._context_age = 0
            return []
        if info.test_id is None and not info.summary and self._context is not None:
            if self._context_age <= CONTEXT_TTL_LINES and self._context.test_id:
                info = replace(info, test_id=self._context.test_id, kind=self._context.kind)
            self._context = None
        stamp = next((t for t in map(self._stamp_of, block.stamps) if t is not None), None)
        return [FoundTrace(info, "\n".join(lines), stamp)]


def iter_traces(lines: Iterable[str]) -> Iterator[FoundTrace]:
    scanner = TraceScanner()
    for line in lines:
        yield from scanner.feed(line)
    yield from scanner.finish()


def split_traces(text: str) -> list[str]:
    """The text of every trace found in ``text``, in order (pytest summary lines excluded)."""
    return [t.text for t in iter_traces(text.splitlines()) if not t.info.summary]


def _best(found: list[FoundTrace]) -> TraceInfo | None:
    candidates = [t.info for t in found if not t.info.summary]
    for info in candidates:
        if info.frames:
            return info
    return candidates[0] if candidates else None


def _fallback(text: str, language: str | None) -> TraceInfo:
    first = next((clean_line(x).strip() for x in text.splitlines() if x.strip()), "")
    exc_type, message = split_exception_line(first)
    return TraceInfo(exc_type, message, (), language)


def parse_trace(text: str, language_hint: str | None = None) -> TraceInfo:
    """Read one failure body. ``language_hint`` (``python``, ``java``/``kotlin``, ``javascript``/
    ``node``, ``go``, ``rust``) is used when the text holds no recognisable trace header, e.g. a
    pytest report in a JUnit body; the content wins when it says otherwise. Never raises.
    """
    hint = (language_hint or "").lower() or None
    hint = _ALIASES.get(hint or "", hint)
    lines = text.splitlines()
    info = _best(list(iter_traces(lines)))
    if info is None:
        # Headerless bodies: with a hint, that language reads the whole text; without one only
        # pytest's report (what pytest writes into JUnit bodies) is tried, kept if it has frames.
        language = _BY_NAME.get(hint or "", python.LANGUAGE)
        try:
            info = language.parse([clean_line(x) for x in lines[:MAX_BLOCK_LINES]])
        except (ValueError, IndexError, TypeError):
            info = None
        if info is not None and not info.frames and (info.exception_type is None or not hint):
            info = None
    if info is None:
        info = _fallback(text, hint if hint in _BY_NAME else None)
    if info.language is None and hint in _BY_NAME:
        info = replace(info, language=hint)
    return info
