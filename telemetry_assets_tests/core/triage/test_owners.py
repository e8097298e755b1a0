"""Owners: CODEOWNERS last-match-wins, module map, git committer names (never e-mails), unknown."""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from telemetry_assets.core.models import GroupStats
from telemetry_assets.core.triage.owners import (
    FixtureRepoFacts,
    GitRepoFacts,
    clean_path,
    find_in_tree,
    resolve_owner,
    suggest_team,
)

INPUTS = Path(__file__).resolve().parents[2] / "inputs" / "triage"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")

BASE = GroupStats(
    fingerprint="sha256-" + "2" * 64,
    count=4,
    count_baseline=1,
    first_seen=datetime(2026, 11, 18, 9, 0, tzinfo=UTC),
    last_seen=datetime(2026, 11, 22, 17, 0, tzinfo=UTC),
    job_types=("unit",),
    branches=("main",),
    sample_trace="TypeError: x is undefined\n  at render (src/ui/Table.tsx:LINE)",
)


def at(path: str | None, **changes: object) -> GroupStats:
    return replace(BASE, top_frame_file=path, **changes)  # type: ignore[arg-type]


CODEOWNERS = (INPUTS / "last-match-wins.CODEOWNERS").read_text(encoding="utf-8")
REPO_FILES = [
    "README.md",
    "src/server.go",
    "src/ui/Table.tsx",
    "src/ui/charts/Line.tsx",
    "src/integrations/github/client.py",
    "src/integrations/slack/client.py",
    "src/integrations/slack/auth/oauth.py",
    "src/session.py",
    "src/legacy/billing.py",
    "src/generated/api_pb2.py",
]
CODEOWNER_FACTS = FixtureRepoFacts(CODEOWNERS, {}, REPO_FILES)

# (name, frame file, expected owner, expected source)
CODEOWNER_CASES = [
    ("catch-all when nothing more specific", "src/server.go", "@acme/core-maintainers"),
    ("folder beats the earlier *.tsx line", "src/ui/Table.tsx", "@acme/ui-team"),
    ("deeper folder listed later wins", "src/ui/charts/Line.tsx", "@acme/dataviz"),
    ("anchored folder", "src/integrations/github/client.py", "@acme/integrations"),
    (
        "several owners on the last match",
        "src/integrations/slack/client.py",
        "@jdoe-acme @acme/integrations",
    ),
    (
        "src/**/auth/ listed last beats slack/",
        "src/integrations/slack/auth/oauth.py",
        "@acme/security",
    ),
    ("single anchored file", "src/session.py", "@acme/security"),
    ("build prefix stripped to the repo path", "app/src/ui/Table.tsx", "@acme/ui-team"),
    (
        "webpack scheme and position stripped",
        "webpack:///./src/ui/charts/Line.tsx:LINE",
        "@acme/dataviz",
    ),
    ("windows separators", "C:\\build\\src\\ui\\Table.tsx", "@acme/ui-team"),
]


@pytest.mark.parametrize(
    ("name", "path", "expected"), CODEOWNER_CASES, ids=[c[0] for c in CODEOWNER_CASES]
)
def test_codeowners_last_match_wins(name: str, path: str, expected: str) -> None:
    got = resolve_owner(at(path), CODEOWNER_FACTS)
    assert (got.owner, got.source) == (expected, "codeowners")
    assert "CODEOWNERS line" in got.reason


FALLTHROUGH_CASES = [
    ("e-mail-only owners are not reported", "src/legacy/billing.py", "src/legacy/billing.py"),
    ("a line with no owners means nobody", "src/generated/api_pb2.py", "src/generated/api_pb2.py"),
]


@pytest.mark.parametrize(
    ("name", "path", "history_key"), FALLTHROUGH_CASES, ids=[c[0] for c in FALLTHROUGH_CASES]
)
def test_codeowners_without_usable_owner_falls_through(
    name: str, path: str, history_key: str
) -> None:
    facts = FixtureRepoFacts(CODEOWNERS, {history_key: ["Ada Lovelace"]}, REPO_FILES)
    got = resolve_owner(at(path), facts)
    assert (got.owner, got.source) == ("Ada Lovelace", "git")
    assert not EMAIL.search(got.owner + got.reason)


def test_unmatched_suffix_uses_the_most_specific_codeowners_line() -> None:
    # The file is not in the repo (deleted, or generated at build time): every suffix is tried.
    facts = FixtureRepoFacts(CODEOWNERS, {}, files=())
    got = resolve_owner(at("dist/app/src/ui/charts/Gone.tsx"), facts)
    assert got.owner == "@acme/dataviz"


MODULE_MAP = {
    "src/*": "@acme/platform",
    "src/integrations/*": "@acme/integrations",
    "src/integrations/slack/": "@acme/chatops",
    "src/integrations/*/webhooks.py": "@acme/webhooks",
    "src/billing": "@acme/billing",
}
MODULE_CASES = [
    ("glob crosses folders", "src/server.go", "@acme/platform"),
    ("more specific glob wins", "src/integrations/github/client.py", "@acme/integrations"),
    ("folder pattern ending in /", "src/integrations/slack/client.py", "@acme/chatops"),
    ("most literal characters wins", "src/integrations/slack/webhooks.py", "@acme/webhooks"),
    ("plain folder without slash", "src/billing/invoice.py", "@acme/billing"),
    ("suffix of a prefixed frame path", "srv/app/src/billing/invoice.py", "@acme/billing"),
]


@pytest.mark.parametrize(
    ("name", "path", "expected"), MODULE_CASES, ids=[c[0] for c in MODULE_CASES]
)
def test_module_map_most_specific_wins(name: str, path: str, expected: str) -> None:
    got = resolve_owner(at(path), FixtureRepoFacts(None, {}), MODULE_MAP)
    assert (got.owner, got.source) == (expected, "module_map")


def test_module_map_ties_go_to_the_later_entry() -> None:
    tie = {"src/a*/x.py": "@acme/first", "src/*b/x.py": "@acme/second"}
    got = resolve_owner(at("src/ab/x.py"), FixtureRepoFacts(None, {}), tie)
    assert got.owner == "@acme/second"


def test_codeowners_beats_module_map() -> None:
    got = resolve_owner(at("src/ui/Table.tsx"), CODEOWNER_FACTS, {"src/ui/*": "@acme/mapped"})
    assert got.source == "codeowners"


def test_fixture_repo_from_json_drops_bots_and_addresses() -> None:
    facts = FixtureRepoFacts.from_json((INPUTS / "fixture-repo.json").read_text("utf-8"))
    got = resolve_owner(at("tools/release/bump_version.py"), facts)
    assert (got.owner, got.source) == ("@acme/core-maintainers", "codeowners")
    facts_no_co = FixtureRepoFacts(
        None,
        {
            "tools/release/bump_version.py": [
                "release-bot@acme.example",
                "dependabot[bot]",
                "Linus Example",
            ]
        },
    )
    got = resolve_owner(at("tools/release/bump_version.py"), facts_no_co)
    assert (got.owner, got.source) == ("Linus Example", "git")


UNKNOWN_CASES = [
    ("path word ui", at("src/ui/Grid.tsx"), "ui"),
    ("camelCase login file is security before ui", at("src/ui/LoginForm.tsx"), "auth/security"),
    ("protocol folder", at("internal/grpc/codec.go"), "protocol"),
    ("migrations are data", at("db/migrations/0042_add_tenant.py"), "data"),
    ("gradle build script", at("buildSrc/conventions.gradle"), "build"),
    ("terraform is infra", at("deploy/main.tf"), "infra"),
    ("tests folder with nothing else", at("tests/conftest.py"), "testing"),
    ("auth test is auth, not testing", at("tests/auth/test_jwt.py"), "auth/security"),
    ("no frame: keywords", at(None, keywords=("oauth", "refresh")), "auth/security"),
    ("no frame, no keywords: visual job", at(None, job_types=("visual",)), "ui"),
    ("no frame, smoke job", at(None, job_types=("smoke",)), "infra"),
    ("nothing to go on", at("lib/thing.c", job_types=()), None),
]


@pytest.mark.parametrize(("name", "g", "team"), UNKNOWN_CASES, ids=[c[0] for c in UNKNOWN_CASES])
def test_unknown_owner_with_suggested_team(name: str, g: GroupStats, team: str | None) -> None:
    got = resolve_owner(g, FixtureRepoFacts(None, {}))
    assert (got.owner, got.source, got.suggested_team) == ("unknown", "unknown", team)
    assert got.display.startswith("unknown")


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("relative dot", "./src/app.py", "src/app.py"),
        ("position", "src/app.py:LINE", "src/app.py"),
        ("line and column", "src/app.ts:12:7", "src/app.ts"),
        ("file url", "file:///home/ci/work/src/app.py", "home/ci/work/src/app.py"),
    ],
)
def test_clean_path(name: str, raw: str, expected: str) -> None:
    assert clean_path(raw) == expected


def test_suggest_team_without_anything() -> None:
    assert suggest_team(None) is None


# --- a real repository ---------------------------------------------------------------------


@pytest.fixture
def git_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Isolate from the developer's git config so the test sees only what it creates.
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-global-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def replay_history(root: Path, spec: dict[str, object]) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, timeout=30)
    for commit in spec["commits"]:  # type: ignore[attr-defined]
        for rel, content in commit["files"].items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": commit["author"],
            "GIT_AUTHOR_EMAIL": commit["email"],
            "GIT_AUTHOR_DATE": commit["date"],
            "GIT_COMMITTER_NAME": commit["author"],
            "GIT_COMMITTER_EMAIL": commit["email"],
            "GIT_COMMITTER_DATE": commit["date"],
        }
        subprocess.run(["git", "add", "-A"], cwd=root, check=True, timeout=30)
        subprocess.run(
            ["git", "commit", "-q", "-m", commit["message"]],
            cwd=root,
            env=env,
            check=True,
            timeout=30,
        )


@pytest.fixture
def history_repo(tmp_path: Path, git_env: None) -> Path:
    root = tmp_path / "repo"
    spec = json.loads((INPUTS / "git-history-two-authors.json").read_text("utf-8"))
    replay_history(root, spec)
    return root


def test_git_history_gives_two_names_newest_first_and_no_emails(history_repo: Path) -> None:
    facts = GitRepoFacts(history_repo)
    names = facts.last_committers("src/sync/retry.py")
    assert names == ["Grace Hopper", "Ada Lovelace"]
    got = resolve_owner(at("services/api/src/sync/retry.py"), facts)
    assert (got.owner, got.source) == ("Grace Hopper, Ada Lovelace", "git")
    for text in (got.owner, got.reason, *names):
        assert not EMAIL.search(text)
        assert "@" not in text


def test_git_facts_read_codeowners_from_github_folder_first(history_repo: Path) -> None:
    (history_repo / "CODEOWNERS").write_text("* @acme/root-file\n", encoding="utf-8")
    (history_repo / ".github").mkdir()
    (history_repo / ".github" / "CODEOWNERS").write_text("src/sync/ @acme/sync\n", "utf-8")
    got = resolve_owner(at("src/sync/retry.py"), GitRepoFacts(history_repo))
    assert (got.owner, got.source) == ("@acme/sync", "codeowners")


def test_git_facts_refuse_paths_outside_the_root(history_repo: Path) -> None:
    facts = GitRepoFacts(history_repo)
    assert facts.file_exists("src/sync/retry.py")
    assert not facts.file_exists("../outside.txt")
    assert facts.last_committers("../outside.txt") == []


def test_git_facts_outside_a_repository_know_nothing(tmp_path: Path, git_env: None) -> None:
    (tmp_path / "plain").mkdir()
    facts = GitRepoFacts(tmp_path / "plain")
    assert facts.codeowners_text() is None
    assert facts.last_committers("src/app.py") == []


def test_git_facts_are_read_once_per_instance(history_repo: Path) -> None:
    """An instance serves one triage step, where many groups share a frame file: a fact asked
    again is not read again (no second ``git log``), and a new instance reads the tree anew."""
    facts = GitRepoFacts(history_repo)
    names = facts.last_committers("src/sync/retry.py")
    assert names == ["Grace Hopper", "Ada Lovelace"]
    names.append("caller's own edit")
    assert not facts.file_exists("src/sync/backoff.py")
    assert facts.codeowners_text() is None
    later = {
        "author": "Katherine Johnson",
        "email": "kj@orbits.example",
        "date": "2026-11-20T10:00:00Z",
        "message": "feat(sync): backoff",
        "files": {
            "src/sync/retry.py": "def retry(fn, attempts=5):\n    return fn()\n",
            "src/sync/backoff.py": "DELAY = 1\n",
            "CODEOWNERS": "src/sync/ @acme/sync\n",
        },
    }
    replay_history(history_repo, {"commits": [later]})
    assert facts.last_committers("src/sync/retry.py") == ["Grace Hopper", "Ada Lovelace"]
    assert not facts.file_exists("src/sync/backoff.py")
    assert facts.codeowners_text() is None
    fresh = GitRepoFacts(history_repo)
    assert fresh.last_committers("src/sync/retry.py") == ["Katherine Johnson", "Grace Hopper"]
    assert fresh.file_exists("src/sync/backoff.py")
    assert fresh.codeowners_text() == "src/sync/ @acme/sync\n"


@pytest.mark.parametrize(
    ("name", "path", "expected"),
    [
        ("a file inside the root", "src/real.py", True),
        ("a symlink inside the root to a file outside it", "src/link.py", False),
        ("a path that climbs out of the root", "../secret.py", False),
        ("a path that does not exist", "src/missing.py", False),
        ("a folder", "src", False),
    ],
)
def test_git_facts_see_only_files_inside_the_root(
    name: str, path: str, expected: bool, tmp_path: Path
) -> None:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "real.py").write_text("y = 2\n", encoding="utf-8")
    (tmp_path / "secret.py").write_text("x = 1\n", encoding="utf-8")
    (root / "src" / "link.py").symlink_to(tmp_path / "secret.py")
    assert GitRepoFacts(root).file_exists(path) is expected


# --- frames that name less than the repository path ------------------------------------------

TREE_FILES = [
    "CODEOWNERS",
    "billing/src/main/java/com/acme/billing/TokenView.java",
    "billing/src/main/kotlin/com/acme/billing/Ledger.kt",
    "billing/src/test/java/com/acme/billing/TokenViewTest.java",
    "services/cart/internal/cart/cart.go",
    "src/acme/payments/tokens.py",
    "web/src/ui/Table.tsx",
    "web/src/ui/admin/Table.tsx",
    "web/src/ui/Grid.jsx",
    "services/cart/testdata/internal/cart/cart.go",
]
TREE_CODEOWNERS = """\
/billing/ @acme/billing
/services/cart/ @acme/cart
/src/acme/payments/ @acme/payments
/web/src/ui/ @acme/ui-team
/web/src/ui/admin/ @acme/admin
"""
TREE_FACTS = FixtureRepoFacts(TREE_CODEOWNERS, {}, TREE_FILES)

# (name, top frame path as occurrences store it, expected repository file, expected owner)
TREE_CASES = [
    (
        "JVM class by package path",
        "com/acme/billing/TokenView.java",
        "billing/src/main/java/com/acme/billing/TokenView.java",
        "@acme/billing",
    ),
    (
        "Kotlin file by package path",
        "com/acme/billing/Ledger.kt",
        "billing/src/main/kotlin/com/acme/billing/Ledger.kt",
        "@acme/billing",
    ),
    (
        "Go import path, module prefix not in the repo; a testdata copy is deeper",
        "github.com/acme/shop/internal/cart/cart.go",
        "services/cart/internal/cart/cart.go",
        "@acme/cart",
    ),
    (
        "Python dotted module under src/",
        "acme/payments/tokens.py",
        "src/acme/payments/tokens.py",
        "@acme/payments",
    ),
    (
        "bundle under /app/dist/ names the compiled file",
        "app/dist/ui/Table.js",
        "web/src/ui/Table.tsx",
        "@acme/ui-team",
    ),
    (
        "webpack scheme",
        "webpack://shop/./src/ui/admin/Table.tsx",
        "web/src/ui/admin/Table.tsx",
        "@acme/admin",
    ),
    ("compiled jsx", "dist/ui/Grid.js", "web/src/ui/Grid.jsx", "@acme/ui-team"),
]


@pytest.mark.parametrize(
    ("name", "path", "repo_file", "owner"), TREE_CASES, ids=[c[0] for c in TREE_CASES]
)
def test_frames_are_found_in_the_repository_tree(
    name: str, path: str, repo_file: str, owner: str
) -> None:
    assert find_in_tree(path, TREE_FILES) == repo_file
    got = resolve_owner(at(path), TREE_FACTS)
    assert (got.owner, got.source) == (owner, "codeowners")
    assert repo_file in got.reason


NOT_IN_TREE = [
    ("a bare name shared by two files is ambiguous", "Table.tsx"),
    ("no file of that name", "com/acme/orders/OrderService.java"),
]


@pytest.mark.parametrize(("name", "path"), NOT_IN_TREE, ids=[c[0] for c in NOT_IN_TREE])
def test_tree_lookup_does_not_guess(name: str, path: str) -> None:
    assert find_in_tree(path, TREE_FILES) is None


def test_module_map_applies_to_the_file_found_in_the_tree() -> None:
    facts = FixtureRepoFacts(None, {}, TREE_FILES)
    got = resolve_owner(at("com/acme/billing/TokenView.java"), facts, {"billing/": "@acme/money"})
    assert (got.owner, got.source) == ("@acme/money", "module_map")


def test_git_facts_list_tracked_files_and_walk_plain_folders(
    history_repo: Path, tmp_path: Path
) -> None:
    facts = GitRepoFacts(history_repo)
    assert "src/sync/retry.py" in facts.list_files()
    plain = tmp_path / "plain" / "src" / "main" / "java" / "com" / "acme"
    plain.mkdir(parents=True)
    (plain / "TokenView.java").write_text("class TokenView {}\n", encoding="utf-8")
    (tmp_path / "plain" / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "plain" / "node_modules" / "x" / "TokenView.java").write_text("", "utf-8")
    walked = GitRepoFacts(tmp_path / "plain").list_files()
    assert list(walked) == ["src/main/java/com/acme/TokenView.java"]


# --- CODEOWNERS' catch-all is a default; the module map names modules -------------------------

MONO_FILES = [
    "services/inventory/stock/ledger.go",
    "services/billing/invoice.go",
    "crates/pricing/src/discount.rs",
    "app/cli.py",
]
MONO_MODULES = {"services/inventory/": "@polyco/inventory", "crates/pricing/": "@polyco/pricing"}

# (name, CODEOWNERS text, frame file, expected owner, expected source)
CATCH_ALL_CASES = [
    (
        "a module-map entry beats the * default",
        "*  @polyco/platform\n/services/billing/  @polyco/billing\n",
        "services/inventory/stock/ledger.go",
        "@polyco/inventory",
        "module_map",
    ),
    (
        "a module-map entry beats the /** default",
        "/**  @polyco/platform\n",
        "crates/pricing/src/discount.rs",
        "@polyco/pricing",
        "module_map",
    ),
    (
        "a * listed last still only sets the default",
        "/services/  @polyco/services\n*  @polyco/platform\n",
        "services/inventory/stock/ledger.go",
        "@polyco/inventory",
        "module_map",
    ),
    (
        "a more specific CODEOWNERS line still beats the module map",
        "*  @polyco/platform\n/services/inventory/stock/  @polyco/stock\n",
        "services/inventory/stock/ledger.go",
        "@polyco/stock",
        "codeowners",
    ),
    (
        "an extension glob is specific too",
        "*  @polyco/platform\n*.rs  @polyco/rust\n",
        "crates/pricing/src/discount.rs",
        "@polyco/rust",
        "codeowners",
    ),
    (
        "the default owns what no module-map entry matches",
        "*  @polyco/platform\n/services/billing/  @polyco/billing\n",
        "app/cli.py",
        "@polyco/platform",
        "codeowners",
    ),
]


@pytest.mark.parametrize(
    ("name", "codeowners", "path", "owner", "source"),
    CATCH_ALL_CASES,
    ids=[c[0] for c in CATCH_ALL_CASES],
)
def test_codeowners_catch_all_is_a_default_below_the_module_map(
    name: str, codeowners: str, path: str, owner: str, source: str
) -> None:
    facts = FixtureRepoFacts(codeowners, {path: ["Radka Novotna"]}, MONO_FILES)
    got = resolve_owner(at(path), facts, MONO_MODULES)
    assert (got.owner, got.source) == (owner, source)


def test_the_catch_all_default_still_comes_before_git_history() -> None:
    facts = FixtureRepoFacts("* @polyco/platform\n", {"app/cli.py": ["Radka Novotna"]}, MONO_FILES)
    got = resolve_owner(at("app/cli.py"), facts, MONO_MODULES)
    assert (got.owner, got.source) == ("@polyco/platform", "codeowners")
    assert "catch-all" in got.reason


# --- Go frames built under a GOPATH or read from the module cache ----------------------------

GO_CODEOWNERS = "*  @polyco/platform\n/services/registry/  @polyco/registry\n"
GO_FACTS = FixtureRepoFacts(
    GO_CODEOWNERS,
    {},
    [
        *MONO_FILES,
        "services/registry/push.go",
        "services/x/y.go",
        "vendor/github.com/polyco/mono/services/x/y.go",
    ],
)

# (name, top frame path as occurrences store it, expected repository file, owner)
GO_CASES = [
    (
        "GOPATH of a container (/go/src/...)",
        "/go/src/github.com/polyco/mono/services/inventory/stock/ledger.go",
        "services/inventory/stock/ledger.go",
        "@polyco/inventory",
    ),
    (
        "GOPATH as the normaliser leaves it (src/github.com/...)",
        "src/github.com/polyco/mono/services/inventory/stock/ledger.go",
        "services/inventory/stock/ledger.go",
        "@polyco/inventory",
    ),
    (
        "GOPATH under a home folder",
        "/home/<USER>/go/src/github.com/polyco/mono/services/registry/push.go",
        "services/registry/push.go",
        "@polyco/registry",
    ),
    (
        "module cache with a version",
        "/root/go/pkg/mod/github.com/polyco/mono@v1.4.2/services/registry/push.go",
        "services/registry/push.go",
        "@polyco/registry",
    ),
    (
        "a vendored copy with a longer matching suffix is not the source",
        "/go/src/github.com/polyco/mono/services/x/y.go",
        "services/x/y.go",
        "@polyco/platform",
    ),
    (
        "-trimpath import path",
        "github.com/polyco/mono/services/inventory/stock/ledger.go",
        "services/inventory/stock/ledger.go",
        "@polyco/inventory",
    ),
]


@pytest.mark.parametrize(
    ("name", "path", "repo_file", "owner"), GO_CASES, ids=[c[0] for c in GO_CASES]
)
def test_go_frames_map_to_the_repository_file(
    name: str, path: str, repo_file: str, owner: str
) -> None:
    got = resolve_owner(at(path), GO_FACTS, MONO_MODULES)
    assert got.owner == owner
    assert repo_file in got.reason and "vendor/" not in got.reason


def test_go_frame_not_in_the_tree_never_matches_the_build_machines_src_folder() -> None:
    # The file was deleted since the run; "/src/" is the web team's folder, not a GOPATH.
    codeowners = "*  @polyco/platform\n/services/  @polyco/services\n/src/  @polyco/web\n"
    facts = FixtureRepoFacts(codeowners, {}, files=())
    got = resolve_owner(at("src/github.com/polyco/mono/services/gone/retry.go"), facts)
    assert (got.owner, got.source) == ("@polyco/services", "codeowners")
