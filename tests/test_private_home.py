"""Tests run in a private home: the app's per-user paths all resolve under it.

tests/conftest.py points HOME and the XDG directories at a fresh temporary
directory for every test, and fails a test that writes under the real ones.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

import conftest
from agenttrace_tui.config import default_config_path
from agenttrace_tui.history.claude_transcripts import default_paths
from agenttrace_tui.ingest.receivers import default_socket_path
from agenttrace_tui.store.paths import default_db_path


def test_every_per_user_path_is_inside_the_private_home(private_home: Path) -> None:
    paths = {
        "db": default_db_path(),
        "config": default_config_path(),
        "state": Path(platformdirs.user_state_dir("agenttrace-tui", appauthor=False)),
        "claude transcripts": default_paths()[0],
        "socket": Path(default_socket_path()),
    }
    outside = {k: p for k, p in paths.items() if not p.is_relative_to(private_home)}
    assert not outside, outside
    for name, real in conftest.REAL_DIRS.items():
        if name != "socket":
            assert not real.is_relative_to(private_home), name


def test_a_write_under_a_guarded_directory_is_caught(tmp_path: Path) -> None:
    # The guard the autouse fixture applies, pointed at a directory of this test's own.
    guarded = tmp_path / "real-data"
    conftest.GUARDED.append(str(guarded))
    try:
        (tmp_path / "elsewhere.txt").write_text("fine")
        assert conftest.TOUCHED == []
        guarded.mkdir()
        (guarded / "agenttrace.db").write_bytes(b"x")
        (guarded / "agenttrace.db").read_bytes()  # reading is not touching
        events = [event for event, _ in conftest.TOUCHED]
        assert events == ["os.mkdir", "open"]
    finally:
        conftest.GUARDED.remove(str(guarded))
        conftest.TOUCHED.clear()
