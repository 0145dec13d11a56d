"""The SQLite writer's state and health: chunks, counters, writable or not.

``WriterState`` holds what the writer keeps (set up in one ``__init__``):
the chunks drained and encoded but not written yet (``_Pending`` grouped
into ``_Group`` transactions), the counters the diagnostics view shows, and
whether the database takes writes now (``_unwritable`` sorts a failure into
the database's fault, retried with backoff, or the rows', isolated by
``store.quarantine``). The write path itself is ``store.writer``.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from ..model import Session, Span
from .batch import Batch
from .entries import MetricSeries
from .memory import Store
from .schema import BUSY_TIMEOUT_MS

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Failed attempts of a batch the database refuses for its content before it
#: is split row by row (content errors fail the same way every time).
MAX_ATTEMPTS = 1
#: Spans waiting in memory while the database is not writable; past this the
#: oldest waiting chunk is dropped (counted in ``dropped_spans``).
MAX_WAITING_SPANS = 200_000
#: Below this many dirty spans the writer waits up to ``max_delay_s`` (not
#: ``interval_s``) since its last commit: a commit writes every page it touches
#: whatever it carries (measured with 16 KiB pages: 150 KB for one span), so
#: at 20 spans/s committing every 0.25 s wrote 32 KB per span, every 1 s 9 KB.
SMALL_BATCH = 100
#: Backoff between attempts while the database is not writable.
RETRY_MIN_S = 0.25
RETRY_MAX_S = 5.0

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



async def in_thread(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn`` in the connection's own thread, after the calls queued before it.

    aiosqlite runs every call of a connection on one thread, through
    ``Connection._execute`` (its only way to queue a plain function; stable
    since aiosqlite 0.17). The writer's row encoding runs there too, so the
    event loop only hands over references, and one hop carries a whole
    transaction instead of one per statement.
    """
    return await conn._execute(fn, *args, **kwargs)


class _Pending:
    """One chunk of a drain: references to what changed, encoded when written.

    The event loop only cuts the drain into chunks and takes the trace
    summary rows (they read the store's totals); the rows themselves are
    encoded in the writer's thread, in the transaction that writes them
    (``batch`` keeps the last encoding, for row-by-row isolation).
    """

    __slots__ = ("spans", "sessions", "metrics", "summaries", "batch", "since_seq", "attempts")

    def __init__(
        self,
        spans: list[Span],
        sessions: list[Session],
        metrics: list[MetricSeries],
        summaries: dict[str, tuple | None],
        since_seq: int,
    ) -> None:
        self.spans = spans
        self.sessions = sessions
        self.metrics = metrics
        self.summaries = summaries
        self.batch: Batch | None = None
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



class WriterState:
    """What the writer keeps, and its health (errors, writable, backoff)."""

    def __init__(
        self,
        store: Store,
        path: str | Path,
        *,
        interval_s: float = 0.25,
        max_batch: int = 1000,
        small_batch: int = SMALL_BATCH,
        max_delay_s: float | None = None,
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
        #: fewer dirty spans than this wait up to max_delay_s (default 4 intervals) for a commit
        self.small_batch = small_batch
        self.max_delay_s = 4 * interval_s if max_delay_s is None else max_delay_s
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
        self._last_checkpoint = 0.0
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
        #: Called after every flush (the receivers' backpressure resumes here, ingest/flow.py).
        self.on_written: list[Callable[[], object]] = []


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

    def _record_error(self, exc: BaseException) -> None:
        self.errors += 1
        self.last_error = f"{type(exc).__name__}: {exc}"
        log.warning("SQLite write failed: %s", self.last_error)
