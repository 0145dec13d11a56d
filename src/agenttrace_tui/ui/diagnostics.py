"""The diagnostics screen (``d``, or "Diagnostics" in the palette): what went wrong.

Counts of rejected records and of values fixed at the door by reason, and the
last 50 of them (source, reason, detail, and the payload's first bytes shown
literally as a Python bytes literal, so nothing in them can style or move the
terminal), datagrams lost
per sender, the UDP receive buffer the kernel granted, the store's enrichment
errors, the SQLite writer's state (batches, failures, dropped and quarantined
rows, last error) and the forwarder's. Everything comes from
``runtime.diagnostics.collect`` (plain values); the screen redraws from a new
snapshot once a second while it is open, and costs nothing once closed.
"""

from __future__ import annotations

import textwrap
import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen

from ..runtime.diagnostics import Diagnostics, collect
from .colors import style
from .text import clean
from .textview import TextView

#: Characters of a reject's detail (all the receivers keep) and of its preview's line.
DETAIL_CHARS = 300
PREVIEW_CHARS = 120
#: Where a detail too long for its row goes on: under it, this far in.
DETAIL_INDENT = 6


def render_diagnostics(app, d: Diagnostics | None, width: int = 0) -> Text:
    """The screen's text; a reject's detail longer than its row (``width`` cells, 0: any)
    goes on under it, wrapped: its end is often what says what to do."""
    muted = style(app, "text-muted")
    warn = style(app, "warning", bold=True)
    err = style(app, "error", bold=True)
    out = Text(no_wrap=True, overflow="ellipsis", end="")

    def head(title: str) -> None:
        if out.plain:
            out.append("\n")
        out.append(title + "\n", style=style(app, "accent", bold=True))

    def row(label: str, value: str | Text, value_style=None) -> None:
        # (A space always follows the label: a reason as long as the column ran into its count.)
        out.append(f"  {label:<17} ", style=muted)
        if isinstance(value, Text):
            out.append_text(value)
        else:
            out.append(value, style=value_style)
        out.append("\n")

    if d is None:
        out.append("No receivers here (a replay or a store-only view): nothing to diagnose.", style=muted)
        return out
    head("Records")
    row("accepted", ", ".join(f"{k} {v:,}" for k, v in sorted(d.accepted.items())) or "none yet")
    total = sum(d.rejected.values())
    row("rejected", f"{total:,}", warn if total else None)
    for reason, n in sorted(d.rejected.items(), key=lambda x: -x[1]):
        row(f"  {clean(reason, 40)}", f"{n:,}")
    # Kept, with a value dropped or fixed (listed below with the rejects, as fixed:<reason>).
    fixed = sum(d.fixed.values())
    row("values fixed", f"{fixed:,} (records kept)" if fixed else "0", warn if fixed else None)
    for reason, n in sorted(d.fixed.items(), key=lambda x: -x[1]):
        row(f"  {clean(reason, 40)}", f"{n:,}")
    row("evicted spans", f"{d.evicted_spans:,}", warn if d.evicted_spans else None)
    head("UDP")
    row("receive buffer", f"{d.udp_rcvbuf:,} bytes granted by the kernel" if d.udp_rcvbuf else "no UDP receiver")
    row("lost datagrams", f"{d.lost:,}", warn if d.lost else None)
    for sender, n in d.lost_by_sender:
        row(f"  {clean(sender, 40)}", f"{n:,} lost")
    head("Enrichment (prices, tokens)")
    if d.hook_errors:
        for name, n in sorted(d.hook_errors.items()):
            row(clean(name, 40), f"{n:,} spans kept unpriced", warn)
    else:
        row("errors", "none")
    head("Database writer")
    if d.writer is None:
        row("state", "not persisting (--no-persist)")
    else:
        for label, value in d.writer:
            row(label, clean(value, 200))
        row("last error", clean(d.writer_error, 300) if d.writer_error else "none", err if d.writer_error else None)
    head("Forwarder")
    if d.forwarder is None:
        row("state", "off (no --forward)")
    else:
        for label, value in d.forwarder:
            row(label, clean(value, 200))
        row("last error", clean(d.forwarder_error, 300) if d.forwarder_error else "none", err if d.forwarder_error else None)
    for note in d.notes:
        head("Note")
        out.append("  " + clean(note, 300) + "\n", style=muted)
    if not d.recent_rejects:
        head("Rejected records and fixed values")
        out.append("  none since the monitor started\n", style=muted)
    else:
        head(f"Last {len(d.recent_rejects)} rejected records and fixed values (newest first)")
    for r in reversed(d.recent_rejects):
        when = time.strftime("%H:%M:%S", time.localtime(r.time_ns / 1e9))
        source, reason, detail = clean(r.source, 20), clean(r.reason, 40), clean(r.detail, DETAIL_CHARS)
        out.append(f"  {when} {source} ", style=muted)
        out.append(reason, style=warn)
        room = width - (len(when) + len(source) + len(reason) + 6)
        if not width or len(detail) <= room:
            out.append("  " + detail + "\n")
        else:
            out.append("\n")
            for line in textwrap.wrap(detail, max(20, width - DETAIL_INDENT), break_on_hyphens=False):
                out.append(" " * DETAIL_INDENT + line + "\n")
        if r.preview:
            # repr() of bytes: ASCII only, shown as it is (never interpreted)
            out.append("      " + clean(r.preview, PREVIEW_CHARS) + "\n", style=muted)
    return out


class DiagnosticsScreen(ModalScreen[None]):
    """Failure counters and the last rejected records, refreshed once a second."""

    BINDINGS = [
        Binding("escape,d,q", "close", "Close diagnostics", id="diagnostics.close"),
    ]

    DEFAULT_CSS = """
    DiagnosticsScreen { align: center middle; }
    DiagnosticsScreen > TextView {
        width: 95%; max-width: 140; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        self.view = TextView(id="diagnostics-body")
        self.view.border_title = "Diagnostics · esc closes"
        yield self.view

    def on_mount(self) -> None:
        self.redraw()
        self.call_after_refresh(self.redraw)  # at its laid-out width (unknown at mount)
        self.view.focus()
        self.set_interval(1.0, self.redraw, name="diagnostics")

    def snapshot(self) -> Diagnostics | None:
        monitor = getattr(self.app, "monitor", None)
        return collect(monitor) if monitor is not None else None

    def redraw(self) -> None:
        self.view.set_text(render_diagnostics(self.app, self.snapshot(),
                                                  self.view.content_width if self.view.size.width else 0))

    def plain(self) -> str:
        return self.view.plain()

    def action_close(self) -> None:
        self.dismiss(None)
