"""Grouping quality on the labelled corpus: one fingerprint per bug, never two bugs per group.

The corpus (``inputs/grouping/``) renders each bug several times through different formats,
runners, workspaces, line numbers, ids and message parameters (``cross-format/`` holds one
failure as a structured report and as a raw log for each language), plus hard negatives
(distinct bugs sharing the exception type and the top frame, or an anonymous test body). It
goes through the real parsers and redactor via ``benchmarks/grouping_quality.py``, whose scoring
functions these tests import.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable
from pathlib import Path

import pytest

from telemetry_assets_tests.benchmark_scripts import load

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO / "telemetry_assets_tests" / "inputs" / "grouping"


GQ = load("grouping_quality")


@pytest.fixture(scope="module")
def corpus() -> tuple[list[object], list[str]]:
    items, notes = GQ.load_corpus(CORPUS)
    return items, notes


def test_every_artifact_is_labelled_and_every_label_exists() -> None:
    labels = json.loads((CORPUS / "labels.json").read_text(encoding="utf-8"))
    files = {
        str(p.relative_to(CORPUS))
        for p in CORPUS.rglob("*")
        if p.is_file() and p.name != "labels.json"
    }
    assert set(labels["artifacts"]) == files
    used = {v for v in labels["artifacts"].values() if isinstance(v, str)} | {
        b for v in labels["artifacts"].values() if isinstance(v, dict) for b in v.values()
    }
    assert used == set(labels["bugs"])
    assert 12 <= len(labels["bugs"]) <= 30


def test_every_artifact_parses_and_every_failure_is_labelled(
    corpus: tuple[list[object], list[str]],
) -> None:
    items, notes = corpus
    assert notes == []
    assert [(i.artifact, i.test_id) for i in items if i.bug is None] == []  # type: ignore[attr-defined]


def test_each_bug_is_rendered_several_times(corpus: tuple[list[object], list[str]]) -> None:
    items, _ = corpus
    per_bug = Counter(i.bug for i in items)  # type: ignore[attr-defined]
    assert min(per_bug.values()) >= 2
    assert sum(1 for n in per_bug.values() if n >= 3) >= 12


def test_fingerprint_groups_match_the_labels(corpus: tuple[list[object], list[str]]) -> None:
    items, _ = corpus
    scores = GQ.evaluate(items)
    fp = scores["fingerprint"]
    assert fp.mixed_groups == 0, "two distinct bugs share a fingerprint"
    assert fp.ari >= 0.98
    assert fp.f1 >= 0.98


def test_fingerprint_beats_the_naive_baseline(corpus: tuple[list[object], list[str]]) -> None:
    items, _ = corpus
    scores = GQ.evaluate(items)
    assert scores["fingerprint"].ari > scores["naive first line"].ari
    assert scores["fingerprint"].f1 > scores["naive first line"].f1


SCORE_CASES = [
    ("perfect", ["a", "a", "b", "b"], [1, 1, 2, 2], (1.0, 1.0, 1.0, 1.0, 0)),
    ("relabelled perfect", ["a", "a", "b"], ["x", "x", "y"], (1.0, 1.0, 1.0, 1.0, 0)),
    ("all merged", ["a", "a", "b", "b"], [1, 1, 1, 1], (0.0, 1 / 3, 1.0, 0.5, 1)),
    ("all split", ["a", "a", "b", "b"], [1, 2, 3, 4], (0.0, 1.0, 0.0, 0.0, 0)),
    ("one stray", ["a", "a", "a", "b", "b"], [1, 1, 2, 2, 2], (1 / 6, 0.5, 0.5, 0.5, 1)),
]


@pytest.mark.parametrize(
    ("name", "truth", "predicted", "expected"), SCORE_CASES, ids=[c[0] for c in SCORE_CASES]
)
def test_score(
    name: str,
    truth: list[Hashable],
    predicted: list[Hashable],
    expected: tuple[float, float, float, float, int],
) -> None:
    s = GQ.score(truth, predicted)
    got = (s.ari, s.precision, s.recall, s.f1, s.mixed_groups)
    assert got == pytest.approx(expected)


def test_naive_baseline_strips_digits() -> None:
    from telemetry_assets.core.models import Failure

    assert GQ.naive_key(Failure("x", "expected 3 got 4\nmore", "")) == "expected  got "


# (name, bug, other bug or None, same fingerprint?) over the corpus's test-route cases.
ROUTE_CASES = [
    (
        "same test caller, other app caller: two bugs stay apart",
        "py-keyerror-sku-add",
        "py-keyerror-sku-remove",
        False,
    ),
    ("only the test route differs (jest, Playwright helper, smoke script)", "js-cart-row-null-sku",
     None, True),
    ("anonymous test bodies in one spec file: the test name tells them apart",
     "pw-cart-total-text", "pw-cart-shipping-fee", False),
    ("same panic message and runtime frames, other function", "go-nil-map-additem",
     "go-nil-map-ledger-post", False),
    ("same code path, the missing key varies: one group", "py-keyerror-user-id-login", None, True),
    ("same code path, the property read varies: one group", "js-table-reading-id", None, True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "bug", "other", "same"), ROUTE_CASES, ids=[c[0] for c in ROUTE_CASES]
)
def test_test_routes_do_not_split_or_merge_bugs(
    name: str,
    bug: str,
    other: str | None,
    same: bool,
    corpus: tuple[list[object], list[str]],
) -> None:
    items, _ = corpus
    fingerprints: dict[str, set[str]] = {}
    for item in items:
        fingerprints.setdefault(item.bug, set()).add(GQ.fingerprint(item.failure).value)  # type: ignore[attr-defined]
    assert len(fingerprints[bug]) == 1, f"{bug} split"
    if other is not None:
        assert (fingerprints[bug] == fingerprints[other]) is same


def test_message_variants_of_one_group_are_counted(
    corpus: tuple[list[object], list[str]],
) -> None:
    items, _ = corpus
    variants = Counter(
        GQ.message_variant(i.failure)  # type: ignore[attr-defined]
        for i in items
        if i.bug == "py-keyerror-user-id-login"  # type: ignore[attr-defined]
    )
    assert set(variants) == {"'user_id'", "'locale'"}
