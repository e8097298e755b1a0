"""Reading cells back from pandas/Parquet: missing values come back as NaN or ``pd.NA``, never
``None``, and must not leak into typed values as floats."""

from __future__ import annotations

import math

import pandas as pd


def text(value: object) -> str | None:
    """A cell as ``str``, or ``None`` when missing or empty."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    out = str(value)
    return out or None


def is_text_column(series: pd.Series) -> bool:
    return series.dtype == object or pd.api.types.is_string_dtype(series.dtype)
