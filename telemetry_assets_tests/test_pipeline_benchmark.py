"""The pipeline benchmark's lower bound of the next date measures the added day and nothing else.

``benchmarks/`` is not a package, so the script is loaded from its path (see
:mod:`telemetry_assets_tests.benchmark_scripts`); nothing here runs Dagster.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from telemetry_assets_tests.benchmark_scripts import load

D = date(2026, 11, 22)
NEXT = date(2026, 11, 23)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_added_day_is_recorded_as_exactly_the_run_folders_it_wrote(tmp_path: Path) -> None:
    pipeline = load("pipeline")
    root = tmp_path / "artifacts"
    load("corpus").generate_many_files(root, files=120, report_date=D, seed=5)
    before = pipeline._run_folders(root)
    args = argparse.Namespace(files=120, next_files=30, seed=5, mb=0.0, next_mb=None)

    pipeline._add_next_day("files", root, NEXT, args)

    added = json.loads(pipeline._added_runs_file(root, NEXT).read_text())
    assert added, "the next day wrote run folders"
    assert set(added) == pipeline._run_folders(root) - before
    assert not set(added) & before


def test_linked_runs_hold_the_same_files_and_only_those(tmp_path: Path) -> None:
    pipeline = load("pipeline")
    root = tmp_path / "artifacts"
    run = root / "ci" / "run-42"
    (run / "target" / "surefire-reports").mkdir(parents=True)
    (run / "run.json").write_text('{"run_id": "run-42", "telemetry": true}')
    (run / "target" / "surefire-reports" / "TEST-com.acme.CartTest.xml").write_text("<testsuite/>")
    (root / "ci" / "run-43").mkdir()
    (root / "ci" / "run-43" / "run.json").write_text('{"run_id": "run-43", "telemetry": true}')
    into = tmp_path / "alone" / "artifacts"
    into.mkdir(parents=True)
    (into / "stale.txt").write_text("left from an earlier measurement")

    pipeline._link_runs(root, ["ci/run-42"], into)

    assert _tree(into) == {f"ci/run-42/{k}": v for k, v in _tree(run).items()}


def test_only_the_memories_are_kept_for_the_bound_not_the_sanitized_entries(
    tmp_path: Path,
) -> None:
    pipeline = load("pipeline")
    ws = pipeline.Workspace(root=tmp_path / "artifacts", work=tmp_path)
    for name in (*pipeline.MEMORIES, "51fef5d807a5e044"):
        (ws.cache / name).mkdir(parents=True)
        (ws.cache / name / "entry").write_bytes(name.encode())
    into = tmp_path / "memories"

    pipeline._keep_memories(ws, into)

    assert sorted(p.name for p in into.iterdir()) == sorted(pipeline.MEMORIES)
    assert (into / "derived" / "entry").read_bytes() == b"derived"


def test_the_memories_are_the_folders_the_product_keeps_beside_the_sanitized_entries() -> None:
    from telemetry_assets.core import clean_values
    from telemetry_assets.core.fingerprint import memory
    from telemetry_assets.core.render import compiled_templates

    assert set(load("pipeline").MEMORIES) == {
        clean_values.FOLDER,
        memory.FOLDER,
        compiled_templates.FOLDER,
    }
