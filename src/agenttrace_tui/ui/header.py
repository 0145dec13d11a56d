"""The one-line status header: receivers, rates, losses, DB, PAUSED/FOLLOW.

It is redrawn from a ``MonitorStatus`` snapshot on the app's timer, only when
the rendered text differs from what is on screen.
"""

from __future__ import annotations

import os

from rich.text import Text
from textual.widget import Widget

from ..runtime.monitor import MonitorStatus
from . import fmt
from .colors import style
from .text import clean

#: What the header says instead of LIVE for each view mode (ui/app.py's ``mode``).
MODE_LABELS = {"history": "HISTORY · H back to live", "replay": "REPLAY"}


def _short_path(path: str) -> str:
    home = os.path.expanduser("~")
    return "~" + path[len(home):] if home and path.startswith(home + os.sep) else path


def render_header(
    app,
    status: MonitorStatus | None,
    *,
    paused: bool,
    new_updates: int,
    follow: bool,
    sessions: int,
    spans: int,
    mode: str | None = None,
) -> Text:
    """Everything the header says, as one Text (values from config are still cleaned)."""
    muted = style(app, "text-muted")
    sep = Text(" │ ", style=muted)
    out = Text(no_wrap=True, overflow="ellipsis", end="")
    out.append(" ◆ agenttrace ", style=style(app, "accent", bold=True))
    label = MODE_LABELS.get(mode or "live")
    if label:  # the panes show something other than live data (history)
        out.append(f" ◷ {label} ", style=style(app, "accent", bold=True) + _reverse())
    elif paused:
        out.append(f" ‖ PAUSED, {new_updates} new ", style=style(app, "warning", bold=True) + _reverse())
    else:
        out.append(" ● LIVE ", style=style(app, "success", bold=True))
    out.append(" ")
    out.append("FOLLOW" if follow else "follow off", style=style(app, "accent", bold=True) if follow else muted)
    out.append_text(sep)
    out.append(f"{fmt.plural(sessions, 'session')} · {fmt.tokens(spans)} {'span' if spans == 1 else 'spans'}")
    if status is None:
        out.append_text(sep)
        out.append("store only, no receivers", style=muted)
        return out
    out.append_text(sep)
    out.append(f"{status.spans_per_s:,.0f} spans/s")
    for label, value in (("rejected", status.rejected), ("evicted", status.evicted), ("lost", status.lost)):
        out.append_text(sep)
        out.append(f"{label} {value:,}", style=style(app, "warning") if value else muted)
    if status.forward_dropped:
        # Shown only with --forward: spans the upstream never got.
        out.append_text(sep)
        out.append(f"forward dropped {status.forward_dropped:,}", style=style(app, "warning"))
    if status.db_problem:
        # Found by the background check of a big file: the diagnostics view (d) has the line.
        out.append_text(sep)
        out.append("db damaged (d)", style=style(app, "error", bold=True))
    if not status.db_writable:
        # Spans are held in memory and retried; past the writer's bound the oldest are dropped.
        out.append_text(sep)
        out.append(f"database not writable, {status.db_waiting:,} spans waiting", style=style(app, "error", bold=True))
    elif status.db_errors:
        out.append_text(sep)
        out.append(f"db errors {status.db_errors:,}", style=style(app, "error", bold=True))
    return out


def _reverse():
    from rich.style import Style

    return Style(reverse=True)


def render_endpoints(app, status: MonitorStatus | None) -> Text:
    """Second line: where agents should send, and where spans are saved."""
    muted = style(app, "text-muted")
    out = Text(no_wrap=True, overflow="ellipsis", end="")
    out.append(" listening ", style=muted)
    if status is None or not status.endpoints:
        out.append("nowhere (store only)", style=muted)
    else:
        out.append(clean("  ·  ".join(status.endpoints), 300))
    out.append(" │ ", style=muted)
    if status is None:
        out.append("no database", style=muted)
    elif status.db_path:
        db = clean(_short_path(status.db_path), 200)
        if status.db_size is not None:
            db += f" ({fmt.tokens(status.db_size)}B)"
        out.append("db ", style=muted)
        out.append(db)
    else:
        out.append("not persisting (--no-persist)", style=style(app, "warning"))
    return out


class StatusHeader(Widget):
    """The header widget. ``show`` repaints only when the text changed, and never
    asks for a layout pass (a Static.update would reflow the whole screen)."""

    DEFAULT_CSS = """
    /* Each line is cut with an ellipsis at the edge, never wrapped onto the next. */
    StatusHeader { height: 2; background: $panel; color: $foreground; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()
        self._last: str | None = None

    def render(self) -> Text:
        return self._text

    def show(self, text: Text) -> None:
        key = text.plain + repr(text.spans)
        if key != self._last:
            self._last = key
            self._text = text
            self.refresh()

    def invalidate(self) -> None:
        """Force the next ``show`` to redraw."""
        self._last = None

    def notify_style_update(self) -> None:
        # The text carries the old theme's colours: the next show redraws it.
        super().notify_style_update()
        self.invalidate()
