"""The repository's telemetry policy: whether telemetry may run, what it may collect and automate.

Contract: :func:`load_policy` returns a validated :class:`TelemetryPolicy` from a repository root
(a :class:`~pathlib.Path`; this is the one triage module that reads files) or from a mapping of
file name -> text (the offline twin). Sources, first found wins; lower ones are not read:

1. ``telemetry.policy.json`` in the repository root,
2. ``telemetry.policy.toml`` in the repository root (same keys; if both files exist the load
   fails instead of guessing which one the maintainers meant),
3. the first fenced ``json`` block in the ``## Telemetry policy`` section of ``AGENTS.md``,
4. the defaults: telemetry enabled, no automation, collection as the contract says.

A dedicated file wins over ``AGENTS.md`` because it is machine-owned and reviewable on its own.
The policy wins over defaults field by field (unset keys keep their defaults). Unknown keys and
wrong types are errors (:class:`PolicyError`, naming the source and the field), never silently
ignored: a typo in ``enabled`` must not turn telemetry back on. Example::

    {"enabled": true,
     "automation": {"issues": false, "pull_request": true},
     "collection": {"allow_placement_opt_in": true, "providers": ["github-actions"],
                    "job_types": ["unit", "visual"]},
     "privacy": {"reviewed_findings": [
         {"digest": "fd1:<hex>", "reason": "fuzz corpus id, not a secret"}]}}

``privacy.reviewed_findings`` lists residual-detector findings a maintainer looked at and found
harmless, by digest (a hash of the detector's name and the matched value, printed by
``telemetry-sanitize --explain`` and by the privacy audit request; never the value itself). A
finding with a listed digest does not withhold its artifact; it is counted as reviewed.

``grouping.rules`` adds a field to the fingerprint of the failures a rule matches, for those
failures only (every other group keeps its fingerprint), e.g. the errors of a generic
process-runner helper, which share their frames whatever command failed::

    {"grouping": {"rules": [{"name": "runner-commands", "function": "run_command",
                             "path": "*/tools/proc.py", "add": "message"}]}}

Gates (:func:`telemetry_gate`, :func:`issues_gate`, :func:`pull_request_gate`,
:func:`collection_gate`) return a :class:`Gate` with a reason the report can print verbatim.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from telemetry_assets.core.fingerprint.fingerprint import GroupingRule
from telemetry_assets.core.models import JOB_TYPES

POLICY_JSON = "telemetry.policy.json"
POLICY_TOML = "telemetry.policy.toml"
AGENTS_MD = "AGENTS.md"


class _Strict(BaseModel):
    # strict: "enabled": "no" is an error, not a truthy string; forbid: typos are errors.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Automation(_Strict):
    issues: bool = False
    pull_request: bool = False
    """Allows the local branch + commit of the report (the step before a pull request)."""


class Collection(_Strict):
    allow_placement_opt_in: bool = True
    providers: list[str] | None = None
    """``None``: every provider; a list: only these (compared case-insensitively)."""
    job_types: list[str] | None = None

    @field_validator("job_types")
    @classmethod
    def _known_job_types(cls, value: list[str] | None) -> list[str] | None:
        unknown = sorted(set(value or ()) - set(JOB_TYPES))
        if unknown:
            raise ValueError(f"unknown job type(s) {unknown}; known: {list(JOB_TYPES)}")
        return value


FINDING_DIGEST = re.compile(r"fd1:[0-9a-f]{64}")
"""A residual finding's digest as the detector writes it: ``fd1:`` and 64 lowercase hex digits."""


class ReviewedFinding(_Strict):
    digest: str
    reason: str
    """Why this is not personal data or a secret; required, so the review is on record."""

    @field_validator("digest")
    @classmethod
    def _digest_format(cls, value: str) -> str:
        if not FINDING_DIGEST.fullmatch(value):
            raise ValueError("a finding digest is 'fd1:' followed by 64 lowercase hex digits")
        return value

    @field_validator("reason")
    @classmethod
    def _reason_given(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("say why the finding is harmless (the reason is empty)")
        return value


class Privacy(_Strict):
    reviewed_findings: list[ReviewedFinding] = []

    @property
    def reviewed_digests(self) -> frozenset[str]:
        return frozenset(f.digest for f in self.reviewed_findings)


class GroupingRuleModel(_Strict):
    """One grouping rule: the failures it matches get ``add`` in their fingerprint's hash.

    ``exception_type`` (a glob on the type as printed or as its last dotted name), ``function``
    and ``path`` (globs on the frames that decide the group) must all hold; at least one is
    required. ``add`` is ``message`` (the parameterised first line) or a named field.
    """

    name: str
    add: Literal["message", "test_id", "test_file", "kind", "source_format"] = "message"
    exception_type: str | None = None
    function: str | None = None
    path: str | None = None

    @field_validator("name")
    @classmethod
    def _name_given(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][\w.-]{0,63}", value):
            raise ValueError("a rule name is 1-64 letters, digits, '.', '_' or '-'")
        return value

    @model_validator(mode="after")
    def _has_a_condition(self) -> GroupingRuleModel:
        if self.exception_type is None and self.function is None and self.path is None:
            raise ValueError(
                f"grouping rule {self.name!r} needs exception_type, function or path "
                "(a rule without one would regroup every failure)"
            )
        return self

    def to_rule(self) -> GroupingRule:
        return GroupingRule(
            name=self.name,
            add=self.add,
            exception_type=self.exception_type,
            function=self.function,
            path=self.path,
        )


class Grouping(_Strict):
    rules: list[GroupingRuleModel] = []
    """Checked in order; the first rule that matches a failure applies (like server-side
    fingerprint rules), and failures no rule matches keep their default fingerprint."""

    @field_validator("rules")
    @classmethod
    def _unique_names(cls, value: list[GroupingRuleModel]) -> list[GroupingRuleModel]:
        names = [r.name for r in value]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"grouping rule names must be unique: {duplicates}")
        return value

    def fingerprint_rules(self) -> tuple[GroupingRule, ...]:
        return tuple(r.to_rule() for r in self.rules)


class TelemetryPolicy(_Strict):
    enabled: bool = True
    """``false`` forbids telemetry outright: the run stops and the report says why."""
    automation: Automation = Automation()
    collection: Collection = Collection()
    privacy: Privacy = Privacy()
    grouping: Grouping = Grouping()


class PolicyError(ValueError):
    """The policy exists but cannot be used; the message names the source and the field."""


class TelemetryForbidden(RuntimeError):
    """The repository's policy forbids telemetry; the message is the reason to report."""


@dataclass(frozen=True, slots=True)
class LoadedPolicy:
    policy: TelemetryPolicy
    origin: str
    """``telemetry.policy.json``, ``telemetry.policy.toml``, ``AGENTS.md#telemetry-policy``
    or ``defaults``."""


@dataclass(frozen=True, slots=True)
class Gate:
    allowed: bool
    reason: str


_AGENTS_SECTION = re.compile(
    r"""
    ^\#\#[ \t]+telemetry[ \t]+policy[ \t]*\#*[ \t]*$   # the level-2 heading, any case
    (?P<body>.*?)                                      # everything up to ...
    (?=^\#{1,2}[ \t]|\Z)                               # ... the next level-1/2 heading or EOF
    """,
    re.VERBOSE | re.IGNORECASE | re.MULTILINE | re.DOTALL,
)
# Deliberately not matched: "### Telemetry policy" (a deeper heading). Headings inside other
# sections' code blocks are not told apart; AGENTS.md files are short and written by humans.

_JSON_FENCE = re.compile(
    r"""
    ^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*json[ \t]*$   # an opening fence tagged json
    (?P<body>.*?)
    ^[ \t]*(?P=fence)[ \t]*$                         # the same fence closing it
    """,
    re.VERBOSE | re.IGNORECASE | re.MULTILINE | re.DOTALL,
)
# Deliberately not matched: untagged fences and ```jsonc; the section must say it is JSON.


def _validate(data: Any, origin: str) -> TelemetryPolicy:
    if not isinstance(data, dict):
        raise PolicyError(f"{origin}: the policy must be an object/table at the top level")
    try:
        return TelemetryPolicy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
            for err in exc.errors()
        )
        raise PolicyError(f"{origin}: invalid telemetry policy: {problems}") from None


def parse_policy_json(text: str, origin: str = POLICY_JSON) -> TelemetryPolicy:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyError(
            f"{origin}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    return _validate(data, origin)


def parse_policy_toml(text: str, origin: str = POLICY_TOML) -> TelemetryPolicy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{origin}: not valid TOML ({exc})") from None
    return _validate(data, origin)


def parse_agents_md(text: str) -> TelemetryPolicy | None:
    """The policy in ``AGENTS.md``'s ``## Telemetry policy`` section, or ``None`` if absent."""
    origin = f"{AGENTS_MD}#telemetry-policy"
    section = _AGENTS_SECTION.search(text)
    if section is None:
        return None
    fence = _JSON_FENCE.search(section.group("body"))
    if fence is None:
        raise PolicyError(f"{origin}: the section has no ```json fenced block")
    return parse_policy_json(fence.group("body"), origin)


def _read_sources(source: Path | Mapping[str, str]) -> Mapping[str, str]:
    if not isinstance(source, Path):
        return source
    texts: dict[str, str] = {}
    for name in (POLICY_JSON, POLICY_TOML, AGENTS_MD):
        candidate = source / name
        if candidate.is_file():
            texts[name] = candidate.read_text(encoding="utf-8")
    return texts


def read_policy(source: Path | Mapping[str, str]) -> LoadedPolicy:
    """Load the policy and say where it came from (see the module docstring for precedence)."""
    texts = _read_sources(source)
    if POLICY_JSON in texts and POLICY_TOML in texts:
        raise PolicyError(
            f"both {POLICY_JSON} and {POLICY_TOML} exist in the repository root; keep one"
        )
    if POLICY_JSON in texts:
        return LoadedPolicy(parse_policy_json(texts[POLICY_JSON]), POLICY_JSON)
    if POLICY_TOML in texts:
        return LoadedPolicy(parse_policy_toml(texts[POLICY_TOML]), POLICY_TOML)
    if AGENTS_MD in texts:
        found = parse_agents_md(texts[AGENTS_MD])
        if found is not None:
            return LoadedPolicy(found, f"{AGENTS_MD}#telemetry-policy")
    return LoadedPolicy(TelemetryPolicy(), "defaults")


def load_policy(source: Path | Mapping[str, str]) -> TelemetryPolicy:
    """A repository root, or ``{file name: text}`` for the same files; defaults when none."""
    return read_policy(source).policy


# --- gates ---------------------------------------------------------------------------------


def telemetry_gate(policy: TelemetryPolicy, origin: str = "the repository policy") -> Gate:
    if policy.enabled:
        return Gate(True, f"telemetry enabled by {origin}")
    return Gate(False, f"telemetry is forbidden by {origin} (enabled: false); nothing collected")


def ensure_telemetry_allowed(loaded: LoadedPolicy) -> None:
    """Raise :class:`TelemetryForbidden` with the reason when the policy disables telemetry."""
    gate = telemetry_gate(loaded.policy, loaded.origin)
    if not gate.allowed:
        raise TelemetryForbidden(gate.reason)


def issues_gate(policy: TelemetryPolicy) -> Gate:
    if not policy.enabled:
        return Gate(False, "telemetry is forbidden, so no issues are opened")
    if policy.automation.issues:
        return Gate(True, "automation.issues is true")
    return Gate(False, "automation.issues is false (default): issue drafts are for humans to file")


def pull_request_gate(policy: TelemetryPolicy) -> Gate:
    """Gates the local branch + commit of report artifacts (never a push)."""
    if not policy.enabled:
        return Gate(False, "telemetry is forbidden, so nothing is committed")
    if policy.automation.pull_request:
        return Gate(True, "automation.pull_request is true")
    return Gate(False, "automation.pull_request is false (default): no branch or commit made")


def collection_gate(
    policy: TelemetryPolicy, provider: str | None, job_type: str | None, *, by_placement: bool
) -> Gate:
    """May a run that opted in (``by_placement``: only via ``telemetry-optin/``) be collected?"""
    if not policy.enabled:
        return Gate(False, "telemetry is forbidden by policy")
    rules = policy.collection
    if by_placement and not rules.allow_placement_opt_in:
        return Gate(False, "collection.allow_placement_opt_in is false: run.json must opt in")
    if rules.providers is not None:
        allowed = {p.lower() for p in rules.providers}
        if (provider or "").lower() not in allowed:
            return Gate(False, f"provider {provider!r} is not in collection.providers")
    if rules.job_types is not None and job_type not in rules.job_types:
        return Gate(False, f"job type {job_type!r} is not in collection.job_types")
    return Gate(True, "allowed by collection policy")
