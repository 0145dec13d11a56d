"""The traces of the selected session, one row each, in arrival order.

Same caching rule as the session list: a row is re-rendered only when its
trace's store version changes, or while the trace runs, when its duration
reads differently.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from rich.text import Text

from ..store.memory import Store
from . import fmt
from .colors import STATUS_GLYPH, shown_status, status_style, style
from .rowlist import Column, RowList
from .text import safe_text

#: Fits "$0.0314+$?" (a partly unpriced sum) whole: numbers are never cut.
COST_WIDTH = 10


class TraceList(RowList):
    COLUMNS = [
        Column(" ", 1),
        Column("Trace", 0),
        Column("Start", 8, min_total=62),
        Column("Dur", 7, "right"),
        Column("Spans", 5, "right", min_total=52),
        Column("Tokens", 6, "right", min_total=46),
        Column("Cost", COST_WIDTH, "right"),
        Column("Err", 3, "right", min_total=40),
    ]

    def __init__(self, store: Store, now_ns: Callable[[], int], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.now_ns = now_ns
        self.session_id: str | None = None
        self.border_title = "Traces"
        #: Decimals of the cost column, one for the rows on screen ($0.0090 over $0.0100).
        self.cost_digits = 2
        #: Traces with a span of the agent's own: never folded (spans are only added), not asked again.
        self._mixed: set[str] = set()
        #: Trace id -> its version when it was made only of framework internals: asked again
        #: only when it changed (a trace of internals is scanned whole to say so).
        self._internal: dict[str, int] = {}
        #: Visible traces shown by another name: those whose names read alike cut (``distinct_names``).
        self._shown: dict[str, str] = {}

    def listed(self, keys: list[str], show_internal: bool) -> list[str]:
        """``keys`` (a session's traces) as the list shows them: traces made only of a
        client's framework internals (Codex's and OpenCode's runtime) folded away unless
        ``show_internal`` or nothing else is left; the title says how many are folded."""
        folded = 0
        shown = keys
        if not show_internal and keys:
            traces = self.store.traces
            mixed, internal = self._mixed, self._internal
            shown = []
            for k in keys:
                if k in mixed:
                    shown.append(k)
                    continue
                t = traces[k]
                if internal.get(k) == t.version:
                    continue
                if t.internal_only:
                    internal[k] = t.version
                else:
                    internal.pop(k, None)
                    mixed.add(k)
                    shown.append(k)
            if not shown:
                shown = keys  # a session of nothing else (a client's start-up, alone): shown as it is
            folded = len(keys) - len(shown)
            if len(mixed) + len(internal) > 4 * len(traces) + 1024:
                # Forget traces the store no longer holds (evicted).
                self._mixed = {k for k in mixed if k in traces}
                self._internal = {k: v for k, v in internal.items() if k in traces}
        title = f"Traces · {folded} internal folded (i shows)" if folded else "Traces"
        if self.border_title != title:  # (set only when it reads differently: a set repaints the border)
            self.border_title = title
        return shown

    def before_touch(self) -> None:
        store = self.store
        traces = [t for t in (store.trace(k) for k in self.visible_keys()) if t is not None]
        self.cost_digits = fmt.column_digits(t.totals.cost for t in traces)
        self._shown = self.distinct_names({t.trace_id: t.name for t in traces})

    def row_stamp(self, key: str) -> Hashable:
        trace = self.store.trace(key)
        if trace is None:
            return None
        return (
            trace.version,
            # the duration as shown: redrawn when it reads differently, not every tick
            fmt.duration(trace.duration_ns(self.now_ns())) if trace.running else 0,
            shown_status(self.app, trace.status()) if trace.running else 0,
            self.cost_digits,
            self._shown.get(key),
        )

    def row_cells(self, key: str) -> list[Text]:
        trace = self.store.trace(key)
        if trace is None:
            return [Text("?"), safe_text(key, limit=256)]
        t = trace.totals
        status = shown_status(self.app, trace.status())
        st = status_style(self.app, status)
        errs = Text(str(t.errors), style=status_style(self.app, "error", bold=True)) if t.errors else Text("·", style=style(self.app, "text-muted"))
        return [
            Text(STATUS_GLYPH.get(status, "?"), style=st),
            safe_text(self._shown.get(key, trace.name), limit=256),
            Text(fmt.clock(trace.start_ns), style=style(self.app, "text-muted")),
            Text(fmt.duration(trace.duration_ns(self.now_ns()))),
            Text(str(t.spans)),
            Text(fmt.tokens(t.tokens, estimated=t.estimated > 0)),
            Text(fmt.sum_cost(t, t.llm_waiting if status == "running" else 0, self.cost_digits, COST_WIDTH)),
            errs,
        ]
