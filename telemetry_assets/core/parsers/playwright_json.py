"""Playwright JSON reporter output: one Failure per test whose final status is ``unexpected``.

Suites are walked recursively (files, ``describe`` blocks, nested ``describe``); each spec holds
one test per project. A test's identity is ``file > describe titles > spec title`` plus
`` [project]`` when the report has projects, because the same spec failing only in WebKit is a
different problem from failing everywhere. The error comes from the last failing attempt
(``error.stack`` holds the TypeScript stack, ANSI colours removed). Tests that failed and then
passed on a retry (``flaky``) are listed as passed, counted in ``notes``, and kept as one ``flaky``
Failure carrying their first failed attempt's error, after the final failures. Top-level
``errors[]`` (global setup, worker crashes outside any test) become ``crash`` failures.
Attachments (screenshots, traces) are ignored. Most tests pass, so a passing test costs its id
and nothing else: result timestamps are read only when ``stats.startTime`` is missing.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from telemetry_assets.core.models import Failure, ParseError, ParseResult
from telemetry_assets.core.parsers.reportutil import (
    as_object,
    clip,
    dedupe,
    earliest,
    first_line,
    json_object_head,
    load_json,
    parse_timestamp,
    strip_ansi,
    trace_info,
    with_retried,
)

NAME = "playwright-json"

_VOCABULARY = re.compile(
    r"""
    "(?:expectedStatus|projectName|projectId|workerIndex|fullyParallel|forbidOnly|
       reportSlowTests|globalTimeout|rootDir|configFile)"\s*:
    """,
    re.VERBOSE,
)
"""Keys only Playwright's reporter writes (config and per-test fields). Does not match Jest or
mocha keys; ``"suites"``/``"specs"`` alone are too common to decide."""

_FAILED_RESULT = frozenset({"failed", "timedOut", "interrupted"})


def sniff(head: str, path: str) -> bool:
    body = json_object_head(head)
    if body is None or '"testResults"' in body:
        return False
    return len(set(_VOCABULARY.findall(body))) >= 2 or (
        '"config"' in body and '"suites"' in body and '"specs"' in body
    )


def parse(text: str, path: str) -> ParseResult:
    report = load_json(text, "Playwright JSON")
    if not isinstance(report, dict) or not isinstance(report.get("suites"), list):
        raise ParseError("Playwright JSON has no top-level suites array")
    failures: list[Failure] = []
    retried: list[Failure] = []
    passed: list[str] = []
    started = parse_timestamp(as_object(report.get("stats")).get("startTime"))
    stamps: list[datetime | None] | None = [] if started is None else None
    for spec, titles in _specs(report["suites"], ()):
        file = spec.get("file") if isinstance(spec.get("file"), str) else None
        for test in spec.get("tests") or ():
            if not isinstance(test, dict):
                continue
            raw_results = test.get("results") or ()
            if stamps is not None:
                stamps.extend(
                    parse_timestamp(r.get("startTime")) for r in raw_results if isinstance(r, dict)
                )
            status = test.get("status")
            if status == "expected":
                passed.append(_test_id(file, titles, spec, test))
                continue
            results = [r for r in raw_results if isinstance(r, dict)]
            if status is None:
                last = results[-1].get("status") if results else None
                status = "expected" if last in (None, "passed", "skipped") else "unexpected"
                if last == "skipped":
                    status = "skipped"
            test_id = _test_id(file, titles, spec, test)
            if status == "unexpected":
                failures.append(_failure(test, results, test_id, file))
            elif status == "flaky":
                passed.append(test_id)
                retried.append(_retry_failure(results, test_id, file))
            elif status == "expected":
                passed.append(test_id)
    for error in report.get("errors") or ():
        if isinstance(error, dict):
            failures.append(_error_failure(error, "crash", None, None, None))
    if stamps is not None:
        started = earliest(stamps)
    flaky = len(retried)
    notes = (f"{flaky} tests failed then passed on retry (flaky)",) if flaky else ()
    return ParseResult(
        format=NAME,
        failures=with_retried(failures, passed, retried),
        passed_test_ids=dedupe(passed),
        started_at=started,
        notes=notes,
    )


def _specs(
    suites: list[Any], titles: tuple[str, ...]
) -> list[tuple[dict[str, Any], tuple[str, ...]]]:
    """Every spec with the describe titles above it, depth-first, without recursion limits."""
    found: list[tuple[dict[str, Any], tuple[str, ...]]] = []
    pending: list[tuple[Any, tuple[str, ...]]] = [(s, titles) for s in reversed(suites)]
    while pending:
        suite, above = pending.pop()
        if not isinstance(suite, dict):
            continue
        title = suite.get("title") if isinstance(suite.get("title"), str) else ""
        # A file-level suite is titled with the file name, which the id already carries.
        here = above if not title or title == suite.get("file") else (*above, title)
        found.extend((spec, here) for spec in suite.get("specs") or () if isinstance(spec, dict))
        pending.extend((child, here) for child in reversed(suite.get("suites") or ()))
    return found


def _test_id(
    file: str | None, titles: tuple[str, ...], spec: dict[str, Any], test: dict[str, Any]
) -> str:
    parts = [p for p in (file, *titles, str(spec.get("title") or "")) if p]
    project = test.get("projectName")
    suffix = f" [{project}]" if isinstance(project, str) and project else ""
    return " > ".join(parts) + suffix


def _failure(
    test: dict[str, Any], results: list[dict[str, Any]], test_id: str, file: str | None
) -> Failure:
    failing = [r for r in results if r.get("status") in _FAILED_RESULT or r.get("error")]
    last = failing[-1] if failing else (results[-1] if results else {})
    error = last.get("error")
    if not isinstance(error, dict):
        errors = [e for e in last.get("errors") or () if isinstance(e, dict)]
        error = errors[0] if errors else {}
    if not error and test.get("expectedStatus") == "failed":
        error = {"message": "test was expected to fail but passed"}
    return _error_failure(error, "failure", test_id, file, parse_timestamp(last.get("startTime")))


def _retry_failure(results: list[dict[str, Any]], test_id: str, file: str | None) -> Failure:
    """A flaky test's first failed attempt: the error a retry papered over."""
    failing = [r for r in results if r.get("status") in _FAILED_RESULT or r.get("error")]
    first = failing[0] if failing else {}
    error = first.get("error")
    if not isinstance(error, dict):
        errors = [e for e in first.get("errors") or () if isinstance(e, dict)]
        error = errors[0] if errors else {"message": "failed, then passed on retry"}
    when = parse_timestamp(first.get("startTime"))
    return _error_failure(error, "failure", test_id, file, when, flaky=True)


def _error_failure(
    error: dict[str, Any],
    kind: str,
    test_id: str | None,
    file: str | None,
    occurred_at: datetime | None,
    *,
    flaky: bool = False,
) -> Failure:
    message = strip_ansi(str(error.get("message") or "")).strip()
    stack = strip_ansi(str(error.get("stack") or "")).strip()
    trace = clip(stack or message)
    info = trace_info(trace, "javascript")
    location = error.get("location")
    if file is None and isinstance(location, dict) and isinstance(location.get("file"), str):
        file = location["file"]
    return Failure(
        source_format=NAME,
        message=message or info.message or first_line(trace),
        trace=trace,
        exception_type=info.exception_type,
        frames=info.frames,
        test_id=test_id,
        test_file=file,
        kind="crash" if kind == "crash" else "failure",
        language=info.language or "javascript",
        occurred_at=occurred_at,
        flaky=flaky,
        chained=info.chained,
    )
