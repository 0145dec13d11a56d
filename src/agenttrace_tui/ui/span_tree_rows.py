"""The span tree's state: the shown trace's tree and visible rows, kept in step with the store.

``SpanTreeRows`` sits between the drawing (``span_tree_paint``) and the keys
(``span_tree.SpanTreeView``): it re-reads the shown trace when its version
changes, leaves a client's framework internals out unless they are asked for
(``show_internal``: the app's ``i``; a Codex turn is some 400 spans of its
runtime around five of its own), re-flattens it into rows under the folds and
the filter, schedules
the critical path, and keeps the cursor on the same span id and the top row
in place while rows are inserted above them.

The tree's ``spans`` is the store's own dict of the trace: while the app is
paused (``freeze``) the rows are drawn from a copy taken then, so a repaint
(focus, the cursor, a resize) does not show spans that changed since.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual import events, on

from ..analysis.critical_path import TraceAnalysis, analyze
from ..analysis.rows import Rows, flatten
from ..analysis.tree import TraceTree, TreeBuilder, without_internal
from ..model import INTERNAL_ATTR, Span
from ..store.memory import Store
from .span_tree_paint import TICK_NS, Frozen, SpanTreePainter
from .span_tree_state import FilterMatches, TraceViews, ViewState

__all__ = ["SpanTreeRows"]

#: A running trace's critical path is recomputed at most this often.
_ANALYSIS_EVERY_NS = 1_000_000_000
#: Traces up to this size get their critical path recomputed on every change.
_ANALYZE_NOW_SPANS = 2000


class SpanTreeRows(SpanTreePainter):
    """One trace's tree, rows, folds, filter matches and cursor; ``SpanTreeView`` adds keys."""

    def __init__(
        self,
        store: Store,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.store = store
        #: Injectable clock (tests and snapshots fix the time).
        self.now_ns: Callable[[], int] = time.time_ns
        self._trace_id: str | None = None
        self._tree: TraceTree | None = None
        #: The whole tree ``_tree`` was made from (the same one unless internals are left out).
        self._whole: TraceTree | None = None
        #: Ids of the shown trace's framework-internal spans (``INTERNAL_ATTR``), kept from build to build.
        self._internal: set[str] = set()
        #: Show a client's framework internals in the tree (left out by default; the app's ``i``).
        self.show_internal = False
        self._builder = TreeBuilder()
        self._analysis_timer: object | None = None
        self._evicted = False
        self._analysis = TraceAnalysis()
        self._analysis_at = 0
        self._rows = Rows()
        self._cursor_id: str | None = None
        self._matches = FilterMatches()
        self._views = TraceViews()
        self._tick: tuple[int, bool] = (0, False)
        self._frozen = None

    # -- public API ------------------------------------------------------------
    @property
    def trace_id(self) -> str | None:
        return self._trace_id

    @property
    def selected_span(self) -> Span | None:
        if self._tree is None or self._cursor_id is None:
            return None
        spans = self._frozen.spans if self._frozen is not None else self._tree.spans
        return spans.get(self._cursor_id)

    @property
    def cursor_row(self) -> int:
        """Row of the cursor among the visible rows (-1 when there are none)."""
        if self._cursor_id is None:
            return -1
        return self._rows.row_of(self._cursor_id)

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def visible_span_ids(self) -> list[str]:
        """Ids of the visible rows, top to bottom (tests, the app's follow mode)."""
        return self._rows.ids

    @property
    def analysis(self) -> TraceAnalysis:
        """Critical path and hotspots of the shown trace."""
        return self._analysis

    def show_trace(self, trace_id: str | None) -> None:
        """Show a trace (or nothing); the cursor goes to its first span.

        Expansion state is remembered per trace.
        """
        self._trace_id = trace_id
        self._tree = self._whole = None
        self._internal = set()
        self._builder = TreeBuilder()
        self._matches.forget()
        self._analysis_at = 0
        self._evicted = False
        self._cursor_id = None
        self._header_cache = None
        self._rebuild(anchor=False)
        self.scroll_y = 0
        if len(self._rows):
            self._set_cursor(0, scroll=True)
        self.refresh()

    def refresh_from_store(self) -> None:
        """Pick up store changes; cheap when the trace's version did not change."""
        if self._trace_id is None:
            return
        trace = self.store.traces.get(self._trace_id)
        if trace is None:
            if not self._evicted:
                self._evicted = True
                self._header_cache = None
                self.refresh()
            return
        if self._tree is not None and trace.version == self._tree.version:
            if trace.totals.running:
                now = self.now_ns()
                # The clock's tenth of a second, and whether open spans stopped (a recording's
                # end, or their session's): either redraws them.
                tick = (now // TICK_NS, self._recording_over())
                if tick != self._tick:
                    self._tick = tick
                    if now - self._analysis_at >= _ANALYSIS_EVERY_NS:
                        self._analyze(now)
                    self._refresh_changed_lines()
            return
        self._rebuild(anchor=True)
        self._refresh_changed_lines()

    def freeze(self) -> None:
        """Pause: draw the spans and the time axis as they are now until ``thaw``
        (a trace shown while paused is read when it is shown, and kept as read)."""
        now = self._now_tick()
        trace = self.store.traces.get(self._trace_id) if self._trace_id is not None else None
        self._frozen = Frozen(
            dict(self._tree.spans) if self._tree is not None else {},
            self._live_axis(now),
            trace.duration_ns(now) if trace is not None else None,
        )
        self._header_cache = None
        self.refresh()

    def thaw(self) -> None:
        """Resume: draw from the store again."""
        self._frozen = None
        self._header_cache = None
        self.refresh()

    @on(events.Resize)
    def _keep_cursor_in_view(self, event: events.Resize) -> None:
        # Fewer rows fit (the pane back from a zoom, a smaller terminal): the scroll
        # position the bigger pane left can put the cursor's row below the pane.
        self._ensure_cursor_visible()

    # -- state -----------------------------------------------------------------
    def _cursor_moved(self, trace_id: str, span_id: str) -> None:
        """The cursor landed on another span (the widget tells the app)."""

    def _session_label(self, session_id: str) -> str:
        entry = self.store.sessions.get(session_id)
        return entry.session.label if entry is not None else session_id

    def _view(self, trace_id: str) -> ViewState:
        return self._views.get(trace_id)

    def _collapsed(self) -> set[str]:
        if self._trace_id is None:
            return set()
        view = self._view(self._trace_id)
        return view.filter_collapsed if self._matches.filter is not None else view.collapsed

    def _analyze(self, now: int) -> None:
        self._analysis = analyze(self._tree, now) if self._tree is not None else TraceAnalysis()
        self._analysis_at = now

    def _analyze_soon(self) -> None:
        """Recompute the critical path now for small traces, at most once a second for big ones."""
        now = self.now_ns()
        tree = self._tree
        if tree is None or len(tree) <= _ANALYZE_NOW_SPANS or now - self._analysis_at >= _ANALYSIS_EVERY_NS:
            self._analyze(now)
            return
        if self._analysis_timer is None and self.is_attached:
            self._analysis_timer = self.set_timer(_ANALYSIS_EVERY_NS / 1e9, self._deferred_analysis)

    def _deferred_analysis(self) -> None:
        self._analysis_timer = None
        if self._tree is not None:
            self._analyze(self.now_ns())
            self.refresh()

    def _compute_matches(self, changed: list[str] | None = None) -> None:
        """Filter matches; with ``changed`` only those spans (and running ones) are re-tested."""
        self._matches.compute(self._tree, self._builder.running_ids, self.now_ns(), changed)

    def _rebuild(self, anchor: bool) -> None:
        """Re-read the trace from the store (its version changed)."""
        trace = self.store.traces.get(self._trace_id) if self._trace_id is not None else None
        self._header_cache = None
        if trace is None:
            self._evicted = self._trace_id is not None
            if self._tree is None:
                self._analysis = TraceAnalysis()
                self._compute_matches()
                self._apply_rows(Rows(), anchor=False)
                if self._frozen is not None:
                    self.freeze()  # no trace shown: nothing of the last one kept
            # else: keep showing the last state of an evicted trace, read-only
            return
        self._evicted = False
        first = self._tree is None
        whole = self._builder.build(trace)
        internal = self._internal
        if len(whole) < len(self._whole or ()):
            internal.clear()  # spans left memory (a trimmed trace): the builder read them all again
        for sid in self._builder.changed_ids:
            if whole.spans[sid].attributes.get(INTERNAL_ATTR):
                internal.add(sid)
            else:
                internal.discard(sid)
        self._whole = whole
        self._tree = self._shown(whole)
        if self._frozen is not None:
            self.freeze()  # read while paused (another trace shown): kept as read now
        if first:
            if len(self._tree) <= _ANALYZE_NOW_SPANS or not self.is_attached:
                self._analyze(self.now_ns())
            else:
                # A big trace shows its rows first; the critical path follows a frame later.
                self._analysis = TraceAnalysis()
                self.call_after_refresh(self._deferred_analysis)
            self._compute_matches()
        else:
            self._analyze_soon()
            self._compute_matches(self._builder.changed_ids)
        self._reflatten(anchor=anchor)

    def _shown(self, whole: TraceTree) -> TraceTree:
        """The tree as shown: without the framework internals unless they are asked for (or are
        all the trace has)."""
        if self.show_internal or not self._internal or len(self._internal) >= len(whole):
            return whole
        return without_internal(whole, self._internal)

    def set_show_internal(self, show: bool) -> None:
        """Show or leave out the framework internals (the cursor stays on its span if shown)."""
        if show == self.show_internal:
            return
        self.show_internal = show
        if self._whole is None:
            return
        self._tree = self._shown(self._whole)
        self._header_cache = None
        self._analyze(self.now_ns())
        self._compute_matches()
        self._reflatten(anchor=True)
        self.refresh()

    def _reflatten(self, anchor: bool) -> None:
        if self._tree is None:
            self._apply_rows(Rows(), anchor=False)
            return
        self._apply_rows(flatten(self._tree, self._collapsed(), self._matches.visible), anchor=anchor)

    def _apply_rows(self, rows: Rows, anchor: bool) -> None:
        """Swap in new rows keeping the cursor span and (with ``anchor``) the top row in place."""
        old = self._rows
        top = int(self.scroll_y)
        top_id = old.sid(top) if anchor and 0 <= top < len(old) else None
        old_cursor_row = old.row_of(self._cursor_id)
        self._rows = rows
        self._set_virtual_size()
        if top_id is not None:
            new_top = rows.row_of(top_id)
            if new_top >= 0 and new_top != top:
                self.scroll_y = new_top
        if self._cursor_id is not None and rows.row_of(self._cursor_id) < 0:
            # The cursor's span is hidden now: go to its nearest visible ancestor.
            target = -1
            if self._tree is not None:
                for anc in self._tree.ancestors(self._cursor_id):
                    target = rows.row_of(anc)
                    if target >= 0:
                        break
            if target < 0 and len(rows):
                target = min(max(0, old_cursor_row), len(rows) - 1)
            if target >= 0:
                self._set_cursor(target, scroll=False)
            else:
                self._cursor_id = None
        elif self._cursor_id is None and len(rows):
            self._set_cursor(0, scroll=False)

    def _set_cursor(self, row: int, scroll: bool = True) -> None:
        rows = self._rows
        if not len(rows):
            return
        row = max(0, min(len(rows) - 1, row))
        old_row = self.cursor_row
        sid = rows.sid(row)
        changed = sid != self._cursor_id
        self._cursor_id = sid
        if scroll:
            self._ensure_cursor_visible()
        if old_row >= 0:
            self.refresh_line(old_row + 1)
        self.refresh_line(row + 1)
        if changed and self._trace_id is not None:
            self._cursor_moved(self._trace_id, sid)

    def _ensure_cursor_visible(self) -> None:
        row = self.cursor_row
        if row < 0:
            return
        top = int(self.scroll_y)
        page = self._page()
        if row < top:
            self.scroll_y = row
        elif row >= top + page:
            self.scroll_y = row - page + 1

    def _select_pre(self, i: int) -> None:
        """Cursor to preorder index ``i``, expanding collapsed ancestors first."""
        tree = self._tree
        if tree is None:
            return
        sid = tree.order[i]
        collapsed = self._collapsed()
        hidden = [a for a in tree.ancestors(sid) if a in collapsed]
        if hidden:
            collapsed.difference_update(hidden)
            self._reflatten(anchor=True)
            self.refresh()
        row = self._rows.row_of(sid)
        if row >= 0:
            self._set_cursor(row, scroll=True)
