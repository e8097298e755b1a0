"""Properties of the fingerprint over open-ended inputs (hypothesis).

Invariant: what differs between two occurrences of one bug (line/column numbers, machine path
prefixes, numbers and ids in the message) never changes the fingerprint; what names a different
bug (the failing function, the exception type) always does.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from telemetry_assets.core.fingerprint.fingerprint import fingerprint
from telemetry_assets.core.fingerprint.normalise import normalise_message
from telemetry_assets.core.models import Failure, Frame

IDENT = st.from_regex(r"[a-z][a-z_]{2,12}", fullmatch=True)
TYPE_NAME = st.from_regex(r"[A-Z][a-z]{2,8}(Error|Exception)", fullmatch=True)
LINES = st.integers(min_value=1, max_value=99_999)
ROOTS = st.sampled_from(
    [
        "/home/runner/work/shop/shop/",
        "/builds/acme/shop/",
        "/github/workspace/",
        "/workspace/",
        "/var/lib/jenkins/workspace/shop-main/",
        "C:\\a\\shop\\shop\\",
        "/tmp/pytest-of-alice/pytest-42/",
        "/home/bob/code/shop/",
        "/Users/carol/src/shop/",
        "",
    ]
)
REL_DIRS = st.sampled_from(["src/acme", "src/ui", "tests", "lib/core", "internal/cart"])


@st.composite
def stacks(draw: st.DrawFn) -> tuple[tuple[str, str], ...]:
    """(relative file, function) pairs, outermost first."""
    n = draw(st.integers(min_value=1, max_value=7))
    return tuple((f"{draw(REL_DIRS)}/{draw(IDENT)}.py", draw(IDENT)) for _ in range(n))


def build(
    stack: tuple[tuple[str, str], ...],
    exc: str,
    message: str,
    root: str,
    lines: list[int],
) -> Failure:
    sep = "\\" if root.startswith("C:") else "/"
    frames = tuple(
        Frame(file=root + rel.replace("/", sep), function=fn, line=ln, column=ln % 80)
        for (rel, fn), ln in zip(stack, lines, strict=False)
    )
    return Failure("junit", message, f"{exc}: {message}", exc, frames, test_id="t::t")


@settings(max_examples=100, deadline=None)
@given(
    stacks(),
    TYPE_NAME,
    ROOTS,
    ROOTS,
    st.lists(LINES, min_size=7, max_size=7),
    st.lists(LINES, min_size=7, max_size=7),
)
def test_invariant_under_lines_and_roots(
    stack: tuple[tuple[str, str], ...],
    exc: str,
    root_a: str,
    root_b: str,
    lines_a: list[int],
    lines_b: list[int],
) -> None:
    a = fingerprint(build(stack, exc, "boom", root_a, lines_a))
    b = fingerprint(build(stack, exc, "boom", root_b, lines_b))
    assert a.value == b.value


@settings(max_examples=100, deadline=None)
@given(stacks(), TYPE_NAME, IDENT, IDENT)
def test_changes_when_failing_function_changes(
    stack: tuple[tuple[str, str], ...], exc: str, fn_a: str, fn_b: str
) -> None:
    rel = stack[-1][0]
    a = fingerprint(build((*stack[:-1], (rel, fn_a)), exc, "x", "", [1] * 7))
    b = fingerprint(build((*stack[:-1], (rel, fn_b)), exc, "x", "", [1] * 7))
    assert (a.value == b.value) == (fn_a == fn_b)


@settings(max_examples=100, deadline=None)
@given(stacks(), TYPE_NAME, TYPE_NAME)
def test_changes_when_exception_type_changes(
    stack: tuple[tuple[str, str], ...], exc_a: str, exc_b: str
) -> None:
    a = fingerprint(build(stack, exc_a, "x", "", [1] * 7))
    b = fingerprint(build(stack, exc_b, "x", "", [1] * 7))
    assert (a.value == b.value) == (exc_a == exc_b)


NUMBERS = st.integers(min_value=0, max_value=10**12)
SMALL = st.integers(min_value=0, max_value=65535)
"""Counts and ports: the second slot of every template."""
# Request ids / SHAs: 8+ hex characters with a letter and a digit.
HEX_IDS = st.binary(min_size=3, max_size=16).map(lambda b: "a1" + b.hex())
UUIDS = st.uuids().map(str)
TEMPLATES = st.sampled_from(
    [
        "order {} not found in {}",
        "expected {} rows, got {}",
        "job {} failed after {} attempts",
        "request id={} timed out on <HOST>:{}",
        "user '{}' missing from cache {}",
    ]
)


# Two values of one kind: a number and a UUID are different placeholders on purpose.
SAME_KIND_IDS = st.sampled_from([NUMBERS, HEX_IDS, UUIDS]).flatmap(lambda s: st.tuples(s, s))


@settings(max_examples=120, deadline=None)
@given(TEMPLATES, SAME_KIND_IDS, SMALL, SMALL, TYPE_NAME, IDENT)
def test_message_strategy_invariant_under_numbers_and_ids(
    template: str, ids: tuple[object, object], n_a: int, n_b: int, exc: str, test: str
) -> None:
    id_a, id_b = ids

    def frameless(message: str) -> Failure:
        return Failure(
            "go-test-json", message, message, exc, (), test_id=test, test_file="x_test.go"
        )

    a = fingerprint(frameless(template.format(id_a, n_a)))
    b = fingerprint(frameless(template.format(id_b, n_b)))
    assert a.strategy == "message"
    assert a.value == b.value


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=300),
    st.lists(st.tuples(st.text(max_size=40), st.text(max_size=20)), max_size=8),
    st.one_of(st.none(), st.text(max_size=30)),
    st.one_of(st.none(), st.text(max_size=30)),
)
def test_always_well_formed_and_deterministic(
    message: str, frames: list[tuple[str, str]], exc: str | None, test_id: str | None
) -> None:
    failure = Failure(
        "plain-log",
        message,
        message,
        exc,
        tuple(Frame(file=f or None, function=fn or None, line=7) for f, fn in frames),
        test_id=test_id,
    )
    first, second = fingerprint(failure), fingerprint(failure)
    assert re.fullmatch(r"sha256-[0-9a-f]{64}", first.value)
    assert first == second
    assert normalise_message(message) == normalise_message(message)
