"""Batched persistence of the in-memory store to SQLite (aiosqlite).

The writer never sits on the receive path: receivers only touch the store,
which remembers what changed (``Store.drain_dirty``). A background task
drains that every ``interval_s`` (250 ms), or as soon as ``max_batch`` spans
are dirty, and writes each batch of at most ``max_batch`` spans in ONE
transaction. Rows are encoded on the event loop (cheap, and the store's
objects are only safe to read there); SQL runs in aiosqlite's thread. If the
disk is slow, spans just stay dirty in the store and a later batch carries
their newest state; if it fails, the batch is retried, then dropped and
counted, and the monitor keeps running.

Each transaction also recomputes the summary rows (``traces``, ``sessions``)
of what it touched, from the spans on disk, so they stay right after the
in-memory store has evicted those traces.

``write_batch`` is the same transaction for a plain ``sqlite3`` connection
(imports, fixtures, the benchmark): one code path decides what goes on disk.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections import deque
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import aiosqlite
import msgspec

from ..model import Session, Span
from .memory import DEFAULT_SESSION, MetricSeries, Store, TraceEntry, merge_span
from .schema import BUSY_TIMEOUT_MS, WRITER_PRAGMAS, ensure_schema

__all__ = ["Writer", "Batch", "encode_batch", "write_batch", "batch_statements", "trace_summary"]

_I64 = 2**63 - 1
_msgpack = msgspec.msgpack.Encoder()
_span_decoder = msgspec.msgpack.Decoder(Span)
_json = msgspec.json.Encoder()
_json_sorted = msgspec.json.Encoder(order="sorted")

#: Failed attempts after which a batch is dropped (and counted) for good.
MAX_ATTEMPTS = 5

UPSERT_SPAN = """
INSERT INTO spans (trace_id, span_id, session_id, parent, name, kind, status, model, provider,
                   start_ns, end_ns, input_tokens, output_tokens, cost, body)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (trace_id, span_id) DO UPDATE SET
    session_id = excluded.session_id, parent = excluded.parent, name = excluded.name,
    kind = excluded.kind, status = excluded.status, model = excluded.model,
    provider = excluded.provider, start_ns = excluded.start_ns, end_ns = excluded.end_ns,
    input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
    cost = excluded.cost, body = excluded.body
"""
# Events only ever grow (merge_span appends), so event i of a span is stable.
UPSERT_EVENT = """
INSERT OR REPLACE INTO span_events (trace_id, span_id, seq, name, time_ns, attributes)
VALUES (?, ?, ?, ?, ?, ?)
"""
# Sessions the sender described: the store's merged metadata wins; their
# own start/end times widen the session's first/last activity.
UPSERT_SESSION_META = """
INSERT INTO sessions (id, name, service, framework, hostname, started_ns, ended_ns, meta, first_ns, last_ns)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    name = excluded.name, service = excluded.service, framework = excluded.framework,
    hostname = excluded.hostname, started_ns = excluded.started_ns,
    ended_ns = excluded.ended_ns, meta = excluded.meta,
    first_ns = CASE WHEN excluded.first_ns > 0 AND (sessions.first_ns = 0 OR excluded.first_ns < sessions.first_ns)
                    THEN excluded.first_ns ELSE sessions.first_ns END,
    last_ns = max(sessions.last_ns, excluded.last_ns)
"""
# Sessions only implied by spans: never overwrite what a sender described
# (possibly before the monitor restarted).
INSERT_SESSION_IMPLIED = """
INSERT INTO sessions (id, name, service, framework, hostname, started_ns, ended_ns, meta, first_ns, last_ns)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO NOTHING
"""
CREATE_TOUCHED = "CREATE TEMP TABLE IF NOT EXISTS touched_sessions (id TEXT PRIMARY KEY)"
CLEAR_TOUCHED = "DELETE FROM temp.touched_sessions"
# Before the trace rows change: a session a trace moves away from is
# recomputed in full (rare: a later span named the real session).
TOUCH_LEFT_SESSIONS = """
INSERT OR IGNORE INTO temp.touched_sessions (id)
SELECT t.session_id
FROM (SELECT json_extract(value, '$[0]') AS tid, json_extract(value, '$[1]') AS sid FROM json_each(?)) AS k
JOIN traces AS t ON t.trace_id = k.tid
WHERE t.session_id <> k.sid
"""
# Session totals move by trace deltas: subtract the touched traces' old rows,
# rewrite those rows, add them back. O(traces touched), whatever the session's size.
_SESSION_DELTA = """
INSERT INTO sessions (id, traces, spans, errors, running, input_tokens, output_tokens, cost, first_ns, last_ns)
SELECT session_id, {s}count(*), {s}sum(spans), {s}sum(errors), {s}sum(running), {s}sum(input_tokens),
       {s}sum(output_tokens), {s}total(cost), min(start_ns), max(end_ns)
FROM traces WHERE trace_id IN (SELECT value FROM json_each(?))
GROUP BY session_id
ON CONFLICT (id) DO UPDATE SET
    traces = sessions.traces + excluded.traces, spans = sessions.spans + excluded.spans,
    errors = sessions.errors + excluded.errors, running = sessions.running + excluded.running,
    input_tokens = sessions.input_tokens + excluded.input_tokens,
    output_tokens = sessions.output_tokens + excluded.output_tokens,
    cost = sessions.cost + excluded.cost{extra}
"""
SESSION_SUB = _SESSION_DELTA.format(s="-", extra="")
SESSION_ADD = _SESSION_DELTA.format(
    s="",
    extra=""",
    first_ns = CASE WHEN excluded.first_ns > 0 AND (sessions.first_ns = 0 OR excluded.first_ns < sessions.first_ns)
                    THEN excluded.first_ns ELSE sessions.first_ns END,
    last_ns = max(sessions.last_ns, excluded.last_ns)""",
)
# A trace summary the in-memory store already holds (it has every span of
# the trace that is on disk): written as is, no span is read back.
UPSERT_TRACE_ROW = """
INSERT INTO traces (trace_id, session_id, name, start_ns, end_ns, spans, errors, running,
                    input_tokens, output_tokens, cost, models)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (trace_id) DO UPDATE SET
    session_id = excluded.session_id, name = coalesce(traces.name, excluded.name),
    start_ns = excluded.start_ns, end_ns = excluded.end_ns, spans = excluded.spans,
    errors = excluded.errors, running = excluded.running,
    input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
    cost = excluded.cost, models = excluded.models
"""
# Otherwise (imports, traces evicted from memory or written by an earlier
# run) recomputed from the spans on disk: one index range per trace.
# The first root name seen wins, as in the in-memory store.
UPSERT_TRACE_SUMMARY = """
INSERT INTO traces (trace_id, session_id, name, start_ns, end_ns, spans, errors, running,
                    input_tokens, output_tokens, cost, models)
SELECT t.tid, t.sid, t.root, min(s.start_ns), max(coalesce(s.end_ns, s.start_ns)), count(*),
       sum(s.status IN ('error', 'timeout')), sum(s.end_ns IS NULL),
       sum(s.input_tokens), sum(s.output_tokens), total(s.cost), group_concat(DISTINCT s.model)
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
    cost = excluded.cost, models = excluded.models
"""
# Full recompute of the sessions in temp.touched_sessions from their traces
# (index traces_session); the session's own started/ended times widen the
# span-derived first/last, as in memory.
UPSERT_SESSION_SUMMARY = """
INSERT INTO sessions (id, traces, spans, errors, running, input_tokens, output_tokens, cost,
                      first_ns, last_ns)
SELECT id, n, sp, er, ru, it, ot, co,
       CASE WHEN st > 0 AND (f IS NULL OR st < f) THEN st ELSE coalesce(f, 0) END,
       max(coalesce(l, 0), coalesce(st, 0), coalesce(en, 0))
FROM (SELECT k.id AS id, count(t.trace_id) AS n, coalesce(sum(t.spans), 0) AS sp,
             coalesce(sum(t.errors), 0) AS er, coalesce(sum(t.running), 0) AS ru,
             coalesce(sum(t.input_tokens), 0) AS it, coalesce(sum(t.output_tokens), 0) AS ot,
             total(t.cost) AS co, min(t.start_ns) AS f, max(t.end_ns) AS l,
             (SELECT started_ns FROM sessions WHERE id = k.id) AS st,
             (SELECT ended_ns FROM sessions WHERE id = k.id) AS en
      FROM temp.touched_sessions AS k LEFT JOIN traces AS t ON t.session_id = k.id
      GROUP BY k.id)
WHERE true
ON CONFLICT (id) DO UPDATE SET
    traces = excluded.traces, spans = excluded.spans, errors = excluded.errors,
    running = excluded.running, input_tokens = excluded.input_tokens,
    output_tokens = excluded.output_tokens, cost = excluded.cost,
    first_ns = excluded.first_ns, last_ns = excluded.last_ns
"""
# The catch-all session disappears once its traces moved away (as in memory).
DROP_EMPTY_DEFAULT = f"DELETE FROM sessions WHERE id = '{DEFAULT_SESSION}' AND traces = 0"
UPSERT_METRIC = """
INSERT INTO metrics (name, labels, kind, last, sum, count, time_ns) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (name, labels) DO UPDATE SET
    kind = excluded.kind, last = excluded.last, sum = excluded.sum,
    count = excluded.count, time_ns = excluded.time_ns
"""


# -- encoding (on the event loop) -------------------------------------------
def _i(x: int) -> int:
    # SQLite integers are signed 64-bit; a sender's absurd number must not
    # fail the whole batch.
    return x if -_I64 <= x <= _I64 else (_I64 if x > 0 else -_I64)


def _span_row(span: Span) -> tuple:
    body = _msgpack.encode(span)
    llm = span.llm
    u = span.usage
    if u is not None and u.scope == "span":
        tin, tout = _i(u.input), _i(u.output)
    else:
        tin = tout = 0
    c = span.cost
    end = span.end_ns
    return (
        span.trace_id,
        span.span_id,
        span.session_id,
        span.parent_span_id,
        span.name,
        span.kind.value,
        span.status.value,
        llm.model if llm is not None else None,
        llm.provider if llm is not None else None,
        _i(span.start_ns),
        None if end is None else _i(end),
        tin,
        tout,
        c.total if c is not None else None,
        body,
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


def _session_row(s: Session) -> tuple:
    first = s.started_ns or 0
    last = max(first, s.ended_ns or 0)
    return (s.id, s.name, s.service, s.framework, s.hostname, s.started_ns, s.ended_ns, _msgpack.encode(s), first, last)


def trace_summary(entry: TraceEntry) -> tuple:
    """A ``traces`` row from the in-memory trace's incremental totals."""
    t = entry.totals
    root = entry.spans.get(entry.root_id) if entry.root_id is not None else None
    models = sorted(k[1] for k in t.by if k[0] == "model")
    return (
        entry.trace_id,
        entry.session_id,
        root.name if root is not None and root.name else None,
        _i(entry.start_ns),
        _i(entry.end_ns),
        t.spans,
        t.errors,
        t.running,
        _i(t.input_tokens),
        _i(t.output_tokens),
        t.cost,
        ",".join(models) or None,
    )


class Batch:
    """One transaction's rows, already encoded."""

    __slots__ = ("spans", "events", "sessions", "implied", "traces", "trace_rows", "recompute", "metrics", "bad")

    def __init__(self) -> None:
        self.spans: list[tuple] = []
        self.events: list[tuple] = []
        self.sessions: list[tuple] = []
        self.implied: list[tuple] = []
        #: [trace_id, session_id, root span name or None] per touched trace
        self.traces: list[list] = []
        #: summary rows known up front (from memory), and traces to recompute in SQL
        self.trace_rows: list[tuple] = []
        self.recompute: list[list] = []
        self.metrics: list[tuple] = []
        #: spans that could not be encoded even after cleaning (skipped)
        self.bad = 0


def encode_batch(
    spans: Sequence[Span],
    sessions: Iterable[Session] = (),
    metrics: Iterable[MetricSeries] = (),
    implied: Iterable[Session] = (),
    summaries: Mapping[str, tuple | None] | None = None,
) -> Batch:
    """Encode spans, described sessions, metric series and implied sessions.

    ``summaries`` maps trace ids to ready ``traces`` rows (see
    ``trace_summary``); a touched trace without one is recomputed from the
    spans on disk inside the transaction.
    """
    b = Batch()
    roots: dict[str, list] = {}
    span_rows = b.spans
    for span in spans:
        try:
            row = _span_row(span)
            ev = _event_rows(span) if span.events else None
        except (ValueError, TypeError, OverflowError, UnicodeError, msgspec.EncodeError):
            try:
                span = _cleaned(span)
                row = _span_row(span)
                ev = _event_rows(span) if span.events else None
            except (ValueError, TypeError, OverflowError, UnicodeError, msgspec.MsgspecError):
                b.bad += 1
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
            t[2] = span.name
    summaries = summaries or {}
    for tid, t in roots.items():
        row = summaries.get(tid)
        if row is not None:
            t[1] = row[1]
            b.trace_rows.append(row)
        else:
            b.recompute.append(t)
    b.traces = list(roots.values())
    for s in sessions:
        b.sessions.append(_session_row(s))
    described = {r[0] for r in b.sessions}
    for s in implied:
        if s.id not in described:
            b.implied.append(_session_row(s))
    for m in metrics:
        b.metrics.append(
            (m.name, _json_sorted.encode(m.labels).decode(), m.kind, m.last, m.sum, m.count, _i(m.time_ns))
        )
    return b


def batch_statements(b: Batch) -> list[tuple[str, Any, bool]]:
    """The SQL of one batch, in order: (sql, parameters, executemany?)."""
    out: list[tuple[str, Any, bool]] = []
    if b.spans:
        out.append((UPSERT_SPAN, b.spans, True))
    if b.events:
        out.append((UPSERT_EVENT, b.events, True))
    if b.sessions:
        out.append((UPSERT_SESSION_META, b.sessions, True))
    if b.implied:
        out.append((INSERT_SESSION_IMPLIED, b.implied, True))
    if b.traces:
        tids = (_json.encode([t[0] for t in b.traces]).decode(),)
        out.append((CREATE_TOUCHED, (), False))
        out.append((CLEAR_TOUCHED, (), False))
        out.append((TOUCH_LEFT_SESSIONS, (_json.encode(b.traces).decode(),), False))
        out.append((SESSION_SUB, tids, False))
        if b.trace_rows:
            out.append((UPSERT_TRACE_ROW, b.trace_rows, True))
        if b.recompute:
            out.append((UPSERT_TRACE_SUMMARY, (_json.encode(b.recompute).decode(),), False))
        out.append((SESSION_ADD, tids, False))
        out.append((UPSERT_SESSION_SUMMARY, (), False))  # only the sessions a trace left
        out.append((DROP_EMPTY_DEFAULT, (), False))
    if b.metrics:
        out.append((UPSERT_METRIC, b.metrics, True))
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


# -- the background writer ---------------------------------------------------
class _Pending:
    """One chunk of a drain, encoded when drained (a consistent snapshot)."""

    __slots__ = ("spans", "sessions", "metrics", "summaries", "batch", "since_seq", "attempts")

    def __init__(
        self,
        spans: list[Span],
        sessions: list[Session],
        metrics: list[MetricSeries],
        summaries: dict[str, tuple | None],
        batch: Batch,
        since_seq: int,
    ) -> None:
        self.spans = spans
        self.sessions = sessions
        self.metrics = metrics
        self.summaries = summaries
        self.batch = batch
        #: traces first seen by the store after this sequence number are new
        #: to memory: the file may already hold older reports of their spans.
        self.since_seq = since_seq
        self.attempts = 0


_DISK_ERRORS = (sqlite3.Error, OSError, ValueError, OverflowError, UnicodeError, msgspec.MsgspecError)


class Writer:
    """Drains the store's dirty spans, sessions and metrics into SQLite."""

    def __init__(
        self,
        store: Store,
        path: str | Path,
        *,
        interval_s: float = 0.25,
        max_batch: int = 1000,
        poll_s: float = 0.03,
        max_attempts: int = MAX_ATTEMPTS,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.store = store
        self.path = Path(path)
        self.interval_s = interval_s
        self.max_batch = max_batch
        self.poll_s = min(poll_s, interval_s) if interval_s > 0 else poll_s
        self.max_attempts = max_attempts
        self.busy_timeout_ms = busy_timeout_ms
        self.written_spans = 0
        self.batches = 0
        self.errors = 0
        self.dropped_spans = 0
        self.last_error: str | None = None
        self._conn: aiosqlite.Connection | None = None
        self._task: asyncio.Task | None = None
        self._lock = asyncio.Lock()
        self._queue: deque[_Pending] = deque()
        self._closing = False
        self._closed = False
        self._seen_seq = 0
        #: traces whose spans the file held before memory saw them again
        #: (evicted earlier, or written by a previous run): merged on write.
        self._merge_traces: set[str] = set()

    # -- lifecycle --------------------------------------------------------
    async def start(self) -> None:
        """Open the file (dirs, schema, WAL) and start the background flusher.

        Raises ``schema.SchemaError`` for a file from a newer version and
        ``OSError``/``sqlite3.Error`` when the file cannot be opened at all.
        """
        await asyncio.to_thread(ensure_schema, self.path)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            for pragma in WRITER_PRAGMAS:
                await conn.execute(pragma)
            await conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            await conn.execute(CREATE_TOUCHED)
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        self._task = asyncio.create_task(self._run(), name="agenttrace-sqlite-writer")

    async def close(self) -> None:
        """Flush everything (retrying a failing batch a few times), then close."""
        if self._closed:
            return
        self._closed = self._closing = True
        if self._task is not None:
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            except Exception as exc:  # the loop never raises, but close must not
                self._record_error(exc)
        if self._conn is None:
            return
        try:
            for _ in range(self.max_attempts * 2 + 2):
                await self.flush()
                if not self._queue and not self.store.dirty_count:
                    break
                await asyncio.sleep(0.05)
            try:
                await self._conn.execute("PRAGMA optimize")
            except sqlite3.Error:
                pass
        finally:
            await self._conn.close()
            self._conn = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while not self._closing:
            await asyncio.sleep(self.poll_s)
            now = loop.time()
            if self.store.dirty_count >= self.max_batch or now - last >= self.interval_s:
                last = now
                try:
                    await self.flush()
                except _DISK_ERRORS as exc:  # flush() records its own; this is a last guard
                    self._record_error(exc)

    # -- writing ----------------------------------------------------------
    async def flush(self) -> int:
        """Write everything dirty now; returns the spans written."""
        if self._conn is None:
            raise RuntimeError("Writer.start() has not been awaited (or the writer is closed)")
        async with self._lock:
            written = 0
            drained = False
            while True:
                if not self._queue:
                    # Drain once per call: under sustained load a flush must end.
                    if drained or not self._drain():
                        break
                    drained = True
                pending = self._queue[0]
                n = await self._write(pending)
                if n is not None:
                    self._queue.popleft()
                    written += n
                    continue
                if pending.attempts >= self.max_attempts:
                    self._queue.popleft()
                    self.dropped_spans += len(pending.spans)
                break
            if self._merge_traces:
                traces = self.store.traces
                self._merge_traces = {t for t in self._merge_traces if t in traces}
            return written

    def _drain(self) -> bool:
        """Take the store's dirty set and cut it into encoded chunks.

        A chunk holds at most ``max_batch`` spans, whole traces where they
        fit; each trace's summary row rides with the chunk holding its last
        spans, taken from memory at the same instant as the span rows, so
        every committed transaction is consistent with itself.
        """
        store = self.store
        spans, sessions, metrics = store.drain_dirty()
        if not (spans or sessions or metrics):
            return False
        since = self._seen_seq
        traces = store.traces
        groups: dict[str, list[Span]] = {}
        for s in spans:
            g = groups.get(s.trace_id)
            if g is None:
                groups[s.trace_id] = [s]
            else:
                g.append(s)
        step = self.max_batch
        chunks: list[tuple[list[Span], dict[str, tuple | None]]] = []
        cur: list[Span] = []
        summaries: dict[str, tuple | None] = {}
        for tid, group in groups.items():
            entry = traces.get(tid)
            if entry is not None and entry.first_seen > self._seen_seq:
                self._seen_seq = entry.first_seen
            i = 0
            while i < len(group):
                if len(cur) >= step:
                    chunks.append((cur, summaries))
                    cur, summaries = [], {}
                part = group[i : i + step - len(cur)]
                cur.extend(part)
                i += len(part)
            # None (evicted meanwhile, or memory lacks older spans): recompute in SQL.
            summaries[tid] = trace_summary(entry) if entry is not None and tid not in self._merge_traces else None
        if cur or not chunks:
            chunks.append((cur, summaries))
        for n, (chunk, summ) in enumerate(chunks):
            first = n == 0
            p_sessions = sessions if first else []
            p_metrics = metrics if first else []
            batch = encode_batch(chunk, p_sessions, p_metrics, self._implied(chunk), summ)
            self._queue.append(_Pending(chunk, p_sessions, p_metrics, summ, batch, since))
        return True

    def _implied(self, spans: Iterable[Span]) -> list[Session]:
        sessions = self.store.sessions
        out = []
        for sid in {s.session_id for s in spans}:
            entry = sessions.get(sid)
            out.append(entry.session if entry is not None else Session(id=sid))
        return out

    async def _write(self, p: _Pending) -> int | None:
        """One transaction; returns spans written, or None if it failed."""
        conn = self._conn
        assert conn is not None
        p.attempts += 1
        try:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                batch = await self._merge_with_file(conn, p)
                for sql, params, many in batch_statements(batch):
                    if many:
                        await conn.executemany(sql, params)
                    else:
                        await conn.execute(sql, params)
                await conn.execute("COMMIT")
            except BaseException:
                try:
                    await conn.execute("ROLLBACK")
                except Exception:
                    pass
                raise
        except _DISK_ERRORS as exc:
            self._record_error(exc)
            return None
        if batch.bad:
            self.errors += batch.bad
            self.last_error = f"{batch.bad} span(s) could not be encoded and were skipped"
        self.written_spans += len(batch.spans)
        self.batches += 1
        return len(batch.spans)

    async def _merge_with_file(self, conn: aiosqlite.Connection, p: _Pending) -> Batch:
        """Fold in what the file already holds for spans memory no longer has.

        A trace the store evicted (or that a previous run wrote) comes back
        as a new trace in memory holding only the newest reports, e.g. a
        bare span_end: written as is, it would overwrite the full span, and
        its summary from memory would miss the spans on disk. Such traces
        are found once (when new to memory) and their spans merged with the
        rows on disk from then on. Rare; everything else passes through.
        """
        traces = self.store.traces
        fresh = set()
        for s in p.spans:
            entry = traces.get(s.trace_id)
            if entry is None or entry.first_seen > p.since_seq:
                fresh.add(s.trace_id)
        fresh -= self._merge_traces
        if fresh:
            async with conn.execute(
                "SELECT trace_id FROM traces WHERE trace_id IN (SELECT value FROM json_each(?))",
                (_json.encode(list(fresh)).decode(),),
            ) as cur:
                self._merge_traces.update(r[0] for r in await cur.fetchall())
        if not self._merge_traces:
            return p.batch
        targets = [s for s in p.spans if s.trace_id in self._merge_traces]
        if not targets:
            return p.batch
        keys = _json.encode([[s.trace_id, s.span_id] for s in targets]).decode()
        async with conn.execute(
            "SELECT s.trace_id, s.span_id, s.body FROM spans AS s JOIN (SELECT json_extract(value, '$[0]') AS t,"
            " json_extract(value, '$[1]') AS i FROM json_each(?)) AS k ON s.trace_id = k.t AND s.span_id = k.i",
            (keys,),
        ) as cur:
            on_file = {(r[0], r[1]): r[2] for r in await cur.fetchall()}
        merged_spans = []
        for s in p.spans:
            body = on_file.get((s.trace_id, s.span_id))
            if body is not None:
                try:
                    old = _span_decoder.decode(body)
                except msgspec.DecodeError:
                    old = None
                if old is not None:
                    merged = merge_span(old, s)
                    if old.start_ns and old.start_ns < merged.start_ns:
                        # The store dates a bare span_end at its end; the file knows the start.
                        merged.start_ns = old.start_ns
                    s = merged
            merged_spans.append(s)
        summaries = {t: (None if t in self._merge_traces else row) for t, row in p.summaries.items()}
        return encode_batch(merged_spans, p.sessions, p.metrics, self._implied(merged_spans), summaries)

    def _record_error(self, exc: BaseException) -> None:
        self.errors += 1
        self.last_error = f"{type(exc).__name__}: {exc}"

    # -- status -----------------------------------------------------------
    @property
    def pending_spans(self) -> int:
        """Spans changed in memory but not on disk yet."""
        return self.store.dirty_count + sum(len(p.spans) for p in self._queue)

    def db_size(self) -> int:
        """Bytes of the database file plus its write-ahead log."""
        total = 0
        for suffix in ("", "-wal"):
            try:
                total += os.path.getsize(f"{self.path}{suffix}")
            except OSError:
                pass
        return total
