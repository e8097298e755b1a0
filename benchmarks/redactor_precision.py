"""Precision benchmark of the redactor on real benign text: which rules change which lines.

Every file listed in ``<repo>/../shared/benign-ci/manifest.jsonl`` (real compiler, linter, test,
crash, lockfile and CI text holding no secret) is redacted whole with :class:`Redactor`, as the
pipeline does. The corpus holds only three things the policy names: UUIDs, IP addresses and user
names in home folders (generic build accounts). Any other rule that changes a line there is
over-redacting. Printed: lines changed per rule (a changed line is attributed to the rules that
change it when redacted alone; ``(context)`` when only its neighbours make it change), split into
policy rules and the rest, with the files where each non-policy rule fires most, plus redaction
speed. ``--rows-out FILE`` writes one ``path, line, rules`` row per changed line (positions only,
never text) to study them. Nothing here prints corpus text.

Usage: ``python benchmarks/redactor_precision.py [--top 5] [--rows-out F]``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from telemetry_assets.core.redaction.redactor import Redactor

REPO = Path(__file__).resolve().parents[1]
BENIGN = REPO / ".." / "shared" / "benign-ci"
# What the policy asks to replace that the benign corpus does hold (see its README).
POLICY_RULES = frozenset({"pii.uuid", "net.ipv4", "net.ipv6", "pii.home_user"})


def _texts(root: Path) -> Iterator[tuple[str, str]]:
    """(path relative to ``root``, text) of every file its manifest lists, in manifest order."""
    for line in (root / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            path = json.loads(line)["path"]
            yield path, (root / path).read_bytes().decode("utf-8", errors="replace")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--top", type=int, default=5, help="files listed per non-policy rule")
    parser.add_argument("--rows-out", type=Path, help="write positions of every changed line")
    args = parser.parse_args()
    if not (BENIGN / "manifest.jsonl").exists():
        raise SystemExit(f"{BENIGN} is absent: the benign corpus is expected beside the repo")
    redactor = Redactor()
    lines_by_rule: Counter[str] = Counter()
    files_by_rule: dict[str, Counter[str]] = defaultdict(Counter)
    replacements: Counter[str] = Counter()
    rows: list[tuple[str, int, str]] = []
    size = seconds = 0.0
    files = changed_files = changed_lines = non_policy_lines = 0
    for path, text in _texts(BENIGN):
        files += 1
        size += len(text.encode("utf-8", "replace"))
        started = time.perf_counter()
        result = redactor.redact(text)
        seconds += time.perf_counter() - started
        replacements.update(result.counts)
        if result.text == text:
            continue
        changed_files += 1
        for number, (before, after) in enumerate(
            zip(text.split("\n"), result.text.split("\n"), strict=True), start=1
        ):
            if before == after:
                continue
            changed_lines += 1
            rules = sorted(redactor.redact(before).counts) or ["(context)"]
            if any(r not in POLICY_RULES for r in rules):
                non_policy_lines += 1
            for rule in rules:
                lines_by_rule[rule] += 1
                files_by_rule[rule][path] += 1
            rows.append((path, number, ",".join(rules)))
    megabytes = size / 1e6
    print(f"== benign-ci: {files} files, {megabytes:.1f} MB, {megabytes / seconds:.1f} MB/s")
    print(f"   {changed_files} files and {changed_lines} lines changed")
    print(f"   lines changed by a non-policy rule: {non_policy_lines}")
    for policy in (True, False):
        print("   policy rules (UUID, IP, home user):" if policy else "   non-policy rules:")
        for rule, count in lines_by_rule.most_common():
            if (rule in POLICY_RULES) == policy:
                print(f"     {rule:34s} {count:6d} lines {replacements[rule]:6d} replacements")
                if not policy:
                    for path, k in files_by_rule[rule].most_common(args.top):
                        print(f"         {k:6d}  {path}")
    if args.rows_out:
        with args.rows_out.open("w", encoding="utf-8") as handle:
            for path, number, names in rows:
                handle.write(f"{path}\t{number}\t{names}\n")
        print(f"positions of {len(rows)} changed lines written to {args.rows_out}")


if __name__ == "__main__":
    main()
