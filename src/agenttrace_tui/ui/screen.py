"""The monitor's main screen: the panes' home, and the size classes its stylesheet reads.

The layout follows the terminal through Textual's breakpoints, never by
polling the size: below ``NARROW_WIDTH`` columns the screen has ``-narrow``,
below ``NARROW_HEIGHT`` rows ``-short``, and either stacks the panes
(``styles/app.tcss``). Textual applies breakpoints only to the screen on top
when the terminal is resized, so a resize while help, the picker or the
palette is open would leave this screen in the layout of the old size (at
80x24 the wide layout gives the session list no row at all): on resume the
screen applies its classes for the size it comes back to.
"""

from __future__ import annotations

from textual import events
from textual.geometry import Size
from textual.screen import Screen

#: Below this many columns (``-narrow``) or rows (``-short``) the panes stack.
NARROW_WIDTH = 100
NARROW_HEIGHT = 30


def breakpoint_class(value: int, breakpoints: list[tuple[int, str]]) -> str | None:
    """The class of the highest breakpoint at or below ``value`` (Textual's rule)."""
    for threshold, name in sorted(breakpoints, reverse=True):
        if value >= threshold:
            return name
    return None


class MonitorScreen(Screen[None]):
    """The default screen of the monitor app (live, history and replay show here)."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_WIDTH, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (NARROW_HEIGHT, "-tall")]

    @property
    def stacked(self) -> bool:
        """True when the panes stack (narrow or short terminal)."""
        return self.has_class("-narrow") or self.has_class("-short")

    def apply_size_classes(self, size: Size) -> None:
        """Set the breakpoint classes for ``size`` (what Textual does on a resize of the top screen)."""
        classes: dict[str, bool] = {}
        for value, points in ((size.width, self.HORIZONTAL_BREAKPOINTS or []), (size.height, self.VERTICAL_BREAKPOINTS or [])):
            chosen = breakpoint_class(value, points)
            classes.update({name: name == chosen for _, name in points})
        self.update_classes(classes, animate=False)

    def _compositor_refresh(self) -> None:
        # Textual writes a frame here (only when something on the screen changed).
        # The app hears of it: a refresh tick put off while a key's frame was
        # pending runs now (AgentTraceApp._frame_written).
        super()._compositor_refresh()
        written = getattr(self.app, "_frame_written", None)
        if written is not None:
            written()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # The terminal may have changed size while another screen was on top.
        self.apply_size_classes(self.app.size)

    def on_resize(self, event: events.Resize) -> None:
        # A size the app no longer has: a newer one is on its way here (the app posts each
        # change). Laid out at it anyway, Textual's screen can flip between the two sizes
        # without end, each layout posting the other: under ``serve``, a tab closed as it
        # opened left the app spinning a core, its memory growing, never exiting (the
        # browser's size racing the web driver's first one, see AgentTraceApp.on_resize).
        if event.size != self.app.size:
            event.prevent_default()
