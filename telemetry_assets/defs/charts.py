"""A small PNG bar chart of daily failures for the asset page, with no plotting dependency.

Dagster renders ``MetadataValue.md`` with an inline ``data:image/png`` image; a 14-bar chart at
240x120 with its dates stays under the 1,000 characters that render inline.
"""

from __future__ import annotations

import base64
import struct
import zlib
from datetime import date

WIDTH, HEIGHT = 240, 120
_BAR = (79, 70, 229)
_BASELINE = (165, 180, 252)
_AXIS = (100, 116, 139)
_BG = (255, 255, 255)


def _png(pixels: list[bytearray]) -> bytes:
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def bar_chart_png(values: list[int]) -> bytes:
    pixels = [bytearray(_BG * WIDTH) for _ in range(HEIGHT)]
    top = max(values) if values and max(values) > 0 else 1
    slot = WIDTH // max(1, len(values))
    for i, value in enumerate(values):
        height = int((HEIGHT - 10) * value / top)
        colour = _BASELINE if i < len(values) - 7 else _BAR
        for y in range(HEIGHT - 1 - height, HEIGHT - 1):
            row = pixels[y]
            for x in range(i * slot + 2, (i + 1) * slot - 2):
                row[3 * x : 3 * x + 3] = bytes(colour)
    pixels[HEIGHT - 1] = bytearray(_AXIS * WIDTH)
    return _png(pixels)


def daily_chart_markdown(days: list[tuple[date, int]]) -> str:
    """The PNG (light bars: baseline week, dark: report week) with its dates and values below
    it, so the chart reads without an axis font."""
    values = [n for _, n in days]
    encoded = base64.b64encode(bar_chart_png(values)).decode("ascii")
    if not days:
        return "No failures in the window."
    first, last = days[0][0], days[-1][0]
    per_day = " · ".join(f"{d:%m-%d} {n}" for d, n in days)
    return (
        f"![daily failures {first} .. {last}](data:image/png;base64,{encoded})\n\n"
        f"{per_day} (light: baseline week, dark: report week)"
    )
