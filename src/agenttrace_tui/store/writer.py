"""Batched persistence of the in-memory store to SQLite (aiosqlite).

The writer never sits on the receive path: receivers only touch the store,
which remembers what changed (``Store.drain_dirty``). A background task
drains that every ``interval_s`` (250 ms), or as soon as ``max_batch`` spans
are dirty, and writes each batch of at most ``max_batch`` spans in ONE
transaction. Fewer than ``small_batch`` spans wait up to ``max_delay_s``
(1 s) since the last commit: a commit costs the same pages whatever it
carries, so at a trickle this writes 2-3.5x fewer bytes. The event loop
only drains references (the store's spans, sessions, metric snapshots),
cuts them into chunks and takes each trace's summary row from the store's
totals (those are only safe to read there); rows are encoded and written in
aiosqlite's thread, one call per transaction (``_transaction``), off the
loop's critical path.

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

The writer is made of parts with one job each: ``write_state`` (its state,
health and backoff), ``filemerge`` (spans merged with the file's rows),
``quarantine`` (row-by-row isolation); this module drains, cuts and writes.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3

import aiosqlite

from ..model import Span
from .batch import Batch, batch_statements, encode_batch, trace_summary
from .quarantine import QuarantinedRow, RowIsolation
from .schema import WRITER_PRAGMAS, autocheckpoint_pragma, ensure_schema
from .write_state import MAX_ATTEMPTS, MAX_WAITING_SPANS, _Group, _Pending, _unwritable, in_thread

__all__ = ["Writer", "MAX_ATTEMPTS", "MAX_WAITING_SPANS", "QuarantinedRow"]

#: How long close() keeps retrying a database that is not writable.
CLOSE_RETRY_S = 3.0
#: The longest idle wait of the flush loop (also how long close() may wait for it).
IDLE_POLL_S = 0.25
#: The write-ahead log is checkpointed outside bursts once it passes this
#: (the WAL stays under ~4 MB plus a batch at a steady rate,
#: under the 32 MB autocheckpoint plus a batch in bursts, and is gone at exit).
WAL_SOFT_BYTES = 4 * 1024 * 1024
#: How often the log's size is looked at (a stat) outside bursts. With 16 KiB
#: pages a steady stream of small batches (3,500 spans/s in 20 ms batches) grows
#: the log ~14 MB a second; looked at every 0.25 s it peaks at 4.6 MB, for 4 %
#: more bytes written in all (the hot pages are copied back more often).
CHECKPOINT_EVERY_S = 0.25


def _transaction(
    conn: sqlite3.Connection, work: list[tuple[_Pending, list[Span], dict[str, tuple | None]]]
) -> list[Batch]:
    """Encode and write chunks in ONE transaction (runs in the connection's thread).

    The spans are the store's live objects: the loop may change one while it
    is encoded here. Every change marks the span dirty again, so a later
    batch writes it again (each row is an upsert), and the last drain, after
    the last change, writes the final state. The trace summary rows were
    taken on the loop when the chunk was drained.
    """
    batches: list[Batch] = []
    try:
        for p, spans, summaries in work:
            batch = p.batch = encode_batch(spans, p.sessions, p.metrics, summaries=summaries)
            for sql, params, many in batch_statements(batch):
                if many:
                    conn.executemany(sql, params)
                else:
                    conn.execute(sql, params)
            batches.append(batch)
        conn.commit()
    except BaseException:
        try:
            conn.rollback()
        except Exception:  # noqa: BLE001 -- a failed rollback must not hide the error being raised
            pass
        raise
    return batches


def _pragma_rows(conn: sqlite3.Connection, sql: str) -> list:
    cur = conn.execute(sql)
    try:
        return cur.fetchall()
    finally:
        cur.close()


async def _pragma(conn: aiosqlite.Connection, sql: str) -> list:
    """Run a PRAGMA to its end and close its cursor, in one call on the
    connection's thread; returns its rows.

    A statement whose result row is left unread (a checkpoint's, a journal
    mode's) stays open while its cursor lives, and an open statement makes the
    connection's next COMMIT fail ("cannot commit transaction - SQL statements
    in progress"). Run as execute, fetch and close (three calls), a batch that
    an acknowledging receiver's sync() queued between them failed that way.
    """
    return await in_thread(conn, _pragma_rows, conn._conn, sql)


class Writer(RowIsolation):
    """Drains the store's dirty spans, sessions and metrics into SQLite."""

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
                await _pragma(conn, pragma)
            page_size = await _pragma(conn, "PRAGMA page_size")
            await _pragma(conn, autocheckpoint_pragma(page_size[0][0] if page_size else 4096))
            await _pragma(conn, f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
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
                await _pragma(self._conn, "PRAGMA optimize")
                # Leave no log behind: the file alone holds everything at exit.
                await _pragma(self._conn, "PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                pass
        finally:
            await self._conn.close()
            self._conn = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while not self._closing:
            # Nothing dirty: look again at the flush interval (at most IDLE_POLL_S, so
            # close() never waits long for this loop), not 33 times a second: an idle
            # monitor should cost nothing; the first span after a pause waits at most 250 ms.
            # (Any span dirty: every poll_s, so the start of a burst is not held back.)
            await asyncio.sleep(self.poll_s if self.store.dirty_count else min(self.interval_s, IDLE_POLL_S))
            now = loop.time()
            if now < self._retry_at:
                continue
            commit = bool(self._queue or self.store.backlog)  # idle: nothing to commit, the log may still be folded
            if commit:
                if not (self._queue or self._commit_due(now - last)):
                    continue
                last = now
            try:
                written = await self.flush() if commit else 0
                if written < self.max_batch:  # not in a burst: the log can be folded back now
                    await self._maybe_checkpoint(now)
            except Exception as exc:  # noqa: BLE001 -- flush() records its own; a last guard so persistence never stops
                self._record_error(exc)

    def _commit_due(self, waited: float) -> bool:
        """Whether the dirty spans are committed now, ``waited`` seconds after the last commit.

        A commit writes every page it touches (about 150 KB with 16 KiB pages)
        whether it carries one span or a hundred, so a small batch waits up to
        ``max_delay_s`` for company (at 20 spans/s, 3.5x fewer bytes written).
        """
        dirty = self.store.dirty_count
        return dirty >= self.max_batch or (
            waited >= self.interval_s and (dirty >= self.small_batch or waited >= self.max_delay_s))

    async def _maybe_checkpoint(self, now: float) -> None:
        """Keep the write-ahead log near WAL_SOFT_BYTES: every batch rewrites the
        summary and index pages it touches, so at a steady trickle the log grew
        to the 32 MB autocheckpoint for a database of 1 MB. Outside bursts, at most
        every CHECKPOINT_EVERY_S, a log past the soft bound is checkpointed
        (PASSIVE: never waits for a reader); journal_size_limit then cuts the
        file back on the next write. Bursts still checkpoint at 32 MB."""
        if self._conn is None or now - self._last_checkpoint < CHECKPOINT_EVERY_S:
            return
        try:
            wal = os.path.getsize(f"{self.path}-wal")
        except OSError:
            return
        if wal <= WAL_SOFT_BYTES:
            return
        self._last_checkpoint = now
        # Under the lock: never between a row-by-row retry's statements and its commit.
        async with self._lock:
            try:
                await _pragma(self._conn, "PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:  # busy: the next chance is a few seconds away
                pass

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
        for callback in self.on_written:
            callback()
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

    def _drain(self) -> bool:
        """Take the store's dirty set and cut it into chunks (references; encoded when written).

        A chunk holds at most ``max_batch`` spans, whole traces where they
        fit; each trace's summary row rides with the chunk holding its last
        spans, taken from memory now, at the instant the spans are drained.
        Their rows are encoded later, in the writer's thread: a span changed
        meanwhile may be written newer than the summary, but a change marks
        it dirty again, so the next transaction rewrites it and its trace's
        summary together (the final flush at close writes the final state).
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
            if parts and not joined:
                self._enqueue(_Group(parts))
                parts = []
            parts.append(_Pending(chunk, p_sessions, p_metrics, summ, since))
        if parts:
            self._enqueue(_Group(parts))
        return True

    def _enqueue(self, g: _Group) -> None:
        self._queue.append(g)
        self._queued_spans += g.spans

    async def _write(self, g: _Group) -> int | None:
        """One transaction for the group; returns spans written, or None if it failed.

        On the loop: only the merge with the file's rows (reads, and only for
        traces memory no longer fully holds). Encoding and SQL run in the
        connection's thread, as one call.
        """
        conn = self._conn
        assert conn is not None
        g.attempts += 1
        try:
            work = []
            for p in g.parts:
                spans, summaries = await self._merge_with_file(conn, p)
                work.append((p, spans, summaries))
            batches = await in_thread(conn, _transaction, conn._conn, work)
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

    # -- status -----------------------------------------------------------
    @property
    def pending_spans(self) -> int:
        """Spans changed in memory but not on disk yet."""
        return self.store.dirty_count + self._queued_spans

    @property
    def backlog(self) -> int:
        """Changes not on disk yet: spans, sessions and series in the store, drained spans waiting."""
        return self.store.backlog + self._queued_spans

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
