"""``purge_run_job``: the purge as a Dagster job, for operators who work from the UI.

Config: ``run_id``. The one op records the run in the purge register, deletes its sanitized
cache entries, and removes the derived data of every report date whose window D-13..D holds the
run (the report JSON/Markdown/Parquet, issue drafts and the intermediate assets' stored
partitions), so nothing derived from the run stays readable. It does not re-make those reports
inside the job; it lists the dates in its metadata: backfill them (or run ``telemetry-purge``,
which re-materializes in one step).
"""

import shutil
from pathlib import Path

import dagster as dg

from telemetry_assets.core import purge
from telemetry_assets.defs.resources import TelemetrySettings, storage_dir

ASSET_NAMES = (
    "raw_opt_in_manifest", "sanitized_artifacts", "fingerprints", "error_groups",
    "scored_rollup", "telemetry_report",
)  # fmt: skip


class PurgeConfig(dg.Config):
    run_id: str


def _remove_date(reports: Path, store: Path, day: str) -> int:
    removed = 0
    for name in (f"error-aggregates-{day}.json", f"telemetry-report-{day}.md",
                 f"occurrences-{day}.parquet"):  # fmt: skip
        removed += int((reports / name).is_file())
        (reports / name).unlink(missing_ok=True)
    if (reports / "issues" / day).is_dir():
        shutil.rmtree(reports / "issues" / day)
        removed += 1
    for asset in ASSET_NAMES:
        for path in (store / asset).glob(f"{day}.*"):
            removed += 1
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    return removed


@dg.op(description="Record the purge, delete the run's cache and every output derived from it.")
def purge_run(
    context: dg.OpExecutionContext, config: PurgeConfig, settings: TelemetrySettings
) -> dg.Output[list[str]]:
    run_id = config.run_id.strip()
    if not run_id:
        raise dg.Failure(description="run_id is empty", allow_retries=False)
    store = Path(storage_dir())
    purge.record_purge(settings.state_path or Path(".telemetry/state"), run_id)
    traces = purge.find_run(settings.artifacts_path, run_id)
    traces.merge(purge.stored_runs(store, run_id))
    cached = 0
    if settings.cache_path is not None:
        cached = sum(purge.delete_cached_run(settings.cache_path, k) for k in traces.dir_keys)
    dates = purge.affected_dates(purge.report_dates(settings.reports_path), traces.days)
    removed = sum(_remove_date(settings.reports_path, store, d.isoformat()) for d in dates)
    context.log.info(
        f"purged: {len(traces.dir_keys)} run folder(s), {cached} cached file(s), "
        f"{removed} derived file(s) over {len(dates)} report date(s); re-materialize those dates"
    )
    days = [d.isoformat() for d in dates]
    return dg.Output(
        days,
        metadata={
            "cached_files_deleted": cached,
            "derived_files_removed": removed,
            "dates_to_rematerialize": dg.MetadataValue.json(days),
        },
    )


@dg.job(description="Purge one run (config: run_id): as if it had never been collected.")
def purge_run_job() -> None:
    purge_run()
