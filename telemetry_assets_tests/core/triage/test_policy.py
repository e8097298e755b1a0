"""Policy: precedence of sources, defaults (no automation), clear errors, and the gates."""

from __future__ import annotations

from pathlib import Path

import pytest

from telemetry_assets.core.triage.policy import (
    PolicyError,
    TelemetryForbidden,
    TelemetryPolicy,
    collection_gate,
    ensure_telemetry_allowed,
    issues_gate,
    load_policy,
    pull_request_gate,
    read_policy,
    telemetry_gate,
)

INPUTS = Path(__file__).resolve().parents[2] / "inputs" / "triage"


def text(name: str) -> str:
    return (INPUTS / name).read_text(encoding="utf-8")


SOURCES = [
    ("nothing: defaults", {}, "defaults", (True, False, False)),
    (
        "json file",
        {"telemetry.policy.json": text("policy-allows-pull-request.json")},
        "telemetry.policy.json",
        (True, False, True),
    ),
    (
        "toml file",
        {"telemetry.policy.toml": text("policy-forbids-telemetry.toml")},
        "telemetry.policy.toml",
        (False, False, False),
    ),
    (
        "AGENTS.md section",
        {"AGENTS.md": text("agents-md-with-policy.md")},
        "AGENTS.md#telemetry-policy",
        (True, False, True),
    ),
    (
        "file wins over AGENTS.md",
        {
            "AGENTS.md": text("agents-md-with-policy.md"),
            "telemetry.policy.toml": text("policy-forbids-telemetry.toml"),
        },
        "telemetry.policy.toml",
        (False, False, False),
    ),
    (
        "AGENTS.md without the section: defaults",
        {"AGENTS.md": "# AGENTS\n\n## Build\n"},
        "defaults",
        (True, False, False),
    ),
]


@pytest.mark.parametrize(
    ("name", "files", "expected"),
    [(n, f, (o, e)) for n, f, o, e in SOURCES],
    ids=[c[0] for c in SOURCES],
)
def test_sources_and_precedence(
    name: str, files: dict[str, str], expected: tuple[str, tuple[bool, bool, bool]]
) -> None:
    origin, (enabled, issues, pr) = expected
    loaded = read_policy(files)
    assert loaded.origin == origin
    p = loaded.policy
    assert (p.enabled, p.automation.issues, p.automation.pull_request) == (enabled, issues, pr)


def test_policy_values_override_defaults_field_by_field() -> None:
    p = load_policy({"AGENTS.md": text("agents-md-with-policy.md")})
    assert p.collection.job_types == ["unit", "e2e"]
    assert p.collection.allow_placement_opt_in is True  # not set: default kept
    assert p.collection.providers is None


def test_reads_from_a_repository_root(tmp_path: Path) -> None:
    (tmp_path / "telemetry.policy.json").write_text(text("policy-allows-pull-request.json"))
    p = load_policy(tmp_path)
    assert p.automation.pull_request is True
    assert load_policy(tmp_path / "missing-root") == TelemetryPolicy()


ERRORS = [
    (
        "typo in a field is named",
        {"telemetry.policy.json": text("policy-typo-in-field.json")},
        "automation.isues",
    ),
    (
        "string instead of boolean",
        {"telemetry.policy.toml": text("policy-wrong-type.toml")},
        "telemetry.policy.toml: invalid telemetry policy: enabled",
    ),
    (
        "unknown job type",
        {"telemetry.policy.json": '{"collection": {"job_types": ["nightly"]}}'},
        "collection.job_types",
    ),
    ("broken JSON gives a position", {"telemetry.policy.json": '{"enabled": tru'}, "line 1"),
    ("top level must be an object", {"telemetry.policy.json": "[true]"}, "object"),
    (
        "section without a json block",
        {"AGENTS.md": text("agents-md-section-without-json.md")},
        "AGENTS.md#telemetry-policy: the section has no",
    ),
    (
        "both files is ambiguous",
        {"telemetry.policy.json": "{}", "telemetry.policy.toml": ""},
        "keep one",
    ),
]


@pytest.mark.parametrize(("name", "files", "fragment"), ERRORS, ids=[c[0] for c in ERRORS])
def test_invalid_policy_names_the_field(name: str, files: dict[str, str], fragment: str) -> None:
    with pytest.raises(PolicyError) as err:
        load_policy(files)
    assert fragment in str(err.value)


def test_default_policy_allows_telemetry_but_no_automation() -> None:
    p = TelemetryPolicy()
    assert telemetry_gate(p).allowed
    assert not issues_gate(p).allowed
    assert not pull_request_gate(p).allowed
    assert "false (default)" in pull_request_gate(p).reason


def test_forbidden_telemetry_stops_with_the_reason() -> None:
    loaded = read_policy({"telemetry.policy.toml": text("policy-forbids-telemetry.toml")})
    with pytest.raises(TelemetryForbidden, match=r"forbidden by telemetry\.policy\.toml"):
        ensure_telemetry_allowed(loaded)
    assert not pull_request_gate(loaded.policy).allowed
    assert not collection_gate(loaded.policy, "github-actions", "unit", by_placement=False).allowed


ALLOWS = load_policy({"telemetry.policy.json": text("policy-allows-pull-request.json")})
COLLECTION = [
    ("listed provider and job", ("GitHub-Actions", "unit", False), True),
    ("provider not listed", ("circleci", "unit", False), False),
    ("job type not listed", ("buildkite", "agent", False), False),
    ("placement opt-in disabled", ("buildkite", "visual", True), False),
]


@pytest.mark.parametrize(("name", "args", "expected"), COLLECTION, ids=[c[0] for c in COLLECTION])
def test_collection_gate(name: str, args: tuple[str, str, bool], expected: bool) -> None:
    provider, job, placement = args
    assert collection_gate(ALLOWS, provider, job, by_placement=placement).allowed is expected
