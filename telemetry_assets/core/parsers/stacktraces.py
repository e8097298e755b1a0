"""Stack-trace extraction shared by every parser (PLACEHOLDER: being written)."""

from __future__ import annotations

from dataclasses import dataclass

from telemetry_assets.core.models import Frame


@dataclass(frozen=True, slots=True)
class TraceInfo:
    exception_type: str | None
    message: str
    frames: tuple[Frame, ...]
    language: str | None
    chained: tuple[tuple[str | None, str], ...] = ()


def parse_trace(text: str, language_hint: str | None = None) -> TraceInfo:
    first = text.strip().splitlines()[0] if text.strip() else ""
    exc, _, msg = first.partition(": ")
    return TraceInfo(exc or None, msg or first, (), None)
