"""The Markdown report (``telemetry-report-D.md``), rendered from the :class:`Report` model.

The template only formats; every number comes from the model, so the JSON and the Markdown can
never disagree. Text from traces is escaped for tables and fenced where shown whole.
"""

from __future__ import annotations

import re
from functools import lru_cache

import jinja2

from telemetry_assets.core.report import Report

_TABLE_SPECIAL = re.compile(r"([|\\`*_<>\[\]])")


def cell(text: object, limit: int = 120) -> str:
    """One table cell: one line, Markdown specials escaped, trimmed with an ellipsis."""
    value = " ".join(str(text).split())
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return _TABLE_SPECIAL.sub(r"\\\1", value)


def first_lines(text: str, n: int = 3) -> str:
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    return " ⏎ ".join(lines[:n])


def fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{text.rstrip()}\n{ticks}"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The report's template environment, one per process (it keeps the compiled template,
    and compiling it cost more than rendering the report; see also
    :mod:`telemetry_assets.core.render.compiled_templates`)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("telemetry_assets.core.render", "templates"),
        autoescape=False,  # Markdown, not HTML; cells are escaped by ``cell``.
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cell"] = cell
    env.filters["first_lines"] = first_lines
    env.filters["fence"] = fence
    return env


def render_markdown(report: Report, top: int = 10) -> str:
    return environment().get_template("report.md.j2").render(r=report, top=report.groups[:top])
