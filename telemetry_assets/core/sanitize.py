"""One collected artifact -> sanitized failures, or a quarantine entry with the reason.

Raw artifact text exists only inside :func:`sanitize_artifact`: it is decoded, sniffed, parsed
and every text field of every failure is redacted before anything leaves this function. The
function is top-level and takes only picklable arguments so a process pool can run it.

Fail closed: if decoding, parsing or redaction fails, or redaction exceeds its time budget, the
artifact is quarantined with a specific reason and none of its text is used. Reasons never
quote content (an exception's message can hold raw text, so only parser ``ParseError`` messages,
which are written not to, and exception class names are used).

The privacy gate: given a detector, the sanitized output (every failure's text as it will be
stored; passed test ids are stored as digests only) is scanned after redaction. A finding whose
digest the repository has not reviewed withholds the artifact: it is quarantined with the reason
``withheld: residual finding (<detector>, ...)`` and keeps only the findings' counts per
detector and their digests, none of its text. One suspicious file costs its own failures, not
the week's report.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import json
import os
import time
import zipfile
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from telemetry_assets.core.models import Failure, Frame, ParseError, ParseResult
from telemetry_assets.core.parsers.base import SNIFF_BYTES
from telemetry_assets.core.parsers.registry import parser_for
from telemetry_assets.core.privacy import scan_artifact_values, withheld_reason
from telemetry_assets.core.redaction.detector import ResidualPiiDetector
from telemetry_assets.core.redaction.redactor import Redactor

MAX_ARTIFACT_BYTES = 2 << 30
"""Bigger artifacts are quarantined unread: 2 GiB of logs is a runaway job, not a report."""
MAX_STRUCTURED_BYTES = 256 << 20
"""Structured reports (XML/JSON) are parsed whole; plain logs stream and have no such cap."""
MAX_DECOMPRESSED_BYTES = 512 << 20
"""A compressed artifact that expands past this is a zip bomb, not a report."""
MAX_ARCHIVE_MEMBERS = 2000
WHOLE_READ_BYTES = 1 << 20
"""Artifacts up to this size are read with one read, hashed from memory and decoded at once:
CI uploads tens of thousands of 1-10 KB reports, and opening each one three times (probe,
parse, re-hash) through layered stream objects cost as much as parsing it. Bigger ones stream."""
REDACTION_BUDGET_SECONDS = 120.0


@dataclass(slots=True)
class SanitizedArtifact:
    path: str
    run_id: str
    status: str = "ok"
    """``ok`` or ``quarantined`` (a withheld artifact is quarantined, see ``findings``)."""
    reason: str | None = None
    format: str | None = None
    failures: list[Failure] = field(default_factory=list)
    passed_test_ids: list[str] = field(default_factory=list)
    started_at: datetime | None = None
    redactions: Counter[str] = field(default_factory=Counter)
    """Per-rule counts over the whole artifact (failures and passed test ids)."""
    failure_redactions: list[dict[str, int]] = field(default_factory=list)
    """Per-rule counts of each failure, parallel to ``failures``."""
    bytes_read: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    """Unreviewed residual findings per detector; non-empty only on a withheld artifact."""
    finding_digests: list[str] = field(default_factory=list)
    """Their digests (never the text), for the audit request and the repository's review."""
    reviewed_findings: dict[str, int] = field(default_factory=dict)
    """Findings allowed because the repository policy lists their digest, per detector."""


class _Quarantine(Exception):
    """Internal: stop processing this artifact with the given reason."""


def _decoder_for(head: bytes) -> tuple[str, int]:
    """(codec, BOM length) from a byte-order mark; UTF-8 otherwise."""
    if head[:1] not in _BOM_FIRST and 0 not in head[:512]:
        return "utf-8", 0  # the usual head: no mark can start with its byte, no NUL to count
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return codec, len(bom)
    # UTF-16 without BOM: every other byte of ASCII text is NUL.
    sample = head[:512]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4 * 1.8:
        return "utf-16-le", 0
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4 * 1.8:
        return "utf-16-be", 0
    return "utf-8", 0


_BOM_FIRST = (b"\x00", b"\xef", b"\xfe", b"\xff")
"""First bytes of the byte-order marks :func:`_decoder_for` knows."""


def _looks_binary(head: bytes, codec: str) -> bool:
    if codec.startswith("utf-16") or codec.startswith("utf-32"):
        return False
    if b"\x00" in head:
        return True
    # Many control bytes (other than tab/newline/CR/ESC for ANSI colours) means not text.
    # Counted in C (delete every other byte): a Python loop per byte was a tenth of the time
    # spent on a small report.
    controls = len(head[:4096].translate(None, _NOT_CONTROL))
    return controls > max(8, len(head[:4096]) // 20)


_NOT_CONTROL = bytes(b for b in range(256) if not (b < 32 and b not in (9, 10, 12, 13, 27)))


_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"


def _is_archive(head: bytes) -> bool:
    """Whether content starting with ``head`` (4 bytes suffice) is gzip or zip."""
    return head[:2] == _GZIP_MAGIC or head[:4] == _ZIP_MAGIC


def _open_payloads(
    source: str | bytes,
) -> Iterator[tuple[str, io.BufferedIOBase | bytes]]:
    """The byte streams inside an artifact: itself, a gunzipped stream, or zip members.

    ``source`` is the artifact's path, or its whole content when it was read at once; an
    uncompressed artifact read at once is handed on as the bytes themselves."""
    if isinstance(source, bytes):
        magic = source[:4]
    else:
        with open(source, "rb") as probe:
            magic = probe.read(4)
    if magic[:2] == _GZIP_MAGIC:
        # Closed by the caller's ``with``; a generator cannot hold it open in its own.
        if isinstance(source, bytes):
            yield "", gzip.GzipFile(fileobj=io.BytesIO(source), mode="rb")
        else:
            yield "", gzip.open(source, "rb")  # noqa: SIM115
        return
    if magic == _ZIP_MAGIC:
        try:
            archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        except zipfile.BadZipFile as exc:
            raise _Quarantine("zip archive is corrupt") from exc
        with archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > MAX_ARCHIVE_MEMBERS:
                raise _Quarantine(f"zip archive has more than {MAX_ARCHIVE_MEMBERS} members")
            if sum(m.file_size for m in members) > MAX_DECOMPRESSED_BYTES:
                raise _Quarantine("zip archive expands past the decompression limit")
            for member in members:
                yield member.filename, archive.open(member)  # type: ignore[misc]
        return
    yield "", source if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115


class _LimitedReader(io.RawIOBase):
    """Raises once more than ``limit`` bytes were read (decompression bombs)."""

    def __init__(self, inner: io.BufferedIOBase, limit: int) -> None:
        self._inner = inner
        self._left = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        self._left -= len(data)
        if self._left < 0:
            raise _Quarantine("decompressed size exceeds the limit")
        buffer[: len(data)] = data
        return len(data)


def _parse_bytes(data: bytes, path: str) -> ParseResult:
    """:func:`_read_payload` for an artifact already in memory: the same decisions on the same
    head, then one decode of the whole text instead of a stream of buffered chunks (the
    incremental decoder gives the same text, replacement characters included)."""
    head_bytes = data[:SNIFF_BYTES]
    if not head_bytes:
        raise _Quarantine("empty file")
    codec, bom = _decoder_for(head_bytes)
    if _looks_binary(head_bytes, codec):
        raise _Quarantine("binary content")
    head = head_bytes[bom:].decode(codec, errors="replace")
    parser = parser_for(head, path)
    if parser is None:
        raise _Quarantine("no parser recognises the content")
    # Most reports fit in the head: then it is the whole text, decoded once.
    text = head if len(data) <= SNIFF_BYTES else data[bom:].decode(codec, errors="replace")
    if getattr(parser, "streams", False):
        # Lines split as the stream's reader splits them (universal newlines, kept as read).
        return parser.parse_lines(io.StringIO(text, newline=""), path)  # type: ignore[attr-defined]
    if len(text) > MAX_STRUCTURED_BYTES:
        raise _Quarantine(f"{parser.name} report larger than {MAX_STRUCTURED_BYTES >> 20} MiB")
    return parser.parse(text, path)


def _read_payload(stream: io.BufferedIOBase | bytes, path: str) -> tuple[ParseResult, int]:
    if isinstance(stream, bytes):
        return _parse_bytes(stream, path), len(stream)
    reader = io.BufferedReader(_LimitedReader(stream, MAX_DECOMPRESSED_BYTES), 1 << 20)
    head_bytes = reader.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    if not head_bytes:
        raise _Quarantine("empty file")
    codec, bom = _decoder_for(head_bytes)
    if _looks_binary(head_bytes, codec):
        raise _Quarantine("binary content")
    reader.read(bom)
    head = head_bytes[bom:].decode(codec, errors="replace")
    parser = parser_for(head, path)
    if parser is None:
        raise _Quarantine("no parser recognises the content")
    text_stream = io.TextIOWrapper(reader, encoding=codec, errors="replace", newline="")
    if getattr(parser, "streams", False):
        result = parser.parse_lines(text_stream, path)  # type: ignore[attr-defined]
    else:
        text = text_stream.read(MAX_STRUCTURED_BYTES + 1)
        if len(text) > MAX_STRUCTURED_BYTES:
            raise _Quarantine(f"{parser.name} report larger than {MAX_STRUCTURED_BYTES >> 20} MiB")
        result = parser.parse(text, path)
    return result, reader.tell() if reader.seekable() else 0


class _Memo:
    """Redactions this process has computed, by a digest of the text they were computed from.

    CI reports repeat themselves across artifacts and days: the same frame paths, exception
    types, test ids and, for a suite that passes, the same list of passed ids file after file.
    The redactor is pure, so its answer for a text can be reused: on 13,800 small reports, nine
    calls in ten repeated an earlier one, and redaction was a seventh of a worker's time. Keyed
    by digest so that no raw text outlives its artifact (the values are the redacted text, what
    is stored anyway); cleared when it holds too much.
    """

    __slots__ = ("chars", "entries", "redactor")

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.entries: dict[bytes, tuple[str, dict[str, int]]] = {}
        self.chars = 0

    def put(self, key: bytes, value: tuple[str, dict[str, int]]) -> None:
        size = len(value[0])
        if size > MEMO_CHARS // 16:
            return  # a huge text (a big suite's passed ids) would crowd out everything else
        if self.chars + size > MEMO_CHARS or len(self.entries) >= MEMO_ENTRIES:
            self.entries.clear()
            self.chars = 0
        self.chars += size
        self.entries[key] = value


MEMO_CHARS = 16 << 20
MEMO_ENTRIES = 1 << 17
"""What a worker keeps for reuse (:class:`_Memo`): 16 Mi redacted characters in at most 128 Ki
texts, a few tens of MB."""
_MEMO: _Memo | None = None


def _memo_for(redactor: Redactor) -> _Memo:
    """The memo of ``redactor``; a new one when called with another redactor (other rules)."""
    global _MEMO
    if _MEMO is None or _MEMO.redactor is not redactor:
        _MEMO = _Memo(redactor)
    return _MEMO


def _text_key(value: str) -> bytes:
    # SHA-256: collision-free for this purpose, and the fastest digest here (CPU instructions).
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


class _FieldRedactor:
    """Redacts every text field of a failure, reusing what this process redacted before."""

    def __init__(self, redactor: Redactor, deadline: float) -> None:
        self._redactor = redactor
        self._deadline = deadline
        self._memo = _memo_for(redactor)
        self.counts: Counter[str] = Counter()
        self._own: dict[str, int] = {}
        """Counts of the failure being redacted (:meth:`failure`)."""

    def _redact(self, value: str) -> tuple[str, dict[str, int]]:
        key = _text_key(value)
        cached = self._memo.entries.get(key)
        if cached is None:
            if time.monotonic() > self._deadline:
                raise _Quarantine("redaction exceeded its time budget")
            result = self._redactor.redact(value)
            cached = (result.text, dict(result.counts))
            self._memo.put(key, cached)
        return cached

    def text(self, value: str | None) -> str | None:
        if value is None or value == "":
            return value
        redacted, counts = self._redact(value)
        # Every replacement is audited, including repeats of a string seen before.
        if counts:
            self.counts.update(counts)
            own = self._own
            for rule, n in counts.items():
                own[rule] = own.get(rule, 0) + n
        return redacted

    def lines(self, values: Sequence[str]) -> list[str]:
        """Many one-line strings (passed test ids) redacted as one text, one per line.

        One redactor pass instead of one per id: reports with tens of thousands of passing
        tests spent most of their time in per-call overhead. Falls back to one call per value
        when a value spans lines or a rule changed the line count, so each value keeps its own
        redaction either way.
        """
        if not values:
            return []
        joined = "\n".join(values)
        # Exactly when some value holds a line break of its own.
        if "\r" in joined or joined.count("\n") != len(values) - 1:
            return [self.text(v) or "" for v in values]
        redacted, counts = self._redact(joined)
        if redacted == joined:
            # Nothing replaced (the usual ids): the values themselves are the lines, without
            # splitting out a new string for each.
            out = list(values)
        else:
            out = redacted.split("\n")
            if len(out) != len(values):
                return [self.text(v) or "" for v in values]
        if counts:
            self.counts.update(counts)
        return out

    def frame(self, frame: Frame) -> Frame:
        file = self.text(frame.file)
        function = self.text(frame.function)
        module = self.text(frame.module)
        if file == frame.file and function == frame.function and module == frame.module:
            return frame  # nothing redacted (the usual frame): frozen, so it can be shared
        return replace(frame, file=file, function=function, module=module)

    def failure(self, failure: Failure) -> tuple[Failure, dict[str, int]]:
        """The redacted failure and its own counts, keyed in the order of the artifact's."""
        own: dict[str, int] = {}
        self._own = own
        # In field order: the order rules first count in is the order the audit lists them.
        message = self.text(failure.message) or ""
        trace = self.text(failure.trace) or ""
        exception_type = self.text(failure.exception_type)
        test_id = self.text(failure.test_id)
        test_file = self.text(failure.test_file)
        frames = tuple(self.frame(f) for f in failure.frames)
        chained = tuple((self.text(t), self.text(m) or "") for t, m in failure.chained)
        redacted = failure  # frozen: shared as is when nothing was redacted (most failures)
        if (message, trace, exception_type, test_id, test_file, frames, chained) != (
            failure.message,
            failure.trace,
            failure.exception_type,
            failure.test_id,
            failure.test_file,
            failure.frames,
            failure.chained,
        ):
            redacted = replace(
                failure,
                message=message,
                trace=trace,
                exception_type=exception_type,
                test_id=test_id,
                test_file=test_file,
                frames=frames,
                chained=chained,
            )
        return redacted, {rule: own[rule] for rule in self.counts if rule in own} if own else {}


def _size_label(limit: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if limit >= 1 << shift:
            return f"{limit / (1 << shift):g} {unit}"
    return f"{limit} bytes"


def _changed(data: bytes, expected_sha256: str) -> bool:
    return hashlib.sha256(data).hexdigest() != expected_sha256


def _read_whole(path: str, size: int) -> bytes:
    """The file's bytes up to its end (however long it is by now), without a buffered file
    object: building one took longer than reading a small report."""
    fd = os.open(path, os.O_RDONLY | _OPEN_FLAGS)
    try:
        parts = []
        want = size + 1
        while block := os.read(fd, want):
            parts.append(block)
            want = 1 << 16
    finally:
        os.close(fd)
    return b"".join(parts)


_OPEN_FLAGS = getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def _sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def sanitize_artifact(
    root: str,
    rel_path: str,
    run_id: str,
    redactor: Redactor,
    budget_seconds: float = REDACTION_BUDGET_SECONDS,
    expected_sha256: str | None = None,
    detector: ResidualPiiDetector | None = None,
    reviewed: Collection[str] = frozenset(),
) -> SanitizedArtifact:
    """Parse and redact one artifact; never raises for bad content (quarantines instead).

    With ``expected_sha256`` (the manifest's hash), the file is hashed again once it has been
    read: if the content differs, what was parsed is not what the manifest recorded (a job
    still writing, a file replaced) and the artifact is quarantined as "changed while being
    read" rather than attributed to the recorded hash. The next materialization re-hashes it.

    With ``detector``, the sanitized output passes the privacy gate (module docstring);
    ``reviewed`` holds the finding digests the repository policy marks as harmless.
    """
    out = SanitizedArtifact(path=rel_path, run_id=run_id)
    # Plain strings and ``os`` calls: ``pathlib`` objects cost a tenth of a small report's time.
    path = os.path.join(root, rel_path)
    try:
        size = os.lstat(path).st_size
        if size > MAX_ARTIFACT_BYTES:
            raise _Quarantine(f"larger than {_size_label(MAX_ARTIFACT_BYTES)}")
        fields = _FieldRedactor(redactor, time.monotonic() + budget_seconds)
        formats: list[str] = []
        source: str | bytes = path
        if size <= WHOLE_READ_BYTES:
            source = _read_whole(path, size)
            # Hashed from memory: what is parsed below is exactly what was checked.
            if expected_sha256 is not None and _changed(source, expected_sha256):
                raise _Quarantine("changed while being read")
        if isinstance(source, bytes) and not _is_archive(source):
            # The usual small report: itself its one payload (what :func:`_open_payloads`
            # would yield, without the generator).
            payloads: Iterable[tuple[str, io.BufferedIOBase | bytes]] = (("", source),)
        else:
            payloads = _open_payloads(source)
        for member, stream in payloads:
            label = f"{rel_path}!{member}" if member else rel_path
            if isinstance(stream, bytes):
                result = _parse_bytes(stream, label)
            else:
                with stream:
                    result, _ = _read_payload(stream, label)
            formats.append(result.format)
            for failure in result.failures:
                redacted, counts = fields.failure(failure)
                out.failures.append(redacted)
                out.failure_redactions.append(counts)
            if result.passed_test_ids:
                out.passed_test_ids.extend(fields.lines(result.passed_test_ids))
            if out.started_at is None:
                out.started_at = result.started_at
        if (
            expected_sha256 is not None
            and not isinstance(source, bytes)
            and _sha256_of(path) != expected_sha256
        ):
            raise _Quarantine("changed while being read")
        out.format = "+".join(sorted(set(formats))) or None
        out.redactions = fields.counts
        out.bytes_read = size
        # Without failures nothing is stored as text: the gate would scan no value.
        if detector is not None and out.failures:
            found = scan_artifact_values(detector, stored_values(out), reviewed)
            if found.withholds:
                return _withheld(out, found.withheld, found.digests)
            out.reviewed_findings = found.reviewed
    except _Quarantine as exc:
        return _quarantined(out, str(exc))
    except ParseError as exc:
        return _quarantined(out, f"parse error: {exc}")
    except (OSError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile) as exc:
        return _quarantined(out, f"unreadable: {type(exc).__name__}")
    except RecursionError:
        return _quarantined(out, "nesting too deep to parse")
    except Exception as exc:
        return _quarantined(out, f"internal error while processing: {type(exc).__name__}")
    return out


def _quarantined(out: SanitizedArtifact, reason: str) -> SanitizedArtifact:
    return SanitizedArtifact(
        path=out.path, run_id=out.run_id, status="quarantined", reason=reason, format=out.format
    )


def _withheld(
    out: SanitizedArtifact, findings: dict[str, int], digests: tuple[str, ...]
) -> SanitizedArtifact:
    """Quarantined by the privacy gate: counts and digests only, none of the artifact's text."""
    held = _quarantined(out, withheld_reason(findings))
    held.findings = dict(findings)
    held.finding_digests = list(digests)
    held.bytes_read = out.bytes_read
    return held


def stored_values(item: SanitizedArtifact) -> Iterator[str]:
    """Every text value of a sanitized artifact as it will be stored (frames and chained
    exceptions as their JSON cells): what the privacy gate scans. Passed test ids are not
    among them: only their digests are stored (``batch.passed_id_digests``)."""
    for failure in item.failures:
        for _, value in _stored_cells(failure):
            yield value


def stored_fields(item: SanitizedArtifact) -> Iterator[tuple[str, str]]:
    """:func:`stored_values` in the same order with each value's field (``failure 2 trace``;
    1-based): what ``telemetry-sanitize --explain`` names findings by."""
    for n, failure in enumerate(item.failures, 1):
        for name, value in _stored_cells(failure):
            yield f"failure {n} {name}", value


def _stored_cells(failure: Failure) -> Iterator[tuple[str, str]]:
    """A failure's stored text values with their field names. The names are constants, put in
    a place's label only by :func:`stored_fields`: the gate and the batch's digests read every
    value, and a label per value cost a string each."""
    yield "message", failure.message
    yield "trace", failure.trace
    if failure.exception_type:
        yield "exception type", failure.exception_type
    if failure.test_id:
        yield "test id", failure.test_id
    if failure.test_file:
        yield "test file", failure.test_file
    if failure.frames:
        yield "frames", frames_to_json(failure.frames)
    if failure.chained:
        yield "chained exceptions", chained_to_json(failure.chained)


# --- table rows -------------------------------------------------------------------------------


def frame_rows(frames: tuple[Frame, ...]) -> list[list[object]]:
    """Frames as positional rows (the order of :class:`Frame`'s fields): compact in JSON."""
    return [[f.file, f.function, f.line, f.column, f.module, f.in_app] for f in frames]


def frames_from_rows(rows: list[list[object]]) -> tuple[Frame, ...]:
    return tuple(Frame(*row) for row in rows)  # type: ignore[arg-type]


COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))
"""``json.dumps`` with separators builds a new encoder per call: a third of encoding a cell."""


def frames_to_json(frames: tuple[Frame, ...]) -> str:
    return COMPACT_JSON.encode(frame_rows(frames)) if frames else "[]"


def frames_from_json(text: str) -> tuple[Frame, ...]:
    return frames_from_rows(json.loads(text or "[]"))


def chained_to_json(chained: tuple[tuple[str | None, str], ...]) -> str:
    return COMPACT_JSON.encode([list(c) for c in chained]) if chained else "[]"


def chained_from_json(text: str) -> tuple[tuple[str | None, str], ...]:
    return tuple((t, m) for t, m in json.loads(text or "[]"))


def failure_to_dict(failure: Failure) -> dict[str, object]:
    """A JSON-ready form of a (sanitized) failure, for the cache."""
    return {
        "source_format": failure.source_format,
        "message": failure.message,
        "trace": failure.trace,
        "exception_type": failure.exception_type,
        "frames": frame_rows(failure.frames),
        "test_id": failure.test_id,
        "test_file": failure.test_file,
        "kind": failure.kind,
        "language": failure.language,
        "occurred_at": failure.occurred_at.isoformat() if failure.occurred_at else None,
        "flaky": failure.flaky,
        "chained": [list(c) for c in failure.chained],
    }


def failure_from_dict(data: dict[str, object]) -> Failure:
    occurred = data.get("occurred_at")
    return Failure(
        source_format=str(data["source_format"]),
        message=str(data["message"]),
        trace=str(data["trace"]),
        exception_type=data.get("exception_type"),  # type: ignore[arg-type]
        frames=frames_from_rows(data.get("frames") or []),  # type: ignore[arg-type]
        test_id=data.get("test_id"),  # type: ignore[arg-type]
        test_file=data.get("test_file"),  # type: ignore[arg-type]
        kind=data.get("kind", "failure"),  # type: ignore[arg-type]
        language=data.get("language"),  # type: ignore[arg-type]
        occurred_at=datetime.fromisoformat(occurred) if isinstance(occurred, str) else None,
        flaky=bool(data.get("flaky")),
        chained=tuple((t, m) for t, m in data.get("chained") or []),  # type: ignore[attr-defined]
    )
