"""The visible rows of a trace tree: collapsed nodes and filters applied.

``flatten`` costs O(visible rows) thanks to the preorder extents of
``TraceTree``; ``Rows`` carries what each row needs to draw its tree guides.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Sequence

from .tree import TraceTree


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
        if vis is None:  # only called under a filter
            return
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
