"""Near-duplicate detection across fingerprints: groups a human may want to look at together.

Input is one representative sanitized Failure per fingerprint (``{fingerprint: failure}``);
output is a deterministic list of :class:`SimilarPair` naming two fingerprints and why they look
related. Three signals, as data in :data:`SIGNALS` (checked in order, the first that fires names
the pair): the same innermost in-app frames (as the fingerprint selects them: up to the first
test/harness caller) with a different exception type or message (one code path, several
symptoms); a message variant the two groups share (the parameterised messages a group's
occurrences printed, which the fingerprint does not hash when frames decide); and parameterised
messages that are nearly equal (difflib ratio or token Jaccard at or above ``threshold``).
This never changes a fingerprint: grouping stays exact and explainable, and similarity is
advice printed next to it. Pure; no I/O.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from telemetry_assets.core.fingerprint.fingerprint import (
    fingerprint,
    frame_key,
    hashed_frames,
    message_variant,
)
from telemetry_assets.core.fingerprint.normalise import (
    is_meaningful_message,
    normalise_exception_type,
    normalise_message,
)
from telemetry_assets.core.models import Failure


@dataclass(frozen=True, slots=True)
class SimilarPair:
    """Fingerprints ``a`` < ``b`` that look related, the reason, and a score in [0, 1]."""

    a: str
    b: str
    reason: str
    score: float


@dataclass(frozen=True, slots=True)
class _Profile:
    key: str
    exception_type: str
    message: str
    tokens: frozenset[str]
    frames: tuple[str, ...]
    meaningful: bool
    """``is_meaningful_message(message)``, decided once per profile rather than once per pair."""
    variants: frozenset[str]
    """Meaningful message variants of the group (its own representative's included)."""
    matchers: dict[str, difflib.SequenceMatcher[str]] = field(compare=False, repr=False)
    """Shared by the profiles of one :func:`similar_groups` call: message -> a matcher holding
    it as its second sequence, built when a pair first needs it. difflib indexes the second
    sequence, and that index is reused for every pair in which the message is ``q``'s."""

    def matcher(self) -> difflib.SequenceMatcher[str]:
        found = self.matchers.get(self.message)
        if found is None:
            found = difflib.SequenceMatcher(None, "", self.message, autojunk=False)
            self.matchers[self.message] = found
        return found


_TOKEN = re.compile(r"<[A-Z_]+>|[A-Za-z_][\w.$]*|\S")

_Parts = tuple[str, str, frozenset[str], tuple[str, ...], bool, frozenset[str]]


def _profile_parts(failure: Failure, top_n: int, variants: frozenset[str]) -> _Parts:
    """Everything of a profile but its key and matchers."""
    frames, origin = hashed_frames(failure, limit=top_n)
    message = normalise_message(failure.message)
    own = {message_variant(failure), *variants}
    return (
        normalise_exception_type(failure.exception_type),
        message,
        frozenset(_TOKEN.findall(message)),
        # Library-only stacks are shared by unrelated bugs (every Go panic ends in runtime);
        # only in-app frames say "same code path".
        tuple(frame_key(f) for f in frames) if origin == "in_app" else (),
        is_meaningful_message(message),
        frozenset(v for v in own if v and is_meaningful_message(v)),
    )


def _profile(
    key: str,
    failure: Failure,
    top_n: int,
    variants: Iterable[str] = (),
    matchers: dict[str, difflib.SequenceMatcher[str]] | None = None,
) -> _Profile:
    shared = {} if matchers is None else matchers
    if _hashable(failure):
        return _Profile(key, *_cached_parts(failure, top_n, frozenset(variants)), matchers=shared)
    return _Profile(key, *_profile_parts(failure, top_n, frozenset(variants)), matchers=shared)


# Cached: a group's representative and variants recur on every date its window covers.
_cached_parts = lru_cache(maxsize=4096)(_profile_parts)


@lru_cache(maxsize=4096)
def _cached_value(failure: Failure) -> str:
    return fingerprint(failure).value


def _hashable(failure: Failure) -> bool:
    """A failure built with lists where tuples belong cannot be a cache key."""
    try:
        hash(failure)
    except TypeError:
        return False
    return True


def _fingerprint_value(failure: Failure) -> str:
    return _cached_value(failure) if _hashable(failure) else fingerprint(failure).value


def _same_frames(
    p: _Profile, q: _Profile, top_n: int, threshold: float
) -> tuple[str, float] | None:
    if not p.frames or p.frames != q.frames:
        return None
    differs = "exception type" if p.exception_type != q.exception_type else "message"
    return f"same top-{len(p.frames)} in-app frames, different {differs}", 1.0


def _shared_variant(
    p: _Profile, q: _Profile, top_n: int, threshold: float
) -> tuple[str, float] | None:
    shared = sorted(p.variants & q.variants)
    if not shared:
        return None
    return f"shared message variant {shared[0][:60]!r}", 0.95


def _similar_message(
    p: _Profile, q: _Profile, top_n: int, threshold: float
) -> tuple[str, float] | None:
    if not (p.meaningful and q.meaningful):
        return None
    union = p.tokens | q.tokens
    jaccard = len(p.tokens & q.tokens) / len(union) if union else 0.0
    best, how = jaccard, "token Jaccard"
    matcher = q.matcher()
    matcher.set_seq1(p.message)  # same result as a fresh matcher on (p.message, q.message)
    # The quick ratios are upper bounds: skip the quadratic ratio() when it cannot win.
    if best < threshold <= matcher.real_quick_ratio() and threshold <= matcher.quick_ratio():
        ratio = matcher.ratio()
        if ratio > best:
            best, how = ratio, "difflib ratio"
    if best >= threshold:
        return f"message similarity {best:.2f} ({how})", round(best, 4)
    return None


Signal = Callable[[_Profile, _Profile, int, float], tuple[str, float] | None]

# Order: a shared code path is the stronger, cheaper statement, so it names the pair when both
# signals fire; message similarity is the fallback for frame-less failures.
SIGNALS: tuple[tuple[str, Signal], ...] = (
    ("same_frames", _same_frames),
    ("shared_variant", _shared_variant),
    ("similar_message", _similar_message),
)


_CANDIDATE_JACCARD = 0.5
"""Message pairs are compared only when their token sets could reach this Jaccard index (well
below the ``threshold`` a pair must reach, so the character ratio still finds messages that
differ in a few words)."""


def _candidates(profiles: list[_Profile]) -> set[tuple[int, int]]:
    """Index pairs (i < j) that any signal could fire on, instead of every pair.

    Same frames and shared variants are found through buckets. For similar messages, a pair
    whose token sets reach Jaccard ``t`` must share one of the first ``|A| - ceil(t*|A|) + 1``
    tokens of each set when tokens are ordered rarest first (prefix filtering), so only the
    messages that share such a rare token are compared. Linear in practice, where comparing every
    pair was quadratic (minutes for a few thousand groups).
    """
    out: set[tuple[int, int]] = set()

    def pairs_of(bucket: list[int]) -> None:
        for a, i in enumerate(bucket):
            for j in bucket[a + 1 :]:
                out.add((i, j))

    by_frames: dict[tuple[str, ...], list[int]] = {}
    by_variant: dict[str, list[int]] = {}
    for i, p in enumerate(profiles):
        if p.frames:
            by_frames.setdefault(p.frames, []).append(i)
        for v in p.variants:
            by_variant.setdefault(v, []).append(i)
    for bucket in (*by_frames.values(), *by_variant.values()):
        pairs_of(bucket)
    meaningful = [i for i, p in enumerate(profiles) if p.meaningful and p.tokens]
    frequency: dict[str, int] = {}
    for i in meaningful:
        for token in profiles[i].tokens:
            frequency[token] = frequency.get(token, 0) + 1
    index: dict[str, list[int]] = {}
    for i in meaningful:
        tokens = sorted(profiles[i].tokens, key=lambda t: (frequency[t], t))
        size = len(tokens)
        prefix = size - math.ceil(_CANDIDATE_JACCARD * size) + 1
        for token in tokens[:prefix]:
            index.setdefault(token, []).append(i)
    for bucket in index.values():
        pairs_of(bucket)
    return out


def similar_groups(
    representatives: Mapping[str, Failure],
    *,
    top_n: int = 3,
    threshold: float = 0.9,
    variants: Mapping[str, Iterable[str]] | None = None,
) -> list[SimilarPair]:
    """Pairs of distinct fingerprints that look related, highest score first, then by ids.

    ``representatives`` maps a fingerprint value to one failure of that group; ``variants``
    optionally maps it to every message variant its occurrences printed. Two keys whose
    failures fingerprint identically (the caller passed duplicates) are not reported.
    """
    more = variants or {}
    matchers: dict[str, difflib.SequenceMatcher[str]] = {}
    profiles = [
        _profile(k, representatives[k], top_n, more.get(k, ()), matchers)
        for k in sorted(representatives)
    ]
    values = {p.key: _fingerprint_value(representatives[p.key]) for p in profiles}
    pairs: list[SimilarPair] = []
    for i, j in sorted(_candidates(profiles)):
        p, q = profiles[i], profiles[j]
        if values[p.key] == values[q.key]:
            continue
        for _name, signal in SIGNALS:
            found = signal(p, q, top_n, threshold)
            if found is not None:
                pairs.append(SimilarPair(p.key, q.key, found[0], found[1]))
                break
    pairs.sort(key=lambda s: (-s.score, s.a, s.b))
    return pairs
