"""Redaction rules as data: named, ordered, commented (pure, no I/O).

Each :class:`Rule` is a regex plus what to do with a match: the named group ``s`` (or
``s1``..``s9``, whichever took part; the whole match if none exists) is replaced by the rule's
placeholder, unless the rule's ``validator`` rejects the match or the value is already an
obvious placeholder.

Naming: ``<family>.<what>`` in lower case, e.g. ``token.github``, ``field.secret``, ``pii.email``.
Names are public (they appear in audit counts) and each is a unit on its own: ``Redactor(disabled_
rules=["token.github"])`` disables exactly that rule; a bare family name (``"token"``) disables the
whole family. Families: ``pem`` (private key blocks), ``cred`` (credentials in URLs / curl / login
pairs), ``token`` (vendor token shapes, after gitleaks' rule set), ``header`` (auth headers and
cookies), ``field`` (key=value / JSON / YAML / env / CLI-flag secret fields), ``blob`` (generic
high-entropy hex/base64), ``net`` (IPs, MACs, internal hosts and URLs), ``pii`` (email, UUID, user
names in home paths, cards, phones, SSNs, IBANs).

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
    v = value.strip().strip("\"'`")
    if len(v) < 3:
        return True
    if v.startswith(_TEMPLATE_START):
        return True
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
    r"(?:commit|sha\d*|rev(?:ision)?|srcrev\w*|version|digest|checksum|hash|etag|md5|tree|"
    r"parent|merge|head|ref|blob|object|build[-_ ]?id|git)[\w\s\"'=:@/-]{0,12}$",
    re.IGNORECASE,
)
_SECRET_CONTEXT = re.compile(r"(?:token|secret|key|passw|auth)[\w\s\"'=:-]{0,12}$", re.IGNORECASE)
# Rust backtraces name std's sources as /rustc/<commit>/library/...: the public rustc commit.
# Only a 40-hex value directly between "/rustc/" and "/" is this (see _hex_blob).
_RUSTC_BEFORE = "/rustc/"


def _hex_blob(m: Any, value: str) -> bool:
    if is_filler(value) or is_sequential(value):
        return False
    before = m.string[max(0, m.start() - 28) : m.start()].rpartition("\n")[2]
    if _SECRET_CONTEXT.search(before):
        return True
    if _SHA_CONTEXT.search(before):
        return False
    if (
        len(value) == 40
        and before.endswith(_RUSTC_BEFORE)
        and m.string[m.end() : m.end() + 1] == "/"
    ):
        return False
    return shannon_entropy(value) >= 3.0 and not is_sequential(value) and not is_filler(value)


def _b64_blob(_m: Any, value: str) -> bool:
    v = value.rstrip("=")
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
    digits = area + group + serial
    if area in ("000", "666") or group == "00" or serial == "0000" or digits == "078051120":
        return False
    text, s, e = m.string, m.start(), m.end()
    return not ((s > 0 and text[s - 1] in ".-/") or (e < len(text) and text[e] in "-:/"))


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
    text, e, s = m.string, m.end(), m.start()
    return not ((e < len(text) and text[e] in ":-") or (s > 0 and text[s - 1] in ":-"))


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
    text, e = m.string, m.end()
    if e < len(text) and text[e] in "([=.":
        return False
    if any(c.isupper() for c in value):
        return False  # host names in logs are lower case; Java classes are not
    return value.split(".", 1)[0] not in _CODE_ROOTS


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


def _email(m: Any, value: str) -> bool:
    return not value.lower().startswith("git@")


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
        validator=lambda _m, v: not (v.startswith("AKC") and is_filler(v[3:])),
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
    # ---- credentials in URLs / command lines -------------------------------------------------
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
        lambda m, v: _field_value(m, v) and any(c in v for c in " ,;") and not _CALL.search(v),
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
        _field_value,
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
        # *.internal, *.corp(.x), *.local, *.lan, *.intra*, *.int.*, *.localdomain, *.home.arpa.
        # "threading.local(" and "self.internal.x" are code, not hosts (validator).
        r"\b(?P<s>(?:[A-Za-z0-9-]+\.)+(?:(?:internal|local|lan|localdomain|home\.arpa)\b"
        r"|(?:corp|corpint|corpnet|int|intra[a-z]*|internal)\.[A-Za-z0-9.-]*[A-Za-z0-9]))",
        ("internal", ".local", ".lan", ".corp", ".int", ".intra", "home.arpa"),
        _internal_host,
        check_placeholder=False,
        anchor=r"\.(?:internal|local|lan|localdomain|home\.arpa)\b|\.(?:corp|corpint|corpnet|int|intra[a-z]*|internal)\.",
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
    ),
)


def _private_url_any(m: Any) -> bool:
    host = (m.group("h") or m.group("h2") or "").lower()
    return bool(host) and host not in _PLACEHOLDER_HOSTS and not host.isdigit()


def _phone(m: Any, value: str) -> bool:
    digits = sum(c.isdigit() for c in value)
    text, e = m.string, m.end()
    if e < len(text) and text[e] == "-" and e + 1 < len(text) and text[e + 1].isalnum():
        return False
    return 9 <= digits <= 15


RULE_NAMES: tuple[str, ...] = tuple(r.name for r in RULES)
