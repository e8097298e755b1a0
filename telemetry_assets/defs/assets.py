"""The six assets, partitioned by report date, each guarded by a blocking residual-PII check.

Each body computes the window from the partition key, calls the pure core, and hands its
result to :func:`guarded`, which scans everything that would be persisted with the independent
detector *before* any write: a failed check yields no ``Output``, so the IO manager never runs,
no materialization is recorded and nothing downstream executes.
"""

import functools
import json
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from telemetry_assets import storage
from telemetry_assets.core import batch, grouping, occurrences, privacy, report_files, rollup
from telemetry_assets.core.clean_values import CleanValues
from telemetry_assets.core.fingerprint.memory import DerivedMemory
from telemetry_assets.core.fingerprint.similar import similar_groups
from telemetry_assets.core.manifest import (
    CollectionRules,
    Manifest,
    ParallelFacts,
    build_manifest,
    manifest_frame,
    resolve_paths,
)
from telemetry_assets.core.purge import load_purged
from telemetry_assets.core.render import compiled_templates
from telemetry_assets.core.triage.policy import TelemetryForbidden, pull_request_gate, read_policy
from telemetry_assets.core.triage.publish import (
    AutomationNotAllowed,
    PublishError,
    ReportSummary,
    create_local_branch_and_commit,
)
from telemetry_assets.defs.gc_tuning import with_fewer_collections
from telemetry_assets.defs.partitions import report_dates
from telemetry_assets.defs.resources import RepoFactsResource, TelemetrySettings

GROUP = "telemetry"
CHECK = "no_residual_pii"


def _check_spec(asset: str) -> dg.AssetCheckSpec:
    # Partitioned like its asset, so the Checks tab and its history name the report date of
    # each evaluation. Dagster 1.13 marks partitioned checks as a preview; the warning is
    # silenced here only, where the choice was made deliberately.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.AssetCheckSpec(
            CHECK,
            asset=asset,
            blocking=True,
            partitions_def=report_dates,
            description=(
                "Independent residual-PII detector (not the redactor) over every value this "
                "asset would persist, for one report date. Fails closed: on a finding nothing is "
                "written and the run halts."
            ),
        )


def _asset(name: str, kinds: set[str], description: str) -> Any:
    """Every telemetry asset: one group, partitioned by report date, guarded by the blocking
    residual-PII check. ``output_required=False`` is what lets a failed check withhold the
    output, so the IO manager never runs. The body runs with fewer garbage collections
    (:mod:`gc_tuning`)."""
    define = dg.asset(
        name=name,
        group_name=GROUP,
        partitions_def=report_dates,
        output_required=False,
        check_specs=[_check_spec(name)],
        kinds=kinds,
        description=description,
    )
    return lambda fn: define(with_fewer_collections(fn))


def guarded(
    context: dg.AssetExecutionContext,
    value: Any,
    scan: privacy.ResidualScan,
    settings: TelemetrySettings,
    metadata: Mapping[str, Any],
) -> Iterator[dg.AssetCheckResult | dg.Output[Any]]:
    asset = context.asset_key.to_user_string()
    partition = context.partition_key
    scan = scan.allowing(_reviewed(settings))
    passed = scan.hits == 0
    # Counts as text: a number per evaluation would be drawn as a plot, blank for one point.
    check_meta: dict[str, Any] = {
        "report_date": partition,
        "findings": dg.MetadataValue.text(str(scan.hits)),
        "reviewed_allowed": dg.MetadataValue.text(str(sum(scan.reviewed.values()))),
        "values_scanned": dg.MetadataValue.text(str(scan.cells_scanned)),
    }
    if passed:
        yield dg.AssetCheckResult(
            check_name=CHECK,
            passed=True,
            metadata=check_meta,
            description=f"Report date {partition}: no residual personal data or secrets found.",
        )
        yield dg.Output(value, metadata=dict(metadata))
        return
    request = settings.reports_path / f"privacy-audit-request-{partition}.md"
    day = datetime.fromisoformat(partition).date()
    # A stopped run writes no report: any report file for this date is an earlier run's.
    earlier = privacy.earlier_reports(settings.reports_path, day)
    storage.write_text(request, privacy.audit_request_markdown(asset, day, scan, earlier=earlier))
    stop = privacy_stop(asset, partition, scan, request)
    yield dg.AssetCheckResult(
        check_name=CHECK,
        passed=False,
        metadata={**check_meta, **stop.metadata},
        description=stop.description,
    )
    # A Failure (not an exception's stack trace) is what the run page shows: a privacy stop
    # with its counts, places, digests, the audit request and the next steps. Nothing was
    # written, and a plain re-execution would stop again, so retries are off.
    raise dg.Failure(description=stop.description, metadata=stop.metadata, allow_retries=False)


@dataclass(frozen=True)
class PrivacyStop:
    description: str
    metadata: dict[str, Any]


def privacy_stop(
    asset: str, partition: str, scan: privacy.ResidualScan, request: Path
) -> PrivacyStop:
    """What a blocked check says in the UI: plain words, never matched text."""
    detectors = ", ".join(f"{name} ({n})" for name, n in sorted(scan.by_detector.items()))
    # A place is a path and a run id, and either can itself hold what was found (a run folder
    # named after a person): such a name is withheld too.
    places = sorted(
        (privacy.shown_name(place), privacy.shown_name(run)) for place, run in scan.affected
    )
    description = (
        f"Privacy stop for report date {partition}: the independent residual-PII check on "
        f"{asset} found {scan.hits} finding(s) ({detectors}) in what this step would write. "
        "Nothing was written and no later step ran. Re-running as is stops again: follow the "
        f"next steps in the privacy audit request {request}."
    )
    steps = "\n".join(
        [
            "1. Open the privacy audit request (path above): it lists the places and the "
            "finding digests, never the matched text.",
            "2. On your machine, run `telemetry-sanitize --explain <artifact>` on a listed "
            "artifact: it runs the same gate and prints each finding's field and digest.",
            "3. A real secret or personal data: fix or add the redaction rule, or opt the run "
            "out / `telemetry-purge --run RUN_ID`. A false alarm: add its digest with a reason "
            "under `privacy.reviewed_findings` in the repository policy.",
            "4. Re-materialize this report date.",
        ]
    )
    metadata: dict[str, Any] = {
        "privacy_stop": dg.MetadataValue.text(f"{asset} blocked for {partition}"),
        "audit_request": dg.MetadataValue.path(str(request)),
        "findings_by_detector": dg.MetadataValue.json(dict(sorted(scan.by_detector.items()))),
        "affected_places": dg.MetadataValue.json(
            [{"place": place, "run_id": run} for place, run in places[:50]]
            + (
                [{"place": f"... and {len(places) - 50} more", "run_id": ""}]
                if len(places) > 50
                else []
            )
        ),
        "finding_digests": dg.MetadataValue.json(scan.unreviewed_digests()),
        "next_steps": dg.MetadataValue.md(steps),
    }
    return PrivacyStop(description=description, metadata=metadata)


def _window(context: dg.AssetExecutionContext) -> Any:
    from telemetry_assets.core.window import window_for

    return window_for(context.partition_key)


HASH_CACHE = "file-hashes.json"
"""path key -> [size, mtime_ns, sha256]: no names, only digests of paths and contents."""

SHOWN_CACHE = "shown-paths.json"
"""``{"version": redactor token, "paths": {path key: display path}}``: the redacted form of
each collected path, so the next date does not redact tens of thousands of paths again. Holds
only what the manifest itself persists (display paths), for the artifacts it last collected."""


def _read_state_json(path: Path | None) -> dict[str, Any]:
    """A JSON object from the state folder; ``{}`` when missing or damaged (a cache miss)."""
    if path is None or not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _load_shown(path: Path | None, version: str) -> dict[str, str]:
    data = _read_state_json(path)
    paths = data.get("paths")
    if data.get("version") != version or not isinstance(paths, dict):
        return {}  # another redactor (rules, domains or code) may show a path otherwise
    return {k: v for k, v in paths.items() if isinstance(v, str)}


def _policy(settings: TelemetrySettings) -> Any:
    return read_policy(settings.repo_path)


def _reviewed(settings: TelemetrySettings) -> frozenset[str]:
    """Finding digests the repository policy marks as reviewed and harmless."""
    return frozenset(_policy(settings).policy.privacy.reviewed_digests)


@_asset(
    "raw_opt_in_manifest",
    {"python"},
    "Which runs and files are collected for D and why; which were skipped and why. "
    "Paths, hashes, sizes and run metadata only: never file contents.",
)
def raw_opt_in_manifest(
    context: dg.AssetExecutionContext, settings: TelemetrySettings
) -> Iterator[Any]:
    window = _window(context)
    loaded = _policy(settings)
    if not loaded.policy.enabled:
        reason = f"Telemetry is forbidden by {loaded.origin}: nothing was collected or opened."
        forbidden = report_files.forbidden_report_files(window, _now(), reason)
        for rel, text in forbidden.texts.items():
            storage.write_text(settings.reports_path / rel, text)
        raise dg.Failure(description=reason, allow_retries=False)
    col = loaded.policy.collection
    purged = load_purged(settings.state_path) if settings.state_path else frozenset()
    rules = CollectionRules(
        allow_placement_opt_in=col.allow_placement_opt_in,
        providers=frozenset(col.providers) if col.providers is not None else None,
        job_types=frozenset(col.job_types) if col.job_types is not None else None,
        excluded_run_ids=purged,
    )
    redactor_settings = settings.redactor_settings()
    redactor = redactor_settings.build()
    state = settings.state_path
    hashes = _read_state_json(state / HASH_CACHE if state else None)
    version = redactor_settings.cache_token()
    shown = _load_shown(state / SHOWN_CACHE if state else None, version)
    # Memoised: every artifact of a run repeats its run id (tens of thousands of calls).
    display = functools.cache(lambda s: redactor.redact(s).text)
    # The processes that hash and display new files also run the check's detector over the new
    # paths and vouch for those it found nothing in (one fork instead of two); the check below
    # then scans only the rest. The vouching detector and this memory are both the check's own
    # (no extra domains), so the digests are of that memory's version by construction.
    known = CleanValues.open(settings.cache_path)
    privacy.detector()  # built before the fork, so every process inherits it compiled
    facts = ParallelFacts(
        display, settings.workers, functools.partial(privacy.clean_digests, known=known)
    )
    manifest = build_manifest(
        settings.artifacts_path,
        window,
        rules,
        display=display,
        hash_cache=hashes,
        shown_cache=shown,
        file_facts=facts,
    )
    known.add_digests(facts.clean_digests)
    frame = manifest_frame(manifest)
    scan = (
        privacy.scan_frame(frame, where="path", known=known, workers=settings.workers)
        if not frame.empty
        else privacy.ResidualScan()
    )
    known.save()
    if state is not None:
        # Only the files this scan collected are kept: a removed or opted-out run leaves
        # neither its hashes nor its paths behind. A display path the check flags (reviewed or
        # not) is never kept: if it stops the run, it must not outlive the stop here.
        live = [a.path_key for a in manifest.artifacts]
        storage.write_json(state / HASH_CACHE, {k: hashes[k] for k in live if k in hashes})
        flagged = {place for place, _ in scan.affected}
        kept = {k: shown[k] for k in live if k in shown and shown[k] not in flagged}
        storage.write_json(state / SHOWN_CACHE, {"version": version, "paths": kept})
    reasons = manifest.skipped_by_reason()
    yield from guarded(
        context,
        manifest,
        scan,
        settings,
        {
            "runs_collected": len(manifest.runs),
            "artifacts_collected": len(manifest.artifacts),
            "bytes_collected": sum(a.size for a in manifest.artifacts),
            "skipped": len(manifest.skipped),
            "skipped_by_reason": dg.MetadataValue.json(reasons),
            "window": f"{window.baseline_start}..{window.end}",
            "policy": loaded.origin,
        },
    )


@_asset(
    "sanitized_artifacts",
    {"python", "parquet"},
    "Every collected file parsed into failures and redacted in memory; only "
    "sanitized text and per-rule redaction counts are kept. Bad files are quarantined.",
)
def sanitized_artifacts(
    context: dg.AssetExecutionContext,
    settings: TelemetrySettings,
    raw_opt_in_manifest: Manifest,
) -> Iterator[Any]:
    manifest = raw_opt_in_manifest
    total_bytes = max(1, sum(a.size for a in manifest.artifacts))

    def progress(done: int, total: int, done_bytes: int, elapsed: float) -> None:
        every = max(1, total // 20)
        if done == total or done % every == 0:
            rate = done_bytes / max(elapsed, 1e-6) / 1e6
            # No estimate before any bytes are done (the rate is zero then).
            eta = f", ETA {(total_bytes - done_bytes) / (rate * 1e6):.0f}s" if rate > 0 else ""
            context.log.info(
                f"sanitized {done}/{total} artifacts, {done_bytes / 1e6:.1f} MB, "
                f"{rate:.1f} MB/s{eta}"
            )

    real = resolve_paths(settings.artifacts_path, manifest)
    result = batch.sanitize_manifest(
        settings.artifacts_path,
        manifest,
        real,
        replace(settings.redactor_settings(), reviewed_findings=tuple(sorted(_reviewed(settings)))),
        workers=settings.workers,
        cache_dir=settings.cache_path,
        progress=progress,
    )
    # Values the workers' privacy gate already scanned clean (same detector and settings) and
    # values scanned clean on earlier dates are not scanned again: the check costs new text only.
    known = CleanValues.open(settings.cache_path)
    if result.clean_version == known.version:
        known.add_digests(result.clean_digests)
    # The tables share their artifact and run id columns: a value is looked up once.
    clean: set[str] = set()
    scan = privacy.scan_frame(result.failures, known=known, clean=clean)
    scan.merge(privacy.scan_frame(result.artifacts, known=known, clean=clean))
    known.save()
    quarantined = int((result.artifacts["status"] != "ok").sum()) if len(result.artifacts) else 0
    redactions: dict[str, int] = {}
    # Per distinct cell: most artifacts share one (a passing report redacts nothing).
    for value, times in result.artifacts["redactions"].value_counts(sort=False).items():
        for rule, n in json.loads(value).items():
            redactions[rule] = redactions.get(rule, 0) + n * times
    yield from guarded(
        context,
        {"failures": result.failures, "artifacts": result.artifacts},
        scan,
        settings,
        {
            "artifacts": len(result.artifacts),
            "failures": len(result.failures),
            "quarantined": quarantined,
            "withheld": len(privacy.withheld_artifacts(result.artifacts)),
            "redactions": sum(redactions.values()),
            "redactions_by_rule": dg.MetadataValue.json(dict(sorted(redactions.items()))),
            "processed": result.processed,
            "from_cache": result.from_cache,
            "cache_entries_pruned": result.cache_pruned,
            "mb_processed": round(result.bytes_processed / 1e6, 2),
            "seconds": round(result.seconds, 2),
        },
    )


@_asset(
    "fingerprints",
    {"python", "parquet"},
    "One row per failure in the 14-day window: normalised trace, versioned "
    "fingerprint, run and job metadata, occurred_at.",
)
def fingerprints(
    context: dg.AssetExecutionContext,
    settings: TelemetrySettings,
    sanitized_artifacts: dict[str, pd.DataFrame],
) -> Iterator[Any]:
    window = _window(context)
    tables = sanitized_artifacts
    rules = _policy(settings).policy.grouping.fingerprint_rules()
    derived = DerivedMemory.open(settings.cache_path, rules)
    occ = occurrences.build_occurrences(
        tables["failures"],
        window,
        occurrences.passed_ids(tables["artifacts"]),
        rules=rules,
        memory=derived,
    )
    known = CleanValues.open(settings.cache_path)
    scan = privacy.scan_frame(occ, known=known)
    known.save()
    yield from guarded(
        context,
        occ,
        scan,
        settings,
        {
            "occurrences": len(occ),
            "report_week": int((occ["bucket"] == "report").sum()),
            "baseline_week": int((occ["bucket"] == "baseline").sum()),
            "fingerprints": int(occ["fingerprint"].nunique()),
            "days_with_data": int(occ["day"].nunique()),
        },
    )
    # Only after the check passed: what is kept for the next date is text it let through.
    derived.save()


@_asset(
    "error_groups",
    {"python", "parquet"},
    "Per fingerprint: counts in the report and baseline weeks, first/last seen, job "
    "types, sample runs and trace, daily counts; plus near-duplicate pairs (not merged).",
)
def error_groups(
    context: dg.AssetExecutionContext,
    settings: TelemetrySettings,
    fingerprints: pd.DataFrame,
) -> Iterator[Any]:
    window = _window(context)
    groups = grouping.build_groups(fingerprints, window)
    reps = occurrences.representatives(fingerprints)
    pairs = (
        similar_groups(reps, variants=grouping.variants_by_fingerprint(fingerprints))
        if reps
        else []
    )
    similar = pd.DataFrame(
        [{"a": p.a, "b": p.b, "reason": p.reason, "score": p.score} for p in pairs],
        columns=["a", "b", "reason", "score"],
    )
    frame = grouping.groups_to_frame(groups)
    known = CleanValues.open(settings.cache_path)
    scan = privacy.scan_frame(frame, where="fingerprint", known=known)
    known.save()
    yield from guarded(
        context,
        {"groups": frame, "similar": similar},
        scan,
        settings,
        {
            "groups": len(groups),
            "groups_this_week": sum(1 for g in groups if g.count),
            "similar_pairs": len(similar),
        },
    )


@_asset(
    "scored_rollup",
    {"python", "parquet"},
    "Severity 0-10, suggested owner, trend flags, notes and rank per group; top-5 "
    "recommended actions.",
)
def scored_rollup(
    context: dg.AssetExecutionContext,
    settings: TelemetrySettings,
    repo: RepoFactsResource,
    error_groups: dict[str, pd.DataFrame],
) -> Iterator[Any]:
    groups = grouping.groups_from_frame(error_groups["groups"])
    module_map = _module_map(settings)
    triaged = rollup.triage_all(groups, repo.facts(), module_map)
    scored = rollup.scored_frame(triaged)
    actions = rollup.actions_frame(rollup.top_actions(triaged))
    known = CleanValues.open(settings.cache_path)
    scan = privacy.scan_frame(scored, where="fingerprint", known=known)
    scan.merge(privacy.scan_frame(actions, where="fingerprint", known=known))
    known.save()
    ranked = scored[scored["rank"].notna()]
    yield from guarded(
        context,
        {"scored": scored, "actions": actions},
        scan,
        settings,
        {
            "groups_ranked": len(ranked),
            "top_severity": float(ranked["severity"].max()) if len(ranked) else 0.0,
            "owners_known": int((ranked["owner_source"] != "unknown").sum()),
            "actions": len(actions),
        },
    )


def _module_map(settings: TelemetrySettings) -> dict[str, str]:
    path = settings.repo_path / "telemetry-owners.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text("utf-8"))
    return {str(k): str(v) for k, v in (data.get("modules", data)).items()}


@_asset(
    "telemetry_report",
    {"python", "markdown", "json"},
    "Writes error-aggregates-D.json, telemetry-report-D.md, occurrences-D.parquet and "
    "issue templates for the top groups to TELEMETRY_REPORTS_DIR.",
)
def telemetry_report(
    context: dg.AssetExecutionContext,
    settings: TelemetrySettings,
    scored_rollup: dict[str, pd.DataFrame],
    error_groups: dict[str, pd.DataFrame],
    fingerprints: pd.DataFrame,
    raw_opt_in_manifest: Manifest,
    sanitized_artifacts: dict[str, pd.DataFrame],
) -> Iterator[Any]:
    window = _window(context)
    loaded = _policy(settings)
    cache = settings.cache_path
    compiled_templates.keep_compiled(cache / compiled_templates.FOLDER if cache else None)
    files = report_files.build_report_files(
        window=window,
        generated_at=_now(),
        groups_frame=error_groups["groups"],
        scored=scored_rollup["scored"],
        actions=scored_rollup["actions"],
        similar=error_groups["similar"],
        fingerprints=fingerprints,
        manifest=raw_opt_in_manifest,
        artifacts=sanitized_artifacts["artifacts"],
        policy=loaded,
        artifacts_root_label=settings.artifacts_path.name or str(settings.artifacts_path),
    )
    reviewed = loaded.policy.privacy.reviewed_digests
    # The occurrence cells are the fingerprints step's, scanned clean there, and most lines of
    # the report files were in the previous date's: only new text is scanned (a remembered
    # value never had a finding, reviewed or not, so no count changes).
    known = CleanValues.open(settings.cache_path)
    scan = privacy.scan_texts(files.texts, reviewed=reviewed, known=known)
    scan.merge(privacy.scan_frame(files.occurrences, reviewed=reviewed, known=known))
    known.save()
    if scan.hits:
        yield from guarded(context, None, scan, settings, {})
        return
    out = settings.reports_path
    written = {rel: storage.write_text(out / rel, text) for rel, text in files.texts.items()}
    written[files.parquet_name] = storage.write_parquet(out / files.parquet_name, files.occurrences)
    _remove_stale_issue_drafts(out / "issues" / files.report_date, files.issue_drafts)
    # Kept (rewritten) while artifacts are withheld: it is how maintainers learn what to review.
    withheld = files.withheld
    request = out / f"privacy-audit-request-{files.report_date}.md"
    if withheld:
        text = privacy.audit_request_markdown(None, window.report_date, None, withheld)
        storage.write_text(request, text)
    else:
        storage.remove(request)
    metadata = _report_metadata(files, written)
    metadata["automation"] = _publish(
        context, settings, loaded.policy, files, list(written.values())
    )
    yield from guarded(context, files.report, scan, settings, metadata)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _publish(
    context: dg.AssetExecutionContext,
    settings: TelemetrySettings,
    policy: Any,
    files: report_files.ReportFiles,
    written: list[Path],
) -> str:
    """Branch + commit locally when the repository policy allows it; never pushes."""
    if not pull_request_gate(policy).allowed:
        return "off (repository policy: no automation)"
    report = files.report
    summary = ReportSummary(
        total_errors=report.total_errors,
        groups=report.total_groups,
        top_severity=report.top_severity,
        rule_matches=report.privacy_audit.rule_matches,
    )
    try:
        result = create_local_branch_and_commit(
            settings.repo_path, report.report_date, written, summary=summary, policy=policy
        )
    except (PublishError, AutomationNotAllowed) as exc:
        context.log.warning(f"local publish skipped: {exc}")
        return f"skipped: {exc}"
    storage.write_text(
        settings.reports_path / f"pull-request-{report.report_date}.md",
        f"# {result.pr_title}\n\n{result.pr_body}\n",
    )
    return f"committed {result.commit[:12]} on {result.branch} (not pushed)"


def _remove_stale_issue_drafts(folder: Path, keep: tuple[str, ...]) -> None:
    """A group that left the top (or a purged run's group) must not leave its draft behind."""
    if not folder.is_dir():
        return
    names = {Path(rel).name for rel in keep}
    for path in folder.glob("*.md"):
        if path.name not in names:
            path.unlink()


def _report_metadata(
    files: report_files.ReportFiles, written: Mapping[str, Path]
) -> dict[str, Any]:
    from telemetry_assets.defs.charts import daily_chart_markdown

    columns = [
        dg.TableColumn("rank", "int"),
        dg.TableColumn("fingerprint", "string", description="as the report names it"),
        dg.TableColumn("severity", "float"),
        dg.TableColumn("count", "int"),
        dg.TableColumn("owner", "string"),
        dg.TableColumn("error", "string", description="exception line (cut with …)"),
    ]
    rows = [dg.TableRecord(asdict(row)) for row in files.preview()]
    return {
        **report_files.summary_counts(files.report),
        "top_groups": dg.MetadataValue.table(rows, schema=dg.TableSchema(columns=columns)),
        "daily_failures": dg.MetadataValue.md(daily_chart_markdown(files.daily_totals())),
        "json_path": dg.MetadataValue.path(str(written[files.json_name])),
        "markdown_path": dg.MetadataValue.path(str(written[files.markdown_name])),
        "parquet_path": dg.MetadataValue.path(str(written[files.parquet_name])),
        "markdown_chars": len(files.texts[files.markdown_name]),
    }


__all__ = [
    "TelemetryForbidden",
    "error_groups",
    "fingerprints",
    "raw_opt_in_manifest",
    "sanitized_artifacts",
    "scored_rollup",
    "telemetry_report",
]
