"""Housekeeping on the database file: delete, prune, rebuild, vacuum.

Plain synchronous ``sqlite3`` for the CLI. Each operation is one
transaction and waits (busy timeout) for a live writer's batch to commit,
so it is safe to run while a monitor is writing the same file.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from .schema import BUSY_TIMEOUT_MS, SchemaError, check_version

__all__ = ["apply_retention", "delete_session", "prune", "vacuum", "rebuild_summaries"]


def _open(path: str | Path) -> sqlite3.Connection:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no database at {path}")
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if check_version(conn, path) is None:
            raise SchemaError(f"{path}: not an agenttrace-tui database (no schema)")
    except BaseException:
        conn.close()
        raise
    return conn


def _delete_sessions(conn: sqlite3.Connection, ids: list[str]) -> int:
    spans = 0
    has_points = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'metric_points'").fetchone() is not None
    for sid in ids:
        conn.execute(
            "DELETE FROM span_events WHERE trace_id IN (SELECT trace_id FROM traces WHERE session_id = ?)", (sid,)
        )
        spans += conn.execute("DELETE FROM spans WHERE session_id = ?", (sid,)).rowcount
        conn.execute("DELETE FROM traces WHERE session_id = ?", (sid,))
        conn.execute("DELETE FROM sessions WHERE id = ?", (sid,))
        if has_points:
            conn.execute("DELETE FROM metric_points WHERE session_id = ?", (sid,))
    return spans


def delete_session(path: str | Path, session_id: str) -> bool:
    """Delete one session with its traces, spans and events; False if unknown."""
    conn = _open(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            found = conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is not None
            if found:
                _delete_sessions(conn, [session_id])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return found
    finally:
        conn.close()


def prune(path: str | Path, before_ns: int) -> int:
    """Delete sessions whose last activity is before ``before_ns``; returns how many."""
    conn = _open(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            ids = [r[0] for r in conn.execute("SELECT id FROM sessions WHERE last_ns < ?", (int(before_ns),))]
            _delete_sessions(conn, ids)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return len(ids)
    finally:
        conn.close()


def vacuum(path: str | Path) -> None:
    """Give freed pages back to the file system (rewrites the file)."""
    conn = _open(path)
    try:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


# Every session's totals from its traces (index traces_session); the
# session's own started/ended times widen the span-derived first/last.
_REBUILD_SESSIONS = """
INSERT INTO sessions (id, traces, spans, errors, running, input_tokens, output_tokens, cost, first_ns, last_ns,
                      unpriced, estimated)
SELECT s.id, count(t.trace_id), coalesce(sum(t.spans), 0), coalesce(sum(t.errors), 0),
       coalesce(sum(t.running), 0), coalesce(sum(t.input_tokens), 0), coalesce(sum(t.output_tokens), 0),
       total(t.cost),
       CASE WHEN s.started_ns > 0 AND (min(t.start_ns) IS NULL OR s.started_ns < min(t.start_ns))
            THEN s.started_ns ELSE coalesce(min(t.start_ns), 0) END,
       max(coalesce(max(t.end_ns), 0), coalesce(s.started_ns, 0), coalesce(s.ended_ns, 0)),
       coalesce(sum(t.unpriced), 0), coalesce(sum(t.estimated), 0)
FROM sessions AS s LEFT JOIN traces AS t ON t.session_id = s.id
WHERE true
GROUP BY s.id
ON CONFLICT (id) DO UPDATE SET
    traces = excluded.traces, spans = excluded.spans, errors = excluded.errors,
    running = excluded.running, input_tokens = excluded.input_tokens,
    output_tokens = excluded.output_tokens, cost = excluded.cost,
    first_ns = excluded.first_ns, last_ns = excluded.last_ns,
    unpriced = excluded.unpriced, estimated = excluded.estimated
"""
_REBUILD_TRACES = """
INSERT OR REPLACE INTO traces (trace_id, session_id, name, start_ns, end_ns, spans, errors, running,
                               input_tokens, output_tokens, cost, models, unpriced, estimated, internal)
SELECT trace_id, max(session_id),
       (SELECT r.name FROM spans AS r WHERE r.trace_id = s.trace_id AND r.parent IS NULL AND r.name <> ''
        ORDER BY r.rowid LIMIT 1),
       min(start_ns), max(coalesce(end_ns, start_ns)), count(*),
       sum(status IN ('error', 'timeout')), sum(end_ns IS NULL),
       sum(input_tokens), sum(output_tokens), total(cost), group_concat(DISTINCT model),
       sum(unpriced), sum(estimated), min(internal)
FROM spans AS s GROUP BY trace_id
"""


def rebuild_summaries(path: str | Path) -> None:
    """Recompute every trace and session summary row from the spans.

    For files filled by bulk inserts (fixtures, benchmarks) or repaired by
    hand; the live writer keeps the summaries current itself.
    """
    conn = _open(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM traces")
            conn.execute(_REBUILD_TRACES)  # the triggers create any session row missing
            conn.execute(_REBUILD_SESSIONS)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()


DAY_NS = 86_400 * 1_000_000_000


def apply_retention(path: str | Path, days: float | None, now_ns: int | None = None) -> int:
    """Delete sessions inactive for more than ``days`` (``--retain``); returns how many.

    The monitor calls this at start. No file or no setting: nothing to do.
    """
    if days is None:
        return 0
    if days < 0:
        raise ValueError("retain_days must not be negative")
    if not Path(path).exists():
        return 0
    now = time.time_ns() if now_ns is None else now_ns
    return prune(path, now - int(days * DAY_NS))
