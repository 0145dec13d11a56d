"""What the span tree remembers besides the trace itself: folds per trace and filter matches.

Plain data, no Textual: the widget (``span_tree``) owns one ``TraceViews`` (what
the user folded, per trace, for a bounded number of traces) and one
``FilterMatches`` (which spans of the shown trace match the filter, kept up to
date span by span as the trace grows).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from ..analysis.filter import SpanFilter, with_ancestors
from ..analysis.tree import TraceTree
from ..model import Span

__all__ = ["FilterMatches", "TraceViews", "ViewState"]

#: Per-trace expansion state is remembered for this many traces.
MAX_VIEWS = 512


class ViewState:
    """What the user did to one trace: collapsed nodes, with and without a filter."""

    __slots__ = ("collapsed", "filter_collapsed", "filter_text")

    def __init__(self) -> None:
        self.collapsed: set[str] = set()
        self.filter_collapsed: set[str] = set()
        self.filter_text = ""


class TraceViews:
    """``ViewState`` per trace id, the least recently shown forgotten past ``MAX_VIEWS``."""

    __slots__ = ("_views",)

    def __init__(self) -> None:
        self._views: OrderedDict[str, ViewState] = OrderedDict()

    def get(self, trace_id: str) -> ViewState:
        view = self._views.get(trace_id)
        if view is None:
            view = self._views[trace_id] = ViewState()
            if len(self._views) > MAX_VIEWS:
                self._views.popitem(last=False)
        else:
            self._views.move_to_end(trace_id)
        return view


class FilterMatches:
    """The filter and which spans of the shown trace match it.

    ``pre`` holds the matches' preorder indexes (sorted), ``ids`` their span
    ids, ``visible`` the matches with their ancestors (None: no filter, all
    visible). A finished span is tested once per span object; running spans
    are re-tested on every update (a duration filter changes its answer).
    """

    __slots__ = ("cache", "filter", "ids", "match_set", "pre", "visible")

    def __init__(self) -> None:
        self.filter: SpanFilter | None = None
        #: span id -> (span object it was computed for, matches the filter?)
        self.cache: dict[str, tuple[Span, bool]] = {}
        self.match_set: set[str] = set()
        self.pre: list[int] = []
        self.ids: set[str] = set()
        self.visible: set[str] | None = None

    def forget(self) -> None:
        """Another trace is shown: nothing cached applies to it."""
        self.cache = {}
        self.match_set = set()

    def compute(
        self, tree: TraceTree | None, running_ids: Iterable[str], now: int, changed: list[str] | None = None
    ) -> None:
        """Filter matches; with ``changed`` only those spans (and running ones) are re-tested."""
        flt = self.filter
        if tree is None or flt is None:
            self.cache = {}
            self.match_set = set()
            self.pre = []
            self.ids = set()
            self.visible = None
            return
        spans = tree.spans
        cache = self.cache
        match_set = self.match_set
        if changed is None:
            cache.clear()
            match_set.clear()
            todo: Iterable[str] = tree.order
        else:
            todo = set(changed).union(running_ids)
        for sid in todo:
            span = spans.get(sid)
            if span is None:
                continue
            got = cache.get(sid)
            if got is not None and got[0] is span and span.end_ns is not None:
                continue
            ok = flt.matches(span, now)
            cache[sid] = (span, ok)
            if ok:
                match_set.add(sid)
            else:
                match_set.discard(sid)
        index = tree.index
        self.pre = sorted(index[sid] for sid in match_set if sid in index)
        self.ids = match_set
        self.visible = with_ancestors(tree, self.pre)
