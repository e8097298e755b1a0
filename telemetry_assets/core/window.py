"""Report date -> the days it covers, and which day an occurrence belongs to.

The report for date D covers the week D-6..D; the week before it (D-13..D-7) is the baseline
for trends. Together they are the 14-day collection window. Occurrences dated after D never
count toward D, which is what makes a backfill of a past date reproduce what that date saw.
Days are UTC calendar days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

REPORT_DAYS = 7
WINDOW_DAYS = 14

Bucket = Literal["report", "baseline"]


@dataclass(frozen=True, slots=True)
class ReportWindow:
    report_date: date

    @property
    def start(self) -> date:
        """First day of the report week (D-6)."""
        return self.report_date - timedelta(days=REPORT_DAYS - 1)

    @property
    def end(self) -> date:
        return self.report_date

    @property
    def baseline_start(self) -> date:
        return self.report_date - timedelta(days=WINDOW_DAYS - 1)

    @property
    def baseline_end(self) -> date:
        return self.start - timedelta(days=1)

    @property
    def days(self) -> tuple[date, ...]:
        """The 14 days of the collection window, oldest first."""
        return tuple(self.baseline_start + timedelta(days=i) for i in range(WINDOW_DAYS))

    def bucket(self, day: date) -> Bucket | None:
        """Which week ``day`` falls in, or ``None`` outside the 14-day window."""
        if self.start <= day <= self.end:
            return "report"
        if self.baseline_start <= day <= self.baseline_end:
            return "baseline"
        return None

    def position(self, day: date) -> Literal["before", "inside", "after"]:
        if day > self.end:
            return "after"
        if day < self.baseline_start:
            return "before"
        return "inside"


def window_for(report_date: date | str) -> ReportWindow:
    """The window of a report date given as a ``date`` or an ISO ``YYYY-MM-DD`` partition key."""
    if isinstance(report_date, str):
        report_date = date.fromisoformat(report_date)
    return ReportWindow(report_date)


def utc_day(moment: datetime) -> date:
    """The UTC calendar day of a timestamp; naive timestamps are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date()


def parse_timestamp(value: str) -> datetime | None:
    """An ISO-8601 timestamp (``Z`` or offset, up to 9 fraction digits) as aware UTC, or None."""
    text = value.strip()
    if not text:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python accepts at most 6 fractional digits; CI systems write 7 (GitHub) or 9 (Go).
    head, dot, rest = text.partition(".")
    if dot:
        digits = ""
        i = 0
        while i < len(rest) and rest[i].isdigit():
            digits += rest[i]
            i += 1
        text = f"{head}.{digits[:6].ljust(6, '0')}{rest[i:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
