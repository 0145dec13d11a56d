"""Eviction: the store keeps within its span, trace, session and series budgets.

Spans and traces are bounded by whole traces, oldest first (their totals
taken out of their session's and the global totals). A trace alone over the
span budget is trimmed instead: its oldest finished spans leave memory (their
rows are in SQLite, or in the writer's dirty set until written), its totals
still count them, and ``TraceEntry.trimmed`` says how many left so a view can
say so. Sessions past their budget are forgotten oldest first in amortised
passes: those with no trace left in memory, then, if that is not enough, the
oldest sessions with their traces. Everything evicted is counted.
"""

from __future__ import annotations

from . import kind_time
from .entries import TraceEntry
from .index import StoreIndex
from .limits import TRIM_TO


class Budget(StoreIndex):
    """Eviction of the oldest traces and sessions past the store's budgets."""

    def _evict(self) -> None:
        """Drop the oldest whole traces until the span and trace budgets hold again;
        trim the last one if it alone is over the span budget."""
        while (self.span_count > self.max_spans or len(self.traces) > self.max_traces) and len(self.traces) > 1:
            self._evict_trace(next(iter(self.traces)))
        if self.span_count > self.max_spans and self.traces and self.span_count >= self._trim_retry_at:
            self._trim(next(iter(self.traces.values())))

    def _evict_trace(self, trace_id: str) -> None:
        trace = self.traces.pop(trace_id)
        n = len(trace.spans)
        self.span_count -= n
        self.evicted_spans += n
        self.evicted_traces += 1
        session = self.sessions.get(trace.session_id)
        # The trace's totals are exactly what its session and the global
        # totals count for it (changes not folded in yet are dropped with it).
        self._agg_dirty.pop(trace_id, None)
        self._tools_stale.pop(trace_id, None)
        if session is not None:
            session._totals.merge(trace._totals, -1)
        self._totals.merge(trace._totals, -1)
        if session is not None:
            session.trace_ids.pop(trace_id, None)
            session.version = self.version

    def _trim(self, trace: TraceEntry) -> None:
        """Drop the oldest finished spans of one trace from memory, down to ``TRIM_TO`` of the budget.

        One O(spans) pass per trim, and a trim frees a tenth of the budget, so
        the cost per span is constant. The root, running spans and spans not
        written yet stay (the trace keeps its name; a running span's end must
        find it to stop counting it as running). Totals keep counting what
        left: they are folded in first and never take a trimmed span out. A
        later report of a trimmed span is stored as new (counted once more
        in memory) and merged with its row on disk by the writer.
        """
        excess = self.span_count - int(self.max_spans * TRIM_TO)
        if excess <= 0:
            return
        self.flush_aggregates()  # every change counted before spans leave
        spans = trace.spans
        root = trace.root_id
        tid = trace.trace_id
        dirty = self._dirty_spans.get(tid) or {}
        drop = []
        for sid, span in spans.items():
            # Not one still waiting for the writer: a later report would replace it there unwritten.
            if span.end_ns is not None and sid != root and sid not in dirty:
                drop.append(sid)
                if len(drop) >= excess:
                    break
        # Too few could go (running, or not written yet): look again only a
        # tenth of the budget later, so a trim pass is never paid per batch.
        self._trim_retry_at = self.span_count + max(1, self.max_spans // 10) if len(drop) < excess else 0
        if not drop:
            return
        # Their times by kind kept, so the kinds' time still counts them (``store.kind_time``).
        kind_time.trim(trace, [spans[sid] for sid in drop])
        mark = self._mark_trimmed
        for sid in drop:
            del spans[sid]
            mark(tid, sid)
        # Rebuilt once per trim (removing ids from long children lists one by one is quadratic).
        trace.children = {p: kept for p, kids in trace.children.items() if (kept := [c for c in kids if c in spans])}
        if trace.calls:
            trace.calls = {k: v for k, v in trace.calls.items() if v in spans}
        if trace.aliases:
            trace.aliases = {k: v for k, v in trace.aliases.items() if v in spans}
        n = len(drop)
        trace.trimmed += n
        trace.tool_cache = trace.agent_cache = trace.kind_time_cache = trace.kind_intervals = None
        self.span_count -= n
        self.trimmed_spans += n
        trace.version = self.version
        session = self.sessions.get(trace.session_id)
        if session is not None:
            session.version = self.version

    def _evict_sessions(self) -> None:
        """Forget the oldest sessions past the budget, down to 90 % of it.

        First those with no trace in memory, one pass in creation order;
        then, if every session left still holds a trace, the oldest traces
        go (whole), and each session they leave empty with them. The cost is
        amortised over the sessions added since the last pass. A session
        still waiting to be written stays referenced by the writer's dirty
        set until it is.
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
        forgotten = len(drop)
        sessions = self.sessions
        while len(sessions) > target and len(self.traces) > 1:
            trace = self.traces[next(iter(self.traces))]
            self._evict_trace(trace.trace_id)
            owner = sessions.get(trace.session_id)
            if owner is not None and not owner.trace_ids:
                del sessions[trace.session_id]
                forgotten += 1
        self.evicted_sessions += forgotten
        self._session_scan_at = max(self.max_sessions, len(self.sessions) + self.max_sessions // 10)
        if forgotten:
            self.version += 1
