"""Precision (and recall floor) benchmark of the residual-PII detector on real benign text.

Every file listed in ``<repo>/../shared/benign-ci/manifest.jsonl`` (real compiler, linter, test,
crash, lockfile and CI text holding no secret and no personal data) is redacted with
:class:`Redactor` and the result scanned with :class:`ResidualPiiDetector`, as the pipeline does
before it persists anything. Every finding there is a false alarm, so the figure that matters is
**false findings per 100 MB**. Printed: MB scanned, findings per detector, that rate, the files
with most findings, and the detector's scan speed (MB/s of redacted text, one detector for the
whole corpus as one process keeps it). ``--raw`` also scans the unredacted text (a figure that
does not move when the redactor changes); ``--realworld`` adds the real console outputs
(``realworld-console``) and test reports (``realworld``), which must come out clean too.

Recall: the raw positives of ``peer-corpora/secrets.jsonl`` (the unredacted ``text``) are scanned
and a positive counts as flagged when a finding lies on a line of its secret; printed per category.
``--recall-out FILE`` saves which positives (by record number) are flagged, ``--recall-baseline
FILE`` reports the record numbers a change stopped flagging. Keep those files outside the
repository. ``--findings-out FILE`` writes one ``corpus, path, line, column, detector`` row per
finding (positions only, never text) to study them. Nothing here prints corpus text.

Usage: ``python benchmarks/detector_precision.py [--raw] [--realworld] [--top 15]
[--recall-out F] [--recall-baseline F] [--findings-out F]``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from telemetry_assets.core.redaction.detector import Finding, ResidualPiiDetector
from telemetry_assets.core.redaction.redactor import Redactor

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO / ".." / "shared"
CORPORA = {
    "benign-ci": SHARED / "benign-ci",
    "realworld-console": SHARED / "realworld-console",
    "realworld": SHARED / "realworld",
}


def _texts(root: Path) -> Iterator[tuple[str, str]]:
    """(path relative to ``root``, text) of every file its manifest lists, in manifest order."""
    for line in (root / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            path = json.loads(line)["path"]
            yield path, (root / path).read_bytes().decode("utf-8", errors="replace")


def measure(
    corpus: str, *, redact: bool, top: int, rows: list[tuple[str, str, Finding]] | None
) -> None:
    """Scan one corpus (redacted first when ``redact``) and print its false-finding figures."""
    root = CORPORA[corpus]
    if not (root / "manifest.jsonl").exists():
        print(f"{corpus}: {root} is absent, skipped")
        return
    redactor = Redactor()
    detector = ResidualPiiDetector()
    per_detector: Counter[str] = Counter()
    per_file: Counter[str] = Counter()
    size = redact_seconds = scan_seconds = 0.0
    files = 0
    for path, text in _texts(root):
        files += 1
        if redact:
            started = time.perf_counter()
            text = redactor.redact(text).text
            redact_seconds += time.perf_counter() - started
        size += len(text.encode("utf-8", "replace"))
        started = time.perf_counter()
        findings = detector.scan(text)
        scan_seconds += time.perf_counter() - started
        for finding in findings:
            per_detector[finding.detector] += 1
            per_file[path] += 1
            if rows is not None:
                rows.append((corpus, path, finding))
    megabytes = size / 1e6
    total = sum(per_detector.values())
    label = "after redaction" if redact else "raw (no redaction)"
    print(f"== {corpus}, {label}: {files} files, {megabytes:.1f} MB")
    print(f"   findings: {total}  =  {total / megabytes * 100:.1f} false findings per 100 MB")
    for name, count in per_detector.most_common():
        print(f"     {name:40s} {count:6d}")
    if per_file:
        print(f"   top files ({min(top, len(per_file))} of {len(per_file)} with findings):")
        for path, count in per_file.most_common(top):
            print(f"     {count:6d}  {path}")
    print(f"   scan: {megabytes / scan_seconds:.1f} MB/s ({scan_seconds:.1f} s)", end="")
    print(f"; redaction: {redact_seconds:.1f} s" if redact else "")


def recall(out: Path | None, baseline: Path | None) -> None:
    """Which raw positives of the peer corpus the detector flags, per category."""
    path = SHARED / "peer-corpora" / "secrets.jsonl"
    if not path.exists():
        print(f"recall: {path} is absent, skipped")
        return
    detector = ResidualPiiDetector()
    totals: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    flagged: dict[int, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        text, secret, category = str(record["text"]), str(record["secret"]), record["category"]
        start = text.index(secret)
        first = text.count("\n", 0, start) + 1
        last = text.count("\n", 0, start + len(secret)) + 1
        totals[category] += 1
        if any(first <= f.line <= last for f in detector.scan(text)):
            hits[category] += 1
            flagged[number] = category
    print(f"== peer-corpora raw positives flagged: {sum(hits.values())}/{sum(totals.values())}")
    for category in sorted(totals):
        print(f"     {category:22s} {hits[category]:4d}/{totals[category]:4d}")
    if out is not None:
        out.write_text(json.dumps({str(k): v for k, v in flagged.items()}, indent=0) + "\n")
        print(f"   flagged record numbers written to {out}")
    if baseline is not None:
        before = {int(k): v for k, v in json.loads(baseline.read_text()).items()}
        lost = sorted(set(before) - set(flagged))
        gained = sorted(set(flagged) - set(before))
        print(f"   vs {baseline}: lost {len(lost)} {Counter(before[n] for n in lost)}", end="")
        print(f" (records {lost[:30]}); newly flagged {len(gained)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--raw", action="store_true", help="also scan benign-ci unredacted")
    parser.add_argument("--realworld", action="store_true", help="add realworld(-console)")
    parser.add_argument("--top", type=int, default=15, help="files listed per corpus")
    parser.add_argument("--recall-out", type=Path, help="save flagged positives (record numbers)")
    parser.add_argument("--recall-baseline", type=Path, help="compare with a saved --recall-out")
    parser.add_argument("--findings-out", type=Path, help="write positions of every finding")
    parser.add_argument("--no-recall", action="store_true", help="skip the peer-corpus recall")
    args = parser.parse_args()
    rows: list[tuple[str, str, Finding]] | None = [] if args.findings_out else None
    measure("benign-ci", redact=True, top=args.top, rows=rows)
    if args.raw:
        measure("benign-ci", redact=False, top=args.top, rows=None)
    if args.realworld:
        measure("realworld-console", redact=True, top=args.top, rows=rows)
        measure("realworld", redact=True, top=args.top, rows=rows)
    if not args.no_recall:
        recall(args.recall_out, args.recall_baseline)
    if args.findings_out and rows is not None:
        with args.findings_out.open("w", encoding="utf-8") as handle:
            for corpus, path, f in rows:
                handle.write(f"{corpus}\t{path}\t{f.line}\t{f.column}\t{f.detector}\n")
        print(f"positions of {len(rows)} findings written to {args.findings_out}")


if __name__ == "__main__":
    main()
