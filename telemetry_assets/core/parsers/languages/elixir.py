"""Elixir: ExUnit failure reports, and ``** (Error)`` crashes from ``mix``, ``iex`` and Logger.

* ExUnit: a numbered entry ``  1) test greets the world (KVTest)`` (also ``doctest``,
  ``property``, and ``KVTest: failure on setup_all callback, all tests have been invalidated``),
  its location line (``test/kv_test.exs:5``), then either an assertion (``Assertion with ==
  failed``, ``code:``/``left:``/``right:``; type ``ExUnit.AssertionError``) or ``** (KeyError)
  key :a not found``, and a ``stacktrace:`` block. The test id is ``Module.test name``.
* A crash: ``** (MatchError) no match of right hand side value: ...`` followed by indented
  ``(app 0.1.0) lib/app/x.ex:45: App.X.fun/1`` frames; wrapped reports (``** (EXIT from
  #PID<0.41.0>) ... an exception was raised:`` / ``Application kv exited: ... ** (EXIT) an
  exception was raised:``) hold the real one indented below: the innermost ``** (Type)`` is the
  primary exception (like the JVM's root cause), the wrappers its chain, outermost first.
  ``** (Mix) Could not start application`` is a
  ``mix`` start failure.

Elixir prints the innermost frame first; frames are reversed here. Frames of Erlang/OTP and
Elixir's own applications (``(stdlib)``, ``(elixir 1.17.0)``, ``(ex_unit ...)``), of well-known
dependencies and of ``deps/`` are library frames; ``(test)``/``test/...`` frames are the test.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from telemetry_assets.core.models import FailureKind, Frame
from telemetry_assets.core.parsers.languages.base import (
    Language,
    Opening,
    TraceInfo,
    indent_of,
)

NAME = "elixir"
ASSERTION_TYPE = "ExUnit.AssertionError"

_ENTRY = re.compile(
    r"""^(?P<indent>\s*)\d+\)\ (?:
        (?P<kind>test|doctest|property|feature)\ (?P<name>.+)\ \((?P<module>[A-Z][\w.]*)\)
      | (?P<setup_module>[A-Z][\w.]*):\ failure\ on\ (?P<callback>setup_all|setup)\ callback.*
    )$""",
    re.VERBOSE,
)
_RAISED = re.compile(r"^(?P<indent>\s*)\*\*\ \((?P<type>[\w.]+)(?P<detail>[^)]*)\)\ ?(?P<msg>.*)$")
# ``(app 0.1.0) lib/x.ex:45: Mod.fun/1``, ``(stdlib) erl_eval.erl:668: :erl_eval.do_apply/6``,
# ``test/kv_test.exs:6: (test)``. Deliberately not matched: ``code:``/``left:`` lines.
_FRAME = re.compile(
    r"""^(?:\((?P<app>[\w]+)(?:\ (?P<vsn>[\w.+-]+))?\)\ )?
        (?P<file>[^\s:()]+\.(?:exs?|erl|hrl)):(?P<line>\d+):\ (?P<func>\S.*)$""",
    re.VERBOSE,
)
_LOCATION = re.compile(r"^(?P<file>[^\s:]+\.exs?):(?P<line>\d+)$")
_ASSERTION = re.compile(r"^(?:Assertion|Expected|Refute|Assertion\ with\ \S+)\b.*")

# Erlang/OTP and Elixir applications, and dependencies common enough to name: their frames are
# never the application's own code.
_LIBRARY_APPS = frozenset(
    {
        *("stdlib", "kernel", "elixir", "ex_unit", "iex", "mix", "logger", "eex", "erts"),
        *("compiler", "crypto", "ssl", "inets", "public_key", "runtime_tools", "observer"),
        *("tools", "asn1", "ssh", "mnesia", "sasl", "phoenix", "phoenix_live_view"),
        *("phoenix_pubsub", "plug", "plug_cowboy", "cowboy", "ranch", "ecto", "ecto_sql"),
        *("postgrex", "myxql", "db_connection", "telemetry", "jason", "absinthe", "oban"),
        *("tesla", "finch", "mint", "hackney", "broadway", "gen_stage"),
    }
)


def is_library_frame(app: str | None, file: str | None) -> bool:
    if app and app in _LIBRARY_APPS:
        return True
    return bool(file) and ("deps/" in file or "/lib/elixir/" in file or "/erts-" in file)  # type: ignore[operator]


class _EntryReader:
    def __init__(self, indent: int) -> None:
        self.indent = indent

    def feed(self, line: str) -> bool:
        return not line.strip() or indent_of(line) > self.indent


class _CrashReader:
    """Lines indented deeper than the ``** (`` line: nested reports and frames."""

    def __init__(self, indent: int) -> None:
        self.indent = indent

    def feed(self, line: str) -> bool:
        return bool(line.strip()) and indent_of(line) > self.indent


def open_elixir(line: str, lookback: Sequence[str]) -> Opening | None:
    stripped = line.lstrip()
    if stripped[:1].isdigit():
        entry = _ENTRY.match(line)
        return Opening(_EntryReader(len(entry["indent"]))) if entry else None
    if stripped.startswith("** ("):
        raised = _RAISED.match(line)
        if raised is None:
            return None
        back = 0
        if lookback and indent_of(line) > indent_of(lookback[-1]) and lookback[-1].strip():
            back = 1  # ``Application kv exited: ...`` above an indented ``** (EXIT)``
        return Opening(_CrashReader(indent_of(line)), lookback=back)
    return None


def _frame(text: str) -> Frame | None:
    match = _FRAME.match(text.strip())
    if match is None:
        return None
    app, file = match["app"], match["file"]
    func = match["func"].strip()
    return Frame(
        file=file,
        function=func,
        line=int(match["line"]),
        module=app,
        in_app=not is_library_frame(app, file),
    )


def _frames(lines: Sequence[str]) -> tuple[Frame, ...]:
    frames = [f for f in (_frame(x) for x in lines) if f is not None]
    return tuple(reversed(frames))


def _exceptions(lines: Sequence[str]) -> list[tuple[str, str]]:
    """Every ``** (Type) message`` of a report, outermost first."""
    found: list[tuple[str, str]] = []
    for line in lines:
        raised = _RAISED.match(line)
        if raised:
            found.append((raised["type"], raised["msg"].strip()))
    return found


def _parse_entry(lines: Sequence[str]) -> TraceInfo | None:
    entry = _ENTRY.match(lines[0])
    if entry is None:
        return None
    if entry["setup_module"]:
        module = entry["setup_module"]
        test_id = f"{module}.{entry['callback']}"
        kind: FailureKind = "error"
        name = entry["callback"]
    else:
        module, name = entry["module"], entry["name"].strip()
        test_id = f"{module}.{entry['kind']} {name}"
        kind = "failure"
    body = [x.strip() for x in lines[1:]]
    test_file: str | None = None
    message: list[str] = []
    exc_type: str | None = None
    chained: tuple[tuple[str | None, str], ...] = ()
    exceptions = _exceptions(lines[1:])
    if exceptions:
        exc_type, primary = exceptions[-1]
        message = [primary]
        chained = tuple((t, m) for t, m in exceptions[:-1])  # outermost wrapper first
        kind = "error"
    for text in body:
        location = _LOCATION.match(text)
        if location and test_file is None:
            test_file = location["file"]
            continue
        if exc_type is None and _ASSERTION.match(text):
            exc_type = ASSERTION_TYPE
            message = [text]
            continue
        if exc_type == ASSERTION_TYPE and text.startswith("code:"):
            message.append(text)
    stack_at = next((i for i, x in enumerate(body) if x == "stacktrace:"), None)
    frames = _frames(body[stack_at + 1 :]) if stack_at is not None else ()
    frames = tuple(
        Frame(f.file, name, f.line, f.column, module, f.in_app) if f.function == "(test)" else f
        for f in frames
    )
    if not frames and test_file:
        frames = (Frame(file=test_file, function=name, module=module, in_app=True),)
    return TraceInfo(
        exc_type or ASSERTION_TYPE,
        "\n".join(message).strip(),
        frames,
        NAME,
        chained=chained,
        test_id=test_id,
        kind=kind,
        test_file=test_file,
    )


def _parse_crash(lines: Sequence[str]) -> TraceInfo | None:
    exceptions = _exceptions(lines)
    if not exceptions:
        return None
    exc_type, message = exceptions[-1]
    chained = tuple((t, m) for t, m in exceptions[:-1])  # outermost wrapper first
    return TraceInfo(exc_type, message, _frames(lines), NAME, chained=chained, kind="crash")


def parse_elixir(lines: Sequence[str]) -> TraceInfo | None:
    if not lines:
        return None
    if _ENTRY.match(lines[0]):
        return _parse_entry(lines)
    return _parse_crash(lines)


LANGUAGE = Language(NAME, open_elixir, parse_elixir)
