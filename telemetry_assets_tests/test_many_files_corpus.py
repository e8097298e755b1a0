"""The benchmark's many-small-files shape looks like what CI uploads, deterministically.

``benchmarks/`` is not a package, so the module is loaded from its path (see
:mod:`telemetry_assets_tests.benchmark_scripts`).
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from telemetry_assets_tests.benchmark_scripts import load
from telemetry_assets_tests.test_corpus_generator import _digest

D = date(2026, 11, 22)


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("many") / "artifacts"
    return root, load("corpus").generate_many_files(root, files=400, report_date=D, seed=3)


def _sha(path: Path) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


def _artifacts(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.name != "run.json"]


SHAPE_CASES = [
    ("Surefire writes one report per test class", "target/surefire-reports/TEST-com.acme.shop."),
    ("pytest shards write one JUnit file each", "reports/junit-shard-"),
    ("go test -json per package", "go-test/pkg"),
    ("every job leaves step logs", "logs/"),
]


@pytest.mark.parametrize(("name", "fragment"), SHAPE_CASES)
def test_the_formats_ci_uploads_are_there(
    corpus_root: tuple[Path, object], name: str, fragment: str
) -> None:
    root, _ = corpus_root
    assert any(fragment in p.as_posix() for p in _artifacts(root))


def test_many_small_distinct_reports_in_run_folders(corpus_root: tuple[Path, object]) -> None:
    root, info = corpus_root
    files = _artifacts(root)
    sizes = sorted(p.stat().st_size for p in files)
    assert len(files) >= 400
    assert sizes[len(sizes) // 2] < 10_240  # the median report is small
    # No two artifacts of one run are byte-identical (shards start at their own times, test
    # classes differ); across runs a passing Surefire class may repeat, as in real CI.
    per_run = {(p.parent.relative_to(root).parts[:2], _sha(p)) for p in files}
    assert len(per_run) == len(files)
    assert {p.relative_to(root).parts[0] for p in files} <= {"ci", "agent"}
    assert len(files) / info.runs > 5  # type: ignore[attr-defined]
    assert sum(info.failures_by_day.values()) > 0  # type: ignore[attr-defined]


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    corpus = load("corpus")
    corpus.generate_many_files(tmp_path / "a", files=60, report_date=D, seed=5)
    corpus.generate_many_files(tmp_path / "b", files=60, report_date=D, seed=5)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
