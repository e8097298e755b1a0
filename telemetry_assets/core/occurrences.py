"""Sanitized failures -> occurrences: one fingerprinted row per failure inside the window.

Rows dated after the report date or before the 14-day window are dropped here whatever the
manifest decided, so no code path can let them count toward D. ``flaky`` is true only when the
test failed and then passed on a retry in the same run; ``likely_flaky`` adds "the same test id
passed somewhere in the window". The repository's grouping rules (its policy) are applied here,
where every failure is fingerprinted. ``top_frame_file`` is the innermost in-app frame as a
repository path where the frame says more than its file: a JVM class's package path
(``com/acme/billing/TokenView.java``) or a Python dotted module.

One failure is one occurrence per run, however many artifacts of the run tell it: CI jobs keep
the console log beside the structured report of the same tests (``dotnet test`` and its TRX,
Maven's console and the Surefire XML, pytest and its JUnit XML, Jest and ``--json``). Before
fingerprinting, :func:`fold_console_copies` drops, within each run, a console failure
(:data:`CONSOLE_FORMATS`) that restates a failure a structured report of the same run holds (the
same test after :func:`comparable_test_id`, or, for a console failure without a test id, the same
exception type raised inside that test) and a console line without a trace that only says tests
failed (:data:`TESTS_FAILED_LINE`) when the run has structured failures. The structured row that
absorbed them counts them in ``console_copies_folded``. A crash outside any test and a build
failure are never restatements. Only rows of the same run are compared, so purging or opting out
a run changes no other run's rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import pandas as pd

from telemetry_assets.core.cells import text, texts
from telemetry_assets.core.fingerprint.fingerprint import (
    FINGERPRINT_VERSION,
    GroupingRule,
    fingerprint,
    grouping_rule_of,
    message_variant,
)
from telemetry_assets.core.fingerprint.memory import DerivedMemory, key_digest
from telemetry_assets.core.fingerprint.normalise import (
    is_in_app,
    normalise_exception_type,
    normalise_frame,
)
from telemetry_assets.core.grouping import (
    OCCURRENCE_COLUMNS,
    empty_occurrences,
    instants,
    records,
)
from telemetry_assets.core.models import Failure, Fingerprint, Frame
from telemetry_assets.core.sanitize import chained_from_json, frames_from_json
from telemetry_assets.core.window import ReportWindow, utc_day

PARQUET_COLUMNS: tuple[str, ...] = (
    "artifact", "run_id", "provider", "job_type", "branch", "occurred_at", "fingerprint",
    "fingerprint_version", "source_format", "kind", "exception_type", "test_id", "flaky",
    "likely_flaky",
)  # fmt: skip
"""The columns of ``occurrences-D.parquet``: the contract's five plus what helps slicing."""


def passed_ids(artifacts: pd.DataFrame) -> set[str]:
    """Every passed test id the artifacts table lists (only ids that fail somewhere)."""
    ids: set[str] = set()
    column = artifacts.get("passed_test_ids", pd.Series(dtype=object))
    # Distinct cells only: tens of thousands of artifacts, nearly all of them ``[]``.
    for value in column.dropna().unique().tolist():
        if value and value != "[]":
            ids.update(json.loads(value))
    return ids


def _top_in_app(frames: tuple[Frame, ...]) -> Frame | None:
    for frame in reversed(frames):  # innermost last
        if is_in_app(frame):
            return normalise_frame(frame)
    return None


_JVM_SOURCE = (".java", ".kt", ".kts", ".scala", ".groovy")


def repository_path(frame: Frame) -> str | None:
    """Where a normalised frame's code lives, as precisely as the frame says.

    JVM frames name a bare file (``TokenView.java``) and a class (``com.acme.billing.TokenView``
    or ``...TokenView$Inner``): the package gives the directories. A Python frame with a dotted
    module and no file gives ``acme/billing/tokens.py``. Anything else keeps its file.
    """
    file = frame.file or ""
    module = frame.module or ""
    if (
        module
        and "." in module
        and (file.endswith(_JVM_SOURCE) or (not file and "/" not in module))
    ):
        package, _, cls = module.rpartition(".")
        if file.endswith(_JVM_SOURCE):
            name = file.rsplit("/", 1)[-1]
        elif cls[:1].isupper():
            name = cls.split("$", 1)[0] + ".java"
        else:
            return module.replace(".", "/") + ".py"
        if package and "/" not in file:
            return package.replace(".", "/") + "/" + name
    return file or None


# --- one failure, one occurrence per run ---------------------------------------------------

STRUCTURED_FORMATS: frozenset[str] = frozenset(
    {"junit-xml", "dotnet-xml", "jest-json", "mocha-json", "playwright-json", "go-test-json"}
)
"""Reports written by the test tool itself: each test once, with its id. They win over the
console copy of the same failure because their ids, types and traces are the tool's own."""

CONSOLE_FORMATS: frozenset[str] = frozenset({"plain_log", "go-test-text", "teamcity"})
"""What a job prints: the plain-log parser's languages, ``go test -v`` and TeamCity service
messages (also printed to the console). A format in neither set is never folded."""

TESTS_FAILED_LINE = re.compile(
    r"""
      There\ are\ test\ failures             # Maven Surefire/Failsafe: "Failed to execute goal"
    | There\ were\ failing\ tests            # Gradle: "Execution failed for task ':test'"
    | \btests?\ (?:run\ )?failed\b(?!\ to)   # npm "Test failed.", cargo "error: test failed",
                                             # "Test run failed"; not "tests failed to start"
    | \bsome\ tests\ failed\b
    | \bexit(?:ed)?\ (?:with\ )?(?:exit\ )?code\ 1\b   # "Process completed with exit code 1"
    | ^Failed!\s+-\s+Failed:                 # dotnet test's summary line
    """,
    re.VERBOSE | re.IGNORECASE,
)
"""A console error line that only reports that tests failed: a consequence of the failures the
structured report holds, not a failure of its own. Deliberately not matched: ``BUILD FAILURE``
or ``Execution failed for task ':compileJava'`` alone (a build can fail before any test runs),
and exit codes other than 1 (pytest's 2 is an interrupted run, make's 2 a failed recipe)."""

_TITLE_SEPARATOR = re.compile(r"\s*[›»]\s*|\s+>\s+|::")
"""Jest/Vitest ``A › b``, our JSON ids ``file > A > b``, pytest node ids ``file::Class::test``.
A bare ``>`` only between spaces, so generics (``List<T>``) and arrows stay inside names."""

_TRAILING_PARAMETERS = re.compile(
    r"""(?:\s*\[[^\[\]]*\])+$                                  # pytest [eu-1], Gradle [1]
    | \((?:\s*[A-Za-z_][\w.$<>]*(?:\[\])?\s*(?:,\s*[A-Za-z_][\w.$<>]*(?:\[\])?\s*)*)?\)
      (?:\[[^\[\]]*\])?$                                       # JUnit 5 (String, int)[2], ()
    """,
    re.VERBOSE,
)
"""Parametrisation that one artifact prints and another omits. Not values in parentheses
(``exit(0)`` and ``exit(1)`` are two tests) nor brackets inside a title."""

_POSITION = re.compile(r"(?::(?:\d+|LINE))+$")
_SOURCE_EXTENSION = re.compile(
    r"""\.(?:py|pyi|js|jsx|mjs|cjs|ts|tsx|mts|cts|vue|svelte|java|kt|kts|scala|groovy|go|rs
         |rb|cs|fs|vb|php|swift|dart|exs?|cpp|cc|cxx|hpp)$""",
    re.VERBOSE | re.IGNORECASE,
)
"""A test file's extension (``test_loader.py`` is the module ``test_loader``). Not one-letter
extensions (``.c``, ``.m``): a dotted JVM id may end in a method named ``m``."""

_NAME_SEPARATOR = re.compile(r"[./\\#]+")
_QUALIFIED_NAME = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+")
"""A dotted name in a trace line (``Acme.Tests.CartTests.Total_IsSum``), read only when the
parser kept no frames for a console failure."""

MAX_TRACE_NAMES = 200
"""Dotted names read from one trace: the test method sits near the top of a stack."""


def _name_parts(part: str) -> tuple[str, ...]:
    if re.search(r"\s", part):
        return (" ".join(part.split()).casefold(),)  # a title: one segment, case-insensitive
    bare = _SOURCE_EXTENSION.sub("", _POSITION.sub("", part))
    return tuple(p.casefold() for p in _NAME_SEPARATOR.split(bare) if p)


@lru_cache(maxsize=65536)
def comparable_test_id(test_id: str | None) -> tuple[str, ...]:
    """A test id as name segments every artifact of a run agrees on (``()`` for none).

    ``tests/config/test_loader.py::test_load[eu]`` (pytest's console) and the JUnit
    ``tests.config.test_loader.test_load[eu]`` both give ``("tests", "config", "test_loader",
    "test_load")``; ``/w/src/OrderTable.test.tsx > OrderTable > renders rows`` (Jest JSON) ends
    with ``("ordertable", "renders rows")``, which is Jest's console ``OrderTable › renders
    rows``. Two ids name the same test when one is a suffix of the other (:func:`same_test`):
    the console often leaves out the package or the file.
    """
    if not test_id:
        return ()
    out: list[str] = []
    for raw in _TITLE_SEPARATOR.split(test_id.strip()):
        part = _TRAILING_PARAMETERS.sub("", raw.strip()).strip()
        if part:
            out.extend(_name_parts(part))
    return tuple(out)


def same_test(a: Sequence[str], b: Sequence[str], at_least: int = 1) -> bool:
    """One id is a suffix of the other, over ``at_least`` segments (or all of the shorter)."""
    n = min(len(a), len(b))
    return n >= 1 and n >= min(at_least, max(len(a), len(b))) and a[-n:] == b[-n:]


def _names_in(failure: Failure) -> Iterator[tuple[str, ...]]:
    """Where a console failure without a test id happened: its frames' qualified names, or the
    dotted names of its trace when the parser kept no frames."""
    for frame in failure.frames:
        function = frame.function or ""
        if frame.module:
            yield comparable_test_id(f"{frame.module}.{function}")
        if frame.file:
            yield (*comparable_test_id(frame.file), *_name_parts(function))
        yield _name_parts(function)
    if not failure.frames:
        for match in list(_QUALIFIED_NAME.finditer(failure.trace))[:MAX_TRACE_NAMES]:
            yield _name_parts(match.group(0))


@dataclass(slots=True)
class _Structured:
    index: int
    test: tuple[str, ...]
    exception_type: str


@dataclass(slots=True)
class Folding:
    """What :func:`fold_console_copies` kept, and where each folded console row went."""

    kept: list[int] = field(default_factory=list)
    """Indexes of the rows kept, in input order."""
    folded_into: dict[int, int] = field(default_factory=dict)
    """Kept row index -> console rows folded into it."""
    restated: int = 0
    """Console failures that restated a structured failure of their run."""
    consequences: int = 0
    """Console lines that only said tests failed, in runs with structured failures."""


def _restates(failure: Failure, structured: Sequence[_Structured]) -> _Structured | None:
    test = comparable_test_id(failure.test_id)
    if test:
        return next((s for s in structured if same_test(test, s.test)), None)
    if failure.kind in ("log", "build"):
        return None
    # No test id: the same exception raised inside one of the run's failed tests. A crash whose
    # frames name no failed test happened outside the tests and stays.
    kind = normalise_exception_type(failure.exception_type)
    if not kind:
        return None
    candidates = [s for s in structured if s.exception_type == kind and s.test]
    if not candidates:
        return None
    for name in _names_in(failure):
        for s in candidates:
            if same_test(name, s.test, at_least=2):
                return s
    return None


def fold_console_copies(failures: Sequence[Failure], runs: Sequence[str]) -> Folding:
    """Within each run, drop console failures a structured report of the run already holds.

    ``failures[i]`` belongs to run ``runs[i]``. The decision for a run reads only that run's
    rows; a folded row goes to the first structured row it matches, in input order
    (:func:`build_occurrences` sorts rows by content first). The module docstring says what
    counts as a restatement.
    """
    by_run: dict[str, list[int]] = {}
    for i, run in enumerate(runs):
        by_run.setdefault(run, []).append(i)
    folding = Folding()
    dropped: set[int] = set()
    for indexes in by_run.values():
        if not any(failures[i].source_format in CONSOLE_FORMATS for i in indexes):
            continue  # most runs keep one kind of artifact: nothing to compare
        structured = [
            _Structured(
                i,
                comparable_test_id(failures[i].test_id),
                normalise_exception_type(failures[i].exception_type),
            )
            for i in indexes
            if failures[i].source_format in STRUCTURED_FORMATS
        ]
        if not structured:
            continue
        for i in indexes:
            failure = failures[i]
            if failure.source_format not in CONSOLE_FORMATS:
                continue
            target = _restates(failure, structured)
            if target is not None:
                folding.restated += 1
            elif failure.kind == "log" and TESTS_FAILED_LINE.search(failure.message or ""):
                target = structured[0]
                folding.consequences += 1
            else:
                continue
            dropped.add(i)
            folding.folded_into[target.index] = folding.folded_into.get(target.index, 0) + 1
    folding.kept = [i for i in range(len(failures)) if i not in dropped]
    return folding


def console_copies_folded(occurrences: pd.DataFrame) -> int:
    """Console rows folded into the given occurrences (0 for tables written before the column)."""
    if "console_copies_folded" not in occurrences.columns or occurrences.empty:
        return 0
    return int(pd.to_numeric(occurrences["console_copies_folded"]).fillna(0).sum())


_ORDER_COLUMNS = ("run_id", "artifact", "occurred_at", "test_id", "kind", "message", "trace")

_FAILURE_TEXTS = (
    "source_format", "message", "trace", "exception_type", "frames", "test_id", "test_file",
    "kind", "language", "chained",
)  # fmt: skip
"""The text cells a :class:`Failure` is read from; with ``flaky`` they are all of its row that
counts (:func:`failure_of`)."""

# The frames and chain of one failure are stored as JSON and repeat across the artifacts and
# runs that print the same trace: each distinct text is decoded once. The results are immutable.
_frames_of = lru_cache(maxsize=16384)(frames_from_json)
_chained_of = lru_cache(maxsize=16384)(chained_from_json)


def _failure(
    source_format: str | None,
    message: str | None,
    trace: str | None,
    exception_type: str | None,
    frames: str | None,
    test_id: str | None,
    test_file: str | None,
    kind: str | None,
    language: str | None,
    chained: str | None,
    *,
    flaky: bool,
) -> Failure:
    """The failure of one row: its :data:`_FAILURE_TEXTS` cells, each read with ``text``."""
    return Failure(
        source_format=source_format or "unknown",
        message=message or "",
        trace=trace or "",
        exception_type=exception_type,
        frames=_frames_of(frames or "[]"),
        test_id=test_id,
        test_file=test_file,
        kind=kind or "failure",  # type: ignore[arg-type]
        language=language,
        flaky=flaky,
        chained=_chained_of(chained or "[]"),
    )


def failure_of(row: Mapping[str, object]) -> Failure:
    return _failure(*(text(row[c]) for c in _FAILURE_TEXTS), flaky=bool(row["flaky"]))


def representatives(occurrences: pd.DataFrame) -> dict[str, Failure]:
    """Fingerprint -> the failure of its earliest occurrence (by ``occurred_at``, then
    ``artifact``, missing values last), with the sample trace as its trace and no frames or
    chain: what the similar-groups hint compares.

    The order is found on plain values and only the chosen rows are read as records.
    """
    if occurrences.empty:
        return {}
    stamps = instants(occurrences["occurred_at"])
    names = occurrences["artifact"].tolist()
    # Missing artifacts sort last, as pandas puts them; anything but text and missing values
    # is left to pandas.
    artifacts = [(0, a) if type(a) is str else (1, "") if pd.isna(a) else None for a in names]
    if stamps is None or None in artifacts or occurrences["fingerprint"].isna().any():
        firsts = occurrences.sort_values(["occurred_at", "artifact"], kind="mergesort")
        rows = records(firsts.drop_duplicates("fingerprint"))
    else:
        fingerprints = occurrences["fingerprint"].tolist()
        chosen: dict[object, int] = {}
        for i in sorted(range(len(occurrences)), key=lambda i: (stamps[i], artifacts[i])):
            chosen.setdefault(fingerprints[i], i)
        needed = [
            c
            for c in occurrences.columns
            if c in _FAILURE_TEXTS or c in ("fingerprint", "sample_trace", "flaky")
        ]
        rows = records(occurrences[needed].take(list(chosen.values())))
    return {
        row["fingerprint"]: failure_of(
            {**row, "trace": row["sample_trace"], "frames": "[]", "chained": "[]"}
        )
        for row in rows
    }


_EPOCH = date(1970, 1, 1)

_AFTER_EVERY_INSTANT = 2**63
"""Sorts after every ``int64`` instant, as the text ``NaT`` sorts after every date."""


def _order_column(frame: pd.DataFrame, name: str, cells: list[object]) -> list[Any]:
    """One column of the content order: each cell's text, a missing one as ``""``. For
    timestamps in UTC (or naive) the instant itself: the text of such a timestamp orders as
    the instant does, and formatting every one of them cost more than the rest of the sort."""
    dtype = frame[name].dtype
    tz = getattr(dtype, "tz", None)
    if dtype.kind == "M" and (tz is None or str(tz) == "UTC"):
        array = frame[name].array
        return [
            _AFTER_EVERY_INSTANT if missing else value
            for value, missing in zip(array.asi8.tolist(), array.isna().tolist(), strict=True)
        ]
    return [t or "" for t in texts(cells)]


def _content_order(frame: pd.DataFrame, columns: Mapping[str, list[object]]) -> list[int]:
    """Row indexes sorted, stably, by :data:`_ORDER_COLUMNS` (each cell as text, a missing one
    or column as ``""``): what sorting ``to_dict("records")`` on those texts gives."""
    blank = [""] * len(frame)
    keys = list(
        zip(
            *(
                _order_column(frame, c, columns[c]) if c in columns else blank
                for c in _ORDER_COLUMNS
            ),
            strict=True,
        )
    )
    return sorted(range(len(frame)), key=keys.__getitem__)


@dataclass(frozen=True, slots=True)
class _Derived:
    """What an occurrence row takes from its failure alone (and the grouping rules)."""

    fingerprint: Fingerprint
    message_variant: str
    grouping_rule: str | None
    top_frame_file: str | None
    top_frame_function: str | None


def _entry(d: _Derived) -> list[Any]:
    """``d`` as a :class:`DerivedMemory` entry (JSON values)."""
    fp = d.fingerprint
    return [
        fp.value,
        fp.version,
        fp.strategy,
        [list(pair) for pair in fp.components],
        fp.normalised_trace,
        d.message_variant,
        d.grouping_rule,
        d.top_frame_file,
        d.top_frame_function,
    ]


def _from_entry(entry: list[Any]) -> _Derived | None:
    """The :class:`_Derived` an entry holds; ``None`` for one of another shape (a miss)."""
    try:
        value, version, strategy, components, trace, variant, rule, top_file, top_fn = entry
        fp = Fingerprint(
            value=str(value),
            version=str(version),
            strategy=str(strategy),
            components=tuple((str(n), str(v)) for n, v in components),
            normalised_trace=str(trace),
        )
    except (TypeError, ValueError):
        return None
    if (
        version != FINGERPRINT_VERSION
        or not isinstance(variant, str)
        or not all(x is None or isinstance(x, str) for x in (rule, top_file, top_fn))
    ):
        return None
    return _Derived(fp, variant, rule, top_file, top_fn)


def _derive(failure: Failure, rules: Sequence[GroupingRule]) -> _Derived:
    fp = fingerprint(failure, rules)
    top = _top_in_app(failure.frames)
    return _Derived(
        fingerprint=fp,
        message_variant=message_variant(failure),
        grouping_rule=grouping_rule_of(fp),
        top_frame_file=repository_path(top) if top else None,
        top_frame_function=top.function if top else None,
    )


_UNIT_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


def _stamps_and_days(series: pd.Series) -> tuple[list[int], list[int]] | None:
    """The integers under a UTC or naive timestamp column without missing values (they order as
    the timestamps do) and each one's day since 1970-01-01 (UTC); ``None`` for any other column
    (read cell by cell)."""
    stamps = instants(series)
    dtype = series.dtype
    unit = getattr(dtype, "unit", None) or str(dtype).removeprefix("datetime64[").rstrip("]")
    per_day = _UNIT_PER_DAY.get(unit)
    if stamps is None or per_day is None:
        return None
    return stamps, (series.array.asi8 // per_day).tolist()


def _dated(day: date, window: ReportWindow) -> tuple[str, str] | None:
    """A day's ISO date and its window bucket; ``None`` outside the window."""
    bucket = window.bucket(day)
    return None if bucket is None else (day.isoformat(), bucket)


def build_occurrences(
    failures: pd.DataFrame,
    window: ReportWindow,
    passed_test_ids: Iterable[str] = (),
    rules: Sequence[GroupingRule] = (),
    memory: DerivedMemory | None = None,
) -> pd.DataFrame:
    """Fingerprint every failure of the window; rows sorted for reproducible output.

    Console copies of a run's structured failures are folded first (:func:`fold_console_copies`)
    over all the given rows, so a copy dated on the other side of a window edge folds too.
    ``rules`` are the repository policy's grouping rules (see :class:`GroupingRule`).

    Rows are read as whole columns (pandas boxes cell by cell in ``to_dict``, several times
    slower on Arrow-backed strings), and a window holds each distinct failure many times (one
    bug, many runs and artifacts): each is read, fingerprinted and explained once.
    ``memory`` (the same ``rules``) holds what earlier dates derived, and is told what this one
    derived; saving it is the caller's (after the check).
    """
    if failures.empty:
        return empty_occurrences()
    passed = set(passed_test_ids)
    rules = tuple(rules)
    numbered = _stamps_and_days(failures["occurred_at"])
    stamps, day_numbers = numbered if numbered is not None else (None, None)
    # Timestamps boxed one by one cost more than the rest of the column reads together: with
    # day numbers they are only taken, as a column, for the rows kept.
    columns = {
        str(c): failures[c].tolist()
        for c in failures.columns
        if not (c == "occurred_at" and numbered is not None)
    }
    # Folding takes the first match in row order: a content order makes it independent of the
    # order artifacts arrived in.
    order = _content_order(failures, columns)
    cells = list(
        zip(*(texts(columns[c]) for c in _FAILURE_TEXTS), map(bool, columns["flaky"]), strict=True)
    )
    made: dict[tuple[Any, ...], Failure] = {}
    for key in cells:
        if key not in made:
            made[key] = _failure(*key[:-1], flaky=key[-1])
    keys = [cells[i] for i in order]
    parsed = [made[key] for key in keys]
    folding = fold_console_copies(parsed, [str(columns["run_id"][i]) for i in order])
    derived: dict[tuple[Any, ...], _Derived] = {}

    def derive(index: int) -> _Derived:
        if memory is None:
            return _derive(parsed[index], rules)
        digest = key_digest(keys[index])
        entry = memory.get(digest)  # a hit is kept for the next date by the lookup itself
        found = _from_entry(entry) if entry is not None else None
        if found is None:
            found = _derive(parsed[index], rules)
            memory.put(digest, _entry(found))
        return found

    kept: list[tuple[int, int, pd.Timestamp | None, str, str]] = []
    # A window spans a few days: with day numbers each distinct day is dated and bucketed once.
    dated: dict[int, tuple[str, str] | None] = {}
    for index in folding.kept:
        row = order[index]
        occurred: pd.Timestamp | None = None
        if day_numbers is not None:
            number = day_numbers[row]
            if number not in dated:
                dated[number] = _dated(_EPOCH + timedelta(days=number), window)
            found = dated[number]
        else:
            occurred = pd.Timestamp(columns["occurred_at"][row])
            found = _dated(utc_day(occurred.to_pydatetime()), window)
        if found is None:
            continue
        if keys[index] not in derived:
            derived[keys[index]] = derive(index)
        kept.append((index, row, occurred, *found))
    if not kept:
        return empty_occurrences()
    # One row per distinct failure, then taken for each occurrence: most columns are the
    # failure's, and a window holds each distinct failure many times.
    codes_of: dict[tuple[Any, ...], int] = {}
    firsts: list[int] = []
    codes: list[int] = []
    for index, *_ in kept:
        code = codes_of.setdefault(keys[index], len(codes_of))
        if code == len(firsts):
            firsts.append(index)
        codes.append(code)
    ordered = (
        _final_order(kept, codes, firsts, keys, parsed, derived, stamps, columns["artifact"])
        if stamps is not None
        else None
    )
    if ordered is not None:
        kept = [kept[i] for i in ordered]
        codes = [codes[i] for i in ordered]
    distinct = _distinct_columns(
        [parsed[i] for i in firsts], [derived[keys[i]] for i in firsts], passed, codes
    )

    def given(column: str) -> list[object]:
        values = columns[column]
        return [values[i] for _, i, *_ in kept]

    frame = pd.DataFrame(
        {
            **distinct,
            "artifact": given("artifact"),
            "run_id": given("run_id"),
            "provider": given("provider"),
            "job_type": given("job_type"),
            "branch": given("branch"),
            "occurred_at": (
                failures["occurred_at"].array.take([row for _, row, *_ in kept])
                if numbered is not None
                else [occurred for _, _, occurred, _, _ in kept]
            ),
            "day": [day for *_, day, _ in kept],
            "bucket": [bucket for *_, bucket in kept],
            "redactions": [text(r) or "{}" for r in given("redactions")],
            "console_copies_folded": [folding.folded_into.get(index, 0) for index, *_ in kept],
        },
        columns=list(OCCURRENCE_COLUMNS),
    )
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True).astype(
        "datetime64[us, UTC]"
    )
    frame["flaky"] = frame["flaky"].astype(bool)
    frame["likely_flaky"] = frame["likely_flaky"].astype(bool)
    frame["console_copies_folded"] = frame["console_copies_folded"].astype("int64")
    if ordered is not None:
        return frame
    return frame.sort_values(
        list(_OUTPUT_ORDER), kind="mergesort", na_position="first"
    ).reset_index(drop=True)


_OUTPUT_ORDER = ("occurred_at", "artifact", "fingerprint", "test_id")
"""The order of the occurrence rows (stable, missing values first)."""


def _final_order(
    kept: Sequence[tuple[int, int, pd.Timestamp | None, str, str]],
    codes: Sequence[int],
    firsts: Sequence[int],
    keys: Sequence[tuple[Any, ...]],
    parsed: Sequence[Failure],
    derived: Mapping[tuple[Any, ...], _Derived],
    stamps: Sequence[int],
    artifacts: Sequence[object],
) -> list[int] | None:
    """Positions of ``kept`` in :data:`_OUTPUT_ORDER`, sorted here on plain values as pandas'
    stable sort with missing values first orders the built table (a string sorts by code
    point either way); ``None`` when an artifact cell is neither text nor ``None`` or NaN
    (pandas sorts that table)."""
    names: list[tuple[int, str]] = []
    for _, row, *_ in kept:
        name = artifacts[row]
        if type(name) is str:
            names.append((1, name))
        elif name is None or (type(name) is float and name != name):
            names.append((0, ""))
        else:
            return None
    per_code = [
        (derived[keys[i]].fingerprint.value, (0, "") if t is None else (1, t))
        for i in firsts
        for t in (parsed[i].test_id,)
    ]
    order_keys = [
        (stamps[row], name, *per_code[code])
        for (_, row, *_), name, code in zip(kept, names, codes, strict=True)
    ]
    return sorted(range(len(kept)), key=order_keys.__getitem__)


def _distinct_columns(
    failures: Sequence[Failure],
    derived: Sequence[_Derived],
    passed: set[str],
    codes: Sequence[int],
) -> dict[str, Any]:
    """The columns an occurrence takes from its failure, one row per distinct failure, taken
    for each occurrence (``codes``). pandas infers a column's type from the kinds of values in
    it, which the distinct rows hold as all the rows would: the types are the same."""
    table = pd.DataFrame(
        {
            "fingerprint": [k.fingerprint.value for k in derived],
            "fingerprint_version": [FINGERPRINT_VERSION] * len(derived),
            "strategy": [k.fingerprint.strategy for k in derived],
            "source_format": [f.source_format for f in failures],
            "kind": [f.kind for f in failures],
            "language": [f.language for f in failures],
            "exception_type": [f.exception_type for f in failures],
            "message": [f.message for f in failures],
            "test_id": [f.test_id for f in failures],
            "test_file": [f.test_file for f in failures],
            "flaky": [f.flaky for f in failures],
            "likely_flaky": [
                f.flaky or (f.test_id is not None and f.test_id in passed) for f in failures
            ],
            "message_variant": [k.message_variant for k in derived],
            "grouping_rule": [k.grouping_rule for k in derived],
            "sample_trace": [k.fingerprint.normalised_trace for k in derived],
            "top_frame_file": [k.top_frame_file for k in derived],
            "top_frame_function": [k.top_frame_function for k in derived],
        }
    )
    return {str(c): table[c].array.take(codes) for c in table.columns}
