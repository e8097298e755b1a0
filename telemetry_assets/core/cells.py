"""Reading cells back from pandas/Parquet: missing values come back as NaN or ``pd.NA``, never
``None``, and must not leak into typed values as floats."""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd


def text(value: object) -> str | None:
    """A cell as ``str``, or ``None`` when missing or empty."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    out = str(value)
    return out or None


def texts(cells: Iterable[object]) -> list[str | None]:
    """:func:`text` of every cell; strings and ``None``, nearly every cell, without the call."""
    return [
        (v or None)
        if type(v) is str
        else None
        if v is None or (type(v) is float and v != v)
        else text(v)
        for v in cells
    ]


def is_text_column(series: pd.Series) -> bool:
    return series.dtype == object or pd.api.types.is_string_dtype(series.dtype)
