"""The parser contract: every artifact format is one module with ``sniff`` and ``parse``.

A parser decides from content (the decoded head of the file, plus its name as a hint only)
whether it can read an artifact, then turns the whole text into :class:`ParseResult`. Parsers
see raw text in memory; they must not log, print or put raw content into exception messages
(raise :class:`~telemetry_assets.core.models.ParseError` with a description instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from telemetry_assets.core.models import ParseResult

SNIFF_BYTES = 8192
"""How much of an artifact's head ``sniff`` sees (decoded text, possibly cut mid-line)."""


class Parser(Protocol):
    """A format reader. ``name`` is public: it is recorded in the manifest and the report."""

    name: str

    def sniff(self, head: str, path: str) -> bool:
        """True when ``head`` (the first :data:`SNIFF_BYTES` of the file, decoded) is this format."""
        ...

    def parse(self, text: str, path: str) -> ParseResult:
        """Read the whole artifact; raise ``ParseError`` when it is not well-formed."""
        ...


@dataclass(frozen=True, slots=True)
class FunctionParser:
    """Adapts a module's ``sniff``/``parse`` functions to :class:`Parser`."""

    name: str
    sniff_fn: object
    parse_fn: object

    def sniff(self, head: str, path: str) -> bool:
        return bool(self.sniff_fn(head, path))  # type: ignore[operator]

    def parse(self, text: str, path: str) -> ParseResult:
        return self.parse_fn(text, path)  # type: ignore[operator, no-any-return]
