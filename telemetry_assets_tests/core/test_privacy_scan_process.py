"""Within one process (one Dagster run), a string one check found clean is not looked up again
by the next check of the same detector version; a string with a finding is found every time."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from telemetry_assets.core import privacy
from telemetry_assets.core.clean_values import CleanValues

DAY = date(2026, 11, 22)
CLEAN = "KeyError: 'tenant_id' in src/billing/invoice.py"
LEAK = "contact jane.doe@acme-payments.com for access"


pytestmark = pytest.mark.usefixtures("fresh_clean_memory")


def test_a_later_check_skips_what_an_earlier_one_passed_but_still_finds_leaks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = pd.DataFrame({"message": [CLEAN, LEAK, CLEAN]})
    first = privacy.scan_frame(frame, known=CleanValues("v1", today=DAY))
    assert first.hits == 1
    hashed: list[str] = []
    real = privacy.value_digest

    def counting(value: str) -> bytes:
        hashed.append(value)
        return real(value)

    monkeypatch.setattr(privacy, "value_digest", counting)
    later_memory = CleanValues("v1", today=DAY)
    later = privacy.scan_frame(frame, known=later_memory)
    assert later.hits == 1 and later.cells_scanned == first.cells_scanned == 3
    # The clean string was answered by the process's memory, not hashed or scanned again, and
    # is still noted in this check's memory: what a memory holds never depends on the process.
    assert CLEAN not in hashed
    assert CLEAN in later_memory and LEAK not in later_memory


def test_another_detector_version_looks_again() -> None:
    frame = pd.DataFrame({"message": [CLEAN]})
    privacy.scan_frame(frame, known=CleanValues("v1", today=DAY))
    other = CleanValues("v2", today=DAY)
    privacy.scan_frame(frame, known=other)
    assert CLEAN in other


def test_the_memory_is_dropped_past_its_size() -> None:
    memory = privacy._CleanInProcess()
    memory.LIMIT = 10
    memory.add("v1", {"short": b"1" * 32, "also short": b"2" * 32})
    assert memory.of("v1") == {}
