"""Specification of the plain-log parser: one failure per trace in real-shaped CI logs, pytest
summaries merged, timestamps as occurrence times, error lines only when no trace exists, and
linear, never-raising behaviour on arbitrary or huge input."""

from __future__ import annotations

import time
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
    huge = "Error: " + "x" * 50_000_000
    started = time.perf_counter()
    result = plain_log.parse(huge, "huge.log")
    assert time.perf_counter() - started < 5.0
    assert len(result.failures) == 1
    assert len(result.failures[0].message) < 5000
    assert any("cut" in note for note in result.notes)


def test_many_traces_scale_linearly() -> None:
    one = (LOGS / "gha-pytest-two-failures-chained.log").read_text()
    started = time.perf_counter()
    result = plain_log.parse(one * 300, "big.log")
    assert time.perf_counter() - started < 10.0
    assert len(result.failures) == 600


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=3000))
def test_parse_never_raises_and_is_deterministic(text: str) -> None:
    first = plain_log.parse(text, "x.log")
    assert first == plain_log.parse(text, "x.log")
    assert all(f.source_format == "plain_log" for f in first.failures)
