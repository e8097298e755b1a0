"""Commit report artifacts to a local branch ``ai/telemetry-YYYY-MM-DD``; never push.

Contract: :func:`create_local_branch_and_commit` records the given files (inside the repository)
in one commit ``chore(ai): telemetry error aggregates (YYYY-MM-DD)`` on branch
``ai/telemetry-YYYY-MM-DD`` and returns a :class:`PublishResult` with the pull-request title
``docs(ai): telemetry report — YYYY-MM-DD`` and body (summary, privacy audit, how to reproduce)
for a human to open. The caller checks the policy first
(:func:`~telemetry_assets.core.triage.policy.pull_request_gate`); passing ``policy=`` makes this
function check it too and raise :class:`AutomationNotAllowed`.

How, and why this way: git *plumbing* with a temporary index file (``read-tree`` the base,
``hash-object -w`` + ``update-index --cacheinfo`` each file, ``write-tree``, ``commit-tree``,
``update-ref`` with the expected old value). The user's checkout is never touched: HEAD, the
current branch, the real index, the working tree and any stash stay exactly as they were, no
hooks run, and nothing talks to a remote. A worktree would do the same with more moving parts
(a directory to create and clean up, a checkout of the whole tree). The base is the branch's
existing tip when it exists (a rerun for the same date stacks on it, and adds no commit when
the files are unchanged), else HEAD. Refuses when the branch is checked out somewhere, since
moving it would desynchronise that checkout. Every git call has a timeout.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from telemetry_assets.core.triage.policy import TelemetryPolicy, pull_request_gate

GIT_TIMEOUT_S = 30.0
FALLBACK_NAME = "telemetry-assets"
FALLBACK_EMAIL = "telemetry-assets@localhost.invalid"
"""Used only when the repository has no ``user.name``/``user.email``; not a person's address."""
_NO_REF = "0" * 40


class PublishError(RuntimeError):
    """The branch or commit could not be made; the message says which step and why."""


class AutomationNotAllowed(PublishError):
    """The policy does not allow the branch + commit (``automation.pull_request`` is false)."""


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """Figures for the pull-request body; all optional."""

    total_errors: int | None = None
    groups: int | None = None
    top_severity: float | None = None
    rule_matches: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PublishResult:
    branch: str
    commit: str
    base: str | None
    created: bool
    """False when the branch already held exactly these files (no new commit was made)."""
    files: tuple[str, ...]
    """Repository-relative paths, as committed."""
    commit_message: str
    pr_title: str
    pr_body: str


def branch_name(report_date: date) -> str:
    return f"ai/telemetry-{report_date.isoformat()}"


def commit_message(report_date: date) -> str:
    return f"chore(ai): telemetry error aggregates ({report_date.isoformat()})"


def pr_title(report_date: date) -> str:
    return f"docs(ai): telemetry report — {report_date.isoformat()}"


def pr_body(report_date: date, files: Sequence[str], summary: ReportSummary | None = None) -> str:
    """Summary, privacy audit and how to reproduce, as Markdown."""
    s = summary or ReportSummary()
    d = report_date.isoformat()
    start = (report_date - timedelta(days=6)).isoformat()
    lines = [
        "## Summary",
        "",
        f"Sanitized error aggregates for the week {start}..{d} (baseline: the 7 days before).",
        "",
    ]
    figures = (
        ("Total sanitized errors", s.total_errors),
        ("Groups", s.groups),
        ("Top severity", None if s.top_severity is None else f"{s.top_severity:.1f}"),
    )
    lines.extend(f"- {label}: {value}" for label, value in figures if value is not None)
    lines.append("- Files:")
    lines.extend(f"  - `{f}`" for f in files)
    lines += [
        "",
        "## Privacy audit",
        "",
        "Only failure text from opted-in runs was read; it was sanitized before aggregation and",
        "nothing raw is committed. Owners come from CODEOWNERS, the module map or committer",
        "names; e-mail addresses are never included.",
        "",
    ]
    if s.rule_matches:
        lines += ["| Redaction rule | Matches |", "| --- | ---: |"]
        lines.extend(f"| `{rule}` | {n} |" for rule, n in sorted(s.rule_matches.items()))
    else:
        lines.append("No redaction rule matched in this window.")
    lines += [
        "",
        "## How to reproduce",
        "",
        "```sh",
        f"dagster asset materialize -m telemetry_assets --select '*' --partition {d}",
        "```",
        "",
        "Rebuilding the same date from the same artifacts gives the same groups, counts and",
        f"severities. Branch `{branch_name(report_date)}` was created locally; nothing was pushed.",
        "",
    ]
    return "\n".join(lines)


def _git(
    root: Path, *args: str, env: Mapping[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})}
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=root,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PublishError(f"git {args[0]} timed out after {GIT_TIMEOUT_S:g}s") from None
    except OSError as exc:
        raise PublishError(f"cannot run git: {exc.strerror}") from None
    if check and done.returncode != 0:
        raise PublishError(f"git {args[0]} failed: {done.stderr.strip()[:300]}")
    return done


def _rev(root: Path, spec: str) -> str | None:
    done = _git(root, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}", check=False)
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


def _checked_out_refs(root: Path) -> set[str]:
    listing = _git(root, "worktree", "list", "--porcelain").stdout
    return {line.split(" ", 1)[1] for line in listing.splitlines() if line.startswith("branch ")}


def _identity_env(root: Path) -> dict[str, str]:
    name = _git(root, "config", "--get", "user.name", check=False).stdout.strip()
    email = _git(root, "config", "--get", "user.email", check=False).stdout.strip()
    if name and email:
        return {}
    return {
        "GIT_AUTHOR_NAME": name or FALLBACK_NAME,
        "GIT_AUTHOR_EMAIL": email or FALLBACK_EMAIL,
        "GIT_COMMITTER_NAME": name or FALLBACK_NAME,
        "GIT_COMMITTER_EMAIL": email or FALLBACK_EMAIL,
    }


def _relative_files(top: Path, repo_root: Path, files: Sequence[Path]) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    for f in files:
        absolute = (f if f.is_absolute() else repo_root / f).resolve()
        try:
            rel = absolute.relative_to(top)
        except ValueError:
            raise PublishError(f"{f} is outside the repository {top}") from None
        if not absolute.is_file():
            raise PublishError(f"{f} is not a file")
        out.append((absolute, rel.as_posix()))
    if not out:
        raise PublishError("no files to commit")
    return out


def create_local_branch_and_commit(
    repo_root: Path,
    report_date: date,
    files: Sequence[Path],
    *,
    summary: ReportSummary | None = None,
    policy: TelemetryPolicy | None = None,
) -> PublishResult:
    """Commit ``files`` on ``ai/telemetry-<date>`` without touching the checkout; never push."""
    if policy is not None:
        gate = pull_request_gate(policy)
        if not gate.allowed:
            raise AutomationNotAllowed(gate.reason)
    repo_root = Path(repo_root)
    top = Path(_git(repo_root, "rev-parse", "--show-toplevel").stdout.strip()).resolve()
    entries = _relative_files(top, repo_root, files)
    branch = branch_name(report_date)
    ref = f"refs/heads/{branch}"
    if ref in _checked_out_refs(top):
        raise PublishError(f"branch {branch} is checked out; switch away from it first")

    existing = _rev(top, ref)
    base = existing or _rev(top, "HEAD")
    message = commit_message(report_date)
    rel_files = tuple(rel for _abs, rel in entries)

    with tempfile.TemporaryDirectory(prefix="telemetry-publish-") as tmp:
        index_env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        if base:
            _git(top, "read-tree", base, env=index_env)
        else:
            _git(top, "read-tree", "--empty", env=index_env)
        for absolute, rel in entries:
            blob = _git(top, "hash-object", "-w", "--no-filters", "--", str(absolute)).stdout
            _git(
                top,
                "update-index",
                "--add",
                "--cacheinfo",
                f"100644,{blob.strip()},{rel}",
                env=index_env,
            )
        tree = _git(top, "write-tree", env=index_env).stdout.strip()

    base_tree = _git(top, "rev-parse", f"{base}^{{tree}}").stdout.strip() if base else None
    if base is not None and tree == base_tree:
        if existing is None:
            _git(top, "update-ref", "-m", message, ref, base, _NO_REF)
        commit, created = base, False
    else:
        parents = ["-p", base] if base else []
        commit = _git(
            top, "commit-tree", tree, *parents, "-m", message, env=_identity_env(top)
        ).stdout.strip()
        _git(top, "update-ref", "-m", message, ref, commit, existing or _NO_REF)
        created = True

    return PublishResult(
        branch=branch,
        commit=commit,
        base=base,
        created=created,
        files=rel_files,
        commit_message=message,
        pr_title=pr_title(report_date),
        pr_body=pr_body(report_date, rel_files, summary),
    )
