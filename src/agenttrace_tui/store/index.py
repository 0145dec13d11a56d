"""The store's state and its read side: traces and sessions by id, folded totals.

``StoreIndex`` holds everything the store keeps (set up in one ``__init__``)
and what every part of it reads: lookups, the traces of a session, and the
lazy fold of changed spans into trace, session and global totals (see
``store.memory`` for how ingest marks spans changed). The parts that write
are beside it: ``store.upsert`` (spans), ``store.budget`` (eviction),
``store.rollups`` (cost reads), ``store.memory`` (the ``Store`` they make up).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import msgspec

from ..model import Session, Span, SpanEvent
from ..normalize import conventions as cv
from .aggregates import EndTally, RateMeter, Totals, counted
from .entries import IDLE_NS, MetricSeries, SessionEntry, TraceEntry
from .limits import DEFAULT_MAX_SPANS, MIN_SERIES, MIN_SESSIONS, MIN_TRACES, TRIM_FILTER_BYTES, pending_bound

if TYPE_CHECKING:
    from .calls import UsageKey
    from .tools import ToolRollup


class StoreIndex:
    """The store's state: spans by trace, traces by session, metric series, totals."""

    def __init__(self, max_spans: int = DEFAULT_MAX_SPANS, span_hook: Callable[[Span], None] | None = None,
                 idle_ns: int = IDLE_NS) -> None:
        if max_spans < 1:
            raise ValueError("max_spans must be at least 1")
        self.max_spans = max_spans
        #: Quiet time after which a session is no longer running (the session_idle setting).
        self.idle_ns = idle_ns
        #: Traces, sessions and metric series kept in memory (they are in
        #: SQLite too), derived from the span budget: a trace or a session
        #: costs a few spans' worth of memory (entries, totals), so many tiny
        #: ones must not fill it. Past these the oldest traces are evicted
        #: (counted), the oldest sessions forgotten -- first those with no
        #: trace left in memory, then with their oldest traces -- and the
        #: oldest series forgotten (counted).
        self.max_traces = max(MIN_TRACES, max_spans // 4)
        self.max_sessions = max(MIN_SESSIONS, max_spans // 10)
        self.max_series = max(MIN_SERIES, max_spans // 20)
        #: Spans of a trace too big for the budget alone, dropped from memory (in SQLite still).
        self.trimmed_spans = 0
        #: Which spans were trimmed (a Bloom filter, allocated at the first trim):
        #: a later report of one must be merged with its row on disk (``maybe_trimmed``).
        self._trim_bits = bytearray()
        #: span count before which a trim that fell short is not tried again
        self._trim_retry_at = 0
        #: Changes waiting for the database writer before receivers pause (``backlog``).
        self.max_pending = pending_bound(max_spans)
        #: False when nothing persists the store (no database): changes are
        #: then not kept for a writer that will never take them.
        self.track_dirty = True
        self.evicted_sessions = 0
        self.evicted_series = 0
        #: next session count at which to look for sessions to forget (a pass
        #: that finds too few raises it, so a pass is amortised, never per batch)
        self._session_scan_at = self.max_sessions
        #: Runs on each span as it will be stored (after merging), before it is
        #: counted: the cost enricher prices and estimates here.
        self.span_hook = span_hook
        #: Runs instead of ``span_hook`` on a span a bare end closed (one that set
        #: only its end time and status): the cost enricher keeps a price that
        #: nothing of the end can change, so the end's totals stay a fast move
        #: (``EndTally``) instead of a recount at the fold. None: ``span_hook`` runs.
        self.end_hook: Callable[[Span], None] | None = None
        #: Failures of span_hook, by exception type (a bad span never stops ingest).
        self.hook_errors: dict[str, int] = {}
        self.traces: dict[str, TraceEntry] = {}
        #: Running tool-cost rollups by reader key (None: all sessions); see tool_costs.
        self._tool_rollups: dict[str | None, ToolRollup] = {}
        #: session id -> (its version, ``agent_costs``' answer) for the last few sessions read
        self._agent_rows: dict[str, tuple[int, Any]] = {}
        #: (the store's version, ``kind_times``' answer over all sessions' ended spans, the sessions
        #: with spans running) when last read
        self._kind_times_all: tuple[int, dict[str, int], list[SessionEntry]] | None = None
        #: Traces changed since ``warm_tool_costs`` last attributed them, in the
        #: order of their last change, each with the fold that saw that change.
        self._tools_stale: dict[str, tuple[TraceEntry, int]] = {}
        self._folds = 0
        self.sessions: dict[str, SessionEntry] = {}
        #: Sessions that ended, some perhaps with spans open (``SessionEntry.ended_with_open_spans``),
        #: for ``running_live``; bounded (``MAX_ENDED_OPEN``), pruned as it reads them.
        self._ended: dict[str, SessionEntry] = {}
        self.metrics: dict[tuple[str, tuple[tuple[str, str], ...]], MetricSeries] = {}
        self._totals = Totals()
        #: Traces with spans not folded into the totals yet (trace id -> entry).
        self._agg_dirty: dict[str, TraceEntry] = {}
        self.span_count = 0
        self.version = 0
        self.evicted_spans = 0
        self.evicted_traces = 0
        self.updates = 0
        self.dropped_events = 0
        self.rate = RateMeter()
        self._pending_events: dict[tuple[str, str], list[SpanEvent]] = {}
        self._seq = 0
        self._names: dict[str, str] = {}
        # Spans, sessions changed since the persistence layer last drained. The spans by trace id,
        # then span id (``changed``): keys that are strings the store already holds, not a (trace id,
        # span id) tuple made for each span, which the collector tracked and walked once each
        # (``_dirty_n``: how many spans, kept as they are marked).
        self._dirty_spans: dict[str, dict[str, Span]] = {}
        self._dirty_n = 0
        self._dirty_sessions: dict[str, Session] = {}
        self._dirty_metrics: dict[tuple[str, tuple[tuple[str, str], ...]], MetricSeries] = {}
        #: Response id -> (trace id, span id) of the model call that is the root of its trace, for a
        #: second report of it that is the root of another trace (``StoreUpsert._report_elsewhere``)
        #: or another service's (``_call_elsewhere``).
        self._root_calls: dict[str, tuple[str, str]] = {}
        #: Usage key -> (trace id, span id) of the latest such model call with usage, for the
        #: agent instrumentation's report of it inside a tree (``StoreUpsert._root_call_elsewhere``).
        self._root_usage_calls: dict[UsageKey, tuple[str, str]] = {}
        #: Response id -> trace id of a model call that is not the root of its trace (``_call_elsewhere``):
        #: the call is the span that trace's index of calls holds for the id (``TraceEntry.calls``). Not a
        #: (trace id, span id) pair, which Python's collector would track, one for most model calls.
        self._nested_calls: dict[str, str] = {}
        #: (trace id, span id) of the latest failed model calls, for another service's report of
        #: one of them (``_call_elsewhere``: a refused request names no response).
        self._failed_calls: deque[tuple[str, str]] = deque(maxlen=64)
        #: The latest tool calls that may be reported again in another trace (``calls.loose_tool_key``,
        #: ``StoreUpsert._tool_elsewhere``): those rebuilt from log events naming their call id, and
        #: instrumentations' naming none. (session, tool name) -> their (trace id, span id), a few at
        #: most; their arguments are compared only when a report from the other side comes.
        self._rebuilt_tools: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._unnamed_tools: dict[tuple[str, str], list[tuple[str, str]]] = {}
        #: Sessions with a tool call rebuilt from log events: only theirs note instrumentations' tool calls.
        self._loose_tool_sessions: set[str] = set()
        #: Sessions with a call reported from Codex's session file (``cv.SESSION_FILE_TURN_KEY``) or by one of a
        #: framework's two tracers (``cv.TWIN_TRACER_KEY``): their calls and tool calls are looked for in the
        #: session's other traces (``SpanUpserts._turn_reported_elsewhere``).
        self._twice_reported_sessions: set[str] = set()


    def running_live(self, calls: bool = False) -> int:
        """Open spans that may still end: all of them less those of sessions that ended with
        them open (their agent was killed: they read "unfinished" and never tick).
        ``calls``: open model calls with no tokens yet only (``Totals.llm_waiting``: their cost is to come)."""
        n = self.totals.llm_waiting if calls else self.totals.running
        if n and self._ended:
            for sid, entry in list(self._ended.items()):
                if self.sessions.get(sid) is not entry:
                    del self._ended[sid]  # forgotten meanwhile
                elif entry.ended_with_open_spans() is not None:
                    n -= entry.totals.llm_waiting if calls else entry.totals.running
                elif not entry.totals.running:
                    del self._ended[sid]  # nothing open (any more)
        return n

    def _session_for(self, sid: str, start_ns: int) -> SessionEntry:
        entry = self.sessions.get(sid)
        if entry is None:
            entry = self.sessions[sid] = SessionEntry(Session(id=sid, started_ns=start_ns or None), self)
        return entry

    def changed(self, trace_id: str, span: Span) -> None:
        """Mark ``span`` of trace ``trace_id`` changed since the writer last drained the store."""
        spans = self._dirty_spans.get(trace_id)
        if spans is None:
            spans = self._dirty_spans[trace_id] = {}
        if span.span_id not in spans:
            self._dirty_n += 1
        spans[span.span_id] = span

    def _rehome(self, trace: TraceEntry, sid: str) -> None:
        """Move a trace to the session a later span names."""
        self.flush_aggregates()  # rare: move settled totals, not pending changes
        old = self.sessions[trace.session_id]
        new = self._session_for(sid, trace.start_ns)
        if trace.session_id in self._twice_reported_sessions:
            self._twice_reported_sessions.add(sid)  # its calls reported twice go along
        old._totals.merge(trace._totals, -1)
        new._totals.merge(trace._totals, 1)
        for s in trace.spans.values():
            s.session_id = sid
            self.changed(trace.trace_id, s)
        old.trace_ids.pop(trace.trace_id, None)
        old.version = self.version
        trace.session_id = sid
        new.trace_ids[trace.trace_id] = None
        # First and last activity go with the trace, as the database's trigger moves them.
        if trace.start_ns and (not new.first_ns or trace.start_ns < new.first_ns):
            new.first_ns = trace.start_ns
        new.last_ns = max(new.last_ns, trace.end_ns)
        if old.trace_ids and (trace.start_ns <= old.first_ns or trace.end_ns >= old.last_ns):
            self._bounds_of(old)
        if not old.trace_ids and not old._totals.spans:
            # Its only traces were placed there provisionally (the default, or
            # an OTLP service session) before a span named their real session.
            del self.sessions[old.session.id]
            self._dirty_sessions.pop(old.session.id, None)  # not to be written: nothing is in it
            # The agent framework their exports named stays the run's, where the export that named the
            # session names none or only a tracing SDK (Langtrace's root span, ending after the
            # LangGraph spans inside it).
            named, cur = old.session.framework, new.session
            if named and named not in cv.INSTRUMENTATION_FAMILIES and (
                    cur.framework is None or cur.framework in cv.INSTRUMENTATION_FAMILIES):
                new.session = msgspec.structs.replace(cur, framework=named)
                new.version = self.version
                self._dirty_sessions[sid] = new.session


    def _bounds_of(self, entry: SessionEntry) -> None:
        """A session's first and last activity from its traces and its own start and end (what the
        database's trigger recomputes when a trace leaves a session)."""
        traces = [self.traces[t] for t in entry.trace_ids if t in self.traces]
        sess = entry.session
        first = min((t.start_ns for t in traces if t.start_ns), default=0)
        if sess.started_ns and (not first or sess.started_ns < first):
            first = sess.started_ns
        entry.first_ns = first
        entry.last_ns = max(max((t.end_ns for t in traces), default=0), sess.started_ns or 0, sess.ended_ns or 0)

    # -- aggregates --------------------------------------------------------
    @property
    def totals(self) -> Totals:
        """Totals over every stored span (changed spans folded in first)."""
        if self._agg_dirty:
            self.flush_aggregates()
        return self._totals

    def flush_aggregates(self) -> None:
        """Fold every span changed since the last fold into its trace, session and the global totals."""
        dirty = self._agg_dirty
        if not dirty:
            return
        self._agg_dirty = {}
        self._folds += 1
        fold = self._folds
        stale = self._tools_stale
        for tid, trace in dirty.items():
            stale.pop(tid, None)  # re-added at the end: the order is by last change
            stale[tid] = (trace, fold)
        # One delta per trace (its own totals), summed per session, so session
        # and global totals take one merge per session per fold.
        by_session: dict[str, Totals] = {}
        #: sessions whose sum so far is a delta that became its trace's totals (never to be added to)
        kept: set[str] = set()
        sessions = self.sessions
        total = self._totals
        #: The end tallies of each session's traces, summed: settled once per session (into its
        #: totals and the global ones) instead of once per trace (most folds end spans of a few
        #: traces of one session).
        ends: dict[str, EndTally] | None = None
        for trace in dirty.values():
            ended = trace.ended
            if ended is not None:
                # First: the tally describes the totals as the last fold left them.
                trace.ended = None
                ended.settle(trace._totals)
                if ends is None:
                    ends = {trace.session_id: ended}
                elif (tally := ends.get(trace.session_id)) is None:
                    ends[trace.session_id] = ended
                else:
                    tally.absorb(ended)
            if not trace.pending:
                continue  # (only ends: its tools' figures are stale, marked above)
            delta = _delta_of(trace)
            mine = trace._totals
            adopted = not mine.spans and mine.pristine() and delta.merges_whole()
            if adopted:
                # The trace's first fold: merging the delta into its empty totals would copy
                # every accumulator and point of it, unchanged. It becomes the totals instead.
                trace._totals = delta
            else:
                mine.merge(delta)
            sid = trace.session_id
            acc = by_session.get(sid)
            if acc is None:
                by_session[sid] = delta  # the trace is done with it: reuse as the sum
                if adopted:
                    kept.add(sid)
            else:
                if sid in kept:
                    # The sum so far is another trace's totals now: add up in a copy.
                    kept.discard(sid)
                    copy = Totals()
                    copy.merge(acc, prune=False)
                    acc = by_session[sid] = copy
                acc.merge(delta, prune=False)
        if ends is not None:
            # Before any delta is merged into them, as each trace's above.
            for sid, ended in ends.items():
                entry = sessions.get(sid)
                if entry is not None:
                    ended.settle(entry._totals)
                ended.settle(total)
        for sid, delta in by_session.items():
            entry = sessions.get(sid)
            if entry is not None:
                entry._totals.merge(delta)
                if delta.running > 0 and entry.session.ended_ns is not None:
                    # Open spans that came after its end (a late span_start, a trace moved in):
                    # an ended session with nothing open left ``_ended``; ``running_live`` must
                    # see it again.
                    self._ended[sid] = entry
            total.merge(delta)

    # -- trimmed spans ----------------------------------------------------
    def _mark_trimmed(self, trace_id: str, span_id: str) -> None:
        bits = self._trim_bits
        if not bits:
            bits = self._trim_bits = bytearray(TRIM_FILTER_BYTES)
        mask = len(bits) * 8 - 1
        h = hash((trace_id, span_id))
        for b in (h & mask, (h >> 32) & mask):
            bits[b >> 3] |= 1 << (b & 7)

    def maybe_trimmed(self, trace_id: str, span_id: str) -> bool:
        """Whether this span may have been trimmed from memory earlier (no false negatives)."""
        bits = self._trim_bits
        if not bits:
            return False
        mask = len(bits) * 8 - 1
        h = hash((trace_id, span_id))
        return all(bits[b >> 3] & (1 << (b & 7)) for b in (h & mask, (h >> 32) & mask))

    # -- reading ---------------------------------------------------------
    def trace(self, trace_id: str) -> TraceEntry | None:
        return self.traces.get(trace_id)

    def session(self, session_id: str) -> SessionEntry | None:
        return self.sessions.get(session_id)

    def span(self, trace_id: str, span_id: str) -> Span | None:
        t = self.traces.get(trace_id)
        return t.spans.get(span_id) if t is not None else None

    def sessions_by_activity(self) -> list[SessionEntry]:
        """Sessions, most recently active first."""
        return sorted(self.sessions.values(), key=lambda s: s.last_ns, reverse=True)

    def traces_of(self, session_id: str, *, internal: bool = True) -> list[TraceEntry]:
        """Traces of a session, newest first; ``internal=False`` leaves out the
        traces made only of a client's framework internals (``TraceEntry.internal_only``),
        which a trace list folds under the session."""
        entry = self.sessions.get(session_id)
        if entry is None:
            return []
        out = [self.traces[t] for t in entry.trace_ids if t in self.traces]
        if not internal:
            out = [t for t in out if not t.internal_only]
        out.sort(key=lambda t: t.start_ns, reverse=True)
        return out

    def iter_spans(self) -> Iterator[Span]:
        for trace in self.traces.values():
            yield from trace.spans.values()



def _delta_of(trace: TraceEntry) -> Totals:
    """The change of a trace's totals since its last fold: -counted +now per changed span."""
    pending = trace.pending
    trace.pending = {}
    delta = Totals()
    fold = delta.fold
    spans = trace.spans
    running = trace.counted_running
    if not any(pending.values()):
        # Only new spans (no counted tuple, all truthy, is pending): the common fold of a
        # complete span, taken a trace at a time without a Python step per span. (A span
        # gone since it was marked is skipped, as below; a Span is always true.)
        trace.counted_running = delta.add_new(filter(None, map(spans.get, pending)), running)
        return delta
    new: list[Span] = []  # new since the last fold (the common case), added a run at a time
    for span_id, was in pending.items():
        span = spans.get(span_id)
        if was is None and span is not None:
            new.append(span)
            continue
        if new:
            running = delta.add_new(new, running)  # first: the floats are summed in pending's order
            new = []
        if span is None:
            if was is not None:
                fold(was, -1)
            continue
        c = counted(span)
        delta.fold_change(was, c)  # type: ignore[arg-type]  # set: a new span (None) went to ``new``
        if c[1]:
            # Kept while the span runs: its span_end subtracts this instead of counting it again.
            if running is None:
                running = {}
            running[span_id] = c
    if new:
        running = delta.add_new(new, running)
    trace.counted_running = running
    return delta
