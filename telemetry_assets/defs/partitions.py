"""Report dates: one daily partition per date D, from a first date that fits the data.

The first date is ``TELEMETRY_FIRST_REPORT_DATE`` (``YYYY-MM-DD``) when set: the day collection
started. Unset, it is 13 weeks before today, because CI providers keep artifacts and logs for
about 90 days by default (GitHub Actions' default retention), so older dates have nothing to read
and would only show as "Missing" in the UI and invite backfills of empty weeks. Any date from
the first one up to today is a valid D (today gives a report "so far"); a date before it is
refused by Dagster with a clear error, and setting the variable earlier makes it backfillable.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import dagster as dg

FIRST_DATE_ENV = "TELEMETRY_FIRST_REPORT_DATE"
DEFAULT_LOOKBACK = timedelta(weeks=13)


def first_report_date(environ: dict[str, str] | None = None, today: date | None = None) -> date:
    """The first partition: the environment's date, else 13 weeks before ``today`` (UTC)."""
    env = os.environ if environ is None else environ
    raw = env.get(FIRST_DATE_ENV, "").strip()
    if raw:
        try:
            return date.fromisoformat(raw)
        except ValueError as err:
            raise ValueError(f"{FIRST_DATE_ENV}={raw!r} is not a date in YYYY-MM-DD form") from err
    return (today or datetime.now(UTC).date()) - DEFAULT_LOOKBACK


def report_dates_from(first: date) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(
        start_date=first.isoformat(),
        timezone="UTC",
        # Today's date is a valid D too (a report "so far"); D's window never includes later days.
        end_offset=1,
    )


report_dates = report_dates_from(first_report_date())
