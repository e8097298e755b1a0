"""Everything the report step writes and shows for report date D, built in one call.

:func:`build_report_files` takes the sanitized tables the upstream steps produced and returns a
:class:`ReportFiles`: the files to write (JSON report, Markdown report, occurrences Parquet,
issue drafts, opt-in requests, relative to the reports folder), the report model, and what the
asset page shows about it (summary counts, the top groups as rows, daily totals with their
dates). :func:`forbidden_report_files` is the same for a date whose repository policy forbids
telemetry: a report that says why, instead of a missing one. Nothing here writes a file or
knows about Dagster: the caller scans the texts with the residual-PII detector, writes them
and turns the preview into metadata.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from telemetry_assets.core import grouping, occurrences
from telemetry_assets.core.manifest import Manifest
from telemetry_assets.core.privacy import WithheldArtifact, withheld_artifacts
from telemetry_assets.core.render.markdown import render_markdown
from telemetry_assets.core.report import PrivacyAudit, Report
from telemetry_assets.core.report import Window as ReportWindowModel
from telemetry_assets.core.report_builder import (
    NOT_OPTED_IN_REASONS,
    build_report,
    triaged_from_tables,
)
from telemetry_assets.core.triage.issue_template import render_issue, render_opt_in_request
from telemetry_assets.core.triage.policy import LoadedPolicy
from telemetry_assets.core.window import ReportWindow

ISSUE_DRAFTS_TOP = 5
"""Issue drafts are written for this many of the top groups."""
PREVIEW_GROUPS = 5
PREVIEW_ERROR_CHARS = 120
FINGERPRINT_SHORT = 19
"""``sha256-`` and 12 hex digits: how the Markdown report names a group."""


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """One top group as the asset page lists it: nothing cut without a visible mark."""

    rank: int
    fingerprint: str
    severity: float
    count: int
    owner: str
    error: str


@dataclass(slots=True)
class ReportFiles:
    report: Report
    texts: dict[str, str] = field(default_factory=dict)
    """Text files by path relative to the reports folder (JSON, Markdown, issue drafts)."""
    occurrences: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The report week's rows, written as ``occurrences-D.parquet``."""
    issue_drafts: tuple[str, ...] = ()
    withheld: list[WithheldArtifact] = field(default_factory=list)
    """The artifacts the privacy gate withheld (the report counts them; the audit request
    lists them)."""

    @property
    def report_date(self) -> str:
        return self.report.report_date.isoformat()

    @property
    def json_name(self) -> str:
        return f"error-aggregates-{self.report_date}.json"

    @property
    def markdown_name(self) -> str:
        return f"telemetry-report-{self.report_date}.md"

    @property
    def parquet_name(self) -> str:
        return f"occurrences-{self.report_date}.parquet"

    def preview(self, top: int = PREVIEW_GROUPS) -> list[PreviewRow]:
        return [
            PreviewRow(
                rank=g.rank or i,
                fingerprint=g.fingerprint[:FINGERPRINT_SHORT],
                severity=g.severity,
                count=g.count,
                owner=g.suggested_owner,
                error=error_title(g.exception_type, g.sample_trace),
            )
            for i, g in enumerate(self.report.groups[:top], start=1)
        ]

    def daily_totals(self) -> list[tuple[date, int]]:
        """Failures of the reported groups per day over D-13..D, oldest first, with dates."""
        end = self.report.report_date
        totals = [0] * 14
        for g in self.report.groups:
            for i, n in enumerate(g.daily_counts[:14]):
                totals[i] += n
        return [(end - timedelta(days=13 - i), n) for i, n in enumerate(totals)]


def error_title(
    exception_type: str | None, sample_trace: str, limit: int = PREVIEW_ERROR_CHARS
) -> str:
    """The error as a person names it: the exception line of the trace (type and first line of
    the message), else the first non-empty line. Cut with a visible ``…``, never silently."""
    # A JVM root cause is printed as ``Caused by: Type: message``: that line names the error.
    lines = [line.strip().removeprefix("Caused by: ") for line in sample_trace.splitlines()]
    lines = [line for line in lines if line]
    title = ""
    if exception_type:
        title = next((line for line in lines if line.startswith(exception_type)), exception_type)
    if not title:
        skip = ("Traceback (most recent call last)", "File ", "at ")
        title = next(
            (line for line in lines if not line.startswith(skip)), lines[0] if lines else ""
        )
    return title if len(title) <= limit else title[: limit - 1] + "…"


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text.lower()) or "unknown"


def build_report_files(
    *,
    window: ReportWindow,
    generated_at: datetime,
    groups_frame: pd.DataFrame,
    scored: pd.DataFrame,
    actions: pd.DataFrame,
    similar: pd.DataFrame,
    fingerprints: pd.DataFrame,
    manifest: Manifest,
    artifacts: pd.DataFrame,
    policy: LoadedPolicy,
    artifacts_root_label: str,
) -> ReportFiles:
    """The report for ``window.report_date`` and every file that goes with it."""
    d = window.report_date.isoformat()
    groups = grouping.groups_from_frame(groups_frame)
    triaged = triaged_from_tables(groups, scored)
    # Only the columns the report reads are filtered, not all of the occurrence table's.
    wanted = [*occurrences.PARQUET_COLUMNS, "console_copies_folded"]
    report_week = fingerprints.loc[
        fingerprints["bucket"] == "report", [c for c in wanted if c in fingerprints.columns]
    ]
    drafts: dict[str, str] = {}
    for t in [t for t in triaged if t.stats.count > 0][:ISSUE_DRAFTS_TOP]:
        drafts[f"issues/{d}/{t.stats.fingerprint}.md"] = render_issue(t, window.report_date)
    by_provider: dict[str, list[str]] = {}
    for s in manifest.skipped:
        if s.kind == "run" and s.reason in NOT_OPTED_IN_REASONS:
            by_provider.setdefault(s.provider or "unknown", []).append(s.run_id or s.path)
    collection = policy.policy.collection
    for provider, runs in sorted(by_provider.items()):
        drafts[f"issues/{d}/opt-in-{_slug(provider)}.md"] = render_opt_in_request(
            provider,
            len(runs),
            sorted(runs)[:5],
            allow_placement_opt_in=collection.allow_placement_opt_in,
        )
    withheld = withheld_artifacts(artifacts)
    report = build_report(
        window=window,
        generated_at=generated_at,
        triaged=triaged,
        scored=scored,
        actions=actions,
        similar=similar,
        manifest=manifest,
        artifacts=artifacts,
        total_errors=len(report_week),
        artifacts_root_label=artifacts_root_label,
        policy={
            "source": policy.origin,
            "allow_placement_opt_in": collection.allow_placement_opt_in,
            "automation_issues": policy.policy.automation.issues,
            "automation_pull_request": policy.policy.automation.pull_request,
        },
        issue_templates=sorted(drafts),
        console_copies_folded=occurrences.console_copies_folded(report_week),
        withheld=withheld,
    )
    files = ReportFiles(
        report=report,
        occurrences=report_week[list(occurrences.PARQUET_COLUMNS)].reset_index(drop=True),
        issue_drafts=tuple(sorted(drafts)),
        withheld=withheld,
    )
    files.texts[files.json_name] = report.model_dump_json(indent=2) + "\n"
    files.texts[files.markdown_name] = render_markdown(report)
    files.texts.update(drafts)
    return files


def forbidden_report_files(
    window: ReportWindow, generated_at: datetime, reason: str
) -> ReportFiles:
    """The run stops, and the report for D says why instead of going missing."""
    d = window.report_date.isoformat()
    report = Report(
        generated_at=generated_at,
        report_date=window.report_date,
        window=ReportWindowModel(start=window.start, end=window.end),
        total_errors=0,
        groups=[],
        privacy_audit=PrivacyAudit(rule_matches={}, statement="Nothing was read."),
        limitations=[reason],
    )
    files = ReportFiles(report=report)
    files.texts[files.json_name] = report.model_dump_json(indent=2) + "\n"
    files.texts[files.markdown_name] = (
        f"# Telemetry error report — {d}\n\n## Headline\n\n**Total sanitized errors: 0 — Groups: 0"
        f" — Top severity: 0.0**\n\n{reason}\n\n## Limitations & next steps\n\n- {reason} Change"
        " the repository policy to collect telemetry again.\n"
    )
    return files


def summary_counts(report: Report) -> Mapping[str, int | float]:
    return {
        "total_errors": report.total_errors,
        "groups": report.total_groups,
        "top_severity": report.top_severity,
        "redactions": report.privacy_audit.total_redactions,
        "quarantined": len(report.quarantined),
    }
