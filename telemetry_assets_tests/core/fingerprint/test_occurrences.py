"""Occurrences and groups: flaky means "passed on a retry in the same run"; variants; owners' paths.

``flaky`` (the contract's column) is true only for a failure a parser saw fail and then pass on a
retry of the same run; ``likely_flaky`` is its own column for "the same test id passed in another
run of the window". Groups count the former as ``flaky_count`` (report week only) and keep the
latter as the likely-flaky flag; they also count occurrences per parameterised message.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from telemetry_assets.core.cells import text
from telemetry_assets.core.grouping import build_groups
from telemetry_assets.core.models import Frame
from telemetry_assets.core.occurrences import (
    _ORDER_COLUMNS,
    _content_order,
    build_occurrences,
    comparable_test_id,
    console_copies_folded,
    repository_path,
)
from telemetry_assets.core.sanitize import chained_to_json, frames_to_json
from telemetry_assets.core.window import window_for

WINDOW = window_for("2026-11-22")
ROOT = "/home/runner/work/shop/shop/"
FRAMES = (
    Frame(f"{ROOT}tests/test_auth.py", "test_login", 14),
    Frame(f"{ROOT}src/acme/auth.py", "handle_login", 31),
    Frame(f"{ROOT}src/acme/profile.py", "load_profile", 9),
)


def row(
    run: str,
    test_id: str,
    *,
    key: str = "user_id",
    flaky: bool = False,
    day: int = 20,
) -> dict[str, object]:
    return {
        "artifact": f"ci/{run}/junit.xml",
        "run_id": run,
        "provider": "github-actions",
        "job_type": "unit",
        "branch": "main",
        "occurred_at": datetime(2026, 11, day, 10, 0, tzinfo=UTC),
        "source_format": "junit-xml",
        "kind": "failure",
        "language": "python",
        "exception_type": "KeyError",
        "message": f"KeyError: '{key}'",
        "trace": f"KeyError: '{key}'",
        "test_id": test_id,
        "test_file": None,
        "frames": frames_to_json(FRAMES),
        "chained": chained_to_json(()),
        "flaky": flaky,
        "redactions": "{}",
    }


FAILURES = pd.DataFrame(
    [
        row("gha-1", "tests.test_auth.test_login", flaky=True),  # failed, passed on retry
        row("gha-2", "tests.test_auth.test_login"),
        row("gha-3", "tests.test_auth.test_login_twice", key="locale"),
        row("gha-4", "tests.test_auth.test_login", flaky=True, day=12),  # baseline week
    ]
)
PASSED_ELSEWHERE = {"tests.test_auth.test_login_twice"}

# (name, run, flaky, likely_flaky)
ROW_CASES = [
    ("failed then passed on a retry in the same run", "gha-1", True, True),
    ("failed, no retry, test never passed", "gha-2", False, False),
    ("failed; the same test passed in another run", "gha-3", False, True),
]


@pytest.mark.parametrize(
    ("name", "run", "flaky", "likely"), ROW_CASES, ids=[c[0] for c in ROW_CASES]
)
def test_flaky_columns(name: str, run: str, flaky: bool, likely: bool) -> None:
    occ = build_occurrences(FAILURES, WINDOW, PASSED_ELSEWHERE)
    got = occ[occ["run_id"] == run].iloc[0]
    assert (bool(got["flaky"]), bool(got["likely_flaky"])) == (flaky, likely)


def test_group_counts_flaky_on_retry_and_message_variants() -> None:
    occ = build_occurrences(FAILURES, WINDOW, PASSED_ELSEWHERE)
    assert occ["fingerprint"].nunique() == 1
    (group,) = build_groups(occ, WINDOW)
    assert group.count == 3 and group.count_baseline == 1
    assert group.flaky_count == 1  # the baseline week's retry is not this week's
    assert group.flaky  # likely flaky: a retry passed, and a test passed elsewhere
    assert group.message_variants == (("'user_id'", 2), ("'locale'", 1))
    assert group.top_frame_file == "src/acme/profile.py"


def test_groups_read_tables_written_before_the_new_columns() -> None:
    occ = build_occurrences(FAILURES, WINDOW).drop(
        columns=["likely_flaky", "message_variant", "grouping_rule"]
    )
    (group,) = build_groups(occ, WINDOW)
    assert group.flaky_count == 1 and group.message_variants == ()


def test_test_ids_are_repository_relative() -> None:
    failures = pd.DataFrame(
        [row("gha-9", "/home/runner/work/shop/shop/src/ui/Table.test.tsx > Table > renders rows")]
    )
    (group,) = build_groups(build_occurrences(failures, WINDOW), WINDOW)
    assert group.test_ids == ("src/ui/Table.test.tsx > Table > renders rows",)


PATH_CASES = [
    (
        "JVM class: package path and the file's own name",
        Frame("TokenView.java", "render", module="com.acme.billing.TokenView"),
        "com/acme/billing/TokenView.java",
    ),
    (
        "inner class of a Kotlin file",
        Frame("Ledger.kt", "post", module="com.acme.billing.Ledger$Entry"),
        "com/acme/billing/Ledger.kt",
    ),
    (
        "JVM class without a file",
        Frame(None, "render", module="com.acme.billing.TokenView$Row"),
        "com/acme/billing/TokenView.java",
    ),
    (
        "Python dotted module without a file",
        Frame(None, "issue", module="acme.payments.tokens"),
        "acme/payments/tokens.py",
    ),
    (
        "Go frame keeps its file",
        Frame(
            "internal/cart/cart.go", "(*Cart).Total", module="github.com/acme/shop/internal/cart"
        ),
        "internal/cart/cart.go",
    ),
    ("JS frame keeps its file", Frame("src/ui/Table.tsx", "render"), "src/ui/Table.tsx"),
]


@pytest.mark.parametrize(("name", "frame", "expected"), PATH_CASES, ids=[c[0] for c in PATH_CASES])
def test_repository_path(name: str, frame: Frame, expected: str) -> None:
    assert repository_path(frame) == expected


# --- one failure, one occurrence per run -----------------------------------------------------

DOTNET_STACK = (
    "   at System.Linq.ThrowHelper.ThrowNoElementsException()\n"
    "   at Acme.Shipping.RateCalculator.Cheapest(IEnumerable`1 quotes) in "
    "/home/runner/work/shop/shop/dotnet/src/Acme.Shipping/RateCalculator.cs:line LINE\n"
    "   at Acme.Shipping.Tests.RateCalculatorTests.Cheapest_ReturnsLowestRate() in "
    "/home/runner/work/shop/shop/dotnet/tests/Acme.Shipping.Tests/RateCalculatorTests.cs:line LINE"
)
JEST_JSON_ID = (
    "/home/runner/work/shop/shop/web/src/components/__tests__/OrderTable.test.tsx"
    " > OrderTable > renders rows"
)


def failure(
    run: str,
    artifact: str,
    source_format: str,
    *,
    kind: str = "failure",
    test_id: str | None = None,
    exception_type: str | None = None,
    message: str = "",
    trace: str = "",
    frames: tuple[Frame, ...] = (),
) -> dict[str, object]:
    return {
        "artifact": f"ci/{run}/{artifact}",
        "run_id": run,
        "provider": "github-actions",
        "job_type": "unit",
        "branch": "main",
        "occurred_at": datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
        "source_format": source_format,
        "kind": kind,
        "language": None,
        "exception_type": exception_type,
        "message": message,
        "trace": trace or message,
        "test_id": test_id,
        "test_file": None,
        "frames": frames_to_json(frames),
        "chained": chained_to_json(()),
        "flaky": False,
        "redactions": "{}",
    }


TRX_RESULT = failure(
    "ado-30503",
    "dotnet/TestResults/results.trx",
    "dotnet-xml",
    test_id="Acme.Shipping.Tests.RateCalculatorTests.Cheapest_ReturnsLowestRate",
    exception_type="System.InvalidOperationException",
    message="System.InvalidOperationException : Sequence contains no elements",
    trace=DOTNET_STACK,
)
PYTEST_JUNIT = failure(
    "gha-501",
    "reports/pytest-junit.xml",
    "junit-xml",
    test_id="tests.config.test_loader.test_load_tenant[eu-west-1]",
    exception_type="KeyError",
    message="KeyError: 'tenant_id'",
)
JEST_JSON = failure(
    "gha-502",
    "web/jest-results.json",
    "jest-json",
    test_id=JEST_JSON_ID,
    exception_type="TypeError",
    message="TypeError: Cannot read properties of undefined (reading 'map')",
)
SUREFIRE_XML = failure(
    "jk-billing-1003",
    "services/billing/target/surefire-reports/TEST-com.acme.billing.CheckoutFlowTest.xml",
    "junit-xml",
    kind="error",
    test_id="com.acme.billing.CheckoutFlowTest.checkoutGiftCard",
    exception_type="java.lang.NullPointerException",
    message='Cannot invoke "com.acme.billing.model.Invoice.getTotal()"',
)
GO_JSON = failure(
    "gl-4420",
    "go-test.json",
    "go-test-json",
    test_id="github.com/acme/shop/services/inventory/stock.TestReserveBatch",
    exception_type="panic",
    message="runtime error: index out of range [3] with length 3",
)
PY_JUNIT_AUTH = failure(
    "gha-503",
    "reports/junit.xml",
    "junit-xml",
    test_id="tests.test_auth.test_login",
    exception_type="KeyError",
    message="KeyError: 'user_id'",
)

# (name, rows of the run(s), artifacts kept, console rows folded)
FOLD_CASES = [
    (
        "dotnet test's console block (no test id, no frames) restates the TRX result",
        [
            TRX_RESULT,
            failure(
                "ado-30503",
                "dotnet/test-console.log",
                "plain_log",
                kind="crash",
                exception_type="System.InvalidOperationException",
                message="Sequence contains no elements",
                trace="  Error Message:\n   System.InvalidOperationException : Sequence "
                "contains no elements\n  Stack Trace:\n" + DOTNET_STACK,
            ),
        ],
        ["ci/ado-30503/dotnet/TestResults/results.trx"],
        1,
    ),
    (
        "pytest's console FAILED line: file path, :: and parameters against the JUnit id",
        [
            PYTEST_JUNIT,
            failure(
                "gha-501",
                "logs/3_Run pytest.txt",
                "plain_log",
                test_id="tests/config/test_loader.py::test_load_tenant[eu-west-1]",
                exception_type="KeyError",
                message="KeyError: 'tenant_id'",
            ),
        ],
        ["ci/gha-501/reports/pytest-junit.xml"],
        1,
    ),
    (
        "Jest's console › title against the --json id with its file",
        [
            JEST_JSON,
            failure(
                "gha-502",
                "logs/4_Run npm test.txt",
                "plain_log",
                test_id="OrderTable › renders rows",
                exception_type="TypeError",
                message="TypeError: Cannot read properties of undefined (reading 'map')",
            ),
        ],
        ["ci/gha-502/web/jest-results.json"],
        1,
    ),
    (
        "Surefire's console names the class without its package",
        [
            SUREFIRE_XML,
            failure(
                "jk-billing-1003",
                "logs/mvn-build.txt",
                "plain_log",
                kind="error",
                test_id="CheckoutFlowTest.checkoutGiftCard",
                exception_type="java.lang.NullPointerException",
            ),
        ],
        [SUREFIRE_XML["artifact"]],
        1,
    ),
    (
        "Maven's 'There are test failures' line is a consequence, not a failure",
        [
            SUREFIRE_XML,
            failure(
                "jk-billing-1003",
                "logs/mvn-build.txt",
                "plain_log",
                kind="log",
                message="Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin"
                ":3.2.5:test (default-test) on project billing: There are test failures.",
            ),
        ],
        [SUREFIRE_XML["artifact"]],
        1,
    ),
    (
        "the runner's 'exit code 1' line is a consequence",
        [
            PYTEST_JUNIT,
            failure(
                "gha-501",
                "logs/3_Run pytest.txt",
                "plain_log",
                kind="log",
                message="Process completed with exit code 1.",
            ),
        ],
        ["ci/gha-501/reports/pytest-junit.xml"],
        1,
    ),
    (
        "go test -v's console against go test -json's package-qualified id",
        [
            GO_JSON,
            failure(
                "gl-4420",
                "logs/go-test.txt",
                "go-test-text",
                kind="crash",
                test_id="TestReserveBatch",
                exception_type="panic",
            ),
        ],
        ["ci/gl-4420/go-test.json"],
        1,
    ),
    (
        "a console traceback without a test id, raised inside the failed test's frame",
        [
            PY_JUNIT_AUTH,
            failure(
                "gha-503",
                "logs/pytest.txt",
                "plain_log",
                kind="crash",
                exception_type="KeyError",
                message="KeyError: 'user_id'",
                frames=FRAMES,
            ),
        ],
        ["ci/gha-503/reports/junit.xml"],
        1,
    ),
    (
        "a crash outside the tests stays, even with the same exception type",
        [
            PY_JUNIT_AUTH,
            failure(
                "gha-503",
                "logs/worker.txt",
                "plain_log",
                kind="crash",
                exception_type="KeyError",
                message="KeyError: 'user_id'",
                frames=(
                    Frame(f"{ROOT}src/acme/worker.py", "main", 40),
                    Frame(f"{ROOT}src/acme/profile.py", "load_profile", 9),
                ),
            ),
        ],
        ["ci/gha-503/logs/worker.txt", "ci/gha-503/reports/junit.xml"],
        0,
    ),
    (
        "inside the failed test but another exception: a second failure, kept",
        [
            PY_JUNIT_AUTH,
            failure(
                "gha-503",
                "logs/pytest.txt",
                "plain_log",
                kind="crash",
                exception_type="TimeoutError",
                message="TimeoutError: profile service",
                frames=FRAMES,
            ),
        ],
        ["ci/gha-503/logs/pytest.txt", "ci/gha-503/reports/junit.xml"],
        0,
    ),
    (
        "a build failure stays",
        [
            SUREFIRE_XML,
            failure(
                "jk-billing-1003",
                "logs/mvn-build.txt",
                "plain_log",
                kind="build",
                message="Failed to execute goal maven-compiler-plugin:3.11.0:compile: "
                "Compilation failure",
            ),
        ],
        ["ci/jk-billing-1003/logs/mvn-build.txt", SUREFIRE_XML["artifact"]],
        0,
    ),
    (
        "a console line that says something else stays",
        [
            SUREFIRE_XML,
            failure(
                "jk-billing-1003",
                "logs/mvn-build.txt",
                "plain_log",
                kind="log",
                message="Could not resolve dependencies for project com.acme:billing:jar:4.2",
            ),
        ],
        ["ci/jk-billing-1003/logs/mvn-build.txt", SUREFIRE_XML["artifact"]],
        0,
    ),
    (
        "a console failure of a test the report does not hold stays",
        [
            PYTEST_JUNIT,
            failure(
                "gha-501",
                "logs/3_Run pytest.txt",
                "plain_log",
                test_id="tests/storage/test_s3_upload.py::test_upload_report",
                exception_type="botocore.exceptions.ClientError",
            ),
        ],
        ["ci/gha-501/logs/3_Run pytest.txt", "ci/gha-501/reports/pytest-junit.xml"],
        0,
    ),
    (
        "the same test's console copy in another run is that run's failure",
        [
            PYTEST_JUNIT,
            failure(
                "gha-777",
                "logs/3_Run pytest.txt",
                "plain_log",
                test_id="tests/config/test_loader.py::test_load_tenant[eu-west-1]",
                exception_type="KeyError",
            ),
        ],
        ["ci/gha-501/reports/pytest-junit.xml", "ci/gha-777/logs/3_Run pytest.txt"],
        0,
    ),
    (
        "'There are test failures' in a run without a structured report stays",
        [
            failure(
                "jk-billing-1009",
                "logs/mvn-build.txt",
                "plain_log",
                kind="log",
                message="There are test failures.",
            )
        ],
        ["ci/jk-billing-1009/logs/mvn-build.txt"],
        0,
    ),
]


@pytest.mark.parametrize(
    ("name", "rows", "kept", "folded"), FOLD_CASES, ids=[c[0] for c in FOLD_CASES]
)
def test_console_copies_fold_into_the_structured_report(
    name: str, rows: list[dict[str, object]], kept: list[str], folded: int
) -> None:
    occ = build_occurrences(pd.DataFrame(rows), WINDOW)
    assert sorted(occ["artifact"]) == kept
    assert console_copies_folded(occ) == folded


# (name, test id, comparable form)
TEST_ID_CASES = [
    (
        "pytest node id: file, :: and parameters",
        "tests/config/test_loader.py::TestTenant::test_load[eu-west-1]",
        ("tests", "config", "test_loader", "testtenant", "test_load"),
    ),
    (
        "JUnit dotted id of the same test",
        "tests.config.test_loader.TestTenant.test_load[eu-west-1]",
        ("tests", "config", "test_loader", "testtenant", "test_load"),
    ),
    ("Jest console titles", "OrderTable › renders rows", ("ordertable", "renders rows")),
    (
        "Playwright project and position",
        "[chromium] › cart.spec.ts:12:5 › Cart › shows the total",
        ("cart", "spec", "cart", "shows the total"),
    ),
    (
        "JUnit 5 signature and case",
        "com.acme.CartTest.total(String, int)[2]",
        ("com", "acme", "carttest", "total"),
    ),
    ("values in parentheses are part of the name", "exits(1)", ("exits(1)",)),
    ("none", None, ()),
]


@pytest.mark.parametrize(
    ("name", "test_id", "expected"), TEST_ID_CASES, ids=[c[0] for c in TEST_ID_CASES]
)
def test_comparable_test_id(name: str, test_id: str | None, expected: tuple[str, ...]) -> None:
    assert comparable_test_id(test_id) == expected


ALL_RUNS = pd.DataFrame([r for _, rows, _, _ in FOLD_CASES for r in rows]).drop_duplicates(
    subset=["artifact", "test_id", "kind", "message"]
)


def _comparable(occ: pd.DataFrame) -> pd.DataFrame:
    # A column left all-empty by the purge is typed differently; the values are what count.
    frame = occ.reset_index(drop=True).astype(object)
    return frame.where(frame.notna(), None)


@pytest.mark.parametrize("run", sorted(set(ALL_RUNS["run_id"])))
def test_purging_a_run_leaves_the_other_runs_rows_as_if_it_never_existed(run: str) -> None:
    without = ALL_RUNS[ALL_RUNS["run_id"] != run]
    after_purge = build_occurrences(ALL_RUNS, WINDOW)
    after_purge = after_purge[after_purge["run_id"] != run]
    pd.testing.assert_frame_equal(
        _comparable(after_purge), _comparable(build_occurrences(without, WINDOW))
    )


def test_folding_does_not_depend_on_row_order() -> None:
    shuffled = ALL_RUNS.sample(frac=1.0, random_state=7)
    pd.testing.assert_frame_equal(
        build_occurrences(shuffled, WINDOW), build_occurrences(ALL_RUNS, WINDOW)
    )


# --- rows read as whole columns: the same rows, in the same order ----------------------------

MOMENT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


ORDER_CASES = [
    (
        "missing test ids and messages read as empty text",
        [
            {"run_id": "r1", "artifact": "b", "test_id": None, "message": "m", "n": 1},
            {"run_id": "r1", "artifact": "a", "test_id": "t", "message": None, "n": 2},
            {"run_id": "r1", "artifact": "a", "test_id": "", "message": "m", "n": 3},
        ],
    ),
    (
        "timestamps with and without a fraction of a second",
        [
            {
                "run_id": "r",
                "occurred_at": pd.Timestamp(MOMENT) + pd.Timedelta(microseconds=5),
                "n": 1,
            },
            {"run_id": "r", "occurred_at": pd.Timestamp(MOMENT), "n": 2},
            {"run_id": "r", "occurred_at": pd.NaT, "n": 3},
        ],
    ),
    (
        "naive timestamps",
        [
            {"run_id": "r", "occurred_at": pd.Timestamp(2026, 11, 20, 11), "n": 1},
            {"run_id": "r", "occurred_at": pd.NaT, "n": 2},
            {"run_id": "r", "occurred_at": pd.Timestamp(2026, 11, 20, 10), "n": 3},
        ],
    ),
    (
        "local times across a change of clocks sort as their text",
        [
            {"run_id": "r", "occurred_at": pd.Timestamp(s, tz="Europe/Berlin"), "n": i}
            for i, s in enumerate(["2026-10-25 02:30+02:00", "2026-10-25 02:15+01:00"])
        ],
    ),
    (
        "timestamps of other types in one column",
        [
            {"run_id": "r", "occurred_at": "2026-11-20T10:00:00Z", "n": 1},
            {"run_id": "r", "occurred_at": MOMENT, "n": 2},
            {"run_id": "r", "occurred_at": None, "n": 3},
        ],
    ),
    (
        "ties keep the order rows came in",
        [{"run_id": "r", "artifact": "a", "n": i} for i in range(5)],
    ),
    (
        "a column of mixed types",
        [
            {"run_id": "r", "kind": "failure", "trace": 3, "n": 1},
            {"run_id": "r", "kind": "failure", "trace": "2", "n": 2},
            {"run_id": "r", "kind": "crash", "trace": float("nan"), "n": 3},
        ],
    ),
]


@pytest.mark.parametrize(("name", "rows"), ORDER_CASES, ids=[c[0] for c in ORDER_CASES])
def test_rows_in_content_order_are_the_records_sorted_by_their_text(
    name: str, rows: list[dict[str, object]]
) -> None:
    # Pins the column-wise order to what ``to_dict("records")`` sorted on each order column's
    # text gives, the definition it replaced.
    frame = pd.DataFrame(rows)
    records = frame.to_dict("records")
    expected = sorted(
        records, key=lambda row: tuple(text(row.get(c)) or "" for c in _ORDER_COLUMNS)
    )
    columns = {str(c): frame[c].tolist() for c in frame.columns}
    got = [records[i] for i in _content_order(frame, columns)]
    assert [r["n"] for r in got] == [r["n"] for r in expected]


def _occurrence(test_id: str | None, message: str, redactions: str = "{}") -> dict[str, object]:
    return {
        "fingerprint": "sha256-" + "1" * 64,
        "occurred_at": pd.Timestamp(MOMENT),
        "artifact": "ci/r1/junit.xml",
        "test_id": test_id,
        "bucket": "report",
        "day": "2026-11-20",
        "flaky": False,
        "job_type": "unit",
        "branch": "main",
        "run_id": "r1",
        "redactions": redactions,
        "sample_trace": message,
        "exception_type": "KeyError",
        "message": message,
        "top_frame_file": None,
        "top_frame_function": None,
    }


SAMPLE_CASES = [
    (
        "a missing test id sorts first, as pandas' na_position='first'",
        [_occurrence("tests.b", "second"), _occurrence(None, "first"), _occurrence("a", "x")],
        "first",
    ),
    (
        "without missing values the test ids order the rows",
        [_occurrence("tests.b", "second"), _occurrence("tests.a", "first")],
        "first",
    ),
]


@pytest.mark.parametrize(("name", "rows", "sample"), SAMPLE_CASES, ids=[c[0] for c in SAMPLE_CASES])
def test_the_sample_is_the_first_row_in_group_order(
    name: str, rows: list[dict[str, object]], sample: str
) -> None:
    (group,) = build_groups(pd.DataFrame(rows), WINDOW)
    assert group.message == sample


def test_redaction_counts_add_up_over_repeated_cells() -> None:
    cells = ['{"email": 2}'] * 3 + ["{}", '{"ipv4": 1, "email": 1, "card": 0}', ""]
    (group,) = build_groups(
        pd.DataFrame([_occurrence(f"t{i}", "m", c) for i, c in enumerate(cells)]), WINDOW
    )
    assert group.redactions == (("email", 7), ("ipv4", 1))
