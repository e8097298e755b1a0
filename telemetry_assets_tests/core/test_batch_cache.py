"""The sanitized cache and the many-files machinery: segment files per run folder that survive
torn writes, the vectorised passed-id lookup, task batching, and the clean-value memory of the
residual-PII checks (digests only; a remembered value never changes a count).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from telemetry_assets.core import batch, clean_values, privacy
from telemetry_assets.core.manifest import build_manifest, resolve_paths
from telemetry_assets.core.models import Failure, Frame
from telemetry_assets.core.purge import delete_cached_run
from telemetry_assets.core.sanitize import SanitizedArtifact
from telemetry_assets.core.window import window_for
from telemetry_assets_tests.builders import ci_run, junit

TOKEN = "0123456789abcdef"
RUN_A = hashlib.sha256(b"ci/gha-9912345678").hexdigest()
RUN_B = hashlib.sha256(b"ci/gl-4471220").hexdigest()


def _sha(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def _entry(test: str, passed: list[str]) -> batch.Part:
    failure = Failure(
        source_format="junit",
        message="AssertionError: expected 200, got 503",
        trace=(
            "Traceback (most recent call last):\n"
            '  File "tests/api/test_orders.py", line LINE, in test_create_order\n'
            "    assert resp.status_code == 200\n"
            "AssertionError: expected 200, got 503"
        ),
        exception_type="AssertionError",
        frames=(Frame(file="tests/api/test_orders.py", function="test_create_order"),),
        test_id=test,
        language="python",
    )
    item = SanitizedArtifact(
        path="", run_id="", format="junit", failures=[failure], failure_redactions=[{}]
    )
    return (batch._cells_text(item), *batch.PassedIds.of(passed).to_bytes())


def _put(cache: batch.SanitizedCache, run: str, sha: str, part: batch.Part) -> None:
    cache.put(run, sha, batch._Block(batch._encode_block([part])), 0)


def _fill(cache_dir: Path, entries: dict[tuple[str, str], batch.Part]) -> None:
    """One write per entry: a segment of one record per entry."""
    live: dict[str, set[str]] = {}
    for (run, sha), part in entries.items():
        cache = batch.SanitizedCache(cache_dir, TOKEN)
        assert cache.get(run, sha) is None
        _put(cache, run, sha, part)
        live.setdefault(run[:32], set()).add(sha)
        cache.flush(live)


def _at(blocks: list[batch._Block], slot: int) -> tuple[batch._Block, int]:
    return blocks[slot >> batch._SLOT_BITS], slot & batch._SLOT_MASK


def _cells_at(block: batch._Block, k: int) -> batch.Entry | None:
    return block.entries()[k]


def _decoding(cache: batch.SanitizedCache, keys: list[tuple[str, str]]) -> list[bool]:
    """Whether each artifact's entry is read and decodes (then the cache forgets them)."""
    slots = [cache.get(run, sha) for run, sha in keys]
    blocks = cache.release()
    return [s is not None and _cells_at(*_at(blocks, s)) is not None for s in slots]


def _hits(cache_dir: Path, keys: list[tuple[str, str]]) -> list[bool]:
    return _decoding(batch.SanitizedCache(cache_dir, TOKEN), keys)


ENTRIES = {
    (RUN_A, _sha("junit-shard-0.xml")): _entry("tests/api/test_orders.py::test_create", ["a"]),
    (RUN_A, _sha("junit-shard-1.xml")): _entry("tests/api/test_cart.py::test_add", ["b", "c"]),
    (RUN_B, _sha("TEST-com.acme.shop.orders.Case001Test.xml")): _entry(
        "com.acme.shop.orders.Case001Test.savesOrder3", []
    ),
}
KEYS = list(ENTRIES)
SEGMENT_A = Path(TOKEN) / RUN_A[:32] / batch.SanitizedCache.SEGMENT

# (name, damage to run A's segment, hits right after it); after the next write all hit again
DAMAGE_CASES = [
    ("intact segment: every entry hits", lambda data: data, [True, True, True]),
    (
        "torn last record (killed mid-append): the earlier entry still hits",
        lambda data: data[:-7],
        [True, False, True],
    ),
    (
        "one flipped byte in the first record: it and what follows are misses",
        lambda data: data[:80] + bytes([data[80] ^ 0xFF]) + data[81:],
        [False, False, True],
    ),
    (
        "zeroed tail (power loss before the data reached the disk)",
        lambda data: data[: len(data) // 2] + bytes(len(data) - len(data) // 2),
        [True, False, True],
    ),
    ("empty file", lambda data: b"", [False, False, True]),
    ("a segment of an older format", lambda data: b"TSR1" + data[4:], [False, False, True]),
]


@pytest.mark.parametrize(("name", "damage", "hits"), DAMAGE_CASES)
def test_a_damaged_segment_is_a_miss_never_a_wrong_entry_and_the_next_write_repairs_it(
    tmp_path: Path, name: str, damage: object, hits: list[bool]
) -> None:
    _fill(tmp_path, ENTRIES)
    segment = tmp_path / SEGMENT_A
    segment.write_bytes(damage(segment.read_bytes()))  # type: ignore[operator]
    assert _hits(tmp_path, KEYS) == hits

    # The pipeline recomputes the misses and writes them back; a damaged segment is rewritten
    # whole rather than appended to, so nothing stays unreachable behind the damage.
    cache = batch.SanitizedCache(tmp_path, TOKEN)
    for key, hit in zip(KEYS, _decoding(cache, KEYS), strict=True):
        if not hit:
            _put(cache, *key, ENTRIES[key])
    cache.flush({RUN_A[:32]: {KEYS[0][1], KEYS[1][1]}, RUN_B[:32]: {KEYS[2][1]}})
    assert _hits(tmp_path, KEYS) == [True, True, True]
    assert not list(tmp_path.rglob(".*.tmp-*"))


def test_identical_files_of_one_run_share_one_entry(tmp_path: Path) -> None:
    same = (RUN_A, _sha("logs/0_setup.txt"))
    _fill(tmp_path, {same: ENTRIES[KEYS[0]]})
    cache = batch.SanitizedCache(tmp_path, TOKEN)
    slot = cache.get(*same)
    assert slot is not None and cache.get(*same) == slot
    block, k = _at(cache.release(), slot)
    assert block.part(k) == ENTRIES[KEYS[0]]
    assert block.entries()[k] == batch._Block(batch._encode_block([ENTRIES[KEYS[0]]])).entries()[0]


def test_a_block_shares_identical_cells_and_writes_each_entry_again_unchanged() -> None:
    parts = [
        _entry("tests/a.py::test_x", ["a", "b"]),
        _entry("tests/a.py::test_x", []),
        _entry("tests/ü.py::test_\udcff", ["c"]),
        _entry("tests/a.py::test_x", ["d"]),
    ]
    block = batch._Block(batch._encode_block(parts))
    assert len(block) == 4 and block.id_bytes == 8 * 4
    entries = block.entries()
    # Identical cells are stored and decoded once; each entry keeps its own passed ids.
    assert entries[0] is entries[1] is entries[3] is not None
    assert entries[2] == batch._Block(batch._encode_block(parts[2:3])).entries()[0] != entries[0]
    assert bytes(block.ids()) == b"".join(p[2] for p in parts)
    assert [block.owner(n) for n in range(4)] == [0, 0, 2, 3]
    assert [block.part(k) for k in range(4)] == parts
    assert batch._encode_block(block.part(k) for k in range(4)) == batch._encode_block(parts)
    empty = batch._Block(batch._encode_block([]))
    assert len(empty) == 0 and empty.end == len(batch._encode_block([]))
    for bad in (b"", b"TSB0" + batch._encode_block(parts)[4:], batch._encode_block(parts)[:-8]):
        with pytest.raises(ValueError):
            batch._Block(bad)


def test_a_record_holds_one_writes_entries_together_and_only_they_miss_when_it_is_damaged(
    tmp_path: Path,
) -> None:
    shas = [_sha(f"junit-{n}.xml") for n in range(5)]
    part = ENTRIES[KEYS[0]]
    cache = batch.SanitizedCache(tmp_path, TOKEN)
    for sha in shas[:3]:
        _put(cache, RUN_A, sha, part)
    cache.flush({RUN_A[:32]: set(shas[:3])})
    cache = batch.SanitizedCache(tmp_path, TOKEN)
    for sha in shas[3:]:
        _put(cache, RUN_A, sha, part)
    cache.flush({RUN_A[:32]: set(shas)})
    segment = tmp_path / SEGMENT_A
    assert batch._read_segment(segment, []).stored == 5
    assert _hits(tmp_path, [(RUN_A, sha) for sha in shas]) == [True] * 5

    # A record that passes its check but whose cells are not JSON: its entries miss, and
    # neither the records before it nor the segment as a whole are taken for damaged.
    intact = segment.read_bytes()
    segment.write_bytes(intact + batch._record([(shas[0], (b"{not json", 0, b""))]))
    assert _hits(tmp_path, [(RUN_A, sha) for sha in shas]) == [False] + [True] * 4
    assert not batch._read_segment(segment, []).damaged

    # The second write's record torn: its two entries miss together.
    segment.write_bytes(intact[:-1])
    assert _hits(tmp_path, [(RUN_A, sha) for sha in shas]) == [True] * 3 + [False] * 2


def test_a_segment_of_mostly_dead_entries_is_rewritten_with_the_live_ones_only(
    tmp_path: Path,
) -> None:
    shas = [_sha(f"junit-{n}.xml") for n in range(6)]
    segment = tmp_path / SEGMENT_A
    for n, sha in enumerate(shas):
        cache = batch.SanitizedCache(tmp_path, TOKEN)
        assert cache.get(RUN_A, sha) is None
        _put(cache, RUN_A, sha, _entry(f"tests/t.py::test_{n}", [f"p{n}"]))
        # Only the last two artifacts are still in the run's folder.
        cache.flush({RUN_A[:32]: set(shas[max(0, n - 1) : n + 1])})
    # Five records for two live artifacts: the sixth write replaced them with one record.
    stored = batch._read_segment(segment, [])
    assert (stored.damaged, stored.stored, set(stored.entries)) == (False, 2, set(shas[-2:]))
    assert _hits(tmp_path, [(RUN_A, sha) for sha in shas[-2:]]) == [True, True]


def test_prune_and_purge_delete_a_runs_entries_and_stale_versions(tmp_path: Path) -> None:
    _fill(tmp_path, ENTRIES)
    stale = tmp_path / "fedcba9876543210" / RUN_A[:32] / batch.SanitizedCache.SEGMENT
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"an older code version")
    clean_dir = tmp_path / clean_values.FOLDER
    clean_dir.mkdir()
    (clean_dir / f"{clean_values.detector_version()}{clean_values.SUFFIX}").write_bytes(bytes(32))
    (clean_dir / f"0000000000000000{clean_values.SUFFIX}").write_bytes(bytes(32))

    pruned = batch.SanitizedCache(tmp_path, TOKEN).prune([RUN_B])

    assert pruned == 3  # run A's segment, the stale version's, the other detector's digests
    assert _hits(tmp_path, KEYS) == [False, False, True]
    assert [p.name for p in clean_dir.iterdir()] == [
        f"{clean_values.detector_version()}{clean_values.SUFFIX}"
    ]
    # Purging run B: its one cached artifact, and the clean-value digests with it.
    assert delete_cached_run(tmp_path, RUN_B) == 1
    assert _hits(tmp_path, KEYS) == [False, False, False]
    assert not clean_dir.exists()


LOOKUP_CASES = [
    ("no failing test anywhere", [["tests/a.py::test_ok"]], [], [[]]),
    (
        "a failing id passed in another shard",
        [["tests/a.py::test_ok", "tests/b.py::test_retry"], [], ["tests/c.py::test_x"]],
        ["tests/b.py::test_retry", "tests/d.py::test_never_passed"],
        [["tests/b.py::test_retry"], [], []],
    ),
    (
        "non-ASCII and lone surrogates compare exactly",
        [["spec/ü.test.ts > renders ünïcode", "bad\udcff name"], ["spec/u.test.ts > renders"]],
        ["spec/ü.test.ts > renders ünïcode", "bad\udcff name", "spec/u.test.ts"],
        [["bad\udcff name", "spec/ü.test.ts > renders ünïcode"], []],
    ),
    (
        "the same id in many artifacts",
        [["com.acme.OrderTest.saves"]] * 4,
        ["com.acme.OrderTest.saves"],
        [["com.acme.OrderTest.saves"]] * 4,
    ),
    (
        "ids holding line breaks, repeated ids, and ids that only look alike",
        [["two\nlines", "two", "two", "lines"], ["two lines", "", "x"]],
        ["two\nlines", "two lines", "", "lines\n"],
        [["two\nlines"], ["", "two lines"]],
    ),
]


@pytest.mark.parametrize(("name", "passed", "failing", "expected"), LOOKUP_CASES)
@pytest.mark.parametrize("chunk", [1, 32 << 20], ids=["one artifact per call", "one call"])
def test_passed_ids_among_failing_ones(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    passed: list[list[str]],
    failing: list[str],
    expected: list[list[str]],
    chunk: int,
) -> None:
    monkeypatch.setattr(batch, "_LOOKUP_CHUNK", chunk)
    # Two blocks, as two records or pool tasks hold them; the artifacts ask in another order
    # than their entries were written, and the first entry twice (identical files).
    half = len(passed) // 2
    cells = _entry("tests/a.py::test_x", [])[0]
    blocks = [
        batch._Block(batch._encode_block([(cells, *batch.PassedIds.of(i).to_bytes()) for i in ids]))
        for ids in (passed[:half], passed[half:])
    ]
    slots = [k for k in range(half)] + [
        1 << batch._SLOT_BITS | k for k in range(len(passed) - half)
    ]
    found = batch.passed_among(blocks, [*slots[::-1], slots[0]], batch.candidate_ids(failing))
    assert [found.get(s, []) for s in slots] == expected
    assert set(found) <= set(slots)


def test_a_batch_digests_its_artifacts_ids_as_each_alone() -> None:
    passed = [
        ["b", "a", "b"],
        [],
        ["multi\nline", "a"],
        [],
        ["bad\udcff name", "ü", "a", "ü"],
    ]
    ids = [i for p in passed for i in p]
    bounds = [0]
    for p in passed:
        bounds.append(bounds[-1] + len(p))
    together = batch.PassedIds.split(batch.passed_id_digests(ids), bounds)
    alone = [batch.PassedIds.of(p) for p in passed]
    assert [p.to_bytes() for p in together] == [p.to_bytes() for p in alone]
    assert [len(p) for p in together] == [2, 0, 2, 0, 3]
    # Sorted distinct digests, 8 bytes each, never the ids' text.
    count, blob = alone[4].to_bytes()
    assert len(blob) == 8 * count and b"bad" not in blob


def test_passed_ids_round_trip_through_an_entry_and_bad_lengths_are_refused() -> None:
    data = batch._encode_block(
        [_entry("tests/a.py::test_x", ["tests/a.py::test_ok", "tests/b.py::test_y"])]
    )
    block = batch._Block(data)
    (entry,) = block.entries()
    assert entry is not None and entry.failures[0][batch._TEST_ID] == "tests/a.py::test_x"
    found = batch.passed_among([block], [0], batch.candidate_ids(["tests/b.py::test_y"]))
    assert found == {0: ["tests/b.py::test_y"]}
    with pytest.raises(ValueError):
        batch._Block(data[:-1])
    # An entry's id count that its digests do not match.
    count_at = batch._BLOCK.size + 4
    with pytest.raises(ValueError):
        batch._Block(data[:count_at] + (3).to_bytes(8, "little") + data[count_at + 8 :])


def test_the_digest_function_is_part_of_the_cache_token() -> None:
    """A change of the hash (another pandas release) must change the table version, or cached
    passed ids would silently never match a failing id again."""
    digest = batch.passed_id_digests(["passed-id"]).astype("<u8").tobytes().hex()
    assert batch.TABLE_VERSION.endswith(digest)
    assert len(batch.passed_id_digests(["a", "b", "a"])) == 3


def test_tasks_hold_every_artifact_once_and_a_big_log_alone() -> None:
    sizes = [3_000] * 5_000 + [8 << 20, 2_500]
    tasks = batch._batches(sizes, workers=2)
    assert sorted(k for task in tasks for k in task) == list(range(len(sizes)))
    assert tasks[0] == [5_000]  # the biggest first, alone
    assert len(tasks) < len(sizes) // 50  # small reports travel together


def _frame(message: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "artifact": ["ci/gha-9912345678/reports/junit-shard-0.xml"] * 2,
            "run_id": ["gha-9912345678"] * 2,
            "message": [message, "AssertionError: expected 200, got 503"],
            "sha256": [_sha("a"), _sha("b")],
        }
    )


CLEAN_CASES = [
    ("clean table", "TimeoutError: pool exhausted after 30s", Counter()),
    (
        "residual e-mail address",
        "PermissionError: owner dmitri.okafor@acme-corp.com may not write",
        Counter({"email": 1}),
    ),
]


@pytest.mark.parametrize(("name", "message", "findings"), CLEAN_CASES)
def test_remembered_clean_values_change_no_count(
    tmp_path: Path, name: str, message: str, findings: Counter[str]
) -> None:
    first = clean_values.CleanValues.open(tmp_path)
    cold = privacy.scan_frame(_frame(message), known=first)
    first.save()
    again = clean_values.CleanValues.open(tmp_path)
    assert len(again) == len(first) > 0
    warm = privacy.scan_frame(_frame(message), known=again)
    plain = privacy.scan_frame(_frame(message))

    assert Counter(cold.by_detector) == Counter(warm.by_detector) == Counter(plain.by_detector)
    assert Counter(plain.by_detector) == findings
    assert warm.affected == plain.affected and warm.cells_scanned == plain.cells_scanned
    # Only digests are stored, never text.
    stored = (tmp_path / clean_values.FOLDER / f"{again.version}{clean_values.SUFFIX}").read_bytes()
    assert len(stored) % clean_values.DIGEST_BYTES == 0
    assert b"AssertionError" not in stored and b"acme-corp" not in stored
    assert message not in again or not findings


def test_the_memory_is_keyed_by_the_detector_settings(tmp_path: Path) -> None:
    default = clean_values.CleanValues.open(tmp_path)
    default.add(["TimeoutError: pool exhausted after 30s"])
    default.save()
    other = clean_values.CleanValues.open(tmp_path, extra_internal_domains=["corp.example"])
    assert other.version != default.version
    assert "TimeoutError: pool exhausted after 30s" not in other


@pytest.mark.parametrize("workers", [1, 2])
def test_an_entry_that_no_longer_decodes_is_sanitized_again_with_the_same_rows(
    tmp_path: Path, workers: int
) -> None:
    root, cache = tmp_path / "artifacts", tmp_path / "cache"
    # Enough files for two pool tasks, so the parallel path decodes hits while it works.
    files = {f"reports/junit-{n:03d}.xml": junit("2026-11-20", line=n + 1) for n in range(600)}
    ci_run(root, "gha-9912345678", "2026-11-20", files)
    manifest = build_manifest(root, window_for("2026-11-22"))
    real = resolve_paths(root, manifest)
    settings = batch.RedactorSettings()
    first = batch.sanitize_manifest(
        root, manifest, real, settings, workers=workers, cache_dir=cache
    )
    assert first.processed == 600 and first.from_cache == 0

    # A record that passes its checksum but holds an entry of another layout.
    victim = manifest.artifacts[123].sha256
    segment = next(cache.glob(f"*/*/{batch.SanitizedCache.SEGMENT}"))
    older = (b'["an older layout"]', 0, b"")
    segment.write_bytes(segment.read_bytes() + batch._record([(victim, older)]))
    again = batch.sanitize_manifest(
        root, manifest, real, settings, workers=workers, cache_dir=cache
    )

    assert (again.processed, again.from_cache) == (1, 599)
    pd.testing.assert_frame_equal(again.failures, first.failures)
    pd.testing.assert_frame_equal(again.artifacts, first.artifacts)
    third = batch.sanitize_manifest(
        root, manifest, real, settings, workers=workers, cache_dir=cache
    )
    assert (third.processed, third.from_cache) == (0, 600)


def test_the_tables_of_no_artifact_have_object_columns() -> None:
    failures, artifacts = batch._tables([], [], [], [], {})
    for table, columns in ((failures, batch.FAILURE_COLUMNS), (artifacts, batch.ARTIFACT_COLUMNS)):
        assert tuple(table.columns) == columns and table.empty
    pd.testing.assert_frame_equal(
        artifacts, pd.DataFrame.from_records([], columns=list(batch.ARTIFACT_COLUMNS))
    )


def test_cached_cells_follow_the_failure_table_columns() -> None:
    own_time = batch.FAILURE_CELLS.index("occurred_at")
    assert own_time == len(batch.FAILURE_CELLS) - 1
    assert (*batch.RUN_CELLS, *batch.FAILURE_CELLS[:own_time]) == batch.FAILURE_COLUMNS
