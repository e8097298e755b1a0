"""The weekly schedule: Mondays 06:00 UTC, for the report date of the Sunday just ended.

A daily-partitioned job can only get a daily schedule from ``build_schedule_from_partitioned_job``,
so this is a plain ``@schedule`` that names the partition itself.
"""

from datetime import timedelta

import dagster as dg

from telemetry_assets.defs.partitions import report_dates

weekly_report_job = dg.define_asset_job(
    "weekly_telemetry_report",
    selection=dg.AssetSelection.groups("telemetry"),
    description="All six telemetry assets (and their blocking checks) for one report date.",
)


@dg.schedule(
    job=weekly_report_job,
    cron_schedule="0 6 * * 1",
    execution_timezone="UTC",
    name="weekly_telemetry_schedule",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def weekly_telemetry_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    sunday = (context.scheduled_execution_time - timedelta(days=1)).strftime("%Y-%m-%d")
    return dg.RunRequest(run_key=sunday, partition_key=sunday)


__all__ = ["report_dates", "weekly_report_job", "weekly_telemetry_schedule"]
