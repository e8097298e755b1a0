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


@pytest.fixture(autouse=True)
def _fresh_process_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(privacy, "_clean_in_process", privacy._CleanInProcess())


def test_a_later_check_skips_what_an_earlier_one_passed_but_still_finds_leaks() -> None:
    frame = pd.DataFrame({"message": [CLEAN, LEAK, CLEAN]})
    first = privacy.scan_frame(frame, known=CleanValues("v1", today=DAY))
    assert first.hits == 1
    later_memory = CleanValues("v1", today=DAY)
    later = privacy.scan_frame(frame, known=later_memory)
    assert later.hits == 1 and later.cells_scanned == first.cells_scanned == 3
    # The clean string was answered by the process's memory: never looked up, never added.
    assert len(later_memory) == 0


def test_another_detector_version_looks_again() -> None:
    frame = pd.DataFrame({"message": [CLEAN]})
    privacy.scan_frame(frame, known=CleanValues("v1", today=DAY))
    other = CleanValues("v2", today=DAY)
    privacy.scan_frame(frame, known=other)
    assert CLEAN in other


def test_the_memory_is_dropped_past_its_size() -> None:
    memory = privacy._CleanInProcess()
    memory.LIMIT = 10
    memory.add("v1", ["short", "also short"])
    assert memory.of("v1") == set()
