"""Specification of the plain-log parser: one failure per trace in real-shaped CI logs, pytest
summaries merged, timestamps as occurrence times, error lines only when no trace exists, and
linear, never-raising behaviour on arbitrary or huge input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telemetry_assets.core.models import Failure
from telemetry_assets.core.parsers import plain_log

LOGS = Path(__file__).resolve().parents[2] / "inputs" / "plain_log"


def _parse(name: str) -> tuple[Failure, ...]:
    return plain_log.parse((LOGS / name).read_text(), name).failures


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (fixture, expected per failure in order); "frames" lists (file, function, line) outermost first.
CASES: list[tuple[str, list[dict[str, Any]]]] = [
    (
        "gha-pytest-two-failures-chained.log",
        [
            {
                "test_id": "tests/test_cart.py::TestCart::test_total",
                "test_file": "tests/test_cart.py",
                "exception_type": "AssertionError",
                "message_first_line": "assert 3 == 4",
                "frames": [("tests/test_cart.py", "test_total", 42)],
                "kind": "failure",
                "language": "python",
                "occurred_at": _at("2026-11-20T10:11:12.007"),
            },
            {
                "test_id": "tests/test_sync.py::test_sync_orders",
                "exception_type": "shop.errors.SyncError",
                "message": "orders service unreachable",
                "chained": (("ConnectionRefusedError", "[Errno 111] Connection refused"),),
                "frames": [
                    ("tests/test_sync.py", "test_sync_orders", 18),
                    ("src/shop/sync.py", "run_sync", 41),
                ],
                # the 7-digit fraction is cut to microseconds
                "occurred_at": _at("2026-11-20T10:11:12.123456"),
                # the test's captured log is its output, not its failure
                "absent": ("Captured log call",),
            },
        ],
    ),
    (
        "maven-surefire-caused-by.log",
        [
            {
                "test_id": "com.acme.shop.OrderServiceTest.loadsOrder",
                "kind": "error",
                "language": "java",
                "exception_type": "java.net.ConnectException",
                "chained": (("java.lang.IllegalStateException", "Failed to load order 42"),),
                "outermost": ("ReflectionUtils.java", "invokeMethod", 728),
                "innermost": (None, "connect0", None),
                "occurred_at": None,
            }
        ],
    ),
    (
        "jest-node-ci.log",
        [
            {
                "test_id": "Table › renders rows",
                "exception_type": "TypeError",
                "frames": [
                    ("src/ui/Table.test.tsx", "Object.<anonymous>", 10),
                    ("src/ui/Table.tsx", "render", 42),
                ],
            },
            {
                "test_id": "sum › adds numbers",
                "exception_type": None,
                "message_first_line": "expect(received).toBe(expected) // Object.is equality",
            },
            {
                "test_id": None,
                "kind": "crash",
                "exception_type": "Error",
                "outermost": (
                    "/home/runner/work/shop-ui/shop-ui/scripts/coverage.mjs",
                    "main",
                    12,
                ),
                "occurred_at": _at("2026-11-20T09:01:05.004"),
            },
        ],
    ),
    (
        "go-test-panic-goroutines.log",
        [
            {
                "test_id": "TestParsePrice",
                "message": 'ParsePrice("12,50") = 1250, want 12.5',
                "frames": [("price_test.go", "TestParsePrice", 21)],
                "language": "go",
            },
            {
                "test_id": "TestTotal",  # from the --- FAIL line printed before the panic
                "exception_type": "panic",
                "contains": ("/home/runner/work/shop/shop/cart/cart.go", "(*Cart).Total", 42),
            },
        ],
    ),
    (
        "cargo-test-backtrace-short.log",
        [
            {
                "test_id": "config::tests::parses_port",
                "test_file": None,
                "language": "rust",
                "message": "assertion `left == right` failed\n  left: 8080\n right: 80",
                "innermost": (
                    "/rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/std/src/panicking.rs",
                    "rust_begin_unwind",
                    645,
                ),
            }
        ],
    ),
    (
        "rust-binary-backtrace-full.log",
        [
            {
                "kind": "crash",
                "message": "config file missing: /etc/shop.toml",
                "outermost": ("/builds/acme/shop/src/main.rs", "shop_migrate::main", 20),
                "occurred_at": _at("2026-11-20T10:11:13"),
            }
        ],
    ),
    (
        "gha-only-error-lines.log",
        [
            {
                "kind": "log",
                "frames": [],
                "message": (
                    "Unable to find Node version '23.99' for platform linux and architecture x64."
                ),
                "occurred_at": _at("2026-11-20T11:00:03.7"),
            }
        ],
    ),
    (
        # Python logging prints a record, then the traceback unstamped; the records after it
        # (a DEBUG line, a PEM key the agent read) are not part of the exception's message.
        "agent-log-with-trailing-records.log",
        [
            {
                "exception_type": "tools.agent.tools.patch.PatchFormatError",
                "message": "hunk header malformed at line 9",
                "trace_last_line": (
                    "tools.agent.tools.patch.PatchFormatError: hunk header malformed at line 9"
                ),
                "outermost": ("/Users/bob/src/shop/tools/agent/runner.py", "main", 213),
                "innermost": (
                    "/Users/bob/src/shop/tools/agent/tools/patch.py",
                    "apply_patch",
                    57,
                ),
                "absent": ("BEGIN", "DEBUG", "MIIB", "16:40:12"),
                # the time of the log record that printed the traceback
                "occurred_at": _at("2026-11-18T16:40:10.398"),
            },
            {
                "exception_type": "tools.agent.errors.ToolError",
                # a true multi-line message (the tool's stderr) is kept whole
                "message": (
                    "pytest exited with status 1\n"
                    "tests/test_checkout.py::test_total_with_coupon FAILED"
                ),
                "absent": ("giving up",),
                "occurred_at": _at("2026-11-18T16:40:19.010"),
            },
        ],
    ),
    (
        "npm-err.log",
        [
            {
                "kind": "log",
                "exception_type": "ELIFECYCLE",
                "message": "shop-ui@1.4.0 build: `vite build`",
            }
        ],
    ),
]


def _triples(failure: Failure) -> list[tuple[str | None, str | None, int | None]]:
    return [(f.file, f.function, f.line) for f in failure.frames]


@pytest.mark.parametrize(("name", "expected"), CASES, ids=[c[0] for c in CASES])
def test_log_fixture(name: str, expected: list[dict[str, Any]]) -> None:
    failures = _parse(name)
    assert len(failures) == len(expected)
    for failure, fields in zip(failures, expected, strict=True):
        assert failure.source_format == "plain_log"
        frames = _triples(failure)
        for key, value in fields.items():
            if key == "frames":
                assert frames == value
            elif key == "outermost":
                assert frames[0] == value
            elif key == "innermost":
                assert frames[-1] == value
            elif key == "contains":
                assert value in frames
            elif key == "message_first_line":
                assert failure.message.splitlines()[0] == value
            elif key == "trace_last_line":
                assert failure.trace.splitlines()[-1] == value
            elif key == "absent":
                for text in value:
                    assert text not in failure.message, text
                    assert text not in failure.trace, text
            else:
                assert getattr(failure, key) == value, key


LINE_CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "exit-code-line-alone-is-a-log-failure",
        "2026-11-20T10:00:00.0000000Z ##[error]Process completed with exit code 2.\n",
        {"count": 1, "message": "Process completed with exit code 2."},
    ),
    (
        "error-lines-dropped-when-a-trace-exists",
        "##[error]Something failed\nTraceback (most recent call last):\n"
        '  File "a.py", line 1, in <module>\nValueError: bad\n',
        {"count": 1, "exception_type": "ValueError"},
    ),
    (
        "rustc-error-code-is-the-type",
        "error[E0425]: cannot find value `x` in this scope\n --> src/main.rs:3:13\n",
        {"count": 1, "exception_type": "error[E0425]", "kind": "build"},
    ),
    ("fatal-line", "FATAL: password authentication failed\n", {"count": 1, "kind": "log"}),
    (
        "gitlab-bracket-stamp-with-offset",
        "[2026-11-20 12:11:12+02:00] Error: deploy failed\n",
        {"count": 1, "occurred_at": _at("2026-11-20T10:11:12"), "message": "deploy failed"},
    ),
    (
        "summary-without-section-stands-alone",
        "FAILED tests/test_a.py::test_b - KeyError: 'k'\n",
        {"count": 1, "test_id": "tests/test_a.py::test_b", "exception_type": "KeyError"},
    ),
    (
        "group-markers-do-not-end-a-traceback",
        "Traceback (most recent call last):\n##[group]noise\n"
        '  File "a.py", line 1, in <module>\n##[endgroup]\nOSError: disk\n',
        {"count": 1, "exception_type": "OSError", "frames": [("a.py", "<module>", 1)]},
    ),
    ("clean-log", "all 31 tests passed\n", {"count": 0}),
]

_TB = 'Traceback (most recent call last):\n  File "app/jobs.py", line 12, in run\n    sync()\n'
_GHA = "2026-11-20T10:11:12.1234567Z "

# Where an exception's message ends: at the first line that starts a new log record, never later.
MESSAGE_END_CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "python-stops-at-logger-record-with-comma-millis",
        _TB + "ValueError: bad row 7\n2026-11-18 16:40:12,131 DEBUG   jobs step 6\n",
        {"message": "bad row 7", "trace_last_line": "ValueError: bad row 7"},
    ),
    (
        "python-stops-at-level-word-without-stamp",
        _TB + "ValueError: bad row 7\nINFO:jobs:retrying in 5s\n",
        {"message": "bad row 7"},
    ),
    (
        "python-stops-at-bracketed-stamp",
        _TB + "ValueError: bad row 7\n[2026-11-18 16:40:12] retrying\n",
        {"message": "bad row 7"},
    ),
    (
        "python-stops-at-pem-armour",
        _TB
        + "ValueError: bad row 7\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n",
        {"message": "bad row 7", "absent": ("BEGIN", "b3Bl")},
    ),
    (
        "python-stops-at-gha-marker",
        "".join(
            _GHA + x + "\n"
            for x in (*_TB.splitlines(), "ValueError: bad row 7", "##[error]Process failed")
        ),
        {"message": "bad row 7"},
    ),
    (
        "python-in-gha-stops-at-inner-logger-record",
        "".join(
            _GHA + x + "\n"
            for x in (
                *_TB.splitlines(),
                "ValueError: bad row 7",
                "2026-11-20 10:11:12,400 WARNING jobs giving up",
            )
        ),
        {"message": "bad row 7", "absent": ("giving up",)},
    ),
    (
        "python-stops-at-next-traceback",
        _TB + "ValueError: bad row 7\n" + _TB + "KeyError: 'sku'\n",
        {"count": 2, "message": "bad row 7"},
    ),
    (
        "python-keeps-pytest-assertion-introspection",
        _TB + "AssertionError: assert 3 == 4\n +  where 3 = len([1, 2, 3])\n\nok\n",
        {"message": "assert 3 == 4\n +  where 3 = len([1, 2, 3])"},
    ),
    (
        "python-keeps-unprefixed-continuation",
        _TB + "RuntimeError: migration failed\ntable orders is locked\n\n",
        {"message": "migration failed\ntable orders is locked"},
    ),
    (
        "java-caused-by-message-stops-at-record",
        "java.lang.IllegalStateException: load failed\n"
        "\tat com.acme.shop.OrderService.load(OrderService.java:88)\n"
        "Caused by: java.net.ConnectException: refused\n"
        "\tat com.acme.shop.Db.open(Db.java:12)\n"
        "Caused by: java.io.IOException: closed\n"
        "2026-11-18 16:40:12,131 INFO  c.a.s.Server shutting down\n",
        {"message": "closed", "absent": ("shutting down",)},
    ),
    (
        "java-trace-ends-at-stamped-record-after-unstamped-trace",
        "2026-11-18 16:40:10,398 ERROR c.a.s.Api request failed\n"
        "java.lang.IllegalStateException: load failed\n"
        "\tat com.acme.shop.OrderService.load(OrderService.java:88)\n"
        "2026-11-18 16:40:10,400 DEBUG c.a.s.Api \tat is not a frame here\n",
        {
            "message": "load failed",
            "absent": ("request failed", "not a frame"),
            "occurred_at": _at("2026-11-18T16:40:10.398"),
        },
    ),
    (
        "node-message-lookback-stops-at-record",
        "2026-11-18T16:40:10.398Z INFO server listening on 8080\n"
        "request to /orders failed\n"
        "    at handler (/app/src/orders.js:14:11)\n",
        {"message": "request to /orders failed", "absent": ("listening",)},
    ),
    (
        "node-error-line-with-its-own-stamp-is-kept",
        "2026-11-18T16:40:10.398Z TypeError: rows is undefined\n"
        "    at render (/app/src/table.js:14:11)\n",
        {"exception_type": "TypeError", "message": "rows is undefined"},
    ),
    (
        "go-panic-value-stops-at-record",
        "panic: close of closed channel\nINFO shutting down\n",
        {"message": "close of closed channel", "absent": ("shutting down",)},
    ),
    (
        "rust-message-ends-at-runtime-note",
        "thread 'main' panicked at src/main.rs:10:5:\nport missing\n"
        "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n"
        "Compiling shop v0.1.0\n",
        {"message": "port missing", "absent": ("Compiling",)},
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "expected"), MESSAGE_END_CASES, ids=[c[0] for c in MESSAGE_END_CASES]
)
def test_message_ends_at_next_log_record(name: str, text: str, expected: dict[str, Any]) -> None:
    failures = plain_log.parse(text, "job.log").failures
    assert len(failures) == expected.pop("count", 1)
    failure = failures[0]
    for key, value in expected.items():
        if key == "trace_last_line":
            assert failure.trace.splitlines()[-1] == value
        elif key == "absent":
            for text_part in value:
                assert text_part not in failure.message, text_part
                assert text_part not in failure.trace, text_part
        else:
            assert getattr(failure, key) == value, key


@pytest.mark.parametrize(("name", "text", "expected"), LINE_CASES, ids=[c[0] for c in LINE_CASES])
def test_log_lines(name: str, text: str, expected: dict[str, Any]) -> None:
    failures = plain_log.parse(text, "job.log").failures
    assert len(failures) == expected.pop("count")
    for key, value in expected.items():
        if key == "frames":
            assert _triples(failures[0]) == value
        else:
            assert getattr(failures[0], key) == value, key


def test_started_at_is_first_stamp() -> None:
    result = plain_log.parse((LOGS / "npm-err.log").read_text(), "npm-err.log")
    assert result.started_at == _at("2026-11-20T12:30:00")


def test_parse_lines_streams_same_result() -> None:
    text = (LOGS / "gha-pytest-two-failures-chained.log").read_text()
    streamed = plain_log.parse_lines(iter(text.splitlines(keepends=True)), "x.log")
    assert streamed == plain_log.parse(text, "x.log")


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("text", "2026-11-20T10:11:12.1234567Z hello\n", True),
        ("ansi-coloured-text", "\x1b[31mFAIL\x1b[0m src/a.test.js\n", True),
        ("nul-bytes", "PK\x03\x04\x00\x00binary", False),
        ("control-heavy", "\x01\x02\x03\x04\x05\x06" * 50, False),
    ],
)
def test_sniff(name: str, head: str, expected: bool) -> None:
    assert plain_log.sniff(head, "x.log") is expected


def test_huge_single_line_is_linear_and_cut() -> None:
    # Rates live in benchmarks/plain_log_throughput.py; a quadratic regression would not
    # finish here at all.
    huge = "Error: " + "x" * 50_000_000
    result = plain_log.parse(huge, "huge.log")
    assert len(result.failures) == 1
    assert len(result.failures[0].message) < 5000
    assert any("cut" in note for note in result.notes)


def test_many_traces_scale_linearly() -> None:
    one = (LOGS / "gha-pytest-two-failures-chained.log").read_text()
    result = plain_log.parse(one * 300, "big.log")
    assert len(result.failures) == 600


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=3000))
def test_parse_never_raises_and_is_deterministic(text: str) -> None:
    first = plain_log.parse(text, "x.log")
    assert first == plain_log.parse(text, "x.log")
    assert all(f.source_format == "plain_log" for f in first.failures)


TRACE_SHAPED = st.sampled_from(
    [
        "Traceback (most recent call last):",
        '  File "app/jobs.py", line 3, in run',
        "    sync()",
        "ValueError: bad row",
        "second message line",
        "The above exception was the direct cause of the following exception:",
        'Exception in thread "main" java.lang.IllegalStateException: x',
        "\tat com.acme.Jobs.run(Jobs.java:1)",
        "Caused by: java.io.IOException: y",
        "    at run (/app/jobs.js:1:2)",
        "TypeError: rows is undefined",
        "panic: boom",
        "goroutine 1 [running]:",
        "main.main()",
        "\t/app/main.go:3 +0x1",
        "thread 'main' panicked at src/main.rs:1:2:",
        "stack backtrace:",
        "   0: app::main",
        "",
    ]
)
LOG_RECORDS = st.sampled_from(
    [
        "2026-11-18 16:40:12,131 INFO    agent.runner record-marker step 6",
        "DEBUG agent.runner record-marker",
        "[2026-11-18 16:40:12] record-marker",
        "-----BEGIN RSA PRIVATE KEY----- record-marker",
        "##[error]record-marker",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(TRACE_SHAPED, LOG_RECORDS), max_size=40))
def test_log_records_never_join_a_trace(lines: list[str]) -> None:
    """Whatever traces the lines form, no log record ends up in a message or a trace's text."""
    result = plain_log.parse("\n".join(lines) + "\n", "agent.log")
    traces = [f for f in result.failures if f.frames or f.language]
    for failure in traces:
        assert "record-marker" not in failure.message
        assert "record-marker" not in failure.trace
