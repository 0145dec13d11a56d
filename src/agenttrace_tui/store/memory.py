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

``Store`` is made of parts with one job each: ``index`` (the state, lookups,
the fold of totals), ``upsert`` (storing a span), ``budget`` (eviction past the
bounds in ``limits``), ``rollups`` (cost reads); this module applies batches
(sessions, events, metrics) and hands changes to the writer. Beside them:
``merge`` (how repeated reports of a span combine), ``aggregates``
(``Totals``, ``counted``), ``entries`` (per trace, session, metric series). Cost rollups (docs/costs.md): every aggregate also keeps spend
and tokens per minute (``Totals.series``) for sparklines and burn rate; per-tool attribution
(the LLM calls that decided and consumed each tool call) is derived per trace
and cached by the trace's change counter, see ``store.tools``. A ``span_hook``
(the cost enricher) runs on every stored span *after* merging, so a model named
in span_start and usage reported in span_end are priced together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..model import AttachedEvent, Metric, Session, Span, SpanEnd, Update
from ..normalize.conventions import MESSAGE_DETAIL_EVENTS, TURN_PROMPT_KEY
from .aggregates import Contribution, Totals, counted
from .budget import Budget
from .calls import calls_recorded_on
from .entries import MetricSeries, SessionEntry
from .limits import DEFAULT_MAX_SPANS, MAX_ENDED_OPEN, MAX_PENDING_EVENTS, MAX_PENDING_SPANS, MIN_SERIES, MIN_SESSIONS
from .merge import MAX_EVENTS_PER_SPAN, attach_events, merge_session
from .rollups import CostReads
from .upsert import SpanUpserts

__all__ = [
    "Store", "DEFAULT_MAX_SPANS", "MAX_PENDING_EVENTS", "MAX_PENDING_SPANS", "MIN_SERIES", "MIN_SESSIONS",
    "MetricSeries", "Totals", "Contribution", "SessionEntry",
]


class Store(SpanUpserts, Budget, CostReads):
    """Bounded in-memory index of spans by trace and by session."""

    # -- writing ---------------------------------------------------------
    def apply(self, updates: Iterable[Update]) -> int:
        """Apply a batch of updates; returns how many were applied."""
        self.version += 1
        if not isinstance(updates, list):
            updates = list(updates)
        n = len(updates)
        spans = 0
        i = 0
        while i < n:
            # A run of spans in one loop (the common batch is all spans), then the update after it.
            j = self._upsert_spans(updates, i)
            spans += j - i
            if j == n:
                break
            u = updates[j]
            if u.__class__ is SpanEnd:
                # A run of span ends (the second halves of live spans) in one loop too.
                i = self._end_spans(updates, j)
                spans += i - j
                continue
            if isinstance(u, Session):
                self._upsert_session(u)
            elif isinstance(u, AttachedEvent):
                self._attach_event(u)
            elif isinstance(u, Metric):
                self._record_metric(u)
            i = j + 1
        if self.span_count > self.max_spans or len(self.traces) > self.max_traces:
            self._evict()
        if len(self.sessions) > self._session_scan_at:
            self._evict_sessions()
        if not self.track_dirty and (self._dirty_spans or self._dirty_sessions or self._dirty_metrics):
            self.drain_dirty()  # no writer: nothing may pile up for one
        self.updates += n
        if spans:
            self.rate.add(spans)
        return n

    def rederive(self, keys: Iterable[tuple[str, str]], derive: Callable[[Span], None] | None = None) -> int:
        """Run ``span_hook`` (or ``derive``) again on stored spans whose derived fields
        can now be better (a token vocabulary became ready), moving every aggregate
        by the difference; returns how many spans were found."""
        hook = derive or self.span_hook
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
            running = trace.counted_running
            was = running.pop(span_id, None) if running else None
            if span_id not in trace.pending:
                # What the totals count for it until the next fold (aggregates are folded on read).
                trace.pending[span_id] = was if was is not None else counted(span)
                self._agg_dirty[trace.trace_id] = trace
            try:
                hook(span)
            except Exception as exc:  # noqa: BLE001 - as in apply: never lose the span
                name = type(exc).__name__
                self.hook_errors[name] = self.hook_errors.get(name, 0) + 1
            trace.version = session.version = self.version
            self.changed(trace.trace_id, span)
            n += 1
        return n


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
            if s.ended_ns is None and s == entry.session:
                # The session is what this report says already: merging it would change nothing (an
                # OTLP resource's session record comes with every request of its exporter).
                return
            entry.session = merge_session(entry.session, s)
        sess = entry.session
        if sess.started_ns and (not entry.first_ns or sess.started_ns < entry.first_ns):
            entry.first_ns = sess.started_ns
        for t in (sess.started_ns, sess.ended_ns):
            if t and t > entry.last_ns:
                entry.last_ns = t
        entry.version = self.version
        self._dirty_sessions[s.id] = sess
        if sess.ended_ns is not None:
            # Perhaps with spans open (its agent killed inside them): running_live leaves those
            # out. Kept without reading the totals here (that would fold them per session
            # record); past the cap, the ones with nothing open go, at one fold for the lot.
            ended = self._ended
            ended[s.id] = entry
            if len(ended) > MAX_ENDED_OPEN:
                self._ended = {k: e for k, e in ended.items() if self.sessions.get(k) is e and e.totals.running}

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
        if ev.event.name in MESSAGE_DETAIL_EVENTS:
            _kept, recorded = calls_recorded_on(span, (ev.event,))
            if recorded:
                # Another model call its client recorded onto this span (store.calls): a span of its own.
                for call in recorded:
                    self._upsert_span(call)
                return
        if TURN_PROMPT_KEY in ev.event.attributes:
            self._turn_prompt(trace, (ev.event,))  # the turn's prompt (Codex's): names the trace
        if len(span.events) >= MAX_EVENTS_PER_SPAN:
            # A span's events are bounded (memory, and the copy each one costs):
            # past the cap new ones are counted, not kept.
            self.dropped_events += 1
            return
        attach_events(span, (ev.event,))
        trace.version = self.sessions[trace.session_id].version = self.version
        self.changed(trace.trace_id, span)

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


    # -- persistence hand-off ----------------------------------------------
    @property
    def dirty_count(self) -> int:
        return self._dirty_n

    @property
    def backlog(self) -> int:
        """Spans, sessions and metric series changed and not drained by the writer yet."""
        return self._dirty_n + len(self._dirty_sessions) + len(self._dirty_metrics)

    def drain_dirty(self) -> tuple[list[Span], list[Session], list[MetricSeries]]:
        """Everything changed since the last drain (the SQLite writer's input)."""
        spans = [s for changed in self._dirty_spans.values() for s in changed.values()]
        sessions = list(self._dirty_sessions.values())
        metrics = [m.snapshot() for m in self._dirty_metrics.values()]
        self._dirty_spans = {}
        self._dirty_n = 0
        self._dirty_sessions = {}
        self._dirty_metrics = {}
        return spans, sessions, metrics
