"""What one batch puts on disk: rows encoded from the model, and their SQL.

Shared by the async ``Writer`` (live monitor) and ``write_batch`` on a plain
``sqlite3`` connection (imports, fixtures, the benchmark), so there is one
definition of what a span, a session, a trace summary and a metric look like
in the file.

A batch is: span upserts (full span as a msgpack ``body`` plus the columns
queries filter on), one row per span event, described sessions, trace
summary rows, metric series. Trace rows come either ready-made (the writer
takes them from the in-memory store's totals) or are recomputed from the
spans on disk inside the transaction. Session totals follow the trace rows
through triggers (schema.py).

Two things keep a span row cheap to write (bench/bench_schema.py, counted
with callgrind: ~50,500 instructions per row before, ~38,000 after):

* Spans go in up to ``SPAN_ROWS_PER_STATEMENT`` rows per statement (a
  multi-row VALUES upsert, ``span_statements``): SQLite opens its cursors
  and ends the statement once per group, and the writer's thread hands the
  interpreter lock back and forth a few times per batch, not twice per row
  (while the event loop is busy each hand-back can wait a whole switch
  interval, 5 ms).
* ``None`` and ``bytes`` parameters bind through identity adapters
  (``_bind_as_is``): Python's sqlite3 sends every value that is not exactly
  int, float, str or bytearray through its adapter protocol, whose failed
  attribute look-up formats an error message, about 2,500 instructions for
  each NULL column and each body; a registered adapter ends the look-up at
  its first step and returns the value unchanged.
"""

from __future__ import annotations

import functools
import itertools
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from ..model import INTERNAL_ATTR, Session, Span
from .aggregates import counted_cost, span_flags
from .entries import MetricSeries, TraceEntry, trace_name_of

__all__ = [
    "Batch",
    "encode_batch",
    "batch_statements",
    "write_batch",
    "trace_summary",
    "span_row",
    "session_row",
    "metric_row",
    "quarantine_row",
    "INSERT_QUARANTINE",
    "INSERT_METRIC_POINT",
    "SPAN_BODY_COLUMN",
]

_I64 = 2**63 - 1


def _same(value: Any) -> Any:
    return value


def _bind_as_is() -> None:
    """Bind None and bytes without the adapter protocol's failing look-ups (see the module docstring).

    The adapters return their argument: every connection in the process binds
    exactly what it bound before (NULL, a blob), only sooner.
    """
    for t in (bytes, type(None)):
        if (t, sqlite3.PrepareProtocol) not in sqlite3.adapters:
            sqlite3.register_adapter(t, _same)


_bind_as_is()
_msgpack = msgspec.msgpack.Encoder()
_json = msgspec.json.Encoder()
_json_sorted = msgspec.json.Encoder(order="sorted")

UPSERT_SPAN = """
INSERT INTO spans (trace_id, span_id, session_id, parent, name, kind, status, model, provider,
                   start_ns, end_ns, input_tokens, output_tokens, cost, body, unpriced, estimated, internal)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (trace_id, span_id) DO UPDATE SET
    session_id = excluded.session_id, parent = excluded.parent, name = excluded.name,
    kind = excluded.kind, status = excluded.status, model = excluded.model,
    provider = excluded.provider, start_ns = excluded.start_ns, end_ns = excluded.end_ns,
    input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
    cost = excluded.cost, body = excluded.body, unpriced = excluded.unpriced, estimated = excluded.estimated,
    internal = excluded.internal
"""
#: Where ``span_row`` puts the msgpack body (the ``body`` column of UPSERT_SPAN).
SPAN_BODY_COLUMN = 14
#: The most span rows in one statement (18 parameters each: 9,216; SQLite
#: allows 32,766). A batch of n rows is cut into statements of powers of two
#: (n = 1000: 512 + 256 + 128 + 64 + 32 + 8), so a connection prepares at most
#: ten of them, once (2.4 ms for the largest).
SPAN_ROWS_PER_STATEMENT = 512
_ONE_ROW = "(" + ", ".join("?" * 18) + ")"
assert _ONE_ROW in UPSERT_SPAN


@functools.cache
def upsert_spans(k: int) -> str:
    """UPSERT_SPAN with ``k`` rows in its VALUES: same columns, same conflict rule, rows applied in order."""
    return UPSERT_SPAN if k == 1 else UPSERT_SPAN.replace(_ONE_ROW, ", ".join([_ONE_ROW] * k))


def span_statements(rows: Sequence[tuple]) -> list[tuple[str, list[tuple], bool]]:
    """The statements writing ``rows`` (``span_row``), in order: (sql, parameters, executemany?)."""
    out: list[tuple[str, list[tuple], bool]] = []
    chain = itertools.chain.from_iterable
    n, i, k = len(rows), 0, SPAN_ROWS_PER_STATEMENT
    while i < n:
        while k > n - i:
            k //= 2
        end = i + (n - i) // k * k
        if k == 1:
            out.append((UPSERT_SPAN, list(rows[i:end]), True))
        else:
            out.append((upsert_spans(k), [tuple(chain(rows[j : j + k])) for j in range(i, end, k)], True))
        i = end
    return out
# Events only ever grow (merge_span appends), so event i of a span is stable.
UPSERT_EVENT = """
INSERT OR REPLACE INTO span_events (trace_id, span_id, seq, name, time_ns, attributes)
VALUES (?, ?, ?, ?, ?, ?)
"""
# Sessions the sender described: the store's merged metadata wins (a field
# it lacks keeps what the file has: memory may have forgotten the session); their
# own start/end times widen the session's first/last activity.
UPSERT_SESSION_META = """
INSERT INTO sessions (id, name, service, framework, hostname, started_ns, ended_ns, meta, first_ns, last_ns)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    name = coalesce(excluded.name, sessions.name), service = coalesce(excluded.service, sessions.service),
    framework = coalesce(excluded.framework, sessions.framework),
    hostname = coalesce(excluded.hostname, sessions.hostname),
    started_ns = coalesce(excluded.started_ns, sessions.started_ns),
    ended_ns = coalesce(excluded.ended_ns, sessions.ended_ns), meta = excluded.meta,
    first_ns = CASE WHEN excluded.first_ns > 0 AND (sessions.first_ns = 0 OR excluded.first_ns < sessions.first_ns)
                    THEN excluded.first_ns ELSE sessions.first_ns END,
    last_ns = max(sessions.last_ns, excluded.last_ns)
"""
# Sessions only implied by spans (imports): never overwrite what a sender
# described (possibly earlier, or before the monitor restarted).
INSERT_SESSION_IMPLIED = """
INSERT INTO sessions (id, name, service, framework, hostname, started_ns, ended_ns, meta, first_ns, last_ns)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO NOTHING
"""
# A trace summary the in-memory store already holds (it has every span of
# the trace that is on disk): written as is, no span is read back. Its root's
# name as the store names it now wins (a root merged from two reports, a turn
# rebuilt from log events and the client's own span, is named alike whichever
# came first); a summary without a root keeps the name on file.
UPSERT_TRACE_ROW = """
INSERT INTO traces (trace_id, session_id, name, start_ns, end_ns, spans, errors, running,
                    input_tokens, output_tokens, cost, models, unpriced, estimated, internal)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (trace_id) DO UPDATE SET
    session_id = excluded.session_id, name = coalesce(excluded.name, traces.name),
    start_ns = excluded.start_ns, end_ns = excluded.end_ns, spans = excluded.spans,
    errors = excluded.errors, running = excluded.running,
    input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
    cost = excluded.cost, models = excluded.models, unpriced = excluded.unpriced, estimated = excluded.estimated,
    internal = excluded.internal
"""
# Otherwise (imports, traces evicted from memory or written by an earlier
# run) recomputed from the spans on disk: one index range per trace.
UPSERT_TRACE_SUMMARY = """
INSERT INTO traces (trace_id, session_id, name, start_ns, end_ns, spans, errors, running,
                    input_tokens, output_tokens, cost, models, unpriced, estimated, internal)
SELECT t.tid, t.sid, t.root, min(s.start_ns), max(coalesce(s.end_ns, s.start_ns)), count(*),
       sum(s.status IN ('error', 'timeout')), sum(s.end_ns IS NULL),
       sum(s.input_tokens), sum(s.output_tokens), total(s.cost), group_concat(DISTINCT s.model),
       sum(s.unpriced), sum(s.estimated), min(s.internal)
FROM (SELECT json_extract(value, '$[0]') AS tid, json_extract(value, '$[1]') AS sid,
             json_extract(value, '$[2]') AS root
      FROM json_each(?)) AS t
JOIN spans AS s ON s.trace_id = t.tid
WHERE true
GROUP BY t.tid
ON CONFLICT (trace_id) DO UPDATE SET
    session_id = excluded.session_id, name = coalesce(traces.name, excluded.name),
    start_ns = excluded.start_ns, end_ns = excluded.end_ns, spans = excluded.spans,
    errors = excluded.errors, running = excluded.running,
    input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
    cost = excluded.cost, models = excluded.models, unpriced = excluded.unpriced, estimated = excluded.estimated,
    internal = excluded.internal
"""
# A row that could not be encoded or stored: kept aside with its reason (the
# diagnostics view lists them), never holding back the rows around it.
INSERT_QUARANTINE = """
INSERT INTO quarantine (time_ns, kind, key, reason, body) VALUES (?, ?, ?, ?, ?)
"""
UPSERT_METRIC = """
INSERT INTO metrics (name, labels, kind, last, sum, count, time_ns) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (name, labels) DO UPDATE SET
    kind = excluded.kind, last = excluded.last, sum = excluded.sum,
    count = excluded.count, time_ns = excluded.time_ns
"""

INSERT_METRIC_POINT = "INSERT INTO metric_points (name, labels, time_ns, value, session_id) VALUES (?, ?, ?, ?, ?)"


# -- rows -------------------------------------------------------------------
def _i(x: int) -> int:
    # SQLite integers are signed 64-bit; a sender's absurd number must not
    # fail the whole batch.
    return x if -_I64 <= x <= _I64 else (_I64 if x > 0 else -_I64)


def span_row(span: Span) -> tuple:
    """The ``spans`` row of a span (parameters of UPSERT_SPAN).

    Token and cost columns hold what the span adds to rollups (the store's
    rule, ``memory.counted_cost``): usage or cost that covers a whole
    subtree counts 0 there, while the body keeps the reported numbers.
    """
    body = _msgpack.encode(span)
    llm = span.llm
    u = span.usage
    if u is not None and u.scope == "span":
        tin, tout = _i(u.input), _i(u.output)
    else:
        tin = tout = 0
    end = span.end_ns
    return (
        span.trace_id,
        span.span_id,
        span.session_id,
        span.parent_span_id,
        span.name,
        # ``_value_`` is the member's own attribute; ``.value`` goes through
        # enum's Python-level descriptor (about 5x slower, twice per span).
        span.kind._value_,
        span.status._value_,
        llm.model if llm is not None else None,
        llm.provider if llm is not None else None,
        _i(span.start_ns),
        None if end is None else _i(end),
        tin,
        tout,
        counted_cost(span) if span.cost is not None else None,
        body,
        *span_flags(span),
        1 if span.attributes.get(INTERNAL_ATTR) else 0,
    )


def _event_rows(span: Span) -> list[tuple]:
    return [
        (span.trace_id, span.span_id, i, e.name, _i(e.time_ns), _json.encode(e.attributes).decode())
        for i, e in enumerate(span.events)
    ]


def _clean(obj: Any, big_as_text: bool) -> Any:
    """Builtins made storable: valid UTF-8 text, integers within 64 bits.

    An out-of-range integer becomes text (keeps its digits: right for free
    attributes) or is clamped (for typed fields, which must stay integers).
    """
    if isinstance(obj, str):
        return obj.encode("utf-8", "replace").decode("utf-8")
    if isinstance(obj, bool) or obj is None or isinstance(obj, float):
        return obj
    if isinstance(obj, int):
        if -_I64 <= obj <= _I64:
            return obj
        return str(obj) if big_as_text else _i(obj)
    if isinstance(obj, dict):
        return {_clean(k, big_as_text): _clean(v, big_as_text) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v, big_as_text) for v in obj]
    return _clean(str(obj), big_as_text)


def _cleaned(span: Span) -> Span:
    """A storable copy of a span that failed to encode (slow path, rare)."""
    raw = msgspec.to_builtins(span)
    for holder in (raw, *raw.get("events", ()), *raw.get("links", ())):
        if "attributes" in holder:
            holder["attributes"] = _clean(holder["attributes"], True)
    return msgspec.convert(_clean(raw, False), Span)


def session_row(s: Session) -> tuple:
    """The metadata columns of a ``sessions`` row (parameters of UPSERT_SESSION_META)."""
    started = None if s.started_ns is None else _i(s.started_ns)
    ended = None if s.ended_ns is None else _i(s.ended_ns)
    first = started or 0
    last = max(first, ended or 0)
    return (s.id, s.name, s.service, s.framework, s.hostname, started, ended, _msgpack.encode(s), first, last)


def trace_summary(entry: TraceEntry) -> tuple:
    """A ``traces`` row from the in-memory trace's incremental totals."""
    t = entry.totals
    root = entry.spans.get(entry.root_id) if entry.root_id is not None else None
    # The models of the trace's signatures (kind, model, provider, tool), which
    # are pruned at zero spans: the same set as the "model" keys of ``t.by``,
    # without expanding every breakdown bucket on each drain.
    models = sorted({sig[1] for sig in t.sigs if sig[1]})
    return (
        entry.trace_id,
        entry.session_id,
        # (Rootless, a turn's prompt names it as in memory; else the reader names it: ``Reader._named``.)
        (trace_name_of(root) or None) if root is not None else entry.prompt,
        _i(entry.start_ns),
        _i(entry.end_ns),
        t.spans,
        t.errors,
        t.running,
        _i(t.input_tokens),
        _i(t.output_tokens),
        t.cost,
        ",".join(models) or None,
        t.cost_unknown,
        t.estimated,
        1 if entry.internal_only else 0,
    )


# -- batches ------------------------------------------------------------------
class Batch:
    """One transaction's rows, already encoded."""

    __slots__ = (
        "spans", "events", "sessions", "implied", "trace_rows", "recompute", "metrics", "metric_points", "bad",
        "quarantine",
    )

    def __init__(self) -> None:
        self.spans: list[tuple] = []
        self.events: list[tuple] = []
        self.sessions: list[tuple] = []
        self.implied: list[tuple] = []
        #: summary rows known up front, and [trace_id, session_id, root name]
        #: of the traces to recompute from disk
        self.trace_rows: list[tuple] = []
        self.recompute: list[list] = []
        self.metrics: list[tuple] = []
        self.metric_points: list[tuple] = []
        #: rows that could not be encoded even after cleaning (skipped, quarantined)
        self.bad = 0
        #: (time_ns, kind, key, reason, body) of those rows, for the quarantine table
        self.quarantine: list[tuple] = []

    def set_aside(self, kind: str, key: str, exc: BaseException, obj: Any) -> None:
        """Count a row that cannot be stored and keep what can be kept of it."""
        self.bad += 1
        self.quarantine.append(quarantine_row(kind, key, f"{type(exc).__name__}: {exc}", obj))

    @property
    def trace_ids(self) -> list[str]:
        return [r[0] for r in self.trace_rows] + [r[0] for r in self.recompute]


_ENCODE_ERRORS = (ValueError, TypeError, OverflowError, UnicodeError, msgspec.MsgspecError)
#: Bytes of a quarantined row's text kept.
QUARANTINE_BODY_CHARS = 4096


def quarantine_row(kind: str, key: str, reason: str, obj: Any) -> tuple:
    """A ``quarantine`` row: what it was, its key, why, and its content as text (cut)."""
    try:
        text = _json.encode(_clean(msgspec.to_builtins(obj), True)).decode() if obj is not None else ""
    except Exception:  # noqa: BLE001 - whatever it is, a repr is still worth keeping
        text = repr(obj)
    return (time.time_ns(), kind, key[:300], reason[:500], text[:QUARANTINE_BODY_CHARS])


def _cleaned_session(s: Session) -> Session:
    raw = msgspec.to_builtins(s)
    if "attributes" in raw:
        raw["attributes"] = _clean(raw["attributes"], True)
    return msgspec.convert(_clean(raw, False), Session)


def encode_batch(
    spans: Sequence[Span],
    sessions: Iterable[Session] = (),
    metrics: Iterable[MetricSeries] = (),
    implied: Iterable[Session] = (),
    summaries: Mapping[str, tuple | None] | None = None,
) -> Batch:
    """Encode spans, described sessions, metric series, implied sessions.

    ``implied`` sessions are only created when absent (metadata a sender
    gave is never overwritten); the live writer passes none, the session
    rows its trace rows need are created by the triggers.

    ``summaries`` maps trace ids to ready ``traces`` rows (``trace_summary``)
    or to None (recompute that trace from the spans on disk inside the
    transaction); a touched trace *absent* from it gets no summary row in
    this batch (another chunk of the same drain carries it, so a big trace
    is summarised once per drain, not once per chunk). Without
    ``summaries`` every touched trace is recomputed. A row that cannot be
    encoded (an integer beyond 64 bits, text that is not UTF-8) is cleaned;
    if even that fails it is skipped, counted in ``Batch.bad`` and kept in
    ``Batch.quarantine``.
    """
    b = Batch()
    roots: dict[str, list] = {}
    span_rows = b.spans
    for span in spans:
        try:
            row = span_row(span)
            ev = _event_rows(span) if span.events else None
        except _ENCODE_ERRORS:
            try:
                span = _cleaned(span)
                row = span_row(span)
                ev = _event_rows(span) if span.events else None
            except _ENCODE_ERRORS as exc:
                b.set_aside("span", f"{span.trace_id}/{span.span_id}", exc, span)
                continue
        span_rows.append(row)
        if ev:
            b.events.extend(ev)
        t = roots.get(span.trace_id)
        if t is None:
            t = roots[span.trace_id] = [span.trace_id, span.session_id, None]
        else:
            t[1] = span.session_id  # the latest report names the trace's session
        if span.parent_span_id is None and span.name and t[2] is None:
            t[2] = trace_name_of(span)  # (as the store names it: a turn's prompt, Langfuse's trace name)
    if summaries is None:
        b.recompute.extend(roots.values())
    else:
        for tid, t in roots.items():
            if tid not in summaries:
                continue
            ready = summaries[tid]
            if ready is not None:
                b.trace_rows.append(ready)
            else:
                b.recompute.append(t)
    for s in sessions:
        srow = _session_row_safe(s, b)
        if srow is not None:
            b.sessions.append(srow)
    described = {r[0] for r in b.sessions}
    for s in implied:
        if s.id not in described:
            srow = _session_row_safe(s, b)
            if srow is not None:
                b.implied.append(srow)
    for m in metrics:
        try:
            row = metric_row(m)
        except _ENCODE_ERRORS as exc:
            b.set_aside("metric", m.name, exc, m)
            continue
        b.metrics.append(row)
        for t, v, sid in getattr(m, "new_points", ()):
            b.metric_points.append((m.name, row[1], _i(t), v, sid))
    return b


def metric_row(m: MetricSeries) -> tuple:
    """The ``metrics`` row of a series (parameters of UPSERT_METRIC)."""
    return (m.name, _json_sorted.encode(m.labels).decode(), m.kind, m.last, m.sum, m.count, _i(m.time_ns))


def _session_row_safe(s: Session, b: Batch) -> tuple | None:
    try:
        return session_row(s)
    except _ENCODE_ERRORS:
        try:
            return session_row(_cleaned_session(s))
        except _ENCODE_ERRORS as exc:
            b.set_aside("session", s.id, exc, s)
            return None


def batch_statements(b: Batch) -> list[tuple[str, Any, bool]]:
    """The SQL of one batch, in order: (sql, parameters, executemany?).

    Sessions first (a trace row's trigger then finds its session described),
    spans before trace rows (a recompute reads them).
    """
    out: list[tuple[str, Any, bool]] = []
    if b.sessions:
        out.append((UPSERT_SESSION_META, b.sessions, True))
    if b.implied:
        out.append((INSERT_SESSION_IMPLIED, b.implied, True))
    if b.spans:
        out.extend(span_statements(b.spans))
    if b.events:
        out.append((UPSERT_EVENT, b.events, True))
    if b.trace_rows:
        out.append((UPSERT_TRACE_ROW, b.trace_rows, True))
    if b.recompute:
        out.append((UPSERT_TRACE_SUMMARY, (_json.encode(b.recompute).decode(),), False))
    if b.metrics:
        out.append((UPSERT_METRIC, b.metrics, True))
    if b.metric_points:
        out.append((INSERT_METRIC_POINT, b.metric_points, True))
    if b.quarantine:
        out.append((INSERT_QUARANTINE, b.quarantine, True))
    return out


def write_batch(conn: sqlite3.Connection, batch: Batch) -> None:
    """Run one batch as one transaction on a plain sqlite3 connection.

    The connection must be in autocommit mode (``isolation_level=None``) on a
    file prepared by ``schema.ensure_schema``.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        for sql, params, many in batch_statements(batch):
            if many:
                conn.executemany(sql, params)
            else:
                conn.execute(sql, params)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
