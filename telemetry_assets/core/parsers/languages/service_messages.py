"""TeamCity service messages: how they are read, and their failures inside a plain log.

A service message is ``##teamcity[name key='value' ...]`` on a line of its own, values escaped
with ``|`` (``|n``, ``|'``, ``||``, ``|[``, ``|]``, ``|0x0085``). :func:`read_message` and
:func:`identity` are shared with the structured TeamCity parser
(:mod:`~telemetry_assets.core.parsers.teamcity`), which reads a whole stream when it starts with
service messages. This unit finds them where that parser cannot: in a CI log whose head is other
output (a ``composer install`` before ``phpunit --teamcity``). Each ``testFailed`` line is one
failure; its test id comes from the ``locationHint`` of the matching ``testStarted`` within the
scanner's look-back (else its ``name``). PHP runners' bodies (``php_qn://``/``pest_qn://`` hints)
are read as a PHPUnit report entry (:func:`php_entry_info`); other bodies give the type and message
of their first line. ``testIgnored`` and every other message are not failures.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from telemetry_assets.core.parsers.languages import php
from telemetry_assets.core.parsers.languages.base import Language, Opening, TraceInfo
from telemetry_assets.core.parsers.languages.python import split_exception_line

NAME = "teamcity"
MAX_MESSAGE_CHARS = 256 * 1024
"""A service message longer than this is cut before it is read (escaped diffs can be huge)."""
_MAX_STARTED_LOOKBACK = 24

_MESSAGE = re.compile(r"\#\#teamcity\[(?P<name>[A-Za-z]\w*)(?P<attrs>.*)\]\s*$")
# ``key='value'`` with ``|``-escapes inside. Deliberately not matched: the single-value form
# (``##teamcity[progressMessage 'x']``), which carries no test result.
_ATTR = re.compile(r"(?P<key>\w+)='(?P<value>(?:[^'|]|\|.)*)'")
_ESCAPE = re.compile(r"\|(?:0x(?P<hex>[0-9a-fA-F]{4})|(?P<ch>.))")
_ESCAPES = {"n": "\n", "r": "\r", "x": "\x85", "l": "\u2028", "p": "\u2029"}
_PHP_SCHEMES = ("php_qn://", "pest_qn://")
_FAILED = "##teamcity[testFailed "


def unescape(value: str) -> str:
    """TeamCity's ``|``-escapes undone."""

    def one(match: re.Match[str]) -> str:
        if match["hex"]:
            return chr(int(match["hex"], 16))
        ch = match["ch"]
        return _ESCAPES.get(ch, ch)

    return _ESCAPE.sub(one, value) if "|" in value else value


def read_message(line: str) -> tuple[str, dict[str, str]] | None:
    """``(name, attributes)`` of the service message on ``line``, or ``None``."""
    start = line.find("##teamcity[")
    if start < 0:
        return None
    match = _MESSAGE.match(line[start : start + MAX_MESSAGE_CHARS].rstrip("\r\n"))
    if match is None:
        return None
    attrs = {m["key"]: unescape(m["value"]) for m in _ATTR.finditer(match["attrs"])}
    return match["name"], attrs


def identity(attrs: dict[str, str], suites: Sequence[str] = ()) -> tuple[str, str | None, bool]:
    """``(test id, test file, is PHP)`` from ``locationHint``, else ``suite::name``."""
    name = attrs.get("name", "")
    hint = attrs.get("locationHint", "")
    scheme, sep, rest = hint.partition("://")
    if sep and rest:
        is_php = hint.startswith(_PHP_SCHEMES)
        file, _, member = rest.partition("::")
        if scheme == "php_qn" and member:
            return member.lstrip("\\"), file or None, True
        if member:
            return f"{file}::{member}", file or None, is_php
        return rest, None, is_php
    if suites:
        return f"{suites[-1]}::{name}", None, False
    return name, None, False


def php_entry_info(test_id: str, message: str, details: str) -> TraceInfo | None:
    """A PHP runner's ``message``/``details`` read as a PHPUnit report entry (Pest writes its
    location as ``at path:line``)."""
    if "::" not in test_id:
        return None
    detail_lines = [x[3:] if x.startswith("at ") else x for x in details.splitlines()]
    return php.parse_php([f"1) {test_id}", *message.splitlines(), "", *detail_lines])


def open_service_message(line: str, lookback: Sequence[str]) -> Opening | None:
    if not line.startswith(_FAILED):
        return None
    read = read_message(line)
    if read is None:
        return None
    name = f"##teamcity[testStarted name='{read[1].get('name', '')}'"
    for i in range(1, min(_MAX_STARTED_LOOKBACK, len(lookback)) + 1):
        if lookback[-i].startswith(name):
            return Opening(None, lookback=i)
    return Opening(None)


def parse_service_message(lines: Sequence[str]) -> TraceInfo | None:
    read = read_message(lines[-1]) if lines else None
    if read is None or read[0] != "testFailed":
        return None
    attrs = read[1]
    started = read_message(lines[0]) if len(lines) > 1 else None
    test_id, test_file, is_php = identity(started[1] if started else attrs)
    message, details = attrs.get("message", ""), attrs.get("details", "")
    if is_php:
        info = php_entry_info(test_id, message, details)
        if info is not None:
            return TraceInfo(
                info.exception_type,
                info.message,
                info.frames,
                php.NAME,
                chained=info.chained,
                test_id=test_id,
                kind=info.kind,
                test_file=test_file or info.test_file,
            )
    first, _, rest = message.strip().partition("\n")
    exc_type, text = split_exception_line(first)
    return TraceInfo(
        exc_type,
        "\n".join([text, rest]).strip(),
        (),
        php.NAME if is_php else None,
        test_id=test_id,
        kind="error" if exc_type else "failure",
        test_file=test_file,
    )


LANGUAGE = Language(NAME, open_service_message, parse_service_message)
