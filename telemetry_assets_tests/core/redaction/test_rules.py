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

from telemetry_assets.core.redaction.redactor import (
    PLACEHOLDERS,
    Redactor,
    _compile,
    placeholder_for,
)
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


def _bare(name: str, rule: str, value: str) -> tuple[str, str, str, str]:
    """A case whose whole text is the secret."""
    return (name, rule, value, value)


# The vendor table (rules.VENDOR_TOKENS): one fake, format-valid value per family.
VENDOR_CASES: list[tuple[str, str, str, str]] = [
    _bare(
        "docker hub pat",
        "token.docker_hub",
        "dckr_pat_M1eWrP3uIZ35wyVpbDO0tdDFPu2",
    ),
    _bare(
        "tavily key",
        "token.tavily",
        "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",
    ),
    _bare(
        "dynatrace token",
        "token.dynatrace",
        "dt0c01.OLR6668MS7EM4E9FH1GT4Z2Y.LBBJBDRMH4U3GWHDJDGIA22OJ0PYV5HL5PX8MAN3Y191"
        "P7IHDNY8ACZA7362YXAU",
    ),
    _bare(
        "planetscale token",
        "token.planetscale",
        "pscale_tkn_6x74vtJIGvWWIIwECMEhGYQXLYjBdHHO4IEXAZ1nhMf",
    ),
    _bare(
        "supabase token",
        "token.supabase",
        "sbp_2b239745856a143af6fe397e005f15b89428ab33",
    ),
    _bare(
        "alibaba access key id",
        "token.alibaba",
        "LTAIvOLhXh9TRPgtoYGXnev5",
    ),
    _bare(
        "rubygems key",
        "token.rubygems",
        "rubygems_9ac12a43128679b7706ab6151137259adf6342c785996483",
    ),
    _bare(
        "nuget key",
        "token.nuget",
        "oy2wkzmdp4j2ytz6v4rcdw43eocgffyuaetwoh0qo73tfy",
    ),
    _bare(
        "firebase fcm server key",
        "token.firebase_fcm",
        "AAAAm-7HAeA:APA91bD4B6Cy-FDd2x9KAL02Ia9-0x-W816HX_0yuzKNYxOW0ul1-KCK4Me77Jh-"
        "vFDSezBxziN5j73hhqL4cVWH7Rmw0XYhBmiq09wX5qITb4NFOqIQ1MWr7eTYH3ygZ97acfYwKeqU",
    ),
    _bare(
        "figma token",
        "token.figma",
        "figd_albIJDqQxNnWbIGWcOsdh8sqebVkPO4dFqOnTUtx",
    ),
    _bare(
        "airtable pat",
        "token.airtable",
        "pat9TmOOkyhHEVexE.5915057e234dd9f3d90742cf95e63c760f623431839c62b1e7e2323c96742b9e",
    ),
    _bare(
        "notion legacy secret",
        "token.notion_legacy",
        "secret_q8WYt2Ko5Y1JkN68C2zhTqF396de6uvVR4CiRf9RXpG",
    ),
    _bare(
        "shippo live token",
        "token.shippo",
        "shippo_live_708a6d0ecfb1b349574a76fb181ee7d89bce1934",
    ),
    _bare(
        "flutterwave secret key",
        "token.flutterwave",
        "FLWSECK_TEST-eh4h6adg200h5e5c4g279ae5c5a14626-X",
    ),
    _bare(
        "frameio token",
        "token.frameio",
        "fio-u-6REIxAroR19P5s4N7XCPa6omBTR9MBCcK5F0LSbQKE757Mjcj_e7_t5USw6GD6s9",
    ),
    _bare(
        "stripe webhook secret",
        "token.stripe_webhook",
        "whsec_f0rdPrwkea43nNk48w1z5r5hMx2glrR6",
    ),
    _bare(
        "gcp oauth client secret",
        "token.gcp_oauth_secret",
        "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",
    ),
    _bare(
        "gcp access token",
        "token.gcp_access_token",
        "ya29.XkoqLw6g_MOUae5qccLChxpsnDBtJtOEEUhw2J3pE1omoTq6aAFjnURco4U7",
    ),
    _bare(
        "groq key",
        "token.groq",
        "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",
    ),
    _bare(
        "replicate token",
        "token.replicate",
        "r8_1IRhksqiCrHKhU3taNfw6YlisSpBfwGUSAzSm",
    ),
    _bare(
        "xai key",
        "token.xai",
        "xai-SxJGLaQ6sXJ4Qxc4wFrsgazqs74tcUzGMtnKzVvVZ53PUv5Yu1qnkjl6BIWNuOC1cXn0Yh4Y5eyB2kx4",
    ),
    _bare(
        "langsmith key",
        "token.langsmith",
        "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",
    ),
    _bare(
        "prefect key",
        "token.prefect",
        "pnu_9vbfPBC5llJr9GYMks72qyh6xUVIWcyUwNyt",
    ),
    _bare(
        "readme key",
        "token.readme",
        "rdme_uh7utbz5bc62w849qtfoady84s48j7zft239adj9rdd998bnbi0t3qwjgxr2bc7kmb0cv6",
    ),
    _bare(
        "clojars token",
        "token.clojars",
        "CLOJARS_z9c0zbdju47isd6ddzt1rzdflimami7zattvrksdyzb5d1bgrzezmrzdh8w7",
    ),
    _bare(
        "easypost key",
        "token.easypost",
        "EZAKraao9BKlEMgsaukQPgFxixWHX5u46nq75Ig4VvOdPugmtHyPeTG1pP",
    ),
    _bare(
        "duffel token",
        "token.duffel",
        "duffel_live_lVEgQtz4fGiCtr1wNoiVj4joEoQ1bLNqLthwHVPWyEi",
    ),
    _bare(
        "brevo key",
        "token.brevo",
        "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",
    ),
    _bare(
        "adobe client secret",
        "token.adobe",
        "p8e-g5SXA8QTl0K6MF6th9BCOdboShrxxox9",
    ),
    _bare(
        "maxmind license key",
        "token.maxmind",
        "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",
    ),
    _bare(
        "mapbox secret token",
        "token.mapbox_secret",
        "sk.eyJemuFwvhF-GC8dbKQtVG4qycrnyWv9twj6YFsF2Qi.HoUYFCK7K748wKdf3xUz7r",
    ),
    _bare(
        "harness pat",
        "token.harness",
        "pat.2DTULQVIEeriGLvZU0e_xX.h1O0xW2QuxGkFDxAwhT1ya8A.z5rTJRKMpXsn0gp6Jess",
    ),
    _bare(
        "settlemint pat",
        "token.settlemint",
        "sm_pat_HNPlcSYGBy8Xmn3F",
    ),
    _bare(
        "cloudflare origin ca key",
        "token.cloudflare_origin_ca",
        "v1.0-2c4fb7ad851b094c2ee56c29-4c231d482dd1637a477baca6dbd554c9d3c7b3b18819e1"
        "fd8ac722f1afe49717e6f39ab506b7879dd3c07c36be78835e76b6f81101365d57ee690d91dd"
        "ab73dbccb15d0d76e3b67238",
    ),
    _bare(
        "grafana api key",
        "token.grafana_api_key",
        "eyJrIjoilTxGYYc9hYbaUybBzACkX6zEgWszdCAUNWBz35JYomWYhv2bEFbcfniOCVPMay6gWJC2qoFk0wCkD15X",
    ),
    _bare(
        "artifactory reference token",
        "token.artifactory_reference",
        "cmVmduFvmqCUTBsJO40cUquIWzBhNzLBcGbEm9ivlsaiYlpqspcgDOR82sRsGFXM",
    ),
    _bare(
        "bitbucket app password",
        "token.bitbucket_app_password",
        "ATBBbAmHFnOVqbk8GwPPTGuQlTgazzqmZB2K",
    ),
    _bare(
        "buildkite token",
        "token.buildkite",
        "bkua_46d6b4d3cbbba2668b6669fc2d88a5587a53ac25",
    ),
    _bare(
        "circleci pat",
        "token.circleci",
        "CCIPAT_TNUXAzLSH25uNChYXdHlou_4ae380f8218c1c0d29fc89aebfd0ab5850d537a1",
    ),
    _bare(
        "contentful pat",
        "token.contentful",
        "CFPAT-Mgq-RIyJh2D45C_taiTLB83hSlr2rS6llUhukhoHH80",
    ),
    _bare(
        "netlify pat",
        "token.netlify",
        "nfp_adZCQGpSy50eMbtNVoXies1FwQNFx2pWvIag",
    ),
    _bare(
        "telegram bot token",
        "token.telegram_bot",
        "7213808983:AAx4veRfalhGlAjULd87AQtMOrok1CV5ciC",
    ),
    (
        "telegram token in a bot api url",
        "token.telegram_bot",
        "POST https://api.telegram.org/bot7213808983:AAx4veRfalhGlAjULd87AQtMOrok1CV5ciC/sendMessage",
        "AAx4veRfalhGlAjULd87AQtMOrok1CV5ciC",
    ),
    (
        "sentry dsn",
        "token.sentry_dsn",
        "https://697ea8eb13e420d0bd05a6457a4d1392@o4504.ingest.us.sentry.io/4508",
        "697ea8eb13e420d0bd05a6457a4d1392",
    ),
    (
        "gcp private key id",
        "token.gcp_private_key_id",
        '"private_key_id": "8357b24dcbb339db4948d12d368ffa016862da8a"',
        "8357b24dcbb339db4948d12d368ffa016862da8a",
    ),
    (
        "azure shared access key",
        "token.azure_shared_access",
        "Endpoint=sb://acme-bus.servicebus.windows.net/;SharedAccessKeyName=RootManag"
        "eSharedAccessKey;SharedAccessKey=Aiwker76UmA6Y/qCJoc9S8Ggb7lRVV13E04q8Pso5+S"
        "=",
        "Aiwker76UmA6Y/qCJoc9S8Ggb7lRVV13E04q8Pso5+S=",
    ),
    (
        "azure sas signature",
        "token.azure_sas_signature",
        "https://acmeci.blob.core.windows.net/logs/run.txt?sv=2022-11-02&se=2026-12-0"
        "1T00%3A00%3A00Z&sr=b&sp=r&sig=Q00TeEFKOVNXZ2PthwZ5yx6eFfn64y5NONOY8o7dLjo%3D",
        "Q00TeEFKOVNXZ2PthwZ5yx6eFfn64y5NONOY8o7dLjo%3D",
    ),
]

# Password hashes, passwords on command lines and in code, connection strings, private TLDs.
CREDENTIAL_CASES: list[tuple[str, str, str, str]] = [
    _bare(
        "bcrypt hash",
        "cred.password_hash",
        "$2b$12$NrWehkSfzcj1ZgCj0fnAfWeAdpJZqnLvlwTkgfy90M54SKDvDiK9P",
    ),
    _bare(
        "sha512-crypt hash",
        "cred.password_hash",
        "$6$rounds=5000$3IhnZtPr8ZdhMPQ9$4gjG6gfL3IVQa5Rtm9fzIoDWW9it3XHp1HZRUBriurBB/8vFI.qZTMoe4"
        "WWXWl7Xfwgy2smPel.rkSbhyUrEQS",
    ),
    _bare(
        "argon2id hash",
        "cred.password_hash",
        "$argon2id$v=19$m=65536,t=3,p=4$8po+799NksnRH9ucAUsdMl$HUvTCQCyEZDz/TddJ8HyS5SUkCnD8zRA9a9SkpXz9w3",
    ),
    _bare(
        "passlib pbkdf2 hash",
        "cred.password_hash",
        "$pbkdf2-sha256$29000$OjW5Xistobr5q6Qroa/lp1$wzbEzJCNFZofR4Zora2v.ruq6nfN7lfDwHdk3bg2NxH",
    ),
    _bare(
        "django pbkdf2 hash",
        "cred.password_hash",
        "pbkdf2_sha256$600000$CGIZEG8pSH4487q7J58m1C$FD4bI+C5qGrQnSIf5P1xZLOmLnFUDeRQhWGSEvvX0Ks=",
    ),
    _bare("ldap ssha hash", "cred.password_hash", "{SSHA}eYCaPYeap23tCrgSrtZyNs2GYqus/oJN"),
    ("sshpass", "cred.cli_password", "sshpass -p Hx7Qw9Lp2Zk ssh deploy@build", "Hx7Qw9Lp2Zk"),
    (
        "psexec",
        "cred.cli_password",
        "psexec.exe \\\\build-07 -u CORP\\svc-build -p Tq7Wv9Xz2Lp4 cmd /c dir",
        "Tq7Wv9Xz2Lp4",
    ),
    (
        "mysql glued -p",
        "cred.cli_password",
        "mysql -u root -pQz7Wx9Lp2Rt5 -h db app",
        "Qz7Wx9Lp2Rt5",
    ),
    (
        "smbclient user%password",
        "cred.cli_password",
        "smbclient //fs01/builds -U ci%Wx9Lp2Rt5Qz7 -c ls",
        "Wx9Lp2Rt5Qz7",
    ),
    (
        "password flag",
        "field.cli_flag",
        "deploy --password Vb7Nm3Kl9Qw1 --stage eu",
        "Vb7Nm3Kl9Qw1",
    ),
    ("password flag with =", "field.cli_flag", "deploy --password=Kl9Qw1Vb7Nm3", "Kl9Qw1Vb7Nm3"),
    (
        "NetworkCredential literal",
        "cred.code_password",
        'var cred = new NetworkCredential("svc-build", "Tq7Wv9Xz2Lp4");',
        "Tq7Wv9Xz2Lp4",
    ),
    (
        "PasswordAuthentication literal",
        "cred.code_password",
        'return new PasswordAuthentication("deploy", "Lp2Rt5Qz7Wx9".toCharArray());',
        "Lp2Rt5Qz7Wx9",
    ),
    (
        "HTTPBasicAuth literal",
        "cred.code_password",
        "requests.get(url, auth=HTTPBasicAuth('ci', 'Nm3Kl9Qw1Vb7'))",
        "Nm3Kl9Qw1Vb7",
    ),
    ("password in prose", "cred.prose_password", "the password is 'Zq9Wx8Vc7Bn6'", "Zq9Wx8Vc7Bn6"),
    (
        "PGPASSWORD",
        "field.secret_line",
        "PGPASSWORD=Wx9Lp2Rt5Qz7 psql -h db -U app",
        "Wx9Lp2Rt5Qz7",
    ),
    (
        "ado.net connection string",
        "cred.connection_string",
        "Server=db01;Database=app;User Id=app;Password=p@ss w0rd Qz7;Encrypt=true",
        "p@ss w0rd Qz7",
    ),
    (
        "mongodb+srv credentials",
        "cred.url",
        "mongodb+srv://app:Qz7Wx9Lp2Rt5@cluster0.ab12c.mongodb.net/app",
        "Qz7Wx9Lp2Rt5",
    ),
    ("redis password only", "cred.url", "redis://:Hx7Qw9Lp2Zk4@cache:6379/0", "Hx7Qw9Lp2Zk4"),
    (
        "jdbc query password",
        "field.secret",
        "jdbc:postgresql://db.example.com:5432/app?ssl=true&password=Tq7Wv9Xz2Lp4",
        "Tq7Wv9Xz2Lp4",
    ),
    _bare("corp host", "net.internal_host", "grafana-55.build.corp"),
    _bare("corp host two labels", "net.internal_host", "cache-41.eu.corp"),
    _bare("kubernetes service", "net.internal_host", "db.svc.cluster.local"),
    _bare("intranet host", "net.internal_host", "wiki.acme.intranet"),
    _bare("home.arpa host", "net.internal_host", "nas.home.arpa"),
    _bare("private tld host", "net.internal_host", "api.team.private"),
    _bare("corp inner label", "net.internal_host", "octopus.corp.net"),
    (
        "corp host in a url",
        "net.internal_host",
        "https://grafana-55.build.corp/d/abc?orgId=1",
        "grafana-55.build.corp",
    ),
]
CASES += VENDOR_CASES + CREDENTIAL_CASES

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
    # Digests and names that public tooling prints: not secrets.
    (
        "npm sri integrity",
        '"integrity": "sha512-7gewyGVSUh8+hqPl8g3lxlnQiSeFYIPw7qFTt8SpuaQvkgapIzC+XYRFmiTQrM'
        'tAIlUB4h4eIyPfA7H3H4m9dw=="',
    ),
    ("sha1 integrity", "  integrity sha1-Zeg2OKCOJr+CT9fz9JoYGIYp9GU="),
    (
        "go.sum hash",
        "github.com/pkg/errors v0.9.1/go.mod h1:BPaK4lofvXyl8awpOzdo/fMZ96oVGBvVazNFOfDWVSk=",
    ),
    (
        "cargo checksum",
        'checksum = "cd50d05676c6d86b96521c32751b4b5b52e48a511e079a1781e0deb86d10af5d"',
    ),
    (
        "yarn tgz sha1",
        '  resolved "https://registry.yarnpkg.com/make-dir/-/make-dir-4.0.0.tgz'
        '#c19ed1b4a436786ee48a7bfe7bb1fe8367136067"',
    ),
    (
        "pypi package path",
        '{ url = "https://files.pythonhosted.org/packages/fd/c4/a1dcc17085ba01b44705a104ba676462a50'
        'bdd548c8b768450afb99fa24b/black-26.5.1-py3-none-any.whl" }',
    ),
    (
        "bazel output base",
        "/var/cache/bazel/_bazel_ci/55d5fc0424d68556b93cd68d89726b75/execroot/src/x.c:12",
    ),
    ("decimal digits", "    0.693147180559945309417232121458176568, // LN2"),
    ("trace id", '"trace_id": "55d5fc0424d68556b93cd68d89726b75",'),
    ("crash file name", "Test unit written to ./crash-c19ed1b4a436786ee48a7bfe7bb1fe8367136067"),
    (
        "content hashed file",
        "---- cd50d05676c6d86b96521c32751b4b5b52e48a511e079a1781e0deb86d10af5d.js",
    ),
    (
        "mangled c++ symbol",
        "  > 0x238f: _ZN15google_breakpad16ExceptionHandler13WriteMinidumpEb (0x4)",
    ),
    ("long test name", "[case testOverloadWithOverlappingItemsAndAnyArgument9]"),
    ("long camel case name", "TestTSExperimentalDecoratorScopeIssue2147"),
    (
        "upper-case build folder",
        "C:\\DVR\\workspace\\_Branch_build_updates-SDSYGOEWO53Z6ASKV6W4GSRWQU4DXCNNDGKGTWMQJ4O7L\\a.h",
    ),
    ("constant name", "if len(token) > MAX_TOKEN_LENGTH: raise ValueError(MAX_TOKEN_LENGTH)"),
    ("constant as value", "token: MAX_TOKEN_LENGTH"),
    # Code keeps its identifiers.
    ("getter call", "String pw = getMasterUserPassword();"),
    ("php post field", '$pass = $_POST["password"];'),
    ("swing field", "String password = passwordField.getText();"),
    ("sort key lambda", "sorted(items, key=lambda e: e.name)"),
    ("type annotation", "    key: Literal['optional_key', 'required_key']"),
    ("scala parameter type", "    val leak: String -> Unit = (secret: String) => // error"),
    ("rust debug none", "                password: None,"),
    ("sonar issue key", '"key": "AWP-9zQKQ4tvzRIEqHAV",'),
    ("file and line after a token file", "fm_registration_token_uploader.cc:193] Client missing"),
    ("version after tokens", "      js-tokens: 4.0.0"),
    ("fetch credentials mode", 'fetchOpts.credentials = "omit";'),
    ("public key token", "PublicKeyToken=4bf6c96a266e58d4' could not be located"),
    ("password is required", "error: the password is required"),
    ("mysql port flag", "mysql -u root -p -P 3306 app"),
    ("telegram lookalike after bot", "bot110201543:AAHdqTcvCH1vGWJxfSe1ofSAs0K5PALDsaw"),
    # Not hosts: public TLD, dot files, code.
    ("public int tld", "see https://www.who.int/news and who.int"),
    ("dot env local", "Defaults to ['.env', '.env.local', '.env.[mode].local']."),
    ("key file", "openssl rsa -in key.priv -out key.pem"),
    # Numbers that are not SSNs, cards or emails.
    ("seed", "INFO: Seed:146544665"),
    ("column of figures", "  | state=S schedstat=( 324804784 183300334 997 ) utm=23"),
    ("decimal ssn lookalike", 'prometheus_bucket{le="102.515625"} 13890'),
    ("npm version at", "Add npm:@denotest/insiders-tag@0.0.0-insiders.fe49d70"),
    ("handler scheme url", '<TestMethod adapterTypeName="executor://mstestadapter/v2" />'),
    ("parser message", "SyntaxError: Unexpected token 'forall'"),
    ("destructured env name", "const { ACME_TOKEN: acmeToken } = process.env;"),
    ("rust match", "        let tokens = match &sm {"),
    ("named seed", "INFO: Seed: 877072222"),
    (
        "cgo export name",
        "main._cgoexpwrap_e34c4d0cdb90_LLVMFuzzerTestOneInput(0x6050000001d0, 0xa)",
    ),
    (
        "gitiles log range",
        "chromium/src/+log/55d5fc0424d68556b93cd68d89726b75c19ed1b4"
        "..c19ed1b4a436786ee48a7bfe7bb1fe8367136067?pretty=fuller",
    ),
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


def test_judged_after_names_a_later_line_rule_whose_placeholder_no_match_takes_in() -> None:
    names = [r.name for r in RULES]
    for i, rule in enumerate(RULES):
        if not rule.judged_after:
            continue
        later = RULES[names.index(rule.judged_after)]
        assert names.index(rule.judged_after) > i and not later.multiline, rule.name
        # Conservative: no "<" or ">" in the pattern at all, bar its group names.
        body = re.sub(r"\(\?P<\w+>", "(", rule.pattern)
        assert not rule.multiline and "<" not in body and ">" not in body, rule.name
        assert later.placeholder.startswith("<") and later.placeholder.endswith(">"), rule.name


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


GATED_RULES = [r for r in LINE_RULES if r.gate]
# What may stand next to a match: line breaks, ends, and the characters the validators look at.
NEIGHBOURS = ["", " ", "\n", "\t", "x", "_", "0", "-", ".", "/", ":", "(", "=", "phone ", "tel: "]


@pytest.mark.parametrize("rule", GATED_RULES, ids=[r.name for r in GATED_RULES])
def test_gate_holds_for_every_replacement(rule: Rule) -> None:
    # The rule applied directly: a Redactor would skip it wherever the gate is missing.
    compiled = _compile(rule)
    gate = re2.compile(f"(?i:{rule.gate})" if rule.ignore_case else rule.gate)
    flags = re.ASCII | (re.IGNORECASE if rule.ignore_case else 0)

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.from_regex(re.compile(rule.pattern, flags), fullmatch=True),
        st.sampled_from(NEIGHBOURS),
        st.sampled_from(NEIGHBOURS),
    )
    def check(match: str, before: str, after: str) -> None:
        text = before + match + after
        counts: dict[str, int] = {}
        Redactor._apply(compiled, text, counts)
        if counts:
            for line in text.split("\n"):
                if gate.search(line) is not None:
                    return
            raise AssertionError(f"{rule.name}: {text!r} replaced without its gate")

    check()


@pytest.mark.parametrize(
    "text",
    ["SSN 123-45-6789", "ssn: 123456789", "call 4155550132 now", "phone: (415) 555-0132"],
)
def test_gated_rules_still_replace(text: str) -> None:
    assert R.redact(text).text != text


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
        # The setting's name stays: "key" alone does not make its value a secret.
        '<add key="DbPassword" value="<SECRET>\n<SECRET>" />\n<compilation debug="false" />',
    ),
    (
        "web.config value on the next line",
        '<add key="ApiToken"\n     value="Tq7Wv9Xz2Lp4" />',
        '<add key="ApiToken"\n     value="<SECRET>" />',
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
