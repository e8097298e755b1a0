"""Value types shared by the pure core.

Internal values are frozen dataclasses (cheap to build by the hundred thousand); pydantic models
sit at the boundaries only (``run.json`` in :mod:`manifest`, the JSON report in :mod:`report`).
Nothing here imports Dagster, touches the filesystem or holds raw, unredacted text once a value
has left :mod:`sanitize`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

JobType = Literal["unit", "visual", "smoke", "agent", "coverage", "flaky", "e2e"]
JOB_TYPES: tuple[str, ...] = ("unit", "visual", "smoke", "agent", "coverage", "flaky", "e2e")

FailureKind = Literal["failure", "error", "crash", "build", "log"]
"""``failure``: an assertion failed; ``error``: the test errored (JUnit ``<error>``);
``crash``: a panic / uncaught exception outside a test; ``build``: compile or setup failure;
``log``: an error line found in a plain log with no structure around it."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One stack frame as the format wrote it (before normalisation)."""

    file: str | None = None
    function: str | None = None
    line: int | None = None
    column: int | None = None
    module: str | None = None
    in_app: bool | None = None
    """``None`` lets the fingerprinter decide from the path (site-packages, node_modules, ...)."""


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed or errored test, or one crash, as a parser found it.

    ``frames`` are ordered outermost call first, innermost (where it was raised) last, the
    way Python prints them; parsers of formats that print innermost first (Java, Node, Go)
    reverse them so every consumer sees one order.
    """

    source_format: str
    message: str
    trace: str
    """The failure's text as shown to a human: exception line(s) plus stack, no unrelated log."""
    exception_type: str | None = None
    frames: tuple[Frame, ...] = ()
    test_id: str | None = None
    """Stable test identity, e.g. ``tests/test_api.py::TestClient::test_retry`` or
    ``com.acme.FooTest.testBar`` or ``pkg/path.TestName/sub``."""
    test_file: str | None = None
    kind: FailureKind = "failure"
    language: str | None = None
    """``python``, ``java``, ``javascript``, ``go``, ``rust``, ``csharp``, ``swift``, ``dart``,
    ``php``, ``cpp``, ``ruby``, ``elixir``, or ``None`` when unknown."""
    occurred_at: datetime | None = None
    """Timezone-aware UTC when the format carries a timestamp, else ``None``."""
    flaky: bool = False
    """The same test failed and then passed on a retry within this artifact."""
    chained: tuple[tuple[str | None, str], ...] = ()
    """Other exceptions in a chain (``Caused by:``, ``The above exception ...``) as
    ``(exception_type, message)``, outermost first; the primary one is not repeated here."""


@dataclass(frozen=True, slots=True)
class ParseResult:
    """Everything one parser found in one artifact."""

    format: str
    failures: tuple[Failure, ...] = ()
    passed_test_ids: tuple[str, ...] = ()
    """Tests that passed in this artifact (flaky detection across the window)."""
    started_at: datetime | None = None
    """A timestamp the artifact itself carries (JUnit ``timestamp``, first log prefix)."""
    notes: tuple[str, ...] = ()
    """Human-readable remarks (e.g. ``"2 suites had no testcases"``), never raw content."""


class ParseError(Exception):
    """The artifact cannot be read as the format it claimed to be.

    The message must describe the problem (``"XML not well-formed at line 3"``) and must never
    quote content from the artifact: it ends up in the manifest and in Dagster's event log.
    """


@dataclass(frozen=True, slots=True)
class RedactionCounts:
    """Per-rule match counts; the only trace a redaction leaves behind."""

    counts: tuple[tuple[str, int], ...] = ()

    @staticmethod
    def of(mapping: dict[str, int]) -> RedactionCounts:
        return RedactionCounts(tuple(sorted((k, v) for k, v in mapping.items() if v)))

    def as_dict(self) -> dict[str, int]:
        return dict(self.counts)

    @property
    def total(self) -> int:
        return sum(v for _, v in self.counts)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A versioned fingerprint and the explanation of what went into it."""

    value: str
    """``sha256-<64 hex>``."""
    version: str
    strategy: str
    """Which strategy decided: ``frames``, ``message`` or ``test``."""
    components: tuple[tuple[str, str], ...]
    """The hashed inputs in order, as ``(name, value)``; printing them explains the grouping."""
    normalised_trace: str
    """Sanitized trace with line numbers, ids and path prefixes normalised, for display."""


@dataclass(frozen=True, slots=True)
class GroupStats:
    """What triage needs to know about one group (one fingerprint) for report date D."""

    fingerprint: str
    count: int
    """Occurrences in the report week D-6..D."""
    count_baseline: int
    """Occurrences in the baseline week D-13..D-7."""
    first_seen: datetime
    last_seen: datetime
    job_types: tuple[str, ...]
    branches: tuple[str, ...]
    sample_trace: str
    exception_type: str | None = None
    message: str = ""
    test_ids: tuple[str, ...] = ()
    sample_run_ids: tuple[str, ...] = ()
    top_frame_file: str | None = None
    """Normalised, repository-relative path of the innermost in-app frame, if any."""
    top_frame_function: str | None = None
    daily_counts: tuple[int, ...] = ()
    """Occurrences per day over the 14 days D-13..D, oldest first."""
    flaky: bool = False
    """Likely flaky: failed then passed on a retry, or the same test passed elsewhere in the
    window."""
    redactions: tuple[tuple[str, int], ...] = ()
    flaky_count: int = 0
    """Report-week occurrences that failed and then passed on a retry in the same run."""
    message_variants: tuple[tuple[str, int], ...] = ()
    """Report-week (else window) occurrences per parameterised message, most frequent first."""
    grouping_rule: str | None = None
    """The repository grouping rule that shaped this group's fingerprint, if one did."""
    first_seen_ever_in_window: bool = False
    """No occurrence before the report week within the 14-day window (a new group)."""
    regressed: bool = False
    """Seen in the report week, absent in the baseline week, but seen earlier (before D-13)
    or marked by the occurrence history as having gone quiet."""
    keywords: tuple[str, ...] = field(default_factory=tuple)
    """Lower-case words from frames and message used by triage (e.g. ``auth``, ``crypto``)."""
