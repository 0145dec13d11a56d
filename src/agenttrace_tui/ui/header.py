"""The one-line status header: receivers, rates, losses, DB, PAUSED/FOLLOW.

It is redrawn from a ``MonitorStatus`` snapshot on the app's timer, only when
the rendered text differs from what is on screen.
"""

from __future__ import annotations

import os

from rich.text import Text
from textual import events
from textual.message import Message
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


#: What a narrow header leaves out first: the highest rank goes first; rank 0 (a problem,
#: the mode) always stays. The order on screen does not change.
_PROBLEM, _FOLLOWING, _COUNTS, _RATE, _QUIET = 0, 1, 2, 3, 4


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
    width: int | None = None,
) -> Text:
    """Everything the header says, as one Text (values from config are still cleaned).

    ``width``: the header's width. When it all does not fit, the quiet parts go
    first (zero counters, "follow off", the rate), so a problem -- a count of
    rejected or lost records, a database that cannot be written -- is never the
    part cut off at the edge of an 80-column terminal.
    """
    muted = style(app, "text-muted")
    warning = style(app, "warning")
    error = style(app, "error", bold=True)
    head = Text(no_wrap=True, overflow="ellipsis", end="")
    head.append(" ◆ agenttrace ", style=style(app, "accent", bold=True))
    label = MODE_LABELS.get(mode or "live")
    if label:  # the panes show something other than live data (history)
        head.append(f" ◷ {label} ", style=style(app, "accent", bold=True) + _reverse())
    elif paused:
        head.append(f" ‖ PAUSED, {new_updates} new ", style=style(app, "warning", bold=True) + _reverse())
    else:
        head.append(" ● LIVE ", style=style(app, "success", bold=True))
    head.append(" ")
    parts: list[tuple[Text, int]] = []

    def part(text: str, rank: int, part_style=None) -> None:
        parts.append((Text(text, style=part_style or ""), rank))

    if follow:
        part("FOLLOW", _FOLLOWING, style(app, "accent", bold=True))
    else:
        part("follow off", _QUIET, muted)
    part(f"{fmt.plural(sessions, 'session')} · {fmt.tokens(spans)} {'span' if spans == 1 else 'spans'}", _COUNTS)
    if status is None:
        part("store only, no receivers", _RATE, muted)
        return _fit(head, parts, Text(" │ ", style=muted), width)
    part(f"{status.spans_per_s:,.0f} spans/s", _RATE)
    for name, value in (("rejected", status.rejected), ("evicted", status.evicted), ("lost", status.lost)):
        part(f"{name} {value:,}", _PROBLEM if value else _QUIET, warning if value else muted)
    if status.forward_dropped:
        # Shown only with --forward: spans the upstream never got.
        part(f"forward dropped {status.forward_dropped:,}", _PROBLEM, warning)
    if status.db_problem:
        # Found by the background check of a big file: the diagnostics view (d) has the line.
        part("db damaged (d)", _PROBLEM, error)
    if not status.db_writable:
        # Spans are held in memory and retried; past the writer's bound the oldest are dropped.
        part(f"db not writable: {status.db_waiting:,} spans waiting", _PROBLEM, error)
    elif status.db_errors:
        part(f"db errors {status.db_errors:,}", _PROBLEM, error)
    return _fit(head, parts, Text(" │ ", style=muted), width)


def _fit(head: Text, parts: list[tuple[Text, int]], sep: Text, width: int | None) -> Text:
    """``head`` and ``parts`` joined by ``sep``; while wider than ``width``, the part of the
    highest rank above 0 goes (the rightmost of equal ranks). What still does not fit is
    cut at the edge with an ellipsis."""
    if width is not None:
        while parts and sum(p.cell_len for p, _ in parts) + sep.cell_len * (len(parts) - 1) + head.cell_len > width:
            rank = max(r for _, r in parts)
            if rank == _PROBLEM:
                break
            i = max(i for i, (_, r) in enumerate(parts) if r == rank)
            del parts[i]
    out = head.copy()
    for i, (p, _) in enumerate(parts):
        if i:
            out.append_text(sep)
        out.append_text(p)
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

    class Resized(Message):
        """The header's width changed: what fits in it is chosen again (``render_header``)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()
        self._last: str | None = None

    def on_resize(self, _event: events.Resize) -> None:
        self.post_message(self.Resized())

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
