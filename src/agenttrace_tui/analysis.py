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
from itertools import compress, islice
from operator import is_not
from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Iterable, Mapping, Sequence

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
    "TreeBuilder",
    "analyze",
    "flatten",
    "fmt_cost",
    "fmt_duration",
    "fmt_tokens",
    "matching_ids",
    "next_index",
    "parse_duration",
    "parse_filter",
    "span_end",
    "span_summary",
    "with_ancestors",
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
    ties in arrival order); for preorder index ``i``: ``depth[i]``,
    ``parent[i]`` (preorder index, -1 for a top-level span), ``end[i]`` (one
    past the last index of its subtree, so skipping a collapsed subtree is
    ``i = end[i]``). ``errors``
    lists the preorder indexes of failed spans. Orphans (parent not arrived)
    are top-level; spans caught in a parent cycle are appended as top-level
    spans, so every span is shown exactly once. Build with ``TreeBuilder``
    (incremental) or ``TraceTree.from_trace``.
    """

    __slots__ = ("version", "order", "index", "depth", "parent", "end", "spans", "errors")

    def __init__(self) -> None:
        self.version = 0
        self.spans: Mapping[str, Span] = {}
        self.order: list[str] = []
        self.index: dict[str, int] = {}
        self.depth: list[int] = []
        self.parent: list[int] = []
        self.end: list[int] = []
        self.errors: list[int] = []

    def reshaped(self, version: int) -> "TraceTree":
        """The same shape at a newer version (spans changed, none added or moved)."""
        t = TraceTree()
        t.version = version
        t.spans, t.order, t.index, t.depth, t.parent, t.end = self.spans, self.order, self.index, self.depth, self.parent, self.end
        t.errors = self.errors
        return t

    def is_last(self, i: int) -> bool:
        """Is preorder index ``i`` the last child of its parent (or the last top-level span)?"""
        p = self.parent[i]
        return self.end[i] == (self.end[p] if p >= 0 else len(self.order))

    @classmethod
    def from_trace(cls, trace: Any) -> "TraceTree":
        """Build from a store ``TraceEntry`` (or anything with spans/children/roots())."""
        return TreeBuilder().build(trace)

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
        order, end = self.order, self.end
        return {order[i] for i in range(len(order)) if end[i] > i + 1}


class TreeBuilder:
    """Builds ``TraceTree``s of one trace, reusing work between store versions.

    Between two builds it finds the spans that changed by object identity
    (the store replaces a span object on every merge). When no span was
    added or moved (the common "span ended" update) the previous shape is
    reused as is; otherwise only the children lists that gained or lost a
    span are re-sorted and the preorder is redone in one tight O(n) pass.
    """

    __slots__ = ("_known", "_sorted", "_orphan_parents", "_errors", "_running", "_tree", "changed_ids")

    def __init__(self) -> None:
        self._known: dict[str, Span] = {}
        #: parent id (None for roots) -> child ids sorted by start time
        self._sorted: dict[str | None, list[str]] = {}
        #: parent ids named by spans but not (yet) in the trace: their children are top-level
        self._orphan_parents: set[str] = set()
        self._errors: set[str] = set()
        self._running: set[str] = set()
        self._tree: TraceTree | None = None
        #: ids of the spans added or replaced by the last ``build``
        self.changed_ids: list[str] = []

    @property
    def running_ids(self) -> set[str]:
        return self._running

    def build(self, trace: Any) -> TraceTree:
        spans: Mapping[str, Span] = trace.spans
        children: Mapping[str | None, list[str]] = trace.children
        known = self._known
        if len(known) > len(spans):  # spans vanished: cannot happen in the store; start over
            self.__init__()  # type: ignore[misc]
            known = self._known
        changed = _changed_ids(spans, known)
        self.changed_ids = changed
        errors, running = self._errors, self._running
        dirty: set[str | None] = set()
        added: list[Span] = []
        moved = False
        for sid in changed:
            s = spans[sid]
            old = known.get(sid)
            if old is None:
                dirty.add(s.parent_span_id)
                added.append(s)
            elif old.start_ns != s.start_ns or old.parent_span_id != s.parent_span_id:
                dirty.add(old.parent_span_id)
                dirty.add(s.parent_span_id)
                moved = True
            known[sid] = s
            if s.status in ERROR_STATUSES:
                errors.add(sid)
            else:
                errors.discard(sid)
            if s.end_ns is None:
                running.add(sid)
            else:
                running.discard(sid)
        prev = self._tree
        if prev is not None and not dirty:
            tree = prev.reshaped(getattr(trace, "version", 0))
            tree.errors = sorted(tree.index[sid] for sid in errors if sid in tree.index)
            self._tree = tree
            return tree

        if prev is not None and added and not moved:
            tree = self._append(prev, added, spans)
            if tree is not None:
                tree.version = getattr(trace, "version", 0)
                tree.errors = sorted(tree.index[sid] for sid in errors if sid in tree.index)
                self._tree = tree
                return tree

        def start(k: str) -> int:
            return spans[k].start_ns

        sorted_children = self._sorted
        orphans = self._orphan_parents
        for p in dirty:
            src = children.get(p)
            if src:
                sorted_children[p] = sorted(src, key=start) if len(src) > 1 else list(src)
            else:
                sorted_children.pop(p, None)
            if p is not None and p not in spans:
                orphans.add(p)
        orphans.difference_update([p for p in orphans if p in spans or p not in children])
        top = list(sorted_children.get(None, ()))
        for p in orphans:
            top.extend(sorted_children.get(p, ()))
        top.sort(key=start)

        tree = TraceTree()
        tree.version = getattr(trace, "version", 0)
        tree.spans = spans
        order, depth, parent, end = tree.order, tree.depth, tree.parent, tree.end
        _walk(top, sorted_children.get, order, depth, parent, end)
        index = dict(zip(order, range(len(order))))
        if len(index) != len(order) or len(order) != len(spans):
            # A duplicate id in a children list, or spans unreachable from any
            # root (a parent cycle): redo it visiting each span once.
            order.clear(), depth.clear(), parent.clear(), end.clear()
            _walk_guarded(top, sorted_children.get, spans, order, depth, parent, end)
            index = dict(zip(order, range(len(order))))
        tree.index = index
        tree.errors = sorted(index[sid] for sid in errors if sid in index)
        self._tree = tree
        return tree


    def _append(self, prev: TraceTree, added: list[Span], spans: Mapping[str, Span]) -> TraceTree | None:
        """The live-trace fast path: new spans that sort after everything in
        their parent's subtree, under a parent whose subtree ends the preorder
        (the running branch of an agent), are appended in O(added x depth).
        Returns None when any span does not fit; the caller then rebuilds.
        """
        if len(added) > max(64, len(prev.order) // 8):
            return None  # big batches: a full walk is as cheap
        order, index, depth, parent, end = list(prev.order), dict(prev.index), list(prev.depth), list(prev.parent), list(prev.end)
        sorted_children = self._sorted
        orphans = self._orphan_parents
        for s in sorted(added, key=lambda x: x.start_ns):
            sid = s.span_id
            if sid in orphans or sid in sorted_children:
                return None  # it adopts spans that arrived before it
            n = len(order)
            p = s.parent_span_id
            if p is not None and p in index:
                pi = index[p]
                if end[pi] != n:
                    return None  # its parent's subtree is not at the end of the preorder
                d = depth[pi] + 1
            elif p is None or p not in spans:
                pi, d = -1, 0  # a root, or an orphan shown top-level
            else:
                return None  # parent known but not placed (a cycle): rebuild
            kids = sorted_children.get(p)
            if kids and spans[kids[-1]].start_ns > s.start_ns:
                return None  # it sorts before an existing sibling
            if pi < 0 and n:
                r = n - 1
                while parent[r] >= 0:
                    r = parent[r]
                if spans[order[r]].start_ns > s.start_ns:
                    return None  # it sorts before the last top-level span
            order.append(sid)
            index[sid] = n
            depth.append(d)
            parent.append(pi)
            end.append(n + 1)
            a = pi
            while a >= 0:
                end[a] = n + 1
                a = parent[a]
            if kids is None:
                sorted_children[p] = [sid]
            else:
                kids.append(sid)
            if p is not None and p not in spans:
                orphans.add(p)
        tree = TraceTree()
        tree.spans = spans
        tree.order, tree.index, tree.depth, tree.parent, tree.end = order, index, depth, parent, end
        return tree


def _changed_ids(spans: Mapping[str, Span], known: dict[str, Span]) -> list[str]:
    """Ids of spans added or replaced since ``known`` was filled, in C-speed passes.

    The store only ever appends to a trace's span dict (a merge replaces the
    value in place, eviction drops whole traces), and ``known`` is filled in
    the same order, so the two dicts line up position by position: comparing
    values pairwise by identity finds the replaced spans, and the tail beyond
    ``len(known)`` holds the new ones. If the orders ever disagree, fall back
    to a lookup per span.
    """
    n = len(known)
    if n and next(islice(reversed(spans.keys()), len(spans) - n, None), None) != next(reversed(known.keys())):
        return [sid for sid, s in spans.items() if known.get(sid) is not s]
    out = list(compress(spans.keys(), map(is_not, spans.values(), known.values())))
    out.extend(islice(spans.keys(), n, None))
    return out


def _walk(roots: list[str], kids_of: Callable[[str], list[str] | None], order: list[str], depth: list[int], parent: list[int], end: list[int]) -> None:
    """Preorder of a forest, iteratively (deep traces must not hit the recursion limit)."""
    append_o, append_d, append_p, append_e = order.append, depth.append, parent.append, end.append
    its = [iter(roots)]
    owners = [-1]
    d = 0
    while its:
        for sid in its[-1]:
            i = len(order)
            append_o(sid)
            append_d(d)
            append_p(owners[-1])
            append_e(i + 1)
            kids = kids_of(sid)
            if kids:
                its.append(iter(kids))
                owners.append(i)
                d += 1
                break
        else:
            its.pop()
            p = owners.pop()
            if p >= 0:
                end[p] = len(order)
            d -= 1


def _walk_guarded(
    roots: list[str],
    kids_of: Callable[[str], list[str] | None],
    spans: Mapping[str, Span],
    order: list[str],
    depth: list[int],
    parent: list[int],
    end: list[int],
) -> None:
    """Like ``_walk`` but visits each span once and adds unreachable spans as roots."""
    seen: set[str] = set()

    def walk(top: list[str]) -> None:
        stack: list[tuple[str, int, int]] = [(sid, 0, -1) for sid in reversed(top)]
        while stack:
            sid, d, p = stack.pop()
            if p == -2:  # marker: the subtree of preorder index d is complete
                end[d] = len(order)
                continue
            if sid in seen or sid not in spans:
                continue
            seen.add(sid)
            i = len(order)
            order.append(sid)
            depth.append(d)
            parent.append(p)
            end.append(i + 1)
            stack.append(("", i, -2))
            for k in reversed(kids_of(sid) or ()):
                if k not in seen:
                    stack.append((k, d + 1, i))

    walk(roots)
    rest = [s for s in spans if s not in seen]
    if rest:
        walk(sorted(rest, key=lambda k: spans[k].start_ns))


class Rows:
    """The visible rows of a tree: preorder indexes plus what each row shows.

    With no filter and nothing collapsed ``pre`` is simply ``range(n)``, so
    showing a fully expanded 10k-span trace costs nothing to flatten.
    """

    __slots__ = ("tree", "pre", "collapsed", "visible", "_last", "_has_visible_kids")

    def __init__(
        self,
        tree: TraceTree | None = None,
        pre: Sequence[int] = (),
        collapsed: Collection[str] = frozenset(),
        visible: Collection[str] | None = None,
    ) -> None:
        self.tree = tree if tree is not None else TraceTree()
        self.pre = pre
        self.collapsed = collapsed
        self.visible = visible
        self._last: dict[int, bool] | None = None
        self._has_visible_kids: set[int] | None = None
        if visible is not None:
            self._filter_shape()

    def _filter_shape(self) -> None:
        # Under a filter siblings are hidden, so "last child" and "has children"
        # refer to visible rows only.
        parent, pre = self.tree.parent, self.pre
        last: dict[int, bool] = {}
        seen: set[int] = set()
        for r in range(len(pre) - 1, -1, -1):
            p = parent[pre[r]]
            last[pre[r]] = p not in seen
            seen.add(p)
        self._last = last
        vis = self.visible
        index = self.tree.index
        self._has_visible_kids = {parent[i] for i in (index.get(s, -1) for s in vis) if i >= 0 and parent[i] >= 0}

    def __len__(self) -> int:
        return len(self.pre)

    @property
    def ids(self) -> list[str]:
        order = self.tree.order
        return [order[i] for i in self.pre]

    def sid(self, row: int) -> str:
        return self.tree.order[self.pre[row]]

    def row_of(self, sid: str | None) -> int:
        """Row showing ``sid``, or -1 when it is hidden (or unknown)."""
        i = self.tree.index.get(sid, -1) if sid is not None else -1
        if i < 0:
            return -1
        pre = self.pre
        if isinstance(pre, range):
            return i if i in pre else -1
        r = bisect.bisect_left(pre, i)
        return r if r < len(pre) and pre[r] == i else -1

    def depth(self, row: int) -> int:
        return self.tree.depth[self.pre[row]]

    def parent_row(self, row: int) -> int:
        p = self.tree.parent[self.pre[row]]
        return self.row_of(self.tree.order[p]) if p >= 0 else -1

    def is_last(self, row: int) -> bool:
        i = self.pre[row]
        return self._last[i] if self._last is not None else self.tree.is_last(i)

    def disclosure(self, row: int) -> int:
        """0 leaf, 1 expanded, 2 collapsed (has hidden children)."""
        i = self.pre[row]
        tree = self.tree
        if self._has_visible_kids is not None:
            has = i in self._has_visible_kids
        else:
            has = tree.end[i] > i + 1
        if not has:
            return 0
        return 2 if tree.order[i] in self.collapsed else 1

    def guides(self, row: int, max_levels: int = 64) -> str:
        """Tree guides for a row: two cells per level (``│ ``, ``├─``, ``└─``, spaces)."""
        tree = self.tree
        i = self.pre[row]
        d = tree.depth[i]
        if d == 0:
            return ""
        last = self._last.__getitem__ if self._last is not None else tree.is_last
        parts = ["└─" if last(i) else "├─"]
        p = tree.parent[i]
        levels = 1
        while p >= 0 and tree.depth[p] > 0 and levels < max_levels:
            parts.append("  " if last(p) else "│ ")
            p = tree.parent[p]
            levels += 1
        if d > levels:
            parts.append("⋯ ")  # deeper than we draw: elide the outer levels
        parts.reverse()
        return "".join(parts)


def flatten(tree: TraceTree, collapsed: Collection[str] = frozenset(), visible: Collection[str] | None = None) -> Rows:
    """Visible rows of ``tree``: collapsed nodes hide their subtree, and with
    ``visible`` (matches plus their ancestors) every other span is hidden.

    Costs nothing when all is expanded and unfiltered; otherwise
    O(collapsed nodes + visible rows), with the row runs copied in C.
    """
    n = len(tree.order)
    index, end = tree.index, tree.end
    hidden_roots = sorted(index[s] for s in collapsed if s in index and end[index[s]] > index[s] + 1)
    if visible is None:
        if not hidden_roots:
            return Rows(tree, range(n), collapsed)
        pre: list[int] = []
        i = 0
        for c in hidden_roots:
            if c < i:
                continue  # inside an already collapsed subtree
            pre.extend(range(i, c + 1))
            i = end[c]
        pre.extend(range(i, n))
        return Rows(tree, pre, collapsed)
    cand = sorted(index[s] for s in visible if s in index)
    if hidden_roots:
        cand = _drop_collapsed(cand, hidden_roots, end)
    return Rows(tree, cand, collapsed, visible)


def _drop_collapsed(cand: list[int], hidden_roots: list[int], end: list[int]) -> list[int]:
    """Keep the candidates not strictly inside a collapsed subtree."""
    out: list[int] = []
    skip_until = -1
    k = 0
    for i in cand:
        while k < len(hidden_roots) and hidden_roots[k] < i:
            c = hidden_roots[k]
            if end[c] > skip_until:
                skip_until = end[c]
            k += 1
        if i < skip_until:
            continue
        out.append(i)
    return out


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
    objs = [spans[sid] for sid in order]
    starts = [s.start_ns for s in objs]
    ends = [s.end_ns if s.end_ns is not None else now_ns for s in objs]
    ends = [e if e >= b else b for e, b in zip(ends, starts)]
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
