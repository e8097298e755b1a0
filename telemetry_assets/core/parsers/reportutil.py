"""Small helpers shared by the structured test-report parsers (JUnit, Playwright, Jest, mocha, Go).

Pure functions over text and decoded JSON values: timestamp reading (ISO 8601 in any offset, naive
taken as UTC, epoch milliseconds), ANSI colour stripping, JSON loading that turns decoder errors
into :class:`~telemetry_assets.core.models.ParseError` reasons that never quote content, head-only
shape checks used by ``sniff``, the step every parser shares: turning a failure body into the
``exception_type``/``message``/``frames``/``language`` of a :class:`Failure` through
:func:`~telemetry_assets.core.parsers.stacktraces.parse_trace`, and the one rule for tests that
failed and then passed on a retry within one artifact: they are kept as ``flaky`` failures after the
others (see :func:`with_retried`).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from telemetry_assets.core.models import Failure, ParseError
from telemetry_assets.core.parsers.base import SNIFF_BYTES
from telemetry_assets.core.parsers.stacktraces import TraceInfo, parse_trace

MAX_TRACE_CHARS = 64 * 1024
"""A failure body longer than this is cut: the head holds the exception and the innermost frames;
megabytes of captured output add nothing to grouping and only cost memory and redaction time."""

_ANSI = re.compile(
    r"""
    \x1b\[ [0-9;?]* [A-Za-z]    # CSI sequences: colours (ESC[31m), cursor moves
    | \x1b\] [^\x07]* \x07      # OSC sequences (terminal titles, hyperlinks)
    """,
    re.VERBOSE,
)
"""Terminal escape sequences Jest/Playwright/mocha put in messages. Deliberately does not match
a bare ESC or text that merely looks like ``[31m`` without the ESC byte."""

_FRACTION = re.compile(r"(\.\d{6})\d+")
"""Sub-microsecond digits (Go writes nanoseconds); ``datetime`` keeps six."""


def as_object(value: object) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (reports often omit or null fields)."""
    return value if isinstance(value, dict) else {}


def as_text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def clip(text: str, limit: int = MAX_TRACE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, marking the cut so no one mistakes it for the end."""
    if len(text) <= limit:
        return text
    return text[:limit] + "\n[... truncated]"


def parse_timestamp(value: object) -> datetime | None:
    """A UTC-aware datetime from an ISO 8601 string or epoch milliseconds; ``None`` if unreadable.

    Naive ISO strings (pytest and Surefire write local time without an offset) are taken as UTC:
    the artifact carries nothing better, and a wrong guess moves an occurrence by hours, not days.
    """
    if isinstance(value, str):
        # Tested first: nearly every value is an attribute's or a JSON field's text.
        text = value.strip()
        if not text:
            return None
    elif isinstance(value, bool):
        return None
    elif isinstance(value, int | float):
        if value <= 0:
            return None
        try:
            return datetime.fromtimestamp(value / 1000.0, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    else:
        return None
    # Searched before substituting: most timestamps have no fraction past microseconds, and a
    # substitution with a template costs several times a search (one per report suite).
    if "." in text and _FRACTION.search(text) is not None:
        text = _FRACTION.sub(r"\1", text)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def earliest(values: list[datetime | None]) -> datetime | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def load_json(text: str, what: str) -> Any:
    """Decode a whole JSON document, or raise ``ParseError`` saying where and why it broke."""
    body = text.lstrip("\ufeff")
    if not body.strip():
        raise ParseError(f"{what}: empty file")
    try:
        return json.loads(body)
    except json.JSONDecodeError as err:
        # The decoder's messages name the expectation ("Expecting ',' delimiter"), never content.
        if err.pos >= len(body.rstrip()):
            raise ParseError(
                f"{what}: JSON truncated at byte {len(body.encode('utf-8'))}"
            ) from None
        raise ParseError(
            f"{what}: JSON not well-formed: {err.msg} at line {err.lineno}, column {err.colno}"
        ) from None
    except RecursionError:
        raise ParseError(f"{what}: JSON nested too deeply") from None


def head_is_whole_file(head: str) -> bool:
    """True when ``head`` cannot have been cut by the sniffer (the file is shorter than it)."""
    return len(head.encode("utf-8", errors="replace")) < SNIFF_BYTES - 4


def json_object_head(head: str) -> str | None:
    """``head`` without BOM and leading space if it opens a JSON object, else ``None``."""
    body = head.lstrip("\ufeff \t\r\n")
    return body if body.startswith("{") else None


def complete_lines(head: str) -> list[str]:
    """The lines of ``head``, dropping the last one when the sniffer may have cut it."""
    lines = head.lstrip("\ufeff").splitlines()
    if lines and not head_is_whole_file(head) and not head.endswith("\n"):
        lines = lines[:-1]
    return lines


def trace_info(text: str, language_hint: str | None) -> TraceInfo:
    """``parse_trace`` that never lets a bug in trace extraction lose the failure itself."""
    if not text.strip():
        return TraceInfo(None, "", (), language_hint)
    try:
        return parse_trace(text, language_hint)
    except Exception:  # the failure still counts; it only loses its frames
        first = text.strip().splitlines()[0]
        return TraceInfo(None, first, (), language_hint)


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def mark_flaky(failures: list[Failure], passed_ids: list[str]) -> list[Failure]:
    """Flag failures of tests that also passed within the same artifact (a retry succeeded).

    An empty id says nothing about identity (nameless JUnit testcases all share it), so a failure
    without one is never flagged because some other nameless test passed.
    """
    if not failures:
        return []  # the usual report: no set of its passed ids to build
    passed = set(passed_ids)
    return [replace(f, flaky=True) if f.test_id and f.test_id in passed else f for f in failures]


def retry_without_error(
    *,
    source_format: str,
    test_id: str,
    test_file: str | None,
    retries: int,
    occurred_at: datetime | None,
    language: str | None,
) -> Failure:
    """The flaky failure of a test whose report records that it needed retries but not why
    (mocha's ``currentRetry``, Jest's ``invocations`` without ``retryReasons``): it still shows in
    the product as the flaky test it is, grouped by its test id."""
    message = (
        f"failed, then passed on retry {retries}; the report keeps no error for the failed attempt"
    )
    return Failure(
        source_format=source_format,
        message=message,
        trace=message,
        test_id=test_id or None,
        test_file=test_file,
        kind="failure",
        language=language,
        occurred_at=occurred_at,
        flaky=True,
    )


def with_retried(
    failures: list[Failure], passed_ids: list[str], retried: list[Failure]
) -> tuple[Failure, ...]:
    """All failures of an artifact: final ones first (flaky when the same id also passed), then
    the failed attempts of tests that passed on a retry (already ``flaky``), each in report order.

    Retried tests stay in ``passed_test_ids`` as well: they did pass. Keeping the flaky ones last
    leaves the position of every final failure what it was before they were reported at all.
    """
    return (*mark_flaky(failures, passed_ids), *retried)


def dedupe(ids: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))
