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
restate it (``##[error]Process completed with exit code 1.``). Retries that runners print
(pytest-rerunfailures' ``RERUN``, cargo-nextest's ``TRY n FAIL``/``TRY n PASS``/``FLAKY``,
Playwright's ``Retry #n`` and ``flaky`` list) follow the structured reports' rule: a test that
failed and then passed on a retry is one failure with ``flaky=True`` (a pytest test rerun and never
reported failed again is one, even when the log keeps no error for the attempt) and is listed in
``passed_test_ids`` (only such tests are: a log's passing tests are not collected); a test that
failed on every attempt is one failure. A trace never takes in the log
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
from telemetry_assets.core.parsers.languages.python import split_exception_line
from telemetry_assets.core.parsers.stacktraces import (
    MAY_OPEN,
    FoundTrace,
    TraceScanner,
)

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
    # Every log's first stamp misses the cache: the fields are read by position (``_STAMP``
    # fixes it), and a UTC stamp is built as UTC, which converting it to UTC would give.
    date, time, tz = match["date"], match["time"], match["tz"]
    try:
        year, month, day = int(date[:4]), int(date[5:7]), int(date[8:10])
        hour, minute, second = int(time[:2]), int(time[3:5]), int(time[6:8])
        if not tz or tz == "Z":
            return datetime(year, month, day, hour, minute, second, 0, UTC)
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
    starts: tuple[str, ...]
    """How every line ``pattern`` matches begins: a line that begins otherwise is not asked."""
    kind: FailureKind = "log"
    grouped: bool = False
    """Consecutive matching lines are one failure (npm and Maven print one error over many)."""


# Order: tool-specific prefixes before the generic ``Error:``/``error:`` so that rustc's
# ``error[E0425]`` keeps its code and npm/Maven lines are grouped rather than split.
ERROR_LINE_RULES: tuple[ErrorLineRule, ...] = (
    ErrorLineRule(
        "npm",
        re.compile(r"^npm\ (?:ERR!|error)(?:\ (?P<msg>.*))?$", re.X),
        ("npm ERR!", "npm error"),
        grouped=True,
    ),
    ErrorLineRule(
        "maven", re.compile(r"^\[ERROR\](?:\ (?P<msg>.*))?$"), ("[ERROR]",), grouped=True
    ),
    # rustc / cargo: ``error[E0425]: msg``, ``error: could not compile``. Not matched: ``error ``
    # without a colon, which is prose.
    ErrorLineRule(
        "compiler",
        re.compile(r"^error(?P<code>\[E\d{4}\])?:\ (?P<msg>\S.*)$", re.X),
        ("error",),
        kind="build",
    ),
    ErrorLineRule(
        "fatal",
        re.compile(r"^(?:FATAL|[Ff]atal)(?:\ ERROR)?:?\ (?P<msg>\S.*)$", re.X),
        ("FATAL", "Fatal", "fatal"),
    ),
    ErrorLineRule(
        "error",
        re.compile(r"^(?:Error|ERROR|error)(?:\ \[[\w-]+\])?:\ (?P<msg>\S.*)$", re.X),
        ("Error", "ERROR", "error"),
    ),
)
_ERROR_STARTS = tuple(dict.fromkeys(start for rule in ERROR_LINE_RULES for start in rule.starts))
"""How any error line begins (:attr:`ErrorLineRule.starts` of every rule)."""

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


# -- retries ---------------------------------------------------------------------------------
# Test runners that retry a failed test say so in their console output. The rule is the one every
# structured report follows (:func:`reportutil.with_retried`): a test that failed and then passed on
# a retry is one failure with ``flaky=True``; a test that failed on every attempt is one failure.
# Watching for these lines costs every line of a log a substring test, so a runner's lines are
# watched only once the log has shown that runner (pytest's session header, nextest's separator
# or output header, a Playwright or Jest failure header): an ordinary log pays nothing.

RETRY_LINE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # pytest-rerunfailures, ``-v``: ``tests/x.py::test_y RERUN [ 96%]`` and, under xdist, ``[gw1]
    # [ 50%] RERUN tests/x.py::test_y``; ``-rR``/``-rA`` summary: ``RERUN tests/x.py::test_y`` (some
    # versions and wrappers add `` - Err: reason``). Deliberately not matched: ids without ``::`` or
    # ``.py`` (prose that mentions a rerun).
    (
        "pytest-rerun",
        re.compile(
            r"""^(?:(?P<vid>\S+(?:::\S+|\.py))\ RERUN\b
              | (?:\[gw\d+\]\ \[\s*\d+%\]\ )?RERUN\ (?P<id>\S+(?:::\S+|\.py))
                (?:\ -\ (?P<reason>.*))?$)""",
            re.VERBOSE,
        ),
    ),
    # cargo-nextest: a right-aligned status, a bracketed duration, the binary id and test name:
    # ``  TRY 1 FAIL [   0.012s] pricing discount::tests::stacked``, ``  RETRY 2/3 [         ]
    # ...``, ``  TRY 2 PASS [...]``, ``   FLAKY 2/3 [...]``, ``     SIGSEGV [...]``. Deliberately
    # not matched: ``Summary [`` and ``Starting`` lines, which name no test.
    (
        "nextest",
        re.compile(
            r"""^\s*(?:TRY\ (?P<try>\d+)\ )?(?P<status>PASS|FAIL|FLAKY|RETRY|SIG[A-Z]+|ABORT
                |TIMEOUT|LEAK(?:-FAIL)?|FAIL\ \+\ LEAK)(?:\ \d+/\d+)?
                \ \[[^\]]*\]\ (?P<id>\S(?:.*\S)?)\s*$""",
            re.VERBOSE,
        ),
    ),
    # Playwright's numbered details of a failed or flaky test, ``  1) [chromium] › cart.spec.ts:
    # 12:5 › cart › applies coupon ───``: the output up to the next header is that test's.
    ("js-header", re.compile(r"^\s*\d+\)\ (?P<pw>\[[^\]]+\]\ ›\ .+?)\s*─*\s*$")),
    # A later attempt inside those details: ``    Retry #1 ───``.
    ("js-retry", re.compile(r"^\s*Retry\ \#\d+\ ─")),
    # A test that passed on a retry: Playwright's ``  ✓  3 [chromium] › ... (retry #1) (1.3s)``,
    # Jest's and Vitest's ``✓ totals (retry 1)``, ``✓ totals (retry x2) 12ms``, ``✓ t (retry)``.
    (
        "js-passed",
        re.compile(r"^\s*[✓✔√]\s+(?:\d+\s+)?(?P<id>.+?)\s+\(retry(?:\ \#?\d+|\ x\d+)?\)"),
    ),
    # Playwright's summary: ``  1 flaky`` and the flaky tests' headers under it.
    ("js-flaky-list", re.compile(r"^\s*\d+\ flaky\s*$")),
)
_RETRY_RULES = dict(RETRY_LINE_RULES)
_NEXTEST_FAILED = frozenset({"FAIL", "ABORT", "TIMEOUT", "LEAK-FAIL", "FAIL + LEAK"})
_NEXTEST_SEPARATORS = ("------------", "────────────", "--- TRY ", "--- STDERR: ", "--- STDOUT: ")
_PLAYWRIGHT_NOISE = re.compile(r"\s+\((?:retry[^)]*|[\d.]+m?s)\)")
_RETRY_CONTEXT_LINES = 400
"""A failed attempt's header applies to a trace found at most this many lines later."""
_RERUN_REPORT_LINES = 60
"""pytest prints a rerun's report right under its ``RERUN`` line: a trace further down is not it."""


def _same_test(a: str, b: str) -> bool:
    """Two spellings of one test: a pytest node id and its section title, a nextest name and the
    libtest thread name (``discount::tests::x`` / ``pricing::discount::tests::x``)."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    if "::" in long:
        return _summary_matches(short, long) or long.endswith("::" + short)
    return False


def _playwright_id(text: str) -> str:
    """``[chromium] › a.spec.ts:12:5 › t (retry #1) (1.3s) ───`` -> ``[chromium] › a.spec.ts:12:5
    › t``: one spelling for a test's list line, details header and summary entry."""
    return _PLAYWRIGHT_NOISE.sub("", text.rstrip(" ─")).strip()


class _Retries:
    """What the runners of one log said about retries, and which test each failed attempt's
    output belongs to (``context``), from the lines :func:`parse_lines` shows it."""

    def __init__(self) -> None:
        self.pytest = self.nextest = self.js = False
        """Runners whose lines are watched."""
        self.reruns: dict[str, str] = {}
        """pytest tests that failed an attempt and ran again, with the attempt's reason if any."""
        self.attempts: dict[str, FoundTrace] = {}
        """pytest: a rerun attempt's report (``--rerun-show-tracebacks``) by test."""
        self.retried: dict[str, None] = {}
        """nextest / JavaScript tests that failed an attempt and ran again."""
        self.passed: dict[str, None] = {}
        """Tests that passed on a retry, in the order the log says so."""
        self.context: tuple[str, str] | None = None
        """(runner, test) whose failed attempt's output is being printed."""
        self.attributed: dict[int, str] = {}
        """The test of each trace (by ``id``) found in a failed attempt's output: it names the
        trace's failure only when that test was retried (it is there to follow retries)."""
        self._context_age = 0
        self._flaky_list = False

    @property
    def watching(self) -> bool:
        return self.pytest or self.nextest or self.js

    def trigger(self, line: str) -> None:
        """A line of the slow path: it may show a runner that retries (cheap tests first)."""
        first = line[:1]
        if first == "=":
            if "test session starts" in line or "rerun test summary" in line:
                self.pytest = True
        elif first == "-" or first == "─":
            self.nextest = self.nextest or line.startswith(_NEXTEST_SEPARATORS)
        elif not self.js and first in " \t" and " › " in line:
            stripped = line.lstrip()
            self.js = stripped[:1].isdigit() and ") [" in stripped[:8]

    def see(self, line: str) -> None:
        """One line of the log (stamp removed), while some runner is watched."""
        if self.context is not None:
            self._context_age += 1
            if self.context[0] == "pytest":
                # a rerun's report is printed right under its line and ends at pytest's next rule
                if self._context_age > _RERUN_REPORT_LINES or line[:1] == "=":
                    self.context = None
            elif self._context_age > _RETRY_CONTEXT_LINES:
                self.context = None
        if self.pytest and "RERUN" in line:
            self._pytest(line)
        if self.nextest and " [" in line:
            self._nextest(line)
        if self.js and (self._flaky_list or "etry" in line or "flaky" in line or ") [" in line):
            self._js(line)

    def _set_context(self, runner: str, test_id: str | None) -> None:
        self.context = (runner, test_id) if test_id else None
        self._context_age = 0

    def _pytest(self, line: str) -> None:
        match = _RETRY_RULES["pytest-rerun"].match(line)
        if match is None:
            return
        test_id = match["vid"] or match["id"]
        reason = (match["reason"] or "").strip()
        if reason or test_id not in self.reruns:
            self.reruns[test_id] = reason
        # ``--rerun-show-tracebacks`` prints the attempt's report right under its summary line
        self._set_context("pytest", match["id"])

    def _nextest(self, line: str) -> None:
        match = _RETRY_RULES["nextest"].match(line)
        if match is None:
            return
        status, test_id = match["status"], match["id"].rsplit(" ", 1)[-1]
        attempt = int(match["try"]) if match["try"] else 0
        if status == "RETRY":
            self.retried[test_id] = None
        elif status == "FLAKY" or (status == "PASS" and attempt > 1):
            self.retried[test_id] = self.passed[test_id] = None
        elif status in _NEXTEST_FAILED or status.startswith("SIG"):
            if attempt:
                self.retried[test_id] = None
            self._set_context("nextest", test_id)  # the attempt's output (its panic) follows
            return
        self._set_context("nextest", None)

    def _js(self, line: str) -> None:
        if self._flaky_list:
            stripped = line.strip()
            if stripped.startswith("[") and " › " in stripped:
                test_id = _playwright_id(stripped)
                self.retried[test_id] = self.passed[test_id] = None
                return
            self._flaky_list = False
        if _RETRY_RULES["js-flaky-list"].match(line):
            self._flaky_list = True
            return
        header = _RETRY_RULES["js-header"].match(line)
        if header is not None:
            self._set_context("js", _playwright_id(header["pw"]))
            return
        if self.context is not None and _RETRY_RULES["js-retry"].match(line):
            self.retried[self.context[1]] = None
            return
        passed = _RETRY_RULES["js-passed"].match(line)
        if passed is not None:
            test_id = _playwright_id(passed["id"])
            self.retried[test_id] = self.passed[test_id] = None

    def attribute(self, trace: FoundTrace) -> FoundTrace | None:
        """A trace found while a failed attempt's output is printed belongs to that test; a
        pytest rerun's report is held apart (``None``): it is an attempt, not the final result."""
        if self.context is None or trace.info.test_id or trace.info.summary:
            return trace
        runner, test_id = self.context
        if runner == "pytest":
            self.attempts.setdefault(test_id, trace)
            return None
        self.attributed[id(trace)] = test_id
        return trace

    def name(self, trace: FoundTrace, failures: list[Failure]) -> list[Failure]:
        """``failures`` of ``trace``, named after the retried test whose attempt printed it."""
        test_id = self.attributed.get(id(trace))
        if test_id is None or not any(_same_test(test_id, x) for x in self.retried):
            return failures
        # the test's attempt failed: a failure of that test, not a crash outside any test
        return [
            replace(f, test_id=test_id, kind="failure" if f.kind == "crash" else f.kind)
            for f in failures
        ]

    def apply(self, failures: list[Failure]) -> tuple[list[Failure], tuple[str, ...]]:
        """One failure per retried test (its first), ``flaky`` when it passed on a retry. A pytest
        test rerun and then never reported failed passed on the rerun: it is one flaky failure,
        read from the attempt's report or reason when the log printed them."""
        if not self.reruns and not self.retried:
            return failures, ()
        retried = [*self.reruns, *self.retried]
        passed = dict(self.passed)
        for test_id in self.reruns:
            if not any(f.test_id and _same_test(test_id, f.test_id) for f in failures):
                passed[test_id] = None
        kept: list[Failure] = []
        seen: set[str] = set()
        for failure in failures:
            known = failure.test_id and next(
                (x for x in retried if _same_test(x, failure.test_id or "")), None
            )
            if not known:
                kept.append(failure)
            elif known not in seen:  # later attempts of a test already counted are dropped
                seen.add(known)
                passed_later = any(_same_test(known, x) for x in passed)
                kept.append(replace(failure, flaky=True) if passed_later else failure)
        for test_id, reason in self.reruns.items():
            if test_id in passed and test_id not in seen:
                attempt = self.attempts.get(test_id)
                first = _passed_on_retry(test_id, reason) if attempt is None else _failure(attempt)
                kept.append(replace(first, test_id=test_id, flaky=True))
        return kept, tuple(passed)


def _passed_on_retry(test_id: str, reason: str) -> Failure:
    """A pytest test rerun and then passed, when the log keeps only its id and, from some
    reporters, the failed attempt's error in one line."""
    exc_type, message = split_exception_line(reason) if reason else (None, "")
    if not message:
        message = "failed, then passed on a rerun; the log keeps no error for the failed attempt"
    return Failure(
        source_format=NAME,
        message=message,
        trace=f"RERUN {test_id}" + (f" - {reason}" if reason else ""),
        exception_type=exc_type,
        test_id=test_id,
        test_file=test_id.split("::", 1)[0] if "::" in test_id else None,
        kind="failure",
        language="python",
    )


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
"""Control characters that text does not hold: all below space except tab, line feed, form
feed, carriage return and ESC (ANSI colours)."""


def sniff(head: str, path: str) -> bool:
    """Any text: no NUL bytes and few control characters (binary files are refused)."""
    if "\x00" in head:
        return False
    sample = head[:4096]
    # Counted in C: a Python loop over every character was most of the time spent choosing a
    # parser for a small log, and a regex count still the biggest part. In UTF-8 a control
    # character is its own byte and every byte of any other character is >= 0x80, so deleting
    # all bytes but the controls from the encoded sample leaves exactly one byte per control.
    encoded = sample.encode("ascii" if sample.isascii() else "utf-8", "surrogatepass")
    controls = len(encoded.translate(None, _NOT_CONTROL))
    return controls * 20 <= len(sample)


_NOT_CONTROL = bytes(b for b in range(256) if b >= 0x80 or not _CONTROL.match(chr(b)))
"""The bytes that are not a control character ``_CONTROL`` matches."""


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
# ``##[`` and ``::`` markers, the separators that show a runner which retries tests (nextest's
# ``------------``; pytest's ``=== test session starts ===`` is let through by the scanner's
# prefilter, so that Go's many ``=== RUN`` lines stay on the short path), and while no trace has
# been found, the lines ``ERROR_LINE_RULES`` can match.
_SLOW_FIRST = frozenset("#:-─")
_SLOW_FIRST_WITH_ERRORS = frozenset("#:-─nN[eEfF")
_DIGITS = "0123456789"
# First characters of a timestamp prefix (``_STAMP``); ``_ERROR_FIRST`` those of error lines.
_STAMP_FIRST = "[0123456789"
_ERROR_FIRST = frozenset("nN[eEfF")


def _no_error_line(text: str) -> bool:
    """``text`` starts like an error line (``npm warn``, ``[INFO]``, ``Fetching``) but no
    :data:`ERROR_LINE_RULES` rule can match it: the long path would only have the error lines
    find nothing (no block is pending on the short path), so it may take the short path. Only
    lines starting with one of ``_SLOW_FIRST`` (markers, separators) stay on the long path."""
    return text[:1] not in _SLOW_FIRST and not text.startswith(_ERROR_STARTS)


def _stamp_of(token: object) -> datetime | None:
    """A line's stamp token (its prefix match, or the line when its shape was enough) as UTC."""
    if isinstance(token, str):
        token = _STAMP.match(token)
    return _stamp(token) if isinstance(token, re.Match) else None


def parse_lines(lines: Iterable[str], path: str) -> ParseResult:
    """Streaming form of :func:`parse`: reads ``lines`` once, keeping a bounded window.

    This loop is the hot path on big logs, so an ordinary line takes a short path: a few ``str``
    checks, GitHub Actions' fixed-width stamp recognised by its shape (the line itself is kept as
    the stamp token, read by the regex only if a trace needs its time) or any other stamp matched
    once with ``_STAMP``, and the scanner's one-match prefilter (:meth:`TraceScanner.feed_quiet`).
    Every other line, and every line while the log's first stamp is unknown or an error block is
    pending, takes the full path, where stamps are matched with ``_STAMP`` and a shape guess is
    checked, so both paths give the same result.
    """
    scanner = TraceScanner(stamp_of=_stamp_of)
    feed = scanner.feed_clean
    # The short path does :meth:`TraceScanner.feed_quiet`'s work inline (a call per line was a
    # tenth of a big log's time): the scanner's block and context change only inside ``feed``,
    # so they are read again after each ``feed`` and kept in locals meanwhile.
    quiet_lines, quiet_stamps = scanner.quiet_window()
    may_open = MAY_OPEN.match
    block_open = context_open = False
    aged = 0  # quiet lines the scanner's test context has yet to be aged by
    stamp_match = _STAMP.match
    max_chars, digits, stamp_first = MAX_LINE_CHARS, _DIGITS, _STAMP_FIRST
    errors: _ErrorLines | None = _ErrorLines()  # dropped once a trace is found: it restates it
    retries = _Retries()
    watching = False  # ``retries.watching``: some runner's retry lines are looked for
    found: list[FoundTrace] = []
    started_at: datetime | None = None
    cut = 0
    short_path = True  # False while an error block is pending: it must see every line
    slow_first = _SLOW_FIRST_WITH_ERRORS
    for raw in lines:
        if len(raw) > max_chars:
            cut += 1
            raw = raw[:max_chars]
        line = raw.rstrip("\r\n")
        if "\x1b" in line or "\r" in line:
            line = clean_line(line)
        token: re.Match[str] | None = None
        matched = False  # ``token`` already holds ``_STAMP``'s answer for this line
        if short_path and not block_open:
            content: str | None = None  # the text the scanner would see, if it may be quiet
            quiet_token: object = None
            if line[27:29] == "Z " and line[10:11] == "T" and line[:1] in digits:
                # the log's first stamp (``started_at``) is read in full on the long path
                if started_at is not None:
                    content = line[29:]
                    if content[:1] in slow_first and not _no_error_line(content):
                        content = None
                    quiet_token = line
            elif line[:1] in stamp_first:
                # Other stamps (``2026-11-20 10:11:12,345``, ``[2026-...]``): matched here once,
                # the match kept as the token the long path would keep. Lines the long path's
                # retry trigger reads (``=``, an indented ``›``) stay on it.
                token, matched = stamp_match(line), True
                if token is not None and started_at is not None:
                    content = line[token.end() :]
                    first = content[:1]
                    if (
                        (first in slow_first and not _no_error_line(content))
                        or first == "="
                        or (first in " \t" and " › " in content)
                    ):
                        content = None
                    quiet_token = token
            elif line[:1] not in slow_first or _no_error_line(line):
                content = line
            if content is not None and may_open(content) is None and "<<< " not in content:
                if context_open:
                    aged += 1
                quiet_lines(content)
                quiet_stamps(quiet_token)
                if watching:
                    retries.see(content)
                continue
        if line[:1] in _STAMP_FIRST:
            if not matched:
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
        if aged:
            scanner.age_context(aged)
            aged = 0
        traces = feed(line, token)
        block_open, context_open = scanner.block_open, scanner.context_open
        if traces:
            if watching:
                traces = [t for t in map(retries.attribute, traces) if t is not None]
            found.extend(traces)
            errors = None
            slow_first = _SLOW_FIRST
        retries.trigger(line)
        watching = retries.watching
        if watching:
            retries.see(line)
        short_path = errors is None or not errors.pending
    if aged:
        scanner.age_context(aged)
    last = scanner.finish()
    found.extend(t for t in map(retries.attribute, last) if t is not None)
    notes: list[str] = []
    passed: tuple[str, ...] = ()
    if cut:
        notes.append(f"{cut} lines longer than {MAX_LINE_CHARS} characters were cut")
    if found:
        merged = _merge_reentered(_drop_repeats(_merge_summaries(found)))
        failures = [f for t in merged for f in retries.name(t, _failures_of(t))]
    else:
        failures = []
    if failures or retries.reruns:
        failures, passed = retries.apply(failures)
        flaky = sum(1 for f in failures if f.flaky)
        if flaky:
            notes.append(f"{flaky} tests failed then passed on a retry (flaky)")
    if not failures:
        failures = errors.finish() if errors is not None else []
        if failures:
            notes.append(f"no stack trace found; {len(failures)} error lines reported instead")
    return ParseResult(NAME, tuple(failures), passed, started_at=started_at, notes=tuple(notes))


def parse(text: str, path: str) -> ParseResult:
    """Read a whole log held in memory (see :func:`parse_lines`). Never raises."""
    return parse_lines(_iter_lines(text), path)
