"""Grouping quality on the labelled corpus: does one fingerprint mean one bug?

Runs the pipeline's grouping on ``telemetry_assets_tests/inputs/grouping/`` (every artifact through
``registry.parser_for`` + ``parse``, message and trace through ``Redactor().redact``, then
``fingerprint``) and compares the groups with the hand labels in ``labels.json``. Prints the
adjusted Rand index and pairwise precision/recall/F1 of the fingerprints and of a naive baseline
(the error message's first line, digits stripped), the number of groups holding more than one bug
(must be 0), and a fingerprinting rate over 100k failures. ``cross-format/`` holds, for each
language, one failure as a structured report and as a raw log; ``--show-groups`` also prints how
many message variants each group holds (messages are not hashed when frames decide). The
scoring functions are importable (``test_grouping_corpus.py`` under
``telemetry_assets_tests/core/fingerprint/`` asserts on them); they are small and exact, computed
from the contingency table, so no sklearn is needed.

Run: ``.venv/bin/python benchmarks/grouping_quality.py [--rate-n 100000]``
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Measure this checkout, not a copy of the package installed in the environment (run as a
# script, ``sys.path[0]`` is ``benchmarks/`` and a non-editable install would win).
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from telemetry_assets.core.fingerprint.fingerprint import (  # noqa: E402
    fingerprint,
    message_variant,
)
from telemetry_assets.core.models import Failure, ParseError  # noqa: E402
from telemetry_assets.core.parsers.base import SNIFF_BYTES  # noqa: E402
from telemetry_assets.core.parsers.registry import parser_for  # noqa: E402

CORPUS = REPO / "telemetry_assets_tests" / "inputs" / "grouping"


@dataclass(frozen=True, slots=True)
class Labelled:
    """One parsed failure with the bug it shows (``None`` when labels.json does not say)."""

    artifact: str
    test_id: str | None
    bug: str | None
    failure: Failure


@dataclass(frozen=True, slots=True)
class Scores:
    ari: float
    precision: float
    recall: float
    f1: float
    groups: int
    mixed_groups: int
    """Groups that hold failures of more than one bug (over-merging; must be 0)."""


def _redactor() -> Callable[[str], str] | None:
    try:
        from telemetry_assets.core.redaction.redactor import Redactor
    except ImportError:
        return None
    redactor = Redactor()
    return lambda text: redactor.redact(text).text


def _label_for(label: object, test_id: str | None) -> str | None:
    if isinstance(label, str):
        return label
    if isinstance(label, dict):
        for suffix, bug in label.items():
            if test_id and (test_id == suffix or test_id.endswith(suffix)):
                return str(bug)
    return None


def load_corpus(root: Path = CORPUS, *, redact: bool = True) -> tuple[list[Labelled], list[str]]:
    """Parse and redact every labelled artifact; returns the failures and human-readable notes."""
    labels = json.loads((root / "labels.json").read_text(encoding="utf-8"))["artifacts"]
    scrub = _redactor() if redact else None
    notes = [] if scrub or not redact else ["redactor not available: redaction skipped"]
    out: list[Labelled] = []
    for rel, label in sorted(labels.items()):
        text = (root / rel).read_text(encoding="utf-8")
        parser = parser_for(text[:SNIFF_BYTES], rel)
        if parser is None:
            notes.append(f"{rel}: no parser recognised it")
            continue
        try:
            result = parser.parse(text, rel)
        except ParseError as err:
            notes.append(f"{rel}: {parser.name} raised ParseError: {err}")
            continue
        if not result.failures:
            notes.append(f"{rel}: {parser.name} found no failure")
        for failure in result.failures:
            if scrub is not None:
                failure = replace(
                    failure, message=scrub(failure.message), trace=scrub(failure.trace)
                )
            out.append(Labelled(rel, failure.test_id, _label_for(label, failure.test_id), failure))
    return out, notes


def _comb2(n: int) -> float:
    return n * (n - 1) / 2


def score(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> Scores:
    """ARI and pairwise precision/recall/F1 of ``predicted`` clusters against ``truth``.

    Pairs are unordered pairs of items: a true positive is a pair in the same true and the same
    predicted cluster. ARI is Hubert & Arabie's, from the contingency table.
    """
    if len(truth) != len(predicted):
        raise ValueError("truth and predicted differ in length")
    cells = Counter(zip(truth, predicted, strict=True))
    rows = Counter(truth)
    cols = Counter(predicted)
    same_both = sum(_comb2(n) for n in cells.values())
    same_truth = sum(_comb2(n) for n in rows.values())
    same_pred = sum(_comb2(n) for n in cols.values())
    total = _comb2(len(truth))
    expected = same_truth * same_pred / total if total else 0.0
    maximum = (same_truth + same_pred) / 2
    ari = 1.0 if maximum == expected else (same_both - expected) / (maximum - expected)
    precision = same_both / same_pred if same_pred else 1.0
    recall = same_both / same_truth if same_truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    bugs_per_group: dict[Hashable, set[Hashable]] = defaultdict(set)
    for t, p in zip(truth, predicted, strict=True):
        bugs_per_group[p].add(t)
    mixed = sum(1 for bugs in bugs_per_group.values() if len(bugs) > 1)
    return Scores(ari, precision, recall, f1, len(cols), mixed)


_DIGITS = re.compile(r"\d+")


def naive_key(failure: Failure) -> str:
    """The baseline: the error message's first line with digits stripped."""
    lines = failure.message.strip().splitlines()
    return _DIGITS.sub("", lines[0] if lines else "")


def evaluate(items: Sequence[Labelled]) -> dict[str, Scores]:
    """Scores of the fingerprint and the naive baseline over the labelled items."""
    labelled = [i for i in items if i.bug is not None]
    truth = [i.bug for i in labelled]
    return {
        "fingerprint": score(truth, [fingerprint(i.failure).value for i in labelled]),
        "naive first line": score(truth, [naive_key(i.failure) for i in labelled]),
    }


_LINE_NUMBER = re.compile(r"(?<=[:e] )(\d+)|(?<=\.\w\w:)(\d+)|(?<=\.\w\w\w:)(\d+)")


def _shift_by(k: int) -> Callable[[re.Match[str]], str]:
    return lambda m: str(int(m.group(0)) + k)


def fingerprint_rate(items: Sequence[Labelled], n: int, *, unique_traces: bool = True) -> float:
    """Failures fingerprinted per second over ``n`` failures cycled from the corpus.

    Every copy gets its own line numbers (frames and trace text) so no trace repeats: this
    measures cold per-line caches, the worst case (real weeks repeat traces a lot).
    """
    base = [i.failure for i in items]
    failures = []
    for k in range(n):
        f = base[k % len(base)]
        if unique_traces:
            frames = tuple(replace(fr, line=(fr.line or 0) + k) for fr in f.frames)
            trace = _LINE_NUMBER.sub(_shift_by(k), f.trace)
            f = replace(f, frames=frames, trace=trace)
        failures.append(f)
    start = time.perf_counter()
    for f in failures:
        fingerprint(f)
    return n / (time.perf_counter() - start)


def _row(name: str, s: Scores) -> str:
    return (
        f"{name:<18} ARI {s.ari:6.3f}  precision {s.precision:6.3f}  recall {s.recall:6.3f}  "
        f"F1 {s.f1:6.3f}  groups {s.groups:3d}  groups with >1 bug {s.mixed_groups}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate-n", type=int, default=100_000, help="failures for the rate (0: skip)")
    ap.add_argument("--show-groups", action="store_true", help="print each group's bugs")
    args = ap.parse_args(argv)

    items, notes = load_corpus()
    for note in notes:
        print("note:", note)
    unlabelled = [i for i in items if i.bug is None]
    bugs = {i.bug for i in items if i.bug}
    print(
        f"corpus: {len({i.artifact for i in items})} artifacts, {len(items)} failures, "
        f"{len(bugs)} bugs, {len(unlabelled)} unlabelled failures"
    )
    for i in unlabelled:
        print(f"  unlabelled: {i.artifact} test_id={i.test_id!r}")
    for name, s in evaluate(items).items():
        print(_row(name, s))
    if args.show_groups:
        groups: dict[str, list[Labelled]] = defaultdict(list)
        for i in items:
            groups[fingerprint(i.failure).value].append(i)
        for fp, members in sorted(groups.items(), key=lambda kv: str(kv[1][0].bug)):
            variants = Counter(message_variant(m.failure) for m in members)
            print(
                fp[:19],
                sorted({str(m.bug) for m in members}),
                len(members),
                f"{len(variants)} message variant(s)",
            )
    if args.rate_n:
        for label, unique in (("every trace unique", True), ("corpus traces repeat", False)):
            rate = fingerprint_rate(items, args.rate_n, unique_traces=unique)
            seconds = args.rate_n / rate
            print(f"fingerprint rate ({label}): {rate:,.0f}/s, {args.rate_n:,} in {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
