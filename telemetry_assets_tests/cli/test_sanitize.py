"""``telemetry-sanitize``: files to --out-dir, stdin to stdout, audit on stderr, exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from telemetry_assets.cli.sanitize import WHOLE_COPY_FIELD, explain, main
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


# --- --explain: the privacy gate's findings, by field, and whether they are reviewed ----------

FALSE_ALARM = "fuzz_corpus_Qm9Lx2Vt7Rz4Kp8Wn3"
EMAIL = "dana.whitfield@example.org"
T = "2026-11-20T10:11:12.1234567Z "
FUZZ_LOG = "".join(
    T + line + "\n"
    for line in (
        "============================= test session starts ==============================",
        "platform linux -- Python 3.12.7, pytest-8.3.3, pluggy-1.5.0",
        f"export GITHUB_TOKEN={GH}",
        "collected 2 items",
        "",
        "tests/fuzz/test_corpus.py .F                                             [100%]",
        "",
        "=================================== FAILURES ===================================",
        "_________________________________ test_replay __________________________________",
        "",
        "    def test_replay():",
        ">       replay(load_entry(ENTRY))",
        f"E       KeyError: '{FALSE_ALARM}'",
        "",
        "tests/fuzz/test_corpus.py:31: KeyError",
        "=========================== short test summary info ============================",
        "FAILED tests/fuzz/test_corpus.py::test_replay - KeyError: '" + FALSE_ALARM + "'",
        "========================= 1 failed, 1 passed in 0.12s ==========================",
    )
)


def _fuzz_log(tmp_path: Path) -> tuple[Path, str]:
    """The log and the digest of its one finding (the redactor keeps the corpus name, which the
    detector flags; the token is redacted). The digest depends on the detector and the value
    only, so scanning the whole sanitized text gives the one the gate computes."""
    src = tmp_path / "pytest-fuzz.log"
    src.write_text(FUZZ_LOG, encoding="utf-8")
    digests = {f.digest for f in ResidualPiiDetector().scan(Redactor().redact(FUZZ_LOG).text)}
    [digest] = digests
    return src, digest


def _policy(repo: Path, digests: list[str]) -> Path:
    repo.mkdir(exist_ok=True)
    reviewed = [{"digest": d, "reason": "fuzz corpus entry name"} for d in digests]
    (repo / "telemetry.policy.json").write_text(
        json.dumps({"privacy": {"reviewed_findings": reviewed}}), encoding="utf-8"
    )
    return repo


def _finding_lines(out: str) -> list[list[str]]:
    """The tab-separated finding lines: FILE, FIELD, LINE:COL, DETECTOR, DIGEST, STATE."""
    return [line.split("\t") for line in out.splitlines() if line.count("\t") == 5]


def _starts_with(out: str, start: str) -> bool:
    """The verdict line (the first printed for a file) starts so."""
    return out.splitlines()[0].startswith(start)


EXPLAIN = [
    ("not reviewed: withheld, exit 3", False, False, 3, "withheld by the privacy gate"),
    ("reviewed in the policy: kept, exit 0", True, False, 0, "kept by the privacy gate"),
    (
        "--show-lines prints the flagged sanitized line",
        False,
        True,
        3,
        f"KeyError: '{FALSE_ALARM}'",
    ),
]


@pytest.mark.parametrize(
    ("name", "reviewed", "show_lines", "code", "shown"), EXPLAIN, ids=[c[0] for c in EXPLAIN]
)
def test_explain_lists_the_gates_findings_by_field(
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
    assert out.splitlines()[0].startswith(f"{src}: ")
    rows = _finding_lines(out)
    assert rows, "the gate's finding is listed"
    for file, field, _, detector, printed, state in rows:
        assert (file, printed, state) == (
            str(src),
            digest,
            "reviewed" if reviewed else "NOT REVIEWED",
        )
        assert field.startswith("failure 1 "), "named by the stored field holding it"
        assert detector
    assert "failure 1 message" in {row[1] for row in rows}
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


def test_explain_finds_an_audit_request_path_under_the_artifacts_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "artifacts"
    (root / "ci" / "gha-9001" / "logs").mkdir(parents=True)
    rel = "ci/gha-9001/logs/pytest-fuzz.log"
    (root / rel).write_text(FUZZ_LOG, encoding="utf-8")
    repo = _policy(tmp_path / "repo", [])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEMETRY_ARTIFACTS_ROOT", str(root))
    assert main([rel, "--explain", "--repo-root", str(repo)]) == 3
    assert _starts_with(capsys.readouterr().out, f"{rel}: withheld by the privacy gate")


JUNIT_SYSTEM_OUT = f"""<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="1" skipped="0" tests="1" time="0.4"
 timestamp="2026-11-20T10:11:12" hostname="runner-7">
<testcase classname="tests.test_checkout" name="test_apply_discount" time="0.020">
<failure message="KeyError: 'discount_code'">Traceback (most recent call last):
  File "/home/runner/work/shop/shop/tests/test_checkout.py", line 42, in test_apply_discount
    total = checkout.apply_discount(cart, code)
KeyError: 'discount_code'</failure>
<system-out>replaying corpus entry '{FALSE_ALARM}'</system-out>
</testcase></testsuite></testsuites>
"""

WHOLE_COPY = [
    ("without --whole-copy: only the gate's (none)", False, 0),
    ("with --whole-copy: the stdout text, labelled, exit code unchanged", True, 1),
]


@pytest.mark.parametrize(
    ("name", "whole_copy", "extra"), WHOLE_COPY, ids=[c[0] for c in WHOLE_COPY]
)
def test_whole_copy_findings_are_extra_and_labelled(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    whole_copy: bool,
    extra: int,
) -> None:
    # JUnit <system-out> is never stored, so the gate keeps the file; the sanitized copy
    # that --out-dir writes would still hold the flagged value.
    src = tmp_path / "junit.xml"
    src.write_text(JUNIT_SYSTEM_OUT, encoding="utf-8")
    argv = [str(src), "--explain", "--repo-root", str(_policy(tmp_path / "repo", []))]
    assert main(argv + (["--whole-copy"] if whole_copy else [])) == 0
    out = capsys.readouterr().out
    assert _starts_with(out, f"{src}: kept by the privacy gate")
    rows = _finding_lines(out)
    assert len(rows) == extra
    assert all(row[1] == WHOLE_COPY_FIELD for row in rows)


NODE_CRASH = (
    "2026-11-20T10:11:12.1234567Z FAIL src/ui/Table.test.tsx\n"
    "2026-11-20T10:11:12.1234567Z TypeError: Cannot read properties of undefined (reading 'id')\n"
    f"2026-11-20T10:11:12.1234567Z     at render (/srv/ci/{EMAIL}/shop/src/ui/Table.tsx:42:17)\n"
    "2026-11-20T10:11:12.1234567Z     at Object.<anonymous> "
    "(/home/runner/work/shop/shop/src/ui/Table.test.tsx:12:3)\n"
)


def test_a_finding_in_a_frame_is_named_by_the_frame_and_part(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The e-mail rule switched off stands for a redaction rule that misses a path's shape.
    src = tmp_path / "npm-test.log"
    src.write_text(NODE_CRASH, encoding="utf-8")
    redactor = Redactor(disabled_rules=["pii.email"])
    code = explain([str(src)], redactor, ResidualPiiDetector(), frozenset())
    assert code == 3
    fields = {row[1] for row in _finding_lines(capsys.readouterr().out)}
    # The frame's number follows the parser's frame order; its part is the file.
    assert any(re.fullmatch(r"failure 1 frame \d+ file", f) for f in fields), fields


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    assert main([str(tmp_path / "gone.json"), "--explain", "--repo-root", str(tmp_path)]) == 1


USAGE = [
    ("with --out-dir", ["SRC", "--explain", "--out-dir", "OUT"], "writes nothing"),
    ("with stdin", ["-", "--explain"], "writes nothing"),
    ("an invalid policy", ["SRC", "--explain", "--repo-root", "BADREPO"], "repository policy"),
    ("a disabled rule", ["SRC", "--explain", "--disable", "pii.email"], "disables no rule"),
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
