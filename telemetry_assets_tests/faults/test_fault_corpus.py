"""The fault corpus: hostile and broken input is quarantined or skipped with a specific reason,
never silently dropped, and the rest of the run's outputs are as if the bad file were absent.

Each table row is one bad input. To keep the suite fast, the rows of a table are planted
together, next to the same good runs, in one materialization; every row then asserts (1) its own
reason in the sanitized artifacts table or the manifest, (2) that the report lists it, and (3)
that the report JSON and the occurrences Parquet equal those of a materialization of the same
root without any bad file (see :mod:`compare` for the fields allowed to differ and why).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import socket
import stat
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pytest

from telemetry_assets.core import sanitize
from telemetry_assets.definitions import ALL_ASSETS
from telemetry_assets.defs.io_manager import TelemetryIOManager
from telemetry_assets.defs.resources import RepoFactsResource
from telemetry_assets_tests.builders import Harness, ci_run, harness, junit, write_run
from telemetry_assets_tests.faults.compare import (
    DAY,
    D,
    assert_same_outputs,
    fixture_bytes,
    plant_good_runs,
)

GOOD_RUN = "ci/gha-5001"
POOL_LOG = "pool-exhausted-gha.log"

# Limits are patched down so that a bomb or an oversize file is a few KiB to build, not GiBs.
PATCHED_LIMITS = {
    "MAX_ARTIFACT_BYTES": 256 << 10,
    "MAX_DECOMPRESSED_BYTES": 1 << 20,
    "MAX_ARCHIVE_MEMBERS": 8,
}


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _log_lines(n_bytes: int) -> bytes:
    line = b"2026-11-20T10:11:12.0000000Z [worker-3] still waiting for the inventory service\n"
    return line * (n_bytes // len(line) + 1)


def _png() -> bytes:
    # A screenshot a visual test uploads next to its report: PNG signature, IHDR, zeros.
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x05\x00\x00\x00\x02\xd0\x08\x06" + (
        b"\x00\x00\x00\x00IDATx\x9c\xed\xc1\x01\r\x00\x00\x00\xc2\xa0\xf7Om" * 64
    )


def _oversize_log() -> bytes:
    return _log_lines(300 << 10) + fixture_bytes(POOL_LOG)


# (name, path inside the good run folder, content, expected reason as a regex)
QUARANTINED: list[tuple[str, str, Callable[[], bytes], str]] = [
    (
        "truncated Surefire XML",
        "target/surefire-reports/TEST-OrderRepositoryTest.xml",
        lambda: fixture_bytes("truncated-surefire.xml"),
        r"parse error: JUnit XML not well-formed: .* at line \d+, column \d+",
    ),
    (
        "XML with mismatched tags",
        "reports/junit-api.xml",
        lambda: fixture_bytes("mismatched-tags-junit.xml"),
        r"parse error: JUnit XML not well-formed: mismatched tag at line \d+, column \d+",
    ),
    (
        "XML with an external entity",
        "reports/junit-xxe.xml",
        lambda: fixture_bytes("external-entity-junit.xml"),
        r"parse error: XML (entity declarations|external references|document type declarations)"
        r" are not allowed",
    ),
    (
        "XML billion laughs",
        "reports/junit-laughs.xml",
        lambda: fixture_bytes("billion-laughs-junit.xml"),
        r"parse error: XML (entity declarations|document type declarations) are not allowed",
    ),
    (
        "truncated Playwright JSON",
        "playwright-report/results.json",
        lambda: fixture_bytes("truncated-playwright.json"),
        r"parse error: Playwright JSON: JSON truncated at byte \d+",
    ),
    (
        "truncated Jest JSON",
        "web/jest-results.json",
        lambda: fixture_bytes("truncated-jest.json"),
        r"parse error: Jest JSON: JSON truncated at byte \d+",
    ),
    ("binary screenshot", "screenshots/checkout-failed.png", _png, r"binary content"),
    ("empty file", "logs/empty.log", lambda: b"", r"empty file"),
    ("gzip holding binary", "screenshots/trace.zip.gz", lambda: _gzip(_png()), r"binary content"),
    (
        "truncated gzip",
        "logs/pytest.log.gz",
        lambda: _gzip(fixture_bytes(POOL_LOG))[:40],
        r"unreadable: EOFError",
    ),
    (
        "corrupt zip",
        "logs/bundle.zip",
        lambda: b"PK\x03\x04" + b"\x14\x00\x00\x00" * 40,
        r"zip archive is corrupt",
    ),
    (
        "gzip bomb (limit patched to 1 MiB)",
        "logs/runner.log.gz",
        lambda: _gzip(_log_lines(4 << 20)),
        r"decompressed size exceeds the limit",
    ),
    (
        "zip bomb (limit patched to 1 MiB)",
        "logs/runner-logs.zip",
        lambda: _zip({"runner.log": _log_lines(4 << 20)}),
        r"zip archive expands past the decompression limit",
    ),
    (
        "zip with too many members (limit patched to 8)",
        "logs/shards.zip",
        lambda: _zip({f"shard-{i}.log": fixture_bytes(POOL_LOG) for i in range(9)}),
        r"zip archive has more than 8 members",
    ),
    (
        "file over the size cap (cap patched to 256 KiB)",
        "logs/verbose.log",
        _oversize_log,
        r"larger than 256 KiB",
    ),
]


def _artifacts_table(h: Harness) -> pd.DataFrame:
    return pd.read_parquet(h.store / "sanitized_artifacts" / f"{D}.tables" / "artifacts.parquet")


def _manifest(h: Harness) -> dict[str, Any]:
    return json.loads((h.store / "raw_opt_in_manifest" / f"{D}.json").read_text("utf-8"))["data"]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Harness:
    h = harness(tmp_path_factory.mktemp("baseline"))
    plant_good_runs(h)
    assert h.materialize(D).success
    return h


@pytest.fixture(scope="module")
def quarantine_corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    h = harness(tmp_path_factory.mktemp("quarantine"))
    plant_good_runs(h)
    run_dir = h.root / GOOD_RUN
    for _name, rel, content, _reason in QUARANTINED:
        path = run_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content())
    with pytest.MonkeyPatch.context() as mp:
        for constant, value in PATCHED_LIMITS.items():
            mp.setattr(sanitize, constant, value)
        assert h.materialize(D).success
    yield h


@pytest.mark.parametrize(
    ("name", "rel", "content", "reason"), QUARANTINED, ids=[c[0] for c in QUARANTINED]
)
def test_bad_content_is_quarantined_with_its_reason_and_changes_nothing_else(
    quarantine_corpus: Harness,
    baseline: Harness,
    name: str,
    rel: str,
    content: Callable[[], bytes],
    reason: str,
) -> None:
    table = _artifacts_table(quarantine_corpus).set_index("artifact")
    row = table.loc[f"{GOOD_RUN}/{rel}"]
    assert row["status"] == "quarantined"
    assert re.fullmatch(reason, row["reason"]), row["reason"]
    assert row["failures"] == 0
    listed = {q["path"]: q["reason"] for q in quarantine_corpus.report_json(D)["quarantined"]}
    assert listed[f"{GOOD_RUN}/{rel}"] == row["reason"]
    assert_same_outputs(quarantine_corpus, baseline)


# --- input that is read, not quarantined: same failures as its plain UTF-8 twin --------------

ONE_LINE_BYTES = 50 << 20


def _with_huge_line() -> bytes:
    log = fixture_bytes(POOL_LOG).splitlines(keepends=True)
    huge = (
        b"2026-11-20T10:11:14.9000000Z "
        + b'{"progress":['
        + b"0," * (ONE_LINE_BYTES // 2)
        + b"]}\n"
    )
    return b"".join(log[:2]) + huge + b"".join(log[2:])


# (name, path in run gha-5003, content, expected format)
READ: list[tuple[str, str, Callable[[], bytes], str]] = [
    ("gzip log", "logs/pool.log.gz", lambda: _gzip(fixture_bytes(POOL_LOG)), "plain_log"),
    (
        "zip of logs",
        "logs/bundle.zip",
        lambda: _zip({"job/pool.log": fixture_bytes(POOL_LOG)}),
        "plain_log",
    ),
    (
        "invalid UTF-8 bytes",
        "logs/invalid-utf8.log",
        lambda: fixture_bytes("invalid-utf8-gha.log"),
        "plain_log",
    ),
    (
        "UTF-16 LE with BOM",
        "logs/utf16.log",
        lambda: fixture_bytes("utf16le-bom-gha.log"),
        "plain_log",
    ),
    (
        "UTF-16 with a lone surrogate",
        "logs/utf16-broken.log",
        lambda: fixture_bytes("utf16le-lone-surrogate-gha.log"),
        "plain_log",
    ),
    ("one 50 MB line", "logs/progress.log", _with_huge_line, "plain_log"),
]
TWIN = "logs/pool.log"


@pytest.fixture(scope="module")
def read_corpus(tmp_path_factory: pytest.TempPathFactory) -> Harness:
    h = harness(tmp_path_factory.mktemp("read"))
    plant_good_runs(h)
    files: dict[str, str | bytes] = {TWIN: fixture_bytes(POOL_LOG)}
    files.update({rel: content() for _n, rel, content, _f in READ})
    ci_run(h.root, "gha-5003", DAY, files)
    assert h.materialize(D).success
    return h


@pytest.mark.parametrize(("name", "rel", "content", "fmt"), READ, ids=[c[0] for c in READ])
def test_odd_encodings_and_containers_are_read_like_their_plain_twin(
    read_corpus: Harness, name: str, rel: str, content: Callable[[], bytes], fmt: str
) -> None:
    row = _artifacts_table(read_corpus).set_index("artifact").loc[f"ci/gha-5003/{rel}"]
    assert (row["status"], row["format"]) == ("ok", fmt)
    occ = pd.read_parquet(read_corpus.reports / f"occurrences-{D}.parquet")
    twin = occ[occ["artifact"] == f"ci/gha-5003/{TWIN}"]["fingerprint"].tolist()
    mine = occ[occ["artifact"] == f"ci/gha-5003/{rel}"]["fingerprint"].tolist()
    assert twin and sorted(mine) == sorted(twin)


# --- a file that changes between the manifest and sanitizing ---------------------------------


def _materialize(h: Harness, selection: list[str], instance: dg.DagsterInstance) -> bool:
    result = dg.materialize(
        ALL_ASSETS,
        selection=selection,
        partition_key=D,
        instance=instance,
        resources={
            "settings": h.settings(),
            "repo": RepoFactsResource(repo_root=str(h.repo)),
            "io_manager": TelemetryIOManager(base_dir=str(h.store)),
        },
        raise_on_error=False,
    )
    return result.success


def test_a_file_changed_after_it_was_hashed_is_quarantined_then_read_next_time(
    tmp_path: Path, baseline: Harness
) -> None:
    h = harness(tmp_path)
    plant_good_runs(h)
    growing = h.root / GOOD_RUN / "logs" / "pytest-live.log"
    growing.parent.mkdir(parents=True)
    growing.write_bytes(fixture_bytes(POOL_LOG))
    instance = dg.DagsterInstance.ephemeral()
    assert _materialize(h, ["raw_opt_in_manifest"], instance)
    # The job is still writing while the report is being made.
    with growing.open("ab") as handle:
        handle.write(fixture_bytes(POOL_LOG))
    rest = [a.key.to_user_string() for a in ALL_ASSETS][1:]
    assert _materialize(h, rest, instance)
    row = _artifacts_table(h).set_index("artifact").loc[f"{GOOD_RUN}/logs/pytest-live.log"]
    assert (row["status"], row["reason"]) == ("quarantined", "changed while being read")
    assert_same_outputs(h, baseline)
    # A quarantine is not cached: the next materialization hashes the new content and reads it.
    assert h.materialize(D).success
    row = _artifacts_table(h).set_index("artifact").loc[f"{GOOD_RUN}/logs/pytest-live.log"]
    assert (row["status"], row["failures"]) == ("ok", 2)  # the log, written twice


# --- the trust boundary: what the manifest never opens ---------------------------------------


def _symlink_file(root: Path, outside: Path) -> None:
    (root / GOOD_RUN / "reports" / "outside-junit.xml").symlink_to(outside / "junit.xml")


def _symlink_dir(root: Path, outside: Path) -> None:
    (root / GOOD_RUN / "more-reports").symlink_to(outside, target_is_directory=True)


def _dotdot_symlink(root: Path, outside: Path) -> None:
    # A relative target climbing out of the root with ``..``.
    target = os.path.relpath(outside / "junit.xml", root / GOOD_RUN / "reports")
    assert target.startswith("..")
    (root / GOOD_RUN / "reports" / "up-junit.xml").symlink_to(target)


def _symlinked_run(root: Path, outside: Path) -> None:
    (root / "ci" / "gha-5999").symlink_to(outside / "run", target_is_directory=True)


def _symlinked_location(root: Path, outside: Path) -> None:
    (root / "agent").symlink_to(outside / "tree", target_is_directory=True)


def _symlinked_run_json(root: Path, outside: Path) -> None:
    write_run(root, "ci", "gha-5004", {"junit.xml": junit(DAY, 7, 8)})
    (root / "ci" / "gha-5004" / "run.json").symlink_to(outside / "run" / "run.json")


def _nested_run_json(root: Path, outside: Path) -> None:
    vendor = root / GOOD_RUN / "vendor"
    vendor.mkdir()
    (vendor / "run.json").write_text(
        json.dumps({"run_id": "gha-5001-shadow", "env": {"TELEMETRY": "1"}}), "utf-8"
    )


def _nested_opt_in_inside_opt_out(root: Path, outside: Path) -> None:
    ci_run(root, "gha-5005", DAY, {}, telemetry="0")
    write_run(
        root,
        "ci/gha-5005",
        "shard-1",
        {"junit.xml": junit(DAY, 9, 10)},
        run_json={
            "run_id": "gha-5005-1",
            "env": {"TELEMETRY": "1"},
            "started_at": f"{DAY}T10:00:00Z",
        },
    )


def _fifo(root: Path, outside: Path) -> None:
    os.mkfifo(root / GOOD_RUN / "reports" / "live.pipe")


def _unix_socket(root: Path, outside: Path) -> None:
    # bind() limits paths to ~107 bytes; bind relative to the folder instead.
    here = Path.cwd()
    os.chdir(root / GOOD_RUN / "reports")
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind("agent.sock")
    finally:
        os.chdir(here)


def _device(root: Path, outside: Path) -> None:
    os.mknod(root / GOOD_RUN / "reports" / "null", 0o600 | stat.S_IFCHR, os.makedev(1, 3))


CAN_MKNOD = hasattr(os, "geteuid") and os.geteuid() == 0

# (name, plant(root, outside), skipped path, skipped kind, reason)
SKIPPED: list[tuple[str, Callable[[Path, Path], None], str, str, str]] = [
    (
        "symlink to a file outside the root",
        _symlink_file,
        f"{GOOD_RUN}/reports/outside-junit.xml",
        "file",
        "symlink",
    ),
    (
        "symlink to a folder outside the root",
        _symlink_dir,
        f"{GOOD_RUN}/more-reports",
        "file",
        "symlink",
    ),
    (
        "relative .. symlink out of the root",
        _dotdot_symlink,
        f"{GOOD_RUN}/reports/up-junit.xml",
        "file",
        "symlink",
    ),
    ("run folder that is a symlink", _symlinked_run, "ci/gha-5999", "run", "symlink"),
    ("opt-in location that is a symlink", _symlinked_location, "agent", "entry", "symlink"),
    (
        "run.json that is a symlink",
        _symlinked_run_json,
        "ci/gha-5004",
        "run",
        "unreadable run.json",
    ),
    (
        "nested run.json inside an opted-in run",
        _nested_run_json,
        f"{GOOD_RUN}/vendor/run.json",
        "file",
        "nested run.json",
    ),
    (
        "nested opt-in inside an opted-out run",
        _nested_opt_in_inside_opt_out,
        "ci/gha-5005",
        "run",
        "opted out",
    ),
    ("FIFO", _fifo, f"{GOOD_RUN}/reports/live.pipe", "file", "not a regular file"),
    ("unix socket", _unix_socket, f"{GOOD_RUN}/reports/agent.sock", "file", "not a regular file"),
    *(
        # mknod needs root; without it FIFO and socket stand for every non-regular file.
        [("character device", _device, f"{GOOD_RUN}/reports/null", "file", "not a regular file")]
        if CAN_MKNOD
        else []
    ),
]


def _plant_outside(outside: Path) -> None:
    """Opted-in-looking data outside the root: any of it in the outputs is a breach."""
    (outside / "tree" / "agent-1").mkdir(parents=True)
    (outside / "junit.xml").write_text(junit(DAY, 301, 302), "utf-8")
    (outside / "tree" / "agent-1" / "agent.log").write_bytes(fixture_bytes(POOL_LOG))
    (outside / "tree" / "agent-1" / "run.json").write_text(
        json.dumps({"run_id": "agent-1", "env": {"TELEMETRY": "1"}}), "utf-8"
    )
    (outside / "run").mkdir()
    (outside / "run" / "junit.xml").write_text(junit(DAY, 401, 402), "utf-8")
    (outside / "run" / "run.json").write_text(
        json.dumps(
            {"run_id": "gha-5999", "env": {"TELEMETRY": "1"}, "started_at": f"{DAY}T09:00:00Z"}
        ),
        "utf-8",
    )


@pytest.fixture(scope="module")
def boundary_corpus(tmp_path_factory: pytest.TempPathFactory) -> Harness:
    base = tmp_path_factory.mktemp("boundary")
    h = harness(base)
    outside = base / "outside"
    _plant_outside(outside)
    plant_good_runs(h)
    for _name, plant, _path, _kind, _reason in SKIPPED:
        plant(h.root, outside)
    assert h.materialize(D).success
    return h


@pytest.mark.parametrize(
    ("name", "plant", "path", "kind", "reason"), SKIPPED, ids=[c[0] for c in SKIPPED]
)
def test_the_trust_boundary_skips_with_a_reason_and_changes_nothing_else(
    boundary_corpus: Harness,
    baseline: Harness,
    name: str,
    plant: Callable[[Path, Path], None],
    path: str,
    kind: str,
    reason: str,
) -> None:
    skipped = {(s["path"], s["kind"]): s["reason"] for s in _manifest(boundary_corpus)["skipped"]}
    assert skipped.get((path, kind)) == reason
    collected = {a["path"] for a in _manifest(boundary_corpus)["artifacts"]}
    assert not any(p.startswith(path + "/") or p == path for p in collected)
    assert_same_outputs(boundary_corpus, baseline)
