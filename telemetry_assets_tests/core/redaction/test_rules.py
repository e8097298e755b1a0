"""Tables of named cases per rule: the secret goes and the rule's placeholder appears, bare and
embedded in a log line, a JSON body, an XML attribute and a Python traceback. Secrets here are
fake but format-valid. Assertion messages name the case, never print the secret."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import re2
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from telemetry_assets.core.redaction.redactor import PLACEHOLDERS, Redactor, placeholder_for
from telemetry_assets.core.redaction.rules import RULE_NAMES, RULES, Rule

R = Redactor(extra_internal_domains=["acme-intra.example"])

# (name, rule that must fire on the bare text, text, secret substring)
CASES: list[tuple[str, str, str, str]] = [
    (
        "github classic pat",
        "token.github",
        "ghp_Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz1Xc3",
        "ghp_Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz1Xc3",
    ),
    (
        "github fine-grained pat",
        "token.github_pat",
        "github_pat_11ABCDEFG0aZ9yX8wV7uT6_sR5qP4oN3mL2kJ1iH0gF9eD8cB7aZ6yX5wV4uT3sR2qP1oN0mLk",
        "github_pat_11ABCDEFG0aZ9yX8wV7uT6_sR5qP4oN3mL2kJ1iH0gF9eD8cB7aZ6yX5wV4uT3sR2qP1oN0mLk",
    ),
    ("gitlab pat", "token.gitlab", "glpat-Ab3dE5gH7jK9mN1pQ3sT", "glpat-Ab3dE5gH7jK9mN1pQ3sT"),
    (
        "slack bot",
        "token.slack",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    ),
    (
        "slack webhook",
        "token.slack_webhook",
        "https://hooks.slack.com/services/T01ABCDEF/B02GHIJKL/Zq8Wx7Vc6Bn5Mm4Ll3Kk2Jj1",
        "Zq8Wx7Vc6Bn5Mm4Ll3Kk2Jj1",
    ),
    (
        "aws access key id",
        "token.aws_access_key_id",
        "AKIA2E0A8F3B244C9986",
        "AKIA2E0A8F3B244C9986",
    ),
    (
        "stripe live secret",
        "token.stripe",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "4eC39HqLyjWDarjtT1zdp7dc",
    ),
    (
        "google api key",
        "token.google_api_key",
        "AIzaSyD3x9Kq2Lm5Np8Rs1Tu4Vw7Xy0Za3Bc6De9",
        "AIzaSyD3x9Kq2Lm5Np8Rs1Tu4Vw7Xy0Za3Bc6De9",
    ),
    (
        "npm token",
        "token.npm",
        "npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
        "npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    ),
    (
        "huggingface",
        "token.huggingface",
        "hf_aBcDeFgHiJkLmNoPqRsTuVwXyZaBcDeFgH",
        "hf_aBcDeFgHiJkLmNoPqRsTuVwXyZaBcDeFgH",
    ),
    (
        "sendgrid",
        "token.sendgrid",
        "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",
        "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",
    ),
    (
        "jwt",
        "token.jwt",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjaS1ib3QifQ.c2lnbmF0dXJlLXZhbHVlLWhlcmU",
        "eyJzdWIiOiJjaS1ib3QifQ",
    ),
    ("digitalocean", "token.digitalocean", "dop_v1_" + "3f" * 32, "dop_v1_" + "3f" * 32),
    (
        "url credentials",
        "cred.url",
        "https://deploy:S3cr3tPa55w0rd@git.example.com/org/repo.git",
        "S3cr3tPa55w0rd",
    ),
    (
        "redis url credentials",
        "cred.url",
        "redis://:Rz9Kq2Lm5Np8@cache.example.com:6379/0",
        "Rz9Kq2Lm5Np8",
    ),
    (
        "curl basic auth",
        "cred.cli_user",
        "curl -u builder:Tq7Wv9Xz2Lp4 https://api.example.com",
        "Tq7Wv9Xz2Lp4",
    ),
    (
        "authorization bearer",
        "header.authorization",
        "Authorization: Bearer Zk3Lm9Qp2Rs7Tu1Vw5Xy",
        "Zk3Lm9Qp2Rs7Tu1Vw5Xy",
    ),
    (
        "x-api-key header",
        "header.api_key",
        "X-Api-Key: 7Hq2Lm9Zp4Rs8Tu1Vw5Xy3",
        "7Hq2Lm9Zp4Rs8Tu1Vw5Xy3",
    ),
    (
        "cookie",
        "header.cookie",
        "Cookie: sessionid=Qw8Er7Ty6Ui5Op4As3Df2; theme=dark",
        "Qw8Er7Ty6Ui5Op4As3Df2",
    ),
    ("password field", "field.secret", "password=Hunter2Rocks!", "Hunter2Rocks!"),
    ("cli flag", "field.cli_flag", "mysqldump --password=Vb7Nm3Kl9Qw1 appdb", "Vb7Nm3Kl9Qw1"),
    ("yaml secret line", "field.secret_line", "client_secret: open sesame 42", "open sesame 42"),
    (
        "hex after token",
        "blob.hex",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ),
    (
        "base64 blob",
        "blob.base64",
        "Zm9vYmFyQmF6UXV4MTIzNDU2Nzg5MEFCQ0RFRkdISUpLTE1OT1BR",
        "Zm9vYmFyQmF6UXV4MTIzNDU2Nzg5MEFCQ0RFRkdISUpLTE1OT1BR",
    ),
    ("email", "pii.email", "jane.doe@example.org", "jane.doe@example.org"),
    ("private url", "net.private_url", "http://buildbox:8080/job/42/console", "buildbox"),
    ("internal host", "net.internal_host", "db-primary.prod.internal", "db-primary.prod.internal"),
    (
        "extra internal domain",
        "net.extra_domain",
        "nexus.acme-intra.example",
        "nexus.acme-intra.example",
    ),
    ("ipv4", "net.ipv4", "10.20.30.40", "10.20.30.40"),
    ("ipv6", "net.ipv6", "2001:db8:85a3::8a2e:370:7334", "2001:db8:85a3::8a2e:370:7334"),
    ("mac", "net.mac", "00:1A:2B:3C:4D:5E", "00:1A:2B:3C:4D:5E"),
    (
        "uuid",
        "pii.uuid",
        "123e4567-e89b-42d3-a456-426614174000",
        "123e4567-e89b-42d3-a456-426614174000",
    ),
    ("posix home user", "pii.home_user", "/home/jdoe/project/app.py", "jdoe"),
    ("mac home user", "pii.home_user", "/Users/alice.smith/src/app.ts", "alice.smith"),
    ("windows home user", "pii.home_user", "C:\\Users\\bwayne\\AppData\\x.dll", "bwayne"),
    ("visa card", "pii.card", "4111 1111 1111 1111", "4111 1111 1111 1111"),
    ("us ssn", "pii.ssn", "123-45-6789", "123-45-6789"),
    ("iban", "pii.iban", "DE89370400440532013000", "DE89370400440532013000"),
    ("phone", "pii.phone", "(415) 555-0132", "(415) 555-0132"),
]

CONTEXTS = {
    "bare": "{}",
    "log line": "2026-11-20T10:11:12.1234567Z ERROR worker-3 failed with {} (retrying)",
    "json": '{{"level": "error", "detail": "{}", "attempt": 2}}',
    "xml": '<testcase name="test_upload"><failure message="value {} rejected"/></testcase>',
    "traceback": (
        "Traceback (most recent call last):\n"
        '  File "/opt/app/src/client.py", line 88, in send\n'
        "    raise ClientError(msg)\n"
        "client.ClientError: request with {} failed"
    ),
}


@pytest.mark.parametrize(("name", "rule", "text", "secret"), CASES, ids=[c[0] for c in CASES])
def test_rule_fires_on_bare_value(name: str, rule: str, text: str, secret: str) -> None:
    result = R.redact(text)
    assert secret not in result.text, name
    assert placeholder_for(rule) in result.text, name
    assert result.counts.get(rule, 0) >= 1, f"{name}: {result.counts}"


@pytest.mark.parametrize("context", list(CONTEXTS), ids=list(CONTEXTS))
@pytest.mark.parametrize(("name", "rule", "text", "secret"), CASES, ids=[c[0] for c in CASES])
def test_secret_gone_when_embedded(
    name: str, rule: str, text: str, secret: str, context: str
) -> None:
    value = json.dumps(text)[1:-1] if context == "json" else text
    embedded = CONTEXTS[context].format(value)
    out = R.redact(embedded).text
    assert secret not in out, f"{name} in {context}"
    assert any(p in out for p in PLACEHOLDERS), f"{name} in {context}"


PEM = (
    "-----BEGIN {kind}PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "-----END {kind}PRIVATE KEY-----"
)
PEM_KINDS = ["", "RSA ", "EC ", "DSA ", "OPENSSH ", "ENCRYPTED "]


@pytest.mark.parametrize("kind", PEM_KINDS, ids=[k.strip() or "PKCS8" for k in PEM_KINDS])
@pytest.mark.parametrize("escaped", [False, True], ids=["multiline", "json-escaped"])
def test_pem_private_key_blocks_become_one_placeholder(kind: str, escaped: bool) -> None:
    # The whole block goes, BEGIN and END lines included: a kept header line is a finding of
    # the residual-PII check on its own.
    block = PEM.format(kind=kind)
    text = json.dumps({"material": block}) if escaped else f"Loading key:\n{block}\ndone"
    out = R.redact(text)
    assert "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun" not in out.text
    assert "VTLw7onLRnrq0" not in out.text
    assert "BEGIN" not in out.text and "END" not in out.text
    assert out.text == ('{"material": "<KEY>"}' if escaped else "Loading key:\n<KEY>\ndone")
    assert out.counts.get("pem.private_key") == 1


PEM_TRUNCATED = [
    (
        "lone header at end of log",
        "deploy: loading key\n-----BEGIN RSA PRIVATE KEY-----",
        "deploy: loading key\n<KEY>",
    ),
    (
        "lone header then an unrelated line",
        "-----BEGIN OPENSSH PRIVATE KEY-----\n=== 1 failed in 0.2s ===\n",
        "<KEY>\n=== 1 failed in 0.2s ===\n",
    ),
    (
        "header and body, no END line",
        "key:\n-----BEGIN EC PRIVATE KEY-----\n"
        "MHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49\n"
        "AwEHoUQDQgAE\n",
        "key:\n<KEY>\n",
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "expected"), PEM_TRUNCATED, ids=[c[0] for c in PEM_TRUNCATED]
)
def test_truncated_pem_blocks_become_one_placeholder(name: str, text: str, expected: str) -> None:
    out = R.redact(text)
    assert out.text == expected, name
    assert out.counts == {"pem.private_key": 1}, name


KEEP = [
    ("env placeholder", "export GITHUB_TOKEN=${GITHUB_TOKEN}"),
    ("actions secret", "token: ${{ secrets.NPM_TOKEN }}"),
    ("angle placeholder", "Authorization: Bearer <token>"),
    ("x filler", "api_key = xxxxxxxxxxxxxxxxxxxxxxxx"),
    ("stars", "password: ****"),
    ("your key", "OPENAI_API_KEY=<YOUR_API_KEY>"),
    ("changeme", "password=changeme"),
    ("file line", '  File "/opt/app/src/app.py", line 12, in main'),
    ("version", "Successfully installed requests-2.32.3 urllib3-2.2.2"),
    ("git sha after commit", "HEAD is now at commit 3f2a9c1e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a"),
    ("srcrev", 'SRCREV_moby = "43fc912ef59a83054ea7f6706df4d53a7dea4d80"'),
    ("loopback", "listening on 127.0.0.1:8080 and [::1]:8080 and 0.0.0.0:9000"),
    (
        "public url",
        "see https://docs.python.org/3/library/re.html and https://pypi.org/project/re2/",
    ),
    ("github repo url", "cloning https://github.com/dagster-io/dagster into /tmp/x"),
    ("rust path", "   4: core::panicking::panic_bounds_check at src/lib.rs:42:9"),
    ("timestamp", "2026-11-20T10:11:12.1234567Z ##[group]Run actions/checkout@v4"),
    ("java frame", "\tat com.acme.billing.InvoiceService.render(InvoiceService.java:88)"),
    ("non luhn", "order 4012888888881882 shipped"),
    ("java internal package", "\tat org.testng.internal.Invoker.invokeMethod(Invoker.java:132)"),
    ("go test pass line", "--- PASS: TestRetry (0.10s)"),
    ("jest pass flag", '<testcase name="{pass: true} expect(a).toBe(b)"/>'),
    ("python threading local", "    ctx = threading.local()"),
]


@pytest.mark.parametrize(("name", "text"), KEEP, ids=[k[0] for k in KEEP])
def test_not_secrets_are_kept_byte_identical(name: str, text: str) -> None:
    result = R.redact(text)
    assert result.text == text, f"{name}: {result.counts}"
    assert result.counts == {}


def test_every_rule_is_named_once_and_has_a_placeholder() -> None:
    assert len(set(RULE_NAMES)) == len(RULE_NAMES)
    for name in RULE_NAMES:
        assert placeholder_for(name) in PLACEHOLDERS
        assert "." in name and name == name.lower()


# ---- what the redactor's fast paths rely on --------------------------------------------------
# Every line rule's anchor is found inside each of its matches, its keywords (or ``unkeyed``
# literals) are in each match, and a match holds a line break only as its first character unless
# the rule says ``spans_lines``. Matches are drawn from the patterns themselves.

LINE_RULES = [r for r in RULES if not r.multiline and r.pattern]


def _anchor(rule: Rule) -> Any:
    source = rule.anchor or "(?i:" + "|".join(re2.escape(k) for k in rule.keywords) + ")"
    return re2.compile(f"(?i:{source})" if rule.ignore_case else source)


@pytest.mark.parametrize("rule", LINE_RULES, ids=[r.name for r in LINE_RULES])
def test_anchor_keywords_and_line_hold_for_every_match(rule: Rule) -> None:
    flags = re.ASCII | (re.IGNORECASE if rule.ignore_case else 0)
    exact = re2.compile(("(?i)" if rule.ignore_case else "") + rule.pattern)
    anchor = _anchor(rule)

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(re.compile(rule.pattern, flags), fullmatch=True))
    def check(match: str) -> None:
        assume(exact.fullmatch(match) is not None)
        assert anchor.search(match) is not None, f"{rule.name}: anchor missing"
        if rule.keywords:
            lowered = match.lower()
            assert any(k in lowered for k in rule.keywords + rule.unkeyed), rule.name
        if not rule.spans_lines:
            assert "\n" not in match[1:], f"{rule.name}: match runs past a line break"

    check()


# ---- context-free outcomes -------------------------------------------------------------------
# A line's redaction must not depend on what else is in the text: each of these once leaked
# unless some unrelated line happened to be around. (name, line, secret, placeholder)
SAME_ALONE_OR_NOT: list[tuple[str, str, str, str]] = [
    ("db_pw field", "db_pw=Qz7Wx9Lp2Rt5", "Qz7Wx9Lp2Rt5", "<SECRET>"),
    ("bare pw field", "pw=Rt5Qz7Wx9Lp2", "Rt5Qz7Wx9Lp2", "<SECRET>"),
    ("pwd field", "pwd=Lp2Rt5Qz7Wx9", "Lp2Rt5Qz7Wx9", "<SECRET>"),
    ("rootpw in json", '{"mysql_rootpw": "Wx9Lp2Rt5Qz7"}', "Wx9Lp2Rt5Qz7", "<SECRET>"),
    ("env DB_PW", "export DB_PW=Nm3Kl9Qw1Vb7", "Nm3Kl9Qw1Vb7", "<SECRET>"),
    ("password flag at line start", "--password Vb7Nm3Kl9Qw1", "Vb7Nm3Kl9Qw1", "<SECRET>"),
    ("api key flag at line start", "--api-key=Kl9Qw1Vb7Nm3", "Kl9Qw1Vb7Nm3", "<SECRET>"),
    ("curl user at line start", "-u builder:Tq7Wv9Xz2Lp4", "Tq7Wv9Xz2Lp4", "<SECRET>"),
    ("proxy user at line start", "--proxy-user ci:Xz2Lp4Tq7Wv9", "Xz2Lp4Tq7Wv9", "<SECRET>"),
]
SURROUNDINGS = {
    "alone": "{}",
    "after a plain line": "Run ./scripts/deploy.sh\n{}",
    "after a field keyword line": "secret=Ab3dE5gH7jK9mN1p\n{}",
    "between token lines": "ghp_Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz1Xc3\n{}\nAKIA2E0A8F3B244C9986",
    "deep in a log": "collecting\n" * 40 + "##[group]Run deploy\n{}\n##[endgroup]",
}


@pytest.mark.parametrize("where", list(SURROUNDINGS), ids=list(SURROUNDINGS))
@pytest.mark.parametrize(
    ("name", "line", "secret", "placeholder"),
    SAME_ALONE_OR_NOT,
    ids=[c[0] for c in SAME_ALONE_OR_NOT],
)
def test_a_line_is_redacted_the_same_whatever_surrounds_it(
    name: str, line: str, secret: str, placeholder: str, where: str
) -> None:
    alone = R.redact(line).text
    assert secret not in alone and placeholder in alone, name
    text = SURROUNDINGS[where].format(line)
    out = R.redact(text).text
    assert secret not in out, f"{name} {where}"
    assert out.splitlines()[text.splitlines().index(line)] == alone, f"{name} {where}"


# ---- line structure --------------------------------------------------------------------------
TS = "2026-11-20T10:11:12.1234567Z "
PEM_BODY_1 = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"
PEM_BODY_2 = "AwEHoUQDQgAE"
KEEP_LINES: list[tuple[str, str, str]] = [
    (
        "web.config value over two lines",
        '<add key="DbPassword" value="Qz7Wx9\nLp2Rt5" />\n<compilation debug="false" />',
        '<add key="<SECRET>" value="<SECRET>\n<SECRET>" />\n<compilation debug="false" />',
    ),
    (
        "web.config value on the next line",
        '<add key="ApiToken"\n     value="Tq7Wv9Xz2Lp4" />',
        '<add key="<SECRET>"\n     value="<SECRET>" />',
    ),
    (
        "truncated pem with actions timestamps",
        f"{TS}Run deploy\n{TS}-----BEGIN RSA PRIVATE KEY-----\n{TS}{PEM_BODY_1}\n"
        f"{TS}{PEM_BODY_2}\n{TS}##[error]Process completed with exit code 1.\n",
        f"{TS}Run deploy\n{TS}<KEY>\n{TS}<KEY>\n{TS}<KEY>\n"
        f"{TS}##[error]Process completed with exit code 1.\n",
    ),
    (
        "terminated pem with actions timestamps and CRLF",
        f"{TS}-----BEGIN EC PRIVATE KEY-----\r\n{TS}{PEM_BODY_2}\r\n"
        f"{TS}-----END EC PRIVATE KEY-----\r\n{TS}done\r\n",
        f"{TS}<KEY>\r\n{TS}<KEY>\r\n{TS}<KEY>\r\n{TS}done\r\n",
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), KEEP_LINES, ids=[c[0] for c in KEEP_LINES])
def test_multi_line_matches_keep_every_line_and_its_prefix(
    name: str, text: str, expected: str
) -> None:
    out = R.redact(text).text
    for secret in ("Qz7Wx9", "Lp2Rt5", "Tq7Wv9Xz2Lp4", PEM_BODY_1, PEM_BODY_2, "BEGIN"):
        assert secret not in out, name
    assert out == expected, name
    assert out.count("\n") == text.count("\n"), name


def test_a_short_pem_body_line_goes_only_because_of_the_pem_rule() -> None:
    # Too short for blob.base64: only the PEM rule can remove it, prefixes or not.
    text = f"{TS}-----BEGIN EC PRIVATE KEY-----\n{TS}{PEM_BODY_2}\n"
    out = R.redact(text)
    assert PEM_BODY_2 not in out.text and out.counts == {"pem.private_key": 1}


# ---- kept on purpose -------------------------------------------------------------------------
KEPT: list[tuple[str, str]] = [
    ("actions runner home", "[INFO] Building jar: /home/runner/work/app/app/target/app-1.4.2.jar"),
    ("jenkins home", "+ cd /home/jenkins/workspace/app-pipeline"),
    ("ubuntu home", "Using /home/ubuntu/.cache/pip"),
    ("circleci home", '  File "/home/circleci/project/tests/test_api.py", line 9, in test_x'),
    ("buildkite home", "cd /home/buildkite-agent/builds/agent-1/acme/app"),
    ("gitlab runner home", "Fetching into /home/gitlab-runner/builds/xyz/0/acme/app"),
    ("azure vsts home", "##[section]Starting: /home/vsts/work/1/s/build.sh"),
    ("runneradmin home", "cp /home/runneradmin/config.toml ."),
    ("docker home", "Volume /home/docker/data mounted"),
    ("root home", "cargo at /root/.cargo/bin/cargo and /home/root/x"),
    ("windows runneradmin", "C:\\Users\\runneradmin\\AppData\\Local\\Temp\\x.log"),
    ("macos runner", "at /Users/runner/work/app/app/Sources/App.swift:12"),
    (
        "rustc commit in backtrace",
        "   at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/panicking.rs:72:14",
    ),
]


@pytest.mark.parametrize(("name", "text"), KEPT, ids=[k[0] for k in KEPT])
def test_ci_service_homes_and_rustc_commits_are_kept_byte_identical(name: str, text: str) -> None:
    for context in ("{}", "2026-11-20T10:11:12.1234567Z {}", "log\n{}\nmore"):
        embedded = context.format(text)
        result = R.redact(embedded)
        assert result.text == embedded, f"{name}: {result.counts}"


NOT_KEPT: list[tuple[str, str, str]] = [
    ("real user next to the runner", "/home/runner/x and /home/jdoe/src/app.py", "jdoe"),
    ("runner-like user", "/home/runner2/src/app.py", "runner2"),
    (
        "rustc path with a 64-hex",
        "/rustc/" + "9f86d081884c7d659a2feaa0c55ad015" * 2 + "/x",
        "9f86d0",
    ),
    (
        "secret named before a rustc-like path",
        "token=/rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/",
        "90b35a6239c3",
    ),
]


@pytest.mark.parametrize(("name", "text", "secret"), NOT_KEPT, ids=[k[0] for k in NOT_KEPT])
def test_lookalikes_of_kept_values_still_go(name: str, text: str, secret: str) -> None:
    out = R.redact(text).text
    assert secret not in out, name
    assert any(p in out for p in PLACEHOLDERS), name
