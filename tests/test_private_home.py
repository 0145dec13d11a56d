"""Tests run in a private home: the app's per-user paths all resolve under it.

tests/conftest.py points HOME and the XDG directories at a fresh temporary
directory for every test, and fails the session if the real ones changed.
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


def test_the_real_directories_check_sees_a_change(tmp_path: Path) -> None:
    # The session-end check compares listings: a new file must show as a change.
    before = conftest.listing(tmp_path)
    (tmp_path / "agenttrace.db").write_bytes(b"x")
    assert conftest.listing(tmp_path) != before
    assert conftest.listing(tmp_path / "missing") is None
