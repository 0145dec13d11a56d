"""The SQLite file's layout: tables, indexes, PRAGMAs and the version check.

One module owns the DDL so the writer, the reader, the maintenance commands
and the benchmark all agree on it. Design choices that matter for speed:

* ``spans`` is a rowid table (rows arrive in time order, so the table B-tree
  only appends) with a UNIQUE (trace_id, span_id) index for upserts and for
  "spans of a trace". Its secondary indexes are the ones the read API needs:
  (session_id, start_ns) for replay and per-session queries, (start_ns) for
  time ranges and newest-first listings, and a *partial* index on status
  other than ok (problem spans) that costs nothing for the spans it does not
  cover. Every index costs each span written (bench/bench_schema.py), so
  none is kept that no query uses: the model filter compares ``lower(model)``,
  which no index on ``model`` serves, so files made before this layout lose
  their ``spans_model`` index when ``ensure_schema`` opens them (``_tidy``;
  no version change: both layouts read and write the same). A trigger whose
  body changed since a file was made is replaced there the same way.
* ``traces`` and ``sessions`` hold summary rows kept current with every
  batch (trace rows by the writer, session totals by triggers on ``traces``),
  so listing recent sessions reads ``sessions`` by its ``last_ns`` index and
  never scans spans.
* Every span is also stored whole as a msgpack blob (``body``): a read
  decodes it back into an identical ``Span``; the other columns are only
  there to filter and summarise.

Token columns hold what the span adds to rollups: usage an agent reports
for its whole subtree (``scope="subtree"``) is 0 there, as in the in-memory
store, while the blob keeps the reported numbers. ``unpriced`` and
``estimated`` count LLM calls with usage but no price, and spans whose tokens
the monitor estimated: every surface shows a sum's cost as unknown (``$?``) or
estimated (``≈``) from them, never as a plain figure. ``internal`` marks a
client's framework-internal span (``model.INTERNAL_ATTR``: Codex's and
OpenCode's runtime) and, on ``traces``, a trace made only of such spans:
listings fold those traces away as the monitor's trace list does.

Version 2 added the two counts, version 3 the ``internal`` marks;
``ensure_schema`` upgrades an older file in place (columns added, triggers
replaced, counts and marks filled from the span bodies), and ``Reader``
still reads an older file it may not write to.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

#: Bump when the layout changes; a file with a newer version is refused.
SCHEMA_VERSION = 3
#: Milliseconds a connection waits for another writer's lock before failing.
BUSY_TIMEOUT_MS = 5_000


class SchemaError(RuntimeError):
    """The file is not a database this version of agenttrace-tui can use."""


DDL = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id            TEXT PRIMARY KEY,
    name          TEXT,
    service       TEXT,
    framework     TEXT,
    hostname      TEXT,
    started_ns    INTEGER,
    ended_ns      INTEGER,
    meta          BLOB,
    traces        INTEGER NOT NULL DEFAULT 0,
    spans         INTEGER NOT NULL DEFAULT 0,
    errors        INTEGER NOT NULL DEFAULT 0,
    running       INTEGER NOT NULL DEFAULT 0,
    input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost          REAL NOT NULL DEFAULT 0,
    first_ns      INTEGER NOT NULL DEFAULT 0,
    last_ns       INTEGER NOT NULL DEFAULT 0,
    unpriced      INTEGER NOT NULL DEFAULT 0,
    estimated     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_last ON sessions (last_ns);
CREATE TABLE IF NOT EXISTS traces (
    trace_id      TEXT PRIMARY KEY,
    session_id    TEXT NOT NULL,
    name          TEXT,
    start_ns      INTEGER NOT NULL DEFAULT 0,
    end_ns        INTEGER NOT NULL DEFAULT 0,
    spans         INTEGER NOT NULL DEFAULT 0,
    errors        INTEGER NOT NULL DEFAULT 0,
    running       INTEGER NOT NULL DEFAULT 0,
    input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost          REAL NOT NULL DEFAULT 0,
    models        TEXT,
    unpriced      INTEGER NOT NULL DEFAULT 0,
    estimated     INTEGER NOT NULL DEFAULT 0,
    internal      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS traces_session ON traces (session_id, start_ns);
CREATE INDEX IF NOT EXISTS traces_start ON traces (start_ns);
CREATE TABLE IF NOT EXISTS spans (
    trace_id      TEXT NOT NULL,
    span_id       TEXT NOT NULL,
    session_id    TEXT NOT NULL,
    parent        TEXT,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    status        TEXT NOT NULL,
    model         TEXT,
    provider      TEXT,
    start_ns      INTEGER NOT NULL,
    end_ns        INTEGER,
    input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost          REAL,
    body          BLOB NOT NULL,
    unpriced      INTEGER NOT NULL DEFAULT 0,
    estimated     INTEGER NOT NULL DEFAULT 0,
    internal      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (trace_id, span_id)
);
CREATE INDEX IF NOT EXISTS spans_session ON spans (session_id, start_ns);
CREATE INDEX IF NOT EXISTS spans_start ON spans (start_ns);
CREATE INDEX IF NOT EXISTS spans_problem ON spans (status, start_ns) WHERE status <> 'ok';
CREATE TABLE IF NOT EXISTS span_events (
    trace_id   TEXT NOT NULL,
    span_id    TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    name       TEXT NOT NULL,
    time_ns    INTEGER NOT NULL,
    attributes TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (trace_id, span_id, seq)
) WITHOUT ROWID;
-- Session totals follow their traces' rows: every insert, update or delete
-- of a trace row moves its session's totals by the difference, so a batch
-- costs O(traces touched) whatever the size of the session.
CREATE TRIGGER IF NOT EXISTS traces_after_insert AFTER INSERT ON traces BEGIN
    INSERT INTO sessions (id, traces, spans, errors, running, input_tokens, output_tokens, cost, first_ns, last_ns,
                          unpriced, estimated)
    VALUES (new.session_id, 1, new.spans, new.errors, new.running, new.input_tokens, new.output_tokens,
            new.cost, new.start_ns, new.end_ns, new.unpriced, new.estimated)
    ON CONFLICT (id) DO UPDATE SET
        traces = sessions.traces + 1, spans = sessions.spans + excluded.spans,
        errors = sessions.errors + excluded.errors, running = sessions.running + excluded.running,
        input_tokens = sessions.input_tokens + excluded.input_tokens,
        output_tokens = sessions.output_tokens + excluded.output_tokens,
        cost = sessions.cost + excluded.cost, unpriced = sessions.unpriced + excluded.unpriced,
        estimated = sessions.estimated + excluded.estimated,
        first_ns = CASE WHEN excluded.first_ns > 0 AND (sessions.first_ns = 0 OR excluded.first_ns < sessions.first_ns)
                        THEN excluded.first_ns ELSE sessions.first_ns END,
        last_ns = max(sessions.last_ns, excluded.last_ns);
END;
CREATE TRIGGER IF NOT EXISTS traces_after_delete AFTER DELETE ON traces BEGIN
    UPDATE sessions SET
        traces = traces - 1, spans = spans - old.spans, errors = errors - old.errors,
        running = running - old.running, input_tokens = input_tokens - old.input_tokens,
        output_tokens = output_tokens - old.output_tokens, cost = cost - old.cost,
        unpriced = unpriced - old.unpriced, estimated = estimated - old.estimated
    WHERE id = old.session_id;
END;
CREATE TRIGGER IF NOT EXISTS traces_after_update AFTER UPDATE ON traces BEGIN
    UPDATE sessions SET
        traces = traces - 1, spans = spans - old.spans, errors = errors - old.errors,
        running = running - old.running, input_tokens = input_tokens - old.input_tokens,
        output_tokens = output_tokens - old.output_tokens, cost = cost - old.cost,
        unpriced = unpriced - old.unpriced, estimated = estimated - old.estimated
    WHERE id = old.session_id;
    INSERT INTO sessions (id, traces, spans, errors, running, input_tokens, output_tokens, cost, first_ns, last_ns,
                          unpriced, estimated)
    VALUES (new.session_id, 1, new.spans, new.errors, new.running, new.input_tokens, new.output_tokens,
            new.cost, new.start_ns, new.end_ns, new.unpriced, new.estimated)
    ON CONFLICT (id) DO UPDATE SET
        traces = sessions.traces + 1, spans = sessions.spans + excluded.spans,
        errors = sessions.errors + excluded.errors, running = sessions.running + excluded.running,
        input_tokens = sessions.input_tokens + excluded.input_tokens,
        output_tokens = sessions.output_tokens + excluded.output_tokens,
        cost = sessions.cost + excluded.cost, unpriced = sessions.unpriced + excluded.unpriced,
        estimated = sessions.estimated + excluded.estimated,
        first_ns = CASE WHEN excluded.first_ns > 0 AND (sessions.first_ns = 0 OR excluded.first_ns < sessions.first_ns)
                        THEN excluded.first_ns ELSE sessions.first_ns END,
        last_ns = max(sessions.last_ns, excluded.last_ns);
    -- A trace that moved to another session (a later span named it): the
    -- session it left gets its first/last activity recomputed, and goes once
    -- empty, as in memory (the catch-all; a process's own session, made by
    -- records exported before its spans named their session).
    UPDATE sessions SET
        first_ns = CASE WHEN started_ns > 0 AND started_ns < coalesce(
                            (SELECT min(start_ns) FROM traces WHERE session_id = old.session_id), 9223372036854775807)
                        THEN started_ns
                        ELSE coalesce((SELECT min(start_ns) FROM traces WHERE session_id = old.session_id), 0) END,
        last_ns = max(coalesce((SELECT max(end_ns) FROM traces WHERE session_id = old.session_id), 0),
                      coalesce(started_ns, 0), coalesce(ended_ns, 0))
    WHERE id = old.session_id AND old.session_id <> new.session_id;
    DELETE FROM sessions WHERE id = old.session_id AND old.session_id <> new.session_id AND traces = 0;
END;
CREATE TABLE IF NOT EXISTS metrics (
    name    TEXT NOT NULL,
    labels  TEXT NOT NULL,
    kind    TEXT NOT NULL,
    last    REAL,
    sum     REAL,
    count   INTEGER NOT NULL DEFAULT 0,
    time_ns INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (name, labels)
) WITHOUT ROWID;
"""

#: Added after version 1 without changing it: created in any file that lacks
#: it (a reader that does not know the table ignores it). Every metric sample,
#: for sparklines, rates, per-session metrics and replay.
DDL_METRIC_POINTS = """
CREATE TABLE IF NOT EXISTS metric_points (
    name       TEXT NOT NULL,
    labels     TEXT NOT NULL,
    time_ns    INTEGER NOT NULL,
    value      REAL NOT NULL,
    session_id TEXT
);
CREATE INDEX IF NOT EXISTS metric_points_series ON metric_points (name, labels, time_ns);
CREATE INDEX IF NOT EXISTS metric_points_session ON metric_points (session_id, time_ns);
"""

#: Likewise: rows the writer could not store, set aside with their reason
#: (the diagnostics view lists them).
EXTRA_DDL = """
CREATE TABLE IF NOT EXISTS quarantine (
    id      INTEGER PRIMARY KEY,
    time_ns INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    key     TEXT NOT NULL,
    reason  TEXT NOT NULL,
    body    TEXT NOT NULL DEFAULT ''
);
"""

#: Page size of a new file. A batch's commit writes every page it changed to
#: the log, one frame (and two writes) per page: with 16 KiB pages a batch of
#: spans fills a quarter as many table pages, and its rows are cut and placed
#: less often (bench/bench_schema.py and the writer's own statements, CPU per
#: span in the writer's thread: commit 4.0 -> 2.7 us, whole transaction
#: 14.1 -> 12.9 us). A file keeps the page size it was made with (in WAL mode
#: SQLite cannot change it); older files keep 4 KiB and work as before.
PAGE_SIZE = 16384
#: Log size at which SQLite checkpoints by itself (``wal_autocheckpoint``
#: counts pages: ``autocheckpoint_pragma`` converts for the file's page size).
AUTOCHECKPOINT_BYTES = 8000 * 4096

#: The writer's connection: WAL so readers never block it, NORMAL sync (a
#: commit survives a killed process; only a power cut may lose the last few),
#: a bigger page cache because index pages are what a batch touches, and
#: checkpoints (the only fsyncs in WAL + NORMAL) every ~32 MB of log rather
#: than 4 MB: on a busy disk they were a third of the commit time (the
#: wal_autocheckpoint here is for 4 KiB pages; the writer sets it for the
#: file's own with ``autocheckpoint_pragma``). Outside bursts the writer
#: checkpoints once the log passes 4 MB (writer.py), and the file is cut back
#: to 4 MB when a checkpoint resets it.
WRITER_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA cache_size=-32000",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA wal_autocheckpoint=8000",
    "PRAGMA journal_size_limit=4194304",
)
READER_PRAGMAS = (f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}", "PRAGMA cache_size=-16000")


def autocheckpoint_pragma(page_size: int) -> str:
    """``wal_autocheckpoint`` for AUTOCHECKPOINT_BYTES of log in a file of ``page_size`` pages."""
    return f"PRAGMA wal_autocheckpoint={max(1, AUTOCHECKPOINT_BYTES // max(512, int(page_size)))}"


def file_version(conn: sqlite3.Connection) -> int | None:
    """The schema version recorded in the file, or None for an empty file."""
    has = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if not has:
        return None
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return row[0] if row else None


def connect_read_only(path: str | Path, **kwargs: Any) -> sqlite3.Connection:
    """A read-only connection to ``path``, also in a read-only directory.

    A WAL file is read through its ``-shm`` index, which SQLite must be able to
    create beside it: in a directory we may not write (a read-only mount, a
    copy on a CD) the file does not open, even read-only. Then, when no
    ``-wal`` holds commits the file lacks (a monitor that stopped cleanly
    leaves none), it is opened as immutable: the file alone is the whole
    database. With such a ``-wal`` the error stands (``check_version`` says why).
    """
    from urllib.parse import quote

    path = Path(path)
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, **kwargs)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        wal = path.with_name(path.name + "-wal")
        if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_CANTOPEN or (wal.exists() and wal.stat().st_size):
            return conn  # its queries raise the error again, for check_version to explain
    except sqlite3.DatabaseError:
        return conn
    conn.close()
    return sqlite3.connect(uri + "&immutable=1", uri=True, **kwargs)


def check_version(conn: sqlite3.Connection, path: str | Path) -> int | None:
    """Raise SchemaError for a file this code cannot read; return its version."""
    try:
        version = file_version(conn)
    except sqlite3.DatabaseError as exc:
        code = getattr(exc, "sqlite_errorcode", None)
        if code == sqlite3.SQLITE_CORRUPT:
            # Damaged, not foreign: say what can still be done with it (as store/check.py does).
            raise SchemaError(f"{path} is damaged ({exc}); copy out what can be read: "
                              f"agenttrace-tui db recover --db {path}") from exc
        if code == sqlite3.SQLITE_CANTOPEN:
            # Most often a directory we may not write: SQLite makes its -shm (and -wal) files there.
            raise SchemaError(f"{path}: cannot open it ({exc}); SQLite needs to write beside it, and its "
                              f"directory may be read-only: copy it (with its -wal file, if any) somewhere "
                              f"writable and use --db") from exc
        raise SchemaError(f"{path}: not an agenttrace-tui database ({exc})") from exc
    if version is not None and version > SCHEMA_VERSION:
        raise SchemaError(
            f"{path}: schema version {version} was written by a newer agenttrace-tui "
            f"(this one reads up to {SCHEMA_VERSION}); upgrade, or use another --db"
        )
    return version


def ensure_schema(path: str | Path) -> None:
    """Create the file (and its directories, private: paths.py), the tables and WAL mode if needed.

    Synchronous: the async writer runs it in a worker thread before opening
    its own connection. Safe against another process doing the same at the
    same moment (IF NOT EXISTS inside one immediate transaction).
    """
    from .paths import create_private_file, make_private_dirs

    path = Path(path)
    make_private_dirs(path.parent)  # 0700 where created
    create_private_file(path)  # 0600 where created (SQLite gives -wal/-shm the same mode)
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if check_version(conn, path) is None:
            # Only a file with no page yet takes it (ignored otherwise); before WAL mode, which fixes it.
            conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = check_version(conn, path)
            if version is None:
                for stmt in ddl_statements():
                    conn.execute(stmt)
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
            elif version < SCHEMA_VERSION:
                _upgrade(conn, version)
            if version is not None:
                _tidy(conn)
            for stmt in ddl_statements(DDL_METRIC_POINTS + EXTRA_DDL):
                conn.execute(stmt)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()


def ddl_statements(script: str = DDL) -> list[str]:
    """Split a script into statements (executescript() would COMMIT first).

    A trigger body holds semicolons of its own: pieces are joined until
    SQLite says the statement is complete.
    """
    out: list[str] = []
    cur = ""
    for piece in script.split(";"):
        cur += piece + ";"
        if sqlite3.complete_statement(cur):
            stmt = "\n".join(line for line in cur.strip().splitlines() if not line.strip().startswith("--"))
            if stmt.strip(" ;\n"):
                out.append(stmt)
            cur = ""
    return out


def needs_upgrade(path: str | Path) -> bool:
    """True when the file holds an older layout that ``ensure_schema`` would upgrade."""
    conn = connect_read_only(path)
    try:
        version = file_version(conn)
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()
    return version is not None and version < SCHEMA_VERSION


#: Indexes earlier layouts made that no query uses: dropped from files that
#: have them (every span written paid for them).
UNUSED_INDEXES = ("spans_model",)


def _tidy(conn: sqlite3.Connection) -> None:
    """Drop what an older file has that this layout does not need, and replace its triggers whose
    body this layout changed (inside the caller's transaction)."""
    for name in UNUSED_INDEXES:
        conn.execute(f"DROP INDEX IF EXISTS {name}")
    have = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
    for stmt in ddl_statements():
        words = stmt.split()
        if words[:5] != ["CREATE", "TRIGGER", "IF", "NOT", "EXISTS"]:
            continue
        name = words[5]
        # SQLite keeps the statement as given, less its IF NOT EXISTS.
        if name in have and _words(have[name]) != _words(stmt.replace(" IF NOT EXISTS", "", 1)):
            conn.execute(f"DROP TRIGGER {name}")
            conn.execute(stmt)


def _words(sql: str) -> list[str]:
    return sql.rstrip().rstrip(";").split()


def _upgrade(conn: sqlite3.Connection, version: int) -> None:
    """Bring a file from ``version`` to SCHEMA_VERSION inside the caller's transaction."""
    if version < 2:
        from .aggregates import span_flags

        for table in ("spans", "traces", "sessions"):
            for column in ("unpriced", "estimated"):
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0")
        for name in ("traces_after_insert", "traces_after_delete", "traces_after_update"):
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        for stmt in ddl_statements():
            if stmt.lstrip().upper().startswith("CREATE TRIGGER"):
                conn.execute(stmt)
        # Only LLM calls are priced or estimated: decode those bodies, nothing else.
        import msgspec

        from ..model import Span

        decode = msgspec.msgpack.Decoder(Span).decode
        rows = []
        for rowid, body in conn.execute("SELECT rowid, body FROM spans WHERE kind = 'llm_call'"):
            try:
                flags = span_flags(decode(body))
            except msgspec.DecodeError:
                continue
            if any(flags):
                rows.append((*flags, rowid))
        conn.executemany("UPDATE spans SET unpriced = ?, estimated = ? WHERE rowid = ?", rows)
        # Trace rows from their spans; the update trigger moves the session totals.
        conn.execute(
            "UPDATE traces SET unpriced = (SELECT total(unpriced) FROM spans WHERE spans.trace_id = traces.trace_id),"
            " estimated = (SELECT total(estimated) FROM spans WHERE spans.trace_id = traces.trace_id)"
            " WHERE trace_id IN (SELECT trace_id FROM spans WHERE unpriced > 0 OR estimated > 0)"
        )
    if version < 3:
        _mark_internal(conn)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))


def _mark_internal(conn: sqlite3.Connection) -> None:
    """Version 3's ``internal`` columns, filled from the span bodies (inside the caller's transaction)."""
    import msgspec

    from ..model import INTERNAL_ATTR, Span

    for table in ("spans", "traces"):
        conn.execute(f"ALTER TABLE {table} ADD COLUMN internal INTEGER NOT NULL DEFAULT 0")
    # Only a body that holds the attribute's name can carry it: SQLite finds those in the
    # blobs (msgpack keeps a key's UTF-8 bytes as they are), Python decodes only them.
    decode = msgspec.msgpack.Decoder(Span).decode
    marked = []
    for rowid, body in conn.execute("SELECT rowid, body FROM spans WHERE instr(body, ?) > 0",
                                    (INTERNAL_ATTR.encode(),)):
        try:
            if decode(body).attributes.get(INTERNAL_ATTR):
                marked.append((rowid,))
        except msgspec.DecodeError:
            continue
    conn.executemany("UPDATE spans SET internal = 1 WHERE rowid = ?", marked)
    conn.execute(
        "UPDATE traces SET internal = 1 WHERE trace_id IN (SELECT trace_id FROM spans WHERE internal = 1)"
        " AND NOT EXISTS (SELECT 1 FROM spans WHERE spans.trace_id = traces.trace_id AND spans.internal = 0)"
    )
