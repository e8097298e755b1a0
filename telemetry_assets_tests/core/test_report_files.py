"""What the report step shows about a report: the error as a person names it, never cut without a
mark; groups named as the report names them; daily totals with their dates; and a forbidden
date's report that says why."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from telemetry_assets.core.report import PrivacyAudit, Report, ReportGroup, Window
from telemetry_assets.core.report_files import (
    ReportFiles,
    error_title,
    forbidden_report_files,
)
from telemetry_assets.core.window import window_for

PY_TRACE = (
    "Traceback (most recent call last):\n"
    '  File "shop/db/pool.py", line LINE, in acquire\n'
    "    conn = self._connect()\n"
    "shop.db.pool.PoolTimeout: no connection available after <NUM>ms"
)


@pytest.mark.parametrize(
    ("name", "exception_type", "trace", "expected"),
    [
        (
            "the exception line, not the traceback header",
            "shop.db.pool.PoolTimeout",
            PY_TRACE,
            "shop.db.pool.PoolTimeout: no connection available after <NUM>ms",
        ),
        (
            "the first line that is not a frame when the type is unknown",
            None,
            "  at render (web/src/Table.tsx:LINE)\nTypeError: x is undefined",
            "TypeError: x is undefined",
        ),
        (
            "a JVM root cause named by its Caused by line",
            "java.net.SocketTimeoutException",
            "java.lang.IllegalStateException: Gateway response missing\n"
            "  at com.acme.shop.payments.PaymentGateway.charge (PaymentGateway.java:LINE)\n"
            "Caused by: java.net.SocketTimeoutException: Read timed out",
            "java.net.SocketTimeoutException: Read timed out",
        ),
        ("the type alone when the trace never names it", "panic", "", "panic"),
        (
            "a long line cut with a visible mark",
            "AssertionError",
            "AssertionError: " + "x" * 300,
            "AssertionError: " + "x" * 103 + "…",
        ),
    ],
)
def test_the_error_is_named_by_its_exception_line(
    name: str, exception_type: str | None, trace: str, expected: str
) -> None:
    assert error_title(exception_type, trace) == expected


def _report(groups: list[ReportGroup]) -> Report:
    return Report(
        generated_at=datetime(2026, 11, 23, 6, tzinfo=UTC),
        report_date=date(2026, 11, 22),
        window=Window(start=date(2026, 11, 16), end=date(2026, 11, 22)),
        total_errors=sum(g.count for g in groups),
        groups=groups,
        privacy_audit=PrivacyAudit(rule_matches={}),
    )


def _group(fingerprint: str, count: int, daily: list[int]) -> ReportGroup:
    return ReportGroup(
        fingerprint=fingerprint,
        sample_trace=PY_TRACE,
        count=count,
        first_seen=datetime(2026, 11, 16, tzinfo=UTC),
        last_seen=datetime(2026, 11, 22, tzinfo=UTC),
        job_types=["unit"],
        severity=6.3,
        suggested_owner="@acme/data-platform @dmitri-schmidt-the-very-long-handle",
        notes="",
        rank=1,
        exception_type="shop.db.pool.PoolTimeout",
        daily_counts=daily,
    )


def test_the_preview_names_groups_as_the_report_does_and_keeps_owners_whole() -> None:
    files = ReportFiles(report=_report([_group("sha256-" + "ab" * 32, 9, [1] * 14)]))
    [row] = files.preview()
    assert row.fingerprint == "sha256-abababababab"
    assert row.owner == "@acme/data-platform @dmitri-schmidt-the-very-long-handle"
    assert row.error.startswith("shop.db.pool.PoolTimeout: no connection")


def test_daily_totals_carry_their_dates_over_the_two_weeks() -> None:
    groups = [
        _group("sha256-" + "ab" * 32, 2, [0] * 13 + [2]),
        _group("sha256-" + "cd" * 32, 1, [1] + [0] * 13),
    ]
    days = ReportFiles(report=_report(groups)).daily_totals()
    assert days[0] == (date(2026, 11, 9), 1)
    assert days[-1] == (date(2026, 11, 22), 2)
    assert len(days) == 14


def test_a_forbidden_date_gets_a_report_that_says_why() -> None:
    reason = "Telemetry is forbidden by telemetry.policy.json: nothing was collected or opened."
    files = forbidden_report_files(window_for("2026-11-22"), datetime.now(UTC), reason)
    assert set(files.texts) == {
        "error-aggregates-2026-11-22.json",
        "telemetry-report-2026-11-22.md",
    }
    assert reason in files.texts["telemetry-report-2026-11-22.md"]
    assert "Total sanitized errors: 0" in files.texts["telemetry-report-2026-11-22.md"]
