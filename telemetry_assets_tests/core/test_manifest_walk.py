"""The manifest lists a run's files in ``os.walk``'s top-down order and refuses what it must.

The walker uses ``os.scandir`` with plain strings (path objects cost more than the decisions on
tens of thousands of small files); the manifest's order is what the sanitized tables follow, so
it must stay the order of a sorted top-down ``os.walk``: a folder's linked folders, its files,
then each sub-folder in name order. Each case plants a run folder and compares the manifest
with such a walk, written out here the plain way.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from telemetry_assets.core.manifest import CollectionRules, build_manifest
from telemetry_assets.core.window import window_for

RUN = "ci/gha-9912345678"
RUN_JSON = {
    "run_id": "gha-9912345678",
    "provider": "github-actions",
    "started_at": "2026-11-20T10:11:12Z",
    "env": {"TELEMETRY": "1"},
}


def _write(root: Path, rel: str, text: str = "2026-11-20T10:11:12Z FAILED\n") -> None:
    path = root / RUN / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _surefire_and_logs(root: Path) -> None:
    for rel in (
        "target/surefire-reports/TEST-com.acme.cart.CartTest.xml",
        "target/surefire-reports/TEST-com.acme.Cart.xml",
        "target/surefire-reports/TEST-com.acme.cart-Cart.xml",
        "logs/step-2_build.txt",
        "logs/step-10_test.txt",
        "Logs/upper-case.txt",
        "a.log",
        "a-b/x.log",
        "a.b/x.log",
        "a/x.log",
        "z/y/x/w/deep.log",
    ):
        _write(root, rel)


def _links_and_specials(root: Path) -> None:
    _write(root, "shard-1/junit.xml")
    _write(root, "shard-2/junit.xml")
    _write(root, "shard-2/nested/run.json", json.dumps({"env": {"TELEMETRY": "1"}}))
    os.symlink("../shard-1", root / RUN / "shard-2" / "linked-folder")
    os.symlink("junit.xml", root / RUN / "shard-1" / "linked-file.xml")
    os.symlink("/nonexistent/trace.log", root / RUN / "shard-1" / "broken-link.log")
    os.mkfifo(root / RUN / "shard-1" / "pipe")


def _names_that_sort_apart(root: Path) -> None:
    for rel in ("é.log", "e.log", "E.log", "_build/out.log", "0/out.log", "~tmp/out.log"):
        _write(root, rel)


CASES: list[tuple[str, Callable[[Path], None]]] = [
    ("Surefire reports and step logs at several depths", _surefire_and_logs),
    ("links, a pipe and a nested run.json are skipped in place", _links_and_specials),
    ("names whose order depends on code points", _names_that_sort_apart),
]


def _walked_the_plain_way(run_dir: Path, root: Path) -> tuple[list[str], list[tuple[str, str]]]:
    files: list[str] = []
    skipped: list[tuple[str, str]] = []
    for current, dirnames, filenames in os.walk(run_dir, followlinks=False):
        here = Path(current)
        dirnames.sort()
        for name in [d for d in dirnames if (here / d).is_symlink()]:
            skipped.append(((here / name).relative_to(root).as_posix(), "symlink"))
            dirnames.remove(name)
        for name in sorted(filenames):
            path = here / name
            rel = path.relative_to(root).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                skipped.append((rel, "symlink"))
            elif not stat.S_ISREG(mode):
                skipped.append((rel, "not a regular file"))
            elif name == "run.json" and here != run_dir:
                skipped.append((rel, "nested run.json"))
            elif not (name == "run.json" and here == run_dir):
                files.append(rel)
    return files, skipped


@pytest.mark.parametrize(("name", "plant"), CASES, ids=[c[0] for c in CASES])
def test_manifest_follows_a_sorted_top_down_walk(
    name: str, plant: Callable[[Path], None], tmp_path: Path
) -> None:
    root = tmp_path / "artifacts"
    plant(root)
    (root / RUN / "run.json").write_text(json.dumps(RUN_JSON), encoding="utf-8")
    manifest = build_manifest(root, window_for("2026-11-22"), CollectionRules())
    files, skipped = _walked_the_plain_way(root / RUN, root)
    assert [a.path for a in manifest.artifacts] == files
    assert [(s.path, s.reason) for s in manifest.skipped if s.kind == "file"] == skipped
    by_path = {a.path: a for a in manifest.artifacts}
    for rel in files:
        info = (root / rel).lstat()
        assert by_path[rel].size == info.st_size


def _run(root: Path, rel_dir: str, started_at: str | None, day: str) -> None:
    meta: dict[str, object] = {"run_id": rel_dir.split("/")[-1], "env": {"TELEMETRY": "1"}}
    if started_at is not None:
        meta["started_at"] = started_at
    folder = root / rel_dir
    (folder / "reports").mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps(meta), encoding="utf-8")
    (folder / "reports" / "junit.xml").write_text(
        f'<testsuite name="cart" timestamp="{day}T10:11:12"><testcase name="ok"/></testsuite>\n',
        encoding="utf-8",
    )
    os.symlink("junit.xml", folder / "reports" / "linked.xml")


def test_a_run_its_run_json_dates_outside_the_window_is_not_walked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An artifacts root keeps months of runs: each older one costs a run.json read, not a walk
    of its files, and is listed once, as a skipped run (none of its files is listed)."""
    from telemetry_assets.core import manifest

    _run(tmp_path, "ci/gha-old", "2026-10-01T09:00:00Z", "2026-10-01")
    _run(tmp_path, "ci/gha-later", "2026-11-30T09:00:00Z", "2026-11-30")
    _run(tmp_path, "ci/gha-inside", "2026-11-20T09:00:00Z", "2026-11-20")
    walked: list[str] = []
    walk = manifest._walk_files

    def spy(run_dir: str) -> object:
        walked.append(Path(run_dir).name)
        return walk(run_dir)

    monkeypatch.setattr(manifest, "_walk_files", spy)
    got = build_manifest(tmp_path, window_for("2026-11-22"))

    assert walked == ["gha-inside"]
    assert [(s.path, s.reason) for s in got.skipped if s.kind == "run"] == [
        ("ci/gha-later", "dated after the report date"),
        ("ci/gha-old", "dated outside the 14-day window"),
    ]
    assert [s.path for s in got.skipped if s.kind == "file"] == ["ci/gha-inside/reports/linked.xml"]
    assert [a.path for a in got.artifacts] == ["ci/gha-inside/reports/junit.xml"]


def test_a_run_without_a_date_is_walked_to_date_it_and_then_skipped_whole(tmp_path: Path) -> None:
    _run(tmp_path, "ci/gha-undated", None, "2026-10-01")
    got = build_manifest(tmp_path, window_for("2026-11-22"))
    assert [(s.path, s.kind, s.reason) for s in got.skipped] == [
        ("ci/gha-undated/reports/linked.xml", "file", "symlink"),
        ("ci/gha-undated", "run", "dated outside the 14-day window"),
    ]
    assert got.artifacts == []
