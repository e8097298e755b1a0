"""Compiled templates are kept on disk, so a new process renders without compiling again."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest

from telemetry_assets.core.render import compiled_templates, markdown
from telemetry_assets.core.triage import issue_template


@pytest.fixture(autouse=True)
def _fresh_environments() -> Iterator[None]:
    markdown.environment.cache_clear()
    issue_template.environment.cache_clear()
    yield
    markdown.environment.cache_clear()
    issue_template.environment.cache_clear()


def test_every_template_environment_uses_the_folder(tmp_path: Path) -> None:
    compiled_templates.keep_compiled(tmp_path / "templates")
    for env in (markdown.environment(), issue_template.environment()):
        assert isinstance(env.bytecode_cache, jinja2.FileSystemBytecodeCache)
        assert Path(env.bytecode_cache.directory) == tmp_path / "templates"


def test_a_compiled_template_is_written_and_read_back(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    compiled_templates.keep_compiled(folder)
    markdown.environment().get_template("report.md.j2")
    written = sorted(folder.iterdir())
    assert len(written) == 1
    # A new process (a scheduled run) loads the code instead of compiling: jinja's compiler is
    # never called for this template.
    probe = (
        "import sys; from pathlib import Path;"
        "from jinja2 import Environment;"
        "from telemetry_assets.core.render import compiled_templates, markdown;"
        f"compiled_templates.keep_compiled(Path({str(folder)!r}));"
        "Environment.compile = lambda *a, **k: sys.exit('compiled again');"
        "markdown.environment().get_template('report.md.j2')"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _new_process_environment(folder: Path, source: str) -> jinja2.Environment:
    """The report environment as a new process builds it, keeping compiled templates in
    ``folder``, with one template ``t.j2`` of ``source``."""
    markdown.environment.cache_clear()
    compiled_templates.keep_compiled(folder)
    env = markdown.environment()
    env.loader = jinja2.DictLoader({"t.j2": source})
    return env


def test_an_edited_template_is_compiled_again_not_served_stale(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    old = _new_process_environment(folder, "old {{ x }}")
    assert old.get_template("t.j2").render(x=1) == "old 1"
    new = _new_process_environment(folder, "new {{ x }}")
    assert new.get_template("t.j2").render(x=1) == "new 1"


def test_a_damaged_entry_is_compiled_again(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    _new_process_environment(folder, "hello {{ x }}").get_template("t.j2")
    (entry,) = folder.iterdir()
    entry.write_bytes(b"\x00 torn")
    again = _new_process_environment(folder, "hello {{ x }}")
    assert again.get_template("t.j2").render(x=1) == "hello 1"


def test_without_a_folder_templates_compile_in_memory(tmp_path: Path) -> None:
    compiled_templates.keep_compiled(tmp_path / "templates")
    compiled_templates.keep_compiled(None)
    assert markdown.environment().bytecode_cache is None
    assert issue_template.environment().bytecode_cache is None


def test_a_folder_that_cannot_be_made_costs_a_compile_not_the_report(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    compiled_templates.keep_compiled(blocker / "templates")
    assert markdown.environment().bytecode_cache is None
    assert markdown.environment().get_template("report.md.j2") is not None


def test_the_sanitized_cache_prune_keeps_the_compiled_templates(tmp_path: Path) -> None:
    from telemetry_assets.core import batch

    compiled_templates.keep_compiled(tmp_path / compiled_templates.FOLDER)
    markdown.environment().get_template("report.md.j2")
    stale = tmp_path / "0123456789abcdef"  # an older cache version: pruned
    stale.mkdir()
    (stale / "entry").write_bytes(b"x")
    batch.SanitizedCache(tmp_path, "fedcba9876543210").prune([])
    assert not stale.exists()
    assert len(list((tmp_path / compiled_templates.FOLDER).iterdir())) == 1
