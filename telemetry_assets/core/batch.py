"""Sanitize every collected artifact of a manifest, in parallel, into two tables.

Work is spread over a process pool (parse + redact is CPU-bound and the GIL would serialise it
in threads); results are merged in manifest order, never completion order, so the tables do not
depend on scheduling. A cache keyed by the artifact's content hash and the versions of the
parser set, redactor and table layout lets the next day's report, whose window overlaps 13
days, re-process only new files. The cache holds sanitized rows only.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from telemetry_assets.core.manifest import ArtifactRecord, Manifest, RunRecord
from telemetry_assets.core.redaction.redactor import Redactor
from telemetry_assets.core.sanitize import (
    SanitizedArtifact,
    chained_to_json,
    frames_to_json,
    sanitize_artifact,
)

TABLE_VERSION = "sanitized-v1"

FAILURE_COLUMNS: tuple[str, ...] = (
    "artifact", "run_id", "provider", "job_type", "branch", "occurred_at", "source_format",
    "kind", "language", "exception_type", "message", "trace", "test_id", "test_file", "frames",
    "chained", "flaky", "redactions",
)  # fmt: skip

ARTIFACT_COLUMNS: tuple[str, ...] = (
    "artifact", "run_id", "sha256", "size", "status", "reason", "format", "failures",
    "flaky_failures", "passed_test_ids", "redactions",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RedactorSettings:
    disabled_rules: tuple[str, ...] = ()
    extra_internal_domains: tuple[str, ...] = ()

    def build(self) -> Redactor:
        return Redactor(
            disabled_rules=self.disabled_rules, extra_internal_domains=self.extra_internal_domains
        )

    def cache_token(self) -> str:
        payload = json.dumps(
            [
                TABLE_VERSION,
                sorted(self.disabled_rules),
                sorted(self.extra_internal_domains),
                _code_version(),
            ]
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _code_version() -> str:
    """A hash of the parser and redaction sources: a code change invalidates the cache."""
    global _CODE_VERSION
    if _CODE_VERSION is None:
        digest = hashlib.sha256()
        base = Path(__file__).resolve().parent
        for folder in ("parsers", "redaction"):
            for path in sorted((base / folder).rglob("*.py")):
                digest.update(path.read_bytes())
        digest.update((base / "sanitize.py").read_bytes())
        _CODE_VERSION = digest.hexdigest()[:16]
    return _CODE_VERSION


_CODE_VERSION: str | None = None
_WORKER_REDACTOR: Redactor | None = None


def _init_worker(settings: RedactorSettings) -> None:
    global _WORKER_REDACTOR
    _WORKER_REDACTOR = settings.build()


def _work(args: tuple[str, str, str, str]) -> SanitizedArtifact:
    assert _WORKER_REDACTOR is not None
    root, rel, run_id, sha256 = args
    return sanitize_artifact(root, rel, run_id, _WORKER_REDACTOR, expected_sha256=sha256)


@dataclass(slots=True)
class BatchResult:
    failures: pd.DataFrame
    artifacts: pd.DataFrame
    processed: int
    from_cache: int
    bytes_processed: int
    seconds: float
    cache_pruned: int = 0


Progress = Callable[[int, int, int, float], None]
"""(done, total, bytes done, elapsed seconds) -> None. Never receives content."""


def _rows_for(
    item: SanitizedArtifact, record: ArtifactRecord, run: RunRecord, failing: set[str]
) -> tuple[list[dict[str, object]], dict[str, object]]:
    fail_rows: list[dict[str, object]] = []
    job_type = run.job_type
    if run.job_type_inferred and item.format == "playwright-json":
        job_type = "visual"
    for failure, counts in zip(item.failures, item.failure_redactions, strict=True):
        # The run's started_at decides the day (contract); a failure timestamp is used only
        # when the run had to fall back to file times.
        occurred = run.started_at
        if run.date_source != "run.json" and failure.occurred_at is not None:
            occurred = failure.occurred_at
        fail_rows.append(
            {
                "artifact": record.path,
                "run_id": run.run_id,
                "provider": run.provider,
                "job_type": job_type,
                "branch": run.branch,
                "occurred_at": occurred,
                "source_format": failure.source_format,
                "kind": failure.kind,
                "language": failure.language,
                "exception_type": failure.exception_type,
                "message": failure.message,
                "trace": failure.trace,
                "test_id": failure.test_id,
                "test_file": failure.test_file,
                "frames": frames_to_json(failure.frames),
                "chained": chained_to_json(failure.chained),
                "flaky": failure.flaky,
                "redactions": json.dumps(dict(sorted(counts.items()))),
            }
        )
    artifact_row = {
        "artifact": record.path,
        "run_id": run.run_id,
        "sha256": record.sha256,
        "size": record.size,
        "status": item.status,
        "reason": item.reason,
        "format": item.format,
        "failures": len(item.failures),
        # Failed, then passed on a retry in the same artifact: kept (flaky signal), counted apart.
        "flaky_failures": sum(1 for f in item.failures if f.flaky),
        # Only passes of tests that fail somewhere in the window matter (flaky detection); a
        # large suite passes hundreds of thousands of tests a week.
        "passed_test_ids": json.dumps(sorted(failing.intersection(item.passed_test_ids))),
        "redactions": json.dumps(dict(sorted(item.redactions.items()))),
    }
    return fail_rows, artifact_row


class SanitizedCache:
    """Sanitized results per artifact content hash; only ever holds redacted text."""

    def __init__(self, directory: Path | None, token: str) -> None:
        self.directory = directory
        self.token = token

    def _path(self, dir_key: str, sha256: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / self.token / dir_key[:32] / f"{sha256}.json"

    def get(self, dir_key: str, sha256: str) -> SanitizedArtifact | None:
        path = self._path(dir_key, sha256)
        if path is None or not path.is_file():
            return None
        try:
            return _artifact_from_json(json.loads(path.read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, dir_key: str, sha256: str, item: SanitizedArtifact) -> None:
        path = self._path(dir_key, sha256)
        if path is None:
            return
        from telemetry_assets import storage  # the one module that writes

        storage.write_text(path, json.dumps(_artifact_to_json(item), separators=(",", ":")))

    def prune(self, live_run_keys: Iterable[str]) -> int:
        """Delete cached entries of runs that opted out, vanished or were purged, and of stale
        code versions. Entries are filed by run folder, so this needs no artifact to be read."""
        if self.directory is None or not self.directory.is_dir():
            return 0
        keep = {k[:32] for k in live_run_keys}
        removed = 0
        for path in sorted(self.directory.rglob("*.json")):
            if path.parent.parent.name != self.token or path.parent.name not in keep:
                path.unlink(missing_ok=True)
                removed += 1
        for folder in sorted(self.directory.rglob("*"), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        return removed


def _artifact_to_json(item: SanitizedArtifact) -> dict[str, object]:
    from telemetry_assets.core.sanitize import failure_to_dict

    return {
        "status": item.status,
        "reason": item.reason,
        "format": item.format,
        "failures": [failure_to_dict(f) for f in item.failures],
        "failure_redactions": item.failure_redactions,
        "passed_test_ids": item.passed_test_ids,
        "started_at": item.started_at.isoformat() if item.started_at else None,
        "redactions": dict(item.redactions),
        "bytes_read": item.bytes_read,
    }


def _artifact_from_json(data: dict[str, Any]) -> SanitizedArtifact:
    from telemetry_assets.core.sanitize import failure_from_dict

    started = data["started_at"]
    return SanitizedArtifact(
        path="",
        run_id="",
        status=str(data["status"]),
        reason=data["reason"],
        format=data["format"],
        failures=[failure_from_dict(f) for f in data["failures"]],
        failure_redactions=list(data["failure_redactions"]),
        passed_test_ids=list(data["passed_test_ids"]),
        started_at=datetime.fromisoformat(started) if isinstance(started, str) else None,
        redactions=Counter(data["redactions"]),
        bytes_read=int(data["bytes_read"]),
    )


def sanitize_manifest(
    root: Path,
    manifest: Manifest,
    real_paths: dict[str, str],
    settings: RedactorSettings,
    *,
    workers: int = 2,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> BatchResult:
    """Sanitize every artifact of ``manifest``; deterministic whatever ``workers`` is."""
    started = time.monotonic()
    runs = {r.run_id: r for r in manifest.runs}
    cache = SanitizedCache(cache_dir, settings.cache_token())
    records: Sequence[ArtifactRecord] = manifest.artifacts
    dir_keys = [runs[r.run_id].dir_key for r in records]
    results: list[SanitizedArtifact | None] = [
        cache.get(k, r.sha256) for k, r in zip(dir_keys, records, strict=True)
    ]
    from_cache = sum(1 for r in results if r is not None)
    todo = [i for i, r in enumerate(results) if r is None]
    total = len(records)
    done_bytes = sum(records[i].size for i in range(total) if results[i] is not None)
    done = from_cache
    jobs = [
        (
            str(root),
            real_paths.get(records[i].path_key, records[i].path),
            records[i].run_id,
            records[i].sha256,
        )
        for i in todo
    ]
    if todo:
        if workers > 1 and len(todo) > 1:
            with ProcessPoolExecutor(
                max_workers=min(workers, len(todo)),
                initializer=_init_worker,
                initargs=(settings,),
            ) as pool:
                # Largest artifacts first, one per task: sizes are skewed (one big log can be a
                # third of a day), and this keeps both cores busy to the end. Results go back to
                # their manifest position, so the order of completion never shows.
                order = sorted(range(len(todo)), key=lambda k: -records[todo[k]].size)
                futures = {pool.submit(_work, jobs[k]): todo[k] for k in order}
                for future in as_completed(futures):
                    index = futures[future]
                    results[index] = future.result()
                    done += 1
                    done_bytes += records[index].size
                    if progress:
                        progress(done, total, done_bytes, time.monotonic() - started)
        else:
            _init_worker(settings)
            for index, job in zip(todo, jobs, strict=True):
                results[index] = _work(job)
                done += 1
                done_bytes += records[index].size
                if progress:
                    progress(done, total, done_bytes, time.monotonic() - started)
        for index in todo:
            fresh = results[index]
            # Quarantines are not cached: the next run retries them (the cause may be transient).
            if fresh is not None and fresh.status == "ok":
                cache.put(dir_keys[index], records[index].sha256, fresh)
    pruned = cache.prune(manifest.live_run_keys())
    fail_rows: list[dict[str, object]] = []
    artifact_rows: list[dict[str, object]] = []
    failing = {f.test_id for r in results if r is not None for f in r.failures if f.test_id}
    for record, result in zip(records, results, strict=True):
        assert result is not None
        rows, artifact_row = _rows_for(result, record, runs[record.run_id], failing)
        fail_rows.extend(rows)
        artifact_rows.append(artifact_row)
    failures = pd.DataFrame(fail_rows, columns=list(FAILURE_COLUMNS))
    failures["occurred_at"] = pd.to_datetime(failures["occurred_at"], utc=True).astype(
        "datetime64[us, UTC]"
    )
    failures["flaky"] = failures["flaky"].astype(bool)
    artifacts = pd.DataFrame(artifact_rows, columns=list(ARTIFACT_COLUMNS))
    return BatchResult(
        failures=failures,
        artifacts=artifacts,
        processed=len(todo),
        from_cache=from_cache,
        bytes_processed=sum(records[i].size for i in todo),
        seconds=time.monotonic() - started,
        cache_pruned=pruned,
    )


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))
