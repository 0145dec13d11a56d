"""Copy what can still be read out of a damaged database into a new file.

``recover(src, dest)`` opens the damaged file read-only (``immutable``: no
lock, no -wal/-shm written next to it) and a fresh database at ``dest``,
then copies table by table, reading each table's own B-tree in key order
(never an index, which may be the damaged part):

* rowid tables in ``rowid`` windows; where a read fails, the scan probes
  forward from the last good rowid in growing steps until rows read again,
  so one damaged page costs the rows on it, not the rest of the table;
* every table is also read backwards from its end until the first failure,
  which recovers the rows after a damaged region the forward scan could not
  step over (``WITHOUT ROWID`` tables are read this way only).

Trace and session summary rows are then recomputed from the recovered spans
(maintenance.rebuild_summaries), so totals match what was saved. The result
counts rows recovered per table, and rows lost where that can be told
(rowids skipped over; 0 means "none known lost", not a proof).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Literal
from urllib.parse import quote

import msgspec

from .paths import create_private_file, make_private_dirs
from .schema import ensure_schema

__all__ = ["RecoverResult", "TableResult", "recover"]

#: Rows read per query while scanning.
_WINDOW = 2_000
#: Tables rebuilt from the spans rather than copied.
_DERIVED = {"traces"}
#: Copied in this order (sessions before spans: spans name their session).
_ORDER = ("sessions", "spans", "span_events", "metrics", "metric_points", "quarantine", "monitor_runs",
          "session_ends", "schema_version")


class TableResult(msgspec.Struct, kw_only=True):
    table: str
    recovered: int = 0
    #: rows known lost (rowids stepped over); None when the table cannot tell
    lost: int | None = 0
    #: whether a read of this table failed at least once
    damaged: bool = False


class RecoverResult(msgspec.Struct, kw_only=True):
    source: str
    dest: str
    tables: list[TableResult]

    @property
    def recovered(self) -> int:
        return sum(t.recovered for t in self.tables)

    @property
    def lost(self) -> int:
        return sum(t.lost or 0 for t in self.tables)


def recover(src: str | Path, dest: str | Path) -> RecoverResult:
    """Copy every readable row of ``src`` into a new database at ``dest`` (which must not exist)."""
    src, dest = Path(src), Path(dest)
    if dest.exists():
        raise FileExistsError(f"{dest} exists; recover writes a new file")
    make_private_dirs(dest.parent)
    create_private_file(dest)
    ensure_schema(dest)
    from .runs import RUNS_DDL

    source = _open_source(src)
    out = sqlite3.connect(dest, isolation_level=None)
    results: list[TableResult] = []
    try:
        for stmt in RUNS_DDL:
            out.execute(stmt)
        src_tables = _tables(source)
        dest_tables = _tables(out)
        names = [t for t in _ORDER if t in src_tables] + sorted(t for t in src_tables if t not in _ORDER)
        out.execute("BEGIN")
        for table in names:
            if table in _DERIVED or table not in dest_tables:
                continue
            if table == "schema_version":
                continue  # dest has its own (the current version)
            results.append(_copy_table(source, out, table, src_tables[table], dest_tables[table]))
        out.execute("COMMIT")
    finally:
        source.close()
        out.close()
    from .maintenance import rebuild_summaries

    rebuild_summaries(dest)
    return RecoverResult(source=str(src), dest=str(dest), tables=results)


def _open_source(src: Path) -> sqlite3.Connection:
    """Read-only, with its -wal (recent commits live there); ``immutable`` when that cannot open."""
    uri = f"file:{quote(str(src.resolve()))}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.DatabaseError:
        pass
    return sqlite3.connect(uri + "&immutable=1", uri=True)


def _tables(conn: sqlite3.Connection) -> dict[str, tuple[list[str], bool]]:
    """table -> (columns, has rowid); a table whose definition cannot be read is left out."""
    out: dict[str, tuple[list[str], bool]] = {}
    try:
        rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        found = list(rows)
    except sqlite3.DatabaseError:
        return out
    for name, sql in found:
        try:
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')]
        except sqlite3.DatabaseError:
            continue
        out[name] = (cols, "WITHOUT ROWID" not in (sql or "").upper())
    return out


def _copy_table(source: sqlite3.Connection, out: sqlite3.Connection, table: str,
                src_info: tuple[list[str], bool], dest_info: tuple[list[str], bool]) -> TableResult:
    cols = [c for c in src_info[0] if c in dest_info[0]]
    result = TableResult(table=table)
    collist = ", ".join(f'"{c}"' for c in cols)
    insert = f'INSERT OR IGNORE INTO "{table}" ({collist}) VALUES ({", ".join("?" * len(cols))})'
    if src_info[1]:
        last = _copy_by_rowid(source, out, table, collist, insert, result)
        if result.damaged:
            _copy_backwards(source, out, table, collist, insert, result, order="rowid", stop_after=last)
    else:
        pk = _primary_key(source, table) or cols
        order = ", ".join(f'"{c}"' for c in pk)
        try:
            rows = source.execute(f'SELECT {collist} FROM "{table}" ORDER BY {order}')
            for row in rows:
                out.execute(insert, row)
                result.recovered += 1
        except sqlite3.DatabaseError:
            result.damaged = True
            result.lost = None
            _copy_backwards(source, out, table, collist, insert, result, order=order, stop_after=None)
    return result


def _copy_by_rowid(source: sqlite3.Connection, out: sqlite3.Connection, table: str, collist: str, insert: str,
                   result: TableResult) -> int:
    """Forward scan in rowid windows, stepping over unreadable ranges; returns the last rowid read."""
    try:
        top = source.execute(f'SELECT max(rowid) FROM "{table}"').fetchone()[0]
    except sqlite3.DatabaseError:
        top = None  # the right edge is damaged: probe up to a generous bound
    bound = top if top is not None else 1 << 62
    last = 0
    while True:
        try:
            rows = source.execute(f'SELECT rowid, {collist} FROM "{table}" WHERE rowid > ? ORDER BY rowid LIMIT ?',
                                  (last, _WINDOW)).fetchall()
        except sqlite3.DatabaseError:
            rows = _rows_until_failure(source, table, collist, last)
            result.damaged = True
            for row in rows:
                out.execute(insert, row[1:])
            result.recovered += len(rows)
            if rows:
                last = rows[-1][0]
            nxt = _probe(source, table, last, bound)
            if nxt is None:
                return last
            if result.lost is not None:
                result.lost += nxt - last - 1
            # Copied on its own: a scan that starts on it can still fail at once, because
            # sqlite3's cursor reads one row ahead (into the damage). Progress is certain.
            row = source.execute(f'SELECT {collist} FROM "{table}" WHERE rowid = ?', (nxt,)).fetchone()
            if row is not None:
                out.execute(insert, row)
                result.recovered += 1
            last = nxt
            continue
        if not rows:
            return last
        out.executemany(insert, [r[1:] for r in rows])
        result.recovered += len(rows)
        last = rows[-1][0]


def _rows_until_failure(source: sqlite3.Connection, table: str, collist: str, after: int) -> list[tuple]:
    """Rows after ``after`` one by one until a read fails (the last good one may be missed:
    the cursor reads a row ahead; the probe after it finds that one)."""
    got: list[tuple] = []
    try:
        for row in source.execute(f'SELECT rowid, {collist} FROM "{table}" WHERE rowid > ? ORDER BY rowid', (after,)):
            got.append(row)
    except sqlite3.DatabaseError:
        pass
    return got


def _probe(source: sqlite3.Connection, table: str, last: int, bound: int) -> int | None:
    """The first rowid after ``last`` whose row reads again; None if none.

    Probes forward in doubling steps until a read succeeds, then bisects
    back between the last failing and the first good probe, so rows just
    after a damaged page are not stepped over.
    """
    def readable(cand: int) -> int | Literal[False] | None:
        try:
            row = source.execute(f'SELECT rowid FROM "{table}" WHERE rowid >= ? ORDER BY rowid LIMIT 1',
                                 (cand,)).fetchone()
            if row is None:
                return None
            # The row itself must read too (its payload may sit on the damaged page).
            source.execute(f'SELECT * FROM "{table}" WHERE rowid = ?', (row[0],)).fetchone()
            return int(row[0])
        except sqlite3.DatabaseError:
            return False

    step = 1
    bad = last
    cand = last + 1
    while cand <= bound:
        got = readable(cand)
        if got is None:
            return None
        if got is not False:
            while cand - bad > 1:
                mid = (bad + cand) // 2
                at = readable(mid)
                if at is False or at is None:
                    bad = mid
                else:
                    cand, got = mid, at
            return got
        bad = cand
        cand += step
        step *= 2
    return None


def _copy_backwards(source: sqlite3.Connection, out: sqlite3.Connection, table: str, collist: str, insert: str,
                    result: TableResult, *, order: str, stop_after: int | None) -> None:
    """Read from the table's end backwards until a read fails (rows already copied are ignored)."""
    desc = ", ".join(f"{c.strip()} DESC" for c in order.split(","))
    where = f" WHERE rowid > {int(stop_after)}" if stop_after is not None else ""
    try:
        for row in source.execute(f'SELECT {collist} FROM "{table}"{where} ORDER BY {desc}'):
            if out.execute(insert, row).rowcount:
                result.recovered += 1
    except sqlite3.DatabaseError:
        pass


def _primary_key(conn: sqlite3.Connection, table: str) -> list[str]:
    try:
        info = list(conn.execute(f'PRAGMA table_info("{table}")'))
    except sqlite3.DatabaseError:
        return []
    return [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
