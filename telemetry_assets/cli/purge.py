"""``telemetry-purge --run RUN_ID [--date D ...]``: forget a run, now and for every report.

Steps, each idempotent so a purge interrupted half-way is finished by running it again:

1. record the run in the purge register (``TELEMETRY_STATE_DIR``): from now on every
   materialization skips it, whatever its run.json says;
2. delete its sanitized cache entries at once (the cache would otherwise keep them until the
   next materialization prunes it), found from its run folders under the artifacts root or,
   if the folder is gone, from the manifests the pipeline stored;
3. re-materialize every existing report whose window D-13..D holds the run's day (and each
   ``--date``), so its rows leave the occurrences Parquet, the JSON and the Markdown.

Locations come from the same environment variables as the code location. The materializations
use the Dagster instance of ``DAGSTER_HOME`` when it is set, an ephemeral one otherwise. Output
is counts and dates only. Exit codes: 0 done; 1 a re-materialization failed (run again);
2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from None


def rematerialize(partition: str) -> bool:
    """Materialize every asset for ``partition`` with resources built as definitions.py
    builds them, from the environment as it is now."""
    import dagster as dg

    from telemetry_assets.definitions import ALL_ASSETS
    from telemetry_assets.defs.io_manager import TelemetryIOManager
    from telemetry_assets.defs.resources import repo_facts_from_env, settings_from_env, storage_dir

    home = os.environ.get("DAGSTER_HOME")
    instance = dg.DagsterInstance.get() if home else dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        ALL_ASSETS,
        partition_key=partition,
        instance=instance,
        resources={
            "settings": settings_from_env(),
            "repo": repo_facts_from_env(),
            "io_manager": TelemetryIOManager(base_dir=storage_dir()),
        },
        raise_on_error=False,
    )
    return result.success


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="telemetry-purge",
        description="Purge a run: record it, delete its cached data, re-make affected reports.",
        epilog="Exit codes: 0 done; 1 a re-materialization failed (run again); 2 usage error.",
    )
    parser.add_argument("--run", required=True, dest="run_id", help="the run_id to purge")
    parser.add_argument(
        "--date",
        action="append",
        type=_date,
        default=[],
        dest="dates",
        help="also re-materialize this report date (repeatable)",
    )
    args = parser.parse_args(argv)
    run_id = args.run_id.strip()
    if not run_id:
        print("telemetry-purge: --run needs a run id", file=sys.stderr)
        return EXIT_USAGE

    from telemetry_assets.core import purge
    from telemetry_assets.defs.resources import settings_from_env, storage_dir

    settings = settings_from_env()
    state = settings.state_path or Path(".telemetry/state")
    added = purge.record_purge(state, run_id)
    print(f"telemetry-purge: run {'recorded in' if added else 'already in'} the purge register")

    traces = purge.find_run(settings.artifacts_path, run_id)
    traces.merge(purge.stored_runs(Path(storage_dir()), run_id))
    removed = 0
    if settings.cache_path is not None:
        removed = sum(purge.delete_cached_run(settings.cache_path, k) for k in traces.dir_keys)
    print(
        f"telemetry-purge: {len(traces.dir_keys)} run folder(s) found; "
        f"{removed} cached sanitized file(s) deleted"
    )

    existing = purge.report_dates(settings.reports_path)
    dates = sorted(set(purge.affected_dates(existing, traces.days)) | set(args.dates))
    if not traces.days and existing:
        print("telemetry-purge: the run's day is unknown; re-making every existing report")
    failed = []
    for day in dates:
        ok = rematerialize(day.isoformat())
        print(f"telemetry-purge: {day.isoformat()} re-materialized: {'ok' if ok else 'FAILED'}")
        if not ok:
            failed.append(day.isoformat())
    print(
        f"telemetry-purge: {len(dates) - len(failed)} report date(s) re-made"
        + (f", {len(failed)} failed: {', '.join(failed)}" if failed else "")
    )
    return EXIT_FAILED if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
