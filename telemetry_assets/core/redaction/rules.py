"""Redaction rules as data: named, ordered, commented (pure, no I/O).

Each :class:`Rule` is a regex plus what to do with a match: the named group ``s`` (or
``s1``..``s9``, whichever took part; the whole match if none exists) is replaced by the rule's
placeholder, unless the rule's ``validator`` rejects the match or the value is already an
obvious placeholder.

Naming: ``<family>.<what>`` in lower case, e.g. ``token.github``, ``field.secret``, ``pii.email``.
Names are public (they appear in audit counts) and each is a unit on its own: ``Redactor(disabled_
rules=["token.github"])`` disables exactly that rule; a bare family name (``"token"``) disables the
whole family. Families: ``pem`` (private key blocks), ``cred`` (credentials in URLs / curl / login
pairs, password hashes, passwords on command lines, in code literals, in prose and in connection
strings), ``token`` (vendor token shapes: hand-written rules, then the data table
:data:`VENDOR_TOKENS` of prefixed families that public secret-scanner catalogs describe), ``header``
(auth headers and cookies), ``field`` (key=value / JSON / YAML / env / CLI-flag secret fields),
``blob`` (generic high-entropy hex/base64), ``net`` (IPs, MACs, internal hosts and URLs), ``pii``
(email, UUID, user names in home paths, cards, phones, SSNs, IBANs).

Order (the tuple :data:`RULES`): multi-line rules (PEM, login pairs) run first over the whole text;
then line-local rules, most specific first: vendor token shapes before generic fields (so the audit
says ``token.github``, not ``field.secret``), fields/headers before generic blobs (they redact the
whole value, blobs only its long runs), credentials in URLs before email (``user:pass@host`` must
not become an email), and network/PII shapes last. Every line-local pattern is RE2 syntax (no
lookarounds, no backreferences) and matches a newline at most as its first character (except
``spans_lines`` rules). Each carries an ``anchor``, a cheap RE2 necessary condition of a match
(by default its keywords): the redactor's first pass looks for anchors only, so most lines are
never looked at again. Keywords must be in every match too, bar the ``unkeyed`` blind spot;
``test_rules`` checks all three properties on matches drawn from the patterns.

Policy decisions: loopback/unspecified addresses (``127.0.0.0/8``, ``::1``, ``::``, ``0.0.0.0``) are
kept; public URLs are kept; 40-hex after ``commit``/``sha``/``rev``/``SRCREV``/``version`` is kept
(grouping and bisecting need it) while the same value after ``token``/``secret``/``key`` goes;
the 40-hex rustc commit in ``/rustc/<sha>/library/...`` backtrace paths is kept too; home folders of
well-known CI service accounts (``/home/runner``, ``/home/jenkins``, ``C:\\Users\\runneradmin``...)
are not personal data and are kept; obvious placeholders (``${VAR}``, ``<token>``, ``xxxx``,
``****``, ``changeme``) are never touched; a PEM private key block becomes one ``<KEY>`` whole,
BEGIN and END lines included (a lone BEGIN line of a truncated log too), except when its lines
carry CI timestamp prefixes: then each line keeps its prefix and gets its own ``<KEY>``.
Hosts whose last label is a private top-level name (``.corp``, ``.internal``, ``.intranet``,
``.lan``, ``.local``, ``.localdomain``, ``.home.arpa``, ``.private``, ``.priv``) are internal;
``.int`` is a public TLD and only counts one label down (``x.int.acme.com``). Code keeps its
identifiers:
a field whose name only ends in "key" needs a credential-looking value (``key: Literal[...]``,
``"key": "AWP-9zQKQ4tvzRIEqHAV"`` stay), values that are calls, types, constants or source
positions stay, and so do published digests (SRI ``sha512-``/``sha1-`` integrity, go.sum ``h1:``,
Cargo ``checksum``, yarn's ``.tgz#<sha1>``, PyPI/Bazel/Conan content paths, trace and event ids)
and symbol names (mangled C++/Rust/Swift, long CamelCase test names, ``UPPER_CASE`` build folders).
Consistency: a line is redacted the same whatever else is in the text (no rule depends on the
text's first line or on keywords found elsewhere), and output lines are never joined.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telemetry_assets.core.redaction.entropy import is_filler, is_sequential, shannon_entropy

Validator = Callable[[Any, str], bool]
"""``(match, value) -> keep_redacting``; ``match.string``/``match.start()`` give the context."""


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    placeholder: str
    pattern: str
    keywords: tuple[str, ...] = ()
    """Lower-case literals; the rule runs only on text containing one (empty: always runs)."""
    validator: Validator | None = None
    check_placeholder: bool = True
    """Skip values that look like placeholders (``${X}``, ``xxxx``, ``<token>``...)."""
    multiline: bool = False
    """Runs with Python ``re`` over the whole text (PEM blocks, login pairs) before the rest."""
    ignore_case: bool = False
    unkeyed: tuple[str, ...] = ()
    """Lower-case literals of which one is in every match holding none of ``keywords`` (a
    blind spot of the keywords). Where one occurs the redactor cannot treat the keywords as a
    necessary condition and takes its slow, exact path. No rule needs one today: prefer making
    the literal a keyword (as ``pw`` for ``db_pw``), so that whether a line is redacted never
    depends on what else is in the text."""
    spans_lines: bool = False
    """A match may run on past a line break (``[^"]*``), not only start on one. Line rules
    without it stay on one line, which lets the redactor look at each line once per rule
    group; a test walks every pattern to prove it. The replacement of a value that spans lines
    keeps its line breaks (one placeholder per line): output lines never merge."""
    line_prefix: str = ""
    """Multi-line rules: a regex for a per-line log prefix (CI timestamps). When every line of
    a match after its first starts with one, each line keeps its prefix and gets its own
    placeholder, so the line structure (and the timestamps) survive; otherwise the match
    becomes one placeholder."""
    anchor: str = ""
    """RE2 pattern found inside every match of ``pattern`` (a necessary condition, never a
    sufficient one), case-insensitive when the rule is. The redactor's first pass looks only for
    anchors, so they must be cheap and rare in ordinary log lines. Empty: the keywords are the
    anchor (only for rules whose every match contains one of them)."""
    gate: str = ""
    """RE2 pattern found on the line of every match the rule *replaces*: unlike ``anchor`` it may
    also lean on what the validator always rejects, and on the characters next to the match
    (``^``/``$`` standing for a line break, which is how a line looks both alone and in its
    text). Not meant for picking lines, only for skipping a rule that cannot replace anything:
    a text that holds no rule's gate is returned as is. Empty: the anchor is the gate."""
    judged_after: str = ""
    """Name of a later line rule whose replacements this rule sees as already made: its pattern
    and validator run over the text with each match of that rule (from the match's start, so a
    prefix such as ``/home/`` too, but not a leading space or line break, to the end of the
    replaced value) written as that rule's placeholder, and so does a prefix already followed
    by the placeholder (``/home/<USER>``). That is the text a second pass sees, so the first
    pass decides as the second would (idempotence). The pattern must never match ``<`` or
    ``>``, so a match never takes in such a placeholder (the redactor fails closed if one
    does). Empty, or that rule disabled: the text as it stands."""


# --- placeholders and validators -------------------------------------------------------------

_PLACEHOLDER_WORDS = frozenset(
    [
        "password",
        "passwd",
        "pass",
        "pwd",
        "secret",
        "token",
        "key",
        "apikey",
        "api_key",
        "username",
        "user",
        "login",
        "test",
        "testing",
        "changeme",
        "change_me",
        "changeit",
        "example",
        "sample",
        "dummy",
        "fake",
        "none",
        "null",
        "nil",
        "true",
        "false",
        "yes",
        "no",
        "empty",
        "redacted",
        "removed",
        "hidden",
        "masked",
        "todo",
        "tbd",
        "placeholder",
        "value",
        "foo",
        "bar",
        "baz",
        "yyy",
        "bearer",
        "basic",
        "string",
        "your_token",
        "your_key",
        "your_password",
        "mypassword",
        "my_password",
        "secret_key",
        "access_token",
        "hunter2",
        "letmein",
    ]
)

_TEMPLATE_START = ("$", "{", "<", "%", "[", "@", "***", "…", "...")


def is_placeholder_value(value: str) -> bool:
    """Obvious placeholders and template references, never secrets.

    ``${VAR}``, ``$VAR``, ``{{ x }}``, ``<YOUR_API_KEY>``, ``%s``, ``[PASSWORD]``, ``xxxx``,
    ``****``, ``changeme``; values with no letter or digit at all; empty values.
    """
    # A trailing separator is not part of the value ("password: None," in debug output).
    v = value.strip().strip("\"'`").rstrip(",;").strip("\"'`")
    if len(v) < 3:
        return True
    if v.lstrip("~").startswith(_TEMPLATE_START):
        return True  # also "~<USER>": a home folder already redacted
    if v.endswith("..."):
        return True
    low = v.lower()
    if low in _PLACEHOLDER_WORDS or low.startswith(("your", "insert", "enter", "replace")):
        return True
    if not any(c.isalnum() for c in v):
        return True
    body = v.split("_", 1)[1] if v.count("_") == 1 and len(v.split("_", 1)[1]) > 8 else v
    return is_filler(body, 0.6) or is_filler(v, 0.6)


# Small regexes the validators run on one candidate value at a time.
_SEPARATOR = re.compile(r"[_\-.]")
_PATH_SEGMENT = re.compile(r"[a-z_.\-]{3,}")
_CARD_SEPARATOR = re.compile(r"[ -]")
_SSN_5_4 = re.compile(r"\d{5}-\d{4}")
_SSN_PARTS = re.compile(r"(\d{3})([- .]?)(\d{2})([- .]?)(\d{4})")
_VERSION_TAIL = re.compile(r"(?:\.\d+){2}")
_CODE_VALUE = re.compile(r"[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+(?:\(\))?|[\w.]+\(.*\)")
_URL_VALUE = re.compile(r"[a-z][a-z0-9+.-]*://")
_CALL = re.compile(r"\w\(")
_DIGITS = frozenset("0123456789")


def _no_filler_body(_m: Any, value: str) -> bool:
    # Vendor prefixes followed by ``xxxx`` / ``0000`` are documentation examples.
    body = _SEPARATOR.sub("", _SEPARATOR.split(value, maxsplit=1)[-1])
    return not is_filler(body, 0.7)


def _slack(m: Any, value: str) -> bool:
    # "xoxe.xoxp-1-RANDOMSTRINGHERE": a real token's secret part always has digits.
    tail = value.split("-", 2)[-1]
    return any(c.isdigit() for c in tail) and _no_filler_body(m, value)


def _vault_service(_m: Any, value: str) -> bool:
    body = value[2:]
    return (
        any(c.isdigit() for c in body)
        and any(c.islower() for c in body)
        and any(c.isupper() for c in body)
    )


_SHA_CONTEXT = re.compile(
    r"(?:commit|sha\d*|rev(?:ision)?|srcrev\w*|version|digest|checksum|hash|etag|md5|tree|integrity|"
    r"parent|merge|head|ref|blob|object|build[-_ ]?id|git)[\w\s\"'=:@/-]{0,12}$",
    re.IGNORECASE,
)
# Identifiers of events and builds, printed by tracers and crash tools: not secrets.
_ID_CONTEXT = re.compile(
    r"(?:trace|span|event|request|correlation|build|code|debug|session_replay|replay)[_ -]?id"
    r"[\"']?[ \t]*[:=]?[ \t]*[\"']?$|(?:crash|leak|timeout|oom|slow-unit|minimized-from)-$",
    re.IGNORECASE,
)
# A content-hashed file name ("91a2...4a.js"): the hex is the file's digest.
_HASHED_FILE_AFTER = re.compile(
    r"\.(?:js|mjs|cjs|css|map|json|wasm|so|dll|dylib|a|o|obj|pdb|bin|txt|log|zip|gz|png|svg|html)\b"
)
_SECRET_CONTEXT = re.compile(r"(?:token|secret|key|passw|auth)[\w\s\"'=:-]{0,12}$", re.IGNORECASE)
# Rust backtraces name std's sources as /rustc/<commit>/library/...: the public rustc commit.
# Only a 40-hex value directly between "/rustc/" and "/" is this (see _hex_blob).
_RUSTC_BEFORE = "/rustc/"


# Digests and content addresses that public tooling prints next to a fixed marker: SRI
# integrity values (``sha512-<base64>``), go.sum ``h1:`` hashes, yarn's ``.tgz#<sha1>``, PyPI's
# ``/packages/ab/cd/<hash>/`` layout, Bazel/Blaze output bases (``/_bazel_<user>/<md5>/``), Conan
# package ids (``/package/<sha1>/``), gitiles ``/+/<commit>/``, pinned revisions (``@<sha>``,
# DEPS' ``'@' + '<sha>'``), ``sha256:``/``--hash=sha256:``. Matched on the text right before the
# value (and, for base64, before the run of base64 it belongs to).
_DIGEST_HEX_BEFORE = re.compile(
    r"(?:/packages/[0-9a-f]{2}/[0-9a-f]{2}/|/_(?:bazel|blaze)_[\w.-]+/|/package/|/\+(?:log)?/"
    r"|[0-9a-f]{12}\.\.\.?"
    r"|\.(?:tgz|tar\.gz|tar\.bz2|zip|whl|jar|gem)#|@[ \t]*(?:['\"][ \t]*\+[ \t]*['\"])?"
    r"|\bsha(?:1|224|256|384|512)[:=-]|--hash=\w+:|\bh1:|\bmd5[:=-])$",
    re.IGNORECASE,
)
# Cargo.lock / pip sources pin a git revision after "#": ``git+https://host/repo?rev=..#<sha>``.
_GIT_SOURCE_BEFORE = re.compile(r"\bgit\+[^\s\"'#]+#$")
_DIGEST_B64_BEFORE = re.compile(r"(?:\bsha(?:1|224|256|384|512)-|\bh1:|\bmd5-)[A-Za-z0-9+/]*$")
_SRI_VALUE = re.compile(r"(?:sha(?:1|224|256|384|512)|md5)-")
# Symbols, not data: Itanium C++ (``_ZN15google_breakpad...``, ``__ZN...`` on macOS) and Rust
# v0 (``_RNv...``) mangled names start with their scheme's marker, then a length-prefixed name.
_MANGLED = re.compile(r"_{1,2}Z[A-Za-z]{0,4}\d+[A-Za-z_]|_R[A-Za-z]{0,4}\d+[A-Za-z_]")
# Words of an identifier (``TestTSExperimentalDecoratorScopeIssue2147``): random base64 seldom
# holds three lower-case letters in a row, names are made of them.
_WORD = re.compile(r"[A-Z]?[a-z]{3,}")
_NAME_SEPARATOR = re.compile(r"[-_]")
_CAPITALISED = re.compile(r"[A-Z][a-z0-9]+")


def _identifier_like(value: str) -> bool:
    """Mostly words (CamelCase / snake_case names), not random data."""
    return sum(len(w) for w in _WORD.findall(value)) >= 0.6 * len(value)


def _hex_blob(m: Any, value: str) -> bool:
    if is_filler(value) or is_sequential(value) or value.isdigit():
        return False  # all digits: a decimal number (0.693147180559945309417232121458176568)
    before = m.string[max(0, m.start() - 28) : m.start()].rpartition("\n")[2]
    if _SECRET_CONTEXT.search(before):
        return True
    if _SHA_CONTEXT.search(before) or _DIGEST_HEX_BEFORE.search(before):
        return False
    if _ID_CONTEXT.search(before) or _HASHED_FILE_AFTER.match(m.string, m.end()):
        return False
    if _GIT_SOURCE_BEFORE.search(m.string[max(0, m.start() - 200) : m.start()]):
        return False
    if (
        len(value) == 40
        and before.endswith(_RUSTC_BEFORE)
        and m.string[m.end() : m.end() + 1] == "/"
    ):
        return False
    return shannon_entropy(value) >= 3.0 and not is_sequential(value) and not is_filler(value)


def _names_joined(value: str) -> bool:
    """``nings-plugin_hm-edu-ILHMAVFV64G6RU3LAS4H3J``, ``HEAP_CORRUPTION_c0000374_heap``: words and
    single-case runs joined by ``-``/``_`` (build folders, bucket ids). Random URL-safe base64 mixes
    cases inside its pieces."""
    parts = [p for p in _NAME_SEPARATOR.split(value) if p]
    return len(parts) > 1 and all(
        p.upper() == p
        or p.lower() == p
        or _CAPITALISED.fullmatch(p) is not None
        or _identifier_like(p)
        for p in parts
    )


# Home folders next to a base64-alphabet run. The blob rules see every user name pii.home_user
# replaces as "<USER>" already (``judged_after``), so what is left here are the folders whose
# name stays (CI service accounts: "<40 chars>/home/runner/x", "~runner/<base64>") and "/home/"
# before a placeholder: the same text on every pass.
_HOME_IN_RUN = re.compile(r"/(?:home|Users)/[A-Za-z0-9_.-]*")
_USER_NAME = re.compile(r"[A-Za-z0-9_.-]*")
# Literal starts keep this search fast; _in_user_name checks what pii.home_user wants before them.
_IN_USER_NAME = re.compile(r"(?:/home/|/Users/|\\Users\\{1,2}|~)[A-Za-z0-9_.-]*$")
_BEFORE_TILDE = frozenset("\t\n\f\r \"'=:(")  # pii.home_user's (RE2, ASCII) [\s"'=:(]
_URL_SAFE_TAIL = re.compile(r"[A-Za-z0-9_-]+")


def _in_user_name(text: str, start: int) -> bool:
    """``start`` is inside a user name after a home folder prefix: one pii.home_user keeps (the
    names it replaces are placeholders in the text the blob rules see). A "~" counts only where
    pii.home_user would take it ("/Users/~a.<base64>" starts no name); otherwise the "name" may
    run back over an earlier run, a placeholder on the next pass. (The drive letter before
    "\\Users\\" is not asked for: an earlier run may take it in.)"""
    found = _IN_USER_NAME.search(text, max(0, start - 80), start)
    if found is None:
        return False
    at = found.start()
    return text[at] != "~" or at == 0 or text[at - 1] in _BEFORE_TILDE


def _b64_blob(m: Any, value: str) -> bool:
    start = m.start()
    if "/" in value and _in_user_name(m.string, start):
        # "~runner/<base64>": the run starts inside a user name, which is no base64.
        value = value[_USER_NAME.match(value).end() :]  # type: ignore[union-attr]
        return len(value) >= 40 and _b64_blob_pieces(m, value)
    return _b64_blob_pieces(m, value)


def _b64_blob_pieces(m: Any, value: str) -> bool:
    if "/" in value and _HOME_IN_RUN.search(value):
        # Judge each piece between home folders, not the whole as a path (its "home" and
        # "runner" segments would make it look like one). The last piece's last segment may
        # also run on in the URL-safe alphabet ("..._x").
        pieces = _HOME_IN_RUN.split(value)
        tail = _URL_SAFE_TAIL.match(m.string, m.end())
        last = pieces[-1].rpartition("/")[2] + (tail.group(0) if tail else "")
        return any(len(p) >= 40 and _b64_piece(m, p) for p in pieces) or (
            len(last) >= 40 and _b64_piece(m, last)
        )
    return _b64_piece(m, value)


def _b64_piece(m: Any, value: str) -> bool:
    v = value.rstrip("=")
    if _SRI_VALUE.match(v) or _MANGLED.match(v) or _identifier_like(v) or _names_joined(v):
        return False
    start = m.start()
    if start > 0 and m.string[start - 1] == "$" and v[:1] in "sS":
        return False  # a Swift mangled symbol ("$ss25_unimplementedInitializer...")
    before = m.string[max(0, m.start() - 120) : m.start()].rpartition("\n")[2]
    if _DIGEST_B64_BEFORE.search(before):
        return False  # sha512-<base64> / h1:<base64> (also a run cut in two by "/" or "-")
    # ASCII only (the pattern's alphabet): a changed case means a letter of that case.
    if _DIGITS.isdisjoint(v) or v.lower() == v or v.upper() == v:
        return False
    if "/" in v and any(_PATH_SEGMENT.fullmatch(seg) for seg in v.split("/")):
        return False  # a path, not base64
    return shannon_entropy(v) >= 4.2 and not is_sequential(v)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


_CARD_PREFIX = re.compile(
    r"4\d{12}(?:\d{3}){0,2}|5[1-5]\d{14}|2[2-7]\d{14}|3[47]\d{13}|3(?:0[0-5]|[68]\d)\d{11}|"
    r"6(?:011|5\d\d|4[4-9]\d)\d{12,15}|35\d{14}|5[06-9]\d{10,17}|6\d{11,18}|1\d{14}"
)


def _card(m: Any, value: str) -> bool:
    s, e = m.start(), m.end()
    text = m.string
    if (s > 0 and text[s - 1] in "-.") or (
        e < len(text) and text[e] in "-." and e + 1 < len(text) and text[e + 1].isdigit()
    ):
        return False
    digits = _CARD_SEPARATOR.sub("", value)
    return 13 <= len(digits) <= 19 and bool(_CARD_PREFIX.fullmatch(digits)) and _luhn(digits)


_NAMED_NUMBER = re.compile(r"[A-Za-z][\w.-]*[\"']?[ \t]*[:=][ \t]*$")
_SSN_NAME = re.compile(r"ssn|social|tax[_ -]?id|tin\b", re.IGNORECASE)


def _ssn(m: Any, value: str) -> bool:
    if _SSN_5_4.fullmatch(value):
        value = f"{value[:3]}-{value[3:]}"
    parts = _SSN_PARTS.fullmatch(value)
    if not parts:
        return False
    area, s1, group, s2, serial = parts.groups()
    if s1 and s2 and s1 != s2:
        return False
    if not s1 and s2:
        return False
    if s1 in (".", " ") and not s2:
        return False  # "102.515625", "567.460320": a decimal number, not an SSN
    digits = area + group + serial
    if area in ("000", "666") or group == "00" or serial == "0000" or digits == "078051120":
        return False
    text, s, e = m.string, m.start(), m.end()
    if (s > 0 and text[s - 1] in ".-/") or (e < len(text) and text[e] in "-:/"):
        return False
    if not s1 and not s2:
        # Nine bare digits are mostly other numbers: seeds (``Seed:146544665``), ids
        # (``[26457:151457651]``), literals (``"111110111"``), timestamps (``923768643.0``).
        # Only one standing alone between spaces (or at an end, or before a sentence's
        # punctuation) is taken for an SSN.
        after = text[e : e + 2]
        if s > 0 and not text[s - 1].isspace():
            return False
        if after and not (after[0].isspace() or after[0] in ",;" or after in (".", ". ")):
            return False
        # One number among others ("schedstat=( 324804784 183300334 997 )", "[-1836, 196653056,")
        # is a column of figures.
        left = text[max(0, s - 3) : s].rstrip(" \t,")
        right = text[e : e + 3].lstrip(" \t,")
        if (left and left[-1].isdigit()) or (right and right[0].isdigit()):
            return False
        # The value of a named number ("Seed: 877072222", '"free_until_oome": 196083712') is that
        # number unless the name says SSN.
        named = _NAMED_NUMBER.search(text, max(0, s - 40), s)
        if named and not _SSN_NAME.search(named.group(0)):
            return False
    return True


def _iban(_m: Any, value: str) -> bool:
    v = value.replace(" ", "")
    if not 15 <= len(v) <= 34:
        return False
    moved = v[4:] + v[:4]
    num = "".join(str(int(c, 36)) for c in moved)
    return int(num) % 97 == 1


def _ipv4(m: Any, value: str) -> bool:
    text, s, e = m.string, m.start(), m.end()
    if s > 0 and text[s - 1] in "._-":
        return False
    if _VERSION_TAIL.match(text[e : e + 16]):
        return False  # 1.2.3.4.5.6: a version-like run, not an address
    addr = value.split("/", 1)[0]
    return not (addr.startswith("127.") or addr == "0.0.0.0")


_V6_TAIL = re.compile(r"(%[0-9A-Za-z._-]+)?(/\d{1,3})?$")


def _ipv6(m: Any, value: str) -> bool:
    text, s, e = m.string, m.start(), m.end()
    if s > 0 and (text[s - 1].isalnum() or text[s - 1] in ":._"):
        return False
    # "2001:db8::/9999": a bad prefix length, still an address.
    if (
        e < len(text)
        and (text[e].isalnum() or text[e] in ":_")
        and not (text[e].isdigit() and "/" in value)
    ):
        return False
    core = _V6_TAIL.sub("", value)
    try:
        ip = ipaddress.IPv6Address(core)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_unspecified)


def _mac(m: Any, _value: str) -> bool:
    # Not a piece of a longer run: ClearCase oids ("bf63.6c:03:05:8f:bc:23@vobuuid") are not MACs.
    text, e, s = m.string, m.end(), m.start()
    return not ((e < len(text) and text[e] in ":-@") or (s > 0 and text[s - 1] in ":-."))


_CODE_ROOTS = frozenset(
    [
        "self",
        "this",
        "cls",
        "threading",
        "os",
        "sys",
        "ctx",
        "super",
        "asyncio",
        "contextvars",
        "local",
        "np",
        "pd",
        "org",
        "com",
        "java",
        "javax",
        "jdk",
        "sun",
        "kotlin",
        "android",
        "scala",
        "akka",
        "io",
    ]
)


def _internal_host(m: Any, value: str) -> bool:
    # Code, not hosts: "org.testng.internal.Invoker.run(", "threading.local()", "self.internal.x".
    text, e, s = m.string, m.end(), m.start()
    if e < len(text) and text[e] in "([=.":
        return False
    if s > 0 and text[s - 1] == ".":
        return False  # a dot file name: ".env.local", ".npmrc.local"
    if any(c.isupper() for c in value):
        return False  # host names in logs are lower case; Java classes are not
    labels = value.lower().split(".")
    if labels[-1] in ("priv", "private") and len(labels) < 3:
        return False  # "key.priv", "obj.private": a host needs a name and a domain before these
    return labels[0] not in _CODE_ROOTS


_PLACEHOLDER_HOSTS = frozenset(
    [
        "localhost",
        "url",
        "domain",
        "host",
        "hostname",
        "server",
        "example",
        "yourhost",
        "myhost",
        "ip",
        "host_name",
        "foo",
        "bar",
        "baz",
        "qux",
        "quux",
    ]
)


def _private_url(m: Any, _value: str) -> bool:
    host = m.group("h").lower()
    return host not in _PLACEHOLDER_HOSTS and not host.startswith("[")


def _curl_user(_m: Any, value: str) -> bool:
    v = value.strip("\"'")
    if ":" not in v:
        return False
    user, _, pw = v.partition(":")
    parts = [p.strip("\"'{}") for p in (user, pw)]
    if any(p.strip("\"'").startswith(("$", "<", "{{", "%", "[")) for p in (user, pw)):
        return False
    meaningful = [p for p in parts if p]
    if not meaningful:
        return False
    return not all(
        p.lower() in _PLACEHOLDER_WORDS or is_filler(p) or len(set(p)) == 1 for p in meaningful
    )


def _field_value(m: Any, value: str) -> bool:
    v = value.strip()
    if len(v) < 4:
        return False
    if v.isdigit() and len(v) < 10:
        return False
    if _CODE_VALUE.fullmatch(v):
        return False  # code: attribute access or a call, not a literal
    if _URL_VALUE.match(v):
        return False  # URLs are the URL rules' business
    return not v.lower().startswith(("os.environ", "process.env", "env.", "secrets."))


# Field names that name a secret on their own. A name that only ends in "key" (``key``,
# ``moduleKey``, ``optional_key``, ``fs-monkey``) is weak: sort keys, dict keys, issue
# keys and type annotations are far more common there than credentials, so its value must itself
# look like a credential (see ``_field_secret``). Names with "public" name public material
# (``PublicKeyToken``, ``public_key``).
_STRONG_KEY = re.compile(
    r"pass|pwd|pw\b|pw_|secret|token|credential|api[_.-]?key|apikey|auth|sess|private|access[_.-]?key"
    r"|secure|signing|client[_.-]?key|encrypt|master[_.-]?key|license[_.-]?key|ssh[_.-]?key",
    re.IGNORECASE,
)
_LINE_COL = re.compile(r"\d+(?::\d+)*[\])]?:?")
_VERSION_VALUE = re.compile(r"[\^~<>=v]{0,2}\d+(?:\.\d+)+(?:[-+.][\w.]*)?")
# An unquoted value that opens a call, index, generic or block is code: ``Some(``,
# ``Literal["A"]``, ``ReadOnly[int]``, ``Token{d689ff1``, ``Secret^{this}``; a parameter's type
# (``(secret: String)``).
_CODE_HEAD = re.compile(r"[A-Za-z_][\w.]{2,}[(\[{<^]|[A-Z][a-z]+\)$")
_SOURCE_FILE = re.compile(
    r"\.(?:c|cc|cpp|cxx|h|hh|hpp|m|mm|py|rs|go|java|kt|scala|swift|js|jsx|ts|tsx|rb|php|cs)$"
)
_CODE_WORDS = frozenset(
    [
        "raise",
        "return",
        "break",
        "continue",
        "yield",
        "await",
        "lambda",
        "not",
        "and",
        "or",
        "if",
        "else",
        "elif",
        "new",
        "this",
        "self",
        "undefined",
        "function",
        "async",
        "def",
        "class",
        "import",
        "from",
        "const",
        "let",
        "var",
        "throw",
        "throws",
        "match",
        "Object",
        "Some",
    ]
)
_CAMEL_IDENTIFIER = re.compile(r"[a-z]+(?:[A-Z][a-z]+)+")
_PARSER_MESSAGE = re.compile(
    r"(?:unexpected|invalid|expected|unknown|missing|illegal|bad|unterminated)[ \t]+token"
    r"[ \t]*[:=]?[ \t]*[\"'`]?$",
    re.IGNORECASE,
)
_CONSTANT = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z][A-Z0-9]*)+")
_FETCH_CREDENTIALS = frozenset(["omit", "include", "same-origin"])


def _looks_like_credential(value: str) -> bool:
    """A weak-named field's value: a long random-looking run with a digit and a letter (API
    keys are 24 characters and more; generated ids such as SonarQube's 20-character issue keys
    are shorter)."""
    v = value.strip()
    return (
        len(v) >= 24
        and not any(c in v for c in " ./:\\")
        and any(c.isdigit() for c in v)
        and any(c.isalpha() for c in v)
        and not _identifier_like(v)
        and shannon_entropy(v) >= 3.5
    )


def _field_secret(m: Any, value: str) -> bool:
    if not _field_value(m, value):
        return False
    v = value.strip()
    key = (m.group("k") or "").lower()
    if "public" in key or _SOURCE_FILE.search(key):
        return False  # "PublicKeyToken=...", "token_uploader.cc:193]"
    if m.group("s4") is not None and (v in _CODE_WORDS or _CAMEL_IDENTIFIER.fullmatch(v)):
        return False  # "if len(token) > MAX: raise ...", "{ ACME_TOKEN: acmeToken }"
    if key == "token" and _PARSER_MESSAGE.search(m.string, max(0, m.start() - 40), m.start()):
        return False  # "SyntaxError: Unexpected token 'forall'"
    if key.endswith("credentials") and v.lower() in _FETCH_CREDENTIALS:
        return False  # fetch()'s credentials mode
    if _LINE_COL.fullmatch(v) or _VERSION_VALUE.fullmatch(v):
        return False  # "token_uploader.cc:193]", "js-tokens: 4.0.0", 'fs-monkey "^1.0.4"'
    if m.group("s4") is not None and (_CODE_HEAD.match(v) or _CONSTANT.fullmatch(v)):
        return False  # code: "Some(", "Token{...", "MAX_TOKEN_LENGTH"
    if not _STRONG_KEY.search(key):
        return _looks_like_credential(v)
    return True


def _field_line(m: Any, value: str) -> bool:
    # YAML / env lines with a value running to the end of the line: the same tests as
    # field.secret; a weak name (``key: Literal['a', 'b']``) never takes a whole line.
    key = (m.group("k") or "").lower()
    return (
        not _SOURCE_FILE.search(key)
        and _field_value(m, value)
        and any(c in value for c in " ,;")
        and not _CALL.search(value)
        and "public" not in key
        and bool(_STRONG_KEY.search(key))
    )


def _email(_m: Any, value: str) -> bool:
    # "pkg@0.0.0-insiders.fe49d70", "power@1.2-service.wahoo", "__main__.C@4.MISSING": a version
    # or a number after "@" (a domain's first label is never all digits in practice).
    if value.lower().startswith("git@"):
        return False
    return not value.rpartition("@")[2].split(".", 1)[0].isdigit()


# Home folders of CI service accounts (GitHub/Azure runners, Jenkins, CircleCI, Buildkite, GitLab,
# cloud images, containers): not people. Kept so that the audit counts only real user names.
# Deliberately short: "admin", "build", "node" and the like may be a person's login elsewhere.
_SERVICE_USERS = frozenset(
    [
        "runner",
        "runneradmin",
        "jenkins",
        "ubuntu",
        "circleci",
        "buildkite-agent",
        "gitlab-runner",
        "vsts",
        "docker",
        "root",
    ]
)


def _home_user(_m: Any, value: str) -> bool:
    low = value.lower()
    return (
        value != "<USER>"
        and low not in ("shared", "public", "default")
        and (low not in _SERVICE_USERS)
    )


# --- patterns ---------------------------------------------------------------------------------
# Regexes are RE2 syntax (except multiline ones) written with implicit string concatenation and
# a comment on what each deliberately does not match.

_B = r"(?:^|[^0-9A-Za-z_])"  # poor man's lookbehind: consumed, outside group s

_SECRET_WORDS_ANY = r"(?:password|passwd|passphrase|secret|token|credentials?|api[_-]?key)"
# ``pw`` covers ``db_pw``, ``rootpw``, a bare ``pw`` and (with ``pwd``) ``PGPWD``-style names.
_SECRET_WORDS_END = r"(?:key|[_.-]pass|pwd|auth|session|sessionid|sessid|pw|secure)"
_KEY = (
    r"(?:[A-Za-z0-9_.-]*" + _SECRET_WORDS_ANY + r"[A-Za-z0-9_.-]*"
    r"|[A-Za-z0-9_.-]*_pass_[A-Za-z0-9_.-]*"
    r"|[A-Za-z0-9_.-]*" + _SECRET_WORDS_END + r")"
)


# _KEY without its leading ``[A-Za-z0-9_.-]*``: what every key name matched by _KEY contains.
_KEY_ANCHOR = (
    r"(?:(?:password|passwd|passphrase|secret|token|credentials?|api[_-]?key|_pass_)"
    r"[A-Za-z0-9_.-]*|key|[_.-]pass|pwd|auth|session|sessionid|sessid|pw|secure)"
)


# GitHub Actions (and Azure Pipelines) raw logs start every line with an ISO timestamp and a space.
# Local-time offsets ("+02:00") are not CI prefixes and are not matched.
CI_LINE_PREFIX = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z[ \t]"


def _quoted(a: str, b: str, c: str) -> str:
    return rf"\"(?P<{a}>[^\"\n]*)\"|'(?P<{b}>[^'\n]*)'|`(?P<{c}>[^`\n]*)`"


# --- vendor token table -------------------------------------------------------------------------
# Token families with a fixed prefix or shape, as the public rule catalogs of open-source secret
# scanners describe them (gitleaks, Nosey Parker, Kingfisher, TruffleHog, GitHub's partner
# patterns); the expressions are our own. One row: (name, pattern with group ``s``, keywords,
# anchor). Each row becomes the rule ``token.<name>`` (placeholder ``<TOKEN>``) placed after the
# hand-written token rules above; a value made mostly of filler (``dckr_pat_xxxx...``) is a
# documentation example and stays. Patterns are RE2, case-sensitive, one line.
VendorRow = tuple[str, str, tuple[str, ...], str]
VENDOR_TOKENS: tuple[VendorRow, ...] = (
    ("docker_hub", r"\b(?P<s>dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,})", ("dckr_",), r"dckr_"),
    ("tavily", r"\b(?P<s>tvly-(?:dev-|prod-)?[A-Za-z0-9]{32})\b", ("tvly-",), r"tvly-"),
    (
        "dynatrace",
        r"\b(?P<s>dt0[cs]01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64})\b",
        ("dt0",),
        r"dt0[cs]01\.",
    ),
    (
        "planetscale",
        r"\b(?P<s>pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_=.-]{32,64})",
        ("pscale_",),
        r"pscale_",
    ),
    (
        "supabase",
        r"\b(?P<s>sbp_(?:oauth_)?[a-f0-9]{40}|sb_secret_[A-Za-z0-9_-]{20,})",
        ("sbp_", "sb_secret_"),
        r"sbp_|sb_secret_",
    ),
    ("alibaba", r"\b(?P<s>LTAI[A-Za-z0-9]{20})\b", ("ltai",), r"LTAI"),
    ("rubygems", r"\b(?P<s>rubygems_[a-f0-9]{48})\b", ("rubygems_",), r"rubygems_"),
    ("nuget", r"\b(?P<s>oy2[a-z0-9]{43})\b", ("oy2",), r"oy2[a-z0-9]{8}"),
    (
        "firebase_fcm",
        r"\b(?P<s>AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{134})",
        ("apa91b",),
        r":APA91b",
    ),
    (
        "sentry_dsn",
        r"\bhttps?://(?P<s>[0-9a-f]{32}(?::[0-9a-f]{32})?)@[A-Za-z0-9.-]*sentry\.io\b",
        ("sentry.io",),
        r"@[A-Za-z0-9.-]*sentry\.io",
    ),
    ("figma", r"\b(?P<s>figd_[A-Za-z0-9_-]{40,})", ("figd_",), r"figd_"),
    (
        "airtable",
        r"\b(?P<s>pat[A-Za-z0-9]{14}\.[a-f0-9]{64})\b",
        ("pat",),
        r"pat[A-Za-z0-9]{14}\.",
    ),
    (
        "notion_legacy",
        r"\b(?P<s>secret_[A-Za-z0-9]{43})\b",
        ("secret_",),
        r"secret_[A-Za-z0-9]{8}",
    ),
    ("shippo", r"\b(?P<s>shippo_(?:live|test)_[a-fA-F0-9]{40})\b", ("shippo_",), r"shippo_"),
    (
        "flutterwave",
        r"\b(?P<s>FLW(?:SECK|PUBK)(?:_TEST)?-[a-hA-H0-9]{32}-X|FLWSECK_TEST-?[a-hA-H0-9]{12})",
        ("flwseck", "flwpubk"),
        r"FLW(?:SECK|PUBK)",
    ),
    ("frameio", r"\b(?P<s>fio-u-[A-Za-z0-9_=-]{64})", ("fio-u-",), r"fio-u-"),
    ("stripe_webhook", r"\b(?P<s>whsec_[A-Za-z0-9]{32,})", ("whsec_",), r"whsec_"),
    (
        "gcp_private_key_id",
        r"\"private_key_id\"[ \t]*:[ \t]*\"(?P<s>[a-f0-9]{40})\"",
        ("private_key_id",),
        r"\"private_key_id\"",
    ),
    ("gcp_oauth_secret", r"\b(?P<s>GOCSPX-[A-Za-z0-9_-]{28})", ("gocspx-",), r"GOCSPX-"),
    ("gcp_access_token", r"\b(?P<s>ya29\.[A-Za-z0-9_-]{30,})", ("ya29.",), r"ya29\."),
    (
        "azure_shared_access",
        r"SharedAccessKey=(?P<s>[A-Za-z0-9+/]{40,}={0,2})",
        ("sharedaccesskey=",),
        r"SharedAccessKey=",
    ),
    (
        "azure_sas_signature",
        r"[?&;]sig=(?P<s>[A-Za-z0-9%+/]{30,}(?:%3[Dd]|=){0,2})",
        ("sig=",),
        r"[?&;]sig=",
    ),
    ("groq", r"\b(?P<s>gsk_[A-Za-z0-9]{52})\b", ("gsk_",), r"gsk_"),
    ("replicate", r"\b(?P<s>r8_[A-Za-z0-9]{37})\b", ("r8_",), r"r8_"),
    ("xai", r"\b(?P<s>xai-[A-Za-z0-9]{80})\b", ("xai-",), r"xai-"),
    (
        "langsmith",
        r"\b(?P<s>lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10})\b",
        ("lsv2_",),
        r"lsv2_",
    ),
    ("prefect", r"\b(?P<s>pnu_[A-Za-z0-9]{36})\b", ("pnu_",), r"pnu_"),
    ("readme", r"\b(?P<s>rdme_[a-z0-9]{70})\b", ("rdme_",), r"rdme_"),
    ("clojars", r"\b(?P<s>CLOJARS_[a-z0-9]{60})\b", ("clojars_",), r"CLOJARS_"),
    ("easypost", r"\b(?P<s>EZ[AT]K[A-Za-z0-9]{54})\b", ("ezak", "eztk"), r"EZ[AT]K"),
    ("duffel", r"\b(?P<s>duffel_(?:test|live)_[A-Za-z0-9_=-]{43})", ("duffel_",), r"duffel_"),
    ("brevo", r"\b(?P<s>xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16})\b", ("xkeysib-",), r"xkeysib-"),
    ("adobe", r"\b(?P<s>p8e-[A-Za-z0-9]{32})\b", ("p8e-",), r"p8e-"),
    ("maxmind", r"\b(?P<s>[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk)\b", ("_mmk",), r"_mmk"),
    (
        "mapbox_secret",
        r"\b(?P<s>sk\.eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,})",
        ("sk.eyj",),
        r"sk\.eyJ",
    ),
    (
        "harness",
        r"\b(?P<s>[ps]at\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20})",
        ("pat.", "sat."),
        r"[ps]at\.[A-Za-z0-9_-]{22}\.",
    ),
    ("settlemint", r"\b(?P<s>sm_(?:aat|pat|sat)_[A-Za-z0-9]{16})\b", ("sm_",), r"sm_[aps]at_"),
    (
        "cloudflare_origin_ca",
        r"\b(?P<s>v1\.0-[a-f0-9]{24}-[a-f0-9]{146})",
        ("v1.0-",),
        r"v1\.0-[a-f0-9]{8}",
    ),
    (
        "gitlab_session",
        r"_gitlab_session=(?P<s>[0-9a-z]{32})",
        ("_gitlab_session=",),
        r"_gitlab_session=",
    ),
    ("grafana_api_key", r"\b(?P<s>eyJrIjoi[A-Za-z0-9]{70,400}={0,3})", ("eyjrijoi",), r"eyJrIjoi"),
    ("artifactory_reference", r"\b(?P<s>cmVmd[A-Za-z0-9]{59})\b", ("cmvmd",), r"cmVmd"),
    (
        "teams_webhook",
        r"(?P<s>https://[a-z0-9-]+\.webhook\.office\.com/webhookb2/[A-Za-z0-9@/-]{60,})",
        ("webhook.office.com",),
        r"\.webhook\.office\.com/webhookb2/",
    ),
    ("bitbucket_app_password", r"\b(?P<s>ATBB[A-Za-z0-9_=.-]{32})", ("atbb",), r"ATBB"),
    ("buildkite", r"\b(?P<s>bkua_[a-f0-9]{40})\b", ("bkua_",), r"bkua_"),
    (
        "circleci",
        r"\b(?P<s>CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40})\b",
        ("ccipat_",),
        r"CCIPAT_",
    ),
    ("contentful", r"\b(?P<s>CFPAT-[A-Za-z0-9_-]{43})", ("cfpat-",), r"CFPAT-"),
    ("netlify", r"\b(?P<s>nfp_[A-Za-z0-9]{36})\b", ("nfp_",), r"nfp_"),
    (
        "telegram_bot",
        # 123456789:AA... alone or in the Bot API's path (https://api.telegram.org/bot<token>/getMe);
        # a bare "bot123:AA..." word is not taken for one. The secret half starts with "AA".
        r"(?:\b|/bot)(?P<s>\d{5,16}:AA[A-Za-z0-9_-]{33})(?:[^A-Za-z0-9_\n-]|(?m:$))",
        (":aa",),
        r"\d:AA",
    ),
)


def _vendor_body(_m: Any, value: str) -> bool:
    # The part after the vendor's prefix: a documentation example is mostly one filler character.
    body = value.rsplit(":", 1)[-1] if value[:1].isdigit() else value
    return _no_filler_body(_m, body)


VENDOR_RULES: tuple[Rule, ...] = tuple(
    Rule(f"token.{name}", "<TOKEN>", pattern, keywords, _vendor_body, anchor=anchor)
    for name, pattern, keywords, anchor in VENDOR_TOKENS
)

# Password hashes: crackable offline, so they go like the passwords they stand for. bcrypt
# ($2a$/$2b$/$2y$), md5/sha-crypt ($1$/$5$/$6$, with rounds=), yescrypt ($y$), scrypt ($7$),
# argon2, PHC/Passlib pbkdf2 ($pbkdf2-sha256$), Django's pbkdf2_sha256$, LDAP {SSHA}/{SHA}/{CRYPT}.
_PASSWORD_HASH = (
    r"(?P<s>\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}"
    r"|\$[156]\$(?:rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{22,86}"
    r"|\$y\$[./A-Za-z0-9]+\$[./A-Za-z0-9]{1,86}\$[./A-Za-z0-9]{43}"
    r"|\$7\$[./A-Za-z0-9]{11,}\$[./A-Za-z0-9]{43}"
    r"|\$argon2(?:id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]{8,}\$[A-Za-z0-9+/]{16,}"
    r"|\$pbkdf2(?:-sha\d+)?\$\d+\$[./A-Za-z0-9+=]{8,}\$[./A-Za-z0-9+=]{16,}"
    r"|\bpbkdf2_sha\d+\$\d+\$[A-Za-z0-9./+=]{4,}\$[A-Za-z0-9./+=]{16,}"
    r"|\{(?:SSHA|SHA|SSHA256|SSHA512|SMD5|CRYPT)\}[A-Za-z0-9+/.$]{16,}={0,2})"
)

_PROSE_KEYWORDS = tuple(
    f"{w} {v}"
    for w in ("password", "passphrase", "passwd", "pin code")
    for v in ("is", "was", "will be", "set to", "changed to")
)


RULES: tuple[Rule, ...] = (
    # ---- multi-line, whole text -----------------------------------------------------------
    Rule(
        "pem.private_key",
        "<KEY>",
        # The WHOLE block, BEGIN and END lines included, becomes one <KEY>: a kept header line
        # is itself a finding for the residual-PII check. Terminated block (also with JSON-escaped
        # "\n"; ends at the first -----END line of any kind), else an unterminated one (truncated
        # log): the header and every following base64-looking line, each optionally after a CI
        # timestamp prefix; else a lone header. Public keys and certificates are not matched.
        # With timestamp prefixes every line keeps its prefix (``line_prefix``).
        r"-----BEGIN[A-Z0-9 ]{0,30} PRIVATE KEY(?: BLOCK)?-----"
        r"(?:(?s:(?:(?!-----END).){0,100000}?)-----END[A-Z0-9 ]{0,40}-----"
        r"|(?:(?:\\r)?(?:\\n|\r?\n)(?:" + CI_LINE_PREFIX + r")?"
        r"(?:[A-Za-z0-9+/=:, -]*(?:\\n|\r?\n)(?:" + CI_LINE_PREFIX + r")?)*"
        r"[A-Za-z0-9+/=]{8,}[A-Za-z0-9+/=]*)?)",
        keywords=("private key",),
        multiline=True,
        check_placeholder=False,
        line_prefix=CI_LINE_PREFIX,
    ),
    Rule(
        "cred.login_pair",
        "<SECRET>",
        # "username root\npassword crickets", "u: x\np: y": a user field directly followed by a
        # password field. A lone "p: x" is not matched (too common in logs), and neither is our
        # own "<USER>" placeholder (the value may not start with ">"), which keeps it idempotent.
        r"(?:\b(?:user_?name|login|user)\b[ \t]*[:=]?[ \t]*|(?m:^)u:[ \t]*)"
        r"[^\s:=>][^\s:=]*[ \t]*\r?\n?[ \t]*"
        r"(?:\bpass(?:word)?\b|\bpw\b|(?m:^)p:)[ \t]*[:=]?[ \t]*(?P<s>[^\s'\"]{3,})",
        keywords=("user", "login", "u:"),
        multiline=True,
        ignore_case=True,
    ),
    # ---- vendor tokens (gitleaks' shapes) ---------------------------------------------------
    Rule(
        "token.github",
        "<TOKEN>",
        r"\b(?P<s>gh[pousr]_[A-Za-z0-9]{36,255})\b",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        _no_filler_body,
    ),
    Rule(
        "token.github_pat",
        "<TOKEN>",
        r"\b(?P<s>github_pat_[A-Za-z0-9_]{40,255})",
        ("github_pat_",),
        _no_filler_body,
    ),
    Rule(
        "token.gitlab",
        "<TOKEN>",
        # glimt/gloas/glptt have fixed lengths; "glpat_..." (underscore) is not a GitLab token.
        r"\b(?P<s>(?:glpat|gldt|glrt|glcbt|glsoat|glffct|glft)-[0-9A-Za-z_-]{20,300}(?:\.[0-9a-z]{9})?"
        r"|glptt-[0-9a-f]{40}|glimt-[0-9A-Za-z_-]{25}|gloas-[0-9A-Za-z_-]{64}"
        r"|glagent-[0-9A-Za-z_-]{50,1000}|GR1348941[0-9A-Za-z_-]{20})\b",
        ("gl", "gr1348941"),
        lambda m, v: _no_filler_body(m, v) and not v[9:].isdigit(),
        anchor=r"gl(?:pat|dt|rt|cbt|soat|ffct|ft|ptt|imt|oas|agent)-|GR1348941",
    ),
    Rule(
        "token.slack_webhook",
        "<TOKEN>",
        r"(?P<s>https?://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,})",
        ("hooks.slack.com",),
        check_placeholder=False,
    ),
    Rule(
        "token.slack",
        "<TOKEN>",
        # Needs a numeric team id segment: "xoxb-Slack_BOT_TOKEN", "xoxb-abcdef-abcdef" stay.
        r"\b(?P<s>xox[abeoprs]-\d+-[0-9A-Za-z-]{10,}|xoxe\.xox[bp]-\d-[0-9A-Za-z]{40,}"
        r"|xoxe-\d-[0-9A-Za-z]{40,}|xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+)",
        ("xox", "xapp-"),
        _slack,
    ),
    Rule(
        "token.aws_access_key_id",
        "<KEY>",
        r"\b(?P<s>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b",
        ("akia", "asia", "abia", "acca", "a3t"),
        _no_filler_body,
        anchor=r"A3T|AKIA|ASIA|ABIA|ACCA",
    ),
    Rule(
        "token.aws_bedrock",
        "<KEY>",
        r"\b(?P<s>ABSK[A-Za-z0-9+/]{100,300}={0,2}|bedrock-api-key-[A-Za-z0-9+/=]{20,})",
        ("absk", "bedrock-api-key-"),
        anchor=r"ABSK|bedrock-api-key-",
    ),
    Rule(
        "token.stripe",
        "<TOKEN>",
        r"\b(?P<s>[sr]k_(?:test|live|prod)_[0-9A-Za-z]{10,247})\b",
        ("sk_", "rk_"),
        anchor=r"[sr]k_(?:test|live|prod)_",
    ),
    Rule(
        "token.google_api_key",
        "<KEY>",
        r"\b(?P<s>AIza[0-9A-Za-z_-]{35})",
        ("aiza",),
        _no_filler_body,
        anchor=r"AIza",
    ),
    Rule(
        "token.openai",
        "<TOKEN>",
        r"\b(?P<s>sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,200}T3BlbkFJ[A-Za-z0-9_-]{16,200}"
        r"|sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,300})",
        ("t3blbkfj", "sk-"),
        anchor=r"T3BlbkFJ|sk-(?:proj|svcacct|admin)-",
    ),
    Rule(
        "token.anthropic",
        "<TOKEN>",
        r"\b(?P<s>sk-ant-(?:api|admin|sid)\d\d-[A-Za-z0-9_-]{32,300})",
        ("sk-ant-",),
    ),
    Rule(
        "token.huggingface",
        "<TOKEN>",
        r"\b(?P<s>hf_[A-Za-z]{34}|api_org_[A-Za-z]{34})\b",
        ("hf_", "api_org_"),
        _no_filler_body,
        anchor=r"hf_[A-Za-z]{34}|api_org_",
    ),
    Rule(
        "token.npm",
        "<TOKEN>",
        r"\b(?P<s>npm_[A-Za-z0-9]{36})\b",
        ("npm_",),
        _no_filler_body,
        anchor=r"npm_[A-Za-z0-9]{36}",
    ),
    Rule(
        "token.npmrc_auth",
        "<TOKEN>",
        r":_(?P<k>authToken|auth|password)=[ \t]*(?P<s>[^\s'\"]+)",
        (":_auth", ":_password"),
        check_placeholder=False,
        validator=lambda m, v: (
            not v.startswith("$") and (m.group(1) != "password" or not is_placeholder_value(v))
        ),
        anchor=r":_(?:authToken|auth|password)=",
    ),
    Rule(
        "token.pypi",
        "<TOKEN>",
        r"\b(?P<s>pypi-Ag(?:EIcHlwaS5vcmc|ENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,})",
        ("pypi-ag",),
        anchor=r"pypi-Ag",
    ),
    Rule(
        "token.sendgrid",
        "<TOKEN>",
        r"\b(?P<s>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})",
        ("sg.",),
        anchor=r"SG\.[A-Za-z0-9_-]{22}\.",
    ),
    Rule(
        "token.twilio",
        "<TOKEN>",
        r"\b(?P<s>(?:AC|SK)[0-9a-z]{32})\b",
        ("ac", "sk"),
        check_placeholder=False,
        anchor=r"(?:AC|SK)[0-9a-z]{32}",
    ),
    Rule(
        "token.jwt",
        "<TOKEN>",
        r"\b(?P<s>eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}(?:\.[A-Za-z0-9_-]*)?)",
        ("eyj",),
        anchor=r"eyJ[A-Za-z0-9_-]{10,}\.eyJ",
    ),
    Rule(
        "token.digitalocean",
        "<TOKEN>",
        r"\b(?P<s>do[opr]_v1_[a-f0-9]{64})\b",
        ("_v1_",),
        anchor=r"do[opr]_v1_",
    ),
    Rule(
        "token.doppler",
        "<TOKEN>",
        r"\b(?P<s>dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,})",
        ("dp.",),
        anchor=r"dp\.(?:pt|st|sa|ct|scim|audit)\.",
    ),
    Rule(
        "token.shopify",
        "<TOKEN>",
        r"\b(?P<s>shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})\b",
        ("shp",),
        anchor=r"shp(?:at|ca|pa|ss)_",
    ),
    Rule(
        "token.mailchimp",
        "<TOKEN>",
        r"\b(?P<s>[0-9a-f]{32}-us\d{1,2})\b",
        ("-us",),
        anchor=r"-us\d",
    ),
    Rule(
        "token.square",
        "<TOKEN>",
        r"\b(?P<s>sq0(?:atp|csp)-[0-9A-Za-z\\_-]{22,60}|EAAA[A-Za-z0-9_-]{60})",
        ("sq0", "eaaa"),
        anchor=r"sq0(?:atp|csp)-|EAAA",
    ),
    Rule(
        "token.facebook",
        "<TOKEN>",
        r"\b(?P<s>EAA[MC][A-Za-z0-9]{100,}|\d{15,16}(?:\||%7C)[0-9A-Za-z_-]{27,40})",
        ("eaa", "|", "%7c"),
        anchor=r"EAA[MC]|\d{15}(?:\||%7C)",
    ),
    Rule(
        "token.onepassword",
        "<TOKEN>",
        r"\b(?P<s>ops_eyJ[A-Za-z0-9+/]{250,}={0,3}|A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-"
        r"[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5})\b",
        ("ops_eyj", "a3-"),
        _no_filler_body,
        anchor=r"ops_eyJ|A3-[A-Z0-9]{6}-",
    ),
    Rule(
        "token.age",
        "<KEY>",
        r"(?P<s>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})",
        ("age-secret-key-1",),
        check_placeholder=False,
        anchor=r"AGE-SECRET-KEY-1",
    ),
    Rule(
        "token.atlassian",
        "<TOKEN>",
        r"\b(?P<s>ATATT3[A-Za-z0-9_=-]{150,})",
        ("atatt3",),
        anchor=r"ATATT3",
    ),
    Rule(
        "token.azure_ad_client_secret",
        "<SECRET>",
        r"(?P<s>[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34})",
        ("q~",),
        anchor=r"\dQ~",
    ),
    Rule(
        "token.azure_storage",
        "<KEY>",
        r"AccountKey=(?P<s>[A-Za-z0-9+/]{40,}={0,2})",
        ("accountkey=",),
        anchor=r"AccountKey=",
    ),
    Rule(
        "token.databricks",
        "<TOKEN>",
        r"\b(?P<s>dapi[a-f0-9]{32}(?:-\d)?)\b",
        ("dapi",),
        anchor=r"dapi[a-f0-9]{32}",
    ),
    Rule(
        "token.flyio",
        "<TOKEN>",
        r"\b(?P<s>fo1_[\w-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,}={0,3})",
        ("fo1_", "fm1", "fm2"),
        _no_filler_body,
        anchor=r"fo1_|fm[12][ar]?_",
    ),
    Rule(
        "token.grafana",
        "<TOKEN>",
        r"\b(?P<s>glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})",
        ("glc_", "glsa_"),
        _no_filler_body,
    ),
    Rule(
        "token.hashicorp_tf",
        "<TOKEN>",
        r"\b(?P<s>[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70})",
        ("atlasv1",),
        anchor=r"\.atlasv1\.",
    ),
    Rule(
        "token.vault",
        "<TOKEN>",
        r"\b(?P<s>hv[sb]\.[A-Za-z0-9_-]{90,300}|s\.[A-Za-z0-9]{24})\b",
        ("hvs.", "hvb.", "s."),
        lambda m, v: _vault_service(m, v) if v.startswith("s.") else _no_filler_body(m, v),
        anchor=r"hv[sb]\.|s\.[A-Za-z0-9]{24}",
    ),
    Rule(
        "token.heroku",
        "<TOKEN>",
        r"\b(?P<s>HRKU-AA[0-9A-Za-z_-]{58})",
        ("hrku-",),
        anchor=r"HRKU-AA",
    ),
    Rule(
        "token.infracost",
        "<TOKEN>",
        r"\b(?P<s>ico-[A-Za-z0-9]{32})\b",
        ("ico-",),
        _no_filler_body,
        anchor=r"ico-[A-Za-z0-9]{32}",
    ),
    Rule("token.intra42", "<TOKEN>", r"\b(?P<s>s-s4t2(?:ud|af)-[a-f0-9]{64})\b", ("s-s4t2",)),
    Rule(
        "token.notion",
        "<TOKEN>",
        r"\b(?P<s>ntn_\d{11}[A-Za-z0-9]{35})\b",
        ("ntn_",),
        anchor=r"ntn_\d",
    ),
    Rule(
        "token.octopus",
        "<TOKEN>",
        r"\b(?P<s>API-[A-Z0-9]{26})\b",
        ("api-",),
        _no_filler_body,
        anchor=r"API-[A-Z0-9]{26}",
    ),
    Rule("token.openshift", "<TOKEN>", r"\b(?P<s>sha256~[\w-]{43})", ("sha256~",)),
    Rule(
        "token.perplexity", "<TOKEN>", r"\b(?P<s>pplx-[A-Za-z0-9]{48})", ("pplx-",), _no_filler_body
    ),
    Rule("token.scalingo", "<TOKEN>", r"\b(?P<s>tk-us-[\w-]{48})", ("tk-us-",)),
    Rule(
        "token.sentry",
        "<TOKEN>",
        r"\b(?P<s>sntrys_eyJ[A-Za-z0-9+/=_-]{50,}|sntryu_[a-f0-9]{64})",
        ("sntry",),
        anchor=r"sntry[su]_",
    ),
    Rule(
        "token.sourcegraph",
        "<TOKEN>",
        r"\b(?P<s>sgp_(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40})\b",
        ("sgp_",),
    ),
    Rule(
        "token.sumologic",
        "<TOKEN>",
        r"sumo[A-Za-z0-9_.-]{0,20}access_?id[\"']?[ \t]*[:=][ \t]*[\"']?(?P<s>su[A-Za-z0-9]{12})\b",
        ("sumo",),
        ignore_case=True,
    ),
    Rule(
        "token.sonar",
        "<TOKEN>",
        r"sonar[A-Za-z0-9_.-]{0,20}[\"']?[ \t]*:?=[ \t]*[\"']?(?P<s>[A-Za-z0-9]{40})\b",
        ("sonar",),
        ignore_case=True,
    ),
    Rule(
        "token.artifactory",
        "<TOKEN>",
        r"\b(?P<s>AKC[A-Za-z0-9]{10,}|AP[0-9A-F][A-Za-z0-9]{8,})\b",
        ("akc", "ap"),
        check_placeholder=False,
        validator=lambda m, v: (
            not (v.startswith("AKC") and is_filler(v[3:]))
            and not _inside_base64(m)
            and not v.startswith("APA91b")  # a Firebase server key's second half
        ),
        anchor=r"AKC[A-Za-z0-9]{10}|AP[0-9A-F][A-Za-z0-9]{8}",
    ),
    Rule(
        "token.postman",
        "<TOKEN>",
        r"\b(?P<s>PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34})\b",
        ("pmak-",),
        anchor=r"PMAK-",
    ),
    Rule(
        "token.pulumi",
        "<TOKEN>",
        r"\b(?P<s>pul-[a-f0-9]{40})\b",
        ("pul-",),
        anchor=r"pul-[a-f0-9]{40}",
    ),
    Rule("token.linear", "<TOKEN>", r"\b(?P<s>lin_api_[A-Za-z0-9]{40})\b", ("lin_api_",)),
    Rule(
        "token.newrelic",
        "<TOKEN>",
        r"\b(?P<s>NR(?:AK|AA|II|JS)-[A-Za-z0-9]{27,32})\b",
        ("nra", "nrii", "nrjs"),
        anchor=r"NR(?:AK|AA|II|JS)-",
    ),
    Rule(
        "token.mailgun",
        "<TOKEN>",
        r"\b(?P<s>key-[a-f0-9]{32})\b",
        ("key-",),
        anchor=r"key-[a-f0-9]{32}",
    ),
    Rule(
        "token.discord_webhook",
        "<TOKEN>",
        r"(?P<s>https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[\w-]{60,})",
        ("discord",),
        anchor=r"discord(?:app)?\.com/api/webhooks/",
    ),
    # The vendor table (see VENDOR_TOKENS).
    *VENDOR_RULES,
    Rule(
        "cred.password_hash",
        "<SECRET>",
        _PASSWORD_HASH,
        (
            "$2",
            "$1$",
            "$5$",
            "$6$",
            "$y$",
            "$7$",
            "$argon2",
            "$pbkdf2",
            "pbkdf2_",
            "{ssha",
            "{sha",
            "{smd5",
            "{crypt}",
        ),
        check_placeholder=False,
        anchor=r"\$(?:2[abxy]?\$\d\d|[1567y])\$|\$argon2|\$pbkdf2|pbkdf2_sha\d+\$|\{(?:S?SHA|SMD5|CRYPT)",
    ),
    # ---- credentials in URLs / command lines -------------------------------------------------
    Rule(
        "cred.cli_password",
        "<SECRET>",
        # Tools that take a password as an argument: sshpass -p X, psexec/paexec ... -p X,
        # mysql/mysqldump/mariadb -pX (glued: "-p" alone prompts), smbclient/net use //h/s X
        # -U user%X. "-P 3306" (mysql's port) and "mkdir -p /tmp" are not matched.
        r"\b(?:sshpass(?:[ \t]+-[a-oq-zA-Z]\S*)*[ \t]+-p[ \t]*"
        r"|(?:psexec|paexec|psexec64)(?:\.exe)?\b[^\n]*?[ \t]-p[ \t]+"
        r"|(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mariadb)\b[^\n]*?[ \t]-p"
        r"|(?:smbclient|rpcclient|smbmap)\b[^\n]*?[ \t]-U[ \t]*[^\s%]+%)"
        r"(?:'(?P<s1>[^'\n]+)'|\"(?P<s2>[^\"\n]+)\"|(?P<s3>[^\s'\"-][^\s'\"]*))",
        ("sshpass", "psexec", "paexec", "mysql", "mariadb", "smbclient", "rpcclient", "smbmap"),
        anchor=r"sshpass|psexec|paexec|mysql|mariadb|smbclient|rpcclient|smbmap",
    ),
    Rule(
        "cred.code_password",
        "<SECRET>",
        # new NetworkCredential("user", "pw"),
        # new PasswordAuthentication("user", "pw".toCharArray()),
        # UsernamePasswordCredentials / BasicAuth*("user", "pw"), HTTPBasicAuth('user', 'pw'),
        # auth=("user", "pw") in requests calls. Literals only: a variable stays.
        r"(?:NetworkCredential|PasswordAuthentication|UsernamePasswordCredentials"
        r"|BasicAuth(?:enticator|Credentials)?|HTTPBasicAuth|HTTPDigestAuth|\bauth=)"
        # Quotes may be JSON-escaped (\").
        r"[ \t]*\([ \t]*\\?[\"'][^\"'\n]*?\\?[\"'][ \t]*,[ \t]*"
        r"\\?[\"'](?P<s>[^\"'\\\n]+)\\?[\"']",
        (
            "networkcredential",
            "passwordauthentication",
            "passwordcredentials",
            "basicauth",
            "digestauth",
            "auth=",
        ),
        ignore_case=True,
        anchor=r"(?:credentials?|authentication|basicauth\w*|digestauth|auth=)[ \t]*\("
        r"[ \t]*\\?[\"']",
    ),
    Rule(
        "cred.prose_password",
        "<SECRET>",
        # "the password is 'X'", "password was: X7...", "passphrase set to \"X\"": quoted values, or
        # unquoted ones holding a digit ("the password is required" stays).
        r"\b(?:password|passphrase|passwd|pin code) (?:is|was|will be|set to|changed to)"
        r"[ \t]*:?[ \t]*(?:'(?P<s1>[^'\n]{3,})'|\"(?P<s2>[^\"\n]{3,})\"|`(?P<s3>[^`\n]{3,})`"
        r"|(?P<s4>[A-Za-z!#%&*+?@^~]*\d[^\s'\"`,;]*))",
        _PROSE_KEYWORDS,
        ignore_case=True,
        anchor=r"(?:password|passphrase|passwd|pin code) (?:is|was|will be|set to|changed to)",
    ),
    Rule(
        "cred.connection_string",
        "<SECRET>",
        # ADO.NET / ODBC / JDBC-style "Server=db;User Id=app;Password=p@ss w0rd;": the value runs to
        # the next ";" (spaces included), which field.secret would cut at the first space.
        r"(?:server|data source|host|hostname|address|addr|network address|dsn|database|uid"
        r"|user id)[ \t]*=[^;\n]*;(?:[^;\n]*;)*?[ \t]*(?:password|pwd)[ \t]*=[ \t]*"
        r"(?:\"(?P<s1>[^\"\n]*)\"|'(?P<s2>[^'\n]*)'|(?P<s3>[^;\n\"']*[^;\n\"' \t]))",
        # The names before the password are the keywords: "password=" alone is field.secret's.
        ("server", "data source", "host", "address", "addr", "dsn", "database", "uid", "user id"),
        ignore_case=True,
        anchor=r"(?:password|pwd)[ \t]*=",
    ),
    Rule(
        "cred.url",
        "<SECRET>",
        # scheme://user:pass@host, also jdbc:mysql://, redis://:pass@, mongodb+srv://. Userinfo
        # without a colon ("https://example.com/@user") and "postgres:///path" are not matched.
        r"\b[A-Za-z][A-Za-z0-9+.-]{1,30}://(?P<s>[^\s:/?#@'\"<>]*:[^\s/?#'\"<>]*?)@[A-Za-z0-9\[_.-]",
        ("://",),
        check_placeholder=False,
        validator=lambda _m, v: not v.partition(":")[2].startswith(("$", "{", "<", "%", "[")),
        anchor=r"://[^\s:/?#@'\"<>]*:[^\s/?#'\"<>]*@",
    ),
    Rule(
        "cred.cli_user",
        "<SECRET>",
        # curl -u/--user, wget --http-user style "user:pass"; a bare user (no colon) stays.
        # ``(?m:^)``: the start of every line (a plain ``^`` held only on the first line of
        # whatever text the rule ran over, so the outcome depended on the surrounding lines).
        r"(?:(?m:^)|[ \t])(?:-u|--user|--proxy-user)[ \t]+(?P<s>[^\s]+)",
        ("-u", "--user", "--proxy-user"),
        _curl_user,
        check_placeholder=False,
        anchor=r"(?:-u|--user|--proxy-user)[ \t]",
    ),
    # ---- headers -------------------------------------------------------------------------------
    Rule(
        "header.authorization",
        "<TOKEN>",
        r"(?:proxy-)?authorization[\"']?[ \t]*[:=][ \t]*[\"']?(?:(?:bearer|basic|token|api-token|"
        r"digest|negotiate|ntlm|bot|apikey|sso-key|otp|key)[ \t]+)?(?P<s>[^\s\"',]+)",
        ("authorization",),
        ignore_case=True,
    ),
    Rule(
        "header.api_key",
        "<TOKEN>",
        # Header-shaped keys that the field rule does not catch by name.
        r"(?:x-jfrog-art-api|x-[a-z0-9-]*api[-_]?key|x-auth-token|x-[a-z0-9-]*-token|private-token|"
        r"api-token|apikey|x-api-key)[\"']?[ \t]*[:=][ \t]*[\"']?(?P<s>[^\s\"',]+)",
        ("x-", "private-token", "api-token", "apikey"),
        ignore_case=True,
        anchor=r"(?:api[-_]?key|token|-art-api)[\"']?[ \t]*[:=]",
    ),
    Rule(
        "header.cookie",
        "<SECRET>",
        # Cookie values (attributes like Path/Domain/Expires stay); see the redactor's cookie
        # transform. A "cookie" word without a header separator is not matched.
        r"(?:set-)?cookie[\"']?[ \t]*:[ \t]*[\"']?(?P<s>[^\r\n\"]+)",
        ("cookie",),
        ignore_case=True,
        check_placeholder=False,
        anchor=r"cookie[\"']?[ \t]*:",
    ),
    # ---- key/value fields ------------------------------------------------------------------------
    Rule(
        "field.xml_add_key",
        "<SECRET>",
        # web.config <add key="DbPassword" value="..."/>; the value may be on the next line and
        # may itself run over lines (each of its lines gets a placeholder, none is joined).
        r"key=\"[A-Za-z0-9_.-]*(?:password|secret|token|apikey|api_key)[A-Za-z0-9_.-]*\""
        r"(?:[ \t]+|[ \t]*\r?\n[ \t]*)value=\"(?P<s>[^\"]*)\"",
        ("key=",),
        ignore_case=True,
        spans_lines=True,
        anchor=r"key=\"[A-Za-z0-9_.-]*(?:password|secret|token|apikey|api_key)",
    ),
    Rule(
        "field.cli_flag",
        "<SECRET>",
        # --password=x, --api-key x, -vaultToken x, mysql -p'x'. "-p /tmp" (mkdir) is not a flag
        # value: -p takes only a quoted value glued to it. ``(?m:^)`` as in cred.cli_user.
        r"(?:(?m:^)|[ \t])(?:--?[A-Za-z0-9-]*(?:password|passwd|secret|token|api-?key|apikey)"
        r"(?:[ \t]*=[ \t]*|[ \t]+)(?:"
        + _quoted("s1", "s2", "s3")
        + r"|(?P<s4>[^\s\"'`-][^\s\"'`]*))"
        r"|-p(?:'(?P<s5>[^'\n]+)'|\"(?P<s6>[^\"\n]+)\"))",
        ("-",),
        _field_value,
        ignore_case=True,
        anchor=r"-[A-Za-z0-9-]*(?:password|passwd|secret|token|api-?key|apikey)[ \t=]|-p['\"]",
    ),
    Rule(
        "field.bundler",
        "<SECRET>",
        # Bundler's per-host credentials: BUNDLE_GEMS__EXAMPLE__COM=user:pass.
        r"\bBUNDLE_[A-Z0-9_]+__[A-Z0-9_]+[\"']?[ \t]*[:=][ \t]*[\"']?(?P<s>[^\s\"';&]+)",
        ("bundle_",),
        anchor=r"BUNDLE_[A-Z0-9_]+__",
    ),
    Rule(
        "field.secret_line",
        "<SECRET>",
        # YAML / env / ini lines "key: value with spaces": at line start the unquoted value runs
        # to the end of the line (quoted values are field.secret's).
        r"(?m:^)[ \t]*(?:export[ \t]+|-[ \t]+|#[ \t]*)?(?P<k>" + _KEY + r")[ \t]*(?::=|[:=])[ \t]*"
        r"(?P<s>[^\s\"'`=>:][^\n]*[^\s,;])",
        # "pw" is a keyword in its own right (it covers "pwd" and "db_pw"): whether a "db_pw="
        # value goes must not depend on some other field keyword being in the same chunk.
        ("pass", "secret", "token", "credential", "key", "pw", "auth", "sess", "secure"),
        _field_line,
        ignore_case=True,
        anchor=_KEY_ANCHOR + r"[ \t]*[:=]",
    ),
    Rule(
        "field.secret",
        "<SECRET>",
        # key = value / "key": "value" / KEY: value / key := value / key => value / key == "v",
        # key "value". Keys: *password*, *secret*, *token*, *credential*, *api_key*, *_pass_*, and
        # names ending in key/pass/pwd/auth/session. Not matched: key[] = ..., keyword: x,
        # key_length = x, values that are code (a.b.c, f()), URLs, templates and placeholders.
        r"(?:^|[^A-Za-z0-9_.-])(?P<k>" + _KEY + r")[\"']?[ \t]*"
        r"(?:(?::=|=>|===?|!==?|[:=])[ \t]*(?:" + _quoted("s1", "s2", "s3") + r"|"
        r"(?P<s4>[^\s\"'`@,;)\]}=>:][^\s\"'`,;]*))|[ \t]+(?:" + _quoted("s5", "s6", "s7") + r"))",
        ("pass", "secret", "token", "credential", "key", "pw", "auth", "sess", "secure"),
        _field_secret,
        ignore_case=True,
        anchor=_KEY_ANCHOR + r"[\"']?[ \t]*(?:[:=!]|[ \t][\"'`])",
    ),
    Rule(
        "field.secret_compare",
        "<SECRET>",
        # "value" == password: the literal on the left of a comparison with a secret-named var.
        r"(?:\"(?P<s1>[^\"\n]{4,})\"|'(?P<s2>[^'\n]{4,})')[ \t]*[!=]==?[ \t]*[A-Za-z0-9_.]*"
        r"(?:password|passwd|secret|private_key|api_?key|token)",
        ("pass", "secret", "key", "token"),
        _field_value,
        ignore_case=True,
        anchor=r"[\"'][ \t]*[!=]==?[ \t]*[A-Za-z0-9_.]*"
        r"(?:password|passwd|secret|private_key|api_?key|token)",
    ),
    # ---- generic blobs -------------------------------------------------------------------------
    Rule(
        "blob.hex",
        "<SECRET>",
        r"\b(?P<s>[0-9a-fA-F]{32,})\b",
        (),
        _hex_blob,
        check_placeholder=False,
        anchor=r"[0-9a-fA-F]{32}",
        # Its context checks must not read a user name the output no longer holds
        # ("sha512-/home/jdoe/<hex>" is no digest once "jdoe" is "<USER>").
        judged_after="pii.home_user",
    ),
    # Standard (+/) or URL-safe (-_) alphabet, not mixed: "/app/node_modules/jest-circus/..."
    # paths then never form a 40-character run.
    Rule(
        "blob.base64",
        "<SECRET>",
        r"(?P<s>[A-Za-z0-9+/]{40,}={0,2}|[A-Za-z0-9_-]{40,}={0,2})",
        (),
        _b64_blob,
        check_placeholder=False,
        anchor=r"[A-Za-z0-9+/]{40}|[A-Za-z0-9_-]{40}",
        # A user name pii.home_user is about to replace would otherwise be read as part of a
        # run ("~jdoe/<base64>", "<base64>/Users/jdoe") and cut it where the output does not.
        judged_after="pii.home_user",
    ),
    # ---- network --------------------------------------------------------------------------------
    Rule(
        "pii.email",
        "<EMAIL>",
        r"\b(?P<s>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:xn--[a-z0-9-]+|[A-Za-z]{2,}))",
        ("@",),
        _email,
        check_placeholder=False,
        anchor=r"[A-Za-z0-9._%+-]@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2}",
    ),
    Rule(
        "net.private_url",
        "<URL>",
        # URLs whose host is one label with a port or path (http://buildbox:8080/) or an internal
        # suffix. "http://microsoft", "file:///x", localhost and placeholder hosts stay.
        r"\b(?P<s>[A-Za-z][A-Za-z0-9+.-]{1,20}://(?P<h>[A-Za-z0-9_-]+)(?::\d{1,5})?/[^\s\"'<>]*"
        r"|[A-Za-z][A-Za-z0-9+.-]{1,20}://(?P<h2>[A-Za-z0-9_-]+):\d{1,5}\b)",
        ("://",),
        lambda m, v: _private_url_any(m),
        check_placeholder=False,
        anchor=r"://[A-Za-z0-9_-]+[:/]",
    ),
    # Built by the Redactor from ``extra_internal_domains`` (skipped when none are given).
    Rule("net.extra_domain", "<HOST>", "", check_placeholder=False),
    Rule(
        "net.internal_host",
        "<HOST>",
        # Private top-level labels (never delegated in the public DNS): *.internal, *.corp,
        # *.intranet/*.intra, *.local, *.localdomain, *.lan, *.home.arpa, *.private, *.priv; and
        # the same words one label down (*.corp.x, *.int.x, *.intra*.x). ".int" as the last label
        # is a public TLD (who.int) and stays. Also inside URLs (the host goes, the path stays).
        # "threading.local(", "self.internal.x", ".env.local" are code and file names (validator).
        # The inner-label form comes first: "octopus.corp.net" must not stop at "octopus.corp".
        r"\b(?P<s>(?:[A-Za-z0-9-]+\.)+(?:(?:corp|corpint|corpnet|int|intra[a-z]*|internal)\."
        r"[A-Za-z0-9.-]*[A-Za-z0-9]|(?:internal|local|lan|localdomain|home\.arpa|corp"
        r"|intranet|intra|private|priv)\b))",
        ("internal", ".local", ".lan", ".corp", ".int", ".intra", "home.arpa", ".priv"),
        _internal_host,
        check_placeholder=False,
        anchor=r"\.(?:internal|local|lan|localdomain|home\.arpa|corp|intranet|intra|private|priv)\b"
        r"|\.(?:corp|corpint|corpnet|int|intra[a-z]*|internal)\.",
    ),
    Rule(
        "net.ipv6",
        "<IP>",
        # Full 8-group form, 6 groups + dotted IPv4, or any form with "::". The consumed left
        # boundary keeps "std::cout", "core::fmt" and 10:11:12 timestamps out; ">" is excluded
        # too, so a placeholder ending next to "::" ("/home/<USER>::10") gives no new match on
        # a second pass (idempotence).
        r"(?:^|[^0-9A-Za-z_:.>])(?P<s>(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"
        r"|(?:[0-9A-Fa-f]{1,4}:){6}\d{1,3}(?:\.\d{1,3}){3}"
        r"|[0-9A-Fa-f:]*::[0-9A-Fa-f:]*(?:\d{1,3}(?:\.\d{1,3}){3})?)"
        r"(?:%[0-9A-Za-z._-]+)?(?:/\d{1,3})?)",
        (":",),
        _ipv6,
        check_placeholder=False,
        anchor=r"(?:^|[^0-9A-Za-z_:.>])[0-9A-Fa-f:]*::|(?:[0-9A-Fa-f]{1,4}:){6}",
    ),
    Rule(
        "net.ipv4",
        "<IP>",
        r"\b(?P<s>(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
        r"(?:/\d{1,2})?)\b",
        (".",),
        _ipv4,
        check_placeholder=False,
        anchor=r"\d\.\d{1,3}\.\d{1,3}\.\d",
    ),
    Rule(
        "net.mac",
        "<MAC>",
        r"\b(?P<s>[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}"
        r"|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})\b",
        (":", "-", "."),
        _mac,
        check_placeholder=False,
        anchor=r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}",
    ),
    # ---- PII ------------------------------------------------------------------------------------
    Rule(
        "pii.uuid",
        "<UUID>",
        r"\b(?P<s>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\b",
        ("-",),
        check_placeholder=False,
        anchor=r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-",
    ),
    Rule(
        "pii.home_user",
        "<USER>",
        # The separator after the name is not consumed, so "/home/a/home/b" redacts both in one
        # pass (idempotence).
        r"(?:/home/|/Users/|[A-Za-z]:\\{1,2}Users\\{1,2}|(?:^|[\s\"'=:(])~)(?P<s>[A-Za-z0-9_.-]+)"
        r"\b",
        ("/home/", "/users/", "\\users\\", "~"),
        _home_user,
        check_placeholder=False,
        anchor=r"/home/[A-Za-z0-9_.-]|/Users/[A-Za-z0-9_.-]|[A-Za-z]:\\{1,2}Users\\|~[A-Za-z0-9_.-]",
    ),
    Rule(
        "pii.iban",
        "<IBAN>",
        r"\b(?P<s>[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?)\b",
        (),
        _iban,
        check_placeholder=False,
        anchor=r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2}",
    ),
    Rule(
        "pii.card",
        "<CARD>",
        r"\b(?P<s>\d{13,19}|\d{4}-\d{4}-\d{4}-\d{1,7}|\d{4} \d{4} \d{4} \d{1,7}"
        r"|\d{4}[ -]\d{6}[ -]\d{4,5})\b",
        (),
        _card,
        check_placeholder=False,
        anchor=r"\d{13}|\d{4}-\d{4}-\d{4}-\d|\d{4} \d{4} \d{4} \d|\d{4}[ -]\d{6}[ -]\d{4}",
    ),
    Rule(
        "pii.ssn",
        "<SSN>",
        r"\b(?P<s>\d{3}[- .]?\d{2}[- .]?\d{4}|\d{5}-\d{4})\b",
        (),
        _ssn,
        check_placeholder=False,
        anchor=r"\d{3}[- .]?\d{2}[- .]?\d{4}|\d{5}-\d{4}",
        # Word boundaries, and _ssn rejects a value after ".-/" or before "-:/": run ids in paths
        # ("ci/gl-449420068/") hold the anchor, never a replaced SSN.
        gate=r"(?:^|[^0-9A-Za-z_./-])(?:\d{3}[- .]?\d{2}[- .]?\d{4}|\d{5}-\d{4})"
        r"(?:$|[^0-9A-Za-z_:/-])",
    ),
    Rule(
        "pii.phone",
        "<PHONE>",
        # NANP with a 2-9 exchange (so "401-023-2138" NHS numbers stay), (415) 555-0132, +CC forms,
        # JP 0X0-XXXX-XXXX, and bare 10 digits only after a phone keyword.
        r"(?P<s>\(\d{3}\)[ \t]?\d{3}[-. ]\d{4}\b|\+\d{1,3}[-. ]?(?:\(\d{1,4}\)|\d{1,5})"
        r"(?:[-. ]\d{1,12}){0,4}\b|\b0\d{1,2}-\d{4}-\d{4}\b|\b0\d-\d{7}\b)"
        r"|(?:^|[^0-9])(?P<s2>[2-9]\d{2}[-.](?:[1-9]\d{2}|000)[-.]\d{4})\b"
        r"|(?i:phone|tel|mobile|cell|fax|desk|call|dial|number)[^0-9\n]{0,12}(?P<s1>\d{10,11})\b",
        (),
        lambda m, v: _phone(m, v),
        check_placeholder=False,
        anchor=r"\(\d{3}\)|\+\d{1,3}[-. ]?[(\d]|0\d{1,2}-\d{4}-\d{4}|0\d-\d{7}"
        r"|[2-9]\d{2}[-.](?:[1-9]\d{2}|000)[-.]\d{4}|\d{10}",
        # Bare ten digits only after a phone word (long run ids in paths are not).
        gate=r"\(\d{3}\)|\+\d{1,3}[-. ]?[(\d]|0\d{1,2}-\d{4}-\d{4}|0\d-\d{7}"
        r"|[2-9]\d{2}[-.](?:[1-9]\d{2}|000)[-.]\d{4}"
        r"|(?i:phone|tel|mobile|cell|fax|desk|call|dial|number)[^0-9\n]{0,12}\d{10}",
    ),
)


# Schemes that reach a host over a network. Others name a handler, not a host
# ("executor://mstestadapter/v2", "effect://fiber:2:2", "webpack://app/src/x.ts").
_NETWORK_SCHEMES = frozenset(
    [
        "http",
        "https",
        "ws",
        "wss",
        "ftp",
        "ftps",
        "sftp",
        "tftp",
        "ssh",
        "git",
        "svn",
        "smb",
        "cifs",
        "nfs",
        "rsync",
        "telnet",
        "vnc",
        "rdp",
        "ldap",
        "ldaps",
        "redis",
        "rediss",
        "mongodb",
        "mongodb+srv",
        "postgres",
        "postgresql",
        "mysql",
        "mariadb",
        "sqlserver",
        "oracle",
        "amqp",
        "amqps",
        "nats",
        "kafka",
        "mqtt",
        "mqtts",
        "tcp",
        "udp",
        "grpc",
        "grpcs",
        "s3",
        "gs",
        "hdfs",
        "memcached",
        "zookeeper",
        "etcd",
        "consul",
        "docker",
        "git+ssh",
        "git+https",
        "svn+ssh",
        "http+unix",
    ]
)


def _inside_base64(m: Any) -> bool:
    """The match is a piece of a longer base64 run (an integrity hash), not a token."""
    text, s, e = m.string, m.start(), m.end()
    return (s > 0 and text[s - 1] in "+/") or (e < len(text) and text[e] in "+/=")


def _private_url_any(m: Any) -> bool:
    host = (m.group("h") or m.group("h2") or "").lower()
    scheme = (m.group("s") or "").partition("://")[0].lower().rpartition(":")[2]
    return (
        bool(host)
        and host not in _PLACEHOLDER_HOSTS
        and not host.isdigit()
        and scheme in _NETWORK_SCHEMES
    )


def _phone(m: Any, value: str) -> bool:
    digits = sum(c.isdigit() for c in value)
    text, e = m.string, m.end()
    if e < len(text) and text[e] == "-" and e + 1 < len(text) and text[e + 1].isalnum():
        return False
    return 9 <= digits <= 15


RULE_NAMES: tuple[str, ...] = tuple(r.name for r in RULES)
