"""Residual-PII scans of what an asset is about to persist, and the audit request a block leaves.

The scanning itself is the independent detector's (:mod:`redaction.detector`); this module only
decides what to feed it (every text cell of a table, every file of the report) and summarises
the findings as counts and locations, never as matched text.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from telemetry_assets.core.cells import is_text_column
from telemetry_assets.core.redaction.detector import ResidualPiiDetector


@dataclass(slots=True)
class ResidualScan:
    cells_scanned: int = 0
    by_detector: Counter[str] = field(default_factory=Counter)
    affected: set[tuple[str, str]] = field(default_factory=set)
    """(artifact or file, run id or "") of every place with a finding."""

    @property
    def hits(self) -> int:
        return sum(self.by_detector.values())

    def merge(self, other: ResidualScan) -> None:
        self.cells_scanned += other.cells_scanned
        self.by_detector.update(other.by_detector)
        self.affected |= other.affected


DIGEST_COLUMNS = frozenset({"sha256", "path_key", "dir_key", "fingerprint", "a", "b"})
"""Columns that hold our own SHA-256 digests or fingerprints. A cell there is skipped only when
it is exactly a digest (64 lowercase hex digits, optionally ``sha256-``), which is all such a
column can hold; anything else in them is scanned."""
_DIGEST = re.compile(r"(?:sha256-)?[0-9a-f]{64}")

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


def _scan_distinct(det: ResidualPiiDetector, values: Iterable[str]) -> dict[str, Counter[str]]:
    """Findings per detector for each value that has any; values with none are left out.

    Values are joined with newlines and scanned a batch at a time; a finding's line number says
    which value it is in, and the detector's line-based probes see exactly the lines they would
    see one value at a time. The one probe that reads across lines (private keys) gets its
    values alone, so a key block can never borrow the end of the next value; so do big values,
    which gain nothing from batching.
    """
    found: dict[str, Counter[str]] = {}
    batch: list[str] = []
    starts: list[int] = []
    line = 1
    size = 0

    def flush() -> None:
        nonlocal batch, starts, line, size
        if batch:
            for finding in det.scan("\n".join(batch)):
                index = bisect.bisect_right(starts, finding.line) - 1
                found.setdefault(batch[index], Counter())[finding.detector] += 1
        batch, starts, line, size = [], [], 1, 0

    for value in values:
        if "PRIVATE KEY" in value or len(value) >= _BATCH_CHARS:
            counts = Counter(f.detector for f in det.scan(value))
            if counts:
                found[value] = counts
            continue
        batch.append(value)
        starts.append(line)
        line += value.count("\n") + 1
        size += len(value) + 1
        if size >= _BATCH_CHARS:
            flush()
    flush()
    return found


def scan_frame(frame: pd.DataFrame, where: str = "artifact") -> ResidualScan:
    """Scan every string cell; findings are located by the row's ``where`` and ``run_id``.

    Each distinct string is scanned once (traces, frames and messages repeat across rows, and
    so do whole lists of passed test ids across runs); a finding counts once per cell that holds
    it, exactly as if every cell had been scanned on its own.
    """
    scan = ResidualScan()
    text_columns = [c for c in frame.columns if is_text_column(frame[c])]
    if not text_columns or frame.empty:
        return scan
    skip_digest = [c in DIGEST_COLUMNS for c in text_columns]
    seen: Counter[str] = Counter()
    for row in frame[text_columns].itertuples(index=False, name=None):
        for value, digest in zip(row, skip_digest, strict=True):
            if isinstance(value, str) and value and not (digest and _DIGEST.fullmatch(value)):
                seen[value] += 1
    scan.cells_scanned = seen.total()
    found = _scan_distinct(detector(), seen)
    if not found:
        return scan
    for value, counts in found.items():
        for name, n in counts.items():
            scan.by_detector[name] += n * seen[value]
    # Rare path: the rows that hold a finding, for the audit request.
    locate = where in frame.columns
    has_run = "run_id" in frame.columns
    for _, record in frame.iterrows():
        if any(isinstance(record[c], str) and record[c] in found for c in text_columns):
            scan.affected.add(
                (str(record[where]) if locate else "", str(record["run_id"]) if has_run else "")
            )
    return scan


def scan_texts(texts: Mapping[str, str]) -> ResidualScan:
    """Scan named texts (e.g. rendered report files)."""
    scan = ResidualScan()
    det = detector()
    for name, text in texts.items():
        scan.cells_scanned += 1
        counts = det.scan_many([text])
        if counts:
            scan.by_detector.update(counts)
            scan.affected.add((name, ""))
    return scan


def audit_request_markdown(asset: str, report_date: date, scan: ResidualScan) -> str:
    """``privacy-audit-request-D.md``: counts and locations only, and what to do next."""
    lines = [
        f"# Privacy audit request — {report_date.isoformat()}",
        "",
        f"The residual-PII check on `{asset}` blocked the telemetry run for {report_date}: the",
        "independent detector found personal data or secrets that redaction did not remove.",
        "Nothing from this asset was persisted and no downstream asset ran.",
        "",
        "## Findings per detector",
        "",
        "| detector | findings |",
        "|---|---|",
    ]
    lines += [f"| {name} | {count} |" for name, count in sorted(scan.by_detector.items())]
    lines += ["", "## Affected artifacts", "", "| artifact | run id |", "|---|---|"]
    lines += [f"| `{path}` | `{run}` |" for path, run in sorted(scan.affected)]
    lines += [
        "",
        "## What to do next",
        "",
        "1. Run `telemetry-sanitize <artifact> --out-dir /tmp/check` on a listed artifact and",
        "   look for the detector's category in the sanitized copy (locally; do not share the",
        "   raw file).",
        "2. Add or fix the redaction rule for that shape",
        "   (`telemetry_assets/core/redaction/rules.py`) with a named test case, or, if the",
        "   detector is wrong, add the negative case to its tests.",
        "3. Re-materialize this report date. If the artifact should not be collected at all, opt",
        "   the run out (`TELEMETRY=0`) or run `telemetry-purge --run RUN_ID`.",
        "",
        "This request holds counts and paths only: no matched text was written anywhere.",
        "",
    ]
    return "\n".join(lines)
