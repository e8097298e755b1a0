"""The parser contract: every artifact format is one module with ``sniff`` and ``parse``.

A parser decides from content (the decoded head of the file, plus its name as a hint only)
whether it can read an artifact, then turns the whole text into :class:`ParseResult`. Parsers
see raw text in memory; they must not log, print or put raw content into exception messages
(raise :class:`~telemetry_assets.core.models.ParseError` with a description instead).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from telemetry_assets.core.models import ParseResult

SNIFF_BYTES = 8192
"""How much of an artifact's head ``sniff`` sees (decoded text, possibly cut mid-line)."""


class Parser(Protocol):
    """A format reader. ``name`` is public: it is recorded in the manifest and the report."""

    @property
    def name(self) -> str: ...

    def sniff(self, head: str, path: str) -> bool:
        """True when ``head`` (the first :data:`SNIFF_BYTES`, decoded) is this format."""
        ...

    def parse(self, text: str, path: str) -> ParseResult:
        """Read the whole artifact; raise ``ParseError`` when it is not well-formed."""
        ...


SniffFn = Callable[[str, str], bool]
ParseFn = Callable[[str, str], ParseResult]
ParseLinesFn = Callable[[Iterable[str], str], ParseResult]


@dataclass(frozen=True, slots=True)
class FunctionParser:
    """Adapts a module's ``sniff``/``parse`` functions to :class:`Parser`.

    A format that can be read line by line also passes ``parse_lines_fn``: the pipeline then
    streams the artifact instead of reading it whole (a 2 GB log needs no 2 GB of memory).
    """

    name: str
    sniff_fn: SniffFn
    parse_fn: ParseFn
    parse_lines_fn: ParseLinesFn | None = None

    def sniff(self, head: str, path: str) -> bool:
        return bool(self.sniff_fn(head, path))

    def parse(self, text: str, path: str) -> ParseResult:
        return self.parse_fn(text, path)

    @property
    def streams(self) -> bool:
        return self.parse_lines_fn is not None

    def parse_lines(self, lines: Iterable[str], path: str) -> ParseResult:
        if self.parse_lines_fn is None:
            raise TypeError(f"{self.name} cannot be read line by line")
        return self.parse_lines_fn(lines, path)
