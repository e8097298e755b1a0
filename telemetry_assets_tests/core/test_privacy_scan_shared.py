"""The blocking check over two tables that share columns (the failures and artifacts tables of
``sanitized_artifacts``): a value found clean by the first scan is neither looked up nor scanned
again by the second, and no count, digest or place changes; exact digests in digest columns are
skipped alike whether the column holds Arrow-backed strings or Python objects.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from telemetry_assets.core import privacy
from telemetry_assets.core.clean_values import CleanValues, value_digest

EMAIL = "PermissionError: owner dmitri.okafor@acme-corp.com may not write"


class _Counting(CleanValues):
    """Counts the values looked up (by their digests)."""

    __slots__ = ("asked",)

    def __init__(self) -> None:
        super().__init__("test")
        self.asked: list[bytes] = []

    def has_digest(self, key: bytes) -> bool:
        self.asked.append(key)
        return super().has_digest(key)


pytestmark = pytest.mark.usefixtures("fresh_clean_memory")


def _tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    paths = [f"ci/gha-99{n:08d}/reports/junit-{n}.xml" for n in range(6)]
    failures = pd.DataFrame(
        {
            "artifact": paths[:3],
            "run_id": ["gha-9900000000"] * 3,
            "message": ["TimeoutError: pool exhausted after 30s", EMAIL, EMAIL],
        }
    )
    artifacts = pd.DataFrame(
        {
            "artifact": paths,
            "run_id": ["gha-9900000000"] * 6,
            "sha256": [hashlib.sha256(p.encode()).hexdigest() for p in paths],
            # A finding in both tables is counted in both.
            "reason": [None, EMAIL, None, None, None, "detect_secrets:KeywordDetector"],
        }
    )
    return failures, artifacts


def _fields(scan: privacy.ResidualScan) -> tuple[object, ...]:
    return (
        scan.cells_scanned,
        scan.hits,
        scan.by_detector,
        scan.digests,
        scan.affected,
        scan.located,
        scan.fields,
        scan.reviewed,
    )


def test_a_shared_clean_set_changes_no_count_and_looks_each_value_up_once() -> None:
    failures, artifacts = _tables()
    plain = privacy.scan_frame(failures)
    plain.merge(privacy.scan_frame(artifacts))
    known = _Counting()
    clean: set[str] = set()
    shared = privacy.scan_frame(failures, known=known, clean=clean)
    asked_first = len(known.asked)
    shared.merge(privacy.scan_frame(artifacts, known=known, clean=clean))

    assert _fields(shared) == _fields(plain)
    assert plain.by_detector["email"] == 3
    # The paths and run id the first table shares with the second were not looked up again;
    # the value with a finding is never in the clean set, so it is looked up (and scanned) twice.
    assert (
        len(known.asked) - asked_first
        == len(set(artifacts["artifact"]) - set(failures["artifact"])) + 2
    )
    assert EMAIL not in clean and set(failures["artifact"]) <= clean
    assert value_digest(EMAIL) in known.asked[asked_first:]


def test_a_value_clean_to_the_set_is_not_scanned_even_without_a_memory() -> None:
    artifacts = _tables()[1]
    clean = set(artifacts["artifact"])
    scan = privacy.scan_frame(artifacts, clean=clean)
    assert scan.cells_scanned == privacy.scan_frame(artifacts).cells_scanned
    assert scan.by_detector == privacy.scan_frame(artifacts).by_detector


def test_digest_columns_skip_only_exact_digests_whatever_the_column_type() -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    values = [
        digest,
        f"sha256-{digest}",
        digest.upper(),
        f"{digest}\n",
        f" {digest}",
        f"sha256-{digest[:-1]}",
        "AKIAQYLPMN5HFIQR7XYA",
        None,
    ]
    lists = ['["fd1:ab", "fd1:cd"]', "[]", '["fd1:ab","fd1:cd"]', '["fd1:"]', "[1]", None]
    frames = [
        pd.DataFrame({"sha256": values, "finding_digests": lists + lists[:2]}),
        pd.DataFrame({"sha256": values, "finding_digests": lists + lists[:2]}).astype(object),
    ]
    scans = [privacy.scan_frame(frame) for frame in frames]
    assert frames[0]["sha256"].dtype != object
    assert _fields(scans[0]) == _fields(scans[1])
    # Exact digests and lists are skipped; everything else is scanned.
    assert scans[0].cells_scanned == 5 + 2
    assert scans[0].by_detector
