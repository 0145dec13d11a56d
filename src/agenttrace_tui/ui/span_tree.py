"""The span tree with waterfall bars: a virtual (Line API) Textual widget.

SKELETON: the public API is final; rendering is minimal and gets replaced.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from rich.segment import Segment
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..model import Span
from ..store.memory import Store
from .text import clean


@dataclass(frozen=True)
class FilterResult:
    matches: int
    error: str | None = None


class SpanTreeView(ScrollView, can_focus=True):
    """Span tree + waterfall of one trace, drawn from the store row by row."""

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="tree.cursor_down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="tree.cursor_up"),
        Binding("enter,l,right", "expand", "Expand", id="tree.expand"),
        Binding("h,left", "collapse", "Collapse/parent", id="tree.collapse"),
        Binding("g,home", "top", "Top", show=False, id="tree.top"),
        Binding("G,end", "bottom", "Bottom", show=False, id="tree.bottom"),
        Binding("pageup", "page_up", "Page up", show=False, id="tree.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="tree.page_down"),
        Binding("left_square_bracket", "collapse_all", "Collapse all", id="tree.collapse_all"),
        Binding("right_square_bracket", "expand_all", "Expand all", id="tree.expand_all"),
        Binding("n", "next_match", "Next match", id="tree.next_match"),
        Binding("N", "previous_match", "Previous match", id="tree.previous_match"),
        Binding("e", "next_error", "Next error", id="tree.next_error"),
        Binding("y", "copy", "Copy span JSON", id="tree.copy"),
    ]

    class SpanHighlighted(Message):
        """The cursor landed on another span (coalesced)."""

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

    def __init__(self, store: Store, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.store = store
        self.now_ns: Callable[[], int] = time.time_ns
        self._trace_id: str | None = None
        self._rows: list[tuple[str, int]] = []
        self._cursor = 0
        self._version = -1

    @property
    def trace_id(self) -> str | None:
        return self._trace_id

    @property
    def selected_span(self) -> Span | None:
        if self._trace_id is None or not self._rows:
            return None
        return self.store.span(self._trace_id, self._rows[self._cursor][0])

    def show_trace(self, trace_id: str | None) -> None:
        self._trace_id = trace_id
        self._cursor = 0
        self._version = -1
        self.refresh_from_store()

    def refresh_from_store(self) -> None:
        trace = self.store.trace(self._trace_id) if self._trace_id else None
        version = trace.version if trace is not None else -2
        if version == self._version:
            return
        self._version = version
        rows: list[tuple[str, int]] = []
        if trace is not None:
            stack = [(sid, 0) for sid in reversed(trace.roots())]
            while stack:
                sid, depth = stack.pop()
                rows.append((sid, depth))
                kids = sorted(trace.children.get(sid, ()), key=lambda k: trace.spans[k].start_ns)
                stack.extend((k, depth + 1) for k in reversed(kids))
        self._rows = rows
        self._cursor = min(self._cursor, max(0, len(rows) - 1))
        self.virtual_size = Size(self.size.width, len(rows) + 1)
        self.refresh()

    def set_filter(self, query: str) -> FilterResult:
        return FilterResult(0, None)

    def next_match(self, forward: bool = True) -> bool:
        return False

    def next_error(self) -> bool:
        return False

    def select_span(self, span_id: str) -> None:
        for i, (sid, _) in enumerate(self._rows):
            if sid == span_id:
                self._move(i)
                return

    def _move(self, index: int) -> None:
        if not self._rows:
            return
        self._cursor = max(0, min(len(self._rows) - 1, index))
        self.refresh()
        if self._trace_id is not None:
            self.post_message(self.SpanHighlighted(self._trace_id, self._rows[self._cursor][0]))

    def action_cursor_down(self) -> None:
        self._move(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self._move(self._cursor - 1)

    def action_top(self) -> None:
        self._move(0)

    def action_bottom(self) -> None:
        self._move(len(self._rows) - 1)

    def action_copy(self) -> None:
        span = self.selected_span
        if span is not None:
            self.post_message(self.CopyRequested(span))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            return Strip([Segment("trace".ljust(width))])
        i = int(self.scroll_offset.y) + y - 1
        if i >= len(self._rows) or self._trace_id is None:
            return Strip.blank(width)
        sid, depth = self._rows[i]
        span = self.store.span(self._trace_id, sid)
        text = "  " * depth + clean(span.name if span else sid, 512)
        style = None
        if i == self._cursor:
            from rich.style import Style

            style = Style(reverse=True)
        return Strip([Segment(text, style)]).crop_extend(0, width, None)
