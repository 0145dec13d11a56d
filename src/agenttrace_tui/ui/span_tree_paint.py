"""Drawing the span tree: one row at a time through Textual's Line API, cached as Strips.

``SpanTreePainter`` is the drawing half of ``span_tree.SpanTreeView``: it turns
the widget's state (the trace's tree, the flat visible rows, the cursor, the
filter matches, the critical path) into lines. Each row is cached as a ``Strip``
keyed by everything its cells depend on, so an unchanged row costs a dict look-up;
after new data only the screen lines whose key changed are repainted.

Layout of a row (columns stay aligned whatever the names contain):
``glyph guides ▾ kind name [HOTSPOT] key attrs ✗ error │ ● duration │ waterfall``.
Line 0 is a fixed header (trace name, counts, time scale); it never scrolls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..analysis.critical_path import TraceAnalysis
from ..analysis.rows import Rows
from ..analysis.summary import span_summary
from ..analysis.tree import ERROR_STATUSES, TraceTree
from ..format.numbers import fmt_duration
from ..model import Span
from ..store.memory import Store
from .colors import readable, theme_color
from .kinds import kind_style
from .scrolling import set_virtual_size
from .span_tree_state import FilterMatches
from .text import clean
from .waterfall import DUR_W, axis_length, bar_eighths, layout, time_scale, waterfall_runs

__all__ = ["SpanTreePainter"]

#: How many span names/attrs we even look at per row (a 100 KB name costs this much).
TEXT_LIMIT = 400
#: Running spans re-render at most this often (their duration and bar tick).
TICK_NS = 100_000_000
#: The status column of a row (blank for ok): readable without colour.
_ROW_GLYPH = {"error": "✗", "timeout": "⧗", "cancelled": "⊘", "running": "◐", "unfinished": "◌"}

#: Cells a trace's name keeps in the tree's header line whatever counts follow it.
NAME_MIN = 12


class Frozen(NamedTuple):
    """What the tree draws while the app is paused (``SpanTreeRows.freeze``)."""

    spans: Mapping[str, Span]
    axis: tuple[int, int]
    #: the trace's duration in the header (None: no trace in the store)
    duration_ns: int | None


class SpanTreePainter(ScrollView):
    """The drawing half of the span tree; ``SpanTreeView`` adds its state and keys."""

    # The state this class draws, owned and kept current by SpanTreeView.
    store: Store
    now_ns: Callable[[], int]
    _trace_id: str | None
    _tree: TraceTree | None
    #: The whole tree ``_tree`` is drawn from (``SpanTreeRows``: internals left out of ``_tree``).
    _whole: TraceTree | None
    _rows: Rows
    _cursor_id: str | None
    _matches: FilterMatches
    _analysis: TraceAnalysis
    _evicted: bool
    #: While paused: what is drawn instead of the store's (``SpanTreeRows.freeze``); None: live
    _frozen: Frozen | None

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._lines: LRUCache[tuple, tuple[Span, Strip]] = LRUCache(4096)
        self._header_cache: tuple[tuple, Strip] | None = None
        self._base: Style | None = None
        #: screen line -> (span, cache key) last painted there, to repaint only what changed
        self._painted: dict[int, tuple[Span, tuple]] = {}
        self._painted_scroll = -1
        self._painted_width = -1
        self._kind_styles: dict[tuple, Style] = {}

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    @property
    def content_width(self) -> int:
        """Cells a row is drawn on: the content area minus the vertical scrollbar."""
        return self.scrollable_content_region.width

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

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.content_width, len(self._rows) + 1)
        self._header_cache = None

    def _set_virtual_size(self) -> None:
        """Tell the scroll machinery how many rows there are, without a screen re-layout.

        Assigning ``virtual_size`` re-lays out the whole screen; a live trace
        grows at every refresh, so only the scrollbar is updated unless it
        has to appear or disappear.
        """
        set_virtual_size(self, Size(self.content_width, len(self._rows) + 1))

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
        if self._frozen is not None:
            return self._frozen.axis
        return self._live_axis(now)

    def _live_axis(self, now: int) -> tuple[int, int]:
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
        # Where time stopped it is exact, the figure every other pane shows: in a trace whose
        # session ended with spans open, at the session's end; at a recording's end, there;
        # in a paused replay, where it paused.
        now = self.now_ns()
        cut = self._cut_ns()
        if cut is not None and cut <= now:
            return cut
        if self.is_attached and (getattr(self.app, "recording_over", False) or getattr(self.app, "clock_stopped", False)):
            return now  # (a paused replay read 0ns… in the tree beside 4.0ms in the detail)
        return (now // TICK_NS) * TICK_NS

    def _cut_ns(self) -> int | None:
        trace = self.store.traces.get(self._trace_id) if self._trace_id else None
        return trace.cut_ns if trace is not None else None

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
        spans = self._frozen.spans if self._frozen is not None else tree.spans if tree is not None else None
        span = spans.get(sid) if spans is not None else None
        if span is None:
            return None
        running = span.end_ns is None
        selected = sid == self._cursor_id
        focused = self.has_focus
        dimmed = self._matches.visible is not None and sid not in self._matches.ids
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
        """Open spans read "unfinished": at a recording's end, or when the trace's session ended."""
        if self.is_attached and getattr(self.app, "recording_over", False):
            return True
        return self._cut_ns() is not None

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
        if not dimmed and self._matches.visible is not None:
            name_style = name_style + fg("span-tree--match")
        text.append(clean(span.name, TEXT_LIMIT) or "(unnamed)", name_style)
        if error:
            # The message first: at 120 columns the attributes would push it out of sight.
            msg = span.status_message or span.status.value
            text.append("  ✗ ", err_style)
            text.append(clean(msg, TEXT_LIMIT), err_style)
        if hot:
            text.append(" ")
            text.append(" HOTSPOT ", cstyle("span-tree--hotspot"))
        left_out = False
        for label, value, whole in span_summary(span, limit=TEXT_LIMIT // 4):
            value = clean(value, TEXT_LIMIT // 4)
            if whole and text.cell_len + 2 + (len(label) + 1 if label else 0) + cell_len(value) > left_w - 3:
                # A number that does not fit is left out, never cut ("$0.0033" must not read "$0…");
                # a shorter one after it may still fit (a "$?" after token counts that do not).
                left_out = True
                continue
            text.append("  ")
            if label:
                text.append(label + " ", muted)
            text.append(value, dim_style if dimmed else Style())
            if text.cell_len >= left_w:
                break
        if left_out and text.cell_len < left_w:
            text.append("  …", muted)
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
        segments.append(Segment(dur.rjust(DUR_W)[-DUR_W:], base + dur_style))
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
        key = (width, tree.version if tree is not None else -1, self._evicted, t0, t1, now, self._matches.filter is not None and len(self._matches.pre), self._trace_id)
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
            # The counts after the name, whole: the name gives way to them ("1 error  fil…" was
            # the filter's count cut off).
            tags = Text(no_wrap=True, end="")
            whole = len(self._whole) if self._whole is not None else len(tree)
            # A client's framework internals left out: "5 of 425 spans" (``i`` shows them).
            of = f" of {whole}" if whole != len(tree) else ""
            tags.append(f"  {len(tree)}{of} span{'s' if whole != 1 else ''}", muted)
            if trace is not None and trace.trimmed:
                # Too big for the span budget: its oldest spans left memory (store/budget.py).
                where = "in the database" if self.store.track_dirty else "not kept (no database)"
                tags.append(f"  trimmed: {trace.trimmed:,} older span{'s' if trace.trimmed != 1 else ''} {where}",
                            self._fg("span-tree--error", header_bg))
            if tree.errors:
                tags.append(f"  {len(tree.errors)} error{'s' if len(tree.errors) != 1 else ''}", self._fg("span-tree--error", header_bg))
            if self._matches.filter is not None:
                n = len(self._matches.pre)
                # Shorter when the line is short, and none rather than a cut one: the filter
                # bar under the tree says how many match too.
                for tag in (f"  filter: {n} match{'es' if n != 1 else ''}", f"  filter: {n}"):
                    if tags.cell_len + len(tag) + NAME_MIN <= left_w:
                        tags.append(tag, muted)
                        break
            shown = Text(clean(name, TEXT_LIMIT), no_wrap=True, end="")
            shown.truncate(max(NAME_MIN, left_w - tags.cell_len), overflow="ellipsis")
            text.append_text(shown)
            text.append_text(tags)
        text.truncate(left_w, overflow="ellipsis", pad=True)
        segments = list(text.render(self.app.console))
        trace = self.store.traces.get(self._trace_id) if self._trace_id else None
        if self._frozen is not None and self._frozen.duration_ns is not None:
            total = fmt_duration(self._frozen.duration_ns)
        elif trace is not None:
            total = fmt_duration(trace.duration_ns(now))
        elif tree is not None:
            total = fmt_duration(self._analysis.duration_ns)
        else:
            total = ""
        segments.append(Segment(" " + " " + total.rjust(DUR_W)[-DUR_W:], style))
        if wf_w and (trace is not None or tree is not None):  # no trace, no time to scale
            segments.append(Segment(" " + time_scale(wf_w, t1 - t0), style + muted))
        strip = Strip(segments).adjust_cell_length(width, style)
        self._header_cache = (key, strip)
        return strip
