"""Specification of C++ test-runner output: doctest's console reporter and GoogleTest's. One
failure per failing test case (a doctest test re-entered per subcase is one failure; tests that
doctest marks ``not failed`` and GoogleTest's skipped tests and summary list are not failures), the
assertion macro or exception as the type, and a frame in the test with the test as its function
(template arguments and parameter indexes dropped, so instances failing at one place group)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from telemetry_assets.core.fingerprint.fingerprint import fingerprint
from telemetry_assets.core.models import Failure
from telemetry_assets.core.parsers import plain_log
from telemetry_assets.core.parsers.languages.cpp import frame_function
from telemetry_assets_tests.core.parsers._console_helpers import exact_failure_rate
from telemetry_assets_tests.core.parsers._expectations import check

LOGS = Path(__file__).resolve().parents[2] / "inputs" / "plain_log" / "cpp"
TESTS = "/home/runner/work/geo/geo/tests"


def _parse(name: str) -> tuple[Failure, ...]:
    return plain_log.parse((LOGS / name).read_text(encoding="utf-8"), name).failures


FIXTURES: list[tuple[str, str, list[dict[str, Any]]]] = [
    (
        "doctest: two subcase passes are one failure, may_fail is none, exception and REQUIRE",
        "doctest-subcases-may-fail-and-throw.log",
        [
            {
                "test_id": "geometry::polygon area",
                "test_file": f"{TESTS}/polygon_test.cpp",
                "exception_type": "CHECK",
                "message": "CHECK( area(square) == doctest::Approx(4.0) ) is NOT correct!",
                "kind": "failure",
                "frames": [(f"{TESTS}/polygon_test.cpp", "polygon area", True)],
            },
            {
                "test_id": "reads a shapefile",
                "exception_type": "exception",
                "message": "shapefile: unexpected end of file",
                "kind": "error",
            },
            {
                "test_id": "writes GeoJSON<std::vector<geo::Point>>",
                "exception_type": "REQUIRE",
                "frames": [(f"{TESTS}/io_test.cpp", "writes GeoJSON", True)],
            },
        ],
    ),
    (
        "googletest: each failed test once, skipped and the summary list are not failures",
        "gtest-param-exception-and-summary.log",
        [
            {
                "test_id": "PolygonTest.AreaOfTriangle",
                "test_file": f"{TESTS}/polygon_test.cc",
                "exception_type": "Failure",
                "message": "Expected equality of these values:\n  area(tri)\n    Which is: 5.9999\n"
                "  6.0",
                "kind": "failure",
                "frames": [(f"{TESTS}/polygon_test.cc", "PolygonTest.AreaOfTriangle", True)],
            },
            {
                "test_id": "Scales/ScaleTest.KeepsRatio/0",
                "frames": [(f"{TESTS}/scale_test.cc", "ScaleTest.KeepsRatio", True)],
            },
            {
                "test_id": "Scales/ScaleTest.KeepsRatio/1",
                "frames": [(f"{TESTS}/scale_test.cc", "ScaleTest.KeepsRatio", True)],
            },
            {
                "test_id": "ParserTest.RejectsEmpty",
                "exception_type": "C++ exception",
                "message": "stoi",
                "kind": "error",
                "frames": [(None, "ParserTest.RejectsEmpty", True)],
            },
        ],
    ),
]


@pytest.mark.parametrize(("name", "fixture", "expected"), FIXTURES, ids=[c[0] for c in FIXTURES])
def test_fixture_failures(name: str, fixture: str, expected: list[dict[str, Any]]) -> None:
    failures = _parse(fixture)
    assert len(failures) == len(expected), [f.test_id for f in failures]
    for failure, want in zip(failures, expected, strict=True):
        assert failure.language == "cpp"
        check(failure, want)


def test_parameterised_instances_failing_at_one_place_are_one_group() -> None:
    failures = _parse("gtest-param-exception-and-summary.log")
    keys = {f.test_id: fingerprint(f).value for f in failures}
    assert keys["Scales/ScaleTest.KeepsRatio/0"] == keys["Scales/ScaleTest.KeepsRatio/1"]
    assert len(set(keys.values())) == 3


CASES: list[tuple[str, str, list[dict[str, Any]]]] = [
    (
        "doctest MSVC locations and a test that should have failed",
        "=" * 79 + "\nC:\\src\\geo\\tests\\clip_test.cpp(12):\nTEST CASE:  clips to the "
        "viewport\n\nShould have failed but didn't! Marking it as failed!\n" + "=" * 79 + "\n"
        "[doctest] test cases: 1 | 0 passed | 1 failed |\n",
        [{"test_id": "clips to the viewport", "exception_type": "should_fail"}],
    ),
    (
        "doctest: WARN and MESSAGE lines do not fail a test",
        "=" * 79 + "\ngeo.cpp:3:\nTEST CASE:  warns only\n\ngeo.cpp:5: WARNING: WARN( x ) is "
        "NOT correct!\n  values: WARN( 0 )\n\ngeo.cpp:6: MESSAGE: done\n\n" + "=" * 79 + "\n",
        [],
    ),
    (
        "googletest: a test without a result line crashed",
        "[ RUN      ] CacheTest.Evicts\nSegmentation fault (core dumped)\n",
        [{"test_id": "CacheTest.Evicts", "kind": "crash", "exception_type": "crash"}],
    ),
    (
        "googletest: a suite's set-up and two environments' tear-downs fail outside any test",
        "[----------] 1 test from DbTest\n"
        "/home/runner/work/geo/geo/tests/db_test.cc:12: Failure\nFailed\n"
        "could not open fixtures.sqlite\n\n[ RUN      ] DbTest.Reads\n"
        "[  SKIPPED ] DbTest.Reads (0 ms)\n"
        "[----------] Global test environment tear-down\n"
        "/home/runner/work/geo/geo/tests/env.cc:30: Failure\nFailed\ntemp dir left behind\n\n"
        "/home/runner/work/geo/geo/tests/env.cc:41: Failure\nFailed\nsocket still open\n\n"
        "[==========] 1 test from 1 test suite ran. (3 ms total)\n",
        [
            {
                "test_id": "DbTest",
                "kind": "error",
                "message": "Failed\ncould not open fixtures.sqlite",
                "frames": [("/home/runner/work/geo/geo/tests/db_test.cc", "DbTest", True)],
            },
            {"test_id": None, "message": "Failed\ntemp dir left behind"},
            {"test_id": None, "message": "Failed\nsocket still open"},
        ],
    ),
    (
        "googletest: a crashed test ends where another runtime's trace begins",
        "[ RUN      ] BindingsTest.CallsPython\nTraceback (most recent call last):\n"
        '  File "/srv/geo/bindings.py", line 3, in <module>\n    import _geo\n'
        "ImportError: libgeo.so.2: cannot open shared object file\n",
        [
            {"test_id": "BindingsTest.CallsPython", "kind": "crash"},
            {"exception_type": "ImportError", "language": "python"},
        ],
    ),
    (
        "a Gherkin scenario line is not a doctest block and swallows nothing",
        "Feature: checkout\n\n  Scenario: paying by card   # features/pay.feature:3\n"
        "Traceback (most recent call last):\n"
        '  File "/srv/shop/steps/pay.py", line 9, in step_impl\n    pay()\n'
        "KeyError: 'card'\n",
        [{"exception_type": "KeyError", "language": "python"}],
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_cpp_text(name: str, text: str, expected: list[dict[str, Any]]) -> None:
    failures = plain_log.parse(text, "job.log").failures
    assert len(failures) == len(expected)
    for failure, want in zip(failures, expected, strict=True):
        check(failure, want)


@pytest.mark.parametrize(
    ("name", "test", "function"),
    [
        ("plain", "PolygonTest.AreaOfSquare", "PolygonTest.AreaOfSquare"),
        ("value-parameterised", "Scales/ScaleTest.KeepsRatio/3", "ScaleTest.KeepsRatio"),
        ("typed", "ListTest/2.Sorts", "ListTest.Sorts"),
        ("type-parameterised", "My/ListTest/0.Sorts", "ListTest.Sorts"),
        ("doctest template", "sorts<std::vector<int>>", "sorts"),
    ],
)
def test_frame_function_drops_instance_details(name: str, test: str, function: str) -> None:
    assert frame_function(test) == function


def test_console_corpus_cpp_failures_are_exact() -> None:
    """At least 95% of the real C++ console outputs give exactly the expected failures."""
    rate, misses = exact_failure_rate("C++")
    assert rate >= 0.95, misses
