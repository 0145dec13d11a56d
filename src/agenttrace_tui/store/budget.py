"""Eviction: the store keeps within its span, session and series budgets.

Spans are bounded by whole traces, oldest first (their totals taken out of
their session's and the global totals); sessions with no trace left in memory
are forgotten oldest first in amortised passes. Everything evicted is in
SQLite already or still in the writer's dirty set, and is counted.
"""

from __future__ import annotations

from .index import StoreIndex


class Budget(StoreIndex):
    """Eviction of the oldest traces and sessions past the store's budgets."""

    def _evict(self) -> None:
        """Drop the oldest whole traces until the span budget holds again."""
        while self.span_count > self.max_spans and len(self.traces) > 1:
            trace_id = next(iter(self.traces))
            trace = self.traces.pop(trace_id)
            n = len(trace.spans)
            self.span_count -= n
            self.evicted_spans += n
            self.evicted_traces += 1
            session = self.sessions.get(trace.session_id)
            # The trace's totals are exactly what its session and the global
            # totals count for it (changes not folded in yet are dropped with it).
            self._agg_dirty.pop(trace_id, None)
            if session is not None:
                session._totals.merge(trace._totals, -1)
            self._totals.merge(trace._totals, -1)
            if session is not None:
                session.trace_ids.pop(trace_id, None)
                session.version = self.version

    def _evict_sessions(self) -> None:
        """Forget the oldest sessions with no trace in memory, down to 90 % of the budget.

        One pass in creation order, so the cost is amortised over the
        sessions added since the last pass. A session still waiting to be
        written stays referenced by the writer's dirty set until it is.
        """
        target = self.max_sessions * 9 // 10
        excess = len(self.sessions) - target
        drop = []
        for sid, entry in self.sessions.items():
            if excess <= 0:
                break
            if not entry.trace_ids:
                drop.append(sid)
                excess -= 1
        for sid in drop:
            del self.sessions[sid]
        self.evicted_sessions += len(drop)
        self._session_scan_at = max(self.max_sessions, len(self.sessions) + self.max_sessions // 10)
        if drop:
            self.version += 1
