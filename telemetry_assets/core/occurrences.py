"""Sanitized failures -> occurrences: one fingerprinted row per failure inside the window.

Rows dated after the report date or before the 14-day window are dropped here whatever the
manifest decided, so no code path can let them count toward D. ``flaky`` is true only when the
test failed and then passed on a retry in the same run; ``likely_flaky`` adds "the same test id
passed somewhere in the window". The repository's grouping rules (its policy) are applied here,
where every failure is fingerprinted. ``top_frame_file`` is the innermost in-app frame as a
repository path where the frame says more than its file: a JVM class's package path
(``com/acme/billing/TokenView.java``) or a Python dotted module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import pandas as pd

from telemetry_assets.core.cells import text
from telemetry_assets.core.fingerprint.fingerprint import (
    FINGERPRINT_VERSION,
    GroupingRule,
    fingerprint,
    grouping_rule_of,
    message_variant,
)
from telemetry_assets.core.fingerprint.normalise import is_in_app, normalise_frame
from telemetry_assets.core.grouping import OCCURRENCE_COLUMNS, empty_occurrences
from telemetry_assets.core.models import Failure, Frame
from telemetry_assets.core.sanitize import chained_from_json, frames_from_json
from telemetry_assets.core.window import ReportWindow, utc_day

PARQUET_COLUMNS: tuple[str, ...] = (
    "artifact", "run_id", "provider", "job_type", "branch", "occurred_at", "fingerprint",
    "fingerprint_version", "source_format", "kind", "exception_type", "test_id", "flaky",
    "likely_flaky",
)  # fmt: skip
"""The columns of ``occurrences-D.parquet``: the contract's five plus what helps slicing."""


def passed_ids(artifacts: pd.DataFrame) -> set[str]:
    ids: set[str] = set()
    for value in artifacts.get("passed_test_ids", pd.Series(dtype=object)):
        if value:
            ids.update(json.loads(value))
    return ids


def _top_in_app(frames: tuple[Frame, ...]) -> Frame | None:
    for frame in reversed(frames):  # innermost last
        if is_in_app(frame):
            return normalise_frame(frame)
    return None


_JVM_SOURCE = (".java", ".kt", ".kts", ".scala", ".groovy")


def repository_path(frame: Frame) -> str | None:
    """Where a normalised frame's code lives, as precisely as the frame says.

    JVM frames name a bare file (``TokenView.java``) and a class (``com.acme.billing.TokenView``
    or ``...TokenView$Inner``): the package gives the directories. A Python frame with a dotted
    module and no file gives ``acme/billing/tokens.py``. Anything else keeps its file.
    """
    file = frame.file or ""
    module = frame.module or ""
    if (
        module
        and "." in module
        and (file.endswith(_JVM_SOURCE) or (not file and "/" not in module))
    ):
        package, _, cls = module.rpartition(".")
        if file.endswith(_JVM_SOURCE):
            name = file.rsplit("/", 1)[-1]
        elif cls[:1].isupper():
            name = cls.split("$", 1)[0] + ".java"
        else:
            return module.replace(".", "/") + ".py"
        if package and "/" not in file:
            return package.replace(".", "/") + "/" + name
    return file or None


def failure_of(row: dict[str, object]) -> Failure:
    return Failure(
        source_format=text(row["source_format"]) or "unknown",
        message=text(row["message"]) or "",
        trace=text(row["trace"]) or "",
        exception_type=text(row["exception_type"]),
        frames=frames_from_json(text(row["frames"]) or "[]"),
        test_id=text(row["test_id"]),
        test_file=text(row["test_file"]),
        kind=text(row["kind"]) or "failure",  # type: ignore[arg-type]
        language=text(row["language"]),
        flaky=bool(row["flaky"]),
        chained=chained_from_json(text(row["chained"]) or "[]"),
    )


def build_occurrences(
    failures: pd.DataFrame,
    window: ReportWindow,
    passed_test_ids: Iterable[str] = (),
    rules: Sequence[GroupingRule] = (),
) -> pd.DataFrame:
    """Fingerprint every failure of the window; rows sorted for reproducible output.

    ``rules`` are the repository policy's grouping rules (see :class:`GroupingRule`).
    """
    if failures.empty:
        return empty_occurrences()
    passed = set(passed_test_ids)
    rows = []
    for row in failures.to_dict("records"):
        occurred = pd.Timestamp(row["occurred_at"])
        day = utc_day(occurred.to_pydatetime())
        bucket = window.bucket(day)
        if bucket is None:
            continue
        failure = failure_of(row)
        fp = fingerprint(failure, rules)
        top = _top_in_app(failure.frames)
        rows.append(
            {
                "artifact": row["artifact"],
                "run_id": row["run_id"],
                "provider": row["provider"],
                "job_type": row["job_type"],
                "branch": row["branch"],
                "occurred_at": occurred,
                "day": day.isoformat(),
                "bucket": bucket,
                "fingerprint": fp.value,
                "fingerprint_version": FINGERPRINT_VERSION,
                "strategy": fp.strategy,
                "source_format": failure.source_format,
                "kind": failure.kind,
                "language": failure.language,
                "exception_type": failure.exception_type,
                "message": failure.message,
                "test_id": failure.test_id,
                "test_file": failure.test_file,
                "flaky": failure.flaky,
                "likely_flaky": failure.flaky
                or (failure.test_id is not None and failure.test_id in passed),
                "message_variant": message_variant(failure),
                "grouping_rule": grouping_rule_of(fp),
                "sample_trace": fp.normalised_trace,
                "top_frame_file": repository_path(top) if top else None,
                "top_frame_function": top.function if top else None,
                "redactions": text(row["redactions"]) or "{}",
            }
        )
    if not rows:
        return empty_occurrences()
    frame = pd.DataFrame(rows, columns=list(OCCURRENCE_COLUMNS))
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True).astype(
        "datetime64[us, UTC]"
    )
    frame["flaky"] = frame["flaky"].astype(bool)
    frame["likely_flaky"] = frame["likely_flaky"].astype(bool)
    return frame.sort_values(
        ["occurred_at", "artifact", "fingerprint", "test_id"], kind="mergesort", na_position="first"
    ).reset_index(drop=True)
