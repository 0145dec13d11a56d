"""Shared test set-up.

SVG snapshots live in the top-level ``snapshots/`` folder (one sub-folder per
test module), not in syrupy's default ``tests/__snapshots__``:
pytest-textual-snapshot has no option for that, so its extension's
``dirname`` is overridden here.

Tests never touch the user's own data, config or state: every test runs with
HOME and the XDG directories pointed at a temporary home, and the session fails
if the real agenttrace-tui directories changed while it ran.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
import pytest
import pytest_textual_snapshot

APP = "agenttrace-tui"
#: The variables that lead the app (or its dependencies) to per-user files.
_USER_VARS = ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR")
#: Settings from the environment that would make a test depend on who runs it.
_APP_VARS = ("AGENTTRACE_DB", "AGENTTRACE_ENDPOINT", "CLAUDE_CONFIG_DIR", "NO_COLOR")

#: The real directories, resolved before any test changes the environment.
REAL_DIRS = {
    "data": Path(platformdirs.user_data_dir(APP, appauthor=False)),
    "config": Path(platformdirs.user_config_dir(APP, appauthor=False)),
    "state": Path(platformdirs.user_state_dir(APP, appauthor=False)),
    "claude": Path.home() / ".claude",
    "socket": Path(os.environ.get("XDG_RUNTIME_DIR") or "/nonexistent") / f"{APP}.sock",
}
# Caches stay where they are (pip's and tiktoken's downloads are not user state).
os.environ.setdefault("XDG_CACHE_HOME", str(Path.home() / ".cache"))


def listing(path: Path) -> list[tuple[str, int, int]] | None:
    """What is under ``path`` (name, size, mtime), or None when it does not exist."""
    if not path.exists():
        return None
    if not path.is_dir():
        st = path.stat()
        return [(path.name, st.st_size, st.st_mtime_ns)]
    out = []
    for f in sorted(path.rglob("*")):
        st = f.lstat()
        out.append((str(f.relative_to(path)), st.st_size, st.st_mtime_ns))
    return out


_BEFORE = {name: listing(path) for name, path in REAL_DIRS.items()}


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty home for each test: HOME and XDG dirs point into it."""
    home = tmp_path_factory.mktemp("home")
    dirs = {
        "HOME": home,
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_STATE_HOME": home / ".local" / "state",
        "XDG_RUNTIME_DIR": home / "run",
    }
    for var in _USER_VARS:
        dirs[var].mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(var, str(dirs[var]))
    for var in _APP_VARS:
        monkeypatch.delenv(var, raising=False)
    return home


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    changed = [name for name, path in REAL_DIRS.items() if listing(path) != _BEFORE[name]]
    if changed:
        session.config.stash[_TOUCHED] = changed
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    changed = config.stash.get(_TOUCHED, None)
    if changed:
        terminalreporter.write_line(
            "FAILED: the test run changed the user's own directories: "
            + ", ".join(f"{n} ({REAL_DIRS[n]})" for n in changed),
            red=True,
        )


_TOUCHED = pytest.StashKey[list]()

SNAPSHOT_DIR = Path(__file__).resolve().parent.parent / "snapshots"


def _snapshot_dirname(cls, *, test_location) -> str:
    return str(SNAPSHOT_DIR / test_location.basename)


pytest_textual_snapshot.SVGImageExtension.dirname = classmethod(_snapshot_dirname)
