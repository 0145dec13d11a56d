"""Rows the database refuses, isolated one by one and set aside.

A batch the database refuses for its *content* is written again row by row,
each row in its own transaction: the row that fails goes to the
``quarantine`` table with its reason (``QuarantinedRow`` reads it back for
the diagnostics view), its neighbours are stored.
"""

from __future__ import annotations

from typing import Any

import aiosqlite
import msgspec

from ..model import Span
from .batch import (
    INSERT_METRIC_POINT,
    INSERT_QUARANTINE,
    SPAN_BODY_COLUMN,
    UPSERT_EVENT,
    UPSERT_METRIC,
    UPSERT_SESSION_META,
    UPSERT_SPAN,
    UPSERT_TRACE_ROW,
    UPSERT_TRACE_SUMMARY,
    encode_batch,
    quarantine_row,
)
from .filemerge import FileMerge
from .write_state import _Group, _Pending, _unwritable, in_thread

_json = msgspec.json.Encoder()
_span_decoder = msgspec.msgpack.Decoder(Span)


class QuarantinedRow(msgspec.Struct, frozen=True, kw_only=True):
    """A row set aside because it could not be stored (for the diagnostics view)."""

    id: int
    time_ns: int
    kind: str
    key: str
    reason: str
    body: str



class RowIsolation(FileMerge):
    """Writing a refused chunk row by row, quarantining the rows that fail."""

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
            spans, summaries = await self._merge_with_file(conn, p)
        except Exception as exc:  # noqa: BLE001
            if _unwritable(exc):
                self._set_unwritable(exc)
                return None
            spans, summaries = p.spans, p.summaries
        batch = p.batch = await in_thread(conn, encode_batch, spans, p.sessions, p.metrics, summaries=summaries)
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
            # The span itself, from its row's msgpack body (the columns after it
            # are the unpriced/estimated counts), kept as JSON like every other kind.
            try:
                obj = _span_decoder.decode(row[SPAN_BODY_COLUMN])
            except Exception:  # noqa: BLE001
                obj = [repr(v)[:200] for i, v in enumerate(row) if i != SPAN_BODY_COLUMN]
        elif isinstance(row, tuple):
            obj = [v if not isinstance(v, bytes) else v.hex()[:200] for v in row]
        qrow = quarantine_row(kind, key, f"{type(exc).__name__}: {exc}", obj)
        try:
            await self._run_statements(conn, [(INSERT_QUARANTINE, [qrow], True)])
        except Exception as exc2:  # noqa: BLE001 - the quarantine itself failing must not stop the rest
            self._record_error(exc2)
