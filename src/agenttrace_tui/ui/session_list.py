"""The session list: one row per session, drawn from the store's aggregates.

Rows are in arrival order (new sessions append at the bottom, so nothing
moves under the cursor); follow mode selects the newest running one. Each
row's stamp is the session's store version plus its clock-driven cells as
shown (duration while it runs, "last"), so a running session's duration
ticks and an idle one is redrawn only when its "last" column moves.
With a per-session budget, a session at 80 % shows ``!`` and its cost in the
warning colour, one at 100 % ``‼`` in the error colour (mark + colour, so it
reads under NO_COLOR too).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from rich.text import Text

from ..analysis.budget import budget_state
from ..store.entries import SessionEntry
from ..store.memory import Store
from . import fmt
from .colors import STATUS_GLYPH, shown_status, status_style, style
from .rowlist import Column, RowList
from .text import safe_text
from .trace_list import COST_WIDTH


def session_label(entry: SessionEntry) -> str:
    """Name, else service, else id (untrusted: clean before display)."""
    return entry.session.label


class SessionList(RowList):
    # The glyph is the status (colour + shape, readable under NO_COLOR); the
    # word, spans and framework join when the pane is wide (zoom shows all).
    COLUMNS = [
        Column(" ", 1),
        Column("Session", 0),
        Column("Framework", 11, min_total=76),
        Column("Status", 11, min_total=76),  # "interrupted" whole; the glyph says it in less room
        Column("Dur", 7, "right"),
        Column("Spans", 5, "right", min_total=68),
        Column("Tokens", 6, "right", min_total=44),
        Column("Cost", COST_WIDTH, "right"),
        Column(" ", 1),
        Column("Last", 4, "right", min_total=40),
    ]

    def __init__(self, store: Store, now_ns: Callable[[], int], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.now_ns = now_ns
        self.border_title = "Sessions"
        #: USD per session, set by the app (None: no budget).
        self.budget: float | None = None
        #: Decimals of the cost column, one for the rows on screen ($0.0090 over $0.0100).
        self.cost_digits = 2
        #: Visible sessions shown by another name: those whose names read alike cut (``distinct_names``).
        self._shown: dict[str, str] = {}

    def before_touch(self) -> None:
        store = self.store
        entries = [e for e in (store.session(k) for k in self.visible_keys()) if e is not None]
        self.cost_digits = fmt.column_digits(e.totals.cost for e in entries)
        self._shown = self.distinct_names({e.session.id: session_label(e) for e in entries})

    def row_stamp(self, key: str) -> Hashable:
        entry = self.store.session(key)
        if entry is None:
            return None
        now = self.now_ns()
        # Duration ticks only while a span runs; status can flip to "done" by
        # idling, and the "last" column moves with the clock. The time-dependent
        # cells are in the stamp as they are shown, so a row is redrawn when one
        # of them reads differently (a "5m" once a minute), not at every tick.
        ticking = entry.totals.running > 0 and entry.session.ended_ns is None
        return (
            entry.version,
            shown_status(self.app, entry.status(now), "interrupted"),
            fmt.duration(entry.duration_ns(now)) if ticking else 0,
            fmt.ago(entry.last_ns, now),
            self.cost_digits,
            self._shown.get(key),
        )

    def row_cells(self, key: str) -> list[Text]:
        entry = self.store.session(key)
        if entry is None:
            return [Text("?"), safe_text(key, limit=256)]
        now = self.now_ns()
        status = shown_status(self.app, entry.status(now), "interrupted")
        st = status_style(self.app, status)
        t = entry.totals
        muted = style(self.app, "text-muted")
        fw = entry.session.framework or ""
        name = safe_text(self._shown.get(key, session_label(entry)), limit=256)
        if not entry.session.name and entry.session.service:
            name.stylize("italic")
        budget = budget_state(entry, self.budget)
        cost_style = style(self.app, "error" if budget == "over" else "warning", bold=True) if budget != "ok" else ""
        mark = {"ok": " ", "warn": "!", "over": "‼"}[budget]
        return [
            Text(STATUS_GLYPH.get(status, "?"), style=st),
            name,
            safe_text(fw, style=muted, limit=64),
            Text(status, style=st),
            Text(fmt.duration(entry.duration_ns(now))),
            Text(str(t.spans)),
            Text(fmt.tokens(t.tokens, estimated=t.estimated > 0)),
            Text(fmt.sum_cost(t, t.llm_waiting if status == "running" else 0, self.cost_digits, COST_WIDTH), style=cost_style),
            Text(mark, style=cost_style),
            Text(fmt.ago(entry.last_ns, now), style=muted),
        ]
