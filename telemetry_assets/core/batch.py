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

import bisect
import functools
import gc
import hashlib
import itertools
import json
import operator
import os
import shutil
import struct
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from telemetry_assets.core import clean_values
from telemetry_assets.core.fingerprint import memory as derived_memory
from telemetry_assets.core.manifest import ArtifactRecord, Manifest, RunRecord
from telemetry_assets.core.redaction.detector import ResidualPiiDetector
from telemetry_assets.core.redaction.redactor import Redactor
from telemetry_assets.core.render import compiled_templates
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

TABLE_VERSION = "sanitized-v7-" + (
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


def _work_batch(jobs: list[tuple[str, str, str, str]]) -> tuple[bytes, bytes]:
    """Sanitize a batch of artifacts. They come back as one block of cache entries (see
    :class:`_Block`: bytes pickle fast, and the main process decodes the cells of the whole
    batch with one ``json.loads`` rather than one per artifact) and the SHA-256 digests of the
    stored values the privacy gate scanned and found nothing in.
    """
    texts: list[bytes] = []
    clean: list[bytes] = []
    ids: list[str] = []
    bounds = [0]
    for job in jobs:
        item = _work(job)
        # The ids of the whole batch are digested in one call: per artifact, the call cost more
        # than hashing a small report's few ids.
        ids.extend(item.passed_test_ids)
        bounds.append(len(ids))
        item.passed_test_ids = []
        # Only an artifact with no finding at all (reviewed ones included) vouches for its
        # values; the digests are of exactly the strings the gate scanned.
        if (
            _WORKER_DETECTOR is not None
            and item.failures
            and item.status == "ok"
            and not item.reviewed_findings
        ):
            clean.extend(
                clean_values.value_digest(v) for v in dict.fromkeys(stored_values(item)) if v
            )
        texts.append(_cells_text(item))
    passed = PassedIds.split(passed_id_digests(ids), bounds)
    ids.clear()  # the digests hold them now; the ids are the bulk of memory
    block = _encode_block(
        (text, *ids_of.to_bytes()) for text, ids_of in zip(texts, passed, strict=True)
    )
    return block, b"".join(clean)


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
    """The distinct passed test ids of one artifact, as its cache entry holds them.

    Held as the sorted digests of the ids (:func:`passed_id_digests`), 8 little-endian bytes
    each, rather than a list of strings: a large suite passes hundreds of thousands of tests,
    only the few that fail somewhere in the window are ever asked about, and the question
    (:func:`passed_among`) is one vectorised search over bytes read straight from the cache,
    with no Python object per id.
    """

    __slots__ = ("_count", "_digests")

    def __init__(self, count: int, digests: bytes) -> None:
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
        return self._count, self._digests


_LOOKUP_CHUNK = 32 << 20
"""Id bytes looked up per vectorised call: bounds the copy the concatenation makes."""


def passed_among(
    blocks: Sequence[_Block], slots: Sequence[int], candidates: Candidates
) -> dict[int, list[str]]:
    """The ``candidates`` among the passed ids of the entries at ``slots`` (see
    :attr:`_Segment.entries`), sorted, by slot; a slot with none is left out.

    The digests of whole blocks are concatenated (about 32 MB at a time) and searched with one
    call, those of entries no slot asks for included: per entry, a call, even a slice, cost
    more than the lookup itself on tens of thousands of small reports. Only hits are visited
    one by one."""
    found: dict[int, list[str]] = {}
    if not len(candidates.digests):
        return found
    used = sorted({slot >> _SLOT_BITS for slot in slots})
    start = 0
    while start < len(used):
        stop, held = start, 0
        while stop < len(used) and (stop == start or held < _LOOKUP_CHUNK):
            held += blocks[used[stop]].id_bytes
            stop += 1
        chunk = used[start:stop]
        ids = np.frombuffer(b"".join([blocks[j].ids() for j in chunk]), dtype="<u8")
        hits = _matches(ids, candidates)
        if len(hits):
            firsts = np.cumsum([0] + [blocks[j].id_bytes >> 3 for j in chunk])
            owners = (np.searchsorted(firsts, hits, side="right") - 1).tolist()
            for at, owner, value in zip(hits.tolist(), owners, ids[hits].tolist(), strict=True):
                number = chunk[owner]
                k = blocks[number].owner(at - int(firsts[owner]))
                found.setdefault(number << _SLOT_BITS | k, []).append(candidates.names[value])
        start = stop
    for names in found.values():
        names.sort()
    return found


def _matches(
    ids: np.ndarray[Any, np.dtype[np.uint64]], candidates: Candidates
) -> np.ndarray[Any, np.dtype[np.intp]]:
    """The positions of ``ids`` that are among the candidates'."""
    # Most ids are of tests that fail nowhere: the candidates' low 16 bits rule them out with
    # one table lookup each (a binary search each cost eight times more); the few left are
    # searched.
    maybe = np.flatnonzero(candidates.low_bits[(ids & np.uint64(0xFFFF)).astype(np.intp)])
    wanted = candidates.digests
    at = np.searchsorted(wanted, ids[maybe])
    np.minimum(at, len(wanted) - 1, out=at)
    return maybe[wanted[at] == ids[maybe]]


@dataclass(frozen=True, slots=True)
class Candidates:
    """Failing test ids as :func:`passed_among` asks about them: their digests, sorted, and the
    id of each digest to answer with."""

    digests: np.ndarray[Any, np.dtype[np.uint64]]
    names: dict[int, str]
    low_bits: np.ndarray[Any, np.dtype[np.bool_]]
    """Indexed by the low 16 bits of a digest: whether a candidate's digest has them."""


def candidate_ids(ids: Iterable[str]) -> Candidates:
    distinct = list(set(ids))
    names = dict(zip(passed_id_digests(distinct).tolist(), distinct, strict=True))
    digests = np.array(sorted(names), dtype=np.uint64)
    low_bits = np.zeros(1 << 16, dtype=np.bool_)
    low_bits[(digests & np.uint64(0xFFFF)).astype(np.intp)] = True
    return Candidates(digests, names, low_bits)


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
    """The cells of one sanitized artifact as its cache entry holds them, ready to be placed
    (frames and counts already in their JSON form). Artifacts whose cells are the same text (most
    passing reports of a format) share one instance; their passed test ids are kept apart."""

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


def _cells_text(item: SanitizedArtifact) -> bytes:
    """The JSON text an :class:`Entry` is decoded from (ASCII: non-ASCII text is escaped)."""
    failures = item.failures
    return COMPACT_JSON.encode(
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


def _entry_of(cells: Any) -> Entry | None:
    """The entry of decoded cells; ``None`` if they are not of this layout."""
    try:
        status, reason, fmt, failures, flaky, redactions, findings, digests, reviewed = cells
        if not isinstance(failures, list) or (
            failures and any(len(f) != len(FAILURE_CELLS) for f in failures)
        ):
            return None
        return Entry(
            str(status), reason, fmt, failures, int(flaky), redactions, findings, digests,
            reviewed,
        )  # fmt: skip
    except (ValueError, TypeError):
        return None


Part = tuple[bytes, int, bytes]
"""One entry as it is written: the JSON text of its cells (:func:`_cells_text`), its passed-id
count and their digests (see :class:`PassedIds`)."""

_BLOCK = struct.Struct("<4sIIQQ")
_BLOCK_MAGIC = b"TSB1"
"""Block: magic, the number of entries and of distinct cell texts, and the byte lengths of the
texts (one JSON list) and of the passed-id digests. Then, per entry, the index of its text
(4 bytes) and its passed-id count (8 bytes); the end of each text within the list (8 bytes);
the list; and every entry's digests, in entry order."""


def _encode_block(parts: Iterable[Part]) -> bytes:
    texts: dict[bytes, int] = {}
    index: list[int] = []
    counts: list[int] = []
    blobs: list[bytes] = []
    for text, count, digests in parts:
        index.append(texts.setdefault(text, len(texts)))
        counts.append(count)
        blobs.append(digests)
    listing = b"[" + b",".join(texts) + b"]"
    # Text j ends after "[", texts 0..j and j commas.
    ends = itertools.accumulate(len(text) + 1 for text in texts)
    blob = b"".join(blobs)
    return b"".join(
        (
            _BLOCK.pack(_BLOCK_MAGIC, len(index), len(texts), len(listing), len(blob)),
            struct.pack(f"<{len(index)}I", *index),
            struct.pack(f"<{len(counts)}Q", *counts),
            struct.pack(f"<{len(texts)}Q", *ends),
            listing,
            blob,
        )
    )


class _Block:
    """Entries written together (:func:`_encode_block`): the results of one pool task, or one
    segment record (a run folder's entries of one flush).

    The cells are decoded on first use, with one ``json.loads`` for the block, and once per
    distinct text: per entry, the call and its checks cost more than parsing the typical
    passing report's cells, and every passing report of a format has the same cells."""

    __slots__ = ("_at", "_data", "_ends", "_entries", "_index", "_offsets", "end")

    def __init__(self, data: bytes, at: int = 0, end: int | None = None) -> None:
        """The block at ``data[at:]``, checked to fit before ``end``; raises ``ValueError``.

        Plain ``struct`` and lists: a segment record holds a few dozen entries, and a numpy call
        per array cost more than reading them."""
        limit = len(data) if end is None else end
        if limit - at < _BLOCK.size:
            raise ValueError("cache block: truncated")
        magic, count, distinct, listing_len, blob_len = _BLOCK.unpack_from(data, at)
        pos = at + _BLOCK.size
        listing_at = pos + 12 * count + 8 * distinct
        blob_at = listing_at + listing_len
        self.end = blob_at + blob_len  # where the artifacts' hashes of a record start
        if magic != _BLOCK_MAGIC or self.end > limit or listing_len < 2:
            raise ValueError("cache block: not this format, or truncated")
        index = list(struct.unpack_from(f"<{count}I", data, pos))
        offsets = list(
            itertools.accumulate(struct.unpack_from(f"<{count}Q", data, pos + 4 * count), initial=0)
        )
        # Text j of the listing (a JSON list) ends at ends[j]; the next starts after a comma.
        ends = struct.unpack_from(f"<{distinct}Q", data, pos + 12 * count)
        if (
            max(index, default=-1) >= distinct
            or 8 * offsets[-1] != blob_len
            or (ends[-1] if ends else 1) != listing_len - 1
            or not all(map(operator.lt, (1, *ends), ends))
        ):
            raise ValueError("cache block: entries do not match their lengths")
        self._data = data
        self._at = (listing_at, blob_at)
        self._index = index
        self._offsets = offsets
        self._ends = ends
        self._entries: list[Entry | None] | None = None

    def __len__(self) -> int:
        return len(self._index)

    def entries(self) -> list[Entry | None]:
        """Each entry's cells, in entry order; ``None`` for cells that do not decode (a layout
        this code does not know). The passed ids stay in the block (see :func:`passed_among`)."""
        cells = self._entries
        if cells is None:
            cells = self._entries = self._decode()
        return [cells[j] for j in self._index]

    def _decode(self) -> list[Entry | None]:
        distinct = len(self._ends)
        start, stop = self._at
        try:
            # Decoded here: ``json.loads`` of bytes first sniffs their encoding.
            cells = json.loads(self._data[start:stop].decode("utf-8"))
        except ValueError:
            return [None] * distinct
        if not isinstance(cells, list) or len(cells) != distinct:
            return [None] * distinct
        return [_entry_of(c) for c in cells]

    @property
    def id_bytes(self) -> int:
        return 8 * self._offsets[-1]

    def ids(self) -> memoryview:
        """Every entry's passed-id digests, in entry order."""
        return memoryview(self._data)[self._at[1] : self.end]

    def owner(self, at: int) -> int:
        """The entry of digest number ``at`` in :meth:`ids`."""
        return bisect.bisect_right(self._offsets, at) - 1

    def part(self, k: int) -> Part:
        """Entry k as it is written again (into another block)."""
        j = self._index[k]
        listing_at, blob_at = self._at
        first, stop = self._offsets[k], self._offsets[k + 1]
        return (
            self._data[
                listing_at + (self._ends[j - 1] + 1 if j else 1) : listing_at + self._ends[j]
            ],
            stop - first,
            self._data[blob_at + 8 * first : blob_at + 8 * stop],
        )


_RECORD = struct.Struct("<4sQ32s")
_RECORD_MAGIC = b"TSR2"
"""Segment record: magic, then the byte length and SHA-256 of its body: a block of entries
(:class:`_Block`) followed by the SHA-256 of each entry's artifact."""


_SLOT_BITS = 32
_SLOT_MASK = (1 << _SLOT_BITS) - 1


@dataclass(slots=True)
class _Segment:
    entries: dict[str, int]
    """The artifacts' SHA-256 and their entries' slots: ``block << _SLOT_BITS | k`` is entry k
    of the block at that position in the list the segment was read into. Plain ints: a tuple per
    entry, held until decoded, costs garbage collections over the whole heap."""
    stored: int
    """Entries the file holds, superseded ones included."""
    damaged: bool


def _read_segment(path: str | Path, blocks: list[_Block]) -> _Segment:
    """Every verified record of a segment, its block appended to ``blocks``; stops at the first
    torn or damaged one."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError:
        return _Segment({}, 0, False)
    entries: dict[str, int] = {}
    pos = stored = 0
    view = memoryview(data)
    while pos < len(data):
        if len(data) - pos < _RECORD.size:
            return _Segment(entries, stored, True)
        magic, length, check = _RECORD.unpack_from(data, pos)
        start = pos + _RECORD.size
        end = start + length
        if magic != _RECORD_MAGIC or end > len(data):
            return _Segment(entries, stored, True)
        if hashlib.sha256(view[start:end]).digest() != check:
            return _Segment(entries, stored, True)
        try:
            block = _Block(data, start, end)
        except ValueError:
            return _Segment(entries, stored, True)
        count = len(block)
        if end - block.end != 32 * count:
            return _Segment(entries, stored, True)
        names = data[block.end : end].hex()
        base = len(blocks) << _SLOT_BITS
        blocks.append(block)
        # The last record of an artifact wins.
        entries.update(
            zip(
                [names[j : j + 64] for j in range(0, 64 * count, 64)],
                range(base, base + count),
                strict=True,
            )
        )
        stored += count
        pos = end
    return _Segment(entries, stored, False)


def _record(items: Sequence[tuple[str, Part]]) -> bytes:
    """One segment record of entries, each under its artifact's SHA-256."""
    body = _encode_block(part for _, part in items) + bytes.fromhex(
        "".join(sha for sha, _ in items)
    )
    return _RECORD.pack(_RECORD_MAGIC, len(body), hashlib.sha256(body).digest()) + body


def cached_entries(folder: Path) -> int:
    """How many artifacts a run folder of the cache holds (for purge reports)."""
    return sum(len(_read_segment(p, []).entries) for p in folder.glob(f"*{SanitizedCache.SUFFIX}"))


class SanitizedCache:
    """Sanitized results per artifact content hash; only ever holds redacted text.

    One segment file per run folder, ``<token>/<run folder key>/entries.tsc``, of appended
    records, each holding the entries of one write and carrying its own SHA-256: a report date
    writes a few hundred files instead of one per artifact (tens of thousands of small
    reports), reads each run's entries with one read, checks and decodes them a record at a
    time, and needs no fsync, because a torn or lost record fails its check and its entries are
    misses. Filing by run folder keeps purge and opt-out pruning a matter of deleting one
    folder. A segment that was found damaged, or that holds more dead entries than live ones, is
    rewritten whole (atomically) instead of appended to.
    """

    SUFFIX = ".tsc"
    SEGMENT = "entries.tsc"

    def __init__(self, directory: Path | None, token: str) -> None:
        self.directory = directory
        self.token = token
        self._segments: dict[str, _Segment] = {}
        self._blocks: list[_Block] = []
        """The blocks of the segments read (see :attr:`_Segment.entries`)."""
        self._pending: dict[str, dict[str, tuple[_Block, int]]] = {}

    def _segment_path(self, dir_key: str) -> str | None:
        # Strings, not ``Path`` objects: building hundreds of paths cost a tenth of reading
        # their segments.
        if self.directory is None:
            return None
        return os.path.join(self.directory, self.token, dir_key[:32], self.SEGMENT)

    def get(self, dir_key: str, sha256: str) -> int | None:
        """The slot of an artifact's entry (see :attr:`_Segment.entries`) in the blocks
        :meth:`release` hands over, or ``None`` (identical files share one entry)."""
        segment = self._segments.get(dir_key[:32])
        if segment is None:
            path = self._segment_path(dir_key)
            if path is None:
                return None
            segment = self._segments[dir_key[:32]] = _read_segment(path, self._blocks)
        return segment.entries.get(sha256)

    def release(self) -> list[_Block]:
        """Hand over the blocks read so far, which the slots :meth:`get` gave index into, and
        forget them (their passed ids are the bulk of memory); keep what :meth:`flush` needs
        to know about each segment."""
        blocks, self._blocks = self._blocks, []
        for segment in self._segments.values():
            segment.entries = {}
        return blocks

    def put(self, dir_key: str, sha256: str, block: _Block, k: int) -> None:
        """Write entry ``k`` of ``block`` under the artifact at the next :meth:`flush`."""
        if self.directory is not None:
            self._pending.setdefault(dir_key[:32], {})[sha256] = (block, k)

    def flush(self, live: dict[str, set[str]]) -> None:
        """Write the pending entries; ``live`` maps run folder keys to their artifacts' hashes.

        A cache write that fails (disk full, a concurrent prune) costs a recomputation next
        time, never the run."""
        from telemetry_assets import storage  # the one module that writes

        pending, self._pending = self._pending, {}
        for key, items in sorted(pending.items()):
            name = self._segment_path(key)
            assert name is not None
            path = Path(name)
            segment = self._segments.get(key) or _Segment({}, 0, False)
            alive = live.get(key, set())
            fresh = {sha: block.part(k) for sha, (block, k) in items.items()}
            try:
                if segment.damaged or segment.stored > 2 * max(1, len(alive)):
                    blocks: list[_Block] = []
                    kept = {
                        sha: blocks[slot >> _SLOT_BITS].part(slot & _SLOT_MASK)
                        for sha, slot in _read_segment(path, blocks).entries.items()
                        if sha in alive
                    }
                    kept.update(fresh)
                    storage.write_bytes(path, _record(sorted(kept.items())), durable=False)
                else:
                    storage.append_bytes(path, _record(list(fresh.items())))
            except OSError:
                continue

    def prune(self, live_run_keys: Iterable[str]) -> int:
        """Delete cached entries of runs that opted out, vanished or were purged, and of stale
        code versions or formats. Entries are filed by run folder, so this needs no artifact to
        be read. The clean-value memory (digests only), the compiled report templates and the
        fingerprint memory keep their own versions."""
        if self.directory is None or not self.directory.is_dir():
            return 0
        keep = {k[:32] for k in live_run_keys}
        current = self.directory / self.token
        removed = 0
        for child in sorted(self.directory.iterdir()):
            if child.name == clean_values.FOLDER:
                removed += clean_values.prune(self.directory, [clean_values.detector_version()])
            elif child.name in (compiled_templates.FOLDER, derived_memory.FOLDER):
                continue  # their own keys (template source, derivation code): see the modules
            elif child.is_dir() and not child.is_symlink() and child != current:
                removed += sum(1 for p in child.rglob("*") if p.is_file())
                shutil.rmtree(child, ignore_errors=True)
            elif child != current:
                child.unlink(missing_ok=True)
                removed += 1
        if not current.is_dir():
            return removed
        # Directory entries rather than paths: their types come with the listing, so the
        # hundreds of live run folders cost a listing each and no further system call.
        with os.scandir(current) as listing:
            folders = sorted(listing, key=operator.attrgetter("name"))
        for entry in folders:
            is_folder = entry.is_dir(follow_symlinks=False)
            if entry.name not in keep or not is_folder:
                if is_folder:
                    removed += sum(1 for p in Path(entry.path).rglob("*") if p.is_file())
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    Path(entry.path).unlink(missing_ok=True)
                    removed += 1
                continue
            with os.scandir(entry.path) as files:
                for item in files:
                    # A stale temporary file of an interrupted rewrite, or an older layout.
                    name = item.name
                    if name != self.SEGMENT and not name.startswith(f".{self.SEGMENT}.tmp-"):
                        Path(item.path).unlink(missing_ok=True)
                        removed += 1
        return removed


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


def _until_handed_over(futures: Sequence[Future[Any]], limit: float = 0.5) -> None:
    """Wait (at most ``limit`` seconds) until the pool has taken ``futures`` to hand to its
    workers, or they are done.

    The pool's threads in this process pickle and send tasks, and need the GIL for it; decoding
    the cached entries, which comes next, holds it for tens of milliseconds, and each hand-over
    to those threads then waited for the interpreter's switch interval: the workers sat idle
    for 15-25 ms after starting."""
    deadline = time.monotonic() + limit
    for future in futures:
        while not (future.running() or future.done()) and time.monotonic() < deadline:
            time.sleep(0.0005)


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
    # Where each artifact's entry is: read ones first, then those of the pool's blocks.
    slots: list[int | None] = [
        cache.get(key, record.sha256) for key, record in zip(dir_keys, records, strict=True)
    ]
    blocks = cache.release()
    total = len(records)
    entries: list[Entry | None] = [None] * total
    todo = [i for i, slot in enumerate(slots) if slot is None]
    done = 0
    done_bytes = 0
    clean: list[bytes] = []

    def decode_hits() -> list[int]:
        """Decode the cached entries; the positions of those that did not decode."""
        nonlocal done, done_bytes
        failed: list[int] = []
        # Block by block: a method call per entry cost more than finding its cells.
        decoded = [block.entries() for block in blocks]
        for i, slot in enumerate(slots):
            if slot is None:
                continue
            entry = entries[i] = decoded[slot >> _SLOT_BITS][slot & _SLOT_MASK]
            if entry is None:
                failed.append(i)
            else:
                done += 1
                done_bytes += records[i].size
        return failed

    def accept(positions: list[int], payload: bytes, digests: bytes) -> None:
        """Take a pool task's results (see :func:`_work_batch`)."""
        nonlocal done, done_bytes
        block = _Block(payload)
        base = len(blocks) << _SLOT_BITS
        blocks.append(block)
        for k, (i, entry) in enumerate(zip(positions, block.entries(), strict=True)):
            entries[i] = entry
            if entry is None:
                raise ValueError("a pool task returned an entry that does not decode")
            slots[i] = base | k
            # Quarantines are not cached: the next run retries them (the cause may be transient).
            if entry.status == "ok":
                cache.put(dir_keys[i], records[i].sha256, block, k)
            done += 1
            done_bytes += records[i].size
        clean.append(digests)

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
    pool: ProcessPoolExecutor | None = None
    if parallel:
        # Its workers are forked at the first task.
        pool = ProcessPoolExecutor(
            max_workers=workers, initializer=_init_worker, initargs=(settings,)
        )
        # Objects that exist before the fork are left out of the workers' garbage collections:
        # a collection touching them would copy the parent's pages into each worker (copy on
        # write), and count them twice in memory.
        gc.freeze()
        try:
            # Biggest tasks first: sizes are skewed (one big log can be a third of a day), and
            # this keeps both cores busy to the end. Results go back to their manifest position,
            # so the order of completion never shows.
            futures = {pool.submit(_work_batch, [job(i) for i in b]): b for b in first_tasks}
            _until_handed_over(list(futures)[:workers])
            failed = decode_hits()
            futures.update(
                {pool.submit(_work_batch, [job(i) for i in b]): b for b in tasks(failed)}
            )
            if progress:
                progress(done, total, done_bytes, time.monotonic() - started)
            for future in as_completed(futures):
                accept(futures[future], *future.result())
                if progress:
                    progress(done, total, done_bytes, time.monotonic() - started)
        except BaseException:
            pool.shutdown(wait=True)  # what is still running is waited for, as it always was
            raise
        else:
            # Every task is done: the workers are told to exit, and joined only once the tables
            # are built. Waiting for them first cost 10-15 ms (each unmaps its copy of this
            # process), and they exit in that time while the tables are built.
            pool.shutdown(wait=False)
        finally:
            gc.unfreeze()
    else:
        failed = decode_hits()
        if todo or failed:
            _init_worker(settings)
        for b in tasks(sorted(todo + failed)):
            accept(b, *_work_batch([job(i) for i in b]))
            if progress:
                progress(done, total, done_bytes, time.monotonic() - started)
    processed = len(todo) + len(failed)
    from_cache = total - processed
    live: dict[str, set[str]] = {}
    for key, record in zip(dir_keys, records, strict=True):
        live.setdefault(key[:32], set()).add(record.sha256)
    # The cache is written while the tables are built: its writes are mostly system calls
    # (which let the other thread run), the tables are Python work, and neither changes what
    # the other reads (both only read the blocks of the entries being written). Beside the
    # tables the writes take three to four times as long as alone (each system call gives the
    # GIL up and gets it back at the tables' switch interval), and still end with the tables.
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sanitized-cache") as writer:
            pruned_later = writer.submit(_write_cache, cache, live, manifest.live_run_keys())
            failures, artifacts = _tables(records, entries, slots, blocks, runs)
            pruned = pruned_later.result()
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
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


def _failure_rows(
    entry: Entry, record: ArtifactRecord, run: RunRecord, rows: list[tuple[object, ...]]
) -> None:
    """Append the artifact's failure rows (:data:`FAILURE_COLUMNS` order) to ``rows``."""
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
        rows.append((*head, occurred, *cells[:_OWN_TIME]))


def _tables(
    records: Sequence[ArtifactRecord],
    entries: list[Entry | None],
    slots: list[int | None],
    blocks: list[_Block],
    runs: dict[str, RunRecord],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The failures and artifacts tables of the decoded entries, in manifest order; ``slots``
    tell where in ``blocks`` each entry's passed ids are (``blocks`` is emptied on the way: the
    id bytes are the bulk of memory)."""
    ready: list[Entry] = []
    where: list[int] = []
    for entry, slot in zip(entries, slots, strict=True):
        assert entry is not None and slot is not None
        ready.append(entry)
        where.append(slot)
    failing = candidate_ids(
        cells[_TEST_ID] for entry in ready for cells in entry.failures if cells[_TEST_ID]
    )
    found = passed_among(blocks, where, failing)
    blocks.clear()  # the id bytes are the bulk of memory: free them before building tables
    fail_rows: list[tuple[object, ...]] = []
    for record, entry in zip(records, ready, strict=True):
        if entry.failures:
            _failure_rows(entry, record, runs[record.run_id], fail_rows)
    failures = pd.DataFrame.from_records(fail_rows, columns=list(FAILURE_COLUMNS))
    failures["occurred_at"] = pd.to_datetime(failures["occurred_at"], utc=True).astype(
        "datetime64[us, UTC]"
    )
    failures["flaky"] = failures["flaky"].astype(bool)
    # Column by column: a row tuple per artifact, and pandas taking the rows apart again, cost
    # more than the cells themselves on tens of thousands of small reports.
    columns: dict[str, list[Any]] = {
        "artifact": [r.path for r in records],
        "run_id": [r.run_id for r in records],
        "sha256": [r.sha256 for r in records],
        "size": [r.size for r in records],
        "status": [e.status for e in ready],
        "reason": [e.reason for e in ready],
        "format": [e.format for e in ready],
        "failures": [len(e.failures) for e in ready],
        # Failed, then passed on a retry in the same artifact: kept (flaky signal), counted apart.
        "flaky_failures": [e.flaky_failures for e in ready],
        # Only passes of tests that fail somewhere in the window matter (flaky detection); a
        # large suite passes hundreds of thousands of tests a week.
        "passed_test_ids": [json.dumps(found[s]) if s in found else "[]" for s in where],
        "redactions": [e.redactions for e in ready],
        # The privacy gate's counts and digests (never text): withheld, and reviewed-and-allowed.
        "findings": [e.findings for e in ready],
        "finding_digests": [e.finding_digests for e in ready],
        "reviewed_findings": [e.reviewed_findings for e in ready],
    }
    assert tuple(columns) == ARTIFACT_COLUMNS
    if not records:
        # Empty lists would make float columns; rows of nothing make object ones, as always.
        return failures, pd.DataFrame.from_records([], columns=list(ARTIFACT_COLUMNS))
    return failures, pd.DataFrame(columns)


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))
