"""Specification of stack-trace extraction: one order of frames, the primary exception and the
chain for every language, read from real-shaped traces in ``inputs/traces``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telemetry_assets.core.parsers.stacktraces import parse_trace, split_traces

TRACES = Path(__file__).resolve().parents[2] / "inputs" / "traces"


def _read(name: str) -> str:
    return (TRACES / name).read_text()


# (fixture, hint, expected fields); frames as (file, function, line) outermost first.
FIXTURE_CASES: list[tuple[str, str | None, dict[str, Any]]] = [
    (
        "python-chained-cause.txt",
        None,
        {
            "language": "python",
            "exception_type": "requests.exceptions.ConnectionError",
            "message": "orders service unreachable\nretried 3 times",
            "chained": (("ConnectionRefusedError", "[Errno 111] Connection refused"),),
            "frames": [
                ("/home/runner/work/shop/shop/src/shop/sync.py", "run", 41),
                ("/home/runner/work/shop/shop/src/shop/client.py", "fetch", 90),
            ],
        },
    ),
    (
        "python-during-handling.txt",
        None,
        {
            "exception_type": "shop.cache.LookupFailed",
            "message": "sku-1",
            "chained": (("KeyError", "'sku-1'"),),
            "frames": [("src/shop/cache.py", "<module>", 30), ("src/shop/cache.py", "get", 14)],
        },
    ),
    (
        "python-exception-group.txt",
        None,
        {
            "exception_type": "ExceptionGroup",
            "chained": (("ValueError", "card declined"), ("TimeoutError", "carrier timeout")),
            "frames": [
                ("/app/src/shop/workers.py", "<module>", 55),
                ("/app/src/shop/workers.py", "main", 49),
            ],
        },
    ),
    (
        "pytest-junit-body.txt",
        "python",
        {
            "exception_type": "AssertionError",
            "message_first_line": "assert 3 == 4",
            "frames": [("tests/test_cart.py", "test_total", 42)],
        },
    ),
    (
        "pytest-junit-body.txt",
        None,  # no hint: pytest's report is still recognised
        {"exception_type": "AssertionError", "frames": [("tests/test_cart.py", "test_total", 42)]},
    ),
    (
        "pytest-short-style.txt",
        None,
        {
            "exception_type": "ValueError",
            "message": "unexpected status 503",
            "frames": [
                ("tests/test_sync.py", "test_sync_orders", 18),
                ("src/shop/sync.py", "run_sync", 41),
            ],
        },
    ),
    (
        "java-caused-by.txt",
        None,
        {
            "language": "java",
            "exception_type": "java.net.ConnectException",
            "message": "Connection refused",
            # outermost wrapper first; the Suppressed: exception is not part of the chain
            "chained": (
                ("java.lang.IllegalStateException", "Failed to load order 42"),
                (
                    "org.springframework.dao.DataAccessResourceFailureException",
                    "could not connect",
                ),
            ),
            # root cause frames completed with the "... 2 more" it shares with its wrapper
            "frames": [
                ("Main.java", "main", 14),
                ("OrderService.java", "load", 85),
                ("OrderRepository.java", "find", 29),
                ("PGStream.java", "<init>", 98),
                ("Net.java", "connect", 579),
                (None, "connect0", None),
            ],
        },
    ),
    (
        "kotlin-coroutines.txt",
        "kotlin",
        {
            "language": "java",
            "exception_type": "kotlin.KotlinNullPointerException",
            "frames": [
                (None, "run", None),
                ("DispatchedTask.kt", "run", 108),
                ("CheckoutController.kt", "post", 21),
                ("ContinuationImpl.kt", "resumeWith", 33),
                ("CheckoutService.kt", "invokeSuspend", 57),
            ],
        },
    ),
    (
        "node-typeerror.txt",
        None,
        {
            "language": "javascript",
            "exception_type": "TypeError",
            "message": "Cannot read properties of undefined (reading 'id')",
            "frames": [
                ("node:internal/process/task_queues", None, 95),
                (
                    "/home/runner/work/shop-ui/shop-ui/node_modules/jest-circus/build/utils.js",
                    None,
                    298,
                ),
                (
                    "/home/runner/work/shop-ui/shop-ui/src/ui/Table.test.tsx",
                    "Object.<anonymous>",
                    12,
                ),
                ("/home/runner/work/shop-ui/shop-ui/src/ui/TableView.ts", "TableView", 8),
                ("/home/runner/work/shop-ui/shop-ui/src/ui/rows.mjs", "loadRows", 10),
                ("src/ui/Table.tsx", "render", 42),
            ],
        },
    ),
    (
        "jest-failure-message.txt",
        "javascript",
        {
            "exception_type": "Error",
            "message": (
                "expect(received).toBe(expected) // Object.is equality\nExpected: 4\nReceived: 3"
            ),
            "innermost": ("/home/runner/work/shop-ui/shop-ui/src/sum.test.js", "Object.toBe", 4),
        },
    ),
    (
        "go-panic-goroutines.txt",
        None,
        {
            "language": "go",
            "exception_type": "panic",
            "message": "runtime error: invalid memory address or nil pointer dereference",
            "chained": (),  # the re-panic repeats the same value
            "frames_count": 6,  # goroutine 1 (not panicking) contributes nothing
            "outermost": (
                "/opt/hostedtoolcache/go/1.22.1/x64/src/testing/testing.go",
                "(*T).Run",
                1742,
            ),
            "innermost": (
                "/opt/hostedtoolcache/go/1.22.1/x64/src/testing/testing.go",
                "tRunner.func1.2",
                1631,
            ),
        },
    ),
    (
        "go-fatal-concurrent-map.txt",
        None,
        {
            "exception_type": "fatal error",
            "message": "concurrent map writes",
            "frames": [
                ("/home/runner/work/shop/shop/inventory/store.go", "Run", 70),
                ("/home/runner/work/shop/shop/inventory/store.go", "worker", 58),
                ("/home/runner/work/shop/shop/inventory/store.go", "(*Store).Put", 31),
            ],
        },
    ),
    (
        "rust-panic-new.txt",
        None,
        {
            "language": "rust",
            "exception_type": "panic",
            "message": "called `Option::unwrap()` on a `None` value",
            "frames": [("src/main.rs", None, 10)],
        },
    ),
    (
        "rust-panic-old.txt",
        None,
        {"message": 'invalid port: "80a"', "frames": [("src/config.rs", None, 27)]},
    ),
    (
        "rust-backtrace-short.txt",
        None,
        {
            "message": "config file missing: /etc/shop.toml",
            "frames_count": 5,
            "innermost": (
                "/rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/std/src/panicking.rs",
                "rust_begin_unwind",
                645,
            ),
            "contains": ("./src/main.rs", "shop::load_config", 10),
        },
    ),
    (
        "rust-backtrace-full.txt",
        None,
        {
            "frames_count": 5,
            # the ::h<16 hex> symbol hash is dropped
            "contains": ("/home/runner/work/shop/shop/src/main.rs", "shop::main", 20),
            "outermost": (None, "<F as core::ops::function::FnOnce<()>>::call_once", None),
        },
    ),
]


def _triples(info: Any) -> list[tuple[str | None, str | None, int | None]]:
    return [(f.file, f.function, f.line) for f in info.frames]


@pytest.mark.parametrize(
    ("name", "hint", "expected"),
    FIXTURE_CASES,
    ids=[f"{n}-{h or 'nohint'}" for n, h, _ in FIXTURE_CASES],
)
def test_trace_fixture(name: str, hint: str | None, expected: dict[str, Any]) -> None:
    info = parse_trace(_read(name), hint)
    frames = _triples(info)
    for key, value in expected.items():
        if key == "frames":
            assert frames == value
        elif key == "frames_count":
            assert len(frames) == value
        elif key == "outermost":
            assert frames[0] == value
        elif key == "innermost":
            assert frames[-1] == value
        elif key == "contains":
            assert value in frames
        elif key == "message_first_line":
            assert info.message.splitlines()[0] == value
        else:
            assert getattr(info, key) == value, key


INLINE_CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "java-thread-header-unknown-source",
        'Exception in thread "main" java.lang.IllegalStateException: not started\n'
        "\tat com.acme.App.start(Unknown Source)\n\tat com.acme.App.main(App.java:9)\n",
        {
            "exception_type": "java.lang.IllegalStateException",
            "message": "not started",
            "frames": [("App.java", "main", 9), (None, "start", None)],
        },
    ),
    (
        "java-module-and-classloader-prefixes",
        "java.lang.NullPointerException\n"
        "\tat app//com.acme.Foo.bar(Foo.java:3)\n"
        "\tat java.base/java.lang.Thread.run(Thread.java:833)\n",
        {
            "exception_type": "java.lang.NullPointerException",
            "modules": ["java.lang.Thread", "com.acme.Foo"],
        },
    ),
    (
        "node-uncaught-with-code",
        "Uncaught AssertionError [ERR_ASSERTION]: 1 == 2\n    at check (/srv/app/check.js:3:9)\n",
        {"exception_type": "AssertionError", "message": "1 == 2", "columns": [9]},
    ),
    (
        "node-bare-location-frames",
        "Error: boom\n    at /srv/app/a.js:1:2\n    at async Promise.all (index 0)\n",
        {"frames": [(None, "Promise.all", None), ("/srv/app/a.js", None, 1)]},
    ),
    (
        "python-bare-exception-no-message",
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in <module>\nKeyboardInterrupt\n',
        {"exception_type": "KeyboardInterrupt", "message": "", "frames": [("x.py", "<module>", 1)]},
    ),
    (
        "python-indented-traceback",
        '    Traceback (most recent call last):\n      File "a.py", line 2, in f\n'
        "        g()\n    ValueError: bad\n",
        {"exception_type": "ValueError", "message": "bad", "frames": [("a.py", "f", 2)]},
    ),
    (
        "ansi-coloured-jest-message",
        "\x1b[31mTypeError: x is not a function\x1b[39m\n    at run (src/run.js:5:3)\n",
        {"exception_type": "TypeError", "message": "x is not a function"},
    ),
    (
        "no-trace-typed-first-line",
        "org.opentest4j.AssertionFailedError: expected: <1> but was: <2>",
        {"exception_type": "org.opentest4j.AssertionFailedError", "frames": []},
    ),
    (
        "no-trace-prose",
        "expected 3 rows, got 2",
        {"exception_type": None, "message": "expected 3 rows, got 2", "language": None},
    ),
    ("empty", "", {"exception_type": None, "message": "", "frames": []}),
    (
        "python-message-in-body-stops-at-logger-record",
        'Traceback (most recent call last):\n  File "agent/loop.py", line 88, in run\n'
        "    step()\nagent.errors.ToolError: read failed\n"
        "2026-11-18 16:40:12,131 DEBUG   agent.runner step 6 tool=read_file\n",
        {"exception_type": "agent.errors.ToolError", "message": "read failed"},
    ),
    (
        "python-message-in-body-stops-at-pem",
        'Traceback (most recent call last):\n  File "agent/loop.py", line 88, in run\n'
        "    step()\nValueError: not a key\n-----BEGIN EC PRIVATE KEY-----\n",
        {"message": "not a key"},
    ),
    (
        "python-multi-line-message-in-body-kept",
        'Traceback (most recent call last):\n  File "agent/loop.py", line 88, in run\n'
        "    step()\nValueError: schema mismatch\ncolumn price: expected int, got str\n",
        {"message": "schema mismatch\ncolumn price: expected int, got str"},
    ),
    (
        "java-header-lookback-stops-at-log-record",
        "java.lang.IllegalStateException: boom\nINFO  c.a.s.Cache warmed\n"
        "\tat com.acme.shop.Cache.get(Cache.java:31)\n",
        {"exception_type": None, "frames": [("Cache.java", "get", 31)]},
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "expected"), INLINE_CASES, ids=[c[0] for c in INLINE_CASES]
)
def test_inline_trace(name: str, text: str, expected: dict[str, Any]) -> None:
    info = parse_trace(text)
    for key, value in expected.items():
        if key == "frames":
            assert _triples(info) == value
        elif key == "modules":
            assert [f.module for f in info.frames] == value
        elif key == "columns":
            assert [f.column for f in info.frames] == value
        else:
            assert getattr(info, key) == value, key


def test_hint_sets_language_for_frameless_text() -> None:
    assert parse_trace("AssertionError: boom", "python").language == "python"


def test_split_traces_finds_each_language_once() -> None:
    blob = "\n".join(
        _read(n)
        for n in ("python-chained-cause.txt", "java-caused-by.txt", "go-panic-goroutines.txt")
    )
    parts = split_traces("build output\n" + blob + "\ndone\n")
    assert len(parts) == 3
    assert parts[0].startswith("Traceback")
    assert parts[1].startswith("Exception in thread")
    assert parts[2].startswith("panic:")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=2000), st.sampled_from([None, "python", "java", "go", "rust", "node"]))
def test_parse_trace_never_raises_and_is_deterministic(text: str, hint: str | None) -> None:
    assert parse_trace(text, hint) == parse_trace(text, hint)


TRACE_LINES = st.sampled_from(
    [
        "Traceback (most recent call last):",
        '  File "a.py", line 3, in f',
        "ValueError: x",
        "The above exception was the direct cause of the following exception:",
        "\tat a.B.c(B.java:1)",
        "Caused by: java.io.IOException: y",
        "\t... 2 more",
        "    at f (a.js:1:2)",
        "panic: boom",
        "goroutine 1 [running]:",
        "main.main()",
        "\t/a/b.go:3 +0x1",
        "thread 'main' panicked at src/a.rs:1:2:",
        "stack backtrace:",
        "   0: a::b",
        "             at ./src/a.rs:1:2",
        "___ test_x ___",
        "E   assert 1 == 2",
        "FAILED t.py::test_x - ValueError: z",
        "--- FAIL: TestX (0.00s)",
        "",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(TRACE_LINES, st.text(max_size=40)), max_size=40))
def test_trace_shaped_noise_never_raises(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert parse_trace(text) == parse_trace(text)
    split_traces(text)
