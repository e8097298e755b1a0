"""Opt-in decisions: which runs under the artifacts root are collected for a report date, and why.

This module walks the artifacts root read-only. It opens exactly two kinds of file: a run's own
``run.json`` (to read the opt-in signal and run metadata) and, for opted-in runs, artifact bytes
to hash them (and, only when a run has no ``started_at``, the head of an artifact to find a
timestamp). It records paths, hashes, sizes and run metadata, never file contents. Anything
outside ``telemetry-optin/``, ``ci/`` and ``agent/`` is never opened, only counted as skipped.

The artifacts root is a trust boundary: symbolic links are never followed, paths never leave
the root, device files, FIFOs and sockets are skipped, and only the ``run.json`` directly inside
a run folder speaks for that run (a nested one cannot opt another run in).
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from telemetry_assets.core import process_pool
from telemetry_assets.core.models import JOB_TYPES
from telemetry_assets.core.window import ReportWindow, parse_timestamp, utc_day

LOCATIONS: tuple[str, ...] = ("telemetry-optin", "ci", "agent")
"""The only top-level folders ever looked into (contract). Order is the scan order."""

RUN_JSON = "run.json"
MAX_RUN_JSON_BYTES = 1 << 20
"""A run.json bigger than this is not metadata; it is treated as unreadable."""

SkipReason = Literal[
    "not an opt-in location",
    "not opted in",
    "opted out",
    "no run.json",
    "unreadable run.json",
    "dated outside the 14-day window",
    "dated after the report date",
    "excluded by policy",
    "symlink",
    "not a regular file",
    "nested run.json",
    "empty run folder",
    "purged on request",
]


class RunJson(BaseModel):
    """``run.json`` as the contract defines it. Unknown fields are ignored; ``env`` is reduced
    to the one variable we may read before the model is built (see :func:`_read_run_json`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    run_id: str | None = None
    provider: str | None = None
    job_type: str | None = None
    branch: str | None = None
    pr: int | str | None = None
    commit: str | None = None
    started_at: datetime | None = None
    telemetry_env: str | None = None
    """``env.TELEMETRY`` as a string (``"1"``, ``"0"``, ``"true"``...), the only env value kept."""
    telemetry: bool | None = None

    @field_validator("started_at", mode="before")
    @classmethod
    def _parse_started_at(cls, value: Any) -> Any:
        if isinstance(value, str):
            parsed = parse_timestamp(value)
            if parsed is None:
                raise ValueError("started_at is not an ISO-8601 timestamp")
            return parsed
        return value

    @field_validator("started_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class RunRecord(BaseModel):
    """A run that was collected, with the evidence of its opt-in."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    run_dir: str
    location: str
    provider: str
    job_type: str
    job_type_inferred: bool
    branch: str | None
    pr: str | None
    commit: str | None
    started_at: datetime
    date_source: Literal["run.json", "artifact timestamp", "file mtime"]
    dir_key: str
    """sha256 of the real run folder path: keys the sanitized cache without naming the folder."""
    opt_in: str
    """Why it is collected, e.g. ``run.json env.TELEMETRY="1"`` or
    ``placement under telemetry-optin/``."""


class ArtifactRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str
    """Relative to the artifacts root, POSIX separators, as displayed: personal data in a file
    or folder name is redacted here, so this is not always the name on disk."""
    path_key: str
    """sha256 of the real relative path; :func:`resolve_paths` maps it back to the file."""
    run_id: str
    size: int
    sha256: str
    mtime: datetime


class SkippedRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str
    kind: Literal["entry", "run", "file"]
    reason: str
    run_id: str | None = None
    provider: str | None = None
    dir_key: str | None = None


class Manifest(BaseModel):
    """What the report for ``report_date`` collects: the ``raw_opt_in_manifest`` asset."""

    model_config = ConfigDict(frozen=True)

    report_date: date
    window_start: date
    window_end: date
    runs: list[RunRecord] = Field(default_factory=list)
    artifacts: list[ArtifactRecord] = Field(default_factory=list)
    skipped: list[SkippedRecord] = Field(default_factory=list)

    def skipped_by_reason(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for entry in self.skipped:
            counts[entry.reason] = counts.get(entry.reason, 0) + 1
        return dict(sorted(counts.items()))

    def live_run_keys(self) -> set[str]:
        """Run folders that are opted in, whether or not dated inside this window."""
        keys = {r.dir_key for r in self.runs}
        keys.update(s.dir_key for s in self.skipped if s.dir_key)
        return keys

    def run(self, run_id: str) -> RunRecord:
        for record in self.runs:
            if record.run_id == run_id:
                return record
        raise KeyError(run_id)


@dataclass(frozen=True, slots=True)
class CollectionRules:
    """Narrowing from the repository policy; the defaults are the contract's rules."""

    allow_placement_opt_in: bool = True
    providers: frozenset[str] | None = None
    job_types: frozenset[str] | None = None
    excluded_run_ids: frozenset[str] = frozenset()
    """Runs purged on request: treated as if they had never been there."""


# A timestamp at the start of a log line (GitHub Actions, most CI loggers) or a JUnit/xUnit
# ``timestamp="..."`` attribute. Deliberately date-and-time only: a bare date in a message is
# not evidence of when the run happened.
_HEAD_TIMESTAMP = re.compile(
    r"""(?:^|\n)\[?(?P<line>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)
      | timestamp="(?P<attr>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)"
      | "startTime"\s*:\s*"(?P<json>\d{4}-\d{2}-\d{2}T[^"]{8,30})"
    """,
    re.VERBOSE,
)


def _is_opt_in_value(value: str | None) -> bool | None:
    """``True`` for an opt-in, ``False`` for an explicit opt-out, ``None`` for no signal."""
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in {"1", "true"}:
        return True
    if lowered in {"0", "false"}:
        return False
    return None


def _read_run_json(path: Path) -> RunJson:
    """Parse a run.json; raise ``ValueError`` with a reason that never quotes its content."""
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise ValueError("run.json is not a regular file")
    if info.st_size > MAX_RUN_JSON_BYTES:
        raise ValueError("run.json is larger than 1 MiB")
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ValueError("run.json is not UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"run.json is not valid JSON (line {exc.lineno})") from exc
    if not isinstance(data, dict):
        raise ValueError("run.json is not a JSON object")
    env = data.get("env")
    telemetry_env: str | None = None
    if isinstance(env, dict) and "TELEMETRY" in env:
        raw = env["TELEMETRY"]
        # Only TELEMETRY is ever read from env: the rest may hold secrets and is dropped here.
        telemetry_env = str(raw).lower() if isinstance(raw, bool | int | float | str) else None
    top = data.get("telemetry")
    fields = {k: data.get(k) for k in ("run_id", "provider", "job_type", "branch", "pr", "commit")}
    for key in ("run_id", "provider", "job_type", "branch", "commit"):
        if fields[key] is not None and not isinstance(fields[key], str):
            fields[key] = str(fields[key])
    try:
        return RunJson(
            **fields,
            started_at=data.get("started_at"),
            telemetry_env=telemetry_env,
            telemetry=top if isinstance(top, bool) else None,
        )
    except ValidationError as exc:
        names = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})
        raise ValueError(f"run.json has invalid fields: {', '.join(names)}") from None


def _opt_in_decision(
    location: str, meta: RunJson | None, rules: CollectionRules
) -> tuple[bool, str]:
    """(collected?, evidence or skip reason). An explicit opt-out wins over placement."""
    env_signal = _is_opt_in_value(meta.telemetry_env) if meta else None
    top_signal = meta.telemetry if meta else None
    if env_signal is False or top_signal is False:
        return False, "opted out"
    if env_signal:
        return True, f'run.json env.TELEMETRY="{meta.telemetry_env}"' if meta else ""
    if top_signal:
        return True, "run.json telemetry=true"
    if location == "telemetry-optin":
        if rules.allow_placement_opt_in:
            return True, "placement under telemetry-optin/"
        return False, "excluded by policy"
    return False, "not opted in"


def _walk_files(run_dir: str) -> Iterator[tuple[str, os.stat_result | None, str | None]]:
    """Every file below ``run_dir`` as ``(path, lstat, skip_reason)``; never follows links.

    The order is ``os.walk``'s top-down order with sorted names (a folder's linked folders, its
    files, then its sub-folders), so manifests do not change with the walker. Plain strings and
    ``os.scandir`` instead of ``pathlib``: building path objects cost more than deciding on
    tens of thousands of small files, and the ``lstat`` taken here is the one every later step
    uses. A folder that cannot be listed is passed over, as ``os.walk`` does.
    """
    pending = [run_dir]
    while pending:
        here = pending.pop()
        try:
            with os.scandir(here) as listing:
                entries = sorted(listing, key=_BY_NAME)
        except OSError:
            continue
        folders: list[str] = []
        files: list[os.DirEntry[str]] = []
        for entry in entries:
            try:
                # Classified as os.walk does (a link to a folder counts as a folder here) and
                # then refused below as a link: the skip list reads the same as before.
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if not is_dir:
                files.append(entry)
            elif entry.is_symlink():
                yield entry.path, None, "symlink"
            else:
                folders.append(entry.path)
        top = here == run_dir
        for entry in files:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                yield entry.path, None, "not a regular file"
                continue
            if stat.S_ISLNK(info.st_mode):
                yield entry.path, info, "symlink"
            elif not stat.S_ISREG(info.st_mode):
                yield entry.path, info, "not a regular file"
            elif entry.name == RUN_JSON and not top:
                yield entry.path, info, "nested run.json"
            elif top and entry.name == RUN_JSON:
                continue
            else:
                yield entry.path, info, None
        # Last in, first out: the first sub-folder is walked next, as in a top-down walk.
        pending.extend(reversed(folders))


_BY_NAME = operator.attrgetter("name")
"""Sort key of directory entries (a C getter: a Python function per entry cost more)."""


def sha256_of(path: str | Path, chunk: int = 1 << 20) -> str:
    # A raw descriptor, not ``open()``: for a 4 KB report the buffered file object's setup
    # cost as much as hashing it, and tens of thousands are hashed per scan.
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        while block := os.read(fd, chunk):
            digest.update(block)
    finally:
        os.close(fd)
    return digest.hexdigest()


def _head_timestamp(files: Iterable[str]) -> datetime | None:
    for path in files:
        try:
            with open(path, "rb") as handle:
                head = handle.read(8192).decode("utf-8", errors="replace")
        except OSError:
            continue
        match = _HEAD_TIMESTAMP.search(head)
        if match:
            value = match.group("line") or match.group("attr") or match.group("json")
            parsed = parse_timestamp(value.replace(" ", "T", 1)) if value else None
            if parsed is not None:
                return parsed
    return None


def _infer_job_type(location: str, declared: str | None) -> tuple[str, bool]:
    if declared in JOB_TYPES:
        return declared, False
    if location == "agent":
        return "agent", True
    # Playwright reports refine this to ``visual`` once the artifact has been parsed.
    return "unit", True


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _rel_of(path: str, prefix: str) -> str:
    """``path`` relative to the root whose path plus separator is ``prefix``, POSIX-style."""
    rel = path[len(prefix) :]
    return rel if os.sep == "/" else rel.replace(os.sep, "/")


_RUN_TEXT = {"run_id", "run_dir", "provider", "branch", "pr", "commit"}


def _identity(text: str) -> str:
    return text


def path_key(rel_path: str) -> str:
    return hashlib.sha256(rel_path.encode("utf-8", errors="surrogateescape")).hexdigest()


FileFacts = Callable[[list[str], list[str]], tuple[list[str], list[str]]]
"""``(absolute paths to hash, relative paths to display) -> (their SHA-256, their display form)``,
in order: how :func:`build_manifest` learns what it cannot take from its caches, in one call (so
the caller may spread it over processes). A file that cannot be read answers with
:func:`hash_or_reason`'s reason instead of a hash."""


def sequential_facts(display: Callable[[str], str]) -> FileFacts:
    """:data:`FileFacts` in this process, one file after another."""

    def facts(to_hash: list[str], to_show: list[str]) -> tuple[list[str], list[str]]:
        return [hash_or_reason(p) for p in to_hash], [display(r) for r in to_show]

    return facts


UNREADABLE = "unreadable: "
"""How :func:`hash_or_reason` answers for a file it could not read (never a SHA-256)."""


def hash_or_reason(path: str) -> str:
    """The file's SHA-256, or ``unreadable: <error>`` when it vanished or cannot be read since
    the walk listed it (CI may still be uploading): the file is then skipped with that reason,
    and the rest of the scan goes on."""
    try:
        return sha256_of(path)
    except OSError as exc:
        return f"{UNREADABLE}{type(exc).__name__}"


Vouch = Callable[[list[str]], list[bytes]]
"""``(display paths) -> one digest per path``: what a residual-PII check that remembers clean
values (:class:`~telemetry_assets.core.clean_values.CleanValues`) would remember each path by
once its detector found nothing in it, ``b""`` for a path it must still scan itself. Run where
the paths are displayed, so the check's detector goes over new paths in the processes that
already exist for hashing and displaying them."""


class ParallelFacts:
    """:data:`FileFacts` over ``workers`` forked processes (see :mod:`process_pool`); small
    scans stay in this process. With a ``vouch``, each process also runs it on the paths it
    displayed, and :attr:`clean_digests` collects the digests it answered."""

    __slots__ = ("clean_digests", "display", "vouch", "workers")

    def __init__(
        self, display: Callable[[str], str], workers: int, vouch: Vouch | None = None
    ) -> None:
        self.display = display
        self.workers = workers
        self.vouch = vouch
        self.clean_digests = b""
        """Concatenated digests the ``vouch`` answered for the paths displayed so far."""

    def __call__(self, to_hash: list[str], to_show: list[str]) -> tuple[list[str], list[str]]:
        tasks = [(True, p) for p in to_hash] + [(False, r) for r in to_show]
        out = process_pool.map_chunks(
            _facts_task, tasks, self.workers, state=(self.display, self.vouch)
        )
        self.clean_digests += b"".join(digest for _, digest in out[len(to_hash) :])
        return [text for text, _ in out[: len(to_hash)]], [text for text, _ in out[len(to_hash) :]]


def _facts_task(tasks: list[tuple[bool, str]]) -> list[tuple[str, bytes]]:
    state: tuple[Callable[[str], str], Vouch | None] = process_pool.inherited()
    display, vouch = state
    out = [hash_or_reason(text) if hashing else display(text) for hashing, text in tasks]
    digests = [b""] * len(out)
    if vouch is not None:
        shown = [i for i, (hashing, _) in enumerate(tasks) if not hashing]
        for i, digest in zip(shown, vouch([out[i] for i in shown]), strict=True):
            digests[i] = digest
    return list(zip(out, digests, strict=True))


def build_manifest(
    root: Path,
    window: ReportWindow,
    rules: CollectionRules | None = None,
    display: Callable[[str], str] = _identity,
    hash_cache: dict[str, list[object]] | None = None,
    *,
    shown_cache: dict[str, str] | None = None,
    file_facts: FileFacts | None = None,
) -> Manifest:
    """Scan ``root`` and decide, run by run, what the report for ``window`` collects.

    ``hash_cache`` (path key -> [size, mtime_ns, sha256]) lets an unchanged file skip re-hashing,
    as git's index does; it is updated in place. Sanitizing re-hashes what it reads, so a file
    rewritten with the same size and mtime is still caught there.

    ``display`` sanitizes every string the manifest keeps (paths, run ids, branches): the
    manifest is persisted, and a file name can hold an e-mail address as well as a log can.
    ``shown_cache`` (path key -> display form of that path) spares re-displaying the paths of an
    earlier scan; it is updated in place, and is only valid for the same ``display``.
    ``file_facts`` hashes and displays the artifacts neither cache knows (default: in this
    process, with ``display``).
    """
    rules = rules or CollectionRules()
    runs: list[RunRecord] = []
    skipped: list[SkippedRecord] = []
    pending: list[_Pending] = []
    if not root.is_dir():
        return Manifest(
            report_date=window.report_date,
            window_start=window.baseline_start,
            window_end=window.end,
        )
    root = root.resolve()
    for entry in sorted(root.iterdir()):
        if entry.name not in LOCATIONS or entry.is_symlink() or not entry.is_dir():
            reason = "symlink" if entry.is_symlink() else "not an opt-in location"
            skipped.append(SkippedRecord(path=entry.name, kind="entry", reason=reason))
    for location in LOCATIONS:
        base = root / location
        if base.is_symlink() or not base.is_dir():
            continue
        with os.scandir(base) as listing:
            entries = sorted(listing, key=_BY_NAME)
        for run_entry in entries:
            rel_dir = f"{location}/{run_entry.name}"
            if run_entry.is_symlink():
                skipped.append(SkippedRecord(path=rel_dir, kind="run", reason="symlink"))
                continue
            if not run_entry.is_dir(follow_symlinks=False):
                skipped.append(SkippedRecord(path=rel_dir, kind="file", reason="not a run folder"))
                continue
            _decide_run(
                root,
                location,
                Path(run_entry.path),
                rel_dir,
                window,
                rules,
                _Found(runs, pending, skipped),
                display,
            )
    artifacts, unreadable = _artifact_records(
        pending,
        os.path.join(str(root), ""),
        hash_cache,
        shown_cache,
        file_facts or sequential_facts(display),
    )
    skipped.extend(unreadable)
    # Field values read directly: ``model_dump`` built a dict per run only to pick six fields.
    runs = [
        r.model_copy(
            update={k: display(v) if isinstance(v := getattr(r, k), str) else v for k in _RUN_TEXT}
        )
        for r in runs
    ]
    skipped = [
        s.model_copy(
            update={"path": display(s.path), "run_id": display(s.run_id) if s.run_id else None}
        )
        for s in skipped
    ]
    return Manifest(
        report_date=window.report_date,
        window_start=window.baseline_start,
        window_end=window.end,
        runs=runs,
        artifacts=artifacts,
        skipped=skipped,
    )


@dataclass(frozen=True, slots=True)
class _Pending:
    """A collected run's files, whose records wait for their hashes and display paths."""

    run_id: str
    shown_run_id: str
    files: list[tuple[str, os.stat_result]]
    """(absolute path, lstat) in walk order."""


def _artifact_records(
    pending: list[_Pending],
    prefix: str,
    hash_cache: dict[str, list[object]] | None,
    shown_cache: dict[str, str] | None,
    facts: FileFacts,
) -> tuple[list[ArtifactRecord], list[SkippedRecord]]:
    """The records of the pending files, and a skip entry for each that could not be read.

    One pass per step over flat lists: on a warm date nearly every file is answered by the
    caches, and per-file Python work (objects, calls, copies) is most of what is left.
    """
    files = [(path, info, run) for run in pending for path, info in run.files]
    rels = [_rel_of(path, prefix) for path, _, _ in files]
    keys = [path_key(rel) for rel in rels]
    hashes = hash_cache if hash_cache is not None else {}
    digests: list[str | None] = []
    for (_, info, _), key in zip(files, keys, strict=True):
        seen = hashes.get(key)
        if (
            seen
            and len(seen) >= 3
            and isinstance(seen[2], str)
            and seen[0] == info.st_size
            and seen[1] == info.st_mtime_ns
        ):
            digests.append(seen[2])
        else:
            digests.append(None)
    known_paths = shown_cache if shown_cache is not None else {}
    shown: list[str | None] = [known_paths.get(key) for key in keys]
    to_hash = [i for i, d in enumerate(digests) if d is None]
    to_show = [i for i, t in enumerate(shown) if t is None]
    if to_hash or to_show:
        hashed, displayed = facts([files[i][0] for i in to_hash], [rels[i] for i in to_show])
        for i, answer in zip(to_hash, hashed, strict=True):
            digests[i] = answer
            if hash_cache is not None and not answer.startswith(UNREADABLE):
                info = files[i][1]
                hash_cache[keys[i]] = [info.st_size, info.st_mtime_ns, answer]
        for i, text in zip(to_show, displayed, strict=True):
            shown[i] = text
            if shown_cache is not None:
                shown_cache[keys[i]] = text
    artifacts: list[ArtifactRecord] = []
    unreadable: list[SkippedRecord] = []
    # Validated by pydantic-core straight from a dict: every field is typed here already, and
    # this was both faster than ``model_construct`` (a Python loop over the fields) and than
    # the keyword constructor, for tens of thousands of records.
    record = ArtifactRecord.__pydantic_validator__.validate_python
    for (_, info, run), rel, key, digest, display_path in zip(
        files, rels, keys, digests, shown, strict=True
    ):
        if str(digest).startswith(UNREADABLE):
            # Displayed with the other skip entries (raw path and run id here).
            unreadable.append(
                SkippedRecord(path=rel, kind="file", reason=str(digest), run_id=run.run_id)
            )
            continue
        artifacts.append(
            record(
                {
                    "path": str(display_path),
                    "path_key": key,
                    "run_id": run.shown_run_id,
                    "size": info.st_size,
                    "sha256": str(digest),
                    "mtime": datetime.fromtimestamp(info.st_mtime, tz=UTC),
                }
            )
        )
    return artifacts, unreadable


@dataclass(frozen=True, slots=True)
class _Found:
    """What the scan has decided so far, in scan order."""

    runs: list[RunRecord]
    pending: list[_Pending]
    skipped: list[SkippedRecord]


def _decide_run(
    root: Path,
    location: str,
    run_dir: Path,
    rel_dir: str,
    window: ReportWindow,
    rules: CollectionRules,
    found: _Found,
    display: Callable[[str], str] = _identity,
) -> None:
    """Decide on the run folder ``run_dir``, shown as ``rel_dir`` (its path under ``root``)."""
    runs, skipped = found.runs, found.skipped
    run_json = run_dir / RUN_JSON
    meta: RunJson | None = None
    if run_json.exists() or run_json.is_symlink():
        try:
            meta = _read_run_json(run_json)
        except (ValueError, OSError):
            # Unreadable means not opted in, wherever the run sits (contract).
            skipped.append(SkippedRecord(path=rel_dir, kind="run", reason="unreadable run.json"))
            return
    elif location != "telemetry-optin":
        skipped.append(SkippedRecord(path=rel_dir, kind="run", reason="no run.json"))
        return
    run_id = (meta.run_id if meta and meta.run_id else run_dir.name).strip() or run_dir.name
    provider = (meta.provider if meta and meta.provider else "unknown").strip()
    collected, evidence = _opt_in_decision(location, meta, rules)
    if not collected:
        skipped.append(
            SkippedRecord(
                path=rel_dir, kind="run", reason=evidence, run_id=run_id, provider=provider
            )
        )
        return
    job_type, inferred = _infer_job_type(location, meta.job_type if meta else None)
    if run_id in rules.excluded_run_ids:
        # Purged on request: as if it had never been collected; counted, never listed.
        skipped.append(SkippedRecord(path="", kind="run", reason="purged on request"))
        return
    if (rules.providers is not None and provider not in rules.providers) or (
        rules.job_types is not None and job_type not in rules.job_types
    ):
        skipped.append(
            SkippedRecord(
                path=rel_dir,
                kind="run",
                reason="excluded by policy",
                run_id=run_id,
                provider=provider,
            )
        )
        return
    started_at = meta.started_at if meta else None
    if started_at is not None and _dated_outside(
        window, started_at, rel_dir, run_id, provider, skipped
    ):
        # Dated by its run.json: the folder is not even listed. An artifacts root that keeps
        # months of runs costs one run.json read per older run, not a walk of its files.
        return
    prefix = os.path.join(str(root), "")
    files: list[tuple[str, os.stat_result]] = []
    for path, info, reason in _walk_files(str(run_dir)):
        if reason is None and info is not None:
            files.append((path, info))
        else:
            skipped.append(
                SkippedRecord(
                    path=_rel_of(path, prefix), kind="file", reason=str(reason), run_id=run_id
                )
            )
    date_source: Literal["run.json", "artifact timestamp", "file mtime"] = "run.json"
    if started_at is None:
        started_at = _head_timestamp(path for path, _ in files)
        date_source = "artifact timestamp"
    if started_at is None:
        mtimes = [info.st_mtime for _, info in files] or [run_dir.lstat().st_mtime]
        started_at = datetime.fromtimestamp(min(mtimes), tz=UTC)
        date_source = "file mtime"
    if date_source != "run.json" and _dated_outside(
        window, started_at, rel_dir, run_id, provider, skipped
    ):
        return
    if not files:
        skipped.append(
            SkippedRecord(
                path=rel_dir,
                kind="run",
                reason="empty run folder",
                run_id=run_id,
                provider=provider,
            )
        )
        return
    runs.append(
        RunRecord(
            run_id=run_id,
            run_dir=rel_dir,
            location=location,
            provider=provider,
            job_type=job_type,
            job_type_inferred=inferred,
            branch=meta.branch if meta else None,
            pr=str(meta.pr) if meta and meta.pr is not None else None,
            commit=meta.commit if meta else None,
            started_at=started_at,
            date_source=date_source,
            dir_key=path_key(rel_dir),
            opt_in=evidence,
        )
    )
    found.pending.append(_Pending(run_id, display(run_id), files))


def _dated_outside(
    window: ReportWindow,
    started_at: datetime,
    rel_dir: str,
    run_id: str,
    provider: str,
    skipped: list[SkippedRecord],
) -> bool:
    """Whether the run is dated outside ``window``; if so, its skip entry is added."""
    position = window.position(utc_day(started_at))
    if position == "inside":
        return False
    reason = (
        "dated after the report date" if position == "after" else "dated outside the 14-day window"
    )
    skipped.append(
        SkippedRecord(
            path=rel_dir,
            kind="run",
            reason=reason,
            run_id=run_id,
            provider=provider,
            dir_key=path_key(rel_dir),
        )
    )
    return True


def manifest_frame(manifest: Manifest) -> pd.DataFrame:
    """Every record of the manifest as one row (artifacts, then skips, then runs), each cell as
    the model holds it: what the residual check scans before the manifest is persisted. Field
    values are read straight from the models (``model_dump`` copies each of tens of thousands)."""
    return pd.DataFrame(
        [a.__dict__ for a in manifest.artifacts]
        + [s.__dict__ for s in manifest.skipped]
        + [r.__dict__ for r in manifest.runs],
        dtype=object,
    )


def resolve_paths(root: Path, manifest: Manifest) -> dict[str, str]:
    """Map each artifact's ``path_key`` back to its real relative path under ``root``.

    Only folder listings are read (no file is opened); paths whose display form is the real
    name resolve without a walk.
    """
    wanted = {a.path_key: a.path for a in manifest.artifacts}
    resolved = {k: p for k, p in wanted.items() if path_key(p) == k}
    missing = set(wanted) - set(resolved)
    if missing:
        root = root.resolve()
        for location in LOCATIONS:
            base = root / location
            if base.is_symlink() or not base.is_dir():
                continue
            for current, dirnames, filenames in os.walk(base, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if not (Path(current) / d).is_symlink())
                for name in filenames:
                    rel = _rel(Path(current) / name, root)
                    key = path_key(rel)
                    if key in missing:
                        resolved[key] = rel
    return resolved
