"""The in-memory trace store: bounded, indexed by trace and session.

Everything the UI shows is read from here. Spans live in per-trace dicts; a
children index keyed by parent id makes out-of-order arrival free (a child
that comes first simply waits under its parent's id). Aggregates are kept
incrementally: every change subtracts the span's old contribution and adds its
new one, so totals never need a rescan. When the span budget is exceeded the
oldest whole traces are evicted and counted.

Change counters: ``Store.version`` grows by one per applied batch; each trace
and session remembers the version that last touched it, so a reader redraws
only what changed. The store is single-threaded: call it from one thread (the
event loop); readers on that thread see consistent state between batches.

Cost rollups (docs/costs.md): every aggregate also keeps spend and tokens per
minute (``Totals.series``) for sparklines and burn rate; per-tool attribution
(the LLM calls that decided and consumed each tool call) is derived per trace
and cached by the trace's change counter, see ``store.tools``. A ``span_hook``
(the cost enricher) runs on every stored span *after* merging, so a model named
in span_start and usage reported in span_end are priced together.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Literal

import msgspec

from ..model import AttachedEvent, Metric, Session, Span, SpanEvent, SpanKind, Status, Update

if TYPE_CHECKING:
    from .tools import ToolCost

DEFAULT_MAX_SPANS = 200_000
#: Session id for spans that name none.
DEFAULT_SESSION = "default"
#: A session with no running span and no activity for this long is "done".
IDLE_NS = 30 * 1_000_000_000
#: Events for spans not seen yet are held: this many per span, for this many spans.
MAX_PENDING_EVENTS = 256
MAX_PENDING_SPANS = 10_000
_NS_PER_MIN = 60 * 1_000_000_000
#: Budget thresholds: "warn" from this fraction of the budget, "over" from 1.0.
BUDGET_WARN = 0.8
#: Kinds whose cost, when reported without span-scoped usage, covers their subtree.
_SUBTREE_KINDS = frozenset({SpanKind.AGENT, SpanKind.TASK})

_SPAN_FIELDS = [(f.name, f.default) for f in msgspec.structs.fields(Span)]
_PARTS = frozenset({"llm", "tool", "agent", "rag", "file", "usage", "cost"})
# (name, default) per part type. Cached: msgspec.structs.fields() re-evaluates the
# string annotations on every call (~0.4 ms), which made every merge cost ~1 ms.
_PART_FIELDS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _merge_part(old: Any, new: Any) -> Any:
    """Field-wise merge of two typed parts: the newer report's set fields win."""
    if old is None:
        return new
    if new is None:
        return old
    cls = type(new)
    fields = _PART_FIELDS.get(cls)
    if fields is None:
        fields = _PART_FIELDS[cls] = tuple((f.name, f.default) for f in msgspec.structs.fields(cls))
    merged = {}
    for name, default in fields:
        nv = getattr(new, name)
        merged[name] = nv if nv != default else getattr(old, name)
    return cls(**merged)


def merge_span(old: Span, new: Span) -> Span:
    """Combine two reports of one span (span_start + span_end, or a repeat).

    A field the newer report leaves unset (None, "", 0, empty, or the
    default) keeps the older value. A newer report that says "running" never
    reopens a span that has already ended (UDP may deliver the end first).
    """
    merged: dict[str, Any] = {}
    for name, default in _SPAN_FIELDS:
        nv = getattr(new, name)
        ov = getattr(old, name)
        if name == "attributes":
            merged[name] = {**ov, **nv} if nv else ov
        elif name == "events":
            merged[name] = ov + tuple(e for e in nv if e not in ov) if nv else ov
        elif name in _PARTS:
            merged[name] = _merge_part(ov, nv)
        elif name == "kind":
            merged[name] = nv if nv is not SpanKind.CUSTOM else ov
        elif name == "status":
            if old.end_ns is not None and new.end_ns is None:
                merged[name] = ov
            else:
                merged[name] = nv
        elif nv is None or nv == "" or nv == 0 or nv == () or nv is default:
            merged[name] = ov
        else:
            merged[name] = nv
    usage = merged["usage"]
    if usage is not None and usage.total < usage.input + usage.output:
        usage.total = usage.input + usage.output
    return Span(**merged)


def merge_session(cur: Session, new: Session) -> Session:
    """Combine two reports of one session: the newer one's set fields win,
    except the start, which the first report knows best."""
    return Session(
        id=new.id,
        name=new.name or cur.name,
        service=new.service or cur.service,
        framework=new.framework or cur.framework,
        framework_version=new.framework_version or cur.framework_version,
        hostname=new.hostname or cur.hostname,
        tags=new.tags or cur.tags,
        started_ns=cur.started_ns or new.started_ns,
        ended_ns=new.ended_ns or cur.ended_ns,
        attributes={**cur.attributes, **new.attributes},
    )


class Totals:
    """Incremental aggregate over a set of spans (a trace, session, or all)."""

    __slots__ = (
        "spans",
        "running",
        "errors",
        "llm_calls",
        "llm_ns",
        "llm_finished",
        "input_tokens",
        "output_tokens",
        "cache_read",
        "cache_write",
        "reasoning",
        "estimated",
        "cost",
        "cost_unknown",
        "by",
        "series",
        "detailed",
    )

    def __init__(self, detailed: bool = True) -> None:
        #: Breakdowns and the spend series are kept only where they are read
        #: (sessions and the global totals); a trace keeps plain counters.
        self.detailed = detailed
        self.spans = 0
        self.running = 0
        self.errors = 0
        self.llm_calls = 0
        self.llm_ns = 0
        self.llm_finished = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.cache_read = 0
        self.cache_write = 0
        self.reasoning = 0
        self.estimated = 0
        self.cost = 0.0
        self.cost_unknown = 0
        #: Breakdown: ("model"|"provider"|"kind"|"tool", value) -> Bucket
        self.by: dict[tuple[str, str], Bucket] = {}
        #: Spend over time: minute index (ns // 60e9) -> [cost USD, tokens]
        self.series: dict[int, list[float]] = {}

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def error_rate(self) -> float:
        return self.errors / self.spans if self.spans else 0.0

    @property
    def avg_llm_ns(self) -> float:
        return self.llm_ns / self.llm_finished if self.llm_finished else 0.0

    def apply(self, c: "Contribution", sign: int) -> None:
        self.spans += sign
        self.running += sign * c.running
        self.errors += sign * c.error
        self.llm_calls += sign * c.llm
        if c.llm and not c.running:
            self.llm_ns += sign * c.duration_ns
            self.llm_finished += sign
        if not self.detailed:
            # A trace keeps plain counters and which models it used.
            if c.model_key is not None:
                bucket = self.by.get(c.model_key)
                if bucket is None:
                    bucket = self.by[c.model_key] = Bucket()
                bucket.spans += sign
                if bucket.spans == 0:
                    del self.by[c.model_key]
            if c.plain:
                return
        elif c.plain:
            # Most spans carry no tokens and no cost: counters only (hot path).
            by = self.by
            for key in c.keys:
                bucket = by.get(key)
                if bucket is None:
                    bucket = by[key] = Bucket()
                bucket.spans += sign
                bucket.errors += sign * c.error
                bucket.duration_ns += sign * c.duration_ns
                if bucket.spans == 0:
                    del by[key]
            return
        self.input_tokens += sign * c.input_tokens
        self.output_tokens += sign * c.output_tokens
        self.cache_read += sign * c.cache_read
        self.cache_write += sign * c.cache_write
        self.reasoning += sign * c.reasoning
        self.estimated += sign * c.estimated
        self.cost += sign * c.cost
        self.cost_unknown += sign * c.cost_unknown
        if not self.detailed:
            return
        for key in c.keys:
            bucket = self.by.get(key)
            if bucket is None:
                bucket = self.by[key] = Bucket()
            bucket.apply(c, sign)
            if bucket.spans == 0:
                del self.by[key]
        if c.cost or c.tokens:
            point = self.series.get(c.minute)
            if point is None:
                point = self.series[c.minute] = [0.0, 0]
            point[0] += sign * c.cost
            point[1] += sign * c.tokens
            if point[1] == 0 and abs(point[0]) < 1e-12:
                del self.series[c.minute]

    def breakdown(self, dimension: str) -> list[tuple[str, "Bucket"]]:
        """Buckets of one dimension ("model", "provider", "kind", "tool"), costliest first."""
        rows = [(k[1], b) for k, b in self.by.items() if k[0] == dimension]
        rows.sort(key=lambda kv: (-kv[1].cost, -kv[1].tokens, kv[0]))
        return rows


class Bucket:
    """One row of a breakdown: spans, tokens, cost, errors, time."""

    __slots__ = (
        "spans",
        "errors",
        "input_tokens",
        "output_tokens",
        "cache_read",
        "cache_write",
        "estimated",
        "cost",
        "cost_unknown",
        "duration_ns",
    )

    def __init__(self) -> None:
        self.spans = 0
        self.errors = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.cache_read = 0
        self.cache_write = 0
        #: Spans whose tokens were estimated by the monitor (show "≈").
        self.estimated = 0
        self.cost = 0.0
        #: LLM spans with usage but no known price.
        self.cost_unknown = 0
        self.duration_ns = 0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def apply(self, c: "Contribution", sign: int) -> None:
        self.spans += sign
        self.errors += sign * c.error
        self.input_tokens += sign * c.input_tokens
        self.output_tokens += sign * c.output_tokens
        self.cache_read += sign * c.cache_read
        self.cache_write += sign * c.cache_write
        self.estimated += sign * c.estimated
        self.cost += sign * c.cost
        self.cost_unknown += sign * c.cost_unknown
        self.duration_ns += sign * c.duration_ns



def counted_cost(span: Span) -> float:
    """The part of a span's cost that rollups add up (docs/costs.md).

    A cost that covers a subtree -- usage scoped "subtree", or an agent /
    task span without usage of its own -- is shown on the span, never summed:
    its children carry that spend already. Unknown costs count as 0 here
    (they are counted separately as unpriced).
    """
    c = span.cost
    if c is None or c.total is None:
        return 0.0
    u = span.usage
    if u is not None:
        return c.total if u.scope == "span" else 0.0
    return 0.0 if span.kind in _SUBTREE_KINDS else c.total


class Contribution:
    """What one span adds to every aggregate that contains it."""

    __slots__ = (
        "running",
        "error",
        "llm",
        "duration_ns",
        "input_tokens",
        "output_tokens",
        "cache_read",
        "cache_write",
        "reasoning",
        "estimated",
        "cost",
        "cost_unknown",
        "keys",
        "minute",
        "plain",
        "model_key",
    )

    def __init__(self, span: Span) -> None:
        self.running = span.end_ns is None
        self.error = span.status is Status.ERROR or span.status is Status.TIMEOUT
        self.llm = span.kind is SpanKind.LLM_CALL
        self.duration_ns = span.duration_ns()
        u = span.usage
        # Usage an agent reports for its whole subtree is shown on the span
        # but never summed: its children already carry those tokens.
        if u is not None and u.scope == "span":
            self.input_tokens = u.input
            self.output_tokens = u.output
            self.cache_read = u.cache_read
            self.cache_write = u.cache_write
            self.reasoning = u.reasoning
            self.estimated = 1 if u.estimated else 0
        else:
            self.input_tokens = self.output_tokens = self.cache_read = 0
            self.cache_write = self.reasoning = self.estimated = 0
        c = span.cost
        self.cost = counted_cost(span)
        self.cost_unknown = 1 if self.llm and (c is None or c.total is None) and u is not None and u.scope == "span" else 0
        self.minute = (span.end_ns if span.end_ns is not None else span.start_ns) // _NS_PER_MIN
        keys = [("kind", span.kind.value)]
        self.model_key = None
        if span.llm is not None:
            if span.llm.model:
                self.model_key = ("model", span.llm.model)
                keys.append(self.model_key)
            if span.llm.provider:
                keys.append(("provider", span.llm.provider))
        if span.tool is not None and span.tool.name:
            keys.append(("tool", span.tool.name))
        self.keys = keys
        self.plain = not (
            self.input_tokens or self.output_tokens or self.cache_read or self.cache_write
            or self.reasoning or self.estimated or self.cost or self.cost_unknown
        )

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class TraceEntry:
    """One trace: its spans, the children index, and its totals."""

    __slots__ = (
        "trace_id",
        "session_id",
        "spans",
        "children",
        "totals",
        "start_ns",
        "end_ns",
        "root_id",
        "version",
        "first_seen",
        "tool_cache",
    )

    def __init__(self, trace_id: str, session_id: str, seq: int) -> None:
        self.trace_id = trace_id
        self.session_id = session_id
        self.spans: dict[str, Span] = {}
        #: parent span id (None for roots) -> child span ids, in arrival order
        self.children: dict[str | None, list[str]] = {}
        self.totals = Totals(detailed=False)
        self.start_ns = 0
        self.end_ns = 0
        self.root_id: str | None = None
        self.version = 0
        self.first_seen = seq
        #: (version, tool attribution) -- see store.tools.trace_tools
        self.tool_cache: tuple[int, Any] | None = None

    @property
    def name(self) -> str:
        root = self.spans.get(self.root_id) if self.root_id else None
        return root.name if root is not None and root.name else (self.root_id or self.trace_id)

    @property
    def running(self) -> bool:
        return self.totals.running > 0

    def roots(self) -> list[str]:
        """Top-level span ids: true roots, then orphans whose parent has not arrived."""
        out = list(self.children.get(None, ()))
        for parent, kids in self.children.items():
            if parent is not None and parent not in self.spans:
                out.extend(kids)
        return out

    def duration_ns(self, now_ns: int | None = None) -> int:
        end = self.end_ns
        if self.running and now_ns is not None:
            end = max(end, now_ns)
        return max(0, end - self.start_ns)


class SessionEntry:
    """One session: its metadata, traces (arrival order) and totals."""

    __slots__ = ("session", "trace_ids", "totals", "first_ns", "last_ns", "version")

    def __init__(self, session: Session) -> None:
        self.session = session
        self.trace_ids: dict[str, None] = {}
        self.totals = Totals()
        self.first_ns = session.started_ns or 0
        self.last_ns = session.started_ns or 0
        self.version = 0

    @property
    def id(self) -> str:
        return self.session.id

    def status(self, now_ns: int | None = None) -> str:
        """``running``, ``error`` or ``done``."""
        if self.totals.running > 0:
            return "running"
        if self.session.ended_ns is None:
            now = now_ns if now_ns is not None else time.time_ns()
            if now - self.last_ns < IDLE_NS:
                return "running"
        return "error" if self.totals.errors else "done"

    def duration_ns(self, now_ns: int | None = None) -> int:
        end = self.session.ended_ns or self.last_ns
        if self.session.ended_ns is None and self.totals.running and now_ns is not None:
            end = max(end, now_ns)
        return max(0, end - self.first_ns)


class MetricSeries:
    """Latest value and running sum of one metric name + label set."""

    __slots__ = ("name", "labels", "kind", "last", "sum", "count", "time_ns")

    def __init__(self, metric: Metric) -> None:
        self.name = metric.name
        self.labels = metric.labels
        self.kind = metric.kind
        self.last = 0.0
        self.sum = 0.0
        self.count = 0
        self.time_ns = 0

    def add(self, metric: Metric) -> None:
        self.last = metric.value
        self.sum += metric.value
        self.count += 1
        self.time_ns = max(self.time_ns, metric.time_ns)


class RateMeter:
    """Spans per second over the last few seconds (for the header)."""

    __slots__ = ("_buckets",)

    def __init__(self) -> None:
        self._buckets: deque[list[int]] = deque(maxlen=6)

    def add(self, n: int, now_s: int | None = None) -> None:
        sec = int(time.monotonic()) if now_s is None else now_s
        if self._buckets and self._buckets[-1][0] == sec:
            self._buckets[-1][1] += n
        else:
            self._buckets.append([sec, n])

    def rate(self, now_s: int | None = None) -> float:
        """Mean rate over the last full seconds (the current one is partial)."""
        sec = int(time.monotonic()) if now_s is None else now_s
        full = [n for s, n in self._buckets if sec - 5 <= s < sec]
        return sum(full) / 5 if full else 0.0


class Store:
    """Bounded in-memory index of spans by trace and by session."""

    def __init__(self, max_spans: int = DEFAULT_MAX_SPANS, span_hook: Callable[[Span], None] | None = None) -> None:
        if max_spans < 1:
            raise ValueError("max_spans must be at least 1")
        self.max_spans = max_spans
        #: Runs on each span as it will be stored (after merging), before it is
        #: counted: the cost enricher prices and estimates here.
        self.span_hook = span_hook
        #: Failures of span_hook, by exception type (a bad span never stops ingest).
        self.hook_errors: dict[str, int] = {}
        self.traces: dict[str, TraceEntry] = {}
        self.sessions: dict[str, SessionEntry] = {}
        self.metrics: dict[tuple[str, tuple[tuple[str, str], ...]], MetricSeries] = {}
        self.totals = Totals()
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
        self.updates += n
        if spans:
            self.rate.add(spans)
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
            entry = self.sessions[sid] = SessionEntry(Session(id=sid, started_ns=start_ns or None))
        return entry

    def _upsert_span(self, span: Span) -> None:
        trace = self.traces.get(span.trace_id)
        sid = span.session_id
        if trace is None:
            self._seq += 1
            trace = TraceEntry(span.trace_id, sid or DEFAULT_SESSION, self._seq)
            self.traces[span.trace_id] = trace
            self._session_for(trace.session_id, span.start_ns).trace_ids[trace.trace_id] = None
        elif sid and sid != trace.session_id:
            self._rehome(trace, sid)
        span.trace_id = trace.trace_id
        span.session_id = trace.session_id
        span.name = self._intern(span.name)
        old = trace.spans.get(span.span_id)
        session = self.sessions[trace.session_id]
        if old is not None:
            c_old = Contribution(old)
            trace.totals.apply(c_old, -1)
            session.totals.apply(c_old, -1)
            self.totals.apply(c_old, -1)
            # Reported numbers replace derived ones whole: usage the monitor
            # estimated, a cost it computed (no field-wise mixing of the two).
            if old.usage is not None and old.usage.estimated and span.usage is not None and not span.usage.estimated:
                old.usage = None
            if old.cost is not None and span.cost is not None and span.cost.source == "reported" and old.cost.source != "reported":
                old.cost = None
            new = merge_span(old, span)
            if old.parent_span_id != new.parent_span_id:
                self._unlink(trace, old)
                trace.children.setdefault(new.parent_span_id, []).append(new.span_id)
        else:
            new = span
            if not new.start_ns and new.end_ns is not None:
                new.start_ns = new.end_ns  # span_end with no span_start: zero-length
            if new.parent_span_id is not None:
                parent = trace.spans.get(new.parent_span_id)
                if parent is not None:
                    new.parent_span_id = parent.span_id  # one string per id, not one per child
            trace.children.setdefault(new.parent_span_id, []).append(new.span_id)
            self.span_count += 1
            if self._pending_events:
                held = self._pending_events.pop((trace.trace_id, new.span_id), None)
                if held:
                    new.events = new.events + tuple(held)
        self._intern_parts(new)
        trace.spans[new.span_id] = new
        if self.span_hook is not None:
            try:
                self.span_hook(new)
            except Exception as exc:  # noqa: BLE001 - enrichment must never lose the span
                name = type(exc).__name__
                self.hook_errors[name] = self.hook_errors.get(name, 0) + 1
        c = Contribution(new)
        trace.totals.apply(c, 1)
        session.totals.apply(c, 1)
        self.totals.apply(c, 1)
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
        old = self.sessions[trace.session_id]
        new = self._session_for(sid, trace.start_ns)
        for s in trace.spans.values():
            c = Contribution(s)
            old.totals.apply(c, -1)
            new.totals.apply(c, 1)
            s.session_id = sid
            self._dirty_spans[(trace.trace_id, s.span_id)] = s
        old.trace_ids.pop(trace.trace_id, None)
        old.version = self.version
        trace.session_id = sid
        new.trace_ids[trace.trace_id] = None
        if not old.trace_ids and not old.totals.spans:
            # Its only traces were placed there provisionally (the default, or
            # an OTLP service session) before a span named their real session.
            del self.sessions[old.session.id]

    def _upsert_session(self, s: Session) -> None:
        entry = self.sessions.get(s.id)
        if entry is None:
            entry = self.sessions[s.id] = SessionEntry(s)
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
        if span is None:
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
        span.events = span.events + (ev.event,)
        trace.version = self.sessions[trace.session_id].version = self.version
        self._dirty_spans[(trace.trace_id, span.span_id)] = span

    def _record_metric(self, m: Metric) -> None:
        key = (m.name, tuple(sorted(m.labels.items())))
        series = self.metrics.get(key)
        if series is None:
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
            # Traces keep no breakdowns, so their spans are taken out one by
            # one (eviction is rare next to insertion, which stays cheap).
            for span in trace.spans.values():
                c = Contribution(span)
                if session is not None:
                    session.totals.apply(c, -1)
                self.totals.apply(c, -1)
            if session is not None:
                session.trace_ids.pop(trace_id, None)
                session.version = self.version

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

    def traces_of(self, session_id: str) -> list[TraceEntry]:
        """Traces of a session, newest first."""
        entry = self.sessions.get(session_id)
        if entry is None:
            return []
        out = [self.traces[t] for t in entry.trace_ids if t in self.traces]
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
        last = now // _NS_PER_MIN
        first = (now - int(window_s * 1e9)) // _NS_PER_MIN
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
        end = (now_ns // _NS_PER_MIN) // width if now_ns is not None else max(agg)
        return [max(agg.get(b, 0.0), 0.0) for b in range(end - n + 1, end + 1)]

    def tool_costs(self, session_id: str | None = None) -> list["ToolCost"]:
        """Per tool name: the LLM spend that decided and consumed its calls (docs/costs.md)."""
        from .tools import rollup_tools

        if session_id is None:
            traces = list(self.traces.values())
        else:
            traces = self.traces_of(session_id)
        return rollup_tools(traces)

    # -- persistence hand-off ----------------------------------------------
    @property
    def dirty_count(self) -> int:
        return len(self._dirty_spans)

    def drain_dirty(self) -> tuple[list[Span], list[Session], list[MetricSeries]]:
        """Everything changed since the last drain (the SQLite writer's input)."""
        spans = list(self._dirty_spans.values())
        sessions = list(self._dirty_sessions.values())
        metrics = list(self._dirty_metrics.values())
        self._dirty_spans = {}
        self._dirty_sessions = {}
        self._dirty_metrics = {}
        return spans, sessions, metrics


def budget_state(entry: SessionEntry | None, budget: float | None) -> Literal["ok", "warn", "over"]:
    """``"over"`` at 100 % of the per-session budget, ``"warn"`` from 80 %, else ``"ok"``."""
    if entry is None or budget is None or budget <= 0:
        return "ok"
    spent = entry.totals.cost
    if spent >= budget:
        return "over"
    if spent >= BUDGET_WARN * budget:
        return "warn"
    return "ok"


def span_size_hint() -> int:
    """Shallow size of an empty span, for the memory benchmark's report."""
    return sys.getsizeof(Span(span_id="", trace_id="", session_id="", name="", start_ns=0))
