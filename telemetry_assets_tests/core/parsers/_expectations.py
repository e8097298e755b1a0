"""Shared by the PHP, C++, Ruby and Elixir console tests: one failure compared with a table row.

A row names only what it specifies: ``test_id``, ``test_file``, ``exception_type``, ``message``,
``kind``, ``language``, ``chained``, ``flaky``, and ``frames`` as ``(file, function, in_app)``
outermost call first (the whole stack, so a missing or extra frame is caught).
"""

from __future__ import annotations

from typing import Any

from telemetry_assets.core.models import Failure

FIELDS = ("test_id", "test_file", "exception_type", "message", "kind", "language", "chained")


def check(failure: Failure, want: dict[str, Any]) -> None:
    for key in FIELDS:
        if key in want:
            assert getattr(failure, key) == want[key], key
    if "flaky" in want:
        assert failure.flaky is want["flaky"]
    if "frames" in want:
        got = [(f.file, f.function, f.in_app) for f in failure.frames]
        assert got == want["frames"]
