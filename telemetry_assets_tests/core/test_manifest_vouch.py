"""The manifest's facts workers run the residual check's detector over the paths they display
and vouch for the clean ones; the check then scans only the rest. Nothing it reports may change:
a path with a finding is never vouched for, every value is still counted, and a vouched digest
is exactly the one the check itself would have remembered."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from telemetry_assets.core import privacy, process_pool
from telemetry_assets.core.clean_values import CleanValues, detector_version, value_digest
from telemetry_assets.core.manifest import ParallelFacts, build_manifest, manifest_frame
from telemetry_assets.core.redaction.redactor import Redactor
from telemetry_assets.core.window import window_for
from telemetry_assets_tests.builders import surefire_runs

WINDOW = window_for("2026-11-22")
FLAGGED = "secret=Zx9qLm2Vb7Rt5Yw3Kp8Hd6Fs.txt"
"""A file name the redactor leaves as it is and the independent detector flags."""
NAMED = "detect_secrets:KeywordDetector.log"
"""A file name holding a detector's own name: scanned as the check scans it (made neutral)."""


def _plant(root: Path, runs: int, files: int = 30) -> None:
    surefire_runs(root, runs, files)
    odd = root / "ci" / "gha-9912300000" / "logs"
    odd.mkdir()
    for name in (FLAGGED, NAMED, "jane.doe@acme-corp.com.log"):
        (odd / name).write_text("2026-11-20T10:11:12Z ok\n")


def _same_scan(a: privacy.ResidualScan, b: privacy.ResidualScan) -> None:
    assert (a.hits, a.by_detector, a.digests, a.cells_scanned) == (
        b.hits,
        b.by_detector,
        b.digests,
        b.cells_scanned,
    )
    assert (a.affected, a.located, a.fields) == (b.affected, b.located, b.fields)


@pytest.mark.parametrize("workers", [1, 2])
def test_vouched_paths_change_no_finding_and_no_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    root = tmp_path / "artifacts"
    _plant(root, runs=90 if workers > 1 else 3)
    redactor = Redactor()
    display = functools.cache(lambda s: redactor.redact(s).text)

    plain = build_manifest(root, WINDOW, display=display)
    unaided = privacy.scan_frame(manifest_frame(plain), where="path", known=CleanValues("v"))

    known = CleanValues(detector_version())
    facts = ParallelFacts(display, workers, functools.partial(privacy.clean_digests, known=known))
    vouched = build_manifest(root, WINDOW, display=display, file_facts=facts)
    assert vouched == plain
    if workers > 1:
        assert 2 * len(plain.artifacts) >= process_pool.MIN_ITEMS  # the work was spread

    shown = [a.path for a in plain.artifacts]
    flagged = next(p for p in shown if p.endswith(FLAGGED))
    digests = {facts.clean_digests[i : i + 32] for i in range(0, len(facts.clean_digests), 32)}
    # Every path but the flagged one is vouched for, by the digest the check itself keeps.
    assert value_digest(flagged) not in digests
    expected = {value_digest(privacy._without_detector_names(p)) for p in shown if p != flagged}
    assert digests == expected
    assert any(NAMED in p for p in shown)

    known.add_digests(facts.clean_digests)
    scanned: list[str] = []
    real = privacy._scan_values

    def counting(values: set[str], workers: int) -> dict[str, list[privacy.Finding]]:
        scanned.extend(values)
        return real(values, workers)

    monkeypatch.setattr(privacy, "_scan_values", counting)
    checked = privacy.scan_frame(manifest_frame(vouched), where="path", known=known)
    _same_scan(checked, unaided)
    assert checked.hits >= 1
    assert {place for place, _ in checked.affected} == {flagged}
    # The check scanned the flagged path again (and found it), and no vouched path.
    assert flagged in scanned
    assert not (set(shown) - {flagged}) & set(scanned)


def test_clean_digests_skip_known_values_and_never_vouch_for_a_finding() -> None:
    known = CleanValues(detector_version())
    known.add(["ci/run/already-known.log"])
    values = ["ci/run/already-known.log", "ci/run/new.log", f"ci/run/{FLAGGED}", "", NAMED]

    out = privacy.clean_digests(values, known)

    assert out[0] == b""  # nothing new to remember
    assert out[1] == value_digest("ci/run/new.log")
    assert out[2] == b""  # a finding: the check must scan it itself
    assert out[3] == b""
    assert out[4] == value_digest(privacy._without_detector_names(NAMED)) != value_digest(NAMED)
    # The same answers without a memory, but for the value it knew.
    assert privacy.clean_digests(values)[1:] == out[1:]
    assert privacy.clean_digests(values)[0] == value_digest("ci/run/already-known.log")
