"""Where the SQLite file lives by default.

``AGENTTRACE_DB`` wins (so scripts and tests can point every command at one
file); otherwise the file sits in the user's data directory as platformdirs
defines it (XDG on Linux, Application Support on macOS, AppData on Windows).
The ``--db`` flag is applied by the config layer above this, not here.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "agenttrace-tui"
DB_FILE = "agenttrace.db"
ENV_VAR = "AGENTTRACE_DB"


def default_db_path() -> Path:
    """The SQLite file to use when no ``--db`` was given (not created here)."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / DB_FILE
