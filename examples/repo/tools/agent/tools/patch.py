"""Applies unified-diff hunks proposed by the agent."""

from __future__ import annotations


class PatchFormatError(ValueError):
    """A hunk header is not ``@@ -a,b +c,d @@``."""


def parse_hunk(block: str) -> tuple[int, int]:
    for n, line in enumerate(block.splitlines(), start=1):
        if line.startswith("@@"):
            return n, len(block)
    raise PatchFormatError(f"hunk header malformed at line {n}")


def apply_patch(text: str) -> list[tuple[int, int]]:
    blocks = text.split("\n\n")
    hunks = [parse_hunk(b) for b in blocks]
    return hunks
