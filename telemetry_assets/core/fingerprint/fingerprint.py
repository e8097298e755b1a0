"""The versioned fingerprint: one sanitized Failure in, one explainable Fingerprint out.

:func:`fingerprint` tries the strategies of :data:`STRATEGIES` in order and the first that applies
decides: ``frames`` (exception type, its chain, quoted identifiers of the message, and in-app
frames), ``message`` (exception type, parameterised message, test file) or ``test`` (the test id).
Frame rule (:func:`select_frames`): walk the in-app frames innermost first; a frame in test or
harness code, or a program entry point (:data:`~.normalise.ROUTE_RULES`: ``tests/``, ``*.spec.*``,
``*_test.go``, ``conftest.py``, smoke scripts, ``FooTest``/``FooIT`` classes, Rust ``mod tests``,
``main``), ends the walk once at least one other in-app frame was collected, because the test is
the route to the bug, not the bug; when the innermost in-app frames are themselves test code (the
assertion is in the test) they are kept. The first :data:`TOP_FRAMES` of what remains are hashed,
so two bugs with the same type and top frame but different *application* callers still differ.
The hashed input is the ordered ``components`` tuple, whose first entry is always
:data:`FINGERPRINT_VERSION`, so a change of normalisation rules is a change of version and never
silently regroups history. Line and column numbers never reach the hash. :func:`explain` renders
the components and the rules behind them for humans; :func:`display_trace` gives the sanitized,
path-normalised trace shown in reports. Pure: the input must already be redacted; no I/O.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from telemetry_assets.core.fingerprint.normalise import (
    is_in_app,
    is_meaningful_message,
    library_rule_for,
    message_identifiers,
    message_rules_applied,
    normalise_exception_type,
    normalise_frame,
    normalise_message,
    normalise_path,
    route_rule_for,
)
from telemetry_assets.core.models import Failure, Fingerprint, Frame

FINGERPRINT_VERSION = "fp-2026-11-26.2"
"""Bump (to the date of the change) whenever a rule in :mod:`normalise` or here changes output.

``fp-2026-11-26.2``: test/harness/entry-point callers end the frame walk (``ROUTE_RULES``); Rust
runtime frames (``rust_begin_unwind``, ``/rustc/<redacted>/library/``) and V8 builtins
(``new Promise (<anonymous>)``) are library frames. Same-day second change, hence ``.2``."""

TOP_FRAMES = 5
"""In-app frames hashed, innermost first: enough to tell callers apart, few enough that a
refactor far up the stack does not split a group."""

PATH_TAIL_SEGMENTS = 2
"""Frame files are hashed by their last two path segments (``ui/Table.tsx``): the checkout root
of a laptop or container cannot always be recognised, and the tail is what stays the same."""

_SEPARATOR = "\x1f"


# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Strategy:
    """A named way to fingerprint; ``components`` returns ``None`` when it does not apply."""

    name: str
    components: Callable[[Failure], tuple[tuple[str, str], ...] | None]


def frame_key(frame: Frame) -> str:
    """``<module or file tail>:<function>`` of a normalised frame, the unit hashed per frame.

    The module wins when the parser gave one (JVM classes, Go packages): it is the stable name
    there, while the file is a bare ``Foo.java``.
    """
    if frame.module:
        where = frame.module
    elif frame.file:
        where = "/".join(frame.file.split("/")[-PATH_TAIL_SEGMENTS:])
    else:
        where = "?"
    return f"{where}:{frame.function or '?'}"


@dataclass(frozen=True, slots=True)
class FrameSelection:
    """What the ``frames`` strategy hashes, and where the walk up the stack stopped."""

    frames: tuple[Frame, ...]
    """Normalised frames, innermost first."""
    origin: str
    """``in_app``, or ``library`` when no frame is in-app."""
    stopped_at: Frame | None = None
    """The test/harness/entry frame that ended the walk (not hashed), if one did."""
    stopped_by: str | None = None
    """The :data:`~.normalise.ROUTE_RULES` name that matched ``stopped_at``."""


def select_frames(failure: Failure, limit: int = TOP_FRAMES) -> FrameSelection:
    """The frames to hash: in-app frames innermost first, up to the test that reached the bug.

    The walk over in-app frames ends at the first test/harness/entry-point frame
    (:func:`~.normalise.route_rule_for`) met once at least one other in-app frame was collected:
    that frame is how the bug was reached, not the bug, and one bug is reached by many tests,
    smoke scripts and jobs. When the innermost in-app frames are test code (the assertion is in
    the test itself) they are kept, since they are all there is. At most ``limit`` frames.
    Library frames count only when no frame is in-app; empty when no frame is usable.
    """
    normalised = [normalise_frame(f) for f in reversed(failure.frames) if f.file or f.function]
    in_app = [f for f in normalised if f.in_app]
    if not in_app:
        return FrameSelection(tuple(normalised[:limit]), "library")
    kept: list[Frame] = []
    app_seen = False
    for frame in in_app:
        rule = route_rule_for(frame)
        if rule is not None and app_seen:
            return FrameSelection(tuple(kept[:limit]), "in_app", frame, rule)
        app_seen = app_seen or rule is None
        kept.append(frame)
        if len(kept) == limit:
            break
    return FrameSelection(tuple(kept), "in_app")


def hashed_frames(failure: Failure, limit: int = TOP_FRAMES) -> tuple[tuple[Frame, ...], str]:
    """``(frames, origin)`` of :func:`select_frames`."""
    selection = select_frames(failure, limit)
    return selection.frames, selection.origin


def exception_chain(failure: Failure) -> str:
    """The other exception types of a chain, in the parser's order (outermost first).

    The primary type (the one the frames belong to) is hashed on its own; the chain adds the
    rest so ``KeyError`` re-raised as ``ConfigError`` differs from a bare ``ConfigError``.
    Messages of chained exceptions are not hashed: they carry the most run-specific data.
    """
    return " > ".join(normalise_exception_type(t) or "?" for t, _ in failure.chained)


def _frames_strategy(failure: Failure) -> tuple[tuple[str, str], ...] | None:
    frames, origin = hashed_frames(failure)
    if not frames:
        return None
    parts: list[tuple[str, str]] = [
        ("exception_type", normalise_exception_type(failure.exception_type)),
    ]
    if failure.chained:
        parts.append(("exception_chain", exception_chain(failure)))
    identifiers = message_identifiers(failure.message)
    if identifiers:
        # Only the quoted names, not the message: the rest of it carries run-specific data.
        parts.append(("message_identifiers", ",".join(identifiers)))
    parts.extend((f"frame[{i}]:{origin}", frame_key(f)) for i, f in enumerate(frames))
    return tuple(parts)


def _message_strategy(failure: Failure) -> tuple[tuple[str, str], ...] | None:
    message = normalise_message(failure.message)
    if not is_meaningful_message(message):
        return None
    # The test file scopes the message ("expected <NUM>, got <NUM>" is said by many tests);
    # formats without one (go test) scope it by the test id instead.
    if failure.test_file:
        scope = ("test_file", normalise_path(failure.test_file))
    else:
        scope = ("test_id", (failure.test_id or "").strip())
    return (
        ("exception_type", normalise_exception_type(failure.exception_type)),
        ("message", message),
        scope,
    )


def _test_strategy(failure: Failure) -> tuple[tuple[str, str], ...] | None:
    # Always applies: with no test id either, all such failures of one format and kind share a
    # group, which is honest ("unidentifiable failures from junit") rather than random.
    if failure.test_id:
        return (("test_id", failure.test_id.strip()),)
    return (("test_id", ""), ("source_format", failure.source_format), ("kind", failure.kind))


# Order: the most specific evidence first. Frames say where the bug is; a message says what
# happened but not where; a test id only says which test saw it (and merges every different bug
# that test ever hits), so it is the last resort.
STRATEGIES: tuple[Strategy, ...] = (
    Strategy("frames", _frames_strategy),
    Strategy("message", _message_strategy),
    Strategy("test", _test_strategy),
)


def _digest(components: tuple[tuple[str, str], ...]) -> str:
    payload = _SEPARATOR.join(f"{name}={value}" for name, value in components)
    return "sha256-" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def fingerprint(failure: Failure) -> Fingerprint:
    """The fingerprint of a sanitized failure (deterministic; no line/column in the hash)."""
    for strategy in STRATEGIES:
        parts = strategy.components(failure)
        if parts is not None:
            components = (("version", FINGERPRINT_VERSION), *parts)
            return Fingerprint(
                value=_digest(components),
                version=FINGERPRINT_VERSION,
                strategy=strategy.name,
                components=components,
                normalised_trace=display_trace(failure),
            )
    raise AssertionError("unreachable: the test strategy always applies")


# --------------------------------------------------------------------------------------------
# Explanation
# --------------------------------------------------------------------------------------------

_WHY = {
    "frames": "the failure has stack frames; the exception type and the innermost in-app frames "
    "up to the first test/harness/entry-point caller decide",
    "message": "no stack frames; exception type, parameterised message and test file (else id)",
    "test": "neither frames nor a meaningful message; only the test id is left",
}


def explain(fp: Fingerprint) -> str:
    """Which components were hashed, in order, and why this strategy was chosen."""
    lines = [
        f"fingerprint {fp.value}",
        f"version {fp.version}; strategy '{fp.strategy}': {_WHY.get(fp.strategy, '')}",
        "hashed, in order:",
    ]
    for name, value in fp.components:
        note = ""
        if name.startswith("frame[") and name.endswith(":in_app"):
            note = "  (in-app: not a library/runtime path)"
        elif name.startswith("frame[") and name.endswith(":library"):
            note = "  (library frame: used only because no frame is in-app)"
        elif name == "exception_type":
            note = "  (language-agnostic: last dotted name)"
        elif name == "message":
            note = "  (numbers, ids, times, durations, ports, temp paths replaced)"
        elif name == "message_identifiers":
            note = "  (quoted names from the message: which key/attribute was missing)"
        lines.append(f"  {name} = {value!r}{note}")
    lines.append(
        "not hashed: line and column numbers, path prefixes, chained messages, and in-app "
        "frames from the first test/harness/entry-point caller up (the route to the bug)"
    )
    return "\n".join(lines)


def explain_failure(failure: Failure) -> str:
    """:func:`explain` plus the per-frame and per-message rules that fired for ``failure``."""
    fp = fingerprint(failure)
    selection = select_frames(failure)
    lines = [explain(fp), "frames (innermost first):"]
    stopped = False
    for frame in reversed(failure.frames):
        norm = normalise_frame(frame)
        lib = library_rule_for(frame) if frame.in_app is None else None
        verdict = "in-app" if is_in_app(frame) else f"library ({lib or 'parser said so'})"
        route = route_rule_for(norm) if is_in_app(frame) else None
        if route:
            verdict += f", route ({route})"
        if not stopped and selection.stopped_at is not None and norm == selection.stopped_at:
            stopped = True
            verdict += "  <- walk stopped: the route to the bug, not hashed from here up"
        lines.append(f"  {frame_key(norm)}  {verdict}")
    fired = message_rules_applied(failure.message)
    lines.append("message rules applied: " + (", ".join(fired) if fired else "none"))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Display trace
# --------------------------------------------------------------------------------------------

# GitHub Actions line prefix ``2026-11-20T10:11:12.1234567Z ``.
DISPLAY_LINE_CHARS = 300
_LOG_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\s")

# Candidate tokens in trace text: runs without whitespace, brackets, quotes or commas that hold a
# path separator. Lines are cut to DISPLAY_LINE_CHARS first, which bounds the backtracking on a
# long separator-less word; :func:`_sub_path` keeps only tokens with a file extension.
_TOKEN = re.compile(r"""[^\s()"'\[\],]*[/\\][^\s()"'\[\],]*""")
_POSITION_SUFFIX = re.compile(r"(?::\d{1,7}){1,2}$")
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}$")
_PY_LINE = re.compile(r'(File\s"[^"]+",\s)line\s\d+')
_GO_OFFSET = re.compile(r"\s\+0x[0-9a-f]+$")
_GOROUTINE = re.compile(r"^goroutine\s\d+\s")
# ``node:internal/process/task_queues:95:5)``: line and column after an extension-less module.
# Requires both numbers, so ``host:5432`` ports are left alone.
_BARE_POSITION = re.compile(r"(?<=\w):\d+:\d+(?=\)?$)")


def _sub_path(match: re.Match[str]) -> str:
    token = match.group(0)
    if "/" not in token and "\\" not in token:
        return token
    pos = _POSITION_SUFFIX.search(token)
    path = token[: pos.start()] if pos else token
    has_extension = _EXTENSION.search(path) is not None
    if not has_extension and not (pos and pos.group(0).count(":") == 2):
        # ``http://<HOST>:8080``: a port, not a source position; leave the token alone.
        return token
    return normalise_path(path) + (":LINE" if pos else "")


@lru_cache(maxsize=65536)
def _display_line(line: str) -> str:
    # Cached: the same trace lines recur across the occurrences of one group.
    line = _LOG_PREFIX.sub("", line[:DISPLAY_LINE_CHARS].rstrip())
    if "line " in line:
        line = _PY_LINE.sub(r"\1line LINE", line)
    if "+0x" in line:
        line = _GO_OFFSET.sub("", line)
    if line.startswith("goroutine"):
        line = _GOROUTINE.sub("goroutine N ", line)
    if "/" in line or "\\" in line:
        line = _TOKEN.sub(_sub_path, line)
    return _BARE_POSITION.sub(":LINE", line) if ":" in line else line


def _frame_line(frame: Frame) -> str:
    norm = normalise_frame(frame)
    where = norm.file or norm.module or "?"
    suffix = ":LINE" if frame.line is not None else ""
    return f"  at {norm.function or '<anonymous>'} ({where}{suffix})"


def display_trace(failure: Failure, max_lines: int = 12) -> str:
    """The sanitized trace for humans: ``file.ext:LINE``, no workspace roots, at most ``max_lines``.

    Uses the trace text when there is one, else the exception line plus the frames innermost
    first. Lines beyond the limit are dropped with a ``...`` marker.
    """
    lines: list[str] = []
    truncated = False
    # Only as many lines as shown are normalised: traces can be thousands of lines long.
    for raw in failure.trace.splitlines() if failure.trace else ():
        if not raw.strip():
            continue
        shown = _display_line(raw)
        if not shown.strip():
            continue
        if len(lines) == max_lines:
            truncated = True
            break
        lines.append(shown)
    if truncated:
        lines = [*lines[: max_lines - 1], "  ..."]
    if not lines:
        head = failure.message.splitlines()[0] if failure.message else ""
        exc = failure.exception_type
        first = f"{exc}: {head}" if exc and head else (exc or head)
        lines = [first] if first else []
        lines.extend(_frame_line(f) for f in reversed(failure.frames))
        if len(lines) > max_lines:
            lines = [*lines[: max_lines - 1], "  ..."]
    return "\n".join(ln[:DISPLAY_LINE_CHARS] for ln in lines)
