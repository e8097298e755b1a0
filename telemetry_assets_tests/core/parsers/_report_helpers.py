"""Shared by the report-parser tests: where the fixtures live and how to read one."""

from __future__ import annotations

from pathlib import Path

INPUTS = Path(__file__).resolve().parents[2] / "inputs"


def read(name: str) -> str:
    return (INPUTS / name).read_text(encoding="utf-8")
