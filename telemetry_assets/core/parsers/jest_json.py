"""``jest --json`` output: one Failure per failed assertion result, plus one per suite that crashed.

Each ``testResults[]`` entry is a test file; each ``assertionResults[]`` entry with status
``failed`` becomes a Failure identified as ``file > ancestor titles > title``, its Node stack taken
from ``failureMessages`` (ANSI colours removed). A test file that failed to run at all
(``testExecError``, or a ``failureMessage`` with no failed assertions: a syntax error, a missing
module, a throwing ``beforeAll``) becomes one ``error`` Failure identified by the file, because
that crash is exactly what people need to see even though no test case "failed". Passed tests
that needed retries (``invocations`` > 1 or ``retryReasons``) are listed as passed, counted in
``notes`` as flaky, and kept as one ``flaky`` Failure after the final ones: from the first of
``retryReasons`` (the failed attempts' messages), or, when Jest recorded only the count, one that
says so. Times come from the suite and run ``startTime`` (epoch milliseconds); a passing test costs
its id and nothing else.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from telemetry_assets.core.models import Failure, FailureKind, ParseError, ParseResult
from telemetry_assets.core.parsers.reportutil import (
    as_object,
    as_text,
    clip,
    dedupe,
    first_line,
    json_object_head,
    load_json,
    parse_timestamp,
    retry_without_error,
    strip_ansi,
    trace_info,
    with_retried,
)

NAME = "jest-json"

_SHAPE = re.compile(
    r'"(?:numFailedTests|numTotalTests|numFailedTestSuites|numRuntimeErrorTestSuites)"\s*:'
)
"""Jest's run counters, written before ``testResults``. Does not match mocha's ``stats`` keys."""


def sniff(head: str, path: str) -> bool:
    body = json_object_head(head)
    return body is not None and '"testResults"' in body and bool(_SHAPE.search(body))


def parse(text: str, path: str) -> ParseResult:
    report = load_json(text, "Jest JSON")
    if not isinstance(report, dict) or not isinstance(report.get("testResults"), list):
        raise ParseError("Jest JSON has no testResults array")
    failures: list[Failure] = []
    retried: list[Failure] = []
    passed: list[str] = []
    for suite in report["testResults"]:
        if not isinstance(suite, dict):
            continue
        file = as_text(suite.get("name")) or as_text(suite.get("testFilePath"))
        perf = as_object(suite.get("perfStats"))
        stamp = parse_timestamp(suite.get("startTime") or perf.get("start"))
        failed_here = 0
        for assertion in suite.get("assertionResults") or ():
            if not isinstance(assertion, dict):
                continue
            status = assertion.get("status")
            if status == "passed":
                test_id = _test_id(file, assertion)
                passed.append(test_id)
                reasons = assertion.get("retryReasons")
                invocations = assertion.get("invocations")
                if reasons or (isinstance(invocations, int) and invocations > 1):
                    retried.append(_retry_failure(reasons, invocations, test_id, file, stamp))
            elif status == "failed":
                failed_here += 1
                body = "\n\n".join(str(m) for m in assertion.get("failureMessages") or ())
                failures.append(
                    _failure(body, _test_id(file, assertion), file, stamp, "failure", False)
                )
        crash = _suite_crash(suite)
        if crash and failed_here == 0:
            failures.append(_failure(crash, file or "", file, stamp, "error", False))
    flaky = len(retried)
    notes = (f"{flaky} tests passed after retries (flaky)",) if flaky else ()
    return ParseResult(
        format=NAME,
        failures=with_retried(failures, passed, retried),
        passed_test_ids=dedupe(passed),
        started_at=parse_timestamp(report.get("startTime")),
        notes=notes,
    )


def _test_id(file: str | None, assertion: dict[str, Any]) -> str:
    ancestors = assertion.get("ancestorTitles")
    title = str(assertion.get("title") or assertion.get("fullName") or "")
    parts = [file] if file else []
    if ancestors:
        parts.extend(str(t) for t in ancestors if t)
    if title:
        parts.append(title)
    return " > ".join(parts)


def _retry_failure(
    reasons: object, invocations: object, test_id: str, file: str | None, stamp: datetime | None
) -> Failure:
    first = reasons[0] if isinstance(reasons, list) and reasons else None
    if first:
        return _failure(str(first), test_id, file, stamp, "failure", True)
    return retry_without_error(
        source_format=NAME,
        test_id=test_id,
        test_file=file,
        retries=invocations - 1 if isinstance(invocations, int) and invocations > 1 else 1,
        occurred_at=stamp,
        language="javascript",
    )


def _suite_crash(suite: dict[str, Any]) -> str:
    """The text of a suite-level failure (the file did not run), or ``""``."""
    exec_error = suite.get("testExecError")
    if isinstance(exec_error, dict):
        text = exec_error.get("stack") or exec_error.get("message") or ""
        if text:
            return str(text)
    if suite.get("status") == "failed" and suite.get("message"):
        return str(suite["message"])
    return ""


def _failure(
    body: str,
    test_id: str,
    file: str | None,
    stamp: datetime | None,
    kind: FailureKind,
    flaky: bool,
) -> Failure:
    trace = clip(strip_ansi(body).strip("\n"))
    info = trace_info(trace, "javascript")
    return Failure(
        source_format=NAME,
        message=info.message or first_line(trace),
        trace=trace,
        exception_type=info.exception_type,
        frames=info.frames,
        test_id=test_id or None,
        test_file=file,
        kind=kind,
        language=info.language or "javascript",
        occurred_at=stamp,
        flaky=flaky,
        chained=info.chained,
    )
