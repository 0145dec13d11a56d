"""Batched persistence of the in-memory store to SQLite (aiosqlite).

The writer never sits on the receive path: receivers only touch the store,
which remembers what changed (``Store.drain_dirty``). A background task
drains that every ``interval_s`` (250 ms), or as soon as ``max_batch`` spans
are dirty, and writes each batch of at most ``max_batch`` spans in ONE
transaction. Rows are encoded on the event loop when drained (cheap, a
consistent snapshot, and the store's objects are only safe to read there);
SQL runs in aiosqlite's thread, a handful of calls per batch.

Nothing one sender sends can stop the others' data from being stored:

* A row that cannot be encoded is set aside at encoding (``Batch.quarantine``).
* A batch the database refuses for its *content* (a constraint, a value
  SQLite will not take) is retried row by row, each row in its own
  transaction: the row that fails goes to the ``quarantine`` table with
  its reason (``quarantined`` counts them, ``Writer.quarantine`` reads
  them back), its neighbours are stored.
* A batch that fails because the *database* cannot be written (disk full,
  read-only, I/O error, locked by another program) stays in memory and is
  retried with backoff (``RETRY_MIN_S`` doubling to ``RETRY_MAX_S``);
  ``writable`` is False and ``pending_spans`` says how many wait meanwhile.
  Waiting chunks are bounded by ``max_waiting`` spans (default
  ``MAX_WAITING_SPANS``): past it the oldest chunk is dropped and counted
  in ``dropped_spans``. On close, a database that stays unwritable is
  retried for ``CLOSE_RETRY_S`` seconds, then what waits is counted as
  dropped.

Trace summary rows ride in the same transaction as their spans, taken from
the store's incremental totals; traces the store cannot vouch for (evicted
earlier, or written by a previous run) are merged with and recomputed from
what is on disk. A trace cut into several chunks gets its summary row once,
with the chunk holding its last spans. Session totals follow through
triggers (schema.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections import deque
from pathlib import Path
from typing import Any

import aiosqlite
import msgspec

from ..model import Session, Span
from .batch import (
    INSERT_METRIC_POINT,
    INSERT_QUARANTINE,
    UPSERT_EVENT,
    UPSERT_METRIC,
    UPSERT_SESSION_META,
    UPSERT_SPAN,
    UPSERT_TRACE_ROW,
    UPSERT_TRACE_SUMMARY,
    Batch,
    batch_statements,
    encode_batch,
    quarantine_row,
    trace_summary,
)
from .entries import MetricSeries
from .memory import Store
from .merge import merge_span
from .schema import BUSY_TIMEOUT_MS, WRITER_PRAGMAS, ensure_schema

__all__ = ["Writer", "MAX_ATTEMPTS", "MAX_WAITING_SPANS", "QuarantinedRow"]

log = logging.getLogger(__name__)

#: Failed attempts of a batch the database refuses for its content before it
#: is split row by row (content errors fail the same way every time).
MAX_ATTEMPTS = 1
#: Spans waiting in memory while the database is not writable; past this the
#: oldest waiting chunk is dropped (counted in ``dropped_spans``).
MAX_WAITING_SPANS = 200_000
#: Backoff between attempts while the database is not writable.
RETRY_MIN_S = 0.25
RETRY_MAX_S = 5.0
#: How long close() keeps retrying a database that is not writable.
CLOSE_RETRY_S = 3.0

#: SQLite errors that say the database cannot be written now, whatever the
#: rows (sqlite3 error names, Python 3.11+): the batch waits and is retried.
_ENV_ERRORS = frozenset({
    "SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN",
    "SQLITE_PROTOCOL", "SQLITE_NOMEM", "SQLITE_INTERRUPT", "SQLITE_PERM", "SQLITE_AUTH",
})
_ENV_WORDS = ("disk", "full", "readonly", "read-only", "locked", "busy", "unable to open", "i/o")


def _unwritable(exc: BaseException) -> bool:
    """Whether a failure is the database's (retry later) rather than the rows' (isolate them)."""
    if isinstance(exc, OSError):
        return True
    if isinstance(exc, sqlite3.Error):
        name = getattr(exc, "sqlite_errorname", "") or ""  # e.g. SQLITE_IOERR_WRITE
        if "_".join(name.split("_")[:2]) in _ENV_ERRORS:
            return True
        if isinstance(exc, sqlite3.OperationalError):
            msg = str(exc).lower()
            return any(w in msg for w in _ENV_WORDS)
    return False


class QuarantinedRow(msgspec.Struct, frozen=True, kw_only=True):
    """A row set aside because it could not be stored (for the diagnostics view)."""

    id: int
    time_ns: int
    kind: str
    key: str
    reason: str
    body: str

_json = msgspec.json.Encoder()
_span_decoder = msgspec.msgpack.Decoder(Span)


class _Pending:
    """One chunk of a drain, encoded when drained."""

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


class _Group:
    """Chunks written in ONE transaction: one chunk, or the chunks a big trace spans.

    A trace cut into several chunks has its summary row in the last one
    only (computed once per drain); writing them together keeps every
    committed transaction consistent with itself (a trace row always sums
    the spans committed with it) while each chunk is still one round of
    ``executemany`` calls.
    """

    __slots__ = ("parts", "spans", "attempts")

    def __init__(self, parts: list[_Pending]) -> None:
        self.parts = parts
        self.spans = sum(len(p.spans) for p in parts)
        self.attempts = 0


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
        max_waiting: int = MAX_WAITING_SPANS,
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
        self.max_waiting = max_waiting
        self.busy_timeout_ms = busy_timeout_ms
        self.written_spans = 0
        self.batches = 0
        self.errors = 0
        self.dropped_spans = 0
        #: rows set aside into the quarantine table (this run)
        self.quarantined = 0
        self.last_error: str | None = None
        #: False while the database refuses writes (disk full, read-only, ...)
        self.writable = True
        #: when the current unwritable spell began (time.time_ns), else None
        self.unwritable_since_ns: int | None = None
        self._retry_at = 0.0
        self._backoff = RETRY_MIN_S
        self._conn: aiosqlite.Connection | None = None
        self._task: asyncio.Task | None = None
        self._lock = asyncio.Lock()
        self._queue: deque[_Group] = deque()
        self._queued_spans = 0
        self._closing = False
        self._closed = False
        self._seen_seq = 0
        #: whether the file held traces before this writer wrote any
        self._file_had_traces = False
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
        # "IMMEDIATE": sqlite3 opens the write transaction itself before the
        # first statement of a batch (one thread hop less per batch).
        conn = await aiosqlite.connect(self.path, isolation_level="IMMEDIATE")
        try:
            for pragma in WRITER_PRAGMAS:
                await conn.execute(pragma)
            await conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            async with conn.execute("SELECT 1 FROM traces LIMIT 1") as cur:
                self._file_had_traces = await cur.fetchone() is not None
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        self._task = asyncio.create_task(self._run(), name="agenttrace-sqlite-writer")

    async def close(self) -> None:
        """Flush everything, then close.

        A database that is not writable is retried for ``CLOSE_RETRY_S``
        seconds; what still waits then is counted in ``dropped_spans``.
        """
        if self._closed:
            return
        self._closed = self._closing = True
        if self._task is not None:
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            except Exception as exc:  # noqa: BLE001 -- the loop never raises, but close must not
                self._record_error(exc)
        if self._conn is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CLOSE_RETRY_S
        try:
            while True:
                await self.flush()
                if not self._queue and not self.store.dirty_count:
                    break
                if loop.time() >= deadline:
                    self._drop_waiting()
                    break
                await asyncio.sleep(0.1)
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
            if now < self._retry_at:
                continue
            if self.store.dirty_count >= self.max_batch or now - last >= self.interval_s or self._queue:
                last = now
                try:
                    await self.flush()
                except Exception as exc:  # noqa: BLE001 -- flush() records its own; a last guard so persistence never stops
                    self._record_error(exc)

    # -- writing ----------------------------------------------------------
    async def flush(self) -> int:
        """Write everything dirty now; returns the spans written.

        While the database is not writable, what was drained waits in memory
        (bounded by ``max_waiting`` spans) and this returns early.
        """
        if self._conn is None:
            raise RuntimeError("Writer.start() has not been awaited (or the writer is closed)")
        async with self._lock:
            written = 0
            # Drain once per call (under sustained load a flush must end), and
            # only once what was drained before is written: spans waiting for a
            # slow disk stay dirty in the store, where newer reports of the same
            # span replace each other. While the database refuses writes, drain
            # past the bound only, so the oldest are dropped, not memory grown.
            drained = False
            if self._queue and not self.writable and self._queued_spans + self.store.dirty_count > self.max_waiting:
                drained = self._drain()
                self._bound_waiting()
            # (The background task waits out the backoff; a flush() asked for tries now.)
            while True:
                if not self._queue:
                    if drained or not self._drain():
                        break
                    drained = True
                    self._bound_waiting()
                pending = self._queue[0]
                n = await self._write(pending)
                if n is None:
                    if not self.writable:
                        break  # the database refuses writes: everything waits, retried with backoff
                    if pending.attempts < self.max_attempts:
                        continue
                    n = await self._write_rows(pending)
                    if n is None:
                        break  # became unwritable midway: the chunk waits whole
                self._queue.popleft()
                self._queued_spans -= pending.spans
                written += n
            if self._merge_traces:
                traces = self.store.traces
                self._merge_traces = {t for t in self._merge_traces if t in traces}
            return written

    async def sync(self) -> bool:
        """Write everything stored so far now; True once it is committed.

        An acknowledging receiver (OTLP) awaits this before its 200, so an
        acknowledged span is on disk: a crash afterwards cannot lose it.
        Concurrent calls share the work (one flush drains everyone's spans).
        False while the database refuses writes (the spans wait in memory).
        """
        if self._conn is None or self._closed:
            return False
        try:
            await self.flush()
        except Exception as exc:  # noqa: BLE001 - flush records its own; never fail a request on a bug here
            self._record_error(exc)
            return False
        return self.writable

    def _bound_waiting(self) -> None:
        """Drop the oldest waiting chunks past ``max_waiting`` spans (counted)."""
        while self._queued_spans > self.max_waiting and len(self._queue) > 1:
            old = self._queue.popleft()
            self._queued_spans -= old.spans
            self.dropped_spans += old.spans

    def _drop_waiting(self) -> None:
        n = self._queued_spans + self.store.dirty_count
        self.store.drain_dirty()
        self._queue.clear()
        self._queued_spans = 0
        self.dropped_spans += n

    def _set_unwritable(self, exc: BaseException) -> None:
        self._record_error(exc)
        loop = asyncio.get_running_loop()
        if self.writable:
            self.writable = False
            self.unwritable_since_ns = time.time_ns()
            self._backoff = RETRY_MIN_S
        else:
            self._backoff = min(self._backoff * 2, RETRY_MAX_S)
        self._retry_at = loop.time() + self._backoff

    def _set_writable(self) -> None:
        if not self.writable:
            self.writable = True
            self.unwritable_since_ns = None
            self._backoff = RETRY_MIN_S
            self._retry_at = 0.0

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
        # (spans, summaries, whether it continues a trace of the chunk before)
        chunks: list[tuple[list[Span], dict[str, tuple | None], bool]] = []
        cur: list[Span] = []
        summaries: dict[str, tuple | None] = {}
        joins = False
        for tid, group in groups.items():
            entry = traces.get(tid)
            if entry is not None and entry.first_seen > self._seen_seq:
                self._seen_seq = entry.first_seen
            i = 0
            while i < len(group):
                if len(cur) >= step:
                    chunks.append((cur, summaries, joins))
                    joins = i > 0  # the next chunk continues this trace
                    cur, summaries = [], {}
                part = group[i : i + step - len(cur)]
                cur.extend(part)
                i += len(part)
            # None (evicted meanwhile, or memory lacks older spans): recompute in SQL.
            summaries[tid] = trace_summary(entry) if entry is not None and tid not in self._merge_traces else None
        if cur or not chunks:
            chunks.append((cur, summaries, joins))
        parts: list[_Pending] = []
        for n, (chunk, summ, joined) in enumerate(chunks):
            first = n == 0
            p_sessions = sessions if first else []
            p_metrics = metrics if first else []
            batch = encode_batch(chunk, p_sessions, p_metrics, summaries=summ)
            if parts and not joined:
                self._enqueue(_Group(parts))
                parts = []
            parts.append(_Pending(chunk, p_sessions, p_metrics, summ, batch, since))
        if parts:
            self._enqueue(_Group(parts))
        return True

    def _enqueue(self, g: _Group) -> None:
        self._queue.append(g)
        self._queued_spans += g.spans

    async def _write(self, g: _Group) -> int | None:
        """One transaction for the group; returns spans written, or None if it failed."""
        conn = self._conn
        assert conn is not None
        g.attempts += 1
        batches: list[Batch] = []
        try:
            try:
                for p in g.parts:
                    batch = await self._merge_with_file(conn, p)
                    await self._execute(conn, batch_statements(batch))
                    batches.append(batch)
                await conn.commit()
            except BaseException:
                try:
                    await conn.rollback()
                except Exception:  # noqa: BLE001 -- a failed rollback must not hide the error being raised
                    pass
                raise
        except Exception as exc:  # noqa: BLE001 -- disk full, locked, I/O error, a bad row -- or a bug: never fatal
            if _unwritable(exc):
                self._set_unwritable(exc)
            else:
                self._record_error(exc)
            return None
        self._set_writable()
        for batch in batches:
            self._count(batch)
        return sum(len(b.spans) for b in batches)

    @staticmethod
    async def _execute(conn: aiosqlite.Connection, statements: list) -> None:
        for sql, params, many in statements:
            if many:
                await conn.executemany(sql, params)
            else:
                await conn.execute(sql, params)

    async def _run_statements(self, conn: aiosqlite.Connection, statements: list) -> None:
        try:
            await self._execute(conn, statements)
            await conn.commit()
        except BaseException:
            try:
                await conn.rollback()
            except Exception:  # noqa: BLE001 -- a failed rollback must not hide the error being raised
                pass
            raise

    def _count(self, batch: Batch) -> None:
        if batch.bad:
            self.errors += batch.bad
            self.quarantined += batch.bad
            self.last_error = f"{batch.bad} row(s) could not be encoded and were quarantined"
        self.written_spans += len(batch.spans)
        self.batches += 1

    async def _write_rows(self, g: _Group) -> int | None:
        """Every chunk of the group row by row (``_write_part_rows``)."""
        written = 0
        for p in g.parts:
            n = await self._write_part_rows(p)
            if n is None:
                return None
            written += n
        return written

    async def _write_part_rows(self, p: _Pending) -> int | None:
        """The chunk again, one row per transaction: a row the database refuses is quarantined.

        Returns spans written, or None if the database became unwritable
        (the chunk then waits whole; rows already written are simply
        written again later, every statement is an upsert).
        """
        conn = self._conn
        assert conn is not None
        try:
            batch = await self._merge_with_file(conn, p)
        except Exception as exc:  # noqa: BLE001
            if _unwritable(exc):
                self._set_unwritable(exc)
                return None
            batch = p.batch
        events: dict[tuple[str, str], list[tuple]] = {}
        for ev in batch.events:
            events.setdefault((ev[0], ev[1]), []).append(ev)
        units: list[tuple[str, str, list, Any]] = []
        for row in batch.sessions:
            units.append(("session", row[0], [(UPSERT_SESSION_META, [row], True)], row))
        for row in batch.spans:
            stmts = [(UPSERT_SPAN, [row], True)]
            evs = events.get((row[0], row[1]))
            if evs:
                stmts.append((UPSERT_EVENT, evs, True))
            units.append(("span", f"{row[0]}/{row[1]}", stmts, row))
        for row in batch.trace_rows:
            units.append(("trace", row[0], [(UPSERT_TRACE_ROW, [row], True)], row))
        for t in batch.recompute:
            units.append(("trace", str(t[0]), [(UPSERT_TRACE_SUMMARY, (_json.encode([t]).decode(),), False)], t))
        for row in batch.metrics:
            units.append(("metric", row[0], [(UPSERT_METRIC, [row], True)], row))
        if batch.metric_points:
            units.append(("metric_points", "", [(INSERT_METRIC_POINT, batch.metric_points, True)], None))
        if batch.quarantine:
            units.append(("quarantine", "", [(INSERT_QUARANTINE, batch.quarantine, True)], None))
        written = 0
        for kind, key, stmts, row in units:
            try:
                await self._run_statements(conn, stmts)
            except Exception as exc:  # noqa: BLE001 - sorted below: the database's fault or the row's
                if _unwritable(exc):
                    self._set_unwritable(exc)
                    return None
                self._record_error(exc)
                await self._quarantine(conn, kind, key, exc, row)
                continue
            if kind == "span":
                written += 1
        self._set_writable()
        self.batches += 1
        self.written_spans += written
        if batch.bad:
            self.errors += batch.bad
            self.quarantined += batch.bad
        return written

    async def _quarantine(self, conn: aiosqlite.Connection, kind: str, key: str, exc: BaseException, row: Any) -> None:
        self.quarantined += 1
        if kind == "span":
            self.dropped_spans += 1
        obj = row
        if kind == "span" and isinstance(row, tuple):
            try:
                obj = _span_decoder.decode(row[-1])
            except Exception:  # noqa: BLE001
                obj = [repr(v)[:200] for v in row[:-1]]
        elif isinstance(row, tuple):
            obj = [v if not isinstance(v, bytes) else v.hex()[:200] for v in row]
        qrow = quarantine_row(kind, key, f"{type(exc).__name__}: {exc}", obj)
        try:
            await self._run_statements(conn, [(INSERT_QUARANTINE, [qrow], True)])
        except Exception as exc2:  # noqa: BLE001 - the quarantine itself failing must not stop the rest
            self._record_error(exc2)

    async def _merge_with_file(self, conn: aiosqlite.Connection, p: _Pending) -> Batch:
        """Fold in what the file already holds for spans memory no longer has.

        A trace the store evicted (or that a previous run wrote) comes back
        as a new trace in memory holding only the newest reports, e.g. a
        bare span_end: written as is, it would overwrite the full span, and
        its summary from memory would miss the spans on disk. Such traces
        are found once (when new to memory) and their spans merged with the
        rows on disk from then on. Rare; everything else passes through.
        """
        if self._file_had_traces or self.store.evicted_traces:
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
        return encode_batch(merged_spans, p.sessions, p.metrics, summaries=summaries)

    def _record_error(self, exc: BaseException) -> None:
        self.errors += 1
        self.last_error = f"{type(exc).__name__}: {exc}"
        log.warning("SQLite write failed: %s", self.last_error)

    # -- status -----------------------------------------------------------
    @property
    def pending_spans(self) -> int:
        """Spans changed in memory but not on disk yet."""
        return self.store.dirty_count + self._queued_spans

    @property
    def waiting_spans(self) -> int:
        """Spans drained and encoded, waiting for the database (retried with backoff)."""
        return self._queued_spans

    async def quarantine(self, limit: int = 100) -> list[QuarantinedRow]:
        """The newest rows set aside (this file, any run), newest first."""
        conn = self._conn
        if conn is None:
            return []
        async with conn.execute(
            "SELECT id, time_ns, kind, key, reason, body FROM quarantine ORDER BY id DESC LIMIT ?", (int(limit),)
        ) as cur:
            rows = await cur.fetchall()
        return [QuarantinedRow(id=r[0], time_ns=r[1], kind=r[2], key=r[3], reason=r[4], body=r[5]) for r in rows]

    def db_size(self) -> int:
        """Bytes of the database file plus its write-ahead log."""
        total = 0
        for suffix in ("", "-wal"):
            try:
                total += os.path.getsize(f"{self.path}{suffix}")
            except OSError:
                pass
        return total
