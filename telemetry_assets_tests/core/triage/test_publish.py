"""Publishing: policy gate, a branch + commit made without touching the checkout, never a push."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest

from telemetry_assets.core.triage.policy import TelemetryPolicy, load_policy
from telemetry_assets.core.triage.publish import (
    AutomationNotAllowed,
    PublishError,
    ReportSummary,
    create_local_branch_and_commit,
)

INPUTS = Path(__file__).resolve().parents[2] / "inputs" / "triage"
D = date(2026, 11, 23)
ALLOWED = load_policy(
    {"telemetry.policy.json": (INPUTS / "policy-allows-pull-request.json").read_text("utf-8")}
)


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True, timeout=30
    ).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-global-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    root = tmp_path / "checkout"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Repo Maintainer")
    git(root, "config", "user.email", "maintainer@repo.example")
    (root / "README.md").write_text("# web app\n")
    git(root, "add", "README.md")
    git(root, "commit", "-q", "-m", "init")
    # A user mid-work: a modified tracked file, a staged file, an untracked file.
    (root / "README.md").write_text("# web app\n\nwork in progress\n")
    (root / "staged.txt").write_text("staged\n")
    git(root, "add", "staged.txt")
    reports = root / "reports" / "telemetry"
    reports.mkdir(parents=True)
    (reports / "error-aggregates-2026-11-23.json").write_text('{"total_errors": 3}\n')
    (reports / "telemetry-report-2026-11-23.md").write_text("# Telemetry report\n")
    return root


def report_files(root: Path) -> list[Path]:
    return sorted((root / "reports" / "telemetry").iterdir())


def snapshot(root: Path) -> tuple[str, str, str, str]:
    return (
        git(root, "status", "--porcelain=v1"),
        git(root, "rev-parse", "HEAD"),
        git(root, "symbolic-ref", "HEAD"),
        git(root, "diff", "--cached"),
    )


GATES = [
    ("no automation by default", TelemetryPolicy(), "automation.pull_request is false"),
    ("telemetry forbidden", TelemetryPolicy(enabled=False), "telemetry is forbidden"),
]


@pytest.mark.parametrize(("name", "policy", "reason"), GATES, ids=[c[0] for c in GATES])
def test_policy_gate_blocks_and_leaves_no_branch(
    name: str, policy: TelemetryPolicy, reason: str, repo: Path
) -> None:
    with pytest.raises(AutomationNotAllowed, match=reason):
        create_local_branch_and_commit(repo, D, report_files(repo), policy=policy)
    assert git(repo, "branch", "--list", "ai/*") == ""


def test_branch_and_commit_when_allowed_without_touching_the_checkout(repo: Path) -> None:
    before = snapshot(repo)
    result = create_local_branch_and_commit(
        repo,
        D,
        report_files(repo),
        policy=ALLOWED,
        summary=ReportSummary(
            total_errors=3, groups=2, top_severity=7.04, rule_matches={"email": 3}
        ),
    )
    assert snapshot(repo) == before
    assert result.branch == "ai/telemetry-2026-11-23" and result.created
    assert git(repo, "log", "-1", "--format=%s", result.branch).strip() == (
        "chore(ai): telemetry error aggregates (2026-11-23)"
    )
    assert git(repo, "rev-parse", f"{result.branch}^").strip() == before[1].strip()
    committed = git(
        repo, "show", f"{result.branch}:reports/telemetry/error-aggregates-2026-11-23.json"
    )
    assert committed == '{"total_errors": 3}\n'
    # The user's unstaged and staged work is not in the report commit.
    assert git(repo, "show", f"{result.branch}:README.md") == "# web app\n"
    assert "staged.txt" not in git(repo, "ls-tree", "-r", "--name-only", result.branch)
    assert result.pr_title == "docs(ai): telemetry report — 2026-11-23"
    for fragment in (
        "## Summary",
        "Top severity: 7.0",
        "## Privacy audit",
        "| `email` | 3 |",
        "## How to reproduce",
        "--partition 2026-11-23",
        "nothing was pushed",
    ):
        assert fragment in result.pr_body
    assert git(repo, "remote") == ""


def test_rerun_with_same_files_adds_no_commit_and_changes_stack(repo: Path) -> None:
    first = create_local_branch_and_commit(repo, D, report_files(repo))
    again = create_local_branch_and_commit(repo, D, report_files(repo))
    assert (again.created, again.commit) == (False, first.commit)
    (repo / "reports/telemetry/telemetry-report-2026-11-23.md").write_text("# v2\n")
    third = create_local_branch_and_commit(repo, D, report_files(repo))
    assert third.created and third.base == first.commit


def test_refuses_files_outside_the_repository(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.json"
    outside.write_text("{}")
    with pytest.raises(PublishError, match="outside the repository"):
        create_local_branch_and_commit(repo, D, [outside])


def test_refuses_when_the_branch_is_checked_out(repo: Path) -> None:
    create_local_branch_and_commit(repo, D, report_files(repo))
    # Checked out in a second worktree: moving the ref would desynchronise that checkout.
    git(repo, "worktree", "add", "-q", str(repo.parent / "second"), "ai/telemetry-2026-11-23")
    with pytest.raises(PublishError, match="is checked out"):
        create_local_branch_and_commit(repo, D, report_files(repo))


def test_works_in_a_repository_without_commits_or_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-global-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(var, raising=False)
    root = tmp_path / "fresh"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "report.md").write_text("# r\n")
    result = create_local_branch_and_commit(root, D, [Path("report.md")])
    assert result.base is None and result.created
    assert git(root, "log", "-1", "--format=%an", result.branch).strip() == "telemetry-assets"
