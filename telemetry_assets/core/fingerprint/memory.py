"""What fingerprinting derived from each distinct failure, kept from one report date to the next.

The next date's window shares 13 of its 14 days with the previous one, and each date runs in a
new process: without this, every failure of the window was normalised and fingerprinted again
(about 90 µs each, most of the fingerprints step on a quiet day). An entry is keyed by the
SHA-256 of the failure's whole input (its sanitized text cells and ``flaky``), and the file by
the code that derives (a digest of the fingerprinting, occurrence and model sources) and the
repository's grouping rules: an entry is only reused where computing it would give the same.

Only the entries the last date used are kept, so a failure that left the window (or whose run
was purged or opted out) leaves the memory at the next save; the purge also deletes the folder.
The entries are sanitized text that the fingerprints check passed: the asset saves only after
its check. A damaged or foreign file is a miss (everything is derived again).

Filesystem use, stated because core modules otherwise take text: :meth:`DerivedMemory.open`
reads ``<cache dir>/derived/<code>-<rules>.json`` and :meth:`DerivedMemory.save` rewrites it
through ``storage`` (atomic, no fsync: a lost file costs a recompute), removing the files of
other code or rules.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

FOLDER = "derived"
_SUFFIX = ".json"

_SOURCES = (
    "fingerprint/fingerprint.py",
    "fingerprint/normalise.py",
    "fingerprint/memory.py",
    "occurrences.py",
    "models.py",
    "cells.py",
    "sanitize.py",
)
"""What decides a derived value: the fingerprint code, how occurrences read failures from their
cells (``sanitize`` holds the cell codecs), and the models."""

_CODE: str | None = None


def code_version() -> str:
    """A short hex digest of the sources that decide what is derived."""
    global _CODE
    if _CODE is None:
        base = Path(__file__).resolve().parents[1]
        digest = hashlib.sha256()
        for name in _SOURCES:
            digest.update(name.encode())
            digest.update((base / name).read_bytes())
        _CODE = digest.hexdigest()[:16]
    return _CODE


def rules_token(rules: Sequence[object]) -> str:
    """The grouping rules as a short hex digest (their reprs: frozen dataclasses of strings)."""
    return hashlib.sha256(repr(tuple(rules)).encode()).hexdigest()[:16]


def key_digest(key: tuple[Any, ...]) -> str:
    """A failure's input as the entry's key."""
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode()).hexdigest()


class DerivedMemory:
    """Entries (a list of JSON values each) by failure key, for one code version and rules."""

    __slots__ = ("_before", "_now", "path")

    def __init__(self, path: Path | None = None, entries: dict[str, list[Any]] | None = None):
        self.path = path
        self._before = entries or {}
        self._now: dict[str, list[Any]] = {}
        """The entries this date used or made: what :meth:`save` keeps."""

    @classmethod
    def open(cls, cache_dir: Path | None, rules: Sequence[object]) -> DerivedMemory:
        if cache_dir is None:
            return cls()
        path = cache_dir / FOLDER / f"{code_version()}-{rules_token(rules)}{_SUFFIX}"
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return cls(path)
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            return cls(path)
        return cls(path, {k: v for k, v in entries.items() if isinstance(v, list)})

    def get(self, digest: str) -> list[Any] | None:
        entry = self._before.get(digest)
        if entry is not None:
            self._now[digest] = entry
        return entry

    def put(self, digest: str, entry: list[Any]) -> None:
        self._now[digest] = entry

    def save(self) -> None:
        """Keep this date's entries (only those), and drop the files of other code or rules."""
        if self.path is None:
            return
        from telemetry_assets import storage  # the one module that writes

        if self._now != self._before:
            payload = json.dumps({"entries": self._now}, ensure_ascii=False, sort_keys=True)
            storage.write_bytes(self.path, payload.encode(), durable=False)
        for other in self.path.parent.glob(f"*{_SUFFIX}"):
            if other != self.path:
                other.unlink(missing_ok=True)
