"""What the store keeps per trace, per session and per metric series.

Totals are read through a property: the store folds the spans that changed
since the last read into them first (``Store.flush_aggregates``), so
ingest never pays for aggregates nobody looks at.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable
from itertools import islice
from typing import Any

from ..model import INTERNAL_ATTR, Metric, Session, Span, SpanKind, Status
from ..normalize.conventions import TRACE_NAME_KEYS
from .aggregates import EndTally, Totals, keys_of

#: Session id for spans that name none.
DEFAULT_SESSION = "default"
#: A session with no running span and no activity for this long is no longer
#: running ("done", or "error"): the ``session_idle`` setting, in seconds.
DEFAULT_SESSION_IDLE_S = 300.0
IDLE_NS = int(DEFAULT_SESSION_IDLE_S * 1_000_000_000)
_CUSTOM = SpanKind.CUSTOM


def trace_name_of(span: Span) -> str:
    """The name a trace gets from one of its spans: the trace name the app set on it
    (``TRACE_NAME_KEYS``: Langfuse's ``traceName``; the turn's prompt the monitor put on a turn's
    root named alike on every turn, ``TURN_PROMPT_KEY``), else the span's own name."""
    attrs = span.attributes
    if attrs:
        for key in TRACE_NAME_KEYS:
            v = attrs.get(key)
            if v.__class__ is str and v:
                return v
    return span.name


def rootless_pick(spans: Iterable[Span], seen: list) -> str | None:
    """The span a trace without a root span is named after (its id): its earliest-starting
    span of a known kind (an agent, a model call, a tool ...; a client's internal runtime
    spans are of none), else its earliest-starting span; the first stored wins a tie. The
    store's reader names such a trace's rows by the same rule (``Reader._named``).

    ``seen`` is ``[spans looked at, the pick, its key, ...]``, updated in place: a trace's
    spans are only added, in order, so a later call looks only at those stored since (a
    running trace's row is drawn again at each change; a full look at 50,000 spans costs
    3.5 ms). A span a later report gives another kind keeps the place it was looked at with."""
    n, best_id, best_key = seen[0], seen[1], seen[2]
    for s in islice(spans, n, None):
        n += 1
        key = (s.kind is _CUSTOM, s.start_ns)
        if best_id is None or key < best_key:
            best_id, best_key = s.span_id, key
    seen[0], seen[1], seen[2] = n, best_id, best_key
    return best_id


class TraceEntry:
    """One trace: its spans, the children index, and its totals."""

    __slots__ = (
        "trace_id",
        "session_id",
        "spans",
        "children",
        "_totals",
        "pending",
        "_owner",
        "start_ns",
        "end_ns",
        "root_id",
        "version",
        "first_seen",
        "tool_cache",
        "agent_cache",
        "kind_time_cache",
        "kind_intervals",
        "calls",
        "shared_usage",
        "aliases",
        "counted_running",
        "ended",
        "trimmed",
        "trimmed_time",
        "_rootless",
        "prompt",
    )

    def __init__(self, trace_id: str, session_id: str, seq: int, owner: Any = None) -> None:
        self.trace_id = trace_id
        self.session_id = session_id
        self.spans: dict[str, Span] = {}
        #: parent span id (None for roots) -> child span ids, in arrival order
        self.children: dict[str | None, list[str]] = {}
        self._totals = Totals()
        #: span id -> what the totals count for it now (``aggregates.counted``; None: not
        #: counted yet), for spans changed since the store last folded them in.
        self.pending: dict[str, tuple | None] = {}
        #: span id -> the contribution the last fold counted for a span that was
        #: still running (its span_end then needs no second one); None until needed.
        self.counted_running: dict[str, tuple] | None = None
        #: What ends of such running spans moved since the last fold, counted when the
        #: ends came (``aggregates.EndTally``); None until needed.
        self.ended: EndTally | None = None
        #: The store, whose dirty traces are folded in before totals are read.
        self._owner = owner
        self.start_ns = 0
        self.end_ns = 0
        self.root_id: str | None = None
        self.version = 0
        self.first_seen = seq
        #: (version, tool attribution, calls to match across traces) -- see store.tools.trace_tools
        self.tool_cache: tuple[int, Any, Any] | None = None
        #: (version, spend by agent) -- see store.agents.trace_agents
        self.agent_cache: tuple[int, Any] | None = None
        #: (version, from, to, kind, ns, ...), or None -- see store.kind_time.trace_kind_time
        self.kind_time_cache: Any = None
        #: (version, when its spans of each kind ran) -- see store.kind_time.trace_intervals
        self.kind_intervals: tuple[int, dict[str, list[tuple[int, int]]]] | None = None
        #: call key (``store.calls.CallKey``) -> span id of the span that reported that call; None until needed
        self.calls: dict[Any, str] | None = None
        #: two stored calls reported one usage (the index holds the first: store.calls.found_by_usage)
        self.shared_usage = False
        #: span id of a second report of a call -> the span it was folded into
        self.aliases: dict[str, str] | None = None
        #: oldest spans dropped from memory to keep the trace within the span
        #: budget (store.budget); their rows are in SQLite, the totals count them
        self.trimmed = 0
        #: the trimmed spans' times by kind (``store.kind_time.trim``); None until a trim
        self.trimmed_time: dict[str, list[tuple[int, int]]] | None = None
        #: ``rootless_pick``'s place in ``spans`` (and ``trimmed`` then), for ``name``
        self._rootless: list | None = None
        #: The turn's prompt as a name, from an event of the trace holding it (``TURN_PROMPT_KEY``):
        #: put on its root when the root comes, if the root is named alike on every turn; None until known.
        self.prompt: str | None = None

    @property
    def totals(self) -> Totals:
        owner = self._owner
        if owner is not None and owner._agg_dirty:
            owner.flush_aggregates()
        return self._totals

    @property
    def name(self) -> str:
        """The trace name the app set on its root span (``trace_name_of``: a turn's prompt, on a
        root named alike on every turn), else the root's name; while no root is stored (the root
        of a running turn is exported last; a client whose outer spans are internal runtime spans
        sends none of its own), the turn's prompt when known (``prompt``), else the name of its
        outermost span of the agent's own as far as known: ``rootless_pick``; the trace id when it
        has no span."""
        spans = self.spans
        root = spans.get(self.root_id) if self.root_id else None
        if root is not None and (name := trace_name_of(root)):
            return name
        if root is None and self.prompt:
            return self.prompt
        seen = self._rootless
        if seen is None or seen[0] > len(spans) or seen[3] != self.trimmed:  # (spans trimmed: look again)
            seen = self._rootless = [0, None, (True, 0), self.trimmed]
        pick = rootless_pick(spans.values(), seen)
        best = spans.get(pick) if pick is not None else None
        return (trace_name_of(best) if best is not None else "") or self.root_id or self.trace_id

    @property
    def running(self) -> bool:
        return self.totals.running > 0

    @property
    def cut_ns(self) -> int | None:
        """When this trace's session ended while spans of it were still open (the agent's
        process exited, or was killed, before they did), else None: those spans will get
        no end, and read "unfinished" as of that time instead of ticking on."""
        if not self.running:
            return None
        owner = self._owner
        entry = owner.sessions.get(self.session_id) if owner is not None else None
        if entry is None:
            return None
        end = entry.ended_with_open_spans()
        # A trace begun after the session's end (something still reporting under its id) is not cut.
        return end if end is not None and end >= self.start_ns else None

    def status(self) -> str:
        """``running``, ``unfinished`` (spans still open when its session ended: ``cut_ns``),
        ``error`` (a span failed or timed out), ``cancelled`` (its root span was: the run was
        stopped, not finished) or ``ok``."""
        if self.running:
            return "running" if self.cut_ns is None else "unfinished"
        if self.totals.errors:
            return "error"
        root = self.spans.get(self.root_id) if self.root_id else None
        return "cancelled" if root is not None and root.status is Status.CANCELLED else "ok"

    @property
    def internal_only(self) -> bool:
        """Every span is a client's internal framework span (``store.calls.INTERNAL``):
        the UI may fold such a trace under its session instead of listing it."""
        for s in self.spans.values():  # (a loop, not all() over a generator: most stop at the first span)
            if not s.attributes.get(INTERNAL_ATTR):
                return False
        return bool(self.spans)

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
            cut = self.cut_ns
            end = max(end, now_ns if cut is None else min(now_ns, cut))
        return max(0, end - self.start_ns)


class SessionEntry:
    """One session: its metadata, traces (arrival order) and totals."""

    __slots__ = ("session", "trace_ids", "_totals", "_owner", "first_ns", "last_ns", "version", "kind_time_cache")

    def __init__(self, session: Session, owner: Any = None) -> None:
        self.session = session
        self.trace_ids: dict[str, None] = {}
        self._totals = Totals()
        self._owner = owner
        self.first_ns = session.started_ns or 0
        self.last_ns = session.started_ns or 0
        self.version = 0
        #: (version, time by kind of its ended spans, its kinds' running spans: ``kind_time.Running``)
        #: -- see Store.kind_times
        self.kind_time_cache: tuple[int, dict[str, int], dict[str, tuple[int, int]] | None] | None = None

    @property
    def totals(self) -> Totals:
        owner = self._owner
        if owner is not None and owner._agg_dirty:
            owner.flush_aggregates()
        return self._totals

    @property
    def id(self) -> str:
        return self.session.id

    def ended_with_open_spans(self) -> int | None:
        """The session's end when it ended while spans of it were still open (its process
        exited first: those spans will get no end) and nothing arrived after; else None."""
        end = self.session.ended_ns
        return end if end is not None and end >= self.last_ns and self.totals.running > 0 else None

    def waiting_calls(self) -> dict[tuple[str, str], int]:
        """Its open model calls with no tokens yet (``Totals.llm_waiting``), counted by
        breakdown key (("model", m), ("provider", p), ("kind", k)): the rows of a breakdown
        whose cost is still to come, or never known (``ended_with_open_spans``)."""
        left = self.totals.llm_waiting  # (read first: it folds what changed)
        out: dict[tuple[str, str], int] = {}
        if not left or self._owner is None:
            return out
        traces = self._owner.traces
        # Newest first: open calls are in the traces still running, nearly always the last ones.
        for tid in reversed(self.trace_ids):
            trace = traces.get(tid)
            running = trace.counted_running if trace is not None else None
            if not running:
                continue
            for c in running.values():
                if c[3] and c[6]:  # a model call that counted nothing yet (``counted``: llm, plain)
                    for key in keys_of(c[0]):
                        out[key] = out.get(key, 0) + 1
                    left -= 1
            if left <= 0:
                break
        return out

    def status(self, now_ns: int | None = None) -> str:
        """``running``, ``interrupted`` (``ended_with_open_spans``), ``error`` or ``done``."""
        if self.totals.running > 0:
            return "running" if self.ended_with_open_spans() is None else "interrupted"
        if self.session.ended_ns is None:
            now = now_ns if now_ns is not None else time.time_ns()
            # The owning store's session_idle setting, else the default.
            if now - self.last_ns < getattr(self._owner, "idle_ns", IDLE_NS):
                return "running"
        return "error" if self.totals.errors else "done"

    def until_ns(self, now_ns: int | None = None) -> int:
        """Where the session's time ends: when it ended, else its last report, or ``now_ns`` while
        spans of it are open (what ``duration_ns`` measures to)."""
        end = self.session.ended_ns or self.last_ns
        if self.session.ended_ns is None and self.totals.running and now_ns is not None:
            end = max(end, now_ns)
        return end

    def duration_ns(self, now_ns: int | None = None) -> int:
        return max(0, self.until_ns(now_ns) - self.first_ns)


class MetricSeries:
    """Latest value and running sum of one metric name + label set.

    ``points`` keeps the most recent samples (time, value) for a sparkline and
    a rate; ``new_points`` the samples not yet handed to the SQLite writer
    (taken by ``Store.drain_dirty``; capped so a store without a writer stays
    bounded).
    """

    __slots__ = ("name", "labels", "kind", "last", "sum", "count", "time_ns", "session_id", "points", "new_points")

    #: Samples kept in memory per series for the sparkline and rate.
    RECENT = 240
    #: Unwritten samples kept per series between two writer drains.
    MAX_UNWRITTEN = 4096

    def __init__(self, metric: Metric) -> None:
        self.name = metric.name
        self.labels = metric.labels
        self.kind = metric.kind
        self.last = 0.0
        self.sum = 0.0
        self.count = 0
        self.time_ns = 0
        self.session_id: str | None = None
        self.points: deque[tuple[int, float]] = deque(maxlen=self.RECENT)
        self.new_points: list[tuple[int, float, str | None]] = []

    def add(self, metric: Metric) -> None:
        self.last = metric.value
        self.sum += metric.value
        self.count += 1
        self.time_ns = max(self.time_ns, metric.time_ns)
        if metric.session_id is not None:
            self.session_id = metric.session_id
        self.points.append((metric.time_ns, metric.value))
        if len(self.new_points) >= self.MAX_UNWRITTEN:
            del self.new_points[: self.MAX_UNWRITTEN // 4]
        self.new_points.append((metric.time_ns, metric.value, metric.session_id))

    def snapshot(self) -> MetricSeries:
        """A frozen copy for the writer, owning the unwritten samples (a retry re-encodes the same rows)."""
        copy = MetricSeries.__new__(MetricSeries)
        for k in ("name", "labels", "kind", "last", "sum", "count", "time_ns", "session_id"):
            setattr(copy, k, getattr(self, k))
        copy.points = deque(maxlen=1)
        copy.new_points, self.new_points = self.new_points, []
        return copy


