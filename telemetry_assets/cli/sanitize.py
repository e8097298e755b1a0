"""``telemetry-sanitize``: redact files (or stdin) with the product's Redactor.

``telemetry-sanitize FILE... --out-dir DIR`` writes sanitized copies with the same file names into
DIR; ``telemetry-sanitize -`` reads stdin and writes stdout. The per-rule audit (counts only, never
content) goes to stderr. Files are streamed in 1 MiB chunks (bounded memory). Non-UTF-8 input is
decoded with ``errors="replace"`` and said so on stderr.

``telemetry-sanitize --explain FILE...`` is for a maintainer on their own machine, looking into
an artifact the privacy gate withheld: it sanitizes each file in memory (nothing is written) and
prints what the independent residual-PII detector still flags in the sanitized copy, one line
per finding: ``FILE:LINE:COLUMN``, detector, digest, and whether the repository policy
(``--repo-root``, default ``TELEMETRY_REPO_ROOT`` or ``.``) already lists the digest under
``privacy.reviewed_findings``. With ``--show-lines`` the sanitized line is printed below each
finding, on stdout only. The matched value itself is never printed on its own.

Exit codes: 0 all inputs sanitized (with ``--explain``: nothing unreviewed flagged); 1 some
input missing or unreadable (the others are still written); 2 usage error (bad arguments, e.g.
files without ``--out-dir``, or an unreadable repository policy); 3 (``--explain`` only) some
finding is not reviewed.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import sys
from pathlib import Path

from telemetry_assets.core.redaction.detector import ResidualPiiDetector
from telemetry_assets.core.redaction.redactor import Redactor
from telemetry_assets.core.triage.policy import PolicyError, read_policy

EXIT_OK = 0
EXIT_INPUT_ERROR = 1
EXIT_USAGE = 2
EXIT_UNREVIEWED = 3


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


def explain(
    files: list[str],
    redactor: Redactor,
    detector: ResidualPiiDetector,
    reviewed: frozenset[str],
    *,
    show_lines: bool = False,
) -> int:
    """Print every residual finding in each file's sanitized copy; see the module docstring."""
    status = EXIT_OK
    flagged = allowed = 0
    for name in files:
        src = Path(name)
        if not src.is_file():
            print(f"telemetry-sanitize: {name}: no such file", file=sys.stderr)
            status = EXIT_INPUT_ERROR
            continue
        try:
            text = _sanitized_text(src, redactor)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            print(f"telemetry-sanitize: {name}: unreadable ({type(exc).__name__})", file=sys.stderr)
            status = EXIT_INPUT_ERROR
            continue
        lines = text.split("\n")
        for finding in detector.scan(text):
            is_reviewed = bool(finding.digest) and finding.digest in reviewed
            allowed += is_reviewed
            flagged += not is_reviewed
            mark = "reviewed" if is_reviewed else "NOT REVIEWED"
            print(
                f"{name}:{finding.line}:{finding.column}\t{finding.detector}\t"
                f"{finding.digest or '-'}\t{mark}"
            )
            if show_lines:
                print(f"    {lines[finding.line - 1].rstrip()}")
    print(
        f"{flagged} finding(s) not reviewed, {allowed} reviewed"
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
        epilog="Exit codes: 0 all inputs sanitized (--explain: nothing unreviewed flagged); "
        "1 an input was missing or unreadable (others still written); 2 usage error; "
        "3 --explain found a finding the repository policy does not mark reviewed.",
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
        help="print what the residual-PII detector flags in each sanitized copy (writes nothing)",
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
    args = parser.parse_args(argv)
    try:
        redactor = Redactor(
            disabled_rules=args.disable, extra_internal_domains=args.internal_domain
        )
    except ValueError as exc:
        print(f"telemetry-sanitize: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.explain:
        if "-" in args.files or args.out_dir is not None:
            print("telemetry-sanitize: --explain takes files and writes nothing", file=sys.stderr)
            return EXIT_USAGE
        try:
            reviewed = read_policy(args.repo_root).policy.privacy.reviewed_digests
        except (PolicyError, OSError) as exc:
            print(f"telemetry-sanitize: repository policy: {exc}", file=sys.stderr)
            return EXIT_USAGE
        detector = ResidualPiiDetector(extra_internal_domains=args.internal_domain)
        return explain(args.files, redactor, detector, reviewed, show_lines=args.show_lines)
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
