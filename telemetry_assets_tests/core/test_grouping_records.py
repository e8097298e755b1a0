"""``grouping.records`` gives the rows ``DataFrame.to_dict("records")`` gives, built by column."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from telemetry_assets import storage
from telemetry_assets.core.grouping import records


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if a is pd.NaT or a is pd.NA:
        return b is a
    return type(a) is type(b) and a == b


FRAME = pd.DataFrame(
    {
        "fingerprint": ["sha256-" + "a" * 64, "sha256-" + "b" * 64, None],
        "count": [3, 0, 7],
        "severity": [2.5, float("nan"), 10.0],
        "flaky": [True, False, True],
        "first_seen": pd.to_datetime(
            [datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC), None]
        ),
        "owner": pd.array(["@shop/payments", pd.NA, "@shop/ui"], dtype="string"),
        "frames": ['[{"file": "src/shop/cart.py"}]', "[]", "[]"],
    }
)


@pytest.mark.parametrize("through_parquet", [False, True])
def test_rows_equal_to_dict_records_cell_for_cell(through_parquet: bool, tmp_path: Path) -> None:
    frame = FRAME
    if through_parquet:  # what a step loads: Arrow-backed strings, NaN for a missing string
        frame = storage.read_parquet(storage.write_parquet(tmp_path / "t.parquet", FRAME))
    expected = frame.to_dict("records")
    got = records(frame)
    assert len(got) == len(expected)
    for row, want in zip(got, expected, strict=True):
        assert list(row) == list(want)
        for column in want:
            assert _same(row[column], want[column]), (column, row[column], want[column])


def test_an_optional_column_missing_from_the_table_reads_as_none() -> None:
    rows = records(FRAME[["count"]], optional=("message_variants", "count"))
    assert rows == [
        {"count": 3, "message_variants": None},
        {"count": 0, "message_variants": None},
        {"count": 7, "message_variants": None},
    ]


def test_non_text_labels_are_left_to_pandas() -> None:
    frame = pd.DataFrame([[1, 2]], columns=[0, 1])
    assert records(frame) == frame.to_dict("records") == [{0: 1, 1: 2}]
