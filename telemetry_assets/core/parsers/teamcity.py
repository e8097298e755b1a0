"""TeamCity service messages (``##teamcity[testFailed name='...' message='...' details='...']``).

Test runners print them with ``--teamcity`` (PHPUnit, Pest) or a TeamCity reporter (Jest, Mocha,
NUnit, Kotest...) for IDEs and CI servers. The sniffer accepts text whose head holds a service
message at the start of a line (after an optional CI timestamp); only service messages are read
(messages further down a log of other output are found by the plain log's unit,
:mod:`~.languages.service_messages`, which shares their reading with this parser). One
:class:`Failure` per ``testFailed`` and one ``build`` failure per ``buildProblem``;
``testIgnored`` (skipped, risky, todo) is not a failure, and a test that finishes without either
passed. The test id is the ``locationHint`` without its scheme (``Ns\\CartTest::testTotal`` for
PHPUnit's ``php_qn://`` hints, ``tests/Unit/CartTest.php::it adds`` for Pest's), else
``suite::name``; the test file comes from the hint. ``message`` plus ``details`` is the failure
body: for PHP runners it is read as a PHPUnit report entry (``Type: message``, ``path:line``
stack, ``Caused by``; see :mod:`~.languages.php`), otherwise by the trace scanner. A test that
failed and passed again in the same output (a retry) is kept as ``flaky``. Tests are matched per
``flowId`` so parallel runs do not mix. Malformed lines are skipped; this parser never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telemetry_assets.core.models import Failure, FailureKind, ParseResult
from telemetry_assets.core.parsers.languages import php
from telemetry_assets.core.parsers.languages.base import MAX_LINE_CHARS
from telemetry_assets.core.parsers.languages.service_messages import (
    identity,
    php_entry_info,
    read_message,
)
from telemetry_assets.core.parsers.reportutil import clip, complete_lines, dedupe, mark_flaky
from telemetry_assets.core.parsers.reportutil import trace_info as _trace_info

NAME = "teamcity"

# ``##teamcity[`` at the start of a line, after an optional ISO timestamp (GitHub Actions,
# Jenkins timestamper). Deliberately not matched: the marker in the middle of other text.
_SNIFF = re.compile(
    r"^(?:\[?\d{4}-\d{2}-\d{2}[T\ ][\d:.,]+(?:Z|[+-]\d{2}:?\d{2})?\]?\ )?\#\#teamcity\[", re.VERBOSE
)


_MARKER = re.compile(r"##teamcity\[")
"""The literal every ``_SNIFF`` match holds, searched for by the regex engine: its prefix scan is
faster than a substring test on a plain log's head."""


def sniff(head: str, path: str) -> bool:
    # Every plain log is asked: one search for the marker answers for nearly all of them before
    # the head is split into lines.
    if _MARKER.search(head) is None:
        return False
    return any(_SNIFF.match(line) for line in complete_lines(head)[:200])


@dataclass
class _Test:
    name: str
    test_id: str
    test_file: str | None
    php: bool
    failed: bool = False
    ignored: bool = False


def _body(attrs: dict[str, str]) -> tuple[str, str]:
    return attrs.get("message", ""), attrs.get("details", "")


def _php_failure(test: _Test, message: str, details: str, attrs: dict[str, str]) -> Failure:
    info = php_entry_info(test.test_id, message, details)
    text = clip("\n".join([message, details]).strip())
    if info is None:
        exc_type, msg = php.split_typed(message)
        kind: FailureKind = "error" if exc_type else "failure"
        return Failure(
            NAME,
            msg,
            text,
            exc_type or php.ASSERTION_TYPE,
            test_id=test.test_id,
            test_file=test.test_file,
            kind=kind,
            language=php.NAME,
        )
    kind = info.kind or "failure"
    if attrs.get("type") == "comparisonFailure":
        kind = "failure"
    return Failure(
        NAME,
        info.message,
        text,
        info.exception_type,
        frames=info.frames,
        test_id=test.test_id,
        test_file=test.test_file or info.test_file,
        kind=kind,
        language=php.NAME,
        chained=info.chained,
    )


def _generic_failure(test: _Test, message: str, details: str) -> Failure:
    text = clip("\n".join([message, details]).strip())
    info = _trace_info(text, None)
    kind: FailureKind = "error" if info.exception_type else "failure"
    return Failure(
        NAME,
        info.message or message,
        text,
        info.exception_type,
        frames=info.frames,
        test_id=test.test_id,
        test_file=test.test_file,
        kind=kind,
        language=info.language,
        chained=info.chained,
    )


def parse(text: str, path: str) -> ParseResult:
    failures: list[Failure] = []
    passed: list[str] = []
    suites: dict[str, list[str]] = {}
    running: dict[tuple[str, str], _Test] = {}
    for raw in text.splitlines():
        if "##teamcity[" not in raw[:MAX_LINE_CHARS]:
            continue
        read = read_message(raw)
        if read is None:
            continue
        event, attrs = read
        flow = attrs.get("flowId", "")
        stack = suites.setdefault(flow, [])
        name = attrs.get("name", "")
        if event == "testSuiteStarted":
            stack.append(name)
        elif event == "testSuiteFinished":
            if stack:
                stack.pop()
        elif event == "testStarted":
            test_id, test_file, is_php = identity(attrs, stack)
            running[(flow, name)] = _Test(name, test_id, test_file, is_php)
        elif event == "testFailed":
            test = running.get((flow, name))
            if test is None:
                test_id, test_file, is_php = identity(attrs, stack)
                test = running[(flow, name)] = _Test(name, test_id, test_file, is_php)
            if test.failed:
                continue  # a second report for the same test run is the same failure
            test.failed = True
            message, details = _body(attrs)
            if test.php:
                failures.append(_php_failure(test, message, details, attrs))
            else:
                failures.append(_generic_failure(test, message, details))
        elif event == "testIgnored":
            test = running.get((flow, name))
            if test is not None:
                test.ignored = True
        elif event == "testFinished":
            test = running.pop((flow, name), None)
            if test is not None and not test.failed and not test.ignored:
                passed.append(test.test_id)
        elif event == "buildProblem":
            description = attrs.get("description", "")
            failures.append(Failure(NAME, description, description, kind="build"))
    found = mark_flaky(failures, passed)
    return ParseResult(NAME, tuple(found), passed_test_ids=dedupe(passed))
