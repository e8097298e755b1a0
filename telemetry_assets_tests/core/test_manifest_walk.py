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
