"""Running the real ``dagster asset materialize`` command against a tmp layout (shared by the
crash-safety and Dagster-records privacy tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DAGSTER = Path(sys.executable).with_name("dagster")


@dataclass
class Layout:
    base: Path

    @property
    def root(self) -> Path:
        return self.base / "artifacts"

    @property
    def reports(self) -> Path:
        return self.base / "reports"

    @property
    def store(self) -> Path:
        return self.base / "store"

    @property
    def cache(self) -> Path:
        return self.base / "cache"

    @property
    def home(self) -> Path:
        return self.base / "dagster_home"

    def env(self) -> dict[str, str]:
        self.home.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "examples" / "dagster.yaml", self.home / "dagster.yaml")
        (self.base / "repo").mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TELEMETRY_")}
        env.update(
            DAGSTER_HOME=str(self.home),
            TELEMETRY_ARTIFACTS_ROOT=str(self.root),
            TELEMETRY_REPORTS_DIR=str(self.reports),
            TELEMETRY_REPO_ROOT=str(self.base / "repo"),
            TELEMETRY_CACHE_DIR=str(self.cache),
            TELEMETRY_STATE_DIR=str(self.base / "state"),
            TELEMETRY_STORAGE_DIR=str(self.store),
            TELEMETRY_WORKERS="2",
            DAGSTER_TELEMETRY_DISABLED="1",
        )
        return env

    def command(self, partition: str) -> list[str]:
        return [str(DAGSTER), "asset", "materialize", "-m", "telemetry_assets.definitions",
                "--select", "*", "--partition", partition]  # fmt: skip

    def start(self, partition: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            self.command(partition), cwd=self.base, env=self.env(),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def run(self, partition: str, timeout: float = 240) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            self.command(partition), cwd=self.base, env=self.env(),
            capture_output=True, timeout=timeout, check=False,
        )  # fmt: skip
