"""``telemetry-sanitize``: redact files (or stdin) with the product's Redactor.

``telemetry-sanitize FILE... --out-dir DIR`` writes sanitized copies with the same file names into
DIR; ``telemetry-sanitize -`` reads stdin and writes stdout. The per-rule audit (counts only, never
content) goes to stderr. Files are streamed in 1 MiB chunks (bounded memory). Non-UTF-8 input is
decoded with ``errors="replace"`` and said so on stderr.

Exit codes: 0 all inputs sanitized; 1 some input missing or unreadable (the others are still
written); 2 usage error (bad arguments, e.g. files without ``--out-dir``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from telemetry_assets.core.redaction.redactor import Redactor

EXIT_OK = 0
EXIT_INPUT_ERROR = 1
EXIT_USAGE = 2


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="telemetry-sanitize",
        description="Redact secrets and PII from log files.",
        epilog="Exit codes: 0 all inputs sanitized; 1 an input was missing or unreadable "
        "(others still written); 2 usage error.",
    )
    parser.add_argument("files", nargs="+", help="files to sanitize, or - for stdin -> stdout")
    parser.add_argument("--out-dir", type=Path, help="directory for the sanitized copies")
    parser.add_argument("--disable", action="append", default=[], help="rule name to disable")
    parser.add_argument(
        "--internal-domain", action="append", default=[], help="extra internal domain to redact"
    )
    args = parser.parse_args(argv)
    try:
        redactor = Redactor(
            disabled_rules=args.disable, extra_internal_domains=args.internal_domain
        )
    except ValueError as exc:
        print(f"telemetry-sanitize: {exc}", file=sys.stderr)
        return EXIT_USAGE
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
