"""The span tree with waterfall bars: a virtual (Line API) Textual widget.

Why not Textual's Tree or DataTable: Tree re-processes every node on any
change and a 100k-row DataTable takes seconds to build. This widget keeps no
widget per row and no message per span: it reads the store, keeps the
visible rows as flat arrays (``analysis.flatten``), and draws only the rows
on screen, each cached as a ``Strip`` keyed by what it shows.

Layout of a row (columns stay aligned whatever the names contain):
``guides ▾ glyph name [HOTSPOT] key attrs ✗ error │ ● duration │ waterfall``.
Line 0 is a fixed header (trace name, counts, time scale); it never scrolls.

New data never moves the cursor (it stays on the same span id) nor the view
(the span at the top of the view stays there when rows are inserted above).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..analysis.critical_path import HOTSPOT_RULE, TraceAnalysis, analyze
from ..analysis.filter import (
    FILTER_HELP,
    FilterError,
    FilterResult,
    SpanFilter,
    next_index,
    parse_filter,
    with_ancestors,
)
from ..analysis.rows import Rows, flatten
from ..analysis.summary import span_summary
from ..analysis.tree import ERROR_STATUSES, TraceTree, TreeBuilder
from ..format.numbers import fmt_duration
from ..model import Span
from ..store.memory import Store
from .colors import readable, theme_color
from .kinds import kind_style
from .text import clean

__all__ = ["SpanTreeView", "FilterResult", "HOTSPOT_RULE", "FILTER_HELP"]

#: Left-aligned partial blocks, 1/8 .. 7/8 of a cell.
_EIGHTHS = " ▏▎▍▌▋▊▉"
_FULL = "█"
#: How many span names/attrs we even look at per row (a 100 KB name costs this much).
_TEXT_LIMIT = 400
#: Running spans re-render at most this often (their duration and bar tick).
_TICK_NS = 100_000_000
#: A running trace's critical path is recomputed at most this often.
_ANALYSIS_EVERY_NS = 1_000_000_000
#: Per-trace expansion state is remembered for this many traces.
_MAX_VIEWS = 512
#: Traces up to this size get their critical path recomputed on every change.
_ANALYZE_NOW_SPANS = 2000
_DUR_W = 8


class _ViewState:
    """What the user did to one trace: collapsed nodes, with and without a filter."""

    __slots__ = ("collapsed", "filter_collapsed", "filter_text")

    def __init__(self) -> None:
        self.collapsed: set[str] = set()
        self.filter_collapsed: set[str] = set()
        self.filter_text = ""


def waterfall_runs(x0: int, x1: int, width: int) -> list[tuple[str, int]]:
    """Runs of a bar from eighth ``x0`` to eighth ``x1`` on ``width`` cells.

    Returns (text, mode) runs covering exactly ``width`` cells: mode 0 empty,
    1 drawn in the bar colour, 2 drawn reversed (the cell where a bar starts
    mid-cell: Unicode has only left-aligned partial blocks, so the left part
    is drawn in the background colour over a bar-coloured cell).
    """
    runs: list[tuple[str, int]] = []

    def add(text: str, mode: int) -> None:
        if not text:
            return
        if runs and runs[-1][1] == mode:
            runs[-1] = (runs[-1][0] + text, mode)
        else:
            runs.append((text, mode))

    c0, c1 = x0 // 8, (x1 - 1) // 8
    add(" " * c0, 0)
    if c0 == c1:
        k = x1 - x0
        off = x0 - c0 * 8
        if k >= 8:
            add(_FULL, 1)
        elif off == 0:
            add(_EIGHTHS[k], 1)
        elif x1 == c0 * 8 + 8:
            add(_EIGHTHS[off], 2)
        elif off < 4:
            add(_EIGHTHS[k], 1)  # starts and ends inside one cell: snap to the nearer side
        else:
            add(_EIGHTHS[8 - k], 2)
    else:
        if x0 % 8:
            add(_EIGHTHS[x0 % 8], 2)
            first_full = c0 + 1
        else:
            first_full = c0
        tail = x1 - c1 * 8
        add(_FULL * ((c1 if tail < 8 else c1 + 1) - first_full), 1)
        if tail < 8:
            add(_EIGHTHS[tail], 1)
    add(" " * (width - c1 - 1), 0)
    return runs


def bar_eighths(start: int, end: int, t0: int, t1: int, width: int) -> tuple[int, int]:
    """A span's bar in eighths of a cell on a ``width``-cell axis from t0 to t1.

    At least one eighth wide so zero-length spans stay visible.
    """
    total = max(1, t1 - t0)
    scale = width * 8
    x0 = int((start - t0) * scale / total)
    x1 = round((end - t0) * scale / total)
    x0 = min(max(0, x0), scale - 1)
    x1 = min(max(x0 + 1, x1), scale)
    return x0, x1


def axis_length(total_ns: int) -> int:
    """The waterfall's time axis: the trace's duration rounded up to two significant digits.

    A growing trace then rescales its bars (and invalidates every cached row)
    only when it crosses a step, not on every refresh, and the scale labels
    are round numbers. The margin is under 10 %.
    """
    if total_ns <= 1:
        return 1
    step = 10 ** max(0, len(str(int(total_ns))) - 2)
    return -(-int(total_ns) // step) * step


#: The status column of a row (blank for ok): readable without colour.
_ROW_GLYPH = {"error": "✗", "timeout": "⧗", "cancelled": "⊘", "running": "◐", "unfinished": "◌"}


def layout(width: int) -> tuple[int, int]:
    """(left text width, waterfall width) for a widget ``width`` cells wide.

    The waterfall takes ~30 % (12..60 cells) and disappears below 60 cells,
    so at 80 columns the names keep most of the room.
    """
    fixed = 1 + 1 + _DUR_W  # space, critical marker, duration
    if width < 60:
        return max(1, width - fixed), 0
    wf = max(12, min(60, int(width * 0.3)))
    return max(1, width - fixed - 1 - wf), wf


class SpanTreeView(ScrollView, can_focus=True):
    """Span tree + waterfall of one trace, drawn from the store row by row."""

    HOTSPOT_RULE = HOTSPOT_RULE
    FILTER_HELP = FILTER_HELP

    DEFAULT_CSS = """
    SpanTreeView {
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
    }
    SpanTreeView > .span-tree--cursor {
        background: $block-cursor-blurred-background;
        color: $foreground;
    }
    SpanTreeView:focus > .span-tree--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    SpanTreeView > .span-tree--header {
        background: $panel;
        color: $foreground;
        text-style: bold;
    }
    SpanTreeView > .span-tree--guide { color: $foreground 35%; }
    SpanTreeView > .span-tree--muted { color: $text-muted; }
    SpanTreeView > .span-tree--dim { color: $text-disabled; }
    SpanTreeView > .span-tree--error { color: $error; }
    SpanTreeView > .span-tree--running { color: $success; }
    SpanTreeView > .span-tree--critical { color: $warning; }
    SpanTreeView > .span-tree--hotspot {
        background: $warning;
        color: auto 90%;
        text-style: bold;
    }
    SpanTreeView > .span-tree--match { text-style: underline; }
    """

    COMPONENT_CLASSES = {
        "span-tree--cursor",
        "span-tree--header",
        "span-tree--guide",
        "span-tree--muted",
        "span-tree--dim",
        "span-tree--error",
        "span-tree--running",
        "span-tree--critical",
        "span-tree--hotspot",
        "span-tree--match",
    }

    #: One footer hint for both ways of folding ("← → Fold"): the app's own
    #: keys must still fit beside it at 80 columns (the rest are in ? help).
    _FOLD = Binding.Group("Fold", compact=True)

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="tree.cursor_down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="tree.cursor_up"),
        Binding("enter,l,right", "expand", "Expand / into child", id="tree.expand", group=_FOLD),
        Binding("h,left", "collapse", "Collapse / to parent", id="tree.collapse", group=_FOLD),
        Binding("g,home", "top", "Top", show=False, id="tree.top"),
        Binding("G,end", "bottom", "Bottom", show=False, id="tree.bottom"),
        Binding("pageup", "page_up", "Page up", show=False, id="tree.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="tree.page_down"),
        Binding("left_square_bracket", "collapse_all", "Collapse all", show=False, id="tree.collapse_all"),
        Binding("right_square_bracket", "expand_all", "Expand all", show=False, id="tree.expand_all"),
        Binding("n", "next_match", "Next match", show=False, id="tree.next_match"),
        Binding("N", "previous_match", "Previous match", show=False, id="tree.previous_match"),
        Binding("e", "next_error", "Next error", id="tree.next_error"),
        Binding("y", "copy", "Copy span JSON", show=False, id="tree.copy"),
    ]

    class SpanHighlighted(Message):
        """The cursor landed on another span (a newer one replaces a pending one)."""

        def __init__(self, trace_id: str, span_id: str) -> None:
            super().__init__()
            self.trace_id = trace_id
            self.span_id = span_id

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, SpanTreeView.SpanHighlighted)

    class CopyRequested(Message):
        """The user asked to copy this span (the app serialises it)."""

        def __init__(self, span: Span) -> None:
            super().__init__()
            self.span = span

    class NoMoreErrors(Message):
        """``e`` found no error after the cursor in this trace (the app may try the next trace)."""

        def __init__(self, trace_id: str | None) -> None:
            super().__init__()
            self.trace_id = trace_id

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
        self._builder = TreeBuilder()
        #: span id -> (span object it was computed for, matches the filter?)
        self._match_cache: dict[str, tuple[Span, bool]] = {}
        self._match_set: set[str] = set()
        self._analysis_timer: object | None = None
        self._evicted = False
        self._analysis = TraceAnalysis()
        self._analysis_at = 0
        self._rows = Rows()
        self._cursor_id: str | None = None
        self._filter: SpanFilter | None = None
        self._match_pre: list[int] = []
        self._match_ids: set[str] = set()
        self._visible: set[str] | None = None
        self._views: OrderedDict[str, _ViewState] = OrderedDict()
        self._lines: LRUCache[tuple, tuple[Span, Strip]] = LRUCache(4096)
        self._header_cache: tuple[tuple, Strip] | None = None
        self._tick = 0
        self._base: Style | None = None
        #: screen line -> (span, cache key) last painted there, to repaint only what changed
        self._painted: dict[int, tuple[Span, tuple]] = {}
        self._painted_scroll = -1
        self._painted_width = -1
        self._kind_styles: dict[tuple, Style] = {}

    # -- public API ------------------------------------------------------------
    @property
    def content_width(self) -> int:
        """Cells a row is drawn on: the content area minus the vertical scrollbar."""
        return self.scrollable_content_region.width


    @property
    def trace_id(self) -> str | None:
        return self._trace_id

    @property
    def selected_span(self) -> Span | None:
        if self._tree is None or self._cursor_id is None:
            return None
        return self._tree.spans.get(self._cursor_id)

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
    def match_count(self) -> int:
        return len(self._match_pre)

    @property
    def filter_text(self) -> str:
        return self._filter.text if self._filter is not None else ""

    @property
    def analysis(self) -> TraceAnalysis:
        """Critical path and hotspots of the shown trace."""
        return self._analysis

    def show_trace(self, trace_id: str | None) -> None:
        """Show a trace (or nothing); the cursor goes to its first span.

        Expansion state is remembered per trace.
        """
        self._trace_id = trace_id
        self._tree = None
        self._builder = TreeBuilder()
        self._match_cache = {}
        self._match_set = set()
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
                tick = now // _TICK_NS
                if tick != self._tick:
                    self._tick = tick
                    if now - self._analysis_at >= _ANALYSIS_EVERY_NS:
                        self._analyze(now)
                    self._refresh_changed_lines()
            return
        self._rebuild(anchor=True)
        self._refresh_changed_lines()

    def set_filter(self, query: str) -> FilterResult:
        """Filter the tree (``FILTER_HELP``): hide non-matching spans, keep their ancestors.

        ``""`` clears. A bad query leaves the current filter in place and
        returns the error message.
        """
        query = query.strip()
        if not query:
            self._filter = None
        else:
            try:
                flt = parse_filter(query)
            except FilterError as e:
                return FilterResult(len(self._match_pre), str(e))
            flt.session_label = self._session_label
            self._filter = flt
        if self._trace_id is not None:
            view = self._view(self._trace_id)
            if view.filter_text != query:
                view.filter_text = query
                view.filter_collapsed.clear()
        self._compute_matches()
        self._reflatten(anchor=False)
        if self._filter is not None and self._cursor_id not in self._match_ids and self._match_pre:
            self._select_pre(self._match_pre[0])
        elif len(self._rows) and self.cursor_row < 0:
            self._set_cursor(0, scroll=True)
        self._ensure_cursor_visible()
        self.refresh()
        return FilterResult(len(self._match_pre) if self._filter is not None else 0, None)

    def next_match(self, forward: bool = True) -> bool:
        """Move to the next (previous) span matching the filter, wrapping around."""
        if self._tree is None or not self._match_pre:
            return False
        cur = self._tree.index.get(self._cursor_id, -1) if self._cursor_id else -1
        nxt = next_index(self._match_pre, cur, forward, wrap=True)
        if nxt is None:
            return False
        self._select_pre(nxt)
        return True

    def next_error(self) -> bool:
        """Move to the next error span after the cursor (revealing it); False if none."""
        tree = self._tree
        if tree is None:
            return False
        errors = tree.errors
        if self._visible is not None:
            errors = [i for i in errors if tree.order[i] in self._match_ids]
        cur = tree.index.get(self._cursor_id, -1) if self._cursor_id else -1
        nxt = next_index(errors, cur, True, wrap=False)
        if nxt is None:
            return False
        self._select_pre(nxt)
        return True

    def select_span(self, span_id: str) -> None:
        """Put the cursor on a span, expanding its ancestors; no-op if hidden by the filter."""
        tree = self._tree
        if tree is None or span_id not in tree.index:
            self.refresh_from_store()
            tree = self._tree
            if tree is None or span_id not in tree.index:
                return
        if self._visible is not None and span_id not in self._visible:
            return
        self._select_pre(tree.index[span_id])

    # -- state -----------------------------------------------------------------
    def _session_label(self, session_id: str) -> str:
        entry = self.store.sessions.get(session_id)
        return entry.session.label if entry is not None else session_id

    def _view(self, trace_id: str) -> _ViewState:
        view = self._views.get(trace_id)
        if view is None:
            view = self._views[trace_id] = _ViewState()
            if len(self._views) > _MAX_VIEWS:
                self._views.popitem(last=False)
        else:
            self._views.move_to_end(trace_id)
        return view

    def _collapsed(self) -> set[str]:
        if self._trace_id is None:
            return set()
        view = self._view(self._trace_id)
        return view.filter_collapsed if self._filter is not None else view.collapsed

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
        tree = self._tree
        flt = self._filter
        if tree is None or flt is None:
            self._match_cache = {}
            self._match_set = set()
            self._match_pre = []
            self._match_ids = set()
            self._visible = None
            return
        now = self.now_ns()
        spans = tree.spans
        cache = self._match_cache
        match_set = self._match_set
        if changed is None:
            cache.clear()
            match_set.clear()
            todo: Iterable[str] = tree.order
        else:
            todo = set(changed) | self._builder.running_ids
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
        self._match_pre = sorted(index[sid] for sid in match_set if sid in index)
        self._match_ids = match_set
        self._visible = with_ancestors(tree, self._match_pre)

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
            # else: keep showing the last state of an evicted trace, read-only
            return
        self._evicted = False
        first = self._tree is None
        self._tree = self._builder.build(trace)
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

    def _reflatten(self, anchor: bool) -> None:
        if self._tree is None:
            self._apply_rows(Rows(), anchor=False)
            return
        self._apply_rows(flatten(self._tree, self._collapsed(), self._visible), anchor=anchor)

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
            self.post_message(self.SpanHighlighted(self._trace_id, sid))

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

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

    # -- actions ---------------------------------------------------------------
    def action_cursor_down(self) -> None:
        self._set_cursor(self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self._set_cursor(max(0, self.cursor_row - 1))

    def action_top(self) -> None:
        self._set_cursor(0)

    def action_bottom(self) -> None:
        self._set_cursor(len(self._rows) - 1)

    def action_page_down(self) -> None:
        page = self._page()
        row = self.cursor_row
        self.scroll_y = int(self.scroll_y) + page
        self._set_cursor(row + page)
        self.call_after_refresh(self._prefetch, int(self.scroll_y) + page)

    def action_page_up(self) -> None:
        page = self._page()
        row = self.cursor_row
        self.scroll_y = max(0, int(self.scroll_y) - page)
        self._set_cursor(max(0, row - page))
        self.call_after_refresh(self._prefetch, int(self.scroll_y) - page)

    def _prefetch(self, first_row: int) -> None:
        """After a page move, render the next page in the same direction into the
        line cache (once the frame is out), so paging on costs cache hits."""
        if self._tree is None:
            return
        width = self.content_width
        now = self._now_tick()
        for row in range(max(0, first_row), min(len(self._rows), first_row + self._page())):
            state = self._row_state(row, width, now)
            if state is None:
                continue
            span, key = state
            cached = self._lines.get(key)
            if cached is None or cached[0] is not span:
                _sid, _w, guides, disclosure, selected, dimmed, critical, hot, t0, t1, _now = key
                self._lines[key] = (span, self._build_row(span, width, guides, disclosure, bool(selected), dimmed, critical, hot, t0, t1, now))

    def _toggle(self, row: int, expand: bool | None = None) -> None:
        rows = self._rows
        if not (0 <= row < len(rows)) or rows.disclosure(row) == 0:
            return
        sid = rows.sid(row)
        collapsed = self._collapsed()
        is_collapsed = rows.disclosure(row) == 2
        if expand is None:
            expand = is_collapsed
        if expand == is_collapsed:
            if expand:
                collapsed.discard(sid)
            else:
                collapsed.add(sid)
            self._reflatten(anchor=True)
            self.refresh()

    def action_expand(self) -> None:
        row = self.cursor_row
        if row < 0:
            return
        disc = self._rows.disclosure(row)
        if disc == 2:
            self._toggle(row, expand=True)
        elif disc == 1:
            self._set_cursor(row + 1)

    def action_collapse(self) -> None:
        row = self.cursor_row
        if row < 0:
            return
        if self._rows.disclosure(row) == 1:
            self._toggle(row, expand=False)
        else:
            parent = self._rows.parent_row(row)
            if parent >= 0:
                self._set_cursor(parent)

    def action_collapse_all(self) -> None:
        if self._tree is None:
            return
        collapsed = self._collapsed()
        collapsed.clear()
        collapsed.update(self._tree.parents_with_children())
        self._reflatten(anchor=False)
        self._ensure_cursor_visible()
        self.refresh()

    def action_expand_all(self) -> None:
        self._collapsed().clear()
        self._reflatten(anchor=True)
        self._ensure_cursor_visible()
        self.refresh()

    def action_next_match(self) -> None:
        self.next_match(True)

    def action_previous_match(self) -> None:
        self.next_match(False)

    def action_next_error(self) -> None:
        if not self.next_error():
            self.post_message(self.NoMoreErrors(self._trace_id))

    def action_copy(self) -> None:
        span = self.selected_span
        if span is not None:
            self.post_message(self.CopyRequested(span))

    # -- events ----------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        row = int(self.scroll_y) + offset.y - 1
        if not (0 <= row < len(self._rows)):
            return
        depth = self._rows.depth(row)
        disclosure_x = min(depth, 64) * 2
        if offset.x == disclosure_x and self._rows.disclosure(row):
            self._set_cursor(row, scroll=False)
            self._toggle(row)
        else:
            self._set_cursor(row, scroll=False)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.content_width, len(self._rows) + 1)
        self._header_cache = None

    def _set_virtual_size(self) -> None:
        """Tell the scroll machinery how many rows there are, without a screen re-layout.

        Assigning ``virtual_size`` re-lays out the whole screen; a live trace
        grows at every refresh, so only the scrollbar is updated unless it
        has to appear or disappear.
        """
        size = Size(self.content_width, len(self._rows) + 1)
        if size == self.virtual_size:
            return
        scroll_update = getattr(self, "_scroll_update", None)
        if scroll_update is None or not self.is_attached:
            self.virtual_size = size
            return
        shown = self.show_vertical_scrollbar
        self.set_reactive(ScrollView.virtual_size, size)
        scroll_update(size)
        if self.show_vertical_scrollbar != shown:
            self.refresh(layout=True)

    def _refresh_changed_lines(self) -> None:
        """After new data: repaint only the lines whose content changed (and the header)."""
        if not self._painted or self._painted_scroll != int(self.scroll_y) or self._painted_width != self.content_width:
            self.refresh()
            return
        width = self.content_width
        now = self._now_tick()
        top = int(self.scroll_y)
        self.refresh_line(top)  # the header (virtual line = scroll_y, screen line 0)
        for y in range(1, self.scrollable_content_region.height):
            row = top + y - 1
            state = self._row_state(row, width, now) if self._tree is not None and 0 <= row < len(self._rows) else None
            old = self._painted.get(y)
            if state is None and old is None:
                continue
            if state is None or old is None or state[0] is not old[0] or state[1] != old[1]:
                self.refresh_line(row + 1)

    def on_focus(self) -> None:
        self._base = None
        self.refresh()

    def on_blur(self) -> None:
        self._base = None
        self.refresh()

    def notify_style_update(self) -> None:
        # Theme switch: every cached line carries old colours.
        super().notify_style_update()
        self._lines.clear()
        self._header_cache = None
        self._base = None
        self._kind_styles.clear()

    def _base_style(self) -> Style:
        # Resolving the widget's style walks the DOM: once per theme, not per row.
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def _kind_color(self, color: str, on: str | None = None) -> Style:
        """A kind's hue, made readable on the surface (or on the cursor row's ``on``)."""
        key = (color, on)
        got = self._kind_styles.get(key)
        if got is None:
            bg = on or theme_color(self.app, "surface")
            got = self._kind_styles[key] = Style(color=readable(color, bg))
        return got

    def _fg(self, component: str, on: str | None = None) -> Style:
        """A component's foreground (no background), readable on ``on`` when given.

        ``partial=True`` would lose colours Textual computes against the
        background ("auto 60%" for muted text resolves to plain white), so the
        full style is resolved and only its background dropped.
        """
        key = (component, on)
        got = self._kind_styles.get(key)
        if got is None:
            full = self.get_component_rich_style(component)
            color = full.color.get_truecolor().hex if full.color is not None else None
            if color is not None:
                # Theme colours ($success, $warning) are tuned for widget backgrounds,
                # not for text on the surface: a light theme's amber would vanish.
                color = readable(color, on or theme_color(self.app, "surface"), 3.0)
            got = self._kind_styles[key] = Style(
                color=color, bold=full.bold, italic=full.italic, underline=full.underline
            )
        return got

    # -- rendering -------------------------------------------------------------
    def _axis(self, now: int) -> tuple[int, int]:
        trace = self.store.traces.get(self._trace_id) if self._trace_id else None
        if trace is None:
            return self._analysis.start_ns, max(self._analysis.end_ns, self._analysis.start_ns + 1)
        t0 = trace.start_ns
        t1 = trace.end_ns
        if trace.totals.running:
            t1 = max(t1, now)
        return t0, t0 + axis_length(t1 - t0)

    def _now_tick(self) -> int:
        # Running spans draw at 100 ms resolution so their cache keys change only that often.
        return (self.now_ns() // _TICK_NS) * _TICK_NS

    def render_line(self, y: int) -> Strip:
        width = self.content_width
        now = self._now_tick()
        scroll = int(self.scroll_y)
        if scroll != self._painted_scroll or width != self._painted_width:
            self._painted.clear()
            self._painted_scroll = scroll
            self._painted_width = width
        if y == 0:
            return self._render_header(width, now)
        row = scroll + y - 1
        state = self._row_state(row, width, now) if self._tree is not None and 0 <= row < len(self._rows) else None
        if state is None:
            self._painted.pop(y, None)
            return Strip.blank(width, self._base_style())
        self._painted[y] = state
        span, key = state
        cached = self._lines.get(key)
        if cached is not None and cached[0] is span:
            return cached[1]
        _sid, _w, guides, disclosure, selected, dimmed, critical, hot, t0, t1, _now = key
        strip = self._build_row(span, width, guides, disclosure, bool(selected), dimmed, critical, hot, t0, t1, now)
        self._lines[key] = (span, strip)
        return strip

    def _row_state(self, row: int, width: int, now: int) -> tuple[Span, tuple] | None:
        """The span a row shows and everything else its pixels depend on (the cache key)."""
        rows = self._rows
        sid = rows.sid(row)
        tree = self._tree
        span = tree.spans.get(sid) if tree is not None else None
        if span is None:
            return None
        running = span.end_ns is None
        selected = sid == self._cursor_id
        focused = self.has_focus
        dimmed = self._visible is not None and sid not in self._match_ids
        critical = sid in self._analysis.critical
        hot = sid in self._analysis.hotspots
        guides = rows.guides(row)
        disclosure = rows.disclosure(row)
        t0, t1 = self._axis(now)
        key = (
            sid,
            width,
            guides,
            disclosure,
            selected and (2 if focused else 1),
            dimmed,
            critical,
            hot,
            t0,
            t1,
            # a running span redraws with the clock; at a recording's end it reads "unfinished"
            (now, self._recording_over()) if running else 0,
        )
        return span, key

    def _recording_over(self) -> bool:
        return bool(getattr(self.app, "recording_over", False)) if self.is_attached else False

    def _build_row(
        self,
        span: Span,
        width: int,
        guides: str,
        disclosure: int,
        selected: bool,
        dimmed: bool,
        critical: bool,
        hot: bool,
        t0: int,
        t1: int,
        now: int,
    ) -> Strip:
        cstyle = self.get_component_rich_style
        base = self._base_style()
        on: str | None = None
        if selected:
            cur = cstyle("span-tree--cursor")
            base = base + Style(color=cur.color, bgcolor=cur.bgcolor, bold=cur.bold)
            # Every colour on the cursor row must read on the cursor's background.
            on = cur.bgcolor.get_truecolor().hex if cur.bgcolor is not None else None
        fg = self._fg
        row_bg = base.bgcolor
        left_w, wf_w = layout(width)
        error = span.status in ERROR_STATUSES
        ks = kind_style(span.kind)
        dim_style = fg("span-tree--dim", on)
        muted = dim_style if dimmed else fg("span-tree--muted", on)
        err_style = fg("span-tree--error", on)

        text = Text(style=base, no_wrap=True, end="")
        # The status column comes first, at a fixed place, so it survives any width
        # and reads without colour: ✗ error, ⧗ timeout, ⊘ cancelled, ◐ running, ◌ unfinished.
        unfinished = span.end_ns is None and self._recording_over()
        status = "unfinished" if unfinished else "running" if span.end_ns is None else span.status.value
        glyph = _ROW_GLYPH.get(status, " ")
        glyph_style = err_style if error else fg("span-tree--running", on) if status == "running" else muted
        text.append(glyph, glyph_style)
        text.append(" ")
        text.append(guides, fg("span-tree--guide", on))
        text.append("▾" if disclosure == 1 else "▸" if disclosure == 2 else " ", muted)
        text.append(ks.glyph, dim_style if dimmed else self._kind_color(ks.color, on))
        text.append(" ")
        name_style = dim_style if dimmed else err_style if error else Style()
        if not dimmed and self._visible is not None:
            name_style = name_style + fg("span-tree--match")
        text.append(clean(span.name, _TEXT_LIMIT) or "(unnamed)", name_style)
        if error:
            # The message first: at 120 columns the attributes would push it out of sight.
            msg = span.status_message or span.status.value
            text.append("  ✗ ", err_style)
            text.append(clean(msg, _TEXT_LIMIT), err_style)
        if hot:
            text.append(" ")
            text.append(" HOTSPOT ", cstyle("span-tree--hotspot"))
        for label, value in span_summary(span, limit=_TEXT_LIMIT // 4):
            text.append("  ")
            if label:
                text.append(label + " ", muted)
            text.append(clean(value, _TEXT_LIMIT // 4), dim_style if dimmed else Style())
        text.truncate(left_w, overflow="ellipsis", pad=True)

        dur = fmt_duration((span.end_ns if span.end_ns is not None else max(now, span.start_ns)) - span.start_ns)
        if unfinished:
            dur_style = muted  # the duration it had when the recording ended: no "…", no ticking
        elif span.end_ns is None:
            dur += "…"
            dur_style = fg("span-tree--running", on)
        else:
            dur_style = err_style if error else muted
        segments = list(text.render(self.app.console))
        segments.append(Segment(" ", base))
        segments.append(Segment("●" if critical else " ", base + fg("span-tree--critical", on)))
        segments.append(Segment(dur.rjust(_DUR_W)[-_DUR_W:], base + dur_style))
        if wf_w:
            segments.append(Segment(" ", base))
            end = span.end_ns if span.end_ns is not None else max(now, span.start_ns)
            x0, x1 = bar_eighths(span.start_ns, end, t0, t1, wf_w)
            if error:
                color = err_style.color
            elif dimmed:
                color = dim_style.color
            else:
                color = self._kind_color(ks.color, on).color
            drawn = base + Style(color=color)
            rev = Style(color=row_bg, bgcolor=color) if row_bg is not None else Style(color=color, reverse=True)
            rev = base + rev
            styles = (base, drawn, rev)
            for run, mode in waterfall_runs(x0, x1, wf_w):
                segments.append(Segment(run, styles[mode]))
        return Strip(segments).adjust_cell_length(width, base)

    def _render_header(self, width: int, now: int) -> Strip:
        tree = self._tree
        t0, t1 = self._axis(now)
        key = (width, tree.version if tree is not None else -1, self._evicted, t0, t1, now, self._filter is not None and len(self._match_pre), self._trace_id)
        if self._header_cache is not None and self._header_cache[0] == key:
            return self._header_cache[1]
        style = self.get_component_rich_style("span-tree--header")
        header_bg = style.bgcolor.get_truecolor().hex if style.bgcolor is not None else None
        muted = self._fg("span-tree--muted", header_bg)
        left_w, wf_w = layout(width)
        text = Text(style=style, no_wrap=True, end="")
        if self._trace_id is None:
            text.append("no trace selected", muted)
        elif self._evicted:
            text.append("trace ", muted)
            text.append(clean(self._trace_id, 64))
            text.append(" is not in memory (evicted, or not arrived yet)", muted)
        elif tree is not None:
            trace = self.store.traces.get(self._trace_id)
            name = trace.name if trace is not None else self._trace_id
            text.append(clean(name, _TEXT_LIMIT))
            text.append(f"  {len(tree)} span{'s' if len(tree) != 1 else ''}", muted)
            if tree.errors:
                text.append(f"  {len(tree.errors)} error{'s' if len(tree.errors) != 1 else ''}", self._fg("span-tree--error", header_bg))
            if self._filter is not None:
                text.append(f"  filter: {len(self._match_pre)} match{'es' if len(self._match_pre) != 1 else ''}", muted)
        text.truncate(left_w, overflow="ellipsis", pad=True)
        segments = list(text.render(self.app.console))
        trace = self.store.traces.get(self._trace_id) if self._trace_id else None
        if trace is not None:
            total = fmt_duration(trace.duration_ns(now))
        elif tree is not None:
            total = fmt_duration(self._analysis.duration_ns)
        else:
            total = ""
        segments.append(Segment(" " + " " + total.rjust(_DUR_W)[-_DUR_W:], style))
        if wf_w:
            segments.append(Segment(" " + self._scale(wf_w, t1 - t0), style + muted))
        strip = Strip(segments).adjust_cell_length(width, style)
        self._header_cache = (key, strip)
        return strip

    @staticmethod
    def _scale(width: int, total_ns: int) -> str:
        """Time-scale labels across the waterfall: 0 at the left, total at the right."""
        cells = [" "] * width
        labels = [(0, "0")]
        if width >= 24:
            labels.append((width // 2, fmt_duration(total_ns / 2)))
        labels.append((width, fmt_duration(total_ns)))
        for pos, label in labels:
            if pos == 0:
                start = 0
            elif pos >= width:
                start = width - len(label)
            else:
                start = pos - len(label) // 2
            start = max(0, min(width - len(label), start))
            for k, ch in enumerate(label[:width]):
                cells[start + k] = ch
        scale = "".join(cells)
        return scale if cell_len(scale) == width else scale[:width]
