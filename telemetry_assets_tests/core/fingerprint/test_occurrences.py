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

from telemetry_assets.core.grouping import build_groups
from telemetry_assets.core.models import Frame
from telemetry_assets.core.occurrences import build_occurrences, repository_path
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
