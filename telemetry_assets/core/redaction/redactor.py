"""The Redactor: applies :mod:`rules` to text, whole or streamed, and counts what each rule did.

Contract: ``redact(text)`` returns the text with every match of every enabled rule replaced by the
rule's placeholder, plus per-rule replacement counts (only rules with > 0). It is idempotent
(placeholders are never matched again) and pure (no I/O except :meth:`Redactor.redact_file`, which
reads and writes the streams it is handed). Errors are never swallowed: a failing rule raises, so
callers fail closed instead of passing text through unredacted. Line structure is kept: a
replacement never removes a line break (multi-line values get one placeholder per line), so the
output has the input's lines, and a line's redaction does not depend on the lines around it
(bar the multi-line rules: PEM blocks, login pairs, web.config ``<add key= value=>``).

Speed: most log lines hold nothing. An ASCII text first gets one RE2 scan for every line rule's
*gate* (:attr:`Rule.gate`: found on the line of every match the rule replaces, by default its
anchor) and every multi-line rule's keywords: a text holding none (most paths, messages, frames)
is returned as is, never lowered, split or joined. Multi-line rules (PEM blocks, login pairs) run
first over the whole text, guarded by their keywords. Then three passes, each over less text than
the one before:

1. *Anchors*: one RE2 scan of the whole chunk (UTF-8 bytes) for the union of every line rule's
   anchor (:attr:`Rule.anchor`, a cheap necessary condition such as ``AKIA`` or ``://host:``),
   at most one hit per line. Lines without a hit cannot match any rule and are never looked at
   again; a text without a hit is returned as is.
2. *Candidate lines*: the anchored lines (with their line breaks as context) go through the rule
   patterns unioned in groups of five, each group only if one of its rules' keywords is in the
   chunk. This picks exactly the lines the ordered rules must see: the same lines, in the same
   order, as a scan of the whole chunk would (kept identical so that outputs do not depend on
   how fast they were computed). A one-line text skips this pass: the rules themselves decide.
3. *Rules*: the candidate lines, joined, go through the ordered rules, each guarded by its
   keywords. On ASCII text (the usual case) matches are read straight from RE2 as byte spans;
   google-re2's ``finditer`` on ``str`` converts offsets for every match, which cost more than
   the matching itself. A short text also skips every rule whose gate it does not hold.
   A rule with :attr:`Rule.judged_after` (the blob rules) matches and validates on the text as
   that later rule will leave it (user names already ``<USER>``), so it decides on the first
   pass what it would on the output.

Streaming: :meth:`redact_stream` cuts chunks at the last newline and carries the tail over, and
holds back an open ``-----BEGIN ... PRIVATE KEY-----`` block until its END line (bounded by
``max_carry``; past that the block is redacted as unterminated), so nothing straddles a cut.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

import re2

from telemetry_assets.core.redaction.rules import RULES, Rule, is_placeholder_value

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
# google-re2's compiled program: ``Match(anchor, bytes, pos, endpos)`` returns the span of every
# group without building a match object or converting offsets.
_UNANCHORED = re2._re2.RE2.Anchor.UNANCHORED
_NO_SPAN = (-1, -1)
# Texts up to this size (bytes) also check which rules' anchors they hold before running rules:
# one set pass is cheaper than a dozen rule scans on a short text, not on a long one.
_SMALL_TEXT = 4096


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
    prefix: Any
    """The rule's compiled ``line_prefix`` (None: the rule has none)."""
    groups: tuple[int, ...]
    """Indices of the replaceable groups (s, s1..s9) in this regex; empty: the whole match."""
    program: Any
    """The RE2 program behind ``regex`` (None for Python ``re``): the byte-span fast path."""
    names: dict[str, int]
    ngroups: int
    after: _Compiled | None = None
    """The enabled rule named by :attr:`Rule.judged_after` (None: none)."""


def _compile(rule: Rule) -> _Compiled:
    pattern = ("(?i)" if rule.ignore_case else "") + rule.pattern
    # Lookarounds (PEM) need Python's re: multi-line, keyword-guarded rules only.
    regex: Any = re.compile(pattern) if _LOOKAROUND.search(pattern) else re2.compile(pattern)
    index = dict(regex.groupindex)
    program = None if isinstance(regex, re.Pattern) else regex._regexp
    prefix = re.compile(rule.line_prefix) if rule.line_prefix else None
    return _Compiled(
        rule,
        regex,
        prefix,
        tuple(index[g] for g in _GROUP_NAMES if g in index),
        program,
        index,
        regex.groups,
    )


@dataclass(frozen=True, slots=True)
class _ScanGroup:
    keywords: tuple[str, ...]
    """Lower-case literals (empty: always scanned); the group runs only on text holding one."""
    keys: tuple[bytes, ...]
    program: Any
    spans_lines: bool
    """A rule of the group may match past a line break: every match must be looked at."""


def _scan_options() -> Any:
    opts = re2.Options()
    opts.never_capture = True
    opts.max_mem = 64 << 20
    return opts


def _scan_body(rule: Rule) -> str:
    # A superset is enough to find candidate lines: long counted repeats are shortened to keep
    # the automaton small.
    body = _BIG_REPEAT.sub(_shorten_repeat, _NAMED_GROUP.sub("(?:", rule.pattern))
    return f"(?i:{body})" if rule.ignore_case else f"(?:{body})"


def _anchor_of(rule: Rule) -> str:
    if rule.anchor:
        return f"(?i:{rule.anchor})" if rule.ignore_case else f"(?:{rule.anchor})"
    if rule.keywords:
        # Keywords are lower case; the text need not be.
        return "(?i:" + "|".join(re2.escape(k) for k in rule.keywords) + ")"
    return _scan_body(rule)


def _gate_of(rule: Rule) -> str:
    if not rule.gate:
        return _anchor_of(rule)
    return f"(?i:{rule.gate})" if rule.ignore_case else f"(?:{rule.gate})"


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


def _per_line(value: str, placeholder: str, prefix: Any) -> str | None:
    """``value`` with each line's content replaced by ``placeholder``, its line breaks (and the
    ``prefix`` regex's match at the start of every line after the first, if given) kept.

    None when a ``prefix`` is given and some later line lacks it: the caller then replaces the
    value whole. Whitespace-only lines stay as they are.
    """
    out: list[str] = []
    for i, line in enumerate(value.split("\n")):
        head = ""
        if i and prefix is not None:
            found = prefix.match(line)
            if found is None:
                return None
            head = found.group(0)
        body = line[len(head) :]
        cr = "\r" if body.endswith("\r") else ""
        out.append(head + (placeholder + cr if body.strip() else body))
    return "\n".join(out)


def _spans(program: Any, data: bytes, pos: int = 0) -> Iterator[list[tuple[int, int]]]:
    """Every match's group spans, left to right without overlaps (``finditer`` on bytes)."""
    end = len(data)
    match = program.Match
    while True:
        spans = match(_UNANCHORED, data, pos, end)
        if spans[0] == _NO_SPAN:
            return
        yield spans
        if pos == end:
            return
        pos = pos + 1 if pos == spans[0][1] else spans[0][1]


def _sub_text(data: bytes, runs: list[tuple[int, int]]) -> tuple[bytes, list[int]]:
    """The runs of lines, each after the line break before it (none before the text's first
    line), and the offset of each run's first byte in that sub-text."""
    parts: list[bytes] = []
    starts: list[int] = []
    size = 0
    for rs, re_ in runs:
        if rs > 0:
            parts.append(b"\n")
            size += 1
        starts.append(size)
        parts.append(data[rs:re_])
        size += re_ - rs
    return b"".join(parts), starts


def _literal_set(literals: list[str]) -> Any:
    """An RE2 set finding which of ``literals`` occur in bytes, all in one pass."""
    opts = re2.Options()
    opts.literal = True
    opts.encoding = re2.Options.Encoding.LATIN1
    found = re2.Set.SearchSet(opts)
    for lit in literals:
        found.Add(lit.encode("utf-8", "surrogatepass"))
    found.Compile()
    return found


def _first_per_line(program: Any, data: bytes) -> list[tuple[int, int]]:
    """The first match on each line (for patterns whose matches stay on one line).

    The rest of a line is skipped: only which lines match matters, and the leftmost match on a
    line is the one a match-by-match scan finds, so a match starting on the line break before a
    line is still seen as such.
    """
    found: list[tuple[int, int]] = []
    end = len(data)
    match = program.Match
    pos = 0
    while pos < end:
        span = match(_UNANCHORED, data, pos, end)[0]
        if span[0] < 0:
            break
        found.append(span)
        pos = data.find(b"\n", span[1])
        if pos < 0:
            break
    return found


class _NeedsFullScan(Exception):
    """A candidate-line match left its run of lines (a rule without ``spans_lines`` should
    not): pick the candidate lines from the whole chunk instead."""


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
        line_rules = [r for r in rules if not r.multiline]
        self._max_carry = max_carry
        self._multi = tuple(_compile(r) for r in rules if r.multiline)
        self._line = _link_judged_after(tuple(_compile(r) for r in line_rules))
        self._scan = self._build_scan(line_rules)
        # Where these occur the keywords stop being a necessary condition of a match, or a match
        # may run past its line: the candidate lines are then picked the slow, exact way.
        self._unsafe = tuple(
            k.encode("utf-8", "surrogatepass")
            for r in line_rules
            for k in (r.unkeyed + r.keywords if r.spans_lines else r.unkeyed)
        )
        keywords = sorted({k for r in line_rules for k in r.keywords})
        self._keywords = tuple(keywords)
        self._keyword_set = _literal_set(keywords) if keywords else None
        # A replacement can bring in a keyword only inside its placeholder ("<TOKEN>" holds
        # "token"): every other keyword absent before the rules run stays absent.
        self._creatable = frozenset(
            k for k in keywords if "<" in k or ">" in k or any(k in p.lower() for p in PLACEHOLDERS)
        )
        self._keyword_sets = tuple(frozenset(c.rule.keywords) for c in self._line)
        self._keyless = tuple(i for i, c in enumerate(self._line) if not c.rule.keywords)
        self._rules_by_keyword: dict[str, list[int]] = {k: [] for k in keywords}
        for i, c in enumerate(self._line):
            for k in set(c.rule.keywords):
                self._rules_by_keyword[k].append(i)
        self._gate_set: Any = None
        self._gate: Any = None
        self._anchors: Any = None
        if line_rules:
            gate_set = re2.Set.SearchSet(_scan_options())
            for r in line_rules:
                gate_set.Add(_gate_of(r).encode())
            gate_set.Compile()
            self._gate_set = gate_set
            gates = "|".join(_gate_of(r) for r in line_rules)
            self._gate = re2.compile(gates.encode(), options=_scan_options())._regexp
            union = "|".join(_anchor_of(r) for r in line_rules)
            self._anchors = re2.compile(union.encode(), options=_scan_options())._regexp
        # Every gate and every multi-line rule's keywords in one scan: an ASCII text holding none
        # comes back as is without being lowered or split (None: some rule always runs).
        quiet = [_gate_of(r) for r in line_rules]
        for c in self._multi:
            if not c.rule.keywords:
                quiet = []
                break
            quiet.append("(?i:" + "|".join(re2.escape(k) for k in c.rule.keywords) + ")")
        self._quiet: Any = None
        if quiet:
            self._quiet = re2.compile("|".join(quiet).encode(), options=_scan_options())._regexp

    @staticmethod
    def _build_scan(rules: list[Rule]) -> tuple[_ScanGroup, ...]:
        """Small unions of rule patterns (RE2's DFA thrashes on one big union: 5 is measured best).

        Each union carries its rules' keywords (empty: always scan) so a chunk without any of
        them skips the union entirely.
        """
        opts = _scan_options()
        groups: list[_ScanGroup] = []
        for i in range(0, len(rules), _SCAN_GROUP):
            part = rules[i : i + _SCAN_GROUP]
            always = any(not r.keywords for r in part)
            keywords = () if always else tuple(k for r in part for k in r.keywords)
            union = "|".join(_scan_body(r) for r in part)
            groups.append(
                _ScanGroup(
                    keywords,
                    tuple(k.encode("utf-8", "surrogatepass") for k in keywords),
                    re2.compile(union.encode(), options=opts)._regexp,
                    any(r.spans_lines for r in part),
                )
            )
        return tuple(groups)

    # ---- core ----------------------------------------------------------------------------

    def redact(self, text: str) -> RedactionResult:
        """Redact one whole text (any size that fits in memory)."""
        counts: dict[str, int] = {}
        if not text:
            return RedactionResult(text, counts)
        data: bytes | None = None
        # Where the gates' search may start: before the first hit of ``quiet`` there is none.
        first = 0
        quiet = self._quiet
        if quiet is not None:
            data = text.encode("utf-8", "surrogatepass")
            if data.isascii():
                first = quiet.Match(_UNANCHORED, data, 0, len(data))[0][0]
                if first < 0:
                    return RedactionResult(text, counts)
        if self._multi:
            lowered = text.lower()
            before = text
            for c in self._multi:
                if c.rule.keywords:
                    for k in c.rule.keywords:
                        if k in lowered:
                            break
                    else:
                        continue
                text = self._apply(c, text, counts)
            if text is not before:
                data, first = None, 0
        text = self._redact_lines(text, counts, data, first)
        return RedactionResult(text, counts)

    def _redact_lines(
        self, text: str, counts: dict[str, int], data: bytes | None = None, first: int = 0
    ) -> str:
        """``data``: ``text`` encoded, if at hand; ``first``: no gate hit starts before it."""
        if not self._scan:
            return text
        if data is None:
            data = text.encode("utf-8", "surrogatepass")
        # Most texts (paths, messages) hold no rule's gate: nothing can be replaced. ASCII only,
        # where the gates' character classes mean what the validators' checks mean.
        if data.isascii() and self._gate.Match(_UNANCHORED, data, first, len(data))[0][0] < 0:
            return text
        runs = self._anchored_lines(data)
        if not runs:
            return text
        regions: list[tuple[int, int]] | None
        if b"\n" not in data:
            # One line: every rule that can change it also puts it among the candidates.
            regions = runs
        else:
            sub, starts = _sub_text(data, runs)
            regions = self._anchored_lines_suffice(data, runs, sub)
            if regions is None:
                try:
                    regions = self._candidate_regions(data, runs, sub, starts, text)
                except _NeedsFullScan:
                    whole = [(0, len(data))]
                    regions = self._candidate_regions(data, whole, data, [0], text)
        if not regions:
            return text
        pieces = [data[s:e].decode("utf-8", "surrogatepass") for s, e in regions]
        before = "\n".join(pieces)
        joined = self._apply_rules(before, counts)
        out_lines = joined.split("\n")
        if len(out_lines) != before.count("\n") + 1:
            # A replacement joined or split lines: the pieces cannot be put back where they came
            # from. Fail closed rather than misplace redacted text.
            raise RuntimeError("a line rule changed the number of lines; refusing to guess")
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

    def _apply_rules(self, joined: str, counts: dict[str, int]) -> str:
        """The ordered line rules over the joined candidate lines, each behind its keywords."""
        # Rules judged after the same rule share its view of the text until the text changes.
        views: dict[str, Any] = {}
        if self._keyword_set is None or not joined.isascii():
            low = joined.lower()
            for c in self._line:
                if not c.rule.keywords or any(k in low for k in c.rule.keywords):
                    new = self._apply(c, joined, counts, None, views)
                    if new is not joined:
                        joined = new
                        low = joined.lower()
            return joined
        lowered: str | None = joined.lower()
        # ASCII: one pass finds every keyword present. Until a rule changes the text that is the
        # exact answer for every guard; afterwards only those keywords and the ones a
        # placeholder can bring in need looking for.
        data = joined.encode("ascii")
        assert lowered is not None
        found = self._keyword_set.Match(lowered.encode("ascii")) or ()
        present = frozenset(self._keywords[i] for i in found)
        maybe = present | self._creatable
        selected = set(self._keyless)
        for k in maybe:
            selected.update(self._rules_by_keyword[k])
        # A short text also skips the rules whose gate it lacks (they cannot replace anything),
        # asking again after every change.
        small = len(data) <= _SMALL_TEXT and self._gate_set is not None
        anchored: set[int] = set(self._gate_set.Match(data) or ()) if small else set()
        changed = False
        for i in sorted(selected):
            if small and i not in anchored:
                continue
            c = self._line[i]
            keywords = self._keyword_sets[i]
            if not changed:
                if keywords and keywords.isdisjoint(present):
                    continue
            elif keywords:
                if lowered is None:
                    lowered = joined.lower()
                if not any(k in lowered for k in keywords & maybe):
                    continue
            new = self._apply(c, joined, counts, data, views)
            if new is not joined:
                joined = new
                data = joined.encode("ascii")
                lowered = None
                changed = True
                if small:
                    anchored = set(self._gate_set.Match(data) or ())
        return joined

    def _anchored_lines(self, data: bytes) -> list[tuple[int, int]]:
        """Runs of consecutive lines holding an anchor hit, as byte ranges without the final
        line break. One hit per line is enough: the search resumes at the line's end."""
        match = self._anchors.Match
        end = len(data)
        runs: list[tuple[int, int]] = []
        pos = 0
        while pos < end:
            s, e = match(_UNANCHORED, data, pos, end)[0]
            if s < 0:
                break
            ls = data.rfind(b"\n", 0, s) + 1
            le = data.find(b"\n", max(e - 1, s))
            if le < 0:
                le = end
            if runs and ls <= runs[-1][1] + 1:
                runs[-1] = (runs[-1][0], max(le, runs[-1][1]))
            else:
                runs.append((ls, le))
            pos = le if le > pos else pos + 1
        return runs

    def _anchored_lines_suffice(
        self, data: bytes, runs: list[tuple[int, int]], sub: bytes
    ) -> list[tuple[int, int]] | None:
        """The anchored lines themselves when the rules cannot tell them from the exact
        candidate lines (None: they could; pick those exactly).

        Lines with an anchor but no rule-group match never change (no rule matches them), and
        with keywords a necessary condition (ASCII text, no ``unkeyed`` literal) they cannot
        turn a rule's keyword guard on for other lines either. What remains is the first line:
        ``^`` matches at the start of the joined lines, so it must be the first exact candidate
        line too. Leading lines no group matches are dropped; a match starting on the line break
        before the first line (which makes the line before a candidate) means: pick exactly.
        """
        if not sub.isascii():
            return None
        lowered = sub.lower()
        if any(k in lowered for k in self._unsafe):
            return None
        for _ in range(8):
            rs, re_ = runs[0]
            le = data.find(b"\n", rs, re_)
            le = re_ if le < 0 else le
            scope = data[rs - 1 : le] if rs > 0 else data[:le]
            matched = False
            for group in self._scan:
                start = group.program.Match(_UNANCHORED, scope, 0, len(scope))[0][0]
                if start == 0 and rs > 0:
                    return None
                matched = matched or start >= 0
            if matched:
                return runs
            runs = runs[1:] if le >= re_ else [(le + 1, re_), *runs[1:]]
            if not runs:
                return []
        return None

    def _candidate_regions(
        self,
        data: bytes,
        runs: list[tuple[int, int]],
        sub: bytes,
        starts: list[int],
        text: str,
    ) -> list[tuple[int, int]]:
        """The line ranges a scan of the whole chunk by the rule groups would pick.

        The groups scan only ``runs`` (each with the line break before it, so ``^`` and
        boundaries see what they would in the chunk); match offsets are mapped back to the chunk.
        Sound because a line without an anchor holds no match, and a rule's match stays on one
        line and the line break before it, except for ``spans_lines`` rules: their groups scan
        the whole chunk. (A match leaving its run anyway raises :class:`_NeedsFullScan`.)
        """
        sub_lower: bytes | None = None
        chunk_lower: str | None = None
        end = len(data)
        spans: list[tuple[int, int]] = []
        for group in self._scan:
            if group.spans_lines:
                # Its matches may run on into lines without an anchor: scan the whole chunk.
                found = [spans[0] for spans in _spans(group.program, data)]
            else:
                found = _first_per_line(group.program, sub)
            if not found:
                continue
            if group.keywords:
                # The chunk holds a keyword if the candidate lines do (ASCII lowering is
                # enough to prove presence); otherwise ask the chunk itself.
                if sub_lower is None:
                    sub_lower = sub.lower()
                if not any(k in sub_lower for k in group.keys):
                    if chunk_lower is None:
                        chunk_lower = text.lower()
                    if not any(k in chunk_lower for k in group.keywords):
                        continue
            last_end = -1
            for span in found:
                s, e = span if group.spans_lines else _to_chunk(span, starts, runs)
                if s < last_end:
                    continue
                ls = data.rfind(b"\n", 0, s) + 1
                le = data.find(b"\n", max(e - 1, s))
                le = end if le < 0 else le
                spans.append((ls, le))
                last_end = le
        spans.sort()
        regions: list[tuple[int, int]] = []
        for ls, le in spans:
            if regions and ls <= regions[-1][1]:
                regions[-1] = (regions[-1][0], max(le, regions[-1][1]))
            else:
                regions.append((ls, le))
        return regions

    @staticmethod
    def _apply(
        c: _Compiled,
        text: str,
        counts: dict[str, int],
        ascii_data: bytes | None = None,
        views: dict[str, Any] | None = None,
    ) -> str:
        """``views``: :func:`_judged_view` results by rule name, each with the text it is of."""
        rule = c.rule
        # What the rule looks at: the text itself, or (judged_after) the text as the later rule
        # will leave it, whose offsets ``shifts`` maps back.
        seen, seen_data = text, ascii_data
        view = None
        if c.after is not None:
            known = views.get(c.after.rule.name) if views is not None else None
            if known is not None and known[0] is text:
                view = known[1]
            else:
                view = _judged_view(c.after, text, ascii_data)
                if views is not None:
                    views[c.after.rule.name] = (text, view)
        if view is not None:
            seen, seen_data, token_starts, shifts = view
        parts: list[str] = []
        pos = 0
        n = 0
        for spans in _matches(c, seen, seen_data):
            gi = _replaced_group(c, seen, spans)
            if gi < 0:
                continue
            start, end = spans[gi]
            value = seen[start:end]
            if view is not None:
                k = bisect.bisect_left(token_starts, start)
                if k < len(token_starts) and token_starts[k] < end:
                    # Rules with judged_after never match "<" or ">", so never a placeholder.
                    raise RuntimeError(f"{rule.name} matched across a placeholder")
                start, end = start + shifts[k], end + shifts[k]
            if start < pos:
                continue
            if rule.name == "header.cookie":
                replacement, k = _cookie_values(value, rule.placeholder)
                if not k:
                    continue
            elif "\n" in value and (rule.spans_lines or c.prefix is not None):
                # Never join lines: the output keeps the input's line structure.
                per_line = _per_line(value, rule.placeholder, c.prefix)
                replacement, k = per_line or rule.placeholder, 1
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


def _to_chunk(
    span: tuple[int, int], starts: list[int], runs: list[tuple[int, int]]
) -> tuple[int, int]:
    """A match span in the candidate sub-text -> the same span in the chunk.

    The byte before each run in the sub-text is a line break standing for the one before the
    run in the chunk; a match may start there but must end inside the same run.
    """
    s, e = span
    k = bisect.bisect_right(starts, s) - 1
    if k < 0 or s >= starts[k] + (runs[k][1] - runs[k][0]):
        k += 1  # the line break before run k
        chunk_s = runs[k][0] - 1
    else:
        chunk_s = runs[k][0] + (s - starts[k])
    if e - 1 >= starts[k] + (runs[k][1] - runs[k][0]):
        raise _NeedsFullScan
    chunk_e = runs[k][0] + (e - starts[k])
    return chunk_s, chunk_e


def _matches(c: _Compiled, text: str, ascii_data: bytes | None) -> Iterable[Any]:
    """Every match's group spans (``ascii_data``: ``text`` encoded, when ASCII)."""
    if ascii_data is not None and c.program is not None:
        # ASCII: byte offsets are character offsets.
        return _spans(c.program, ascii_data)
    n_groups = c.ngroups + 1
    return ([m.span(i) for i in range(n_groups)] for m in c.regex.finditer(text))


def _replaced_group(c: _Compiled, text: str, spans: list[tuple[int, int]]) -> int:
    """The group a match replaces (0: the whole match), -1 when the rule keeps the match
    (as :meth:`Redactor._apply` decides)."""
    gi = 0
    for g in c.groups:
        if spans[g][0] >= 0:
            gi = g
            break
    if gi == 0 and c.groups:
        return -1
    start, end = spans[gi]
    value = text[start:end]
    if not value or value.strip() in PLACEHOLDERS:
        return -1
    rule = c.rule
    if rule.check_placeholder and is_placeholder_value(value):
        return -1
    if rule.validator is not None and not rule.validator(_View(text, spans, gi, c.names), value):
        return -1
    return gi


def _judged_view(
    after: _Compiled, text: str, ascii_data: bytes | None
) -> tuple[str, bytes | None, list[int], list[int]] | None:
    """``text`` as ``after`` leaves it, each replacement (from its match's start, bar leading
    whitespace) written as its placeholder; None when ``after`` replaces nothing.

    Also returns where each placeholder starts in that view and, for a view offset with ``k``
    placeholders before it, ``shifts[k]`` to add to get the offset in ``text``.
    A placeholder already in the text is read as a value of the rule (``<USER>`` as ``xUSERx``,
    same length): a prefix it follows (``/home/<USER>``) is then masked as on the first pass.
    """
    placeholder = after.rule.placeholder
    probe = text
    if placeholder in text:
        probe = text.replace(placeholder, "x" + placeholder[1:-1] + "x")
    probe_data = ascii_data if probe is text else None
    if ascii_data is not None and probe_data is None:
        probe_data = probe.encode("ascii")
    parts: list[str] = []
    token_starts: list[int] = []
    shifts = [0]
    pos = 0
    size = 0
    for spans in _matches(after, probe, probe_data):
        gi = _replaced_group(after, probe, spans)
        if gi < 0:
            continue
        start, end = spans[0][0], spans[gi][1]
        while start < spans[gi][0] and probe[start].isspace():
            # A left boundary the match consumed (" ~jdoe", "\n~jdoe") stays: a line break kept
            # keeps each line's view its own.
            start += 1
        if start < pos:
            continue
        parts.append(text[pos:start])
        size += start - pos
        token_starts.append(size)
        parts.append(placeholder)
        size += len(placeholder)
        shifts.append(shifts[-1] + (end - start) - len(placeholder))
        pos = end
    if not token_starts:
        return None
    parts.append(text[pos:])
    seen = "".join(parts)
    return seen, (seen.encode("ascii") if ascii_data is not None else None), token_starts, shifts


def _link_judged_after(line: tuple[_Compiled, ...]) -> tuple[_Compiled, ...]:
    """``line`` with each rule's :attr:`Rule.judged_after` rule attached when it is enabled."""
    order = {c.rule.name: i for i, c in enumerate(line)}
    out: list[_Compiled] = []
    for i, c in enumerate(line):
        name = c.rule.judged_after
        if name and name in order:
            if order[name] <= i:
                raise ValueError(f"{c.rule.name}: judged_after {name!r} must be a later rule")
            c = dataclasses.replace(c, after=line[order[name]])
        out.append(c)
    return tuple(out)


class _View:
    """A match seen from its replaced group: start()/end() are the group's, group() any group."""

    __slots__ = ("_gi", "_names", "_spans", "string")

    def __init__(
        self, text: str, spans: list[tuple[int, int]], gi: int, names: dict[str, int]
    ) -> None:
        self.string, self._spans, self._gi, self._names = text, spans, gi, names

    def start(self) -> int:
        return self._spans[self._gi][0]

    def end(self) -> int:
        return self._spans[self._gi][1]

    def group(self, g: int | str = 0) -> Any:
        s, e = self._spans[g if isinstance(g, int) else self._names[g]]
        return None if s < 0 else self.string[s:e]


def _shorten_repeat(m: re.Match[str]) -> str:
    low = int(m.group(1))
    return m.group(0) if low <= 40 else "{40,}"
