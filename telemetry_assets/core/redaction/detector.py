"""The independent residual-PII detector: a second opinion on text the redactor has sanitized.

:class:`ResidualPiiDetector` scans text for anything that still looks like personal data or a
credential and returns :class:`Finding` values (probe name, 1-based line and column) that never
carry the matched text, so they can go into Dagster metadata, reports and exceptions. It is
deliberately *not* the redactor grading its own homework: it shares no code or patterns with
``rules.py``/``redactor.py`` and leans on different techniques (format validators such as the
``ipaddress`` module, Luhn, IBAN mod-97 and SSN rules; entropy; keyword proximity; a vendor
token table; and detect-secrets 1.5 plugins called through their pure ``analyze_string``).
It must stay quiet on the pipeline's sanitized output: the placeholders ``<EMAIL>``, ``<IP>``,
``<USER>`` ... in any context, ``file.py:LINE``, ordinary stack traces, versions, git SHAs
after commit/sha/rev words, localhost and public URLs. Policy decisions worth knowing:
a dotted quad right after ``v``/``version``/``==``/``@`` is a version, not an IP; loopback and
unspecified addresses are not reported; well-known CI service accounts (``runner``, ``jenkins``
...) in home directories are not people; 32+ hex after hash/commit/digest words is an
identifier. Pure: no Dagster, no filesystem, no global detect-secrets settings.

Precision on real build output (measured by ``benchmarks/detector_precision.py`` on compiler,
linter, crash, lockfile and CI text holding no secret) comes from validators and context, not
allow-lists: a Cookie header is parsed as RFC 6265 pairs (so ``cookie`` in minified JavaScript
is no header); a secret-named key must assign a value (not be a file name before a position
such as ``token.go:LINE`` or ``token.rs:711:11``, also JSON-escaped; not a Rust/C++ ``::`` path;
not a code expression, a version requirement, a count, a mode word or public material such as
``PublicKeyToken``), and a bare ``key`` must hold opaque key material of 24+ characters;
high-entropy runs are not reported when they are digests or ids by their context (hash, id and
fuzzing-unit words, ``@``/``#`` revision pins, revision ranges, lockfile checksums, ``base64,``
data URIs, a path component or a file named by its hash) or by their shape (a composed name
whose pieces are words, numbers, hex digests or git-describe suffixes; an alphabet table; a
mangled C++ symbol); Luhn-valid numbers must fit an issuer's IIN range and length and not be a
signed integer or a name's tail; an ``int``/``corp`` label needs a host that ends in a TLD.

Each :class:`Finding` carries a digest of (detector, matched value) computed by
:func:`finding_digest` (PBKDF2), so a reviewed false alarm can be allowed by digest without the
value ever being written down.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import functools
import hashlib
import re
import string
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import re2
from detect_secrets.filters import heuristic as ds_heuristic
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import BasePlugin
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.high_entropy_strings import (
    Base64HighEntropyString,
    HexHighEntropyString,
    HighEntropyStringsPlugin,
)
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.keyword import KeywordDetector
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

from telemetry_assets.core.redaction.detector_checks import (
    iban_is_valid,
    ip_is_reportable,
    is_placeholder,
    looks_like_code_reference,
    luhn_is_valid,
    shannon_entropy,
    ssn_is_plausible,
)
from telemetry_assets.core.redaction.detector_vendors import VENDOR_TOKENS

__all__ = ["Finding", "ResidualPiiDetector", "finding_digest"]


@dataclass(frozen=True, slots=True)
class Finding:
    """Where a probe found residual PII. Deliberately holds no matched text.

    A finding is identified by (detector, line, column): two findings there are equal whatever
    their digests, which derive from the value and add no identity of their own.
    """

    detector: str
    line: int
    """1-based line within the scanned text."""
    column: int
    """1-based column (in characters) within that line."""
    digest: str = field(default="", compare=False)
    """:func:`finding_digest` of (detector, matched value): lets a maintainer mark a reviewed
    false alarm as benign without ever writing the value down. ``""`` when built by hand."""


_DIGEST_SALT: Final = b"telemetry_assets/finding/v1/"
_DIGEST_ROUNDS: Final = 20_000


def finding_digest(detector: str, value: str) -> str:
    """The stable digest of a finding: ``fd1:`` + PBKDF2-HMAC-SHA256 of the matched value, salted
    with the detector name. PBKDF2 (not one hash) so that guessing a short value (a PIN, a
    4-digit serial) from a published digest costs real time per guess; the value itself never
    appears in it."""
    salt = _DIGEST_SALT + detector.encode("utf-8")
    # "surrogatepass": a report's undecodable bytes can reach a value as lone surrogates; any
    # other value encodes exactly as plain UTF-8, so its digest is unchanged.
    data = value.encode("utf-8", "surrogatepass")
    raw = hashlib.pbkdf2_hmac("sha256", data, salt, _DIGEST_ROUNDS)
    return "fd1:" + raw.hex()


# A probe yields (finding name, start, end) of every matched value in one whole text: the span
# names the value a finding digest is computed from (the value, never a wider context).
_Hits = Iterator[tuple[str, int, int]]


def _before(text: str, offset: int, width: int) -> str:
    """Up to ``width`` characters before ``offset`` on the same line."""
    start = max(0, offset - width)
    return text[text.rfind("\n", start, offset) + 1 or start : offset]


def _utf8(text: str) -> bytes:
    """RE2 reads bytes; a lone surrogate (undecodable input) becomes ``?``, never an error."""
    return text.encode("utf-8", "replace")


# --------------------------------------------------------------------------------------------
# Emails


_EMAIL: Final = re.compile(
    r"""
    (?<![\w.%+-])                                   # not the tail of a longer local part
    [A-Za-z0-9][A-Za-z0-9._%+-]{0,63}
    @
    (?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+
    (?P<tld>[A-Za-z]{2,24}|xn--[A-Za-z0-9-]{2,59})
    (?![\w-])
    """,
    re.VERBOSE,
)
# Not emails: `pkg@1.2.3` (numeric "TLD"), `git@github.com` (an SSH login, not a person), and
# asset names such as `icon@2x.png` whose "TLD" is a file extension.
_FILE_EXTENSIONS: Final = frozenset(
    [
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
        "webp",
        "ico",
        "js",
        "mjs",
        "cjs",
        "ts",
        "tsx",
        "jsx",
        "py",
        "pyc",
        "json",
        "css",
        "scss",
        "map",
        "java",
        "kt",
        "go",
        "rs",
        "txt",
        "log",
        "html",
        "xml",
        "yml",
        "yaml",
        "lock",
        "md",
        "so",
        "dll",
        "class",
        "jar",
        "whl",
        "gz",
        "tgz",
        "zip",
    ]
)


def _find_emails(text: str) -> _Hits:
    for match in _EMAIL.finditer(text):
        if match.group("tld").lower() in _FILE_EXTENSIONS:
            continue
        if match.group().lower().startswith("git@"):
            continue
        yield "email", match.start(), match.end()


# --------------------------------------------------------------------------------------------
# IP addresses


_IPV4: Final = re.compile(
    r"""
    (?<![\w.])                                  # not inside v1.2.3.4 or a longer dotted run
    (?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}
    (?:/\d{1,2})?
    (?!\w|\.\d+\.\d)                            # nor 1.2.3.4a or a 6-part version
    """,
    re.VERBOSE,
)
# A dotted quad preceded by these is a version (`version 1.2.3.4`, `pkg==1.2.3.4`, `@1.2.3.4`).
_VERSION_CONTEXT: Final = re.compile(
    r"(?i)(?:\bv|\bversions?|\bver|\brelease|\btag|\bbuild|==|>=|<=|~=|\^|~|@)[ \t:=]{0,3}$"
)
# ... or followed by a pre-release/build suffix, a file extension (`lib-1.1.7.5.jar`), or a
# path separator after a path separator (`/repository/org/x/1.1.7.5/`).
_VERSION_SUFFIX: Final = re.compile(r"(?i)-(?:[a-z]|rc|\d)|\+[\w.]|\.[a-z]")


def _find_ipv4(text: str) -> _Hits:
    for match in _IPV4.finditer(text):
        if _VERSION_CONTEXT.search(_before(text, match.start(), 12)):
            continue
        if _VERSION_SUFFIX.match(text, match.end()):
            continue
        if text[match.start() - 1 : match.start()] == "-" or (
            text[match.start() - 1 : match.start()] == "/"
            and text[match.end() : match.end() + 1] == "/"
        ):
            continue
        if ip_is_reportable(match.group()):
            yield "ipv4", match.start(), match.end()


_IPV6: Final = re.compile(
    r"""
    (?<![\w:.])
    (?:[0-9A-Fa-f]{0,4}:){2,7}
    (?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?
    (?:%[\w.]+)?(?:/\d{1,3})?
    (?![\w:])
    """,
    re.VERBOSE,
)
# Deliberately not IPv6: `a::b` / `Foo::Bar` (Rust/C++ paths, no digit), `x[10::2]` slices
# (no group of 3+ hex digits), `12:34:56` times and `00:1a:..` MACs (invalid as IPv6).
_IPV6_GROUP: Final = re.compile(r"[0-9A-Fa-f]{3,4}|\d+\.\d+")


def _find_ipv6(text: str) -> _Hits:
    for match in _IPV6.finditer(text):
        literal = match.group()
        if "::" not in literal and literal.count(":") < 7:
            continue
        if not any(c.isdigit() for c in literal) or not _IPV6_GROUP.search(literal):
            continue
        if ip_is_reportable(literal):
            yield "ipv6", match.start(), match.end()


# --------------------------------------------------------------------------------------------
# Hardware and identifiers


_MAC: Final = re.compile(
    r"(?<![\w:.-])[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![\w:-])"
)
_MAC_DOTTED: Final = re.compile(
    r"(?<![\w.])[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?![\w.])"
)
_UUID: Final = re.compile(
    r"(?<![\w-])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
    r"(?![\w-])"
)


def _find_macs(text: str) -> _Hits:
    for match in _MAC.finditer(text):
        compact = match.group().replace(":", "").replace("-", "").lower()
        if compact not in ("000000000000", "ffffffffffff"):
            yield "mac", match.start(), match.end()
    for match in _MAC_DOTTED.finditer(text):  # Cisco notation 0012.3456.789a
        yield "mac", match.start(), match.end()


def _find_uuids(text: str) -> _Hits:
    for match in _UUID.finditer(text):
        if match.group().strip("0-"):  # the nil UUID names nothing
            yield "uuid", match.start(), match.end()


# --------------------------------------------------------------------------------------------
# Financial and government numbers


_CARD: Final = re.compile(
    r"""
    (?<![\w.,])(?<!\d-)                         # not inside a float, a hex run or a longer group
    (?:
        \d{13,19}
      | \d{4}(?P<s1>[ -])\d{4}(?P=s1)\d{4}(?P=s1)\d{4}(?:(?P=s1)\d{1,3})?
      | \d{4}(?P<s2>[ -])\d{6}(?P=s2)\d{4,5}    # Amex 4-6-5, Diners 4-6-4
    )
    (?![\w]|-\d|[.,]\d)
    """,
    re.VERBOSE,
)


def _card_prefix_fits(digits: str) -> bool:
    """Issuer (IIN) ranges by length; keeps 13-digit epoch milliseconds (1...), 19-digit
    signed 64-bit values and ids out: Mastercard (51-55, 2221-2720) is 16 digits, Amex (34,
    37) 15, JCB 3528-3589, Diners 300-305/309/36/38/39 (the lengths issued: 14, 16, 19)."""
    first, length, two = digits[0], len(digits), int(digits[:2])
    if first == "1":
        return length == 15  # UATP
    if first == "2":
        return length == 16 and 2221 <= int(digits[:4]) <= 2720
    if first == "3":
        if two in (34, 37):
            return length == 15
        if two == 35:
            return 3528 <= int(digits[:4]) <= 3589 and length in (16, 19)
        if two == 30:
            return (int(digits[:3]) <= 305 or digits[:3] == "309") and length in (14, 16, 19)
        return two in (36, 38, 39) and length in (14, 16, 19)
    if first == "4":
        return length in (13, 16, 19)
    if 51 <= two <= 55:
        return length == 16
    if first in "56":
        return 16 <= length <= 19  # Maestro 50/56-69, Discover 6011/644-65, UnionPay 62
    return False


def _find_cards(text: str) -> _Hits:
    for match in _CARD.finditer(text):
        if text[match.start() - 1 : match.start()] in ("-", "+", "_"):
            continue  # a signed integer (`"free_storage": -3749...`) or a name's tail
        digits = re.sub(r"[ -]", "", match.group())
        if len(set(digits)) > 1 and _card_prefix_fits(digits) and luhn_is_valid(digits):
            yield "card", match.start(), match.end()


_SSN: Final = re.compile(
    r"""
    (?<![\d.-])
    (?:
        (?P<a>\d{3})(?P<sep>[- .])(?P<g>\d{2})(?P=sep)(?P<s>\d{4})
      | (?P<a2>\d{3})-(?P<g2>\d{2})(?P<s2>\d{4})     # 078-051121
      | (?P<a3>\d{3})(?P<g3>\d{2})-(?P<s3>\d{4})     # 07805-1121
    )
    (?![\w]|[-.]\d)
    """,
    re.VERBOSE,
)
# Not the redactor's `<SSN>` placeholder: a number after it is whatever followed the SSN.
_SSN_CONTEXT: Final = re.compile(
    r"(?i)(?:(?<!<)\bssn(?!>)|social[ _-]?security(?:[ _-]?(?:number|no))?)"
)
_NINE_DIGITS: Final = re.compile(r"(?<![\w.-])\d{9}(?![\w]|[.-]\d)")


def _find_ssns(text: str) -> _Hits:
    for match in _SSN.finditer(text):
        area = match.group("a") or match.group("a2") or match.group("a3")
        group = match.group("g") or match.group("g2") or match.group("g3")
        serial = match.group("s") or match.group("s2") or match.group("s3")
        if match.group("sep") == " " and text[match.start() - 1 : match.start()].isalpha():
            continue  # `a652 39 1003 8`: a hex address and numbers (Breakpad symbol lines)
        if ssn_is_plausible(area, group, serial):
            yield "ssn", match.start(), match.end()
    # A bare 9-digit run is an SSN only when the line says so: alone it is any id or count.
    for match in _NINE_DIGITS.finditer(text):
        digits = match.group()
        if _SSN_CONTEXT.search(_before(text, match.start(), 40)) and ssn_is_plausible(
            digits[:3], digits[3:5], digits[5:]
        ):
            yield "ssn", match.start(), match.end()


_IBAN: Final = re.compile(r"(?<![\w])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?!\w)")


def _find_ibans(text: str) -> _Hits:
    for match in _IBAN.finditer(text):
        if iban_is_valid(match.group()):
            yield "iban", match.start(), match.end()


# Phones are matched conservatively: only shapes that are hard to confuse with counts, ids,
# durations, dates or diff stats, plus any 7-15 digit run right after a phone word.
_PHONE: Final = re.compile(
    r"""
    (?<![\w+])\(\d{3}\)[ ]?\d{3}[-. ]\d{4}(?!\d)                  # (415) 555-0132
  | (?<![\d.+-])(?:\+?1[-. ])?[2-9]\d{2}(?P<sep>[-.])\d{3}(?P=sep)\d{4}(?![\w]|[-.]\w)
  | (?<![\w+])\+[1-9]\d{0,2}(?:[ .-]?(?:\(\d{1,4}\)|\d{1,10})){1,6}(?![\d]|\.\d)
    """,
    re.VERBOSE,
)
_PHONE_WORD: Final = re.compile(
    r"(?i)(?:\b(?:phone|tel|telephone|mobile|cell|fax|pager|whatsapp|desk|dial|call(?:back)?"
    r"|contact)|(?<!card )number\s+is)[ \t:=\"'#]*"
)
_PHONE_AFTER_WORD: Final = re.compile(r"\+?\(?\d[\d ().-]{5,20}\d")


def _find_phones(text: str) -> _Hits:
    for match in _PHONE.finditer(text):
        digits = sum(c.isdigit() for c in match.group())
        if match.group().startswith("+") and not 9 <= digits <= 15:
            continue
        if len(set(re.sub(r"\D", "", match.group()))) <= 2:
            continue  # `+111110111`: a binary literal or a filler, no subscriber number
        yield "phone", match.start(), match.end()
    for word in _PHONE_WORD.finditer(text):
        after = _PHONE_AFTER_WORD.match(text, word.end())
        if after and 7 <= sum(c.isdigit() for c in after.group()) <= 15:
            yield "phone", after.start(), after.end()


# --------------------------------------------------------------------------------------------
# People's names in paths, internal hosts, URLs with credentials


_HOME_DIR: Final = re.compile(
    r"""
    (?:(?<![\w.])/home/|(?<![\w.])/Users/|[A-Za-z]:(?:\\\\|\\|/)(?:Users|Documents\ and\ Settings)
       (?:\\\\|\\|/))
    (?P<user>[^/\\\s:'"`<>]+|<[^<>\s]*>)
    """,
    re.VERBOSE,
)
# Service accounts of CI runners and images: not people, and kept by the redactor's policy.
_SERVICE_ACCOUNTS: Final = frozenset(
    [
        "runner",
        "runneradmin",
        "ubuntu",
        "debian",
        "circleci",
        "jenkins",
        "travis",
        "vsts",
        "vagrant",
        "ec2-user",
        "node",
        "app",
        "build",
        "builder",
        "buildkite-agent",
        "gitlab-runner",
        "docker",
        "root",
        "admin",
        "administrator",
        "shared",
        "public",
        "default",
        "defaultuser0",
        "all",
        "users",
        "user",
        "appveyor",
        "semaphore",
        "codespace",
        "vscode",
    ]
)


def _find_home_users(text: str) -> _Hits:
    for match in _HOME_DIR.finditer(text):
        user = match.group("user")
        if is_placeholder(user) or user.lower() in _SERVICE_ACCOUNTS or user.startswith("$"):
            continue
        yield "home_user", match.start("user"), match.end("user")


_HOST: Final = re.compile(
    r"""
    (?<![\w.@-])
    [a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+
    (?![\w@-]|\.\w|\()                          # not a module path `a.local.b` or a call
    """,
    re.VERBOSE,
)
_INTERNAL_TLDS: Final = frozenset({"internal", "corp", "local", "lan", "intra", "intranet",
                                   "localdomain", "home", "private"})  # fmt: skip
_INTERNAL_LABELS: Final = frozenset({"int", "corp", "corpint", "corpnet", "intra", "intranet",
                                     "internal", "lan"})  # fmt: skip
# A last label such as `.local` or `.internal` is also a Python module (`threading.local`,
# `acme.internal`); the host reading needs a hint: a digit or hyphen, a URL/user prefix, a
# port, or a host word before it.
_HOST_HINT_BEFORE: Final = re.compile(
    r"(?i)(?://|@|\b(?:host(?:name)?|server|connect(?:ing|ed)?(?:\s+to)?|resolve|dial|ssh|ping"
    r"|lookup|proxy|endpoint|url|uri|addr(?:ess)?|dns|smtp|from|to)\b[ \t:=\"']{0,3})$"
)
_MODULE_CONTEXT: Final = re.compile(r"(?:\bimport|\bfrom|\bat|\bpackage)[ \t]+$")
# A host under a public domain ends in a TLD: a country code (two letters) or a generic one.
# A Java package (`com.acme.env.internal.ui.actions`) reads the other way round and ends in a
# word, so an `int`/`corp` label in it names a package, not a network.
_GENERIC_TLDS: Final = frozenset(
    {"com", "net", "org", "edu", "gov", "mil", "int", "io", "dev", "app", "cloud", "ai", "biz",
     "info", "name", "pro", "tech", "online", "site", "xyz", "systems", "services", "network",
     "solutions", "company", "zone", "host", "space", "team", "tools", "works"}
)  # fmt: skip


def _find_internal_hosts(text: str) -> _Hits:
    for match in _HOST.finditer(text):
        labels = match.group().split(".")
        if labels[-1].isdigit():
            continue
        before = _before(text, match.start(), 40)
        # A module name never holds a hyphen: `at build-1.ci.internal` is a host.
        if "-" not in match.group() and _MODULE_CONTEXT.search(before):
            continue
        if labels[-1] in _INTERNAL_TLDS:
            hinted = (
                any(c.isdigit() or c == "-" for c in match.group())
                or _HOST_HINT_BEFORE.search(before)
                or re.match(r":\d{2,5}\b", text[match.end() : match.end() + 6])
            )
            if hinted:
                yield "internal_host", match.start(), match.end()
        elif (
            len(labels) >= 3
            and any(label in _INTERNAL_LABELS for label in labels[1:-1])
            and (len(labels[-1]) == 2 or labels[-1] in _GENERIC_TLDS)
        ):
            yield "internal_host", match.start(), match.end()


_URL_CREDENTIALS: Final = re.compile(
    r"\b[A-Za-z][A-Za-z0-9+.-]{1,15}://(?P<user>[^\s/:@'\"<>]*):(?P<password>[^\s/@'\"<>]+)@"
)


def _find_url_credentials(text: str) -> _Hits:
    for match in _URL_CREDENTIALS.finditer(text):
        password = match.group("password")
        if not re.fullmatch(r"\$\{?\w+\}?|\*+|x+|X+|<[^>]*>|%[\w]+%|\{\{.*\}\}", password):
            yield "url_credentials", match.start("user"), match.end("password")


_CLI_USER: Final = re.compile(
    r"""(?:(?<=\s)|^)(?:-u|--user)(?:[ \t]+|=)(?P<value>"[^"\n]*"(?::"[^"\n]*")?|'[^'\n]*'|\S+)""",
    re.MULTILINE,
)


def _find_cli_credentials(text: str) -> _Hits:
    for match in _CLI_USER.finditer(text):
        user, colon, password = match.group("value").partition(":")
        user, password = user.strip("'\""), password.strip("'\"")
        if not colon or (is_placeholder(user) and is_placeholder(password or "x")):
            continue
        if (password and not is_placeholder(password)) or _looks_random(user):
            yield "cli_credentials", match.start("value"), match.end("value")


# --------------------------------------------------------------------------------------------
# Keys and tokens


_PEM_BEGIN: Final = re.compile(r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_PEM_END: Final = "-----END"
_KEY_MATERIAL: Final = re.compile(r"[A-Za-z0-9+/=]{16,}")


def _find_private_keys(text: str) -> _Hits:
    for match in _PEM_BEGIN.finditer(text):
        rest_of_line_end = text.find("\n", match.end())
        rest_of_line_end = len(text) if rest_of_line_end < 0 else rest_of_line_end
        same_line = text[match.end() : rest_of_line_end]
        if "\\n" in same_line:
            # An escaped block (JSON/env string): the body follows on the same physical line.
            body = same_line.split(_PEM_END, 1)[0]
            offset = match.end()
            for raw_chunk in body.split("\\n"):
                chunk = raw_chunk.strip().strip("\\")  # JSON doubles the backslash of `\\n`
                if _KEY_MATERIAL.fullmatch(chunk) and not is_placeholder(chunk):
                    at = offset + raw_chunk.find(chunk)
                    yield "private_key", at, at + len(chunk)
                    break
                offset += len(raw_chunk) + 2
            continue
        line_start = rest_of_line_end + 1
        while line_start < len(text):
            line_end = text.find("\n", line_start)
            line_end = len(text) if line_end < 0 else line_end
            line = text[line_start:line_end]
            if _PEM_END in line or "-----BEGIN" in line:
                break
            token = line.split()[-1] if line.split() else ""
            if _KEY_MATERIAL.fullmatch(token) and not is_placeholder(token):
                at = line_start + line.rfind(token)
                yield "private_key", at, at + len(token)
            line_start = line_end + 1


_JWT: Final = re.compile(r"(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?:\.[\w-]*)?")


def _find_jwts(text: str) -> _Hits:
    for match in _JWT.finditer(text):
        yield "jwt", match.start(), match.end()


# Literal pieces of every vendor shape; the 50 shapes run only on a line that has one. RE2, as
# ``re`` spends most of a trace line's budget on this alternation. ``\w``/``\d`` are spelt as
# classes that also take any non-ASCII character, so the gate stays as wide as the ``re``
# shapes it guards (RE2's ``\w`` is ASCII; exact Unicode classes blow up RE2's DFA).
_W: Final = r"[\w\x{80}-\x{10FFFF}-]"
_VENDOR_HINT: Final = re2.compile(
    r"AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA|A3T|gh[pousr]_|github_pat_"
    r"|gl[a-z]{1,6}[-_]|xox|xapp-|hooks\.slack|k_live_|k_test_|AIza|npm_|pypi-|sk-|SG\."
    r"|[AS][CK][0-9a-f]{32}|hf_|api_org_|AGE-|ops_|A3-|ATATT|hv[sbr]\.|HRKU-|fo1_|fm[12]"
    r"|do[opr]_|shp[a-z]{2}_|dapi|dp\.[a-z]{2,5}\.|lin_api_|PMAK-|pul-|NR[AJI][AKIS]-|sntry"
    r"|key-[0-9a-f]{32}|-us\p{Nd}|:AA|sq0|EAA[A-Za-z0-9]{30}|AccountKey|sl\." + _W + "{100}"
    r"|CLOJARS_|BUNDLE_|tk-us-|s-s4t2|API-|v1\.0-|[MNO]" + _W + "{23,25}\\." + _W + "{6}\\."
    r"|EZ[AT]K|ABSK|bedrock|\bs\.[A-Za-z0-9]{24}|(?i:sumo)|\p{Nd}{15}\||ghc_|xoxc|xoxd"
)


def _find_vendor_tokens(text: str) -> _Hits:
    """Runs only where ``_VENDOR_HINT`` matched (the probe table's gate)."""
    for name, pattern in VENDOR_TOKENS:
        for match in pattern.finditer(text):
            token = match.group(match.lastindex or 0)
            if not is_placeholder(token):
                yield name, match.start(match.lastindex or 0), match.end(match.lastindex or 0)


_AUTH_HEADER: Final = re.compile(
    r"""
    (?i)\b(?:proxy-)?authorization|\bx-[\w-]*?(?:api-?key|token|auth|secret)[\w-]*
    |\bapi-key|\bprivate-token
    """,
    re.VERBOSE,
)
_AUTH_VALUE: Final = re.compile(
    r"""
    ["']?[ \t]*[:=][ \t]*["']?
    (?P<scheme>[A-Za-z][\w-]{1,24}[ \t]+)?
    (?P<value>[^\s"',;]+)
    """,
    re.VERBOSE,
)


def _find_auth_headers(text: str) -> _Hits:
    for header in _AUTH_HEADER.finditer(text):
        match = _AUTH_VALUE.match(text, header.end())
        if not match:
            continue
        value = match.group("value")
        if is_placeholder(value) or value.startswith(("$", "<", "{")):
            continue
        has_digit = any(c.isdigit() for c in value)
        if (
            (match.group("scheme") and len(value) >= 6)
            or (has_digit and len(value) >= 8)
            or (len(value) >= 20)
        ):
            yield "auth_header", match.start("value"), match.end("value")


_COOKIE: Final = re.compile(r"(?i)\b(?:set-)?cookie[\"']?[ \t]*[:=][ \t]*(?P<pairs>[^\n]+)")
_COOKIE_ATTRIBUTES: Final = frozenset(
    [
        "path",
        "domain",
        "expires",
        "max-age",
        "httponly",
        "secure",
        "samesite",
        "priority",
        "partitioned",
        "version",
    ]
)
_SESSION_COOKIE: Final = re.compile(r"(?i)sess|sid|token|auth|jwt|csrf|xsrf|remember|login")
# One `name=value` of a Cookie / Set-Cookie header (RFC 6265 section 4.1.1): the name is an HTTP
# token, the value cookie-octets, optionally double-quoted; pairs are joined by `;`. The first
# pair that is not shaped so ends the header: in code (`_.cookie=r,!(o=o!=_.cookie))`) what
# follows the keyword is an expression, whose "names" hold `(`, `,`, `+` or `"`.
_COOKIE_OCTETS: Final = r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*"
_COOKIE_PAIR: Final = re.compile(
    r"[ \t]*(?P<name>[!#$%&'*+.^_`|~0-9A-Za-z-]+)"
    r"(?:=(?P<value>\"" + _COOKIE_OCTETS + r"\"|" + _COOKIE_OCTETS + r"))?[ \t]*"
)


def _find_cookies(text: str) -> _Hits:
    for match in _COOKIE.finditer(text):
        position, end = match.start("pairs"), match.end("pairs")
        if text[position : position + 1] in ("'", '"'):
            position += 1  # a quoted header value: `document.cookie = "sid=..."`
        while (pair := _COOKIE_PAIR.match(text, position, end)) is not None:
            raw = pair.group("value")
            if raw is not None and pair.group("name").lower() not in _COOKIE_ATTRIBUTES:
                value = raw.strip('"')
                if not is_placeholder(value) and (
                    len(value) >= 16
                    or (_SESSION_COOKIE.search(pair.group("name")) and len(value) >= 8)
                ):
                    start = pair.start("value") + (1 if raw.startswith('"') else 0)
                    yield "cookie", start, start + len(value)
            if text[pair.end() : pair.end() + 1] != ";":
                break  # the header ends here (or it never was one)
            position = pair.end() + 1


# Secret-named fields. The keyword is found first, then the key around it and what follows.
_SECRET_WORD: Final = re.compile(
    r"(?i)pass|pwd|secret|token|api[_-]?key|credential|creds|auth|key|secure"
    r"|\bpat\b"
)
_SECRET_WORD_RE2: Final = re2.compile(_SECRET_WORD.pattern)
_KEY_CHARS: Final = re.compile(r"[\w.-]*")
_KEY_START_WINDOW: Final = 120  # longer "keys" are not keys; bounds the backward scan
_KEYWORD_COMPONENTS: Final = frozenset(
    [
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "secret",
        "secrets",
        "token",
        "tokens",
        "apikey",
        "credential",
        "credentials",
        "creds",
        "pat",
    ]
)
_KEY_QUALIFIERS: Final = frozenset(
    [
        "api",
        "access",
        "private",
        "secret",
        "signing",
        "encryption",
        "master",
        "session",
        "client",
        "auth",
        "account",
        "app",
        "consumer",
        "license",
        "deploy",
        "ssh",
        "gpg",
        "bot",
        "webhook",
    ]
)
# Trailing components that make a secret-ish key describe metadata instead of holding a secret.
_METADATA_SUFFIXES: Final = frozenset(
    [
        "type",
        "types",
        "name",
        "names",
        "id",
        "ids",
        "url",
        "uri",
        "urls",
        "endpoint",
        "file",
        "files",
        "path",
        "dir",
        "length",
        "len",
        "count",
        "expires",
        "expiry",
        "expiration",
        "expiresat",
        "expiresin",
        "ttl",
        "header",
        "prefix",
        "env",
        "var",
        "field",
        "format",
        "policy",
        "scope",
        "scopes",
        "hint",
        "label",
        "provider",
        "store",
        "source",
        "manager",
        "mode",
        "enabled",
        "required",
        "regex",
        "pattern",
        "min",
        "max",
        "timeout",
        "stdin",
        "usage",
        "limit",
        "strategy",
        "kind",
        "version",
        "versions",
        "reset",
        "changed",
        "set",
        "valid",
        "invalid",
        "error",
        "errors",
        "hash",
        "issuer",
        "audience",
        "class",
        "size",
        "ref",
        "refs",
        "location",
        "status",
    ]
)
_AFTER_KEY: Final = re.compile(
    r"""
    (?:\\?["'`])?\]?[ \t]*                      # `"key":`, `[key]=`, JSON-escaped `\"key\":`
    (?:
        (?P<op>:=|=>|::|=(?![=~])|:(?![:/]))[ \t]*   # `::` as in `::set-output name=token::v`
      | ["'][ \t]+value[ \t]*=[ \t]*            # <add key="Password" value="...">
      | (?P<xml>>)(?=[^<\n]+</)                 # <password>...</password>
      | [!=]==?[ \t]*(?=["'`])                  # if (db_pass !== "...")
    )
    (?P<value>\\"(?:[^"\\\n]|\\[^"])*\\"|"[^"\n]*"|'[^'\n]*'|`[^`\n]*`|[^\s'"`<]+)
    """,
    re.VERBOSE,
)
_AFTER_FLAG: Final = re.compile(r"[ \t]+(?P<value>[^\s'\"`<-][^\s'\"`<]*)")
_REVERSED_COMPARISON: Final = re.compile(
    r"""(?P<value>"[^"\n]{4,}"|'[^'\n]{4,}')[ \t]*[!=]==?[ \t]*(?P<key>[A-Za-z_][\w.]*)"""
)
_CAMEL_BOUNDARY: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _key_components(key: str) -> list[str]:
    spaced = _CAMEL_BOUNDARY.sub("_", key)
    return [part for part in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if part]


# Qualifiers that make a secret word name something public: a .NET `PublicKeyToken`, a
# publishable key, a sanitizer's `DEDUP_TOKEN` (the crash's stack signature).
_PUBLIC_QUALIFIERS: Final = frozenset(["public", "publishable", "dedup"])


def _is_secret_key(key: str) -> bool:
    parts = _key_components(key)
    if not parts or parts[-1] in _METADATA_SUFFIXES or _PUBLIC_QUALIFIERS.intersection(parts):
        return False
    for index, part in enumerate(parts):
        if part in _KEYWORD_COMPONENTS or part.startswith(("secret", "passw")):
            return True
        # `db_pass`, `db_pass_secure`; but not `PASS:` (a test verdict) or `--passWithNoTests`.
        if part == "pass" and index and parts[index + 1 :] in ([], ["secure"]):
            return True
        if part == "key" and (len(parts) == 1 or (index and parts[index - 1] in _KEY_QUALIFIERS)):
            return True
        if part == "secure" and len(parts) == 1:
            return True
        if part == "auth" and index == len(parts) - 1:
            return True
    return False


# Words that describe a credential's state in an error message rather than being one.
_STATUS_WORDS: Final = frozenset(
    [
        "expired",
        "invalid",
        "missing",
        "revoked",
        "denied",
        "unknown",
        "provided",
        "present",
        "absent",
        "generated",
        "refreshed",
        "ok",
        "error",
        "failed",
        "rejected",
        "accepted",
        "valid",
        "required",
        "set",
        "unset",
        "empty",
        "malformed",
    ]
)


def _looks_random(value: str) -> bool:
    """At least 8 characters mixing letters and digits (or both cases), not word-like."""
    classes = sum(
        (any(c.isupper() for c in value), any(c.islower() for c in value),
         any(c.isdigit() for c in value))
    )  # fmt: skip
    return len(value) >= 8 and classes >= 2 and not _is_wordy(value)


def _is_wordy(value: str) -> bool:
    return len("".join(_WORDY.findall(value))) > 0.5 * len(value)


def _value_is_real(raw: str) -> bool:
    quoted = raw[:1] in "\"'`" and raw[-1:] == raw[:1] and len(raw) >= 2
    value = raw[1:-1] if quoted else raw.rstrip(",;)]}>&")
    if len(value) < 4 or not any(c.isalnum() for c in value):
        return False
    if is_placeholder(value) or is_placeholder(raw) or value.lower() in _STATUS_WORDS:
        return False
    if _OUR_DIGEST.fullmatch(value):
        return False  # `"cache_token": "sha256-<hex>"` names content, it grants nothing
    if quoted:
        return len(value) >= 6 or any(c.isdigit() for c in value)
    if looks_like_code_reference(value):
        return False
    varied = (
        any(c.isdigit() for c in value)
        or (any(c.isupper() for c in value) and any(c.islower() for c in value))
        or any(not c.isalnum() for c in value)
    )
    return (len(value) >= 4 and varied) or len(value) >= 6


# A source position after a file name (`token.go:LINE`, `splice-pat.scala:12:16`, also followed
# by a JSON-escaped `\n` or `\"`): never a value.
_POSITION: Final = re.compile(r"(?:\d+|LINE|NUM|<NUM>)(?::(?:\d+|LINE|NUM|<NUM>))*(?![A-Za-z0-9])")
# Extensions of source, config and output files: `token.rs`, `secret_test.go`, `auth.py` are
# files named after a secret word, and `name.ext:` starts a diagnostic, not a field.
_SOURCE_EXTENSIONS: Final = frozenset(
    {"go", "rs", "py", "pyi", "js", "mjs", "cjs", "ts", "tsx", "jsx", "java", "kt", "kts",
     "scala", "sc", "sbt", "c", "cc", "cpp", "cxx", "h", "hh", "hpp", "hxx", "m", "mm", "swift",
     "rb", "php", "cs", "fs", "vb", "dart", "ex", "exs", "erl", "hrl", "hs", "ml", "mli", "lua",
     "pl", "pm", "r", "sh", "bash", "zsh", "ps1", "groovy", "gradle", "clj", "cljs", "elm", "vue",
     "svelte", "json", "yaml", "yml", "toml", "xml", "txt", "log", "md", "html", "css", "scss",
     "ini", "cfg", "conf", "properties", "lock", "snap", "out", "check", "stderr", "stdout",
     "proto", "sql", "tf", "zig", "nim", "d", "jl", "cr", "v", "sol"}
)  # fmt: skip
# Values that are code, not data: an object/list/call opener, a negation, or a member chain
# such as `item.id` / `exports[key]` (a JSX or Vue `key={index}` / `:key="item.id"`).
_EXPRESSION_START: Final = re.compile(
    r"[{(\[!&*^]|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*[\[(^<]"  # `get(`, `x[`, `T.x^{`
    r"|[A-Z][\w$]+\{"  # a Java/Kotlin `toString()`: `Token{d689ff1 ActivityRecord{...}}`
)
# A dependency's version requirement (`"js-tokens": "^4.0.0"`, `tokenizers = ">=0.13"`).
_VERSION_REQUIREMENT: Final = re.compile(
    r"(?:[\^~<>=!]=?|\*)?[ \t]*v?\d+(?:\.(?:\d+|[xX*]))+(?:[-+.\w]*)"
)
# A mode or a name spelt in words: the Fetch API's `credentials: "same-origin"`, prose.
_LOWERCASE_WORDS: Final = re.compile(r"[A-Za-z][a-z]{2,7}|[A-Za-z][a-z]{1,11}(?:[-_ ][a-z]{2,12})+")
_MEMBER_CHAIN: Final = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+")
_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z_]*")
_PASSWORD_PARTS: Final = frozenset(["password", "passwd", "passphrase", "pwd", "pass", "pin"])
# A generic `key` (map key, JSX/Vue list key, plist `<key>`, i18n key) holds a secret only when
# the value is one opaque token: the key-material alphabet, and random-looking.
_KEY_MATERIAL_VALUE: Final = re.compile(r"[A-Za-z0-9+/=_~.-]{24,}")


def _names_the_key(key: str, value: str) -> bool:
    """``value`` is the key's own words as an identifier (``ACME_TOKEN`` -> ``acmeToken``,
    ``acme_token``, ``AcmeToken``): a destructured or re-bound variable, not data."""
    words = "".join(c for c in key.lower() if c.isalnum())
    return len(value) >= 4 and value.isidentifier() and value.replace("_", "").lower() == words


def _field_is_secret(key: str, after: re.Match[str], text: str, key_start: int) -> bool:
    """Whether ``after`` (the separator and value following ``key``) assigns a real value."""
    raw = after.group("value")
    groups = after.groupdict()  # `--token VALUE` has neither an operator nor an element
    op = groups.get("op")
    parts = _key_components(key)
    if groups.get("xml"):
        # `<password>v</password>`: only an element, closed by the same name. A placeholder
        # `<SECRET>` followed by prose and a later `</x>` is no element of its own.
        closing = text.find("<", after.end("value") - 1)
        if text[key_start - 1 : key_start] != "<" or not text.startswith("</" + key, closing):
            return False
    file_name = "." in key and key.rsplit(".", 1)[-1].lower() in _SOURCE_EXTENSIONS
    if op == ":" and file_name:
        return False  # `token.go: undefined: x`, `auth.py:LINE`: a diagnostic about a file
    position = _POSITION.match(raw)
    if position and (file_name or ":" in position.group() or not position.group().isdigit()):
        return False  # `token.rs:711:11`, `LINE`; a bare number may still be a PIN
    if raw.startswith('\\"'):
        raw = raw[1:-2] + raw[-1:]  # JSON-escaped quotes around the value
    quoted = raw[:1] in "\"'`" and raw[-1:] == raw[:1] and len(raw) >= 2
    value = raw[1:-1] if quoted else raw
    if op == "::" and ("::" in value or _IDENTIFIER.fullmatch(value.rstrip(")>,;"))):
        return False  # a Rust/C++ path `Token::Name`, `auth::batch::sync_row`
    if _EXPRESSION_START.match(value) or (not quoted and value[:1] in ("\\", "/")):
        return False
    if _VERSION_REQUIREMENT.fullmatch(value):
        return False
    if not quoted and _names_the_key(key, value.rstrip(",;)}")):
        return False  # `{ ACME_TOKEN: acmeToken }`: a variable named after the field, code
    # Only a password may be all digits (a PIN) or plain words; a token, key or secret is
    # opaque, so `tokens="1586"` is a count and `credentials: "include"` a mode.
    if not _PASSWORD_PARTS.intersection(parts) and (
        value.isdigit() or _LOWERCASE_WORDS.fullmatch(value)
    ):
        return False
    if parts == ["key"]:
        opaque = value.rstrip(",;)]}>&")
        return (
            _KEY_MATERIAL_VALUE.fullmatch(opaque) is not None
            and not _MEMBER_CHAIN.fullmatch(opaque)
            and _looks_random(opaque)
            and not is_placeholder(opaque)
        )
    return _value_is_real(raw)


def _value_span(after: re.Match[str]) -> tuple[int, int]:
    """The value without its quotes (plain or JSON-escaped): what a finding digest names."""
    start, end = after.span("value")
    raw = after.group("value")
    if raw.startswith('\\"') and raw.endswith('\\"') and len(raw) >= 4:
        return start + 2, end - 2
    if raw[:1] in "\"'`" and raw[-1:] == raw[:1] and len(raw) >= 2:
        return start + 1, end - 1
    return start, end


def _find_secret_fields(text: str) -> _Hits:
    seen_keys: set[int] = set()
    # On ASCII text RE2 finds the same words (leftmost-first like ``re``, and ``(?i)`` and ``\b``
    # agree there) ~8x faster: under ``(?i)`` ``re`` cannot skip to a likely first letter. Its
    # offsets count bytes, which are characters in ASCII.
    words: Iterable[Any]
    if text.isascii():
        words = _SECRET_WORD_RE2.finditer(text.encode("ascii"))
    else:
        words = _SECRET_WORD.finditer(text)
    for word in words:
        key_start = word.start()
        floor = max(0, key_start - _KEY_START_WINDOW)
        while key_start > floor and (text[key_start - 1].isalnum() or text[key_start - 1] in "_.-"):
            key_start -= 1
        if text[key_start - 1 : key_start] == "\\" and text[key_start] in "ntr":
            key_start += 1  # a JSON-escaped `\ntoken: ...`: the escape's letter is no key
        if key_start in seen_keys:
            continue
        key_end = _KEY_CHARS.match(text, word.end()).end()  # type: ignore[union-attr]
        seen_keys.add(key_start)
        key = text[key_start:key_end].lstrip("-")
        if text[key_start - 1 : key_start] in ("{", "$", "%") or not _is_secret_key(key):
            continue
        after = _AFTER_KEY.match(text, key_end)
        if not after and text.startswith("--", key_start):
            after = _AFTER_FLAG.match(text, key_end)  # `--token VALUE`
        if after and _field_is_secret(key, after, text, key_start):
            yield "secret_field", *_value_span(after)
    for match in _REVERSED_COMPARISON.finditer(text) if "=" in text else ():
        if _is_secret_key(match.group("key")) and _value_is_real(match.group("value")):
            yield "secret_field", match.start("value") + 1, match.end("value") - 1


# High-entropy runs. Hashes, digests, commits and ids are named by the word before them.
_HASH_CONTEXT: Final = re.compile(
    r"""(?ix)
    (?:commit|sha\d*|srcrev\w*|rev(?:ision)?|version|tree|parent|merge|head|checkout|ref
      |digest|hash|checksum|md5|fingerprint|etag|integrity|object|blob|h1|
      (?:trace|span|request|correlation|run|job|build|cache|session|x-request)[_-]?id|\bid
      |corpus|\bunit|dedup_token|testcase|\bDE       # libFuzzer: `base unit: <sha1>`, `DE: "..."`
    )(?:\W{1,3}-{1,2}[a-z]+)*\W{0,4}$     # `git checkout -qf <sha>`
    """
)
# A key that names an identifier (`event_id`, `CODE_ID`, `revisionId`, `parentUid`,
# `resolved_reference`): what it holds identifies an object, it grants nothing.
_ID_KEY: Final = re.compile(
    r"""(?x)
    (?:(?<![A-Za-z])(?:id|ID|uid|UID|uuid|UUID|ref|REF|reference|REFERENCE)
      |(?<=[a-z])(?:Id|ID|Uid|Uuid|Ref|Reference))
    s?["']?[ \t]*[:=]?[ \t]*["']?$
    """
)
# A lockfile's checksum map: the key is the file or URL the digest is of
# (`"https://deno.land/std/path/mod.ts": "<sha256>"`, `"lib/x.js": "<sha1>"`).
_FILE_KEY: Final = re.compile(r"""[/\\][^"'\s]*\.[A-Za-z0-9]{1,6}["'][ \t]*[:=][ \t]*["']?$""")
# A Breakpad symbol file's `MODULE <os> <arch> <debug id> <name>` line.
_BREAKPAD_MODULE: Final = re.compile(r"^MODULE [A-Za-z]+ \w+ $")
# A revision pinned after `@` or `#`: `src.git@<sha>`, `x.tgz#<sha1>` (yarn), `git+...#<sha>`
# (Cargo), `'@' + '<sha>'` (gclient DEPS).
_PINNED: Final = re.compile(r"""[@#](?:["'][ \t]*\+[ \t]*["']?)?$|;base64,$""")
# A revision range or pair (`<sha>..<sha>`, `<sha>...<sha>`, `<sha>:<sha>`) names two commits.
_RANGE_AFTER: Final = re.compile(r"(?:\.\.\.?|:)[0-9a-fA-F]{7,}")
_RANGE_BEFORE: Final = re.compile(r"(?:\.\.|[0-9a-fA-F]{7,}:)$")
# After the run: a path separator or a file extension (`<sha256>.js`, `Crash_<sha1>.java`).
_PATH_AFTER: Final = re.compile(r"[/\\]|\.[A-Za-z][A-Za-z0-9]{0,5}(?![A-Za-z0-9])")
# Pieces of a composed name (path, file name, version, build directory): what separators cut.
_NAME_SEPARATORS: Final = re.compile(r"[/\\._+=:-]+")
_CASE_UNIFORM_HEX: Final = re.compile(r"[0-9a-f]+|[0-9A-F]+")
_GIT_DESCRIBE: Final = re.compile(r"g[0-9a-f]{7,40}")  # `0.6.1+5.3.0-1-g<sha>`
# An alphabet spelt out (a base64 table, `string.printable`), never random.
_ALPHABET: Final = re.compile(r"abcdefgh|ABCDEFGH|01234567")
# An Itanium C++ ABI mangled symbol (`_ZN2v86Script3RunE...`): public, named by its code.
_MANGLED: Final = re.compile(r"_{1,2}Z(?:N|L|St|\d)")
_HEX_RUN: Final = re.compile(r"(?<![A-Za-z0-9_+/-])[0-9a-fA-F]{32,}(?![A-Za-z0-9_+/])")
_B64_RUN: Final = re.compile(r"(?<![A-Za-z0-9_+/-])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9_+/=-])")
_HASH_PREFIX: Final = re.compile(r"(?i)(?:sha\d{1,3}|md5|blake2[bs]?|h1)[-:~_]")
# Our own fingerprints and path keys: a digest wherever it stands (a JSON list, any key).
_OUR_DIGEST: Final = re.compile(r"sha256-[0-9a-f]{64}")
_WORDY: Final = re.compile(r"[a-z]{4,}|[A-Z][a-z]{3,}")
_ASCII_DIGIT: Final = re.compile(r"[0-9]")
_HEX: Final = re.compile(r"[0-9a-fA-F]+")
_DROP_LETTERS: Final = str.maketrans("", "", string.ascii_letters)
_PATH_PIECE_SEPARATORS: Final = re.compile(r"[/_.-]")
_LOWERCASE_WORD: Final = re.compile(r"[a-z]{3,}")


def _is_opaque_piece(piece: str) -> bool:
    """A piece of a composed name that could be (part of) a random secret: long enough, mixing
    character classes, and not a word, a case-uniform hex digest or a git-describe suffix.
    Single-case pieces need more length: build ids (`ab7724335`, `MPEG1VIDEO`) look so."""
    has_upper = any(c.isupper() for c in piece)
    has_lower = any(c.islower() for c in piece)
    has_digit = any(c.isdigit() for c in piece)
    if has_upper + has_lower + has_digit < 2 or len(piece) < (10 if has_upper == has_lower else 16):
        return False
    if _CASE_UNIFORM_HEX.fullmatch(piece) or _GIT_DESCRIBE.fullmatch(piece):
        return False
    if not has_upper and sum(c in "0123456789abcdef" for c in piece) >= 0.9 * len(piece):
        return False  # a digest with a word glued on (`<sha1>fuzz`): random base36 is ~45% hex
    return not _is_wordy(piece) and not _MANGLED.match(piece)


def _is_composed_name(run: str) -> bool:
    """A run made of separated pieces none of which is opaque: a path
    (`/centipede-shm1-3060030-139745253978816`), a file or build-directory name
    (`chromium-browser-asan_win32-release_x64_<sha1>`), a version
    (`5.10.43-android12-9-00106-g6c3417436a6f-ab7724335`) or a CLI flag. A random secret that
    happens to hold a separator still has a long mixed piece and is judged as a whole."""
    pieces = [p for p in _NAME_SEPARATORS.split(run) if p]
    if not pieces or pieces == [run]:
        return False
    return not any(_is_opaque_piece(p) for p in pieces)


def _is_path(run: str, text: str, end: int) -> bool:
    """A run that is a path, not a token holding a `/`: two or more separators, or one and a
    file extension after the run (`telemetry-optin/<run id>/TEST-com.example.Suite.xml`), with
    a segment that is a word (`optin`, `reports`). Base64 puts `/` in ~1 of 64 characters and
    its segments are never words."""
    slashes = run.count("/")
    if not slashes or (slashes < 2 and _PATH_AFTER.match(text, end) is None):
        return False
    return any(
        _is_wordy(s) or _LOWERCASE_WORD.fullmatch(s) for s in _PATH_PIECE_SEPARATORS.split(run)
    )


def _names_an_object(text: str, start: int, end: int) -> bool:
    """Whether the context of the run ``text[start:end]`` says it identifies something: a hash,
    commit, id or fuzzing-unit word before it, a pinned revision, or a place in a path."""
    before = _before(text, start, 32)
    if _HASH_CONTEXT.search(before[-24:]) or _ID_KEY.search(before) or _PINNED.search(before):
        return True
    if _RANGE_BEFORE.search(before) or _RANGE_AFTER.match(text, end):
        return True
    if _BREAKPAD_MODULE.match(before) or _FILE_KEY.search(_before(text, start, 200)):
        return True
    if "/" + text[start:end] in text:
        return True  # the link text of a URL that holds it as a path component
    return text[start - 1 : start] in ("/", "\\") or _PATH_AFTER.match(text, end) is not None


_SRI_SIZES: Final = {"sha1-": 20, "sha256-": 32, "sha384-": 48, "sha512-": 64}
"""Subresource-integrity prefixes (npm, yarn, pnpm lockfiles and error messages) and the digest
size their base64 value must decode to."""
# A test comparing values: where encoded readable text is test data.
_COMPARISON: Final = re.compile(
    r"\bassert|\s[=!]==?\s|\b(?:[Ee]xpected|Received|Actual|mismatch|toBe|toEqual)\b"
)
_READABLE: Final = re.compile(r"[\w ,.!?#'\"()&/-]+")


def _b64_bytes(value: str) -> bytes | None:
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _is_benign_encoding(value: str, text: str, start: int) -> bool:
    """A base64 run that is provably not key material: a subresource-integrity digest of the
    right size (``sha512-<88 chars>``), or, on a line where a test compares values (``assert``,
    ``==``, ``Expected``/``Received``), the encoding of ordinary readable text (test data such
    as ``SGVsbG8sIHdvcmxk``: "Hello, world"). Deliberately kept as findings: such text anywhere
    else (a bare or assigned blob is what secret scanners test on), text with ``:`` or ``=``
    (``user:password`` Basic credentials, ``key=value`` pairs) and anything that does not
    decode to printable UTF-8 with a space in it."""
    run = value.rstrip("=")
    for prefix, size in _SRI_SIZES.items():
        if run.startswith(prefix):  # a quoted value read whole, prefix included
            run, start, text = run[len(prefix) :], len(prefix), prefix
        if text[max(0, start - len(prefix)) : start] == prefix:
            decoded = _b64_bytes(run)
            return decoded is not None and len(decoded) == size
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    if _COMPARISON.search(line) is None:
        return False  # a bare or assigned blob of text-like base64 stays a finding
    decoded = _b64_bytes(run)
    if decoded is None or len(decoded) < 8:
        return False
    try:
        plain = decoded.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return " " in plain and _READABLE.fullmatch(plain) is not None


def _find_high_entropy(text: str) -> _Hits:
    for match in _HEX_RUN.finditer(text):
        run = match.group()
        if run.isdigit() or run.isalpha() or shannon_entropy(run) < 3.0:
            continue
        if _names_an_object(text, match.start(), match.end()):
            continue
        yield "high_entropy_hex", match.start(), match.end()
    # Every test below only rejects a run, so their order is free: the cheap ones (lengths,
    # counts, C-level string methods; the run is ASCII) come first, entropy and names last.
    for match in _B64_RUN.finditer(text):
        run = match.group().rstrip("=")
        # Bare runs need 40 characters; after `=`, `:` or a quote 32 suffice.
        assigned = text[match.start() - 1 : match.start()] in ("=", ":", '"', "'")
        if len(run) < (32 if assigned else 40):
            continue
        if run.count("/") > len(run) / 12 or run.count("_") > len(run) / 10:
            continue  # paths and snake_case identifiers
        if run.startswith(("pk_live_", "pk_test_")) or (run.startswith("eyJ") and "." not in run):
            continue  # publishable keys and a lone JWT header are public by design
        has_upper = run.lower() != run
        has_lower = run.upper() != run
        if not (has_upper or has_lower) or _ASCII_DIGIT.search(run) is None:
            continue
        if not has_lower and "_" in run:
            continue  # CONSTANT_NAMES_1
        if len(run.translate(_DROP_LETTERS)) > len(run) - len(run) / 4:
            continue  # mostly digits (under a quarter letters): counters, sequential values
        if _HEX.fullmatch(run):
            continue  # judged above as hex
        if _OUR_DIGEST.fullmatch(run) or _HASH_PREFIX.match(run):
            continue  # `sha256-<hex>` fingerprints, `sha512-<b64>` integrity, `h1:` sums
        if _is_wordy(run) or _is_path(run, text, match.end()):
            continue
        if shannon_entropy(run) < (4.0 if has_upper and has_lower else 3.5):
            continue
        if _is_composed_name(run) or _ALPHABET.search(run) or _MANGLED.match(run):
            continue
        if _names_an_object(text, match.start(), match.end()):
            continue
        if _is_benign_encoding(match.group(), text, match.start()):
            continue
        yield "high_entropy_base64", match.start(), match.end()


# --------------------------------------------------------------------------------------------
# detect-secrets plugins: a maintained second opinion, called through ``analyze_string`` only
# (``analyze_line`` consults detect-secrets' process-wide settings). Each runs only on lines
# whose lowercased text contains one of its hints, because running ~20 regexes on every line
# of a multi-megabyte trace dump is the detector's main cost.


@dataclass(frozen=True, slots=True)
class _DsPlugin:
    plugin: BasePlugin
    hints: tuple[str, ...]
    """Lowercase substrings one of which the line must contain; empty: a quoted 20+ run."""
    needs: Any = None
    """An RE2 pattern (over UTF-8) that every value the plugin could yield *and*
    :func:`_ds_candidate_is_real` keep must match; ``None``: the hints suffice. Taken from the
    plugin's own regexes, it only spares calls (the costliest plugins run ~20 ``re`` searches
    per call) and never changes a result."""


_QUOTED_RUN: Final = re.compile(r"[\"'][\w+/=-]{20}")
# The keyword plugin's denylist (detect_secrets.plugins.keyword.DENYLIST); every one of its
# patterns starts from one of these words, case-insensitively.
_DS_KEYWORDS: Final = re2.compile(
    r"(?i)(?:api|auth|service|account|db|database|priv|private|client)_?key"
    r"|(?:db|database|key)_?pass|password|passwd|pwd|secret|contrase(?:ñ|n)a"
)
# The high-entropy plugins read quoted runs of their charset; ours keeps 24+ characters only.
_DS_B64_RUN: Final = re2.compile(r"[\"'][A-Za-z0-9+/\\_=-]{24,}[\"']")
_DS_HEX_RUN: Final = re2.compile(r"[\"'][0-9A-Fa-f]{24,}[\"']")


def _ds_plugins() -> tuple[_DsPlugin, ...]:
    return (
        _DsPlugin(AWSKeyDetector(), ("akia", "asia", "abia", "acca", "a3t", "aws")),
        _DsPlugin(AzureStorageKeyDetector(), ("accountkey",)),
        _DsPlugin(BasicAuthDetector(), ("://",), re2.compile(r"://[^{}\s]+:[^{}\s]+@")),
        _DsPlugin(DiscordBotTokenDetector(), ("discord", "bot ")),
        _DsPlugin(GitHubTokenDetector(), ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
        _DsPlugin(GitLabTokenDetector(), ("glpat-", "gldt-", "glrt-", "glcbt-", "gr1348941")),
        _DsPlugin(JwtTokenDetector(), ("eyj",)),
        _DsPlugin(MailchimpDetector(), ("-us",)),
        _DsPlugin(NpmDetector(), ("_authtoken",)),
        _DsPlugin(OpenAIDetector(), ("t3blbkfj",)),
        _DsPlugin(PypiTokenDetector(), ("pypi-",)),
        _DsPlugin(SendGridDetector(), ("sg.",)),
        _DsPlugin(SlackDetector(), ("xox", "hooks.slack.com")),
        _DsPlugin(SquareOAuthDetector(), ("sq0csp-",)),
        _DsPlugin(StripeDetector(), ("k_live_",)),
        _DsPlugin(TelegramBotTokenDetector(), (":aa",)),
        _DsPlugin(TwilioKeyDetector(), ("ac", "sk"), re2.compile(r"(?:AC|SK)[a-z0-9]{32}")),
        _DsPlugin(
            KeywordDetector(),
            (
                "password",
                "passwd",
                "pwd",
                "secret",
                "token",
                "api_key",
                "apikey",
                "api-key",
                "private_key",
            ),
            _DS_KEYWORDS,
        ),
        _DsPlugin(Base64HighEntropyString(limit=4.5), (), _DS_B64_RUN),  # a quoted 20+ run
        _DsPlugin(HexHighEntropyString(limit=3.0), (), _DS_HEX_RUN),
    )


def _ds_candidate_is_real(plugin: BasePlugin, secret: str, line: str, at: int) -> bool:
    # Every test only rejects, so the cheap length and entropy limits of the entropy plugins come
    # before detect-secrets' heuristics (whose id test searches the whole line before the value).
    if isinstance(plugin, HighEntropyStringsPlugin) and (
        len(secret) < 24 or plugin.calculate_shannon_entropy(secret) <= plugin.entropy_limit
    ):
        return False
    if len(secret) < 8 or is_placeholder(secret) or _OUR_DIGEST.fullmatch(secret):
        return False
    if (
        ds_heuristic.is_sequential_string(secret)
        or ds_heuristic.is_templated_secret(secret)
        or ds_heuristic.is_prefixed_with_dollar_sign(secret)
        or ds_heuristic.is_likely_id_string(secret, line, plugin)
    ):
        return False
    if isinstance(plugin, KeywordDetector):
        return not ds_heuristic.is_indirect_reference(line) and _value_is_real(secret)
    if isinstance(plugin, HighEntropyStringsPlugin):
        if _HASH_CONTEXT.search(line[max(0, at - 25) : max(0, at - 1)]):
            return False
        if _is_composed_name(secret) or _ALPHABET.search(secret) or _MANGLED.match(secret):
            return False
        if _is_benign_encoding(secret, line, at):
            return False
        # The plugins read a quoted run: the context is what stands outside its quotes.
        if _names_an_object(line, at - 1, at + len(secret) + 1):
            return False
        return not _is_wordy(secret)
    if isinstance(plugin, BasicAuthDetector):
        return True
    longest = max(re.findall(r"[A-Za-z0-9]+", secret), key=len, default="")
    return _looks_random(longest)


# --------------------------------------------------------------------------------------------
# The ordered probe table. Order only decides which name wins when two probes report the same
# (line, column): the most specific formats (keys, vendor tokens) come before the generic
# keyword and entropy probes, so a finding names the narrowest thing it saw. Each probe has a
# gate on (line, lowercased line) made of plain string tests: running ~40 regexes over every
# line of a trace dump is the detector's main cost, and most lines cannot hold most things.
# On an ASCII line the gate is instead read from facts (below) that imply it, or that imply it
# and a shape the probe cannot report a value without. Either must over-approximate its probe:
# a line it rejects is never examined by that probe.

_Gate = Callable[[str, str, bool], bool]
# Digit shapes of cards, SSNs, IBANs and phones, but not dates (`2026-11-20`) or times. RE2
# (``re`` tries this at every position of a line); ``\p{Nd}`` is ``re``'s Unicode ``\d``.
_MANY_DIGITS: Final = re2.compile(
    r"\p{Nd}{7,}|\p{Nd}{3}[ .)/-]{1,2}\p{Nd}{2,4}[ .-]\p{Nd}{4}|\p{Nd}{5}-\p{Nd}{4}"
    r"|\p{Nd}{3}-\p{Nd}{6}|\+\p{Nd}|\p{Nd}{4}[ -]\p{Nd}{4,6}[ -]\p{Nd}{4}"
)
_LONG_RUN: Final = re2.compile(r"[A-Za-z0-9+/_=-]{32}")
_INTERNAL_HINTS: Final = (".internal", ".corp", ".local", ".lan", ".intra", ".int.", ".home",
                          ".private", "corpint", "corpnet")  # fmt: skip
_SECRET_HINTS: Final = ("pass", "pwd", "secret", "token", "key", "cred", "auth", "secure", "pat")


def _has_digits(line: str, lowered: str, digits: bool) -> bool:
    return digits


# Facts about an ASCII line, found by one pass of three RE2 ``Set``s (which report every one of
# their patterns that occurs anywhere) instead of one string test or regex search per probe. On
# an ASCII line ``re``'s ``\d``, ``\w``, ``\s`` and ``(?i)`` mean what their ASCII spellings
# here mean, and a lowercased substring test is a ``(?i)`` literal, so each fact is either
# exactly a gate of the table below or a shape that every value its probe can report contains
# (read off the probe's own regex, as noted). Lines with other characters use the gates alone.
_FACTS: Final[dict[str, str]] = {
    # Exactly the gates of the table below on ASCII text (``_DsPlugin`` hints are added).
    "digits": _MANY_DIGITS.pattern,
    "private_key": "PRIVATE KEY",
    "eyj": "eyJ",
    "scheme": "://",
    "dash_u": "-u",
    "auth_words": "(?i)auth|api|token|secret",
    "cookie": "(?i)cookie",
    "at": "@",
    "home": r"/home/|(?i:/users/|users\\)",
    "internal": "(?i)" + "|".join(re2.escape(hint) for hint in _INTERNAL_HINTS),
    "secret_hint": "(?i)" + "|".join(re2.escape(hint) for hint in _SECRET_HINTS),
    # Necessary shapes. ``_AUTH_VALUE`` and ``_COOKIE`` need a `:` or `=` after the name.
    "assign": "[:=]",
    # ``_AFTER_KEY`` needs `:`, `=` or `>`; ``_AFTER_FLAG`` a `--` key; the reversed comparison
    # an `=`.
    "secret_assign": "[:=>]|--",
    # Four dotted octets of 1-3 digits (so the gate's three dots too).
    "ipv4": r"[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]",
    # A literal reported holds `::` or seven `hex{0,4}:` groups (its only colons).
    "ipv6": r"::|(?:[0-9A-Fa-f]{0,4}:){7}",
    # Five same separators or two dots, so the gate holds too.
    "mac": r"(?:[0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}|(?:[0-9A-Fa-f]{2}-){5}[0-9A-Fa-f]{2}"
    r"|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}",
    "uuid": r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}",
    # ``_CARD``, ``_IBAN``, ``_SSN``, ``_NINE_DIGITS`` and ``_PHONE`` without their lookarounds
    # and back-references (shorter repeats only where the regex asks for more); and a word that
    # every ``_PHONE_WORD`` alternative holds (a phone after a word needs one).
    "card": "[0-9]{13}|[0-9]{4}[ -][0-9]{4}[ -][0-9]{4}[ -][0-9]{4}"
    "|[0-9]{4}[ -][0-9]{6}[ -][0-9]{4}",
    "iban": "[A-Z]{2}[0-9]{2} ?[A-Z0-9]{4} ?[A-Z0-9]{4}",
    "ssn": "[0-9]{3}[- .][0-9]{2}[- .][0-9]{4}|[0-9]{3}-[0-9]{6}|[0-9]{5}-[0-9]{4}",
    "nine_digits": "[0-9]{9}",
    "ssn_word": "(?i)ssn|social",  # ``_SSN_CONTEXT``
    "phone": r"\([0-9]{3}\) ?[0-9]{3}[-. ][0-9]{4}|[2-9][0-9]{2}[-.][0-9]{3}[-.][0-9]{4}|\+[1-9]",
    "phone_word": "(?i)phone|tel|mobile|cell|fax|pager|whatsapp|desk|dial|call|contact|number",
}
# Long runs of broad classes (with the detect-secrets plugins' ``needs``) and the vendor hint
# each go to a Set of their own: in one DFA with the shapes above, their counters multiply its
# states until the DFA's cache overflows and a line costs ~10x.
_RUN_FACTS: Final[dict[str, str]] = {
    "long_run": _LONG_RUN.pattern,
    "quoted_run": r"[\"'][A-Za-z0-9_+/=-]{20}",  # ``_QUOTED_RUN``
}
_VENDOR_FACTS: Final[dict[str, str]] = {"vendor": _VENDOR_HINT.pattern}
_Facts = tuple[tuple[str, ...], ...]
"""Any one of these sets of facts, all present, lets a probe run on an ASCII line."""

_PROBES: Final[tuple[tuple[str, Callable[[str], _Hits], _Gate, _Facts], ...]] = (
    # Multi-line PEM blocks are handled over the whole text; here only the `\n`-escaped form.
    ("private_key_escaped", _find_private_keys, lambda line, low, _: "PRIVATE KEY" in line,
     (("private_key",),)),
    ("jwt", _find_jwts, lambda line, low, _: "eyJ" in line, (("eyj",),)),
    ("vendor_token", _find_vendor_tokens,
     lambda line, low, _: _VENDOR_HINT.search(_utf8(line)) is not None, (("vendor",),)),
    ("url_credentials", _find_url_credentials, lambda line, low, _: "://" in line,
     (("scheme",),)),
    ("cli_credentials", _find_cli_credentials, lambda line, low, _: "-u" in line, (("dash_u",),)),
    ("auth_header", _find_auth_headers,
     lambda line, low, _: "auth" in low or "api" in low or "token" in low or "secret" in low,
     (("auth_words", "assign"),)),
    ("cookie", _find_cookies, lambda line, low, _: "cookie" in low, (("cookie", "assign"),)),
    ("email", _find_emails, lambda line, low, _: "@" in line, (("at",),)),
    ("ipv4", _find_ipv4, lambda line, low, _: line.count(".") >= 3, (("ipv4",),)),
    ("ipv6", _find_ipv6, lambda line, low, _: "::" in line or line.count(":") >= 7,
     (("ipv6",),)),
    ("mac", _find_macs,
     lambda line, _, __: line.count(":") >= 5 or line.count("-") >= 5 or line.count(".") >= 2,
     (("mac",),)),
    ("uuid", _find_uuids, lambda line, low, _: line.count("-") >= 4, (("uuid",),)),
    ("card", _find_cards, _has_digits, (("digits", "card"),)),
    ("iban", _find_ibans, _has_digits, (("digits", "iban"),)),
    ("ssn", _find_ssns, _has_digits, (("digits", "ssn"), ("digits", "nine_digits", "ssn_word"))),
    ("phone", _find_phones, _has_digits, (("digits", "phone"), ("digits", "phone_word"))),
    ("home_user", _find_home_users,
     lambda line, low, _: "/home/" in line or "/users/" in low or "users\\" in low,
     (("home",),)),
    ("internal_host", _find_internal_hosts,
     lambda line, low, _: any(hint in low for hint in _INTERNAL_HINTS), (("internal",),)),
    ("secret_field", _find_secret_fields,
     lambda line, low, _: any(hint in low for hint in _SECRET_HINTS),
     (("secret_hint", "secret_assign"),)),
    ("high_entropy", _find_high_entropy,
     lambda line, low, _: _LONG_RUN.search(_utf8(line)) is not None, (("long_run",),)),
)  # fmt: skip

_DETECTOR_NAMES: Final[tuple[str, ...]] = (
    "private_key", "jwt", *dict.fromkeys(name for name, _ in VENDOR_TOKENS), "url_credentials",
    "cli_credentials", "auth_header", "cookie", "email", "ipv4", "ipv6", "mac", "uuid", "card",
    "iban", "ssn", "phone", "home_user", "internal_host", "secret_field", "high_entropy_hex",
    "high_entropy_base64",
)  # fmt: skip


# A cheap RE2 pass (linear time, ~10x faster than ``re`` here) picks the lines any probe could
# fire on; everything else (most of a stack trace) is skipped. It must over-approximate every
# probe above: a line it drops is never examined. It runs once over a whole text, so it is
# written never to match across a newline (``(?m)`` anchors, ``[^\S\n]`` for ``\s``): a match
# then names exactly one line, and searching on from the next line visits every candidate.
_LINE_GATE: Final = re2.compile(
    r"(?im)@|\d+\.\d+\.\d+\.\d+|[0-9a-f]*::|[0-9a-f]{1,4}:[0-9a-f]{0,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}"
    r"|[0-9a-f]{2}[:-][0-9a-f]{2}[:-][0-9a-f]{2}[:-]|[0-9a-f]{4}\.[0-9a-f]{4}\."
    r"|\d{3}[ .-]?\d{2}[ .-]?\d{4}|\d{4}[ -]?\d{4,6}[ -]?\d{4}|\d{3}[ .)-]+\d{3}[ .-]\d{4}|\+\d"
    r"|\d{7,}|phone|\btel\b|mobile|\bcell\b|\bfax|pager|whatsapp|\bdesk\b|\bdial|\bcall\b"
    r"|callback|contact|number[^\S\n]+is|[a-z]{2}\d{2} ?[a-z0-9]{4}|/home/|/users/|users\\"
    r"|\.(?:internal|corp|local|lan|intra|intranet|localdomain|home|private|int|corpint|corpnet)\b"
    r"|://[^\s/@]*:[^\s/@]*@|(?:^|[^\S\n])(?:-u|--user)\b|authori|api-?key|token|secret"
    r"|pass(?:w|phrase|_|$|[^a-z\n])|pwd|cookie|credential|creds|auth|key(?:$|[^a-z\n])|secure"
    r"|\bpat\b|private|sumo|\bssn\b|social|[a-z0-9+_=-]{20,}"
)

# Sanitized traces repeat the same lines over and over (one frame per failing test, the same
# banner per job), so a line's findings are remembered by its text. Bounded: lines longer than
# this are never kept, and the memory is emptied when it holds this many distinct lines.
_CACHED_LINE_MAX: Final = 4096
_LINE_CACHE_SIZE: Final = 65536

_LineHits = tuple[tuple[str, int, int], ...]
"""(finding name, 0-based start, end) of every finding on one line."""
_DIGEST_CACHE_SIZE: Final = 4096
_PLAN_CACHE_SIZE: Final = 4096
"""Distinct combinations of facts remembered with the probes they let run (a few dozen occur)."""


@dataclass(frozen=True, slots=True)
class _FactSets:
    """The RE2 Sets of facts (``_FACTS`` and ``_RUN_FACTS`` with the detect-secrets plugins'
    facts added, ``_VENDOR_FACTS``) and what their pattern numbers name."""

    sets: tuple[re2.Set, ...]
    names: tuple[tuple[str, ...], ...]
    patterns: tuple[tuple[str, ...], ...]
    ds: tuple[tuple[str, ...], ...]
    """Per plugin, the facts that are its gate (all of them)."""


@functools.cache
def _fact_sets(ds_gates: tuple[tuple[tuple[str, ...], str | None], ...]) -> _FactSets:
    """The fact Sets for plugins with these (hints, ``needs`` pattern); built once per process,
    so every detector shares their compiled DFAs."""
    facts, runs = dict(_FACTS), dict(_RUN_FACTS)
    ds_facts: list[tuple[str, ...]] = []
    for index, (hints, needs) in enumerate(ds_gates):
        # A hint is a lowercase substring of the lowercased line: a ``(?i)`` literal.
        if any(hint != hint.lower() for hint in hints):
            raise ValueError(f"detect-secrets hints must be lowercase: {hints}")
        gate = f"ds{index}" if hints else "quoted_run"
        if hints:
            facts[gate] = "(?i)" + "|".join(re2.escape(hint) for hint in hints)
        if needs is None:
            ds_facts.append((gate,))
        else:
            runs[f"ds{index}_needs"] = needs
            ds_facts.append((gate, f"ds{index}_needs"))
    groups = (facts, runs, _VENDOR_FACTS)
    sets = []
    for group in groups:
        found = re2.Set.SearchSet()
        for pattern in group.values():
            found.Add(pattern)
        found.Compile()
        sets.append(found)
    return _FactSets(
        tuple(sets),
        tuple(tuple(group) for group in groups),
        tuple(tuple(group.values()) for group in groups),
        tuple(ds_facts),
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    """What runs on an ASCII line with a given set of facts, in table order."""

    probes: tuple[Callable[[str], _Hits], ...]
    ds: tuple[tuple[str, BasePlugin], ...]
    """(finding name, plugin) of the detect-secrets plugins whose hints and needs are met."""


class ResidualPiiDetector:
    """Scans sanitized text for residual PII and secrets; findings carry positions only.

    An instance remembers the findings of the lines it has scanned (bounded; see
    ``_LINE_CACHE_SIZE``), so keep one per process rather than one per call.
    """

    __slots__ = (
        "_digests",
        "_ds",
        "_ds_hints",
        "_extra_domains",
        "_facts",
        "_known",
        "_plans",
        "detector_names",
    )

    def __init__(self, *, extra_internal_domains: Iterable[str] = ()) -> None:
        self._extra_domains: tuple[str, ...] = tuple(
            "." + domain.strip().lower().lstrip(".") for domain in extra_internal_domains
        )
        self._ds = _ds_plugins()
        # Plain substring tests: ``re`` spends far longer on one alternation of ~45 hints.
        self._ds_hints = frozenset(h for entry in self._ds for h in entry.hints)
        self._facts = self._fact_sets()
        self._plans: dict[tuple[frozenset[int], ...], _Plan] = {}
        self.detector_names: tuple[str, ...] = (
            *_DETECTOR_NAMES,
            *(f"detect_secrets:{type(p.plugin).__name__}" for p in self._ds),
        )
        # Per instance, since the extra internal domains change what a line yields.
        self._known: dict[str, _LineHits] = {}
        # PBKDF2 costs milliseconds; a value found again (the same line in many artifacts) is
        # hashed once. Bounded like the line memory.
        self._digests: dict[tuple[str, str], str] = {}

    def __repr__(self) -> str:
        return f"ResidualPiiDetector(extra_internal_domains={len(self._extra_domains)})"

    def _fact_sets(self) -> _FactSets:
        return _fact_sets(
            tuple((e.hints, None if e.needs is None else e.needs.pattern) for e in self._ds)
        )

    def __getstate__(self) -> dict[str, Any]:
        # RE2 Sets do not pickle: an unpickled detector takes its process's own.
        return {n: getattr(self, n) for n in self.__slots__ if n not in ("_facts", "_plans")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._facts = self._fact_sets()
        self._plans = {}

    def scan(self, text: str) -> list[Finding]:
        """Every residual finding in ``text``, ordered by position, one per (name, position)."""
        if not text:
            return []
        lines = text.split("\n")
        return self._findings(text, lines, self._line_table(lines))

    def scan_many(self, values: Iterable[str | None]) -> Counter[str]:
        """Findings per detector name over many cell values (``None`` and ``""`` are clean).

        Identical values are scanned once and counted once per occurrence; the lines of all
        values go through the candidate pass together.
        """
        distinct = Counter(v for v in values if v)
        split = {value: value.split("\n") for value in distinct}
        table = self._line_table([line for lines in split.values() for line in lines])
        counts: Counter[str] = Counter()
        for value, times in distinct.items():
            for finding in self._findings(value, split[value], table, digests=False):
                counts[finding.detector] += times
        return counts

    def is_clean(self, text: str) -> bool:
        """True when :meth:`scan` finds nothing."""
        return not self.scan(text)

    def _findings(
        self, text: str, lines: list[str], table: dict[str, _LineHits], *, digests: bool = True
    ) -> list[Finding]:
        """The findings of one text; without ``digests`` (counting only) they carry none."""
        findings: dict[tuple[str, int, int], Finding] = {}
        known = self._known
        for number, line in enumerate(lines, start=1):
            hits = table.get(line)
            if hits is None:
                hits = known.get(line, ())
            for name, start, end in hits:
                if (name, number, start + 1) not in findings:
                    digest = self.digest(name, line[start:end]) if digests else ""
                    findings[name, number, start + 1] = Finding(name, number, start + 1, digest)
        if "PRIVATE KEY" in text:  # the only probe that reads across lines
            newlines = [i for i, c in enumerate(text) if c == "\n"]
            for name, start, end in _find_private_keys(text):
                index = bisect.bisect_left(newlines, start)
                line_start = newlines[index - 1] + 1 if index else 0
                key = (name, index + 1, start - line_start + 1)
                if key not in findings:
                    digest = self.digest(name, text[start:end]) if digests else ""
                    findings[key] = Finding(*key, digest)
        return sorted(findings.values(), key=lambda f: (f.line, f.column, f.detector))

    def digest(self, detector: str, value: str) -> str:
        """:func:`finding_digest`, remembered per (detector, value) by this instance."""
        key = (detector, value)
        digest = self._digests.get(key)
        if digest is None:
            if len(self._digests) >= _DIGEST_CACHE_SIZE:
                self._digests.clear()
            digest = self._digests[key] = finding_digest(detector, value)
        return digest

    def _line_table(self, lines: list[str]) -> dict[str, _LineHits]:
        """Findings of every line of ``lines`` that is not remembered; the remembered ones stay
        valid until the next call.

        The new lines are joined and searched with the RE2 gate as one text, resuming after
        each hit at the next line, so a line the gate does not point at costs no Python call.
        """
        known = self._known
        fresh = list(dict.fromkeys(line for line in lines if line and line not in known))
        if not fresh:
            return {}
        if len(known) + len(fresh) > _LINE_CACHE_SIZE:
            known.clear()  # then nothing is remembered: every line of ``lines`` is fresh
            fresh = list(dict.fromkeys(line for line in lines if line))
        table: dict[str, _LineHits] = dict.fromkeys(fresh, ())
        data = _utf8("\n".join(fresh))
        number, counted_to, position = 0, 0, 0
        search = _LINE_GATE.search
        candidates: list[int] = []
        while (match := search(data, position)) is not None:
            start = match.start()
            number += data.count(b"\n", counted_to, start)
            counted_to = start
            candidates.append(number)
            position = data.find(b"\n", start) + 1
            if not position:
                break
        if self._extra_domains:
            extra = (n for n, line in enumerate(fresh) if self._mentions_extra_domain(line))
            candidates = sorted(set(candidates).union(extra))
        for index in candidates:
            table[fresh[index]] = self._scan_line(fresh[index])
        for line, hits in table.items():
            if len(line) <= _CACHED_LINE_MAX:
                known[line] = hits
        return table

    def _scan_line(self, line: str) -> _LineHits:
        """Every finding on one line the gate points at, in probe order."""
        if not line.isascii():
            return self._scan_unicode_line(line)
        data = line.encode("ascii")
        shapes, runs, vendor = self._facts.sets
        key = (
            frozenset(shapes.Match(data) or ()),
            frozenset(runs.Match(data) or ()),
            frozenset(vendor.Match(data) or ()),
        )
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plan(key)
        hits: list[tuple[str, int, int]] = []
        for probe in plan.probes:
            hits.extend(probe(line))
        hits.extend(self._extra_domain_hits(line))
        for name, plugin in plan.ds:
            hits.extend(_ds_hits(name, plugin, line))
        return tuple(hits)

    def _plan(self, found: tuple[frozenset[int], ...]) -> _Plan:
        """The probes and plugins that the facts found (numbered per Set) let run, remembered."""
        present = {
            names[i]
            for names, indices in zip(self._facts.names, found, strict=True)
            for i in indices
        }
        plan = _Plan(
            tuple(
                probe
                for _, probe, _, needs in _PROBES
                if any(present.issuperset(facts) for facts in needs)
            ),
            tuple(
                (f"detect_secrets:{type(entry.plugin).__name__}", entry.plugin)
                for entry, facts in zip(self._ds, self._facts.ds, strict=True)
                if present.issuperset(facts)
            ),
        )
        if len(self._plans) >= _PLAN_CACHE_SIZE:
            self._plans.clear()
        self._plans[found] = plan
        return plan

    def _scan_unicode_line(self, line: str) -> _LineHits:
        """:meth:`_scan_line` for a line holding non-ASCII characters, where the ASCII facts do
        not apply (``re`` reads Unicode digits, word characters and case folds there)."""
        hits: list[tuple[str, int, int]] = []
        lowered = line.lower()
        digits = _MANY_DIGITS.search(_utf8(line)) is not None  # shared by four gates
        for _, probe, gate, _ in _PROBES:
            if gate(line, lowered, digits):
                hits.extend(probe(line))
        hits.extend(self._extra_domain_hits(line))
        hits.extend(self._detect_secrets_hits(line, lowered))
        return tuple(hits)

    def _mentions_extra_domain(self, line: str) -> bool:
        if not self._extra_domains:
            return False
        lowered = line.lower()
        return any(domain[1:] in lowered for domain in self._extra_domains)

    def _extra_domain_hits(self, text: str) -> _Hits:
        if not self._extra_domains:
            return
        lowered = text.lower()
        for match in _HOST.finditer(lowered):
            host = match.group()
            if any(host.endswith(d) or host == d[1:] for d in self._extra_domains):
                yield "internal_host", match.start(), match.end()

    def _detect_secrets_hits(self, line: str, lowered: str) -> _Hits:
        present = {hint for hint in self._ds_hints if hint in lowered}
        quoted_run = _QUOTED_RUN.search(line) is not None
        data: bytes | None = None
        for entry in self._ds:
            if not (present.intersection(entry.hints) if entry.hints else quoted_run):
                continue
            if entry.needs is not None:
                data = _utf8(line) if data is None else data
                if entry.needs.search(data) is None:
                    continue
            yield from _ds_hits(f"detect_secrets:{type(entry.plugin).__name__}", entry.plugin, line)


def _ds_hits(name: str, plugin: BasePlugin, line: str) -> _Hits:
    """What one detect-secrets plugin finds on one line and :func:`_ds_candidate_is_real` keeps."""
    for secret in plugin.analyze_string(line):
        if not isinstance(secret, str):
            continue
        at = line.find(secret)
        if at >= 0 and _ds_candidate_is_real(plugin, secret, line, at):
            yield name, at, at + len(secret)
