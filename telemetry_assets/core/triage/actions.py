"""The top recommended human actions: what to do about the worst groups, by whom, and how soon.

Contract: :func:`recommend_actions` takes :class:`TriagedGroup` values (a group's
:class:`~telemetry_assets.core.models.GroupStats` with its
:class:`~telemetry_assets.core.triage.severity.SeverityBreakdown` and
:class:`~telemetry_assets.core.triage.owners.OwnerSuggestion`; :func:`triage_group` builds one)
and returns at most ``limit`` (5) :class:`Action` values, rendered as
``action (owner) - reason - urgency``. Pure and deterministic.

Each group is matched against :data:`ACTION_RULES` in order; its first matching rule is its
primary action. Groups are visited by severity (then count, then fingerprint); every group's
primary action is taken before any group's second one, so five bad groups get five actions
rather than the worst group getting all of them. The result is ordered by urgency, then
severity. Urgency starts from the severity band (>= 7 ``now``, >= 4 ``this week``, else
``next sprint``) and moves one step sooner for a security review or a regression on a release
channel. Texts are single lines built from already-sanitized fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from telemetry_assets.core.models import GroupStats
from telemetry_assets.core.triage.owners import OwnerSuggestion, RepoFacts, resolve_owner, wordset
from telemetry_assets.core.triage.severity import (
    SeverityBreakdown,
    on_release_channel,
    severity,
    severity_band,
)
from telemetry_assets.core.triage.trends import TrendFlags, trend_flags, trend_text

Urgency = Literal["now", "this week", "next sprint"]
URGENCIES: tuple[Urgency, ...] = ("now", "this week", "next sprint")

DEFAULT_LIMIT = 5
REPEAT_RUNS = 20
"""Repeat count suggested for stress and flakiness runs: enough to see a 5 % failure rate."""
MESSAGE_CHARS = 80


@dataclass(frozen=True, slots=True)
class TriagedGroup:
    """Everything triage decided about one group; the input of actions and issue drafts."""

    stats: GroupStats
    severity: SeverityBreakdown
    owner: OwnerSuggestion
    flags: TrendFlags = field(default=TrendFlags(False, False, False, False))

    @property
    def fingerprint(self) -> str:
        return self.stats.fingerprint


def triage_group(
    g: GroupStats,
    facts: RepoFacts,
    module_map: Mapping[str, str] = MappingProxyType({}),
    flaky_ids: Iterable[str] = (),
) -> TriagedGroup:
    """Score, find an owner and flag trends for one group."""
    return TriagedGroup(
        stats=g,
        severity=severity(g),
        owner=resolve_owner(g, facts, module_map),
        flags=trend_flags(g, flaky_ids),
    )


@dataclass(frozen=True, slots=True)
class Action:
    text: str
    owner: str
    reason: str
    urgency: Urgency
    fingerprint: str
    rule: str = ""
    """Which :data:`ACTION_RULES` entry produced it (public: tests and the report use it)."""

    def render(self) -> str:
        return f"{self.text} ({self.owner}) - {self.reason} - {self.urgency}"


# --- what a group's text says --------------------------------------------------------------

SECURITY_WORDS: frozenset[str] = wordset(
    "crypto cryptography cipher encrypt decrypt encryption decryption hmac signature x509"
    " auth authn authz authenticate authentication authorize authorization oauth oidc saml"
    " sso jwt jws jwk token tokens secret secrets credential credentials password passwords"
    " passwd tls ssl certificate session sessions csrf keystore keychain login"
)

_PLACEHOLDER = re.compile(r"<[A-Z]+>")
# Redaction placeholders (<TOKEN>, <SECRET>, <KEY>) say a value was removed, not that the code
# handles secrets; they are blanked before looking for security words.

_WORDS = re.compile(
    r"""
    [A-Z]+(?=[A-Z][a-z])   # acronym before a word: "JWTVerifier" -> "JWT"
    | [A-Z]?[a-z]+         # "Session", "token"
    | [A-Z]+               # trailing acronym: "verifyJWT" -> "JWT"
    | \d+
    """,
    re.VERBOSE,
)
# Deliberately not matched: separators; "tokenizer" stays one word and is not "token".

_MISSING_VALUE = re.compile(
    r"""
    (?P<null>
        NullPointerException | NullReferenceException
      | \bof\ (?:undefined|null)\b               # JS: Cannot read properties of undefined
      | \b(?:undefined|null)\ is\ not\ an?\ \w+  # JS (Safari): undefined is not an object
      | \bNoneType\b                             # Python: 'NoneType' object has no attribute
      | nil\ pointer\ dereference                # Go
      | on\ a\ `?None`?\ value                    # Rust: Option::unwrap() on a None value
    )
    | (?P<key>
        \bKeyError\b | NoSuchElementException | \bkey\ not\ found\b
    )
    | (?P<index>
        \bIndexError\b | IndexOutOfBounds\w* | ArrayIndexOutOfBounds\w*
      | \bindex\ out\ of\ (?:range|bounds)\b | \bRangeError\b
    )
    """,
    re.VERBOSE,
)
# Deliberately not matched: plain TypeError/ValueError without a null/undefined/key/index cue;
# those are logic bugs where a guard would only hide the symptom.

_MISSING_WHAT = {"null": "null/undefined value", "key": "missing key", "index": "index range"}


def _words(*texts: str | None) -> set[str]:
    found: set[str] = set()
    for text in texts:
        if text:
            found.update(w.lower() for w in _WORDS.findall(_PLACEHOLDER.sub(" ", text)))
    return found


def security_words(g: GroupStats) -> list[str]:
    """Security-sensitive words in the group's keywords, message, frames and file, sorted."""
    words = _words(
        g.exception_type, g.message, g.top_frame_file, g.top_frame_function, g.sample_trace
    )
    words.update(k.lower() for k in g.keywords)
    return sorted(words & SECURITY_WORDS)


def missing_value_kind(g: GroupStats) -> str | None:
    """``null/undefined value``, ``missing key``, ``index range`` or ``None``."""
    text = " ".join(t for t in (g.exception_type, g.message, g.sample_trace) if t)
    match = _MISSING_VALUE.search(text)
    if match is None or match.lastgroup is None:
        return None
    return _MISSING_WHAT[match.lastgroup]


def _one_line(text: str, limit: int = MESSAGE_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _where(g: GroupStats) -> str:
    if g.top_frame_function and g.top_frame_file:
        return f"{g.top_frame_function} ({g.top_frame_file})"
    return g.top_frame_file or g.top_frame_function or "the failing code"


def _what(g: GroupStats) -> str:
    return g.exception_type or "failure"


def _facts(t: TriagedGroup) -> str:
    g = t.stats
    parts = [f"severity {t.severity.score:.1f}", trend_text(g)]
    parts.extend(t.flags.labels())
    release = sorted(b for b in g.branches if on_release_channel([b]))
    if release:
        parts.append(f"on {', '.join(release[:2])}")
    return "; ".join(parts)


def _sooner(urgency: Urgency) -> Urgency:
    return URGENCIES[max(URGENCIES.index(urgency) - 1, 0)]


def _base_urgency(t: TriagedGroup) -> Urgency:
    band = severity_band(t.severity.score)
    urgency: Urgency = (
        "now" if band == "high" else "this week" if band == "medium" else "next sprint"
    )
    if t.flags.regressed and on_release_channel(t.stats.branches):
        urgency = _sooner(urgency)
    return urgency


# --- the rules -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActionRule:
    name: str
    applies: Callable[[TriagedGroup], bool]
    build: Callable[[TriagedGroup], tuple[str, str, Urgency]]
    """Returns ``(text, reason, urgency)``; owner and fingerprint are filled in by the caller."""


def _security(t: TriagedGroup) -> tuple[str, str, Urgency]:
    words = ", ".join(security_words(t.stats))
    return (
        f"Request a security review of {_what(t.stats)} in {_where(t.stats)}",
        f"requires security review: touches {words}; {_facts(t)}",
        _sooner(_base_urgency(t)),
    )


def _quarantine(t: TriagedGroup) -> tuple[str, str, Urgency]:
    tests = ", ".join(t.stats.test_ids[:2]) or "the failing test"
    return (
        f"Quarantine {tests} and repeat-run it {REPEAT_RUNS}x to confirm flakiness"
        " instead of bug-fixing",
        f"likely flaky (passes and fails in the window); {_facts(t)}",
        _base_urgency(t),
    )


def _stress(t: TriagedGroup) -> tuple[str, str, Urgency]:
    jobs = "/".join(j for j in ("smoke", "visual") if j in t.stats.job_types)
    return (
        f"Repeat-run the {jobs} job {REPEAT_RUNS}x under stress (parallel workers, slowed CPU)"
        f" to reproduce {_what(t.stats)}",
        f"{jobs} failures are often timing-dependent; {_facts(t)}",
        _base_urgency(t),
    )


def _guard(t: TriagedGroup) -> tuple[str, str, Urgency]:
    kind = missing_value_kind(t.stats) or "unexpected input"
    return (
        f"Add a guard/validation for the {kind} in {_where(t.stats)}",
        f"{_what(t.stats)}: {_one_line(t.stats.message)}; {_facts(t)}",
        _base_urgency(t),
    )


def _issue(t: TriagedGroup) -> tuple[str, str, Urgency]:
    who = (
        "assign it to the owner"
        if t.owner.source != "unknown"
        else "find an owner" + (f" in {t.owner.suggested_team}" if t.owner.suggested_team else "")
    )
    message = _one_line(t.stats.message)
    return (
        f"Open an issue with repro steps for {_what(t.stats)}"
        + (f" ({message})" if message else "")
        + f" and {who}",
        _facts(t),
        _base_urgency(t),
    )


def _is_smoke_or_visual(t: TriagedGroup) -> bool:
    return bool({"smoke", "visual"} & set(t.stats.job_types))


# Order is priority for a group's primary action: a security exposure outranks everything; a
# flaky group must not be "fixed" with a guard, so quarantine comes before guard; stress runs
# come before guards because a smoke/visual failure rarely has a simple missing-value cause;
# opening an issue always applies and is the fallback.
ACTION_RULES: tuple[ActionRule, ...] = (
    ActionRule("security_review", lambda t: bool(security_words(t.stats)), _security),
    ActionRule("quarantine_flaky", lambda t: t.flags.flaky, _quarantine),
    ActionRule(
        "stress_repeat_run", lambda t: _is_smoke_or_visual(t) and not t.flags.flaky, _stress
    ),
    ActionRule(
        "add_guard",
        lambda t: not t.flags.flaky and missing_value_kind(t.stats) is not None,
        _guard,
    ),
    ActionRule("open_issue", lambda t: True, _issue),
)


def actions_for(t: TriagedGroup) -> list[Action]:
    """Every action that applies to one group, in :data:`ACTION_RULES` order."""
    out: list[Action] = []
    for rule in ACTION_RULES:
        if rule.applies(t):
            text, reason, urgency = rule.build(t)
            out.append(
                Action(
                    text=text,
                    owner=t.owner.display,
                    reason=reason,
                    urgency=urgency,
                    fingerprint=t.fingerprint,
                    rule=rule.name,
                )
            )
    return out


def recommend_actions(groups: Sequence[TriagedGroup], limit: int = DEFAULT_LIMIT) -> list[Action]:
    """At most ``limit`` actions: primaries of the worst groups first, by urgency then severity."""
    ranked = sorted(
        (t for t in groups if t.stats.count > 0),
        key=lambda t: (-t.severity.score, -t.stats.count, t.fingerprint),
    )
    per_group = [actions_for(t) for t in ranked[: limit * 4]]
    chosen: list[tuple[int, Action]] = []
    depth = 0
    while len(chosen) < limit and any(depth < len(a) for a in per_group):
        for rank, candidates in enumerate(per_group):
            if depth < len(candidates) and len(chosen) < limit:
                chosen.append((rank, candidates[depth]))
        depth += 1
    chosen.sort(key=lambda ra: (URGENCIES.index(ra[1].urgency), ra[0]))
    return [action for _rank, action in chosen]
