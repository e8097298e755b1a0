"""What the checks count: every non-empty string cell, once per cell, but exact digests in the
columns that hold our own digests; whatever the column's type, mix or storage."""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import UTC, datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telemetry_assets.core import privacy
from telemetry_assets.core.cells import is_text_column

SHA = "3f2a" * 16
FINDINGS = '["fd1:9ab0c1", "fd1:77e2"]'


def reference(frame: pd.DataFrame) -> Counter[str]:
    """One cell at a time, as the check is specified."""
    seen: Counter[str] = Counter()
    for column in frame.columns:
        if not is_text_column(frame[column]):
            continue
        for value in frame[column].tolist():
            if not isinstance(value, str) or not value:
                continue
            if privacy._skippable(value, str(column)):
                continue
            seen[value] += 1
    return seen


def counted(frame: pd.DataFrame) -> Counter[str]:
    columns = [c for c in frame.columns if is_text_column(frame[c])]
    return privacy._distinct_cells(frame, columns)


cells = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.just(""),
    st.just(SHA),
    st.just("sha256-" + SHA),
    st.just(SHA.upper()),  # not one of ours: scanned
    st.just(SHA + "\n"),
    st.just(FINDINGS),
    st.just("[]"),
    st.just('["fd1:zz"]'),
    st.just("src/app/retry.py"),
    st.just("run-\ud800-lone-surrogate"),
    st.integers(-5, 5),
    st.booleans(),
    st.just(datetime(2026, 11, 22, 10, 0, tzinfo=UTC)),
    st.text(max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(cells, cells, cells, cells),
        min_size=0,
        max_size=25,
    ),
    st.booleans(),
)
def test_counts_match_a_cell_by_cell_count(rows: list[tuple[object, ...]], arrow: bool) -> None:
    names = ["sha256", "finding_digests", "message", "path_key"]
    frame = pd.DataFrame(rows, columns=names, dtype=object)
    if arrow:
        # Columns of text only are read back from Parquet as Arrow strings.
        for column in frame.columns:
            values = frame[column].tolist()
            if all(v is None or isinstance(v, str) for v in values):
                # A lone surrogate cannot be Arrow text: that column stays an object column.
                with contextlib.suppress(UnicodeError, ValueError, TypeError):
                    frame[column] = pd.array(values, dtype="string[pyarrow]")
    assert counted(frame) == reference(frame)


@pytest.mark.parametrize(
    "values",
    [
        [1, 2, None, 3],
        [datetime(2026, 11, 22, tzinfo=UTC), None],
        [True, False],
        [None, None],
        [None, "late text in a column of nothing"],
        [3, "text after a number"],
    ],
)
def test_object_columns_are_skipped_only_when_they_hold_no_text(values: list[object]) -> None:
    frame = pd.DataFrame({"note": pd.Series(values, dtype=object)})
    assert counted(frame) == reference(frame)


def test_a_digest_column_with_other_text_still_counts_that_text() -> None:
    frame = pd.DataFrame({"sha256": [SHA, SHA, "alice@example.com", None, "sha256-" + SHA]})
    assert counted(frame) == Counter({"alice@example.com": 1})
