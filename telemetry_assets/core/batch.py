"""Sanitize every collected artifact of a manifest, in parallel, into two tables.

Work is spread over a process pool (parse + redact is CPU-bound and the GIL would serialise it
in threads), in tasks of many small artifacts (CI uploads tens of thousands of 1-10 KB reports;
one task each cost more than parsing one); results are merged in manifest order, never
completion order, so the tables do not depend on scheduling. A cache keyed by the artifact's
content hash and the versions of the parser set, redactor and table layout lets the next day's
report, whose window overlaps 13 days, re-process only new files. The cache holds sanitized rows
only, in one append-only segment file per run folder (see :class:`SanitizedCache`); an entry's
passed test ids are stored as sorted 8-byte keyed digests, so the next day asks which of the few
failing ids passed with one vectorised search over many artifacts at once.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import os
import shutil
import struct
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from telemetry_assets.core import clean_values
from telemetry_assets.core.manifest import ArtifactRecord, Manifest, RunRecord
from telemetry_assets.core.redaction.detector import ResidualPiiDetector
from telemetry_assets.core.redaction.redactor import Redactor
from telemetry_assets.core.sanitize import (
    COMPACT_JSON,
    SanitizedArtifact,
    chained_to_json,
    frames_to_json,
    sanitize_artifact,
    stored_values,
)

_PASSED_ID_KEY = "telemetry/passed"
"""The SipHash key of passed-id digests (``pandas.util.hash_array`` takes 16 characters)."""

TABLE_VERSION = "sanitized-v6-" + (
    pd.util.hash_array(
        np.array([b"passed-id"], dtype=object), hash_key=_PASSED_ID_KEY, categorize=False
    )
    .astype("<u8")
    .tobytes()
    .hex()
)
"""Part of the cache token: bump it whenever the table layout or the cache entry format changes.
Carries a digest of a fixed id: a pandas release that hashed differently would otherwise leave
cached passed ids that no failing id ever matches again."""

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
        return _redactor(self.disabled_rules, self.extra_internal_domains)

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


@functools.lru_cache(maxsize=8)
def _redactor(disabled_rules: tuple[str, ...], extra_internal_domains: tuple[str, ...]) -> Redactor:
    """One redactor per settings and process: compiling its rules costs tens of milliseconds, a
    report date asks for one in several steps, and a built redactor holds no state. Pool
    workers forked after the first call inherit it compiled."""
    return Redactor(disabled_rules=disabled_rules, extra_internal_domains=extra_internal_domains)


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
    done: list[tuple[SanitizedArtifact, bytes]] = []
    ids: list[str] = []
    bounds = [0]
    for job in jobs:
        item = _work(job)
        # The ids of the whole batch are digested in one call: per artifact, the call cost more
        # than hashing a small report's few ids.
        ids.extend(item.passed_test_ids)
        bounds.append(len(ids))
        item.passed_test_ids = []
        digests = b""
        # Only an artifact with no finding at all (reviewed ones included) vouches for its
        # values; the digests are of exactly the strings the gate scanned.
        if (
            _WORKER_DETECTOR is not None
            and item.failures
            and item.status == "ok"
            and not item.reviewed_findings
        ):
            digests = b"".join(
                clean_values.value_digest(v) for v in dict.fromkeys(stored_values(item)) if v
            )
        done.append((item, digests))
    passed = PassedIds.split(passed_id_digests(ids), bounds)
    ids.clear()  # the digests hold them now; the ids are the bulk of memory
    return [
        (_entry_to_bytes(item, ids_of), digests)
        for (item, digests), ids_of in zip(done, passed, strict=True)
    ]


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


def passed_id_digests(ids: Sequence[str]) -> np.ndarray[Any, np.dtype[np.uint64]]:
    """Keyed 8-byte digests (SipHash) of (redacted) test ids, in their order: what the cache
    keeps of passed tests.

    Only equality is ever asked of passed ids ("did this failing test pass somewhere?"), so the
    cache holds digests, never the ids' text: hundreds of thousands of ids per large suite are
    then neither stored as text nor scanned by the privacy gate. One vectorised call for all of
    them: a hash object per id cost a tenth of a worker's time. With 64 bits, a failing id is
    mistaken for a passed one about once in 10^19 comparisons."""
    if not ids:
        return np.empty(0, dtype=np.uint64)
    values = np.empty(len(ids), dtype=object)
    values[:] = ids
    try:
        digests: np.ndarray[Any, np.dtype[np.uint64]] = pd.util.hash_array(
            values, hash_key=_PASSED_ID_KEY, categorize=False
        )
    except UnicodeEncodeError:
        # A lone surrogate (undecodable bytes of a report): hashed as "surrogatepass" encodes
        # it, which is what UTF-8 gives for every other id, so ids compare the same either way.
        values[:] = [i.encode("utf-8", "surrogatepass") for i in ids]
        digests = pd.util.hash_array(values, hash_key=_PASSED_ID_KEY, categorize=False)
    return digests


class PassedIds:
    """The distinct passed test ids of one artifact, answering "which of these passed?".

    Held as the sorted digests of the ids (:func:`passed_id_digests`), 8 little-endian bytes
    each, rather than a list of strings: a large suite passes hundreds of thousands of tests,
    only the few that fail somewhere in the window are ever asked about, and the question is one
    vectorised search over bytes read straight from the cache, with no Python object per id.
    """

    __slots__ = ("_count", "_digests")

    def __init__(self, count: int, digests: Buffer) -> None:
        self._count = count
        self._digests = digests

    @classmethod
    def of(cls, ids: Iterable[str]) -> PassedIds:
        return cls.split(passed_id_digests(list(ids)), [0, -1])[0]

    @classmethod
    def split(
        cls, digests: np.ndarray[Any, np.dtype[np.uint64]], bounds: Sequence[int]
    ) -> list[PassedIds]:
        """One instance per artifact: ``digests[bounds[k]:bounds[k + 1]]`` are artifact k's
        (a last bound of -1 stands for the end)."""
        edges = np.array(bounds, dtype=np.int64)
        edges[edges < 0] = len(digests)
        owners = np.repeat(np.arange(len(edges) - 1, dtype=np.int32), np.diff(edges))
        # By digest, then stably by artifact: a third faster than ``lexsort`` of the two.
        order = np.argsort(digests)
        order = order[np.argsort(owners[order], kind="stable")]
        values, owners = digests[order], owners[order]
        # Sorted by artifact, then digest: a repeat is a value equal to its predecessor's.
        keep = np.ones(len(values), dtype=bool)
        keep[1:] = (values[1:] != values[:-1]) | (owners[1:] != owners[:-1])
        values, owners = values[keep], owners[keep]
        ends = np.searchsorted(owners, np.arange(len(edges) - 1), side="right").tolist()
        blob = values.astype("<u8").tobytes()
        out = []
        start = 0
        for end in ends:
            out.append(cls(end - start, blob[8 * start : 8 * end]))
            start = end
        return out

    def __len__(self) -> int:
        return self._count

    def to_bytes(self) -> tuple[int, bytes]:
        return self._count, bytes(self._digests)

    @classmethod
    def from_bytes(cls, count: int, digests: Buffer) -> PassedIds:
        if len(digests) != 8 * count:
            raise ValueError("cache entry: passed-id digests do not match their count")
        return cls(count, digests)


_LOOKUP_CHUNK = 32 << 20
"""Id bytes looked up per vectorised call: bounds the copy the concatenation makes."""


def passed_among(passed: Sequence[PassedIds], candidates: Candidates) -> list[list[str]]:
    """For each artifact, the ``candidates`` among its passed ids, sorted.

    The digests of many artifacts are concatenated (about 32 MB at a time) and searched with
    one call: per artifact, a call cost more than the lookup itself on tens of thousands of
    small reports."""
    out: list[list[str]] = [[] for _ in passed]
    if not len(candidates.digests):
        return out
    start = 0
    while start < len(passed):
        stop, held = start, 0
        while stop < len(passed) and (stop == start or held < _LOOKUP_CHUNK):
            held += len(passed[stop]._digests)
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
    ids = np.frombuffer(b"".join(passed[k]._digests for k in members), dtype="<u8")
    wanted = candidates.digests
    at = np.searchsorted(wanted, ids)
    np.minimum(at, len(wanted) - 1, out=at)
    hits = np.flatnonzero(wanted[at] == ids)
    if not len(hits):
        return
    owners = np.searchsorted(np.cumsum(counts), hits, side="right")
    for owner, value in zip(owners.tolist(), ids[hits].tolist(), strict=True):
        out[members[owner]].append(candidates.names[value])
    for k in members:
        out[k].sort()


@dataclass(frozen=True, slots=True)
class Candidates:
    """Failing test ids as :func:`passed_among` asks about them: their digests, sorted, and the
    id of each digest to answer with."""

    digests: np.ndarray[Any, np.dtype[np.uint64]]
    names: dict[int, str]


def candidate_ids(ids: Iterable[str]) -> Candidates:
    distinct = list(set(ids))
    names = dict(zip(passed_id_digests(distinct).tolist(), distinct, strict=True))
    return Candidates(np.array(sorted(names), dtype=np.uint64), names)


def _json_cell(value: dict[str, Any] | list[Any]) -> str:
    """The JSON text of a small dict or list; empty ones (most cells) skip the encoder."""
    if not value:
        return "[]" if isinstance(value, list) else "{}"
    return json.dumps(value)


FAILURE_CELLS: tuple[str, ...] = (
    "source_format", "kind", "language", "exception_type", "message", "trace", "test_id",
    "test_file", "frames", "chained", "flaky", "redactions", "occurred_at",
)  # fmt: skip
"""A cached failure: its table cells in this order (``occurred_at`` is the failure's own
timestamp, used only when its run has no ``started_at``)."""

_TEST_ID = FAILURE_CELLS.index("test_id")
_OWN_TIME = FAILURE_CELLS.index("occurred_at")
RUN_CELLS: tuple[str, ...] = ("artifact", "run_id", "provider", "job_type", "branch", "occurred_at")
"""The cells a failure row takes from its artifact and run; then come the cached
:data:`FAILURE_CELLS` but the failure's own time."""


@dataclass(slots=True)
class Entry:
    """One sanitized artifact as its cache entry holds it: the cells of its table rows, ready to
    be placed (frames and counts already in their JSON form), and its passed test ids."""

    status: str
    reason: str | None
    format: str | None
    failures: list[list[Any]]
    """One list of :data:`FAILURE_CELLS` per failure."""
    flaky_failures: int
    redactions: str
    findings: str
    finding_digests: str
    reviewed_findings: str
    passed: PassedIds


def _failure_cells(item: SanitizedArtifact) -> list[list[Any]]:
    return [
        [
            f.source_format,
            f.kind,
            f.language,
            f.exception_type,
            f.message,
            f.trace,
            f.test_id,
            f.test_file,
            frames_to_json(f.frames),
            chained_to_json(f.chained),
            f.flaky,
            json.dumps(dict(sorted(counts.items()))) if counts else "{}",
            f.occurred_at.isoformat() if f.occurred_at else None,
        ]
        for f, counts in zip(item.failures, item.failure_redactions, strict=True)
    ]


def _rows_for(
    entry: Entry,
    record: ArtifactRecord,
    run: RunRecord,
    passed: list[str],
    fail_rows: list[tuple[object, ...]],
) -> tuple[object, ...]:
    """Append the artifact's failure rows (:data:`FAILURE_COLUMNS` order) to ``fail_rows``;
    return its artifact row (:data:`ARTIFACT_COLUMNS` order)."""
    job_type = run.job_type
    if run.job_type_inferred and entry.format == "playwright-json":
        job_type = "visual"
    # The run's started_at decides the day (contract); a failure timestamp is used only when
    # the run had to fall back to file times.
    own_time = run.date_source != "run.json"
    head = (record.path, run.run_id, run.provider, job_type, run.branch)
    for cells in entry.failures:
        occurred: object = run.started_at
        if own_time and cells[_OWN_TIME] is not None:
            occurred = datetime.fromisoformat(cells[_OWN_TIME])
        fail_rows.append((*head, occurred, *cells[:_OWN_TIME]))
    return (
        record.path,
        run.run_id,
        record.sha256,
        record.size,
        entry.status,
        entry.reason,
        entry.format,
        len(entry.failures),
        # Failed, then passed on a retry in the same artifact: kept (flaky signal), counted apart.
        entry.flaky_failures,
        # Only passes of tests that fail somewhere in the window matter (flaky detection); a
        # large suite passes hundreds of thousands of tests a week.
        _json_cell(passed),
        entry.redactions,
        # The privacy gate's counts and digests (never text): withheld, and reviewed-and-allowed.
        entry.findings,
        entry.finding_digests,
        entry.reviewed_findings,
    )


_MAGIC = b"TSC5"
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
    failures = item.failures
    meta = COMPACT_JSON.encode(
        [
            item.status,
            item.reason,
            item.format,
            _failure_cells(item) if failures else [],
            sum(1 for f in failures if f.flaky) if failures else 0,
            json.dumps(dict(sorted(item.redactions.items()))) if item.redactions else "{}",
            # Counts and digests of a withheld artifact (never text); such entries are not cached.
            json.dumps(dict(sorted(item.findings.items()))) if item.findings else "{}",
            _json_cell(item.finding_digests),
            json.dumps(dict(sorted(item.reviewed_findings.items())))
            if item.reviewed_findings
            else "{}",
        ]
    ).encode("utf-8")
    count, blob = passed.to_bytes()
    return b"".join((_HEADER.pack(_MAGIC, len(meta), count, len(blob)), meta, blob))


def _entry_from_bytes(data: bytes) -> Entry:
    magic, meta_len, count, blob_len = _HEADER.unpack_from(data)
    blob_at = _HEADER.size + meta_len
    if magic != _MAGIC or blob_at + blob_len != len(data):
        raise ValueError("cache entry: not this format, or truncated")
    # Decoded here: ``json.loads`` of bytes first sniffs their encoding, which cost more than
    # parsing the typical entry of a passing report.
    meta = bytes(data[_HEADER.size : blob_at]).decode("utf-8")
    status, reason, fmt, failures, flaky, redactions, findings, digests, reviewed = json.loads(meta)
    if not isinstance(failures, list) or any(len(f) != len(FAILURE_CELLS) for f in failures):
        raise ValueError("cache entry: failure cells do not match this layout")
    # A view, not a copy: the digests stay in the entry's bytes, which the cache write shares.
    passed = PassedIds.from_bytes(count, memoryview(data)[blob_at:])
    return Entry(
        str(status), reason, fmt, failures, int(flaky), redactions, findings, digests, reviewed,
        passed,
    )  # fmt: skip


def _decode(data: bytes | None) -> Entry | None:
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
    """Sanitize every artifact of ``manifest``; deterministic whatever ``workers`` is.

    Cached entries are decoded while the pool works on the new artifacts (on the next date they
    are nine in ten); an entry that fails to decode is sanitized anew, in the same pool.
    """
    started = time.monotonic()
    runs = {r.run_id: r for r in manifest.runs}
    cache = SanitizedCache(cache_dir, settings.cache_token())
    records: Sequence[ArtifactRecord] = manifest.artifacts
    dir_keys = [runs[r.run_id].dir_key for r in records]
    hits: list[bytes | None] = [
        cache.get(key, record.sha256) for key, record in zip(dir_keys, records, strict=True)
    ]
    cache.release()
    total = len(records)
    entries: list[Entry | None] = [None] * total
    todo = [i for i, data in enumerate(hits) if data is None]
    done = 0
    done_bytes = 0
    clean: list[bytes] = []

    def decode_hits() -> list[int]:
        """Decode the cached entries; the positions of those that did not decode."""
        nonlocal done, done_bytes
        failed: list[int] = []
        for i, data in enumerate(hits):
            if data is None:
                continue
            entry = entries[i] = _decode(data)
            if entry is None:
                failed.append(i)
            else:
                done += 1
                done_bytes += records[i].size
        hits.clear()
        return failed

    def accept(index: int, payload: bytes, digests: bytes) -> None:
        nonlocal done, done_bytes
        entry = entries[index] = _entry_from_bytes(payload)
        # Quarantines are not cached: the next run retries them (the cause may be transient).
        if entry.status == "ok":
            cache.put(dir_keys[index], records[index].sha256, payload)
        clean.append(digests)
        done += 1
        done_bytes += records[index].size

    def job(i: int) -> tuple[str, str, str, str]:
        record = records[i]
        return (
            str(root),
            real_paths.get(record.path_key, record.path),
            record.run_id,
            record.sha256,
        )

    def tasks(positions: list[int]) -> list[list[int]]:
        """Positions into ``records``, grouped into pool tasks (see :func:`_batches`)."""
        batches = _batches([records[i].size for i in positions], workers)
        return [[positions[k] for k in b] for b in batches]

    first_tasks = tasks(todo)
    parallel = workers > 1 and len(first_tasks) > 1
    if parallel:
        # Objects that exist before the fork are left out of the workers' garbage collections:
        # a collection touching them would copy the parent's pages into each worker (copy on
        # write), and count them twice in memory.
        gc.freeze()
        try:
            with ProcessPoolExecutor(
                max_workers=workers, initializer=_init_worker, initargs=(settings,)
            ) as pool:
                # Biggest tasks first: sizes are skewed (one big log can be a third of a day),
                # and this keeps both cores busy to the end. Results go back to their manifest
                # position, so the order of completion never shows.
                futures = {pool.submit(_work_batch, [job(i) for i in b]): b for b in first_tasks}
                failed = decode_hits()
                futures.update(
                    {pool.submit(_work_batch, [job(i) for i in b]): b for b in tasks(failed)}
                )
                if progress:
                    progress(done, total, done_bytes, time.monotonic() - started)
                for future in as_completed(futures):
                    for i, (payload, digests) in zip(futures[future], future.result(), strict=True):
                        accept(i, payload, digests)
                    if progress:
                        progress(done, total, done_bytes, time.monotonic() - started)
        finally:
            gc.unfreeze()
    else:
        failed = decode_hits()
        if todo or failed:
            _init_worker(settings)
        for b in tasks(sorted(todo + failed)):
            for i, (payload, digests) in zip(b, _work_batch([job(i) for i in b]), strict=True):
                accept(i, payload, digests)
            if progress:
                progress(done, total, done_bytes, time.monotonic() - started)
    processed = len(todo) + len(failed)
    from_cache = total - processed
    live: dict[str, set[str]] = {}
    for key, record in zip(dir_keys, records, strict=True):
        live.setdefault(key[:32], set()).add(record.sha256)
    # The cache is written while the tables are built: its writes are mostly system calls
    # (which let the other thread run), the tables are Python work, and neither changes what
    # the other reads (entries are read-only views into the payloads being written).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sanitized-cache") as writer:
        pruned_later = writer.submit(_write_cache, cache, live, manifest.live_run_keys())
        failures, artifacts = _tables(records, entries, runs)
        pruned = pruned_later.result()
    return BatchResult(
        failures=failures,
        artifacts=artifacts,
        processed=processed,
        from_cache=from_cache,
        bytes_processed=sum(records[i].size for i in (*todo, *failed)),
        seconds=time.monotonic() - started,
        cache_pruned=pruned,
        clean_digests=b"".join(clean),
        clean_version=clean_values.detector_version(settings.extra_internal_domains),
    )


def _write_cache(cache: SanitizedCache, live: dict[str, set[str]], live_runs: set[str]) -> int:
    """Write the new entries and prune what no run holds any more; how many files were pruned."""
    cache.flush(live)
    return cache.prune(live_runs)


def _tables(
    records: Sequence[ArtifactRecord],
    entries: list[Entry | None],
    runs: dict[str, RunRecord],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The failures and artifacts tables of the decoded entries, in manifest order (``entries``
    is emptied on the way: the id bytes are the bulk of memory)."""
    ready: list[Entry] = []
    for entry in entries:
        assert entry is not None
        ready.append(entry)
    entries.clear()
    failing = candidate_ids(
        cells[_TEST_ID] for entry in ready for cells in entry.failures if cells[_TEST_ID]
    )
    found = passed_among([entry.passed for entry in ready], failing)
    fail_rows: list[tuple[object, ...]] = []
    artifact_rows: list[tuple[object, ...]] = []
    for record, entry, passed_ids in zip(records, ready, found, strict=True):
        artifact_rows.append(_rows_for(entry, record, runs[record.run_id], passed_ids, fail_rows))
    ready.clear()  # the id bytes are the bulk of memory: free them before building tables
    failures = pd.DataFrame.from_records(fail_rows, columns=list(FAILURE_COLUMNS))
    failures["occurred_at"] = pd.to_datetime(failures["occurred_at"], utc=True).astype(
        "datetime64[us, UTC]"
    )
    failures["flaky"] = failures["flaky"].astype(bool)
    artifacts = pd.DataFrame.from_records(artifact_rows, columns=list(ARTIFACT_COLUMNS))
    return failures, artifacts


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))
