"""The in-memory trace store: bounded, indexed by trace and session.

Everything the UI shows is read from here. Spans live in per-trace dicts; a
children index keyed by parent id makes out-of-order arrival free (a child
that comes first simply waits under its parent's id). Aggregates are kept
incrementally but folded in lazily: ingest only notes which spans of a trace
changed (and what the totals counted for them before), and the first read of
any totals (the UI's tick, the writer's trace rows) folds every changed span
into its trace, session and the global totals at once -- one contribution per
span per fold, so a span_start + span_end pair between two reads costs one,
and session and global totals take one merge per trace instead of one update
per span. When the span budget is exceeded the oldest whole traces are
evicted and counted (their trace totals taken out of their session's).

Change counters: ``Store.version`` grows by one per applied batch; each trace
and session remembers the version that last touched it, so a reader redraws
only what changed. The store is single-threaded: call it from one thread (the
event loop); readers on that thread see consistent state between batches.

The pieces live beside it: ``merge`` (how repeated reports of a span combine),
``aggregates`` (``Totals``, ``Contribution``), ``entries`` (per trace, session,
metric series). Cost rollups (docs/costs.md): every aggregate also keeps spend
and tokens per minute (``Totals.series``) for sparklines and burn rate; per-tool attribution
(the LLM calls that decided and consumed each tool call) is derived per trace
and cached by the trace's change counter, see ``store.tools``. A ``span_hook``
(the cost enricher) runs on every stored span *after* merging, so a model named
in span_start and usage reported in span_end are priced together.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Literal

from ..model import AttachedEvent, Metric, Session, Span, SpanEvent, SpanKind, Update
from .aggregates import NS_PER_MIN, Contribution, RateMeter, Totals
from .calls import find_twin, fold_into, remember, scope_usage
from .entries import DEFAULT_SESSION, IDLE_NS, MetricSeries, SessionEntry, TraceEntry
from .merge import MAX_EVENTS_PER_SPAN, merge_session, merge_span

if TYPE_CHECKING:
    from .tools import ToolCost, ToolRollup

log = logging.getLogger(__name__)

DEFAULT_MAX_SPANS = 200_000
#: Events for spans not seen yet are held: this many per span, for this many spans.
MAX_PENDING_EVENTS = 256
#: Floors of the session and metric-series budgets (see Store.__init__).
MIN_SESSIONS = 1_000
MIN_SERIES = 1_000
MAX_PENDING_SPANS = 10_000


class Store:
    """Bounded in-memory index of spans by trace and by session."""

    def __init__(self, max_spans: int = DEFAULT_MAX_SPANS, span_hook: Callable[[Span], None] | None = None,
                 idle_ns: int = IDLE_NS) -> None:
        if max_spans < 1:
            raise ValueError("max_spans must be at least 1")
        self.max_spans = max_spans
        #: Quiet time after which a session is no longer running (the session_idle setting).
        self.idle_ns = idle_ns
        #: Sessions and metric series kept in memory (they are in SQLite too):
        #: past these, the oldest sessions with no trace left in memory and
        #: the oldest series are forgotten (counted), so many tiny sessions or
        #: label combinations cannot grow memory without bound. (Sessions that
        #: still hold a trace are bounded by the span budget: at most max_spans.)
        self.max_sessions = max(MIN_SESSIONS, max_spans // 10)
        self.max_series = max(MIN_SERIES, max_spans // 20)
        self.evicted_sessions = 0
        self.evicted_series = 0
        #: next session count at which to look for sessions to forget (a pass
        #: that finds too few raises it, so a pass is amortised, never per batch)
        self._session_scan_at = self.max_sessions
        #: Runs on each span as it will be stored (after merging), before it is
        #: counted: the cost enricher prices and estimates here.
        self.span_hook = span_hook
        #: Failures of span_hook, by exception type (a bad span never stops ingest).
        self.hook_errors: dict[str, int] = {}
        self.traces: dict[str, TraceEntry] = {}
        #: Running tool-cost rollups by reader key (None: all sessions); see tool_costs.
        self._tool_rollups: dict[str | None, ToolRollup] = {}
        self.sessions: dict[str, SessionEntry] = {}
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
        # Spans, sessions changed since the persistence layer last drained.
        self._dirty_spans: dict[tuple[str, str], Span] = {}
        self._dirty_sessions: dict[str, Session] = {}
        self._dirty_metrics: dict[tuple[str, tuple[tuple[str, str], ...]], MetricSeries] = {}

    # -- writing ---------------------------------------------------------
    def apply(self, updates: Iterable[Update]) -> int:
        """Apply a batch of updates; returns how many were applied."""
        self.version += 1
        n = 0
        spans = 0
        for u in updates:
            n += 1
            if isinstance(u, Span):
                self._upsert_span(u)
                spans += 1
            elif isinstance(u, Session):
                self._upsert_session(u)
            elif isinstance(u, AttachedEvent):
                self._attach_event(u)
            elif isinstance(u, Metric):
                self._record_metric(u)
        if self.span_count > self.max_spans:
            self._evict()
        if len(self.sessions) > self._session_scan_at:
            self._evict_sessions()
        self.updates += n
        if spans:
            self.rate.add(spans)
        return n

    def rederive(self, keys: Iterable[tuple[str, str]]) -> int:
        """Run ``span_hook`` again on stored spans whose derived fields can now
        be better (a token vocabulary became ready), moving every aggregate by
        the difference; returns how many spans were found."""
        hook = self.span_hook
        if hook is None:
            return 0
        self.version += 1
        n = 0
        for trace_id, span_id in keys:
            trace = self.traces.get(trace_id)
            span = trace.spans.get(span_id) if trace is not None else None
            if trace is None or span is None:
                continue  # evicted meanwhile
            session = self.sessions[trace.session_id]
            if span_id not in trace.pending:
                # What the totals count for it until the next fold (aggregates are folded on read).
                trace.pending[span_id] = Contribution(span)
                self._agg_dirty[trace.trace_id] = trace
            try:
                hook(span)
            except Exception as exc:  # noqa: BLE001 - as in apply: never lose the span
                name = type(exc).__name__
                self.hook_errors[name] = self.hook_errors.get(name, 0) + 1
            trace.version = session.version = self.version
            self._dirty_spans[(trace.trace_id, span.span_id)] = span
            n += 1
        return n

    def _intern(self, s: str) -> str:
        # Span names and models repeat endlessly; one string object each.
        got = self._names.get(s)
        if got is None:
            if len(self._names) < 100_000:
                self._names[s] = s
            return s
        return got

    def _intern_parts(self, span: Span) -> None:
        """Share the few distinct values typed parts repeat (models, tools, states)."""
        intern = self._intern
        llm = span.llm
        if llm is not None:
            if llm.model:
                llm.model = intern(llm.model)
            if llm.provider:
                llm.provider = intern(llm.provider)
            if llm.stop_reason:
                llm.stop_reason = intern(llm.stop_reason)
        tool = span.tool
        if tool is not None:
            if tool.name:
                tool.name = intern(tool.name)
            if tool.action:
                tool.action = intern(tool.action)
            if tool.status:
                tool.status = intern(tool.status)
        agent = span.agent
        if agent is not None:
            if agent.name:
                agent.name = intern(agent.name)
            if agent.state:
                agent.state = intern(agent.state)

    def _session_for(self, sid: str, start_ns: int) -> SessionEntry:
        entry = self.sessions.get(sid)
        if entry is None:
            entry = self.sessions[sid] = SessionEntry(Session(id=sid, started_ns=start_ns or None), self)
        return entry

    def _upsert_span(self, span: Span) -> None:
        trace = self.traces.get(span.trace_id)
        sid = span.session_id
        if trace is None:
            self._seq += 1
            trace = TraceEntry(span.trace_id, sid or DEFAULT_SESSION, self._seq, self)
            self.traces[span.trace_id] = trace
            self._session_for(trace.session_id, span.start_ns).trace_ids[trace.trace_id] = None
        elif sid and sid != trace.session_id:
            self._rehome(trace, sid)
        span.trace_id = trace.trace_id
        span.session_id = trace.session_id
        span.name = self._intern(span.name)
        aliases = trace.aliases
        if aliases:
            # A second report of a call already folded into another span (store.calls).
            span.span_id = aliases.get(span.span_id, span.span_id)
            if span.parent_span_id is not None:
                span.parent_span_id = aliases.get(span.parent_span_id, span.parent_span_id)
        old = trace.spans.get(span.span_id)
        session = self.sessions[trace.session_id]
        reparent: tuple[str, str | None] | None = None
        if old is None and (span.kind is SpanKind.LLM_CALL or trace.calls is not None) and (
            twin := find_twin(trace, span)
        ) is not None:
            old, rule = twin
            reparent = self._fold(trace, old, span, rule)
        if old is not None:
            pending = trace.pending
            if old.span_id not in pending:
                # What the totals count for this span until the next fold
                # (computed before the reported-wins rules below touch ``old``).
                pending[old.span_id] = Contribution(old)
                self._agg_dirty[trace.trace_id] = trace
            # Reported numbers replace derived ones whole: usage the monitor
            # estimated, a cost it computed (no field-wise mixing of the two).
            if old.usage is not None and old.usage.estimated and span.usage is not None and not span.usage.estimated:
                old.usage = None
            if old.cost is not None and span.cost is not None and span.cost.source == "reported" and old.cost.source != "reported":
                old.cost = None
            new = merge_span(old, span)
            if reparent is not None and new.parent_span_id == reparent[0]:
                new.parent_span_id = reparent[1]  # the stored span was nested in its twin
            scope_usage(new)
            if old.parent_span_id != new.parent_span_id:
                self._unlink(trace, old)
                trace.children.setdefault(new.parent_span_id, []).append(new.span_id)
        else:
            new = span
            scope_usage(new)
            if not new.start_ns and new.end_ns is not None:
                new.start_ns = new.end_ns  # span_end with no span_start: zero-length
            if new.parent_span_id is not None:
                parent = trace.spans.get(new.parent_span_id)
                if parent is not None:
                    new.parent_span_id = parent.span_id  # one string per id, not one per child
            trace.children.setdefault(new.parent_span_id, []).append(new.span_id)
            self.span_count += 1
            trace.pending[new.span_id] = None
            self._agg_dirty[trace.trace_id] = trace
            if self._pending_events:
                held = self._pending_events.pop((trace.trace_id, new.span_id), None)
                if held:
                    new.events = new.events + tuple(held)
        self._intern_parts(new)
        trace.spans[new.span_id] = new
        if new.kind is SpanKind.LLM_CALL or new.kind is SpanKind.TOOL_EXECUTION:
            remember(trace, new)
        if self.span_hook is not None:
            try:
                self.span_hook(new)
            except Exception as exc:  # noqa: BLE001 - enrichment must never lose the span
                name = type(exc).__name__
                if name not in self.hook_errors:  # once per kind: the counter has the rest
                    log.warning("enrichment failed on span %r (%s: %s); kept unpriced", new.span_id[:64], name, exc)
                self.hook_errors[name] = self.hook_errors.get(name, 0) + 1
        if new.parent_span_id is None and (trace.root_id is None or trace.root_id not in trace.spans):
            trace.root_id = new.span_id
        if not trace.start_ns or new.start_ns < trace.start_ns:
            trace.start_ns = new.start_ns
        last = new.end_ns if new.end_ns is not None else new.start_ns
        if last > trace.end_ns:
            trace.end_ns = last
        if not session.first_ns or new.start_ns < session.first_ns:
            session.first_ns = new.start_ns
        if last > session.last_ns:
            session.last_ns = last
        trace.version = session.version = self.version
        self._dirty_spans[(trace.trace_id, new.span_id)] = new

    def _fold(self, trace: TraceEntry, keeper: Span, twin: Span, rule: str) -> tuple[str, str | None]:
        """Fold a new second report of a call into the stored span (``store.calls``).

        Returns (the twin's own id, its parent) so the merge can take the
        twin's parent when the stored span was nested in it.
        """
        orig_id, orig_parent = twin.span_id, twin.parent_span_id
        fold_into(keeper, twin, rule)
        if trace.aliases is None:
            trace.aliases = {}
        trace.aliases[orig_id] = keeper.span_id
        # Children that arrived before the twin wait under its id: move them under the keeper.
        kids = trace.children.pop(orig_id, None)
        for cid in kids or ():
            child = trace.spans.get(cid)
            if child is None or cid == keeper.span_id:
                continue
            child.parent_span_id = keeper.span_id
            trace.children.setdefault(keeper.span_id, []).append(cid)
            self._dirty_spans[(trace.trace_id, cid)] = child
        if keeper.parent_span_id == orig_id:
            trace.children.setdefault(orig_id, []).append(keeper.span_id)  # unlinked by the merge below
        return orig_id, orig_parent

    def _unlink(self, trace: TraceEntry, span: Span) -> None:
        kids = trace.children.get(span.parent_span_id)
        if kids is not None:
            try:
                kids.remove(span.span_id)
            except ValueError:
                pass
            if not kids:
                del trace.children[span.parent_span_id]

    def _rehome(self, trace: TraceEntry, sid: str) -> None:
        """Move a trace to the session a later span names."""
        self.flush_aggregates()  # rare: move settled totals, not pending changes
        old = self.sessions[trace.session_id]
        new = self._session_for(sid, trace.start_ns)
        old._totals.merge(trace._totals, -1)
        new._totals.merge(trace._totals, 1)
        for s in trace.spans.values():
            s.session_id = sid
            self._dirty_spans[(trace.trace_id, s.span_id)] = s
        old.trace_ids.pop(trace.trace_id, None)
        old.version = self.version
        trace.session_id = sid
        new.trace_ids[trace.trace_id] = None
        if not old.trace_ids and not old._totals.spans:
            # Its only traces were placed there provisionally (the default, or
            # an OTLP service session) before a span named their real session.
            del self.sessions[old.session.id]

    def claim_trace(self, trace_id: str, sid: str, provisional: str | None = None) -> None:
        """A later record names the session of a trace filed elsewhere: move it there.

        ``provisional`` is the per-process session the sender's unnamed spans
        were filed under before it named its session (Codex start-up traces):
        its traces move too, and it disappears.
        """
        self.version += 1
        trace = self.traces.get(trace_id)
        if trace is not None and trace.session_id != sid:
            self._rehome(trace, sid)
        if provisional is not None and provisional != sid and provisional in self.sessions:
            for tid in list(self.sessions[provisional].trace_ids):
                t = self.traces.get(tid)
                if t is not None and t.session_id == provisional:
                    self._rehome(t, sid)
        entry = self.sessions.get(sid)
        if entry is not None:
            entry.version = self.version

    def _upsert_session(self, s: Session) -> None:
        entry = self.sessions.get(s.id)
        if entry is None:
            entry = self.sessions[s.id] = SessionEntry(s, self)
        else:
            entry.session = merge_session(entry.session, s)
        sess = entry.session
        if sess.started_ns and (not entry.first_ns or sess.started_ns < entry.first_ns):
            entry.first_ns = sess.started_ns
        for t in (sess.started_ns, sess.ended_ns):
            if t and t > entry.last_ns:
                entry.last_ns = t
        entry.version = self.version
        self._dirty_sessions[s.id] = sess

    def _attach_event(self, ev: AttachedEvent) -> None:
        trace = self.traces.get(ev.trace_id)
        span = trace.spans.get(ev.span_id) if trace is not None else None
        if span is None or trace is None:
            # The span has not arrived yet: hold the event (bounded) until it does.
            key = (ev.trace_id, ev.span_id)
            pending = self._pending_events.get(key)
            if pending is None:
                if len(self._pending_events) >= MAX_PENDING_SPANS:
                    self._pending_events.pop(next(iter(self._pending_events)))
                    self.dropped_events += 1
                pending = self._pending_events[key] = []
            if len(pending) < MAX_PENDING_EVENTS:
                pending.append(ev.event)
            else:
                self.dropped_events += 1
            return
        if len(span.events) >= MAX_EVENTS_PER_SPAN:
            # A span's events are bounded (memory, and the copy each one costs):
            # past the cap new ones are counted, not kept.
            self.dropped_events += 1
            return
        span.events = span.events + (ev.event,)
        trace.version = self.sessions[trace.session_id].version = self.version
        self._dirty_spans[(trace.trace_id, span.span_id)] = span

    def _record_metric(self, m: Metric) -> None:
        key = (m.name, tuple(sorted(m.labels.items())))
        series = self.metrics.get(key)
        if series is None:
            if len(self.metrics) >= self.max_series:
                self.metrics.pop(next(iter(self.metrics)))  # the oldest series; on disk already or still dirty
                self.evicted_series += 1
            series = self.metrics[key] = MetricSeries(m)
        series.add(m)
        self._dirty_metrics[key] = series

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
        # One delta per trace (its own totals), summed per session, so session
        # and global totals take one merge per session per fold.
        by_session: dict[str, Totals] = {}
        for trace in dirty.values():
            delta = _delta_of(trace)
            trace._totals.merge(delta)
            acc = by_session.get(trace.session_id)
            if acc is None:
                by_session[trace.session_id] = delta  # the trace is done with it: reuse as the sum
            else:
                acc.merge(delta, prune=False)
        sessions = self.sessions
        total = self._totals
        for sid, delta in by_session.items():
            entry = sessions.get(sid)
            if entry is not None:
                entry._totals.merge(delta)
            total.merge(delta)

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

    # -- cost rollups ------------------------------------------------------
    def _totals_for(self, session_id: str | None) -> Totals | None:
        if session_id is None:
            return self.totals
        entry = self.sessions.get(session_id)
        return entry.totals if entry is not None else None

    def burn_rate(self, session_id: str | None = None, window_s: float = 300, now_ns: int | None = None) -> tuple[float, float]:
        """(USD per minute, tokens per minute) over the last ``window_s`` seconds.

        Counted by the minute each span ended in (running spans: started in),
        so the window is rounded to whole minutes, the current one included.
        """
        totals = self._totals_for(session_id)
        if totals is None or not totals.series:
            return 0.0, 0.0
        now = time.time_ns() if now_ns is None else now_ns
        last = now // NS_PER_MIN
        first = (now - int(window_s * 1e9)) // NS_PER_MIN
        cost = tokens = 0.0
        for minute, (c, t) in totals.series.items():
            if first <= minute <= last:
                cost += c
                tokens += t
        minutes = max(window_s / 60, 1.0)
        return cost / minutes, tokens / minutes

    def spend_series(
        self,
        session_id: str | None = None,
        bucket: Literal["minute", "hour", "day"] = "minute",
        n: int = 30,
        now_ns: int | None = None,
        what: Literal["cost", "tokens"] = "cost",
    ) -> list[float]:
        """Spend (or tokens) per bucket for the last ``n`` buckets, oldest first.

        Without ``now_ns`` the series ends at the latest bucket that has data
        (so a finished or replayed session still draws); with it, at now.
        """
        totals = self._totals_for(session_id)
        if n <= 0:
            return []
        if totals is None or not totals.series:
            return [0.0] * n
        width = {"minute": 1, "hour": 60, "day": 1440}[bucket]
        idx = 0 if what == "cost" else 1
        agg: dict[int, float] = {}
        for minute, point in totals.series.items():
            b = minute // width
            agg[b] = agg.get(b, 0.0) + point[idx]
        end = (now_ns // NS_PER_MIN) // width if now_ns is not None else max(agg)
        return [max(agg.get(b, 0.0), 0.0) for b in range(end - n + 1, end + 1)]

    def tool_costs(self, session_id: str | None = None) -> list[ToolCost]:
        """Per tool name: the LLM spend that decided and consumed its calls (docs/costs.md)."""
        from .tools import ToolRollup

        if session_id is None:
            traces = list(self.traces.values())
        else:
            traces = self.traces_of(session_id)
        # One running rollup per recent reader key (all sessions, the selected one):
        # a read re-adds only the traces that changed since the last one.
        rollups = self._tool_rollups
        rollup = rollups.pop(session_id, None) or ToolRollup()
        rollups[session_id] = rollup
        while len(rollups) > 4:
            rollups.pop(next(iter(rollups)))
        return rollup.read(traces)

    # -- persistence hand-off ----------------------------------------------
    @property
    def dirty_count(self) -> int:
        return len(self._dirty_spans)

    def drain_dirty(self) -> tuple[list[Span], list[Session], list[MetricSeries]]:
        """Everything changed since the last drain (the SQLite writer's input)."""
        spans = list(self._dirty_spans.values())
        sessions = list(self._dirty_sessions.values())
        metrics = [m.snapshot() for m in self._dirty_metrics.values()]
        self._dirty_spans = {}
        self._dirty_sessions = {}
        self._dirty_metrics = {}
        return spans, sessions, metrics


def _delta_of(trace: TraceEntry) -> Totals:
    """The change of a trace's totals since its last fold: -counted +now per changed span."""
    pending = trace.pending
    trace.pending = {}
    delta = Totals()
    spans = trace.spans
    for span_id, counted in pending.items():
        if counted is not None:
            delta.fold(counted, -1)
        span = spans.get(span_id)
        if span is not None:
            delta.fold(Contribution(span), 1)
    return delta
