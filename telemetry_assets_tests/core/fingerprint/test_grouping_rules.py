"""Repository grouping rules: a policy rule adds a field to the hash of the failures it matches.

The case is the one rules exist for: a generic process-runner helper (``tools/proc.py``'s
``run_command``) raises ``CalledProcessError`` for whatever command failed, so every failure
through it shares its frames and one group, although ``npm ci`` and ``git fetch`` failing are
different problems. A rule on that helper adds the parameterised message for those failures
only; every other group keeps its fingerprint.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest

from telemetry_assets.core.fingerprint.fingerprint import (
    GroupingRule,
    explain,
    fingerprint,
    grouping_rule_of,
)
from telemetry_assets.core.grouping import build_groups
from telemetry_assets.core.models import Failure, Frame
from telemetry_assets.core.occurrences import build_occurrences
from telemetry_assets.core.rollup import notes_for
from telemetry_assets.core.sanitize import chained_to_json, frames_to_json
from telemetry_assets.core.triage.actions import triage_group
from telemetry_assets.core.triage.owners import FixtureRepoFacts
from telemetry_assets.core.triage.policy import PolicyError, load_policy
from telemetry_assets.core.window import window_for

ROOT = "/home/runner/work/shop/shop/"


def runner_failure(command: str, status: int, *, caller: str = "build_assets") -> Failure:
    message = f"Command '{command}' returned non-zero exit status {status}."
    return Failure(
        "plain_log",
        message,
        f"subprocess.CalledProcessError: {message}",
        "subprocess.CalledProcessError",
        (
            Frame(f"{ROOT}tools/release.py", "main", 88),
            Frame(f"{ROOT}tools/release.py", caller, 41),
            Frame(f"{ROOT}tools/proc.py", "run_command", 17),
            Frame("/usr/lib/python3.12/subprocess.py", "check_call", 413),
        ),
        language="python",
    )


def other_failure(key: str = "user_id") -> Failure:
    return Failure(
        "junit-xml",
        f"KeyError: '{key}'",
        "",
        "KeyError",
        (
            Frame(f"{ROOT}tests/test_auth.py", "test_login", 14),
            Frame(f"{ROOT}src/acme/auth.py", "handle_login", 31),
            Frame(f"{ROOT}src/acme/profile.py", "load_profile", 9),
        ),
        test_id="tests.test_auth.test_login",
    )


POLICY = {
    "telemetry.policy.json": json.dumps(
        {
            "grouping": {
                "rules": [
                    {
                        "name": "runner-commands",
                        "function": "run_command",
                        "path": "tools/proc.py",
                        "add": "message",
                    }
                ]
            }
        }
    )
}
RULES = load_policy(POLICY).grouping.fingerprint_rules()

# (name, a, b, same group without rules, same group with the policy's rules)
CASES = [
    (
        "two commands failing through the helper",
        runner_failure("npm ci", 1),
        runner_failure("git fetch origin", 128),
        True,
        False,
    ),
    (
        "one command, other exit status",
        runner_failure("npm ci", 1),
        runner_failure("npm ci", 2),
        True,
        True,
    ),
    (
        "one command from another caller is still another caller",
        runner_failure("npm ci", 1),
        runner_failure("npm ci", 1, caller="publish_docs"),
        False,
        False,
    ),
    (
        "failures the rule does not match keep merging as before",
        other_failure("user_id"),
        other_failure("locale"),
        True,
        True,
    ),
]


@pytest.mark.parametrize(
    ("name", "a", "b", "same_default", "same_with_rules"), CASES, ids=[c[0] for c in CASES]
)
def test_rule_splits_only_what_it_matches(
    name: str, a: Failure, b: Failure, same_default: bool, same_with_rules: bool
) -> None:
    assert (fingerprint(a).value == fingerprint(b).value) is same_default
    assert (fingerprint(a, RULES).value == fingerprint(b, RULES).value) is same_with_rules


def test_unmatched_failures_keep_their_fingerprint() -> None:
    for failure in (other_failure(), other_failure("email")):
        assert fingerprint(failure, RULES) == fingerprint(failure)


def test_rule_is_explained_and_named() -> None:
    fp = fingerprint(runner_failure("npm ci", 1), RULES)
    assert grouping_rule_of(fp) == "runner-commands"
    assert ("rule:message", "Command 'npm ci' returned non-zero exit status <NUM>.") in (
        fp.components
    )
    text = explain(fp)
    assert "grouping_rule = 'runner-commands'" in text and "repository policy" in text
    assert grouping_rule_of(fingerprint(other_failure(), RULES)) is None


MATCH_CASES = [
    ("type glob on the printed type", GroupingRule("r", exception_type="subprocess.*"), True),
    ("type glob on the short type", GroupingRule("r", exception_type="CalledProcess*"), True),
    ("path glob with a leading **/", GroupingRule("r", path="**/proc.py"), True),
    ("function glob", GroupingRule("r", function="run_*"), True),
    (
        "all conditions must hold",
        GroupingRule("r", function="run_*", exception_type="KeyError"),
        False,
    ),
    ("library frames are not the deciding frames", GroupingRule("r", function="check_call"), False),
    ("no condition matches nothing", GroupingRule("r"), False),
]


@pytest.mark.parametrize(("name", "rule", "matches"), MATCH_CASES, ids=[c[0] for c in MATCH_CASES])
def test_rule_matching(name: str, rule: GroupingRule, matches: bool) -> None:
    failure = runner_failure("npm ci", 1)
    assert (grouping_rule_of(fingerprint(failure, (rule,))) == "r") is matches


INVALID = [
    ("no condition", {"name": "everything"}),
    ("unknown field to add", {"name": "x", "function": "f", "add": "hostname"}),
    ("unknown key", {"name": "x", "function": "f", "fields": ["message"]}),
    ("name with spaces", {"name": "my rule", "function": "f"}),
]


@pytest.mark.parametrize(("name", "rule"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_rules_are_policy_errors(name: str, rule: dict[str, object]) -> None:
    text = json.dumps({"grouping": {"rules": [rule]}})
    with pytest.raises(PolicyError, match="grouping"):
        load_policy({"telemetry.policy.json": text})


def test_duplicate_rule_names_are_refused() -> None:
    rule = {"name": "x", "function": "f"}
    text = json.dumps({"grouping": {"rules": [rule, rule]}})
    with pytest.raises(PolicyError, match="unique"):
        load_policy({"telemetry.policy.json": text})


def test_rule_reaches_the_group_and_its_notes() -> None:
    def row(run: str, failure: Failure) -> dict[str, object]:
        return {
            "artifact": f"ci/{run}/job.log",
            "run_id": run,
            "provider": "github-actions",
            "job_type": "unit",
            "branch": "main",
            "occurred_at": datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
            "source_format": failure.source_format,
            "kind": failure.kind,
            "language": failure.language,
            "exception_type": failure.exception_type,
            "message": failure.message,
            "trace": failure.trace,
            "test_id": failure.test_id,
            "test_file": None,
            "frames": frames_to_json(failure.frames),
            "chained": chained_to_json(()),
            "flaky": False,
            "redactions": "{}",
        }

    failures = pd.DataFrame(
        [
            row("r1", runner_failure("npm ci", 1)),
            row("r2", runner_failure("git fetch origin", 128)),
            row("r3", other_failure()),
        ]
    )
    window = window_for("2026-11-22")
    groups = build_groups(build_occurrences(failures, window, rules=RULES), window)
    assert sorted(str(g.grouping_rule) for g in groups) == [
        "None",
        "runner-commands",
        "runner-commands",
    ]
    ruled = next(g for g in groups if g.grouping_rule)
    notes = notes_for(triage_group(ruled, FixtureRepoFacts(None, {}), {}, ()))
    assert "grouping rule 'runner-commands' applied" in notes
