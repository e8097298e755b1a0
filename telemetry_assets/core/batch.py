"""Sanitize every collected artifact of a manifest, in parallel, into two tables.

Work is spread over a process pool (parse + redact is CPU-bound and the GIL would serialise it
in threads), in tasks of many small artifacts (CI uploads tens of thousands of 1-10 KB reports;
one task each cost more than parsing one); results are merged in manifest order, never
completion order, so the tables do not depend on scheduling. A cache keyed by the artifact's
content hash and the versions of the parser set, redactor and table layout lets the next day's
report, whose window overlaps 13 days, re-process only new files. The cache holds sanitized rows
only, in one append-only segment file per run folder (see :class:`SanitizedCache`); an entry's
passed test ids are stored as keyed digests in the buffers of an Arrow binary array, so the next
day asks which of the few failing ids passed with one vectorised lookup per artifact.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import struct
import sys
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from telemetry_assets.core import clean_values
from telemetry_assets.core.manifest import ArtifactRecord, Manifest, RunRecord
from telemetry_assets.core.redaction.detector import ResidualPiiDetector
from telemetry_assets.core.redaction.redactor import Redactor
from telemetry_assets.core.sanitize import (
    SanitizedArtifact,
    chained_to_json,
    frames_to_json,
    sanitize_artifact,
    stored_values,
)

TABLE_VERSION = "sanitized-v4"
"""Part of the cache token: bump it whenever the table layout or the cache entry format changes."""

FAILURE_COLUMNS: tuple[str, ...] = (
    "artifact", "run_id", "provider", "job_type", "branch", "occurred_at", "source_format",
    "kind", "language", "exception_type", "message", "trace", "test_id", "test_file", "frames",
    "chained", "flaky", "redactions",
)  # fmt: skip

ARTIFACT_COLUMNS: tuple[str, ...] = (
    "artifact", "run_id", "sha256", "size", "status", "reason", "format", "failures",
    "flaky_failures", "passed_test_ids", "redactions", "findings", "finding_digests",
    "reviewed_findings",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RedactorSettings:
    disabled_rules: tuple[str, ...] = ()
    extra_internal_domains: tuple[str, ...] = ()
    reviewed_findings: tuple[str, ...] = ()
    """Finding digests the repository policy marks as harmless (the privacy gate allows them).
    Part of the cache token: a kept artifact may rest on a review that is later withdrawn."""

    def build(self) -> Redactor:
        return Redactor(
            disabled_rules=self.disabled_rules, extra_internal_domains=self.extra_internal_domains
        )

    def build_detector(self) -> ResidualPiiDetector:
        return ResidualPiiDetector(extra_internal_domains=self.extra_internal_domains)

    def cache_token(self) -> str:
        payload = json.dumps(
            [
                TABLE_VERSION,
                sorted(self.disabled_rules),
                sorted(self.extra_internal_domains),
                sorted(self.reviewed_findings),
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
_WORKER_DETECTOR: ResidualPiiDetector | None = None
_WORKER_REVIEWED: frozenset[str] = frozenset()


def _init_worker(settings: RedactorSettings) -> None:
    global _WORKER_REDACTOR, _WORKER_DETECTOR, _WORKER_REVIEWED
    _WORKER_REDACTOR = settings.build()
    # One detector per process: it remembers the lines it has scanned.
    _WORKER_DETECTOR = settings.build_detector()
    _WORKER_REVIEWED = frozenset(settings.reviewed_findings)


def _work(args: tuple[str, str, str, str]) -> SanitizedArtifact:
    assert _WORKER_REDACTOR is not None
    root, rel, run_id, sha256 = args
    return sanitize_artifact(
        root,
        rel,
        run_id,
        _WORKER_REDACTOR,
        expected_sha256=sha256,
        detector=_WORKER_DETECTOR,
        reviewed=_WORKER_REVIEWED,
    )


def _work_batch(jobs: list[tuple[str, str, str, str]]) -> list[tuple[bytes, bytes]]:
    """Sanitize a batch of artifacts; each comes back as its cache entry (bytes pickle fast)
    and the SHA-256 digests of the stored values the privacy gate scanned and found nothing in.
    """
    out = []
    for job in jobs:
        item = _work(job)
        passed = PassedIds.of(item.passed_test_ids)
        item.passed_test_ids = []  # the index holds them now; the list is the bulk of memory
        digests = b""
        # Only an artifact with no finding at all (reviewed ones included) vouches for its
        # values; the digests are of exactly the strings the gate scanned.
        if _WORKER_DETECTOR is not None and item.status == "ok" and not item.reviewed_findings:
            digests = b"".join(
                clean_values.value_digest(v) for v in dict.fromkeys(stored_values(item)) if v
            )
        out.append((_entry_to_bytes(item, passed), digests))
    return out


@dataclass(slots=True)
class BatchResult:
    failures: pd.DataFrame
    artifacts: pd.DataFrame
    processed: int
    from_cache: int
    bytes_processed: int
    seconds: float
    cache_pruned: int = 0
    clean_digests: bytes = b""
    """SHA-256 digests of stored values the workers' privacy gate scanned and found clean."""
    clean_version: str = ""
    """The version (:func:`clean_values.detector_version`) of the detector that scanned them."""


Buffer = bytes | memoryview
"""Bytes, or a view into an entry's bytes."""

Progress = Callable[[int, int, int, float], None]
"""(done, total, bytes done, elapsed seconds) -> None. Never receives content."""


def passed_id_digest(test_id: str) -> bytes:
    """A keyed 16-byte digest of a (redacted) test id: what the cache keeps of passed tests.

    Only equality is ever asked of passed ids ("did this failing test pass somewhere?"), so the
    cache holds digests, never the ids' text: hundreds of thousands of ids per large suite are
    then neither stored as text nor scanned by the privacy gate."""
    return hashlib.blake2b(
        test_id.encode("utf-8", "surrogatepass"), digest_size=16, key=_PASSED_ID_KEY
    ).digest()


_PASSED_ID_KEY = b"telemetry_assets/passed-id/v1"


class PassedIds:
    """The distinct passed test ids of one artifact, answering "which of these passed?".

    Held as the sorted digests of the ids (:func:`passed_id_digest`) plus a table of byte
    offsets (the buffers of an Arrow large-binary array) rather than a list of strings: a large
    suite passes hundreds of thousands of tests, only the few that fail somewhere in the window
    are ever asked about, and the question is one vectorised ``is_in`` over buffers read straight
    from the cache, with no Python string (or key-function call) per id.
    """

    __slots__ = ("_blob", "_count", "_offsets")

    def __init__(self, count: int, offsets: Buffer, blob: Buffer) -> None:
        self._count = count
        self._offsets = offsets
        self._blob = blob

    @classmethod
    def of(cls, ids: Iterable[str]) -> PassedIds:
        ordered = sorted({passed_id_digest(i) for i in ids})
        offsets = array("q", [0])
        offsets.extend(accumulate(map(len, ordered)))
        if sys.byteorder != "little":
            offsets.byteswap()
        return cls(len(ordered), offsets.tobytes(), b"".join(ordered))

    def __len__(self) -> int:
        return self._count

    def to_bytes(self) -> tuple[int, bytes, bytes]:
        return self._count, bytes(self._offsets), bytes(self._blob)

    @classmethod
    def from_bytes(cls, count: int, offsets: Buffer, blob: Buffer) -> PassedIds:
        if len(offsets) != 8 * (count + 1):
            raise ValueError("cache entry: offset table does not match its count")
        last = int.from_bytes(offsets[-8:], "little")
        if last != len(blob):
            raise ValueError("cache entry: offsets do not cover the ids")
        return cls(count, offsets, blob)


_LOOKUP_CHUNK = 32 << 20
"""Id bytes looked up per vectorised call: bounds the copy the concatenation makes."""


def passed_among(passed: Sequence[PassedIds], candidates: Candidates) -> list[list[str]]:
    """For each artifact, the ``candidates`` among its passed ids, sorted.

    The ids of many artifacts are concatenated into one Arrow array (about 32 MB of ids at a
    time) and asked with one ``is_in``: per artifact, a call cost more than the lookup itself
    on tens of thousands of small reports."""
    out: list[list[str]] = [[] for _ in passed]
    if not len(candidates.digests):
        return out
    start = 0
    while start < len(passed):
        stop, held = start, 0
        while stop < len(passed) and (stop == start or held < _LOOKUP_CHUNK):
            held += len(passed[stop]._blob)
            stop += 1
        _lookup_chunk(passed, start, stop, candidates, out)
        start = stop
    return out


def _lookup_chunk(
    passed: Sequence[PassedIds],
    start: int,
    stop: int,
    candidates: Candidates,
    out: list[list[str]],
) -> None:
    members = [k for k in range(start, stop) if passed[k]._count]
    if not members:
        return
    counts = np.fromiter((passed[k]._count for k in members), dtype=np.int64, count=len(members))
    sizes = np.fromiter((len(passed[k]._blob) for k in members), dtype=np.int64, count=len(members))
    bases = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    offsets = [np.zeros(1, dtype=np.int64)]
    for k, base in zip(members, bases.tolist(), strict=True):
        offsets.append(np.frombuffer(passed[k]._offsets, dtype="<i8")[1:].astype(np.int64) + base)
    ids = pa.Array.from_buffers(
        pa.large_binary(),
        int(counts.sum()),
        [
            None,
            pa.py_buffer(np.concatenate(offsets)),
            pa.py_buffer(b"".join(passed[k]._blob for k in members)),
        ],
    )
    ids.validate(full=True)  # offsets in range and ordered: never trust bytes blindly
    hits = np.flatnonzero(
        pc.is_in(ids, value_set=candidates.digests).to_numpy(zero_copy_only=False)
    )
    if not len(hits):
        return
    owners = np.searchsorted(np.cumsum(counts), hits, side="right")
    values = ids.take(pa.array(hits)).to_pylist()
    for owner, value in zip(owners.tolist(), values, strict=True):
        out[members[owner]].append(candidates.names[value])
    for k in members:
        out[k].sort()


@dataclass(frozen=True, slots=True)
class Candidates:
    """Failing test ids as :func:`passed_among` asks about them: their digests, and the id of
    each digest to answer with."""

    digests: pa.Array
    names: dict[bytes, str]


def candidate_ids(ids: Iterable[str]) -> Candidates:
    names = {passed_id_digest(i): i for i in set(ids)}
    return Candidates(pa.array(sorted(names), type=pa.large_binary()), names)


def _json_cell(value: dict[str, Any] | list[Any]) -> str:
    """The JSON text of a small dict or list; empty ones (most cells) skip the encoder."""
    if not value:
        return "[]" if isinstance(value, list) else "{}"
    return json.dumps(value)


def _rows_for(
    item: SanitizedArtifact,
    record: ArtifactRecord,
    run: RunRecord,
    passed: list[str],
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
                "redactions": _json_cell(dict(sorted(counts.items()))),
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
        "passed_test_ids": _json_cell(passed),
        "redactions": _json_cell(dict(sorted(item.redactions.items()))),
        # The privacy gate's counts and digests (never text): withheld, and reviewed-and-allowed.
        "findings": _json_cell(dict(sorted(item.findings.items()))),
        "finding_digests": _json_cell(item.finding_digests),
        "reviewed_findings": _json_cell(dict(sorted(item.reviewed_findings.items()))),
    }
    return fail_rows, artifact_row


_MAGIC = b"TSC3"
_HEADER = struct.Struct("<4sQQQ")
"""Entry: magic, then the byte lengths of the JSON part, the passed-id count and the id bytes."""

_RECORD = struct.Struct("<4s32sQ32s")
_RECORD_MAGIC = b"TSR1"
"""Segment record: magic, the artifact's SHA-256, the entry's length and the entry's SHA-256."""


@dataclass(slots=True)
class _Segment:
    entries: dict[str, bytes]
    records: int
    damaged: bool


def _read_segment(path: Path) -> _Segment:
    """Every verified record of a segment; stops at the first torn or damaged one."""
    try:
        data = path.read_bytes()
    except OSError:
        return _Segment({}, 0, False)
    entries: dict[str, bytes] = {}
    pos = records = 0
    view = memoryview(data)
    while pos < len(data):
        if len(data) - pos < _RECORD.size:
            return _Segment(entries, records, True)
        magic, sha, length, check = _RECORD.unpack_from(data, pos)
        start = pos + _RECORD.size
        payload = view[start : start + length]
        if magic != _RECORD_MAGIC or len(payload) != length:
            return _Segment(entries, records, True)
        if hashlib.sha256(payload).digest() != check:
            return _Segment(entries, records, True)
        entries[sha.hex()] = payload.tobytes()  # the last record of an artifact wins
        records += 1
        pos = start + length
    return _Segment(entries, records, False)


def _record(sha256: str, payload: bytes) -> bytes:
    check = hashlib.sha256(payload).digest()
    return _RECORD.pack(_RECORD_MAGIC, bytes.fromhex(sha256), len(payload), check) + payload


def cached_entries(folder: Path) -> int:
    """How many artifacts a run folder of the cache holds (for purge reports)."""
    return sum(len(_read_segment(p).entries) for p in folder.glob(f"*{SanitizedCache.SUFFIX}"))


class SanitizedCache:
    """Sanitized results per artifact content hash; only ever holds redacted text.

    One segment file per run folder, ``<token>/<run folder key>/entries.tsc``, of appended
    records, each carrying its own SHA-256: a report date writes a few hundred files instead of
    one per artifact (tens of thousands of small reports), reads each run's entries with one
    read, and needs no fsync, because a torn or lost record fails its check and is a miss.
    Filing by run folder keeps purge and opt-out pruning a matter of deleting one folder. A
    segment that was found damaged, or that holds more dead entries than live ones, is rewritten
    whole (atomically) instead of appended to.
    """

    SUFFIX = ".tsc"
    SEGMENT = "entries.tsc"

    def __init__(self, directory: Path | None, token: str) -> None:
        self.directory = directory
        self.token = token
        self._segments: dict[str, _Segment] = {}
        self._pending: dict[str, list[tuple[str, bytes]]] = {}

    def _segment_path(self, dir_key: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / self.token / dir_key[:32] / self.SEGMENT

    def get(self, dir_key: str, sha256: str) -> bytes | None:
        """The entry of an artifact, or ``None`` (identical files share one entry)."""
        segment = self._segments.get(dir_key[:32])
        if segment is None:
            path = self._segment_path(dir_key)
            if path is None:
                return None
            segment = self._segments[dir_key[:32]] = _read_segment(path)
        return segment.entries.get(sha256)

    def release(self) -> None:
        """Forget the entries read so far (the caller has decoded them); keep what
        :meth:`flush` needs to know about each segment."""
        for segment in self._segments.values():
            segment.entries = {}

    def put(self, dir_key: str, sha256: str, payload: bytes) -> None:
        if self.directory is not None:
            self._pending.setdefault(dir_key[:32], []).append((sha256, payload))

    def flush(self, live: dict[str, set[str]]) -> None:
        """Write the pending entries; ``live`` maps run folder keys to their artifacts' hashes.

        A cache write that fails (disk full, a concurrent prune) costs a recomputation next
        time, never the run."""
        from telemetry_assets import storage  # the one module that writes

        pending, self._pending = self._pending, {}
        for key, items in sorted(pending.items()):
            path = self._segment_path(key)
            assert path is not None
            segment = self._segments.get(key) or _Segment({}, 0, False)
            alive = live.get(key, set())
            try:
                if segment.damaged or segment.records > 2 * max(1, len(alive)):
                    kept = {
                        sha: payload
                        for sha, payload in _read_segment(path).entries.items()
                        if sha in alive
                    }
                    kept.update(items)
                    data = b"".join(_record(sha, p) for sha, p in sorted(kept.items()))
                    storage.write_bytes(path, data, durable=False)
                else:
                    storage.append_bytes(path, b"".join(_record(sha, p) for sha, p in items))
            except OSError:
                continue

    def prune(self, live_run_keys: Iterable[str]) -> int:
        """Delete cached entries of runs that opted out, vanished or were purged, and of stale
        code versions or formats. Entries are filed by run folder, so this needs no artifact to
        be read. The clean-value memory (digests only) keeps its own versions."""
        if self.directory is None or not self.directory.is_dir():
            return 0
        keep = {k[:32] for k in live_run_keys}
        current = self.directory / self.token
        removed = 0
        for child in sorted(self.directory.iterdir()):
            if child.name == clean_values.FOLDER:
                removed += clean_values.prune(self.directory, [clean_values.detector_version()])
            elif child.is_dir() and not child.is_symlink() and child != current:
                removed += sum(1 for p in child.rglob("*") if p.is_file())
                shutil.rmtree(child, ignore_errors=True)
            elif child != current:
                child.unlink(missing_ok=True)
                removed += 1
        if not current.is_dir():
            return removed
        for folder in sorted(current.iterdir()):
            if folder.name not in keep or not folder.is_dir() or folder.is_symlink():
                if folder.is_dir() and not folder.is_symlink():
                    removed += sum(1 for p in folder.rglob("*") if p.is_file())
                    shutil.rmtree(folder, ignore_errors=True)
                else:
                    folder.unlink(missing_ok=True)
                    removed += 1
                continue
            for path in folder.iterdir():
                # A stale temporary file of an interrupted rewrite, or an older layout.
                if path.name != self.SEGMENT and not path.name.startswith(f".{self.SEGMENT}.tmp-"):
                    path.unlink(missing_ok=True)
                    removed += 1
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
            "reviewed_findings": item.reviewed_findings,
            # Counts and digests of a withheld artifact (never text); such entries are not cached.
            "findings": item.findings,
            "finding_digests": item.finding_digests,
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
        reviewed_findings=dict(meta.get("reviewed_findings") or {}),
        findings=dict(meta.get("findings") or {}),
        finding_digests=list(meta.get("finding_digests") or []),
    )
    # Views, not copies: the ids stay in the entry's bytes, which the cache write shares.
    view = memoryview(data)
    return item, PassedIds.from_bytes(count, view[offsets_at:blob_at], view[blob_at:])


def _decode(data: bytes | None) -> tuple[SanitizedArtifact, PassedIds] | None:
    if data is None:
        return None
    try:
        return _entry_from_bytes(data)
    except (ValueError, KeyError, TypeError, struct.error):
        return None


def _batches(sizes: Sequence[int], workers: int) -> list[list[int]]:
    """Positions into ``sizes`` grouped into pool tasks, biggest artifacts first.

    One task per artifact cost more in scheduling and pickling than parsing a 3 KB report
    does; tasks of about 1/16 of a worker's share (at most 4 MB or 512 artifacts) keep that
    overhead small and still let both cores finish together. A big artifact is a task alone.
    """
    order = sorted(range(len(sizes)), key=lambda k: (-sizes[k], k))
    target = max(256 << 10, min(4 << 20, sum(sizes) // max(1, workers * 16)))
    batches: list[list[int]] = []
    current: list[int] = []
    held = 0
    for k in order:
        if current and (held + sizes[k] > target or len(current) >= 512):
            batches.append(current)
            current, held = [], 0
        current.append(k)
        held += sizes[k]
    if current:
        batches.append(current)
    return batches


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
    results: list[SanitizedArtifact | None] = []
    passed: list[PassedIds | None] = []
    for key, record in zip(dir_keys, records, strict=True):
        hit = _decode(cache.get(key, record.sha256))
        results.append(hit[0] if hit else None)
        passed.append(hit[1] if hit else None)
    cache.release()
    from_cache = sum(1 for r in results if r is not None)
    todo = [i for i, r in enumerate(results) if r is None]
    total = len(records)
    done_bytes = sum(records[i].size for i in range(total) if results[i] is not None)
    done = from_cache
    clean: list[bytes] = []

    def accept(index: int, payload: bytes, digests: bytes) -> None:
        nonlocal done, done_bytes
        decoded = _entry_from_bytes(payload)
        results[index], passed[index] = decoded
        # Quarantines are not cached: the next run retries them (the cause may be transient).
        if decoded[0].status == "ok":
            cache.put(dir_keys[index], records[index].sha256, payload)
        clean.append(digests)
        done += 1
        done_bytes += records[index].size

    if todo:
        jobs = [
            (
                str(root),
                real_paths.get(records[i].path_key, records[i].path),
                records[i].run_id,
                records[i].sha256,
            )
            for i in todo
        ]
        batches = _batches([records[i].size for i in todo], workers)
        if workers > 1 and len(batches) > 1:
            # Objects that exist before the fork are left out of the workers' garbage
            # collections: a collection touching them would copy the parent's pages into each
            # worker (copy on write), and count them twice in memory.
            gc.freeze()
            try:
                with ProcessPoolExecutor(
                    max_workers=min(workers, len(batches)),
                    initializer=_init_worker,
                    initargs=(settings,),
                ) as pool:
                    # Biggest tasks first: sizes are skewed (one big log can be a third of a day),
                    # and this keeps both cores busy to the end. Results go back to their manifest
                    # position, so the order of completion never shows.
                    futures = {pool.submit(_work_batch, [jobs[k] for k in b]): b for b in batches}
                    for future in as_completed(futures):
                        for k, (payload, digests) in zip(
                            futures[future], future.result(), strict=True
                        ):
                            accept(todo[k], payload, digests)
                        if progress:
                            progress(done, total, done_bytes, time.monotonic() - started)
            finally:
                gc.unfreeze()
        else:
            _init_worker(settings)
            for b in batches:
                for k, (payload, digests) in zip(b, _work_batch([jobs[k] for k in b]), strict=True):
                    accept(todo[k], payload, digests)
                if progress:
                    progress(done, total, done_bytes, time.monotonic() - started)
    live: dict[str, set[str]] = {}
    for key, record in zip(dir_keys, records, strict=True):
        live.setdefault(key[:32], set()).add(record.sha256)
    cache.flush(live)
    pruned = cache.prune(manifest.live_run_keys())
    fail_rows: list[dict[str, object]] = []
    artifact_rows: list[dict[str, object]] = []
    failing = candidate_ids(
        f.test_id for r in results if r is not None for f in r.failures if f.test_id
    )
    lookups: list[PassedIds] = []
    for lookup in passed:
        assert lookup is not None
        lookups.append(lookup)
    found = passed_among(lookups, failing)
    lookups.clear()
    passed.clear()  # the id bytes are the bulk of memory: free them before building tables
    for record, result, passed_ids in zip(records, results, found, strict=True):
        assert result is not None
        rows, artifact_row = _rows_for(result, record, runs[record.run_id], passed_ids)
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
        clean_digests=b"".join(clean),
        clean_version=clean_values.detector_version(settings.extra_internal_domains),
    )


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))
