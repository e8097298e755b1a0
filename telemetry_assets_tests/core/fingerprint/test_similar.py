"""Specification of near-duplicate detection across fingerprints (advice; never regroups)."""

from __future__ import annotations

import pytest

from telemetry_assets.core.fingerprint.fingerprint import fingerprint
from telemetry_assets.core.fingerprint.similar import SimilarPair, similar_groups
from telemetry_assets.core.models import Failure, Frame

STACK = (
    Frame(file="tests/test_checkout.py", function="test_pay", line=10),
    Frame(file="src/shop/checkout.py", function="pay", line=20),
    Frame(file="src/shop/payments.py", function="charge", line=30),
)
OTHER_STACK = (
    Frame(file="tests/test_cart.py", function="test_add", line=5),
    Frame(file="src/shop/cart.py", function="add_item", line=6),
)


def with_frames(exc: str, frames: tuple[Frame, ...] = STACK, message: str = "x") -> Failure:
    return Failure("junit", message, message, exc, frames, test_id="t")


def frameless(message: str, exc: str | None = None) -> Failure:
    return Failure("go-test-json", message, message, exc, (), test_id="pkg.TestX")


CASES = [
    (
        "same app frames (the test caller is not counted), different exception type",
        {"fa": with_frames("KeyError"), "fb": with_frames("TypeError")},
        [("fa", "fb", "same top-2 in-app frames, different exception type", 1.0)],
    ),
    (
        "different frames, same type: not similar",
        {"fa": with_frames("KeyError"), "fb": with_frames("KeyError", OTHER_STACK)},
        [],
    ),
    (
        "nearly equal messages",
        {
            "fa": frameless("payment gateway refused the card for merchant account in region eu"),
            "fb": frameless("payment gateway refused the card for merchant account in region us"),
        },
        [("fa", "fb", "message similarity 0.98 (difflib ratio)", 0.9848)],
    ),
    (
        "unrelated messages",
        {
            "fa": frameless("connection reset by peer"),
            "fb": frameless("disk quota exceeded on volume"),
        },
        [],
    ),
    (
        "generic messages never pair",
        {"fa": frameless("FAIL", "x"), "fb": frameless("FAIL", "y")},
        [],
    ),
]


@pytest.mark.parametrize(("name", "reps", "expected"), CASES, ids=[c[0] for c in CASES])
def test_similar_groups(
    name: str, reps: dict[str, Failure], expected: list[tuple[str, str, str, float]]
) -> None:
    assert [(p.a, p.b, p.reason, p.score) for p in similar_groups(reps)] == expected


def test_ordering_is_deterministic_and_pairs_are_sorted() -> None:
    reps = {
        "z": with_frames("KeyError"),
        "a": with_frames("TypeError"),
        "m": with_frames("ValueError"),
    }
    pairs = similar_groups(reps)
    assert [(p.a, p.b) for p in pairs] == [("a", "m"), ("a", "z"), ("m", "z")]
    assert pairs == similar_groups(dict(reversed(list(reps.items()))))


def test_threshold_is_respected() -> None:
    reps = {"a": frameless("alpha beta gamma delta"), "b": frameless("alpha beta gamma omega")}
    assert similar_groups(reps, threshold=0.99) == []
    assert similar_groups(reps, threshold=0.5)


def test_never_changes_fingerprints() -> None:
    reps = {"a": with_frames("KeyError"), "b": with_frames("TypeError")}
    before = {k: fingerprint(v).value for k, v in reps.items()}
    similar_groups(reps)
    assert {k: fingerprint(v).value for k, v in reps.items()} == before


def test_identical_fingerprints_are_not_reported() -> None:
    assert similar_groups({"a": with_frames("KeyError"), "b": with_frames("KeyError")}) == []


def test_pair_is_a_value() -> None:
    assert SimilarPair("a", "b", "r", 1.0) == SimilarPair("a", "b", "r", 1.0)


def test_a_shared_message_variant_pairs_two_groups() -> None:
    # Each representative printed another message; their groups' occurrences share one.
    reps = {
        "fa": with_frames("ConnectionError", message="upstream billing refused the connection"),
        "fb": with_frames("TimeoutError", OTHER_STACK, message="read timed out after 3 tries"),
    }
    variants = {
        "fa": ["upstream billing refused the connection", "upstream ledger unavailable"],
        "fb": ["read timed out after <NUM> tries", "upstream ledger unavailable"],
    }
    assert similar_groups(reps) == []
    assert similar_groups(reps, variants=variants) == [
        SimilarPair("fa", "fb", "shared message variant 'upstream ledger unavailable'", 0.95)
    ]
