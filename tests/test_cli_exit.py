"""The ``agenttrace-tui`` command ends the process at once after ``main`` (``cli.run``):
its output must still arrive whole and its exit code unchanged. Real subprocesses
over a real SQLite fixture file."""

from __future__ import annotations

import json
import subprocess
import sys

import fixtures
from test_history_fixture import build_db


def _cmd(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agenttrace_tui", *args], capture_output=True, text=True, timeout=120,
    )


def test_piped_output_arrives_whole_and_the_exit_code_is_kept(tmp_path):
    db = tmp_path / "fx.db"
    build_db(db, now_ns=fixtures.NOW_NS)
    done = _cmd("sessions", "list", "--json", "--db", str(db))
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)  # flushed before the process ended, not cut
    assert {r["id"] for r in rows} >= {"sess-v1", "sess-v2"}
    missing = _cmd("sessions", "show", "nope", "--db", str(db))
    assert missing.returncode == 1
    assert "nope" in missing.stderr


def test_a_reader_that_stops_early_is_not_a_failure(tmp_path):
    """``agenttrace-tui stats | head -1``: the reader closes the pipe before the table is
    written. Rich's console exited 1 there (silently: a script took it for an error);
    every table command now ends 0 with nothing on stderr, as the plain-print ones did."""
    db = tmp_path / "fx.db"
    build_db(db, now_ns=fixtures.NOW_NS)
    for argv in (["stats"], ["sessions", "show", "latest"], ["costs"], ["sessions", "list"]):
        proc = subprocess.Popen([sys.executable, "-m", "agenttrace_tui", *argv, "--db", str(db)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None
        proc.stdout.close()  # gone before the first write: it gets EPIPE
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and err == b"", (argv, proc.returncode, err)
