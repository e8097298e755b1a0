"""Who should look at a group: CODEOWNERS, then a module map, then recent committers, else a guess.

Contract: :func:`resolve_owner` maps a group's top in-app frame file to an
:class:`OwnerSuggestion`, asking repository facts only through the :class:`RepoFacts` protocol
(real: :class:`GitRepoFacts`; offline twin: :class:`FixtureRepoFacts`). Sources, in order:

1. **CODEOWNERS** (parsed with the ``codeowners`` package; the last matching line wins, a matching
   line with no owners means "nobody" and falls through). Looked up at ``.github/CODEOWNERS``,
   ``CODEOWNERS``, ``docs/CODEOWNERS``, first that exists; the order GitHub itself uses, so the
   suggestion agrees with the review requests GitHub makes. E-mail owners are dropped (the report
   is published); a line left with none falls through. When the line that wins is a catch-all
   (:data:`CATCH_ALL_PATTERNS`: ``*``, ``**``, ``/**``) it is a repository-wide default, not a
   statement about this file: a module-map entry that matches the file wins over it, and it is
   used only after the module map.
2. **Module map** from config, ``{"src/integrations/*": "@org/integrations"}``: ``fnmatch``
   globs (``*`` crosses ``/``), a pattern ending in ``/`` or without wildcards also matches
   everything below it; the most specific pattern (most literal characters) wins, and among
   equally specific ones the later entry.
3. **Git history**: authors of the last commits touching the file, newest first, top 2 distinct
   names. Only ``%an`` names are read; any name containing ``@`` or ``<`` and ``[bot]`` accounts
   are dropped, so e-mail addresses never reach the report.
4. **Unknown**: owner ``unknown`` plus a suggested team guessed from path words, then keywords,
   then job type (:data:`TEAM_RULES`).

Frame paths may carry a build prefix the repository does not have (``app/src/ui/Table.tsx`` for
``src/ui/Table.tsx``): the longest suffix that exists in the repository is used. Frames may also
name less than the repository path: a JVM class gives its package path
(``com/acme/billing/TokenView.java`` lives at ``src/main/java/com/acme/billing/TokenView.java``),
a Python dotted module ``acme/billing/tokens.py`` lives under ``src/``, a Go import path carries
the module's host prefix, and a bundle under ``/app/dist/`` or ``webpack://`` names ``ui/Table.js``
for ``src/ui/Table.tsx``. Those are found in the repository tree (:meth:`RepoFacts.list_files`:
``git ls-files`` or a directory walk; the fixture twin's file list): the longest suffix of the
frame path that some repository file ends with wins, among several files the shortest path
(then the first in order), with compiled JavaScript also matched against its TypeScript/JSX
source names. A Go frame built under a GOPATH or read from the module cache
(``/go/src/github.com/polyco/mono/services/x/y.go``, ``src/github.com/...``,
``pkg/mod/github.com/polyco/mono@v1.2.0/...``) is found the same way, by the longest suffix that
exists (``services/x/y.go``). When nothing is found, every suffix is tried and the CODEOWNERS line
that matches latest (the most specific by the file's own rule) wins, ties going to the longer
suffix; a Go path's suffixes then start after its import host (:data:`_GO_WORKSPACE`), since
``src/github.com/...`` is the build machine's layout and must not match a repository's ``/src/``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Literal, Protocol

from codeowners import CodeOwners

from telemetry_assets.core.models import GroupStats

OwnerSource = Literal["codeowners", "module_map", "git", "unknown"]

CODEOWNERS_LOCATIONS: tuple[str, ...] = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
"""GitHub's own lookup order; the first file that exists is the only one read."""

GIT_TIMEOUT_S = 10.0
GIT_LOG_MAX_COMMITS = 200
"""Enough history to find two distinct people on a busy file without walking all of it."""

UNKNOWN_OWNER = "unknown"

_NO_MODULE_MAP: Mapping[str, str] = MappingProxyType({})


class RepoFacts(Protocol):
    """What owner resolution may ask of a repository, and nothing more."""

    def codeowners_text(self) -> str | None: ...

    def last_committers(self, path: str, limit: int = 2) -> list[str]:
        """Distinct author NAMES (never e-mails) of the newest commits touching ``path``."""
        ...

    def file_exists(self, path: str) -> bool: ...

    def list_files(self) -> Sequence[str]:
        """Repository-relative paths of the tracked (else present) files, ``/``-separated."""
        ...


MAX_LISTED_FILES = 200_000
"""A walk stops here: enough for a large monorepo, bounded for a mis-set root like ``/``."""

_WALK_SKIP = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", "target"})
"""Folders a directory walk does not enter: dependencies, caches and build output."""


def _is_person_name(name: str) -> bool:
    # "@" and "<" catch addresses typed into user.name; bots own nothing a human can act on.
    return bool(name) and "@" not in name and "<" not in name and not name.endswith("[bot]")


def _distinct_names(names: Iterable[str], limit: int) -> list[str]:
    out: list[str] = []
    for raw in names:
        name = raw.strip()
        if _is_person_name(name) and name not in out:
            out.append(name)
            if len(out) >= limit:
                break
    return out


class GitRepoFacts:
    """Facts from a checkout: files under ``root`` and ``git log --format=%an`` (names only).

    Each fact is read once per instance (an instance serves one triage step, over a tree that
    does not change meanwhile): groups share frame files and CODEOWNERS, and every path check
    resolves symlinks on disk and every history question runs ``git log``.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._is_toplevel: bool | None = None
        self._files: tuple[str, ...] | None = None
        self._resolved_root: Path | None = None
        self._inside_memo: dict[str, Path | None] = {}
        self._exists_memo: dict[str, bool] = {}
        self._committers_memo: dict[tuple[str, int], tuple[str, ...]] = {}
        self._codeowners_memo: tuple[str | None] | None = None
        self._git_env_memo: dict[str, str] | None = None

    def _git(self, *args: str) -> str | None:
        """``git <args>`` in ``root``: its output, or ``None`` when git is missing, fails or
        hangs (facts then come from the folder alone). Never prompts, never takes locks."""
        if self._git_env_memo is None:
            self._git_env_memo = {
                **os.environ,
                "GIT_TERMINAL_PROMPT": "0",
                "GIT_OPTIONAL_LOCKS": "0",
            }
        try:
            done = subprocess.run(
                ["git", *args],
                cwd=self.root,
                env=self._git_env_memo,
                capture_output=True,
                text=True,
                timeout=GIT_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout if done.returncode == 0 else None

    def _own_checkout(self) -> bool:
        """History is read only when ``root`` is the top of its own checkout: a plain folder
        inside some other repository must not borrow that repository's committers."""
        if self._is_toplevel is None and not self._may_be_checkout():
            self._is_toplevel = False
        if self._is_toplevel is None:
            top = self._git("rev-parse", "--show-toplevel")
            self._is_toplevel = (
                top is not None and Path(top.strip()).resolve() == self.root.resolve()
            )
        return self._is_toplevel

    def _may_be_checkout(self) -> bool:
        """The top of a checkout holds ``.git`` (a folder, or a file for worktrees and
        submodules) unless git is pointed elsewhere by its environment. A plain folder is told
        apart without starting git, which cost more than the rest of a triage step."""
        if "GIT_DIR" in os.environ or "GIT_WORK_TREE" in os.environ:
            return True
        return os.path.lexists(os.path.join(self.root, ".git"))

    def _inside(self, path: str) -> Path | None:
        if path in self._inside_memo:
            return self._inside_memo[path]
        if self._resolved_root is None:
            self._resolved_root = self.root.resolve()
        resolved = (self.root / path).resolve()
        target = resolved if resolved.is_relative_to(self._resolved_root) else None
        self._inside_memo[path] = target
        return target

    def codeowners_text(self) -> str | None:
        if self._codeowners_memo is None:
            self._codeowners_memo = (self._read_codeowners(),)
        return self._codeowners_memo[0]

    def _read_codeowners(self) -> str | None:
        for location in CODEOWNERS_LOCATIONS:
            candidate = self.root / location
            if candidate.is_file():
                return candidate.read_text(encoding="utf-8", errors="replace")
        return None

    def file_exists(self, path: str) -> bool:
        if path not in self._exists_memo:
            # Most paths asked are suffixes that do not exist: only a file that is there needs
            # its symlinks resolved to learn whether it lies inside the root.
            # ``os.path`` on the joined text: a ``Path`` per question cost more than the stat.
            # A trailing separator is left to ``Path``, which drops it where the OS would not.
            where = (
                self.root / path if path.endswith(("/", os.sep)) else os.path.join(self.root, path)
            )
            self._exists_memo[path] = os.path.isfile(where) and self._inside(path) is not None
        return self._exists_memo[path]

    def list_files(self) -> Sequence[str]:
        """``git ls-files`` in the repository's own checkout, else a bounded directory walk."""
        if self._files is None:
            self._files = self._git_files() or self._walk_files()
        return self._files

    def _git_files(self) -> tuple[str, ...]:
        listed = self._git("ls-files", "-z") if self._own_checkout() else None
        if listed is None:
            return ()
        return tuple(sorted(p for p in listed.split("\0") if p)[:MAX_LISTED_FILES])

    def _walk_files(self) -> tuple[str, ...]:
        found: list[str] = []
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if d not in _WALK_SKIP)
            rel = Path(folder).relative_to(self.root).as_posix()
            found.extend(name if rel == "." else f"{rel}/{name}" for name in sorted(files))
            if len(found) >= MAX_LISTED_FILES:
                break
        return tuple(sorted(found[:MAX_LISTED_FILES]))

    def last_committers(self, path: str, limit: int = 2) -> list[str]:
        key = (path, limit)
        if key not in self._committers_memo:
            self._committers_memo[key] = tuple(self._read_committers(path, limit))
        return list(self._committers_memo[key])

    def _read_committers(self, path: str, limit: int) -> list[str]:
        # Checked once per instance, and first: without a checkout no path needs resolving.
        if not self._own_checkout() or self._inside(path) is None:
            return []
        names = self._git(
            "log", "--no-merges", f"--max-count={GIT_LOG_MAX_COMMITS}", "--format=%an", "--", path
        )
        return [] if names is None else _distinct_names(names.splitlines(), limit)


class HistoryFixtureRepoFacts(GitRepoFacts):
    """A real tree (CODEOWNERS, files) with recorded history: the offline twin for git log."""

    def __init__(self, root: Path, committers: Mapping[str, Sequence[str]]) -> None:
        super().__init__(root)
        self._committers = {k: list(v) for k, v in committers.items()}

    def last_committers(self, path: str, limit: int = 2) -> list[str]:
        return _distinct_names(self._committers.get(path, ()), limit)


class FixtureRepoFacts:
    """Offline twin of :class:`GitRepoFacts`: CODEOWNERS text, committers per path, file list."""

    def __init__(
        self,
        codeowners: str | None,
        committers: Mapping[str, Sequence[str]],
        files: Iterable[str] = (),
    ) -> None:
        self._codeowners = codeowners
        self._committers = {path: list(names) for path, names in committers.items()}
        self._files = frozenset(files)

    @classmethod
    def from_json(cls, text: str) -> FixtureRepoFacts:
        """``{"codeowners": str|null, "committers": {path: [names newest first]}, "files": []}``."""
        data = json.loads(text)
        return cls(
            codeowners=data.get("codeowners"),
            committers=data.get("committers", {}),
            files=data.get("files", ()),
        )

    def codeowners_text(self) -> str | None:
        return self._codeowners

    def file_exists(self, path: str) -> bool:
        return path in self._files

    def list_files(self) -> Sequence[str]:
        return sorted(self._files)

    def last_committers(self, path: str, limit: int = 2) -> list[str]:
        return _distinct_names(self._committers.get(path, ()), limit)


@dataclass(frozen=True, slots=True)
class OwnerSuggestion:
    owner: str
    source: OwnerSource
    suggested_team: str | None
    reason: str

    @property
    def display(self) -> str:
        """``@org/ui``, or ``unknown (suggested: ui)`` / ``unknown`` for tables and actions."""
        if self.source != "unknown":
            return self.owner
        if self.suggested_team:
            return f"{UNKNOWN_OWNER} (suggested: {self.suggested_team})"
        return UNKNOWN_OWNER


# --- paths ---------------------------------------------------------------------------------

_PATH_NOISE = re.compile(
    r"""
    ^[a-z][a-z0-9+.-]*:/+        # URL-ish scheme a bundler left in front: webpack:///, file://
    | :(?:LINE|\d+)(?::\d+)?$    # a position suffix, normalised (":LINE") or not (":12:7")
    """,
    re.VERBOSE | re.IGNORECASE,
)
# Deliberately not matched: Windows drive letters ("C:/...") are one letter, which the scheme
# branch needs two of, so they are left alone and only lose their leading component as a suffix.


def clean_path(path: str) -> str:
    """Forward slashes, no scheme, no position suffix, no leading ``./`` or ``/``."""
    cleaned = _PATH_NOISE.sub("", path.strip().replace("\\", "/"))
    parts = [p for p in cleaned.split("/") if p not in ("", ".")]
    return "/".join(parts)


def path_suffixes(path: str) -> list[str]:
    """``a/b/c.py`` -> ``["a/b/c.py", "b/c.py", "c.py"]`` (longest first)."""
    parts = clean_path(path).split("/")
    return ["/".join(parts[i:]) for i in range(len(parts)) if parts[i]]


_COMPILED_JS = re.compile(r"\.(?:m|c)?js$")
_JS_SOURCE_EXTENSIONS: tuple[str, ...] = (".ts", ".tsx", ".jsx", ".mts", ".cts", ".vue")
"""What a bundled ``.js`` may have been written as; tried after the ``.js`` name itself."""


@dataclass(frozen=True, slots=True)
class _TreeIndex:
    by_name: Mapping[str, tuple[str, ...]]
    """File name -> repository paths with that name, shortest first."""


@lru_cache(maxsize=8)
def _tree_index(files: tuple[str, ...]) -> _TreeIndex:
    by_name: dict[str, list[str]] = {}
    for path in files:
        by_name.setdefault(path.rsplit("/", 1)[-1], []).append(path)
    return _TreeIndex(
        {k: tuple(sorted(v, key=lambda p: (p.count("/"), p))) for k, v in by_name.items()}
    )


def _alternative_names(path: str) -> list[str]:
    if not _COMPILED_JS.search(path):
        return [path]
    stem = _COMPILED_JS.sub("", path)
    return [path, *(stem + ext for ext in _JS_SOURCE_EXTENSIONS)]


def find_in_tree(path: str, files: Sequence[str]) -> str | None:
    """The repository file a frame path names: the longest suffix some file ends with.

    ``com/acme/billing/TokenView.java`` -> ``src/main/java/com/acme/billing/TokenView.java``;
    ``app/dist/ui/Table.js`` -> ``src/ui/Table.tsx``. Among several files ending with the same
    suffix the shortest path wins (then the first in order): a copy under ``vendor/`` or a
    fixture folder is deeper than the source. A bare file name matches only a file whose name
    is unique in the repository. ``None`` when nothing matches.
    """
    if not files:
        return None
    index = _tree_index(tuple(files))
    for candidate in _alternative_names(clean_path(path)):
        suffixes = path_suffixes(candidate)
        if not suffixes:
            continue
        named = index.by_name.get(suffixes[-1], ())
        for suffix in suffixes:  # longest first
            if suffix == suffixes[-1] and len(named) > 1:
                break  # the bare file name of several files says nothing about which one
            for repo_path in named:
                if repo_path == suffix or repo_path.endswith("/" + suffix):
                    return repo_path
    return None


_GO_WORKSPACE = re.compile(
    r"""
    [a-z0-9-]+(?:\.[a-z0-9-]+)*   # the import path's host: github.com, go.uber.org,
    \.[a-z]{2,6}                   # git.corp.example.io; its last label is letters only
    """,
    re.VERBOSE,
)
"""A folder of a Go source path that is an import host (``src/github.com/...`` under a GOPATH,
``pkg/mod/github.com/...`` in the module cache, ``github.com/...`` with ``-trimpath``).
Deliberately not matched: dotted folders whose last label has a digit (``api.v2``) or is long
(``app.components``), and hidden folders (``.next``)."""


def _outside_go_workspace(path: str, suffixes: list[str]) -> list[str]:
    """A Go path's suffixes that start after its import host (all of them for other paths)."""
    parts = path.split("/")
    if not path.endswith(".go"):
        return suffixes
    host = next((i for i, p in enumerate(parts[:-2]) if _GO_WORKSPACE.fullmatch(p)), None)
    if host is None:
        return suffixes
    return ["/".join(parts[i:]) for i in range(host + 1, len(parts))]


def repo_path_candidates(path: str, facts: RepoFacts) -> tuple[list[str], bool]:
    """The repository file a frame path names, or all its suffixes; and whether one was found.

    First the longest suffix that exists as it is; then the repository tree (see
    :func:`find_in_tree`) for frames that name less than the path (package paths, build
    prefixes, compiled names, a GOPATH or module-cache prefix).
    """
    suffixes = path_suffixes(path)
    for suffix in suffixes:
        if facts.file_exists(suffix):
            return [suffix], True
    listed = getattr(facts, "list_files", None)
    found = find_in_tree(path, listed()) if callable(listed) else None
    if found is not None:
        return [found], True
    return _outside_go_workspace(clean_path(path), suffixes), False


# --- the sources ---------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _parsed_codeowners(text: str) -> CodeOwners:
    return CodeOwners(text)


def _owner_handles(owners: Sequence[tuple[str, str]]) -> list[str]:
    return [handle for kind, handle in owners if kind != "EMAIL" and "@" not in handle[1:]]


CATCH_ALL_PATTERNS = frozenset({"*", "**", "/**"})
"""CODEOWNERS patterns that match every file: the repository's default owners."""


def _from_codeowners(
    candidates: Sequence[str], facts: RepoFacts, *, catch_all: bool
) -> OwnerSuggestion | None:
    """The winning CODEOWNERS line's owners, if that line is (``catch_all``) or is not a
    catch-all; a specific line and the default are asked for at different steps."""
    text = facts.codeowners_text()
    if not text:
        return None
    rules = _parsed_codeowners(text)
    best: tuple[int, str, Sequence[tuple[str, str]], str] | None = None
    for candidate in candidates:
        found, line, pattern, _section = rules.matching_line(candidate)
        if line is not None and pattern is not None and (best is None or line > best[0]):
            best = (line, candidate, found, pattern)
    if best is None:
        return None
    line, candidate, owners, pattern = best
    if (pattern.strip() in CATCH_ALL_PATTERNS) != catch_all:
        return None
    handles = _owner_handles(owners)
    if not handles:
        return None
    default = " (the catch-all default; no module-map entry matches)" if catch_all else ""
    return OwnerSuggestion(
        owner=" ".join(handles),
        source="codeowners",
        suggested_team=None,
        reason=f"CODEOWNERS line {line} ({pattern}) matches {candidate}{default}",
    )


def _literal_chars(pattern: str) -> int:
    return sum(1 for ch in pattern if ch not in "*?[]")


def _module_pattern_matches(pattern: str, path: str) -> bool:
    pat = pattern.strip().lstrip("/")
    if pat.endswith("/"):
        return path.startswith(pat)
    if not any(ch in pat for ch in "*?["):
        return path == pat or path.startswith(pat + "/")
    return fnmatchcase(path, pat)


def _from_module_map(
    candidates: Sequence[str], module_map: Mapping[str, str]
) -> OwnerSuggestion | None:
    best: tuple[tuple[int, int], str, str, str] | None = None
    for order, (pattern, owner) in enumerate(module_map.items()):
        for candidate in candidates:
            if _module_pattern_matches(pattern, candidate):
                rank = (_literal_chars(pattern), order)
                if best is None or rank > best[0]:
                    best = (rank, pattern, owner, candidate)
                break
    if best is None:
        return None
    _rank, pattern, owner, candidate = best
    return OwnerSuggestion(
        owner=owner,
        source="module_map",
        suggested_team=None,
        reason=f"module map pattern {pattern} matches {candidate}",
    )


def _from_git(candidates: Sequence[str], facts: RepoFacts) -> OwnerSuggestion | None:
    for candidate in candidates:
        # The filter runs here too: a RepoFacts implementation is not trusted to drop e-mails.
        names = _distinct_names(facts.last_committers(candidate, 2), 2)
        if names:
            return OwnerSuggestion(
                owner=", ".join(names),
                source="git",
                suggested_team=None,
                reason=f"most recent committers of {candidate}",
            )
    return None


# --- team guess ----------------------------------------------------------------------------


def wordset(words: str) -> frozenset[str]:
    """``"a b c"`` -> ``frozenset({"a", "b", "c"})``: keeps long word lists readable as data."""
    return frozenset(words.split())


@dataclass(frozen=True, slots=True)
class TeamRule:
    """A team and the path words / file extensions / keywords that point at it."""

    team: str
    words: frozenset[str]
    extensions: frozenset[str] = frozenset()


# Order is priority: security first because a login form is a security matter before a UI one;
# protocol and data before ui because an API client written in .tsx is still an API problem;
# testing last because "tests/auth/..." says more about auth than about the test harness.
TEAM_RULES: tuple[TeamRule, ...] = (
    TeamRule(
        "auth/security",
        wordset(
            "auth authn authz oauth oidc saml sso jwt login logout session sessions token tokens"
            " password passwords secret secrets crypto cryptography tls ssl cert certs"
            " permission permissions acl security keychain vault"
        ),
    ),
    TeamRule(
        "protocol",
        wordset(
            "api apis rpc grpc proto protocol protocols http https net network transport"
            " websocket websockets socket sockets graphql rest codec serde serialization"
            " integrations webhook webhooks"
        ),
        frozenset({"proto"}),
    ),
    TeamRule(
        "data",
        wordset(
            "db database databases sql migrations migration models model storage store etl"
            " pipeline pipelines warehouse schema schemas orm repository repositories dao"
            " parquet query queries"
        ),
        frozenset({"sql"}),
    ),
    TeamRule(
        "ui",
        wordset(
            "ui components component views view pages page frontend web styles css widgets"
            " screens layout theme render renderer"
        ),
        frozenset({"tsx", "jsx", "vue", "svelte", "css", "scss", "html"}),
    ),
    TeamRule(
        "build",
        wordset(
            "build builds webpack vite rollup esbuild babel gradle maven cmake makefile bazel"
            " tsconfig toolchain compiler bundler packaging"
        ),
        frozenset({"gradle", "cmake", "bzl"}),
    ),
    TeamRule(
        "infra",
        wordset(
            "infra infrastructure deploy deployment docker dockerfile k8s kubernetes helm"
            " terraform ansible ci github workflows ops devops runner runners"
        ),
        frozenset({"tf"}),
    ),
    TeamRule(
        "testing",
        wordset(
            "tests test testing spec specs e2e fixtures fixture conftest harness playwright"
            " cypress mocks"
        ),
    ),
)

# Last resort when neither path nor keywords say anything: what kind of job failed.
JOB_TYPE_TEAMS: Mapping[str, str] = MappingProxyType(
    {
        "visual": "ui",
        "smoke": "infra",
        "agent": "infra",
        "e2e": "testing",
        "flaky": "testing",
        "coverage": "testing",
        "unit": "testing",
    }
)

_WORD = re.compile(
    r"""
    [A-Z]+(?=[A-Z][a-z])   # the acronym in "HTTPClient" -> "HTTP"
    | [A-Z]?[a-z]+         # a lower or Capitalised word: "Login", "form"
    | [A-Z]+               # a trailing acronym: "JWT"
    | \d+
    """,
    re.VERBOSE,
)
# Deliberately not matched: punctuation and separators (/ . _ -), which only split words.


def path_words(path: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(path)} | {
        part.lower() for part in re.split(r"[/._-]+", path) if part
    }


def suggest_team(
    path: str | None, job_types: Sequence[str] = (), keywords: Sequence[str] = ()
) -> str | None:
    """Guess a team from path words, then keywords, then job type (see :data:`TEAM_RULES`)."""
    if path:
        cleaned = clean_path(path)
        words = path_words(cleaned)
        ext = cleaned.rsplit(".", 1)[-1].lower() if "." in cleaned.rsplit("/", 1)[-1] else ""
        for rule in TEAM_RULES:
            if words & rule.words or ext in rule.extensions:
                return rule.team
    lowered = {k.lower() for k in keywords}
    for rule in TEAM_RULES:
        if lowered & rule.words:
            return rule.team
    for job in job_types:
        if job in JOB_TYPE_TEAMS:
            return JOB_TYPE_TEAMS[job]
    return None


# --- resolution ----------------------------------------------------------------------------


def resolve_owner(
    g: GroupStats, facts: RepoFacts, module_map: Mapping[str, str] = _NO_MODULE_MAP
) -> OwnerSuggestion:
    """CODEOWNERS, module map, CODEOWNERS' catch-all, git history, else ``unknown``."""
    path = g.top_frame_file
    tried: list[str] = []
    if path and clean_path(path):
        candidates, exists = repo_path_candidates(path, facts)
        for source in (
            lambda: _from_codeowners(candidates, facts, catch_all=False),
            lambda: _from_module_map(candidates, module_map),
            lambda: _from_codeowners(candidates, facts, catch_all=True),
            lambda: _from_git(candidates, facts),
        ):
            found = source()
            if found is not None:
                return found
        tried.append(
            f"no CODEOWNERS, module map or git match for {candidates[0]}"
            + ("" if exists else " (file not found in the repository)")
        )
    else:
        tried.append("no in-app frame to look up")
    team = suggest_team(path, g.job_types, g.keywords)
    guess = f"; team guessed from path/keywords/job type: {team}" if team else ""
    return OwnerSuggestion(
        owner=UNKNOWN_OWNER, source="unknown", suggested_team=team, reason=tried[0] + guess
    )
