"""The span tree with waterfall bars: a virtual (Line API) Textual widget.

Why not Textual's Tree or DataTable: Tree re-processes every node on any
change and a 100k-row DataTable takes seconds to build. This widget keeps no
widget per row and no message per span: it reads the store, keeps the
visible rows as flat arrays (``analysis.flatten``), and draws only the rows
on screen, each cached as a ``Strip`` keyed by what it shows.

The widget is built in layers, one job each: ``span_tree_paint`` draws rows
and the header (Line API, Strip cache), ``span_tree_rows`` keeps the shown
trace's tree, rows and cursor in step with the store, ``span_tree_state`` holds
the per-trace folds and the filter matches, ``waterfall`` the bar geometry.
This module is the widget itself: its CSS, keys, messages, filter and
navigation.

New data never moves the cursor (it stays on the same span id) nor the view
(the span at the top of the view stays there when rows are inserted above).
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message

from ..analysis.critical_path import HOTSPOT_RULE
from ..analysis.filter import (
    FILTER_HELP,
    FilterError,
    FilterResult,
    next_index,
    parse_filter,
)
from ..model import Span
from .span_tree_rows import SpanTreeRows

# The waterfall's geometry is re-exported: callers and tests import it from here.
from .waterfall import axis_length, bar_eighths, layout, waterfall_runs

__all__ = [
    "FILTER_HELP",
    "HOTSPOT_RULE",
    "FilterResult",
    "SpanTreeView",
    "axis_length",
    "bar_eighths",
    "layout",
    "waterfall_runs",
]

class SpanTreeView(SpanTreeRows, can_focus=True):
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

    # -- public API ------------------------------------------------------------
    @property
    def match_count(self) -> int:
        return len(self._matches.pre)

    @property
    def filter_text(self) -> str:
        return self._matches.filter.text if self._matches.filter is not None else ""

    def set_filter(self, query: str) -> FilterResult:
        """Filter the tree (``FILTER_HELP``): hide non-matching spans, keep their ancestors.

        ``""`` clears. A bad query leaves the current filter in place and
        returns the error message.
        """
        query = query.strip()
        if not query:
            self._matches.filter = None
        else:
            try:
                flt = parse_filter(query)
            except FilterError as e:
                return FilterResult(len(self._matches.pre), str(e))
            flt.session_label = self._session_label
            self._matches.filter = flt
        if self._trace_id is not None:
            view = self._view(self._trace_id)
            if view.filter_text != query:
                view.filter_text = query
                view.filter_collapsed.clear()
        self._compute_matches()
        self._reflatten(anchor=False)
        if self._matches.filter is not None and self._cursor_id not in self._matches.ids and self._matches.pre:
            self._select_pre(self._matches.pre[0])
        elif len(self._rows) and self.cursor_row < 0:
            self._set_cursor(0, scroll=True)
        self._ensure_cursor_visible()
        self.refresh()
        return FilterResult(len(self._matches.pre) if self._matches.filter is not None else 0, None)

    def next_match(self, forward: bool = True) -> bool:
        """Move to the next (previous) span matching the filter, wrapping around."""
        if self._tree is None or not self._matches.pre:
            return False
        cur = self._tree.index.get(self._cursor_id, -1) if self._cursor_id else -1
        nxt = next_index(self._matches.pre, cur, forward, wrap=True)
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
        if self._matches.visible is not None:
            errors = [i for i in errors if tree.order[i] in self._matches.ids]
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
        if self._matches.visible is not None and span_id not in self._matches.visible:
            return
        self._select_pre(tree.index[span_id])

    def _cursor_moved(self, trace_id: str, span_id: str) -> None:
        self.post_message(self.SpanHighlighted(trace_id, span_id))

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

