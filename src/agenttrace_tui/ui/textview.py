"""A scrollable view of one pre-wrapped Rich Text, drawn line by line (Line API).

The detail and cost panes change whenever the selection or the totals move;
a ``Static.update`` there would ask Textual for a layout pass of the whole
screen on every change. This view only sets its virtual size and repaints
itself, and renders just the visible lines. Rendered lines live in a
bounded LRU the widget owns, dropped with new text, a new width or a new
theme (``notify_style_update``).
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .scrolling import set_virtual_size


def fit_strip(strip: Strip, width: int) -> Strip:
    """``strip.crop_extend(0, width, None)``, without its self-reference for a strip
    already ``width`` long: crop_extend caches its result on the strip, and when
    that result is the strip itself the strip becomes a reference cycle, which
    only the cyclic collector frees (its sweeps are what a key can wait for)."""
    if strip.cell_length == width:
        return strip
    return strip.crop_extend(0, width, None)


def _same_line(a: Text, b: Text) -> bool:
    """Two lines that render alike (``Text.__eq__`` looks at the characters and spans only)."""
    return (
        a.plain == b.plain
        and a.spans == b.spans
        and a.style == b.style
        and a.justify == b.justify
        and a.overflow == b.overflow
        and a.no_wrap == b.no_wrap
    )


class TextView(ScrollView, can_focus=True):
    ALLOW_MAXIMIZE = True
    #: j/k and g/G as in the tree and the lists (the arrows, PgUp/PgDn, Home/End are ScrollView's).
    BINDINGS = [
        Binding("j", "scroll_down", "Scroll down", show=False, id="text.down"),
        Binding("k", "scroll_up", "Scroll up", show=False, id="text.up"),
        Binding("g", "scroll_home", "Top", show=False, id="text.top"),
        Binding("G", "scroll_end", "Bottom", show=False, id="text.bottom"),
    ]
    #: Rendered lines kept at most (a pane shows a few dozen).
    CACHE_LINES = 512

    DEFAULT_CSS = """
    TextView { overflow-x: hidden; background: $surface; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.text = Text()
        self._lines: list[Text] = []
        self._strips: LRUCache[int, Strip] = LRUCache(self.CACHE_LINES)
        #: (style, width) for the lines of one repaint (see render_lines)
        self._pass: tuple[Style, int] | None = None

    @property
    def content_width(self) -> int:
        """Width to wrap to: the pane minus padding and the scrollbar."""
        return max(10, self.scrollable_content_region.width - 1)

    def set_text(self, text: Text, *, keep_scroll: bool = True) -> None:
        old = self._lines
        lines = list(text.split("\n", allow_blank=True))
        self.text = text
        self._lines = lines
        # A line equal to the one drawn at the same place keeps its strip, and only
        # the lines that changed are repainted: the cost pane's redraw once a second
        # (or at each tick while the selected session is busy) changes a few figures,
        # and a running span's detail only its duration, not the whole pane.
        same = keep_scroll and len(old) == len(lines) and self.is_attached
        kept: list[tuple[int, Strip]] = []
        if same:
            for i in list(self._strips.keys()):
                strip = self._strips.get(i)
                if strip is not None and i < len(lines) and _same_line(old[i], lines[i]):
                    kept.append((i, strip))
        self._strips.clear()
        for i, strip in kept:
            self._strips[i] = strip
        set_virtual_size(self, Size(self.content_width, len(lines)))
        if not keep_scroll:
            self.scroll_to(0, 0, animate=False, force=True)
        if not same:
            self.refresh()
            return
        top = int(self.scroll_offset.y)
        for i in range(top, min(len(lines), top + self.size.height)):
            if not _same_line(old[i], lines[i]):
                self.refresh_line(i)

    def plain(self) -> str:
        return self.text.plain

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's style and width are resolved once per repaint, not per
        # line: ``rich_style`` walks the DOM and was a fifth of a frame's time.
        self._pass = (self.rich_style, self.scrollable_content_region.width)
        try:
            return super().render_lines(crop)
        finally:
            self._pass = None

    def render_line(self, y: int) -> Strip:
        base, width = self._pass or (self.rich_style, self.scrollable_content_region.width)
        index = int(self.scroll_offset.y) + y
        if index >= len(self._lines):
            return Strip.blank(width, base)
        strip = self._strips.get(index)
        if strip is None:
            line = self._lines[index]
            if line.cell_len > width:
                line = line.copy()
                line.truncate(width, overflow="ellipsis")
            strip = fit_strip(Strip(list(line.render(self.app.console))), width)
            self._strips[index] = strip
        return strip.apply_style(base)

    def on_resize(self) -> None:
        self._strips.clear()
        self.virtual_size = Size(self.content_width, len(self._lines))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self.refresh()
