"""Throughput benchmark of the structured test-report parsers, one figure per format.

Builds about ``--mb`` MB (default 50) per format in memory with :mod:`benchmarks.corpus`'s own
run renderer, so the reports look exactly like the ones the pipeline benchmark writes: files
rendered for a 2 MB target (the corpus mean for a 500 MB root; 1.5-5 MB as the format makes them),
mostly passing tests with 0-6 failures each drawn from the recurring bug pool, Playwright retries
included. Formats: pytest, Maven Surefire and
jest-junit JUnit XML, Jest ``--json``, Playwright JSON and ``go test -json``. The same seed gives
the same bytes. For each format it times ``parser.parse(text, path)`` through the registry (the
format's sniff must pick that parser) and prints MB/s by wall clock and by CPU time (best of
``--repeat``; the CPU figure is the one to compare on a shared machine), files and failures found.
Usage: ``python benchmarks/parser_throughput.py [--mb 50] [--repeat 3] [--only go-json]
[--profile FORMAT]`` (``--profile`` prints the top of a cProfile of one pass over that format).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import corpus
from telemetry_assets.core.parsers.base import SNIFF_BYTES
from telemetry_assets.core.parsers.registry import parser_for

FORMATS = ("pytest", "surefire", "jest-junit", "jest-json", "playwright", "go-json")
FILE_BYTES = 2 * corpus.MB


class _MemoryWriter(corpus._Writer):
    """The corpus writer, keeping rendered files in memory instead of writing them."""

    def __init__(self, seed: int) -> None:
        super().__init__(Path("/nonexistent"), seed, corpus.CorpusInfo(root=Path("/nonexistent")))
        self.files: list[tuple[str, str]] = []

    def write(self, path: Path, text: str | bytes, started: datetime) -> None:
        data = text if isinstance(text, str) else text.decode("utf-8", errors="replace")
        self.files.append((str(path), data))


def build(kind: str, mb: float, seed: int) -> list[tuple[str, str]]:
    """About ``mb`` MB of ``kind`` reports as ``(path, text)``, deterministic for ``seed``."""
    w = _MemoryWriter(seed)
    rng = random.Random(f"{kind}-{seed}")
    lang = {
        "pytest": "python",
        "surefire": "java",
        "go-json": "go",
    }.get(kind, "javascript")
    pool = [b for b in w.pool if b.language == lang]
    started = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    total = 0
    while total < mb * corpus.MB:
        bugs = [rng.choice(pool) for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4, 6)))]
        run_dir = Path(f"ci/run-{len(w.files)}")
        corpus._render(w, kind, run_dir, bugs, started, FILE_BYTES, corpus.WORKSPACES[0])
        total += len(w.files[-1][1].encode())
        started += timedelta(minutes=7)
    return w.files


def measure(files: Sequence[tuple[str, str]], repeat: int) -> tuple[float, float, int, str]:
    size = sum(len(text.encode()) for _, text in files)
    parsers = []
    for path, text in files:
        head = text.encode()[:SNIFF_BYTES].decode("utf-8", errors="replace")
        parser = parser_for(head, path)
        assert parser is not None, path
        parsers.append(parser)
    best_wall = best_cpu = float("inf")
    failures = 0
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        failures = 0
        for parser, (path, text) in zip(parsers, files, strict=True):
            failures += len(parser.parse(text, path).failures)
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    names = ",".join(sorted({p.name for p in parsers}))
    mb = size / corpus.MB
    return mb / best_wall, mb / max(best_cpu, 1e-9), failures, names


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--mb", type=float, default=50.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", choices=FORMATS, action="append")
    ap.add_argument("--profile", choices=FORMATS)
    args = ap.parse_args(argv)
    if args.profile:
        files = build(args.profile, args.mb, args.seed)
        profiler = cProfile.Profile()
        profiler.enable()
        measure(files, 1)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return 0
    print(
        f"{'format':<12} {'parser':<16} {'MB':>6} {'files':>6} {'failures':>9} "
        f"{'MB/s wall':>10} {'MB/s cpu':>9}"
    )
    for kind in args.only or FORMATS:
        files = build(kind, args.mb, args.seed)
        size = sum(len(text.encode()) for _, text in files) / corpus.MB
        wall, cpu, failures, names = measure(files, args.repeat)
        print(
            f"{kind:<12} {names:<16} {size:6.1f} {len(files):6d} {failures:9d} "
            f"{wall:10.1f} {cpu:9.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
