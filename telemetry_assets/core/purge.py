"""The purge register, and finding what a purged run left behind: runs whose data must be
treated as if it had never been collected.

``telemetry-purge --run RUN_ID`` adds a run here; the manifest then skips the run (reason
"purged on request", with no path or run id, so the purged run is counted but never named).
The register holds run ids only, in ``<state dir>/purged-runs.json``.

Filesystem use, stated because core modules otherwise take text: :func:`load_purged` and
:func:`record_purge` read and write the register (writes go through ``storage``, atomic);
:func:`find_run` reads only the ``run.json`` directly inside run folders of the artifacts root
(as the manifest does: no symlink is followed, nothing else is opened); :func:`stored_runs`
reads the manifests the pipeline stored; :func:`delete_cached_run` removes a run's folder from
the sanitized cache (and the cache's clean-value digests); :func:`affected_dates` lists report
files. Nothing here reads artifacts.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from telemetry_assets.core.manifest import LOCATIONS, MAX_RUN_JSON_BYTES, RUN_JSON, path_key
from telemetry_assets.core.window import parse_timestamp, utc_day

REGISTER = "purged-runs.json"
WINDOW_DAYS = 14
"""A report for D reads D-13..D (report week and baseline week): a run dated in there counts."""

# ``error-aggregates-YYYY-MM-DD.json``: the one report file every materialization writes.
# Deliberately not the .md or .parquet (same date, same run) nor ``.tmp-`` leftovers.
_REPORT_NAME = re.compile(r"error-aggregates-(\d{4}-\d{2}-\d{2})\.json")


def load_purged(state_dir: Path) -> frozenset[str]:
    path = state_dir / REGISTER
    if not path.is_file():
        return frozenset()
    data = json.loads(path.read_text("utf-8"))
    runs = data.get("runs", []) if isinstance(data, dict) else []
    return frozenset(str(r) for r in runs)


def register_payload(existing: frozenset[str], run_id: str) -> dict[str, list[str]]:
    return {"runs": sorted(existing | {run_id})}


def record_purge(state_dir: Path, run_id: str) -> bool:
    """Add ``run_id`` to the register; ``False`` if it was already there (idempotent)."""
    from telemetry_assets import storage  # the one module that writes

    existing = load_purged(state_dir)
    if run_id in existing:
        return False
    storage.write_json(state_dir / REGISTER, register_payload(existing, run_id))
    return True


@dataclass(slots=True)
class RunTraces:
    """Where a run's data may be: cache keys of its folders and the days it is dated."""

    dir_keys: set[str] = field(default_factory=set)
    days: set[date] = field(default_factory=set)

    def merge(self, other: RunTraces) -> None:
        self.dir_keys |= other.dir_keys
        self.days |= other.days


def _run_json(path: Path) -> dict[str, object] | None:
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_RUN_JSON_BYTES:
            return None
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def find_run(root: Path, run_id: str) -> RunTraces:
    """Run folders under ``root`` whose run.json ``run_id`` (or, without one, folder name) is
    ``run_id``: their cache keys (as the manifest computes them) and ``started_at`` days."""
    found = RunTraces()
    if not root.is_dir():
        return found
    root = root.resolve()
    for location in LOCATIONS:
        base = root / location
        if base.is_symlink() or not base.is_dir():
            continue
        for run_dir in sorted(base.iterdir()):
            if run_dir.is_symlink() or not run_dir.is_dir():
                continue
            meta = _run_json(run_dir / RUN_JSON) or {}
            declared = meta.get("run_id")
            name = str(declared).strip() if declared else run_dir.name
            if name != run_id:
                continue
            found.dir_keys.add(path_key(run_dir.relative_to(root).as_posix()))
            started = meta.get("started_at")
            moment = parse_timestamp(started) if isinstance(started, str) else None
            if moment is not None:
                found.days.add(utc_day(moment))
    return found


def stored_runs(store_dir: Path, run_id: str) -> RunTraces:
    """The same, from the manifests the pipeline stored: finds a run whose folder is gone."""
    found = RunTraces()
    folder = store_dir / "raw_opt_in_manifest"
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text("utf-8")).get("data") or {}
        except (OSError, ValueError, AttributeError):
            continue
        for run in data.get("runs", []):
            if isinstance(run, dict) and run.get("run_id") == run_id:
                found.dir_keys.add(str(run.get("dir_key", "")))
                moment = parse_timestamp(str(run.get("started_at", "")))
                if moment is not None:
                    found.days.add(utc_day(moment))
    found.dir_keys.discard("")
    return found


def delete_cached_run(cache_dir: Path, dir_key: str) -> int:
    """Remove the run's sanitized entries under every cache token; returns the number of
    cached artifacts removed. The clean-value memory goes too: it holds only digests, but some
    are of the run's sanitized text, and it is rebuilt by the next scan. So does the fingerprint
    memory (the run's failures may be among its entries; it is derived again)."""
    from telemetry_assets.core.batch import cached_entries
    from telemetry_assets.core.clean_values import FOLDER as CLEAN_VALUES
    from telemetry_assets.core.fingerprint.memory import FOLDER as DERIVED

    if not cache_dir.is_dir():
        return 0
    removed = 0
    for token in sorted(p for p in cache_dir.iterdir() if p.is_dir() and not p.is_symlink()):
        if token.name in (CLEAN_VALUES, DERIVED):
            shutil.rmtree(token)
            continue
        folder = token / dir_key[:32]
        if folder.is_dir() and not folder.is_symlink():
            removed += cached_entries(folder)
            shutil.rmtree(folder)
    return removed


def report_dates(reports_dir: Path) -> list[date]:
    if not reports_dir.is_dir():
        return []
    dates = []
    for path in reports_dir.iterdir():
        match = _REPORT_NAME.fullmatch(path.name)
        if match:
            try:
                dates.append(date.fromisoformat(match.group(1)))
            except ValueError:
                continue
    return sorted(dates)


def affected_dates(existing: list[date], run_days: set[date]) -> list[date]:
    """Report dates whose 14-day window D-13..D holds one of ``run_days``; all of them when the
    run's days are unknown (better re-make a report for nothing than keep a purged run)."""
    if not run_days:
        return list(existing)
    return [
        d
        for d in existing
        if any(d - timedelta(days=WINDOW_DAYS - 1) <= day <= d for day in run_days)
    ]
