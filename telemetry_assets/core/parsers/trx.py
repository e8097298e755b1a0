""".NET test reports: Visual Studio TRX (``dotnet test --logger trx``) and xUnit.net v2 XML
(``dotnet test -- RunConfiguration... --logger "xunit"``, ``xunit.console -xml``).

TRX: one Failure per ``UnitTestResult`` whose ``outcome`` is ``Failed``, ``Error``, ``Timeout``
or ``Aborted`` (data-driven rows are ``InnerResults`` of a parent result: the rows count, the
parent does not). The test id is the result's ``testName``; ``Output/ErrorInfo/Message`` and
``StackTrace`` give the exception and frames, read as the console's are
(:mod:`languages.dotnet`), so the same failure gets the same fingerprint from the report and
from the log. ``Passed`` results are the passed ids. xUnit v2: one Failure per ``<test
result="Fail">`` with ``<failure exception-type=...><message/><stack-trace/></failure>``.
Parsed by defusedxml (entity declarations and external references are refused with a
:class:`ParseError`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import fromstring

from telemetry_assets.core.models import Failure, FailureKind, ParseError, ParseResult
from telemetry_assets.core.parsers.languages.dotnet import NAME as LANGUAGE
from telemetry_assets.core.parsers.languages.dotnet import stack_frames, test_exception
from telemetry_assets.core.parsers.reportutil import clip, dedupe, earliest, parse_timestamp

NAME = "dotnet-xml"

_TRX_HEAD = re.compile(r"<TestRun\b[^>]*TeamTest/2010")
_XUNIT_HEAD = re.compile(r"<assemblies\b|<assembly\b[^>]*test-framework=\"xUnit")
_FAILED_OUTCOMES: dict[str, FailureKind] = {
    "Failed": "failure",
    "Error": "error",
    "Timeout": "error",
    "Aborted": "error",
}


_ROOT_TAG = re.compile("<(?:TestRun|assembl)")
"""What either head pattern needs. Every file is asked and few are .NET's: one search for the
literal ``<`` prefix (scanned for in C) answers them in half the time of two substring tests."""


def sniff(head: str, path: str) -> bool:
    if _ROOT_TAG.search(head) is None:
        return False
    # The alternation of _XUNIT_HEAD cannot use the regex engine's literal-prefix search.
    if "<TestRun" in head and _TRX_HEAD.search(head):
        return True
    return "<assembl" in head and bool(_XUNIT_HEAD.search(head))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _text(element: ET.Element | None) -> str:
    return (element.text or "") if element is not None else ""


def _failure(
    test_id: str, kind: FailureKind, message: str, stack: str, stamp: str | None, declared: str
) -> Failure:
    lines = [line for line in message.strip().splitlines() if line.strip()]
    exc_type, rest = test_exception(lines)
    frames = stack_frames(stack.splitlines())
    trace = clip("\n".join([message.strip(), stack.rstrip()]).strip())
    return Failure(
        source_format=NAME,
        message="\n".join(rest).strip(),
        trace=trace,
        exception_type=exc_type or declared or None,
        frames=frames,
        test_id=test_id,
        kind=kind,
        language=LANGUAGE,
        occurred_at=parse_timestamp(stamp),
    )


def _trx(root: ET.Element) -> ParseResult:
    failures: list[Failure] = []
    passed: list[str] = []
    stamps = []
    for result in root.iter():
        if _local(result.tag) != "UnitTestResult":
            continue
        inner = _child(result, "InnerResults")
        if inner is not None and len(inner):
            continue  # a data-driven parent: its rows are results of their own
        name = result.get("testName") or ""
        outcome = result.get("outcome") or ""
        stamps.append(parse_timestamp(result.get("startTime")))
        if outcome == "Passed":
            passed.append(name)
            continue
        kind = _FAILED_OUTCOMES.get(outcome)
        if kind is None:
            continue  # NotExecuted, Inconclusive, Pending...: not failures
        output = _child(result, "Output")
        info = _child(output, "ErrorInfo") if output is not None else None
        message = _text(_child(info, "Message")) if info is not None else ""
        stack = _text(_child(info, "StackTrace")) if info is not None else ""
        if not message and outcome == "Timeout":
            message = "Test timed out"
        failures.append(_failure(name, kind, message, stack, result.get("startTime"), ""))
    return ParseResult(
        NAME, tuple(failures), passed_test_ids=dedupe(passed), started_at=earliest(stamps)
    )


def _xunit(root: ET.Element) -> ParseResult:
    failures: list[Failure] = []
    passed: list[str] = []
    for test in root.iter("test"):
        name = test.get("name") or ""
        result = test.get("result") or ""
        if result == "Pass":
            passed.append(name)
        if result != "Fail":
            continue
        failure = test.find("failure")
        declared = failure.get("exception-type", "") if failure is not None else ""
        message = _text(failure.find("message")) if failure is not None else ""
        stack = _text(failure.find("stack-trace")) if failure is not None else ""
        # xUnit writes ``System.X : text`` into the message of an exception and the bare
        # assertion text for an assertion: reading the message as the console prints it keeps
        # one fingerprint per failure whichever of the two a team keeps.
        failures.append(_failure(name, "failure", message, stack, None, declared))
    stamps = [
        parse_timestamp(f"{a.get('run-date')}T{a.get('run-time')}")
        for a in root.iter("assembly")
        if a.get("run-date") and a.get("run-time")
    ]
    return ParseResult(
        NAME, tuple(failures), passed_test_ids=dedupe(passed), started_at=earliest(stamps)
    )


def parse(text: str, path: str) -> ParseResult:
    body = text.lstrip("\ufeff")
    try:
        root = fromstring(body, forbid_dtd=True)
    except ET.ParseError as err:
        line, column = err.position
        raise ParseError(f"XML not well-formed at line {line}, column {column}") from None
    except (EntitiesForbidden, ExternalReferenceForbidden, DTDForbidden):
        raise ParseError("XML declarations and external references are not allowed") from None
    tag = _local(root.tag)
    if tag == "TestRun":
        return _trx(root)
    if tag in ("assemblies", "assembly"):
        return _xunit(root)
    raise ParseError(f"not a TRX or xUnit v2 report: the root element is <{tag}>")
