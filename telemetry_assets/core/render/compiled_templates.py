"""Compiled report templates kept on disk between runs.

Each scheduled run is a new process, and compiling the report and issue templates cost about
30 ms of every date (more than rendering them): as much as a whole asset's own work on a quiet
day. Jinja's file bytecode cache keeps the compiled code under the cache folder; an entry is
keyed by the template's name and a checksum of its source, and carries the Python bytecode
version, so an edited template or another Python simply compiles again. Entries are written to
a temporary file and moved into place, so a reader never sees half of one.

Filesystem use, stated because core modules otherwise take text: :func:`keep_compiled` makes the
template environments read and write ``<folder>/__jinja2_*.cache``. The files hold compiled
template code only: no report data passes through them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import jinja2

FOLDER = "templates"
"""The sub-folder of the cache directory that holds the compiled templates."""


def _environments() -> list[Callable[[], jinja2.Environment]]:
    # Imported here: both modules import report models, and this module must stay importable
    # from the cache's own housekeeping without them.
    from telemetry_assets.core.render import markdown
    from telemetry_assets.core.triage import issue_template

    return [markdown.environment, issue_template.environment]


def keep_compiled(folder: Path | None) -> None:
    """Let every report template environment of this process keep its compiled templates in
    ``folder`` (created if missing); ``None`` compiles in memory only, as before. A template an
    environment compiled already stays compiled there (its source is the same)."""
    cache: jinja2.BytecodeCache | None = None
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # a folder that cannot be made costs a compile, never the report
        else:
            cache = jinja2.FileSystemBytecodeCache(str(folder))
    for environment in _environments():
        environment().bytecode_cache = cache
