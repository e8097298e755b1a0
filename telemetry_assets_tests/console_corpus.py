"""Scores the parsers and the fingerprint on ../shared/realworld-console (real console output).

Each file goes through the pipeline's own per-artifact path (:func:`sanitize_artifact`: decode,
sniff, parse, redact) and every non-flaky failure is fingerprinted. A file is *exact on failures*
when the count of non-flaky failures equals the manifest's ``expected_failures``, and *exact on
groups* when the number of distinct fingerprints equals ``expected_groups``. Files marked
``ambiguous`` are scored apart (any count named in their ``ambiguity`` is defensible).

Run as a script to print the rates per language and every miss:
``.venv/bin/python -m telemetry_assets_tests.console_corpus [--language Go ...]``.
"""

from __future__ import annotations

import argparse
import json
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telemetry_assets.core.fingerprint.fingerprint import fingerprint
from telemetry_assets.core.redaction.redactor import Redactor
from telemetry_assets.core.sanitize import sanitize_artifact

CONSOLE = Path(__file__).resolve().parents[1] / ".." / "shared" / "realworld-console"
MANIFEST = CONSOLE / "manifest.jsonl"


@dataclass(frozen=True)
class Score:
    path: str
    language: str
    tool: str
    ambiguous: bool
    expected_failures: int
    expected_groups: int
    failures: int
    groups: int
    format: str | None
    quarantined: str | None

    @property
    def failures_exact(self) -> bool:
        return self.failures == self.expected_failures

    @property
    def groups_exact(self) -> bool:
        return self.groups == self.expected_groups


def records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in MANIFEST.read_text().splitlines() if line.strip()]


def score(record: dict[str, Any], redactor: Redactor | None = None) -> Score:
    item = sanitize_artifact(str(CONSOLE), record["path"], "console", redactor or Redactor())
    failures = [f for f in item.failures if not f.flaky]
    return Score(
        path=record["path"],
        language=record["language"],
        tool=record.get("tool", ""),
        ambiguous=bool(record.get("ambiguous")),
        expected_failures=int(record["expected_failures"]),
        expected_groups=int(record["expected_groups"]),
        failures=len(failures),
        groups=len({fingerprint(f).value for f in failures}),
        format=item.format,
        quarantined=item.reason if item.status != "ok" else None,
    )


def score_all(languages: set[str] | None = None) -> list[Score]:
    redactor = Redactor()
    return [
        score(r, redactor) for r in records() if languages is None or r["language"] in languages
    ]


def rates(scores: list[Score]) -> dict[str, tuple[int, int, int]]:
    """language -> (files not ambiguous, exact on failures, exact on groups)."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for s in scores:
        if s.ambiguous:
            continue
        for key in (s.language, "ALL"):
            out[key][0] += 1
            out[key][1] += s.failures_exact
            out[key][2] += s.groups_exact
    return {k: (v[0], v[1], v[2]) for k, v in sorted(out.items())}


def summary(scores: list[Score]) -> str:
    lines = [f"{'language':<12} {'files':>5} {'failures':>14} {'groups':>14}"]
    for lang, (n, f, g) in rates(scores).items():
        lines.append(f"{lang:<12} {n:>5} {f:>5} ({f / n:6.1%}) {g:>5} ({g / n:6.1%})")
    lines.append("misses (path: failures got/expected, groups got/expected, format):")
    for s in scores:
        if not (s.failures_exact and s.groups_exact):
            mark = " [ambiguous]" if s.ambiguous else ""
            lines.append(
                f"  {s.path}: failures {s.failures}/{s.expected_failures}, groups "
                f"{s.groups}/{s.expected_groups}, {s.format or s.quarantined}{mark}"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", action="append", help="only this language (repeatable)")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    print(summary(score_all(set(args.language) if args.language else None)))


if __name__ == "__main__":
    main()
