"""Throughput benchmark of the plain-log parser on a realistic generated CI log.

Generates a deterministic (seeded) GitHub Actions-style job log of ``--mb`` MB (default 50, about
600k lines): mostly ordinary output (pip and npm install lines, compiler output, pytest progress
dots, Maven ``[INFO]`` lines, ``##[group]`` markers) behind ``2026-11-20T10:11:12.1234567Z ``
prefixes, with an occasional trace of Python (chained), Java (``Caused by:``), Node, Go and Rust
every ~1,500 lines. It times :func:`plain_log.parse_lines` over the lines (read from memory, so only
the parser is measured), then over the whole text as the sanitizer hands it over (a ``StringIO``),
with LF, CRLF (Windows runners) and colour-coded (ANSI) lines: the whole-text shortcuts must stay
linear on all three. Prints MB/s, lines/s and the number of failures found. Usage: ``python
benchmarks/plain_log_throughput.py [--mb 50] [--repeat 3] [--profile]``.
"""

from __future__ import annotations

import argparse
import io
import random
import time

from telemetry_assets.core.parsers import plain_log

# Ordinary lines: what a CI log is made of between failures. None of them opens a trace.
_ORDINARY = (
    "Collecting numpy==1.26.4 (from -r requirements.txt (line 3))",
    "  Downloading numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.whl (18.3 MB)",
    "     ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 18.3/18.3 MB 61.2 MB/s eta 0:00:00",
    "Requirement already satisfied: idna<4,>=2.5 in ./.venv/lib/python3.11/site-packages",
    "Successfully installed pydantic-2.8.2 pydantic-core-2.20.1 typing-extensions-4.12.2",
    "npm WARN deprecated inflight@1.0.6: This module is not supported, and leaks memory.",
    "npm notice New minor version of npm available! 10.2.4 -> 10.8.3",
    "added 1423 packages, and audited 1424 packages in 31s",
    "  214 packages are looking for funding",
    "gcc -pthread -fno-strict-overflow -Wsign-compare -DNDEBUG -g -O2 -Wall -fPIC -c src/_ext.c",
    "src/_ext.c:88:12: warning: unused variable 'n' [-Wunused-variable]",
    "   Compiling serde_json v1.0.128",
    "   Compiling shop-core v0.4.2 (/home/runner/work/shop/shop/crates/core)",
    "    Finished `test` profile [unoptimized + debuginfo] target(s) in 41.32s",
    "tests/test_api.py ........................................................ [ 12%]",
    "tests/test_cart.py ..........s.............................................. [ 31%]",
    "tests/test_views.py::TestCheckout::test_totals PASSED                        [ 44%]",
    "[INFO] Building jar: /home/runner/work/app/app/target/app-1.4.2.jar",
    "[INFO] Tests run: 212, Failures: 0, Errors: 0, Skipped: 3, Time elapsed: 4.81 s",
    "[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/org/slf4j/slf4j-api/2.0.9/",
    " PASS  src/ui/Table.test.tsx (5.221 s)",
    "ok  \tgithub.com/acme/shop/cart\t0.412s",
    "=== RUN   TestParsePrice/comma_decimal",
    "    --- PASS: TestParsePrice/comma_decimal (0.00s)",
    "test config::tests::parses_host ... ok",
    "vite v5.4.8 building for production...",
    "✓ 1287 modules transformed.",
    "dist/assets/index-4f2a9c1d.js   412.33 kB │ gzip: 131.02 kB",
    "Cache restored successfully",
    "Post job cleanup.",
    "",
)
_MARKERS = (
    "##[group]Run actions/setup-python@v5",
    "##[endgroup]",
    "##[group]Run python -m pip install -r requirements.txt",
    "##[warning]Node.js 16 actions are deprecated.",
)

# Occasional traces, one per language; {n} varies line numbers between occurrences.
_TRACES = (
    """Traceback (most recent call last):
  File "/home/runner/work/shop/shop/src/shop/client.py", line {n}, in fetch
    return self._session.get(url, timeout=5)
ConnectionRefusedError: [Errno 111] Connection refused

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/home/runner/work/shop/shop/src/shop/sync.py", line 41, in run_sync
    orders = client.fetch("/orders")
shop.errors.SyncError: orders service unreachable
""",
    """[ERROR] Tests run: 4, Failures: 0, Errors: 1, Skipped: 0, Time elapsed: 0.21 s <<< FAILURE!
[ERROR] com.acme.shop.OrderServiceTest.loadsOrder -- Time elapsed: 0.05 s <<< ERROR!
java.lang.IllegalStateException: Failed to load order {n}
\tat com.acme.shop.OrderService.load(OrderService.java:{n})
\tat com.acme.shop.OrderServiceTest.loadsOrder(OrderServiceTest.java:31)
Caused by: java.net.ConnectException: Connection refused
\tat java.base/sun.nio.ch.Net.connect0(Native Method)
\tat com.acme.shop.OrderService.load(OrderService.java:40)
\t... 1 more
""",
    """ FAIL  src/ui/Table.test.tsx
  ● Table › renders rows

    TypeError: Cannot read properties of undefined (reading 'id')

      at render (src/ui/Table.tsx:{n}:17)
      at Object.<anonymous> (src/ui/Table.test.tsx:10:5)
""",
    """--- FAIL: TestTotal (0.00s)
panic: runtime error: invalid memory address or nil pointer dereference [recovered]
\tpanic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4f5e2a]

goroutine 7 [running]:
github.com/acme/shop/cart.(*Cart).Total(0x0)
\t/home/runner/work/shop/shop/cart/cart.go:{n} +0x1d
github.com/acme/shop/cart.TestTotal(0xc000102340)
\t/home/runner/work/shop/shop/cart/cart_test.go:30 +0x25
created by testing.(*T).Run in goroutine 1
\t/opt/hostedtoolcache/go/1.22.5/x64/src/testing/testing.go:1742 +0x390
FAIL\tgithub.com/acme/shop/cart\t0.015s
""",
    """---- config::tests::parses_port stdout ----
thread 'config::tests::parses_port' panicked at src/config.rs:{n}:9:
assertion `left == right` failed
  left: 8080
 right: 80
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
""",
)


def generate(megabytes: float, seed: int = 11, trace_every: int = 1500) -> list[str]:
    """The synthetic log as lines (with ``\\n``), about ``megabytes`` MB of UTF-8."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    lines: list[str] = []
    size = 0
    i = 0
    step = 0
    while size < target:
        step += 1
        if step % trace_every == 0:
            body = rng.choice(_TRACES).format(n=rng.randint(10, 400)).splitlines()
        elif step % 97 == 0:
            body = [rng.choice(_MARKERS)]
        else:
            body = [rng.choice(_ORDINARY)]
        for text in body:
            i += 1
            minute, second, frac = (i // 6000) % 60, (i // 100) % 60, (i * 99_991) % 10_000_000
            line = f"2026-11-20T10:{minute:02d}:{second:02d}.{frac:07d}Z {text}\n"
            lines.append(line)
            size += len(line.encode())
    return lines


def measure(lines: list[str], repeat: int) -> None:
    size = sum(len(x.encode()) for x in lines)
    best = wall = float("inf")
    found = 0
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = plain_log.parse_lines(iter(lines), "ci.log")
        best = min(best, time.process_time() - c0)
        wall = min(wall, time.perf_counter() - t0)
        found = len(result.failures)
    # CPU time, not wall time: a shared machine's load would otherwise be measured too.
    print(
        f"plain_log.parse_lines: {size / 1e6 / best:.1f} MB/s, {len(lines) / best:,.0f} lines/s "
        f"single-threaded CPU time ({size / 1e6:.1f} MB, {len(lines):,} lines, best of {repeat}: "
        f"{best:.2f} s CPU, {wall:.2f} s wall; {found} failures)"
    )


def endings(lines: list[str]) -> dict[str, str]:
    """The log as one text: as written, with CRLF line ends, and with a colour code per line."""
    text = "".join(lines)
    coloured = "".join(f"{x[:29]}\x1b[36m{x[29:-1]}\x1b[0m\n" for x in lines)
    return {"LF": text, "CRLF": text.replace("\n", "\r\n"), "ANSI": coloured}


def measure_whole(texts: dict[str, str], repeat: int) -> None:
    for name, text in texts.items():
        best = float("inf")
        found = 0
        for _ in range(repeat):
            c0 = time.process_time()
            # As the sanitizer reads a log it holds whole: the parser may then take runs of
            # quiet lines with one match.
            found = len(plain_log.parse_lines(io.StringIO(text, newline=""), "ci.log").failures)
            best = min(best, time.process_time() - c0)
        size = len(text.encode())
        print(
            f"plain_log.parse_lines, whole text, {name:>4}: {size / 1e6 / best:.1f} MB/s CPU "
            f"({size / 1e6:.1f} MB, best of {repeat}: {best:.2f} s; {found} failures)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mb", type=float, default=50, help="size of the generated log (MB)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is reported")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one run")
    args = parser.parse_args()
    lines = generate(args.mb)
    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(plain_log.parse_lines, iter(lines), "ci.log")
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        return
    measure(lines, args.repeat)
    measure_whole(endings(lines), args.repeat)


if __name__ == "__main__":
    main()
