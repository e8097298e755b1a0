"""``telemetry-sanitize``: files to --out-dir, stdin to stdout, audit on stderr, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from telemetry_assets.cli.sanitize import main
from telemetry_assets.core.redaction.detector import ResidualPiiDetector
from telemetry_assets.core.redaction.redactor import Redactor

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


# --- --explain: what the residual-PII detector still flags, and whether it is reviewed ---------

FALSE_ALARM = "fuzz_corpus_Qm9Lx2Vt7Rz4Kp8Wn3"
EMAIL = "dana.whitfield@example.org"
FUZZ_LOG = (
    "2026-11-20T10:11:12.1234567Z ============================= FAILURES =====================\n"
    f"2026-11-20T10:11:12.1234567Z E   KeyError: '{FALSE_ALARM}' replaying for {EMAIL}\n"
    f"2026-11-20T10:11:12.1234567Z export GITHUB_TOKEN={GH}\n"
    "2026-11-20T10:11:13.0000000Z FAILED tests/fuzz/test_corpus.py::test_replay - KeyError\n"
)


def _fuzz_log(tmp_path: Path) -> tuple[Path, str]:
    """The log and the digest of its one finding (the redactor keeps the corpus name, which the
    detector flags; the token is redacted)."""
    src = tmp_path / "pytest-fuzz.log"
    src.write_text(FUZZ_LOG, encoding="utf-8")
    [finding] = ResidualPiiDetector().scan(Redactor().redact(FUZZ_LOG).text)
    return src, finding.digest


def _policy(repo: Path, digests: list[str]) -> Path:
    repo.mkdir(exist_ok=True)
    reviewed = [{"digest": d, "reason": "fuzz corpus entry name"} for d in digests]
    (repo / "telemetry.policy.json").write_text(
        json.dumps({"privacy": {"reviewed_findings": reviewed}}), encoding="utf-8"
    )
    return repo


EXPLAIN = [
    ("not reviewed: listed, exit 3", False, False, 3, "NOT REVIEWED"),
    ("reviewed in the policy: exit 0", True, False, 0, "\treviewed"),
    ("--show-lines prints the sanitized line", False, True, 3, "replaying for <EMAIL>"),
]


@pytest.mark.parametrize(
    ("name", "reviewed", "show_lines", "code", "shown"), EXPLAIN, ids=[c[0] for c in EXPLAIN]
)
def test_explain_lists_findings_with_digest_and_review_state(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    reviewed: bool,
    show_lines: bool,
    code: int,
    shown: str,
) -> None:
    src, digest = _fuzz_log(tmp_path)
    repo = _policy(tmp_path / "repo", [digest] if reviewed else [])
    argv = [str(src), "--explain", "--repo-root", str(repo)]
    assert main(argv + (["--show-lines"] if show_lines else [])) == code
    out, err = capsys.readouterr()
    line = out.splitlines()[0]
    location, _, printed_digest, _ = line.split("\t")
    assert location == f"{src}:2:45" and printed_digest == digest
    assert shown in out
    assert GH not in out + err and EMAIL not in out + err
    assert (FALSE_ALARM in out) == show_lines, "the flagged value is shown only when asked"
    assert set(tmp_path.iterdir()) == {src, repo}, "nothing written"


def test_explain_reads_the_policy_from_telemetry_repo_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src, digest = _fuzz_log(tmp_path)
    monkeypatch.setenv("TELEMETRY_REPO_ROOT", str(_policy(tmp_path / "repo", [digest])))
    assert main([str(src), "--explain"]) == 0
    assert "0 finding(s) not reviewed, 1 reviewed" in capsys.readouterr().err


USAGE = [
    ("with --out-dir", ["SRC", "--explain", "--out-dir", "OUT"], "writes nothing"),
    ("with stdin", ["-", "--explain"], "writes nothing"),
    ("an invalid policy", ["SRC", "--explain", "--repo-root", "BADREPO"], "repository policy"),
]


@pytest.mark.parametrize(("name", "args", "message"), USAGE, ids=[c[0] for c in USAGE])
def test_explain_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, args: list[str], message: str
) -> None:
    src, _ = _fuzz_log(tmp_path)
    bad = tmp_path / "BADREPO"
    bad.mkdir()
    (bad / "telemetry.policy.json").write_text(
        '{"privacy": {"reviewed_findings": [{"digest": "md5:abc", "reason": ""}]}}', "utf-8"
    )
    places = {"SRC": str(src), "OUT": str(tmp_path / "out"), "BADREPO": str(bad)}
    argv = [places.get(a, a) for a in args]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
