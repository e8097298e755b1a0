"""Specification of the normalisation rules: paths, names, in-app detection, messages."""

from __future__ import annotations

import pytest

from telemetry_assets.core.fingerprint.normalise import (
    LIBRARY_RULES,
    MESSAGE_RULES,
    NAME_RULES,
    PATH_RULES,
    ROUTE_RULES,
    canonical_test_name,
    display_test_id,
    is_anonymous_function,
    is_in_app,
    is_meaningful_message,
    library_rule_for,
    message_rules_applied,
    normalise_exception_type,
    normalise_frame,
    normalise_message,
    normalise_name,
    normalise_path,
    route_rule_for,
)
from telemetry_assets.core.models import Frame

PATH_CASES = [
    ("github actions", "/home/runner/work/shop/shop/src/ui/Table.tsx", "src/ui/Table.tsx"),
    (
        "github actions, runner home already redacted",
        "/home/<USER>/work/shop/shop/shop/db/pool.py",
        "shop/db/pool.py",
    ),
    ("gha container job", "/__w/shop/shop/src/ui/Table.tsx", "src/ui/Table.tsx"),
    ("gha windows", r"D:\a\shop\shop\src\ui\Table.tsx", "src/ui/Table.tsx"),
    ("gha windows C", r"C:\a\shop\shop\acme\api.py", "acme/api.py"),
    ("github workspace", "/github/workspace/acme/api.py", "acme/api.py"),
    ("gitlab", "/builds/acme/shop/tests/test_api.py", "tests/test_api.py"),
    ("jenkins", "/var/lib/jenkins/workspace/shop-ci/src/main/App.java", "src/main/App.java"),
    ("workspace", "/workspace/acme/api.py", "acme/api.py"),
    ("pytest tmp", "/tmp/pytest-of-alice/pytest-12/test_export0/gen/mod.py", "gen/mod.py"),
    ("pytest tmp placeholder", "/tmp/pytest-of-<USER>/pytest-7/gen/mod.py", "gen/mod.py"),
    ("home with anchor", "/home/alice/code/shop/src/ui/Table.tsx", "src/ui/Table.tsx"),
    ("mac home", "/Users/<USER>/dev/shop/tests/test_api.py", "tests/test_api.py"),
    ("windows home", r"C:\Users\bob\shop\src\app.ts", "src/app.ts"),
    ("docker app dir", "/usr/src/app/src/server.js", "src/app/src/server.js"),
    ("site-packages", "/opt/venv/lib/python3.11/site-packages/requests/api.py", "requests/api.py"),
    ("dist-packages", "/usr/lib/python3/dist-packages/yaml/parser.py", "yaml/parser.py"),
    ("python stdlib", "/usr/lib/python3.11/json/decoder.py", "json/decoder.py"),
    (
        "node_modules",
        "/home/runner/work/a/a/node_modules/express/lib/router.js",
        "express/lib/router.js",
    ),
    (
        "pnpm store",
        "/w/node_modules/.pnpm/react-dom@18.2.0/node_modules/react-dom/cjs/index.js",
        "react-dom/cjs/index.js",
    ),
    ("webpack scheme", "webpack:///./src/index.ts", "src/index.ts"),
    ("webpack namespace", "webpack://shop/./src/index.ts", "src/index.ts"),
    ("file scheme", "file:///home/runner/work/a/a/src/x.mjs", "src/x.mjs"),
    ("bundle hex hash", "http://localhost:3000/static/js/main.3f2a9c1b.js", "static/js/main.js"),
    ("bundle chunk id", "/assets/chunk-ABC123.js", "assets/chunk.js"),
    ("vite hash", "dist/assets/index-BkD9x2Qa.mjs", "dist/assets/index.mjs"),
    ("not a hash", "src/user-service.js", "src/user-service.js"),
    (
        "go module cache",
        "/root/go/pkg/mod/github.com/lib/pq@v1.10.9/conn.go",
        "github.com/lib/pq/conn.go",
    ),
    ("go root", "/opt/hostedtoolcache/go/1.22.1/x64/src/runtime/panic.go", "runtime/panic.go"),
    (
        "rust std",
        "/rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/panicking.rs",
        "rustc/library/core/src/panicking.rs",
    ),
    ("relative stays", "src/ui/Table.tsx", "src/ui/Table.tsx"),
]


@pytest.mark.parametrize(("name", "text", "expected"), PATH_CASES, ids=[c[0] for c in PATH_CASES])
def test_normalise_path(name: str, text: str, expected: str) -> None:
    assert normalise_path(text) == expected


NAME_CASES = [
    ("java lambda counter", "lambda$process$0", "lambda$process"),
    (
        "spring cglib",
        "com.acme.OrderService$$EnhancerBySpringCGLIB$$3f2a9c1b",
        "com.acme.OrderService",
    ),
    ("jvm lambda class", "com.acme.Jobs$$Lambda$123/0x0000000800c03000", "com.acme.Jobs"),
    ("nested class kept", "com.acme.Outer$Inner", "com.acme.Outer$Inner"),
    ("rust hash", "shop::cart::Cart::add::h0123456789abcdef", "shop::cart::Cart::add"),
    ("python locals", "make_handler.<locals>.handle", "make_handler.handle"),
    ("promise index", "async Promise.all (index 0)", "async Promise.all"),
    (
        "go version",
        "github.com/acme/shop@v1.4.0/cart.(*Cart).Add",
        "github.com/acme/shop/cart.(*Cart).Add",
    ),
    ("plain", "render", "render"),
]


@pytest.mark.parametrize(("name", "text", "expected"), NAME_CASES, ids=[c[0] for c in NAME_CASES])
def test_normalise_name(name: str, text: str, expected: str) -> None:
    assert normalise_name(text) == expected


LIBRARY = False
APP = True
IN_APP_CASES = [
    ("project python", Frame(file="/home/runner/work/s/s/acme/api.py", function="f"), APP),
    ("project test", Frame(file="tests/test_api.py", function="test_x"), APP),
    ("jest anonymous", Frame(file="src/a.test.ts", function="Object.<anonymous>"), APP),
    ("site-packages", Frame(file="/v/lib/python3.12/site-packages/_pytest/x.py"), LIBRARY),
    ("dist-packages", Frame(file="/usr/lib/python3/dist-packages/apt/x.py"), LIBRARY),
    ("python stdlib", Frame(file="/usr/lib/python3.11/json/decoder.py"), LIBRARY),
    ("frozen", Frame(file="<frozen importlib._bootstrap>", function="_call"), LIBRARY),
    ("node_modules", Frame(file="/w/node_modules/react/index.js"), LIBRARY),
    ("node internal", Frame(file="node:internal/process/task_queues"), LIBRARY),
    ("old node internal", Frame(file="internal/modules/cjs/loader.js"), LIBRARY),
    (
        "java stdlib",
        Frame(file="HashMap.java", module="java.util.HashMap", function="get"),
        LIBRARY,
    ),
    (
        "sun reflect",
        Frame(module="sun.reflect.NativeMethodAccessorImpl", function="invoke0"),
        LIBRARY,
    ),
    ("jdk internal", Frame(module="jdk.internal.reflect.Method", function="invoke"), LIBRARY),
    ("junit", Frame(module="org.junit.Assert", function="fail"), LIBRARY),
    ("java app", Frame(file="Orders.java", module="com.acme.Orders", function="place"), APP),
    (
        "go runtime file",
        Frame(file="/usr/local/go/src/runtime/panic.go", function="runtime.gopanic"),
        LIBRARY,
    ),
    ("go testing", Frame(file="testing/testing.go", function="testing.tRunner"), LIBRARY),
    ("go module cache", Frame(file="/root/go/pkg/mod/github.com/lib/pq@v1.10.9/conn.go"), LIBRARY),
    ("go app", Frame(file="/w/internal/cart/cart.go", function="cart.(*Cart).Add"), APP),
    ("rust std", Frame(file="/rustc/90b35a6239c3d8bd/library/std/src/panicking.rs"), LIBRARY),
    ("rust std name", Frame(function="core::panicking::panic_fmt"), LIBRARY),
    (
        "rust std, commit hash redacted",
        Frame(file="/rustc/<SECRET>/library/std/src/panicking.rs", function="rust_begin_unwind"),
        LIBRARY,
    ),
    ("rust panic entry without a path", Frame(function="rust_begin_unwind"), LIBRARY),
    ("rust alloc name", Frame(function="alloc::vec::Vec<T>::push"), LIBRARY),
    ("rust test harness name", Frame(function="test::run_test::{{closure}}"), LIBRARY),
    ("rust app", Frame(file="./crates/pricing/src/discount.rs", function="pricing::apply"), APP),
    ("v8 builtin without a file", Frame(function="new Promise"), LIBRARY),
    ("v8 builtin at <anonymous>", Frame(file="<anonymous>", function="Array.map"), LIBRARY),
    ("jest wrapper in a test file", Frame(file="a.test.ts", function="Object.<anonymous>"), APP),
    ("project file named like a builtin", Frame(file="src/Promise.ts", function="Promise"), APP),
    ("parser verdict wins", Frame(file="/w/node_modules/x/i.js", in_app=True), APP),
]


@pytest.mark.parametrize(
    ("name", "frame", "expected"), IN_APP_CASES, ids=[c[0] for c in IN_APP_CASES]
)
def test_is_in_app(name: str, frame: Frame, expected: bool) -> None:
    assert is_in_app(frame) is expected


# (name, normalised frame, route rule or None for application code)
ROUTE_CASES = [
    (
        "tests directory",
        Frame(file="tests/api/test_checkout.py", function="test_x"),
        "test_directory",
    ),
    ("__tests__", Frame(file="web/src/__tests__/a.ts", function="f"), "test_directory"),
    ("e2e", Frame(file="web/e2e/support/login.ts", function="login"), "test_directory"),
    ("smoke directory", Frame(file="shop/smoke/__main__.py", function="check"), "test_directory"),
    ("testdata", Frame(file="internal/cart/testdata/gen.go", function="Gen"), "test_directory"),
    ("fixtures", Frame(file="spec/fixtures/orders.rb", function="build"), "test_directory"),
    ("test helpers", Frame(file="web/src/test-support/render.tsx", function="r"), "test_directory"),
    ("go testutil", Frame(file="internal/testutil/db.go", function="NewDB"), "test_directory"),
    ("testimonials are app code", Frame(file="web/src/testimonials/List.tsx", function="L"), None),
    ("pytest file", Frame(file="shop/test_pool.py", function="test_acquire"), "test_file"),
    ("pytest suffix file", Frame(file="shop/pool_test.py", function="test_acquire"), "test_file"),
    ("conftest", Frame(file="conftest.py", function="db"), "test_file"),
    ("go test file", Frame(file="internal/cart/cart_test.go", function="TestAdd"), "test_file"),
    (
        "jest test file",
        Frame(file="src/Table.test.tsx", function="Object.<anonymous>"),
        "test_file",
    ),
    ("spec file", Frame(file="src/cart.spec.js", function="it"), "test_file"),
    ("smoke script", Frame(file="web/scripts/smoke-ssr.mjs", function="render"), "test_file"),
    ("junit class file", Frame(file="PaymentGatewayTest.java", function="x"), "test_file"),
    (
        "junit class, module only",
        Frame(module="com.acme.OrderServiceTests", function="x"),
        "test_module",
    ),
    (
        "integration test class",
        Frame(module="com.acme.CheckoutPaymentIT", function="x"),
        "test_module",
    ),
    ("nested test class", Frame(module="com.acme.CartTest$WhenEmpty", function="x"), "test_module"),
    ("test package", Frame(module="com.acme.test.Seeds", function="x"), "test_module"),
    ("rust mod tests", Frame(module="pricing::discount::tests", function="t"), "test_module"),
    (
        "rust mod tests, no module given",
        Frame(function="pricing::discount::tests::caps_at_half"),
        "test_module",
    ),
    ("rust app function, no module given", Frame(function="pricing::discount::apply"), None),
    ("entry point", Frame(file="shop/jobs/reindex.py", function="main"), "entry_point"),
    ("go main.main", Frame(file="cmd/api/main.go", module="main", function="main"), "entry_point"),
    ("app code", Frame(file="shop/db/pool.py", function="acquire"), None),
    ("testing-like name", Frame(file="shop/contest.py", function="enter"), None),
    ("attestation", Frame(file="web/src/attestation.ts", function="verify"), None),
    ("latest", Frame(file="web/src/latest.ts", function="load"), None),
    ("Audit class", Frame(file="Audit.java", module="com.acme.Audit", function="x"), None),
    ("upper-case IT", Frame(module="com.acme.AUDIT", function="x"), None),
    ("main-like name", Frame(file="shop/domain.py", function="remain"), None),
    ("go app package", Frame(module="github.com/acme/shop/internal/cart", function="Add"), None),
]


@pytest.mark.parametrize(
    ("name", "frame", "expected"), ROUTE_CASES, ids=[c[0] for c in ROUTE_CASES]
)
def test_route_rule_for(name: str, frame: Frame, expected: str | None) -> None:
    assert route_rule_for(frame) == expected


def test_route_rule_names_are_unique() -> None:
    names = [r.name for r in ROUTE_RULES]
    assert len(names) == len(set(names))


def test_library_rule_names_the_reason() -> None:
    assert library_rule_for(Frame(file="/w/node_modules/x/i.js")) == "node_modules"
    assert library_rule_for(Frame(file="src/x.ts")) is None


def test_normalise_frame_drops_line_column_and_prefix() -> None:
    frame = Frame(file="/home/runner/work/s/s/src/a.ts", function="lambda$go$3", line=42, column=7)
    assert normalise_frame(frame) == Frame(file="src/a.ts", function="lambda$go", in_app=True)


EXCEPTION_CASES = [
    ("java qualified", "java.lang.IllegalStateException", "IllegalStateException"),
    ("python builtins", "builtins.KeyError", "KeyError"),
    ("python custom", "acme.errors.PaymentDeclined", "PaymentDeclined"),
    ("node uncaught", "Uncaught TypeError", "TypeError"),
    ("trailing colon", "ValueError:", "ValueError"),
    ("go panic", "panic", "panic"),
    ("none", None, ""),
]


@pytest.mark.parametrize(
    ("name", "text", "expected"), EXCEPTION_CASES, ids=[c[0] for c in EXCEPTION_CASES]
)
def test_normalise_exception_type(name: str, text: str | None, expected: str) -> None:
    assert normalise_exception_type(text) == expected


MESSAGE_CASES = [
    ("placeholders kept", "mail to <EMAIL> from <IP> failed", "mail to <EMAIL> from <IP> failed"),
    ("number", "expected 3 items, got 4", "expected <NUM> items, got <NUM>"),
    ("decimal and negative", "balance -12.50 below 0", "balance <NUM> below <NUM>"),
    ("iso timestamp", "stale since 2026-11-20T10:11:12.123Z", "stale since <TS>"),
    ("date", "no rates for 2026-11-20", "no rates for <TS>"),
    ("clock time", "deadline 10:11:12 passed", "deadline <TS> passed"),
    ("uuid", "job 3f2a9c1b-1234-4cde-8f00-aa11bb22cc33 lost", "job <UUID> lost"),
    ("hex literal", "<Conn object at 0x7f3a2b1c00>", "<Conn object at <HEX>>"),
    ("long hex", "commit 3f2a9c1b7d not found", "commit <HEX> not found"),
    ("hex word kept", "value deadbeef is odd", "value deadbeef is odd"),
    ("temp path", "cannot open /tmp/tmpab12cd/out.json: denied", "cannot open <TMP>: denied"),
    ("mac temp path", "wrote /var/folders/x1/T/a.txt ok", "wrote <TMP> ok"),
    ("source position", "see Table.tsx:42:7", "see Table.tsx:LINE"),
    (
        "durations",
        "took 2m30s (150ms, 1.23s, 5 seconds)",
        "took <DURATION> (<DURATION>, <DURATION>, <DURATION>)",
    ),
    ("port after host", "connect ECONNREFUSED <IP>:5432", "connect ECONNREFUSED <IP>:<PORT>"),
    ("port localhost", "GET http://localhost:8080/api", "GET http://localhost:<PORT>/api"),
    ("pid", "worker pid 4411 exited", "worker pid <PID> exited"),
    ("attempts", "gave up after 3 attempts", "gave up after <NUM> attempts"),
    ("quoted assignment", "Order id='abc123' not found", "Order id=<VAL> not found"),
    ("unquoted assignment", "bad user=u42x token", "bad user=<VAL> token"),
    ("suffix number", "no row order_42", "no row order_<NUM>"),
    ("mixed id", "request a1b2c3 failed", "request <ID> failed"),
    ("identifier digits kept", "sha256 mismatch in utf8 v2", "sha256 mismatch in utf8 v2"),
    ("quoted identifier kept", "KeyError: 'user_id'", "KeyError: 'user_id'"),
    ("quoted words kept", "assert 'pending' == 'paid'", "assert 'pending' == 'paid'"),
    ("first three lines only", "a 1\n\n b\nc\nd 9", "a <NUM>\nb\nc"),
    ("whitespace collapsed", "too   many\tspaces", "too many spaces"),
]


@pytest.mark.parametrize(
    ("name", "text", "expected"), MESSAGE_CASES, ids=[c[0] for c in MESSAGE_CASES]
)
def test_normalise_message(name: str, text: str, expected: str) -> None:
    assert normalise_message(text) == expected


DISTINCT_MESSAGES = [
    ("different keys", "KeyError: 'user_id'", "KeyError: 'email'"),
    ("different statuses", "assert 'pending' == 'paid'", "assert 'pending' == 'refunded'"),
    ("different words", "connection refused", "connection reset"),
]


@pytest.mark.parametrize(
    ("name", "text", "expected"), DISTINCT_MESSAGES, ids=[c[0] for c in DISTINCT_MESSAGES]
)
def test_identifiers_are_not_over_merged(name: str, text: str, expected: str) -> None:
    assert normalise_message(text) != normalise_message(expected)


MEANINGFUL_CASES = [
    ("real message", "expected <NUM> items, got <NUM>", True),
    ("empty", "", False),
    ("only placeholders", "<NUM> <UUID>", False),
    ("generic failed", "Failed", False),
    ("exit status", "exit status <NUM>", False),
    ("short word", "ok", False),
]


@pytest.mark.parametrize(
    ("name", "text", "expected"), MEANINGFUL_CASES, ids=[c[0] for c in MEANINGFUL_CASES]
)
def test_is_meaningful_message(name: str, text: str, expected: bool) -> None:
    assert is_meaningful_message(text) is expected


def test_rules_applied_are_named() -> None:
    assert message_rules_applied("took 150ms on port localhost:8080, 3 rows") == (
        "duration",
        "port",
        "number",
    )


@pytest.mark.parametrize(
    "rules",
    [PATH_RULES, NAME_RULES, MESSAGE_RULES, LIBRARY_RULES],
    ids=["path", "name", "msg", "lib"],
)
def test_rule_names_are_unique_identifiers(rules: tuple[object, ...]) -> None:
    names = [r.name for r in rules]  # type: ignore[attr-defined]
    assert len(names) == len(set(names))
    assert all(n.isidentifier() for n in names)


def test_gopath_project_code_is_in_app() -> None:
    frame = Frame(
        file="/home/<USER>/go/src/github.com/acme/shop/internal/cart/cart.go", function="x"
    )
    assert is_in_app(frame)
    assert not is_in_app(Frame(file="/usr/local/go/src/testing/testing.go", function="tRunner"))
    assert not is_in_app(Frame(file="x.go", module="testing", function="tRunner.func1"))


TEST_NAME_CASES = [
    ("jest json: file dropped",
     "/home/runner/work/shop/shop/src/ui/Table.test.tsx > Table > renders rows",
     "Table > renders rows"),
    ("jest console separator", "Table › renders rows", "Table > renders rows"),
    ("playwright console: project and position dropped",
     "[chromium] › cart.spec.ts:12:5 › shows the total", "shows the total"),
    ("playwright json: project suffix dropped", "cart.spec.ts > shows the total [firefox]",
     "shows the total"),
    ("pytest parametrisation", "tests/test_cart.py::test_round[2-half-up]", "test_round"),
    ("pytest class", "tests/test_cart.py::TestCart::test_round[1]", "TestCart > test_round"),
    ("junit dotted name keeps its last part", "tests.test_cart.test_round[3]", "test_round"),
    ("junit 5 signature and case", "com.acme.CartTest.rounds(String, int)[2]", "rounds"),
    ("a call with values is part of the name", "exit(0)", "exit(0)"),
    ("brackets inside a title stay", "renders [x] icon", "renders [x] icon"),
    ("nothing but a file", "src/ui/Table.test.tsx", ""),
]  # fmt: skip


@pytest.mark.parametrize(("name", "test_id", "expected"), TEST_NAME_CASES,
                         ids=[c[0] for c in TEST_NAME_CASES])  # fmt: skip
def test_test_name(name: str, test_id: str, expected: str) -> None:
    assert canonical_test_name(test_id) == expected


DISPLAY_ID_CASES = [
    ("gha workspace", "/home/runner/work/shop/shop/web/src/a.test.ts > A > b",
     "web/src/a.test.ts > A > b"),
    ("gitlab builds", "/builds/acme/shop/web/src/a.test.ts > A > b", "web/src/a.test.ts > A > b"),
    ("windows runner", "D:\\a\\shop\\shop\\web\\src\\a.test.ts > A > b",
     "web/src/a.test.ts > A > b"),
    ("relative pytest id unchanged", "tests/test_a.py::test_b", "tests/test_a.py::test_b"),
    ("junit id unchanged", "com.acme.ATest.b", "com.acme.ATest.b"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "test_id", "expected"), DISPLAY_ID_CASES,
                         ids=[c[0] for c in DISPLAY_ID_CASES])  # fmt: skip
def test_display_test_id(name: str, test_id: str, expected: str) -> None:
    assert display_test_id(test_id) == expected


ANONYMOUS_CASES = [
    ("jest wrapper", "Object.<anonymous>", True),
    ("mocha wrapper", "Context.<anonymous>", True),
    ("no function at all", None, True),
    ("python lambda", "<lambda>", True),
    ("named function", "render", False),
    ("script top level is a place", "<module>", False),
]


@pytest.mark.parametrize(("name", "function", "expected"), ANONYMOUS_CASES,
                         ids=[c[0] for c in ANONYMOUS_CASES])  # fmt: skip
def test_is_anonymous_function(name: str, function: str | None, expected: bool) -> None:
    assert is_anonymous_function(function) is expected
