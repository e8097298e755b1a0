"""Specification of Elixir console output: ExUnit failure reports (assertions, exceptions,
``setup_all`` failures), and ``** (Error)`` crashes from ``mix``, ``iex`` and Logger. One failure
each, the innermost ``** (Type)`` as the exception with its wrappers as the chain, ``Module.test
name`` ids, and frames whose Elixir/OTP and dependency entries are not in-app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from telemetry_assets.core.models import Failure
from telemetry_assets.core.parsers import plain_log
from telemetry_assets.core.parsers.languages.elixir import ASSERTION_TYPE
from telemetry_assets_tests.core.parsers._console_helpers import exact_failure_rate
from telemetry_assets_tests.core.parsers._expectations import check

LOGS = Path(__file__).resolve().parents[2] / "inputs" / "plain_log" / "elixir"


def _parse(name: str) -> tuple[Failure, ...]:
    return plain_log.parse((LOGS / name).read_text(encoding="utf-8"), name).failures


FIXTURES: list[tuple[str, str, list[dict[str, Any]]]] = [
    (
        "mix test: an assertion, an exception through app code, a setup_all failure",
        "mix-test-assertion-exception-setup-all.log",
        [
            {
                "test_id": "Shop.CartTest.test totals the cart",
                "test_file": "test/shop/cart_test.exs",
                "exception_type": ASSERTION_TYPE,
                "message": "Assertion with == failed\ncode:  assert Cart.total(cart) == 90",
                "kind": "failure",
                "frames": [("test/shop/cart_test.exs", "totals the cart", True)],
            },
            {
                "test_id": "Shop.CheckoutTest.test charges the card",
                "exception_type": "KeyError",
                "message": "key :token not found in: %{amount: 100}",
                "kind": "error",
                "frames": [
                    ("test/shop/checkout_test.exs", "charges the card", True),
                    ("lib/shop/checkout.ex", "Shop.Checkout.place_order/1", True),
                    ("lib/shop/payments.ex", "Shop.Payments.charge/1", True),
                    ("lib/map.ex", "Map.fetch!/2", False),
                ],
            },
            {
                "test_id": "Shop.RepoTest.setup_all",
                "exception_type": "DBConnection.ConnectionError",
                "kind": "error",
            },
        ],
    ),
]


@pytest.mark.parametrize(("name", "fixture", "expected"), FIXTURES, ids=[c[0] for c in FIXTURES])
def test_fixture_failures(name: str, fixture: str, expected: list[dict[str, Any]]) -> None:
    failures = _parse(fixture)
    assert len(failures) == len(expected), [f.test_id for f in failures]
    for failure, want in zip(failures, expected, strict=True):
        assert failure.language == "elixir"
        check(failure, want)


CASES: list[tuple[str, str, list[dict[str, Any]]]] = [
    (
        "mix start failure: the innermost exception is primary, the wrappers its chain",
        "** (Mix) Could not start application shop: Shop.Application.start(:normal, []) "
        "returned an error: shutdown: failed to start child: Shop.Repo\n"
        "    ** (EXIT) an exception was raised:\n"
        "        ** (ArgumentError) missing :database key in config\n"
        "            (ecto_sql 3.12.1) lib/ecto/adapters/postgres.ex:90: "
        "Ecto.Adapters.Postgres.init/1\n"
        "            (shop 0.4.0) lib/shop/repo.ex:2: Shop.Repo.init/2\n",
        [
            {
                "exception_type": "ArgumentError",
                "message": "missing :database key in config",
                "kind": "crash",
                "chained": (
                    (
                        "Mix",
                        "Could not start application shop: Shop.Application.start(:normal, []) "
                        "returned an error: shutdown: failed to start child: Shop.Repo",
                    ),
                    ("EXIT", "an exception was raised:"),
                ),
                "frames": [
                    ("lib/shop/repo.ex", "Shop.Repo.init/2", True),
                    ("lib/ecto/adapters/postgres.ex", "Ecto.Adapters.Postgres.init/1", False),
                ],
            }
        ],
    ),
    (
        "a process crash in iex with its frames",
        "** (MatchError) no match of right hand side value: {:error, :enoent}\n"
        "    (shop 0.4.0) lib/shop/import.ex:12: Shop.Import.read!/1\n"
        "    iex:3: (file)\n",
        [
            {
                "exception_type": "MatchError",
                "message": "no match of right hand side value: {:error, :enoent}",
                "frames": [
                    ("lib/shop/import.ex", "Shop.Import.read!/1", True),
                ],
            }
        ],
    ),
    (
        "an ExUnit entry without a stack keeps the test location as its frame",
        "1) test stores values by key (KV.BucketTest)\n   test/kv/bucket_test.exs:4\n"
        "   ** (UndefinedFunctionError) function KV.Bucket.start_link/1 is undefined\n",
        [
            {
                "test_id": "KV.BucketTest.test stores values by key",
                "exception_type": "UndefinedFunctionError",
                "frames": [("test/kv/bucket_test.exs", "stores values by key", True)],
            }
        ],
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_elixir_text(name: str, text: str, expected: list[dict[str, Any]]) -> None:
    failures = plain_log.parse(text, "job.log").failures
    assert len(failures) == len(expected), [f.message for f in failures]
    for failure, want in zip(failures, expected, strict=True):
        check(failure, want)


def test_console_corpus_elixir_failures_are_exact() -> None:
    """At least 95% of the real Elixir console outputs give exactly the expected failures."""
    rate, misses = exact_failure_rate("Elixir")
    assert rate >= 0.95, misses
