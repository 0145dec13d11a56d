"""Pure trace analysis behind the span tree (and the CLI): no textual, no rich.

* ``TraceTree``: one trace's structure at one store version — children sorted
  by start time, a preorder array with subtree extents, so collapsing a node
  is an index jump and flattening costs O(visible rows).
* ``flatten``: the visible rows for a set of collapsed nodes and an optional
  filter (matches plus their ancestors), with tree-guide information.
* ``analyze``: the critical path and the HOTSPOT rule (``HOTSPOT_RULE``).
* ``parse_filter``: the ``/`` query language (``FILTER_HELP``).
* ``fmt_duration`` / ``fmt_tokens`` / ``fmt_cost`` / ``parse_duration`` and
  ``span_summary`` (the key attributes shown inline per span kind).
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from .model import Span, SpanKind, Status

__all__ = [
    "ERROR_STATUSES",
    "FILTER_HELP",
    "HOTSPOT_RULE",
    "HOTSPOT_SHARE",
    "FilterError",
    "FilterResult",
    "Rows",
    "SpanFilter",
    "TraceAnalysis",
    "TraceTree",
    "analyze",
    "flatten",
    "fmt_cost",
    "fmt_duration",
    "fmt_tokens",
    "parse_duration",
    "parse_filter",
    "span_end",
    "span_summary",
]

#: Statuses counted as failures (the store's error totals count the same).
ERROR_STATUSES = frozenset({Status.ERROR, Status.TIMEOUT})


# -- formatting ---------------------------------------------------------------


def fmt_duration(ns: int | float) -> str:
    """A short human duration: ``850ns``, ``12µs``, ``3.4ms``, ``1.23s``, ``2m05s``, ``1h02m``."""
    ns = max(0, int(ns))
    if ns < 1_000:
        return f"{ns}ns"
    if ns < 1_000_000:
        us = ns / 1_000
        return f"{us:.1f}µs" if us < 10 else f"{us:.0f}µs"
    if ns < 1_000_000_000:
        ms = ns / 1_000_000
        return f"{ms:.1f}ms" if ms < 10 else f"{ms:.0f}ms"
    s = ns / 1_000_000_000
    if s < 10:
        return f"{s:.2f}s"
    if s < 60:
        return f"{s:.1f}s"
    total = int(s)
    if total < 3600:
        return f"{total // 60}m{total % 60:02d}s"
    if total < 86400:
        return f"{total // 3600}h{(total % 3600) // 60:02d}m"
    return f"{total // 86400}d{(total % 86400) // 3600:02d}h"


def fmt_tokens(n: int | float) -> str:
    """Token counts: ``950``, ``1.2k``, ``12k``, ``3.4M``."""
    n = int(n)
    sign = "-" if n < 0 else ""
    n = abs(n)
    if n < 1000:
        return f"{sign}{n}"
    if n < 10_000:
        return f"{sign}{n / 1000:.1f}k"
    if n < 1_000_000:
        return f"{sign}{n // 1000}k"
    if n < 10_000_000:
        return f"{sign}{n / 1_000_000:.1f}M"
    return f"{sign}{n // 1_000_000}M"


def fmt_cost(usd: float | None) -> str:
    """Dollars with enough digits to tell small LLM costs apart; ``?`` when unknown."""
    if usd is None or not math.isfinite(usd):
        return "$?"
    a = abs(usd)
    if a == 0:
        return "$0"
    if a < 0.01:
        return f"${usd:.4f}"
    if a < 100:
        return f"${usd:.2f}"
    return f"${usd:,.0f}"


_DUR_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "min": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_DUR_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-zµμ]*)\s*$", re.IGNORECASE)


def parse_duration(text: str) -> int:
    """``"2s"``, ``"100ms"``, ``"1.5m"``, ``"250us"`` -> nanoseconds (a bare number is seconds)."""
    m = _DUR_RE.match(text)
    if not m:
        raise ValueError(f"not a duration: {text!r} (try 2s, 100ms, 1.5m)")
    unit = m.group(2).lower() or "s"
    if unit not in _DUR_UNITS:
        raise ValueError(f"unknown duration unit {m.group(2)!r} (ns, us, ms, s, m, h)")
    return int(float(m.group(1)) * _DUR_UNITS[unit])


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


def span_end(span: Span, now_ns: int) -> int:
    """End of a span, ``now_ns`` while it runs (never before its start)."""
    end = span.end_ns if span.end_ns is not None else now_ns
    return end if end >= span.start_ns else span.start_ns


def span_summary(span: Span, limit: int = 80) -> list[tuple[str, str]]:
    """The key attributes shown inline for a span, per kind, as (label, value) pairs.

    Values are raw (untrusted) strings: the caller makes them safe for display.
    llm: model, tokens in→out, stop reason, cached; tool: tool, action, target,
    status; agent: name, iteration, state; rag: query, hits; file: operation,
    path; cost when known.
    """
    out: list[tuple[str, str]] = []

    def add(label: str, value: Any) -> None:
        if value is None or value == "":
            return
        s = value if isinstance(value, str) else str(value)
        if len(s) > limit:
            s = s[: limit - 1] + "…"
        out.append((label, s))

    llm = span.llm
    if llm is not None:
        add("", llm.model)
    u = span.usage
    if u is not None and (u.input or u.output):
        tok = f"{fmt_tokens(u.input)}→{fmt_tokens(u.output)}"
        if u.scope == "subtree":
            tok += " Σ"
        if u.estimated:
            tok = "~" + tok
        add("tok", tok)
        if u.cache_read:
            add("cache", fmt_tokens(u.cache_read))
    if llm is not None:
        add("stop", llm.stop_reason)
        if llm.cached:
            add("", "cached")
    t = span.tool
    if t is not None:
        add("tool", t.name)
        add("", t.action)
        add("", t.target)
        if t.status and t.status.lower() not in ("ok", "success"):
            add("status", t.status)
    a = span.agent
    if a is not None:
        add("agent", a.name)
        if a.iteration is not None:
            add("iter", a.iteration)
        add("state", a.state)
    r = span.rag
    if r is not None:
        if r.query:
            add("query", f"\u201c{r.query}\u201d")
        if r.sources_found is not None:
            add("hits", r.sources_found)
        if r.top_score is not None:
            add("score", f"{r.top_score:.2f}")
    f = span.file
    if f is not None:
        add("", f.operation)
        add("", f.path)
    c = span.cost
    if c is not None and c.total:
        add("", fmt_cost(c.total))
    return out


# -- structure ----------------------------------------------------------------


class TraceTree:
    """The shape of one trace at one store version.

    ``order`` is the preorder of all spans (children sorted by start time,
    then id); for preorder index ``i``: ``depth[i]``, ``parent[i]`` (preorder
    index, -1 for a top-level span) and ``end[i]`` (one past the last index
    of its subtree, so skipping a collapsed subtree is ``i = end[i]``).
    Orphans (parent not arrived) are top-level; spans caught in a parent
    cycle are appended as top-level spans too, so every span is shown once.
    """

    __slots__ = ("version", "order", "index", "depth", "parent", "end", "spans", "errors")

    def __init__(
        self,
        spans: Mapping[str, Span],
        children: Mapping[str | None, list[str]],
        roots: Iterable[str],
        version: int = 0,
    ) -> None:
        self.version = version
        self.spans = spans
        order: list[str] = []
        depth: list[int] = []
        parent: list[int] = []
        index: dict[str, int] = {}

        def key(sid: str) -> tuple[int, str]:
            s = spans.get(sid)
            return (s.start_ns if s is not None else 0, sid)

        def walk(top: list[str]) -> None:
            stack: list[tuple[str, int, int]] = [(sid, 0, -1) for sid in reversed(top)]
            while stack:
                sid, d, p = stack.pop()
                if sid in index or sid not in spans:
                    continue  # a cycle or a duplicate id in a children list
                i = len(order)
                index[sid] = i
                order.append(sid)
                depth.append(d)
                parent.append(p)
                kids = children.get(sid)
                if kids:
                    ordered = sorted(kids, key=key) if len(kids) > 1 else kids
                    for k in reversed(ordered):
                        if k not in index:
                            stack.append((k, d + 1, i))

        walk(sorted(dict.fromkeys(roots), key=key))
        if len(order) < len(spans):
            # Unreachable from any root: a parent cycle. Show them top-level.
            walk(sorted((s for s in spans if s not in index), key=key))
        n = len(order)
        size = [1] * n
        for i in range(n - 1, 0, -1):
            p = parent[i]
            if p >= 0:
                size[p] += size[i]
        self.order = order
        self.index = index
        self.depth = depth
        self.parent = parent
        self.end = [i + size[i] for i in range(n)]
        self.errors = [i for i, sid in enumerate(order) if spans[sid].status in ERROR_STATUSES]

    @classmethod
    def from_trace(cls, trace: Any) -> "TraceTree":
        """Build from a store ``TraceEntry``."""
        return cls(trace.spans, trace.children, trace.roots(), trace.version)

    def __len__(self) -> int:
        return len(self.order)

    def children_of(self, i: int) -> list[int]:
        """Preorder indexes of the children of preorder index ``i`` (in order)."""
        out = []
        j, stop, end = i + 1, self.end[i], self.end
        while j < stop:
            out.append(j)
            j = end[j]
        return out

    def ancestors(self, sid: str) -> list[str]:
        """Ids of the ancestors of ``sid``, nearest first."""
        out = []
        i = self.index.get(sid, -1)
        if i < 0:
            return out
        p = self.parent[i]
        while p >= 0:
            out.append(self.order[p])
            p = self.parent[p]
        return out

    def parents_with_children(self) -> set[str]:
        return {self.order[i] for i in range(len(self.order)) if self.end[i] > i + 1}


@dataclass(slots=True)
class Rows:
    """The visible rows: parallel lists indexed by row number."""

    ids: list[str] = field(default_factory=list)
    pre: list[int] = field(default_factory=list)  # preorder index of each row
    depth: list[int] = field(default_factory=list)
    parent_row: list[int] = field(default_factory=list)
    last: list[bool] = field(default_factory=list)  # last visible child of its parent
    #: 0 leaf, 1 expanded, 2 collapsed (has hidden children)
    disclosure: list[int] = field(default_factory=list)
    row_of: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def guides(self, row: int, max_levels: int = 64) -> str:
        """Tree guides for a row: two cells per level (``│ ``, ``├─``, ``└─``, spaces)."""
        d = self.depth[row]
        if d == 0:
            return ""
        parts = ["└─" if self.last[row] else "├─"]
        p = self.parent_row[row]
        levels = 1
        while p >= 0 and self.depth[p] > 0 and levels < max_levels:
            parts.append("  " if self.last[p] else "│ ")
            p = self.parent_row[p]
            levels += 1
        if d > levels:
            parts.append("⋯ ")  # deeper than we draw: elide the outer levels
        parts.reverse()
        return "".join(parts)


def flatten(tree: TraceTree, collapsed: set[str] | frozenset[str] = frozenset(), visible: set[str] | None = None) -> Rows:
    """Visible rows of ``tree``: collapsed nodes hide their subtree, and with
    ``visible`` (matches plus their ancestors) every other span is hidden.

    O(visible rows + collapsed-subtree jumps); children keep start-time order.
    """
    rows = Rows()
    order, end, depth, parent = tree.order, tree.end, tree.depth, tree.parent
    ids, pre, rdepth, prow, disc, row_of = rows.ids, rows.pre, rows.depth, rows.parent_row, rows.disclosure, rows.row_of
    row_at_pre: dict[int, int] = {}
    n = len(order)
    i = 0
    while i < n:
        sid = order[i]
        if visible is not None and sid not in visible:
            i = end[i]
            continue
        r = len(ids)
        ids.append(sid)
        pre.append(i)
        rdepth.append(depth[i])
        p = parent[i]
        prow.append(row_at_pre.get(p, -1) if p >= 0 else -1)
        row_at_pre[i] = r
        row_of[sid] = r
        has_kids = end[i] > i + 1
        if has_kids and visible is not None:
            has_kids = any(order[j] in visible for j in tree.children_of(i))
        if not has_kids:
            disc.append(0)
            i = end[i] if visible is not None else i + 1
        elif sid in collapsed:
            disc.append(2)
            i = end[i]
        else:
            disc.append(1)
            i += 1
    # A row is the last visible child of its parent when no later row shares that parent.
    m = len(ids)
    last = [False] * m
    seen: set[int] = set()
    for r in range(m - 1, -1, -1):
        p = prow[r]
        if p not in seen:
            last[r] = True
            seen.add(p)
    rows.last = last
    return rows


# -- critical path and hotspots -----------------------------------------------

#: Share of the trace's duration that makes a critical span a HOTSPOT.
HOTSPOT_SHARE = 0.20

HOTSPOT_RULE = """\
Critical path: walking back from the end of the trace, the chain of spans the
trace actually waited on — at each span, the child that finished last, then
the child that finished last before that one started, and so on (parallel
siblings that finished earlier are off the path). Marked ● in the tree.

HOTSPOT: a span on the critical path whose critical time (the part of the
path inside it) is at least 20 % of the trace's duration, and which is not
merely the parent of a hotspot: when one of its critical children also takes
>= 20 %, the mark moves down to that child, unless the parent's own critical
time outside its critical children is itself >= 20 %. The trace's top span
is marked only for its own time. Traces with a single span have no hotspot."""


@dataclass(slots=True)
class TraceAnalysis:
    """Critical path and hotspots of one trace at one time."""

    start_ns: int = 0
    end_ns: int = 0
    #: span id -> critical time (ns of the critical path inside its subtree)
    critical: dict[str, int] = field(default_factory=dict)
    #: span id -> critical time spent in the span itself, not in a critical child
    self_ns: dict[str, int] = field(default_factory=dict)
    hotspots: frozenset[str] = frozenset()

    @property
    def duration_ns(self) -> int:
        return max(0, self.end_ns - self.start_ns)


def analyze(tree: TraceTree, now_ns: int, share: float = HOTSPOT_SHARE) -> TraceAnalysis:
    """Critical path (see ``HOTSPOT_RULE``) and hotspots; O(n log n), no recursion."""
    spans, order, end = tree.spans, tree.order, tree.end
    n = len(order)
    res = TraceAnalysis()
    if n == 0:
        return res
    starts = [spans[sid].start_ns for sid in order]
    ends = [span_end(spans[sid], now_ns) for sid in order]
    t0 = min(starts)
    t1 = max(ends)
    res.start_ns, res.end_ns = t0, t1
    tops = [i for i in range(n) if tree.parent[i] < 0]
    crit: dict[int, int] = {}
    crit_kids: dict[int, list[int]] = {}

    def pick(kids: list[int], seg_start: int, seg_end: int, owner: int, stack: list[tuple[int, int, int]]) -> None:
        # Last-finishing child first; then the last one that finished before it started.
        cursor = seg_end
        for c in sorted(kids, key=lambda c: (ends[c], -starts[c]), reverse=True):
            if cursor <= seg_start:
                break
            if starts[c] >= cursor:
                continue
            stack.append((c, min(ends[c], cursor), owner))
            cursor = starts[c]

    stack: list[tuple[int, int, int]] = []
    pick(tops, t0, t1, -1, stack)
    while stack:
        i, limit, owner = stack.pop()
        seg_end = min(ends[i], limit)
        crit[i] = max(0, seg_end - starts[i])
        crit_kids.setdefault(owner, []).append(i)
        kids = tree.children_of(i) if end[i] > i + 1 else []
        if kids:
            pick(kids, starts[i], seg_end, i, stack)
    total = t1 - t0
    threshold = share * total
    selfs = {i: max(0, c - sum(crit[k] for k in crit_kids.get(i, ()))) for i, c in crit.items()}
    hot: set[str] = set()
    if n > 1 and total > 0:
        for i, c in crit.items():
            if c < threshold:
                continue
            big_kid = any(crit[k] >= threshold for k in crit_kids.get(i, ()))
            top = tree.parent[i] < 0
            if selfs[i] >= threshold or (not big_kid and not top):
                hot.add(order[i])
    res.critical = {order[i]: c for i, c in crit.items()}
    res.self_ns = {order[i]: s for i, s in selfs.items()}
    res.hotspots = frozenset(hot)
    return res


# -- filter language ------------------------------------------------------------

FILTER_HELP = """\
Free text matches names and attribute values (case-insensitive substring).
Field terms, all combined with AND; prefix a term with - to negate it:
  status:error|ok|running|cancelled|timeout   kind:llm|tool|agent|rag|file|...
  model:gpt-4o  provider:openai  tool:grep  name:plan  agent:coder
  session:x  path:/src  id:abc
  dur>2s  dur<100ms  cost>0.01  tokens>1000   (also >= and <=)
Quote text with spaces: name:"vector search"."""


class FilterError(ValueError):
    """A query term that cannot be understood; the message says why."""


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
        for p in self._preds:
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
            kinds = _KIND_ALIASES.get(v)
            if kinds is None:
                exact = [k for k in SpanKind if k.value == v] or [k for k in SpanKind if k.value.startswith(v)]
                if not exact:
                    names = sorted({*_KIND_ALIASES, *(k.value for k in SpanKind)})
                    raise FilterError(f"unknown kind {value!r}; try {', '.join(names)}")
                kinds = tuple(exact)
            return lambda s, now: s.kind in kinds
        if fname == "model":
            return lambda s, now: s.llm is not None and _sub(s.llm.model, v)
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
    # numeric fields
    if op in (":", "="):
        raise FilterError(f"{tok!r}: compare with > or <, e.g. {fname}>{value}")
    try:
        if fname in ("dur", "duration"):
            limit = float(parse_duration(value))
            return lambda s, now: _cmp(op, span_end(s, now) - s.start_ns, limit)
        if fname == "cost":
            amount = _parse_money(value)
            return lambda s, now: s.cost is not None and s.cost.total is not None and _cmp(op, s.cost.total, amount)
        count = _parse_count(value)
        return lambda s, now: s.usage is not None and _cmp(op, s.usage.sum, count)
    except ValueError as e:
        raise FilterError(f"{tok!r}: {e}") from None


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
