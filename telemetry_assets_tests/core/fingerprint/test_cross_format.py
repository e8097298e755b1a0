"""One failure, two report formats, one fingerprint: for every language we parse.

Each pair holds the same failure as a structured report (JUnit XML, ``go test -json``, Jest
``--json``) and as the raw CI log of another run of the same code (other line numbers, other
parametrised case, other workspace). Both go through the pipeline's path: the registry picks the
parser from the head, the redactor scrubs message and trace, then the fingerprint. The
structured copy and the log copy must land in one group, and the two parsers must really differ
(otherwise the pair would prove nothing about formats).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from telemetry_assets.core.fingerprint.fingerprint import fingerprint
from telemetry_assets.core.models import Failure
from telemetry_assets.core.parsers.base import SNIFF_BYTES
from telemetry_assets.core.parsers.registry import parser_for
from telemetry_assets.core.redaction.redactor import Redactor

PAIRS_DIR = Path(__file__).resolve().parents[2] / "inputs" / "grouping" / "cross-format"
REDACTOR = Redactor()

# (language, structured report, raw log)
PAIRS = [
    ("python", "python-ledger.junit.xml", "python-ledger.log"),
    ("java", "java-tokenview.surefire.xml", "java-tokenview.log"),
    ("javascript", "js-tokenlist.jest.json", "js-tokenlist.log"),
    ("go", "go-ledger.test.jsonl", "go-ledger.log"),
    ("rust", "rust-cart.nextest.xml", "rust-cart.log"),
]


def parse(name: str) -> tuple[str, Failure]:
    text = (PAIRS_DIR / name).read_text(encoding="utf-8")
    parser = parser_for(text[:SNIFF_BYTES], name)
    assert parser is not None, f"no parser recognised {name}"
    failures = parser.parse(text, name).failures
    assert len(failures) == 1, (name, parser.name, len(failures))
    failure = failures[0]
    scrubbed = replace(
        failure,
        message=REDACTOR.redact(failure.message).text,
        trace=REDACTOR.redact(failure.trace).text,
    )
    return parser.name, scrubbed


@pytest.mark.parametrize(("language", "report", "log"), PAIRS, ids=[p[0] for p in PAIRS])
def test_report_and_raw_log_share_a_fingerprint(language: str, report: str, log: str) -> None:
    report_parser, from_report = parse(report)
    log_parser, from_log = parse(log)
    assert report_parser != log_parser
    a, b = fingerprint(from_report), fingerprint(from_log)
    assert a.strategy == b.strategy == "frames", (a.components, b.components)
    assert a.components == b.components
    assert a.value == b.value


def test_pairs_of_different_languages_stay_apart() -> None:
    values = {fingerprint(parse(report)[1]).value for _, report, _ in PAIRS}
    assert len(values) == len(PAIRS)


def test_a_varying_quoted_name_stays_in_the_group() -> None:
    # The same post_entry bug hit with a dict instead of None: the message names another type.
    _, none_account = parse("python-ledger.junit.xml")
    _, dict_account = parse("python-ledger-dict-account.junit.xml")
    assert none_account.message != dict_account.message
    assert fingerprint(none_account).value == fingerprint(dict_account).value
