"""Throughput benchmark of the independent residual-PII detector (``redaction.detector``).

Prints, single-threaded: (a) MB/s of :meth:`ResidualPiiDetector.scan` on dense sanitized traces
(the test fixture ``inputs/detector/sanitized-traces.txt`` repeated to about ``--mb`` MB), both as
the pipeline sees it (one detector, repeated lines hit its line cache) and cold (a fresh detector
per copy of the fixture, so every line is scanned); (b) MB/s over the real-world test reports in
``<repo>/../shared/realworld`` when that folder exists (each file scanned as one text, cold);
(c) values/s of :meth:`ResidualPiiDetector.scan_many` over ``--cells`` short realistic cells
(sanitized failure messages, test ids, file paths, fingerprints; repeats as a table has them).
Each figure is the best of ``--repeat`` runs, since the machine may be shared; the load average
is printed with them. Usage: ``python benchmarks/detector_throughput.py [--mb 4.7] [--cells
100000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import time
from collections.abc import Callable
from pathlib import Path

from telemetry_assets.core.redaction.detector import ResidualPiiDetector

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "telemetry_assets_tests" / "inputs" / "detector" / "sanitized-traces.txt"
REALWORLD = REPO / ".." / "shared" / "realworld"


def _best(repeat: int, run: Callable[[], None]) -> float:
    """Fastest wall time of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def dense_traces(megabytes: float, repeat: int) -> None:
    fixture = FIXTURE.read_text(encoding="utf-8")
    copies = max(1, round(megabytes * 1e6 / len(fixture)))
    text = fixture * copies
    size = len(text.encode()) / 1e6

    def warm() -> None:
        assert ResidualPiiDetector().is_clean(text)

    seconds = _best(repeat, warm)
    print(f"(a) dense sanitized traces, {size:.1f} MB as one text: {size / seconds:7.1f} MB/s")

    cold_copies = 40

    def cold() -> None:
        for _ in range(cold_copies):
            assert ResidualPiiDetector().is_clean(fixture)

    seconds = _best(repeat, cold)
    cold_size = len(fixture.encode()) * cold_copies / 1e6
    print(f"    cold (no line repeats, fresh detector per copy):  {cold_size / seconds:7.1f} MB/s")


def realworld(repeat: int) -> None:
    manifest = REALWORLD / "manifest.jsonl"
    if not manifest.exists():
        print(f"(b) real-world reports: {REALWORLD} is absent, skipped")
        return
    texts = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        path = REALWORLD / json.loads(line)["path"]
        texts.append(path.read_bytes().decode("utf-8", errors="replace"))
    size = sum(len(t.encode()) for t in texts) / 1e6
    findings = 0

    def run() -> None:
        nonlocal findings
        detector = ResidualPiiDetector()
        findings = sum(len(detector.scan(t)) for t in texts)

    seconds = _best(repeat, run)
    print(
        f"(b) {len(texts)} real-world reports, {size:.1f} MB: {size / seconds:7.1f} MB/s "
        f"({findings} findings)"
    )


def _cells(count: int, seed: int = 11) -> list[str]:
    """Cells as a failures table holds them: distinct ids and paths, recurring messages."""
    rng = random.Random(seed)
    modules = ["billing", "users", "search", "sync", "auth", "reports", "ui", "store", "jobs"]
    errors = [
        "AssertionError: expected user <EMAIL> to be notified, got None",
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='<HOST>', port=443)",
        "TypeError: Cannot read properties of undefined (reading 'map')",
        "java.lang.IllegalStateException: connection pool exhausted for jdbc:postgresql://<HOST>",
        "panic: runtime error: invalid memory address or nil pointer dereference",
        "KeyError: 'branch'",
        "ValueError: invalid IBAN <IBAN> for <USER> (mac <MAC>, at <TS>, attempt <NUM>)",
        "assert 'password=<SECRET>' in 'token=<TOKEN>; uuid=<UUID>'",
        "TimeoutError: waited 30s for selector [data-test=save]",
        "thread 'main' panicked at src/parser.rs:LINE:NUM: index out of bounds",
    ]
    cells = []
    for i in range(count):
        module = rng.choice(modules)
        kind = i % 5
        if kind == 0:
            cells.append(f"tests/test_{module}.py::Test{module.title()}::test_case_{i % 2000}")
        elif kind == 1:
            cells.append(f"/home/<USER>/work/app/src/{module}/handler_{i % 700}.py")
        elif kind == 2:
            cells.append(rng.choice(errors))
        elif kind == 3:
            cells.append("sha256-" + hashlib.sha256(str(i % 3000).encode()).hexdigest())
        else:
            cells.append(f"com.acme.{module}.Service{i % 500}Test.test{rng.randrange(50)}")
    return cells


def many_cells(count: int, repeat: int) -> None:
    cells = _cells(count)
    found = 0

    def run() -> None:
        nonlocal found
        found = sum(ResidualPiiDetector().scan_many(cells).values())

    seconds = _best(repeat, run)
    print(
        f"(c) scan_many over {count} short cells: {count / seconds:10.0f} values/s ({found} hits)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mb", type=float, default=4.7, help="size of the dense trace text")
    parser.add_argument("--cells", type=int, default=100_000, help="cells for scan_many")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best counts")
    args = parser.parse_args()
    print(f"load average before: {' '.join(os.getloadavg().__repr__()[1:-1].split(', '))}")
    dense_traces(args.mb, args.repeat)
    realworld(args.repeat)
    many_cells(args.cells, args.repeat)
    print(f"load average after:  {' '.join(os.getloadavg().__repr__()[1:-1].split(', '))}")


if __name__ == "__main__":
    main()
