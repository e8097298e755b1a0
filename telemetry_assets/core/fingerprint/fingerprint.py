"""The versioned fingerprint: one sanitized Failure in, one explainable Fingerprint out.

:func:`fingerprint` tries the strategies of :data:`STRATEGIES` in order and the first that applies
decides: ``frames`` (exception type, its chain and the top in-app frames; no message text),
``message`` (exception type, parameterised message, test file; only for failures without frames)
or ``test`` (the test id).
Frame rule (:func:`select_frames`): walk the in-app frames innermost first; a frame in test or
harness code, or a program entry point (:data:`~.normalise.ROUTE_RULES`: ``tests/``, ``*.spec.*``,
``*_test.go``, ``conftest.py``, smoke scripts, ``FooTest``/``FooIT`` classes, Rust ``mod tests``,
``main``), ends the walk once at least one other in-app frame was collected, because the test is
the route to the bug, not the bug; when the innermost in-app frames are themselves test code (the
assertion is in the test) they are kept. The first :data:`TOP_FRAMES` of what remains are hashed,
so two bugs with the same type and top frame but different *application* callers still differ.
When every hashed frame is an anonymous function, a test body (Jest's ``Object.<anonymous>``,
mocha's ``Context.<anonymous>``, a Playwright or Deno test callback), the frames say only "some
test in this file", so the test's name is hashed too (:func:`~.normalise.canonical_test_name`,
parametrisation removed).
The message never enters the hash when frames decide: the same bug prints other keys, ids and
values from run to run, and report formats shorten it differently; what it says is kept per group
as *variants* (:func:`message_variant`). A repository can ask for more with
:class:`GroupingRule` entries (its policy's ``grouping.rules``): the first rule matching the
failure's type, a hashed frame's function or path adds the parameterised message (or a named
field) for those failures only.
The hashed input is the ordered ``components`` tuple, whose first entry is always
:data:`FINGERPRINT_VERSION`, so a change of normalisation rules is a change of version and never
silently regroups history. Line and column numbers never reach the hash. :func:`explain` renders
the components and the rules behind them for humans; :func:`display_trace` gives the sanitized,
path-normalised trace shown in reports. Pure: the input must already be redacted; no I/O.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache

from telemetry_assets.core.fingerprint.normalise import (
    canonical_test_name,
    display_test_id,
    is_anonymous_function,
    is_in_app,
    is_meaningful_message,
    library_rule_for,
    message_rules_applied,
    normalise_exception_type,
    normalise_frame,
    normalise_message,
    normalise_path,
    route_rule_for,
)
from telemetry_assets.core.models import Failure, Fingerprint, Frame

FINGERPRINT_VERSION = "fp-2026-12-06"
"""Bump (to the date of the change) whenever a rule in :mod:`normalise` or here changes output.

``fp-2026-12-06``: the message's quoted identifiers are no longer hashed with the frames (they
vary between occurrences of one bug, and a JUnit ``message`` attribute may drop them, so the
report and the raw log of one failure hashed apart); frames made only of anonymous functions
(test bodies) add the test's name; repository grouping rules (:class:`GroupingRule`) may add
the message back for the failures they match.
``fp-2026-11-26.2``: test/harness/entry-point callers end the frame walk (``ROUTE_RULES``); Rust
runtime frames and V8 builtins are library frames."""

TOP_FRAMES = 5
"""In-app frames hashed, innermost first: enough to tell callers apart, few enough that a
refactor far up the stack does not split a group."""

PATH_TAIL_SEGMENTS = 2
"""Frame files are hashed by their last two path segments (``ui/Table.tsx``): the checkout root
of a laptop or container cannot always be recognised, and the tail is what stays the same."""

_SEPARATOR = "\x1f"


# --------------------------------------------------------------------------------------------
# Grouping rules (from the repository policy)
# --------------------------------------------------------------------------------------------

RULE_FIELDS: tuple[str, ...] = ("message", "test_id", "test_file", "kind", "source_format")
"""What a grouping rule may add to the hash. ``message`` is the parameterised first line
(:func:`message_variant`), ``test_id`` the test's name without parametrisation, ``test_file`` the
normalised path; the others are the failure's field as the parser set it."""


@dataclass(frozen=True, slots=True)
class GroupingRule:
    """Add ``add`` to the hash of the failures this rule matches; every given condition must hold.

    ``exception_type`` is a glob on the type as printed and as normalised (``*Error``,
    ``subprocess.CalledProcessError``); ``function`` and ``path`` are globs on the *hashed*
    frames (``run_command``, ``*/proc.py``; ``*`` crosses ``/``), so a rule about a helper's
    frame applies wherever that helper is among the frames that decide the group. A rule with no
    condition matches nothing (a typo must not regroup everything).
    """

    name: str
    add: str = "message"
    exception_type: str | None = None
    function: str | None = None
    path: str | None = None

    def matches(self, failure: Failure, frames: Sequence[Frame]) -> bool:
        if self.exception_type is None and self.function is None and self.path is None:
            return False
        if self.exception_type is not None:
            printed = (failure.exception_type or "").strip()
            if not (
                fnmatchcase(printed, self.exception_type)
                or fnmatchcase(normalise_exception_type(printed), self.exception_type)
            ):
                return False
        if self.function is not None and not any(
            f.function and fnmatchcase(f.function, self.function) for f in frames
        ):
            return False
        if self.path is not None:
            pattern = self.path.removeprefix("**/")
            if not any(
                where and (fnmatchcase(where, pattern) or fnmatchcase(where, "*/" + pattern))
                for f in frames
                for where in (f.file, f.module)
            ):
                return False
        return True

    def value(self, failure: Failure) -> str:
        if self.add == "message":
            return message_variant(failure)
        if self.add == "test_id":
            return canonical_test_name(failure.test_id or "")
        if self.add == "test_file":
            return normalise_path(failure.test_file) if failure.test_file else ""
        if self.add == "kind":
            return failure.kind
        return failure.source_format


def matching_rule(
    failure: Failure, rules: Sequence[GroupingRule], frames: Sequence[Frame] | None = None
) -> GroupingRule | None:
    """The first rule matching ``failure`` (on its hashed frames), ``None`` when none does."""
    if not rules:
        return None
    hashed = select_frames(failure).frames if frames is None else frames
    for rule in rules:
        if rule.matches(failure, hashed):
            return rule
    return None


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


def only_anonymous_test_bodies(frames: Sequence[Frame]) -> bool:
    """Every hashed frame is an anonymous function: the frames name a file, not a test.

    That is a test body (Jest's ``Object.<anonymous>``, mocha's ``Context.<anonymous>``, a
    Playwright or Deno test callback) whether or not the file is named like a test: a named
    application frame anywhere among the hashed ones makes this false.
    """
    return bool(frames) and all(is_anonymous_function(f.function) for f in frames)


def exception_chain(failure: Failure) -> str:
    """The other exception types of a chain, in the parser's order (outermost first).

    The primary type (the one the frames belong to) is hashed on its own; the chain adds the
    rest so ``KeyError`` re-raised as ``ConfigError`` differs from a bare ``ConfigError``.
    Messages of chained exceptions are not hashed: they carry the most run-specific data.
    """
    return " > ".join(normalise_exception_type(t) or "?" for t, _ in failure.chained)


_TYPE_PREFIX = re.compile(
    r"^(?:Uncaught\s+)?[\w$.]*(?:Error|Exception|Failure|Panic|Warning)\b:\s*"
)


@lru_cache(maxsize=65536)
def _variant_of(message: str, exception_type: str) -> str:
    first = normalise_message(message).split("\n", 1)[0].strip()
    # A JUnit ``message`` attribute repeats the type (``KeyError: 'sku'``) where a log's
    # exception line is split into type and message; the variant must read the same in both.
    if exception_type and first.startswith(exception_type + ":"):
        first = first[len(exception_type) + 1 :].strip()
    else:
        short = normalise_exception_type(exception_type)
        if short and first.startswith(short + ":"):
            first = first[len(short) + 1 :].strip()
        else:
            first = _TYPE_PREFIX.sub("", first, count=1)
    return first


def message_variant(failure: Failure) -> str:
    """The parameterised first line of the message, without a repeated exception type.

    Not hashed when frames decide; groups count their occurrences per variant so a reader sees
    that ``reading 'id'`` and ``reading 'name'`` both happen in one code path.
    """
    return _variant_of(failure.message, (failure.exception_type or "").strip())


def _frames_strategy(failure: Failure) -> tuple[tuple[str, str], ...] | None:
    frames, origin = hashed_frames(failure)
    if not frames:
        return None
    parts: list[tuple[str, str]] = [
        ("exception_type", normalise_exception_type(failure.exception_type)),
    ]
    if failure.chained:
        parts.append(("exception_chain", exception_chain(failure)))
    parts.extend((f"frame[{i}]:{origin}", frame_key(f)) for i, f in enumerate(frames))
    if origin == "in_app" and only_anonymous_test_bodies(frames):
        name = canonical_test_name(failure.test_id or "")
        if name:
            parts.append(("test_name", name))
        elif failure.test_id is None:
            # A crash outside any test whose frames name a file but no code (a Rust panic
            # printed without a backtrace, ``at /app/x.js:3:9``): two panics in one file are
            # two bugs unless they say the same thing.
            parts.append(("message_variant", message_variant(failure)))
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


def fingerprint(failure: Failure, rules: Sequence[GroupingRule] = ()) -> Fingerprint:
    """The fingerprint of a sanitized failure (deterministic; no line/column in the hash).

    ``rules`` are the repository's grouping rules; the first that matches adds its field as
    ``grouping_rule`` and ``rule:<field>`` components, and no other failure's hash changes.
    """
    for strategy in STRATEGIES:
        parts = strategy.components(failure)
        if parts is not None:
            rule = matching_rule(failure, rules)
            if rule is not None:
                added = (("grouping_rule", rule.name), (f"rule:{rule.add}", rule.value(failure)))
                parts = (*parts, *added)
            components = (("version", FINGERPRINT_VERSION), *parts)
            return Fingerprint(
                value=_digest(components),
                version=FINGERPRINT_VERSION,
                strategy=strategy.name,
                components=components,
                normalised_trace=display_trace(failure),
            )
    raise AssertionError("unreachable: the test strategy always applies")


def grouping_rule_of(fp: Fingerprint) -> str | None:
    """The name of the grouping rule that shaped ``fp``, if one did."""
    return next((v for k, v in fp.components if k == "grouping_rule"), None)


# --------------------------------------------------------------------------------------------
# Explanation
# --------------------------------------------------------------------------------------------

_WHY = {
    "frames": "the failure has stack frames; the exception type, its chain and the innermost "
    "in-app frames up to the first test/harness/entry-point caller decide (the message does not)",
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
        elif name == "test_name":
            note = "  (every hashed frame is an anonymous function; parametrisation removed)"
        elif name == "grouping_rule":
            note = "  (repository policy grouping rule: applies to matching failures only)"
        elif name.startswith("rule:"):
            note = "  (added by that rule)"
        lines.append(f"  {name} = {value!r}{note}")
    lines.append(
        "not hashed: the message (kept as a variant of the group), line and column numbers, "
        "path prefixes, chained messages, and in-app frames from the first "
        "test/harness/entry-point caller up (the route to the bug)"
        if fp.strategy == "frames"
        else "not hashed: line and column numbers, path prefixes, chained messages"
    )
    return "\n".join(lines)


def explain_failure(failure: Failure, rules: Sequence[GroupingRule] = ()) -> str:
    """:func:`explain` plus the per-frame and per-message rules that fired for ``failure``."""
    fp = fingerprint(failure, rules)
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
    lines.append(f"message variant: {message_variant(failure)!r}")
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
# A trailing ``:`` is Rust's ``panicked at src/lib.rs:5:9:``; it is kept, not part of the position.
_POSITION_SUFFIX = re.compile(r"(?::\d{1,7}){1,2}(?=:?$)")
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}$")
_PY_LINE = re.compile(r'(File\s"[^"]+",\s)line\s\d+')
_GO_OFFSET = re.compile(r"\s\+0x[0-9a-f]+$")
_GOROUTINE = re.compile(r"^goroutine\s\d+\s")
# ``node:internal/process/task_queues:95:5)``: line and column after an extension-less module.
# Requires both numbers, so ``host:5432`` ports are left alone.
_BARE_POSITION = re.compile(r"(?<=\w):\d+:\d+(?=\)?$)")
# A position after a bare source file name, no directory: Java's ``(TokenView.java:42)``, Kotlin,
# Scala, a Rust ``lib.rs:7:5``. Only source extensions, so ``api.example.com:443`` stays a port.
_BARE_SOURCE_POSITION = re.compile(
    r"""(?<![\w/\\.-])([\w$.-]+\.(?:java|kt|kts|scala|groovy|rs|go|py|pyx|js|jsx|mjs|cjs|ts|tsx
        |mts|cts|vue|svelte|rb|cs|fs|swift|c|cc|cpp|h|hpp|m|mm|php|ex|exs|erl|dart|clj|lua))
        :\d{1,7}(?::\d{1,7})?\b""",
    re.VERBOSE,
)
# Headers that say nothing about the failure; the exception line is shown first instead.
_TRACE_HEADERS = re.compile(
    r"^(?:Traceback\s\(most\srecent\scall\slast\):|Stack\s?trace:?|stack\sbacktrace:)$"
)


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
    tail = token[pos.end() :] if pos else ""
    return normalise_path(path) + (":LINE" if pos else "") + tail


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
    if ":" in line:
        line = _BARE_SOURCE_POSITION.sub(r"\1:LINE", line)
        line = _BARE_POSITION.sub(":LINE", line)
    return line


_BLANK, _HEADER, _TEXT = 0, 1, 2


@lru_cache(maxsize=65536)
def _classified_line(raw: str) -> tuple[str, int]:
    """The display form of a trace line and whether it is blank, a bare header, or text."""
    if not raw.strip():
        return "", _BLANK
    shown = _display_line(raw)
    stripped = shown.strip()
    if not stripped:
        return "", _BLANK
    return shown, _HEADER if _TRACE_HEADERS.match(stripped) else _TEXT


def _frame_line(frame: Frame) -> str:
    norm = normalise_frame(frame)
    where = norm.file or norm.module or "?"
    suffix = ":LINE" if frame.line is not None else ""
    return f"  at {norm.function or '<anonymous>'} ({where}{suffix})"


def exception_line(failure: Failure) -> str:
    """``Type: first message line`` (either part alone when the other is missing), normalised."""
    head = next((ln.strip() for ln in failure.message.splitlines() if ln.strip()), "")
    exc = (failure.exception_type or "").strip()
    if exc and head and not head.startswith(exc) and not head.startswith(exc.rsplit(".", 1)[-1]):
        first = f"{exc}: {head}"
    else:
        first = head or exc
    return _display_line(first) if first else ""


# A line that already is an exception line, whichever exception of a chain it names: Java's
# outer exception before its ``Caused by:``, ``panic: ...``, Rust's ``thread '...' panicked``.
_EXCEPTION_LINE = re.compile(
    r"""^\s*(?:Uncaught\s+)?(?:[\w$.]*(?:Error|Exception|Failure|Panic|Timeout)\b
        |panic:|thread\s'[^']*'\spanicked|Caused\sby:)""",
    re.VERBOSE,
)


def _mentions_exception(line: str, failure: Failure) -> bool:
    exc = normalise_exception_type(failure.exception_type)
    if (exc and exc in line) or _EXCEPTION_LINE.match(line):
        return True
    head = next((ln.strip() for ln in failure.message.splitlines() if ln.strip()), "")
    return bool(head) and line.strip().startswith(_display_line(head)[:40])


def display_trace(failure: Failure, max_lines: int = 12) -> str:
    """The sanitized trace for humans: ``file.ext:LINE``, no workspace roots, at most ``max_lines``.

    Every language reads the same way: the exception line first (a Python traceback's closing
    line is moved up and its ``Traceback (most recent call last):`` header dropped; a trace that
    opens with code or a log line gets the exception line put in front), then the trace text,
    else the frames innermost first. Never empty: with no trace, frames or message, the test id
    is shown. Lines beyond the limit are dropped with a ``...`` marker.
    """
    lines: list[str] = []
    truncated = False
    header = False
    # Only as many lines as shown are normalised: traces can be thousands of lines long.
    for raw in failure.trace.splitlines() if failure.trace else ():
        shown, kind = _classified_line(raw)
        if kind == _BLANK:
            continue
        if kind == _HEADER:
            header = True
            continue
        if len(lines) == max_lines + 1:
            truncated = True
            break
        lines.append(shown)
    first = exception_line(failure)
    if lines:
        closing = next(
            (i for i in range(len(lines) - 1, 0, -1) if not lines[i][:1].isspace()), None
        )
        if header and not truncated and closing is not None:
            # A Python traceback prints the exception last: show it first, once.
            lines.insert(0, lines.pop(closing))
        elif failure.exception_type and first and not _mentions_exception(lines[0], failure):
            # The trace opens with code (pytest's long format) or a log line.
            lines.insert(0, first)
    else:
        lines = [first] if first else []
        lines.extend(_frame_line(f) for f in reversed(failure.frames))
    if not lines and failure.test_id:
        lines = [display_test_id(failure.test_id.strip())]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], "  ..."]
    return "\n".join(ln[:DISPLAY_LINE_CHARS] for ln in lines)
