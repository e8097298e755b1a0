"""Resources: where things are (from the contract's environment variables) and the repository.

Defaults are read from the environment when the code location loads, so
``TELEMETRY_ARTIFACTS_ROOT=... dagster asset materialize ...`` works with no run config, and
a test can build its own instances with explicit values.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg
from pydantic import Field

from telemetry_assets.core.batch import RedactorSettings, default_workers
from telemetry_assets.core.triage.owners import (
    FixtureRepoFacts,
    GitRepoFacts,
    HistoryFixtureRepoFacts,
    RepoFacts,
)


class TelemetrySettings(dg.ConfigurableResource):
    """Locations and knobs. Paths may be relative to the working directory."""

    artifacts_root: str = Field(description="The artifacts root (TELEMETRY_ARTIFACTS_ROOT).")
    reports_dir: str = Field(description="Where reports are written (TELEMETRY_REPORTS_DIR).")
    repo_root: str = Field(description="CODEOWNERS, policy and git history (TELEMETRY_REPO_ROOT).")
    cache_dir: str = Field(
        default="", description="Sanitized-artifact cache; empty disables it (TELEMETRY_CACHE_DIR)."
    )
    state_dir: str = Field(
        default="", description="Purge register and other state (TELEMETRY_STATE_DIR)."
    )
    workers: int = Field(default=2, description="Processes for parse+redact (TELEMETRY_WORKERS).")
    disabled_redaction_rules: list[str] = Field(
        default_factory=list, description="Redaction rules switched off (tests only)."
    )
    extra_internal_domains: list[str] = Field(
        default_factory=list, description="More internal domains to redact as <HOST>."
    )

    def redactor_settings(self) -> RedactorSettings:
        return RedactorSettings(
            disabled_rules=tuple(self.disabled_redaction_rules),
            extra_internal_domains=tuple(self.extra_internal_domains),
        )

    @property
    def artifacts_path(self) -> Path:
        return Path(self.artifacts_root)

    @property
    def reports_path(self) -> Path:
        return Path(self.reports_dir)

    @property
    def repo_path(self) -> Path:
        return Path(self.repo_root)

    @property
    def state_path(self) -> Path | None:
        return Path(self.state_dir) if self.state_dir else None

    @property
    def cache_path(self) -> Path | None:
        return Path(self.cache_dir) if self.cache_dir else None


class RepoFactsResource(dg.ConfigurableResource):
    """CODEOWNERS and git history: the real repository, or an offline fixture. The fixture is a
    JSON file with ``committers`` ({path: [names, newest first]}) and, optionally,
    ``codeowners`` and ``files``: without ``codeowners`` the real tree under ``repo_root`` still
    supplies CODEOWNERS and files, and only the history is recorded."""

    repo_root: str
    fixture_path: str = ""

    def facts(self) -> RepoFacts:
        if self.fixture_path:
            data = json.loads(Path(self.fixture_path).read_text("utf-8"))
            if "codeowners" not in data:
                return HistoryFixtureRepoFacts(Path(self.repo_root), data.get("committers", {}))
            return FixtureRepoFacts(
                codeowners=data.get("codeowners"),
                committers=data.get("committers", {}),
                files=data.get("files", ()),
            )
        return GitRepoFacts(Path(self.repo_root))


def storage_dir() -> str:
    """Where the IO manager keeps the intermediate assets (``TELEMETRY_STORAGE_DIR``)."""
    return os.environ.get("TELEMETRY_STORAGE_DIR", "./.telemetry/storage")


def settings_from_env() -> TelemetrySettings:
    env = os.environ
    return TelemetrySettings(
        artifacts_root=env.get("TELEMETRY_ARTIFACTS_ROOT", "./artifacts"),
        reports_dir=env.get("TELEMETRY_REPORTS_DIR", "./reports/telemetry"),
        repo_root=env.get("TELEMETRY_REPO_ROOT", "."),
        cache_dir=env.get("TELEMETRY_CACHE_DIR", "./.telemetry/cache"),
        state_dir=env.get("TELEMETRY_STATE_DIR", "./.telemetry/state"),
        workers=int(env.get("TELEMETRY_WORKERS", str(default_workers()))),
        extra_internal_domains=[
            d.strip() for d in env.get("TELEMETRY_INTERNAL_DOMAINS", "").split(",") if d.strip()
        ],
    )


def repo_facts_from_env() -> RepoFactsResource:
    return RepoFactsResource(
        repo_root=os.environ.get("TELEMETRY_REPO_ROOT", "."),
        fixture_path=os.environ.get("TELEMETRY_REPO_FIXTURE", ""),
    )
