"""Where the SQLite file lives by default, and the permissions of what we create.

``AGENTTRACE_DB`` wins (so scripts and tests can point every command at one
file); otherwise the file sits in the user's data directory as platformdirs
defines it (XDG on Linux, Application Support on macOS, AppData on Windows).
The ``--db`` flag is applied by the config layer above this, not here.

The database holds prompts and tool output: what the monitor creates is
private to the user. A directory it creates is 0700, a file it creates
(the database, its log) is 0600 (SQLite gives the ``-wal`` and ``-shm``
files the database's mode). Its own directories (``agenttrace-tui`` in the
user's data and state directories) and the files in them are tightened
even when an earlier version created them wider; a directory or an
existing file the user chose with ``--db`` is left as it is.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import platformdirs

APP_NAME = "agenttrace-tui"
DB_FILE = "agenttrace.db"
ENV_VAR = "AGENTTRACE_DB"
DIR_MODE = 0o700
FILE_MODE = 0o600


def default_db_path() -> Path:
    """The SQLite file to use when no ``--db`` was given (not created here)."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / DB_FILE


def own_dirs() -> tuple[Path, ...]:
    """The directories that belong to agenttrace-tui alone (data and state)."""
    return (Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_state_dir(APP_NAME, appauthor=False)))


def make_private_dirs(directory: Path) -> None:
    """Create ``directory`` and its missing parents, each 0700; existing ones are left alone,
    except agenttrace-tui's own directories, which are tightened to 0700."""
    missing: list[Path] = []
    d = directory
    while not d.exists() and d != d.parent:
        missing.append(d)
        d = d.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue  # made meanwhile by another process: not ours to change
        os.chmod(d, DIR_MODE)  # mkdir's mode goes through the umask
    if _is_own_dir(directory):
        _tighten(directory, DIR_MODE)


def create_private_file(path: Path) -> bool:
    """Create ``path`` empty with mode 0600 if it does not exist; True when created.

    An existing file in one of agenttrace-tui's own directories is tightened
    to 0600 (with its SQLite ``-wal``/``-shm`` companions); another existing
    file keeps its mode.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        if _is_own_dir(path.parent):
            for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                _tighten(p, FILE_MODE)
        return False
    os.close(fd)
    return True


def _is_own_dir(directory: Path) -> bool:
    try:
        here = directory.resolve()
        return any(here == d.resolve() for d in own_dirs())
    except OSError:
        return False


def _tighten(path: Path, mode: int) -> None:
    """Take group and other permissions off ``path`` if it is ours (never a symlink's target)."""
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode) or st.st_uid != os.getuid():
            return
        if stat.S_IMODE(st.st_mode) & 0o077:
            os.chmod(path, stat.S_IMODE(st.st_mode) & mode)
    except OSError:
        pass  # gone, or not ours to change: the check is a courtesy
