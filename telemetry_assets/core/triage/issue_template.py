"""Issue drafts a human can file as they are: one per group, plus a "please opt in" request.

Contract: :func:`render_issue` turns a :class:`~telemetry_assets.core.triage.actions.TriagedGroup`
and the report date into GitHub-flavoured Markdown (title heading, severity and its breakdown,
count and trend, owner, the sanitized sample trace in a fenced block, reproduction steps,
suggested labels); :func:`render_opt_in_request` asks a provider's maintainers to opt in. Templates
are Jinja2 files in ``templates/`` (``issue.md.j2``, ``opt_in_request.md.j2``; package data).
Every value from a group is already sanitized, and is still put in code spans or fences (or
backslash-escaped): a ``<HOST>`` placeholder would otherwise vanish as an HTML tag, and an
``@name`` would notify someone the moment a human files the draft. Pure apart from loading the
templates; no network, no file writes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache

import jinja2

from telemetry_assets.core.triage.actions import (
    REPEAT_RUNS,
    TriagedGroup,
    missing_value_kind,
    security_words,
)
from telemetry_assets.core.triage.owners import suggest_team
from telemetry_assets.core.triage.severity import RAW_MAX, VOLUME_CAP, severity_band
from telemetry_assets.core.triage.trends import sparkline, trend_text

TITLE_CHARS = 100
MAX_ITEMS = 5
"""Test ids and run ids listed per issue; more are summarised as "and N more"."""

_MD_SPECIAL = re.compile(r"""([\\`*_{}\[\]<>()#+!|@~])""")
# Escapes the ASCII punctuation that can start Markdown or HTML structure, or a mention.
# Deliberately not escaped: "." "-" ":" "/" which only matter at a line start, and headings
# and list items produced here never start with untrusted text.
_BACKTICKS = re.compile(r"`+")


def md(text: object) -> str:
    """Untrusted text as inline Markdown: one line, specials backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _longest_backtick_run(text: str) -> int:
    return max((len(m) for m in _BACKTICKS.findall(text)), default=0)


def code(text: object) -> str:
    """One-line code span whose delimiter is longer than any backtick run inside."""
    flat = " ".join(str(text).split())
    ticks = "`" * (_longest_backtick_run(flat) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{ticks}{pad}{flat}{pad}{ticks}"


def codes(items: Sequence[object]) -> str:
    return ", ".join(code(i) for i in items) if items else "none recorded"


def fence(text: object, info: str = "text") -> str:
    """A fenced block that the text itself cannot close."""
    body = str(text).rstrip("\n")
    ticks = "`" * max(3, _longest_backtick_run(body) + 1)
    return f"{ticks}{info}\n{body}\n{ticks}"


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The issue drafts' template environment, one per process."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("telemetry_assets.core.triage", "templates"),
        autoescape=False,  # Markdown, not HTML: escaping is done per value by the filters
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(md=md, code=code, codes=codes, fence=fence, iso=_iso, json=json.dumps)
    return env


def _where(t: TriagedGroup) -> str:
    g = t.stats
    if g.top_frame_function and g.top_frame_file:
        return f"{g.top_frame_function} ({g.top_frame_file})"
    return g.top_frame_file or g.top_frame_function or ""


def issue_title(t: TriagedGroup) -> str:
    """``[telemetry] TypeError: Cannot read ... in render (src/ui/Table.tsx)``, one line."""
    g = t.stats
    head = g.exception_type or "Failure"
    message = " ".join(g.message.split())
    text = f"[telemetry] {head}" + (f": {message}" if message else "")
    where = _where(t)
    suffix = f" in {where}" if where else ""
    if len(suffix) > TITLE_CHARS // 2:
        suffix = ""  # a very long path says less than the message; the body has it anyway
    if len(text) + len(suffix) > TITLE_CHARS:
        text = text[: TITLE_CHARS - len(suffix) - 1].rstrip() + "…"
    return text + suffix


def suggested_labels(t: TriagedGroup) -> list[str]:
    """``telemetry``, ``severity:<band>``, kind, trend flags, ``security``, ``area:``, ``job:``."""
    g = t.stats
    labels = ["telemetry", f"severity:{severity_band(t.severity.score)}"]
    labels.append("flaky-test" if t.flags.flaky else "bug")
    if t.flags.regressed:
        labels.append("regression")
    if t.flags.new:
        labels.append("new")
    if security_words(g):
        labels.append("security")
    if not t.flags.flaky and missing_value_kind(g):
        labels.append("needs-guard")
    team = t.owner.suggested_team or suggest_team(g.top_frame_file, g.job_types, g.keywords)
    if team:
        labels.append("area:" + team.replace("/", "-"))
    labels.extend(f"job:{job}" for job in sorted(set(g.job_types)))
    return labels


def render_issue(triaged_group: TriagedGroup, report_date: date) -> str:
    """The Markdown issue draft for one group (see the module docstring)."""
    t = triaged_group
    g = t.stats
    return (
        environment()
        .get_template("issue.md.j2")
        .render(
            title=issue_title(t),
            g=g,
            sev=t.severity,
            band=severity_band(t.severity.score),
            owner=t.owner,
            flags=list(t.flags.labels()),
            flaky=t.flags.flaky,
            trend=trend_text(g),
            spark=sparkline(g.daily_counts),
            where=_where(t),
            labels=suggested_labels(t),
            report_date=report_date.isoformat(),
            window_start=(report_date - timedelta(days=6)).isoformat(),
            volume_cap=VOLUME_CAP,
            raw_max=RAW_MAX,
            repeat=REPEAT_RUNS,
            max_items=MAX_ITEMS,
        )
    )


def render_opt_in_request(
    provider: str,
    n_runs: int,
    example_run_ids: Sequence[str],
    *,
    allow_placement_opt_in: bool = True,
) -> str:
    """Ask a provider's maintainers to opt in: ``TELEMETRY=1`` in run.json, or placement."""
    examples = list(example_run_ids)
    return (
        environment()
        .get_template("opt_in_request.md.j2")
        .render(
            provider=provider,
            n_runs=n_runs,
            example_run_ids=examples,
            example=examples[0] if examples else "ci-run-1234",
            allow_placement=allow_placement_opt_in,
            max_items=MAX_ITEMS,
        )
    )
