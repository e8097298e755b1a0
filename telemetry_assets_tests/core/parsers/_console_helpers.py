"""Shared by the language tests: how exactly a language's files of the real console corpus
(``../shared/realworld-console``, scored by :mod:`telemetry_assets_tests.console_corpus`) are read.

Only failure counts are the parsers' own result; group counts also depend on the fingerprint and
are reported by the scorer, not asserted here. A missing corpus skips locally and fails in CI.
"""

from __future__ import annotations

from telemetry_assets_tests import console_corpus
from telemetry_assets_tests.prerequisites import missing


def exact_failure_rate(language: str) -> tuple[float, list[str]]:
    """(share of the language's not-ambiguous files exact on failures, the misses)."""
    if not console_corpus.MANIFEST.is_file():
        missing(f"console corpus not found at {console_corpus.CONSOLE} (expected <repo>/../shared)")
    scores = [s for s in console_corpus.score_all({language}) if not s.ambiguous]
    assert scores, f"no {language} files in the console corpus"
    misses = [
        f"{s.path}: {s.failures}/{s.expected_failures}" for s in scores if not s.failures_exact
    ]
    return 1 - len(misses) / len(scores), misses
