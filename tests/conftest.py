"""Shared test set-up.

SVG snapshots live in the top-level ``snapshots/`` folder (one sub-folder per
test module), not in syrupy's default ``tests/__snapshots__``:
pytest-textual-snapshot has no option for that, so its extension's
``dirname`` is overridden here.

Tests never touch the user's own data, config or state: every test runs with
HOME and the XDG directories pointed at a fresh temporary home, and a test that
still writes under the real agenttrace-tui directories (a path resolved too
early, a hard-coded one) fails. Nor do they reach a monitor the user may be
running: a test that connects, sends or binds to the monitor's default ports on
this machine (4317-4319) or its default socket fails too. Both are seen through
Python's audit hooks, so only this test process counts, not other programs
using the same home (nor a child process, nor gRPC's C core).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
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


#: The monitor's default ports (OTLP/gRPC, OTLP/HTTP, native UDP and TCP): a user's own monitor
#: listens there, so a test that sent there would show up in it.
MONITOR_PORTS = frozenset({4317, 4318, 4319})
_SOCKET_EVENTS = {"socket.connect", "socket.sendto", "socket.sendmsg", "socket.bind"}
#: The monitor's default local sockets: under the real XDG_RUNTIME_DIR, else in /tmp.
MONITOR_SOCKETS = frozenset({str(REAL_DIRS["socket"]), f"/tmp/{APP}-{os.getuid()}.sock"})
#: Where no test may write: the real directories above (a test may add one to check the guard).
GUARDED: list[str] = [str(p) for p in REAL_DIRS.values()]
#: Writes seen under a guarded path since the current test started: (event, path).
TOUCHED: list[tuple[str, str]] = []
#: Sockets that reached a monitor's default address since the current test started: (event, address).
REACHED: list[tuple[str, str]] = []
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_WRITE_EVENTS = {"os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.truncate", "shutil.rmtree", "sqlite3.connect"}


def _guarded(path: object) -> str | None:
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, str | os.PathLike):
        return None
    text = os.path.abspath(os.fspath(path))
    return text if any(text == g or text.startswith(g + os.sep) for g in GUARDED) else None


def _audit(event: str, args: tuple) -> None:
    # Called for every audited operation in this process: keep it cheap.
    if event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS
        )
        if writing and (hit := _guarded(path)):
            TOUCHED.append((event, hit))
    elif event in _WRITE_EVENTS and args and (hit := _guarded(args[0])):
        TOUCHED.append((event, hit))
    elif event in _SOCKET_EVENTS and len(args) > 1 and (hit := _monitor_address(args[1])):
        REACHED.append((event, hit))


def _monitor_address(address: object) -> str | None:
    """``address`` when it is one a running monitor listens on by default, else None."""
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        if port in MONITOR_PORTS and host in ("127.0.0.1", "::1", "localhost", "0.0.0.0", "::", ""):
            return f"{host}:{port}"
        return None
    if isinstance(address, bytes):
        address = os.fsdecode(address)
    return address if isinstance(address, str) and address in MONITOR_SOCKETS else None


sys.addaudithook(_audit)


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
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
    TOUCHED.clear()
    REACHED.clear()
    yield home
    touched, TOUCHED[:] = list(TOUCHED), []
    reached, REACHED[:] = list(REACHED), []
    if touched:
        pytest.fail(f"wrote under the user's own directories: {touched}", pytrace=False)
    if reached:
        pytest.fail(f"reached the default address of a monitor the user may be running: {reached}", pytrace=False)


SNAPSHOT_DIR = Path(__file__).resolve().parent.parent / "snapshots"


def _snapshot_dirname(cls, *, test_location) -> str:
    return str(SNAPSHOT_DIR / test_location.basename)


pytest_textual_snapshot.SVGImageExtension.dirname = classmethod(_snapshot_dirname)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "heavy: a test that runs for most of a minute or more (a whole install, a browser); started first"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # pytest-xdist hands tests out in collection order: a heavy test collected last would
    # run alone on one worker at the end while the other sits idle. Moving the few heavy
    # ones to the front (a stable sort: the rest keep their order) lets the other worker
    # run everything else meanwhile.
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None)
