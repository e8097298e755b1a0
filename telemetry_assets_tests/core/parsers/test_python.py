"""Specification of Python console output read by the plain-log parser: pytest reports (plugins'
reasons in words, report fragments without a header, a plugin item's own report counted once),
tracebacks whose message ends where the next log record (a bracketed tag) starts,
loguru/better-exceptions tracebacks (``>`` catch-point frames, exception groups inside a chain),
a ``SyntaxError`` printed without a ``Traceback`` header, and library frames marked not in-app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from telemetry_assets.core.models import Failure
from telemetry_assets.core.parsers import plain_log
from telemetry_assets_tests.core.parsers._console_helpers import exact_failure_rate

LOGS = Path(__file__).resolve().parents[2] / "inputs" / "plain_log" / "python"


def _parse_file(name: str) -> tuple[Failure, ...]:
    return plain_log.parse((LOGS / name).read_text(), name).failures


# (name, fixture, expected per failure in order). "frames" lists (file, function, in_app)
# outermost first; "chained" the (type, message) pairs of the chain.
FIXTURES: list[tuple[str, str, list[dict[str, Any]]]] = [
    (
        "xdist crashed workers: reason in words, the test function as the frame, node ids merged",
        "pytest-xdist-crashed-workers.log",
        [
            {
                "test_id": "tests/storage/test_mmap.py::test_mmap_reader[large-4k]",
                "test_file": "tests/storage/test_mmap.py",
                "exception_type": None,
                "message": "running the test CRASHED with signal 11",
                "frames": [
                    (
                        "/home/runner/work/shop/shop/tests/storage/test_mmap.py",
                        "test_mmap_reader",
                        None,
                    )
                ],
            },
            {
                "test_id": "tests/storage/test_mmap.py::test_mmap_reader[large-64k]",
                "message": "running the test CRASHED with signal 11",
            },
            {
                "test_id": "tests/storage/test_journal.py::test_journal_replay",
                "test_file": "tests/storage/test_journal.py",
                "exception_type": "AssertionError",
                "message": (
                    "assert [] == [b'order:42']\n  Right contains one more item: b'order:42'"
                ),
                "frames": [("tests/storage/test_journal.py", "test_journal_replay", None)],
            },
        ],
    ),
    (
        "a pytest report fragment without its section header is one failure",
        "pytest-report-fragment.txt",
        [
            {
                "test_id": None,
                "exception_type": "AssertionError",
                "message_starts": "Calls not found.\nExpected: [call(0.5), call(1.0), call(2.0)]",
                "frames": [("tests/http/test_retry.py", "test_retries_then_gives_up", None)],
            }
        ],
    ),
    (
        "a SyntaxError printed without a Traceback header",
        "syntax-error-no-traceback.log",
        [
            {
                "kind": "crash",
                "exception_type": "SyntaxError",
                "message": "closing parenthesis ']' does not match opening parenthesis '('",
                "frames": [("/home/runner/work/shop/shop/scripts/seed_db.py", None, None)],
                "no_text": ("Process completed",),
            }
        ],
    ),
    (
        "loguru: the > catch-point frame, annotations, library frames; a group inside a chain",
        "loguru-caught-chain-and-group.log",
        [
            {
                "exception_type": "shop.errors.SyncError",
                "message": "page 3 unreadable",
                "chained": (
                    (
                        "requests.exceptions.JSONDecodeError",
                        "Expecting value: line 1 column 1 (char 0)",
                    ),
                ),
                "frames": [
                    # a script's top level is how it was launched, not where the bug is
                    ("/home/app/shop/cli.py", "<module>", False),
                    ("/home/app/shop/sync.py", "run", None),
                    ("/home/app/shop/sync.py", "pages", None),
                ],
            },
            {
                "exception_type": "shop.errors.ReportError",
                "message": "settlement report incomplete",
                "chained": (
                    ("ExceptionGroup", "settlement failed (2 sub-exceptions)"),
                    ("shop.errors.LedgerError", "account 17 is frozen"),
                    ("shop.errors.LedgerError", "account 23 is frozen"),
                ),
                "frames": [
                    ("/home/app/shop/batch.py", "settle", None),
                    ("/home/app/shop/batch.py", "report", None),
                ],
            },
        ],
    ),
    (
        "an agent's tagged record after a chained traceback ends its message",
        "agent-chained-traceback-then-tagged-record.log",
        [
            {
                "test_id": None,
                "kind": "crash",
                "exception_type": "app.errors.ConfigError",
                "message": "tenant missing for region eu-west-1",
                "chained": (("KeyError", "'tenant_id'"),),
                "frames": [("/home/runner/work/poly/poly/app/cli.py", "sync", None)],
                "no_text": ("[agent]", "giving up"),
            }
        ],
    ),
    (
        "a plugin item's own report and its summary line are one failure",
        "pytest-plugin-item-report.log",
        [
            {
                "test_id": "specs/test_coupons.yaml::apply_coupon",
                "test_file": "specs/test_coupons.yaml",
                "message_starts": "usecase execution failed\n   spec failed: 'discount'",
                "frames": [],
            }
        ],
    ),
]


@pytest.mark.parametrize(("name", "fixture", "expected"), FIXTURES, ids=[c[0] for c in FIXTURES])
def test_fixture_failures(name: str, fixture: str, expected: list[dict[str, Any]]) -> None:
    failures = _parse_file(fixture)
    assert len(failures) == len(expected)
    for failure, want in zip(failures, expected, strict=True):
        assert failure.language == "python"
        for key in ("test_id", "test_file", "exception_type", "message", "kind", "chained"):
            if key in want:
                assert getattr(failure, key) == want[key], key
        if "message_starts" in want:
            assert failure.message.startswith(want["message_starts"])
        if "frames" in want:
            assert [(f.file, f.function, f.in_app) for f in failure.frames] == want["frames"]
        for text in want.get("no_text", ()):
            assert text not in failure.trace


# (name, log text, expected): one behaviour each.
CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "installed packages and the standard library are not in-app",
        "Traceback (most recent call last):\n"
        '  File "/srv/app/jobs/export.py", line 12, in run\n    rows = fetch()\n'
        '  File "/srv/app/.venv/lib/python3.12/site-packages/httpx/_client.py", line 1054, in get\n'
        "    return self.request()\n"
        '  File "/usr/lib/python3.12/socket.py", line 963, in getaddrinfo\n    for res in x:\n'
        "socket.gaierror: [Errno -2] Name or service not known\n",
        {"count": 1, "in_app": [None, False, False]},
    ),
    (
        "a lone module-level frame stays in-app",
        'Traceback (most recent call last):\n  File "/srv/app/manage.py", line 3, in <module>\n'
        "    import shop\nModuleNotFoundError: No module named 'shop'\n",
        {"count": 1, "in_app": [None]},
    ),
    (
        "a File line that is not a compile error is not a failure",
        '  File "/srv/app/shop/models.py", line 40\n    price = 1\nsomething else\n',
        {"count": 0},
    ),
    (
        "an E line without pytest's > marker above it is not a report",
        "E   some log line that starts with E\nsrc/x.py:3: Error\n",
        {"count": 0},
    ),
    (
        "a bracketed record tag ends the exception message",
        "Traceback (most recent call last):\n"
        '  File "/srv/app/jobs/sync.py", line 12, in run\n    raise SyncError("page 3")\n'
        "jobs.errors.SyncError: page 3\n[worker-2] retrying in 30s\n",
        {"count": 1, "message": "page 3"},
    ),
    (
        "a message line that opens with data in brackets still belongs to it",
        "Traceback (most recent call last):\n"
        '  File "/srv/app/jobs/sync.py", line 12, in run\n    check(rows)\n'
        "ValueError: rows differ:\n[1, 2, 3] != [1, 2, 4]\n",
        {"count": 1, "message": "rows differ:\n[1, 2, 3] != [1, 2, 4]"},
    ),
    (
        "IndentationError without a header",
        '  File "/srv/app/shop/views.py", line 8\n    return x\n'
        "IndentationError: unexpected indent\n",
        {"count": 1, "exception_type": "IndentationError"},
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_python_text(name: str, text: str, expected: dict[str, Any]) -> None:
    failures = [f for f in plain_log.parse(text, "job.log").failures if f.kind != "log"]
    assert len(failures) == expected["count"]
    if not failures:
        return
    failure = failures[0]
    if "exception_type" in expected:
        assert failure.exception_type == expected["exception_type"]
    if "in_app" in expected:
        assert [f.in_app for f in failure.frames] == expected["in_app"]
    if "message" in expected:
        assert failure.message == expected["message"]


def test_console_corpus_python_failures_are_exact() -> None:
    """At least 95% of the real Python console outputs give exactly the expected failures."""
    rate, misses = exact_failure_rate("Python")
    assert rate >= 0.95, misses
