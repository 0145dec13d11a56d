"""The ``/`` filter language (``FILTER_HELP``): parsing and matching spans.

Shared by the span tree and the command line, so a query means the same in both.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# The one duration grammar of every command and the filter (``dur>2s``).
from ..format.timeparse import parse_duration
from ..model import Span, SpanKind, Status, span_flags
from .tree import TraceTree, span_end


def _parse_count(text: str) -> float:
    m = re.match(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([kKmM]?)\s*$", text)
    if not m:
        raise ValueError(f"not a number: {text!r} (try 1000, 1.5k, 2M)")
    mult = {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()]
    return float(m.group(1)) * mult


def _parse_money(text: str) -> float:
    t = text.strip().lstrip("$")
    try:
        v = float(t)
    except ValueError:
        raise ValueError(f"not an amount: {text!r} (try 0.01 or $0.5)") from None
    if not math.isfinite(v):
        raise ValueError(f"not an amount: {text!r}")
    return v


FILTER_HELP = """\
Free text matches names and attribute values (case-insensitive substring).
Field terms, all combined with AND; prefix a term with - to negate it:
  status:error|ok|running|cancelled|timeout   kind:llm|tool|agent|rag|file|...
  model:gpt-4o (exact; model:gpt-4o* for a prefix)  provider:openai  tool:grep
  name:plan  agent:coder
  session:x  path:/src  id:abc
  dur>2s  dur<100ms  cost>0.01  tokens>1000   (also >= and <=, and cost:>0.01)
  cost:? (unknown cost, shown $?)  cost:~ (from estimated tokens, shown ≈)
Quote text with spaces: name:"vector search"."""


class FilterError(ValueError):
    """A query term that cannot be understood; the message says why."""


def resolve_kinds(name: str) -> tuple[SpanKind, ...]:
    """The span kinds a kind name means, the same in the UI filter and the CLI:
    an alias (llm, tool, file, rag, ...), a kind (llm_call), or a kind's prefix."""
    v = name.strip().lower()
    kinds = _KIND_ALIASES.get(v)
    if kinds is not None:
        return kinds
    exact = [k for k in SpanKind if k.value == v] or [k for k in SpanKind if k.value.startswith(v)]
    if not exact or not v:
        names = sorted({*_KIND_ALIASES, *(k.value for k in SpanKind)})
        raise FilterError(f"unknown kind {name!r}; try {', '.join(names)}")
    return tuple(exact)


def model_matches(model: str | None, pattern: str) -> bool:
    """Model matching, the same in the UI filter and the CLI: exact (ignoring
    case) by default, a prefix when the pattern ends with ``*`` (gpt-4o*)."""
    if model is None:
        return False
    m, p = model.lower(), pattern.lower()
    return m.startswith(p[:-1]) if p.endswith("*") else m == p


@dataclass(frozen=True, slots=True)
class FilterResult:
    """What ``set_filter`` reports: how many spans match, or why the query is bad."""

    matches: int
    error: str | None = None


_KIND_ALIASES: dict[str, tuple[SpanKind, ...]] = {
    "llm": (SpanKind.LLM_CALL,),
    "tool": (SpanKind.TOOL_EXECUTION,),
    "file": (SpanKind.FILE_READ, SpanKind.FILE_WRITE),
    "memory": (SpanKind.MEMORY_RETRIEVAL, SpanKind.MEMORY_STORE),
    "rag": (SpanKind.RETRIEVAL, SpanKind.MEMORY_RETRIEVAL),
    "embed": (SpanKind.EMBEDDING,),
    "api": (SpanKind.API_CALL,),
    "code": (SpanKind.CODE_EXECUTION,),
    "verify": (SpanKind.VERIFICATION,),
}
_STATUS_ALIASES: dict[str, tuple[Status, ...]] = {
    "error": (Status.ERROR, Status.TIMEOUT),
    "err": (Status.ERROR, Status.TIMEOUT),
    "failed": (Status.ERROR, Status.TIMEOUT),
    "ok": (Status.OK,),
    "running": (Status.RUNNING,),
    "cancelled": (Status.CANCELLED,),
    "canceled": (Status.CANCELLED,),
    "timeout": (Status.TIMEOUT,),
}
_TEXT_FIELDS = ("model", "provider", "tool", "name", "session", "agent", "path", "id")
_NUM_FIELDS = ("dur", "duration", "cost", "tokens", "tok")
_FIELDS = ("status", "kind", *_TEXT_FIELDS, *_NUM_FIELDS)
_TERM_RE = re.compile(r"(-?)([A-Za-z_]+)(>=|<=|:|>|<|=)(.*)", re.DOTALL)
_CMP_PREFIX = re.compile(r">=|<=|>|<")
#: How a numeric field reads its value (ValueError when it cannot), and a value to show in a hint.
_NUM_PARSERS: dict[str, Callable[[str], float]] = {
    "dur": parse_duration, "duration": parse_duration, "cost": _parse_money, "tokens": _parse_count, "tok": _parse_count}
_EXAMPLES = {"dur": "2s", "duration": "2s", "cost": "0.01", "tokens": "1000", "tok": "1000"}


def _tokenize(text: str) -> list[tuple[str, bool]]:
    """Split on whitespace; double quotes group (and are dropped), ``\\"`` escapes.

    Returns (token, literal): a token that *starts* with a quote is literal
    text even if it looks like a field term.
    """
    out: list[tuple[str, bool]] = []
    cur: list[str] = []
    quoted = False
    had = False
    literal = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] == '"':
            cur.append('"')
            had = True
            i += 2
            continue
        if ch == '"':
            if not had:
                literal = True
            quoted = not quoted
            had = True
        elif ch.isspace() and not quoted:
            if had:
                out.append(("".join(cur), literal))
            cur, had, literal = [], False, False
        else:
            cur.append(ch)
            had = True
        i += 1
    if quoted:
        raise FilterError('unbalanced " in query')
    if had:
        out.append(("".join(cur), literal))
    return out


def _haystack(span: Span) -> str:
    """All searchable text of a span, lower-cased, fields separated by NUL."""
    parts: list[str] = [span.name, span.span_id]
    if span.status_message:
        parts.append(span.status_message)
    for part in (span.llm, span.tool, span.agent, span.rag, span.file):
        if part is not None:
            for v in part.__struct_fields__:
                val = getattr(part, v)
                if val is not None and not isinstance(val, bool):
                    s = val if isinstance(val, str) else str(val)
                    parts.append(s[:4096])
    for v in span.attributes.values():
        s = v if isinstance(v, str) else str(v)
        parts.append(s[:4096])
    return "\x00".join(parts).lower()


class SpanFilter:
    """A compiled query: ``matches(span, now_ns)``. Build with ``parse_filter``."""

    __slots__ = ("text", "_preds", "_hay", "session_label")

    def __init__(self, text: str, preds: list[Callable[[Span, int], bool]]) -> None:
        self.text = text
        self._preds = preds
        #: span id -> (span object, haystack); rebuilt when the span object changes
        self._hay: dict[str, tuple[Span, str]] = {}
        #: optional session id -> display label, so session:name works
        self.session_label: Callable[[str], str] | None = None

    @property
    def empty(self) -> bool:
        return not self._preds

    def haystack(self, span: Span) -> str:
        got = self._hay.get(span.span_id)
        if got is not None and got[0] is span:
            return got[1]
        h = _haystack(span)
        if len(self._hay) > 500_000:
            self._hay.clear()
        self._hay[span.span_id] = (span, h)
        return h

    def matches(self, span: Span, now_ns: int = 0) -> bool:
        # A plain loop, not all(<generator>): this runs per span per keystroke.
        for p in self._preds:  # noqa: SIM110
            if not p(span, now_ns):
                return False
        return True


def _cmp(op: str, a: float, b: float) -> bool:
    if op == ">":
        return a > b
    if op == "<":
        return a < b
    if op == ">=":
        return a >= b
    if op == "<=":
        return a <= b
    return a == b


def _sub(value: str | None, needle: str) -> bool:
    return value is not None and needle in value.lower()


def parse_filter(text: str) -> SpanFilter:
    """Compile a query (see ``FILTER_HELP``); raises ``FilterError`` with a clear message."""
    preds: list[Callable[[Span, int], bool]] = []
    flt = SpanFilter(text, preds)
    for tok, literal in _tokenize(text):
        m = None if literal else _TERM_RE.fullmatch(tok)
        if m is None:
            if tok:
                preds.append(_text_pred(flt, tok, literal))
            continue
        neg, fname, op, value = m.group(1) == "-", m.group(2).lower(), m.group(3), m.group(4)
        if fname not in _FIELDS:
            raise FilterError(f"unknown field {fname!r} in {tok!r}; fields: {', '.join(_FIELDS)} (quote it to search text)")
        if op in (":", "=") and fname in _NUM_FIELDS and (cmp := _CMP_PREFIX.match(value)) is not None:
            op, value = cmp.group(0), value[cmp.end():]  # cost:>0.01, as GitHub's search writes it
        if value == "":
            raise FilterError(f"{tok!r} needs a value")
        pred = _field_pred(flt, fname, op, value, tok)
        preds.append(_negate(pred) if neg else pred)
    return flt


def _negate(p: Callable[[Span, int], bool]) -> Callable[[Span, int], bool]:
    return lambda s, now: not p(s, now)


def _text_pred(flt: SpanFilter, tok: str, literal: bool = False) -> Callable[[Span, int], bool]:
    neg = not literal and tok.startswith("-") and len(tok) > 1
    needle = (tok[1:] if neg else tok).lower()

    def pred(s: Span, now: int) -> bool:
        return needle in flt.haystack(s)

    return _negate(pred) if neg else pred


def _field_pred(flt: SpanFilter, fname: str, op: str, value: str, tok: str) -> Callable[[Span, int], bool]:
    if fname in ("status", "kind") or fname in _TEXT_FIELDS:
        if op not in (":", "="):
            raise FilterError(f"{tok!r}: use {fname}:value")
        v = value.lower()
        if fname == "status":
            statuses = _STATUS_ALIASES.get(v)
            if statuses is None:
                raise FilterError(f"unknown status {value!r}; try {', '.join(sorted(_STATUS_ALIASES))}")
            return lambda s, now: s.status in statuses
        if fname == "kind":
            kinds = resolve_kinds(value)
            return lambda s, now: s.kind in kinds
        if fname == "model":
            return lambda s, now: s.llm is not None and model_matches(s.llm.model, v)
        if fname == "provider":
            return lambda s, now: s.llm is not None and _sub(s.llm.provider, v)
        if fname == "tool":
            return lambda s, now: s.tool is not None and _sub(s.tool.name, v)
        if fname == "name":
            return lambda s, now: v in s.name.lower()
        if fname == "agent":
            return lambda s, now: s.agent is not None and _sub(s.agent.name, v)
        if fname == "path":
            return lambda s, now: (s.file is not None and _sub(s.file.path, v)) or (s.tool is not None and _sub(s.tool.target, v))
        if fname == "id":
            return lambda s, now: s.span_id.lower().startswith(v)
        # session: id, or the label the app resolves
        def session_pred(s: Span, now: int) -> bool:
            if v in s.session_id.lower():
                return True
            lab = flt.session_label
            return lab is not None and v in lab(s.session_id).lower()

        return session_pred
    if fname == "cost" and op in (":", "=") and value in ("?", "~"):
        # The calls every sum counts as unpriced ($?) or estimated (≈): the one rule, span_flags.
        flag = 0 if value == "?" else 1
        return lambda s, now: span_flags(s)[flag] == 1
    # numeric fields
    parse = _NUM_PARSERS[fname]
    if op in (":", "="):
        try:
            parse(value)
            example = value
        except ValueError:
            example = _EXAMPLES[fname]
        raise FilterError(f"{tok!r}: compare with > or <, e.g. {fname}>{example}"
                          + (" (or cost:? for unknown costs, cost:~ for estimated ones)" if fname == "cost" else ""))
    try:
        limit = float(parse(value))
    except ValueError as e:
        raise FilterError(f"{tok!r}: {e}") from None
    if fname in ("dur", "duration"):
        return lambda s, now: _cmp(op, span_end(s, now) - s.start_ns, limit)
    if fname == "cost":
        return lambda s, now: s.cost is not None and s.cost.total is not None and _cmp(op, s.cost.total, limit)
    return lambda s, now: s.usage is not None and _cmp(op, s.usage.sum, limit)


def matching_ids(tree: TraceTree, flt: SpanFilter, now_ns: int) -> list[int]:
    """Preorder indexes of the spans that match ``flt`` (sorted)."""
    spans = tree.spans
    return [i for i, sid in enumerate(tree.order) if flt.matches(spans[sid], now_ns)]


def with_ancestors(tree: TraceTree, pre_indexes: Iterable[int]) -> set[str]:
    """Ids of the given spans plus all their ancestors (what a filter shows)."""
    out: set[str] = set()
    order, parent = tree.order, tree.parent
    for i in pre_indexes:
        while i >= 0:
            sid = order[i]
            if sid in out:
                break
            out.add(sid)
            i = parent[i]
    return out


def next_index(sorted_pre: list[int], current: int, forward: bool = True, wrap: bool = True) -> int | None:
    """The next (or previous) preorder index in ``sorted_pre`` after ``current``."""
    if not sorted_pre:
        return None
    if forward:
        k = bisect.bisect_right(sorted_pre, current)
        if k < len(sorted_pre):
            return sorted_pre[k]
        return sorted_pre[0] if wrap else None
    k = bisect.bisect_left(sorted_pre, current) - 1
    if k >= 0:
        return sorted_pre[k]
    return sorted_pre[-1] if wrap else None
