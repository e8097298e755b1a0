"""Occurrences (one row per sanitized failure) -> one :class:`GroupStats` per fingerprint.

Every choice here is deterministic (sorting on stable keys, never on arrival order) so a report
date computed twice, or by a backfill months later, gives the same groups, samples and counts.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import pandas as pd
from pandas.api.extensions import ExtensionDtype
from pandas.api.types import is_object_dtype
from pandas.core.dtypes.cast import maybe_box_native

from telemetry_assets.core.cells import text, texts
from telemetry_assets.core.fingerprint.normalise import display_test_id
from telemetry_assets.core.models import GroupStats
from telemetry_assets.core.window import ReportWindow

OCCURRENCE_COLUMNS: tuple[str, ...] = (
    "artifact",
    "run_id",
    "provider",
    "job_type",
    "branch",
    "occurred_at",
    "day",
    "bucket",
    "fingerprint",
    "fingerprint_version",
    "strategy",
    "source_format",
    "kind",
    "language",
    "exception_type",
    "message",
    "test_id",
    "test_file",
    "flaky",
    "likely_flaky",
    "message_variant",
    "grouping_rule",
    "sample_trace",
    "top_frame_file",
    "top_frame_function",
    "redactions",
    "console_copies_folded",
)
"""Columns of the ``fingerprints`` asset; the Parquet file of the report keeps a subset.

``console_copies_folded``: console rows of the same run that restated this failure (or only
said tests failed) and were folded into it, so one failure counts once per run.

``flaky``: failed and then passed on a retry in the same run (the rule every test tool uses);
``likely_flaky``: that, or the same test id passed in another run of the window."""

MAX_MESSAGE_VARIANTS = 5
"""Variants kept per group (most frequent first); the rest are counted in the last entry."""

MAX_SAMPLE_RUNS = 5
MAX_TEST_IDS = 10

# Words that route a group to security review or a team when they appear in its frames or
# message. Deliberately not kept: hash-like runs (two or more digits, or longer than 24 letters):
# they name no subject, and the stored keyword list must not carry fragments of digests or ids.
_KEYWORD = re.compile(r"(?<![a-z0-9])[a-z][a-z0-9]{2,23}(?![a-z0-9])")
_MAX_KEYWORD_DIGITS = 1


def empty_occurrences() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in OCCURRENCE_COLUMNS})
    frame["occurred_at"] = pd.Series(dtype="datetime64[us, UTC]")
    frame["flaky"] = pd.Series(dtype="bool")
    frame["likely_flaky"] = pd.Series(dtype="bool")
    frame["console_copies_folded"] = pd.Series(dtype="int64")
    return frame


@lru_cache(maxsize=4096)
def _words(value: str) -> frozenset[str]:
    # Cached: a group's sample trace and message recur on every date its window covers.
    return frozenset(
        w
        for w in _KEYWORD.findall(value.lower())
        if sum(map(str.isdigit, w)) <= _MAX_KEYWORD_DIGITS
    )


def _keywords(texts: Iterable[str | None]) -> tuple[str, ...]:
    words: set[str] = set()
    for value in texts:
        if value:
            words.update(_words(value))
    return tuple(sorted(words))


def _merge_redactions(values: Iterable[str]) -> tuple[tuple[str, int], ...]:
    total: Counter[str] = Counter()
    # Nearly every row of a group holds one of a few texts (``{}`` most often): each distinct
    # text is decoded once and counted as often as it occurs.
    for value, times in Counter(values).items():
        cell = text(value)
        if cell:
            for rule, n in json.loads(cell).items():
                total[rule] += n * times
    return tuple(sorted((k, v) for k, v in total.items() if v))


_GROUP_INPUTS: tuple[str, ...] = (
    "fingerprint", "occurred_at", "artifact", "test_id", "bucket", "day", "flaky", "job_type",
    "branch", "run_id", "redactions", "sample_trace", "exception_type", "message",
    "top_frame_file", "top_frame_function", "likely_flaky", "message_variant", "grouping_rule",
)  # fmt: skip
"""The occurrence columns a group is built from (the last three may be absent in tables
written before they existed)."""

_SORT_KEYS: tuple[str, ...] = ("fingerprint", "occurred_at", "artifact", "test_id")
"""Group order, then the order inside a group (the sample is the first row of the report week)."""


def _missing(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
    )


def _na_first(value: object) -> tuple[int, object]:
    # Missing values sort before everything, as pandas' ``na_position="first"`` puts them.
    return (0, "") if _missing(value) else (1, value)


def _sort_column(cells: list[Any], complete: bool = False) -> list[Any]:
    """A sort-key column: the cells themselves when none is missing (they then order as their
    :func:`_na_first` forms do), else every cell wrapped by :func:`_na_first`. ``complete``:
    the caller knows no cell is missing."""
    if not complete and any(map(_missing, cells)):
        # A string is never missing: its form is built here without the call.
        return [(1, v) if type(v) is str else _na_first(v) for v in cells]
    return cells


def _complete(frame: pd.DataFrame, column: str) -> bool:
    """The column exists and pandas finds no missing cell in it. Every cell :func:`_missing`
    calls missing (``None``, NaN, ``NA``, ``NaT``) is one pandas finds, so no cell of a complete
    column is missing: per-cell checks can be skipped."""
    return column in frame.columns and not bool(frame[column].isna().any())


def instants(series: pd.Series) -> list[int] | None:
    """The integers under a UTC or naive timestamp column without missing values (they order
    as the timestamps do); ``None`` for any other column."""
    dtype = series.dtype
    tz = getattr(dtype, "tz", None)
    if dtype.kind != "M" or not (tz is None or str(tz) == "UTC") or series.isna().any():
        return None
    return series.array.asi8.tolist()


def message_variants(variants: Iterable[object]) -> tuple[tuple[str, int], ...]:
    """Counts per parameterised message, most frequent first (ties by text), capped."""
    counts = Counter(v for v in texts(variants) if v)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(ranked) > MAX_MESSAGE_VARIANTS:
        rest = sum(n for _, n in ranked[MAX_MESSAGE_VARIANTS - 1 :])
        others = len(ranked) - MAX_MESSAGE_VARIANTS + 1
        ranked = [*ranked[: MAX_MESSAGE_VARIANTS - 1], (f"({others} other variants)", rest)]
    return tuple(ranked)


def variants_by_fingerprint(occurrences: pd.DataFrame) -> dict[str, list[str]]:
    """Fingerprint -> its distinct message variants (for the similar-groups hint)."""
    if occurrences.empty or "message_variant" not in occurrences.columns:
        return {}
    out: dict[str, set[str]] = {}
    fingerprints = occurrences["fingerprint"].tolist()
    variants = texts(occurrences["message_variant"].tolist())
    for fp, value in zip(fingerprints, variants, strict=True):
        if value and text(fp):
            out.setdefault(str(fp), set()).add(value)
    return {k: sorted(v) for k, v in out.items()}


def build_groups(
    occurrences: pd.DataFrame,
    window: ReportWindow,
    passed_test_ids: Iterable[str] = (),
) -> list[GroupStats]:
    """Group the 14-day window's occurrences by fingerprint.

    ``passed_test_ids`` are tests that passed somewhere in the window: a group whose failing
    test also passed, or whose rows say ``likely_flaky`` or ``flaky`` (failed then passed on a
    retry), is likely flaky. ``flaky_count`` counts only the report week's retry-flaky rows.

    Rows are walked as plain Python values: a window holds a few hundred groups, and pandas'
    per-group slicing cost more than the work itself. The order is the stable sort on
    :data:`_SORT_KEYS` with missing values first; rows without a fingerprint belong to no group.
    """
    if occurrences.empty:
        return []
    passed = set(passed_test_ids)
    days = [d.isoformat() for d in window.days]
    missing = [None] * len(occurrences)
    complete = {c: _complete(occurrences, c) for c in _GROUP_INPUTS}
    # Timestamps are boxed only for each group's first and last row: the integers under them
    # sort and compare as they do.
    stamps = instants(occurrences["occurred_at"]) if "occurred_at" in occurrences else None
    moments = occurrences["occurred_at"].array if stamps is not None else None
    # ``tolist`` gives the values ``list()`` would, without boxing cell by cell.
    columns = {
        c: (stamps if c == "occurred_at" and stamps is not None else occurrences[c].tolist())
        if c in occurrences.columns
        else missing
        for c in _GROUP_INPUTS
    }
    keys = list(zip(*(_sort_column(columns[c], complete[c]) for c in _SORT_KEYS), strict=True))
    fingerprints = columns["fingerprint"]
    order = sorted(
        range(len(occurrences))
        if complete["fingerprint"]
        else (i for i in range(len(occurrences)) if not _missing(fingerprints[i])),
        key=keys.__getitem__,
    )
    spans = [
        (fingerprint, list(members))
        for fingerprint, members in itertools.groupby(order, key=fingerprints.__getitem__)
    ]
    if moments is not None:
        # Rows of a group are in time order: its first and last row are its first and last
        # seen, boxed as timestamps together.
        edges = moments.take([rows[0] for _, rows in spans] + [rows[-1] for _, rows in spans])
        boxed = list(edges)
    groups: list[GroupStats] = []
    for position, (fingerprint, rows) in enumerate(spans):

        def values(column: str, rows: list[int] = rows) -> list[Any]:
            cells = columns[column]
            return [cells[i] for i in rows]

        buckets = values("bucket")
        in_report = [i for i, b in zip(rows, buckets, strict=True) if b == "report"]
        in_set = set(in_report)
        count_baseline = sum(1 for b in buckets if b == "baseline")
        # The sample is the earliest occurrence of the report week (or of the window).
        sample = (in_report or rows)[0]
        per_day = Counter(
            values("day") if complete["day"] else (d for d in values("day") if not _missing(d))
        )
        if moments is not None:
            first_seen, last_seen = boxed[position], boxed[position + len(spans)]
        else:
            seen = [t for t in values("occurred_at") if not _missing(t)]
            first_seen, last_seen = (min(seen), max(seen)) if seen else (pd.NaT, pd.NaT)
        test_ids = sorted({t for t in texts(values("test_id")) if t})
        retry_flaky = [bool(f) for f in values("flaky")]
        likely = values("likely_flaky")
        flaky = (
            any(retry_flaky)
            or any(
                map(bool, likely)
                if complete["likely_flaky"]
                else (bool(f) for f in likely if not _missing(f))
            )
            or any(t in passed for t in test_ids)
        )
        flaky_count = sum(1 for i, f in zip(rows, retry_flaky, strict=True) if f and i in in_set)
        variants = message_variants(columns["message_variant"][i] for i in (in_report or rows))
        rule = next((r for r in texts(values("grouping_rule")) if r), None)
        groups.append(
            GroupStats(
                fingerprint=str(fingerprint),
                count=len(in_report),
                count_baseline=count_baseline,
                first_seen=pd.Timestamp(first_seen).to_pydatetime(),
                last_seen=pd.Timestamp(last_seen).to_pydatetime(),
                job_types=tuple(sorted(set(values("job_type")))),
                branches=tuple(sorted({b for b in texts(values("branch")) if b})),
                sample_trace=str(columns["sample_trace"][sample]),
                exception_type=text(columns["exception_type"][sample]),
                message=text(columns["message"][sample]) or "",
                test_ids=tuple(sorted({display_test_id(t) for t in test_ids})[:MAX_TEST_IDS]),
                sample_run_ids=tuple(sorted(set(values("run_id")))[:MAX_SAMPLE_RUNS]),
                top_frame_file=text(columns["top_frame_file"][sample]),
                top_frame_function=text(columns["top_frame_function"][sample]),
                daily_counts=tuple(int(per_day.get(d, 0)) for d in days),
                flaky=flaky,
                redactions=_merge_redactions(values("redactions")),
                flaky_count=flaky_count,
                message_variants=variants,
                grouping_rule=rule,
                first_seen_ever_in_window=count_baseline == 0 and bool(in_report),
                regressed=False,
                keywords=_keywords(
                    text(columns[c][sample])
                    for c in (
                        "exception_type",
                        "message",
                        "top_frame_file",
                        "top_frame_function",
                        "sample_trace",
                    )
                ),
            )
        )
    return groups


def groups_to_frame(groups: list[GroupStats]) -> pd.DataFrame:
    """The ``error_groups`` table: one row per fingerprint, tuples as JSON for Parquet."""
    rows = []
    for g in groups:
        rows.append(
            {
                "fingerprint": g.fingerprint,
                "count": g.count,
                "count_baseline": g.count_baseline,
                "first_seen": g.first_seen,
                "last_seen": g.last_seen,
                "job_types": json.dumps(list(g.job_types)),
                "branches": json.dumps(list(g.branches)),
                "sample_trace": g.sample_trace,
                "exception_type": g.exception_type,
                "message": g.message,
                "test_ids": json.dumps(list(g.test_ids)),
                "sample_run_ids": json.dumps(list(g.sample_run_ids)),
                "top_frame_file": g.top_frame_file,
                "top_frame_function": g.top_frame_function,
                "daily_counts": json.dumps(list(g.daily_counts)),
                "flaky": g.flaky,
                "redactions": json.dumps(dict(g.redactions)),
                "new_this_week": g.first_seen_ever_in_window,
                "regressed": g.regressed,
                "keywords": json.dumps(list(g.keywords)),
                "flaky_count": g.flaky_count,
                "message_variants": json.dumps([list(v) for v in g.message_variants]),
                "grouping_rule": g.grouping_rule,
            }
        )
    return pd.DataFrame(rows, columns=GROUP_COLUMNS)


GROUP_COLUMNS: tuple[str, ...] = (
    "fingerprint", "count", "count_baseline", "first_seen", "last_seen", "job_types", "branches",
    "sample_trace", "exception_type", "message", "test_ids", "sample_run_ids", "top_frame_file",
    "top_frame_function", "daily_counts", "flaky", "redactions", "new_this_week", "regressed",
    "keywords", "flaky_count", "message_variants", "grouping_rule",
)  # fmt: skip


def records(frame: pd.DataFrame, optional: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The rows of ``frame`` as ``to_dict("records")`` gives them, built from whole columns
    (``to_dict`` boxes cell by cell, several times slower on Arrow-backed strings). A column
    named in ``optional`` and absent from the frame reads as ``None`` in every row."""
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names) or any(not isinstance(c, str) for c in frame.columns):
        rows = frame.to_dict("records")  # duplicate or non-text labels: pandas decides
        return [{**row, **{c: None for c in optional if c not in row}} for row in rows]
    extra = [c for c in optional if c not in frame.columns]
    cells = [_native(frame[c]) for c in names] + [[None] * len(frame)] * len(extra)
    keys = names + extra
    return [dict(zip(keys, row, strict=True)) for row in zip(*cells, strict=True)]


def _native(column: pd.Series) -> list[Any]:
    """A column's cells as ``to_dict`` gives them: object and extension columns have each cell
    made a Python value (``NA`` becomes ``None``), except a string column with NaN for missing
    (what Parquet reads back), whose cells are ``str`` or NaN already."""
    cells = column.tolist()
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.na_value is not pd.NA:
        return cells
    if is_object_dtype(dtype) or isinstance(dtype, ExtensionDtype):
        return [maybe_box_native(v) for v in cells]
    return cells


_OPTIONAL_GROUP_COLUMNS = ("flaky_count", "message_variants", "grouping_rule")
"""Columns of tables written before they existed: read as missing."""


# The JSON cells of a groups table, decoded once per distinct text: the rollup and the report
# read the same table, most cells (``[]``, a job type, a week of counts) repeat across groups,
# and the decoded values are immutable.


@lru_cache(maxsize=8192)
def _json_tuple(cell: str) -> tuple[Any, ...]:
    return tuple(json.loads(cell))


@lru_cache(maxsize=4096)
def _json_items(cell: str) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(json.loads(cell).items()))


@lru_cache(maxsize=4096)
def _variant_pairs(cell: str) -> tuple[tuple[str, int], ...]:
    return tuple((str(m), int(n)) for m, n in json.loads(cell))


def groups_from_frame(frame: pd.DataFrame) -> list[GroupStats]:
    out = []
    for row in records(frame, _OPTIONAL_GROUP_COLUMNS):
        out.append(
            GroupStats(
                fingerprint=row["fingerprint"],
                count=int(row["count"]),
                count_baseline=int(row["count_baseline"]),
                first_seen=pd.Timestamp(row["first_seen"]).to_pydatetime(),
                last_seen=pd.Timestamp(row["last_seen"]).to_pydatetime(),
                job_types=_json_tuple(row["job_types"]),
                branches=_json_tuple(row["branches"]),
                sample_trace=text(row["sample_trace"]) or "",
                exception_type=text(row["exception_type"]),
                message=text(row["message"]) or "",
                test_ids=_json_tuple(row["test_ids"]),
                sample_run_ids=_json_tuple(row["sample_run_ids"]),
                top_frame_file=text(row["top_frame_file"]),
                top_frame_function=text(row["top_frame_function"]),
                daily_counts=_json_tuple(row["daily_counts"]),
                flaky=bool(row["flaky"]),
                redactions=_json_items(row["redactions"]),
                first_seen_ever_in_window=bool(row["new_this_week"]),
                regressed=bool(row["regressed"]),
                keywords=_json_tuple(row["keywords"]),
                flaky_count=int(row.get("flaky_count") or 0),
                message_variants=_variant_pairs(text(row.get("message_variants")) or "[]"),
                grouping_rule=text(row.get("grouping_rule")),
            )
        )
    return out
