"""Specification of Rust console output read by the plain-log parser: panics (old and new headers,
thread ids), libtest failures without a panic, Miri undefined-behaviour and abort reports, compiler
crashes; one failure per report, consequences folded into the report they follow, runtime frames
marked not in-app, and different panics kept apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from telemetry_assets.core.models import Failure
from telemetry_assets.core.parsers import plain_log
from telemetry_assets_tests.core.parsers._console_helpers import exact_failure_rate

LOGS = Path(__file__).resolve().parents[2] / "inputs" / "plain_log" / "rust"


def _parse_file(name: str) -> tuple[Failure, ...]:
    return plain_log.parse((LOGS / name).read_text(), name).failures


# (name, fixture, expected per failure in order). "innermost"/"outermost" are (file, function,
# in_app) of the first/last frame; "no_text" lists strings the failure's text must not hold.
FIXTURES: list[tuple[str, str, list[dict[str, Any]]]] = [
    (
        "libtest-terse: a panic, a should_panic test that did not panic, an Err return",
        "libtest-terse-mixed.log",
        [
            {
                "test_id": "money::tests::rounds_half_even",
                "exception_type": "panic",
                "message": "assertion `left == right` failed\n  left: 1003\n right: 1002",
                "innermost": ("src/money.rs", None, True),
                "kind": "failure",
            },
            {
                "test_id": "parse::tests::rejects_empty",
                "exception_type": "should_panic",
                "message": "test did not panic as expected",
                "innermost": ("src/parse.rs", None, True),
            },
            {
                "test_id": "store::tests::opens_journal",
                "exception_type": "Err",
                "message": 'Os { code: 2, kind: NotFound, message: "No such file or directory" }',
                "frames": 0,
            },
        ],
    ),
    (
        "miri-ub-on-the-libtest-line-with-backtrace",
        "miri-use-after-free.stderr",
        [
            {
                "test_id": "slab::tests::reuses_freed_slot",
                "exception_type": "UndefinedBehavior",
                "message": (
                    "memory access failed: alloc2291 has been freed, so this pointer is dangling"
                ),
                "innermost": ("src/slab.rs", "arena::slab::Slab::<u64>::get", True),
                "outermost_in_app": False,  # the closure shim of core::ops::function
                "frames": 4,
                "text_has": ("error: aborting due to 1 previous error",),
                "no_text": ("test failed, to rerun",),
            }
        ],
    ),
    (
        "panic-abort: the abnormal-termination report is the panic's consequence",
        "panic-abort-then-abnormal-termination.stderr",
        [
            {
                "test_id": None,
                "kind": "crash",
                "exception_type": "panic",
                "message": "span buffer overflow: 4096 pending, limit 4096",
                "innermost": ("src/exporter.rs", None, True),
                "text_has": ("error: abnormal termination",),
                "no_text": ("flushing 1288 spans",),
            }
        ],
    ),
    (
        "two panics of one file stay two failures with their own messages",
        "two-panics-one-file.log",
        [
            {
                "message": (
                    "called `Result::unwrap()` on an `Err` value: Timeout { after_ms: 5000 }"
                ),
                "innermost": ("src/worker.rs", None, True),
            },
            {
                # the ``Error:`` line main prints on exit is not part of the second panic
                "message": "index out of bounds: the len is 0 but the index is 0",
                "innermost": ("src/worker.rs", None, True),
            },
        ],
    ),
]


@pytest.mark.parametrize(("name", "fixture", "expected"), FIXTURES, ids=[c[0] for c in FIXTURES])
def test_fixture_failures(name: str, fixture: str, expected: list[dict[str, Any]]) -> None:
    failures = _parse_file(fixture)
    assert len(failures) == len(expected)
    for failure, want in zip(failures, expected, strict=True):
        assert failure.language == "rust"
        for key in ("test_id", "exception_type", "message", "kind"):
            if key in want:
                assert getattr(failure, key) == want[key], key
        if "frames" in want:
            assert len(failure.frames) == want["frames"]
        if "innermost" in want:
            last = failure.frames[-1]
            assert (last.file, last.function, last.in_app) == want["innermost"]
        if "outermost_in_app" in want:
            assert failure.frames[0].in_app is want["outermost_in_app"]
        for text in want.get("text_has", ()):
            assert text in failure.trace
        for text in want.get("no_text", ()):
            assert text not in failure.trace


# (name, log text, expected): short texts for one behaviour each.
CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "thread-id-in-the-header (Rust 1.92+)",
        "thread 'main' (12345) panicked at src/main.rs:4:5:\nboom\n",
        {"count": 1, "message": "boom", "file": "src/main.rs", "line": 4},
    ),
    (
        "upstream-placeholders LL:CC are not part of the file",
        "thread 'main' ($TID) panicked at tests/panic/div.rs:LL:CC:\nattempt to divide by zero\n",
        {"count": 1, "file": "tests/panic/div.rs", "line": None},
    ),
    (
        "old quoted message spanning lines, indented by cargo",
        "---- tests::adds stdout ----\n"
        "        thread 'tests::adds' panicked at 'assertion failed: `(left == right)`\n"
        "  left: `-1`,\n right: `3`', src/lib.rs:21:8\n"
        "note: Run with `RUST_BACKTRACE=1` for a backtrace.\n",
        {
            "count": 1,
            "test_id": "tests::adds",
            "message": "assertion failed: `(left == right)`\n  left: `-1`,\n right: `3`",
            "file": "src/lib.rs",
            "line": 21,
        },
    ),
    (
        "panic-in-a-destructor: the runtime's cleanup panic belongs to the panic before it",
        "thread 'main' panicked at src/pool.rs:30:9:\nsecond\nstack backtrace:\n\n"
        "thread 'main' panicked at library/core/src/panicking.rs:233:5:\n"
        "panic in a destructor during cleanup\nthread caused non-unwinding panic. aborting.\n",
        {"count": 1, "message": "second", "file": "src/pool.rs"},
    ),
    (
        "runtime frames of a backtrace are not in-app",
        "thread 'main' panicked at src/main.rs:10:5:\nport missing\nstack backtrace:\n"
        "   0: rust_begin_unwind\n"
        "             at /rustc/3f5fd8dd41153bc5fdca9427e9e05be2c767ba23"
        "/library/std/src/panicking.rs:652:5\n"
        "   1: shop::config::load\n             at ./src/config.rs:10:5\n"
        "   2: std::rt::lang_start::{{closure}}\n",
        {"count": 1, "in_app": [False, True, False]},
    ),
    (
        "compiler crash: the ICE and the rustc panic after it are one failure",
        "error: internal compiler error: compiler/rustc_borrowck/src/lib.rs:1204:9: "
        "no entry found\n  --> src/main.rs:3:1\n   |\n3  | fn main() {}\n   | ^^^^^^^^^\n\n"
        "thread 'rustc' panicked at compiler/rustc_borrowck/src/lib.rs:1204:9:\n"
        "Box<dyn Any>\nstack backtrace:\n   0: std::panicking::begin_panic::<rustc_errors::Bug>\n"
        "note: we would appreciate a bug report: https://github.com/rust-lang/rust/issues\n"
        "query stack during panic:\n#0 [mir_borrowck] borrow-checking `main`\n"
        "end of query stack\nerror: aborting due to 1 previous error\n",
        {"count": 1, "exception_type": "InternalCompilerError", "file": "src/main.rs"},
    ),
    (
        "ordinary compile errors stay build failures, not crashes",
        "error[E0425]: cannot find value `x` in this scope\n --> src/main.rs:3:13\n",
        {"count": 1, "exception_type": "error[E0425]", "kind": "build"},
    ),
    (
        "cargo's trailer after a failed run is not a failure",
        "error: test failed, to rerun pass `--lib`\n",
        {"count": 1, "kind": "log"},
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rust_text(name: str, text: str, expected: dict[str, Any]) -> None:
    failures = plain_log.parse(text, "job.log").failures
    assert len(failures) == expected["count"]
    failure = failures[0]
    for key in ("test_id", "message", "exception_type", "kind"):
        if key in expected:
            assert getattr(failure, key) == expected[key], key
    if "file" in expected:
        innermost = failure.frames[-1]
        assert innermost.file == expected["file"]
        if "line" in expected:
            assert innermost.line == expected["line"]
    if "in_app" in expected:
        assert [f.in_app for f in reversed(failure.frames)] == expected["in_app"]


def test_console_corpus_rust_failures_are_exact() -> None:
    """At least 95% of the real Rust console outputs give exactly the expected failures."""
    rate, misses = exact_failure_rate("Rust")
    assert rate >= 0.95, misses
