"""JUnit/xUnit XML: one Failure per ``<testcase>`` with a direct ``<failure>`` or ``<error>`` child.

Reads what pytest, Maven Surefire/Gradle, jest-junit, mocha-junit-reporter, gotestsum,
go-junit-report, PHPUnit, Bazel, ScalaTest and friends write: ``<testsuites>``/``<testsuite>``
nested at any depth (or absent), suites without attributes, entities and non-ASCII text. Suite
``failures=``/``errors=`` attributes are ignored (tools get them wrong); the testcases decide.
Surefire reruns: a testcase whose only problem children are ``flakyFailure``/``flakyError`` passed
on a rerun (listed as passed, counted in ``notes``); ``rerunFailure``/``rerunError`` beside a
``<failure>`` do not add failures. The XML is parsed incrementally through defusedxml (entity
declarations and external references are refused with a :class:`ParseError`), and each testcase
is dropped from the tree as soon as it is read, so memory stays near one testcase plus the result.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from pyexpat import ErrorString

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.common import NotSupportedError
from defusedxml.ElementTree import DefusedXMLParser

from telemetry_assets.core.models import Failure, FailureKind, ParseError, ParseResult
from telemetry_assets.core.parsers.reportutil import (
    clip,
    dedupe,
    earliest,
    first_line,
    mark_flaky,
    parse_timestamp,
    trace_info,
)
from telemetry_assets.core.parsers.stacktraces import TraceInfo

NAME = "junit-xml"

_FEED_CHARS = 1 << 16
"""Text is fed to expat in slices so no second full copy (bytes or StringIO) is ever built."""

_JUNIT_TAG = re.compile(r"<\s*(?:testsuites|testsuite|testcase)[\s>/]", re.IGNORECASE)
"""The element names every JUnit dialect uses. Does not match ``<suites>``/``<case>`` lookalikes."""

_XML_START = re.compile(r"\A(?:<\?xml\b|<!--|<[A-Za-z_][\w.:-]*[\s>/])")
"""A document that opens like XML. Does not match HTML (``<!DOCTYPE html``), which is left to the
plain-log parser; ``<html>`` is excluded separately below."""

_HTML = re.compile(r"\A(?:<!doctype\s+html|<html[\s>])", re.IGNORECASE)

# Which child element means what. A testcase counts once however many of these it holds; the
# first one in document order gives the kind and the text (tools write the primary one first).
_PROBLEM_KINDS: dict[str, FailureKind] = {"failure": "failure", "error": "error"}
_FLAKY_TAGS = frozenset({"flakyFailure", "flakyError"})

_EXT_LANGUAGE: tuple[tuple[str, str], ...] = (
    (".py", "python"),
    (".go", "go"),
    (".ts", "javascript"),
    (".tsx", "javascript"),
    (".js", "javascript"),
    (".jsx", "javascript"),
    (".mjs", "javascript"),
    (".java", "java"),
    (".kt", "java"),
    (".rs", "rust"),
)
"""Fallback language from a testcase's ``file`` when the trace itself does not tell."""


def sniff(head: str, path: str) -> bool:
    """JUnit elements in the head; or any XML document; or an ``.xml`` name with no XML inside.

    Non-JUnit XML and broken ``.xml`` files are claimed on purpose: read as plain logs they yield
    only markup noise, while :func:`parse` quarantines them with a reason a human can act on.
    """
    body = head.lstrip("\ufeff \t\r\n")
    if _HTML.match(body):
        return False
    if _JUNIT_TAG.search(head):
        return True
    if _XML_START.match(body):
        return True
    return path.lower().endswith(".xml") and not body.startswith("{")


def _local(tag: str) -> str:
    """Element name without a namespace (some xUnit writers add one)."""
    return tag.rsplit("}", 1)[-1] if "}" in tag else tag


@dataclass
class _Suite:
    name: str | None
    file: str | None
    timestamp: datetime | None


@dataclass
class _State:
    failures: list[Failure] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    timestamps: list[datetime | None] = field(default_factory=list)
    flaky_passed: int = 0
    testcases: int = 0
    junit_elements: int = 0


def parse(text: str, path: str) -> ParseResult:
    body = text.lstrip("\ufeff")
    if not body.strip():
        raise ParseError("empty file")
    state = _State()
    suites: list[_Suite] = []
    stack: list[ET.Element] = []
    parser = ET.XMLPullParser(
        events=("start", "end"),
        _parser=DefusedXMLParser(
            target=ET.TreeBuilder(), forbid_dtd=False, forbid_entities=True, forbid_external=True
        ),
    )
    try:
        for offset in range(0, len(body), _FEED_CHARS):
            parser.feed(body[offset : offset + _FEED_CHARS])
            _drain(parser, state, suites, stack)
        parser.close()
        _drain(parser, state, suites, stack)
    except ET.ParseError as err:
        raise ParseError(_xml_reason(err)) from None
    except EntitiesForbidden:
        raise ParseError("XML entity declarations are not allowed") from None
    except ExternalReferenceForbidden:
        raise ParseError("XML external references are not allowed") from None
    except DTDForbidden:
        raise ParseError("XML document type declarations are not allowed") from None
    except NotSupportedError:
        raise ParseError("XML uses a construct the hardened parser does not support") from None
    if state.junit_elements == 0:
        raise ParseError("XML is not a JUnit report: no testsuites, testsuite or testcase element")
    notes: list[str] = []
    if state.flaky_passed:
        notes.append(f"{state.flaky_passed} testcases passed on rerun after failing (flaky)")
    if state.testcases == 0:
        notes.append("report holds no testcase elements")
    return ParseResult(
        format=NAME,
        failures=tuple(mark_flaky(state.failures, state.passed)),
        passed_test_ids=dedupe(state.passed),
        started_at=earliest(state.timestamps),
        notes=tuple(notes),
    )


def _xml_reason(err: ET.ParseError) -> str:
    line, column = getattr(err, "position", (0, 0))
    code = getattr(err, "code", None)
    what = ErrorString(code) if isinstance(code, int) else "syntax error"
    return f"JUnit XML not well-formed: {what} at line {line}, column {column + 1}"


def _drain(
    parser: ET.XMLPullParser,
    state: _State,
    suites: list[_Suite],
    stack: list[ET.Element],
) -> None:
    for item in parser.read_events():
        event, elem = item[0], item[-1]
        if not isinstance(elem, ET.Element):
            continue
        tag = _local(elem.tag)
        if event == "start":
            stack.append(elem)
            if tag in ("testsuite", "testsuites"):
                state.junit_elements += 1
                parent = suites[-1] if suites else None
                stamp = parse_timestamp(elem.get("timestamp"))
                state.timestamps.append(stamp)
                suites.append(
                    _Suite(
                        name=elem.get("name"),
                        file=elem.get("file")
                        or elem.get("filepath")
                        or (parent.file if parent else None),
                        timestamp=stamp or (parent.timestamp if parent else None),
                    )
                )
            elif tag == "testcase":
                state.junit_elements += 1
            continue
        stack.pop()
        if tag == "testcase":
            _read_testcase(elem, suites[-1] if suites else None, state)
            _forget(elem, stack)
        elif tag in ("testsuite", "testsuites"):
            if suites:
                suites.pop()
            _forget(elem, stack)
        elif (
            tag in ("system-out", "system-err", "properties")
            and stack
            and _local(stack[-1].tag) in ("testsuite", "testsuites")
        ):
            # Suite-level output is never part of a failure: drop it as soon as it is complete.
            _forget(elem, stack)


def _forget(elem: ET.Element, stack: list[ET.Element]) -> None:
    elem.clear()
    if stack and len(stack[-1]) and stack[-1][-1] is elem:
        del stack[-1][-1]


def _test_id(case: ET.Element, suite: _Suite | None) -> str:
    name = case.get("name") or ""
    classname = case.get("classname") or case.get("class") or ""
    file = case.get("file")
    if file and file.endswith(".py"):
        # pytest: classname is the dotted module path plus classes; the node id uses the file.
        module = file[:-3].replace("/", ".").replace("\\", ".")
        rest = classname[len(module) :].lstrip(".") if classname.startswith(module) else ""
        parts = [file, *(p for p in rest.split(".") if p), name]
        return "::".join(parts)
    if classname:
        return f"{classname}.{name}"
    if suite is not None and suite.name:
        return f"{suite.name}.{name}"
    return name


def _language(file: str | None) -> str | None:
    if not file:
        return None
    lowered = file.lower()
    for ext, language in _EXT_LANGUAGE:
        if lowered.endswith(ext):
            return language
    return None


def _read_testcase(case: ET.Element, suite: _Suite | None, state: _State) -> None:
    state.testcases += 1
    test_id = _test_id(case, suite)
    problems = [c for c in case if _local(c.tag) in _PROBLEM_KINDS]
    if not problems:
        if any(_local(c.tag) in _FLAKY_TAGS for c in case):
            state.flaky_passed += 1
        if not any(_local(c.tag) in ("skipped", "disabled") for c in case):
            state.passed.append(test_id)
        return
    first = problems[0]
    kind = _PROBLEM_KINDS[_local(first.tag)]
    declared_message = first.get("message") or ""
    declared_type = first.get("type") or None
    body = (first.text or "").strip("\n")
    if not body.strip():
        # Some writers leave the element empty and put the trace in the testcase's stderr.
        err = case.find("system-err")
        body = (err.text or "").strip("\n") if err is not None else ""
    trace_text = clip(body if body.strip() else declared_message)
    file = case.get("file") or (suite.file if suite else None)
    hint = _language(file)
    info = trace_info(trace_text, hint)
    exception_type, message = _primary(declared_type, declared_message.strip(), info)
    message = message or first_line(trace_text)
    stamp = parse_timestamp(case.get("timestamp")) or (suite.timestamp if suite else None)
    state.failures.append(
        Failure(
            source_format=NAME,
            message=message,
            trace=trace_text,
            exception_type=exception_type,
            frames=info.frames,
            test_id=test_id,
            test_file=file,
            kind=kind,
            language=info.language or hint,
            occurred_at=stamp,
            chained=tuple(c for c in info.chained if c != (exception_type, message)),
        )
    )


def _short_type(name: str) -> str:
    return name.rsplit(".", 1)[-1].strip()


def _primary(
    declared_type: str | None, declared_message: str, info: TraceInfo
) -> tuple[str | None, str]:
    """The primary exception's type and message: the trace's when it was parsed.

    Surefire's ``type``/``message`` attributes name the *outermost* exception of a chain, while
    the trace's primary is the one its frames belong to (the JVM's root cause, Python's last
    printed). Taking the attributes would give the same bug two fingerprints, one per report
    format, since a plain log has only the trace. The attributes serve when the trace was not
    readable, and the declared message wins when it names the same type (pytest's
    ``message="AssertionError: assert 2 == 3"`` is the same exception, just longer).
    """
    if info.exception_type is None:
        return declared_type, declared_message or info.message
    if declared_type is None or _short_type(declared_type) == _short_type(info.exception_type):
        return info.exception_type, declared_message or info.message
    return info.exception_type, info.message or declared_message
