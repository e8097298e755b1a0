"""Real console output of failing tests and crashes (``../shared/realworld-console``: 164 files
from 29 projects in 17 languages, counted by hand): the parsers find each file's failures and the
fingerprint its groups. Prints the rates per language and every miss; the floor is 95% of the
files not marked ambiguous, on failures and on groups, over all languages and over the languages
read since the first release (Python, JavaScript/TypeScript, Go, Rust, the JVM)."""

from __future__ import annotations

import pytest

from telemetry_assets_tests import console_corpus
from telemetry_assets_tests.prerequisites import missing

FLOOR = 0.95
FIRST_RELEASE = {
    "Python",
    "JavaScript",
    "TypeScript",
    "Go",
    "Rust",
    "Java",
    "Kotlin",
    "Scala",
    "Groovy",
}


@pytest.fixture(scope="module")
def scores() -> list[console_corpus.Score]:
    if not console_corpus.MANIFEST.is_file():
        missing(f"console corpus not found at {console_corpus.CONSOLE}")
    scored = console_corpus.score_all()
    print("\n" + console_corpus.summary(scored))
    return scored


@pytest.mark.parametrize(
    ("name", "languages"), [("all languages", None), ("first-release languages", FIRST_RELEASE)]
)
def test_failures_and_groups_are_exact_on_the_real_console_corpus(
    scores: list[console_corpus.Score], name: str, languages: set[str] | None
) -> None:
    chosen = [
        s for s in scores if not s.ambiguous and (languages is None or s.language in languages)
    ]
    failures = sum(s.failures_exact for s in chosen) / len(chosen)
    groups = sum(s.groups_exact for s in chosen) / len(chosen)
    print(f"{name}: {len(chosen)} files, failures {failures:.1%}, groups {groups:.1%}")
    assert failures >= FLOOR
    assert groups >= FLOOR


def test_every_language_of_the_corpus_is_read(scores: list[console_corpus.Score]) -> None:
    rates = console_corpus.rates(scores)
    unread = [lang for lang, (n, exact, _) in rates.items() if lang != "ALL" and exact == 0]
    assert unread == []
