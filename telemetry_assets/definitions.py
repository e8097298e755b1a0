"""The code location: one ``Definitions`` with the six assets, their checks, the job, the
weekly schedule and the resources (configured from the contract's environment variables)."""

from __future__ import annotations

import dagster as dg

from telemetry_assets.defs import assets
from telemetry_assets.defs.io_manager import TelemetryIOManager
from telemetry_assets.defs.purge import purge_run_job
from telemetry_assets.defs.resources import repo_facts_from_env, settings_from_env, storage_dir
from telemetry_assets.defs.schedules import weekly_report_job, weekly_telemetry_schedule

ALL_ASSETS = [
    assets.raw_opt_in_manifest,
    assets.sanitized_artifacts,
    assets.fingerprints,
    assets.error_groups,
    assets.scored_rollup,
    assets.telemetry_report,
]


defs = dg.Definitions(
    assets=ALL_ASSETS,
    jobs=[weekly_report_job, purge_run_job],
    schedules=[weekly_telemetry_schedule],
    resources={
        "settings": settings_from_env(),
        "repo": repo_facts_from_env(),
        "io_manager": TelemetryIOManager(base_dir=storage_dir()),
    },
    # Two cores: one process per step costs more than the steps themselves; parallelism
    # lives inside sanitized_artifacts (a process pool over artifacts).
    executor=dg.in_process_executor,
)
