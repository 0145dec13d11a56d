"""One trace's structure at one store version, built incrementally.

``TraceTree`` keeps children sorted by start time and a preorder array with
subtree extents, so collapsing a node is an index jump; ``TreeBuilder``
updates it from the spans that changed since the last build.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import compress, islice
from operator import attrgetter, is_not
from typing import Any

from ..model import INTERNAL_ATTR, Span, Status

ERROR_STATUSES = frozenset({Status.ERROR, Status.TIMEOUT})

def span_end(span: Span, now_ns: int) -> int:
    """End of a span, ``now_ns`` while it runs (never before its start)."""
    end = span.end_ns if span.end_ns is not None else now_ns
    return end if end >= span.start_ns else span.start_ns


class TraceTree:
    """The shape of one trace at one store version.

    ``order`` is the preorder of all spans (children sorted by start time,
    ties in arrival order); for preorder index ``i``: ``depth[i]``,
    ``parent[i]`` (preorder index, -1 for a top-level span), ``end[i]`` (one
    past the last index of its subtree, so skipping a collapsed subtree is
    ``i = end[i]``). ``errors``
    lists the preorder indexes of failed spans (``model.counts_as_error``: a
    client's framework internals are shown failed but not listed). Orphans (parent not arrived)
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

    def reshaped(self, version: int) -> TraceTree:
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
    def from_trace(cls, trace: Any) -> TraceTree:
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
        out: list[str] = []
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

    __slots__ = ("_known", "_sorted", "_orphan_parents", "_errors", "_running", "_tree", "changed_ids", "_trimmed")

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
        #: the trace's count of spans trimmed from memory at the last build
        self._trimmed = 0

    @property
    def running_ids(self) -> set[str]:
        return self._running

    def build(self, trace: Any) -> TraceTree:
        spans: dict[str, Span] = trace.spans  # insertion-ordered: see _changed_ids
        children: Mapping[str | None, list[str]] = trace.children
        known = self._known
        trimmed = getattr(trace, "trimmed", 0)
        if len(known) > len(spans) or trimmed != self._trimmed:
            # Spans left memory (the store trimmed a trace too big for its budget): start over.
            self.__init__()  # type: ignore[misc]
            self._trimmed = trimmed
            known = self._known
        changed = _changed_ids(spans, known)
        self.changed_ids = changed
        errors, running = self._errors, self._running
        dirty: set[str | None] = set()
        added: list[Span] = []
        moved = False
        if not known and not errors and not running:
            # The first build (a trace opened): every span is new. The loop below in
            # C-speed passes -- it was most of opening a 50,000-span trace.
            known.update(spans)
            added = list(spans.values())
            dirty = set(map(_PARENT, added))
            # model.counts_as_error, spelled out: a framework internal's failure shows on its row only.
            errors.update([sid for sid, sp in spans.items()
                           if sp.status in ERROR_STATUSES and not sp.attributes.get(INTERNAL_ATTR)])
            running.update([sid for sid, sp in spans.items() if sp.end_ns is None])
            changed = []  # done: the loop below has nothing left
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
            if s.status in ERROR_STATUSES and not s.attributes.get(INTERNAL_ATTR):
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
            appended = self._append(prev, added, spans)
            if appended is not None:
                tree = appended
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
                n = len(src)
                sorted_children[p] = (sorted(src, key=start) if n <= _SMALL else _by_start(src, spans)) if n > 1 else list(src)
            else:
                sorted_children.pop(p, None)
            if p is not None and p not in spans:
                orphans.add(p)
        orphans.difference_update([p for p in orphans if p in spans or p not in children])
        top = list(sorted_children.get(None, ()))
        for p in orphans:
            top.extend(sorted_children.get(p, ()))
        top = sorted(top, key=start) if len(top) <= _SMALL else _by_start(top, spans)

        tree = TraceTree()
        tree.version = getattr(trace, "version", 0)
        tree.spans = spans
        order, depth, parent, end = tree.order, tree.depth, tree.parent, tree.end
        _walk(top, sorted_children.get, order, depth, parent, end)
        index = dict(zip(order, range(len(order)), strict=True))
        if len(index) != len(order) or len(order) != len(spans):
            # A duplicate id in a children list, or spans unreachable from any
            # root (a parent cycle): redo it visiting each span once.
            for column in (order, depth, parent, end):
                column.clear()
            _walk_guarded(top, sorted_children.get, spans, order, depth, parent, end)
            index = dict(zip(order, range(len(order)), strict=True))
        tree.index = index
        tree.errors = sorted(index[sid] for sid in errors if sid in index)
        self._tree = tree
        return tree


    def _append(self, prev: TraceTree, added: list[Span], spans: Mapping[str, Span]) -> TraceTree | None:
        """The live-trace fast path: new spans that sort after everything in
        their parent's subtree, under a parent whose subtree ends the preorder
        (the running branch of an agent), are appended in O(added x depth), bounded by O(n) per build.
        Returns None when any span does not fit; the caller then rebuilds.
        """
        if len(added) > max(64, len(prev.order) // 8):
            return None  # big batches: a full walk is as cheap
        order, index, depth, parent, end = list(prev.order), dict(prev.index), list(prev.depth), list(prev.parent), list(prev.end)
        sorted_children = self._sorted
        orphans = self._orphan_parents
        # Ancestor walks may cost what a full rebuild costs (O(n)) and no more:
        # along a deep chain each append walks every ancestor, so past this
        # budget the caller's linear rebuild is cheaper (never O(depth) per span).
        budget = len(order) + 64
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
                    budget -= 1
                if budget < 0:
                    return None
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
                budget -= 1
            if budget < 0:
                return None
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


def without_internal(tree: TraceTree, internal: set[str]) -> TraceTree:
    """``tree`` without the spans of ``internal`` (a client's framework internals: Codex sends
    hundreds a turn, around its few model and tool calls), each span kept under its nearest kept
    ancestor (top-level when it has none), children sorted by start time as in any tree: a call
    lifted from under an internal span takes its place among its new siblings by when it started.
    One pass over ``tree``'s preorder; only the lists that were given a lifted span are sorted again."""
    order, parent, spans = tree.order, tree.parent, tree.spans
    #: For each index of ``tree``: its own id when kept, else its nearest kept ancestor's (None: none).
    at: list[str | None] = []
    kids: dict[str | None, list[str]] = {}
    lifted_into: set[str | None] = set()
    for i, sid in enumerate(order):
        p = parent[i]
        above = at[p] if p >= 0 else None
        if sid in internal:
            at.append(above)
            continue
        at.append(sid)
        if p >= 0 and order[p] in internal:
            lifted_into.add(above)
        siblings = kids.get(above)
        if siblings is None:
            kids[above] = [sid]
        else:
            siblings.append(sid)
    for owner in lifted_into:
        # Stable: spans that started together keep the order they had.
        kids[owner] = _by_start(kids[owner], spans)
    out = TraceTree()
    out.version = tree.version
    out.spans = spans
    _walk(kids.get(None, []), kids.get, out.order, out.depth, out.parent, out.end)
    out.index = index = dict(zip(out.order, range(len(out.order)), strict=True))
    out.errors = sorted(index[sid] for sid in map(order.__getitem__, tree.errors) if sid not in internal)
    return out


_START = attrgetter("start_ns")
_PARENT = attrgetter("parent_span_id")


#: Up to this many ids a key function sorts faster than ``_by_start``'s passes (less set-up per list).
_SMALL = 48


#: Spans ``counted_below`` walks at most: the detail of an agent at the top of a huge trace is drawn
#: again as the trace grows, and says nothing rather than walk it whole each time (~0.2 µs a span).
COUNTED_BELOW_SPANS = 5_000


def counted_below(spans: Mapping[str, Span], children: Mapping[str | None, list[str]], span_id: str,
                  limit: int = COUNTED_BELOW_SPANS) -> tuple[int, int] | None:
    """(input, output) tokens the spans below ``span_id`` count (usage of their own, as every sum
    counts it), to set beside a subtree's usage its span reports; None past ``limit`` spans.
    Walked with a stack and a seen set: a parent cycle ends the walk, it does not loop."""
    inp = out = 0
    stack = list(children.get(span_id, ()))
    seen = {span_id}
    while stack:
        sid = stack.pop()
        if sid in seen:
            continue
        seen.add(sid)
        if len(seen) > limit:
            return None
        s = spans.get(sid)
        if s is None:
            continue
        u = s.usage
        if u is not None and u.scope == "span":
            inp += u.input
            out += u.output
        stack.extend(children.get(sid, ()))
    return inp, out


def _by_start(ids: list[str], spans: Mapping[str, Span]) -> list[str]:
    """``sorted(ids, key=their spans' start)``: stable (ties in the given order), no Python call per id."""
    starts = list(map(_START, map(spans.__getitem__, ids)))
    return list(map(ids.__getitem__, sorted(range(len(ids)), key=starts.__getitem__)))


def _changed_ids(spans: dict[str, Span], known: dict[str, Span]) -> list[str]:
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
