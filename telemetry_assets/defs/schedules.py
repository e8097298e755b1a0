"""The weekly schedule: Mondays 06:00 UTC, for the report date of the Sunday just ended.

A daily-partitioned job can only get a daily schedule from ``build_schedule_from_partitioned_job``,
so this is a plain ``@schedule`` that names the partition itself. Dagster shows no partition set
for such a schedule, so the report date is put where a user looks instead: the run key, a
``telemetry/report_date`` tag on every requested run (tick history, preview, runs list) and the
schedule's description.
"""

from datetime import datetime, timedelta

import dagster as dg

weekly_report_job = dg.define_asset_job(
    "weekly_telemetry_report",
    selection=dg.AssetSelection.groups("telemetry"),
    description="All six telemetry assets (and their blocking checks) for one report date.",
)

REPORT_DATE_TAG = "telemetry/report_date"


def report_date_for_tick(tick: datetime) -> str:
    """The Sunday just ended: the day before a Monday tick."""
    return (tick - timedelta(days=1)).strftime("%Y-%m-%d")


@dg.schedule(
    job=weekly_report_job,
    cron_schedule="0 6 * * 1",
    execution_timezone="UTC",
    name="weekly_telemetry_schedule",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        "Every Monday 06:00 UTC: the report for the Sunday just ended (the tick of Monday "
        "2026-12-07 builds report date 2026-12-06, covering 2026-11-30..2026-12-06). Each run "
        f"carries the report date as its partition and as the tag {REPORT_DATE_TAG}."
    ),
    metadata={"report_date": "the Sunday before each Monday tick (tick date - 1 day)"},
)
def weekly_telemetry_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    sunday = report_date_for_tick(context.scheduled_execution_time)
    return dg.RunRequest(run_key=sunday, partition_key=sunday, tags={REPORT_DATE_TAG: sunday})


__all__ = ["REPORT_DATE_TAG", "weekly_report_job", "weekly_telemetry_schedule"]
