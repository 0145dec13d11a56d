"""Is the database file usable? Checked once at start, before anything writes to it.

``prepare_database`` makes the directory and the file private when it
creates them (paths.py), then looks at an existing file: a file that is
not SQLite, a SQLite file of another program, a file from a newer
version, a read-only file, or a damaged one (``PRAGMA quick_check``) each
raise ``DatabaseProblem`` whose ``str()`` is one line naming the file and
what to do: choose another file with ``--db``, or for a damaged file copy
out what can be read with ``agenttrace-tui db recover`` (recover.py).

``quick_check`` reads every page of the file once (no index cross-check):
measured in docs/history.md ("The database file") at 5.2 s for a 1 GB file
with a warm cache on the shared, loaded test machine (38 s cold), while the
cheap checks take about 10 ms. So a file over ``QUICK_CHECK_MAX_BYTES`` starts
after the cheap checks and ``background_check`` runs the full one on a
worker thread; ``agenttrace-tui db check`` runs it on demand.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from .paths import create_private_file, make_private_dirs
from .runs import RUN_TABLES
from .schema import SCHEMA_VERSION, connect_read_only, file_version

__all__ = ["DatabaseProblem", "QUICK_CHECK_MAX_BYTES", "SQLITE_MAGIC", "background_check", "check_integrity",
           "prepare_database"]

SQLITE_MAGIC = b"SQLite format 3\x00"
#: Files up to this size are quick_check-ed before the monitor starts; a larger
#: file starts after the cheap checks and is checked on a worker thread meanwhile.
QUICK_CHECK_MAX_BYTES = 256 * 1024**2
#: How many problems quick_check reports (the first names the damage).
_REPORT = 3


class DatabaseProblem(Exception):
    """The database file cannot be used as it is; ``str()`` is one line for the user."""

    def __init__(self, message: str, *, damaged: bool = False) -> None:
        super().__init__(message)
        self.damaged = damaged


def prepare_database(path: str | Path, *, quick_check: bool = True) -> bool:
    """Make the directory and file (private when created) and check an existing file.

    Returns True when the file still needs its quick_check (too big to run it
    before starting: see ``background_check``).
    """
    path = Path(path)
    try:
        make_private_dirs(path.parent)
    except OSError as exc:
        raise DatabaseProblem(f"cannot create the directory {path.parent} for the database: "
                              f"{exc.strerror}; choose another file with --db") from None
    if path.is_dir():
        raise DatabaseProblem(f"{path} is a directory, not a database file; choose a file with --db")
    later = False
    if path.exists() and path.stat().st_size > 0:
        inspect(path, quick_check=quick_check)
        later = quick_check and path.stat().st_size > QUICK_CHECK_MAX_BYTES
    try:
        create_private_file(path)
    except OSError as exc:
        raise DatabaseProblem(f"cannot create the database {path}: {exc.strerror}; choose another file with --db") from None
    return later


def background_check(path: str | Path) -> str | None:
    """The full quick_check of a file already in use (on a worker thread): a one-line problem, or None."""
    path = Path(path)
    try:
        conn = _open_ro(path)
    except sqlite3.Error as exc:
        return str(_damaged(path, str(exc)))
    try:
        problems = check_integrity(conn)
    finally:
        conn.close()
    return str(_damaged(path, problems[0])) if problems else None


def inspect(path: Path, *, quick_check: bool = True, max_bytes: int | None = QUICK_CHECK_MAX_BYTES) -> None:
    """Raise DatabaseProblem unless ``path`` is an agenttrace-tui database this version can write."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise DatabaseProblem(f"cannot read the database {path}: {exc.strerror}; choose another file with --db") from None
    if head != SQLITE_MAGIC:
        raise DatabaseProblem(f"{path} is not a SQLite database (it starts with {head[:8]!r}); "
                              "choose another file with --db")
    # Before opening: SQLite cannot even read a WAL file whose directory it may not write.
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        what = path if not os.access(path, os.W_OK) else path.parent
        raise DatabaseProblem(f"{what} is read-only, so the monitor cannot save to {path.name}; "
                              "make it writable, or choose another file with --db (history commands can still read it)")
    try:
        conn = _open_ro(path)
    except sqlite3.Error as exc:
        raise _damaged(path, str(exc)) from None
    try:
        try:
            version = file_version(conn)
            tables = [r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        except sqlite3.DatabaseError as exc:
            raise _damaged(path, str(exc)) from None
        if version is None and tables and not set(tables) <= set(RUN_TABLES):
            shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
            raise DatabaseProblem(f"{path} is a SQLite database of another program (tables: {shown}); "
                                  "choose another file with --db")
        if version is not None and version > SCHEMA_VERSION:
            raise DatabaseProblem(f"{path} was written by a newer agenttrace-tui (schema {version}, this one "
                                  f"knows {SCHEMA_VERSION}); upgrade, or choose another file with --db")
        if quick_check and (max_bytes is None or path.stat().st_size <= max_bytes):
            problems = check_integrity(conn)
            if problems:
                raise _damaged(path, problems[0])
    finally:
        conn.close()


def check_integrity(conn: sqlite3.Connection) -> list[str]:
    """``PRAGMA quick_check``'s problems (empty when the file is sound)."""
    try:
        rows = [r[0] for r in conn.execute(f"PRAGMA quick_check({_REPORT})")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else [str(r) for r in rows]


def _open_ro(path: Path) -> sqlite3.Connection:
    # Read-only: checking never creates -wal/-shm files or changes the file.
    conn = connect_read_only(path, timeout=5)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def _damaged(path: Path, detail: str) -> DatabaseProblem:
    # quick_check's first problem names the page; the rest add nothing a user can act on.
    lines = [ln for ln in detail.splitlines() if ln.strip() and not ln.startswith("*** in database")]
    detail = " ".join((lines[0] if lines else detail).split())[:160]
    return DatabaseProblem(f"{path} is damaged ({detail}); start with --db OTHER-FILE, or copy out what can be read: "
                           f"agenttrace-tui db recover --db {path}", damaged=True)
