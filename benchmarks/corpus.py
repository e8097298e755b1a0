"""Benchmark corpus generator: a realistic, deterministic artifacts root of a chosen size.

``generate_corpus(root, total_mb=..., report_date=..., seed=...)`` writes an artifacts root laid
out as the contract describes (``ci/<run>/run.json``, ``agent/<run>/run.json``,
``telemetry-optin/<run>`` and a never-opened ``other/``), with runs spread over the 14 days
D-13..D plus a few outside the window, about 10% of them not opted in. Artifacts are the real
formats the product reads (pytest and Maven Surefire JUnit XML, jest-junit XML, Playwright JSON,
Jest ``--json``, ``go test -json``, big GitHub Actions logs, Buildkite cargo logs, agent logs)
carrying failures drawn from a pool of about 200 recurring bugs with Zipf frequencies; line
numbers, workspace paths, ids, ports and durations vary between occurrences of one bug. A fake but
format-valid secret or piece of PII is planted about every 50 log lines. The same seed gives
byte-identical output. ``add_next_day`` appends one more day of runs (the overlapping second
benchmark date). ``generate_many_files`` / ``add_next_day_many_files`` write the shape CI really
uploads instead: tens of thousands of 1-10 KB reports (Surefire per test class, per-shard pytest,
Jest and Playwright reports, ``go test -json`` per package, step logs) and a few MB-sized logs,
about 25 artifacts per run folder. The renderers (``python_traceback``, ``junit_pytest`` ...)
are public so fixtures can be written with the same formats. This module only writes below the
``root`` it is given.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import re
import string
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr as _quoteattr

MB = 1024 * 1024

# Generated passing-test names never need XML escaping; checking first keeps big reports fast.
_XML_SPECIAL = re.compile(r"[<>&\"'\n\r\t]")


def quoteattr(text: str) -> str:
    return f'"{text}"' if _XML_SPECIAL.search(text) is None else _quoteattr(text)


def escape(text: str) -> str:
    return text if _XML_SPECIAL.search(text) is None else _escape(text)


# --------------------------------------------------------------------------------------------
# Bugs and traces
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Site:
    """One stack frame of a bug: a repository-relative path (or an absolute library path)."""

    file: str
    function: str
    line: int
    code: str = ""
    """The source line Python and Rust tracebacks print under the frame."""


@dataclass(frozen=True, slots=True)
class Bug:
    """A recurring defect: the same call path and exception every time it fires.

    ``sites`` run outermost first (the test) to innermost (where it raised). ``message`` may hold
    ``{id}``, ``{port}``, ``{ms}``, ``{n}`` and ``{uuid}``, filled per occurrence so that
    occurrences differ the way real ones do while remaining one bug.
    """

    key: str
    language: str
    exception: str
    message: str
    sites: tuple[Site, ...]
    test_id: str
    cause: tuple[str, str, tuple[Site, ...]] | None = None
    """A chained cause (type, message, its own innermost sites) for Python and Java."""


WORKSPACES: tuple[str, ...] = (
    "/home/runner/work/shop/shop",
    "/builds/acme/shop",
    "/var/lib/jenkins/workspace/shop-main",
    "/var/lib/buildkite-agent/builds/bk-agent-2/acme/shop",
)


def fill(template: str, rng: random.Random) -> str:
    """Fill the per-occurrence placeholders of a message template."""
    if "{" not in template:
        return template
    return template.format(
        id=rng.randrange(10_000, 99_999_999),
        port=rng.randrange(30_000, 65_000),
        ms=rng.randrange(1_000, 30_000),
        n=rng.randrange(2, 400),
        uuid=fake_uuid(rng),
    )


def fake_uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def _path(ws: str, file: str) -> str:
    return file if file.startswith("/") else f"{ws}/{file}"


def _jit(rng: random.Random) -> int:
    # Line numbers drift between commits; most occurrences keep the line, some move a little.
    return rng.choice((0, 0, 0, 1, 2, -1, 4, 7))


def python_traceback(bug: Bug, rng: random.Random, ws: str, message: str | None = None) -> str:
    """A CPython traceback, chained with ``The above exception ...`` when the bug has a cause."""
    msg = fill(bug.message, rng) if message is None else message
    shift = _jit(rng)

    def block(sites: Sequence[Site], exc: str, text: str) -> list[str]:
        out = ["Traceback (most recent call last):"]
        for s in sites:
            line = s.line if s.file.startswith("/") else s.line + shift
            out.append(f'  File "{_path(ws, s.file)}", line {line}, in {s.function}')
            if s.code:
                out.append(f"    {s.code}")
        out.append(f"{exc}: {text}" if text else exc)
        return out

    lines: list[str] = []
    if bug.cause is not None:
        ctype, cmsg, csites = bug.cause
        lines += block(csites, ctype, fill(cmsg, rng))
        lines += ["", "The above exception was the direct cause of the following exception:", ""]
    lines += block(bug.sites, bug.exception, msg)
    return "\n".join(lines)


def java_trace(bug: Bug, rng: random.Random, message: str | None = None) -> str:
    """A JVM stack trace, innermost first, with ``Caused by:`` and ``... N more``."""
    msg = fill(bug.message, rng) if message is None else message
    shift = _jit(rng)

    def at(s: Site) -> str:
        line = s.line if s.file.startswith("/") else s.line + shift
        return f"\tat {s.function}({s.file.rsplit('/', 1)[-1]}:{line})"

    runner = (
        Site(
            "/jdk/DirectMethodHandleAccessor.java",
            "java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke",
            103,
        ),
        Site("/jdk/Method.java", "java.base/java.lang.reflect.Method.invoke", 580),
        Site(
            "/junit/ReflectionUtils.java",
            "org.junit.platform.commons.util.ReflectionUtils.invokeMethod",
            728,
        ),
        Site(
            "/junit/MethodInvocation.java",
            "org.junit.jupiter.engine.execution.MethodInvocation.proceed",
            60,
        ),
        Site(
            "/junit/InvocationInterceptorChain.java",
            "org.junit.jupiter.engine.execution.InvocationInterceptorChain.proceed",
            131,
        ),
    )
    main = [at(s) for s in reversed(bug.sites)] + [at(s) for s in runner]
    lines = [f"{bug.exception}: {msg}", *main]
    if bug.cause is not None:
        ctype, cmsg, csites = bug.cause
        lines.append(f"Caused by: {ctype}: {fill(cmsg, rng)}")
        lines += [at(s) for s in reversed(csites)]
        # The cause's frames below its last own frame are the caller's: Java elides them.
        lines.append(f"\t... {len(main) - 1} more")
    return "\n".join(lines)


def node_stack(bug: Bug, rng: random.Random, ws: str, message: str | None = None) -> str:
    """A V8 stack (``    at fn (path:line:col)``), innermost first."""
    msg = fill(bug.message, rng) if message is None else message
    shift = _jit(rng)
    lines = [f"{bug.exception}: {msg}"]
    for s in reversed(bug.sites):
        line = s.line if s.file.startswith("/") else s.line + shift
        col = 5 + (len(s.function) * 3) % 40
        where = f"{_path(ws, s.file)}:{line}:{col}"
        lines.append(f"    at {s.function} ({where})" if s.function else f"    at {where}")
    return "\n".join(lines)


def go_panic(bug: Bug, rng: random.Random, ws: str, message: str | None = None) -> str:
    """A Go test panic: ``panic: ... [recovered]``, the signal line and one goroutine dump."""
    msg = fill(bug.message, rng) if message is None else message
    shift = _jit(rng)
    gid = rng.randrange(6, 90)
    lines = [
        f"panic: {msg} [recovered]",
        f"\tpanic: {msg}",
    ]
    if "nil pointer" in msg:
        lines.append(
            f"[signal SIGSEGV: segmentation violation code=0x1 addr=0x{rng.choice((8, 16, 24)):x}"
            f" pc=0x{rng.randrange(0x500000, 0x6FFFFF):x}]"
        )
    lines += ["", f"goroutine {gid} [running]:"]
    goroot = "/opt/hostedtoolcache/go/1.23.3/x64/src"
    lines += [
        "testing.tRunner.func1.2({0x6a1e40, 0x8f4f60})",
        f"\t{goroot}/testing/testing.go:1632 +0x230",
        "testing.tRunner.func1()",
        f"\t{goroot}/testing/testing.go:1635 +0x35e",
        "panic({0x6a1e40?, 0x8f4f60?})",
        f"\t{goroot}/runtime/panic.go:785 +0x132",
    ]
    for s in reversed(bug.sites):
        line = s.line if s.file.startswith("/") else s.line + shift
        lines.append(f"{s.function}(0x{rng.randrange(0xC000010000, 0xC0000FFFFF):x})")
        lines.append(f"\t{_path(ws, s.file)}:{line} +0x{rng.randrange(0x10, 0x3FF):x}")
    lines += [
        f"testing.tRunner(0xc0001{rng.randrange(0x1000, 0xFFFF):04x}, 0x7b4a18)",
        f"\t{goroot}/testing/testing.go:1690 +0xf4",
        "created by testing.(*T).Run in goroutine 1",
        f"\t{goroot}/testing/testing.go:1743 +0x390",
    ]
    return "\n".join(lines)


RUSTC = "/rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library"


def rust_panic(bug: Bug, rng: random.Random, message: str | None = None) -> str:
    """A ``cargo test`` panic with ``RUST_BACKTRACE=1`` (short backtrace)."""
    msg = fill(bug.message, rng) if message is None else message
    shift = _jit(rng)
    test = bug.test_id
    inner = bug.sites[-1]
    inner_col = 9 + len(inner.function) % 20
    lines = [
        f"---- {test} stdout ----",
        f"thread '{test}' panicked at {inner.file}:{inner.line + shift}:{inner_col}:",
        msg,
        "stack backtrace:",
        "   0: rust_begin_unwind",
        f"             at {RUSTC}/std/src/panicking.rs:665:5",
        "   1: core::panicking::panic_fmt",
        f"             at {RUSTC}/core/src/panicking.rs:74:14",
    ]
    n = 2
    if "unwrap()" in msg:
        lines += [
            "   2: core::panicking::panic",
            f"             at {RUSTC}/core/src/panicking.rs:148:5",
            "   3: core::option::unwrap_failed",
            f"             at {RUSTC}/core/src/option.rs:2015:5",
        ]
        n = 4
    for s in reversed(bug.sites):
        lines.append(f"{n:>4}: {s.function}")
        col = 9 + len(s.function) % 20
        lines.append(f"             at ./{s.file}:{s.line + shift}:{col}")
        n += 1
    lines += [
        f"{n:>4}: core::ops::function::FnOnce::call_once",
        f"             at {RUSTC}/core/src/ops/function.rs:250:5",
        "note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Containers (the artifact formats)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Case:
    """One test case of a report: passed when ``failure`` is ``None``."""

    classname: str
    name: str
    seconds: float
    failure: str | None = None
    message: str = ""
    exc_type: str = ""
    kind: str = "failure"
    """``failure`` or ``error`` (JUnit's two failing children)."""
    stdout: str = ""


def _ts_junit(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")


def junit_pytest(cases: Sequence[Case], started: datetime, hostname: str) -> str:
    """``pytest --junitxml`` (xunit2 family) with ``--tb=native`` failure bodies."""
    fails = sum(1 for c in cases if c.failure is not None and c.kind == "failure")
    errs = sum(1 for c in cases if c.failure is not None and c.kind == "error")
    total = sum(c.seconds for c in cases)
    out = [
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" '
        f'errors="{errs}" failures="{fails}" skipped="0" tests="{len(cases)}" time="{total:.3f}" '
        f'timestamp="{_ts_junit(started)}" hostname="{hostname}">'
    ]
    for c in cases:
        head = (
            f"<testcase classname={quoteattr(c.classname)} name={quoteattr(c.name)} "
            f'time="{c.seconds:.3f}"'
        )
        if c.failure is None:
            out.append(head + " />")
            continue
        attr = quoteattr(c.message[:400])
        out.append(f"{head}><{c.kind} message={attr}>{escape(c.failure)}</{c.kind}>")
        if c.stdout:
            out.append(f"<system-out>{escape(c.stdout)}</system-out>")
        out.append("</testcase>")
    out.append("</testsuite></testsuites>")
    return "".join(out)


def junit_surefire(suite: str, cases: Sequence[Case], properties: dict[str, str]) -> str:
    """A Maven Surefire ``TEST-<class>.xml`` (schema 3.0)."""
    fails = sum(1 for c in cases if c.failure is not None and c.kind == "failure")
    errs = sum(1 for c in cases if c.failure is not None and c.kind == "error")
    total = sum(c.seconds for c in cases)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuite xmlns:xsi="http://www.w3.org/2001/'
        'XMLSchema-instance" xsi:noNamespaceSchemaLocation="https://maven.apache.org/surefire/'
        'maven-surefire-plugin/xsd/surefire-test-report-3.0.xsd" version="3.0" '
        f'name="{suite}" time="{total:.3f}" tests="{len(cases)}" errors="{errs}" skipped="0" '
        f'failures="{fails}">\n  <properties>\n'
    ]
    for k, v in properties.items():
        out.append(f"    <property name={quoteattr(k)} value={quoteattr(v)}/>\n")
    out.append("  </properties>\n")
    for c in cases:
        head = (
            f"  <testcase name={quoteattr(c.name)} classname={quoteattr(c.classname)} "
            f'time="{c.seconds:.3f}"'
        )
        if c.failure is None:
            out.append(head + "/>\n")
            continue
        out.append(
            f"{head}>\n    <{c.kind} message={quoteattr(c.message)} "
            f"type={quoteattr(c.exc_type)}><![CDATA[{c.failure}\n]]></{c.kind}>\n"
        )
        if c.stdout:
            out.append(f"    <system-out><![CDATA[{c.stdout}]]></system-out>\n")
        out.append("  </testcase>\n")
    out.append("</testsuite>\n")
    return "".join(out)


def junit_jest(suites: Sequence[tuple[str, Sequence[Case]]], started: datetime) -> str:
    """``jest-junit`` output: one ``<testsuite>`` per describe file, failures without message."""
    tests = sum(len(cs) for _, cs in suites)
    fails = sum(1 for _, cs in suites for c in cs if c.failure is not None)
    total = sum(c.seconds for _, cs in suites for c in cs)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites name="jest tests" tests="{tests}" failures="{fails}" errors="0" '
        f'time="{total:.3f}">\n'
    ]
    for name, cs in suites:
        sf = sum(1 for c in cs if c.failure is not None)
        st = sum(c.seconds for c in cs)
        out.append(
            f'  <testsuite name={quoteattr(name)} errors="0" failures="{sf}" '
            f'skipped="0" timestamp="{started.strftime("%Y-%m-%dT%H:%M:%S")}" '
            f'time="{st:.3f}" tests="{len(cs)}">\n'
        )
        for c in cs:
            head = (
                f"    <testcase classname={quoteattr(c.classname)} name={quoteattr(c.name)} "
                f'time="{c.seconds:.3f}"'
            )
            if c.failure is None:
                out.append(head + ">\n    </testcase>\n")
            else:
                out.append(
                    f"{head}>\n      <failure>{escape(c.failure)}</failure>\n    </testcase>\n"
                )
        out.append("  </testsuite>\n")
    out.append("</testsuites>\n")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class PwTest:
    """One Playwright test: one result per attempt (retry 0, 1, ...)."""

    file: str
    """Relative to the Playwright ``rootDir``."""
    describe: str
    title: str
    line: int
    attempts: tuple[tuple[str, str | None, str | None], ...]
    """``(status, error message, error stack)`` per attempt; status ``passed``/``failed``."""
    project: str = "chromium"


def playwright_json(
    tests: Sequence[PwTest], root_dir: str, started: datetime, retries: int = 0
) -> str:
    """The Playwright ``json`` reporter's report (config, nested suites, specs, results)."""
    by_file: dict[str, list[PwTest]] = {}
    for t in tests:
        by_file.setdefault(t.file, []).append(t)
    stats = {"expected": 0, "unexpected": 0, "flaky": 0, "skipped": 0}
    clock = started
    suites = []
    for file, ts in by_file.items():
        specs = []
        for i, t in enumerate(ts):
            results = []
            for retry, (status, msg, stack) in enumerate(t.attempts):
                dur = 800 + (len(t.title) * 97 + retry * 311) % 4000
                res: dict[str, object] = {
                    "workerIndex": (i + retry) % 4,
                    "parallelIndex": i % 4,
                    "status": status,
                    "duration": dur,
                    "errors": [],
                    "stdout": [],
                    "stderr": [],
                    "retry": retry,
                    "startTime": clock.strftime("%Y-%m-%dT%H:%M:%S.")
                    + f"{clock.microsecond // 1000:03d}Z",
                    "annotations": [],
                    "attachments": [],
                }
                clock += timedelta(milliseconds=dur + 40)
                if status != "passed" and msg is not None:
                    loc = {"file": f"{root_dir}/{file}", "column": 24, "line": t.line + 4}
                    err = {"message": msg, "stack": stack or msg, "location": loc}
                    res["error"] = err
                    res["errors"] = [{"location": loc, "message": stack or msg}]
                    res["attachments"] = [
                        {
                            "name": "screenshot",
                            "contentType": "image/png",
                            "path": f"{root_dir}/../test-results/{file.replace('/', '-')}-"
                            f"{t.project}{f'-retry{retry}' if retry else ''}/test-failed-1.png",
                        }
                    ]
                results.append(res)
            statuses = [a[0] for a in t.attempts]
            if statuses[-1] == "passed":
                outcome = "flaky" if "failed" in statuses else "expected"
            else:
                outcome = "unexpected"
            stats[outcome] += 1
            specs.append(
                {
                    "title": t.title,
                    "ok": outcome != "unexpected",
                    "tags": [],
                    "tests": [
                        {
                            "timeout": 30000,
                            "annotations": [],
                            "expectedStatus": "passed",
                            "projectId": t.project,
                            "projectName": t.project,
                            "results": results,
                            "status": outcome,
                        }
                    ],
                    "id": hashlib.sha1(f"{file}{t.title}".encode()).hexdigest()[:20]
                    + "-"
                    + hashlib.sha1(t.project.encode()).hexdigest()[:20],
                    "file": file,
                    "line": t.line,
                    "column": 7,
                }
            )
        suites.append(
            {
                "title": file,
                "file": file,
                "column": 0,
                "line": 0,
                "specs": [],
                "suites": [
                    {"title": ts[0].describe, "file": file, "line": 3, "column": 6, "specs": specs}
                ],
            }
        )
    report = {
        "config": {
            "configFile": f"{root_dir}/../playwright.config.ts",
            "rootDir": root_dir,
            "forbidOnly": True,
            "fullyParallel": True,
            "globalSetup": None,
            "globalTeardown": None,
            "globalTimeout": 0,
            "grep": {},
            "grepInvert": None,
            "maxFailures": 0,
            "metadata": {"actualWorkers": 4},
            "preserveOutput": "always",
            "reporter": [["json", {"outputFile": "playwright-report/results.json"}]],
            "reportSlowTests": {"max": 5, "threshold": 300000},
            "quiet": False,
            "projects": [
                {
                    "outputDir": f"{root_dir}/../test-results",
                    "repeatEach": 1,
                    "retries": retries,
                    "metadata": {},
                    "id": "chromium",
                    "name": "chromium",
                    "testDir": root_dir,
                    "testIgnore": [],
                    "testMatch": ["**/*.@(spec|test).?(c|m)[jt]s?(x)"],
                    "timeout": 30000,
                }
            ],
            "shard": None,
            "updateSnapshots": "missing",
            "version": "1.49.1",
            "workers": 4,
            "webServer": None,
        },
        "suites": suites,
        "errors": [],
        "stats": {
            "startTime": started.strftime("%Y-%m-%dT%H:%M:%S.") + "000Z",
            "duration": (clock - started).total_seconds() * 1000,
            **stats,
        },
    }
    # Playwright indents its report; the pure-Python indenting encoder is slow for huge ones.
    return json.dumps(report, indent=2 if len(tests) < 300 else None)


def jest_json(files: Sequence[tuple[str, Sequence[Case]]], started: datetime) -> str:
    """``jest --json`` output: ``testResults`` per file with ``assertionResults``."""
    t0 = int(started.timestamp() * 1000)
    results = []
    clock = t0
    n_fail = n_pass = f_fail = 0
    for path, cases in files:
        asserts = []
        for c in cases:
            failed = c.failure is not None
            n_fail += failed
            n_pass += not failed
            asserts.append(
                {
                    "ancestorTitles": [c.classname],
                    "duration": int(c.seconds * 1000),
                    "failureDetails": [{"matcherResult": {"pass": False}}] if failed else [],
                    "failureMessages": [c.failure] if failed else [],
                    "fullName": f"{c.classname} {c.name}",
                    "invocations": 1,
                    "location": None,
                    "numPassingAsserts": 0 if failed else 1,
                    "retryReasons": [],
                    "status": "failed" if failed else "passed",
                    "title": c.name,
                }
            )
        dur = int(sum(c.seconds for c in cases) * 1000) + 120
        bad = any(c.failure is not None for c in cases)
        f_fail += bad
        results.append(
            {
                "assertionResults": asserts,
                "endTime": clock + dur,
                "message": ""
                if not bad
                else "\n".join(
                    f"  ● {c.classname} › {c.name}\n\n    {c.failure}" for c in cases if c.failure
                ),
                "name": path,
                "startTime": clock,
                "status": "failed" if bad else "passed",
                "summary": "",
            }
        )
        clock += dur
    return json.dumps(
        {
            "numFailedTestSuites": f_fail,
            "numFailedTests": n_fail,
            "numPassedTestSuites": len(files) - f_fail,
            "numPassedTests": n_pass,
            "numPendingTestSuites": 0,
            "numPendingTests": 0,
            "numRuntimeErrorTestSuites": 0,
            "numTodoTests": 0,
            "numTotalTestSuites": len(files),
            "numTotalTests": n_fail + n_pass,
            "openHandles": [],
            "snapshot": {
                "added": 0,
                "didUpdate": False,
                "failure": False,
                "filesAdded": 0,
                "filesRemoved": 0,
                "filesRemovedList": [],
                "filesUnmatched": 0,
                "filesUpdated": 0,
                "matched": 0,
                "total": 0,
                "unchecked": 0,
                "uncheckedKeysByFile": [],
                "unmatched": 0,
                "updated": 0,
            },
            "startTime": t0,
            "success": n_fail == 0,
            "testResults": results,
            "wasInterrupted": False,
        }
    )


def go_test_json(
    package: str,
    tests: Sequence[tuple[str, str | None]],
    started: datetime,
    extra_output: Sequence[str] = (),
) -> str:
    """``go test -json`` events for one package; a test with output text panicked/failed.

    ``tests`` are ``(name, failure_output)``; a panic ends the package (later tests never run),
    as the real binary does.
    """
    lines: list[str] = []
    t = started
    ns = 100_000
    stamp = [t.strftime("%Y-%m-%dT%H:%M:%S.")]

    def ev(
        action: str,
        test: str | None = None,
        output: str | None = None,
        elapsed: float | None = None,
    ) -> None:
        nonlocal t, ns
        ns += 37_411
        if ns >= 1_000_000_000:
            ns -= 1_000_000_000
            t += timedelta(seconds=1)
            stamp[0] = t.strftime("%Y-%m-%dT%H:%M:%S.")
        d: dict[str, object] = {
            "Time": f"{stamp[0]}{ns:09d}Z",
            "Action": action,
            "Package": package,
        }
        if test is not None:
            d["Test"] = test
        if output is not None:
            d["Output"] = output
        if elapsed is not None:
            d["Elapsed"] = elapsed
        lines.append(json.dumps(d, separators=(",", ":")))

    ev("start")
    for out in extra_output:
        ev("output", output=out + "\n")
    panicked = False
    for name, failure in tests:
        ev("run", name)
        ev("output", name, f"=== RUN   {name}\n")
        if failure is None:
            ev("output", name, f"--- PASS: {name} (0.00s)\n")
            ev("pass", name, elapsed=0)
            continue
        ev("output", name, f"--- FAIL: {name} (0.01s)\n")
        for fl in failure.split("\n"):
            ev("output", name, fl + "\n")
        if failure.startswith("panic:"):
            panicked = True
            ev("output", name, f"FAIL\t{package}\t0.0{len(name) % 9 + 1}1s\n")
            ev("fail", name, elapsed=0.01)
            break
        ev("fail", name, elapsed=0.01)
    if not panicked:
        ev("output", output="FAIL\n")
        ev("output", output=f"FAIL\t{package}\t0.213s\n")
    ev("fail", elapsed=0.213)
    return "\n".join(lines) + "\n"


class GhaClock:
    """GitHub Actions log line prefixes (``2026-11-20T10:11:12.1234567Z ``), advancing per line."""

    def __init__(self, start: datetime, step_us: int = 23_417) -> None:
        self._day = start.strftime("%Y-%m-%dT")
        self._us = (start.hour * 3600 + start.minute * 60 + start.second) * 1_000_000
        self._step = step_us

    def prefix(self) -> str:
        self._us += self._step
        s, us = divmod(self._us, 1_000_000)
        s %= 86_400
        return f"{self._day}{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{us:06d}{us % 7}Z "

    def lines(self, text: str) -> str:
        # Big logs: the "YYYY-MM-DDTHH:MM:SS." head is rebuilt only when the second changes.
        out: list[str] = []
        us, step, day = self._us, self._step, self._day
        last, head = -1, ""
        for ln in text.split("\n"):
            us += step
            sec, frac = divmod(us, 1_000_000)
            if sec != last:
                last, ss = sec, sec % 86_400
                head = f"{day}{ss // 3600:02d}:{ss // 60 % 60:02d}:{ss % 60:02d}."
            out.append(f"{head}{frac:06d}{frac % 7}Z {ln}\n")
        self._us = us
        return "".join(out)


# --------------------------------------------------------------------------------------------
# Fake secrets and PII (format-valid, never real)
# --------------------------------------------------------------------------------------------

_ALNUM = string.ascii_letters + string.digits
_B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _b62(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, 62)
        out.append(_B62[r])
    return "".join(reversed(out))


def fake_github_token(rng: random.Random) -> str:
    """``ghp_`` + 30 random base62 + a 6-char base62 CRC32 checksum (the real token shape)."""
    import zlib

    body = "".join(rng.choice(_ALNUM) for _ in range(30))
    return f"ghp_{body}{_b62(zlib.crc32(body.encode()), 6)}"


def fake_aws_pair(rng: random.Random) -> tuple[str, str]:
    key = "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))
    secret = "".join(rng.choice(_ALNUM + "+/") for _ in range(40))
    return key, secret


def fake_slack_token(rng: random.Random) -> str:
    return f"xoxb-{rng.randrange(10**11, 10**12)}-{rng.randrange(10**12, 10**13)}-" + "".join(
        rng.choice(_ALNUM) for _ in range(24)
    )


def fake_jwt(rng: random.Random, subject: str = "user-4821") -> str:
    def b64(obj: object) -> str:
        raw = json.dumps(obj, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    head = b64({"alg": "HS256", "typ": "JWT"})
    body = b64({"sub": subject, "iat": 1763600000 + rng.randrange(10**6), "scope": "checkout"})
    sig = base64.urlsafe_b64encode(rng.randbytes(32)).rstrip(b"=").decode()
    return f"{head}.{body}.{sig}"


def fake_pem(rng: random.Random, lines: int = 6) -> str:
    body = base64.b64encode(rng.randbytes(48 * lines)).decode()
    rows = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join(["-----BEGIN RSA PRIVATE KEY-----", *rows, "-----END RSA PRIVATE KEY-----"])


_FIRST = ("alice", "bob", "carol", "dmitri", "eun-ji", "farah", "gustavo", "hana", "ivan", "jo")
_LAST = ("nguyen", "okafor", "schmidt", "tanaka", "garcia", "kowalski", "haddad", "lindqvist")


def fake_email(rng: random.Random) -> str:
    dom = rng.choice(("example.com", "acme-shop.example", "corp.example.org", "mail.example.net"))
    return f"{rng.choice(_FIRST)}.{rng.choice(_LAST)}@{dom}"


def fake_ipv4(rng: random.Random) -> str:
    return rng.choice(
        (
            f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            f"172.{rng.randrange(16, 32)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            f"203.0.113.{rng.randrange(1, 255)}",
            f"198.51.100.{rng.randrange(1, 255)}",
        )
    )


def fake_ipv6(rng: random.Random) -> str:
    a, b, c = rng.randrange(0x10000), rng.randrange(0x10000), rng.randrange(1, 0xFFFF)
    return f"2001:db8:{a:x}:{b:x}::{c:x}"


def secret_lines(rng: random.Random) -> list[str]:
    """One of each kind of planted secret/PII, as the log line a careless job would print."""
    key, secret = fake_aws_pair(rng)
    host = f"db-{rng.randrange(1, 9)}.corp.example.internal"
    user = rng.choice(_FIRST)
    return [
        f"Notifying {fake_email(rng)} about the failed deploy",
        f"connecting to {fake_ipv4(rng)}:5432 as app",
        f"upstream [{fake_ipv6(rng)}]:443 reset the connection",
        f"resolved {host} in 3ms",
        f"pip index: https://deploy:{''.join(rng.choice(_ALNUM) for _ in range(14))}"
        f"@pypi.corp.example.internal/simple",
        f"export GITHUB_TOKEN={fake_github_token(rng)}",
        f"AWS_ACCESS_KEY_ID={key} AWS_SECRET_ACCESS_KEY={secret}",
        f"slack webhook auth: {fake_slack_token(rng)}",
        f"Authorization: Bearer {fake_jwt(rng)}",
        f"Cookie: sessionid={''.join(rng.choice(_ALNUM) for _ in range(32))}; csrftoken="
        f"{''.join(rng.choice(_ALNUM) for _ in range(32))}",
        f"request_id={fake_uuid(rng)} finished",
        f"loading config from /home/{user}/.config/shop/settings.toml",
        f"cache dir /Users/{user}/Library/Caches/shop",
        f"wrote C:\\Users\\{user}\\AppData\\Local\\Temp\\shop-build.log",
    ]


# --------------------------------------------------------------------------------------------
# The bug pool
# --------------------------------------------------------------------------------------------

_PY_MODULES = (
    "api/checkout",
    "api/catalog",
    "api/orders",
    "cart/pricing",
    "cart/totals",
    "db/pool",
    "db/migrations",
    "auth/session",
    "auth/tokens",
    "search/index",
    "shipping/rates",
    "notify/email",
    "inventory/client",
    "payments/client",
)
_PY_FUNCS = (
    "create_order",
    "price_for",
    "apply_discount",
    "acquire",
    "load",
    "refresh",
    "serialize",
    "validate",
    "lookup",
    "submit",
    "reserve",
    "render",
    "parse_row",
)
_PY_EXC = (
    ("KeyError", "'{n}'"),
    ("ValueError", "invalid literal for int() with base 10: 'x{n}'"),
    ("TypeError", "unsupported operand type(s) for +: 'NoneType' and 'Decimal'"),
    ("AttributeError", "'NoneType' object has no attribute 'items'"),
    (
        "psycopg.OperationalError",
        'connection to server at "10.20.3.{n}", port 5432 failed: timeout expired',
    ),
    ("TimeoutError", "timed out after {ms}ms waiting for order {id}"),
    ("AssertionError", "assert {n} == 200"),
    ("IndexError", "list index out of range"),
    ("RuntimeError", "event loop is closed"),
    ("ZeroDivisionError", "division by zero"),
)
_JAVA_CLASSES = (
    "payments.PaymentGateway",
    "payments.RefundService",
    "orders.OrderRepository",
    "orders.InvoiceRenderer",
    "catalog.PriceIndex",
    "auth.TokenVerifier",
)
_JAVA_EXC = (
    ("java.lang.IllegalStateException", "Gateway response missing authorization id"),
    (
        "java.lang.NullPointerException",
        'Cannot invoke "java.math.BigDecimal.add(java.math.BigDecimal)" because "total" is null',
    ),
    (
        "org.springframework.dao.DataAccessResourceFailureException",
        "Unable to acquire JDBC Connection after {ms}ms",
    ),
    ("java.util.ConcurrentModificationException", ""),
)
_JS_FILES = (
    "web/src/components/ProductTable.tsx",
    "web/src/components/CartDrawer.tsx",
    "web/src/pages/Checkout.tsx",
    "web/src/lib/money.ts",
    "web/src/lib/api.ts",
    "web/src/hooks/useInventory.ts",
)
_JS_EXC = (
    ("TypeError", "Cannot read properties of undefined (reading 'price')"),
    ("TypeError", "items.map is not a function"),
    ("Error", "Request failed with status code 503 (request {id})"),
    ("RangeError", "Invalid time value"),
)
_GO_PKGS = ("inventory/internal/stock", "inventory/internal/ledger", "gateway/internal/proxy")
_GO_EXC = (
    "runtime error: invalid memory address or nil pointer dereference",
    "runtime error: index out of range [{n}] with length {n}",
    "assignment to entry in nil map",
)
_RS_EXC = (
    "called `Option::unwrap()` on a `None` value",
    "attempt to subtract with overflow",
    "called `Result::unwrap()` on an `Err` value: ParseError {{ line: {n} }}",
)


def bug_pool(seed: int, size: int = 200) -> list[Bug]:
    """``size`` distinct bugs across five languages, deterministic for ``seed``."""
    rng = random.Random(f"pool-{seed}")
    bugs: list[Bug] = []
    seen: set[tuple[object, ...]] = set()
    key: tuple[object, ...]
    while len(bugs) < size:
        lang = rng.choices(("python", "java", "javascript", "go", "rust"), (45, 15, 20, 12, 8))[0]
        k = len(bugs)
        if lang == "python":
            mods = rng.sample(_PY_MODULES, rng.randrange(1, 4))
            test = f"tests/{mods[0].split('/')[0]}/test_{mods[0].split('/')[1]}.py"
            tname = f"test_{rng.choice(_PY_FUNCS)}_{rng.choice(('ok', 'retry', 'empty', 'bulk'))}"
            sites = [
                Site(test, tname, rng.randrange(12, 300), "result = client.post(url, json=body)")
            ]
            for m in mods:
                fn = rng.choice(_PY_FUNCS)
                sites.append(
                    Site(f"shop/{m}.py", fn, rng.randrange(10, 400), f"return self.{fn}(row)")
                )
            exc, msg = rng.choice(_PY_EXC)
            key = ("py", exc, tuple((s.file, s.function) for s in sites))
            bug = Bug(f"b{k:03d}", lang, exc, msg, tuple(sites), f"{test}::{tname}")
        elif lang == "java":
            cls = rng.choice(_JAVA_CLASSES)
            pkg, name = cls.split(".")
            base = f"services/{pkg}/src/main/java/com/acme/shop/{pkg}"
            meth = rng.choice(("charge", "refund", "save", "render", "lookup", "verify"))
            tmeth = f"{meth}{rng.choice(('Succeeds', 'Retries', 'HandlesEmpty'))}"
            sites = [
                Site(
                    f"services/{pkg}/src/test/java/com/acme/shop/{pkg}/{name}Test.java",
                    f"com.acme.shop.{pkg}.{name}Test.{tmeth}",
                    rng.randrange(20, 200),
                ),
                Site(
                    f"{base}/{name}.java",
                    f"com.acme.shop.{pkg}.{name}.{meth}",
                    rng.randrange(30, 300),
                ),
            ]
            exc, msg = rng.choice(_JAVA_EXC)
            key = ("java", exc, tuple((s.file, s.function) for s in sites))
            bug = Bug(
                f"b{k:03d}", lang, exc, msg, tuple(sites), f"com.acme.shop.{pkg}.{name}Test.{tmeth}"
            )
        elif lang == "javascript":
            f = rng.choice(_JS_FILES)
            comp = f.rsplit("/", 1)[-1].split(".")[0]
            test = f.replace("web/src/", "web/src/__tests__/").replace(".ts", ".test.ts")
            tname = f"{comp} {rng.choice(('renders rows', 'handles empty cart', 'formats totals'))}"
            sites = [
                Site(test, "Object.<anonymous>", rng.randrange(10, 120)),
                Site(
                    f,
                    comp if comp[0].isupper() else rng.choice(("format", "load", "fetchJson")),
                    rng.randrange(10, 200),
                ),
            ]
            exc, msg = rng.choice(_JS_EXC)
            key = ("js", exc, msg, tuple((s.file, s.function) for s in sites))
            bug = Bug(f"b{k:03d}", lang, exc, msg, tuple(sites), tname)
        elif lang == "go":
            p = rng.choice(_GO_PKGS)
            typ = rng.choice(("Ledger", "Reserver", "Proxy"))
            meth = rng.choice(("Reserve", "Release", "Forward", "Apply"))
            tname = f"Test{typ}{meth}{rng.choice(('Concurrent', 'Empty', 'Twice'))}"
            mod = f"github.com/acme/shop/services/{p}"
            sites = [
                Site(
                    f"services/{p}/{meth.lower()}_test.go", f"{mod}.{tname}", rng.randrange(10, 150)
                ),
                Site(
                    f"services/{p}/{meth.lower()}.go",
                    f"{mod}.(*{typ}).{meth}",
                    rng.randrange(10, 200),
                ),
            ]
            msg = rng.choice(_GO_EXC)
            key = ("go", msg, tuple((s.file, s.function) for s in sites))
            bug = Bug(f"b{k:03d}", lang, "panic", msg, tuple(sites), f"{mod}.{tname}")
        else:
            mod = rng.choice(("discount", "tax", "rounding", "currency"))
            fn = rng.choice(("apply_stack", "compute", "round_half_even", "convert"))
            tname = f"{mod}::tests::{fn}_{rng.choice(('caps', 'zero', 'negative'))}"
            sites = [
                Site(f"crates/pricing/src/{mod}.rs", f"pricing::{tname}", rng.randrange(150, 300)),
                Site(
                    f"crates/pricing/src/{mod}.rs", f"pricing::{mod}::{fn}", rng.randrange(20, 140)
                ),
            ]
            msg = rng.choice(_RS_EXC)
            key = ("rs", msg, tuple((s.file, s.function) for s in sites))
            bug = Bug(f"b{k:03d}", lang, "panic", msg, tuple(sites), tname)
        if key in seen:
            continue
        seen.add(key)
        bugs.append(bug)
    return bugs


# --------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------

_NORMAL_LINES = (
    "Collecting requests==2.32.3",
    "  Downloading requests-2.32.3-py3-none-any.whl (64 kB)",
    "Requirement already satisfied: urllib3<3,>=1.21.1 in ./.venv/lib/python3.11/site-packages",
    "tests/api/test_orders.py::test_list_orders[page-{n}] PASSED                  [ {p}%]",
    "tests/cart/test_totals.py::test_rounding[case-{n}] PASSED                   [ {p}%]",
    "npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory.",
    "added {n} packages, and audited {n}1 packages in 9s",
    "   Compiling serde v1.0.210",
    "   Compiling pricing v0.4.{n} (/builds/acme/shop/crates/pricing)",
    "[INFO] Tests run: {n}, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 1.{n} s",
    "[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/org/junit/junit-bom/5.11.3/junit-bom-5.11.3.pom",
    "ok  \tgithub.com/acme/shop/services/inventory/internal/ledger\t0.{n}s",
    "PASS web/src/lib/__tests__/api.test.ts ({n}.2 s)",
    "  ✓ renders the empty state ({n} ms)",
    "Step 4/12 : RUN pip install --no-cache-dir -r requirements.txt",
    " ---> Using cache",
    "INFO  shop.worker: processed batch {n} in 0.{n}s",
    "DEBUG shop.db.pool: pool size=10 in_use={p} waiting=0",
    "WARNING shop.cart.pricing: currency missing for sku SKU-{n}, defaulting to EUR",
    "Cache restored successfully",
    "Received {n}4 of {n}4 (100.0%), 0.{n} MBs/sec",
)


@dataclass
class CorpusInfo:
    """What a generation wrote; ``failures_by_day`` counts planted failures of opted-in runs."""

    root: Path
    runs: int = 0
    opted_in_runs: int = 0
    files: int = 0
    bytes: int = 0
    secrets: int = 0
    bug_pool: int = 0
    seconds: float = 0.0
    failures_by_day: dict[str, int] = field(default_factory=dict)

    @property
    def opted_in_share(self) -> float:
        return self.opted_in_runs / self.runs if self.runs else 0.0

    def summary(self) -> str:
        return (
            f"runs={self.runs} opted_in={self.opted_in_runs} ({self.opted_in_share:.0%}) "
            f"files={self.files} bytes={self.bytes} ({self.bytes / MB:.1f} MB) "
            f"planted_failures={sum(self.failures_by_day.values())} secrets={self.secrets} "
            f"bug_pool={self.bug_pool} seconds={self.seconds:.1f}"
        )


class _Writer:
    """Shared state for one generation: RNG, bug pool with Zipf weights, filler, counters."""

    def __init__(self, root: Path, seed: int, info: CorpusInfo) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.pool = bug_pool(seed)
        weights = [1.0 / (k + 1) ** 1.1 for k in range(len(self.pool))]
        acc = 0.0
        self.cum: list[float] = []
        for w in weights:
            acc += w
            self.cum.append(acc)
        self.info = info
        info.bug_pool = len(self.pool)
        srng = random.Random(f"secrets-{seed}")
        self.secrets = [ln for _ in range(40) for ln in secret_lines(srng)]
        self.normal = [
            ln.replace("{n}", str(i % 97 + 1)).replace("{p}", f"{i % 100:2d}")
            for i, ln in enumerate(_NORMAL_LINES * 24)
        ]
        self.seq = 0

    def bugs(self, k: int) -> list[Bug]:
        return self.rng.choices(self.pool, cum_weights=self.cum, k=k)

    def filler(self, n_lines: int) -> Iterator[str]:
        """Normal log lines with a planted secret about every 50 lines."""
        rng = self.rng
        i = rng.randrange(len(self.normal))
        nxt = rng.randrange(35, 65)
        normal, secrets = self.normal, self.secrets
        for j in range(n_lines):
            if j == nxt:
                nxt += rng.randrange(35, 65)
                self.info.secrets += 1
                yield secrets[(i * 7 + j) % len(secrets)]
            else:
                i = (i + 1) % len(normal)
                yield normal[i]

    def write(self, path: Path, text: str | bytes, started: datetime) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode() if isinstance(text, str) else text
        path.write_bytes(data)
        ts = started.timestamp()
        os.utime(path, (ts, ts))
        self.info.files += 1
        self.info.bytes += len(data)


_PROVIDERS = (
    ("github-actions", "gha-99{:08d}", WORKSPACES[0]),
    ("gitlab-ci", "gl-44{:05d}", WORKSPACES[1]),
    ("jenkins", "jk-shop-main-{}", WORKSPACES[2]),
    ("buildkite", "bk-shop-{}", WORKSPACES[3]),
)

# Format mix by share of runs; logs are also the biggest files, so they dominate bytes.
_KINDS = (
    ("gha-log", 30),
    ("pytest", 20),
    ("surefire", 10),
    ("jest-junit", 8),
    ("playwright", 8),
    ("jest-json", 8),
    ("go-json", 8),
    ("cargo-log", 4),
    ("agent", 4),
)


def _run(w: _Writer, day: date, target_bytes: int, in_window: bool) -> None:
    rng = w.rng
    w.seq += 1
    kind = rng.choices([k for k, _ in _KINDS], [s for _, s in _KINDS])[0]
    prov, fmt, ws = rng.choice(_PROVIDERS)
    if kind == "cargo-log":
        prov, fmt, ws = _PROVIDERS[3]
    run_id = fmt.format(day.toordinal() % 1000 * 10_000 + w.seq)
    if kind == "agent":
        prov, run_id, ws = "agent", f"agent-{day.isoformat()}-{w.seq}", "/srv/agent/work/shop"
    started = datetime(
        day.year,
        day.month,
        day.day,
        rng.randrange(0, 20),
        rng.randrange(60),
        rng.randrange(60),
        tzinfo=UTC,
    )
    job_type = {"playwright": "visual", "agent": "agent"}.get(
        kind, rng.choice(("unit", "unit", "unit", "smoke", "e2e", "coverage"))
    )
    branch = rng.choice(
        (
            "main",
            "main",
            f"feature/cart-{rng.randrange(100, 999)}",
            f"fix/pricing-{rng.randrange(100, 999)}",
        )
    )

    # Placement and opt-in: ~10% of runs are deliberately not collected.
    r = rng.random()
    top = "agent" if kind == "agent" else "ci"
    env: dict[str, object] = {"CI": "true", "NODE_ENV": "test"}
    run_json: str | None
    optin = True
    if r < 0.03:
        env["TELEMETRY"] = "0"
        optin = False
    elif r < 0.08:
        # 0.03..0.06: TELEMETRY missing; 0.06..0.08: run.json unreadable (cut short below).
        optin = False
    elif r < 0.10:
        top = "telemetry-optin"
        optin = False
    elif r < 0.20:
        top = "telemetry-optin"
    else:
        env["TELEMETRY"] = rng.choice(("1", 1))
    if r < 0.10 and rng.random() < 0.5:
        pw = "".join(rng.choice(_ALNUM) for _ in range(16))
        env["DATABASE_URL"] = f"postgres://app:{pw}@db-1.corp.example.internal/shop"
    meta: dict[str, object] = {
        "run_id": run_id,
        "provider": prov,
        "job_type": job_type,
        "branch": branch,
        "pr": None if branch == "main" else rng.randrange(4000, 5200),
        "commit": f"{rng.getrandbits(28):07x}",
        "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "env": env,
    }
    if 0.06 <= r < 0.08:
        run_json = json.dumps(meta)[:-7]  # cut short: an unreadable run.json
    elif 0.08 <= r < 0.10:
        run_json = json.dumps({**meta, "telemetry": False})
    elif top == "telemetry-optin" and rng.random() < 0.3:
        run_json = None
    else:
        run_json = json.dumps(meta, indent=2)
    run_dir = w.root / top / run_id
    if run_json is not None:
        w.write(run_dir / "run.json", run_json, started)

    n_fail = rng.choice((0, 1, 1, 2, 2, 3, 4, 6))
    bugs = w.bugs(n_fail)
    lang_want = _LANG.get(kind)
    if lang_want:
        bugs = [b for b in bugs if b.language == lang_want] or [
            b for b in w.bugs(12) if b.language == lang_want
        ][:1]
    _render(w, kind, run_dir, bugs, started, target_bytes, ws)
    w.info.runs += 1
    if optin:
        w.info.opted_in_runs += 1
        if in_window:
            w.info.failures_by_day[day.isoformat()] = w.info.failures_by_day.get(
                day.isoformat(), 0
            ) + len(bugs)


_COLOUR = re.compile(r"^(\S+Z )(.+)$", re.MULTILINE)


def _line_style(text: str, k: int) -> str:
    """How CI wrote a step log: one in eight from a Windows runner (CRLF line ends), one in
    eight with a colour code on every line (a tool that forces colour), the rest plain. Picked by
    the file's position, not the random stream, so no other artifact changes with it."""
    if k % 8 == 3:
        return text.replace("\n", "\r\n")
    if k % 8 == 5:
        return _COLOUR.sub("\\1\x1b[36m\\2\x1b[0m", text)
    return text


def _render(
    w: _Writer,
    kind: str,
    run_dir: Path,
    bugs: list[Bug],
    started: datetime,
    target: int,
    ws: str,
    rel: str | None = None,
) -> None:
    """Write one artifact of ``kind`` (at its usual name, or at ``rel`` inside the run)."""
    rng = w.rng

    def at(default: str) -> Path:
        return run_dir / (rel or default)

    if kind in ("gha-log", "agent", "cargo-log"):
        n_lines = max(50, target // 80)
        parts: list[str] = []
        cuts = sorted(rng.randrange(n_lines) for _ in bugs)
        clock = GhaClock(started, step_us=max(500, 3_000_000_000 // n_lines))
        pos = 0
        for cut, bug in zip(cuts, bugs, strict=True):
            parts.append("\n".join(w.filler(cut - pos)))
            parts.append("\n" + _trace_for_log(bug, rng, ws) + "\n")
            pos = cut
        parts.append("\n".join(w.filler(n_lines - pos)))
        body = "".join(parts)
        if kind == "gha-log":
            text = (
                "##[group]Run pytest -q --tb=native\n"
                + body
                + "\n##[endgroup]\n##[error]Process completed with exit code 1."
            )
            w.write(at("logs/1_test.txt"), _line_style(clock.lines(text), w.info.files), started)
        elif kind == "agent":
            stamp = started.strftime("%Y-%m-%d %H:%M:%S")
            text = "\n".join(
                f"{stamp},{i % 1000:03d} INFO agent.runner {ln}"
                for i, ln in enumerate(body.split("\n"))
            )
            w.write(at("agent.log"), text + "\n", started)
        else:
            w.write(at("cargo-test.log"), body + "\n", started)
        return
    n_pass = max(5, target // 110)
    if kind == "pytest":
        cases = [
            Case(f"tests.unit.test_mod{i % 37}", f"test_case_{i}[param-{i % 13}]", 0.003 * (i % 50))
            for i in range(n_pass)
        ]
        for b in bugs:
            tb = python_traceback(b, rng, ws)
            cases.insert(
                rng.randrange(len(cases)),
                Case(
                    b.test_id.split("::")[0][:-3].replace("/", "."),
                    b.test_id.split("::")[-1],
                    rng.uniform(0.01, 6),
                    tb,
                    tb.rsplit("\n", 1)[-1],
                ),
            )
        w.write(
            at("reports/junit.xml"),
            junit_pytest(cases, started, f"runner-{rng.randrange(99)}"),
            started,
        )
    elif kind == "surefire":
        # One report per test class when ``rel`` names it (TEST-<class>.xml), else one for all.
        suite, klass = "com.acme.shop.AllTests", "com.acme.shop.orders.OrderRepositoryTest"
        if rel and Path(rel).name.startswith("TEST-"):
            suite = klass = Path(rel).stem.removeprefix("TEST-")
        cases = [Case(klass, f"savesOrder{i}", 0.01 * (i % 30)) for i in range(n_pass)]
        for b in bugs:
            tr = java_trace(b, rng)
            cls, _, meth = b.test_id.rpartition(".")
            cases.append(
                Case(
                    cls,
                    meth,
                    rng.uniform(0.1, 4),
                    tr,
                    tr.split("\n", 1)[0].partition(": ")[2],
                    b.exception,
                    "error",
                )
            )
        w.write(
            at("target/surefire-reports/TEST-com.acme.shop.AllTests.xml"),
            junit_surefire(suite, cases, {"java.version": "21.0.5"}),
            started,
        )
    elif kind in ("jest-junit", "jest-json"):
        cases = [Case("money", f"formats amount {i}", 0.002) for i in range(n_pass)]
        files: list[tuple[str, list[Case]]] = [(f"{ws}/web/src/lib/__tests__/money.test.ts", cases)]
        for b in bugs:
            files.append(
                (
                    f"{ws}/{b.sites[0].file}",
                    [Case(b.test_id.split(" ")[0], b.test_id, 0.05, node_stack(b, rng, ws))],
                )
            )
        if kind == "jest-junit":
            w.write(
                at("junit/jest-junit.xml"),
                junit_jest([(p.rsplit("/", 1)[-1], cs) for p, cs in files], started),
                started,
            )
        else:
            w.write(at("jest-results.json"), jest_json(files, started), started)
    elif kind == "playwright":
        tests = [
            PwTest(
                f"specs/page{i % 20}.spec.ts",
                "pages",
                f"page {i} matches snapshot",
                10 + i % 90,
                (("passed", None, None),),
            )
            for i in range(max(3, n_pass // 6))
        ]
        for b in bugs:
            st = node_stack(b, rng, ws)
            first = st.split("\n", 1)[0]
            att: tuple[tuple[str, str | None, str | None], ...] = (("failed", first, st),) * 2
            if rng.random() < 0.3:
                att = (("failed", first, st), ("passed", None, None))
            tests.append(
                PwTest(
                    b.sites[0].file.replace("web/src/__tests__/", "specs/"),
                    "ui",
                    b.test_id,
                    b.sites[0].line,
                    att,
                )
            )
        w.write(
            at("playwright-report/results.json"),
            playwright_json(tests, f"{ws}/web/tests", started, retries=1),
            started,
        )
    elif kind == "go-json":
        pkg = "github.com/acme/shop/services/inventory/internal/ledger"
        tests_go: list[tuple[str, str | None]] = [
            (f"TestLedger{i}", None) for i in range(n_pass // 4)
        ]
        for b in bugs:
            tests_go.append((b.test_id.rsplit(".", 1)[-1], go_panic(b, rng, ws)))
        w.write(at("go-test.json"), go_test_json(pkg, tests_go, started), started)


def _trace_for_log(bug: Bug, rng: random.Random, ws: str) -> str:
    if bug.language == "python":
        return python_traceback(bug, rng, ws)
    if bug.language == "java":
        return java_trace(bug, rng)
    if bug.language == "javascript":
        return node_stack(bug, rng, ws)
    if bug.language == "go":
        return go_panic(bug, rng, ws)
    return rust_panic(bug, rng)


def generate_corpus(
    root: Path, *, total_mb: float, report_date: date, days: int = 14, seed: int = 0
) -> CorpusInfo:
    """Write about ``total_mb`` of runs under ``root`` for the ``days`` days ending ``report_date``.

    About 3% of runs fall outside the window (before it and after ``report_date``); ``other/``
    holds a few files that must never be opened.
    """
    t0 = time.perf_counter()
    root.mkdir(parents=True, exist_ok=True)
    info = CorpusInfo(root=root)
    w = _Writer(root, seed, info)
    budget = int(total_mb * MB)
    mean = max(64 * 1024, min(3 * MB, budget // 250))
    first = report_date - timedelta(days=days - 1)
    while info.bytes < budget:
        rr = w.rng.random()
        if rr < 0.015:
            day, inside = first - timedelta(days=w.rng.randrange(1, 5)), False
        elif rr < 0.03:
            day, inside = report_date + timedelta(days=w.rng.randrange(1, 3)), False
        else:
            day, inside = first + timedelta(days=w.rng.randrange(days)), True
        size = int(min(budget - info.bytes + 4096, w.rng.lognormvariate(0, 0.8) * mean))
        _run(w, day, max(4096, size), inside)
    other = root / "other" / "nightly-dump"
    other.mkdir(parents=True, exist_ok=True)
    (other / "README.txt").write_text("not telemetry; must never be opened\n")
    info.seconds = time.perf_counter() - t0
    return info


def add_next_day(root: Path, day: date, mb: float, *, seed: int = 0) -> CorpusInfo:
    """Add about ``mb`` of opted-in and not-opted-in runs dated ``day`` to an existing root.

    Uses the same bug pool as ``generate_corpus`` with ``seed`` (so groups overlap) and run ids
    that cannot collide with the ones already there.
    """
    t0 = time.perf_counter()
    info = CorpusInfo(root=root)
    w = _Writer(root, seed * 1_000_003 + day.toordinal(), info)
    w.pool = bug_pool(seed)
    w.seq = 5_000
    budget = int(mb * MB)
    mean = max(64 * 1024, min(3 * MB, budget // 20))
    while info.bytes < budget:
        size = int(min(budget - info.bytes + 4096, w.rng.lognormvariate(0, 0.8) * mean))
        _run(w, day, max(4096, size), True)
    info.seconds = time.perf_counter() - t0
    return info


# --------------------------------------------------------------------------------------------
# The many-small-files shape: what CI really uploads
# --------------------------------------------------------------------------------------------

# Run kinds of the many-files shape by share of runs, with how many files one run writes.
# Surefire writes one report per test class, sharded runners one per shard, ``go test -json``
# one stream per package when CI splits by package; every step of a job leaves a small log.
_MANY_KINDS = (
    ("surefire-classes", 18, (20, 90)),
    ("pytest-shards", 16, (4, 16)),
    ("jest-json-shards", 12, (4, 16)),
    ("jest-junit-shards", 8, (4, 12)),
    ("go-packages", 12, (6, 30)),
    ("playwright-shards", 10, (2, 8)),
    ("step-logs", 16, (4, 14)),
    ("cargo-logs", 4, (2, 6)),
    ("agent-logs", 4, (2, 6)),
)
_SMALL_KIND = {
    "surefire-classes": "surefire",
    "pytest-shards": "pytest",
    "jest-json-shards": "jest-json",
    "jest-junit-shards": "jest-junit",
    "go-packages": "go-json",
    "playwright-shards": "playwright",
    "step-logs": "gha-log",
    "cargo-logs": "cargo-log",
    "agent-logs": "agent",
}
_LANG = {
    "pytest": "python",
    "surefire": "java",
    "jest-junit": "javascript",
    "playwright": "javascript",
    "jest-json": "javascript",
    "go-json": "go",
    "cargo-log": "rust",
    "agent": "python",
}
_JAVA_SUITES = ("orders", "payments", "catalog", "inventory", "shipping", "accounts", "search")


def _small_size(rng: random.Random) -> int:
    """Most CI reports are 1-10 KB (median about 2.2 KB); clipped lognormal."""
    return int(min(10_240, max(1_024, rng.lognormvariate(7.7, 0.6))))


def _many_files_run(w: _Writer, day: date, inside: bool, big_log_every: int) -> None:
    rng = w.rng
    w.seq += 1
    kind, _, (lo, hi) = rng.choices(_MANY_KINDS, [s for _, s, _ in _MANY_KINDS])[0]
    prov, fmt, ws = rng.choice(_PROVIDERS)
    run_id = fmt.format(day.toordinal() % 1000 * 10_000 + w.seq)
    started = datetime(
        day.year, day.month, day.day, rng.randrange(20), rng.randrange(60), rng.randrange(60),
        tzinfo=UTC,
    )  # fmt: skip
    top = "agent" if kind == "agent-logs" else "ci"
    if kind == "agent-logs":
        prov, run_id, ws = "agent", f"agent-{day.isoformat()}-{w.seq}", "/srv/agent/work/shop"
    optin = rng.random() >= 0.08  # ~8% of runs say TELEMETRY=0: counted, never opened
    meta = {
        "run_id": run_id,
        "provider": prov,
        "job_type": "visual" if kind == "playwright-shards" else "unit",
        "branch": rng.choice(("main", "main", f"feature/cart-{rng.randrange(100, 999)}")),
        "commit": f"{rng.getrandbits(28):07x}",
        "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "env": {"CI": "true", "TELEMETRY": "1" if optin else "0"},
    }
    run_dir = w.root / top / run_id
    w.write(run_dir / "run.json", json.dumps(meta, indent=2), started)
    small = _SMALL_KIND[kind]
    lang = _LANG.get(small)
    planted = 0
    for k in range(rng.randint(lo, hi)):
        bugs: list[Bug] = []
        if rng.random() < 0.12:
            bugs = [b for b in w.bugs(8) if lang is None or b.language == lang][:1]
        planted += len(bugs)
        size = _small_size(rng)
        if small in ("gha-log", "cargo-log", "agent") and rng.randrange(big_log_every) == 0:
            size = rng.randrange(1, 4) * MB  # the occasional MB-sized full job log
        # Shards and packages start at their own times, so no two reports are byte-identical.
        at = started + timedelta(seconds=rng.randrange(1, 1800))
        _render(w, small, run_dir, bugs, at, size, ws, rel=_many_name(small, k))
    # A small step log beside every structured report set (setup, cache restore, upload).
    if small not in ("gha-log", "cargo-log", "agent"):
        _render(w, "gha-log", run_dir, [], started, _small_size(rng), ws, rel="logs/0_setup.txt")
    w.info.runs += 1
    if optin:
        w.info.opted_in_runs += 1
        if inside:
            key = day.isoformat()
            w.info.failures_by_day[key] = w.info.failures_by_day.get(key, 0) + planted


def _many_name(kind: str, k: int) -> str:
    if kind == "surefire":
        suite = _JAVA_SUITES[k % len(_JAVA_SUITES)]
        return f"target/surefire-reports/TEST-com.acme.shop.{suite}.Case{k:03d}Test.xml"
    return {
        "pytest": f"reports/junit-shard-{k}.xml",
        "jest-json": f"jest/results-shard-{k}.json",
        "jest-junit": f"junit/jest-junit-shard-{k}.xml",
        "go-json": f"go-test/pkg{k:02d}.json",
        "playwright": f"playwright-report/results-shard-{k}.json",
        "gha-log": f"logs/{k + 1}_step.txt",
        "cargo-log": f"logs/cargo-test-{k}.log",
        "agent": f"logs/agent-{k}.log",
    }[kind]


def generate_many_files(
    root: Path, *, files: int, report_date: date, days: int = 14, seed: int = 0
) -> CorpusInfo:
    """Write about ``files`` artifacts (plus run.json files) as CI uploads them: many 1-10 KB
    reports (Surefire per test class, per-shard pytest/jest/Playwright reports, ``go test
    -json`` per package, step logs) and a few MB-sized logs, over the ``days`` days ending
    ``report_date``."""
    t0 = time.perf_counter()
    root.mkdir(parents=True, exist_ok=True)
    info = CorpusInfo(root=root)
    w = _Writer(root, seed, info)
    first = report_date - timedelta(days=days - 1)
    # files counts run.json too; about one run folder per 25 artifacts.
    while info.files - info.runs < files:
        day = first + timedelta(days=w.rng.randrange(days))
        _many_files_run(w, day, True, big_log_every=150)
    info.seconds = time.perf_counter() - t0
    return info


def add_next_day_many_files(root: Path, day: date, files: int, *, seed: int = 0) -> CorpusInfo:
    """One more day of the many-files shape (same bug pool, run ids that cannot collide)."""
    t0 = time.perf_counter()
    info = CorpusInfo(root=root)
    w = _Writer(root, seed * 1_000_003 + day.toordinal(), info)
    w.pool = bug_pool(seed)
    w.seq = 5_000
    while info.files - info.runs < files:
        _many_files_run(w, day, True, big_log_every=150)
    info.seconds = time.perf_counter() - t0
    return info


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--mb", type=float, default=100.0)
    ap.add_argument(
        "--files", type=int, default=0, help="write the many-small-files shape of N artifacts"
    )
    ap.add_argument("--date", type=date.fromisoformat, default=date(2026, 11, 22))
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--next-day-mb",
        type=float,
        default=0.0,
        help="also add this many MB of runs dated the day after --date",
    )
    args = ap.parse_args(argv)
    if args.files:
        info = generate_many_files(
            args.out_dir, files=args.files, report_date=args.date, days=args.days, seed=args.seed
        )
    else:
        info = generate_corpus(
            args.out_dir, total_mb=args.mb, report_date=args.date, days=args.days, seed=args.seed
        )
    print(info.summary())
    if args.next_day_mb:
        nxt = add_next_day(
            args.out_dir, args.date + timedelta(days=1), args.next_day_mb, seed=args.seed
        )
        print("next day:", nxt.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
