"""``mocha --reporter json`` output, and the quarantine point for ``.json`` files that are not JSON.

A mocha report is ``{"stats": {...}, "tests", "pending", "failures", "passes"}``; each entry of the
top-level ``failures[]`` is one Failure identified as ``file > full title``, with the Node stack
from ``err.stack`` (``err.message`` when there is no stack). Passes with ``currentRetry`` > 0 failed
before passing: listed as passed, counted in ``notes`` as flaky, and kept as one ``flaky`` Failure
after the final ones (mocha does not keep the failed attempt's error, so it says only that).
Mocha writes no per-test time, so failures carry the run's ``stats.start``.

This parser also claims files that say they are JSON (by name, or by opening with ``{``/``[``
while being short enough to see whole) but do not decode: empty, truncated, or not JSON at all.
Read as plain logs they would pass silently as "no errors"; here they raise ``ParseError`` with
the decoder's reason so the artifact is quarantined. Well-formed JSON of an unknown shape is left
to the plain-log parser, and JSON Lines streams (``go test -json``) to theirs.
"""

from __future__ import annotations

import json
import re
from typing import Any

from telemetry_assets.core.models import Failure, ParseError, ParseResult
from telemetry_assets.core.parsers.reportutil import (
    as_object,
    as_text,
    clip,
    dedupe,
    first_line,
    head_is_whole_file,
    json_object_head,
    load_json,
    parse_timestamp,
    retry_without_error,
    strip_ansi,
    trace_info,
    with_retried,
)

NAME = "mocha-json"

_STATS = re.compile(r'\A\{\s*"stats"\s*:\s*\{[^{}]*"passes"\s*:[^{}]*"failures"\s*:', re.DOTALL)
"""Mocha's JSON reporter always writes ``stats`` first, holding ``passes`` and ``failures``
counters. Does not match a ``stats`` object elsewhere in a document, nor one without both keys."""


def sniff(head: str, path: str) -> bool:
    body = json_object_head(head)
    if body is not None and _STATS.match(body):
        return True
    return _unreadable_json(head, path)


_JSON_OPENING = re.compile(
    r"""\A(?:
        \{ \s* ["}]                                        # {"key"... or {}
      | \[ \s* (?: [{\["\]] | (?:true|false|null) \s* [,\]]   # [{ [[ [" [] [true,
               | -?\d+(?:\.\d+)?(?:[eE][+-]?\d+)? \s* , )         # [1, 2
    )""",
    re.VERBOSE,
)
"""How a JSON document opens. Does not match bracketed log prefixes: ``[2026-11-17 08:01:02]``,
``[INFO]``, ``[12:01:02.5]``, ``[0] > build`` (concurrently's process prefix)."""


def _unreadable_json(head: str, path: str) -> bool:
    """A file that claims to be JSON but cannot be decoded (judged from the head alone).

    The claim is the ``.json`` name, or (for other names) an opening only JSON has: a log whose
    lines start with ``[timestamp]`` also starts with ``[`` and must fall through to plain_log.
    """
    body = head.lstrip("\ufeff \t\r\n")
    named_json = path.lower().endswith(".json")
    if not body:
        return named_json
    if not body.startswith(("{", "[")):
        return named_json
    if not named_json and not _JSON_OPENING.match(body):
        return False
    if not head_is_whole_file(head) or _opens_with_json_line(body):
        return False
    try:
        json.loads(body)
    except ValueError:
        return True
    return False


def _opens_with_json_line(body: str) -> bool:
    """A stream of JSON lines (``go test -json`` with stray stdout) is not a broken document."""
    first = body.split("\n", 1)[0].strip()
    try:
        return isinstance(json.loads(first), dict) and "\n" in body.strip()
    except ValueError:
        return False


def parse(text: str, path: str) -> ParseResult:
    report = load_json(text, "mocha JSON")
    if not isinstance(report, dict) or not isinstance(report.get("stats"), dict):
        raise ParseError("JSON is not a mocha report: no top-level stats object")
    failures_in = report.get("failures")
    if not isinstance(failures_in, list):
        raise ParseError("mocha JSON has no failures array")
    started = parse_timestamp(as_object(report["stats"]).get("start"))
    failures = [_failure(entry, started) for entry in failures_in if isinstance(entry, dict)]
    passed: list[str] = []
    retried: list[Failure] = []
    for entry in report.get("passes") or ():
        if isinstance(entry, dict):
            test_id = _test_id(entry)
            passed.append(test_id)
            retry = entry.get("currentRetry")
            if isinstance(retry, int) and not isinstance(retry, bool) and retry > 0:
                retried.append(
                    retry_without_error(
                        source_format=NAME,
                        test_id=test_id,
                        test_file=as_text(entry.get("file")),
                        retries=retry,
                        occurred_at=started,
                        language="javascript",
                    )
                )
    flaky = len(retried)
    notes = (f"{flaky} tests passed on a retry (flaky)",) if flaky else ()
    return ParseResult(
        format=NAME,
        failures=with_retried(failures, passed, retried),
        passed_test_ids=dedupe(passed),
        started_at=started,
        notes=notes,
    )


def _test_id(entry: dict[str, Any]) -> str:
    title = str(entry.get("fullTitle") or entry.get("title") or "")
    file = entry.get("file")
    return f"{file} > {title}" if isinstance(file, str) and file else title


def _failure(entry: dict[str, Any], started: Any) -> Failure:
    err = as_object(entry.get("err"))
    message = strip_ansi(str(err.get("message") or "")).strip()
    stack = strip_ansi(str(err.get("stack") or "")).strip()
    trace = clip(stack or message)
    info = trace_info(trace, "javascript")
    declared = as_text(err.get("name"))
    file = as_text(entry.get("file"))
    return Failure(
        source_format=NAME,
        message=message or info.message or first_line(trace),
        trace=trace,
        exception_type=info.exception_type or declared,
        frames=info.frames,
        test_id=_test_id(entry) or None,
        test_file=file,
        kind="failure",
        language=info.language or "javascript",
        occurred_at=started,
        chained=info.chained,
    )
