"""The key footer, rebuilt only when the keys it shows change.

Textual's ``Footer`` recomposes itself (every key widget removed, new ones
mounted, a layout pass of the whole screen) whenever the screen's bindings
are refreshed, which happens on every focus change. Tab between the session
list, the trace list, the cost and detail panes shows the same keys, yet each
Tab paid for a rebuild: 40-90 ms of CPU on the loop with a 200k-span store
(bench/bench_keys_attrib.py --key-seq tab). This footer notes what its last
composition was built from (each shown binding's key, label, action, enabled
state, tooltip and group) and skips a rebuild that would produce the same
widgets; anything else is Textual's ``Footer`` unchanged.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer

__all__ = ["KeyFooter"]


class KeyFooter(Footer):
    """``Footer`` without the rebuilds that would show the same keys."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        #: what the current key widgets were built from (``_shown_keys``); None: not built yet
        self._built_from: tuple | None = None

    def _shown_keys(self, screen: Screen) -> tuple:
        """Everything ``Footer.compose`` reads from the bindings, in its order."""
        app = self.app
        out = [
            (binding.key, app.get_key_display(binding), binding.description, binding.action, enabled, tooltip,
             binding.group, binding.tooltip)
            for (_node, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show
        ]
        palette = None
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE:
            got = screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
            if got is not None:
                _node, binding, enabled, tooltip = got
                palette = (binding.key, app.get_key_display(binding), binding.description, binding.action,
                           enabled, tooltip, binding.tooltip)
        return (tuple(out), palette, self.compact)

    def compose(self):
        self._built_from = self._shown_keys(self.screen) if self._bindings_ready else None
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        if (
            self._built_from is not None
            and screen.app.app_focus
            and self.is_attached
            and screen is self.screen
            and self._shown_keys(screen) == self._built_from
        ):
            return  # the same keys: the widgets on screen already show them
        super().bindings_changed(screen)
