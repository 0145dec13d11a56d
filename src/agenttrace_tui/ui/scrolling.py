"""A scroll view's virtual size, set without a layout pass of the whole screen.

``ScrollView.virtual_size`` is a Textual reactive with ``layout=True``:
assigning it asks for a layout of the whole screen, 25-55 ms of CPU at
120x36 with the monitor's panes (measured under ingest), although a new
content height changes nothing outside the pane unless its scrollbar appears
or disappears. The panes whose height follows their data (the detail and
cost text on each key or second, the session and trace lists as rows arrive,
the span tree as a live trace grows) set it here: the scrollbars are updated
in place, and a layout is asked for only when one shows or hides.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView

__all__ = ["set_virtual_size"]


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """``view.virtual_size = size``, re-laying out the screen only if a scrollbar shows or hides."""
    if size == view.virtual_size:
        return
    # Textual's own scrollbar update (private): without it, the plain assignment.
    scroll_update = getattr(view, "_scroll_update", None)
    if scroll_update is None or not view.is_attached:
        view.virtual_size = size
        return
    shown = (view.show_vertical_scrollbar, view.show_horizontal_scrollbar)
    view.set_reactive(ScrollView.virtual_size, size)
    scroll_update(size)
    if (view.show_vertical_scrollbar, view.show_horizontal_scrollbar) != shown:
        view.refresh(layout=True)
