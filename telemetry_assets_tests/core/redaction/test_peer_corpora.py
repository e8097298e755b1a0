"""The peer corpora (shared/peer-corpora) through the ``telemetry-sanitize`` CLI, as a subprocess.

Every positive's ``secret`` must be gone; strict negatives must come out byte-identical for at
least 95% of them. Only categories and rates are printed, never texts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from telemetry_assets_tests.prerequisites import missing

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "peer-corpora"


def _load(name: str) -> list[dict]:
    path = SHARED / name
    if not path.is_file():
        missing(f"peer corpus {path} absent (shared/ is expected beside the repo)")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _sanitize_all(texts: list[str], tmp: Path) -> list[str]:
    src = tmp / "in"
    out = tmp / "out"
    src.mkdir()
    names = []
    for i, text in enumerate(texts):
        p = src / f"rec{i:05d}.txt"
        p.write_text(text, encoding="utf-8")
        names.append(str(p))
    proc = subprocess.run(
        [sys.executable, "-m", "telemetry_assets.cli.sanitize", *names, "--out-dir", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return [(out / Path(n).name).read_text(encoding="utf-8") for n in names]


def test_every_positive_secret_is_gone(tmp_path: Path) -> None:
    records = _load("secrets.jsonl")
    outputs = _sanitize_all([r["text"] for r in records], tmp_path)
    leaked = Counter(
        r["category"] for r, o in zip(records, outputs, strict=True) if r["secret"] in o
    )
    print(f"positives: {len(records)}, leaked: {sum(leaked.values())} {dict(leaked)}")
    assert not leaked, f"secrets survived in categories {dict(leaked)}"


def test_strict_negatives_survive_byte_identical(tmp_path: Path) -> None:
    records = _load("not-secrets.jsonl")
    outputs = _sanitize_all([r["text"] for r in records], tmp_path)
    strict = [(r, o) for r, o in zip(records, outputs, strict=True) if r["strict"]]
    misses = Counter(r["category"] for r, o in strict if o != r["text"])
    rate = 1 - sum(misses.values()) / len(strict)
    loose = [(r, o) for r, o in zip(records, outputs, strict=True) if not r["strict"]]
    over = sum(o != r["text"] for r, o in loose) / len(loose)
    print(
        f"strict negatives kept byte-identical: {rate:.1%} of {len(strict)}; misses: {dict(misses)}"
    )
    print(
        f"non-strict negatives changed (policy-dependent over-redaction): {over:.1%} "
        f"of {len(loose)}"
    )
    assert rate >= 0.95, f"only {rate:.1%} strict negatives kept; misses {dict(misses)}"
