"""Monitor runs in the database file, and how sessions end when a monitor does.

A session is "running" while its spans are open or it was active in the last
30 s. Without more, a session whose monitor was stopped (or killed) while a
span was open would read as running forever. So each monitor records its run
(``monitor_runs``: pid, host, start, stop) and, when it stops, marks the
sessions it saw that had not ended (``session_ends``):

* ``interrupted``: spans were still open when the monitor stopped, or the
  monitor died (a later monitor finds its run never stopped and its process
  gone, and, when no other monitor is watching the file, marks every session
  with a span still open);
* ``stopped``: nothing was open; the session reads done/error at once instead
  of "running" for another 30 s.

A mark holds only while nothing newer arrived (``at_ns >= last_ns``): a
session that carries on under the next monitor is running again, with no
write path involved. Both tables are created on demand (``CREATE TABLE IF NOT
EXISTS``), so a file written before they existed reads as having no marks.

Synchronous sqlite3: the monitor calls ``begin_run``/``end_run`` in a worker
thread, before the writer opens and after it has flushed.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from .schema import BUSY_TIMEOUT_MS, ensure_schema

__all__ = [
    "RUNS_DDL",
    "RUN_TABLES",
    "begin_run",
    "end_run",
    "mark_condition",
    "END_REASONS",
]

#: Reasons a session was marked ended by its monitor.
END_REASONS = ("interrupted", "stopped")

RUNS_DDL = (
    """CREATE TABLE IF NOT EXISTS monitor_runs (
        id         INTEGER PRIMARY KEY,
        pid        INTEGER NOT NULL,
        host       TEXT NOT NULL,
        started_ns INTEGER NOT NULL,
        stopped_ns INTEGER,
        outcome    TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS session_ends (
        session_id TEXT PRIMARY KEY,
        reason     TEXT NOT NULL,
        at_ns      INTEGER NOT NULL
    )""",
)


#: The tables ``RUNS_DDL`` makes: a file holding only these is an empty database of ours
#: (what a monitor that stopped after its file was deleted once left; store/check.py).
RUN_TABLES = ("monitor_runs", "session_ends")


def mark_condition(reason: str | None = None, table: str = "sessions") -> str:
    """SQL that is true when a session of ``table`` carries a mark still in force."""
    extra = f" AND e.reason = '{reason}'" if reason else ""
    return (
        f"EXISTS (SELECT 1 FROM session_ends e WHERE e.session_id = {table}.id"
        f" AND e.at_ns >= {table}.last_ns{extra})"
    )


def _connect(path: str | Path, *, create: bool = True) -> sqlite3.Connection:
    """``create=False``: a file that is gone stays gone (``sqlite3.OperationalError``)."""
    target, uri = (path, False) if create else (f"file:{quote(str(Path(path).resolve()))}?mode=rw", True)
    conn = sqlite3.connect(target, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, uri=uri)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    for stmt in RUNS_DDL:
        conn.execute(stmt)
    return conn


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _mark(conn: sqlite3.Connection, rows: list[tuple], *, died: bool) -> int:
    for sid, running, last in rows:
        reason = "interrupted" if died or running > 0 else "stopped"
        conn.execute(
            "INSERT INTO session_ends (session_id, reason, at_ns) VALUES (?, ?, ?)"
            " ON CONFLICT (session_id) DO UPDATE SET reason = excluded.reason, at_ns = excluded.at_ns",
            (sid, reason, int(last)),
        )
    return len(rows)


def begin_run(path: str | Path, *, now_ns: int | None = None) -> tuple[int, int]:
    """Record this monitor's run; first mark the open sessions of runs on this
    host whose process died without stopping. Returns (run id, sessions marked)."""
    ensure_schema(path)
    conn = _connect(path)
    host = socket.gethostname()
    marked = 0
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            dead: list[int] = []
            others_alive = False
            for run_id, pid in conn.execute(
                "SELECT id, pid FROM monitor_runs WHERE stopped_ns IS NULL AND host = ?", (host,)
            ).fetchall():
                if pid != os.getpid() and _alive(pid):
                    others_alive = True  # another monitor on this file, still running
                else:
                    dead.append(run_id)
            if dead and not others_alive:
                # No monitor is watching this file: a span still open in it was
                # cut off when its monitor died (span times are the agent's,
                # not arrival times, so "open" is the test, not "recent").
                marked = _mark(conn, conn.execute(
                    "SELECT id, running, last_ns FROM sessions WHERE ended_ns IS NULL AND running > 0"
                    f" AND NOT {mark_condition()}"
                ).fetchall(), died=True)
            for run_id in dead:
                conn.execute(
                    "UPDATE monitor_runs SET stopped_ns = ?, outcome = 'died' WHERE id = ?",
                    (time.time_ns(), run_id),
                )
            cur = conn.execute(
                "INSERT INTO monitor_runs (pid, host, started_ns) VALUES (?, ?, ?)",
                (os.getpid(), host, int(now_ns if now_ns is not None else time.time_ns())),
            )
            run_id = int(cur.lastrowid or 0)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return run_id, marked


def end_run(path: str | Path, run_id: int, session_ids: Iterable[str]) -> int:
    """This monitor stops: mark the sessions it saw (``session_ids``) that have
    not ended. Returns how many were marked. A file deleted while the monitor ran
    is not made again (it would hold only the run tables): ``sqlite3.OperationalError``."""
    conn = _connect(path, create=False)
    ids = list(session_ids)
    marked = 0
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                marks = ",".join("?" * len(chunk))
                marked += _mark(conn, conn.execute(
                    f"SELECT id, running, last_ns FROM sessions WHERE id IN ({marks}) AND ended_ns IS NULL"
                    f" AND NOT {mark_condition()}",
                    chunk,
                ).fetchall(), died=False)
            conn.execute(
                "UPDATE monitor_runs SET stopped_ns = ?, outcome = 'stopped' WHERE id = ?", (time.time_ns(), run_id)
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return marked
