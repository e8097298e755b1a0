"""The bundled demo (``examples/``) says what it shows, and its files agree with what it says.

``examples/README.md`` lists every run folder with its day and the collection decision the
product must take for report date 2026-11-22. These checks read that table and the files beside
it with the contract's own rules, written out here independently of the product, so a
hand-edited run.json that silently changes the story fails here first.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ARTIFACTS = EXAMPLES / "artifacts"
REPO = EXAMPLES / "repo"
REPORT_DATE = date(2026, 11, 22)
WINDOW_START = date(2026, 11, 9)
PROVIDERS = {"github-actions", "gitlab-ci", "jenkins", "buildkite", "agent"}
JOB_TYPES = {"unit", "visual", "smoke", "agent", "coverage", "flaky", "e2e"}
OPTED_IN_DECISIONS = {"counted", "after-date", "before-window"}
GHA_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}\.\d{7}Z ", re.MULTILINE)


@dataclass(frozen=True)
class Row:
    folder: str
    day: str
    provider: str
    job_type: str
    decision: str


def _rows() -> list[Row]:
    text = (EXAMPLES / "README.md").read_text("utf-8")
    table = text.split("<!-- runs-table:start -->", 1)[1].split("<!-- runs-table:end -->", 1)[0]
    rows = []
    for line in table.strip().splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows.append(Row(*cells[:5]))
    return rows


ROWS = _rows()
RUN_ROWS = [r for r in ROWS if r.decision != "never-opened"]


def _opted_in(top: str, run_json: Path) -> bool:
    """The contract's opt-in rule, restated: placement, env.TELEMETRY == 1, or telemetry: true;
    an explicit opt-out wins; an unreadable run.json is not an opt-in."""
    meta: object = None
    if run_json.is_file():
        try:
            meta = json.loads(run_json.read_text("utf-8"))
        except json.JSONDecodeError:
            return False
    if not isinstance(meta, dict):
        return top == "telemetry-optin" and not run_json.is_file()
    env = meta.get("env") or {}
    flag = env.get("TELEMETRY") if isinstance(env, dict) else None
    if meta.get("telemetry") is False or flag in ("0", 0, False):
        return False
    if top == "telemetry-optin":
        return True
    return meta.get("telemetry") is True or str(flag) == "1"


def test_table_lists_every_run_folder_once() -> None:
    on_disk = {
        f"{top.name}/{run.name}"
        for top in ARTIFACTS.iterdir()
        if top.is_dir() and top.name in ("ci", "agent", "telemetry-optin")
        for run in top.iterdir()
    }
    listed = [r.folder for r in RUN_ROWS]
    assert len(listed) == len(set(listed))
    assert set(listed) == on_disk


def test_demo_has_the_promised_shape() -> None:
    decisions = [r.decision for r in ROWS]
    assert 25 <= len(RUN_ROWS) <= 35
    assert decisions.count("skipped") >= 4
    assert {"after-date", "before-window", "never-opened"} <= set(decisions)
    assert (ARTIFACTS / "other").is_dir()
    size = sum(p.stat().st_size for p in ARTIFACTS.rglob("*") if p.is_file())
    assert size < 1.5 * 1024 * 1024


@pytest.mark.parametrize("row", RUN_ROWS, ids=[r.folder for r in RUN_ROWS])
def test_run_matches_its_table_row(row: Row) -> None:
    top = row.folder.split("/", 1)[0]
    run_dir = ARTIFACTS / row.folder
    run_json = run_dir / "run.json"
    assert any(p.name != "run.json" for p in run_dir.rglob("*") if p.is_file()), "no artifact"
    assert _opted_in(top, run_json) == (row.decision in OPTED_IN_DECISIONS)

    day = date.fromisoformat(row.day)
    if row.decision == "counted":
        assert WINDOW_START <= day <= REPORT_DATE
    elif row.decision == "after-date":
        assert day > REPORT_DATE
    elif row.decision == "before-window":
        assert day < WINDOW_START

    if not run_json.is_file():
        # Without run.json the day must come from timestamps inside the artifact.
        days = {
            m.group(1) for p in run_dir.rglob("*.txt") for m in GHA_PREFIX.finditer(p.read_text())
        }
        assert days == {row.day}
        return
    try:
        meta = json.loads(run_json.read_text("utf-8"))
    except json.JSONDecodeError:
        assert row.decision == "skipped"
        return
    assert meta["run_id"] == run_dir.name
    assert meta["provider"] == row.provider and meta["provider"] in PROVIDERS
    assert meta.get("job_type", row.job_type) == row.job_type and row.job_type in JOB_TYPES
    started = datetime.fromisoformat(meta["started_at"].replace("Z", "+00:00"))
    assert started.utcoffset() is not None and started.date().isoformat() == row.day
    assert {"branch", "commit"} <= meta.keys()


def test_garbage_artifact_is_present_and_really_broken() -> None:
    import xml.etree.ElementTree as ET

    broken = ARTIFACTS / "ci/gha-9912310456/reports/junit-integration.xml"
    with pytest.raises(ET.ParseError):
        ET.fromstring(broken.read_bytes())


@pytest.mark.parametrize(
    "path",
    sorted(p for p in ARTIFACTS.rglob("*") if p.suffix in (".xml", ".json") and p.is_file()),
    ids=lambda p: str(p.relative_to(ARTIFACTS)),
)
def test_structured_artifacts_are_well_formed_except_the_planted_ones(path: Path) -> None:
    import xml.etree.ElementTree as ET

    planted = {"ci/gha-9912310456/reports/junit-integration.xml", "ci/gha-9912251133/run.json"}
    rel = str(path.relative_to(ARTIFACTS))
    text = path.read_text("utf-8")
    try:
        if path.suffix == ".xml":
            ET.fromstring(text)
        elif path.name == "go-test.json":
            for line in text.splitlines():
                json.loads(line)
        else:
            json.loads(text)
        ok = True
    except (ET.ParseError, json.JSONDecodeError):
        ok = False
    assert ok == (rel not in planted)


def test_repo_has_owner_sources_for_the_story() -> None:
    assert (REPO / ".github" / "CODEOWNERS").is_file()
    module_map = json.loads((REPO / "telemetry-owners.json").read_text("utf-8"))["modules"]
    assert all(isinstance(k, str) and v.startswith("@") for k, v in module_map.items())
    for frame_file in (
        "shop/db/pool.py",
        "shop/cart/pricing.py",
        "services/payments/src/main/java/com/acme/shop/payments/PaymentGateway.java",
        "web/src/components/ProductTable.tsx",
        "services/inventory/internal/stock/reserve.go",
        "crates/pricing/src/discount.rs",
        "tools/agent/tools/patch.py",
    ):
        assert (REPO / frame_file).is_file(), frame_file
