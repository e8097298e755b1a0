"""The fingerprint memory: a later date (a new process) reuses what an earlier one derived, and
only where deriving again would give the same."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from telemetry_assets.core import occurrences
from telemetry_assets.core.fingerprint import memory as memory_module
from telemetry_assets.core.fingerprint.fingerprint import GroupingRule
from telemetry_assets.core.fingerprint.memory import FOLDER, DerivedMemory
from telemetry_assets.core.window import window_for
from telemetry_assets_tests.core.fingerprint.test_occurrences import FAILURES, PASSED_ELSEWHERE, row

WINDOW = window_for("2026-11-22")
RULES = (GroupingRule(name="keys", add="message", exception_type="KeyError"),)


def _build(
    cache: Path, failures: pd.DataFrame = FAILURES, rules: tuple[GroupingRule, ...] = ()
) -> pd.DataFrame:
    memory = DerivedMemory.open(cache, rules)
    frame = occurrences.build_occurrences(
        failures, WINDOW, PASSED_ELSEWHERE, rules=rules, memory=memory
    )
    memory.save()
    return frame


@pytest.fixture
def no_deriving(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the failures derived from scratch."""
    calls: list[int] = []
    real = occurrences._derive

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(occurrences, "_derive", counting)
    return calls


def test_a_later_date_reuses_every_derived_failure_with_the_same_rows(
    tmp_path: Path, no_deriving: list[int]
) -> None:
    first = _build(tmp_path)
    derived_first = len(no_deriving)
    assert derived_first > 0
    again = _build(tmp_path)
    assert len(no_deriving) == derived_first  # nothing derived again
    pd.testing.assert_frame_equal(again, first)
    # And the same as a build without any memory.
    pd.testing.assert_frame_equal(
        occurrences.build_occurrences(FAILURES, WINDOW, PASSED_ELSEWHERE), first
    )


def test_other_grouping_rules_derive_again(tmp_path: Path, no_deriving: list[int]) -> None:
    plain = _build(tmp_path)
    before = len(no_deriving)
    ruled = _build(tmp_path, rules=RULES)
    assert len(no_deriving) > before
    pd.testing.assert_frame_equal(
        ruled, occurrences.build_occurrences(FAILURES, WINDOW, PASSED_ELSEWHERE, rules=RULES)
    )
    assert list(ruled["fingerprint"]) != list(plain["fingerprint"])
    # Only the rules last used keep a file.
    assert len(list((tmp_path / FOLDER).iterdir())) == 1


def test_other_derivation_code_derives_again(
    tmp_path: Path, no_deriving: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(tmp_path)
    before = len(no_deriving)
    monkeypatch.setattr(memory_module, "_CODE", "another-version")
    _build(tmp_path)
    assert len(no_deriving) == 2 * before
    (left,) = (tmp_path / FOLDER).iterdir()
    assert left.name.startswith("another-version-")


def test_a_changed_failure_is_derived_again(tmp_path: Path, no_deriving: list[int]) -> None:
    _build(tmp_path)
    before = len(no_deriving)
    changed = pd.DataFrame([*FAILURES.to_dict("records")[:-1], row("gha-9", "t", key="org_id")])
    frame = _build(tmp_path, changed)
    assert len(no_deriving) == before + 1
    pd.testing.assert_frame_equal(
        frame, occurrences.build_occurrences(changed, WINDOW, PASSED_ELSEWHERE)
    )


def test_failures_that_left_the_window_leave_the_memory(tmp_path: Path) -> None:
    _build(tmp_path)
    (stored,) = (tmp_path / FOLDER).iterdir()
    assert len(json.loads(stored.read_bytes())["entries"]) >= 2
    _build(tmp_path, FAILURES.iloc[:1])
    assert len(json.loads(stored.read_bytes())["entries"]) == 1


@pytest.mark.parametrize(
    "damage",
    [b"", b"{not json", b'{"entries": []}', b'{"entries": {"x": "not a list"}}'],
)
def test_a_damaged_memory_is_a_miss(tmp_path: Path, damage: bytes) -> None:
    expected = _build(tmp_path)
    (stored,) = (tmp_path / FOLDER).iterdir()
    stored.write_bytes(damage)
    pd.testing.assert_frame_equal(_build(tmp_path), expected)


@pytest.mark.parametrize(
    "damage",
    [
        lambda e: e[:3],  # too short
        lambda e: [*e[:5], None, *e[6:]],  # no message variant
        lambda e: [*e[:6], 7, *e[7:]],  # a rule that is not text
        lambda e: [e[0], "fp-1999-01-01", *e[2:]],  # another fingerprint version
    ],
)
def test_an_entry_of_another_shape_is_a_miss(
    tmp_path: Path, no_deriving: list[int], damage: Any
) -> None:
    expected = _build(tmp_path)
    before = len(no_deriving)
    (stored,) = (tmp_path / FOLDER).iterdir()
    data = json.loads(stored.read_bytes())
    data["entries"] = {k: damage(v) for k, v in data["entries"].items()}
    stored.write_text(json.dumps(data))
    pd.testing.assert_frame_equal(_build(tmp_path), expected)
    assert len(no_deriving) == 2 * before


def test_without_a_cache_nothing_is_written(tmp_path: Path) -> None:
    memory = DerivedMemory.open(None, ())
    occurrences.build_occurrences(FAILURES, WINDOW, PASSED_ELSEWHERE, memory=memory)
    memory.save()
    assert not list(tmp_path.iterdir())


def test_a_purge_deletes_the_memory_and_a_cache_prune_keeps_it(tmp_path: Path) -> None:
    from telemetry_assets.core import batch
    from telemetry_assets.core.purge import delete_cached_run

    _build(tmp_path)
    batch.SanitizedCache(tmp_path, "fedcba9876543210").prune([])
    assert (tmp_path / FOLDER).is_dir()
    delete_cached_run(tmp_path, "0" * 64)
    assert not (tmp_path / FOLDER).exists()
