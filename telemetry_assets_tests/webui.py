"""A real ``dagster-webserver`` on a free loopback port for tests, stopped cleanly afterwards,
and a headless Chromium (Debian's, driven through the Playwright wheel) to look at it."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from telemetry_assets_tests.prerequisites import missing

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# A background process started from a non-interactive shell ignores SIGINT, and the webserver
# maps SIGTERM onto its SIGINT handler; restoring the default lets it shut down cleanly.
RESET_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execvp(sys.argv[1], sys.argv[1:])"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def new_dagster_home(parent: Path) -> Path:
    """A Dagster home set up as the README says (the instance settings copied into it)."""
    home = parent / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "examples" / "dagster.yaml", home / "dagster.yaml")
    return home


@contextlib.contextmanager
def serving(
    args: list[str], env: Mapping[str, str], port: int, output: Any = subprocess.PIPE
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a Dagster server command from the repository root until ``/server_info`` answers on
    ``port``; stop it with SIGTERM afterwards (and fail the test if it does not stop)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", RESET_SIGINT, *args],
        cwd=REPO,
        env=dict(env),
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                pytest.fail(f"{Path(args[0]).name} exited early: {out[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"{Path(args[0]).name} did not answer within 90 s")
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail(f"{Path(args[0]).name} did not stop on SIGTERM")


@contextlib.contextmanager
def webserver(home: Path, env: Mapping[str, str], target: list[str]) -> Iterator[str]:
    """Serve ``target`` (``["-w", "workspace.yaml"]`` or ``["-m", module]``) from the repository
    root; yields the base URL once ``/server_info`` answers."""
    port = free_port()
    binary = str(Path(sys.executable).with_name("dagster-webserver"))
    full_env = {**os.environ, **env, "DAGSTER_HOME": str(home)}
    with serving([binary, "-h", "127.0.0.1", "-p", str(port), *target], full_env, port):
        yield f"http://127.0.0.1:{port}"


def chromium_or_fail() -> str:
    """Debian's Chromium; missing, the UI tests fail under CI (which installs it) and are
    skipped on a developer machine without it."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    missing(f"Chromium not found at {CHROMIUM}: apt-get install chromium (CI installs it)")


@contextlib.contextmanager
def browser_page() -> Iterator[Any]:
    executable = chromium_or_fail()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield browser.new_page(viewport={"width": 1500, "height": 1100})
        finally:
            browser.close()


def dismiss_first_visit_dialog(page: Any) -> None:
    """A fresh instance shows a community dialog over the first page."""
    with contextlib.suppress(Exception):
        page.get_by_role("button", name="Skip").click(timeout=6000)
