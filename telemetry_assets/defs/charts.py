"""A small PNG bar chart of daily failures for the asset page, with no plotting dependency.

Dagster renders ``MetadataValue.md`` with an inline ``data:image/png`` image; a 14-bar chart at
240x120 stays well under the 1,000 characters that render inline.
"""

from __future__ import annotations

import base64
import struct
import zlib

from telemetry_assets.core.report import Report

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


def daily_totals(report: Report) -> list[int]:
    totals = [0] * 14
    for g in report.groups:
        for i, n in enumerate(g.daily_counts[:14]):
            totals[i] += n
    return totals


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


def daily_chart_markdown(report: Report) -> str:
    values = daily_totals(report)
    encoded = base64.b64encode(bar_chart_png(values)).decode("ascii")
    return (
        f"![daily failures, {report.baseline_window.start if report.baseline_window else ''} .. "
        f"{report.window.end}](data:image/png;base64,{encoded})\n\n"
        f"Daily failures of the top groups (light: baseline week, dark: report week): "
        f"{', '.join(str(v) for v in values)}"
    )
