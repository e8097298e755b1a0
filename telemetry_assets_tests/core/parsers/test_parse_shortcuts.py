"""Shortcuts in the text parsers give what the plain per-line reading gives.

``plain_log.parse_lines`` reads a log the same whether the sanitizer hands it over whole (a
``StringIO``, small logs) or streams it (a ``TextIOWrapper``, big ones); ``go_test_json.parse``
handles a test's compact ``output``/``run``/``pass``/``skip`` events without building the event;
``go_test_text`` slices a head whose only line break is ``\\n`` instead of splitting it.
"""

from __future__ import annotations

import io
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telemetry_assets.core.parsers import go_test_json, go_test_text, plain_log
from telemetry_assets.core.parsers.reportutil import complete_lines

_LINES = [
    "INFO  shop.worker: processed batch 7 in 0.96s",
    "   Compiling serde v1.0.210",
    "",
    "   ",
    "npm warn deprecated inflight@1.0.6",
    "npm ERR! code E401",
    "Error: connect ECONNREFUSED",
    "[ERROR] Failed to execute goal",
    "##[group]Run pytest",
    "##[error]Process completed with exit code 1.",
    "Traceback (most recent call last):",
    '  File "app/x.py", line 3, in f',
    "    raise ValueError('bad')",
    "ValueError: bad",
    "=== RUN   TestTotals",
    "--- FAIL: TestTotals (0.00s)",
    "tests/test_a.py::test_b RERUN [ 50%]",
    "============ test session starts ============",
    "Tests run: 1, Failures: 1 <<< FAILURE!",
    "\x1b[31mred text\x1b[0m",
    "half\rline",
    "x" * 5000,
    "thread 'main' panicked at src/main.rs:3:5:",
    "    at Object.<anonymous> (src/a.test.js:3:9)",
]


def _log(rnd: random.Random, size: int) -> str:
    lines = []
    for i in range(size):
        line = rnd.choice(_LINES) if rnd.random() < 0.3 else _LINES[0]
        roll = rnd.random()
        if roll < 0.85:
            line = f"2026-11-20T10:11:{i % 60:02d}.{rnd.randrange(10**7):07d}Z {line}"
        elif roll < 0.9:
            line = f"2026-11-20 10:11:{i % 60:02d},123 {line}"
        lines.append(line)
    ending = rnd.choice(["\n", "\r\n"])
    return ending.join(lines) + rnd.choice(["", ending])


@pytest.mark.parametrize("seed", range(40))
def test_a_log_reads_alike_whole_streamed_or_as_lines(seed: int) -> None:
    rnd = random.Random(seed)
    text = _log(rnd, rnd.randint(1, 400))
    expected = plain_log.parse_lines(iter(io.StringIO(text, newline="").readlines()), "x.log")
    assert plain_log.parse_lines(io.StringIO(text, newline=""), "x.log") == expected
    stream = io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8", newline="")
    assert plain_log.parse_lines(stream, "x.log") == expected


def _event(**fields: object) -> str:
    return json.dumps(fields, separators=(",", ":"))


def test_go_json_shortcut_events_read_as_decoded() -> None:
    lines = [
        _event(Time="2026-11-20T10:11:12Z", Action="start", Package="p"),
        _event(Time="2026-11-20T10:11:12Z", Action="run", Package="p", Test="TestA"),
        _event(Action="output", Package="p", Test="TestA", Output="    a_test.go:3: boom\n"),
        _event(Action="output", Package="p", Test="TestA", Output='quote " and \\ \u00e9\n'),
        '{"Action":"output","Package":"p","Test":"TestA","Output":"bad \\q escape"}',
        _event(Time="2026-11-20T10:11:13Z", Action="fail", Package="p", Test="TestA", Elapsed=0.1),
        _event(Action="run", Package="p", Test="TestB"),
        _event(Action="output", Package="p", Test="TestB", Output="panic: test timed out\n"),
        _event(Action="pass", Package="p", Test="TestB", Elapsed=0),
        _event(Action="run", Test="TestC"),
        _event(Action="skip", Test="TestC"),
        _event(Time="2026-11-20T10:11:14Z", Action="fail", Package="p", Elapsed=1),
    ]
    text = "\n".join(lines)
    spaced = "\n".join(json.dumps(json.loads(x)) if "bad" not in x else x for x in lines)
    assert go_test_json.parse(text, "x.json") == go_test_json.parse(spaced, "x.json")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab\n\r\x0b\x0c\x1c\x85\u2028\ufeff", max_size=30), st.booleans())
def test_go_text_joined_lines_match_complete_lines(head: str, long: bool) -> None:
    if long:
        head = "x" * 8190 + head
    assert go_test_text._joined_lines(head) == "\n".join(complete_lines(head))


def test_a_crlf_log_parses_as_its_lf_twin() -> None:
    lines = [f"2024-05-01T10:11:{i % 60:02d}.1234567Z step {i} ok" for i in range(2000)]
    lines[1500:1500] = [
        "2024-05-01T10:12:00.0000000Z Traceback (most recent call last):",
        '2024-05-01T10:12:00.0000000Z   File "/src/shop/cart.py", line 41, in total',
        "2024-05-01T10:12:00.0000000Z ValueError: negative quantity",
    ]
    lf = plain_log.parse("\n".join(lines) + "\n", "ci/build.log")
    crlf = plain_log.parse("\r\n".join(lines) + "\r\n", "ci/build.log")
    assert [f.exception_type for f in lf.failures] == ["ValueError"]
    assert [(f.exception_type, f.message) for f in crlf.failures] == [
        (f.exception_type, f.message) for f in lf.failures
    ]
