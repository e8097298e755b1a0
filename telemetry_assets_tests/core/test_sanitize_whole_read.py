"""A small artifact read at once gives exactly what the streamed read gives.

Artifacts up to ``WHOLE_READ_BYTES`` are read with one read, hashed from memory and decoded in
one step; bigger ones stream through buffered readers. Each case writes one artifact in a real
shape (encodings, line ends, compression, archives, broken content) and runs it both ways: the
sanitized result (status, reason, format, failures, passed ids, redaction counts) is the same,
and a file that no longer matches the manifest's hash is quarantined either way.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from telemetry_assets.core import sanitize
from telemetry_assets.core.redaction.redactor import Redactor
from telemetry_assets.core.sanitize import SanitizedArtifact, failure_to_dict, sanitize_artifact

INPUTS = Path(__file__).resolve().parents[1] / "inputs"
PYTEST_LOG = (INPUTS / "plain_log" / "gha-pytest-two-failures-chained.log").read_bytes()
MAVEN_LOG = (INPUTS / "plain_log" / "maven-surefire-caused-by.log").read_bytes()
SUREFIRE = (INPUTS / "junit" / "surefire-caused-by.xml").read_bytes()
TRUNCATED_XML = (INPUTS / "junit" / "truncated.xml").read_bytes()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _utf16(data: bytes, codec: str, bom: bytes = b"") -> bytes:
    return bom + data.decode("utf-8").encode(codec)


CASES: list[tuple[str, str, Callable[[], bytes]]] = [
    ("GitHub Actions pytest log", "job.log", lambda: PYTEST_LOG),
    ("Surefire XML report", "TEST-com.acme.CartTest.xml", lambda: SUREFIRE),
    ("UTF-8 byte-order mark", "TEST-bom.xml", lambda: b"\xef\xbb\xbf" + SUREFIRE),
    ("CRLF line ends", "windows.log", lambda: MAVEN_LOG.replace(b"\n", b"\r\n")),
    ("lone CR line ends", "classic-mac.log", lambda: PYTEST_LOG.replace(b"\n", b"\r")),
    (
        "UTF-16 with byte-order mark",
        "vstest.log",
        lambda: _utf16(MAVEN_LOG, "utf-16-le", b"\xff\xfe"),
    ),
    ("UTF-16 big-endian without mark", "powershell.log", lambda: _utf16(MAVEN_LOG, "utf-16-be")),
    (
        "UTF-16 cut after an odd byte",
        "cut.log",
        lambda: _utf16(MAVEN_LOG, "utf-16-le", b"\xff\xfe") + b"A",
    ),
    (
        "invalid UTF-8 in the middle and at the end",
        "mojibake.log",
        lambda: PYTEST_LOG[:120] + b"\xff\xfe\xc3" + PYTEST_LOG[120:] + b"\xe2\x82",
    ),
    ("gzip-compressed log", "job.log.gz", lambda: gzip.compress(PYTEST_LOG)),
    (
        "zip of reports and logs",
        "test-results.zip",
        lambda: _zip({"TEST-Cart.xml": SUREFIRE, "logs/build.log": MAVEN_LOG}),
    ),
    ("truncated XML report", "TEST-truncated.xml", lambda: TRUNCATED_XML),
    ("empty file", "empty.log", lambda: b""),
    ("binary content", "core.dump", lambda: bytes(range(256)) * 8),
    ("truncated gzip stream", "cut.log.gz", lambda: gzip.compress(PYTEST_LOG)[:60]),
]


def _summary(item: SanitizedArtifact) -> tuple[object, ...]:
    return (
        item.status,
        item.reason,
        item.format,
        [failure_to_dict(f) for f in item.failures],
        item.passed_test_ids,
        dict(item.redactions),
        item.failure_redactions,
        item.started_at,
        item.bytes_read,
    )


@pytest.mark.parametrize(("name", "rel", "content"), CASES, ids=[c[0] for c in CASES])
def test_whole_read_equals_streamed_read(
    name: str,
    rel: str,
    content: Callable[[], bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = content()
    (tmp_path / rel).write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    redactor = Redactor()
    assert len(data) <= sanitize.WHOLE_READ_BYTES
    whole = sanitize_artifact(
        str(tmp_path), rel, "gha-9912345678", redactor, expected_sha256=digest
    )
    monkeypatch.setattr(sanitize, "WHOLE_READ_BYTES", -1)
    streamed = sanitize_artifact(
        str(tmp_path), rel, "gha-9912345678", redactor, expected_sha256=digest
    )
    assert _summary(whole) == _summary(streamed)


@pytest.mark.parametrize(
    "whole_read_bytes", [sanitize.WHOLE_READ_BYTES, -1], ids=["whole", "streamed"]
)
def test_content_that_differs_from_the_manifest_hash_is_quarantined(
    whole_read_bytes: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pytest-live.log").write_bytes(PYTEST_LOG + PYTEST_LOG)
    monkeypatch.setattr(sanitize, "WHOLE_READ_BYTES", whole_read_bytes)
    item = sanitize_artifact(
        str(tmp_path),
        "pytest-live.log",
        "gha-9912345678",
        Redactor(),
        expected_sha256=hashlib.sha256(PYTEST_LOG).hexdigest(),
    )
    assert (item.status, item.reason, item.failures) == (
        "quarantined",
        "changed while being read",
        [],
    )
