"""``telemetry-sanitize``: files to --out-dir, stdin to stdout, audit on stderr, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from telemetry_assets.cli.sanitize import main

INPUTS = Path(__file__).resolve().parents[1] / "inputs" / "redaction"
GH = "ghp_Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz1Xc3"


def test_files_are_written_with_the_same_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = INPUTS / "ci-log-with-secrets.log"
    assert main([str(src), "--out-dir", str(tmp_path)]) == 0
    out = (tmp_path / src.name).read_text(encoding="utf-8")
    assert "AKIA2E0A8F3B244C9986" not in out and "<KEY>" in out
    err = capsys.readouterr().err
    assert "token.aws_access_key_id=1" in err and "AKIA" not in err


def test_missing_file_exits_1_and_still_writes_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = INPUTS / "ci-log-with-secrets.log"
    code = main([str(tmp_path / "nope.log"), str(src), "--out-dir", str(tmp_path / "o")])
    assert code == 1
    assert (tmp_path / "o" / src.name).is_file()
    assert "nope.log: no such file" in capsys.readouterr().err


def test_non_utf8_is_decoded_with_replacement_and_said_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = INPUTS / "latin1-not-utf8.log"
    assert main([str(src), "--out-dir", str(tmp_path)]) == 0
    out = (tmp_path / src.name).read_text(encoding="utf-8")
    assert GH not in out and "\ufffd" in out
    assert "not valid UTF-8" in capsys.readouterr().err


def test_files_without_out_dir_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(INPUTS / "ci-log-with-secrets.log")]) == 2
    assert "--out-dir" in capsys.readouterr().err


def test_unknown_rule_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["-", "--disable", "token.nope"]) == 2


def test_stdin_to_stdout_as_a_subprocess() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "telemetry_assets.cli.sanitize", "-"],
        input=f"export GITHUB_TOKEN={GH}\nplain line\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stdout == "export GITHUB_TOKEN=<TOKEN>\nplain line\n"
    assert "token.github=1" in proc.stderr and GH not in proc.stderr


def test_help_documents_exit_codes() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "telemetry_assets.cli.sanitize", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and "Exit codes" in proc.stdout
