"""The cheap checks in front of the sniffers never change which parser reads an artifact.

``go_test_text.sniff`` first asks whether its head can hold what a yes needs (test events, or
enough package summaries among its non-blank lines) without rendering it; ``trx``, ``teamcity``
and ``junit`` first look for a character or literal every match needs. Each is held here to the
long way (the sniff as it was written before the checks) on generated heads made of go test,
richgo, other runtimes' and plain lines, with runner stamps, colour codes inside and around
words, every line break ``str.splitlines`` knows, byte-order marks, long lines and cut ends.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from telemetry_assets.core.parsers import go_test_text, junit, registry, teamcity, trx
from telemetry_assets.core.parsers.reportutil import complete_lines

GO_LINES = [
    "=== RUN   TestCart",
    "=== RUN   TestCart/empty",
    "=== CONT  TestCart",
    "--- FAIL: TestCart (0.01s)",
    "    --- PASS: TestCart/empty (0.00s)",
    "--- SKIP: TestSlow (0.00s)",
    "--- PASS: TestOld (0.02 seconds)",
    "    cart_test.go:42: got 3, want 4",
    "ok  \tgithub.com/acme/shop/cart\t0.412s",
    "ok  \tgithub.com/acme/shop/cart\t(cached)",
    "ok      github.com/acme/shop/cart 1.5s coverage: 80.0% of statements",
    "FAIL\tgithub.com/acme/shop/cart\t0.2s",
    "FAIL\tgithub.com/acme/shop/cart [build failed]",
    "?   \tgithub.com/acme/shop/docs\t[no test files]",
    "# github.com/acme/shop/cart",
    "./cart.go:3:2: undefined: x",
    "panic: runtime error: index out of range [recovered]",
    "PASS",
    "FAIL",
    "ok",
    "?",
]
RICHGO_LINES = [
    "START| Cart",
    "PASS | Cart (0.00s)",
    "FAIL | Cart (0.01s)",
    "SKIP | Slow (0.00s)",
    "     | cart_test.go:42: got 3",
    "PASS | github.com/acme/shop/cart",
    "FAIL | github.com/acme/shop/cart",
    "SKIP | github.com/acme/shop/docs [no test files]",
    "BUILD| github.com/acme/shop/cart",
    "COVER| 80.0%",
    "PASS |",
]
OTHER_LINES = [
    "Traceback (most recent call last):",
    '  File "/app/x.py", line 3, in <module>',
    "ValueError: bad cart",
    "    at com.acme.Cart.total(Cart.java:12)",
    "FAILED tests/test_cart.py::test_total - AssertionError",
    "thread 'main' panicked at src/lib.rs:3:5:",
    'Exception in thread "main" java.lang.IllegalStateException',
    "##teamcity[testFailed name='t' message='boom']",
    '<TestRun id="1" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">',
    '<assembly name="a.dll" test-framework="xUnit.net 2.4.1">',
    '<testsuite name="cart" tests="1"><testcase name="t"/></testsuite>',
    '<?xml version="1.0"?>',
    '{"Action":"run","Test":"TestCart"}',
]
PLAIN_LINES = [
    "",
    "   ",
    "\t",
    "\u3000",
    "all checks ok",
    "token ok 12s",
    "INFO agent.runner ok  \tgithub.com/acme/shop/cart\t0.5s",
    "see FAIL above",
    "Step 4/12 : RUN pip install",
    " ---> Using cache",
    "##[group]Run go test ./...",
    "##[endgroup]",
    "a | b | c",
    "PASS | 12 tests",
    "  ✓ renders the empty state (67 ms)",
    "٣٣٣٣ digits from another script",
    "what? why?",
    "okay",
]
STAMPS = [
    "2026-11-20T10:11:12.1234567Z ",
    "2026-11-20T10:11:12Z ",
    "2026-11-20T10:11:12+01:00 ",
    "2026-11-20T10:11:12.5-0500 ",
    "2026-11-20T10:11:12.1234567Z 2026-11-20T10:11:12Z ",
    "2026-11-20T10:11:12Z",
    "10:11:12 ",
    "[2026-11-20 10:11:12] ",
]
ESCAPES = [
    "\x1b[31m",
    "\x1b[0m",
    "\x1b[1;32m",
    "\x1b[0K",
    "\x1b]0;title\x07",
    "\x1b]8;;u\x1b\\",
    "\x1b",
]
BREAKS = ["\n", "\n", "\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028"]


@st.composite
def _line(draw: st.DrawFn) -> str:
    line = draw(st.sampled_from(GO_LINES + RICHGO_LINES + OTHER_LINES + PLAIN_LINES))
    if draw(st.booleans()):
        # A colour code inside the line: around it, or splitting one of its words.
        cut = draw(st.integers(0, len(line)))
        line = line[:cut] + draw(st.sampled_from(ESCAPES)) + line[cut:]
    if draw(st.integers(0, 3)) == 0:
        line = draw(st.sampled_from(ESCAPES)) + line + "\x1b[0m"
    if draw(st.integers(0, 2)) == 0:
        line = draw(st.sampled_from(STAMPS)) + line
    if draw(st.integers(0, 40)) == 0:
        line += "x" * draw(st.integers(2000, 5000))  # past clean_line's cap
    return line


@st.composite
def heads(draw: st.DrawFn) -> str:
    lines = draw(st.lists(_line(), max_size=30))
    newline = draw(st.sampled_from(BREAKS))
    if draw(st.integers(0, 4)) == 0:
        body = "".join(line + draw(st.sampled_from(BREAKS)) for line in lines)
    else:
        body = "".join(line + newline for line in lines)
    if draw(st.integers(0, 5)) == 0:
        body = "\ufeff" + body
    if draw(st.booleans()):
        body = body[: draw(st.integers(0, len(body)))]  # cut, possibly mid-line
    return body


def _go_text_the_long_way(head: str) -> bool:
    """``go_test_text.sniff`` as written before its check: every line rendered one by one."""
    text = "\n" + "\n".join(line for line, _ in go_test_text._go_lines(complete_lines(head)))
    if not go_test_text._STRONG.search(text) or go_test_text._OTHER_TRACES.search(text):
        return False
    if go_test_text._GO_TEST_EVENT.search(text):
        return True
    lines = sum(1 for line in text.split("\n") if line.strip())
    return len(go_test_text._GO_SUMMARY.findall(text)) * 2 >= lines


def _trx_the_long_way(head: str) -> bool:
    if "<TestRun" in head and trx._TRX_HEAD.search(head):
        return True
    return "<assembl" in head and bool(trx._XUNIT_HEAD.search(head))


def _teamcity_the_long_way(head: str) -> bool:
    return "##teamcity[" in head and any(
        teamcity._SNIFF.match(line) for line in complete_lines(head)[:200]
    )


def _junit_the_long_way(head: str, path: str) -> bool:
    body = head.lstrip("\ufeff \t\r\n")
    if junit._HTML.match(body):
        return False
    if junit._JUNIT_TAG.search(head):
        return True
    if junit._XML_START.match(body):
        return True
    return path.lower().endswith(".xml") and not body.startswith("{")


@settings(max_examples=600, deadline=None)
@given(heads())
def test_go_text_sniff_decides_as_the_long_way(head: str) -> None:
    expected = _go_text_the_long_way(head)
    assert go_test_text.sniff(head, "job.log") is expected
    if go_test_text._cannot_be_go_test(head):
        assert not expected
    # The short rendering (now also taken by heads with a ``|`` but no richgo label).
    long_way = "\n".join(line for line, _ in go_test_text._go_lines(complete_lines(head)))
    assert go_test_text._sniff_text(head) == long_way


@settings(max_examples=300, deadline=None)
@given(heads(), st.sampled_from(["job.log", "report.xml", "REPORT.XML", "results.json", "x"]))
def test_other_sniffers_decide_as_the_long_way(head: str, path: str) -> None:
    assert trx.sniff(head, path) is _trx_the_long_way(head)
    assert teamcity.sniff(head, path) is _teamcity_the_long_way(head)
    assert junit.sniff(head, path) is _junit_the_long_way(head, path)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(GO_LINES + PLAIN_LINES), min_size=1, max_size=12), st.data())
def test_summary_heavy_heads_decide_as_the_long_way(lines: list[str], data: st.DataObject) -> None:
    """Mostly summaries: the line count against the summary bound decides, near its edge."""
    stamp = data.draw(st.sampled_from(["", *STAMPS]))
    head = "".join(f"{stamp}{line}\n" for line in lines)
    assert go_test_text.sniff(head, "job.log") is _go_text_the_long_way(head)


def test_cases_at_the_edges_of_the_check() -> None:
    summary = "2026-11-20T10:11:12Z ok  \tgithub.com/acme/shop/cart\t0.4s\n"
    blank_stamped = "2026-11-20T10:11:12Z \n"
    cases = [
        summary + blank_stamped * 6,  # blank once the stamp is cut: summaries are the majority
        summary + "2026-11-20T10:11:12Z step\n" * 2,  # exactly twice the summaries
        summary + "2026-11-20T10:11:12Z step\n" * 3,
        summary + "##[group]x\n" * 5 + "step\n",  # marker lines are dropped, not counted
        "\x1b[32m" + summary + "x" * 5000 + "\n",  # a line past the cap: the long way
        "x" * 4080 + "\x1b]=== RUN  " + "y" * 40 + "\x07\n",  # escape cut by the cap
        "ok\x1b[0m  \tpkg\t0.1s\nstep\n",  # a colour code between the word and its column
        "START| Cart\nPASS | Cart (0.00s)\nPASS | pkg\n",  # richgo writes the words itself
        "\ufeffok  \tpkg\t0.1s\nstep\n",
        "ok \u2028pkg 1s\nstep\nstep\n",
    ]
    for head in cases:
        assert go_test_text.sniff(head, "job.log") is _go_text_the_long_way(head), head


def test_registry_still_asks_the_sniffers_in_order() -> None:
    assert [parser.name for parser, _ in registry._SNIFFERS] == [p.name for p in registry.PARSERS]
