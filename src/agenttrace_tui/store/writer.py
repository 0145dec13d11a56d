"""Batched persistence of the in-memory store to SQLite (aiosqlite).

The writer never sits on the receive path: receivers only touch the store,
which remembers what changed (``Store.drain_dirty``). A background task
drains that every ``interval_s`` (250 ms), or as soon as ``max_batch`` spans
are dirty, and writes each batch of at most ``max_batch`` spans in ONE
transaction. Rows are encoded on the event loop when drained (cheap, a
consistent snapshot, and the store's objects are only safe to read there);
SQL runs in aiosqlite's thread, a handful of calls per batch. If the disk is
slow, spans just stay dirty in the store and a later batch carries their
newest state; if it fails, the batch is retried, then dropped and counted,
and the monitor keeps running.

Trace summary rows ride in the same transaction as their spans, taken from
the store's incremental totals; traces the store cannot vouch for (evicted
earlier, or written by a previous run) are merged with and recomputed from
what is on disk. Session totals follow through triggers (schema.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections import deque
from pathlib import Path

import aiosqlite
import msgspec

from ..model import Session, Span
from .batch import Batch, batch_statements, encode_batch, trace_summary
from .entries import MetricSeries
from .memory import Store
from .merge import merge_span
from .schema import BUSY_TIMEOUT_MS, WRITER_PRAGMAS, ensure_schema

__all__ = ["Writer", "MAX_ATTEMPTS"]

log = logging.getLogger(__name__)

#: Failed attempts after which a batch is dropped (and counted) for good.
MAX_ATTEMPTS = 5

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
        """Flush everything (retrying a failing batch a few times), then close."""
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
                except Exception as exc:  # noqa: BLE001 -- flush() records its own; a last guard so persistence never stops
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
            batch = encode_batch(chunk, p_sessions, p_metrics, summaries=summ)
            self._queue.append(_Pending(chunk, p_sessions, p_metrics, summ, batch, since))
        return True

    async def _write(self, p: _Pending) -> int | None:
        """One transaction; returns spans written, or None if it failed."""
        conn = self._conn
        assert conn is not None
        p.attempts += 1
        try:
            batch = await self._merge_with_file(conn, p)
            try:
                for sql, params, many in batch_statements(batch):
                    if many:
                        await conn.executemany(sql, params)
                    else:
                        await conn.execute(sql, params)
                await conn.commit()
            except BaseException:
                try:
                    await conn.rollback()
                except Exception:  # noqa: BLE001 -- a failed rollback must not hide the error being raised
                    pass
                raise
        except Exception as exc:  # noqa: BLE001 -- disk full, locked, I/O error -- or a bug: never fatal, counted
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
        log.warning("SQLite write failed (attempt counted, batch kept for retry): %s", self.last_error)

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
