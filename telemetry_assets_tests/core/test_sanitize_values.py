"""What the sanitizer hands on: the values the privacy gate scans, and passed ids redacted as one.

``stored_values`` is what the gate and the batch's digests read; ``stored_fields`` names the same
values for ``--explain``: both must list the same strings in the same order. Passed test ids are
redacted in one pass as lines of one text; each id must come out as it would alone.
"""

from __future__ import annotations

import time

from telemetry_assets.core.models import Failure, Frame
from telemetry_assets.core.redaction.redactor import Redactor
from telemetry_assets.core.sanitize import (
    SanitizedArtifact,
    _FieldRedactor,
    stored_fields,
    stored_values,
)


def _failure(**fields: object) -> Failure:
    base: dict[str, object] = {
        "source_format": "junit-xml",
        "message": "boom",
        "trace": "Traceback ...\nValueError: boom",
    }
    base.update(fields)
    return Failure(**base)  # type: ignore[arg-type]


def test_stored_values_are_stored_fields_values_in_order() -> None:
    frames = (Frame(file="app/x.py", function="f", line=3), Frame(file="lib/y.py", line=None))
    item = SanitizedArtifact(
        path="a.xml",
        run_id="r",
        failures=[
            _failure(),
            _failure(
                message="",
                trace="",
                exception_type="ValueError",
                test_id="tests/test_x.py::test_y",
                test_file="tests/test_x.py",
                frames=frames,
                chained=(("KeyError", "'k'"), (None, "context")),
            ),
            _failure(exception_type="", test_id="", test_file=None, frames=(), chained=()),
        ],
    )
    assert list(stored_values(item)) == [value for _, value in stored_fields(item)]
    assert list(stored_values(SanitizedArtifact(path="b.log", run_id="r"))) == []


def test_passed_ids_redacted_as_one_text_come_out_as_each_alone() -> None:
    redactor = Redactor()
    ids = [
        "tests/test_login.py::test_login[alice@acme-corp.com]",
        "com.acme.CartTest.totals",
        "token=ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "",
        "com.acme.CartTest.totals",
    ]
    for values in (ids, ids[1:2], [ids[1], ids[3]], [ids[0]]):
        together = _FieldRedactor(redactor, time.monotonic() + 60)
        alone = _FieldRedactor(redactor, time.monotonic() + 60)
        assert together.lines(values) == [alone.text(v) or "" for v in values]
        assert together.counts == alone.counts
