"""Bulk writes of updates straight into a database file (imports).

The live monitor writes through ``Writer`` (async, from the in-memory store);
an import has no store and may meet spans the file already holds, so it
merges with what is on disk, batch by batch, through the same encoder and
transaction code so the summary rows stay exactly right.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import msgspec

from ..model import Session, Span, Update
from ..normalize.limits import check
from .batch import encode_batch, write_batch
from .entries import DEFAULT_SESSION
from .merge import merge_session, merge_span
from .schema import WRITER_PRAGMAS, autocheckpoint_pragma, ensure_schema

_span_decoder = msgspec.msgpack.Decoder(Span)


class BulkWriter:
    """Batched, de-duplicating writes of updates into a database file.

    Uses the live writer's encoder and transaction, so spans, events and the
    trace/session summary rows are exactly what the monitor would have written.
    Every update passes the door first (``normalize.limits.check``), as live
    ingest's do: a value out of range is fixed (``stats.fix``) or its record
    refused (``stats.reject``), by the same rule, so a file holds nothing the
    monitor would not have kept (a negative token count once stopped a whole
    import in the pricing step). ``stats`` is the caller's counter object: it
    needs ``duplicates`` and ``spans`` (ints), ``sessions`` and ``traces``
    (sets), ``reject(reason, detail)`` and ``fix(reason, detail)``.

    ``span_hook`` runs on every span once it is merged with what the file
    and the batch hold, just before it is written -- the live store's hook,
    so pricing (enrich) sees a model named at the start and usage reported
    at the end together, exactly as in the live monitor.
    """

    def __init__(self, path: str | Path, stats: Any, batch: int = 2000) -> None:
        self.path = Path(path)
        self.stats = stats
        self.batch = batch
        ensure_schema(self.path)
        self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=5)
        for pragma in WRITER_PRAGMAS:
            self.conn.execute(pragma)
        self.conn.execute(autocheckpoint_pragma(self.conn.execute("PRAGMA page_size").fetchone()[0]))
        self._spans: dict[tuple[str, str], Span] = {}
        self._sessions: dict[str, Session] = {}
        self.span_hook: Callable[[Span], None] | None = None
        #: (Spans from a file come whole: no bare end closes one here.)
        self.end_hook: Callable[[Span], None] | None = None

    def add(self, updates: Iterable[Update]) -> None:
        for u in check(list(updates), self._door):
            if isinstance(u, Span):
                key = (u.trace_id, u.span_id)
                old = self._spans.get(key)
                if old is not None:
                    self.stats.duplicates += 1
                    u = merge_span(old, u)
                self._spans[key] = u
            elif isinstance(u, Session):
                old_s = self._sessions.get(u.id)
                self._sessions[u.id] = u if old_s is None else merge_session(old_s, u)
        if len(self._spans) >= self.batch:
            self.flush()

    def _door(self, reason: str, detail: str, refused: bool) -> None:
        (self.stats.reject if refused else self.stats.fix)(reason, detail)

    def flush(self) -> None:
        if not self._spans and not self._sessions:
            return
        spans = list(self._spans.values())
        if spans:
            keys = json.dumps([[s.trace_id, s.span_id] for s in spans])
            rows = self.conn.execute(
                "SELECT s.trace_id, s.span_id, s.body FROM spans AS s JOIN (SELECT json_extract(value, '$[0]') AS t,"
                " json_extract(value, '$[1]') AS i FROM json_each(?)) AS k ON s.trace_id = k.t AND s.span_id = k.i",
                (keys,),
            ).fetchall()
            if rows:
                on_file = {(r[0], r[1]): r[2] for r in rows}
                merged = []
                for s in spans:
                    body = on_file.get((s.trace_id, s.span_id))
                    if body is not None:
                        self.stats.duplicates += 1
                        try:
                            s = merge_span(_span_decoder.decode(body), s)
                        except msgspec.DecodeError:
                            pass
                    merged.append(s)
                spans = merged
        hook = self.span_hook
        for s in spans:
            if not s.session_id:
                s.session_id = DEFAULT_SESSION
            if hook is not None:
                try:
                    hook(s)
                except Exception as exc:  # noqa: BLE001 - as in the live store: pricing never loses the span
                    self.stats.fix("enrich_failed", f"span {s.span_id[:40]!r} kept unpriced: {type(exc).__name__}: {exc}")
        implied = [Session(id=sid) for sid in {s.session_id for s in spans} if sid not in self._sessions]
        batch = encode_batch(spans, list(self._sessions.values()), (), implied)
        write_batch(self.conn, batch)
        if batch.bad:
            self.stats.reject("unencodable", f"{batch.bad} span(s) could not be stored")
        self.stats.spans += len(batch.spans)
        for s in spans:
            self.stats.sessions.add(s.session_id)
            self.stats.traces.add(s.trace_id)
        self.stats.sessions.update(self._sessions)
        self._spans.clear()
        self._sessions.clear()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.conn.close()
