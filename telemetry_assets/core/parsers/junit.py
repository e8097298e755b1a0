"""JUnit/xUnit XML: one Failure per ``<testcase>`` with a direct ``<failure>`` or ``<error>`` child.

Reads what pytest, Maven Surefire/Gradle, jest-junit, mocha-junit-reporter, gotestsum,
go-junit-report, PHPUnit, Bazel, ScalaTest and friends write: ``<testsuites>``/``<testsuite>``
nested at any depth (or absent), suites without attributes, entities and non-ASCII text. Suite
``failures=``/``errors=`` attributes are ignored (tools get them wrong); the testcases decide.
Surefire reruns: a testcase whose only problem children are ``flakyFailure``/``flakyError`` passed
on a rerun: it is listed as passed, counted in ``notes``, and its first failed attempt becomes one
``flaky`` Failure (after the final ones); ``rerunFailure``/``rerunError`` beside a ``<failure>`` do
not add failures. The XML is parsed incrementally by expat hardened as defusedxml hardens it (entity
declarations and external references are refused with a :class:`ParseError`), with this module's
own element callbacks instead of a tree: no element objects are built, text is collected only
inside the elements a failure needs (the first ``failure``/``error``, the first flaky attempt, the
testcase's ``system-err``), so a passing testcase costs two callbacks and an id, and memory stays
near one testcase plus the result. A small report of passing testcases only, written the usual
way, needs no callback at all: a pattern match reads it and expat only checks it
(:func:`_parse_plain`).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pyexpat import ErrorString, ExpatError, ParserCreate, XMLParserType
from typing import NoReturn

from defusedxml import EntitiesForbidden, ExternalReferenceForbidden

from telemetry_assets.core.models import Failure, FailureKind, ParseError, ParseResult
from telemetry_assets.core.parsers.reportutil import (
    clip,
    dedupe,
    earliest,
    first_line,
    parse_timestamp,
    trace_info,
    with_retried,
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
_FLAKY_KINDS: dict[str, FailureKind] = {"flakyFailure": "failure", "flakyError": "error"}
_SKIP_TAGS = frozenset({"skipped", "disabled"})
_SUITE_TAGS = frozenset({"testsuite", "testsuites"})
_CASE_CHILDREN = frozenset({*_PROBLEM_KINDS, *_FLAKY_KINDS, *_SKIP_TAGS, "system-err"})
"""The direct children of a testcase that :meth:`_Reader.start` acts on."""

# A report of suites, properties and childless testcases whose first two attributes are a
# non-empty ``classname`` and the ``name`` (either order), none of them named ``file``: what the
# writers of most reports put in a passing one. Attribute values hold no reference, markup or
# line break, so each reads as written; anything else (comments, CDATA, text, other elements,
# attributes or spacing) is left to the element callbacks. Possessive repeats: a report that
# does not match is given up on without backtracking.
_PLAIN_VALUE = r'"[^"<>&\t\n\r]*"'
_PLAIN_NAME = r"[A-Za-z_][A-Za-z0-9_.-]*"
_PLAIN_CLASSNAME = r'classname="[^"<>&\t\n\r]+"'
_PLAIN_CASE_ATTR = rf" (?!xmlns|file=|classname=|name=){_PLAIN_NAME}={_PLAIN_VALUE}"
_PLAIN_SUITE_ATTR = rf" (?!xmlns=){_PLAIN_NAME}(?::{_PLAIN_NAME})?={_PLAIN_VALUE}"
_PLAIN_SPACE = r"[ \t\r\n]*+"
_PLAIN_REPORT = re.compile(
    rf"(?:<\?xml[ \t\r\n][^<>]*\?>)?{_PLAIN_SPACE}(?:(?:"
    rf"<testcase (?:{_PLAIN_CLASSNAME} name={_PLAIN_VALUE}|name={_PLAIN_VALUE} {_PLAIN_CLASSNAME})"
    rf"(?:{_PLAIN_CASE_ATTR})*+ ?(?:/>|>{_PLAIN_SPACE}</testcase>)"
    rf"|<(?:testsuites?|propert(?:ies|y))(?:{_PLAIN_SUITE_ATTR})*+ ?/?>"
    rf"|</(?:testsuites?|propert(?:ies|y))>"
    rf"){_PLAIN_SPACE})*+"
)
"""A report :func:`_parse_plain` reads: matched whole, and then well-formed as expat reads it."""
_PLAIN_MAX_CHARS = 1 << 20
"""Bigger reports are read by the element callbacks even when plain: :func:`_parse_plain` holds
every testcase's attribute values at once, the callbacks one testcase's."""
_PLAIN_CASE_IDS = re.compile(
    r'<testcase (?:classname="([^"]*)" name="([^"]*)"|name="([^"]*)" classname="([^"]*)")'
)
_PLAIN_SUITE_STAMP = re.compile(
    rf'<testsuites?(?:(?: {_PLAIN_NAME}(?::{_PLAIN_NAME})?="[^"]*")*? timestamp="([^"]*)")?'
)
"""Each suite's ``timestamp`` (empty when it has none), found by stepping over whole attributes
so that no value is read as one."""

_Sink = Callable[[str], None]
_DISCARD: _Sink = deque[str](maxlen=0).append
"""Character data outside the captured elements goes here: a C-level no-op, so whitespace and
passing tests' output cost no Python call."""

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
    if "<" not in head:
        # All three patterns open with ``<``: a JSON report or a log without one is answered by
        # its name alone, without the case-blind tag search over the whole head.
        return path.lower().endswith(".xml") and not body.startswith("{")
    if _HTML.match(body):
        return False
    if _JUNIT_TAG.search(head):
        return True
    if _XML_START.match(body):
        return True
    return path.lower().endswith(".xml") and not body.startswith("{")


@dataclass(slots=True)
class _Suite:
    name: str | None
    file: str | None
    timestamp: datetime | None


class _Case:
    """One open ``<testcase>``: its attributes and only what a failure would need.

    Everything but the first three fields is a class-level default, set on the instance only when
    the testcase has such a child: most testcases pass, and they should cost nothing more.
    """

    problem: tuple[str, dict[str, str]] | None = None
    problem_text: list[str] | None = None
    flaky: tuple[str, dict[str, str]] | None = None
    flaky_text: list[str] | None = None
    flaky_stack: list[str] | None = None
    in_flaky: bool = False
    """Inside the first flaky attempt (Surefire may put its trace in a ``<stackTrace>`` child)."""
    skipped: bool = False
    err_text: list[str] | None = None

    def __init__(self, attrs: dict[str, str], suite: _Suite | None, depth: int) -> None:
        self.attrs = attrs
        self.suite = suite
        self.depth = depth


_Plain = tuple[dict[str, str], "_Suite | None", int]
"""An open testcase with no child that matters (yet): its attributes, suite and depth."""


@dataclass
class _State:
    failures: list[Failure] = field(default_factory=list)
    retried: list[Failure] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    timestamps: list[datetime | None] = field(default_factory=list)
    flaky_passed: int = 0
    testcases: int = 0
    """Testcases read by :func:`_read_testcase`; plain passing ones are counted from ``passed``."""
    slow_passed: int = 0
    """The ids :func:`_read_testcase` put in ``passed``."""
    junit_elements: int = 0
    """Suite elements; testcases are counted apart."""


class _Reader:
    """Expat element callbacks that keep a suite stack and the open testcases.

    Text is captured the way ElementTree's ``.text`` reads it: from an element's start up to its
    first child or its end, by pointing expat's character handler at a list while inside one.
    """

    def __init__(self, expat: XMLParserType, state: _State) -> None:
        self.expat = expat
        self.state = state
        self.suites: list[_Suite] = []
        self.suite: _Suite | None = None
        """The innermost open suite (``suites[-1]``), read by every testcase."""
        self.passed = state.passed
        self.cases: list[_Case | _Plain] = []
        """Open testcases: a plain tuple until a child that matters makes it a :class:`_Case`."""
        self.depth = 0
        self.capture_depth = -1

    def _capture(self) -> list[str]:
        into: list[str] = []
        self.capture_depth = self.depth
        self.expat.CharacterDataHandler = into.append
        return into

    def _stop(self) -> None:
        self.capture_depth = -1
        self.expat.CharacterDataHandler = _DISCARD

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        depth = self.depth = self.depth + 1
        if self.capture_depth >= 0:
            self._stop()
        if tag == "testcase":
            self.cases.append((attrs, self.suite, depth))
            return
        # Namespaced writers (some xUnit dialects) send ``uri}name``.
        name = tag if "}" not in tag else tag[tag.rfind("}") + 1 :]
        if name == "testcase":
            self.cases.append((attrs, self.suite, depth))
            return
        if name in _SUITE_TAGS:
            self._open_suite(attrs)
            return
        if not self.cases:
            return
        case = self.cases[-1]
        if type(case) is tuple:
            # Only a direct child this reader acts on needs the testcase's state (a plain one
            # is never inside a flaky attempt).
            if depth != case[2] + 1 or name not in _CASE_CHILDREN:
                return
            case = self.cases[-1] = _Case(*case)
        assert isinstance(case, _Case)
        if depth == case.depth + 1:
            if name in _PROBLEM_KINDS:
                if case.problem is None:
                    case.problem = (name, attrs)
                    case.problem_text = self._capture()
            elif name in _FLAKY_KINDS:
                if case.flaky is None:
                    case.flaky, case.in_flaky = (name, attrs), True
                    case.flaky_text = self._capture()
            elif name in _SKIP_TAGS:
                case.skipped = True
            elif name == "system-err" and case.err_text is None:
                case.err_text = self._capture()
        elif (
            case.in_flaky
            and depth == case.depth + 2
            and name == "stackTrace"
            and case.flaky_stack is None
        ):
            case.flaky_stack = self._capture()

    def end(self, tag: str) -> None:
        depth = self.depth
        self.depth = depth - 1
        if self.capture_depth == depth:
            self._stop()
        cases = self.cases
        if cases:
            case = cases[-1]
            if type(case) is tuple:
                if depth == case[2]:
                    # A plain passing testcase (nearly all of them): :func:`_read_testcase`'s
                    # first branch, without the call.
                    cases.pop()
                    attrs = case[0]
                    classname = attrs.get("classname")
                    if classname and "file" not in attrs:
                        # :func:`_test_id` for the usual attributes, without the call.
                        self.passed.append(f"{classname}.{attrs.get('name') or ''}")
                    else:
                        self.passed.append(_test_id(attrs, case[1]))
                    return
            else:
                assert isinstance(case, _Case)
                if depth == case.depth:
                    cases.pop()
                    if case.problem is None and case.flaky is None and not case.skipped:
                        state = self.state
                        state.testcases += 1
                        state.slow_passed += 1
                        state.passed.append(_test_id(case.attrs, case.suite))
                    else:
                        _read_testcase(case, self.state)
                    return
                if depth == case.depth + 1:
                    case.in_flaky = False
        suites = self.suites
        if suites and tag[tag.rfind("}") + 1 :] in _SUITE_TAGS:
            suites.pop()
            self.suite = suites[-1] if suites else None

    def _open_suite(self, attrs: dict[str, str]) -> None:
        self.state.junit_elements += 1
        parent = self.suites[-1] if self.suites else None
        stamp = parse_timestamp(attrs.get("timestamp"))
        self.state.timestamps.append(stamp)
        self.suite = _Suite(
            name=attrs.get("name"),
            file=attrs.get("file") or attrs.get("filepath") or (parent.file if parent else None),
            timestamp=stamp or (parent.timestamp if parent else None),
        )
        self.suites.append(self.suite)


def _refuse_entity_declaration(
    name: str,
    is_parameter_entity: bool,
    value: str | None,
    base: str | None,
    sysid: str | None,
    pubid: str | None,
    notation_name: str | None,
) -> NoReturn:
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation_name)


def _refuse_unparsed_entity(
    name: str, base: str | None, sysid: str, pubid: str | None, notation_name: str
) -> NoReturn:
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation_name)


def _refuse_external_reference(
    context: str, base: str | None, sysid: str | None, pubid: str | None
) -> NoReturn:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def _hardened_expat() -> XMLParserType:
    """An expat parser set up as defusedxml's ``DefusedXMLParser(forbid_dtd=False)`` sets up
    its own: entity declarations and external references are refused (the same defusedxml
    exceptions), and an entity reference expat leaves to the application is an error, as
    ``ElementTree.XMLParser`` makes it. Built directly rather than through that wrapper: a
    pure-Python ``XMLParser`` and a ``TreeBuilder`` per report, whose callbacks this module
    replaces anyway, were a tenth of the time of a small report."""
    expat = ParserCreate(None, "}")
    expat.buffer_text = True
    expat.ordered_attributes = False
    expat.EntityDeclHandler = _refuse_entity_declaration
    expat.UnparsedEntityDeclHandler = _refuse_unparsed_entity
    expat.ExternalEntityRefHandler = _refuse_external_reference

    def undefined_entity(text: str) -> None:
        # ElementTree's default handler: a ``&name;`` expat could not expand is an error.
        if text[:1] == "&":
            err = ExpatError(f"undefined entity {text}")
            err.code = 11  # XML_ERROR_UNDEFINED_ENTITY
            err.lineno = expat.ErrorLineNumber
            err.offset = expat.ErrorColumnNumber
            raise err

    def doctype(name: str, sysid: str | None, pubid: str | None, internal: bool) -> None:
        # Without a DOCTYPE expat itself refuses an undefined entity (code 11 at the same
        # place), so the default handler, a Python call for every XML declaration, newline
        # between top-level nodes and CDATA mark, is needed only from a DOCTYPE on.
        expat.DefaultHandlerExpand = undefined_entity

    expat.StartDoctypeDeclHandler = doctype
    return expat


def parse(text: str, path: str) -> ParseResult:
    body = text.lstrip("\ufeff")
    if not body or body.isspace():
        raise ParseError("empty file")
    if len(body) <= _PLAIN_MAX_CHARS and _PLAIN_REPORT.fullmatch(body) is not None:
        plain = _parse_plain(body)
        if plain is not None:
            return plain
    state = _State()
    expat = _hardened_expat()
    reader = _Reader(expat, state)
    expat.StartElementHandler = reader.start
    expat.EndElementHandler = reader.end
    expat.CharacterDataHandler = _DISCARD
    try:
        _feed(expat, body)
    except ExpatError as err:
        raise ParseError(_xml_reason(err)) from None
    except EntitiesForbidden:
        raise ParseError("XML entity declarations are not allowed") from None
    except ExternalReferenceForbidden:
        raise ParseError("XML external references are not allowed") from None
    finally:
        # The callbacks refer back to the parser: unhooked, it is freed at once rather than by
        # the cyclic garbage collector (which cost more than setting it up).
        expat.StartElementHandler = expat.EndElementHandler = None
        expat.CharacterDataHandler = expat.DefaultHandlerExpand = None
        expat.StartDoctypeDeclHandler = None
    # Parsed to the end, so every testcase was closed and read: the plain ones are the ids in
    # ``passed`` that :func:`_read_testcase` did not put there.
    testcases = state.testcases + len(state.passed) - state.slow_passed
    if state.junit_elements == 0 and testcases == 0:
        raise ParseError(_NOT_JUNIT)
    notes: list[str] = []
    if state.flaky_passed:
        notes.append(f"{state.flaky_passed} testcases passed on rerun after failing (flaky)")
    if testcases == 0:
        notes.append(_NO_TESTCASES)
    return ParseResult(
        format=NAME,
        failures=with_retried(state.failures, state.passed, state.retried),
        passed_test_ids=dedupe(state.passed),
        started_at=earliest(state.timestamps),
        notes=tuple(notes),
    )


_NOT_JUNIT = "XML is not a JUnit report: no testsuites, testsuite or testcase element"
_NO_TESTCASES = "report holds no testcase elements"


def _feed(expat: XMLParserType, body: str) -> None:
    if len(body) <= _FEED_CHARS:
        expat.Parse(body, True)
        return
    for offset in range(0, len(body), _FEED_CHARS):
        expat.Parse(body[offset : offset + _FEED_CHARS], False)
    expat.Parse(b"", True)


def _parse_plain(body: str) -> ParseResult | None:
    """What :func:`parse` makes of a report :data:`_PLAIN_REPORT` matches, without a callback
    per element; ``None`` when expat refuses it (the full read then says why).

    Expat still reads the whole report, with no handler but the hardening ones: the match says
    which elements and attribute values it holds, expat that they form a well-formed document.
    Such a report has no failure; its ids are its testcases' ``classname.name`` (as
    :func:`_test_id` makes them when there is a classname and no ``file``) in document order,
    and its start the earliest ``timestamp`` of its suites.
    """
    expat = _hardened_expat()
    try:
        _feed(expat, body)
    except (ExpatError, EntitiesForbidden, ExternalReferenceForbidden):
        return None
    finally:
        expat.DefaultHandlerExpand = expat.StartDoctypeDeclHandler = None
    ids = [
        f"{classname}.{name}" if classname else f"{classname2}.{name2}"
        for classname, name, name2, classname2 in _PLAIN_CASE_IDS.findall(body)
    ]
    stamps = [parse_timestamp(stamp) for stamp in _PLAIN_SUITE_STAMP.findall(body)]
    if not stamps and not ids:
        raise ParseError(_NOT_JUNIT)
    return ParseResult(
        format=NAME,
        failures=(),
        passed_test_ids=dedupe(ids),
        started_at=earliest(stamps),
        notes=() if ids else (_NO_TESTCASES,),
    )


def _xml_reason(err: ExpatError) -> str:
    code = getattr(err, "code", None)
    what = ErrorString(code) if isinstance(code, int) else "syntax error"
    line, column = getattr(err, "lineno", 0), getattr(err, "offset", 0)
    return f"JUnit XML not well-formed: {what} at line {line}, column {column + 1}"


def _test_id(attrs: dict[str, str], suite: _Suite | None) -> str:
    name = attrs.get("name") or ""
    classname = attrs.get("classname") or attrs.get("class") or ""
    file = attrs.get("file")
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


def _read_testcase(case: _Case, state: _State) -> None:
    state.testcases += 1
    test_id = _test_id(case.attrs, case.suite)
    if case.problem is None:
        if not case.skipped:
            state.slow_passed += 1
            state.passed.append(test_id)
        if case.flaky is not None:
            # Passed on a rerun: the first failed attempt is kept as a flaky occurrence.
            state.flaky_passed += 1
            tag, attrs = case.flaky
            text = "".join(case.flaky_text or ())
            if not text.strip():
                # Surefire 3 writes the attempt's trace in a ``<stackTrace>`` child.
                text = "".join(case.flaky_stack or ())
            state.retried.append(_failure(case, test_id, _FLAKY_KINDS[tag], attrs, text, True))
        return
    tag, attrs = case.problem
    text = "".join(case.problem_text or ())
    if not text.strip() and case.err_text:
        # Some writers leave the element empty and put the trace in the testcase's stderr.
        text = "".join(case.err_text)
    state.failures.append(_failure(case, test_id, _PROBLEM_KINDS[tag], attrs, text, False))


def _failure(
    case: _Case,
    test_id: str,
    kind: FailureKind,
    attrs: dict[str, str],
    text: str,
    flaky: bool,
) -> Failure:
    suite = case.suite
    declared_message = attrs.get("message") or ""
    declared_type = attrs.get("type") or None
    body = text.strip("\n")
    trace_text = clip(body if body.strip() else declared_message)
    file = case.attrs.get("file") or (suite.file if suite else None)
    hint = _language(file)
    info = trace_info(trace_text, hint)
    exception_type, message = _primary(declared_type, declared_message.strip(), info)
    message = message or first_line(trace_text)
    stamp = parse_timestamp(case.attrs.get("timestamp")) or (suite.timestamp if suite else None)
    return Failure(
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
        flaky=flaky,
        chained=tuple(c for c in info.chained if c != (exception_type, message)),
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
