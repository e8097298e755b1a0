"""Specification of the versioned fingerprint: strategies, components, explanation, display."""

from __future__ import annotations

import re

import pytest

from telemetry_assets.core.fingerprint.fingerprint import (
    FINGERPRINT_VERSION,
    STRATEGIES,
    display_trace,
    explain,
    explain_failure,
    fingerprint,
    message_variant,
)
from telemetry_assets.core.models import Failure, Frame

CI = "/home/runner/work/shop/shop/"
LAPTOP = "/Users/alice/code/shop/"


def py_failure(
    root: str = CI,
    *,
    exc: str = "KeyError",
    message: str = "'user_id'",
    inner: str = "load_profile",
    caller: str = "handle_login",
    line: int = 42,
    chained: tuple[tuple[str | None, str], ...] = (),
    test: tuple[str, str] = ("tests/test_auth.py", "test_login"),
) -> Failure:
    frames = (
        Frame(
            file=f"{root}.venv/lib/python3.11/site-packages/_pytest/python.py",
            function="call",
            line=159,
        ),
        Frame(file=f"{root}{test[0]}", function=test[1], line=line + 3),
        Frame(file=f"{root}src/acme/auth.py", function=caller, line=line + 1),
        Frame(file=f"{root}src/acme/profile.py", function=inner, line=line),
    )
    return Failure(
        source_format="junit",
        message=message,
        trace=f"{exc}: {message}",
        exception_type=exc,
        frames=frames,
        test_id="tests/test_auth.py::test_login",
        language="python",
        chained=chained,
    )


BASE = py_failure()

SAME_GROUP = [
    ("other line numbers", py_failure(line=97)),
    ("laptop checkout", py_failure(LAPTOP)),
    ("windows runner", py_failure("D:\\a\\shop\\shop\\")),
    ("java-style qualified type", py_failure(exc="builtins.KeyError")),
    ("other ids in the message", py_failure(message="'user_id' (request 4411, attempt 2)")),
    # The test is the route to the bug: another test reaching the same app code is the same bug.
    ("other test function", py_failure(test=("tests/test_auth.py", "test_login_twice"))),
    ("other test file", py_failure(test=("tests/api/test_sessions.py", "test_resume"))),
    ("smoke script instead of a test", py_failure(test=("shop/smoke/__main__.py", "check_login"))),
    ("a job's entry point instead of a test", py_failure(test=("shop/jobs/nightly.py", "main"))),
    # The message is a variant of the group, never hashed with frames (fp-2026-12-06).
    ("other missing key, same code path", py_failure(message="'email'")),
    ("report format repeats the type", py_failure(message="KeyError: 'user_id'")),
    ("report format drops the message", py_failure(message="")),
]


@pytest.mark.parametrize(("name", "failure"), SAME_GROUP, ids=[c[0] for c in SAME_GROUP])
def test_same_bug_same_fingerprint(name: str, failure: Failure) -> None:
    # With frames, the message is never hashed: not its numbers, ids, nor quoted names.
    assert fingerprint(failure).value == fingerprint(BASE).value


OTHER_GROUP = [
    ("other exception type", py_failure(exc="ValueError")),
    ("other failing function", py_failure(inner="load_settings")),
    ("other caller", py_failure(caller="handle_signup")),
    ("chained", py_failure(chained=(("acme.errors.ConfigError", "bad config"),))),
    # Hard negative: the same test reaching another app caller is another bug.
    ("same test, other app caller", py_failure(caller="handle_sso")),
]


@pytest.mark.parametrize(("name", "failure"), OTHER_GROUP, ids=[c[0] for c in OTHER_GROUP])
def test_different_bug_different_fingerprint(name: str, failure: Failure) -> None:
    assert fingerprint(failure).value != fingerprint(BASE).value


def test_frames_strategy_components_innermost_first() -> None:
    fp = fingerprint(BASE)
    assert fp.strategy == "frames"
    assert fp.components == (
        ("version", FINGERPRINT_VERSION),
        ("exception_type", "KeyError"),
        ("frame[0]:in_app", "acme/profile.py:load_profile"),
        ("frame[1]:in_app", "acme/auth.py:handle_login"),
    )
    assert re.fullmatch(r"sha256-[0-9a-f]{64}", fp.value)
    assert fp.version == FINGERPRINT_VERSION


def test_at_most_five_in_app_frames() -> None:
    frames = tuple(Frame(file=f"src/m{i}.py", function=f"f{i}", line=i) for i in range(9))
    fp = fingerprint(Failure("junit", "boom", "", "RuntimeError", frames))
    frame_parts = [v for k, v in fp.components if k.startswith("frame[")]
    assert frame_parts == [
        "src/m8.py:f8",
        "src/m7.py:f7",
        "src/m6.py:f6",
        "src/m5.py:f5",
        "src/m4.py:f4",
    ]


def _f(file: str | None = None, function: str | None = None, module: str | None = None) -> Frame:
    return Frame(file=file, function=function, module=module, line=7)


# (name, frames outermost first as the parsers give them, hashed frame keys innermost first)
ROUTE_CASES = [
    (
        "JUnit test class ends the walk (B4: PaymentGatewayTest vs CheckoutPaymentIT)",
        (
            _f("PaymentGatewayTest.java", "chargeCapturesAuthorization",
               "com.acme.shop.payments.PaymentGatewayTest"),
            _f("CheckoutPayment.java", "capture", "com.acme.shop.payments.CheckoutPayment"),
            _f("GatewayClient.java", "post", "com.acme.shop.payments.http.GatewayClient"),
        ),
        ["com.acme.shop.payments.http.GatewayClient:post",
         "com.acme.shop.payments.CheckoutPayment:capture"],
    ),
    (
        "integration-test class (IT) ends the walk",
        (
            _f("CheckoutPaymentIT.java", "captureAfterReserve",
               "com.acme.shop.payments.CheckoutPaymentIT"),
            _f("CheckoutPayment.java", "capture", "com.acme.shop.payments.CheckoutPayment"),
        ),
        ["com.acme.shop.payments.CheckoutPayment:capture"],
    ),
    (
        "class in a test package ends the walk",
        (
            _f("Fixtures.java", "seedOrders", "com.acme.shop.test.Fixtures"),
            _f("OrderService.java", "place", "com.acme.shop.orders.OrderService"),
        ),
        ["com.acme.shop.orders.OrderService:place"],
    ),
    (
        "test helper under tests/ and a Playwright spec (B5)",
        (
            _f("/home/runner/work/shop/shop/web/tests/visual/catalog.visual.spec.ts"),
            _f("/home/runner/work/shop/shop/web/tests/support/render.ts", "renderCatalog"),
            _f("/home/runner/work/shop/shop/web/src/components/ProductTable.tsx", "ProductTable"),
        ),
        ["components/ProductTable.tsx:ProductTable"],
    ),
    (
        "smoke script (B5)",
        (
            _f("/home/runner/work/shop/shop/web/scripts/smoke-ssr.mjs", "main"),
            _f("/home/runner/work/shop/shop/web/scripts/smoke-ssr.mjs", "renderCatalog"),
            _f("/home/runner/work/shop/shop/web/src/components/ProductTable.tsx", "ProductTable"),
        ),
        ["components/ProductTable.tsx:ProductTable"],
    ),
    (
        "jest test file in __tests__ (B5)",
        (
            _f("/builds/acme/shop/web/src/components/__tests__/ProductTable.smoke.test.tsx",
               "Object.<anonymous>"),
            _f("/builds/acme/shop/web/src/components/ProductTable.tsx", "ProductTable"),
        ),
        ["components/ProductTable.tsx:ProductTable"],
    ),
    (
        "go test function in a _test.go file",
        (
            _f("/home/runner/work/shop/shop/internal/stock/reserve_test.go",
               "TestReserveConcurrent.func1", "github.com/acme/shop/internal/stock"),
            _f("/home/runner/work/shop/shop/internal/stock/reserve.go", "(*Ledger).Reserve",
               "github.com/acme/shop/internal/stock"),
        ),
        ["github.com/acme/shop/internal/stock:(*Ledger).Reserve"],
    ),
    (
        "rust mod tests (B8), runtime frames are library",
        (
            _f("/rustc/<SECRET>/library/core/src/ops/function.rs",
               "core::ops::function::FnOnce::call_once", "core::ops::function::FnOnce"),
            _f("./crates/pricing/src/discount.rs",
               "pricing::discount::tests::stacked_coupons_cap_at_fifty_percent",
               "pricing::discount::tests"),
            _f("./crates/pricing/src/discount.rs", "pricing::discount::apply_stack",
               "pricing::discount"),
            _f("/rustc/<SECRET>/library/core/src/option.rs", "core::option::unwrap_failed",
               "core::option"),
            _f("/rustc/<SECRET>/library/std/src/panicking.rs", "rust_begin_unwind"),
        ),
        ["pricing::discount:pricing::discount::apply_stack"],
    ),
    (
        "conftest fixture ends the walk",
        (
            _f("/home/runner/work/shop/shop/conftest.py", "db"),
            _f("/home/runner/work/shop/shop/shop/db/pool.py", "acquire"),
        ),
        ["db/pool.py:acquire"],
    ),
    (
        "entry point main of a job ends the walk (B1 from the nightly reindex)",
        (
            _f("/home/runner/work/shop/shop/shop/jobs/reindex.py", "main"),
            _f("/home/runner/work/shop/shop/shop/api/checkout.py", "create_order"),
            _f("/home/runner/work/shop/shop/shop/db/pool.py", "acquire"),
        ),
        ["db/pool.py:acquire", "api/checkout.py:create_order"],
    ),
    (
        "assertion inside the test: innermost test frames are kept (B10)",
        (
            _f("/builds/acme/shop/web/node_modules/jest-circus/build/utils.js", "callAsyncFn"),
            _f(None, "Promise"),
            _f("/builds/acme/shop/web/src/lib/__tests__/money.test.ts", "Object.<anonymous>"),
        ),
        ["__tests__/money.test.ts:Object.<anonymous>"],
    ),
    (
        "test helper called by the test: both kept when the assertion is in test code",
        (
            _f("/w/shop/tests/test_cart.py", "test_totals"),
            _f("/w/shop/tests/helpers.py", "assert_total"),
        ),
        ["tests/helpers.py:assert_total", "tests/test_cart.py:test_totals"],
    ),
    (
        "test callback called back by app code: kept up to the next test frame",
        (
            _f("/w/shop/tests/test_events.py", "test_publish"),
            _f("/w/shop/shop/events/bus.py", "publish"),
            _f("/w/shop/tests/test_events.py", "failing_handler"),
        ),
        ["tests/test_events.py:failing_handler", "events/bus.py:publish"],
    ),
    (
        "look-alikes are app code: contest.py, attestation.ts, Audit.java, testing_utils",
        (
            _f("Audit.java", "record", "com.acme.audit.AUDIT"),
            _f("/w/shop/shop/contest.py", "enter"),
            _f("/w/shop/web/src/attestation.ts", "verify"),
        ),
        ["src/attestation.ts:verify", "shop/contest.py:enter", "com.acme.audit.AUDIT:record"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "frames", "expected"), ROUTE_CASES, ids=[c[0] for c in ROUTE_CASES]
)
def test_test_and_harness_callers_end_the_frame_walk(
    name: str, frames: tuple[Frame, ...], expected: list[str]
) -> None:
    fp = fingerprint(Failure("junit", "x", "", "RuntimeError", frames))
    assert [v for k, v in fp.components if k.startswith("frame[")] == expected


def test_explain_failure_shows_where_the_walk_stopped() -> None:
    text = explain_failure(BASE)
    assert "tests/test_auth.py:test_login  in-app, route (test_directory)  <- walk stopped" in text
    assert "from the first test/harness/entry-point caller up" in text


def test_library_frames_only_when_no_in_app_frame() -> None:
    frames = (
        Frame(file="/usr/local/go/src/testing/testing.go", function="testing.tRunner"),
        Frame(file="/usr/local/go/src/runtime/panic.go", function="runtime.gopanic"),
    )
    fp = fingerprint(Failure("go-test-json", "nil map", "", "panic", frames))
    assert [k for k, _ in fp.components][2:] == ["frame[0]:library", "frame[1]:library"]


def test_jvm_frames_hash_the_class_not_the_file() -> None:
    frame = Frame(
        file="Orders.java",
        module="com.acme.Orders$$EnhancerBySpringCGLIB$$1a2b3c",
        function="place",
    )
    fp = fingerprint(Failure("junit", "x", "", "java.lang.IllegalStateException", (frame,)))
    assert ("frame[0]:in_app", "com.acme.Orders:place") in fp.components
    assert ("exception_type", "IllegalStateException") in fp.components


def test_chain_is_hashed_outermost_first() -> None:
    fp = fingerprint(py_failure(chained=(("KeyError", "'x'"), ("acme.errors.ConfigError", "y"))))
    assert ("exception_chain", "KeyError > ConfigError") in fp.components


def frameless(
    message: str, test_id: str = "pkg/cart.TestAdd", test_file: str | None = "cart_test.go"
) -> Failure:
    return Failure("go-test-json", message, message, None, (), test_id=test_id, test_file=test_file)


STRATEGY_CASES = [
    ("frames decide", BASE, "frames"),
    ("message when no frames", frameless("cart_test.go:42: expected 3 items, got 4"), "message"),
    ("test id when message generic", frameless("FAIL"), "test"),
    ("test id when message empty", frameless(""), "test"),
    ("nothing at all", Failure("plain-log", "", ""), "test"),
]


@pytest.mark.parametrize(
    ("name", "failure", "expected"), STRATEGY_CASES, ids=[c[0] for c in STRATEGY_CASES]
)
def test_strategy_choice(name: str, failure: Failure, expected: str) -> None:
    assert fingerprint(failure).strategy == expected


def test_message_strategy_ignores_numbers_but_not_test_file() -> None:
    a = frameless("cart_test.go:42: expected 3 items, got 4")
    b = frameless("cart_test.go:57: expected 10 items, got 12", test_id="pkg/cart.TestAdd/sub")
    c = frameless("cart_test.go:42: expected 3 items, got 4", test_file="order_test.go")
    assert fingerprint(a).value == fingerprint(b).value
    assert fingerprint(a).value != fingerprint(c).value


def test_version_is_first_component_and_changes_the_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    from telemetry_assets.core.fingerprint import fingerprint as module

    before = fingerprint(BASE)
    assert before.components[0] == ("version", FINGERPRINT_VERSION)
    monkeypatch.setattr(module, "FINGERPRINT_VERSION", "fp-2099-01-01")
    after = module.fingerprint(BASE)
    assert after.value != before.value and after.version == "fp-2099-01-01"


def test_line_numbers_never_in_components() -> None:
    for failure in (BASE, frameless("a.go:42: x 1")):
        assert not any(re.search(r":\d", v) for _, v in fingerprint(failure).components[1:])


def test_strategy_names() -> None:
    assert [s.name for s in STRATEGIES] == ["frames", "message", "test"]


def test_explain_names_strategy_and_components() -> None:
    text = explain(fingerprint(BASE))
    assert "strategy 'frames'" in text
    assert "acme/profile.py:load_profile" in text
    assert "not hashed: the message" in text and "line and column numbers" in text


def test_explain_failure_names_library_rule_and_message_rules() -> None:
    text = explain_failure(py_failure(message="took 150ms"))
    assert "library (python_packages)" in text
    assert "message rules applied: duration" in text


JS_TRACE = """\
2026-11-20T10:11:12.1234567Z TypeError: Cannot read properties of undefined (reading 'id')
2026-11-20T10:11:12.1234568Z     at render (/home/runner/work/shop/shop/src/ui/Table.tsx:42:7)
    at Object.<anonymous> (C:\\a\\shop\\shop\\src\\ui\\Table.test.tsx:10:3)
    at processTicksAndRejections (node:internal/process/task_queues:95:5)"""

DISPLAY_CASES = [
    (
        "js stack with log prefixes",
        Failure("plain-log", "x", JS_TRACE, "TypeError"),
        "TypeError: Cannot read properties of undefined (reading 'id')\n"
        "    at render (src/ui/Table.tsx:LINE)\n"
        "    at Object.<anonymous> (src/ui/Table.test.tsx:LINE)\n"
        "    at processTicksAndRejections (node:internal/process/task_queues:LINE)",
    ),
    (
        "python traceback",
        Failure(
            "junit",
            "x",
            "Traceback (most recent call last):\n"
            '  File "/home/<USER>/shop/src/a.py", line 7, in f\n'
            "KeyError: 'id'",
        ),
        "KeyError: 'id'\n  File \"src/a.py\", line LINE, in f",
    ),
    (
        "pytest long format opens with code: the exception line goes first",
        Failure(
            "junit-xml",
            "KeyError: 'sku'",
            "    def price_of(sku):\n>       return PRICES[sku]\nE       KeyError: 'sku'\n\n"
            "/home/runner/work/shop/shop/src/cart/catalog.py:12: KeyError",
            "KeyError",
        ),
        "KeyError: 'sku'\n    def price_of(sku):\n>       return PRICES[sku]\n"
        "E       KeyError: 'sku'\nsrc/cart/catalog.py:LINE: KeyError",
    ),
    (
        "java frames keep no line numbers",
        Failure(
            "junit-xml",
            "boom",
            "java.lang.IllegalStateException: boom\n"
            "\tat com.acme.billing.TokenView.render(TokenView.java:42)\n"
            "\tat com.acme.billing.TokenView$Row.lambda$draw$0(TokenView.kt:7)",
            "java.lang.IllegalStateException",
        ),
        "java.lang.IllegalStateException: boom\n"
        "\tat com.acme.billing.TokenView.render(TokenView.java:LINE)\n"
        "\tat com.acme.billing.TokenView$Row.lambda$draw$0(TokenView.kt:LINE)",
    ),
    (
        "rust panic line and backtrace keep no line numbers",
        Failure(
            "plain-log",
            "called `Option::unwrap()` on a `None` value",
            "thread 'cart::tests::total' panicked at src/cart.rs:42:18:\n"
            "called `Option::unwrap()` on a `None` value\n"
            "   3: shop::cart::Cart::total\n             at ./src/cart.rs:42:18\n"
            "   4: lib.rs:7:5",
            "panicked",
        ),
        "thread 'cart::tests::total' panicked at src/cart.rs:LINE:\n"
        "called `Option::unwrap()` on a `None` value\n"
        "   3: shop::cart::Cart::total\n             at src/cart.rs:LINE\n"
        "   4: lib.rs:LINE",
    ),
    (
        "ports after a host name are not source positions",
        Failure(
            "plain-log", "x", "ConnectionError: api.example.com:443 refused", "ConnectionError"
        ),
        "ConnectionError: api.example.com:443 refused",
    ),
    (
        "nothing but a test id: the id, repository-relative",
        Failure(
            "jest-json",
            "",
            "",
            test_id="/home/runner/work/shop/shop/src/ui/Table.test.tsx > Table > renders rows",
        ),
        "src/ui/Table.test.tsx > Table > renders rows",
    ),
    (
        "go panic",
        Failure(
            "go-test-json",
            "x",
            "goroutine 17 [running]:\nshop/cart.(*Cart).Add(...)\n"
            "\t/home/runner/work/shop/shop/cart/cart.go:42 +0x1d",
        ),
        "goroutine N [running]:\nshop/cart.(*Cart).Add(...)\n\tcart/cart.go:LINE",
    ),
    (
        "no trace: rendered from frames",
        Failure(
            "junit",
            "boom 3",
            "",
            "ValueError",
            (Frame("/builds/a/b/src/x.py", "g", 3), Frame("/builds/a/b/src/y.py", "h", 9)),
        ),
        "ValueError: boom 3\n  at h (src/y.py:LINE)\n  at g (src/x.py:LINE)",
    ),
]


@pytest.mark.parametrize(
    ("name", "failure", "expected"), DISPLAY_CASES, ids=[c[0] for c in DISPLAY_CASES]
)
def test_display_trace(name: str, failure: Failure, expected: str) -> None:
    assert display_trace(failure) == expected


def test_display_trace_is_capped() -> None:
    trace = "\n".join(f"  at f{i} (src/m{i}.ts:{i}:1)" for i in range(40))
    lines = display_trace(Failure("jest-json", "x", trace), max_lines=12).splitlines()
    assert len(lines) == 12 and lines[-1] == "  ..."


def test_fingerprint_carries_display_trace() -> None:
    assert fingerprint(
        Failure("plain-log", "x", JS_TRACE, "TypeError")
    ).normalised_trace.startswith("TypeError: Cannot read")


def spec_failure(test_id: str, *, spec: str = "e2e/cart.spec.ts", message: str = "") -> Failure:
    """A Playwright assertion inside an anonymous test callback: the only in-app frame."""
    return Failure(
        "playwright-json",
        message or "expect(locator).toHaveText(expected)",
        "",
        "Error",
        (
            Frame(f"/home/runner/work/shop/shop/{spec}", None, 14, 5),
            Frame("/home/runner/work/shop/shop/node_modules/playwright/lib/expect.js", "check", 9),
        )[::-1],
        test_id=test_id,
        test_file=spec,
        language="javascript",
    )


# (name, a, b, same group?)
TEST_IDENTITY_CASES = [
    (
        "distinct tests in one spec file stay apart",
        spec_failure("cart.spec.ts > shows the discounted total [chromium]"),
        spec_failure("cart.spec.ts > shows the shipping fee [chromium]"),
        False,
    ),
    (
        "one test in two browsers is one group",
        spec_failure("cart.spec.ts > shows the discounted total [chromium]"),
        spec_failure("cart.spec.ts > shows the discounted total [firefox]"),
        True,
    ),
    (
        "parametrised cases of one test at one place merge",
        spec_failure("cart.spec.ts > rounds totals [1]"),
        spec_failure("cart.spec.ts > rounds totals [2]"),
        True,
    ),
    (
        "JSON title and console title of one test agree",
        spec_failure("/home/runner/work/shop/shop/e2e/cart.spec.ts > Cart > shows the total"),
        spec_failure("Cart › shows the total"),
        True,
    ),
    (
        "amounts in the assertion message do not split a test",
        spec_failure(
            "cart.spec.ts > shows the total", message='Expected: "$12.00" Received: "$11"'
        ),
        spec_failure("cart.spec.ts > shows the total", message='Expected: "$9.00" Received: "$8"'),
        True,
    ),
    (
        "same test name in two spec files stays apart",
        spec_failure("cart.spec.ts > loads", spec="e2e/cart.spec.ts"),
        spec_failure("checkout.spec.ts > loads", spec="e2e/checkout.spec.ts"),
        False,
    ),
]


@pytest.mark.parametrize(
    ("name", "a", "b", "same"), TEST_IDENTITY_CASES, ids=[c[0] for c in TEST_IDENTITY_CASES]
)
def test_anonymous_test_bodies_are_told_apart_by_test_name(
    name: str, a: Failure, b: Failure, same: bool
) -> None:
    assert (fingerprint(a).value == fingerprint(b).value) is same
    assert ("test_name", "") not in fingerprint(a).components


def test_named_app_frames_do_not_hash_the_test_name() -> None:
    assert not any(k == "test_name" for k, _ in fingerprint(BASE).components)


VARIANT_CASES = [
    ("bare message", py_failure(message="'user_id'"), "'user_id'"),
    ("junit message repeats the type", py_failure(message="KeyError: 'user_id'"), "'user_id'"),
    ("numbers parameterised", py_failure(message="order 4411 not found"), "order <NUM> not found"),
    ("first line only", py_failure(message="'sku'\n  during checkout 12"), "'sku'"),
    (
        "qualified type repeated",
        py_failure(
            exc="requests.exceptions.ConnectionError",
            message="requests.exceptions."
            "ConnectionError: HTTPConnectionPool(host='<HOST>', port=8081)",
        ),
        "HTTPConnectionPool(host=<VAL>, port=<VAL>)",
    ),
]


@pytest.mark.parametrize(
    ("name", "failure", "expected"), VARIANT_CASES, ids=[c[0] for c in VARIANT_CASES]
)
def test_message_variant(name: str, failure: Failure, expected: str) -> None:
    assert message_variant(failure) == expected


def deno_failure(name: str) -> Failure:
    """Deno: ``Deno.test("...", () => {...})`` in ``main.ts``, a file not named like a test."""
    return Failure(
        "plain_log",
        "",
        "",
        "Error",
        (Frame("/home/runner/work/app/app/main.ts", None, 3, 9),),
        test_id=name,
        language="typescript",
    )


def test_anonymous_bodies_in_any_file_are_told_apart_by_test_name() -> None:
    values = {fingerprint(deno_failure(f"test {i}")).value for i in range(3)}
    assert len(values) == 3
    assert fingerprint(deno_failure("exit(0)")).value != fingerprint(deno_failure("exit(1)")).value


@pytest.mark.parametrize(
    ("name", "message_a", "message_b", "same"),
    [
        (
            "two different panics of one file without a backtrace are two bugs",
            "called `Result::unwrap()` on an `Err` value: Timeout { after_ms: 5000 }",
            "index out of bounds: the len is 0 but the index is 0",
            False,
        ),
        (
            "the same panic with other numbers is one bug",
            "index out of bounds: the len is 0 but the index is 0",
            "index out of bounds: the len is 3 but the index is 7",
            True,
        ),
    ],
)
def test_a_crash_whose_frames_name_no_code_is_told_apart_by_its_message(
    name: str, message_a: str, message_b: str, same: bool
) -> None:
    def panic(message: str, line: int) -> Failure:
        frame = Frame(file="src/worker.rs", function=None, line=line, in_app=True)
        return Failure(
            source_format="plain_log",
            message=message,
            trace=f"thread 'worker-1' panicked at src/worker.rs:{line}:9:\n{message}",
            exception_type="panic",
            frames=(frame,),
            language="rust",
            kind="crash",
        )

    a, b = fingerprint(panic(message_a, 57)), fingerprint(panic(message_b, 91))
    assert (a.value == b.value) is same
