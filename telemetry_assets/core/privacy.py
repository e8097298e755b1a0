"""Residual-PII scans of sanitized text, the per-artifact privacy gate, and the audit request.

The scanning itself is the independent detector's (:mod:`redaction.detector`); this module only
decides what to feed it (every text field of one sanitized artifact, every text cell of a table,
every file of the report) and summarises the findings as counts, locations and digests, never
as matched text. A digest (``fd1:<hex>``, the detector's hash of its name and the matched
value) is what a maintainer lists in the repository policy's ``privacy.reviewed_findings`` to
say "looked at, harmless": a finding whose digest is listed is counted as reviewed and allowed,
everywhere (the artifact gate and the blocking asset checks alike).

Two levels, on purpose:

- :func:`scan_artifact_values` is the gate each artifact passes after redaction: an unreviewed
  finding withholds that one artifact (no text of it is kept), and the rest of the week's
  report goes on. :func:`withheld_reason` is the reason it is quarantined with.
- :func:`scan_frame` / :func:`scan_texts` are the blocking checks on what an asset persists:
  they still halt the run, for text that only becomes suspicious once artifacts are combined.

:func:`locate_artifact_findings` names the gate's findings by the stored field holding each
(``telemetry-sanitize --explain``). :func:`audit_request_markdown` writes
``privacy-audit-request-D.md``: a place is named by artifact path (or run folder, or report
file), run id and field, and a name that itself holds a finding is withheld; a stopped run says
which report files for D are an earlier run's (:func:`earlier_reports`, read-only).
"""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import infer_dtype

from telemetry_assets.core import process_pool
from telemetry_assets.core.cells import is_text_column, text
from telemetry_assets.core.clean_values import CleanValues, value_digest
from telemetry_assets.core.redaction.detector import Finding, ResidualPiiDetector

Place = tuple[str, str]
"""(artifact or file, run id or "") of a finding."""

FILE_TEXT = "(file text)"
"""The field of a finding in a whole scanned text (a report file) rather than a table cell."""

WITHHELD_PREFIX = "withheld: residual finding"
"""Start of the quarantine reason of an artifact the privacy gate withheld."""


def digest_of(finding: Finding) -> str:
    """The finding's digest; ``""`` for a finding built by hand (it can never be marked
    reviewed, so it always counts)."""
    return finding.digest


@dataclass(slots=True)
class ResidualScan:
    cells_scanned: int = 0
    by_detector: Counter[str] = field(default_factory=Counter)
    """Unreviewed findings per detector: any of them fails the check."""
    affected: set[Place] = field(default_factory=set)
    """Every place with an unreviewed finding."""
    reviewed: Counter[str] = field(default_factory=Counter)
    """Findings allowed because their digest is reviewed, per detector."""
    digests: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(detector, digest) -> count of the findings in ``by_detector`` (``""``: no digest)."""
    located: dict[Place, set[str]] = field(default_factory=dict)
    """Place -> digests found there (reviewed or not)."""
    fields: dict[Place, dict[str, set[str]]] = field(default_factory=dict)
    """Place -> field (column, or ``FILE_TEXT`` for a whole file) -> digests found in it."""

    @property
    def hits(self) -> int:
        return sum(self.by_detector.values())

    def merge(self, other: ResidualScan) -> None:
        self.cells_scanned += other.cells_scanned
        self.by_detector.update(other.by_detector)
        self.affected |= other.affected
        self.reviewed.update(other.reviewed)
        self.digests.update(other.digests)
        for place, found in other.located.items():
            self.located.setdefault(place, set()).update(found)
        for place, columns in other.fields.items():
            mine = self.fields.setdefault(place, {})
            for column, found in columns.items():
                mine.setdefault(column, set()).update(found)

    def allowing(self, reviewed: Collection[str]) -> ResidualScan:
        """The same scan with the findings whose digest is in ``reviewed`` moved from
        ``by_detector`` to ``reviewed`` (and places holding only those no longer affected)."""
        out = ResidualScan(
            cells_scanned=self.cells_scanned,
            by_detector=Counter(self.by_detector),
            reviewed=Counter(self.reviewed),
            located=dict(self.located),
            fields=dict(self.fields),
        )
        for (name, digest), n in self.digests.items():
            if digest and digest in reviewed:
                out.by_detector[name] -= n
                out.reviewed[name] += n
            else:
                out.digests[(name, digest)] += n
        out.by_detector = +out.by_detector  # drops the detectors left at zero
        out.affected = {
            place
            for place in self.affected
            if any(not d or d not in reviewed for d in self.located.get(place, {""}))
        }
        return out

    def unreviewed_digests(self) -> dict[str, list[str]]:
        """Detector -> sorted digests of the findings that still count."""
        out: dict[str, set[str]] = {}
        for name, digest in self.digests:
            if digest:
                out.setdefault(name, set()).add(digest)
        return {name: sorted(found) for name, found in sorted(out.items())}


DIGEST_COLUMNS = frozenset({"sha256", "path_key", "dir_key", "fingerprint", "a", "b"})
"""Columns that hold our own SHA-256 digests or fingerprints. A cell there is skipped only when
it is exactly a digest (64 lowercase hex digits, optionally ``sha256-``), which is all such a
column can hold; anything else in them is scanned."""
_DIGEST = re.compile(r"(?:sha256-)?[0-9a-f]{64}")

FINDING_DIGEST_COLUMNS = frozenset({"finding_digests"})
"""Columns that hold JSON lists of finding digests. A cell there is skipped only when it is
exactly such a list (``[]`` or ``["fd1:<hex>", ...]``); anything else in them is scanned."""
_FINDING_DIGEST_LIST = re.compile(r'\[(?:"fd1:[0-9a-f]+"(?:, ?"fd1:[0-9a-f]+")*)?\]')

_NAME_STANDIN = "residual-detector"
"""What a detector's own name is scanned as. The names are our vocabulary, written into reasons,
counts and reports (``withheld: residual finding (detect_secrets:KeywordDetector)``), and some
read like a ``secret: value`` pair to the detector itself."""

_BATCH_CHARS = 1 << 18
"""Distinct values are scanned joined by newlines in batches of about this many characters: one
detector call per batch instead of one per value (the per-call overhead dominated on tables of
many short cells)."""

_DETECTOR: ResidualPiiDetector | None = None


def detector() -> ResidualPiiDetector:
    global _DETECTOR
    if _DETECTOR is None:
        _DETECTOR = ResidualPiiDetector()
    return _DETECTOR


_NAMES: re.Pattern[str] | None = None


def _without_detector_names(value: str) -> str:
    """``value`` with every ``detect_secrets:<Plugin>`` name replaced by a neutral word (see
    ``_NAME_STANDIN``; the other names are plain words). Only exact names are replaced, so a
    finding elsewhere in the value keeps its digest."""
    global _NAMES
    if "detect_secrets:" not in value:
        return value
    if _NAMES is None:
        names = sorted(
            (n for n in detector().detector_names if n.startswith("detect_secrets:")),
            key=len,
            reverse=True,
        )
        _NAMES = re.compile("|".join(re.escape(n) + r"\b" for n in names))
    return _NAMES.sub(_NAME_STANDIN, value)


def _scan_distinct(det: ResidualPiiDetector, values: Iterable[str]) -> dict[str, list[Finding]]:
    """The findings of each value that has any; values with none are left out.

    Values are joined with newlines and scanned a batch at a time; a finding's line number says
    which value it is in, and the detector's line-based probes see exactly the lines they would
    see one value at a time. The one probe that reads across lines (private keys) gets its
    values alone, so a key block can never borrow the end of the next value; so do big values,
    which gain nothing from batching. Line numbers of batched findings are relative to the batch
    (only the detector name and the digest are used).
    """
    found: dict[str, list[Finding]] = {}
    batch: list[str] = []
    starts: list[int] = []
    line = 1
    size = 0

    def flush() -> None:
        nonlocal batch, starts, line, size
        if batch:
            for finding in det.scan("\n".join(batch)):
                index = bisect.bisect_right(starts, finding.line) - 1
                found.setdefault(batch[index], []).append(finding)
        batch, starts, line, size = [], [], 1, 0

    for value in values:
        if "PRIVATE KEY" in value or len(value) >= _BATCH_CHARS:
            findings = det.scan(value)
            if findings:
                found[value] = findings
            continue
        batch.append(value)
        starts.append(line)
        line += value.count("\n") + 1
        size += len(value) + 1
        if size >= _BATCH_CHARS:
            flush()
    flush()
    return found


# --- the per-artifact gate ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArtifactFindings:
    """What the gate found in one sanitized artifact: counts and digests, never text."""

    withheld: dict[str, int] = field(default_factory=dict)
    """Distinct unreviewed findings per detector; non-empty means the artifact is withheld."""
    digests: tuple[str, ...] = ()
    """Their digests, sorted."""
    reviewed: dict[str, int] = field(default_factory=dict)
    """Distinct findings allowed because their digest is reviewed, per detector."""

    @property
    def withholds(self) -> bool:
        return bool(self.withheld)


def withheld_reason(detectors: Iterable[str]) -> str:
    """``withheld: residual finding (email, ipv4)``: a withheld artifact's quarantine reason."""
    return f"{WITHHELD_PREFIX} ({', '.join(sorted(set(detectors)))})"


def is_withheld(reason: object) -> bool:
    return isinstance(reason, str) and reason.startswith(WITHHELD_PREFIX)


def scan_artifact_values(
    det: ResidualPiiDetector, values: Iterable[str | None], reviewed: Collection[str] = ()
) -> ArtifactFindings:
    """Scan every text value one artifact would persist. A finding is counted once per
    artifact however many of its values repeat it (a message is repeated in its trace): one
    (detector, digest) is one thing for a maintainer to review. Findings whose digest is in
    ``reviewed`` are allowed."""
    found = _scan_distinct(det, dict.fromkeys(v for v in values if v))
    if not found:
        return ArtifactFindings()
    distinct = {(f.detector, digest_of(f)) for fs in found.values() for f in fs}
    withheld: Counter[str] = Counter()
    allowed: Counter[str] = Counter()
    digests: set[str] = set()
    for name, digest in distinct:
        if digest and digest in reviewed:
            allowed[name] += 1
        else:
            withheld[name] += 1
            if digest:
                digests.add(digest)
    return ArtifactFindings(
        withheld=dict(sorted(withheld.items())),
        digests=tuple(sorted(digests)),
        reviewed=dict(sorted(allowed.items())),
    )


@dataclass(frozen=True, slots=True)
class LocatedFinding:
    """One finding of the gate, named by the stored field that holds it: never the text."""

    field: str
    """The field's label, e.g. ``failure 2 message`` or ``failure 1 frame 3 file``."""
    detector: str
    digest: str
    reviewed: bool
    """Its digest is listed in the repository policy: the gate allows it."""
    line: int
    """1-based line within the field's value (0: not found when the value is scanned alone)."""
    column: int


def locate_artifact_findings(
    det: ResidualPiiDetector,
    fields: Iterable[tuple[str, str | None]],
    reviewed: Collection[str] = (),
) -> list[LocatedFinding]:
    """The findings :func:`scan_artifact_values` makes on these values, one per field holding
    each (a message repeated in its trace is listed under both; the gate counts it once).

    The values are scanned exactly as the gate scans them (distinct values, batched); each
    value with a finding is scanned again alone only to place the finding within it (batched
    findings carry line numbers relative to their batch).
    """
    pairs = [(name, value) for name, value in fields if value]
    found = _scan_distinct(det, dict.fromkeys(value for _, value in pairs))
    out: list[LocatedFinding] = []
    for name, value in pairs:
        findings = found.get(value)
        if not findings:
            continue
        alone = det.scan(value)
        for finding in findings:
            digest = digest_of(finding)
            same = next(
                (f for f in alone if f.detector == finding.detector and f.digest == digest), None
            )
            if same is not None:
                alone.remove(same)
            out.append(
                LocatedFinding(
                    field=name,
                    detector=finding.detector,
                    digest=digest,
                    reviewed=bool(digest) and digest in reviewed,
                    line=same.line if same else 0,
                    column=same.column if same else 0,
                )
            )
    return out


# --- the blocking checks on persisted data -----------------------------------------------------


def _skippable(value: str, column: str) -> bool:
    if column in DIGEST_COLUMNS and _DIGEST.fullmatch(value):
        return True
    return column in FINDING_DIGEST_COLUMNS and _FINDING_DIGEST_LIST.fullmatch(value) is not None


_NO_STRINGS = frozenset(
    {
        "empty",
        "integer",
        "floating",
        "mixed-integer-float",
        "decimal",
        "complex",
        "boolean",
        "datetime64",
        "datetime",
        "date",
        "timedelta64",
        "timedelta",
        "time",
        "period",
        "interval",
    }
)
"""What pandas' ``infer_dtype`` says of an object column that holds no ``str`` at all (apart
from missing values): such a column is skipped without counting its cells. ``string``,
``bytes``, ``mixed`` and ``mixed-integer`` may hold strings and are counted."""


def _exact_digest_cells(series: pd.Series, pattern: re.Pattern[str]) -> np.ndarray | None:
    """Which cells of a column hold a value ``pattern`` matches whole (missing ones count as
    matched: they are never scanned), or ``None`` when the column is not all text. Arrow's regex
    engine runs over the whole column at once (the digest patterns are plain enough for it to
    read them as Python does), which spares hashing thousands of distinct digests only to drop
    them."""
    try:
        array = pa.array(series, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError, UnicodeError):
        return None
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    matched = pc.match_substring_regex(array, f"^(?:{pattern.pattern})$").fill_null(True)
    return np.asarray(matched.to_numpy(zero_copy_only=False), dtype=bool)


def _distinct_cells(frame: pd.DataFrame, text_columns: list[object]) -> Counter[str]:
    """Each non-empty string cell (but exact digests in digest columns) -> how many cells hold it.

    Counted per column by pandas (``value_counts`` runs in C, and on Arrow-backed strings never
    makes a Python string per cell); a column of unhashable objects falls back to a cell loop.
    A column's counts are merged by dict operations, and only digest columns pay for the
    digest test (vectorised when the column holds only strings).
    """
    seen: Counter[str] = Counter()
    for column in text_columns:
        name = str(column)
        series = frame[column]
        digests = name in DIGEST_COLUMNS or name in FINDING_DIGEST_COLUMNS
        if (
            series.dtype == object
            and len(series)
            and not isinstance(series.array[0], str)
            and infer_dtype(series, skipna=True) in _NO_STRINGS
        ):
            continue  # sizes, times, flags held as objects: no string to scan
        if digests:
            pattern = _DIGEST if name in DIGEST_COLUMNS else _FINDING_DIGEST_LIST
            exact = _exact_digest_cells(series, pattern)
            if exact is not None:
                series = series[~exact]
                digests = False
        try:
            counts = series.value_counts(dropna=True, sort=False)
            values = counts.index.tolist()
            only_strings = infer_dtype(counts.index, skipna=False) == "string"
            column_counts = dict(zip(values, counts.tolist(), strict=True))
            if not only_strings:
                column_counts = {v: n for v, n in column_counts.items() if isinstance(v, str)}
        except TypeError:
            column_counts = {}
            for value in series.tolist():
                if isinstance(value, str):
                    column_counts[value] = column_counts.get(value, 0) + 1
        if digests:
            column_counts = {v: n for v, n in column_counts.items() if not _skippable(v, name)}
        column_counts.pop("", None)
        # Merged by dict operations (in C): only the values another column holds too are
        # added one by one.
        for value in seen.keys() & column_counts.keys():
            column_counts[value] += seen[value]
        dict.update(seen, column_counts)
    # Arrow's allocator keeps what the digest matches freed; pool workers forked later would
    # inherit it (the 45,000-file first date peaked 15 MB higher).
    pa.default_memory_pool().release_unused()
    return seen


def _scan_task(values: list[str]) -> list[list[Finding]]:
    found = _scan_distinct(detector(), values)
    return [found.get(value, []) for value in values]


def _scan_values(values: set[str], workers: int) -> dict[str, list[Finding]]:
    """:func:`_scan_distinct` of ``values``, spread over ``workers`` processes when there are
    many (:mod:`process_pool` decides; a first scan of tens of thousands of file paths).
    Batching never changes a finding, so neither does the split."""
    ordered = sorted(values)
    detector()  # built before any fork, so every process inherits it compiled
    results = process_pool.map_chunks(_scan_task, ordered, workers)
    return {value: found for value, found in zip(ordered, results, strict=True) if found}


def clean_digests(values: list[str], known: CleanValues | None = None) -> list[bytes]:
    """For each value, the digest :func:`scan_frame` would add to ``known`` after scanning it:
    computed ahead, in the process that made the values (the manifest's facts workers), so the
    check's detector runs in processes that exist anyway. ``b""`` for a value with a finding (it
    is scanned again, and found, by the check), an empty one, or one ``known`` already holds.

    The values are scanned exactly as :func:`scan_frame` scans a cell (detector names made
    neutral, with this module's detector); the digests only mean "clean" to a ``known`` of that
    detector's version (:func:`clean_values.detector_version` without extra domains).
    """
    neutral = [_without_detector_names(value) for value in values]
    fresh = [n for n in dict.fromkeys(neutral) if n and not (known is not None and n in known)]
    found = _scan_distinct(detector(), fresh)
    clean = {n: value_digest(n) for n in fresh if n not in found}
    return [clean.get(n, b"") for n in neutral]


class _CleanInProcess:
    """Strings this process's checks found clean (by their memory or by scanning), with the
    digest the memory knows them by, per detector version: the same paths, run ids, traces and
    messages reach the checks of all six assets of a run, and a dictionary lookup is cheaper
    than the SHA-256 of each. A string answered here is still noted in the check's memory (as
    used, or learnt when that memory lacks it), so what a memory holds never depends on what
    the process did before. Held in memory only, and dropped whole past :attr:`LIMIT`
    characters."""

    LIMIT = 64 << 20

    def __init__(self) -> None:
        self._version = ""
        self._digests: dict[str, bytes] = {}
        self._chars = 0

    def of(self, version: str) -> dict[str, bytes]:
        if version != self._version or self._chars > self.LIMIT:
            self._version, self._digests, self._chars = version, {}, 0
        return self._digests

    def add(self, version: str, digests: Mapping[str, bytes]) -> None:
        known = self.of(version)
        for value, digest in digests.items():
            if value not in known:
                known[value] = digest
                self._chars += len(value)


_clean_in_process = _CleanInProcess()


def scan_frame(
    frame: pd.DataFrame,
    where: str = "artifact",
    reviewed: Collection[str] = (),
    known: CleanValues | None = None,
    workers: int = 1,
    *,
    clean: set[str] | None = None,
) -> ResidualScan:
    """Scan every string cell; findings are located by the row's ``where`` and ``run_id``.

    Each distinct string is scanned once (traces, frames and messages repeat across rows, and
    so do whole lists of passed test ids across runs); a finding counts once per cell that holds
    it, exactly as if every cell had been scanned on its own. With ``known`` (digests of the
    strings this detector version already scanned and found nothing in), only new strings are
    scanned and the new clean ones are added to it; a string with a finding is never in it, so
    no count changes.

    ``clean`` is for the scans of one check over several tables that share columns (artifact
    paths, run ids): strings an earlier call found clean, by ``known`` or by scanning with this
    same detector, are neither looked up nor scanned again, and the call adds those it finds
    clean. It holds the strings themselves, so it lives only as long as the check.

    With ``known``, strings an earlier check of this process found clean under the same
    detector version are neither hashed nor scanned again (see :class:`_CleanInProcess`); they
    are noted in ``known`` by the digest that check computed.
    """
    scan = ResidualScan()
    text_columns = [c for c in frame.columns if is_text_column(frame[c])]
    if not text_columns or frame.empty:
        return scan
    seen = _distinct_cells(frame, text_columns)
    scan.cells_scanned = seen.total()
    # Each value not already known clean to this check -> what it is scanned as (see
    # _without_detector_names); one loop, as it runs once per distinct value of the table.
    neutral: dict[str, str] = {}
    to_scan: set[str] = set()
    value_digests: dict[str, bytes] = {}
    recalled: list[bytes] = []
    passed = _clean_in_process.of(known.version) if known is not None else {}
    for value in seen:
        if clean is not None and value in clean:
            continue
        digest = passed.get(value)
        if digest is not None:
            recalled.append(digest)
            continue
        plain = _without_detector_names(value)
        neutral[value] = plain
        if known is None:
            to_scan.add(plain)
            continue
        digest = value_digests[value] = value_digest(plain)
        if not known.has_digest(digest):
            to_scan.add(plain)
    found_neutral = _scan_values(to_scan, workers)
    if known is not None:
        known.add_digest_keys(recalled)
        known.add(n for n in to_scan if n not in found_neutral)
        _clean_in_process.add(
            known.version,
            {v: value_digests[v] for v, n in neutral.items() if n not in found_neutral},
        )
    if clean is not None:
        clean.update(v for v, n in neutral.items() if n not in found_neutral)
    if not found_neutral:
        return scan
    found = {v: found_neutral[n] for v, n in neutral.items() if n in found_neutral}
    for value, findings in found.items():
        for finding in findings:
            scan.by_detector[finding.detector] += seen[value]
            scan.digests[(finding.detector, digest_of(finding))] += seen[value]
    # Rare path: the rows and columns that hold a finding, for the audit request.
    names = [c for c in (where, *_PLACE_FALLBACKS) if c in frame.columns]
    for _, record in frame.iterrows():
        hits = [c for c in text_columns if isinstance(record[c], str) and record[c] in found]
        if hits:
            place = (_place_name(record, names), _name_cell(record.get("run_id")))
            scan.affected.add(place)
            columns = scan.fields.setdefault(place, {})
            for column in hits:
                digests = {digest_of(f) for f in found[record[column]]}
                scan.located.setdefault(place, set()).update(digests)
                columns.setdefault(str(column), set()).update(digests)
    return scan.allowing(reviewed) if reviewed else scan


_PLACE_FALLBACKS = ("artifact", "path", "run_dir")
"""Columns that name a row's place when its ``where`` cell is empty: a run's metadata row of the
manifest has no artifact path, but has its run folder."""


def _name_cell(value: object) -> str:
    """A cell as a place name: ``""`` for a missing one (never ``nan`` or ``None``)."""
    return value if isinstance(value, str) else ""


def _place_name(record: pd.Series, columns: Sequence[object]) -> str:
    for column in columns:
        name = _name_cell(record.get(column))
        if name:
            return name
    return ""


def scan_texts(
    texts: Mapping[str, str], reviewed: Collection[str] = (), known: CleanValues | None = None
) -> ResidualScan:
    """Scan named texts (e.g. rendered report files).

    With ``known``, a text is scanned line by line, and only its lines this detector version
    has not already found clean (a date's report repeats most of the previous date's lines):
    the detector reads lines (``\n``) and reports a finding per line and position, so a line
    held ``n`` times counts its findings ``n`` times, as scanning the whole text does. A text
    that mentions a private key is scanned whole: that is the one probe that reads across
    lines."""
    scan = ResidualScan()
    det = detector()
    for name, body in texts.items():
        scan.cells_scanned += 1
        plain = _without_detector_names(body)
        if known is None or "PRIVATE KEY" in plain:
            findings = det.scan(plain)
        else:
            lines = Counter(plain.split("\n"))
            fresh = [line for line in lines if line and line not in known]
            found = _scan_distinct(det, fresh)
            known.add(line for line in fresh if line not in found)
            findings = [f for line, fs in found.items() for f in fs for _ in range(lines[line])]
        if findings:
            for finding in findings:
                scan.by_detector[finding.detector] += 1
                scan.digests[(finding.detector, digest_of(finding))] += 1
            scan.affected.add((name, ""))
            scan.located[(name, "")] = {digest_of(f) for f in findings}
            scan.fields[(name, "")] = {FILE_TEXT: {digest_of(f) for f in findings}}
    return scan.allowing(reviewed) if reviewed else scan


# --- the audit request -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WithheldArtifact:
    path: str
    run_id: str
    detectors: dict[str, int]
    digests: tuple[str, ...]


def _json_cell(value: object, default: object) -> object:
    raw = text(value)
    if raw is None:
        return default
    try:
        return json.loads(raw)
    except ValueError:
        return default


def withheld_artifacts(artifacts: pd.DataFrame) -> list[WithheldArtifact]:
    """The artifacts the gate withheld, from the sanitized artifacts table, in table order."""
    if artifacts.empty or "reason" not in artifacts.columns:
        return []
    if artifacts["reason"].isna().all():
        return []  # every artifact was read (the usual table): no reason, so none withheld
    out = []
    # Rows first, then records: building a dict per row of a large table cost seconds.
    held = artifacts["reason"].map(is_withheld, na_action="ignore").fillna(False).astype(bool)
    for row in artifacts[held].to_dict("records"):
        counts = _json_cell(row.get("findings"), {})
        digests = _json_cell(row.get("finding_digests"), [])
        out.append(
            WithheldArtifact(
                path=str(row["artifact"]),
                run_id=str(row["run_id"]),
                detectors=(
                    {str(k): int(v) for k, v in counts.items()} if isinstance(counts, dict) else {}
                ),
                digests=tuple(str(d) for d in digests) if isinstance(digests, list) else (),
            )
        )
    return out


def reviewed_counts(artifacts: pd.DataFrame) -> Counter[str]:
    """Findings allowed as reviewed, per detector, over the artifacts that were kept."""
    out: Counter[str] = Counter()
    if artifacts.empty or "reviewed_findings" not in artifacts.columns:
        return out
    # Distinct cells only: nearly every artifact holds ``{}``.
    for value, n in artifacts["reviewed_findings"].value_counts(dropna=True).items():
        counts = _json_cell(value, {})
        if isinstance(counts, dict):
            out.update({str(k): int(v) * int(n) for k, v in counts.items()})
    return out


_HOW_TO_REVIEW = [
    "## How to review a finding",
    "",
    "1. Run `telemetry-sanitize --explain <artifact>` on your own machine (the artifact path is",
    "   relative to the artifacts root, `TELEMETRY_ARTIFACTS_ROOT` or `--artifacts-root`). It",
    "   runs this gate on the file as the pipeline does and prints each finding with its field",
    "   (message, trace, frame file, test id ...), detector and digest, and",
    "   whether the repository policy already marks it reviewed; `--show-lines` also shows the",
    "   flagged sanitized line, on your terminal only. A finding in run metadata (a branch",
    "   name) is in the run's `run.json`, not in an artifact: the field says which.",
    "2. If it is personal data or a secret: add or fix the redaction rule for that shape",
    "   (`telemetry_assets/core/redaction/rules.py`) with a named test case, then",
    "   re-materialize this report date. If the run should not be collected at all, opt it out",
    "   (`TELEMETRY=0`) or run `telemetry-purge --run RUN_ID`.",
    "3. If it is harmless (the detector is wrong here), mark the digest reviewed in the",
    "   repository policy (`telemetry.policy.json`, `.toml`, or the `## Telemetry policy`",
    "   section of `AGENTS.md`) with the reason, then re-materialize this report date:",
    "",
    "```json",
    '{"privacy": {"reviewed_findings": [',
    '  {"digest": "fd1:...", "reason": "fuzz corpus id, not a secret"}]}}',
    "```",
    "",
    "   A digest is a hash of the detector and the matched value: it allows exactly that value,",
    "   never another one.",
    "",
]


MAX_PLACES = 200
"""Affected places listed in the audit request; the rest are counted (the digests are complete)."""

WITHHELD_NAME = "(withheld: the name itself holds a finding)"
"""Shown instead of a path or run id that itself holds a finding (a folder named after a person,
a token in a file name): the request names places, it must not become one."""

REPORT_FILE_NAMES = (
    "telemetry-report-{date}.md",
    "error-aggregates-{date}.json",
    "occurrences-{date}.parquet",
    "pull-request-{date}.md",
)
"""The report files a successful run writes for a date (issue drafts go under ``issues/D/``)."""

_TIMESTAMP = re.compile(
    r"""\d{4}-\d{2}-\d{2} T \d{2}:\d{2}   # date and time, as ``generated_at`` is written
        (?: :\d{2} (?:\.\d+)? )?         # seconds, fractions
        (?: Z | [+-]\d{2}:\d{2} )?        # zone""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class EarlierReports:
    """The report files for a date that an earlier run left in the reports folder."""

    files: tuple[str, ...] = ()
    """Names relative to the reports folder (``issues/D/`` for the issue drafts' folder)."""
    generated_at: str | None = None
    """``generated_at`` of that run's ``error-aggregates-D.json`` (``None``: absent/unreadable)."""
    issue_drafts: int = 0
    """Issue drafts in ``issues/D/``."""


def earlier_reports(reports_dir: Path, report_date: date) -> EarlierReports:
    """What a stopped run leaves behind for ``report_date``: it writes no report file, so every
    one present is an earlier run's. Read-only; only names and the JSON's ``generated_at``."""
    day = report_date.isoformat()
    files = [
        name
        for name in (n.format(date=day) for n in REPORT_FILE_NAMES)
        if (reports_dir / name).is_file()
    ]
    drafts = reports_dir / "issues" / day
    count = 0
    if drafts.is_dir():
        count = sum(1 for _ in drafts.glob("*.md"))
        if count:
            files.append(f"issues/{day}/")
    generated_at = None
    try:
        data = json.loads((reports_dir / f"error-aggregates-{day}.json").read_text("utf-8"))
    except (OSError, ValueError):
        data = None
    value = data.get("generated_at") if isinstance(data, dict) else None
    # Only a timestamp is copied into the request, whatever the file holds.
    if isinstance(value, str) and _TIMESTAMP.fullmatch(value):
        generated_at = value
    return EarlierReports(files=tuple(files), generated_at=generated_at, issue_drafts=count)


def _earlier_lines(report_date: date, earlier: EarlierReports) -> list[str]:
    day = report_date.isoformat()
    if not earlier.files:
        return [f"No report file for {day} is in the reports folder: this run wrote none.", ""]
    when = earlier.generated_at or "unknown"
    drafts = f" ({earlier.issue_drafts} issue draft(s))" if earlier.issue_drafts else ""
    return [
        "## Report files from an earlier run",
        "",
        f"This run stopped before writing any report file for {day}. The files below are still",
        f"in the reports folder from an **earlier run** (`generated_at` {when}):",
        "they do not show this run's artifacts, repository policy or rules, and they stay as",
        "they are until this date is materialized successfully. Do not read or share them as",
        "this run's report.",
        "",
        *(f"- `{name}`" + (drafts if name.startswith("issues/") else "") for name in earlier.files),
        "",
    ]


def audit_request_markdown(
    asset: str | None,
    report_date: date,
    scan: ResidualScan | None,
    withheld: Sequence[WithheldArtifact] = (),
    *,
    earlier: EarlierReports | None = None,
) -> str:
    """``privacy-audit-request-D.md``: counts, locations and digests only, and what to do next.

    ``asset`` and ``scan`` describe a blocked asset (``None`` when nothing was blocked);
    ``withheld`` lists the artifacts the per-artifact gate withheld. ``earlier`` (for a blocked
    run) names the report files for D an earlier run left behind, so nobody takes them for this
    run's. A place is named by its artifact path (or run folder) and run id, with the fields
    (columns) holding the findings; a name that itself holds a finding is withheld.
    """
    lines = [f"# Privacy audit request — {report_date.isoformat()}", ""]
    if asset is not None and scan is not None:
        lines += [
            f"The residual-PII check on `{asset}` blocked the telemetry run for {report_date}:",
            "the independent detector found personal data or secrets in what it would persist.",
            "Nothing from this asset was persisted and no downstream asset ran.",
            "",
        ]
        if earlier is not None:
            lines += _earlier_lines(report_date, earlier)
        lines += [
            "## Findings per detector",
            "",
            "| detector | findings | digests |",
            "|---|---|---|",
        ]
        digests = scan.unreviewed_digests()
        lines += [
            f"| {name} | {count} | {_digest_cell(digests.get(name, []))} |"
            for name, count in sorted(scan.by_detector.items())
        ]
        lines += ["", *_places_lines(scan)]
    if withheld:
        lines += [
            "## Withheld artifacts",
            "",
            f"{len(withheld)} artifact(s) still held a residual finding after redaction and were",
            "withheld from this report: none of their text was kept, the rest of the report was",
            "built without them.",
            "",
            "| artifact | run id | detectors | finding digests |",
            "|---|---|---|---|",
        ]
        for item in withheld:
            names = ", ".join(f"{k} ({v})" for k, v in sorted(item.detectors.items()))
            lines.append(
                f"| {_name(item.path)} | {_name(item.run_id)} | {names} "
                f"| {_digest_cell(item.digests)} |"
            )
        lines.append("")
    lines += _HOW_TO_REVIEW
    lines += ["This request holds counts, paths and digests only: no matched text was written.", ""]
    return "\n".join(lines)


def _places_lines(scan: ResidualScan) -> list[str]:
    """The affected places: artifact (or run folder, or report file), run id, the fields holding
    an unreviewed finding and their digests."""
    unreviewed = {digest for _, digest in scan.digests}
    rows = []
    for place, run in sorted(scan.affected):
        columns = scan.fields.get((place, run), {})
        held = sorted(c for c, found in columns.items() if not found or found & unreviewed)
        found = sorted(scan.located.get((place, run), set()) & unreviewed)
        rows.append(
            f"| {_name(place) if place else '(no path)'} | {_name(run) if run else '-'} "
            f"| {', '.join(f'`{_cell(c)}`' for c in held) or '-'} | {_digest_cell(found)} |"
        )
    lines = [
        "## Affected places",
        "",
        "| artifact, run folder or file | run id | field | finding digests |",
        "|---|---|---|---|",
        *rows[:MAX_PLACES],
    ]
    if len(rows) > MAX_PLACES:
        lines.append(f"| ... and {len(rows) - MAX_PLACES} more place(s) | | | |")
    return [*lines, ""]


def _cell(value: str) -> str:
    """A value inside a Markdown table's code span: no backtick or pipe may end either."""
    return value.replace("`", "'").replace("|", "\\|")


def shown_name(value: str) -> str:
    """A path or run id as a request or a privacy stop may show it: itself, or
    ``WITHHELD_NAME`` if it holds a finding."""
    return value if detector().is_clean(_without_detector_names(value)) else WITHHELD_NAME


def _name(value: str) -> str:
    shown = shown_name(value)
    return shown if shown == WITHHELD_NAME else f"`{_cell(shown)}`"


def _digest_cell(digests: Sequence[str]) -> str:
    return "<br>".join(f"`{d}`" for d in digests) or "(none computed)"
