"""Throughput benchmark of the redactor on a realistic generated CI log, and on short strings.

Generates a ``--mb`` MB log (pytest/Java/Go/Rust/Node frames, pip/npm lines, GitHub Actions
timestamp prefixes, one secret or PII item about every 20 lines) into a temp file, sanitizes it
streaming with :meth:`Redactor.redact_file`, and prints MB/s (wall clock and CPU time: the CPU
figure is what to compare on a loaded machine), the load average before and after, and peak RSS.
``--short N`` also times ``Redactor.redact`` on N short strings of the kinds the pipeline sends
one at a time (test ids, file paths, failure messages, short tracebacks; one in 20 holds a secret
or PII) and prints strings/s. ``--compare`` also runs detect-secrets (its CLI on a slice,
extrapolated; said so in the output) and scrubadub if it is importable.
Usage: ``python benchmarks/sanitize_throughput.py [--mb 100] [--short 100000] [--compare]``.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from telemetry_assets.core.redaction.redactor import Redactor

_NOISE = (
    "tests/test_api.py::TestClient::test_retry PASSED                                  [ 42%]",
    '  File "/opt/app/src/billing/invoice.py", line 214, in render_total',
    '    raise ValueError(f"negative total: {total}")',
    "E   AssertionError: assert 3 == 4",
    "\tat com.acme.billing.InvoiceService.render(InvoiceService.java:88)",
    "\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)",
    "Caused by: java.lang.IllegalStateException: connection pool exhausted",
    "goroutine 17 [running]:",
    "main.(*Server).handle(0xc0000a4000, {0x7f3a2c, 0x12})",
    "\t/build/cmd/server/main.go:142 +0x1d4",
    "thread 'main' panicked at 'index out of bounds: the len is 3 but the index is 7', "
    "src/lib.rs:42:9",
    "   4: core::panicking::panic_bounds_check",
    "    at Object.<anonymous> (/app/node_modules/jest-circus/build/utils.js:298:28)",
    "    at processTicksAndRejections (node:internal/process/task_queues:95:5)",
    "Collecting numpy==1.26.4 (from -r requirements.txt (line 3))",
    "  Downloading numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.whl (18.3 MB)",
    "npm WARN deprecated inflight@1.0.6: This module is not supported, and leaks memory.",
    "added 1423 packages, and audited 1424 packages in 31s",
    "##[group]Run actions/checkout@v4",
    "Successfully installed pydantic-2.8.2 pydantic-core-2.20.1",
    "FAILED tests/test_sync.py::test_merge_conflict - KeyError: 'branch'",
    "Downloading https://files.pythonhosted.org/packages/ab/cd/requests-2.32.3-py3-none-any.whl",
    "[INFO] Building jar: /home/runner/work/app/app/target/app-1.4.2.jar",
    "=========================== 12 failed, 831 passed in 92.41s ===========================",
)
_SECRETS = (
    "export GITHUB_TOKEN=ghp_{a36}",
    "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ{a20}.{a30}",
    "curl: (7) Failed to connect to 10.{d}.{d}.{d} port 443: Connection refused",
    "notify: sent report to dev.{w}@example.com",
    'psycopg2.OperationalError: password="{a16}" rejected for user ci',
    "dial tcp [fd00::{h4}:{h4}]:6379: connect: connection refused",
    "request_id={uuid} status=500",
    "AWS_ACCESS_KEY_ID=AKIA{A16} aws s3 cp dist/app.tgz s3://bucket/",
    "remote: https://ci:{a16}@git.acme.internal/org/repo.git",
    "GET http://buildbox:8080/job/{d}/console -> 502",
)


def _fill(template: str, rng: random.Random) -> str:
    def rand(alphabet: str, n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return template.format(
        a36=rand(alnum, 36),
        a20=rand(alnum, 20),
        a30=rand(alnum, 30),
        a16=rand(alnum, 16),
        A16=rand("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
        d=rng.randint(1, 250),
        w=rand("abcdefghij", 6),
        h4=rand("0123456789abcdef", 4),
        uuid=f"{rand('0123456789abcdef', 8)}-{rand('0123456789abcdef', 4)}-4"
        f"{rand('0123456789abcdef', 3)}-a{rand('0123456789abcdef', 3)}-"
        f"{rand('0123456789abcdef', 12)}",
    )


def generate(path: Path, megabytes: int, seed: int = 7) -> int:
    """Write the synthetic log; return its size in bytes."""
    rng = random.Random(seed)
    target = megabytes * 1_000_000
    written = 0
    with path.open("w", encoding="utf-8") as fh:
        i = 0
        while written < target:
            lines = []
            for _ in range(2000):
                i += 1
                stamp = f"2026-11-20T10:{(i // 60) % 60:02d}:{i % 60:02d}.{i % 10_000_000:07d}Z "
                body = _fill(rng.choice(_SECRETS), rng) if i % 20 == 0 else rng.choice(_NOISE)
                lines.append(stamp + body)
            block = "\n".join(lines) + "\n"
            fh.write(block)
            written += len(block.encode())
    return written


_SHORT_NOISE = (
    "tests/test_api.py::TestClient::test_retry[case-{d}]",
    "tests/integration/test_billing.py::test_invoice_total_rounding",
    "src/billing/invoice.py",
    "/home/runner/work/app/app/src/billing/invoice.py",
    "render_total",
    "com.acme.billing.InvoiceService",
    "AssertionError: assert {d} == {d2}",
    "KeyError: 'branch'",
    "TypeError: Cannot read properties of undefined (reading 'map')",
    "expect(received).toEqual(expected) // deep equality\n\nExpected: {d}\nReceived: {d2}",
    "java.lang.IllegalStateException: connection pool exhausted after {d} ms",
    "panic: runtime error: index out of range [{d}] with length {d2}",
    "TimeoutError: page.click: Timeout 30000ms exceeded.",
    "Traceback (most recent call last):\n"
    '  File "/opt/app/src/billing/invoice.py", line {d}, in render_total\n'
    '    raise ValueError(f"negative total: {{total}}")\n'
    "ValueError: negative total: -{d}",
    "\tat com.acme.billing.InvoiceService.render(InvoiceService.java:{d})\n"
    "\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)",
    "goroutine {d} [running]:\nmain.(*Server).handle(0xc0000a4000, {{0x7f3a2c, 0x12}})\n"
    "\t/build/cmd/server/main.go:{d} +0x1d4",
    "TestRetry/backoff_{d}",
    "should render the invoice table > with {d} rows",
)
_SHORT_SECRETS = (
    "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='10.{d}.{d2}.7', port=443)",
    "AssertionError: expected email dev.{w}@example.com to be verified",
    'psycopg2.OperationalError: password="{a16}" rejected for user ci',
    "/home/{w}/work/app/tests/test_upload.py",
    "HTTPError: 401 for https://ci:{a16}@git.acme.internal/org/repo.git",
    "botocore.exceptions.ClientError: AKIA{A16} is not authorized",
    "ValueError: bad token ghp_{a36}",
    "KeyError: {uuid}",
)


def short_strings(n: int, seed: int = 11) -> list[str]:
    """``n`` short strings as failure records hold them; one in 20 with a secret or PII."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        template = rng.choice(_SHORT_SECRETS if i % 20 == 0 else _SHORT_NOISE)
        out.append(
            _fill(template.replace("{d2}", str(rng.randint(0, 999))), rng).replace(
                "{d}", str(rng.randint(0, 999))
            )
        )
    return out


def run_short(n: int) -> None:
    strings = short_strings(n)
    redactor = Redactor()
    redactor.redact(strings[0])
    t0, c0 = time.perf_counter(), time.process_time()
    changed = sum(redactor.redact(s).text != s for s in strings)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    avg = sum(map(len, strings)) / n
    print(
        f"short strings: {n / dt:,.0f}/s wall, {n / dc:,.0f}/s CPU ({n:,} strings, "
        f"{avg:.0f} chars on average, {changed:,} changed), load {_load()}"
    )


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "n/a"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_ours(path: Path, size: int) -> None:
    redactor = Redactor()
    out = path.with_suffix(".sanitized")
    load_before = _load()
    t0, c0 = time.perf_counter(), time.process_time()
    with path.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        counts = redactor.redact_file(src, dst)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"telemetry redactor: {size / 1e6 / dt:.1f} MB/s wall, {size / 1e6 / dc:.1f} MB/s CPU "
        f"({size / 1e6:.0f} MB in {dt:.1f} s), load {load_before} -> {_load()}, "
        f"peak RSS {_peak_rss_mb():.0f} MB, {sum(counts.values())} replacements"
    )
    out.unlink()


def run_detect_secrets(path: Path, slice_mb: int = 2) -> None:
    """detect-secrets' own CLI with ``--no-verify`` on the first ``slice_mb`` MB, extrapolated."""
    exe = shutil.which("detect-secrets") or str(Path(sys.executable).with_name("detect-secrets"))
    if not Path(exe).exists():
        print("detect-secrets: not installed, skipped")
        return
    part = path.with_name("slice.log")
    with path.open(encoding="utf-8") as fh:
        part.write_text(fh.read(slice_mb * 1_000_000), encoding="utf-8")
    t0 = time.perf_counter()
    subprocess.run(
        [exe, "scan", "--no-verify", str(part)], capture_output=True, check=True, cwd=part.parent
    )
    dt = time.perf_counter() - t0
    print(
        f"detect-secrets 1.5 CLI scan --no-verify (first {slice_mb} MB, extrapolated): "
        f"{part.stat().st_size / 1e6 / dt:.2f} MB/s (detection only, no rewrite)"
    )


def run_scrubadub(path: Path, slice_mb: int = 2) -> None:
    try:
        import scrubadub
    except ImportError:
        print("scrubadub: not installed, skipped (pip install scrubadub==2.0.1 in a scratch venv)")
        return
    data = path.read_text(encoding="utf-8")[: slice_mb * 1_000_000].splitlines()
    t0 = time.perf_counter()
    for i in range(0, len(data), 1000):
        scrubadub.clean("\n".join(data[i : i + 1000]))
    dt = time.perf_counter() - t0
    size = sum(len(x) + 1 for x in data)
    print(
        f"scrubadub (1,000-line chunks, first {slice_mb} MB, extrapolated): "
        f"{size / 1e6 / dt:.2f} MB/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="size of the generated log (MB)")
    parser.add_argument("--compare", action="store_true", help="also time detect-secrets/scrubadub")
    parser.add_argument("--short", type=int, default=0, help="also time N short strings")
    args = parser.parse_args()
    if args.short:
        run_short(args.short)
    if args.mb <= 0:
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ci.log"
        size = generate(path, args.mb)
        print(f"generated {size / 1e6:.0f} MB CI log at {path} (pid {os.getpid()})")
        run_ours(path, size)
        if args.compare:
            run_detect_secrets(path)
            run_scrubadub(path)


if __name__ == "__main__":
    main()
