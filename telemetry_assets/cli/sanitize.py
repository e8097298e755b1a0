"""``telemetry-sanitize``: redact files (or stdin) with the product's Redactor.

``telemetry-sanitize FILE... --out-dir DIR`` writes sanitized copies with the same file names into
DIR; ``telemetry-sanitize -`` reads stdin and writes stdout. The per-rule audit (counts only, never
content) goes to stderr. Files are streamed in 1 MiB chunks (bounded memory). Non-UTF-8 input is
decoded with ``errors="replace"`` and said so on stderr.

``telemetry-sanitize --explain FILE...`` is for a maintainer on their own machine, looking into
an artifact the privacy gate withheld: it runs the pipeline's gate on each file (the same
:func:`~telemetry_assets.core.sanitize.sanitize_artifact` call: parse, redact every field, scan
the stored fields with the independent detector, honour the reviewed digests of the repository
policy at ``--repo-root``, default ``TELEMETRY_REPO_ROOT`` or ``.``) and prints its verdict
(withheld, kept, or quarantined before the gate with the reason), then one line per finding:
``FILE<TAB>FIELD<TAB>LINE:COLUMN<TAB>DETECTOR<TAB>DIGEST<TAB>reviewed|NOT REVIEWED``. FIELD
names the stored field the gate scanned (``failure 1 message``, ``failure 2 trace``,
``failure 1 frame 3 file``, ``failure 1 test id`` ...; numbers are
1-based) and LINE:COLUMN the place within that field's sanitized value, which for a JSON or XML
report is the unescaped value, not the file's line. A structured report is scanned as parsed
fields, never as the file's text, so this is the only way to see what the gate saw. With
``--show-lines`` the flagged sanitized line of the field is printed below each finding, on
stdout only. The matched value itself is never printed on its own. Nothing is written.

A file is looked up as given, then under ``--artifacts-root`` (default
``TELEMETRY_ARTIFACTS_ROOT`` or ``./artifacts``), so the paths of the audit request work as
they are; a file under that root is given to the parsers by its path relative to it, as the
pipeline does. ``TELEMETRY_INTERNAL_DOMAINS`` is honoured as in the pipeline.

``--whole-copy`` adds, clearly labelled, what the detector flags in the sanitized copy of the
whole file (what ``--out-dir`` would write) beyond the gate's findings: text the pipeline never
stores (a JUnit ``<system-out>``, a run's properties) that matters only if you share that copy.
It never changes the exit code.

Exit codes: 0 all inputs sanitized (with ``--explain``: the gate flags nothing unreviewed); 1
some input missing or unreadable (the others are still written); 2 usage error (bad arguments,
e.g. files without ``--out-dir``, or an unreadable repository policy); 3 (``--explain`` only)
some finding of the gate is not reviewed; 4 (``--explain`` only) the per-field findings
disagree with the gate's verdict (a defect: please report it).
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from telemetry_assets.core.batch import RedactorSettings
from telemetry_assets.core.privacy import LocatedFinding, locate_artifact_findings
from telemetry_assets.core.redaction.detector import ResidualPiiDetector
from telemetry_assets.core.redaction.redactor import Redactor
from telemetry_assets.core.sanitize import SanitizedArtifact, sanitize_artifact, stored_fields
from telemetry_assets.core.triage.policy import PolicyError, read_policy

EXIT_OK = 0
EXIT_INPUT_ERROR = 1
EXIT_USAGE = 2
EXIT_UNREVIEWED = 3
EXIT_MISMATCH = 4


def _print_audit(label: str, counts: dict[str, int]) -> None:
    total = sum(counts.values())
    detail = ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing redacted"
    print(f"{label}: {total} replacement(s): {detail}", file=sys.stderr)


def _is_utf8(path: Path) -> bool:
    try:
        with path.open("r", encoding="utf-8", errors="strict") as fh:
            while fh.read(1 << 20):
                pass
        return True
    except UnicodeDecodeError:
        return False


def _sanitized_text(path: Path, redactor: Redactor) -> str:
    """The whole sanitized copy, in memory (a gzip file is read through)."""
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    raw = gzip.open(path, "rb") if gzipped else path.open("rb")  # noqa: SIM115
    with raw, io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="") as fin:
        out = io.StringIO()
        redactor.redact_file(fin, out)
        return out.getvalue()


@dataclass(frozen=True, slots=True)
class _Shown:
    """A finding of the gate as printed: its field (refined to a frame's or a chained
    exception's part when one holds it alone) and the sanitized value it is in."""

    field: str
    value: str
    finding: LocatedFinding
    line: int
    column: int


def _parts(item: SanitizedArtifact) -> dict[str, list[tuple[str, str]]]:
    """The parts of each JSON cell the gate scans (frames, chained exceptions), by field."""
    out: dict[str, list[tuple[str, str]]] = {}
    for n, failure in enumerate(item.failures, 1):
        out[f"failure {n} frames"] = [
            (f"failure {n} frame {k} {name}", value)
            for k, frame in enumerate(failure.frames, 1)
            for name, value in (
                ("file", frame.file),
                ("function", frame.function),
                ("module", frame.module),
            )
            if value
        ]
        out[f"failure {n} chained exceptions"] = [
            (f"failure {n} chained exception {k} {name}", value)
            for k, (kind, message) in enumerate(failure.chained, 1)
            for name, value in (("type", kind), ("message", message))
            if value
        ]
    return out


def _shown(
    det: ResidualPiiDetector, item: SanitizedArtifact, located: list[LocatedFinding]
) -> list[_Shown]:
    values = dict(stored_fields(item))
    parts = _parts(item)
    out = []
    for finding in located:
        shown = _Shown(finding.field, values[finding.field], finding, finding.line, finding.column)
        for name, value in parts.get(finding.field, ()):
            same = [
                f
                for f in det.scan(value)
                if (f.detector, f.digest) == (finding.detector, finding.digest)
            ]
            if same:
                shown = _Shown(name, value, finding, same[0].line, same[0].column)
                break
        out.append(shown)
    return out


def _gate_file(name: str, artifacts_root: Path) -> tuple[Path, str] | None:
    """(root, path relative to it) as the pipeline would pass them, or ``None`` if missing."""
    path = Path(name)
    if not path.is_file() and not path.is_absolute() and (artifacts_root / path).is_file():
        path = artifacts_root / path
    if not path.is_file():
        return None
    try:
        rel = path.resolve().relative_to(artifacts_root.resolve())
        return artifacts_root, rel.as_posix()
    except ValueError:
        return path.parent, path.name


def _verdict(item: SanitizedArtifact, unreviewed: int, reviewed: int) -> str:
    counts = f"{unreviewed} finding(s) not reviewed, {reviewed} reviewed"
    if item.findings:
        return f"withheld by the privacy gate ({counts})"
    if item.status == "ok":
        return f"kept by the privacy gate ({counts})"
    return f"quarantined before the privacy gate: {item.reason}"


def _agrees(gate: SanitizedArtifact, located: list[LocatedFinding]) -> bool:
    """The per-field findings hold exactly the gate's: the same unreviewed digests (and so the
    same verdict), and on a kept artifact the same reviewed count per detector."""
    unreviewed = {f.digest for f in located if not f.reviewed and f.digest}
    if unreviewed != set(gate.finding_digests) or bool(gate.findings) != bool(
        [f for f in located if not f.reviewed]
    ):
        return False
    if gate.findings:
        return True
    allowed = Counter(d for d, _ in {(f.detector, f.digest) for f in located if f.reviewed})
    return dict(allowed) == gate.reviewed_findings


WHOLE_COPY_FIELD = "(sanitized copy; not stored, not scanned by the gate)"
"""The field column of a ``--whole-copy`` finding: text the gate never sees."""


def _whole_copy(
    name: str,
    path: Path,
    redactor: Redactor,
    det: ResidualPiiDetector,
    reviewed: frozenset[str],
    already: set[str],
    show_lines: bool,
) -> None:
    """Findings in the sanitized copy of the whole file that the gate did not make."""
    try:
        text = _sanitized_text(path, redactor)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        print(f"telemetry-sanitize: {name}: unreadable ({type(exc).__name__})", file=sys.stderr)
        return
    lines = text.split("\n")
    for finding in det.scan(text):
        if finding.digest and finding.digest in already:
            continue
        mark = "reviewed" if finding.digest and finding.digest in reviewed else "NOT REVIEWED"
        print(
            f"{name}\t{WHOLE_COPY_FIELD}\t{finding.line}:{finding.column}\t{finding.detector}\t"
            f"{finding.digest or '-'}\t{mark}"
        )
        if show_lines:
            print(f"    {lines[finding.line - 1].rstrip()}")


def explain(
    files: list[str],
    redactor: Redactor,
    detector: ResidualPiiDetector,
    reviewed: frozenset[str],
    *,
    artifacts_root: Path = Path("artifacts"),
    show_lines: bool = False,
    whole_copy: bool = False,
) -> int:
    """Run the privacy gate on each file and print its findings by field; see the module
    docstring."""
    status = EXIT_OK
    flagged = allowed = withheld = 0
    for name in files:
        found = _gate_file(name, artifacts_root)
        if found is None:
            print(f"telemetry-sanitize: {name}: no such file", file=sys.stderr)
            status = max(status, EXIT_INPUT_ERROR)
            continue
        root, rel = found
        # Exactly the pipeline's call; it keeps no text of a withheld artifact, so the same
        # call without the detector gives the sanitized fields to name the findings by.
        gate = sanitize_artifact(str(root), rel, "", redactor, detector=detector, reviewed=reviewed)
        item = sanitize_artifact(str(root), rel, "", redactor)
        located = (
            locate_artifact_findings(detector, stored_fields(item), reviewed)
            if item.status == "ok"
            else []
        )
        distinct = {(f.detector, f.digest, f.reviewed) for f in located}
        unreviewed = sum(1 for *_, r in distinct if not r)
        flagged += unreviewed
        allowed += len(distinct) - unreviewed
        withheld += bool(gate.findings)
        print(f"{name}: {_verdict(gate, unreviewed, len(distinct) - unreviewed)}")
        if (
            gate.status != "ok"
            and not gate.findings
            and (gate.reason or "").startswith("unreadable")
        ):
            status = max(status, EXIT_INPUT_ERROR)
        for shown in _shown(detector, item, located):
            mark = "reviewed" if shown.finding.reviewed else "NOT REVIEWED"
            where = f"{shown.line}:{shown.column}" if shown.line else "-"
            print(
                f"{name}\t{shown.field}\t{where}\t{shown.finding.detector}\t"
                f"{shown.finding.digest or '-'}\t{mark}"
            )
            if show_lines and shown.line:
                flagged_line = shown.value.split("\n")[shown.line - 1]
                print(f"    {flagged_line.rstrip()}")
        if item.status == "ok" and not _agrees(gate, located):
            print(
                f"telemetry-sanitize: {name}: the per-field findings differ from the gate's "
                "verdict; trust the verdict and report this defect",
                file=sys.stderr,
            )
            status = max(status, EXIT_MISMATCH)
        if whole_copy:
            already = {f.digest for f in located if f.digest}
            _whole_copy(name, root / rel, redactor, detector, reviewed, already, show_lines)
    print(
        f"{flagged} finding(s) not reviewed, {allowed} reviewed, {withheld} file(s) withheld "
        "by the privacy gate"
        + (": list a harmless one's digest under privacy.reviewed_findings" if flagged else ""),
        file=sys.stderr,
    )
    if status == EXIT_OK and flagged:
        status = EXIT_UNREVIEWED
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="telemetry-sanitize",
        description="Redact secrets and PII from log files.",
        epilog="Exit codes: 0 all inputs sanitized (--explain: the gate flags nothing "
        "unreviewed); 1 an input was missing or unreadable (others still written); 2 usage "
        "error; 3 --explain: the privacy gate has a finding the repository policy does not mark "
        "reviewed; 4 --explain: the per-field findings disagree with the gate (a defect).",
    )
    parser.add_argument("files", nargs="+", help="files to sanitize, or - for stdin -> stdout")
    parser.add_argument("--out-dir", type=Path, help="directory for the sanitized copies")
    parser.add_argument("--disable", action="append", default=[], help="rule name to disable")
    parser.add_argument(
        "--internal-domain", action="append", default=[], help="extra internal domain to redact"
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="run the pipeline's privacy gate on each file and print its verdict and each "
        "finding's field, detector, digest and review state (writes nothing)",
    )
    parser.add_argument(
        "--artifacts-root",
        type=Path,
        default=Path(os.environ.get("TELEMETRY_ARTIFACTS_ROOT", "./artifacts")),
        help="with --explain: where relative artifact paths are also looked up, as in the "
        "audit request (default: TELEMETRY_ARTIFACTS_ROOT or ./artifacts)",
    )
    parser.add_argument(
        "--repo-root",
        type=Path,
        default=Path(os.environ.get("TELEMETRY_REPO_ROOT", ".")),
        help="repository whose policy lists reviewed findings (default: TELEMETRY_REPO_ROOT or .)",
    )
    parser.add_argument(
        "--show-lines",
        action="store_true",
        help="with --explain: print each flagged sanitized line (stdout only, your terminal)",
    )
    parser.add_argument(
        "--whole-copy",
        action="store_true",
        help="with --explain: also list what the detector flags in the sanitized copy of the "
        "whole file beyond the gate's findings (labelled; never changes the exit code)",
    )
    args = parser.parse_args(argv)
    # The pipeline's settings (TELEMETRY_INTERNAL_DOMAINS) plus the command line's.
    domains = [
        d.strip() for d in os.environ.get("TELEMETRY_INTERNAL_DOMAINS", "").split(",") if d.strip()
    ] + list(args.internal_domain)
    settings = RedactorSettings(
        disabled_rules=tuple(args.disable), extra_internal_domains=tuple(domains)
    )
    try:
        redactor = settings.build()
    except ValueError as exc:
        print(f"telemetry-sanitize: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.explain:
        if "-" in args.files or args.out_dir is not None:
            print("telemetry-sanitize: --explain takes files and writes nothing", file=sys.stderr)
            return EXIT_USAGE
        if args.disable:
            print(
                "telemetry-sanitize: --explain runs the pipeline's gate, which disables no rule",
                file=sys.stderr,
            )
            return EXIT_USAGE
        try:
            reviewed = read_policy(args.repo_root).policy.privacy.reviewed_digests
        except (PolicyError, OSError) as exc:
            print(f"telemetry-sanitize: repository policy: {exc}", file=sys.stderr)
            return EXIT_USAGE
        return explain(
            args.files,
            redactor,
            settings.build_detector(),
            frozenset(reviewed),
            artifacts_root=args.artifacts_root,
            show_lines=args.show_lines,
            whole_copy=args.whole_copy,
        )
    if args.files == ["-"]:
        with open(sys.stdin.fileno(), encoding="utf-8", errors="replace", closefd=False) as stdin:
            counts = redactor.redact_file(stdin, sys.stdout)
        sys.stdout.flush()
        _print_audit("<stdin>", counts)
        return EXIT_OK
    if "-" in args.files or args.out_dir is None:
        print(
            "telemetry-sanitize: files need --out-dir DIR (use - alone for stdin)", file=sys.stderr
        )
        return EXIT_USAGE
    args.out_dir.mkdir(parents=True, exist_ok=True)
    status = EXIT_OK
    totals: dict[str, int] = {}
    for name in args.files:
        src = Path(name)
        if not src.is_file():
            print(f"telemetry-sanitize: {name}: no such file", file=sys.stderr)
            status = EXIT_INPUT_ERROR
            continue
        if not _is_utf8(src):
            print(
                f"telemetry-sanitize: {name}: not valid UTF-8, decoded with replacement characters",
                file=sys.stderr,
            )
        dst = args.out_dir / src.name
        try:
            with (
                src.open("r", encoding="utf-8", errors="replace") as fin,
                dst.open("w", encoding="utf-8") as fout,
            ):
                counts = redactor.redact_file(fin, fout)
        except OSError as exc:
            print(f"telemetry-sanitize: {name}: {exc.strerror}", file=sys.stderr)
            status = EXIT_INPUT_ERROR
            continue
        _print_audit(name, counts)
        for k, v in counts.items():
            totals[k] = totals.get(k, 0) + v
    if len(args.files) > 1:
        _print_audit("total", totals)
    return status


if __name__ == "__main__":
    sys.exit(main())
