"""``go test -json`` (test2json) streams: one Failure per test ``fail`` event, plus package crashes.

Every JSON line with ``"Action":"fail"`` and a ``Test`` is one Failure identified as
``package.TestName/subtest`` (a parent and its failing subtest are two; a rerun or ``-count``
failing again is another), its message and frames read from the output lines collected for that
test. Go reports some failures at package level only; like gotestsum and go-junit-report, this
parser attributes them so people see them:

1. when a package fails and none of its tests reported ``fail``, a test still running whose
   output holds the panic is the one that crashed the binary: it fails as a ``crash``. Other tests
   running at that moment (paused parallel tests) are collateral and are not counted, nor are
   running tests once some test of the package did report ``fail`` (the panic is already counted);
2. a package that failed with no failing test (panic in ``init``, ``TestMain`` exiting non-zero, a
   data race in ``TestMain``) gets one synthetic ``error``; a test-binary timeout
   (``panic: test timed out``) always does, because the alarm is the package's, not the test's;
3. a build or setup failure (``FailedBuild``, ``build-output`` events, or the older non-JSON
   ``# pkg`` lines mixed into the stream) is one ``build`` Failure per failed build unit: packages
   whose ``fail`` names the same ``FailedBuild`` (every test package of a dependency that does not
   compile) share one, and a ``build-fail`` event that no package ``fail`` refers to (a stream
   cut short, ``go vet -json``/``go build -json`` output) is one of its own;
4. a test-binary timeout is counted once when the test that was running when the alarm fired got
   its own ``fail`` event (newer Go emits one): that failure holds the timeout panic. A running
   test attributed the crash by rule 1 keeps the package's timeout failure too, as gotestsum
   counts it.

Non-JSON lines are tolerated (stderr is often merged in). Tests that fail and later pass again in
the same stream are marked flaky (each failing run stays a failure, as every ``fail`` event is one).

Speed: ``output`` events are most of a stream. Lines in test2json's own compact layout are read by
one anchored regex instead of ``json.loads`` (anything else, or any line the regex does not fully
account for, still goes through ``json.loads``); timestamps are parsed only for the first event
and for ``fail`` events; a passing test's output is dropped when it passes, and a running test's
output is bounded by :class:`~telemetry_assets.core.parsers.go_common.Lines`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telemetry_assets.core.models import Failure, ParseError, ParseResult
from telemetry_assets.core.parsers.go_common import (
    Lines,
    build_failure,
    package_failure,
    test_failure,
    test_function,
)
from telemetry_assets.core.parsers.reportutil import (
    complete_lines,
    dedupe,
    mark_flaky,
    parse_timestamp,
)

NAME = "go-test-json"

_SNIFF_LINES = 20
"""How many non-empty head lines may precede the first event (``go: downloading`` noise)."""

_BUILD_MARK = re.compile(r"^FAIL\s+(?P<package>\S+)\s+\[(?P<marker>build failed|setup failed)\]")
"""``FAIL pkg [build failed]`` as go prints it; the package column never contains spaces."""

_BUILD_HEADER = re.compile(r"^#\s+(?P<package>\S+)(?:\s+\[(?P<binary>\S+)\])?\s*$")
"""``# pkg`` or ``# pkg [pkg.test]`` opening a block of compiler output."""

_TIMEOUT = "panic: test timed out"

_COMPACT = re.compile(
    r"""
    \{ (?: "Time":"(?P<time>[^"\\\x00-\x1f]*)", )?
    "Action":"(?P<action>[a-z-]+)"
    (?: ,"Package":"(?P<package>[^"\\\x00-\x1f]*)" )?
    (?: ,"Test":"(?P<test>[^"\\\x00-\x1f]*)" )?
    (?: ,"Elapsed":-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)? )?
    (?: ,"Output":"(?P<output>[^"\\\x00-\x1f]*(?:\\.[^"\\\x00-\x1f]*)*)" )?
    \}\Z
    """,
    re.VERBOSE,
)
"""One event exactly as test2json writes it: keys in its struct order, no spaces. Names and times
hold no escapes or control characters; the output string may hold escapes, decoded separately.
Deliberately does not match other key orders, extra keys (``ImportPath``, ``FailedBuild``,
``OutputType``), spaces, or escapes outside ``Output``: those lines take the ``json.loads`` path,
so the fast path never decides anything ``json.loads`` would decide differently."""


_PLAIN_TEST_ACTIONS = frozenset({"run", "pass", "skip"})
"""Test events whose fields beyond ``Package`` and ``Test`` nothing reads."""
_NO_FIELDS: dict[str, Any] = {}


def _decode_output(raw: str) -> str | None:
    """A JSON string body as ``json.loads`` would decode it; ``None`` when it is not valid."""
    if "\\" not in raw:
        return raw
    if raw.endswith("\\n") and "\\" not in raw[:-2]:
        return raw[:-2] + "\n"
    try:
        value = json.loads(f'"{raw}"')
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _event(line: str) -> dict[str, Any] | None:
    stripped = line.strip()
    if not stripped.startswith("{"):
        return None
    return _decode_event(stripped, _COMPACT.match(stripped))


def _decode_event(stripped: str, fast: re.Match[str] | None) -> dict[str, Any] | None:
    """The event on a stripped line that opens with ``{``; ``fast`` is ``_COMPACT``'s match."""
    if fast is not None:
        # All groups in one call (they are the pattern's only groups, in this order).
        time, action, package, test, raw_output = fast.groups()
        event: dict[str, Any] = {"Action": action}
        if time is not None:
            event["Time"] = time
        if package is not None:
            event["Package"] = package
        if test is not None:
            event["Test"] = test
        if raw_output is not None:
            output = _decode_output(raw_output)
            if output is None:
                return None
            event["Output"] = output
        return event
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    if isinstance(value, dict) and isinstance(value.get("Action"), str):
        return value
    return None


def sniff(head: str, path: str) -> bool:
    if "{" not in head:
        return False  # every event opens with one: a plain log is answered without its lines
    seen = 0
    for line in complete_lines(head):
        if not line.strip():
            continue
        seen += 1
        if _event(line) is not None:
            return True
        if line.lstrip().startswith("{") or seen >= _SNIFF_LINES:
            return False
    return False


@dataclass
class _Test:
    name: str
    output: Lines = field(default_factory=Lines)


@dataclass
class _Package:
    name: str
    running: dict[str, _Test] = field(default_factory=dict)
    output: Lines = field(default_factory=Lines)
    passed_roots: set[str] = field(default_factory=set)
    failed_tests: int = 0
    timeout: Lines | None = None
    timeout_test: str | None = None
    """The test whose output holds the timeout panic."""
    timeout_counted: bool = False
    """That test reported ``fail`` itself: its failure already reports the timeout."""
    ended: bool = False


@dataclass
class _Stream:
    failures: list[Failure] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    packages: dict[str, _Package] = field(default_factory=dict)
    build_output: dict[str, list[str]] = field(default_factory=dict)
    failed_builds: list[str] = field(default_factory=list)
    """``ImportPath`` of every ``build-fail`` event, in order."""
    reported_builds: set[str] = field(default_factory=set)
    stray: list[str] = field(default_factory=list)
    first_time: datetime | None = None
    events: int = 0


def parse(text: str, path: str) -> ParseResult:
    if not text.strip():
        raise ParseError("empty file")
    stream = _Stream()
    packages = stream.packages
    compact = _COMPACT.match
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("{"):
            _stray_line(stream, line)
            continue
        fast = compact(stripped)
        if fast is not None and stream.first_time is not None:
            # A test's ``output``, ``run``, ``pass`` and ``skip`` events, most of a stream, go
            # straight to the test: what ``_handle`` does with them, without building the event
            # (once the first event's time is known, only ``fail`` reads its ``Time``).
            _, action, name, test, raw_output = fast.groups()
            if test:
                if action == "output":
                    output = "" if raw_output is None else _decode_output(raw_output)
                    if output is None:
                        _stray_line(stream, line)
                        continue
                    stream.events += 1
                    name = name or ""
                    _test_output(packages.get(name) or _package(stream, name), test, output)
                    continue
                if action in _PLAIN_TEST_ACTIONS and (
                    raw_output is None or _decode_output(raw_output) is not None
                ):
                    stream.events += 1
                    name = name or ""
                    package = packages.get(name) or _package(stream, name)
                    _test_event(stream, package, test, action, _NO_FIELDS, None)
                    continue
        event = _decode_event(stripped, fast)
        if event is None:
            _stray_line(stream, line)
        else:
            stream.events += 1
            _handle(stream, event)
    if stream.events == 0:
        raise ParseError("no go test -json events found")
    for import_path in stream.failed_builds:
        if import_path not in stream.reported_builds:
            _build_failed(stream, import_path, "build failed", [], None)
    for package in stream.packages.values():
        if not package.ended and package.running:
            # The stream stops mid-test (the job was killed): a test that panicked is the cause.
            _fail_running(stream, package, None)
    return ParseResult(
        format=NAME,
        failures=tuple(mark_flaky(stream.failures, stream.passed)),
        passed_test_ids=dedupe(stream.passed),
        started_at=stream.first_time,
    )


def _package(stream: _Stream, name: str) -> _Package:
    package = stream.packages.get(name)
    if package is None:
        package = stream.packages[name] = _Package(name)
    return package


def _stray_line(stream: _Stream, line: str) -> None:
    """Non-JSON text in the stream: only compiler output matters (older Go printed it there)."""
    mark = _BUILD_MARK.match(line)
    if mark:
        stream.failures.append(
            build_failure(
                source_format=NAME,
                package=mark["package"],
                marker=mark["marker"],
                output=_take_stray_block(stream),
                occurred_at=None,
            )
        )
        _package(stream, mark["package"]).ended = True
        return
    if _BUILD_HEADER.match(line) or stream.stray:
        stream.stray.append(line)


def _take_stray_block(stream: _Stream) -> list[str]:
    lines, stream.stray = stream.stray, []
    return lines


def _handle(stream: _Stream, event: dict[str, Any]) -> None:
    action = event["Action"]
    if stream.first_time is None:
        stream.first_time = parse_timestamp(event.get("Time"))
    # Only a failure carries its time on; every other event's time is never read.
    when = parse_timestamp(event.get("Time")) if action == "fail" else None
    if action == "build-output":
        key = str(event.get("ImportPath") or "")
        stream.build_output.setdefault(key, []).append(str(event.get("Output") or ""))
        return
    if action == "build-fail":
        key = str(event.get("ImportPath") or "")
        if key not in stream.failed_builds:
            stream.failed_builds.append(key)
        return
    # Hand-made and very old streams omit Package; their events still belong together.
    name = event.get("Package")
    if not isinstance(name, str):
        name = ""
    package = stream.packages.get(name) or _package(stream, name)
    test = event.get("Test")
    if isinstance(test, str) and test:
        _test_event(stream, package, test, action, event, when)
    elif action in ("output", "bench"):
        package.output.append(str(event.get("Output") or ""))
    elif action == "fail":
        _package_failed(stream, package, event, when)
    elif action in ("pass", "skip"):
        package.ended = True
        package.running.clear()
    elif action == "start":
        # A new run of the package (``-count``, reruns): its failures are judged afresh.
        package.failed_tests, package.timeout, package.ended = 0, None, False
        package.output = Lines()


def _test_event(
    stream: _Stream,
    package: _Package,
    test: str,
    action: str,
    event: dict[str, Any],
    when: datetime | None,
) -> None:
    if action == "run":
        package.running[test] = _Test(test)
        return
    if action in ("output", "bench"):
        _test_output(package, test, str(event.get("Output") or ""))
        return
    if action in ("pass", "skip", "fail"):
        finished = package.running.pop(test, None) or _Test(test)
        test_id = f"{package.name}.{test}"
        if action == "pass":
            stream.passed.append(test_id)
            if "/" not in test:
                package.passed_roots.add(test)
        elif action == "fail":
            package.failed_tests += 1
            package.timeout_counted |= test == package.timeout_test
            stream.failures.append(
                test_failure(
                    source_format=NAME,
                    output=finished.output.lines(),
                    test_id=test_id,
                    function=test_function(test),
                    occurred_at=when,
                    fallback_message="test failed with no output",
                )
            )


def _test_output(package: _Package, test: str, output: str) -> None:
    current = package.running.get(test)
    if current is None:
        current = package.running[test] = _Test(test)
    current.output.append(output)
    if output.startswith(_TIMEOUT) and package.timeout is None:
        package.timeout, package.timeout_test = current.output, test


def _fail_running(stream: _Stream, package: _Package, when: datetime | None) -> None:
    running, package.running = list(package.running.values()), {}
    if package.failed_tests:
        return
    for test in running:
        root = test.name.split("/", 1)[0]
        if "/" in test.name and root in package.passed_roots:
            continue
        if not test.output.has_panic():
            continue
        package.failed_tests += 1
        stream.failures.append(
            test_failure(
                source_format=NAME,
                output=test.output.lines(),
                test_id=f"{package.name}.{test.name}",
                function=test_function(test.name),
                occurred_at=when,
                fallback_message="test did not finish: the test binary exited while it ran",
            )
        )


def _package_failed(
    stream: _Stream, package: _Package, event: dict[str, Any], when: datetime | None
) -> None:
    package.ended = True
    output = package.output.lines()
    failed_build = event.get("FailedBuild")
    marker = next(
        (m["marker"] for m in (_BUILD_MARK.match(line) for line in output) if m is not None), None
    )
    if isinstance(failed_build, str) or marker is not None:
        package.running.clear()
        if isinstance(failed_build, str) and failed_build:
            if failed_build not in stream.reported_builds:
                _build_failed(stream, failed_build, marker or "build failed", output, when)
            return
        stream.failures.append(
            build_failure(
                source_format=NAME,
                package=package.name,
                marker=marker or "build failed",
                output=output,
                occurred_at=when,
            )
        )
        return
    _fail_running(stream, package, when)
    if package.timeout is not None and not package.timeout_counted:
        stream.failures.append(
            package_failure(
                source_format=NAME,
                package=package.name,
                output=package.timeout.lines(),
                occurred_at=when,
                reason="timed out",
            )
        )
    elif package.failed_tests == 0:
        stream.failures.append(
            package_failure(
                source_format=NAME, package=package.name, output=output, occurred_at=when
            )
        )


def _build_failed(
    stream: _Stream, import_path: str, marker: str, fallback: list[str], when: datetime | None
) -> None:
    """One failure for the build unit ``import_path`` (``pkg`` or ``pkg [pkg.test]``)."""
    stream.reported_builds.add(import_path)
    package = import_path.split(" [", 1)[0]
    if package.endswith(".test"):
        package = package[: -len(".test")]  # the test binary's import path names its package
    stream.failures.append(
        build_failure(
            source_format=NAME,
            package=package,
            marker=marker,
            output=stream.build_output.pop(import_path, []) or fallback,
            occurred_at=when,
        )
    )
