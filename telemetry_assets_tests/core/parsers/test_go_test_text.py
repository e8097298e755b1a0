"""``go test -v`` text (also as richgo renders it, or behind CI timestamps): subtests, package
panics and build errors, as go-junit-report counts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from telemetry_assets.core.parsers import go_test_text
from telemetry_assets_tests.core.parsers._console_helpers import exact_failure_rate
from telemetry_assets_tests.core.parsers._report_helpers import read

FIXTURE = "go/verbose-subtests-and-panic.txt"

EXPECTED = [
    ("example.com/shop/money.TestParse", "failure", "test failed with no output"),
    ("example.com/shop/money.TestParse/empty", "failure", 'Parse("") error = <nil>, want ErrEmpty'),
    ("example.com/shop/config [package failed]", "crash", "config: missing SHOP_ENV"),
    ("example.com/shop/ledger [build failed]", "build", "undefined: openLedger"),
]


@pytest.mark.parametrize(("test_id", "kind", "message"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_failures(test_id: str, kind: str, message: str) -> None:
    result = go_test_text.parse(read(FIXTURE), FIXTURE)
    assert (test_id, kind, message) in [(f.test_id, f.kind, f.message) for f in result.failures]


def test_counts_passes_and_frames() -> None:
    result = go_test_text.parse(read(FIXTURE), FIXTURE)
    assert len(result.failures) == len(EXPECTED)
    assert "example.com/shop/config.TestLoad" in result.passed_test_ids
    subtest = result.failures[1]
    assert subtest.frames[0].file == "parse_test.go" and subtest.frames[0].line == 21


# (name, fixture, test id that panicked, (package, function) of the frame that panicked)
PANIC_AFTER_FAIL_LINE = [
    (
        "top-level test: --- FAIL then panic [recovered]",
        "grouping/go-text/cart-total.txt",
        "github.com/acme/shop/internal/cart.TestCartTotal",
        ("github.com/acme/shop/internal/cart", "(*Cart).Total"),
    ),
    (
        "subtest: the innermost --- FAIL line before the panic owns it",
        "go/panic-after-fail-line-subtest.txt",
        "example.com/shop/money.TestParse/negative",
        ("example.com/shop/money", "Parse"),
    ),
]


@pytest.mark.parametrize(
    ("name", "fixture", "test_id", "innermost"),
    PANIC_AFTER_FAIL_LINE,
    ids=[c[0] for c in PANIC_AFTER_FAIL_LINE],
)
def test_panic_printed_after_the_fail_line_is_attached_to_the_test(
    name: str, fixture: str, test_id: str, innermost: tuple[str, str]
) -> None:
    result = go_test_text.parse(read(fixture), fixture)
    (failure,) = [f for f in result.failures if f.test_id == test_id]
    assert failure.kind == "crash"
    assert failure.message.startswith("runtime error:")
    project = [(f.module, f.function) for f in failure.frames if f.module != "testing"]
    # Innermost last: the runtime's ``panic`` frame, then the project function that panicked.
    assert project[-2] == innermost
    assert "goroutine" in failure.trace and "exit status" not in failure.trace
    # The panic is the test's, so no synthetic package failure repeats it.
    assert not [f for f in result.failures if f.test_id and "[package failed]" in f.test_id]


def test_background_panic_after_another_tests_fail_line_is_not_attached_to_it() -> None:
    text = (
        "=== RUN   TestFlush\n"
        "    flush_test.go:12: want 3 entries, got 2\n"
        "--- FAIL: TestFlush (0.01s)\n"
        "panic: send on closed channel\n\n"
        "goroutine 21 [running]:\n"
        "example.com/shop/queue.(*Worker).loop(0xc000120000)\n"
        "\t/home/runner/work/shop/shop/queue/worker.go:77 +0x91\n"
        "created by example.com/shop/queue.Start in goroutine 9\n"
        "\t/home/runner/work/shop/shop/queue/worker.go:40 +0x6a\n"
        "FAIL\texample.com/shop/queue\t0.015s\n"
    )
    (failure,) = go_test_text.parse(text, "out.txt").failures
    assert failure.test_id == "example.com/shop/queue.TestFlush"
    assert failure.message == "want 3 entries, got 2"
    assert "send on closed channel" not in failure.trace


# (name, fixture, [(test_id, message, frame function)], passed test ids)
RENDERINGS = [
    (
        "richgo: labels, colour, dropped Test prefixes and coverage bars read as go test -v",
        "go/richgo-colored.txt",
        [
            (
                "example.com/shop/cart.TestParsePrice",
                'ParsePrice("12,50") = 1250, want 12500',
                "TestParsePrice",
            ),
            ("example.com/shop/cart.TestTotal", "test failed with no output", None),
            # a subtest's message comes from the closure t.Run was given inside its root test
            ("example.com/shop/cart.TestTotal/two_items", "Total() = 3, want 4", "TestTotal.func"),
        ],
        ("example.com/shop/cart.TestTotal/empty_cart", "example.com/shop/tax.TestRates"),
    ),
    (
        "GitHub Actions timestamps before every line",
        "go/gha-verbose-stamped.log",
        [
            (
                "example.com/shop/cart.TestParsePrice",
                'ParsePrice("12,50") = 1250, want 12500',
                "TestParsePrice",
            )
        ],
        ("example.com/shop/cart.TestTotal",),
    ),
]


@pytest.mark.parametrize(
    ("name", "fixture", "expected", "passed"), RENDERINGS, ids=[c[0] for c in RENDERINGS]
)
def test_other_renderings_of_go_test_output(
    name: str, fixture: str, expected: list[tuple[str, str, str | None]], passed: tuple[str, ...]
) -> None:
    text = read(fixture)
    assert go_test_text.sniff(text[:8192], fixture)
    result = go_test_text.parse(text, fixture)
    got = [
        (f.test_id, f.message, f.frames[0].function if f.frames else None) for f in result.failures
    ]
    assert got == expected
    assert result.passed_test_ids == passed


def test_timeout_is_the_hung_tests_failure_with_its_goroutine() -> None:
    text = (
        "=== RUN   TestDrainWaitsForWorkers\n"
        "panic: test timed out after 30s\n"
        "\trunning tests:\n"
        "\t\tTestDrainWaitsForWorkers (30s)\n\n"
        "goroutine 34 [running]:\n"
        "testing.(*M).startAlarm.func1()\n"
        "\t/opt/hostedtoolcache/go/1.23.3/x64/src/testing/testing.go:2373 +0x385\n"
        "created by time.goFunc\n"
        "\t/opt/hostedtoolcache/go/1.23.3/x64/src/time/sleep.go:215 +0x2d\n\n"
        "goroutine 7 [semacquire, 29 minutes]:\n"
        "sync.runtime_Semacquire(0xc000112078?)\n"
        "\t/opt/hostedtoolcache/go/1.23.3/x64/src/runtime/sema.go:71 +0x25\n"
        "example.com/shop/sync.(*Pool).Drain(0xc000112060)\n"
        "\t/home/runner/work/shop/shop/sync/pool.go:88 +0x65\n"
        "example.com/shop/sync.TestDrainWaitsForWorkers(0xc0001024e0)\n"
        "\t/home/runner/work/shop/shop/sync/pool_test.go:41 +0x14f\n"
        "FAIL\texample.com/shop/sync\t30.012s\n"
    )
    (failure,) = go_test_text.parse(text, "out.txt").failures
    assert (failure.test_id, failure.kind, failure.message) == (
        "example.com/shop/sync.TestDrainWaitsForWorkers",
        "crash",
        "test timed out after 30s",
    )
    assert [f.function for f in failure.frames] == [
        "TestDrainWaitsForWorkers",
        "(*Pool).Drain",
        "runtime_Semacquire",
    ]


def test_runner_timestamps_become_occurrence_times() -> None:
    result = go_test_text.parse(read("go/gha-verbose-stamped.log"), "job.log")
    assert result.started_at == datetime(2026, 11, 20, 10, 11, 12, 100000, tzinfo=UTC)
    assert result.failures[0].occurred_at == datetime(2026, 11, 20, 10, 11, 14, 200000, tzinfo=UTC)


SNIFF = [
    ("verbose output", "=== RUN   TestA\n", True),
    ("summary only", "ok  \texample.com/a\t0.01s\n", True),
    ("plain log mentioning FAIL", "step FAIL: see above\n", False),
    ("stamped verbose output", "2026-11-20T10:11:12.1234567Z === RUN   TestA\n", True),
    ("richgo", "START| A\nFAIL | A (0.00s)\n", True),
    ("a table drawn with pipes", "     | a | b |\nPASS | done\n", False),
]


@pytest.mark.parametrize(("name", "head", "expected"), SNIFF, ids=[c[0] for c in SNIFF])
def test_sniff(name: str, head: str, expected: bool) -> None:
    assert go_test_text.sniff(head, "out.txt") is expected


def test_console_corpus_go_failures_are_exact() -> None:
    """At least 95% of the real Go console outputs give exactly the expected failures."""
    rate, misses = exact_failure_rate("Go")
    assert rate >= 0.95, misses


def test_a_job_log_that_also_ran_go_test_is_a_plain_log_read_for_every_language() -> None:
    """A monorepo job prints ``ok pkg 0.2s`` for its Go packages and then a Python traceback:
    the go test parser (which reads Go alone) must not claim it, or the traceback is lost."""
    from telemetry_assets.core.parsers import registry

    stamp = "2026-11-20T10:11:12.0000000Z "
    log = "".join(
        stamp + line + "\n"
        for line in [
            "ok  \tgithub.com/acme/shop/services/inventory/internal/ledger\t0.214s",
            "?   \tgithub.com/acme/shop/services/inventory/cmd\t[no test files]",
            "##[group]Run pytest -q --tb=native",
            "Traceback (most recent call last):",
            '  File "/home/runner/work/shop/shop/shop/cart/pricing.py", line 88, in total',
            "    return sum(line.price for line in cart.lines)",
            "AttributeError: 'NoneType' object has no attribute 'lines'",
            "##[endgroup]",
        ]
    )
    parser = registry.parser_for(log, "logs/1_test.txt")
    assert parser is not None and parser.name == "plain_log"
    [failure] = parser.parse(log, "logs/1_test.txt").failures
    assert failure.exception_type == "AttributeError"


@pytest.mark.parametrize(
    ("name", "lines", "expected"),
    [
        (
            "package summaries among other tools' output: a job log",
            [
                "Collecting requests==2.32.3",
                "tests/api/test_orders.py::test_list_orders[page-83] PASSED      [ 76%]",
                "   Compiling pricing v0.4.88 (/builds/acme/shop/crates/pricing)",
                "[INFO] Tests run: 89, Failures: 0, Errors: 0, Skipped: 0",
                "ok  \tgithub.com/acme/shop/services/inventory/internal/ledger\t0.91s",
                "PASS web/src/lib/__tests__/api.test.ts (92.2 s)",
            ],
            "plain_log",
        ),
        (
            "package summaries alone: go test output",
            [
                "ok  \tgithub.com/acme/shop/services/inventory/internal/ledger\t0.91s",
                "?   \tgithub.com/acme/shop/services/inventory/cmd\t[no test files]",
                "ok  \tgithub.com/acme/shop/services/inventory/internal/stock\t(cached)",
            ],
            "go-test-text",
        ),
        (
            "a failed package without verbose output",
            ["panic: init", "stacktrace", "FAIL    package/panic  0.003s"],
            "go-test-text",
        ),
    ],
)
def test_go_test_output_is_told_from_a_job_log_that_ran_go_test(
    name: str, lines: list[str], expected: str
) -> None:
    from telemetry_assets.core.parsers import registry

    text = "".join(f"2026-11-21T08:13:56.0251532Z {line}\n" for line in lines)
    parser = registry.parser_for(text, "logs/1_test.txt")
    assert parser is not None and parser.name == expected
