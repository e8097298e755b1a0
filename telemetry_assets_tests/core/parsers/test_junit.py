"""JUnit XML: what each real-shaped fixture must yield, and which ones must be refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from telemetry_assets.core.models import ParseError
from telemetry_assets.core.parsers import junit
from telemetry_assets_tests.core.parsers._report_helpers import read

# (name, fixture, [(test_id, kind, exception_type, message)], passed ids)
CASES = [
    (
        "surefire chain: the root cause (whose frames these are) is primary, not type=",
        "junit/surefire-caused-by.xml",
        [
            (
                "com.acme.billing.InvoiceServiceTest.chargesCard",
                "error",
                "java.net.ConnectException",
                "Connection refused",
            )
        ],
        ("com.acme.billing.InvoiceServiceTest.rendersTotals",),
    ),
    (
        "pytest failure vs error, ids from file and class",
        "junit/pytest-error-vs-failure.xml",
        [
            (
                "tests/test_api.py::TestClient::test_retry",
                "failure",
                None,
                "AssertionError: assert 2 == 3",
            ),
            (
                "tests/test_api.py::TestClient::test_connect",
                "error",
                None,
                "failed on setup with \"KeyError: 'API_URL'\"",
            ),
        ],
        ("tests/test_api.py::test_health",),
    ),
    (
        "nested suites without attributes, entities, non-ASCII, two problems count once",
        "junit/nested-suites-no-attributes.xml",
        [
            ("parser.Unicode.parses ünïcödé ✓ 𝛑", "failure", None, "expected 𝛑 got π"),
            ("parser.Entities.keeps & and <tags>", "failure", None, "a & b"),
        ],
        ("parser.Top.top level",),
    ),
    (
        "surefire flakyFailure passes and is kept as a flaky failure after the final ones, "
        "rerunFailure beside failure counts once",
        "junit/surefire-flaky-rerun.xml",
        [
            (
                "com.acme.cache.CacheTest.expiresEntries",
                "failure",
                "java.util.concurrent.TimeoutException",
                "timeout",
            ),
            (
                "com.acme.cache.CacheTest.evictsOldest",
                "failure",
                "org.opentest4j.AssertionFailedError",
                "expected:<1> but was:<2>",
            ),
        ],
        ("com.acme.cache.CacheTest.evictsOldest", "com.acme.cache.CacheTest.putsAndGets"),
    ),
]


@pytest.mark.parametrize(
    ("name", "fixture", "expected", "passed"), CASES, ids=[c[0] for c in CASES]
)
def test_fixture_yields(name: str, fixture: str, expected: list, passed: tuple) -> None:
    text = read(fixture)
    assert junit.sniff(text[:8192], fixture)
    result = junit.parse(text, fixture)
    got = [(f.test_id, f.kind, f.exception_type, f.message) for f in result.failures]
    for (tid, kind, exc, msg), (gtid, gkind, gexc, gmsg) in zip(expected, got, strict=True):
        assert (gtid, gkind, gmsg) == (tid, kind, msg)
        if exc is not None:
            assert gexc == exc
    assert result.passed_test_ids == passed


def test_surefire_trace_keeps_caused_by_and_frames() -> None:
    (failure,) = junit.parse(read("junit/surefire-caused-by.xml"), "x.xml").failures
    assert "Caused by: java.net.ConnectException" in failure.trace
    assert failure.language == "java"
    assert failure.frames
    assert failure.occurred_at == datetime(2026, 11, 20, 10, 11, 12, tzinfo=UTC)


# (name, fixture, primary type, chained (type, message) outermost first)
PRIMARY_CASES = [
    (
        "surefire chain: type= names the outermost, the trace's root cause is primary",
        "junit/surefire-caused-by.xml",
        "java.net.ConnectException",
        (("com.acme.billing.GatewayException", "Payment gateway unavailable"),),
    ),
    (
        "surefire chain from the grouping corpus: same primary as the plain-log form",
        "grouping/surefire/TEST-com.acme.inventory.StockServiceTest-1.xml",
        "java.sql.SQLTransientConnectionException",
        (("java.lang.IllegalStateException", "could not reserve stock for sku=SKU-4410"),),
    ),
    (
        "no chain: type= and trace agree",
        "junit/surefire-flaky-rerun.xml",
        "java.util.concurrent.TimeoutException",
        (),
    ),
]


@pytest.mark.parametrize(
    ("name", "fixture", "primary", "chained"), PRIMARY_CASES, ids=[c[0] for c in PRIMARY_CASES]
)
def test_primary_exception_is_the_traces_and_chain_does_not_repeat_it(
    name: str, fixture: str, primary: str, chained: tuple[tuple[str, str], ...]
) -> None:
    (failure,) = [f for f in junit.parse(read(fixture), fixture).failures if not f.flaky]
    assert failure.exception_type == primary
    assert failure.chained == chained
    assert (failure.exception_type, failure.message) not in failure.chained


def test_declared_type_is_used_when_the_trace_is_unreadable() -> None:
    xml = (
        '<testsuite name="s"><testcase classname="c" name="t">'
        '<failure type="com.acme.QuotaExceeded" message="quota of 5 reached">'
        "no stack here, just words</failure></testcase></testsuite>"
    )
    (failure,) = junit.parse(xml, "TEST-c.xml").failures
    assert (failure.exception_type, failure.message) == (
        "com.acme.QuotaExceeded",
        "quota of 5 reached",
    )


def test_surefire_and_plain_log_forms_of_one_chain_share_a_fingerprint() -> None:
    from telemetry_assets.core.fingerprint.fingerprint import fingerprint
    from telemetry_assets.core.parsers import plain_log

    xml = "grouping/surefire/TEST-com.acme.inventory.StockServiceTest-1.xml"
    log = "grouping/gha-logs/maven-stock.log"
    (from_xml,) = junit.parse(read(xml), xml).failures
    (from_log,) = plain_log.parse(read(log), log).failures
    assert fingerprint(from_xml).value == fingerprint(from_log).value


def test_flaky_rerun_is_noted() -> None:
    result = junit.parse(read("junit/surefire-flaky-rerun.xml"), "x.xml")
    assert any("flaky" in note for note in result.notes)


# (name, fixture, test_id, kind, exception_type, message, innermost frame (file, function, line))
FLAKY = [
    (
        "flakyFailure with the trace as text: its first attempt's error and frames",
        "junit/surefire-flaky-rerun.xml",
        "com.acme.cache.CacheTest.evictsOldest",
        "failure",
        "org.opentest4j.AssertionFailedError",
        "expected:<1> but was:<2>",
        ("CacheTest.java", "evictsOldest", 30),
    ),
    (
        "flakyError with a stackTrace child (Surefire 3): the first of two attempts",
        "junit/surefire-flaky-error-stacktrace-child.xml",
        "com.acme.orders.OrderSyncIT.syncsPendingOrders",
        "error",
        "java.net.SocketException",
        "Connection reset",
        ("NioSocketImpl.java", "implRead", 318),
    ),
]


@pytest.mark.parametrize(
    ("name", "fixture", "test_id", "kind", "exc", "message", "innermost"),
    FLAKY,
    ids=[c[0] for c in FLAKY],
)
def test_passed_on_rerun_is_one_flaky_failure_and_still_passed(
    name: str,
    fixture: str,
    test_id: str,
    kind: str,
    exc: str,
    message: str,
    innermost: tuple[str, str, int],
) -> None:
    result = junit.parse(read(fixture), fixture)
    flaky = [f for f in result.failures if f.flaky]
    assert [(f.test_id, f.kind, f.exception_type, f.message) for f in flaky] == [
        (test_id, kind, exc, message)
    ]
    (failure,) = flaky
    last = failure.frames[-1]
    assert (last.file, last.function, last.line) == innermost
    assert test_id in result.passed_test_ids
    assert result.failures[-1] is failure, "flaky failures come after the final ones"


def test_pytest_timestamp_is_utc_aware() -> None:
    result = junit.parse(read("junit/pytest-error-vs-failure.xml"), "x.xml")
    assert result.started_at is not None and result.started_at.tzinfo is not None


def test_nameless_testcases_are_not_flaky_because_another_nameless_one_passed() -> None:
    text = "<testsuite><testcase/><testcase><failure/></testcase></testsuite>"
    (failure,) = junit.parse(text, "x.xml").failures
    assert not failure.flaky


def test_namespaced_report_and_text_after_a_child_is_not_the_body() -> None:
    text = (
        '<t:testsuite xmlns:t="urn:x"><t:testcase classname="a.B" name="c">'
        '<t:failure message="m">head<t:detail>inner</t:detail>tail</t:failure>'
        "</t:testcase></t:testsuite>"
    )
    (failure,) = junit.parse(text, "x.xml").failures
    assert (failure.test_id, failure.trace) == ("a.B.c", "head")


def test_repeated_testcase_that_later_passes_is_flaky() -> None:
    text = (
        '<testsuite name="s"><testcase classname="a.B" name="c"><failure>boom</failure>'
        '</testcase><testcase classname="a.B" name="c"/></testsuite>'
    )
    (failure,) = junit.parse(text, "x.xml").failures
    assert failure.flaky


REJECTED = [
    ("billion laughs", "junit/billion-laughs.xml", "entity declarations are not allowed"),
    ("external entity", "junit/external-entity.xml", "entity declarations are not allowed"),
    ("truncated", "junit/truncated.xml", "not well-formed: no element found at line 4"),
    ("mismatched tag", "junit/mismatched-tag.xml", "mismatched tag at line 3, column 3"),
    ("not JUnit", "junit/not-junit-coverage.xml", "not a JUnit report"),
]


@pytest.mark.parametrize(("name", "fixture", "reason"), REJECTED, ids=[c[0] for c in REJECTED])
def test_refused_with_specific_reason(name: str, fixture: str, reason: str) -> None:
    text = read(fixture)
    assert junit.sniff(text[:8192], fixture)
    with pytest.raises(ParseError, match=reason) as err:
        junit.parse(text, fixture)
    assert "lol" not in str(err.value) and "passwd" not in str(err.value)


SNIFF = [
    ("junit by content under any name", "<testsuites><testsuite/></testsuites>", "r.txt", True),
    ("empty .xml is claimed to be refused", "", "report.xml", True),
    ("html is left to plain logs", "<!DOCTYPE html><html></html>", "index.html", False),
    ("json is not junit", '{"stats": {}}', "r.json", False),
    ("plain log", "Traceback (most recent call last):", "build.log", False),
]


@pytest.mark.parametrize(("name", "head", "path", "expected"), SNIFF, ids=[c[0] for c in SNIFF])
def test_sniff(name: str, head: str, path: str, expected: bool) -> None:
    assert junit.sniff(head, path) is expected


def test_empty_file_reason() -> None:
    with pytest.raises(ParseError, match="empty file"):
        junit.parse("  \n", "x.xml")


def test_large_report_memory_stays_small() -> None:
    import tracemalloc

    case = (
        '<testcase classname="pkg.C" name="t{i}"><system-out>'
        + "x" * 2000
        + "</system-out></testcase>"
    )
    body = "".join(case.format(i=i) for i in range(4000))
    text = f"<testsuites><testsuite name='s'>{body}</testsuite></testsuites>"
    tracemalloc.start()
    result = junit.parse(text, "big.xml")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(result.passed_test_ids) == 4000
    assert peak < 3 * len(text)


@pytest.mark.parametrize(
    ("name", "xml", "passed", "failures", "notes"),
    [
        (
            "children that change nothing keep a testcase plain",
            '<testsuite name="s"><testcase classname="a.B" name="t1"><properties>'
            '<property name="x" value="y"/></properties><system-out>log</system-out>'
            '</testcase><testcase name="t2"/></testsuite>',
            ("a.B.t1", "s.t2"),
            0,
            (),
        ),
        (
            "plain, skipped, flaky and failing testcases in one suite",
            '<testsuite name="s"><testcase name="p"/><testcase name="k"><skipped/></testcase>'
            '<testcase name="r"><flakyFailure message="m">trace</flakyFailure></testcase>'
            '<testcase name="f"><failure message="boom">boom</failure></testcase>'
            '<testcase name="e"><system-err>err</system-err></testcase></testsuite>',
            ("s.p", "s.r", "s.e"),
            2,
            ("1 testcases passed on rerun after failing (flaky)",),
        ),
        (
            "only skipped testcases: testcases, so no note",
            '<testsuite name="s"><testcase name="k"><skipped/></testcase></testsuite>',
            (),
            0,
            (),
        ),
        (
            "a suite without testcases",
            '<testsuites><testsuite name="s"/></testsuites>',
            (),
            0,
            ("report holds no testcase elements",),
        ),
        (
            "a testcase without any suite",
            '<testcase classname="a.B" name="t"/>',
            ("a.B.t",),
            0,
            (),
        ),
        (
            "a testcase nested in a testcase",
            '<testsuite name="s"><testcase name="outer"><testcase name="inner">'
            "<failure>x</failure></testcase></testcase></testsuite>",
            ("s.outer",),
            1,
            (),
        ),
    ],
)
def test_testcases_are_counted_whichever_path_reads_them(
    name: str, xml: str, passed: tuple[str, ...], failures: int, notes: tuple[str, ...]
) -> None:
    result = junit.parse(xml, "report.xml")
    assert result.passed_test_ids == passed
    assert len(result.failures) == failures
    assert result.notes == notes


def test_xml_without_junit_elements_is_refused() -> None:
    with pytest.raises(ParseError, match="not a JUnit report"):
        junit.parse("<coverage><package name='x'/></coverage>", "coverage.xml")


_SUREFIRE_SUITE = (
    '<testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:noNamespaceSchemaLocation="https://maven.apache.org/surefire/maven-surefire-plugin/'
    'xsd/surefire-test-report.xsd" version="3.0" name="com.acme.CartTest" time="0.2" tests="2" '
    'errors="0" skipped="0" failures="0" timestamp="2026-11-20T10:11:12">'
)

# (name, report, whether it is read without element callbacks)
PLAIN = [
    (
        "pytest: classname first, suites in testsuites, fractional timestamp",
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" '
        'timestamp="2026-11-10T00:24:34.123456789"><testcase classname="tests.test_a" '
        'name="test_x[p-1]" time="0.001" /><testcase classname="tests.test_a" name="test_y" '
        'time="0.002"/></testsuite></testsuites>',
        True,
    ),
    (
        "surefire: name first, schema attributes, properties",
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + _SUREFIRE_SUITE
        + '\n  <properties>\n    <property name="java.version" value="21"/>\n  </properties>\n'
        '  <testcase name="totals" classname="com.acme.CartTest" time="0.1"/>\n'
        '  <testcase name="totals" classname="com.acme.CartTest" time="0.1"></testcase>\n'
        "</testsuite>\n",
        True,
    ),
    (
        "jest: open and close tags with whitespace between, CRLF, empty name",
        '<testsuites name="jest tests">\r\n<testsuite name="money.test.ts" timestamp="x">\r\n'
        '<testcase classname="money" name="">\r\n    </testcase>\r\n</testsuite>\r\n'
        "</testsuites>",
        True,
    ),
    (
        "a value that looks like a timestamp attribute",
        '<testsuite name="a timestamp=" tests="2020-01-01T00:00:00">'
        '<testcase classname="c" name="a name=" time="1"/></testsuite>',
        True,
    ),
    ("a suite with no testcase", "\ufeff<testsuites><testsuite/></testsuites>", True),
    ("only properties", "<properties><property name='a' value='b'/></properties>", False),
    ("only properties, double quotes", '<properties><property name="a"/></properties>', True),
    ("mismatched end tag", '<testsuite><testcase classname="c" name="t"/></testsuites>', True),
    ("two roots", '<testsuite/><testsuite><testcase classname="c" name="t"/></testsuite>', True),
    (
        "repeated attribute",
        '<testsuite><testcase classname="c" name="t" a="1" a="2"/></testsuite>',
        True,
    ),
    (
        "undeclared prefix",
        '<testsuite p:a="1"><testcase classname="c" name="t"/></testsuite>',
        True,
    ),
    ("bad declaration", '<?xml version="2.0"?><testcase classname="c" name="t"/>', True),
    (
        "invalid character",
        '<testsuite name="\x01"><testcase classname="c" name="t"/></testsuite>',
        True,
    ),
    (
        "a file attribute",
        '<testsuite><testcase classname="c" name="t" file="t.py"/></testsuite>',
        False,
    ),
    (
        "an empty classname",
        '<testsuite name="s"><testcase classname="" name="t"/></testsuite>',
        False,
    ),
    ("no classname", '<testsuite name="s"><testcase name="t"/></testsuite>', False),
    ("a reference", '<testsuite><testcase classname="c" name="a&amp;b"/></testsuite>', False),
    ("a tab in a value", '<testsuite><testcase classname="c" name="a\tb"/></testsuite>', False),
    (
        "a skipped testcase",
        '<testsuite><testcase classname="c" name="t"><skipped/></testcase></testsuite>',
        False,
    ),
    ("a comment", '<testsuite><!-- x --><testcase classname="c" name="t"/></testsuite>', False),
    (
        "a default namespace",
        '<testsuite xmlns="urn:x"><testcase classname="c" name="t"/></testsuite>',
        False,
    ),
]


def _outcome(xml: str) -> object:
    try:
        return junit.parse(xml, "TEST-x.xml")
    except ParseError as err:
        return str(err)


@pytest.mark.parametrize(("name", "xml", "plain"), PLAIN, ids=[c[0] for c in PLAIN])
def test_plain_report_reads_as_the_element_callbacks_read_it(
    name: str, xml: str, plain: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (junit._PLAIN_REPORT.fullmatch(xml.lstrip("\ufeff")) is not None) is plain
    fast = _outcome(xml)
    monkeypatch.setattr(junit, "_PLAIN_MAX_CHARS", -1)
    assert _outcome(xml) == fast


def test_plain_report_ids_and_start() -> None:
    result = junit.parse(PLAIN[1][1], "TEST-com.acme.CartTest.xml")
    assert result.passed_test_ids == ("com.acme.CartTest.totals",)
    assert result.started_at == datetime(2026, 11, 20, 10, 11, 12, tzinfo=UTC)
    assert (result.failures, result.notes) == ((), ())
