"""Our parsers against 217 real test reports written by real tools (/work/shared/realworld).

Each file goes through the registry exactly as the pipeline sends it: the head (first 8192 bytes
decoded as UTF-8 with replacement) picks the parser, which then reads the whole text. The count of
failures must match the manifest: ``upstream_failures`` for go-test-json where present (package
crashes attributed to a test, as gotestsum and go-junit-report do), either answer for
``no-cases-but-tests.xml``, ``expected_failures`` everywhere else. The manifest's rule leaves
out tests that failed and then passed on a retry (Playwright ``flaky``, Surefire
``flakyFailure``), which our parsers keep as ``flaky`` failures, so only non-flaky failures are
compared; except in
``go-test-json``, where the rule counts every ``fail`` event, a rerun's too, and our parser keeps
each of those as a failure that is flagged flaky once the same test later passes. Invalid files
must be refused with a ``ParseError`` (or by no parser accepting them), never with another
exception.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from telemetry_assets.core.models import Failure, ParseError
from telemetry_assets.core.parsers import registry
from telemetry_assets.core.parsers.base import SNIFF_BYTES
from telemetry_assets_tests.prerequisites import missing

REALWORLD = Path(__file__).resolve().parents[3] / ".." / "shared" / "realworld"
MANIFEST = REALWORLD / "manifest.jsonl"

MIN_AGREEMENT = 0.98

# Files where we keep an answer that differs from the manifest, and why ours serves users better.
# Each is a package that failed with no failing test (gotestsum and go-junit-report report those
# as a synthetic failing test; the manifest's rule counts 0 and gives no upstream number here).
KNOWN_BETTER = {
    "gotestsum/testjson/input/go-test-json-with-cover.out": "badmain package exits 2 in TestMain",
    "gotestsum/testjson/input/go-test-json-with-cover-go1.20.out": "badmain exits 2 in TestMain",
    "gotestsum/testjson/input/go-test-json-with-shuffle.out": "badmain exits 2 in TestMain",
    "tparse/race/test_06.jsonl": "data race inside TestMain fails the package, no test fails",
}


def _records() -> list[dict[str, Any]]:
    if not MANIFEST.is_file():
        missing(f"real-world corpus not found at {REALWORLD} (expected <repo>/../shared)")
    return [json.loads(line) for line in MANIFEST.read_text().splitlines() if line.strip()]


def _expected(record: dict[str, Any]) -> set[int]:
    if record["path"].endswith("no-cases-but-tests.xml"):
        return {record["expected_failures"], record.get("upstream_failures", 1)}
    if record["format"] == "go-test-json" and "upstream_failures" in record:
        return {record["upstream_failures"]}
    return {record["expected_failures"]}


def counted(format_name: str, failures: tuple[Failure, ...]) -> int:
    """The failures the manifest's counting rule counts (see the module docstring)."""
    if format_name == "go-test-json":
        return len(failures)
    return sum(1 for f in failures if not f.flaky)


def _run(record: dict[str, Any]) -> tuple[str | None, int | str]:
    """(parser name, failure count) or (parser name, "rejected: <reason>")."""
    raw = (REALWORLD / record["path"]).read_bytes()
    head = raw[:SNIFF_BYTES].decode("utf-8", errors="replace")
    parser = registry.parser_for(head, record["path"])
    if parser is None:
        return None, "rejected: no parser recognised it"
    try:
        result = parser.parse(raw.decode("utf-8", errors="replace"), record["path"])
    except ParseError as err:
        return parser.name, f"rejected: {err}"
    return parser.name, counted(parser.name, result.failures)


def test_valid_reports_agree_with_the_manifest() -> None:
    records = [r for r in _records() if r["valid"]]
    mismatches = []
    for record in records:
        _name, got = _run(record)
        if got not in _expected(record):
            mismatches.append((record["path"], record["format"], sorted(_expected(record)), got))
    agreement = 1 - len(mismatches) / len(records)
    print(f"\nagreement on {len(records)} valid reports: {agreement:.2%}")
    for path, fmt, expected, got in mismatches:
        why = KNOWN_BETTER.get(path, "UNEXPLAINED")
        print(f"  mismatch {path} [{fmt}] expected {expected} got {got} ({why})")
    unexplained = [m for m in mismatches if m[0] not in KNOWN_BETTER]
    assert not unexplained, unexplained
    assert agreement >= MIN_AGREEMENT


def test_invalid_reports_are_rejected_with_a_reason() -> None:
    records = [r for r in _records() if not r["valid"]]
    assert records
    for record in records:
        name, got = _run(record)
        print(f"  {record['path']}: {name}: {got}")
        assert isinstance(got, str) and got.startswith("rejected: "), (record["path"], got)
        assert len(got) > len("rejected: ") + 5


def test_flaky_playwright_tests_are_kept_but_not_counted() -> None:
    """Three real Playwright reports hold one ``flaky`` test each: a flaky failure, not counted."""
    flaky = 0
    for record in _records():
        if record["valid"] and record["format"] == "playwright-json":
            text = (REALWORLD / record["path"]).read_text(encoding="utf-8", errors="replace")
            result = registry.parser_named("playwright-json").parse(text, record["path"])
            flaky += sum(1 for f in result.failures if f.flaky)
    assert flaky == 3


def test_known_better_entries_are_still_mismatches() -> None:
    """Keeps KNOWN_BETTER honest: an entry that now agrees must be removed from it."""
    by_path = {r["path"]: r for r in _records()}
    for path in KNOWN_BETTER:
        _, got = _run(by_path[path])
        assert got not in _expected(by_path[path]), path
