"""Nothing private in Dagster's own records: after a real CLI materialization of artifacts full
of planted fake secrets, no secret appears anywhere under DAGSTER_HOME (every text column of
every SQLite table, compute logs, storage), nor in the IO manager storage, the reports or the
cache. A file that makes a parser raise must not have its text quoted in any message.

Failures name the secret kind and the file, never the secret.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from telemetry_assets_tests.builders import ci_run, junit
from telemetry_assets_tests.faults.cli import Layout

D = "2026-11-22"
DAY = "2026-11-20"

SECRETS = {
    "email": "dana.whitfield@example.org",
    "github token": "ghp_" + "R8x2Lq9ZcV4mN7bT1sY6wE3kJ0hG5fD2aP8u",
    "aws key id": "AKIAZ7Q3VRX4N2KWPL6M",
    "pem body": "MIIEowIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjMa8dXk",
    "jwt": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkYW5hIiwiaWF0IjoxNzk1NjAxNDcyfQ"
    ".Xq3l0Zk1YV9tN2pYb2d3c2VjcmV0c2lnbmF0dXJl",
    "home user": "dwhitfield-ops",
}

LEAKY_LOG = f"""{DAY}T10:11:12.0000000Z ##[group]Run ./deploy.sh
{DAY}T10:11:13.0000000Z using AWS_ACCESS_KEY_ID={SECRETS["aws key id"]}
{DAY}T10:11:13.0000000Z Authorization: Bearer {SECRETS["jwt"]}
{DAY}T10:11:13.0000000Z -----BEGIN RSA PRIVATE KEY-----
{DAY}T10:11:13.0000000Z {SECRETS["pem body"]}Q2hhbmdlTWVQbGVhc2U0MjQyNDI0MjQyNDI0Mg
{DAY}T10:11:13.0000000Z -----END RSA PRIVATE KEY-----
{DAY}T10:11:14.0000000Z Traceback (most recent call last):
{DAY}T10:11:14.0000000Z   File "/home/{SECRETS["home user"]}/src/shop/deploy.py", line 12, in push
{DAY}T10:11:14.0000000Z     client.login(token="{SECRETS["github token"]}")
{DAY}T10:11:14.0000000Z PermissionError: login refused for {SECRETS["email"]}
"""

# Truncated right after a secret: the JSON decoder fails there, the reason must not quote it.
BROKEN_JSON = (
    '{"config": {"rootDir": "/home/'
    + SECRETS["home user"]
    + '/e2e"}, "suites": [{"title": "'
    + SECRETS["email"]
    + '", "specs": [{"title": "login '
    + SECRETS["github token"]
)


def _texts_in_sqlite(path: Path) -> list[str]:
    out: list[str] = []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
        for table in tables:
            for row in db.execute(f'select * from "{table}"'):
                for value in row:
                    if isinstance(value, bytes):
                        out.append(value.decode("utf-8", errors="replace"))
                    elif value is not None:
                        out.append(str(value))
    return out


def _leaks(folder: Path) -> list[str]:
    """``kind in file`` for every planted secret found; never the secret itself."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix in {".db", ".sqlite"}:
            texts = _texts_in_sqlite(path)
        else:
            texts = [path.read_bytes().decode("utf-8", errors="replace")]
        for kind, secret in SECRETS.items():
            if any(secret in text for text in texts):
                found.append(f"{kind} in {path.relative_to(folder)}")
    return found


@pytest.mark.slow
def test_no_planted_secret_reaches_dagster_records_or_any_output(tmp_path: Path) -> None:
    lay = Layout(tmp_path)
    ci_run(lay.root, "gha-8001", DAY, {
        "logs/deploy.log": LEAKY_LOG,
        "reports/junit.xml": junit(DAY),
        "playwright-report/results.json": BROKEN_JSON,
    })  # fmt: skip
    done = lay.run(D)
    assert done.returncode == 0, done.stdout.decode("utf-8", errors="replace")[-2000:]
    console = done.stdout.decode("utf-8", errors="replace") + done.stderr.decode(
        "utf-8", errors="replace"
    )
    assert [k for k, s in SECRETS.items() if s in console] == []

    sqlite_files = list(lay.home.rglob("*.db"))
    assert sqlite_files, "expected Dagster's SQLite event log under DAGSTER_HOME"
    for folder in (lay.home, lay.store, lay.reports, lay.cache):
        assert folder.is_dir()
        assert _leaks(folder) == [], folder.name

    # The parser raised on the broken JSON: it is quarantined with a reason quoting no text.
    report = json.loads((lay.reports / f"error-aggregates-{D}.json").read_text("utf-8"))
    (quarantined,) = report["quarantined"]
    assert quarantined["path"] == "ci/gha-8001/playwright-report/results.json"
    assert re.fullmatch(
        r"parse error: Playwright JSON: JSON (truncated|not well-formed)[^\"']*",
        quarantined["reason"],
    )
    # The leaky log was read, redacted and counted, not dropped.
    assert report["sources"]["formats"] == {"junit-xml": 1, "plain_log": 1}
