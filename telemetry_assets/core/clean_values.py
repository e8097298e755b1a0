"""Digests of values the residual-PII detector has already scanned and found nothing in.

The blocking checks scan every text cell an asset persists; most cells of a report date were
already scanned, clean, on the day before (the window overlaps 13 days) or in the worker that
sanitized their artifact. :class:`CleanValues` remembers the SHA-256 of each value scanned clean,
so a check rescans only new text. Only digests are kept, never text; a value with any finding
(reviewed or not) is never added, so skipping a remembered value changes no count.

The memory is keyed by the detector's version: a hash of its source, of the scanning code, of
the detect-secrets release and of the detector's settings. Any change starts an empty memory,
so a value is only skipped when the very same detector found nothing in it.

The memory forgets: a digest no check has used (looked up or added) for :data:`KEEP_DAYS` days is
dropped on the next save. Without that it grew by every new value of every day, and each of a
date's six checks reads and rewrites all of it: after months of daily runs, opening and saving it
would cost more than the scans it saves. With it, the memory holds about the values of the
window plus three weeks, whatever the age of the deployment; a backfill of an older date
rescans what was forgotten.

Filesystem use, stated because core modules otherwise take text: :meth:`CleanValues.open` reads
``<cache dir>/clean-values/<version>.digests`` and :meth:`save` rewrites it through ``storage``
(atomic). The file is a sequence of generations, one per day of last use: a 32-byte header
(:data:`_GENERATION`: magic, day, count) and then that many 32-byte digests. Losing or damaging
the file costs a rescan, never a skip: reading stops at the first header that does not parse,
and a digest that is not exactly the SHA-256 of a value can only miss.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import struct
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

FOLDER = "clean-values"
SUFFIX = ".digests"
DIGEST_BYTES = 32
MAX_DIGESTS = 2_000_000
"""Above this (64 MB of digests) only the most recently used days are kept."""
KEEP_DAYS = 21
"""How long an unused digest is kept. A value stays in use while it is in a report window (every
date's checks look it up); this is how long after: three weeks, so a weekly schedule that missed
a run still finds last fortnight's values."""

_GENERATION = struct.Struct("<8sqQ8x")
"""A generation's header: magic, day of last use (``date.toordinal``), digest count, padding
to one digest's size (so the file stays a whole number of digests)."""
_MAGIC = b"TCVGEN02"


def _source_digest() -> str:
    base = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted((base / "redaction").glob("detector*.py")):
        digest.update(path.read_bytes())
    digest.update((base / "privacy.py").read_bytes())
    digest.update((base / "cells.py").read_bytes())
    try:
        digest.update(importlib.metadata.version("detect-secrets").encode())
    except importlib.metadata.PackageNotFoundError:
        digest.update(b"detect-secrets: none")
    return digest.hexdigest()


_SOURCE: str | None = None


def detector_version(extra_internal_domains: Iterable[str] = ()) -> str:
    """The detector's code and settings as a short hex key."""
    global _SOURCE
    if _SOURCE is None:
        _SOURCE = _source_digest()
    settings = "\n".join(sorted(d.strip().lower() for d in extra_internal_domains))
    return hashlib.sha256(f"{_SOURCE}\n{settings}".encode()).hexdigest()[:16]


def value_digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


class CleanValues:
    """A set of digests of clean values for one detector version, optionally persisted."""

    __slots__ = ("_known", "_pending", "_stored", "_today", "path", "version")

    def __init__(
        self,
        version: str,
        path: Path | None = None,
        data: bytes = b"",
        *,
        today: date | None = None,
    ) -> None:
        self.version = version
        self.path = path
        self._today = (today or datetime.now(UTC).date()).toordinal()
        self._known: dict[bytes, int] = _read_generations(data)
        """Digest -> the day it was last used, as the stored memory says and this process saw."""
        self._stored = len(data) // DIGEST_BYTES
        """The stored file's size in digests, repeats and headers included (what an append
        adds to)."""
        self._pending: set[bytes] = set()
        """Digests learnt, or used for the first time today, since the last save."""

    @classmethod
    def open(
        cls,
        cache_dir: Path | None,
        extra_internal_domains: Iterable[str] = (),
        *,
        today: date | None = None,
    ) -> CleanValues:
        """The memory stored under ``cache_dir`` (an unsaved, empty one without a cache).
        ``today`` (default: the UTC date) is the day its uses are recorded under.

        Each check of a run opens the memory again; while the file is the one this process
        last read or wrote (same inode, size and time), its digests are copied from that
        reading instead of parsed again."""
        version = detector_version(extra_internal_domains)
        if cache_dir is None:
            return cls(version, today=today)
        path = cache_dir / FOLDER / f"{version}{SUFFIX}"
        memory = cls(version, path, today=today)
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return memory
        try:
            identity = _identity(os.fstat(fd))
            seen = _SEEN.get(path)
            if seen is not None and seen[0] == identity:
                memory._known, memory._stored = dict(seen[1]), identity[2] // DIGEST_BYTES
                return memory
            with os.fdopen(os.dup(fd), "rb") as handle:
                data = handle.read()
        except OSError:
            return memory
        finally:
            os.close(fd)
        memory._known, memory._stored = _read_generations(data), len(data) // DIGEST_BYTES
        _SEEN[path] = (identity, dict(memory._known))
        return memory

    def __len__(self) -> int:
        return len(self._known)

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and self.has_digest(value_digest(value))

    def has_digest(self, key: bytes) -> bool:
        """``value in self`` for the value whose :func:`value_digest` is ``key``."""
        day = self._known.get(key)
        if day is None:
            return False
        if day != self._today:
            self._known[key] = self._today
            self._pending.add(key)
        return True

    def add_digest_keys(self, keys: Iterable[bytes]) -> None:
        """Digests (:func:`value_digest`) of values this same version found clean: noted as
        used today, and learnt when new."""
        self._learn(keys)

    def add(self, values: Iterable[str]) -> None:
        """Values the detector of this version scanned and found nothing in."""
        self._learn(value_digest(value) for value in values)

    def add_digests(self, digests: bytes) -> None:
        """Digests (concatenated) of values scanned clean elsewhere by this same version."""
        self._learn(_split(digests))

    def _learn(self, keys: Iterable[bytes]) -> None:
        known, pending, today = self._known, self._pending, self._today
        for key in keys:
            if known.get(key) != today:
                known[key] = today
                pending.add(key)

    def save(self) -> None:
        """Record what this process learnt and used today, and drop what has not been used
        for :data:`KEEP_DAYS` days. Nothing is written when nothing was learnt and every digest
        used was already recorded as used today.

        A save appends one generation (the day's new and newly used digests) with one write:
        another process's appends stay, and a torn append is a miss. The file is rewritten
        whole (merged with what is stored, then moved into place) only when repeats make it
        more than twice the memory, or when a digest is due to be forgotten: about once a day
        on a daily schedule instead of at each of a date's six checks."""
        if self.path is None or not self._pending:
            return
        from telemetry_assets import storage  # the one module that writes

        today = self._today
        oldest = today - KEEP_DAYS
        pending = sorted(self._pending)
        rewritten = False
        grows = self._stored + len(pending) > 2 * len(self._known) + 1024
        if grows or (self._known and min(self._known.values()) < oldest):
            try:
                stored = _read_generations(self.path.read_bytes())
            except OSError:
                stored = {}
            # Another process may have saved since this one opened: keep the later use of each.
            _keep_later(stored, self._known)
            merged = {k: d for k, d in stored.items() if d >= oldest}
            data = _generations(merged)
            # A cache: its loss costs a rescan, so no fsync.
            storage.write_bytes(self.path, data, durable=False)
            self._known = merged
            rewritten = True
        else:
            generation = b"".join([_GENERATION.pack(_MAGIC, today, len(pending)), *pending])
            storage.append_bytes(self.path, generation)
        self._pending = set()
        try:
            st = self.path.stat()
        except OSError:
            _SEEN.pop(self.path, None)
            return
        self._stored = st.st_size // DIGEST_BYTES
        # What this process knows of the file: after a rewrite, what it wrote; after an append,
        # its last reading (other memories of this process may have appended since; no memory
        # holds that dictionary, each has a copy) with this memory's digests merged in. A digest
        # another process appended meanwhile is missing from it: a miss (a rescan), never a
        # wrong answer.
        seen = None if rewritten else _SEEN.get(self.path)
        if seen is None:
            view = dict(self._known)
        else:
            view = seen[1]
            _keep_later(view, self._known)
        _SEEN[self.path] = (_identity(st), view)


def _keep_later(into: dict[bytes, int], days: dict[bytes, int]) -> None:
    """Merge ``days`` (digest -> day of last use) into ``into``, keeping each digest's later day."""
    for key, day in days.items():
        if into.get(key, -1) < day:
            into[key] = day


_Identity = tuple[int, int, int, int]

_SEEN: dict[Path, tuple[_Identity, dict[bytes, int]]] = {}
"""Per memory file, what this process last read or wrote: the file's identity (its size says
how many digests it stores) and its digests. A file another process rewrote or appended to has
another identity (size or time) and is read again."""


def _identity(st: os.stat_result) -> _Identity:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _read_generations(data: bytes) -> dict[bytes, int]:
    """Digest -> day of last use; reading stops at the first header that does not parse (the
    rest of a damaged file is a miss)."""
    generations: list[tuple[int, bytes]] = []
    pos, size = 0, len(data)
    while pos + _GENERATION.size <= size:
        magic, day, count = _GENERATION.unpack_from(data, pos)
        start = pos + _GENERATION.size
        end = start + count * DIGEST_BYTES
        if magic != _MAGIC or end > size:
            break
        generations.append((day, data[start:end]))
        pos = end
    known: dict[bytes, int] = {}
    # Oldest first, so a digest stored twice keeps its latest use.
    for day, digests in sorted(generations, key=lambda g: g[0]):
        known.update(dict.fromkeys(_split(digests), day))
    return known


def _generations(known: dict[bytes, int]) -> bytes:
    """The whole file's bytes: a generation per day, oldest first (appends follow), each
    sorted; the newest days only when there are more than :data:`MAX_DIGESTS`."""
    by_day: dict[int, list[bytes]] = {}
    for key, day in known.items():
        by_day.setdefault(day, []).append(key)
    parts: list[list[bytes]] = []
    room = MAX_DIGESTS
    for day in sorted(by_day, reverse=True):
        keys = sorted(by_day[day])[:room]
        if not keys:
            break
        parts.append([_GENERATION.pack(_MAGIC, day, len(keys)), *keys])
        room -= len(keys)
    return b"".join(b for part in reversed(parts) for b in part)


def _split(data: bytes) -> Iterable[bytes]:
    usable = len(data) - len(data) % DIGEST_BYTES
    return (data[i : i + DIGEST_BYTES] for i in range(0, usable, DIGEST_BYTES))


def prune(cache_dir: Path, keep_versions: Iterable[str]) -> int:
    """Delete the memories of other detector versions; returns files removed."""
    folder = cache_dir / FOLDER
    if not folder.is_dir():
        return 0
    keep = {f"{v}{SUFFIX}" for v in keep_versions}
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.name not in keep:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
