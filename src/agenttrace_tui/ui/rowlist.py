"""A virtual list of keyed rows (Line API): the base of the session and trace lists.

These lists can hold thousands of rows, so nothing is built per row up
front: the widget keeps only the list of keys, draws the visible rows on
demand and caches each rendered row under a "stamp" the subclass computes
(usually the entity's store version, plus a time bucket while it runs). A
refresh that finds an unchanged stamp costs a dict lookup. The cursor is
tied to a key, so rows appended by new data never move it.

Line 0 is a fixed column header; data row ``i`` is drawn on line
``i - scroll_y + 1``, so the virtual height is ``len(keys) + 1``.

The widget owns its row cache: a bounded LRU (as Textual's own ``Log``)
cleared when the theme changes (``notify_style_update``), the width changes,
or the rows come from another store (``rebind``).

Names that would read alike cut in the flexible column (an agent's turns named
by prompts that begin alike) are shown from where they differ
(``distinct_names``).

While the app is paused (``freeze``) a row is not read from the store at
each paint: the cells it showed are kept, so a repaint (focus moving, the
cursor, a resize) draws the same figures as the panes beside it.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..store.memory import Store
from .scrolling import set_virtual_size
from .text import distinct_cuts
from .textview import fit_strip


@dataclass(frozen=True)
class Column:
    """One column: fixed ``width`` (0: takes the rest), dropped when the pane is narrower
    than ``min_total`` (its width, a scrollbar's cell included: see ``RowList._layout``)."""

    title: str
    width: int
    justify: str = "left"
    min_total: int = 0


class RowList(ScrollView, can_focus=True):
    """Keyed rows with a cursor; subclasses supply columns, cells and stamps."""

    ALLOW_MAXIMIZE = True

    COMPONENT_CLASSES = {"rowlist--header", "rowlist--cursor", "rowlist--cursor-blurred"}

    DEFAULT_CSS = """
    RowList { background: $surface; }
    RowList > .rowlist--header { color: $text-muted; text-style: bold; }
    RowList > .rowlist--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    RowList > .rowlist--cursor-blurred { background: $block-cursor-blurred-background; }
    """

    BINDINGS = [
        Binding("down,j", "cursor_down", "Down", show=False, id="list.cursor_down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="list.cursor_up"),
        Binding("home,g", "first", "Top", show=False, id="list.top"),
        Binding("end,G", "last", "Bottom", show=False, id="list.bottom"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("enter,l,right", "open", "Open", show=False, id="list.open"),
    ]

    #: Columns from the widest layout down; the first with width 0 is the flexible one.
    COLUMNS: list[Column] = []
    #: Rendered rows kept at most (a screenful is a few dozen; scrolling back reuses them).
    CACHE_ROWS = 1024

    class Highlighted(Message):
        """The cursor moved to another key (user, follow or palette)."""

        def __init__(self, rowlist: RowList, key: str | None) -> None:
            super().__init__()
            self.rowlist = rowlist
            self.key = key

        @property
        def control(self) -> RowList:
            return self.rowlist

    class Opened(Message):
        """Enter on a row: the app moves focus to the next pane."""

        def __init__(self, rowlist: RowList, key: str) -> None:
            super().__init__()
            self.rowlist = rowlist
            self.key = key

        @property
        def control(self) -> RowList:
            return self.rowlist

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.keys: list[str] = []
        self._index: dict[str, int] = {}
        self._cursor_key: str | None = None
        self._cache: LRUCache[str, tuple[Hashable, int, Strip]] = LRUCache(self.CACHE_ROWS)
        self._header: tuple[int, Strip] | None = None
        #: (style, width) for the lines of one repaint (see render_lines)
        self._pass: tuple[Style, int] | None = None
        #: While paused: key -> (cells as read, width, strip drawn at that width); None: live
        self._frozen: dict[str, tuple[list[Text], int, Strip | None]] | None = None
        #: The last ``distinct_names`` asked: (width, names, answer), kept while both stay.
        self._distinct: tuple[int, dict[str, str], dict[str, str]] | None = None

    # -- subclass hooks --------------------------------------------------
    def row_cells(self, key: str) -> list[Text]:
        """One Text per column in ``COLUMNS`` order (untrusted parts via safe_text)."""
        raise NotImplementedError

    def row_stamp(self, key: str) -> Hashable:
        """Changes whenever the row's text would; the cache key."""
        raise NotImplementedError

    # -- keys and cursor -------------------------------------------------
    @property
    def cursor_key(self) -> str | None:
        return self._cursor_key

    @property
    def cursor_index(self) -> int:
        return self._index.get(self._cursor_key, -1) if self._cursor_key is not None else -1

    def set_keys(self, keys: list[str]) -> None:
        """Replace the row keys; the cursor stays on its key (never moves with new data)."""
        if keys == self.keys:
            return
        appended = len(keys) > len(self.keys) and keys[: len(self.keys)] == self.keys
        if appended:
            start = len(self.keys)
            self.keys.extend(keys[start:])
            for i in range(start, len(self.keys)):
                self._index[self.keys[i]] = i
        else:
            self.keys = list(keys)
            self._index = {k: i for i, k in enumerate(self.keys)}
        cursor_gone = self._cursor_key is not None and self._cursor_key not in self._index
        set_virtual_size(self, Size(self.size.width, len(self.keys) + 1))
        if cursor_gone:
            # Evicted under the cursor: keep the same position rather than jump to the top.
            self.move_to(min(len(self.keys) - 1, max(0, self._last_index)) if self.keys else -1)
        self.refresh()

    _last_index = 0

    def select_key(self, key: str | None, *, scroll: bool = True) -> bool:
        """Put the cursor on ``key`` (programmatic: follow, palette, error jump)."""
        if key is None or key not in self._index:
            return False
        self.move_to(self._index[key], scroll=scroll)
        return True

    def move_to(self, index: int, *, scroll: bool = True) -> None:
        if not self.keys or index < 0:
            changed = self._cursor_key is not None
            self._cursor_key = None
            if changed:
                self.post_message(self.Highlighted(self, None))
            self.refresh()
            return
        index = max(0, min(len(self.keys) - 1, index))
        key = self.keys[index]
        self._last_index = index
        if scroll:
            self._scroll_to_index(index)
        if key != self._cursor_key:
            self._cursor_key = key
            self.refresh()
            self.post_message(self.Highlighted(self, key))

    def _scroll_to_index(self, index: int) -> None:
        body = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if index < top:
            self.scroll_to(y=index, animate=False, force=True)
        elif index >= top + body:
            self.scroll_to(y=index - body + 1, animate=False, force=True)

    def visible_keys(self) -> list[str]:
        """The keys of the rows on screen now."""
        top = int(self.scroll_offset.y)
        return self.keys[top : top + max(0, self.size.height - 1)]

    def before_touch(self) -> None:
        """Hook: update what every visible row depends on (e.g. a column's decimals)."""

    def flex_width(self) -> int:
        """The flexible column's width in the rows as they are drawn now (0: none shows)."""
        for i, col in self._layout(self.scrollable_content_region.width, self.size.width):
            if not self.COLUMNS[i].width:
                return col.width
        return 0

    def distinct_names(self, names: dict[str, str]) -> dict[str, str]:
        """``text.distinct_cuts`` of ``names`` (the visible rows' key -> name) at the flexible
        column's width: the names to show instead, for rows that would read alike cut. The last
        answer is kept while the names and the width stay (asked at every tick)."""
        width = self.flex_width()
        got = self._distinct
        if got is None or got[0] != width or got[1] != names:
            got = self._distinct = (width, names, distinct_cuts(names, width))
        return got[2]

    def touch(self) -> None:
        """Repaint only the visible rows whose stamp changed since they were drawn."""
        if self._frozen is not None:
            return
        self.before_touch()
        height = self.size.height
        if height <= 1:
            return
        top = int(self.scroll_offset.y)
        width = self.size.width
        for y in range(1, height):
            index = top + y - 1
            if index >= len(self.keys):
                break
            key = self.keys[index]
            hit = self._cache.get(key)
            if hit is None or hit[0] != self.row_stamp(key):
                self.refresh(Region(0, y, width, 1))

    # -- actions ---------------------------------------------------------
    def action_cursor_down(self) -> None:
        self.move_to(self.cursor_index + 1 if self.cursor_index >= 0 else 0)

    def action_cursor_up(self) -> None:
        self.move_to(max(0, self.cursor_index - 1))

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self.keys) - 1)

    def action_page_down(self) -> None:
        self.move_to(max(0, self.cursor_index) + max(1, self.size.height - 2))

    def action_page_up(self) -> None:
        self.move_to(max(0, self.cursor_index - max(1, self.size.height - 2)))

    def action_open(self) -> None:
        if self._cursor_key is not None:
            self.post_message(self.Opened(self, self._cursor_key))

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.move_to(int(self.scroll_offset.y) + event.y - 1)

    def on_resize(self, event: events.Resize) -> None:
        self.clear_cache()
        self.virtual_size = Size(event.size.width, len(self.keys) + 1)
        # Fewer rows fit now (a smaller terminal, a stacked layout): the cursor's
        # row must stay on screen, or nothing shown is highlighted.
        if self.cursor_index >= 0:
            self._scroll_to_index(self.cursor_index)

    def clear_cache(self) -> None:
        """Drop every rendered row (and the header): the next paint rebuilds them."""
        self._cache.clear()
        self._header = None
        self.refresh()

    def notify_style_update(self) -> None:
        # A theme change restyles every cell: what is cached was drawn in the old one.
        super().notify_style_update()
        self.clear_cache()

    #: the store rows are read from (set by the subclasses and by ``rebind``)
    store: Store

    def rebind(self, store: Store) -> None:
        """Read rows from another store (a replay rebuilt, a saved session, back to live):
        no row, stamp or key of the old one is kept."""
        self.store = store
        if self._frozen is not None:
            self._frozen = {}
        self.clear_cache()
        self.set_keys([])

    # -- pause -----------------------------------------------------------
    def freeze(self) -> None:
        """Pause: the rows on screen are read now and keep what they show until ``thaw``.

        The cells are kept, not the drawn lines, so a resize lays the same
        figures out anew. A row first drawn while paused (scrolled to, or in a
        session opened meanwhile) is read then, and kept from there on.
        Called again while paused, it reads the rows on screen anew.
        """
        self.before_touch()
        self._frozen = {key: (self.row_cells(key), -1, None) for key in self.visible_keys()}
        self.refresh()

    def reread(self, key: str) -> None:
        """While paused: read ``key``'s row again now (the app opened it, and reads what goes with it now)."""
        if self._frozen is not None and key in self._index:
            self._frozen[key] = (self.row_cells(key), -1, None)
            self.refresh()

    def thaw(self) -> None:
        """Resume: rows are read from the store again (the row cache was left alone)."""
        self._frozen = None
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- drawing ---------------------------------------------------------
    def _layout(self, width: int, pane_width: int = 0) -> list[tuple[int, Column]]:
        """(index, column) pairs that fit ``width``, with the flexible width resolved.

        Which columns show is judged on ``pane_width``, the pane's whole width,
        not on ``width`` (what is left beside a scrollbar): a list that grows a
        scrollbar (a sixth trace at 120x36) keeps its columns, and the flexible
        one gives up the cell.
        """
        room = max(width, pane_width)
        cols = [(i, c) for i, c in enumerate(self.COLUMNS) if room >= c.min_total]
        fixed = sum(c.width + 1 for _, c in cols if c.width)
        flex = max(4, width - fixed)
        return [(i, Column(c.title, c.width or flex, c.justify)) for i, c in cols]

    def _compose_line(self, cells: list[Text], width: int) -> Strip:
        line = Text(no_wrap=True, end="")
        layout = self._layout(width, self.size.width)
        for n, (i, col) in enumerate(layout):
            cell = cells[i].copy() if i < len(cells) else Text()
            cell.no_wrap = True
            cell.truncate(col.width, overflow="ellipsis")
            pad = col.width - cell.cell_len
            if col.justify == "right":
                line.append(" " * pad)
                line.append_text(cell)
            else:
                line.append_text(cell)
                line.append(" " * pad)
            if n < len(layout) - 1:
                line.append(" ")
        segments = list(line.render(self.app.console))
        return fit_strip(Strip(segments), width)

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's style and width are resolved once per repaint, not per
        # line: ``rich_style`` walks the DOM and was a fifth of a frame's time.
        self._pass = (self.rich_style, self.scrollable_content_region.width)
        try:
            return super().render_lines(crop)
        finally:
            self._pass = None

    def _frozen_line(self, key: str, width: int) -> Strip:
        """A row while paused: drawn from the cells kept for it (read now if it has none)."""
        assert self._frozen is not None
        got = self._frozen.get(key)
        if got is not None and got[1] == width and got[2] is not None:
            return got[2]
        cells = got[0] if got is not None else self.row_cells(key)
        strip = self._compose_line(cells, width)
        self._frozen[key] = (cells, width, strip)
        return strip

    def render_line(self, y: int) -> Strip:
        # Not size.width: once rows overflow, the scrollbar takes a column.
        base, width = self._pass or (self.rich_style, self.scrollable_content_region.width)
        if y == 0:
            # A full repaint starts here: settle what the rows below share first.
            self.before_touch()
            if self._header is None or self._header[0] != width:
                titles = [Text(c.title) for c in self.COLUMNS]
                strip = self._compose_line(titles, width)
                style = self.get_component_rich_style("rowlist--header")
                self._header = (width, strip.apply_style(base + style))
            return self._header[1]
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self.keys):
            return Strip.blank(width, base)
        key = self.keys[index]
        if self._frozen is not None:
            strip = self._frozen_line(key, width)
        else:
            stamp = self.row_stamp(key)
            hit = self._cache.get(key)
            if hit is not None and hit[0] == stamp and hit[1] == width:
                strip = hit[2]
            else:
                strip = self._compose_line(self.row_cells(key), width)
                self._cache[key] = (stamp, width, strip)
        if key == self._cursor_key:
            name = "rowlist--cursor" if self.has_focus else "rowlist--cursor-blurred"
            cursor: Style = self.get_component_rich_style(name)
            # The cursor colour wins over the cells' own backgrounds.
            return Strip(Segment.apply_style(strip, base, cursor)).simplify()
        return strip.apply_style(base)
