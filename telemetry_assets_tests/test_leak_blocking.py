"""A planted leak of every category is withheld when its redaction rules are disabled.

Each case plants one fake, format-valid secret in a failure message next to a clean run,
switches off the redaction rules that would remove it (a broken redactor), and shows the
independent detector catches it at the artifact: that file is withheld (quarantined with the
``withheld: residual finding (...)`` reason, its finding digests kept, none of its text), the
clean run goes on, and the secret is in nothing persisted. That the blocking asset checks still
halt the run when persisted data itself carries a finding is shown in ``test_privacy_gate.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from telemetry_assets.core.privacy import withheld_reason
from telemetry_assets.core.redaction.detector import ResidualPiiDetector
from telemetry_assets.core.redaction.redactor import Redactor
from telemetry_assets.defs import assets
from telemetry_assets.defs.io_manager import TelemetryIOManager
from telemetry_assets.defs.resources import RepoFactsResource
from telemetry_assets_tests.builders import ci_run, harness, junit

D = "2026-11-22"
BLOBS = ("blob.base64", "blob.hex", "field.secret", "field.secret_line")
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "-----END RSA PRIVATE KEY-----"
)

# (category, secret as it appears in the log, rules a broken redactor would be missing)
CASES = [
    ("email", "dana.whitfield@example.org", ("pii.email",)),
    ("ipv4", "203.0.113.77", ("net.ipv4",)),
    ("ipv6", "2001:db8:85a3::8a2e:370:7334", ("net.ipv6",)),
    ("internal host", "db-1.corp.example.internal", ("net.internal_host", "net.private_url")),
    (
        "url credentials",
        "postgres://svc_shop:Zq8vN2pLx7@db.example.com:5432/shop",
        ("cred.url", "pii.email", *BLOBS),
    ),
    ("private key", PEM, ("pem.private_key", *BLOBS)),
    ("aws access key", "AKIAZ4QW7NPLX3TRB6DK", ("token.aws_access_key_id", *BLOBS)),
    ("github token", "ghp_8xK2mQ9vR4tY7wE1uI3oP5aS6dF0gH2jK4lZ", ("token.github", *BLOBS)),
    ("slack token", "xoxb-2048193745-4096138275-Zx8Qw2Er4Ty6Ui8Op0As2Df4", ("token.slack", *BLOBS)),
    (
        "jwt",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkRhbmEifQ."
        "dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk4",
        ("token.jwt", *BLOBS),
    ),
    (
        "authorization header",
        "Authorization: Bearer 9fQ2xL7mN4pR8sT1vW3yZ6bC0dE5gH",
        ("header.authorization", *BLOBS),
    ),
    ("cookie", "Cookie: sessionid=8Hq2Lm9Xv4Rt7Yp1Kw3Zs6Bn0Cd5Fg", ("header.cookie", *BLOBS)),
    (
        "secret field",
        "password=Hv7#kq2LmZp9xR",
        ("field.secret", "field.secret_line", "field.cli_flag", "cred.cli_user"),
    ),
    ("uuid", "3f6c2a9e-8b1d-4e7f-a2c5-9d0e1f3b6a48", ("pii.uuid",)),
    ("home user", "/home/dwhitfield/.cache/pip", ("pii.home_user",)),
    ("credit card", "4111 1111 1111 1111", ("pii.card",)),
    ("iban", "DE89 3704 0044 0532 0130 00", ("pii.iban",)),
    ("mac address", "3c:22:fb:9a:41:0e", ("net.mac",)),
]


def _plant(text: str) -> str:
    return junit("2026-11-20").replace(
        "KeyError: 'discount_code'</failure>",
        f"KeyError: 'discount_code' while using {text}</failure>",
    )


def _stored_texts(folder: Path) -> list[str]:
    """Every cell of every Parquet table below ``folder``, and every other file's text."""
    out: list[str] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
            out.extend(str(v) for col in frame.columns for v in frame[col])
        else:
            out.append(path.read_bytes().decode("utf-8", errors="replace"))
    return out


@pytest.mark.parametrize(("category", "secret", "disabled"), CASES, ids=[c[0] for c in CASES])
def test_a_leak_the_broken_redactor_misses_withholds_its_artifact(
    tmp_path: Path, category: str, secret: str, disabled: tuple[str, ...]
) -> None:
    body = secret.splitlines()[1] if "\n" in secret else secret
    # The premise: with these rules off the redactor really lets it through, and the
    # independent detector sees it.
    leaked = Redactor(disabled_rules=disabled).redact(f"while using {secret}").text
    assert body in leaked
    found = ResidualPiiDetector().scan(leaked)
    assert found

    h = harness(tmp_path)
    ci_run(h.root, "gha-30", "2026-11-20", {"junit.xml": junit("2026-11-20")}, branch="main")
    ci_run(h.root, "gha-31", "2026-11-20", {"junit.xml": _plant(secret)})
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [assets.raw_opt_in_manifest, assets.sanitized_artifacts, assets.fingerprints],
        partition_key=D,
        instance=instance,
        resources={
            "settings": h.settings(disabled_redaction_rules=list(disabled)),
            "repo": RepoFactsResource(repo_root=str(h.repo)),
            "io_manager": TelemetryIOManager(base_dir=str(h.store)),
        },
        raise_on_error=False,
    )
    assert result.success
    tables = h.store / "sanitized_artifacts" / f"{D}.tables"
    rows = {
        r["artifact"]: r for r in pd.read_parquet(tables / "artifacts.parquet").to_dict("records")
    }
    withheld = rows["ci/gha-31/junit.xml"]
    assert (withheld["status"], withheld["reason"]) == (
        "quarantined",
        withheld_reason(f.detector for f in found),
    )
    assert {f.digest for f in found} <= set(json.loads(withheld["finding_digests"]))
    assert rows["ci/gha-30/junit.xml"]["status"] == "ok"
    failures = pd.read_parquet(tables / "failures.parquet")
    assert set(failures["artifact"]) == {"ci/gha-30/junit.xml"}
    assert not [t for t in _stored_texts(h.store) if body in t], f"{category} persisted"
    for event in result.all_events:
        assert body not in str(event)
