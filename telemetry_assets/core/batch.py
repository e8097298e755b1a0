"""Sanitize every collected artifact of a manifest, in parallel, into two tables.

Work is spread over a process pool (parse + redact is CPU-bound and the GIL would serialise it
in threads); results are merged in manifest order, never completion order, so the tables do not
depend on scheduling. A cache keyed by the artifact's content hash and the versions of the
parser set, redactor and table layout lets the next day's report, whose window overlaps 13
days, re-process only new files. The cache holds sanitized rows only; an entry is one binary
file whose passed test ids are stored sorted with an offset table, so the next day looks up the
few failing ids by bisection instead of parsing hundreds of thousands of ids back into a list.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import sys
import time
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate
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

TABLE_VERSION = "sanitized-v2"
"""Part of the cache token: bump it whenever the table layout or the cache entry format changes."""

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


class PassedIds:
    """The distinct passed test ids of one artifact, sorted, answering "which of these passed?".

    Held as one string plus an offset table rather than a list of strings: a large suite passes
    hundreds of thousands of tests, only the few that fail somewhere in the window are ever asked
    about, and building (and hashing) every id again on each day was most of a warm run.
    """

    __slots__ = ("_blob", "_count", "_offsets")

    def __init__(self, blob: str, offsets: array[int]) -> None:
        self._blob = blob
        self._offsets = offsets
        self._count = len(offsets) - 1

    @classmethod
    def of(cls, ids: Iterable[str]) -> PassedIds:
        ordered = sorted(set(ids))
        offsets = array("Q", [0])
        offsets.extend(accumulate(map(len, ordered)))
        return cls("".join(ordered), offsets)

    def _at(self, index: int) -> str:
        return self._blob[self._offsets[index] : self._offsets[index + 1]]

    def among(self, candidates: Iterable[str]) -> list[str]:
        """The candidates that are passed ids, sorted (exact string comparison)."""
        found = []
        for candidate in candidates:
            index = bisect_left(range(self._count), candidate, key=self._at)
            if index < self._count and self._at(index) == candidate:
                found.append(candidate)
        return sorted(found)

    def to_bytes(self) -> tuple[int, bytes, bytes]:
        offsets = array("Q", self._offsets)
        if sys.byteorder != "little":
            offsets.byteswap()
        return self._count, offsets.tobytes(), self._blob.encode("utf-8", "surrogatepass")

    @classmethod
    def from_bytes(cls, count: int, offsets_bytes: bytes, blob: bytes) -> PassedIds:
        offsets = array("Q")
        offsets.frombytes(offsets_bytes)
        if sys.byteorder != "little":
            offsets.byteswap()
        if len(offsets) != count + 1:
            raise ValueError("cache entry: offset table does not match its count")
        text = blob.decode("utf-8", "surrogatepass")
        if offsets[-1] != len(text):
            raise ValueError("cache entry: offsets do not cover the ids")
        return cls(text, offsets)


def _rows_for(
    item: SanitizedArtifact,
    record: ArtifactRecord,
    run: RunRecord,
    failing: set[str],
    passed: PassedIds,
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
        "passed_test_ids": json.dumps(passed.among(failing)),
        "redactions": json.dumps(dict(sorted(item.redactions.items()))),
    }
    return fail_rows, artifact_row


_MAGIC = b"TSC2"
_HEADER = struct.Struct("<4sQQQ")
"""Magic, then the byte lengths of the JSON part, the passed-id count and the id text."""


class SanitizedCache:
    """Sanitized results per artifact content hash; only ever holds redacted text."""

    SUFFIX = ".tsc"

    def __init__(self, directory: Path | None, token: str) -> None:
        self.directory = directory
        self.token = token

    def _path(self, dir_key: str, sha256: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / self.token / dir_key[:32] / f"{sha256}{self.SUFFIX}"

    def get(self, dir_key: str, sha256: str) -> tuple[SanitizedArtifact, PassedIds] | None:
        path = self._path(dir_key, sha256)
        if path is None or not path.is_file():
            return None
        try:
            return _entry_from_bytes(path.read_bytes())
        except (OSError, ValueError, KeyError, TypeError, struct.error):
            return None

    def put(self, dir_key: str, sha256: str, item: SanitizedArtifact, passed: PassedIds) -> None:
        path = self._path(dir_key, sha256)
        if path is None:
            return
        from telemetry_assets import storage  # the one module that writes

        storage.write_bytes(path, _entry_to_bytes(item, passed))

    def prune(self, live_run_keys: Iterable[str]) -> int:
        """Delete cached entries of runs that opted out, vanished or were purged, and of stale
        code versions or formats. Entries are filed by run folder, so this needs no artifact to
        be read."""
        if self.directory is None or not self.directory.is_dir():
            return 0
        keep = {k[:32] for k in live_run_keys}
        removed = 0
        for path in sorted(p for p in self.directory.rglob("*") if p.is_file()):
            if (
                path.parent.parent.name != self.token
                or path.parent.name not in keep
                or path.suffix != self.SUFFIX
            ):
                path.unlink(missing_ok=True)
                removed += 1
        for folder in sorted(self.directory.rglob("*"), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        return removed


def _entry_to_bytes(item: SanitizedArtifact, passed: PassedIds) -> bytes:
    from telemetry_assets.core.sanitize import failure_to_dict

    meta = json.dumps(
        {
            "status": item.status,
            "reason": item.reason,
            "format": item.format,
            "failures": [failure_to_dict(f) for f in item.failures],
            "failure_redactions": item.failure_redactions,
            "started_at": item.started_at.isoformat() if item.started_at else None,
            "redactions": dict(item.redactions),
            "bytes_read": item.bytes_read,
        },
        separators=(",", ":"),
    ).encode("utf-8")
    count, offsets, blob = passed.to_bytes()
    return b"".join((_HEADER.pack(_MAGIC, len(meta), count, len(blob)), meta, offsets, blob))


def _entry_from_bytes(data: bytes) -> tuple[SanitizedArtifact, PassedIds]:
    from telemetry_assets.core.sanitize import failure_from_dict

    magic, meta_len, count, blob_len = _HEADER.unpack_from(data)
    offsets_at = _HEADER.size + meta_len
    blob_at = offsets_at + 8 * (count + 1)
    if magic != _MAGIC or blob_at + blob_len != len(data):
        raise ValueError("cache entry: not this format, or truncated")
    meta: dict[str, Any] = json.loads(data[_HEADER.size : offsets_at])
    started = meta["started_at"]
    item = SanitizedArtifact(
        path="",
        run_id="",
        status=str(meta["status"]),
        reason=meta["reason"],
        format=meta["format"],
        failures=[failure_from_dict(f) for f in meta["failures"]],
        failure_redactions=list(meta["failure_redactions"]),
        started_at=datetime.fromisoformat(started) if isinstance(started, str) else None,
        redactions=Counter(meta["redactions"]),
        bytes_read=int(meta["bytes_read"]),
    )
    return item, PassedIds.from_bytes(count, data[offsets_at:blob_at], data[blob_at:])


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
    cached = [cache.get(k, r.sha256) for k, r in zip(dir_keys, records, strict=True)]
    results: list[SanitizedArtifact | None] = [c[0] if c else None for c in cached]
    passed: list[PassedIds | None] = [c[1] if c else None for c in cached]
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
            assert fresh is not None
            lookup = passed[index] = PassedIds.of(fresh.passed_test_ids)
            fresh.passed_test_ids = []  # the index holds them now; the list is the bulk of memory
            # Quarantines are not cached: the next run retries them (the cause may be transient).
            if fresh.status == "ok":
                cache.put(dir_keys[index], records[index].sha256, fresh, lookup)
    pruned = cache.prune(manifest.live_run_keys())
    fail_rows: list[dict[str, object]] = []
    artifact_rows: list[dict[str, object]] = []
    failing = {f.test_id for r in results if r is not None for f in r.failures if f.test_id}
    for record, result, ids in zip(records, results, passed, strict=True):
        assert result is not None and ids is not None
        rows, artifact_row = _rows_for(result, record, runs[record.run_id], failing, ids)
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
