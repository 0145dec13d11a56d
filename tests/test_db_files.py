"""Files and damaged databases: private modes, one-line start-up errors, ``db recover``.

Real SQLite files in tmp_path, the real monitor, the real CLI in a
subprocess (its stderr is what a user sees). A damaged file is a real
database with pages in its middle overwritten by random bytes.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import msgspec
import platformdirs
import pytest

from agenttrace_tui.config import Config
from agenttrace_tui.runtime.logsetup import setup_engine_logging
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.store.check import DatabaseProblem, prepare_database
from agenttrace_tui.store.reader import Reader
from agenttrace_tui.store.recover import recover

NOW = time.time_ns()


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def config(db: Path | None) -> Config:
    return Config(udp_port=None, tcp_port=None, otlp_port=None, otlp_grpc_port=None, socket="",
                  db=str(db) if db is not None else None)


def record(i: int) -> bytes:
    return msgspec.json.encode({
        "v": 1, "type": "span", "trace_id": f"t{i // 20}", "span_id": f"s{i}", "session_id": f"sess{i // 500}",
        "name": f"span {i}", "start_ns": NOW - 10_000 + i, "end_ns": NOW - 5_000 + i,
        "usage": {"input": 10, "output": 5}, "cost": {"total": 0.01},
        "attributes": {"text": "x" * 300 + str(i)},
    })


async def filled(db: Path, n: int) -> None:
    """A real database holding ``n`` spans, written by the monitor."""
    mon = Monitor(config(db))
    await mon.start()
    try:
        for i in range(0, n, 500):
            mon.pipeline.feed_many([record(j) for j in range(i, min(n, i + 500))], "udp")
            await mon.writer.flush()
    finally:
        await mon.stop()


def damage(db: Path, seed: int = 7) -> None:
    """Overwrite whole pages in the middle of the file with random bytes."""
    page = 4096
    size = db.stat().st_size
    first = (size // page) * 2 // 5
    rnd = random.Random(seed)
    with open(db, "r+b") as fh:
        for p in range(first, first + 4):
            fh.seek(p * page)
            fh.write(rnd.randbytes(page))


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agenttrace_tui", *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


MONITOR = ("--headless", "--udp-port", "off", "--tcp-port", "off", "--otlp-port", "off", "--otlp-grpc-port", "off",
           "--socket", "off")


# -- modes ----------------------------------------------------------------------------------
async def test_a_database_and_directories_we_create_are_private(tmp_path: Path) -> None:
    db = tmp_path / "made" / "by" / "us" / "a.db"
    mon = Monitor(config(db))
    await mon.start()
    try:
        mon.pipeline.feed(record(1), "udp")
        await mon.writer.flush()
        assert Path(f"{db}-wal").exists()
        for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            assert mode(p) == 0o600, p
    finally:
        await mon.stop()
    assert mode(db) == 0o600
    for d in (tmp_path / "made", tmp_path / "made" / "by", db.parent):
        assert mode(d) == 0o700, d


async def test_a_directory_or_file_the_user_chose_keeps_its_mode(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    os.chmod(mine, 0o755)
    db = mine / "a.db"
    await filled(db, 10)
    assert mode(mine) == 0o755 and mode(db) == 0o600  # the directory is theirs, the file we made is private
    os.chmod(db, 0o644)
    await filled(db, 20)
    assert mode(db) == 0o644  # an existing file they chose: left as it is


async def test_our_own_data_directory_is_tightened(tmp_path: Path) -> None:
    own = Path(platformdirs.user_data_dir("agenttrace-tui", appauthor=False))  # inside the test's private home
    own.mkdir(parents=True)
    os.chmod(own, 0o755)
    db = own / "agenttrace.db"
    sqlite3.connect(db).close()
    os.chmod(db, 0o644)
    await filled(db, 5)
    assert mode(own) == 0o700 and mode(db) == 0o600


def test_the_log_is_private_and_stays_private_across_rotation(tmp_path: Path) -> None:
    import logging

    path = tmp_path / "logs" / "engine.log"
    setup_engine_logging("info", path)
    try:
        assert mode(path) == 0o600 and mode(path.parent) == 0o700
        log = logging.getLogger("agenttrace_tui.test")
        log.info("hello")
        handler = next(h for h in logging.getLogger("agenttrace_tui").handlers if getattr(h, "_agenttrace", False))
        handler.doRollover()  # type: ignore[attr-defined]
        log.info("after rotation")
        assert mode(path) == 0o600 and mode(Path(f"{path}.1")) == 0o600
    finally:
        setup_engine_logging("off")


# -- unusable files: one line each ----------------------------------------------------------
def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    err = result.stderr.strip()
    assert "Traceback" not in err and "\n" not in err, err
    return err


async def test_a_damaged_database_is_refused_with_one_line_and_recovered(tmp_path: Path) -> None:
    db = tmp_path / "hurt.db"
    await filled(db, 3000)
    damage(db)
    size = db.stat().st_size
    err = one_line_error(cli(*MONITOR, "--db", str(db)))
    assert str(db) in err and "damaged" in err and "--db" in err and "db recover" in err
    assert db.stat().st_size == size  # nothing was written to it

    out = tmp_path / "saved.db"
    result = cli("db", "recover", "--db", str(db), "--to", str(out))
    assert result.returncode == 0, result.stderr
    assert f"into {out}" in result.stdout and "recovered" in result.stdout
    assert mode(out) == 0o600
    assert cli("db", "check", "--db", str(out)).returncode == 0
    reader = Reader(out)
    try:
        spans = sum(r.spans for r in reader.sessions(limit=100))
    finally:
        reader.close()
    assert 0 < spans <= 3000
    conn = sqlite3.connect(out)
    try:
        # Summaries were rebuilt from what was recovered: they agree with the spans.
        (stored,) = conn.execute("SELECT count(*) FROM spans").fetchone()
        (summed,) = conn.execute("SELECT sum(spans) FROM traces").fetchone()
    finally:
        conn.close()
    assert stored == summed == spans
    await filled(out, 3100)  # the monitor starts on the recovered file and writes to it


async def test_a_history_command_on_a_damaged_schema_says_damaged_and_how_to_recover(tmp_path: Path) -> None:
    # The first page (SQLite's own table of tables) overwritten: the file is ours, but damaged.
    db = tmp_path / "hurt.db"
    await filled(db, 50)
    with open(db, "r+b") as fh:
        page = int.from_bytes(fh.read(18)[16:18], "big")  # the header's page size
        fh.seek(100)
        fh.write(random.Random(3).randbytes(page - 100))
    result = cli("sessions", "--db", str(db))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{db} is damaged" in result.stderr and f"agenttrace-tui db recover --db {db}" in result.stderr
    # -o names the new file as it does for export.
    out = tmp_path / "saved.db"
    saved = cli("db", "recover", "--db", str(db), "-o", str(out))
    assert saved.returncode == 0 and f"into {out}" in saved.stdout and out.exists()
    garbage = tmp_path / "notes.db"
    garbage.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84 + random.Random(5).randbytes(8000))
    assert "damaged" not in cli("sessions", "--db", str(garbage)).stderr


async def test_recover_counts_what_a_damaged_spans_table_lost(tmp_path: Path) -> None:
    db = tmp_path / "hurt.db"
    await filled(db, 3000)
    damage(db, seed=11)
    result = recover(db, tmp_path / "out.db")
    spans = next(t for t in result.tables if t.table == "spans")
    assert spans.recovered + (spans.lost or 0) <= 3000
    assert result.recovered > 0
    if spans.damaged:
        assert spans.recovered < 3000


def test_a_file_that_is_not_sqlite_gets_one_line(tmp_path: Path) -> None:
    db = tmp_path / "notes.txt"
    db.write_text("my notes, not a database\n" * 100)
    err = one_line_error(cli(*MONITOR, "--db", str(db)))
    assert str(db) in err and "not a SQLite database" in err
    assert db.read_text().startswith("my notes")


def test_another_programs_database_gets_one_line_and_is_not_touched(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.commit()
    conn.close()
    err = one_line_error(cli(*MONITOR, "--db", str(db)))
    assert "another program" in err and "invoices" in err
    conn = sqlite3.connect(db)
    try:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["invoices"]
    finally:
        conn.close()


async def test_a_newer_database_gets_one_line(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    await filled(db, 1)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    conn.close()
    err = one_line_error(cli(*MONITOR, "--db", str(db)))
    assert "newer agenttrace-tui" in err and str(db) in err


def _make_read_only(path: Path) -> bool:
    if os.geteuid() != 0:
        os.chmod(path, 0o444)
        return True
    # root writes through 0444: the immutable flag stops even root
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0


async def test_a_read_only_database_gets_one_line(tmp_path: Path) -> None:
    db = tmp_path / "ro.db"
    await filled(db, 5)
    if not _make_read_only(db):
        pytest.skip("cannot make a file read-only here")
    try:
        err = one_line_error(cli(*MONITOR, "--db", str(db)))
        assert "read-only" in err and str(db) in err and "damaged" not in err
        with pytest.raises(DatabaseProblem, match="read-only"):
            prepare_database(db)
        result = cli("sessions", "list", "--db", str(db), "--json")
        assert result.returncode == 0, result.stderr  # still readable by the history commands
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(db)], capture_output=True)
        os.chmod(db, 0o600)


async def test_a_database_in_a_read_only_directory_is_read_and_refuses_writes_in_one_line(tmp_path: Path) -> None:
    """A file a monitor closed cleanly (no -wal) in a directory nobody may write (a read-only
    mount): SQLite cannot make the -shm file a WAL database is read through, so the history
    commands used to call it "not an agenttrace-tui database" and the writing ones printed a
    traceback. Now it is read as it is (immutable), and a write says why it cannot."""
    folder = tmp_path / "shelf"
    folder.mkdir()
    db = folder / "kept.db"
    await filled(db, 30)
    assert sorted(p.name for p in folder.iterdir()) == ["kept.db"]  # closed cleanly: no -wal, no -shm
    shutil.copy(db, tmp_path / "copy.db")  # (reading the file here would make its -shm)
    expected = cli("sessions", "list", "--db", str(tmp_path / "copy.db"), "--json")
    assert expected.returncode == 0, expected.stderr
    if os.geteuid() != 0:
        os.chmod(folder, 0o555)
    elif shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)],
                                                          capture_output=True).returncode != 0:
        pytest.skip("cannot make a directory read-only here")
    try:
        got = cli("sessions", "list", "--db", str(db), "--json")
        assert got.returncode == 0, got.stderr
        assert got.stdout == expected.stdout and '"spans": 30' in got.stdout.replace('"spans":30', '"spans": 30')
        stats = cli("stats", "--db", str(db))
        assert stats.returncode == 0 and "30 spans" in stats.stdout, stats.stderr
        deleted = cli("sessions", "delete", "sess0", "--db", str(db))
        err = deleted.stderr.strip()
        assert deleted.returncode == 1 and "Traceback" not in err and "\n" not in err, err
        assert str(db) in err and "read-only" in err and "not an agenttrace-tui database" not in err
        assert sorted(p.name for p in folder.iterdir()) == ["kept.db"]  # nothing written beside it
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
        os.chmod(folder, 0o700)


async def test_a_healthy_database_passes_the_check(tmp_path: Path) -> None:
    db = tmp_path / "fine.db"
    await filled(db, 100)
    prepare_database(db)
    result = cli("db", "check", "--db", str(db))
    assert result.returncode == 0 and result.stdout.strip() == f"{db}: ok"


async def test_a_big_file_is_checked_in_the_background(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from agenttrace_tui.runtime.diagnostics import FailureLog, collect
    from agenttrace_tui.store import check
    from agenttrace_tui.store.check import background_check

    db = tmp_path / "big.db"
    await filled(db, 3000)
    monkeypatch.setattr(check, "QUICK_CHECK_MAX_BYTES", 1024)  # every file counts as big here
    mon = Monitor(config(db))
    await mon.start()  # a sound file: starts, the check finds nothing
    try:
        assert mon._check_task is not None
        await asyncio.wait_for(mon._check_task, 60)
        assert mon.db_problem is None and mon.status().db_problem is None
    finally:
        await mon.stop()
    damage(db)
    problem = background_check(db)
    assert problem is not None and str(db) in problem and "damaged" in problem and "\n" not in problem
    mon = Monitor(config(db))
    try:
        await mon.start()
    except DatabaseProblem as exc:  # the damage reached what the writer reads when it opens
        assert "\n" not in str(exc)
        return
    try:
        await asyncio.wait_for(mon._check_task, 60)
        assert mon.status().db_problem == problem
        assert problem in FailureLog().new_failures(collect(mon))  # headless prints it once
    finally:
        await mon.stop()
