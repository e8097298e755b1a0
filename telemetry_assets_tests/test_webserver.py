"""The real Dagster webserver serves the lineage: six assets, their edges and blocking checks,
read through its GraphQL API on a free loopback port, then stopped cleanly."""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from telemetry_assets_tests.webui import free_port, new_dagster_home, serving, webserver

LINEAGE_QUERY = """
{ assetNodes { assetKey { path } groupName dependencyKeys { path }
    partitionDefinition { description }
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }
"""


def _post(url: str, query: str) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    home = new_dagster_home(tmp_path)
    env = {"TELEMETRY_ARTIFACTS_ROOT": str(tmp_path)}
    with webserver(home, env, ["-m", "telemetry_assets.definitions"]) as base:
        yield base


@pytest.mark.slow
def test_graphql_shows_the_six_asset_lineage_and_blocking_checks(served: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        data = _post(f"{served}/graphql", LINEAGE_QUERY)
        nodes = data.get("data", {}).get("assetNodes") or []
        if nodes or time.monotonic() > deadline:
            break
        time.sleep(1)
    lineage = {
        "/".join(n["assetKey"]["path"]): sorted("/".join(d["path"]) for d in n["dependencyKeys"])
        for n in nodes
    }
    print(json.dumps(lineage, indent=1))
    assert lineage["raw_opt_in_manifest"] == []
    assert lineage["sanitized_artifacts"] == ["raw_opt_in_manifest"]
    assert lineage["fingerprints"] == ["sanitized_artifacts"]
    assert lineage["error_groups"] == ["fingerprints"]
    assert "error_groups" in lineage["scored_rollup"]
    assert "scored_rollup" in lineage["telemetry_report"]
    assert len(lineage) == 6
    for node in nodes:
        assert node["groupName"] == "telemetry"
        assert "Daily" in node["partitionDefinition"]["description"]
        checks = node["assetChecksOrError"]["checks"]
        assert checks == [{"name": "no_residual_pii", "blocking": True}]


def _listening_addresses(root_pid: int) -> set[str]:
    import psutil

    root = psutil.Process(root_pid)
    found: set[str] = set()
    for proc in [root, *root.children(recursive=True)]:
        try:
            conns = proc.net_connections(kind="inet")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        found |= {c.laddr.ip for c in conns if c.status == psutil.CONN_LISTEN}
    return found


@pytest.mark.slow
def test_dagster_dev_as_the_readme_starts_it_listens_on_loopback_only(tmp_path: Path) -> None:
    """The open-source webserver has no login: started as the README says, nothing of it (the
    webserver, the code server, the daemon) may accept connections from another machine, and
    the instance set up as the README says starts without a configuration warning."""
    home = new_dagster_home(tmp_path)
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "TELEMETRY_ARTIFACTS_ROOT": "examples/artifacts",
        "TELEMETRY_REPO_ROOT": "examples/repo",
    }
    binary = str(Path(sys.executable).with_name("dagster"))
    log = tmp_path / "dev.log"
    with log.open("wb") as out, serving([binary, "dev", "-p", str(port)], env, port, out) as proc:
        time.sleep(3)  # the code server and the daemon come up just after the webserver
        addresses = _listening_addresses(proc.pid)
    assert addresses, "no listening socket found for dagster dev"
    assert addresses <= {"127.0.0.1", "::1"}, addresses
    assert "will not be used" not in log.read_text(errors="replace")
