"""Everything the report needs, assembled into the :class:`Report` model.

Inputs are the already-sanitized products of the earlier assets (groups, scored rollup, actions,
manifest summary, artifact table). Nothing here reads files or raw text.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime

import pandas as pd

from telemetry_assets.core.cells import text
from telemetry_assets.core.fingerprint.fingerprint import FINGERPRINT_VERSION
from telemetry_assets.core.grouping import records
from telemetry_assets.core.manifest import Manifest
from telemetry_assets.core.models import GroupStats
from telemetry_assets.core.privacy import (
    WithheldArtifact,
    is_withheld,
    reviewed_counts,
    withheld_artifacts,
)
from telemetry_assets.core.report import (
    Action,
    MessageVariant,
    PrivacyAudit,
    QuarantinedArtifact,
    Report,
    ReportGroup,
    SeverityParts,
    SimilarGroups,
    SkippedSummary,
    Sources,
    Window,
)
from telemetry_assets.core.rollup import similar_to
from telemetry_assets.core.triage.actions import TriagedGroup
from telemetry_assets.core.triage.owners import OwnerSuggestion
from telemetry_assets.core.triage.severity import SeverityBreakdown
from telemetry_assets.core.triage.trends import TrendFlags, sparkline
from telemetry_assets.core.window import ReportWindow

TOP_GROUPS_IN_JSON = 50
"""The JSON lists the 50 highest-ranked groups; the Parquet file has every occurrence."""

NOT_OPTED_IN_REASONS = frozenset({"not opted in", "no run.json", "unreadable run.json"})
_NONE = WithheldArtifact(path="", run_id="", detectors={}, digests=())


def triaged_from_tables(groups: Sequence[GroupStats], scored: pd.DataFrame) -> list[TriagedGroup]:
    """Rebuild the triage decisions from the stored rollup, in rank order."""
    by_fp = {g.fingerprint: g for g in groups}
    out = []
    for row in records(scored):
        g = by_fp[row["fingerprint"]]
        out.append(
            TriagedGroup(
                stats=g,
                severity=SeverityBreakdown(
                    volume=row["severity_volume"],
                    main=row["severity_main"],
                    visual_smoke=row["severity_visual_smoke"],
                    rising=row["severity_rising"],
                    raw=row["severity_raw"],
                    score=row["severity"],
                ),
                owner=OwnerSuggestion(
                    owner=_owner_handle(row),
                    source=row["owner_source"],
                    suggested_team=text(row["suggested_team"]),
                    reason=row["owner_reason"],
                ),
                flags=TrendFlags(
                    new=bool(row["new_this_week"]),
                    regressed=bool(row["regressed"]),
                    rising=bool(row["rising"]),
                    flaky=bool(row["likely_flaky"]),
                ),
            )
        )
    return out


def _owner_handle(row: Mapping[str, object]) -> str:
    if row["owner_source"] == "unknown":
        return "unknown"
    return str(row["suggested_owner"])


def build_report(
    *,
    window: ReportWindow,
    generated_at: datetime,
    triaged: Sequence[TriagedGroup],
    scored: pd.DataFrame,
    actions: pd.DataFrame,
    similar: pd.DataFrame,
    manifest: Manifest,
    artifacts: pd.DataFrame,
    total_errors: int,
    artifacts_root_label: str,
    policy: Mapping[str, object],
    issue_templates: Sequence[str] = (),
    extra_limitations: Sequence[str] = (),
    console_copies_folded: int = 0,
    withheld: Sequence[WithheldArtifact] | None = None,
) -> Report:
    """The report model. ``withheld``: :func:`withheld_artifacts` of ``artifacts``, when the
    caller has it already."""
    notes_by_fp = dict(zip(scored["fingerprint"].tolist(), scored["notes"].tolist(), strict=True))
    similar_map = similar_to(similar)
    ranked = [t for t in triaged if t.stats.count > 0]
    groups = []
    for rank, t in enumerate(ranked[:TOP_GROUPS_IN_JSON], start=1):
        g = t.stats
        groups.append(
            ReportGroup(
                fingerprint=g.fingerprint,
                sample_trace=g.sample_trace,
                count=g.count,
                first_seen=g.first_seen,
                last_seen=g.last_seen,
                job_types=list(g.job_types),
                severity=t.severity.score,
                suggested_owner=t.owner.display,
                notes=str(notes_by_fp[g.fingerprint]),
                rank=rank,
                count_baseline=g.count_baseline,
                daily_counts=list(g.daily_counts),
                trend=sparkline(g.daily_counts),
                severity_parts=SeverityParts(
                    volume=round(t.severity.volume, 3),
                    main=t.severity.main,
                    visual_smoke=t.severity.visual_smoke,
                    rising=t.severity.rising,
                    raw=round(t.severity.raw, 3),
                ),
                owner_source=t.owner.source,
                suggested_team=t.owner.suggested_team,
                exception_type=g.exception_type,
                test_ids=list(g.test_ids),
                sample_run_ids=list(g.sample_run_ids),
                branches=list(g.branches),
                new_this_week=t.flags.new,
                regressed=t.flags.regressed,
                rising=t.flags.rising,
                likely_flaky=t.flags.flaky,
                similar_to=similar_map.get(g.fingerprint, []),
                flaky_count=g.flaky_count,
                message_variants=[
                    MessageVariant(message=m, count=n) for m, n in g.message_variants
                ],
                grouping_rule=g.grouping_rule,
            )
        )
    statuses = artifacts["status"].tolist() if not artifacts.empty else []
    # Nearly always every artifact was read: the table itself, not a filtered copy of it.
    every_ok = all(s == "ok" for s in statuses)
    ok = artifacts if every_ok else artifacts[artifacts["status"] == "ok"]
    rule_matches: Counter[str] = Counter()
    redacted_artifacts = 0
    # Distinct cells only: tens of thousands of artifacts hold a few texts, ``{}`` most often.
    for value, n in Counter(ok.get("redactions", pd.Series(dtype=object)).tolist()).items():
        counts = json.loads(value) if value else {}
        for rule, matches in counts.items():
            rule_matches[rule] += matches * n
        redacted_artifacts += n if counts else 0
    held = {
        (w.path, w.run_id): w
        for w in (withheld_artifacts(artifacts) if withheld is None else withheld)
    }
    # Rows first, then records: only the few artifacts that were not read are built as dicts.
    not_ok = (
        artifacts[pd.Series([s != "ok" for s in statuses], artifacts.index)]
        if not every_ok
        else artifacts.iloc[:0]
    )
    quarantined = [
        QuarantinedArtifact(
            path=r["artifact"],
            run_id=r["run_id"],
            reason=str(r["reason"]),
            withheld=is_withheld(r["reason"]),
            detectors=sorted(held.get((r["artifact"], r["run_id"]), _NONE).detectors),
        )
        for r in records(not_ok)
    ]
    withheld_by_detector: Counter[str] = Counter(
        name for w in held.values() for name in w.detectors
    )
    reviewed = reviewed_counts(ok)
    formats: Counter[str] = Counter()
    # Distinct cells only: a few formats over tens of thousands of artifacts.
    for f, n in Counter(ok["format"].tolist() if "format" in ok.columns else ()).items():
        if f:
            formats[str(f)] += n
    runs_without_opt_in: Counter[str] = Counter(
        (s.provider or "unknown")
        for s in manifest.skipped
        if s.kind == "run" and s.reason in NOT_OPTED_IN_REASONS
    )
    sources = Sources(
        artifacts_root=artifacts_root_label,
        runs_collected=len(manifest.runs),
        artifacts_collected=len(manifest.artifacts),
        artifacts_parsed=len(ok),
        formats=dict(sorted(formats.items())),
        providers=dict(sorted(Counter(r.provider for r in manifest.runs).items())),
        job_types=dict(sorted(Counter(r.job_type for r in manifest.runs).items())),
        opt_in_evidence=dict(
            sorted(Counter(_evidence_kind(r.opt_in) for r in manifest.runs).items())
        ),
        skipped=[
            SkippedSummary(reason=k, count=v) for k, v in manifest.skipped_by_reason().items()
        ],
        runs_without_opt_in=dict(sorted(runs_without_opt_in.items())),
        console_copies_folded=console_copies_folded,
    )
    similar_models = [
        SimilarGroups(a=r["a"], b=r["b"], reason=r["reason"], score=round(float(r["score"]), 3))
        for r in records(similar)
    ]
    limitations = _limitations(manifest, quarantined, sources, total_errors, window.report_date)
    limitations.extend(extra_limitations)
    return Report(
        generated_at=generated_at,
        report_date=window.report_date,
        window=Window(start=window.start, end=window.end),
        baseline_window=Window(start=window.baseline_start, end=window.baseline_end),
        total_errors=total_errors,
        groups=groups,
        total_groups=len(ranked),
        top_severity=max((t.severity.score for t in ranked), default=0.0),
        flaky_errors=sum(t.stats.flaky_count for t in ranked),
        fingerprint_version=FINGERPRINT_VERSION,
        privacy_audit=PrivacyAudit(
            rule_matches=dict(sorted(rule_matches.items())),
            total_redactions=sum(rule_matches.values()),
            artifacts_with_redactions=redacted_artifacts,
            residual_pii_check="passed",
            raw_logs_written=False,
            statement=(
                "Raw log text was read in memory only. Every persisted value (intermediate "
                "tables, this report, the Parquet file) passed the independent residual-PII "
                "check before it was written."
                + (
                    f" {len(held)} artifact(s) still held a residual finding after "
                    "redaction and were withheld: none of their text was kept."
                    if held
                    else ""
                )
            ),
            withheld_artifacts=len(held),
            withheld_by_detector=dict(sorted(withheld_by_detector.items())),
            reviewed_findings_allowed=sum(reviewed.values()),
            reviewed_by_detector=dict(sorted(reviewed.items())),
        ),
        actions=[
            Action(
                rank=int(r["rank"]),
                text=r["text"],
                owner=r["owner"],
                reason=r["reason"],
                urgency=r["urgency"],
                fingerprint=r["fingerprint"],
            )
            for r in records(actions)
        ],
        sources=sources,
        quarantined=quarantined,
        similar_groups=similar_models,
        limitations=limitations,
        next_steps=_next_steps(sources, quarantined, window.report_date),
        policy=dict(policy),
        issue_templates=list(issue_templates),
    )


def _evidence_kind(evidence: str) -> str:
    if evidence.startswith("run.json env.TELEMETRY"):
        return "run.json env.TELEMETRY=1"
    return evidence


def _limitations(
    manifest: Manifest,
    quarantined: Sequence[QuarantinedArtifact],
    sources: Sources,
    total_errors: int,
    report_date: date,
) -> list[str]:
    out = []
    if not manifest.runs:
        out.append("No opt-in sources found for this window: nothing was collected.")
    elif total_errors == 0:
        out.append("Opted-in runs were found, but none of them holds a failure in the report week.")
    withheld = [q for q in quarantined if q.withheld]
    unreadable = len(quarantined) - len(withheld)
    if unreadable:
        out.append(f"{unreadable} artifact(s) were quarantined and not analysed (see the list).")
    if withheld:
        detectors = Counter(name for q in withheld for name in q.detectors)
        named = ", ".join(f"{k} ({v})" for k, v in sorted(detectors.items()))
        out.append(
            f"{len(withheld)} artifact(s) were withheld by the privacy gate: the independent "
            f"detector still found something after redaction ({named}). None of their text was "
            f"kept and their failures are not counted; privacy-audit-request-{report_date}.md "
            "lists them with the findings' digests."
        )
    for provider, n in sources.runs_without_opt_in.items():
        out.append(
            f"{n} run(s) from provider `{provider}` had no opt-in signal and were not opened."
        )
    opted_out = sum(1 for s in manifest.skipped if s.reason == "opted out")
    if opted_out:
        out.append(f"{opted_out} run(s) opted out explicitly and were not opened.")
    return out


def _next_steps(
    sources: Sources, quarantined: Sequence[QuarantinedArtifact], report_date: date
) -> list[str]:
    steps = []
    if sources.runs_without_opt_in:
        steps.append(
            "File the ready-made opt-in requests (issues/D/opt-in-<provider>.md) with the "
            "providers listed above."
        )
    if any(not q.withheld for q in quarantined):
        steps.append(
            "Check the quarantined artifacts' producers: a corrupt or unknown report format "
            "hides failures from this rollup."
        )
    if any(q.withheld for q in quarantined):
        steps.append(
            f"Review the withheld artifacts (privacy-audit-request-{report_date}.md): fix the "
            "redaction rule for a real secret, or list a harmless finding's digest under "
            "`privacy.reviewed_findings` in the repository policy, then re-materialize."
        )
    if "plain-log" in sources.formats and len(sources.formats) == 1:
        steps.append(
            "Emit structured reports (JUnit XML, `go test -json`, Playwright/Jest JSON): test "
            "ids make grouping and flaky detection sharper than plain logs."
        )
    steps.append(
        "Instrument jobs that fail without a report: upload the job log as an artifact so "
        "setup and infrastructure failures are counted too."
    )
    return steps
