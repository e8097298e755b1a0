"""Digests of values the residual-PII detector has already scanned and found nothing in.

The blocking checks scan every text cell an asset persists; most cells of a report date were
already scanned, clean, on the day before (the window overlaps 13 days) or in the worker that
sanitized their artifact. :class:`CleanValues` remembers the SHA-256 of each value scanned clean,
so a check rescans only new text. Only digests are kept, never text; a value with any finding
(reviewed or not) is never added, so skipping a remembered value changes no count.

The memory is keyed by the detector's version: a hash of its source, of the scanning code, of
the detect-secrets release and of the detector's settings. Any change starts an empty memory,
so a value is only skipped when the very same detector found nothing in it.

Filesystem use, stated because core modules otherwise take text: :meth:`CleanValues.open` reads
``<cache dir>/clean-values/<version>.digests`` (sorted 32-byte digests) and :meth:`save` rewrites
it through ``storage`` (atomic). Losing or damaging the file costs a rescan, never a skip: a
digest that is not exactly the SHA-256 of a value can only miss.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from collections.abc import Iterable
from pathlib import Path

FOLDER = "clean-values"
SUFFIX = ".digests"
DIGEST_BYTES = 32
MAX_DIGESTS = 2_000_000
"""Above this (64 MB of digests) the memory restarts from the values of the latest scan only."""


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

    __slots__ = ("_added", "_known", "_used", "path", "version")

    def __init__(self, version: str, path: Path | None = None, digests: bytes = b"") -> None:
        self.version = version
        self.path = path
        self._known: set[bytes] = set(_split(digests))
        self._used: set[bytes] = set()
        self._added = 0

    @classmethod
    def open(
        cls, cache_dir: Path | None, extra_internal_domains: Iterable[str] = ()
    ) -> CleanValues:
        """The memory stored under ``cache_dir`` (an unsaved, empty one without a cache)."""
        version = detector_version(extra_internal_domains)
        if cache_dir is None:
            return cls(version)
        path = cache_dir / FOLDER / f"{version}{SUFFIX}"
        try:
            data = path.read_bytes()
        except OSError:
            data = b""
        return cls(version, path, data)

    def __len__(self) -> int:
        return len(self._known)

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        key = value_digest(value)
        if key in self._known:
            self._used.add(key)
            return True
        return False

    def add(self, values: Iterable[str]) -> None:
        """Values the detector of this version scanned and found nothing in."""
        for value in values:
            key = value_digest(value)
            self._used.add(key)
            if key not in self._known:
                self._known.add(key)
                self._added += 1

    def add_digests(self, digests: bytes) -> None:
        """Digests (concatenated) of values scanned clean elsewhere by this same version."""
        for key in _split(digests):
            self._used.add(key)
            if key not in self._known:
                self._known.add(key)
                self._added += 1

    def save(self) -> None:
        """Merge what this process learnt into the stored memory (atomic rewrite)."""
        if self.path is None or not self._added:
            return
        from telemetry_assets import storage  # the one module that writes

        try:
            stored = set(_split(self.path.read_bytes()))
        except OSError:
            stored = set()
        merged = stored | self._known
        if len(merged) > MAX_DIGESTS:
            merged = set(self._used)
        # A cache: its loss costs a rescan, so no fsync.
        storage.write_bytes(self.path, b"".join(sorted(merged)), durable=False)
        self._known = merged
        self._added = 0


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
