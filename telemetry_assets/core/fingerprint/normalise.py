"""Normalisation rules: make frames path-independent and messages parameterised, as data.

Input is a sanitized :class:`~telemetry_assets.core.models.Failure` part (a frame, a message, a
trace); output is the same kind of value with everything that differs between two occurrences of
the *same* bug removed: CI workspace roots, home directories, vendored-package prefixes, bundle
content hashes, line/column numbers, generated names, and in messages numbers, ids, timestamps,
durations, ports and temp paths. It also classifies frames: library/runtime code
(:data:`LIBRARY_RULES`) versus in-app, and, among in-app frames, the *route* to a bug
(:data:`ROUTE_RULES`: test code, test helpers, smoke scripts, fixtures, ``main`` entry points),
which the fingerprint stops at. Every rule is a small named unit in an explicit ordered tuple
(:data:`PATH_RULES`, :data:`NAME_RULES`, :data:`MESSAGE_RULES`, :data:`LIBRARY_RULES`,
:data:`ROUTE_RULES`); the names are public because
:func:`~telemetry_assets.core.fingerprint.fingerprint.explain_failure` prints them. Changing any
rule changes fingerprints, so it must come with a new ``FINGERPRINT_VERSION`` (the route rules and
the Rust-runtime/V8-builtin library rules came with ``fp-2026-11-26.2``;
:func:`canonical_test_name` and :func:`is_anonymous_function` with ``fp-2026-12-06``).
:func:`display_test_id` makes test ids repository-relative for reports (never hashed). Pure:
no I/O, no Dagster; regexes are compiled once at import.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from telemetry_assets.core.models import Frame

Replacement = str | Callable[[re.Match[str]], str]


@dataclass(frozen=True, slots=True)
class Rule:
    """One named rewrite: every match of ``pattern`` becomes ``replacement``."""

    name: str
    pattern: re.Pattern[str]
    replacement: Replacement

    def apply(self, text: str) -> str:
        return self.pattern.sub(self.replacement, text)


def _rule(name: str, pattern: str, replacement: Replacement, flags: int = 0) -> Rule:
    return Rule(name, re.compile(pattern, flags | re.VERBOSE), replacement)


# --------------------------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------------------------

# Directory names that usually sit directly under a repository root. Used only to cut an
# absolute path whose checkout root we do not recognise (a laptop's ``~/code/<repo>/``, a
# Docker ``/usr/src/app/``): the path is cut at the first such segment.
SOURCE_ROOT_ANCHORS: frozenset[str] = frozenset(
    {
        "src", "lib", "app", "apps", "packages", "pkg", "cmd", "internal", "tests", "test",
        "spec", "specs", "e2e", "__tests__", "services", "web", "frontend", "backend",
    }
)  # fmt: skip


def _cut_at_anchor(match: re.Match[str]) -> str:
    rest = match.group("rest")
    parts = rest.split("/")
    for i, part in enumerate(parts[:-1]):
        if part in SOURCE_ROOT_ANCHORS:
            return "/".join(parts[i:])
    return rest


def _drop_if_id_like(match: re.Match[str]) -> str:
    """Bundle suffixes: drop ``.3f2a9c1b``/``-BkD9x2Qa`` but keep ``-service``/``-v2test``."""
    token = match.group("hash")
    if re.fullmatch(r"[0-9a-f]{8,}", token) or sum(c.isdigit() for c in token) >= 2:
        return ""
    return match.group(0)


# Order: (1) separators and URL schemes first so later rules see one path syntax; (2) vendored
# package prefixes before workspace roots, because a venv or node_modules can live inside a
# workspace and must be cut down to the package path, not to ``.venv/lib/...``; (3) known CI
# roots before the home-directory rule (``/home/runner/work`` is a home directory too);
# (4) the generic absolute-path anchor cut last among prefixes; (5) name-level cleanups
# (bundle hashes, Go versions) on whatever remains.
PATH_RULES: tuple[Rule, ...] = (
    _rule("windows_separators", r"\\", "/"),
    # Does not match ``http(s)://`` URLs that the redactor already turned into ``<URL>``.
    _rule("url_scheme", r"^(?: webpack(?:-internal)?://[^/]*/ | file:// | https?://[^/]+/ )", ""),
    _rule("pnpm_store", r"^.*?/node_modules/\.pnpm/[^/]+/node_modules/", ""),
    _rule("node_modules", r"^.*/node_modules/", ""),
    _rule("site_packages", r"^.*/(?:site|dist)-packages/", ""),
    _rule("python_stdlib", r"^.*/lib/python3(?:\.\d+)?/", ""),
    _rule("go_module_cache", r"^.*/pkg/mod/", ""),
    _rule("go_root", r"^.*/go(?:/[\d.]+/x64)?/src/(?=(?:runtime|testing|reflect|sync)/)", ""),
    _rule("cargo_registry", r"^.*/\.cargo/registry/src/[^/]+/", ""),
    # The commit hash, or the placeholder a redactor put in its place (``/rustc/<SECRET>/``).
    _rule("rust_std", r"^/rustc/(?:[0-9a-f]{7,40}|<[A-Z_]+>)/", "rustc/"),
    # Also after the redactor has replaced the runner's home folder name with ``<USER>``.
    _rule("gha_workspace", r"^/home/(?:runner|<USER>)/work/[^/]+/[^/]+/", ""),
    _rule("gha_container_workspace", r"^/__w/[^/]+/[^/]+/", ""),
    _rule("gha_windows_workspace", r"^[A-Za-z]:/a/[^/]+/[^/]+/", ""),
    _rule("github_workspace", r"^/github/workspace/", ""),
    _rule("gitlab_builds", r"^/builds/[^/]+/[^/]+/", ""),
    _rule("jenkins_workspace", r"^/var/lib/jenkins/workspace/[^/]+/", ""),
    _rule("workspace_root", r"^/workspaces?/(?:[^/]+/(?=.*/))?", ""),
    # The basetemp's per-test folder (``test_export0/``) is included: it carries a counter.
    _rule("pytest_tmp", r"^/tmp/pytest-of-[^/]+/pytest-(?:\d+|current)/(?:[^/]*\d/)?", ""),
    _rule(
        "home_directory",
        r"^(?:/home/|/Users/|[A-Za-z]:/Users/|/root/)(?:[^/]+/)(?P<rest>.*)$",
        _cut_at_anchor,
    ),
    # Anything still absolute: cut at the first source-root anchor, if there is one.
    _rule("unknown_root", r"^(?:/|[A-Za-z]:/)(?P<rest>.*)$", _cut_at_anchor),
    _rule("leading_dot", r"^(?:\./)+", ""),
    # ``main.3f2a9c1b.js``, ``chunk-ABC123.js``, ``index-BkD9x2Qa.mjs``; not ``user-service.js``.
    _rule(
        "bundle_hash", r"[.-](?P<hash>[A-Za-z0-9_]{6,20})(?=\.(?:m?js|cjs|css)$)", _drop_if_id_like
    ),
    _rule("go_module_version", r"@v\d+\.\d+\.\d+[\w.+-]*", ""),
)


@lru_cache(maxsize=65536)
def normalise_path(path: str) -> str:
    """A repository-relative (or package-relative) path with no machine-specific prefix."""
    out = path.strip()
    for rule in PATH_RULES:
        out = rule.apply(out)
    return out


# --------------------------------------------------------------------------------------------
# Function / module names
# --------------------------------------------------------------------------------------------

# Order does not matter much here (the rules touch disjoint syntax); generated-class suffixes go
# first so the lambda rule sees the plain class name.
NAME_RULES: tuple[Rule, ...] = (
    # ``Foo$$EnhancerBySpringCGLIB$$3f2a9c1b``, ``$$Lambda$123/0x0000000800c03000``;
    # not ``Outer$Inner`` (a real nested class).
    _rule(
        "java_generated_class",
        r"\$\$(?:EnhancerBy\w*CGLIB|FastClassBy\w*CGLIB|SpringCGLIB|Lambda|HibernateProxy)"
        r"(?:\$+[\w/]*)?",
        "",
    ),
    # ``lambda$process$0`` -> ``lambda$process``: the counter shifts when lambdas are added.
    _rule("java_lambda_counter", r"(lambda\$[\w]*?)\$\d+", r"\1"),
    _rule("rust_hash_suffix", r"::h[0-9a-f]{16}$", ""),
    _rule("python_locals", r"\.<locals>\.", "."),
    _rule("js_promise_index", r"\s\(index\s\d+\)$", ""),
    _rule("go_module_version", r"@v\d+\.\d+\.\d+[\w.+-]*", ""),
)


@lru_cache(maxsize=65536)
def normalise_name(name: str) -> str:
    """A function or module name without generated counters, hashes or versions."""
    out = name.strip()
    for rule in NAME_RULES:
        out = rule.apply(out)
    return out


# --------------------------------------------------------------------------------------------
# In-app detection
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LibraryRule:
    """A frame whose ``field`` matches is library code.

    ``field`` is ``file``, ``name`` (module or function) or ``name_without_file`` (module or
    function, only when the frame has no real file).
    """

    name: str
    field: str
    pattern: re.Pattern[str]


def _lib(name: str, field: str, pattern: str) -> LibraryRule:
    return LibraryRule(name, field, re.compile(pattern, re.VERBOSE))


# Any match makes a frame library code, so order only decides which name explain() reports.
# Deliberately NOT library: ``tests/``, ``<anonymous>`` (Jest wraps test bodies in it) and
# ``<string>`` (exec'd project code).
LIBRARY_RULES: tuple[LibraryRule, ...] = (
    _lib("python_packages", "file", r"(?:^|/)(?:site|dist)-packages/"),
    _lib("python_stdlib", "file", r"(?:^|/)lib/python3(?:\.\d+)?/|^<frozen\s"),
    _lib("node_modules", "file", r"(?:^|/)node_modules/"),
    # Old Node (<16) prints its internals without ``node:``; only its own folders count, so a
    # project's ``internal/cart/`` (Go, TS) stays in-app.
    _lib(
        "node_internal",
        "file",
        r"^node:|^internal/(?:modules|process|timers|streams|main|bootstrap|async_hooks)/",
    ),
    _lib("go_module_cache", "file", r"/pkg/mod/"),
    # GOROOT (``/usr/local/go/src``, setup-go's ``hostedtoolcache/go/1.22.5/x64/src``) or a
    # trimmed ``runtime/panic.go``; not GOPATH (``~/go/src/github.com/...``: project code) nor a
    # project's ``internal/runtime/x.go``.
    _lib(
        "go_stdlib",
        "file",
        r"""^(?:runtime|testing)/\w+\.go$
            | (?:^|/)(?:usr/local/go|usr/lib/go[\w.-]*|hostedtoolcache/go/[\d.]+/x64|sdk/go[\d.]+)
              /src/""",
    ),
    # ``/rustc/<hash>/library/std/src/panicking.rs``; a redactor may have replaced the hash.
    _lib(
        "rust_std",
        "file",
        r"(?:^|/)rustc/(?:[0-9a-f]{7,40}|<[A-Z_]+>)/library/|/\.cargo/registry/",
    ),
    _lib(
        "jvm_platform",
        "name",
        r"^(?:java|javax|jdk|sun|com\.sun|kotlin|kotlinx|scala|org\.junit|junit|"
        r"org\.apache\.maven|org\.gradle)\.",
    ),
    _lib("go_runtime", "name", r"^(?:runtime|testing|reflect)(?:$|\.[\w(])"),
    _lib("rust_std_name", "name", r"^<?(?:std|core|alloc|test)::"),
    # The panic entry points of the Rust runtime carry no module path in a backtrace.
    _lib("rust_panic_runtime", "name", r"^(?:rust_begin_unwind|rust_panic|__rust_\w+)$"),
    # ``at new Promise (<anonymous>)``, ``at Array.map (<anonymous>)``: V8 builtins, which have
    # no file. Checked only on frames without a real file, so a project's ``Promise.ts`` or an
    # ``Object.<anonymous>`` in a test file (Jest's wrapper) stays in-app.
    _lib(
        "js_builtin",
        "name_without_file",
        r"""^(?:new\s)?(?:Promise|Array|Object|Function|Map|Set|JSON|Reflect|Generator
               |AsyncGenerator)(?:\.[\w$]+)*$""",
    ),
)

_NO_REAL_FILE = frozenset({"", "<anonymous>", "native"})


def library_rule_for(frame: Frame) -> str | None:
    """The name of the first library rule matching ``frame``, ``None`` for application code."""
    file = (frame.file or "").replace("\\", "/")
    names = (frame.module or "", frame.function or "")
    for rule in LIBRARY_RULES:
        if rule.field == "file":
            if file and rule.pattern.search(file):
                return rule.name
        elif rule.field == "name_without_file" and file not in _NO_REAL_FILE:
            continue
        elif any(n and rule.pattern.search(n) for n in names):
            return rule.name
    return None


def is_in_app(frame: Frame) -> bool:
    """The parser's verdict when it gave one, else: not matched by any :data:`LIBRARY_RULES`."""
    if frame.in_app is not None:
        return frame.in_app
    return _in_app_cached(frame.file, frame.module, frame.function)


@lru_cache(maxsize=65536)
def _in_app_cached(file: str | None, module: str | None, function: str | None) -> bool:
    return library_rule_for(Frame(file=file, function=function, module=module)) is None


def normalise_frame(frame: Frame) -> Frame:
    """The frame with path prefixes, generated names and line/column removed; ``in_app`` decided."""
    # Cached on the parts that matter, not the frame: line numbers would defeat the cache.
    return _normalise_parts(frame.file, frame.function, frame.module, frame.in_app)


@lru_cache(maxsize=131072)
def _normalise_parts(
    file: str | None, function: str | None, module: str | None, in_app: bool | None
) -> Frame:
    return Frame(
        file=normalise_path(file) if file else None,
        function=normalise_name(function) if function else None,
        line=None,
        column=None,
        module=normalise_name(module) if module else None,
        in_app=in_app if in_app is not None else _in_app_cached(file, module, function),
    )


# --------------------------------------------------------------------------------------------
# Test code and entry points: the route to a bug, not the bug
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RouteRule:
    """A normalised in-app frame matching ``test`` is test/harness code or a program entry."""

    name: str
    test: Callable[[str, str, str], bool]
    """``(path, module, function)`` of the normalised frame, each ``""`` when absent."""


# Directory names that hold tests, harnesses and test data in every ecosystem we read. Not
# ``mock``/``stub``/``fake`` (app code has those too) nor ``testing``-like words inside a name.
TEST_DIRECTORIES: frozenset[str] = frozenset(
    {"test", "tests", "__tests__", "spec", "specs", "e2e", "smoke", "testing", "testdata",
     "fixtures"}
)  # fmt: skip

_TEST_HELPER_DIRECTORY = re.compile(r"^tests?[-_]?(?:utils?|support|helpers?|kit)$")
"""Shared test helpers: ``test-utils/``, ``test-support/``, Go's ``testutil/``. Does not match
``testimonials/`` or ``attestations/``."""

_TEST_FILE = re.compile(
    r"""^(?: test_\w*\.py | \w+_test\.py | conftest\.py     # pytest
           | \w+_test\.go                                 # go test
           | [^/]+\.(?:test|spec)\.[A-Za-z0-9]+             # Jest, Vitest, Playwright, mocha
           | [^/]*[Ss]moke[^/]*                             # smoke scripts and suites
           | \w*[a-z0-9](?:Test|Tests|IT|TestCase)\.(?:java|kt|scala|groovy)  # JUnit classes
        )$""",
    re.VERBOSE,
)
"""File names of tests. Does not match ``testing.py``/``contest.py``/``latest.ts`` (``test`` must
be a whole prefix/suffix word), ``attestation.ts``, nor ``Audit.java``/``AUDIT.java``."""

_JVM_TEST_CLASS = re.compile(r"^[A-Z]\w*[a-z0-9](?:Test|Tests|IT|TestCase)$")
"""``PaymentGatewayTest``, ``CheckoutPaymentIT``, ``OrderTestCase``; not ``Attest``/``Contest``
(lower-case ``test``), ``AUDIT``/``SPLIT`` (no lower-case letter before ``IT``) nor
``ITSupport``."""

_MODULE_SEPARATORS = re.compile(r"::|[./]")


def _in_test_directory(path: str, module: str, function: str) -> bool:
    return any(
        part in TEST_DIRECTORIES or _TEST_HELPER_DIRECTORY.match(part)
        for part in path.split("/")[:-1]
    )


def _is_test_file(path: str, module: str, function: str) -> bool:
    return bool(path) and _TEST_FILE.match(path.rsplit("/", 1)[-1]) is not None


def _in_test_module(path: str, module: str, function: str) -> bool:
    """JVM classes named like tests or in a ``test`` package; Rust's ``mod tests``; Go's
    ``…/test/…`` packages. The class is the module's last dotted part, before any ``$Inner``.
    Without a module, a Rust path function (``crate::mod::tests::case``) gives its own."""
    if not module and "::" in function:
        module = function.rsplit("::", 1)[0]
    if not module:
        return False
    parts = [p for p in _MODULE_SEPARATORS.split(module) if p]
    if any(p in ("test", "tests") for p in parts):
        return True
    return bool(parts) and _JVM_TEST_CLASS.match(parts[-1].split("$", 1)[0]) is not None


def _is_entry_point(path: str, module: str, function: str) -> bool:
    """``main`` (a CLI, a job, ``main.main``, ``static void main``): how the bug was launched."""
    name = _MODULE_SEPARATORS.split(function)[-1] if function else ""
    return name == "main"


# Any match makes a frame part of the route, so order only decides which name explain()
# reports: the cheap path checks first, module parsing after, the entry-point rule last (it is
# the one rule here that is not about tests).
ROUTE_RULES: tuple[RouteRule, ...] = (
    RouteRule("test_directory", _in_test_directory),
    RouteRule("test_file", _is_test_file),
    RouteRule("test_module", _in_test_module),
    RouteRule("entry_point", _is_entry_point),
)


def route_rule_for(frame: Frame) -> str | None:
    """The first :data:`ROUTE_RULES` name matching a *normalised* frame, ``None`` for app code."""
    return _route_cached(frame.file or "", frame.module or "", frame.function or "")


@lru_cache(maxsize=65536)
def _route_cached(path: str, module: str, function: str) -> str | None:
    for rule in ROUTE_RULES:
        if rule.test(path, module, function):
            return rule.name
    return None


# --------------------------------------------------------------------------------------------
# Exception types
# --------------------------------------------------------------------------------------------

_EXCEPTION_NOISE = re.compile(
    r"""^(?:Uncaught\s+|Unhandled\s+|\[|builtins\.)+ | [\]:]+$ | <[^<>]*>$""", re.VERBOSE
)


@lru_cache(maxsize=4096)
def normalise_exception_type(exception_type: str | None) -> str:
    """The language-agnostic type name: last dotted component, no ``Uncaught``/``builtins.``.

    ``java.lang.IllegalStateException`` and ``IllegalStateException`` are the same type as
    different reporters print it; ``acme.errors.PaymentDeclined`` keeps ``PaymentDeclined``.
    Go's ``panic`` and Rust's ``panicked`` stay as they are.
    """
    if not exception_type:
        return ""
    cleaned = _EXCEPTION_NOISE.sub("", exception_type.strip()).strip()
    return cleaned.rsplit(".", 1)[-1] if "." in cleaned else cleaned


# --------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------

# Redactor placeholders (``<EMAIL>``, ``<UUID>``, ...) and ours are upper-case words in angle
# brackets; no message rule matches inside them (they hold no digits, and the id rules require
# digits), so they pass through as-is.
PLACEHOLDER = re.compile(r"<[A-Z_]+>")


def _id_like(match: re.Match[str]) -> str:
    """``a1b2c3d4``/``ab12cd``: letters and digits interleaved at least twice. Keeps ``sha256``."""
    token = match.group(0)
    transitions = sum(1 for a, b in itertools.pairwise(token) if a.isdigit() != b.isdigit())
    return "<ID>" if transitions >= 2 else token


# Quantifiers on keys and values are bounded ({1,64}, {0,200}) so that no rule backtracks
# quadratically on a long run of ``a=a=a=...`` or ``1.1.1...``; messages are also cut per line.
# Order: (1) compound shapes that contain digits (timestamps, UUIDs, hex, paths, source
# positions, durations, ports, key=value, retry counts) before the bare-number rule, which would
# otherwise shred them into several ``<NUM>`` and lose the rule name; (2) ``<NUM>`` last.
# Quoted identifiers (``'user_id'`` vs ``'email'``) are deliberately left alone: they are what
# a message variant shows (the message is hashed only for frame-less failures).
MESSAGE_RULES: tuple[Rule, ...] = (
    # ``2026-11-20T10:11:12.123Z``, ``2026-11-20 10:11:12``, ``2026-11-20``, ``10:11:12.5``.
    _rule(
        "iso_timestamp",
        r"""\b\d{4}-\d{2}-\d{2}(?:[T\s]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b
            | \b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b""",
        "<TS>",
    ),
    _rule("uuid", r"\b[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\b", "<UUID>"),
    # Memory addresses and other 0x literals; does not match ``0xyz`` (not hex).
    _rule("hex_literal", r"\b0x[0-9a-fA-F]+\b", "<HEX>"),
    # Commit SHAs, request ids: 8+ hex chars with a digit and a letter; not ``deadbeef`` words
    # (identifiers) nor all-digit runs (left to the number rule).
    _rule("long_hex", r"\b(?=[0-9a-fA-F]*\d)(?=[0-9]*[a-fA-F])[0-9a-fA-F]{8,}\b", "<HEX>"),
    # Temp files: ``/tmp/...``, ``/var/folders/...``, Windows ``...\Temp\...``; stops at
    # whitespace/quotes so the words after the path survive.
    _rule(
        "temp_path",
        r"""(?:/private)?/(?:tmp|var/folders|var/tmp)/[^\s'",;:)]+
            | [A-Za-z]:\\(?:[^\s'",;\\]+\\)*?Temp\\[^\s'",;)]+""",
        "<TMP>",
    ),
    # ``Table.tsx:42:7`` -> ``Table.tsx:LINE``; before ports, which share the colon syntax.
    _rule("source_position", r"(\.[A-Za-z]{1,5}):\d+(?::\d+)?\b", r"\1:LINE"),
    # ``1.23s``, ``150ms``, ``2m30s``, ``5 seconds``; not ``5 sec-grade`` words or bare numbers.
    _rule(
        "duration",
        r"""\b(?:\d+h)?(?:\d+m)?\d+(?:\.\d+)?\s?
            (?:ns|µs|us|ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)\b""",
        "<DURATION>",
    ),
    # ``localhost:8080``, ``<HOST>:5432``, ``[::1]:443``; not ``a:b`` ratios without a host.
    _rule("port", r"(?<=[\w>\]]):\d{1,5}\b(?!:)", ":<PORT>"),
    _rule("pid", r"\b(pid|PID|process)([\s=:#]+)\d+\b", r"\1\2<PID>"),
    _rule("retry_count", r"\bafter\s\d+\s(attempts?|retries|tries|tries?)\b", r"after <NUM> \1"),
    # ``id='abc123'``, ``token="x"``: a quoted value after ``=`` is data, not the bug's name.
    _rule(
        "quoted_assignment",
        r"""((?<![\w.-])[\w.-]{1,64}\s?=\s?)(['"])(?:(?!\2).){0,200}\2""",
        r"\1<VAL>",
    ),
    # ``user=abc123``, ``order_id=ORD-9912``: an unquoted value after ``=`` that holds a digit.
    _rule(
        "assignment_value",
        r"((?<![\w.-])[\w.-]{1,64}=)(?=[^\s,;)\]}=]{0,200}\d)[^\s,;)\]}=]{1,200}",
        r"\1<VAL>",
    ),
    _rule("mixed_id", r"\b[A-Za-z0-9]*\d[A-Za-z]+\d[A-Za-z0-9]*\b", _id_like),
    # Bare numbers, also after ``_``/``-`` (``order_42``, ``pytest-123``); not digits glued to
    # a letter (``sha256``, ``utf8``, ``v2``), which are identifiers.
    _rule("number", r"(?<![A-Za-z0-9.])-?\d+(?:[.,]\d+)*", "<NUM>"),
)

_WHITESPACE = re.compile(r"[ \t]+")
MESSAGE_MAX_LINES = 3
MESSAGE_MAX_CHARS = 300
MESSAGE_LINE_CHARS = 400


@lru_cache(maxsize=65536)
def normalise_message(message: str) -> str:
    """The message's first non-empty lines with variable data replaced by placeholders.

    Only the first :data:`MESSAGE_MAX_LINES` non-empty lines count (diffs and dumps below them
    vary per run) and whitespace runs collapse to one space.
    """
    out = _head(message)
    for rule in MESSAGE_RULES:
        out = rule.apply(out)
    return out[:MESSAGE_MAX_CHARS]


def _head(message: str) -> str:
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()][:MESSAGE_MAX_LINES]
    # Cut before the rules run: bounds their cost on pathological lines.
    return "\n".join(_WHITESPACE.sub(" ", ln[:MESSAGE_LINE_CHARS]) for ln in lines)


def message_rules_applied(message: str) -> tuple[str, ...]:
    """Names of the message rules that changed something (for explanations)."""
    out = _head(message)
    applied = []
    for rule in MESSAGE_RULES:
        new = rule.apply(out)
        if new != out:
            applied.append(rule.name)
        out = new
    return tuple(applied)


# Messages that say only that something failed (including what parsers write when a test printed
# nothing: "test failed with no output"); hashing them would merge unrelated bugs.
_GENERIC_MESSAGE = re.compile(
    r"""^(?:test\s)?(?:failed(?:\swith\sno\soutput)?|failure|error|fail|exit\sstatus\s<NUM>|
        exit\scode\s<NUM>|
        process\scompleted\swith\sexit\scode\s<NUM>|none|null|undefined|timeout|)\.?$""",
    re.VERBOSE | re.IGNORECASE,
)
_LETTER_RUNS = re.compile(r"[A-Za-z]{2,}")


def is_meaningful_message(normalised: str) -> bool:
    """True when a normalised message says more than "it failed" or placeholders alone."""
    text = PLACEHOLDER.sub(" ", normalised).strip()
    if _GENERIC_MESSAGE.match(PLACEHOLDER.sub("<NUM>", normalised).strip()):
        return False
    return (
        len(_LETTER_RUNS.findall(text)) >= 1
        and sum(len(w) for w in _LETTER_RUNS.findall(text)) >= 4
    )


# --------------------------------------------------------------------------------------------
# Test identity
# --------------------------------------------------------------------------------------------

_ANONYMOUS_FUNCTION = re.compile(
    r"""^(?: | \? | anonymous | <anonymous> | <lambda>
           | (?:new\s)?[\w$]+(?:\.[\w$]+)*\.<anonymous> )$""",
    re.VERBOSE,
)
"""A function with no name of its own: Jest's ``Object.<anonymous>``, mocha's
``Context.<anonymous>``, a Playwright callback (no function at all), Python's ``<lambda>``.
Not ``<module>`` (a script's top level is a place) nor named arrow functions."""


def is_anonymous_function(function: str | None) -> bool:
    """True for frames whose function names nothing (see :data:`_ANONYMOUS_FUNCTION`)."""
    return _ANONYMOUS_FUNCTION.match((function or "").strip()) is not None


_TITLE_SEPARATOR = re.compile(r"\s+[>›»]\s+|::")
_PARAMETERS = re.compile(
    r"""(?:\s*\[[^\[\]]*\])+$
        | \((?:[A-Za-z_][\w.$<>]*(?:\[\])?(?:,\s?[A-Za-z_][\w.$<>]*(?:\[\])?)*)?\)
          (?:\[[^\[\]]*\])?$""",
    re.VERBOSE,
)
"""Trailing parametrisation: pytest ``[1-a]``, Playwright ``[chromium]``, a JUnit 5 signature
and case ``(String, int)[2]``. Not brackets inside a title (``renders [x] icon``) nor a title
ending in a call with values (``exit(0)``, ``exit(1)`` are two tests)."""
_FILE_LIKE = re.compile(r"[/\\]|\.[A-Za-z]{1,5}(?::\d+){0,2}$")
_BRACKETS_ONLY = re.compile(r"^\[[^\]]*\]$")
_WORKSPACE_PREFIX = re.compile(r"^(?:/|[A-Za-z]:[/\\])\S*?(?=\s+[>›»]\s+|::|$)")


@lru_cache(maxsize=65536)
def canonical_test_name(test_id: str) -> str:
    """A test's name the same way in every report format, without file or parametrisation.

    ``/home/runner/work/shop/shop/src/ui/Table.test.tsx > Table > renders rows`` (Jest JSON) and
    ``Table › renders rows`` (Jest's console) both give ``Table > renders rows``;
    ``[chromium] › cart.spec.ts:12:5 › shows the total`` and ``cart.spec.ts > shows the total
    [chromium]`` give ``shows the total``; ``tests/test_x.py::test_y[2]`` gives ``test_y`` and
    the JUnit ``tests.test_x.test_y[2]`` gives ``test_y`` too (a single dotted name keeps its
    last part). Parametrised cases of one test share the name on purpose.
    """
    parts = [p.strip() for p in _TITLE_SEPARATOR.split(test_id.strip()) if p.strip()]
    titles = [
        _PARAMETERS.sub("", p).strip()
        for p in parts
        if not _FILE_LIKE.search(p) and not _BRACKETS_ONLY.match(p)
    ]
    titles = [t for t in titles if t]
    if not titles:
        return ""
    if len(parts) == 1 and not re.search(r"\s", titles[0]) and "." in titles[0]:
        return titles[0].rsplit(".", 1)[-1]
    return " > ".join(titles)


def display_test_id(test_id: str) -> str:
    """The test id with an absolute CI workspace prefix made repository-relative, for reports.

    ``/home/runner/work/shop/shop/src/ui/Table.test.tsx > Table > renders rows`` becomes
    ``src/ui/Table.test.tsx > Table > renders rows``; ids without an absolute path are returned
    unchanged (``tests/test_auth.py::test_login``, ``com.acme.FooTest.bar``).
    """
    match = _WORKSPACE_PREFIX.match(test_id)
    if match is None:
        return test_id
    return normalise_path(match.group(0)) + test_id[match.end() :]
