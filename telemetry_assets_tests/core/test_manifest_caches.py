"""What the manifest takes from its caches, and what it computes in other processes, never
changes it: a hashed file is re-hashed only when its size or mtime moved, a displayed path is
redacted once per redactor, and spreading the work over processes gives the same manifest."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from telemetry_assets.core import manifest, process_pool
from telemetry_assets.core.manifest import ParallelFacts, build_manifest, path_key
from telemetry_assets.core.redaction.redactor import Redactor
from telemetry_assets.core.window import window_for
from telemetry_assets_tests.builders import surefire_runs

WINDOW = window_for("2026-11-22")


def _plant(root: Path, runs: int = 40, files: int = 30) -> None:
    for r, run in enumerate(surefire_runs(root, runs, files)):
        # A folder named after a person: the manifest shows it redacted.
        home = run / "home" / "jane.doe@acme-corp.com"
        home.mkdir(parents=True)
        (home / "agent.log").write_text(f"2026-11-20T10:11:12Z run {r}\n")


class _Counting:
    def __init__(self) -> None:
        self.redactor = Redactor()
        self.calls: list[str] = []

    def __call__(self, text: str) -> str:
        self.calls.append(text)
        return self.redactor.redact(text).text


def test_spreading_hashes_and_display_over_processes_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "artifacts"
    _plant(root, runs=90)  # enough hashes and paths to start processes (process_pool)
    display = _Counting()
    alone = build_manifest(root, WINDOW, display=display)
    spread = build_manifest(root, WINDOW, display=display, file_facts=ParallelFacts(display, 2))

    assert spread == alone
    assert len(alone.artifacts) == 90 * 31
    assert 2 * len(alone.artifacts) >= process_pool.MIN_ITEMS
    assert not any("jane.doe" in a.path for a in alone.artifacts)
    some = alone.artifacts[-1]
    assert some.sha256 == hashlib.sha256((root / some.path).read_bytes()).hexdigest()


def test_cached_hashes_and_paths_are_reused_until_a_file_changes(tmp_path: Path) -> None:
    root = tmp_path / "artifacts"
    _plant(root, runs=3, files=4)
    hashes: dict[str, list[object]] = {}
    shown: dict[str, str] = {}
    display = _Counting()
    first = build_manifest(root, WINDOW, display=display, hash_cache=hashes, shown_cache=shown)
    assert set(shown) == set(hashes) == {a.path_key for a in first.artifacts}
    assert not any("jane.doe" in text for text in shown.values())

    display.calls.clear()
    again = build_manifest(root, WINDOW, display=display, hash_cache=hashes, shown_cache=shown)
    assert again == first
    # Only run ids and run folders are displayed again: no artifact path is.
    assert not any("/" in call and call.count("/") > 1 for call in display.calls)

    # A rewrite with another size is re-hashed; the cache follows it.
    k = next(i for i, a in enumerate(first.artifacts) if "surefire" in a.path)
    changed = root / first.artifacts[k].path
    changed.write_text('<testsuite name="x" tests="2" failures="1"/>\n')
    os.utime(changed, ns=(1, 1))
    third = build_manifest(root, WINDOW, display=display, hash_cache=hashes, shown_cache=shown)
    new_hash = hashlib.sha256(changed.read_bytes()).hexdigest()
    assert third.artifacts[k].sha256 == new_hash != first.artifacts[k].sha256
    assert hashes[path_key(first.artifacts[k].path)][2] == new_hash
    unchanged = [i for i in range(len(first.artifacts)) if i != k]
    assert [third.artifacts[i].sha256 for i in unchanged] == [
        first.artifacts[i].sha256 for i in unchanged
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_file_that_vanishes_after_the_walk_is_skipped_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    root = tmp_path / "artifacts"
    _plant(root, runs=90 if workers > 1 else 2)
    gone = "TEST-com.acme.shop.Case007Test.xml"
    real = manifest.sha256_of

    def racing(path: str | Path, chunk: int = 1 << 20) -> str:
        # CI still uploading: listed by the walk, deleted before it could be read.
        if str(path).endswith(f"gha-9912300001/target/surefire-reports/{gone}"):
            raise FileNotFoundError(path)
        return real(path, chunk)

    monkeypatch.setattr(manifest, "sha256_of", racing)
    display = _Counting()
    hashes: dict[str, list[object]] = {}
    found = build_manifest(
        root,
        WINDOW,
        display=display,
        hash_cache=hashes,
        file_facts=ParallelFacts(display, workers),
    )

    lost = f"ci/gha-9912300001/target/surefire-reports/{gone}"
    assert lost not in {a.path for a in found.artifacts}
    [entry] = [s for s in found.skipped if s.kind == "file"]
    assert (entry.path, entry.reason, entry.run_id) == (
        lost,
        "unreadable: FileNotFoundError",
        "gha-9912300001",
    )
    assert len(found.artifacts) == (90 if workers > 1 else 2) * 31 - 1
    assert path_key(lost) not in hashes  # retried on the next scan
