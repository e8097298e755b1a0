"""The ordered parser registry: the first parser whose ``sniff`` says yes reads the artifact.

Order matters because formats overlap: structured formats come first (a JUnit XML file may hold
Python tracebacks that the plain-log parser would also accept), the most specific JSON shapes
before the more general ones (Playwright and Jest JSON both have ``suites``/``testResults``),
and the plain-log parser last because it accepts any text.
"""

from __future__ import annotations

from telemetry_assets.core.parsers import (
    go_test_json,
    go_test_text,
    jest_json,
    junit,
    mocha_json,
    plain_log,
    playwright_json,
    teamcity,
    trx,
)
from telemetry_assets.core.parsers.base import FunctionParser, Parser, SniffFn

PARSERS: tuple[Parser, ...] = (
    # Before JUnit, which claims any XML document: TRX and xUnit v2 are .NET's own.
    FunctionParser(trx.NAME, trx.sniff, trx.parse),
    FunctionParser(junit.NAME, junit.sniff, junit.parse),
    FunctionParser(playwright_json.NAME, playwright_json.sniff, playwright_json.parse),
    FunctionParser(jest_json.NAME, jest_json.sniff, jest_json.parse),
    FunctionParser(mocha_json.NAME, mocha_json.sniff, mocha_json.parse),
    FunctionParser(go_test_json.NAME, go_test_json.sniff, go_test_json.parse),
    FunctionParser(go_test_text.NAME, go_test_text.sniff, go_test_text.parse),
    # Before the plain log: a TeamCity stream is text whose service messages carry the structure.
    FunctionParser(teamcity.NAME, teamcity.sniff, teamcity.parse),
    # Last: accepts any text.
    FunctionParser(plain_log.NAME, plain_log.sniff, plain_log.parse, plain_log.parse_lines),
)


_SNIFFERS: tuple[tuple[Parser, SniffFn], ...] = tuple(
    (p, p.sniff_fn if isinstance(p, FunctionParser) else p.sniff) for p in PARSERS
)
"""Each parser with its sniff function itself: every artifact asks up to nine of them, and the
adapter's extra call was a measurable part of choosing a parser for a small report."""


def parser_for(head: str, path: str) -> Parser | None:
    """The first registered parser that recognises ``head``; ``None`` when none does."""
    for parser, sniff in _SNIFFERS:
        if sniff(head, path):
            return parser
    return None


def parser_named(name: str) -> Parser:
    for parser in PARSERS:
        if parser.name == name:
            return parser
    raise KeyError(f"no parser named {name!r}; known: {[p.name for p in PARSERS]}")
