"""The last-resort parser: any text log (CI job logs, console output) read line by line.

Accepts any non-binary text. Timestamp prefixes (GitHub Actions ``2026-11-20T10:11:12.1234567Z``,
Jenkins/GitLab ``[2026-11-20 10:11:12]`` and bare ISO stamps) are stripped and the stamp of a
trace's first line becomes its ``occurred_at`` (UTC; stamps without an offset are taken as UTC).
GitHub Actions ``##[group]``-style markers are dropped. Every trace of every language that
:mod:`stacktraces` recognises becomes one :class:`Failure`; pytest's ``FAILED id - Err`` summary
lines are merged into the section that printed the same failure in full, and only stand alone
when no such section exists. When the log holds no trace at all, error lines stand in for
failures (one per distinct ``##[error]`` line, one per block of consecutive ``npm ERR!`` or
``[ERROR]`` lines, one per ``error[E0425]:``/``Error:``/``FATAL:`` line), frameless and with
kind ``log`` (``build`` for compiler errors); when a trace exists they are dropped, because they
restate it (``##[error]Process completed with exit code 1.``). A trace never takes in the log
records around it: its message ends at the next line that starts a record (a timestamp or level
word, a ``##[`` marker, PEM armour, another trace), a trace printed without stamps ends at the
next stamped line, and such a trace takes the time of the last stamped record before it. Work is
linear in the log size and an ordinary line costs a few ``str`` checks and one regex match (about
50 MB/s of CPU time, ``benchmarks/plain_log_throughput.py``): lines are cut to ``MAX_LINE_CHARS``
before any pattern runs and only a bounded window is kept. This parser never raises
:class:`ParseError`: any text is a valid log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone

from telemetry_assets.core.models import Failure, FailureKind, ParseResult
from telemetry_assets.core.parsers.languages.base import MAX_LINE_CHARS, clean_line
from telemetry_assets.core.parsers.stacktraces import FoundTrace, TraceScanner

NAME = "plain_log"

MAX_ERROR_FAILURES = 200
"""Distinct error-line failures kept per log (a log of 10^5 distinct errors is summarised)."""
_MAX_ERROR_BLOCK_LINES = 50

# A leading timestamp: GitHub Actions (``...T10:11:12.1234567Z ``), Jenkins timestamper and GitLab
# (``[2026-11-20 10:11:12]``, ``[2026-11-20T10:11:12.123Z]``) and bare ISO stamps. Deliberately not
# matched: time-only stamps (``10:11:12``), which carry no date to attribute a failure to.
_STAMP = re.compile(
    r"""^\[?(?P<date>\d{4}-\d{2}-\d{2})[T\ ](?P<time>\d{2}:\d{2}:\d{2})(?:[.,](?P<frac>\d{1,9}))?
        (?P<tz>Z|[+-]\d{2}:?\d{2})?\]?\ ?""",
    re.VERBOSE,
)
_MARKER = re.compile(r"^(?:\#\#\[(?P<gha>[a-z]+)\]|::(?P<cmd>[a-z-]+)(?:\ [^:]*)?::)", re.X)
_GENERIC_EXIT = re.compile(r"^Process completed with exit code \d+\.?$")


_STAMP_CACHE: dict[tuple[str, str, str | None], datetime | None] = {}


def _stamp(match: re.Match[str]) -> datetime | None:
    """The stamp as UTC; whole seconds are cached (log lines share them by the thousand)."""
    key = (match["date"], match["time"], match["tz"])
    base = _STAMP_CACHE.get(key)
    if base is None and key not in _STAMP_CACHE:
        if len(_STAMP_CACHE) > 4096:
            _STAMP_CACHE.clear()
        base = _STAMP_CACHE[key] = _whole_seconds(match)
    if base is None or not match["frac"]:
        return base
    return base.replace(microsecond=int(match["frac"][:6].ljust(6, "0")))


def _whole_seconds(match: re.Match[str]) -> datetime | None:
    try:
        year, month, day = (int(x) for x in match["date"].split("-"))
        hour, minute, second = (int(x) for x in match["time"].split(":"))
        tz = match["tz"]
        offset = timedelta(0)
        if tz and tz != "Z":
            sign = -1 if tz[0] == "-" else 1
            digits = tz[1:].replace(":", "")
            offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        local = datetime(year, month, day, hour, minute, second, 0, timezone(offset))
        return local.astimezone(UTC)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class ErrorLineRule:
    """A kind of error line that stands in for a failure in logs without traces."""

    name: str
    pattern: re.Pattern[str]
    kind: FailureKind = "log"
    grouped: bool = False
    """Consecutive matching lines are one failure (npm and Maven print one error over many)."""


# Order: tool-specific prefixes before the generic ``Error:``/``error:`` so that rustc's
# ``error[E0425]`` keeps its code and npm/Maven lines are grouped rather than split.
ERROR_LINE_RULES: tuple[ErrorLineRule, ...] = (
    ErrorLineRule(
        "npm", re.compile(r"^npm\ (?:ERR!|error)(?:\ (?P<msg>.*))?$", re.X), grouped=True
    ),
    ErrorLineRule("maven", re.compile(r"^\[ERROR\](?:\ (?P<msg>.*))?$"), grouped=True),
    # rustc / cargo: ``error[E0425]: msg``, ``error: could not compile``. Not matched: ``error ``
    # without a colon, which is prose.
    ErrorLineRule(
        "compiler",
        re.compile(r"^error(?P<code>\[E\d{4}\])?:\ (?P<msg>\S.*)$", re.X),
        kind="build",
    ),
    ErrorLineRule("fatal", re.compile(r"^(?:FATAL|[Ff]atal)(?:\ ERROR)?:?\ (?P<msg>\S.*)$", re.X)),
    ErrorLineRule(
        "error", re.compile(r"^(?:Error|ERROR|error)(?:\ \[[\w-]+\])?:\ (?P<msg>\S.*)$", re.X)
    ),
)

# npm lines that do not say what failed.
_NPM_NOISE = re.compile(r"^(?:code|errno|syscall|path|A\ complete\ log|\s*$)", re.X)
_MAVEN_NOISE = re.compile(r"^(?:\s*$|->|Re-run\ Maven|For\ more\ information|\[Help)", re.X)


class _ErrorLines:
    """Collects distinct error lines while scanning, for logs that turn out to hold no trace."""

    def __init__(self) -> None:
        self.failures: dict[tuple[str, str], Failure] = {}
        self.generic: dict[str, Failure] = {}
        self._rule: ErrorLineRule | None = None
        self._block: list[tuple[str, object]] = []

    @property
    def pending(self) -> bool:
        return self._rule is not None

    def feed(self, line: str, token: object, gha_error: bool) -> None:
        """One line that may be an error line; ``token`` is its stamp, read only when kept."""
        if gha_error:
            self.flush()
            message = " ".join(line.split())
            target = self.generic if _GENERIC_EXIT.match(message) else None
            failure = Failure(NAME, message, line, kind="log", occurred_at=_stamp_of(token))
            if target is not None:
                target.setdefault(message, failure)
            else:
                self._add("gha-error", message, failure)
            return
        for rule in ERROR_LINE_RULES:
            if line[:1] not in "nN[eEfF":
                break
            match = rule.pattern.match(line)
            if match is None:
                continue
            if rule.grouped:
                if self._rule is not rule:
                    self.flush()
                    self._rule = rule
                if len(self._block) < _MAX_ERROR_BLOCK_LINES:
                    self._block.append((match["msg"] or "", token))
                return
            self.flush()
            message = " ".join(match["msg"].split())
            code = match.groupdict().get("code")
            exc_type = f"error{code}" if code else None
            kind = rule.kind if code or rule.name != "compiler" else "log"
            stamp = _stamp_of(token)
            self._add(
                rule.name,
                message,
                Failure(NAME, message, line, exc_type, kind=kind, occurred_at=stamp),
            )
            return
        self.flush()

    def _add(self, rule: str, message: str, failure: Failure) -> None:
        if len(self.failures) < MAX_ERROR_FAILURES:
            self.failures.setdefault((rule, message), failure)

    def flush(self) -> None:
        rule, block = self._rule, self._block
        self._rule, self._block = None, []
        if rule is None or not block:
            return
        noise = _NPM_NOISE if rule.name == "npm" else _MAVEN_NOISE
        texts = [text for text, _ in block]
        message = next((t for t in texts if not noise.match(t)), texts[0])
        exc_type = None
        if rule.name == "npm":
            exc_type = next((t[5:].strip() for t in texts if t.startswith("code ")), None)
        trace = "\n".join(f"{'npm ERR!' if rule.name == 'npm' else '[ERROR]'} {t}" for t in texts)
        message = " ".join(message.split())
        stamp = _stamp_of(block[0][1])
        failure = Failure(NAME, message, trace, exc_type, kind="log", occurred_at=stamp)
        self._add(rule.name, message, failure)

    def finish(self) -> list[Failure]:
        self.flush()
        found = list(self.failures.values())
        return found or list(self.generic.values())


def sniff(head: str, path: str) -> bool:
    """Any text: no NUL bytes and few control characters (binary files are refused)."""
    if "\x00" in head:
        return False
    sample = head[:4096]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\x1b\x0c")
    return controls * 20 <= len(sample)


def _iter_lines(text: str) -> Iterator[str]:
    """Lines of ``text`` without copying it: each line is sliced at most ``MAX_LINE_CHARS`` long."""
    pos, size = 0, len(text)
    while pos < size:
        end = text.find("\n", pos)
        if end < 0:
            end = size
        yield text[pos : min(end, pos + MAX_LINE_CHARS + 1)]  # one more: parse_lines notes the cut
        pos = end + 1


def _summary_matches(section_id: str, summary_id: str) -> bool:
    """``TestCart.test_total`` (section header) vs ``tests/test_cart.py::TestCart::test_total``;
    a plugin's item may title its section in its own words, ending with the item's name
    (``usecase: apply_coupon`` for ``specs/test_coupons.yaml::apply_coupon``)."""
    if section_id == summary_id:
        return True
    parts = summary_id.split("::")
    return section_id in (".".join(parts[1:]), parts[-1]) or section_id.endswith(" " + parts[-1])


def _failure(found: FoundTrace) -> Failure:
    info = found.info
    test_id = info.test_id
    test_file = info.test_file
    if info.language == "python" and test_id and "::" in test_id:
        test_file = test_id.split("::", 1)[0]  # a pytest node id starts with its file
    kind: FailureKind = info.kind or ("failure" if test_id else "crash")
    return Failure(
        source_format=NAME,
        message=info.message,
        trace=found.text,
        exception_type=info.exception_type,
        frames=info.frames,
        test_id=test_id,
        test_file=test_file,
        kind=kind,
        language=info.language,
        occurred_at=found.stamp,
        chained=info.chained,
    )


def _failures_of(found: FoundTrace) -> list[Failure]:
    """One failure per test the trace names: itself, then each test it was shared with."""
    failure = _failure(found)
    return [failure, *(replace(failure, test_id=t) for t in found.info.shared_with)]


def _drop_repeats(traces: list[FoundTrace]) -> list[FoundTrace]:
    """Jest reprints every failed test under ``Summary of all failing tests``: a JavaScript
    failure with the same test id, exception, message and frames as an earlier one is that
    reprint. Likewise a JavaScript error printed with ``console.log`` and then thrown uncaught
    (Deno's ``error: Uncaught``, a crash the parser marks as such) is one event, the crash: an
    earlier trace with the same exception, message and frames outside any test is dropped.
    Other languages are left alone: a log of two runs of a suite holds two failures."""
    crashes = {
        (t.info.exception_type, t.info.message, t.info.frames): i
        for i, t in enumerate(traces)
        if t.info.language == "javascript" and t.info.kind == "crash" and t.info.frames
    }
    seen: set[tuple[object, ...]] = set()
    kept: list[FoundTrace] = []
    for i, trace in enumerate(traces):
        info = trace.info
        key = (info.test_id, info.exception_type, info.message, info.frames)
        if info.language == "javascript":
            if info.test_id and key in seen:
                continue
            if not info.test_id and crashes.get(key[1:], i) > i:
                continue  # logged before the same error escaped
        seen.add(key)
        kept.append(trace)
    return kept


# Runners that re-enter a test and print one block per pass (doctest runs a test case once per
# subcase path): consecutive traces of the same test are one failure, the first pass's.
_REENTERED_LANGUAGES = frozenset({"cpp"})


def _merge_reentered(traces: list[FoundTrace]) -> list[FoundTrace]:
    kept: list[FoundTrace] = []
    for trace in traces:
        info = trace.info
        if kept and info.test_id and info.language in _REENTERED_LANGUAGES:
            last = kept[-1].info
            if last.language == info.language and last.test_id == info.test_id:
                continue
        kept.append(trace)
    return kept


def _merge_summaries(traces: list[FoundTrace]) -> list[FoundTrace]:
    """pytest prints each failure twice (section + ``FAILED`` line): keep one, with the full id."""
    full_ids: dict[int, str] = {}
    absorbed: set[int] = set()
    sections = [
        i
        for i, t in enumerate(traces)
        if not t.info.summary and t.info.language == "python" and t.info.test_id
    ]
    for j, trace in enumerate(traces):
        if not trace.info.summary:
            continue
        summary_id = trace.info.test_id or ""
        for i in sections:
            if i not in full_ids and _summary_matches(traces[i].info.test_id or "", summary_id):
                full_ids[i] = summary_id
                absorbed.add(j)
                break
    merged: list[FoundTrace] = []
    for i, trace in enumerate(traces):
        if i in absorbed:
            continue
        if i in full_ids:
            trace = replace(trace, info=replace(trace.info, test_id=full_ids[i]))
        merged.append(trace)
    return merged


# First characters of lines that must take the full path of ``parse_lines``: GitHub Actions
# ``##[`` and ``::`` markers, and while no trace has been found, the lines ``ERROR_LINE_RULES`` can
# match.
_SLOW_FIRST = frozenset("#:")
_SLOW_FIRST_WITH_ERRORS = frozenset("#:nN[eEfF")
_DIGITS = "0123456789"
# First characters of a timestamp prefix (``_STAMP``); ``_ERROR_FIRST`` those of error lines.
_STAMP_FIRST = "[0123456789"
_ERROR_FIRST = frozenset("nN[eEfF")


def _stamp_of(token: object) -> datetime | None:
    """A line's stamp token (its prefix match, or the line when its shape was enough) as UTC."""
    if isinstance(token, str):
        token = _STAMP.match(token)
    return _stamp(token) if isinstance(token, re.Match) else None


def parse_lines(lines: Iterable[str], path: str) -> ParseResult:
    """Streaming form of :func:`parse`: reads ``lines`` once, keeping a bounded window.

    This loop is the hot path on big logs, so an ordinary line takes a short path: a few ``str``
    checks, GitHub Actions' fixed-width stamp recognised by its shape (the line itself is kept as
    the stamp token, read by the regex only if a trace needs its time) and the scanner's one-match
    prefilter (:meth:`TraceScanner.feed_quiet`). Every other line, and every line while the log's
    first stamp is unknown or an error block is pending, takes the full path, where stamps are
    matched with ``_STAMP`` and a shape guess is checked, so both paths give the same result.
    """
    scanner = TraceScanner(stamp_of=_stamp_of)
    feed, feed_quiet = scanner.feed_clean, scanner.feed_quiet
    stamp_match = _STAMP.match
    errors: _ErrorLines | None = _ErrorLines()  # dropped once a trace is found: it restates it
    found: list[FoundTrace] = []
    started_at: datetime | None = None
    cut = 0
    short_path = True  # False while an error block is pending: it must see every line
    slow_first = _SLOW_FIRST_WITH_ERRORS
    for raw in lines:
        if len(raw) > MAX_LINE_CHARS:
            cut += 1
            raw = raw[:MAX_LINE_CHARS]
        line = raw.rstrip("\r\n")
        if "\x1b" in line or "\r" in line:
            line = clean_line(line)
        if short_path:
            if line[27:29] == "Z " and line[10:11] == "T" and line[:1] in _DIGITS:
                content = line[29:]
                # the log's first stamp (``started_at``) is read in full on the long path
                quiet = started_at is not None and content[:1] not in slow_first
                if quiet and feed_quiet(content, line):
                    continue
            elif (
                line[:1] not in _STAMP_FIRST
                and line[:1] not in slow_first
                and feed_quiet(line, None)
            ):
                continue
        token: re.Match[str] | None = None
        if line[:1] in _STAMP_FIRST:
            token = stamp_match(line)
            if token is not None:
                line = line[token.end() :]
                if started_at is None:
                    started_at = _stamp(token)
        gha_error = False
        text = line
        if line[:2] in ("##", "::"):
            marker = _MARKER.match(line)
            if marker:
                name = marker["gha"] or marker["cmd"]
                if name != "error":
                    continue  # group/endgroup/warning/debug/command markers carry no failure
                gha_error = True
                text = line[marker.end() :]
        if errors is not None:
            if gha_error or text[:1] in _ERROR_FIRST:
                errors.feed(text, token, gha_error)
            elif errors.pending:
                errors.flush()
        # The scanner sees an error marker as written: it is a new record and ends a message.
        traces = feed(line, token)
        if traces:
            found.extend(traces)
            errors = None
            slow_first = _SLOW_FIRST
        short_path = errors is None or not errors.pending
    found.extend(scanner.finish())
    notes: list[str] = []
    if cut:
        notes.append(f"{cut} lines longer than {MAX_LINE_CHARS} characters were cut")
    if found:
        merged = _merge_reentered(_drop_repeats(_merge_summaries(found)))
        failures = [f for t in merged for f in _failures_of(t)]
    else:
        failures = errors.finish() if errors is not None else []
        if failures:
            notes.append(f"no stack trace found; {len(failures)} error lines reported instead")
    return ParseResult(NAME, tuple(failures), started_at=started_at, notes=tuple(notes))


def parse(text: str, path: str) -> ParseResult:
    """Read a whole log held in memory (see :func:`parse_lines`). Never raises."""
    return parse_lines(_iter_lines(text), path)
