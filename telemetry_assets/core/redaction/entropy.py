"""Cheap string statistics used by the redactor's validators (pure, no I/O).

Shannon entropy in bits per character, a "filler" test for obvious placeholder values such as
``xxxx``/``****``/``0000``, and a test for sequential alphabets (``abcdef...``, ``0123...``). They
run only on candidates a rule's regex already found, never on whole logs. The independent
detector has its own implementation on purpose: the two must not share code.
"""

from __future__ import annotations

import math
from collections import Counter
from itertools import pairwise

_FILLER_CHARS = frozenset("xX*#.•_-0a1")
_FILLER_ORDER = tuple(sorted(_FILLER_CHARS))


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value`` (0.0 for the empty string)."""
    if not value:
        return 0.0
    n = len(value)
    return -sum((c / n) * math.log2(c / n) for c in Counter(value).values())


def is_filler(value: str, share: float = 0.5) -> bool:
    """True for values made mostly of one filler character (``xxxx``, ``****``, ``0000``).

    A run is filler when a single character from ``x X * # . • _ - 0 a 1`` makes up at least half
    of the value: ``AP6xxxxxx`` and ``glpat-XXXX-XXXX`` are, ``AKIAZZZZZZZZZZZZZZZZ`` is not
    (``Z`` is not a filler letter: gitleaks' own true positives use it).
    """
    if not value:
        return True
    need = share * len(value)
    # Most values are not filler: unless one filler character alone reaches the share, the most
    # common character cannot be such a character. Cheaper than counting every character.
    if not any(value.count(c) >= need for c in _FILLER_ORDER):
        return False
    char, count = Counter(value).most_common(1)[0]
    return char in _FILLER_CHARS and count >= need


def is_sequential(value: str) -> bool:
    """True for alphabets written out in order (``0123456789abcdef``, ``ABCDEFGH...``)."""
    if len(value) < 8:
        return False
    steps = sum(1 for a, b in pairwise(value) if ord(b) - ord(a) == 1)
    return steps >= 0.8 * (len(value) - 1)
