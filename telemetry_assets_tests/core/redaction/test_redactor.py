"""The Redactor's public API: construction, counts, disabling, streaming across chunk cuts."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from telemetry_assets.core.redaction.redactor import (
    PLACEHOLDERS,
    RedactionResult,
    Redactor,
    placeholder_for,
)

INPUTS = Path(__file__).resolve().parents[2] / "inputs" / "redaction"
GH = "ghp_Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz1Xc3"
PEM_BODY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"


def test_unknown_rule_is_rejected_with_the_known_names() -> None:
    with pytest.raises(ValueError, match=r"token\.github") as info:
        Redactor(disabled_rules=["token.githubb"])
    assert "token.githubb" in str(info.value)


def test_disabling_one_rule_disables_only_that_rule() -> None:
    text = f"{GH} glpat-Ab3dE5gH7jK9mN1pQ3sT"
    # blob.base64 would catch the bare token too; disable it to see token.github alone.
    out = Redactor(disabled_rules=["token.github", "blob.base64"]).redact(text)
    assert GH in out.text
    assert "glpat-Ab3dE5gH7jK9mN1pQ3sT" not in out.text
    assert "token.github" not in out.counts and out.counts["token.gitlab"] == 1


def test_a_family_name_disables_the_family() -> None:
    r = Redactor(disabled_rules=["token", "blob"])
    assert GH in r.redact(GH).text


def test_counts_only_rules_that_fired() -> None:
    out = Redactor().redact("a@example.com and b@example.com, nothing else")
    assert out == RedactionResult("<EMAIL> and <EMAIL>, nothing else", {"pii.email": 2})


def test_rule_names_are_ordered_and_public() -> None:
    names = Redactor().rule_names
    assert names[0] == "pem.private_key"
    assert names.index("token.github") < names.index("field.secret") < names.index("blob.hex")
    assert placeholder_for("pii.email") == "<EMAIL>" and "<EMAIL>" in PLACEHOLDERS


def test_fixture_log_is_fully_redacted_with_an_audit() -> None:
    text = (INPUTS / "ci-log-with-secrets.log").read_text(encoding="utf-8")
    out = Redactor().redact(text)
    for secret in (
        "AKIA2E0A8F3B244C9986",
        "Qz7Wx9Lp2Rt5",
        "jdoe",
        "ops@acme.example",
        "10.20.30.40",
        PEM_BODY,
        "git.acme.internal",
    ):
        assert secret not in out.text
    assert out.counts["pem.private_key"] == 1
    assert out.text.endswith("1 failed, 12 passed in 3.21s ===========================\n")


@pytest.mark.parametrize("chunk_size", [7, 64, 333, 4096])
def test_stream_catches_tokens_and_pem_blocks_straddling_chunks(chunk_size: int) -> None:
    text = (INPUTS / "ci-log-with-secrets.log").read_text(encoding="utf-8") * 3
    chunks = [text[i : i + chunk_size] for i in range(0, len(text), chunk_size)]
    results = list(Redactor().redact_stream(chunks))
    streamed = "".join(r.text for r in results)
    assert streamed == Redactor().redact(text).text
    assert PEM_BODY not in streamed and "AKIA2E0A8F3B244C9986" not in streamed
    assert sum(r.counts.get("pem.private_key", 0) for r in results) == 3


def test_unterminated_pem_block_at_end_of_stream_is_still_redacted() -> None:
    text = f"log\n-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n{PEM_BODY[::-1]}\n"
    out = "".join(r.text for r in Redactor().redact_stream([text[:30], text[30:]]))
    assert PEM_BODY not in out and PEM_BODY[::-1] not in out


def test_redact_file_streams_and_returns_totals() -> None:
    src = io.StringIO(f"key: {GH}\n" * 1000)
    dst = io.StringIO()
    counts = Redactor().redact_file(src, dst, chunk_size=1000)
    assert GH not in dst.getvalue()
    assert sum(counts.values()) == 1000


def test_extra_internal_domains() -> None:
    r = Redactor(extra_internal_domains=["corp.acme.example"])
    out = r.redact("pushing to nexus.corp.acme.example:8443 and pypi.org")
    assert "nexus.corp.acme.example" not in out.text and "pypi.org" in out.text
    assert out.counts["net.extra_domain"] == 1


# Inputs where a first pass once left something a second pass would change (found by fuzzing).
IDEMPOTENT_CASES = [
    ("placeholder then PASS word", "/home/0;PASS\x1b10"),
    ("two home folders back to back", "/home/0/home/0"),
    ("user placeholder before a password field", "/home/dana;password hunter22x"),
    ("user placeholder next to an IPv6-looking tail", "/home/00000::10"),
]


@pytest.mark.parametrize(("name", "text"), IDEMPOTENT_CASES, ids=[c[0] for c in IDEMPOTENT_CASES])
def test_a_second_pass_changes_nothing(name: str, text: str) -> None:
    once = Redactor().redact(text).text
    assert Redactor().redact(once).text == once
