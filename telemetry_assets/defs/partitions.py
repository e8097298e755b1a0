"""Report dates: one daily partition per date D, from far enough back that any past D backfills."""

from __future__ import annotations

import dagster as dg

report_dates = dg.DailyPartitionsDefinition(
    start_date="2024-01-01",
    timezone="UTC",
    # Today's date is a valid D too (a report "so far"); D's window never includes later days.
    end_offset=1,
)
