"""Validators and value judgements used by the residual-PII detector.

Pure functions over short strings: format validators (Luhn for card numbers, ISO 13616 mod-97
for IBANs, the ``ipaddress`` module for IP literals, SSN area/group/serial rules), Shannon
entropy, and the placeholder test that decides whether a value is one the sanitizer (or a human)
wrote instead of a real secret (``<TOKEN>``, ``${NPM_TOKEN}``, ``xxxx``, ``changeme`` ...).
Nothing here knows about the redactor's rules; these judgements are written from the formats'
own specifications so that the detector can catch a redactor bug instead of repeating it.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections import Counter

__all__ = [
    "iban_is_valid",
    "ip_is_reportable",
    "is_placeholder",
    "looks_like_code_reference",
    "luhn_is_valid",
    "shannon_entropy",
    "ssn_is_plausible",
]


def luhn_is_valid(digits: str) -> bool:
    """The Luhn (mod 10) check over a string of ASCII digits."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# ISO 13616 lengths for the countries whose IBANs are likely to show up; an unknown country code
# still passes when the checksum does, because the mod-97 check alone is a 1-in-97 filter and the
# shape regex already demands the country-code + two-check-digit prefix.
_IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AT": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "CH": 21, "CY": 28,
    "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SA": 24,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26, "UA": 29,
}  # fmt: skip


def iban_is_valid(candidate: str) -> bool:
    """True for a compact or space-grouped IBAN whose mod-97 checksum is 1."""
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    expected = _IBAN_LENGTHS.get(compact[:2])
    if expected is not None and expected != len(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


def ssn_is_plausible(area: str, group: str, serial: str) -> bool:
    """SSA rules that never change: no all-zero field and no area 666.

    Areas 900-999 are not issued, but they are kept: test data and leaked sample records use
    them (``987-65-4321``) and a value shaped like an SSN is worth a block either way.
    """
    return area != "000" and area != "666" and group != "00" and serial != "0000"


def ip_is_reportable(literal: str) -> bool:
    """A valid IPv4/IPv6 address (optionally ``/prefix`` or ``%zone``) that names a host.

    Loopback (127.0.0.0/8, ``::1``) and unspecified (``0.0.0.0``, ``::``) addresses identify
    nobody and are kept by the sanitizer's policy, so they are not reported. IPv4-mapped IPv6
    addresses are judged by their IPv4 part.
    """
    address_text = literal.split("%", 1)[0]
    address_text = address_text.split("/", 1)[0]
    try:
        address = ipaddress.ip_address(address_text)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        mapped = address.ipv4_mapped
        return not mapped.is_loopback
    return not (address.is_loopback or address.is_unspecified)


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value``'s own character distribution."""
    if not value:
        return 0.0
    length = len(value)
    return -sum(n / length * math.log2(n / length) for n in Counter(value).values())


# Values a person or a template writes where a secret would go. Whole-value matches only: a
# real secret that merely *contains* ``${`` or ``{{`` is still a secret.
_PLACEHOLDER_SHAPES = re.compile(
    r"""
    ^(?:
        <[^<>\n]{1,60}>                     # <TOKEN>, <your-token>, <Openverse API token>
      | \$\{\{[^}]*\}\}                     # ${{ secrets.NPM_TOKEN }} (GitHub Actions)
      | \{\{[^}]*\}\}                       # {{ .Values.token }} (Helm, Jinja)
      | \$\{[^}]*\}                         # ${TOKEN}, ${env:TOKEN}
      | \$\(.*                              # $(gcloud auth print-access-token)
      | \$[A-Za-z0-9_]+                      # $TOKEN, $1
      | %[A-Za-z_][A-Za-z0-9_]*%            # %TOKEN% (Windows)
      | %\([A-Za-z_]\w*\)s                  # %(password)s (Python format)
      | \[(?:REDACTED|MASKED|FILTERED|HIDDEN|SECRET|TOKEN)\]
      | \*{3,}|x{3,}|X{3,}|\.{3,}|…
      | (?:process\.env|os\.environ|env|secrets|vars)\b.*  # references, not values
    )$
    """,
    re.VERBOSE,
)

# Words that stand in for a value; compared case-insensitively with separators removed.
_PLACEHOLDER_WORDS: frozenset[str] = frozenset(
    {
        "changeme", "changeit", "redacted", "masked", "placeholder", "example", "dummy",
        "yourtoken", "yourapikey", "yourpassword", "yoursecret", "yourkey", "mytoken",
        "mypassword", "mysecret", "none", "null", "nil", "true", "false", "undefined", "empty",
        "notset", "unset", "todo", "tbd", "na", "secret", "password", "passwd", "token",
        "apikey", "hidden", "removed", "filtered", "required", "optional", "string", "str",
        "bytes", "int", "bool", "any", "object", "default", "test", "testing", "foo", "bar",
        "baz", "foobar", "abc", "abc123", "hunter2", "sample", "fake", "invalid", "missing",
    }
)  # fmt: skip

_STRIP_CHARS = "'\"`;,"
# A run of filler characters standing in for the body of a token (``AKIAXXXXXXXXXXXXXXXX``).
_FILLER_RUN = re.compile(r"[xX*#.•]{4,}|([a-z0-9])\1{11,}")


def is_placeholder(value: str) -> bool:
    """True when ``value`` is a stand-in rather than a secret.

    Besides the shapes above, any value whose letters and digits are one repeated character
    (``0000-0000``, ``aaaa``) is a placeholder: a real
    credential of useful length never has that little variety. The same goes for a value that
    is mostly a filler run of ``x``, ``X``, ``*``, ``#`` or ``.`` (``AKIAXXXXXXXXXXXXXXXX``).
    """
    stripped = value.strip().strip(_STRIP_CHARS).strip()
    if not stripped:
        return True
    if _PLACEHOLDER_SHAPES.match(stripped):
        return True
    # Bearer/Basic/token prefixes are not part of the value's identity.
    head, _, tail = stripped.partition(" ")
    if tail and head.lower() in {"bearer", "basic", "token", "digest"}:
        return is_placeholder(tail)
    folded = re.sub(r"[\W_]+", "", stripped).lower()
    if folded in _PLACEHOLDER_WORDS:
        return True
    if len(folded) >= 3 and len(set(folded)) <= 1 and len(folded) * 2 >= len(stripped):
        return True
    # ``ghp_xxxxxxxxxxxx`` / ``AKIAXXXXXXXXXXXXXXXX``: a prefix, then mostly filler.
    filler = sum(len(run.group()) for run in _FILLER_RUN.finditer(stripped))
    return filler * 2 >= len(stripped)


_CODE_REFERENCE = re.compile(
    r"""
    ^(?:
        [A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?:\(.*)?  # settings.SECRET_KEY, os.getenv(...)
      | [A-Za-z_]\w*\(.*                        # get_token(...)
      | [A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+            # an env-var NAME, not its value
      | (?:Optional|Union|list|dict|str|bytes|SecretStr)\[.*  # type annotations
      | \d{1,5}                                 # counts, ports, lengths
    )$
    """,
    re.VERBOSE,
)


def looks_like_code_reference(value: str) -> bool:
    """An unquoted value that names something (an attribute, a call, a type, an env var)."""
    if not _CODE_REFERENCE.match(value):
        return False
    # `s.ZC9Ecf4M5g9o34Q6RkzGsj0z` has the shape of `obj.attr` but one part is random.
    return not any(
        len(part) >= 12 and sum(c.isdigit() for c in part) >= 2 for part in value.split(".")
    )
