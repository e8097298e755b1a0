"""Fixtures shared by the core tests."""

from __future__ import annotations

import pytest

from telemetry_assets.core import privacy


@pytest.fixture
def fresh_clean_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty process memory of values the checks found clean (``privacy._CleanInProcess``):
    what other tests' checks found clean in this process must not answer for a test that counts
    lookups or scans."""
    monkeypatch.setattr(privacy, "_clean_in_process", privacy._CleanInProcess())
