"""Fuzzing: no input makes a parser raise anything but ``ParseError``, and the redactor never
raises and is idempotent.

Every registered parser is driven directly (sniff and parse, whether or not sniff says yes),
then through the registry as the sanitizer uses it, on arbitrary text, on arbitrary bytes decoded
as the sanitizer decodes them, and on JSON/XML-shaped input built from the formats' own keys.
Settings are bounded so the file runs in well under 30 s; a crash found here is fixed and its
input kept as a fixture under ``inputs/faults/fuzz/`` (replayed by the first test).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telemetry_assets.core.models import ParseError
from telemetry_assets.core.parsers.registry import PARSERS, parser_for
from telemetry_assets.core.redaction.redactor import Redactor

FUZZ_DIR = Path(__file__).resolve().parents[1] / "inputs" / "faults" / "fuzz"
BOUNDED = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
REDACTOR = Redactor()

# Keys the structured formats look for: random documents built from them reach past sniffing.
KEYS = [
    "suites", "specs", "tests", "results", "status", "error", "message", "stack", "title",
    "file", "config", "testResults", "assertionResults", "failureMessages", "numFailedTests",
    "Action", "Package", "Test", "Output", "Time", "stats", "failures", "passes", "err",
    "startTime", "fullName", "ancestorTitles", "location", "line", "column", "projectName",
]  # fmt: skip
TAGS = ["testsuites", "testsuite", "testcase", "failure", "error", "skipped", "system-out",
        "properties", "property", "rerunFailure", "flakyFailure"]  # fmt: skip
ATTRS = ["name", "classname", "message", "type", "timestamp", "time", "file", "line"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False),
    st.text(max_size=40), st.sampled_from(["failed", "passed", "fail", "output", "timedOut"]),
)  # fmt: skip
json_docs = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
    ),
    max_leaves=25,
)


@st.composite
def xml_docs(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(TAGS))
    names = draw(st.lists(st.sampled_from(ATTRS), max_size=3, unique=True))
    attrs = "".join(f' {a}="{draw(ATTR_VALUES)}"' for a in names)
    children = (
        ""
        if depth > 2
        else "".join(
            draw(st.lists(xml_docs(depth + 1), max_size=3))  # type: ignore[call-arg]
        )
    )
    body = draw(
        st.text(alphabet=st.characters(codec="utf-8", exclude_characters="<&"), max_size=30)
    )
    if draw(st.booleans()):
        return f"<{tag}{attrs}>{body}{children}</{tag}>"
    return f"<{tag}{attrs}>{body}{children}"  # unclosed on purpose


# codec="utf-8": the sanitizer decodes with errors="replace", so a parser never sees a lone
# surrogate (see the report: junit.parse raises UnicodeEncodeError on one if called directly).
ATTR_VALUES = st.text(alphabet=st.characters(codec="utf-8", exclude_characters='<&"'), max_size=12)
PATHS = st.sampled_from(
    ["junit.xml", "results.json", "go-test.json", "logs/job.log", "report.txt", "x"]
)


def _exercise(text: str, path: str) -> None:
    for parser in PARSERS:
        parser.sniff(text[:8192], path)
        with contextlib.suppress(ParseError):
            parser.parse(text, path)
    chosen = parser_for(text[:8192], path)
    if chosen is not None:
        with contextlib.suppress(ParseError):
            chosen.parse(text, path)


def _reproducers() -> list[Path]:
    return sorted(p for p in FUZZ_DIR.glob("*") if p.is_file()) if FUZZ_DIR.is_dir() else []


@pytest.mark.parametrize("path", _reproducers(), ids=lambda p: p.name)
def test_kept_reproducers_parse_or_raise_parse_error(path: Path) -> None:
    _exercise(path.read_bytes().decode("utf-8", errors="replace"), path.name)


@BOUNDED
@given(text=st.text(max_size=400), path=PATHS)
def test_parsers_on_arbitrary_text(text: str, path: str) -> None:
    _exercise(text, path)


@BOUNDED
@given(data=st.binary(max_size=400), path=PATHS)
def test_parsers_on_arbitrary_bytes_decoded_as_the_sanitizer_does(data: bytes, path: str) -> None:
    _exercise(data.decode("utf-8", errors="replace"), path)


@BOUNDED
@given(doc=json_docs, path=PATHS, cut=st.integers(0, 50))
def test_parsers_on_json_shaped_input_whole_and_truncated(doc: object, path: str, cut: int) -> None:
    text = json.dumps(doc)
    _exercise(text, path)
    _exercise(text[: max(1, len(text) - cut)], path)
    if isinstance(doc, dict):
        # go test -json is one object per line.
        _exercise("\n".join([text] * 3), path)


@BOUNDED
@given(doc=xml_docs(), path=PATHS, prolog=st.booleans())
def test_parsers_on_xml_shaped_input(doc: str, path: str, prolog: bool) -> None:
    head = '<?xml version="1.0" encoding="utf-8"?>\n' if prolog else ""
    _exercise(head + doc, path)


@BOUNDED
@given(text=st.text(max_size=300))
def test_the_redactor_never_raises_and_is_idempotent(text: str) -> None:
    once = REDACTOR.redact(text).text
    assert REDACTOR.redact(once).text == once


@BOUNDED
@given(
    parts=st.lists(
        st.one_of(
            st.text(max_size=20),
            st.sampled_from(
                [
                    "@",
                    ".",
                    ":",
                    "/",
                    "=",
                    "-----BEGIN RSA PRIVATE KEY-----",
                    "ghp_",
                    "AKIA",
                    "eyJ",
                    "https://",
                    "10.0.",
                    "/home/",
                    "\n",
                ]
            ),
        ),
        max_size=25,
    )
)
def test_the_redactor_on_secret_shaped_fragments_is_idempotent(parts: list[str]) -> None:
    text = "".join(parts)
    once = REDACTOR.redact(text).text
    assert REDACTOR.redact(once).text == once
