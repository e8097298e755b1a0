"""The report files' check: scanning only the lines the memory does not know finds exactly what
scanning each file whole finds, with the same counts, places and digests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from telemetry_assets.core import privacy
from telemetry_assets.core.clean_values import CleanValues

DAY = date(2026, 11, 22)

LINES = [
    "",
    "## Top groups",
    "| 1 | 7.4 | KeyError: 'tenant_id' | src/billing/invoice.py | @payments |",
    '    "fingerprint": "sha256-9f0c3b8e2d7a4c1f6b5e8d9a0c7b3e2f1a4d6c8b9e0f2a1c3d5b7e9f0a2c4d6",',
    "    at com.acme.billing.InvoiceService.render(InvoiceService.java:88)",
    "contact: jane.doe@acme-payments.com",
    "db=postgres://svc_billing:Hunter2Secret@db.internal.acme.net:5432/billing",
    "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
    "token ghp_R8x2Vq7Lm4Tz9Wc1Yb6Nd3Hf5Kp0Js2Ga8Ue",
    "detect_secrets:KeywordDetector withheld one artifact",
    "-----BEGIN RSA PRIVATE KEY-----",
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0",
    "-----END RSA PRIVATE KEY-----",
    "\tretry 3/5 after 250 ms",
]


def _as_tuple(scan: privacy.ResidualScan) -> tuple[object, ...]:
    return (
        dict(scan.by_detector),
        dict(scan.digests),
        sorted(scan.affected),
        {k: sorted(v) for k, v in scan.located.items()},
        {k: {c: sorted(d) for c, d in v.items()} for k, v in scan.fields.items()},
        scan.cells_scanned,
    )


texts = st.dictionaries(
    st.sampled_from(["telemetry-report.md", "error-aggregates.json", "issues/1.md"]),
    st.lists(st.sampled_from(LINES), max_size=30).map("\n".join),
    max_size=3,
)


@settings(max_examples=60, deadline=None)
@given(first=texts, second=texts)
def test_line_by_line_with_a_memory_finds_what_a_whole_scan_finds(
    first: dict[str, str], second: dict[str, str]
) -> None:
    memory = CleanValues("test-version", today=DAY)
    for files in (first, second):  # the second sees a memory the first filled
        assert _as_tuple(privacy.scan_texts(files, known=memory)) == _as_tuple(
            privacy.scan_texts(files)
        )


def test_a_repeated_line_counts_its_findings_each_time(tmp_path: Path) -> None:
    body = "contact: jane.doe@acme-payments.com\nok\ncontact: jane.doe@acme-payments.com\n"
    whole = privacy.scan_texts({"report.md": body})
    assert sum(whole.by_detector.values()) == 2
    memory = CleanValues.open(tmp_path, today=DAY)
    assert _as_tuple(privacy.scan_texts({"report.md": body}, known=memory)) == _as_tuple(whole)


def test_known_lines_are_not_scanned_again(tmp_path: Path) -> None:
    memory = CleanValues.open(tmp_path, today=DAY)
    privacy.scan_texts({"report.md": "## Top groups\nKeyError: 'tenant_id'\n"}, known=memory)
    assert "## Top groups" in memory and "KeyError: 'tenant_id'" in memory
    # A line with a finding is never remembered as clean.
    privacy.scan_texts({"report.md": "contact: jane.doe@acme-payments.com"}, known=memory)
    assert "contact: jane.doe@acme-payments.com" not in memory
