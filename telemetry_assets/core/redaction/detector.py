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
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
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

__all__ = ["Finding", "ResidualPiiDetector"]


@dataclass(frozen=True, slots=True)
class Finding:
    """Where a probe found residual PII. Deliberately holds no matched text."""

    detector: str
    line: int
    """1-based line within the scanned text."""
    column: int
    """1-based column (in characters) within that line."""


# A probe yields (finding name, absolute offset) pairs for one whole text.
_Hits = Iterator[tuple[str, int]]


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
        yield "email", match.start()


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
            yield "ipv4", match.start()


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
            yield "ipv6", match.start()


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
            yield "mac", match.start()
    for match in _MAC_DOTTED.finditer(text):  # Cisco notation 0012.3456.789a
        yield "mac", match.start()


def _find_uuids(text: str) -> _Hits:
    for match in _UUID.finditer(text):
        if match.group().strip("0-"):  # the nil UUID names nothing
            yield "uuid", match.start()


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
    """Issuer ranges by length; keeps 13-digit epoch milliseconds (1...) and ids out."""
    first, length = digits[0], len(digits)
    if first == "1":
        return length == 15  # UATP
    if first == "2":
        return length == 16 and 2221 <= int(digits[:4]) <= 2720
    if first == "3":
        return digits[:2] in ("34", "37", "30", "36", "38", "39", "35") and length in (
            14, 15, 16, 19,
        )  # fmt: skip
    if first == "4":
        return length in (13, 16, 19)
    if first in "56":
        return 16 <= length <= 19
    return False


def _find_cards(text: str) -> _Hits:
    for match in _CARD.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if len(set(digits)) > 1 and _card_prefix_fits(digits) and luhn_is_valid(digits):
            yield "card", match.start()


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
_SSN_CONTEXT: Final = re.compile(r"(?i)(?:\bssn|social[ _-]?security(?:[ _-]?(?:number|no))?)")
_NINE_DIGITS: Final = re.compile(r"(?<![\w.-])\d{9}(?![\w]|[.-]\d)")


def _find_ssns(text: str) -> _Hits:
    for match in _SSN.finditer(text):
        area = match.group("a") or match.group("a2") or match.group("a3")
        group = match.group("g") or match.group("g2") or match.group("g3")
        serial = match.group("s") or match.group("s2") or match.group("s3")
        if ssn_is_plausible(area, group, serial):
            yield "ssn", match.start()
    # A bare 9-digit run is an SSN only when the line says so: alone it is any id or count.
    for match in _NINE_DIGITS.finditer(text):
        digits = match.group()
        if _SSN_CONTEXT.search(_before(text, match.start(), 40)) and ssn_is_plausible(
            digits[:3], digits[3:5], digits[5:]
        ):
            yield "ssn", match.start()


_IBAN: Final = re.compile(r"(?<![\w])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?!\w)")


def _find_ibans(text: str) -> _Hits:
    for match in _IBAN.finditer(text):
        if iban_is_valid(match.group()):
            yield "iban", match.start()


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
        yield "phone", match.start()
    for word in _PHONE_WORD.finditer(text):
        after = _PHONE_AFTER_WORD.match(text, word.end())
        if after and 7 <= sum(c.isdigit() for c in after.group()) <= 15:
            yield "phone", after.start()


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
        yield "home_user", match.start("user")


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
                yield "internal_host", match.start()
        elif len(labels) >= 3 and any(label in _INTERNAL_LABELS for label in labels[1:-1]):
            yield "internal_host", match.start()


_URL_CREDENTIALS: Final = re.compile(
    r"\b[A-Za-z][A-Za-z0-9+.-]{1,15}://(?P<user>[^\s/:@'\"<>]*):(?P<password>[^\s/@'\"<>]+)@"
)


def _find_url_credentials(text: str) -> _Hits:
    for match in _URL_CREDENTIALS.finditer(text):
        password = match.group("password")
        if not re.fullmatch(r"\$\{?\w+\}?|\*+|x+|X+|<[^>]*>|%[\w]+%|\{\{.*\}\}", password):
            yield "url_credentials", match.start("user")


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
            yield "cli_credentials", match.start("value")


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
                    yield "private_key", offset
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
                yield "private_key", line_start + line.rfind(token)
            line_start = line_end + 1


_JWT: Final = re.compile(r"(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?:\.[\w-]*)?")


def _find_jwts(text: str) -> _Hits:
    for match in _JWT.finditer(text):
        yield "jwt", match.start()


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
    if _VENDOR_HINT.search(_utf8(text)) is None:
        return
    for name, pattern in VENDOR_TOKENS:
        for match in pattern.finditer(text):
            token = match.group(match.lastindex or 0)
            if not is_placeholder(token):
                yield name, match.start(match.lastindex or 0)


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
            yield "auth_header", match.start("value")


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


def _find_cookies(text: str) -> _Hits:
    for match in _COOKIE.finditer(text):
        offset = match.start("pairs")
        for pair in match.group("pairs").split(";"):
            name, equals, value = pair.partition("=")
            value_offset = offset + len(name) + len(equals)
            offset += len(pair) + 1
            name, value = name.strip().lower(), value.strip().strip("\"'")
            if not equals or name in _COOKIE_ATTRIBUTES or is_placeholder(value):
                continue
            if len(value) >= 16 or (_SESSION_COOKIE.search(name) and len(value) >= 8):
                yield "cookie", value_offset + (len(pair) - len(pair.lstrip()))


# Secret-named fields. The keyword is found first, then the key around it and what follows.
_SECRET_WORD: Final = re.compile(
    r"(?i)pass|pwd|secret|token|api[_-]?key|credential|creds|auth|key|secure"
    r"|\bpat\b"
)
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
    ["'`]?\]?[ \t]*
    (?:
        (?::=|=>|::|=(?![=~])|:(?![:/]))[ \t]*
      | ["'][ \t]+value[ \t]*=[ \t]*            # <add key="Password" value="...">
      | >(?=[^<\n]+</)                          # <password>...</password>
      | [!=]==?[ \t]*(?=["'`])                  # if (db_pass !== "...")
    )
    (?P<value>"[^"\n]*"|'[^'\n]*'|`[^`\n]*`|[^\s'"`<]+)
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


def _is_secret_key(key: str) -> bool:
    parts = _key_components(key)
    if not parts or parts[-1] in _METADATA_SUFFIXES:
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
    return sum(len(w) for w in _WORDY.findall(value)) > 0.5 * len(value)


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


def _find_secret_fields(text: str) -> _Hits:
    seen_keys: set[int] = set()
    for word in _SECRET_WORD.finditer(text):
        key_start = word.start()
        floor = max(0, key_start - _KEY_START_WINDOW)
        while key_start > floor and (text[key_start - 1].isalnum() or text[key_start - 1] in "_.-"):
            key_start -= 1
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
        if after and _value_is_real(after.group("value")):
            yield "secret_field", after.start("value")
    for match in _REVERSED_COMPARISON.finditer(text):
        if _is_secret_key(match.group("key")) and _value_is_real(match.group("value")):
            yield "secret_field", match.start("value")


# High-entropy runs. Hashes, digests, commits and ids are named by the word before them.
_HASH_CONTEXT: Final = re.compile(
    r"""(?ix)
    (?:commit|sha\d*|srcrev\w*|rev(?:ision)?|version|tree|parent|merge|head|checkout|ref
      |digest|hash|checksum|md5|fingerprint|etag|integrity|object|blob|h1|
      (?:trace|span|request|correlation|run|job|build|cache|session|x-request)[_-]?id|\bid
    )(?:\W{1,3}-{1,2}[a-z]+)*\W{0,4}$     # `git checkout -qf <sha>`
    """
)
_HEX_RUN: Final = re.compile(r"(?<![A-Za-z0-9_+/-])[0-9a-fA-F]{32,}(?![A-Za-z0-9_+/])")
_B64_RUN: Final = re.compile(r"(?<![A-Za-z0-9_+/-])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9_+/=-])")
_HASH_PREFIX: Final = re.compile(r"(?i)(?:sha\d{1,3}|md5|blake2[bs]?|h1)[-:~_]")
# Our own fingerprints and path keys: a digest wherever it stands (a JSON list, any key).
_OUR_DIGEST: Final = re.compile(r"sha256-[0-9a-f]{64}")
_WORDY: Final = re.compile(r"[a-z]{4,}|[A-Z][a-z]{3,}")


def _find_high_entropy(text: str) -> _Hits:
    for match in _HEX_RUN.finditer(text):
        run = match.group()
        if run.isdigit() or run.isalpha() or shannon_entropy(run) < 3.0:
            continue
        if _HASH_CONTEXT.search(_before(text, match.start(), 24)):
            continue
        yield "high_entropy_hex", match.start()
    for match in _B64_RUN.finditer(text):
        run = match.group().rstrip("=")
        if _OUR_DIGEST.fullmatch(run):
            continue
        if re.fullmatch(r"[0-9a-fA-F]+", run):
            continue  # judged above as hex
        has_upper = any(c.isupper() for c in run)
        has_lower = any(c.islower() for c in run)
        if not any(c.isdigit() for c in run) or not (has_upper or has_lower):
            continue
        # Bare runs need 40 characters; after `=`, `:` or a quote 32 suffice.
        assigned = text[match.start() - 1 : match.start()] in ("=", ":", '"', "'")
        if len(run) < (32 if assigned else 40):
            continue
        if run.startswith(("pk_live_", "pk_test_")) or (run.startswith("eyJ") and "." not in run):
            continue  # publishable keys and a lone JWT header are public by design
        if _HASH_PREFIX.match(run):
            continue  # `sha256-<hex>` fingerprints, `sha512-<b64>` integrity, `h1:` sums
        minimum = 4.0 if has_upper and has_lower else 3.5
        if _is_wordy(run) or shannon_entropy(run) < minimum:
            continue
        if run.count("/") > len(run) / 12 or run.count("_") > len(run) / 10:
            continue  # paths and snake_case identifiers
        if run.count("/") >= 2 and any(re.fullmatch(r"[a-z]{3,}", s) for s in run.split("/")):
            continue
        if not has_lower and "_" in run:
            continue  # CONSTANT_NAMES_1
        if sum(c.isalpha() for c in run) < len(run) / 4:
            continue  # mostly digits: counters, sequential test values
        if _HASH_CONTEXT.search(_before(text, match.start(), 24)):
            continue
        yield "high_entropy_base64", match.start()


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
        if len(secret) < 24 or plugin.calculate_shannon_entropy(secret) <= plugin.entropy_limit:
            return False
        if _HASH_CONTEXT.search(line[max(0, at - 25) : max(0, at - 1)]):
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
# A gate must over-approximate its probe: a line it rejects is never examined by that probe.

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


_PROBES: Final[tuple[tuple[str, Callable[[str], _Hits], _Gate], ...]] = (
    # Multi-line PEM blocks are handled over the whole text; here only the `\n`-escaped form.
    ("private_key_escaped", _find_private_keys, lambda line, low, _: "PRIVATE KEY" in line),
    ("jwt", _find_jwts, lambda line, low, _: "eyJ" in line),
    ("vendor_token", _find_vendor_tokens, lambda line, low, _: True),  # own literal prefilter
    ("url_credentials", _find_url_credentials, lambda line, low, _: "://" in line),
    ("cli_credentials", _find_cli_credentials, lambda line, low, _: "-u" in line),
    ("auth_header", _find_auth_headers,
     lambda line, low, _: "auth" in low or "api" in low or "token" in low or "secret" in low),
    ("cookie", _find_cookies, lambda line, low, _: "cookie" in low),
    ("email", _find_emails, lambda line, low, _: "@" in line),
    ("ipv4", _find_ipv4, lambda line, low, _: line.count(".") >= 3),
    ("ipv6", _find_ipv6, lambda line, low, _: "::" in line or line.count(":") >= 7),
    ("mac", _find_macs,
     lambda line, _, __: line.count(":") >= 5 or line.count("-") >= 5 or line.count(".") >= 2),
    ("uuid", _find_uuids, lambda line, low, _: line.count("-") >= 4),
    ("card", _find_cards, _has_digits),
    ("iban", _find_ibans, _has_digits),
    ("ssn", _find_ssns, _has_digits),
    ("phone", _find_phones, _has_digits),
    ("home_user", _find_home_users,
     lambda line, low, _: "/home/" in line or "/users/" in low or "users\\" in low),
    ("internal_host", _find_internal_hosts,
     lambda line, low, _: any(hint in low for hint in _INTERNAL_HINTS)),
    ("secret_field", _find_secret_fields,
     lambda line, low, _: any(hint in low for hint in _SECRET_HINTS)),
    ("high_entropy", _find_high_entropy,
     lambda line, low, _: _LONG_RUN.search(_utf8(line)) is not None),
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

_LineHits = tuple[tuple[str, int], ...]
"""(finding name, 0-based column) of every finding on one line."""


class ResidualPiiDetector:
    """Scans sanitized text for residual PII and secrets; findings carry positions only.

    An instance remembers the findings of the lines it has scanned (bounded; see
    ``_LINE_CACHE_SIZE``), so keep one per process rather than one per call.
    """

    __slots__ = ("_ds", "_ds_hints", "_extra_domains", "_known", "detector_names")

    def __init__(self, *, extra_internal_domains: Iterable[str] = ()) -> None:
        self._extra_domains: tuple[str, ...] = tuple(
            "." + domain.strip().lower().lstrip(".") for domain in extra_internal_domains
        )
        self._ds = _ds_plugins()
        # Plain substring tests: ``re`` spends far longer on one alternation of ~45 hints.
        self._ds_hints = frozenset(h for entry in self._ds for h in entry.hints)
        self.detector_names: tuple[str, ...] = (
            *_DETECTOR_NAMES,
            *(f"detect_secrets:{type(p.plugin).__name__}" for p in self._ds),
        )
        # Per instance, since the extra internal domains change what a line yields.
        self._known: dict[str, _LineHits] = {}

    def __repr__(self) -> str:
        return f"ResidualPiiDetector(extra_internal_domains={len(self._extra_domains)})"

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
            for finding in self._findings(value, split[value], table):
                counts[finding.detector] += times
        return counts

    def is_clean(self, text: str) -> bool:
        """True when :meth:`scan` finds nothing."""
        return not self.scan(text)

    def _findings(self, text: str, lines: list[str], table: dict[str, _LineHits]) -> list[Finding]:
        findings: set[Finding] = set()
        known = self._known
        for number, line in enumerate(lines, start=1):
            hits = table.get(line)
            if hits is None:
                hits = known.get(line, ())
            for name, offset in hits:
                findings.add(Finding(name, number, offset + 1))
        if "PRIVATE KEY" in text:  # the only probe that reads across lines
            newlines = [i for i, c in enumerate(text) if c == "\n"]
            for name, offset in _find_private_keys(text):
                index = bisect.bisect_left(newlines, offset)
                start = newlines[index - 1] + 1 if index else 0
                findings.add(Finding(name, index + 1, offset - start + 1))
        return sorted(findings, key=lambda f: (f.line, f.column, f.detector))

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
        hits: list[tuple[str, int]] = []
        lowered = line.lower()
        digits = _MANY_DIGITS.search(_utf8(line)) is not None  # shared by four gates
        for _, probe, gate in _PROBES:
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
                yield "internal_host", match.start()

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
            name = f"detect_secrets:{type(entry.plugin).__name__}"
            for secret in entry.plugin.analyze_string(line):
                if not isinstance(secret, str):
                    continue
                at = line.find(secret)
                if at >= 0 and _ds_candidate_is_real(entry.plugin, secret, line, at):
                    yield name, at
