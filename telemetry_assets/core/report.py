"""The JSON report (``error-aggregates-D.json``) as a pydantic model: the public output contract.

Fields the contract names are required and keep their names; everything else is an optional
extension, so readers written against the contract keep working.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Window(_Model):
    start: date
    end: date


class SeverityParts(_Model):
    volume: float
    main: float
    visual_smoke: float
    rising: float
    raw: float


class MessageVariant(_Model):
    message: str
    count: int


class ReportGroup(_Model):
    fingerprint: str
    sample_trace: str
    count: int
    first_seen: datetime
    last_seen: datetime
    job_types: list[str]
    severity: float
    suggested_owner: str
    notes: str
    # Extensions beyond the contract's minimum.
    rank: int | None = None
    count_baseline: int = 0
    daily_counts: list[int] = Field(default_factory=list)
    trend: str = ""
    severity_parts: SeverityParts | None = None
    owner_source: str | None = None
    suggested_team: str | None = None
    exception_type: str | None = None
    test_ids: list[str] = Field(default_factory=list)
    sample_run_ids: list[str] = Field(default_factory=list)
    branches: list[str] = Field(default_factory=list)
    new_this_week: bool = False
    regressed: bool = False
    rising: bool = False
    likely_flaky: bool = False
    """The same test failed and passed in the window (another run, or a retry)."""
    similar_to: list[str] = Field(default_factory=list)
    fingerprint_strategy: str | None = None
    flaky_count: int = 0
    """Occurrences this week that failed and then passed on a retry in the same run."""
    message_variants: list[MessageVariant] = Field(default_factory=list)
    """Occurrences per parameterised message, most frequent first (not part of the hash)."""
    grouping_rule: str | None = None
    """The repository grouping rule that added a field to this group's fingerprint, if any."""


class Action(_Model):
    rank: int
    text: str
    owner: str
    reason: str
    urgency: str
    fingerprint: str | None = None


class PrivacyAudit(_Model):
    rule_matches: dict[str, int]
    total_redactions: int = 0
    artifacts_with_redactions: int = 0
    residual_pii_check: str = "passed"
    raw_logs_written: bool = False
    statement: str = ""
    withheld_artifacts: int = 0
    """Artifacts the privacy gate withheld: a residual finding after redaction, none of their
    text kept (each is listed under ``quarantined`` with ``withheld: true``)."""
    withheld_by_detector: dict[str, int] = Field(default_factory=dict)
    """Detector -> withheld artifacts with at least one finding of it."""
    reviewed_findings_allowed: int = 0
    """Findings the repository policy lists as reviewed and harmless, so not withheld."""
    reviewed_by_detector: dict[str, int] = Field(default_factory=dict)


class SkippedSummary(_Model):
    reason: str
    count: int


class QuarantinedArtifact(_Model):
    path: str
    run_id: str
    reason: str
    withheld: bool = False
    """Quarantined by the privacy gate (``reason`` starts with ``withheld: residual finding``)."""
    detectors: list[str] = Field(default_factory=list)
    """For a withheld artifact: the detectors that found something (no digests or text here)."""


class Sources(_Model):
    artifacts_root: str
    runs_collected: int
    artifacts_collected: int
    artifacts_parsed: int
    formats: dict[str, int]
    providers: dict[str, int]
    job_types: dict[str, int]
    opt_in_evidence: dict[str, int]
    skipped: list[SkippedSummary]
    runs_without_opt_in: dict[str, int] = Field(default_factory=dict)
    """Provider -> runs seen without an opt-in signal (never opened)."""
    console_copies_folded: int = 0
    """Console failures of the report week that restated a structured report of the same run
    (or only said tests failed) and were folded into it: one failure counts once per run."""


class SimilarGroups(_Model):
    a: str
    b: str
    reason: str
    score: float


class Report(_Model):
    generated_at: datetime
    report_date: date
    window: Window
    total_errors: int
    groups: list[ReportGroup]
    privacy_audit: PrivacyAudit
    # Extensions.
    baseline_window: Window | None = None
    total_groups: int = 0
    top_severity: float = 0.0
    flaky_errors: int = 0
    """Errors of the report week that failed and then passed on a retry in the same run."""
    fingerprint_version: str | None = None
    actions: list[Action] = Field(default_factory=list)
    sources: Sources | None = None
    quarantined: list[QuarantinedArtifact] = Field(default_factory=list)
    similar_groups: list[SimilarGroups] = Field(default_factory=list)
    limitations: list[str] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list)
    policy: dict[str, object] = Field(default_factory=dict)
    issue_templates: list[str] = Field(default_factory=list)
