"""Specification of Ruby console output: RSpec's failure report (pending examples and the rerun
list are not failures), RSpec errors outside examples, uncaught exceptions and Rails request logs.
One failure each, the exception class (``ExpectationNotMetError`` for expectations), frames
outermost first with gems and the interpreter not in-app, and the spec file as the test file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from telemetry_assets.core.models import Failure
from telemetry_assets.core.parsers import plain_log
from telemetry_assets.core.parsers.languages.ruby import AGGREGATE_TYPE, EXPECTATION_TYPE
from telemetry_assets_tests.core.parsers._console_helpers import exact_failure_rate
from telemetry_assets_tests.core.parsers._expectations import check

LOGS = Path(__file__).resolve().parents[2] / "inputs" / "plain_log" / "ruby"
GEMS = "/home/runner/work/shop/shop/vendor/bundle/ruby/3.3.0/gems"


def _parse(name: str) -> tuple[Failure, ...]:
    return plain_log.parse((LOGS / name).read_text(encoding="utf-8"), name).failures


FIXTURES: list[tuple[str, str, list[dict[str, Any]]]] = [
    (
        "rspec behind GitHub Actions stamps: pending entries and rerun lines are not failures",
        "gha-rspec-failures-and-pending.log",
        [
            {
                "test_id": "Cart#total applies the coupon",
                "test_file": "./spec/models/cart_spec.rb",
                "exception_type": EXPECTATION_TYPE,
                "message": "expected: 90\ngot: 100",
                "kind": "failure",
                "frames": [
                    ("./spec/models/cart_spec.rb", "block (3 levels) in <top (required)>", True)
                ],
            },
            {
                "test_id": "CheckoutController POST #create charges the card",
                "test_file": "./spec/controllers/checkout_controller_spec.rb",
                "exception_type": "NoMethodError",
                "message": "undefined method 'charge!' for nil",
                "kind": "error",
                "frames": [
                    (
                        "./spec/controllers/checkout_controller_spec.rb",
                        "block (3 levels) in <top (required)>",
                        True,
                    ),
                    (
                        f"{GEMS}/actionpack-7.1.3/lib/action_controller/metal/"
                        "basic_implicit_render.rb",
                        "send_action",
                        False,
                    ),
                    ("./app/controllers/checkout_controller.rb", "CheckoutController#create", True),
                    ("./app/services/checkout.rb", "Checkout#call", True),
                ],
            },
        ],
    ),
    (
        "rails log: Rails 7 frames at column 0 and Rails 6 frames indented, gems not in-app",
        "rails-routing-and-nomethod.log",
        [
            {
                "test_id": None,
                "exception_type": "ActionController::RoutingError",
                "message": 'No route matches [GET] "/settings/billing"',
                "kind": "crash",
                "frames": [
                    ("lib/puma/server.rb", "handle_request", False),
                    ("lib/rails/rack/logger.rb", "call_app", False),
                    ("lib/action_dispatch/middleware/show_exceptions.rb", "call", False),
                    ("lib/action_dispatch/middleware/debug_exceptions.rb", "call", False),
                ],
            },
            {
                "exception_type": "NoMethodError",
                "message": "undefined method `total_cents' for nil",
                "frames": [
                    ("lib/action_controller/metal/basic_implicit_render.rb", "send_action", False),
                    ("app/controllers/orders_controller.rb", "create", True),
                    ("app/models/order.rb", "charge_amount", True),
                ],
            },
        ],
    ),
]


@pytest.mark.parametrize(("name", "fixture", "expected"), FIXTURES, ids=[c[0] for c in FIXTURES])
def test_fixture_failures(name: str, fixture: str, expected: list[dict[str, Any]]) -> None:
    failures = _parse(fixture)
    assert len(failures) == len(expected), [f.test_id or f.message for f in failures]
    for failure, want in zip(failures, expected, strict=True):
        assert failure.language == "ruby"
        check(failure, want)


CASES: list[tuple[str, str, list[dict[str, Any]]]] = [
    (
        "uncaught exception: the raise site from the header, then the from lines",
        "lib/report.rb:14:in 'Integer#/': divided by 0 (ZeroDivisionError)\n"
        "\tfrom lib/report.rb:14:in 'Report#average'\n\tfrom bin/report:5:in '<main>'\n",
        [
            {
                "exception_type": "ZeroDivisionError",
                "message": "divided by 0",
                "kind": "crash",
                "frames": [
                    ("bin/report", "<main>", True),
                    ("lib/report.rb", "Report#average", True),
                    ("lib/report.rb", "Integer#/", True),
                ],
            }
        ],
    ),
    (
        "an error while loading a spec file is one failure outside any example",
        "An error occurred while loading ./spec/models/cart_spec.rb.\n"
        "Failure/Error: require 'cart/pricing'\n\nLoadError:\n"
        "  cannot load such file -- cart/pricing\n"
        "# ./spec/models/cart_spec.rb:3:in '<top (required)>'\nNo examples found.\n",
        [
            {
                "test_id": None,
                "exception_type": "LoadError",
                "message": "cannot load such file -- cart/pricing",
                "kind": "error",
                "frames": [("./spec/models/cart_spec.rb", "<top (required)>", True)],
            }
        ],
    ),
    (
        "aggregated failures are one failure of the example",
        "Failures:\n\n  1) Client follows redirects\n     Got 2 failures:\n\n"
        "     1.1) Failure/Error: expect(response.status).to eq(302)\n\n"
        "            expected: 302\n                 got: 404\n"
        "          # ./spec/client_spec.rb:7:in 'block (2 levels) in <top (required)>'\n\n"
        "     1.2) Failure/Error: expect(response.body).to eq('moved')\n\n"
        '            expected: "moved"\n                 got: "Not Found"\n'
        "          # ./spec/client_spec.rb:8:in 'block (2 levels) in <top (required)>'\n",
        [
            {
                "test_id": "Client follows redirects",
                "exception_type": AGGREGATE_TYPE,
                "test_file": "./spec/client_spec.rb",
            }
        ],
    ),
    (
        "a numbered list outside a Failures section is not a failure",
        "Release checklist:\n  1) bump the version\n  2) tag the release\n",
        [],
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_ruby_text(name: str, text: str, expected: list[dict[str, Any]]) -> None:
    failures = plain_log.parse(text, "job.log").failures
    assert len(failures) == len(expected), [f.message for f in failures]
    for failure, want in zip(failures, expected, strict=True):
        check(failure, want)


def test_console_corpus_ruby_failures_are_exact() -> None:
    """At least 95% of the real Ruby console outputs give exactly the expected failures."""
    rate, misses = exact_failure_rate("Ruby")
    assert rate >= 0.95, misses
