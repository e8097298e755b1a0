"""The blocking check's scan gives the same counts, digests and places whether the distinct
values are scanned here or spread over processes (a first scan of tens of thousands of paths)."""

from __future__ import annotations

import pandas as pd

from telemetry_assets.core import privacy, process_pool


def _paths() -> pd.DataFrame:
    rows = [
        {"path": f"ci/gha-99{n:08d}/target/surefire-reports/TEST-com.acme.Case{n}Test.xml"}
        for n in range(process_pool.MIN_ITEMS + 500)
    ]
    rows[17]["path"] = "ci/gha-9900000017/home/jane.doe@acme-corp.com/agent.log"
    rows[2222]["path"] = "ci/gha-9900002222/logs/AKIAQYLPMN5HFIQR7XYA.txt"
    rows[-1]["path"] = "ci/gha-9900009999/logs/ghp_R4nd0mL00k1ngT0k3nV4lu3xYz012345678.txt"
    frame = pd.DataFrame(rows)
    frame["run_id"] = [p.split("/")[1] for p in frame["path"]]
    return frame


def test_a_spread_scan_finds_exactly_what_a_scan_here_finds() -> None:
    frame = _paths()
    here = privacy.scan_frame(frame, where="path", workers=1)
    spread = privacy.scan_frame(frame, where="path", workers=2)

    assert here.by_detector == spread.by_detector
    assert here.digests == spread.digests
    assert here.affected == spread.affected
    assert here.cells_scanned == spread.cells_scanned
    assert {place for place, _ in here.affected} == {
        frame["path"][17],
        frame["path"][2222],
        frame["path"].iloc[-1],
    }
