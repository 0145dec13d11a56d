"""Read API over the SQLite file: sessions, traces, spans, metrics.

Synchronous ``sqlite3`` on a read-only connection (``mode=ro``), so a UI can
run it in a worker thread while the live writer keeps committing (WAL lets
readers and the writer proceed together). Spans come back decoded from their
stored msgpack body: identical to what was received, every field included.

A Reader may be created on one thread and used on another, but by one
thread at a time (calls are serialised by a lock).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from ..model import Session, Span, SpanKind, Status
from .entries import IDLE_NS
from .runs import mark_condition
from .schema import READER_PRAGMAS, SchemaError, check_version, connect_read_only

__all__ = ["Reader", "SessionRow", "TraceRow", "MetricRow", "session_status_sql", "SESSION_STATUSES"]

#: Every status a saved session can have.
SESSION_STATUSES = ("running", "done", "error", "interrupted")

_span_decoder = msgspec.msgpack.Decoder(Span)
_session_decoder = msgspec.msgpack.Decoder(Session)


class SessionRow(msgspec.Struct, kw_only=True):
    """A session with its totals (over every span on disk)."""

    session: Session
    traces: int
    spans: int
    errors: int
    running: int
    input_tokens: int
    output_tokens: int
    #: the priced part: add ``unpriced`` calls of unknown cost to it
    cost: float
    first_ns: int
    last_ns: int
    #: "running", "done", "error" (the in-memory store's rule) or "interrupted"
    #: (its monitor stopped or died while it ran: store/runs.py)
    status: str
    #: LLM calls with usage and no price (the cost is then unknown: ``$?``)
    unpriced: int = 0
    #: spans whose tokens the monitor estimated (tokens and cost show ``≈``)
    estimated: int = 0
    #: model calls still running with nothing counted yet: their cost comes with their end
    #: (``$0.42+…``); only while the session runs (``Reader._with_open_calls``)
    calls_running: int = 0
    #: model calls left open with nothing counted when the session stopped running: they
    #: will never end, so what they cost is not known (``$?``, as an unpriced call)
    calls_cut: int = 0

    @property
    def id(self) -> str:
        return self.session.id

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def duration_ns(self) -> int:
        end = self.session.ended_ns or self.last_ns
        return max(0, end - self.first_ns)


class TraceRow(msgspec.Struct, kw_only=True):
    trace_id: str
    session_id: str
    #: the root span's name; without a root, its outermost span's as far as known
    #: (``entries.rootless_pick``); the trace id when it has no span
    name: str
    start_ns: int
    end_ns: int
    spans: int
    errors: int
    running: int
    input_tokens: int
    output_tokens: int
    cost: float
    models: tuple[str, ...] = ()
    unpriced: int = 0
    estimated: int = 0
    #: as ``SessionRow``'s, by the trace's session's status
    calls_running: int = 0
    calls_cut: int = 0
    #: made only of a client's framework internals (Codex's, OpenCode's runtime): listings
    #: fold it away, as the monitor's trace list does
    internal: bool = False

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def duration_ns(self) -> int:
        return max(0, self.end_ns - self.start_ns)


class MetricRow(msgspec.Struct, kw_only=True):
    name: str
    labels: dict[str, str]
    kind: str
    last: float
    sum: float
    count: int
    time_ns: int


def session_status_sql(now_ns: int, marks: bool = True) -> dict[str, str]:
    """SQL conditions for running / error / done / interrupted, mirroring
    SessionEntry.status plus the monitor's end marks (store/runs.py): a session
    its monitor stopped watching is never "running"."""
    # A session that ended with spans still open (its process exited first), nothing after, is interrupted.
    cut = "(ended_ns IS NOT NULL AND running > 0 AND ended_ns >= last_ns)"
    live = f"((running > 0 AND NOT {cut}) OR (ended_ns IS NULL AND last_ns > {int(now_ns) - IDLE_NS}))"
    if marks:
        ended = mark_condition()
        interrupted = f"({mark_condition('interrupted')} OR {cut})"
        running = f"({live} AND NOT {ended})"
    else:
        interrupted = cut
        running = live
    return {
        "running": running,
        "interrupted": interrupted,
        "error": f"(NOT {running} AND NOT {interrupted} AND errors > 0)",
        "done": f"(NOT {running} AND NOT {interrupted} AND errors = 0)",
    }


#: Model calls still open with nothing counted yet (no tokens, no cost, not unpriced), by
#: trace, of traces with open spans (the traces table says which: a few, read by their index).
_OPEN_CALLS = (
    "SELECT trace_id, count(*) FROM spans WHERE trace_id IN ({marks}) AND end_ns IS NULL"
    " AND kind = 'llm_call' AND unpriced = 0 AND input_tokens = 0 AND output_tokens = 0"
    " AND (cost IS NULL OR cost = 0) GROUP BY trace_id"
)
_SESSION_COLS = (
    "id, started_ns, meta, traces, spans, errors, running, input_tokens, output_tokens, cost, first_ns, last_ns, ended_ns,"
    " unpriced, estimated"
)
_TRACE_COLS = (
    "trace_id, session_id, name, start_ns, end_ns, spans, errors, running, input_tokens, output_tokens, cost, models,"
    " unpriced, estimated, internal"
)



def _money(x: float) -> float:
    """A summed cost without float residue: session totals are kept by adding
    and subtracting trace rows, so an empty one can hold -1e-19 (shown as
    ``-$0.0000`` before); a billionth of a dollar is below any price."""
    return 0.0 if abs(x) < 1e-9 else x


def _value(x: Any) -> str:
    return x.value if isinstance(x, (SpanKind, Status)) else str(x)


class Reader:
    """Read-only queries on a database file written by ``Writer``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"no database at {self.path}")
        try:
            self._conn = connect_read_only(self.path, check_same_thread=False)
        except sqlite3.Error as exc:
            raise SchemaError(f"{self.path}: cannot open ({exc})") from exc
        self._lock = threading.Lock()
        self._session_cols, self._trace_cols = _SESSION_COLS, _TRACE_COLS
        #: the file marks framework-internal traces (version 3 on)
        self._marks_internal = True
        try:
            version = check_version(self._conn, self.path)
            if version is None:
                raise SchemaError(f"{self.path}: not an agenttrace-tui database (no schema)")
            if version < 3:  # an older file we may not upgrade: no internal marks, read as none
                self._trace_cols = _TRACE_COLS.replace(" internal", " 0")
                self._marks_internal = False
            if version < 2:  # a version 1 file: no counts, read as zero
                self._session_cols = _SESSION_COLS.replace(" unpriced, estimated", " 0, 0")
                self._trace_cols = self._trace_cols.replace(" unpriced, estimated", " 0, 0")
            for pragma in READER_PRAGMAS:
                self._conn.execute(pragma)
            #: a file from before monitor runs were recorded has no end marks
            self._has_marks = bool(self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'session_ends'"
            ).fetchone())
            mark = (
                "(SELECT e.reason FROM session_ends e WHERE e.session_id = sessions.id AND e.at_ns >= sessions.last_ns)"
                if self._has_marks else "NULL"
            )
            self._session_cols = f"{self._session_cols}, {mark}"
        except BaseException:
            self._conn.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _all(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _open_calls(self, trace_ids: list[str]) -> dict[str, int]:
        """``_OPEN_CALLS`` of these traces."""
        out: dict[str, int] = {}
        for i in range(0, len(trace_ids), 500):
            chunk = trace_ids[i : i + 500]
            out.update(self._all(_OPEN_CALLS.format(marks=",".join("?" * len(chunk))), chunk))
        return out

    def _with_open_calls(self, rows: list[SessionRow]) -> list[SessionRow]:
        """Sessions with their open model calls counted: to come while a session runs, never
        to end once it does not (its agent exited inside them, its monitor stopped)."""
        sids = [r.id for r in rows if r.running]
        if not sids:
            return rows
        open_traces: list[tuple[str, str]] = []
        for i in range(0, len(sids), 500):
            chunk = sids[i : i + 500]
            open_traces += self._all(f"SELECT trace_id, session_id FROM traces WHERE session_id IN"
                                     f" ({','.join('?' * len(chunk))}) AND running > 0", chunk)
        calls = self._open_calls([tid for tid, _ in open_traces])
        got: dict[str, int] = {}
        for tid, sid in open_traces:
            got[sid] = got.get(sid, 0) + calls.get(tid, 0)
        for r in rows:
            n = got.get(r.id, 0)
            if r.status == "running":
                r.calls_running = n
            else:
                r.calls_cut = n
        return rows

    def _traces_with_open_calls(self, rows: list[TraceRow]) -> list[TraceRow]:
        """``_with_open_calls`` for traces, by their sessions' status."""
        got = self._open_calls([r.trace_id for r in rows if r.running])
        if not got:
            return rows
        sids = list({r.session_id for r in rows if r.trace_id in got})
        live = {row.id for i in range(0, len(sids), 500)
                for row in self._with_status(sids[i : i + 500]) if row.status == "running"}
        for r in rows:
            n = got.get(r.trace_id, 0)
            if r.session_id in live:
                r.calls_running = n
            else:
                r.calls_cut = n
        return rows

    def _with_status(self, session_ids: list[str]) -> list[SessionRow]:
        now = time.time_ns()
        marks = ",".join("?" * len(session_ids))
        return [self._session_row(r, now) for r in self._all(
            f"SELECT {self._session_cols} FROM sessions WHERE id IN ({marks})", session_ids)]

    # -- sessions ---------------------------------------------------------
    def sessions(
        self,
        limit: int = 100,
        *,
        since_ns: int | None = None,
        framework: str | None = None,
        status: str | None = None,
    ) -> list[SessionRow]:
        """Most recently active first (index on last_ns: never scans spans)."""
        now = time.time_ns()
        where: list[str] = []
        params: list[Any] = []
        if since_ns is not None:
            where.append("last_ns >= ?")
            params.append(int(since_ns))
        if framework is not None:
            where.append("framework = ?")
            params.append(framework)
        if status is not None:
            conds = session_status_sql(now, self._has_marks)
            if status not in conds:
                raise ValueError(f"status must be one of {', '.join(SESSION_STATUSES)}, not {status!r}")
            where.append(conds[status])
        sql = f"SELECT {self._session_cols} FROM sessions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY last_ns DESC LIMIT ?"
        params.append(int(limit))
        return self._with_open_calls([self._session_row(r, now) for r in self._all(sql, params)])

    def session(self, session_id: str) -> SessionRow | None:
        rows = self._with_status([session_id])
        return self._with_open_calls(rows)[0] if rows else None

    @staticmethod
    def _session_row(r: tuple, now_ns: int) -> SessionRow:
        sid, started, meta, traces, spans, errors, running, tin, tout, cost, first, last, ended, unpriced, est, mark = r
        sess = None
        if meta is not None:
            try:
                sess = _session_decoder.decode(meta)
            except msgspec.DecodeError:
                sess = None
        if sess is None:  # only implied by its spans, as in memory
            sess = Session(id=sid, started_ns=started if started is not None else (first or None), ended_ns=ended)
        cut = ended is not None and running > 0 and ended >= last
        if mark == "interrupted" or cut:
            status = "interrupted"
        elif mark is None and (running > 0 or (ended is None and now_ns - last < IDLE_NS)):
            status = "running"
        else:
            status = "error" if errors else "done"
        return SessionRow(
            session=sess,
            traces=traces,
            spans=spans,
            errors=errors,
            running=running,
            input_tokens=tin,
            output_tokens=tout,
            cost=_money(cost),
            first_ns=first,
            last_ns=last,
            status=status,
            unpriced=unpriced,
            estimated=est,
        )

    def ids_with_prefix(self, what: str, prefix: str, limit: int = 11) -> list[str]:
        """Session (``what="session"``) or trace ids starting with ``prefix``, sorted
        (an index range on the primary key: never a scan)."""
        table, col = {"session": ("sessions", "id"), "trace": ("traces", "trace_id")}[what]
        rows = self._all(
            f"SELECT {col} FROM {table} WHERE {col} >= ? AND {col} < ? ORDER BY {col} LIMIT ?",
            (prefix, prefix + "\U0010ffff", int(limit)),
        )
        return [r[0] for r in rows]

    # -- traces -----------------------------------------------------------
    def traces(self, session_id: str | None = None, *, limit: int = 1000, internal: bool = True) -> list[TraceRow]:
        """Traces, newest first; of one session when given. ``internal=False`` leaves out the
        traces made only of a client's framework internals (``TraceRow.internal``)."""
        where, params = self._traces_where(session_id, internal)
        rows = self._all(f"SELECT {self._trace_cols} FROM traces{where} ORDER BY start_ns DESC LIMIT ?",
                         (*params, int(limit)))
        return self._traces_with_open_calls(self._named([self._trace_row(r) for r in rows], rows))

    def internal_traces(self, session_id: str | None = None) -> int:
        """How many traces (of one session when given) are made only of framework internals."""
        if not self._marks_internal:
            return 0
        where, params = self._traces_where(session_id, True)
        return self._all(f"SELECT count(*) FROM traces{where}{' AND' if where else ' WHERE'} internal = 1",
                         params)[0][0]

    def _traces_where(self, session_id: str | None, internal: bool) -> tuple[str, tuple]:
        tests = [] if session_id is None else ["session_id = ?"]
        if not internal and self._marks_internal:
            tests.append("internal = 0")
        return (" WHERE " + " AND ".join(tests) if tests else ""), (() if session_id is None else (session_id,))

    def trace(self, trace_id: str) -> TraceRow | None:
        rows = self._all(f"SELECT {self._trace_cols} FROM traces WHERE trace_id = ?", (trace_id,))
        return self._traces_with_open_calls(self._named([self._trace_row(rows[0])], rows))[0] if rows else None

    def _named(self, out: list[TraceRow], rows: list[tuple]) -> list[TraceRow]:
        """Names the rows of traces no root span named (``rows[i][2]`` NULL) as the in-memory
        store does (``entries.rootless_pick``): their earliest-starting span of a known kind,
        else their earliest-starting span (one indexed lookup each)."""
        for row, r in zip(out, rows, strict=True):
            if r[2] is None:
                got = self._all("SELECT name FROM spans WHERE trace_id = ? ORDER BY kind = 'custom', start_ns, rowid"
                                " LIMIT 1", (row.trace_id,))
                if got and got[0][0]:
                    row.name = got[0][0]
        return out

    @staticmethod
    def _trace_row(r: tuple) -> TraceRow:
        tid, sid, name, start, end, spans, errors, running, tin, tout, cost, models, unpriced, est, internal = r
        return TraceRow(
            trace_id=tid,
            session_id=sid,
            name=name or tid,
            start_ns=start,
            end_ns=end,
            spans=spans,
            errors=errors,
            running=running,
            input_tokens=tin,
            output_tokens=tout,
            cost=_money(cost),
            models=tuple(sorted(m for m in models.split(",") if m)) if models else (),
            unpriced=unpriced,
            estimated=est,
            internal=bool(internal),
        )

    # -- spans ------------------------------------------------------------
    def spans_of_trace(self, trace_id: str) -> list[Span]:
        """Every span of a trace, by start time."""
        rows = self._all("SELECT body FROM spans WHERE trace_id = ? ORDER BY start_ns, rowid", (trace_id,))
        return [_span_decoder.decode(r[0]) for r in rows]

    def query_spans(
        self,
        *,
        session_id: str | None = None,
        trace_id: str | None = None,
        kind: SpanKind | str | None = None,
        model: str | None = None,
        status: Status | str | None = None,
        since_ns: int | None = None,
        until_ns: int | None = None,
        limit: int = 1000,
        newest_first: bool = False,
        kinds: tuple[SpanKind | str, ...] | None = None,
    ) -> list[Span]:
        """Spans matching every given filter, by start time.

        The time range applies to the start: ``since_ns <= start_ns < until_ns``.
        ``model`` is exact, or a prefix when it ends with ``*`` (as the UI filter);
        ``kinds`` is any of several kinds (an alias such as "file").
        """
        where: list[str] = []
        params: list[Any] = []
        if session_id is not None:
            where.append("session_id = ?")
            params.append(session_id)
        if trace_id is not None:
            where.append("trace_id = ?")
            params.append(trace_id)
        if kind is not None:
            where.append("kind = ?")
            params.append(_value(kind))
        if kinds:
            where.append(f"kind IN ({','.join('?' * len(kinds))})")
            params.extend(_value(k) for k in kinds)
        if model is not None and model.endswith("*"):
            where.append("lower(model) >= ? AND lower(model) < ?")
            lo = model[:-1].lower()
            params.extend((lo, lo + "\U0010ffff"))
        elif model is not None:
            where.append("lower(model) = ?")
            params.append(model.lower())
        if status is not None:
            st = _value(status)
            where.append("status = ?")
            params.append(st)
            if st != Status.OK.value:
                # Spelled out so the planner may use the partial index.
                where.append("status <> 'ok'")
        if since_ns is not None:
            where.append("start_ns >= ?")
            params.append(int(since_ns))
        if until_ns is not None:
            where.append("start_ns < ?")
            params.append(int(until_ns))
        sql = "SELECT body FROM spans"
        if where:
            sql += " WHERE " + " AND ".join(where)
        order = "DESC" if newest_first else "ASC"
        sql += f" ORDER BY start_ns {order}, rowid {order} LIMIT ?"
        params.append(int(limit))
        return [_span_decoder.decode(r[0]) for r in self._all(sql, params)]

    def iter_spans(self, session_id: str, *, batch: int = 1000) -> Iterator[Span]:
        """Every span of a session by start time, read ``batch`` rows at a time.

        Keyset pagination on (start_ns, rowid), so memory stays flat however
        large the session is and the writer may keep appending meanwhile.
        """
        batch = max(1, int(batch))
        rows = self._all(
            "SELECT start_ns, rowid, body FROM spans WHERE session_id = ? ORDER BY start_ns, rowid LIMIT ?",
            (session_id, batch),
        )
        while rows:
            for r in rows:
                yield _span_decoder.decode(r[2])
            if len(rows) < batch:
                return
            start, rowid = rows[-1][0], rows[-1][1]
            rows = self._all(
                "SELECT start_ns, rowid, body FROM spans WHERE session_id = ?"
                " AND (start_ns, rowid) > (?, ?) ORDER BY start_ns, rowid LIMIT ?",
                (session_id, start, rowid, batch),
            )

    # -- metrics ----------------------------------------------------------
    def has_metric_points(self) -> bool:
        """Files written before samples were kept have only the series' latest state."""
        return bool(self._all("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'metric_points'"))

    def metrics(self, session_id: str | None = None) -> list[MetricRow]:
        """Every series' latest state; with ``session_id``, the series as that session's samples make them."""
        if session_id is not None:
            if not self.has_metric_points():
                return []
            # SQLite's bare columns with max(): p.value is the value of the latest sample.
            rows = self._all(
                "SELECT p.name, p.labels, coalesce(m.kind, 'gauge'), p.value, sum(p.value), count(*), max(p.time_ns)"
                " FROM metric_points p LEFT JOIN metrics m ON m.name = p.name AND m.labels = p.labels"
                " WHERE p.session_id = ? GROUP BY p.name, p.labels ORDER BY p.name, p.labels",
                (session_id,),
            )
        else:
            rows = self._all("SELECT name, labels, kind, last, sum, count, time_ns FROM metrics ORDER BY name, labels")
        out = []
        for name, labels, kind, last, total, count, time_ns in rows:
            try:
                lab = msgspec.json.decode(labels, type=dict[str, str])
            except msgspec.DecodeError:
                lab = {}
            out.append(
                MetricRow(
                    name=name,
                    labels=lab,
                    kind=kind,
                    last=last or 0.0,
                    sum=total or 0.0,
                    count=count,
                    time_ns=time_ns,
                )
            )
        return out

    def metric_points(self, name: str, labels: dict[str, str], *, session_id: str | None = None,
                      limit: int = 240) -> list[tuple[int, float]]:
        """The latest ``limit`` samples (time_ns, value) of one series, oldest first."""
        if not self.has_metric_points():
            return []
        key = msgspec.json.encode(dict(sorted(labels.items()))).decode()
        sql = "SELECT time_ns, value FROM metric_points WHERE name = ? AND labels = ?"
        params: list[Any] = [name, key]
        if session_id is not None:
            sql += " AND session_id = ?"
            params.append(session_id)
        rows = self._all(sql + " ORDER BY time_ns DESC, rowid DESC LIMIT ?", [*params, int(limit)])
        return [(t, v) for t, v in reversed(rows)]

    def session_metric_points(self, session_id: str) -> list[tuple[str, dict[str, str], str, int, float]]:
        """Every sample of one session in time order (name, labels, kind, time_ns, value): what replay plays."""
        if not self.has_metric_points():
            return []
        out = []
        for name, labels, kind, t, v in self._all(
            "SELECT p.name, p.labels, coalesce(m.kind, 'gauge'), p.time_ns, p.value FROM metric_points p"
            " LEFT JOIN metrics m ON m.name = p.name AND m.labels = p.labels"
            " WHERE p.session_id = ? ORDER BY p.time_ns, p.rowid",
            (session_id,),
        ):
            try:
                lab = msgspec.json.decode(labels, type=dict[str, str])
            except msgspec.DecodeError:
                lab = {}
            out.append((name, lab, kind, t, v))
        return out

    def span_count(self) -> int:
        """All spans on file (from the session summaries: no scan)."""
        return self._all("SELECT coalesce(sum(spans), 0) FROM sessions")[0][0]
