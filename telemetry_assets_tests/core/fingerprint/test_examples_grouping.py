"""The bundled demo's story, as grouping must tell it: each README bug is one fingerprint.

Every artifact that ``examples/artifacts`` collects for 2026-11-22 goes through the real
pipeline core (``build_manifest``, ``sanitize_artifact`` with the real :class:`Redactor`, then
``fingerprint``). Each failure is mapped to one of the bugs of ``examples/README.md`` by stable
features written out in :data:`BUGS` (exception type, message words, test id); the mapping must
be unambiguous. Then: every bug is exactly one fingerprint, whatever format, workspace, test
class, smoke script or job reached it (B1, B4 and B5 are each reached several ways), and no two
bugs share one (B2 and B3 are the hard negative: same type, same top frame, other caller).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from telemetry_assets.core.fingerprint.fingerprint import explain, fingerprint
from telemetry_assets.core.manifest import build_manifest, resolve_paths
from telemetry_assets.core.models import Failure
from telemetry_assets.core.redaction.redactor import Redactor
from telemetry_assets.core.sanitize import sanitize_artifact
from telemetry_assets.core.window import window_for

ARTIFACTS = Path(__file__).resolve().parents[3] / "examples" / "artifacts"
REPORT_DATE = "2026-11-22"


def _text(failure: Failure) -> str:
    """Exception types and messages of the whole chain, and the test id: what a human reads."""
    parts = [failure.exception_type or "", failure.message, failure.test_id or ""]
    for exc, message in failure.chained:
        parts += [exc or "", message]
    return "\n".join(parts)


def _has(*needles: str) -> Callable[[Failure], bool]:
    return lambda failure: all(n in _text(failure) for n in needles)


@dataclass(frozen=True)
class Bug:
    id: str
    what: str
    matches: Callable[[Failure], bool]
    reached_by: int
    """At least this many different test ids / artifacts formats reach it (0: not checked)."""


# The README's table, as features that survive redaction and normalisation. Each failure must
# match exactly one row.
BUGS = [
    Bug("B1", "PoolTimeout chained from OperationalError in shop/db/pool.py acquire",
        _has("PoolTimeout", "OperationalError"), 3),
    Bug("B2", "KeyError 'currency' in pricing._lookup via checkout", _has("KeyError", "'currency'"),
        1),
    Bug("B3", "KeyError 'region' in pricing._lookup via catalog", _has("KeyError", "'region'"), 1),
    Bug("B4", "IllegalStateException: Gateway response missing authorization id (Caused by: "
        "SocketTimeoutException)", _has("IllegalStateException", "missing authorization id"), 2),
    Bug("B5", "TypeError reading 'price' at ProductTable",
        _has("TypeError", "Cannot read properties of undefined (reading 'price')"), 3),
    # Fails on retry 0 and passes on retry 1: a flaky occurrence, one group.
    Bug("B6", "toHaveScreenshot diff, flaky on retry", _has("toHaveScreenshot"), 1),
    Bug("B7", "Go nil pointer panic in (*Ledger).Reserve",
        _has("nil pointer dereference", "TestReserveConcurrent"), 1),
    Bug("B8", "Rust Option::unwrap() on None in pricing::discount::apply_stack",
        _has("called `Option::unwrap()` on a `None` value"), 1),
    Bug("B9", "PatchFormatError: hunk header malformed", _has("PatchFormatError"), 0),
    Bug("B10", "Jest toBe in money.test.ts", _has("toBe", "money.test.ts"), 1),
]  # fmt: skip


@dataclass(frozen=True)
class Seen:
    artifact: str
    failure: Failure
    fingerprint: str


@pytest.fixture(scope="module")
def seen() -> list[Seen]:
    root = ARTIFACTS.resolve()
    manifest = build_manifest(root, window_for(REPORT_DATE))
    real = resolve_paths(root, manifest)
    redactor = Redactor()
    out: list[Seen] = []
    for record in manifest.artifacts:
        result = sanitize_artifact(str(root), real[record.path_key], record.run_id, redactor)
        for failure in result.failures:
            out.append(Seen(record.path, failure, fingerprint(failure).value))
    return out


def _bug_of(item: Seen) -> str:
    found = [bug.id for bug in BUGS if bug.matches(item.failure)]
    assert len(found) == 1, f"{item.artifact} {item.failure.test_id!r}: matches {found}"
    return found[0]


def test_every_failure_belongs_to_exactly_one_readme_bug(seen: list[Seen]) -> None:
    assert len(seen) >= 30
    assert {_bug_of(item) for item in seen} == {bug.id for bug in BUGS}
    b6 = [item for item in seen if _bug_of(item) == "B6"]
    assert b6 and all(item.failure.flaky for item in b6)


@pytest.mark.parametrize("bug", BUGS, ids=[b.id for b in BUGS])
def test_each_bug_is_one_fingerprint(bug: Bug, seen: list[Seen]) -> None:
    members = [item for item in seen if _bug_of(item) == bug.id]
    fingerprints = {item.fingerprint for item in members}
    if len(fingerprints) > 1:
        # Say how they differ: the components are the explanation.
        firsts = {item.fingerprint: item for item in members}
        detail = "\n\n".join(
            f"{i.artifact}:\n{explain(fingerprint(i.failure))}" for i in firsts.values()
        )
        pytest.fail(f"{bug.id} ({bug.what}) split into {len(fingerprints)} groups:\n{detail}")
    routes = {item.failure.test_id or item.artifact for item in members}
    assert len(routes) >= bug.reached_by, "the story's several routes to this bug are not all seen"


def test_distinct_bugs_never_share_a_fingerprint(seen: list[Seen]) -> None:
    bugs_per_fingerprint: dict[str, set[str]] = defaultdict(set)
    for item in seen:
        bugs_per_fingerprint[item.fingerprint].add(_bug_of(item))
    assert {fp[:19]: b for fp, b in bugs_per_fingerprint.items() if len(b) > 1} == {}
    assert len(bugs_per_fingerprint) == len(BUGS)


def test_hard_negative_pair_differs_only_below_the_shared_top_frame(seen: list[Seen]) -> None:
    """B2 and B3 share the exception type and the top frame (``pricing._lookup``)."""
    by_bug = {_bug_of(item): item for item in seen}
    b2, b3 = (fingerprint(by_bug[b].failure).components for b in ("B2", "B3"))
    assert dict(b2)["exception_type"] == dict(b3)["exception_type"] == "KeyError"
    assert dict(b2)["frame[0]:in_app"] == dict(b3)["frame[0]:in_app"] == "cart/pricing.py:_lookup"
    assert dict(b2)["frame[1]:in_app"] != dict(b3)["frame[1]:in_app"]
