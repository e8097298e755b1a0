"""Open-ended properties of the residual-PII detector, checked with Hypothesis.

1. A random secret of every category, embedded at a random place in random log text, is always
   flagged on its own line.
2. Random sanitized-looking text (placeholders, words, source paths, numbers, punctuation) is
   never flagged: a false alarm would halt the pipeline for nothing.
"""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from telemetry_assets.core.redaction.detector import ResidualPiiDetector

DETECTOR = ResidualPiiDetector()

ALNUM = string.ascii_letters + string.digits
WORDS = [
    "error", "failed", "retrying", "request", "timeout", "assert", "expected", "got", "worker",
    "connection", "refused", "test_login", "TestClient", "handler", "panic", "value", "None",
    "undefined", "at", "in", "line", "of", "while", "processing", "batch", "job", "step",
]  # fmt: skip
PLACEHOLDERS = [
    "<EMAIL>", "<IP>", "<HOST>", "<URL>", "<KEY>", "<TOKEN>", "<SECRET>", "<UUID>", "<USER>",
    "<NUM>", "<TS>", "<CARD>", "<PHONE>", "<SSN>", "<IBAN>", "<MAC>", "/home/<USER>/work/app",
    "Authorization: Bearer <TOKEN>", "password=<SECRET>", "https://<HOST>/api/v1", "<IP>:8080",
    "src/app/models.py:LINE", "Table.tsx:LINE:NUM", "${{ secrets.TOKEN }}", "${NPM_TOKEN}",
]  # fmt: skip
PATHS = [
    "src/billing/client.py", "node_modules/.pnpm/react@18.2.0/index.js", "pkg/store/store.go",
    "com.acme.billing.PoolManager.acquire", "std::collections::HashMap", "tests/test_api.py",
]  # fmt: skip


def _random_token(draw: st.DrawFn, alphabet: str, size: int) -> str:
    # A real credential body is random; runs such as `000000000000` are placeholders by policy,
    # so draw without repeats (a shuffled alphabet, cycled when it is too short).
    shuffled = "".join(draw(st.permutations(alphabet)))
    return (shuffled * (size // len(shuffled) + 1))[:size]


@st.composite
def secrets(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(SECRET_KINDS))
    return kind(draw)


def _luhn_complete(prefix: str) -> str:
    digits = [int(c) for c in prefix]
    total = 0
    for index, value in enumerate(reversed(digits)):
        if index % 2 == 0:
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return prefix + str((10 - total % 10) % 10)


def _mixed(draw: st.DrawFn, size: int) -> str:
    """Random alphanumerics that certainly contain an upper, a lower and a digit."""
    body = _random_token(draw, ALNUM, size - 3)
    return "aZ7" + body


SECRET_KINDS = [
    lambda d: (
        f"{d(st.sampled_from(['ana', 'j.doe', 'ops-team']))}@"
        f"{d(st.sampled_from(['acme.io', 'mail.example.org']))}"
    ),
    lambda d: ".".join(
        [str(d(st.integers(1, 223).filter(lambda o: o != 127)))]
        + [str(d(st.integers(0, 255))) for _ in range(3)]
    ),
    lambda d: f"2001:db8:{d(st.integers(4096, 65535)):x}::{d(st.integers(1, 65535)):x}",
    lambda d: "AKIA" + _random_token(d, string.ascii_uppercase + string.digits, 16),
    lambda d: "ghp_" + _mixed(d, 36),
    lambda d: "xoxb-" + str(d(st.integers(10**10, 10**12))) + "-" + _mixed(d, 24),
    lambda d: "sk_live_" + _mixed(d, 24),
    lambda d: "AIza" + _mixed(d, 35),
    lambda d: "glpat-" + _mixed(d, 20),
    lambda d: "eyJhbGciOiJIUzI1NiJ9.eyJ" + _mixed(d, 20) + "." + _mixed(d, 20),
    lambda d: "/home/" + d(st.sampled_from(["alice", "bob", "mkowalski"])) + "/src/x.py",
    lambda d: _luhn_complete("4" + "".join(str(d(st.integers(0, 9))) for _ in range(14))),
    lambda d: f"{d(st.integers(100, 665))}-{d(st.integers(10, 99))}-{d(st.integers(1000, 9999))}",
    lambda d: ":".join(f"{d(st.integers(1, 254)):02x}" for _ in range(6)),
    lambda d: (
        "3f2504e0-4f89-11d3-9a0c-"
        + "".join(d(st.sampled_from("0123456789abcdef")) for _ in range(12))
    ),
    lambda d: "Authorization: Bearer " + _mixed(d, 32),
    lambda d: "api_key=" + _mixed(d, 24),
    lambda d: "https://deploy:" + _mixed(d, 12) + "@git.acme.io/repo.git",
    lambda d: f"build-{d(st.integers(1, 99))}.ci.internal",
]


filler = st.lists(
    st.sampled_from(WORDS + PATHS + ["=", ":", "(", ")", "-", "|", "#"]), min_size=0, max_size=8
).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(before=filler, secret=secrets(), after=filler)
def test_random_secret_in_random_log_text_is_flagged(before: str, secret: str, after: str) -> None:
    text = f"2026-11-20T10:11:12Z INFO start\n{before} {secret} {after}\nINFO done"
    assert any(f.line == 2 for f in DETECTOR.scan(text))


clean_token = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(PLACEHOLDERS),
    st.sampled_from(PATHS),
    st.integers(0, 99999).map(str),
    st.sampled_from(["=", ":", ",", "(", ")", "[", "]", "->", "|", "'", '"']),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(clean_token, max_size=12).map(" ".join), max_size=6).map("\n".join))
def test_random_sanitized_text_is_never_flagged(text: str) -> None:
    # Sanitized means "as the redactor leaves it": numbers drawn at random can line up as an
    # SSN (`100 10 1000`), which the redactor removes by policy before the detector looks.
    from telemetry_assets.core.redaction.redactor import Redactor

    assert DETECTOR.scan(Redactor().redact(text).text) == []
