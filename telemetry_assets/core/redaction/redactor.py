"""The Redactor: applies :mod:`rules` to text, whole or streamed, and counts what each rule did.

Contract: ``redact(text)`` returns the text with every match of every enabled rule replaced by the
rule's placeholder, plus per-rule replacement counts (only rules with > 0). It is idempotent
(placeholders are never matched again) and pure (no I/O except :meth:`Redactor.redact_file`, which
reads and writes the streams it is handed). Errors are never swallowed: a failing rule raises, so
callers fail closed instead of passing text through unredacted.

Speed: most log lines hold nothing. One RE2 scan of the whole chunk (the union of all line-local
rule patterns, on UTF-8 bytes) finds the few lines that can match; only those lines go through
the ordered rules, each guarded by a literal keyword check. Multi-line rules (PEM blocks, login
pairs) run first over the whole chunk, guarded by their keywords.

Streaming: :meth:`redact_stream` cuts chunks at the last newline and carries the tail over, and
holds back an open ``-----BEGIN ... PRIVATE KEY-----`` block until its END line (bounded by
``max_carry``; past that the block is redacted as unterminated), so nothing straddles a cut.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

import re2

from telemetry_assets.core.redaction.rules import RULES, Rule

PLACEHOLDERS: frozenset[str] = frozenset(
    {r.placeholder for r in RULES}
    | {"<EMAIL>", "<IP>", "<HOST>", "<URL>", "<KEY>", "<TOKEN>", "<SECRET>", "<UUID>", "<USER>"}
)
_PLACEHOLDER_BY_RULE = {r.name: r.placeholder for r in RULES}
_GROUP_NAMES = ("s", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9")
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
_SCAN_GROUP = 5
_LOOKAROUND = re.compile(r"\(\?<?[=!]")
_BIG_REPEAT = re.compile(r"\{(\d+)(?:,(\d*))?\}")
_PEM_OPEN = re.compile(r"-----BEGIN[A-Z0-9 ]{0,30} PRIVATE KEY(?: BLOCK)?-----")
_PEM_CLOSE = re.compile(r"-----END[A-Z0-9 ]{0,30} PRIVATE KEY(?: BLOCK)?-----")


@dataclass(frozen=True, slots=True)
class RedactionResult:
    text: str
    counts: dict[str, int]
    """Rule name -> number of replacements (only rules with > 0)."""


def placeholder_for(rule_name: str) -> str:
    """The placeholder a rule emits (``KeyError`` for an unknown rule)."""
    if rule_name == "net.extra_domain":
        return "<HOST>"
    return _PLACEHOLDER_BY_RULE[rule_name]


@dataclass(frozen=True, slots=True)
class _Compiled:
    rule: Rule
    regex: Any
    groups: tuple[int, ...]
    """Indices of the replaceable groups (s, s1..s9) in this regex; empty: the whole match."""


def _compile(rule: Rule) -> _Compiled:
    pattern = ("(?i)" if rule.ignore_case else "") + rule.pattern
    # Lookarounds (PEM) need Python's re: multi-line, keyword-guarded rules only.
    regex: Any = re.compile(pattern) if _LOOKAROUND.search(pattern) else re2.compile(pattern)
    index = regex.groupindex
    return _Compiled(rule, regex, tuple(index[g] for g in _GROUP_NAMES if g in index))


def _cookie_values(value: str, placeholder: str) -> tuple[str, int]:
    attrs = {"path", "domain", "expires", "max-age", "samesite", "secure", "httponly", "version"}
    out: list[str] = []
    n = 0
    for part in value.split(";"):
        name, eq, val = part.partition("=")
        v = val.strip()
        if eq and name.strip().lower() not in attrs and v and v not in PLACEHOLDERS and len(v) >= 4:
            lead = val[: len(val) - len(val.lstrip())]
            trail = val[len(val.rstrip()) :]
            part = f"{name}={lead}{placeholder}{trail}"
            n += 1
        out.append(part)
    return ";".join(out), n


class Redactor:
    """Applies the ordered rules of :mod:`rules`; see the module docstring."""

    rule_names: tuple[str, ...]

    def __init__(
        self,
        *,
        disabled_rules: Iterable[str] = (),
        extra_internal_domains: Iterable[str] = (),
        max_carry: int = 4 << 20,
    ) -> None:
        self.rule_names = tuple(r.name for r in RULES)
        disabled = set(disabled_rules)
        families = {n.split(".", 1)[0] for n in self.rule_names}
        unknown = sorted(d for d in disabled if d not in self.rule_names and d not in families)
        if unknown:
            raise ValueError(
                f"unknown redaction rule(s) {unknown}; known rules: {', '.join(self.rule_names)}"
            )
        domains = [d.strip().lstrip(".").lower() for d in extra_internal_domains if d.strip()]
        rules: list[Rule] = []
        for rule in RULES:
            if rule.name in disabled or rule.name.split(".", 1)[0] in disabled:
                continue
            if rule.name == "net.extra_domain":
                if not domains:
                    continue
                alts = "|".join(re.escape(d) for d in domains)
                rule = Rule(
                    rule.name,
                    rule.placeholder,
                    r"\b(?P<s>(?:[A-Za-z0-9-]+\.)*(?:" + alts + r"))\b",
                    tuple(domains),
                    check_placeholder=False,
                    ignore_case=True,
                )
            rules.append(rule)
        self._max_carry = max_carry
        self._multi = tuple(_compile(r) for r in rules if r.multiline)
        self._line = tuple(_compile(r) for r in rules if not r.multiline)
        self._scan = self._build_scan([r for r in rules if not r.multiline])

    @staticmethod
    def _build_scan(rules: list[Rule]) -> list[tuple[tuple[str, ...], Any]]:
        """Small unions of rule patterns (RE2's DFA thrashes on one big union: 5 is measured best).

        Each union carries its rules' keywords (empty: always scan) so a chunk without any of
        them skips the union entirely.
        """
        opts = re2.Options()
        opts.never_capture = True
        opts.max_mem = 64 << 20
        groups: list[tuple[tuple[str, ...], Any]] = []
        for i in range(0, len(rules), _SCAN_GROUP):
            part = rules[i : i + _SCAN_GROUP]
            alts = []
            for r in part:
                # A superset is enough to find candidate lines: long counted repeats are
                # shortened to keep the automaton small.
                body = _BIG_REPEAT.sub(_shorten_repeat, _NAMED_GROUP.sub("(?:", r.pattern))
                alts.append(f"(?i:{body})" if r.ignore_case else f"(?:{body})")
            always = any(not r.keywords for r in part)
            keywords = () if always else tuple(k for r in part for k in r.keywords)
            groups.append((keywords, re2.compile("|".join(alts).encode(), options=opts)))
        return groups

    # ---- core ----------------------------------------------------------------------------

    def redact(self, text: str) -> RedactionResult:
        """Redact one whole text (any size that fits in memory)."""
        counts: dict[str, int] = {}
        if not text:
            return RedactionResult(text, counts)
        if self._multi:
            lowered = text.lower()
            for c in self._multi:
                if not c.rule.keywords or any(k in lowered for k in c.rule.keywords):
                    text = self._apply(c, text, counts)
        text = self._redact_lines(text, counts)
        return RedactionResult(text, counts)

    def _redact_lines(self, text: str, counts: dict[str, int]) -> str:
        if not self._scan:
            return text
        data = text.encode("utf-8", "surrogatepass")
        chunk_lower = text.lower()
        spans: list[tuple[int, int]] = []
        for keywords, scan in self._scan:
            if keywords and not any(k in chunk_lower for k in keywords):
                continue
            last_end = -1
            for m in scan.finditer(data):
                s, e = m.span()
                if s < last_end:
                    continue
                ls = data.rfind(b"\n", 0, s) + 1
                le = data.find(b"\n", max(e - 1, s))
                le = len(data) if le < 0 else le
                spans.append((ls, le))
                last_end = le
        if not spans:
            return text
        spans.sort()
        regions: list[tuple[int, int]] = []
        for ls, le in spans:
            if regions and ls <= regions[-1][1]:
                regions[-1] = (regions[-1][0], max(le, regions[-1][1]))
            else:
                regions.append((ls, le))
        pieces = [data[s:e].decode("utf-8", "surrogatepass") for s, e in regions]
        joined = "\n".join(pieces)
        lowered = joined.lower()
        for c in self._line:
            if not c.rule.keywords or any(k in lowered for k in c.rule.keywords):
                new = self._apply(c, joined, counts)
                if new is not joined:
                    joined = new
                    lowered = joined.lower()
        out_lines = joined.split("\n")
        out: list[bytes] = []
        pos = 0
        li = 0
        for (s, e), piece in zip(regions, pieces, strict=True):
            n = piece.count("\n") + 1
            out.append(data[pos:s])
            out.append("\n".join(out_lines[li : li + n]).encode("utf-8", "surrogatepass"))
            li += n
            pos = e
        out.append(data[pos:])
        return b"".join(out).decode("utf-8", "surrogatepass")

    @staticmethod
    def _apply(c: _Compiled, text: str, counts: dict[str, int]) -> str:
        rule = c.rule
        parts: list[str] = []
        pos = 0
        n = 0
        for m in c.regex.finditer(text):
            gi = next((g for g in c.groups if m.group(g) is not None), 0)
            if gi == 0 and c.groups:
                continue
            value = m.group(gi)
            if not value or value.strip() in PLACEHOLDERS:
                continue
            if rule.check_placeholder and _is_placeholder(value):
                continue
            if rule.validator is not None and not rule.validator(_View(m, gi), value):
                continue
            start, end = m.start(gi), m.end(gi)
            if start < pos:
                continue
            if rule.name == "header.cookie":
                replacement, k = _cookie_values(value, rule.placeholder)
                if not k:
                    continue
            else:
                replacement, k = rule.placeholder, 1
            parts.append(text[pos:start])
            parts.append(replacement)
            pos = end
            n += k
        if not n:
            return text
        parts.append(text[pos:])
        counts[rule.name] = counts.get(rule.name, 0) + n
        return "".join(parts)

    # ---- streaming -------------------------------------------------------------------------

    def redact_stream(self, chunks: Iterable[str]) -> Iterator[RedactionResult]:
        """Redact text arriving in chunks, yielding redacted pieces with their counts.

        Cuts only after a newline; an open PEM private-key block is carried until its END line.
        """
        carry = ""
        for chunk in chunks:
            if not chunk:
                continue
            buf = carry + chunk
            cut = self._safe_cut(buf)
            if cut <= 0:
                carry = buf
                continue
            carry = buf[cut:]
            yield self.redact(buf[:cut])
        if carry:
            yield self.redact(carry)

    def _safe_cut(self, buf: str) -> int:
        # Cut before the last complete line, not after it: two-line rules (a user line then a
        # password line) then always see both lines in one piece.
        last_nl = buf.rfind("\n")
        cut = buf.rfind("\n", 0, last_nl) + 1 if last_nl > 0 else 0
        if cut == 0 and last_nl > 0 and len(buf) > self._max_carry:
            cut = last_nl + 1
        if cut == 0:
            # One enormous line: cut at the last whitespace so memory stays bounded.
            if len(buf) <= self._max_carry:
                return 0
            ws = max(buf.rfind(" "), buf.rfind("\t"))
            return ws + 1 if ws > 0 else len(buf)
        # Hold back a PEM block whose END line is not before the cut.
        tail_from = max(0, buf.rfind("-----BEGIN", 0, cut))
        if tail_from or buf.startswith("-----BEGIN"):
            opening = _PEM_OPEN.search(buf, tail_from)
            if opening is not None and _PEM_CLOSE.search(buf, opening.end(), cut) is None:
                line_start = buf.rfind("\n", 0, opening.start()) + 1
                if len(buf) - line_start <= self._max_carry:
                    return line_start
        return cut

    def redact_file(self, src: TextIO, dst: TextIO, chunk_size: int = 1 << 20) -> dict[str, int]:
        """Stream ``src`` to ``dst`` redacted; return the total per-rule counts."""

        def reads() -> Iterator[str]:
            while True:
                block = src.read(chunk_size)
                if not block:
                    return
                yield block

        totals: dict[str, int] = {}
        for result in self.redact_stream(reads()):
            dst.write(result.text)
            for name, k in result.counts.items():
                totals[name] = totals.get(name, 0) + k
        return totals


class _View:
    """A match seen from its replaced group: start()/end() are the group's, group() delegates."""

    __slots__ = ("_gi", "_m", "string")

    def __init__(self, m: Any, gi: int) -> None:
        self._m, self._gi, self.string = m, gi, m.string

    def start(self) -> int:
        return int(self._m.start(self._gi))

    def end(self) -> int:
        return int(self._m.end(self._gi))

    def group(self, g: int | str = 0) -> Any:
        return self._m.group(g)


def _shorten_repeat(m: re.Match[str]) -> str:
    low = int(m.group(1))
    return m.group(0) if low <= 40 else "{40,}"


def _is_placeholder(value: str) -> bool:
    from telemetry_assets.core.redaction.rules import is_placeholder_value

    return is_placeholder_value(value)
