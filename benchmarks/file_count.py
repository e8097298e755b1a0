"""Does the pipeline's cost follow bytes or files? Three cold first dates, one process each.

``python benchmarks/file_count.py [--files 10000] [--workers 2] [--work DIR]`` generates, with
:mod:`benchmarks.corpus`:

- ``many``: the many-small-files shape with ``--files`` artifacts (1-10 KB reports, step logs);
- ``few``: the mixed shape sized to hold about the same opted-in bytes in about a hundred
  MB-sized artifacts;
- ``many x5``: the many-small-files shape with five times ``--files``.

Each is materialized for its first date, cold (empty cache and store), in a fresh process (so no
run inherits another's memory or warm imports), and the script prints wall time, MB/s,
artifacts/s and peak memory for each, then the two ratios the many-files work is held to: the
few-files MB/s over the many-files MB/s (the same bytes should cost about the same: within 25%)
and the wall of five times the files over the wall of ``--files`` (about 5). Every line carries
the load average. A failed run prints its failure and the script exits non-zero without ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import MB, generate_corpus, generate_many_files

REPORT_DATE = date(2026, 11, 22)
MIXED_OPTED_IN_SHARE = 0.79
"""Opted-in bytes of a mixed corpus over its total (measured: 395 of 500 MB)."""


@dataclass
class Result:
    name: str
    success: bool
    wall: float = 0.0
    mb: float = 0.0
    artifacts: int = 0
    mb_s: float = 0.0
    files_s: float = 0.0
    cpu: float = 0.0
    peak_mb: float = 0.0
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)
    steps: dict[str, float] = field(default_factory=dict)
    failure: list[str] = field(default_factory=list)

    def line(self) -> str:
        load = " ".join(f"{x:.2f}" for x in self.load)
        return (
            f"  {self.name:<9} {self.artifacts:>7} artifacts {self.mb:7.1f} MB  "
            f"wall {self.wall:6.1f} s  {self.mb_s:6.1f} MB/s  {self.files_s:6.0f} artifacts/s  "
            f"CPU {self.cpu:5.1f} s  peak {self.peak_mb:4.0f} MB  (load {load})"
        )


def _case(name: str, work: Path, files: int, mb: float, workers: int) -> Result:
    from benchmarks.pipeline import Workspace, materialize

    root = work / "artifacts"
    if not root.is_dir():
        if name == "few":
            generate_corpus(root, total_mb=mb, report_date=REPORT_DATE)
        else:
            generate_many_files(root, files=files, report_date=REPORT_DATE)
    ws = Workspace(root=root, work=work)
    ws.reset()
    m = materialize(ws, REPORT_DATE.isoformat(), workers, name)
    return Result(
        name=name,
        success=m.success,
        wall=m.wall,
        mb=m.input_bytes / MB,
        artifacts=m.artifacts,
        mb_s=m.mb_s,
        files_s=m.files_s,
        cpu=m.cpu_seconds,
        peak_mb=m.peak_mb,
        load=m.load_average,
        steps=m.steps,
        failure=m.failure,
    )


def _run(name: str, work: Path, files: int, mb: float, workers: int) -> Result:
    cmd = [sys.executable, __file__, "--case", name, "--work", str(work)]
    cmd += ["--files", str(files), "--mb", str(mb), "--workers", str(workers)]
    done = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        return Result(name=name, success=False, failure=[done.stderr.strip()[-2000:]])
    data = json.loads(done.stdout.strip().splitlines()[-1])
    data["load"] = tuple(data["load"])
    return Result(**data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--work", type=Path, help="keep the corpora here (reused when present)")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--mb", type=float, default=0.0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.case:
        print(json.dumps(asdict(_case(args.case, args.work, args.files, args.mb, args.workers))))
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="file-count-"))
    print(f"cpus={os.cpu_count()} workers={args.workers} corpora under {work}", flush=True)
    many = _run("many", work / "many", args.files, 0.0, args.workers)
    if not many.success:
        print("== many FAILED: no verdict\n" + "\n".join(many.failure))
        return 1
    print(many.line(), flush=True)
    few = _run("few", work / "few", 0, many.mb / MIXED_OPTED_IN_SHARE, args.workers)
    five = _run("many x5", work / "many-x5", args.files * 5, 0.0, args.workers)
    for r in (few, five):
        print(r.line() if r.success else f"== {r.name} FAILED\n" + "\n".join(r.failure))
    if not (few.success and five.success):
        print("== a run FAILED: no verdict")
        return 1
    per_byte = few.mb_s / max(many.mb_s, 1e-9)
    scale = five.wall / max(many.wall, 1e-9)
    print("== file-count verdicts")
    print(
        f"  same bytes in {few.artifacts} vs {many.artifacts} artifacts: {per_byte:.2f}x the MB/s "
        f"({'met' if per_byte <= 1.25 else 'MISSED'}: within 25%)"
    )
    print(
        f"  {five.artifacts} vs {many.artifacts} artifacts: {scale:.2f}x the wall "
        f"({'met' if scale <= 5 * 1.25 else 'MISSED'}: about 5x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
