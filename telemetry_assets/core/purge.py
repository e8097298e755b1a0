"""The purge register: runs whose data must be treated as if it had never been collected.

``telemetry-purge --run RUN_ID`` adds a run here; the manifest then skips the run (reason
"excluded by policy" is not used: purged runs are silently absent, as if never collected, and
only counted in the report's privacy audit). The register holds run ids only.
"""

from __future__ import annotations

import json
from pathlib import Path

REGISTER = "purged-runs.json"


def load_purged(state_dir: Path) -> frozenset[str]:
    path = state_dir / REGISTER
    if not path.is_file():
        return frozenset()
    data = json.loads(path.read_text("utf-8"))
    runs = data.get("runs", []) if isinstance(data, dict) else []
    return frozenset(str(r) for r in runs)


def register_payload(existing: frozenset[str], run_id: str) -> dict[str, list[str]]:
    return {"runs": sorted(existing | {run_id})}
