"""History in the live monitor: ``H`` shows a saved session in the panes, ``H`` again goes back to live.

``H`` while live opens the saved-session picker over the monitor's database;
Enter loads that session complete (one this monitor is receiving, still running,
is shown live instead: its saved copy is behind and its open calls never ended there) (``load_saved_store``: ``replay.load_complete``
through a ``store.sqlite.Reader``) in a thread worker, so the event loop never
waits on SQLite. The worker only posts a ``HistoryLoaded`` message; the app's
handler owns the state change (``AgentTraceApp.show_saved``: mode HISTORY,
the recording's clock, the live store kept aside; ``back_to_live`` returns).
Live data keeps arriving (and being saved) meanwhile.

``HistoryViews`` is the part of the monitor app that does this (a base class
of ``AgentTraceApp``, beside ``PaneSync``): it holds the history state (the
live store kept aside, the recording's clock) and nothing outside touches it.
This module never imports ui/app.py (no import loop, not even for types).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.message import Message
from textual.timer import Timer

from ..store.memory import Store
from .panes import HISTORY, LIVE, PaneSync
from .picker import SessionPicker
from .text import clean

if TYPE_CHECKING:
    from ..runtime.monitor import Monitor

#: The app's ``mode`` while it shows a saved session.
HISTORY_MODE = HISTORY
#: Seconds a saved session may take to load before the monitor says it is loading.
LOADING_NOTE_AFTER_S = 0.3


class HistoryLoaded(Message):
    """A saved session finished loading (``store``), or could not be (``error``)."""

    def __init__(self, session_id: str, store: Store | None, error: str | None = None) -> None:
        super().__init__()
        self.session_id = session_id
        self.store = store
        self.error = error


def history_db(explicit: str | Path | None, monitor_db: Path | None) -> Path | None:
    """The database history reads: an explicit one (tests, a store-only app), else the monitor's."""
    return Path(explicit) if explicit is not None else monitor_db


def unavailable_reason(db: Path | None) -> str | None:
    """Why there is nothing to pick from, or None when the file is there."""
    if db is None:
        return "not persisting (--no-persist)"
    if not db.exists():
        return f"no database yet at {db}"
    return None


def load_saved(db: Path, session_id: str) -> HistoryLoaded:
    """Load ``session_id`` complete (blocking: run it in a thread worker)."""
    from ..history.replay import load_complete
    from ..store.sqlite import Reader

    try:
        with Reader(db) as reader:
            store = load_complete(reader, session_id)
        return HistoryLoaded(session_id, store)
    except Exception as exc:  # noqa: BLE001 -- a damaged file or a vanished session: say so, stay live
        return HistoryLoaded(session_id, None, str(exc))


class HistoryViews(PaneSync):
    """``H``: a saved session in the panes on the recording's clock, and back to live."""

    monitor: Monitor | None

    def __init__(self) -> None:
        super().__init__()
        #: the saved session's last moment: the clock of the panes in history
        self.recorded_now_ns: int | None = None
        #: the live store to come back to
        self._live_store: Store | None = None
        #: the database H reads (default: the monitor's; tests and store-only apps set it)
        self.history_db: str | Path | None = None
        #: the "Loading…" note a load in progress says if it takes long (``LOADING_NOTE_AFTER_S``)
        self._loading_note: Timer | None = None

    def show_saved(self, session_id: str, store: Store, recorded_now_ns: int | None = None) -> None:
        """Show a loaded saved session (keeps the live store to come back to).
        Its clock is the recording's: ``recorded_now_ns`` (default: its last moment)."""
        if self.mode != HISTORY:
            self._live_store = self.store
        entry = store.session(session_id)
        self.recorded_now_ns = recorded_now_ns if recorded_now_ns is not None else (entry.last_ns if entry is not None else None)
        self.follow = False
        self.paused = False
        self.mode = HISTORY
        self.rebind_store(store)
        if self.sessions.select_key(session_id):
            self._select_session(session_id)
        self.sessions.focus()

    def _call_off_loading_note(self) -> None:
        if self._loading_note is not None:
            self._loading_note.stop()
            self._loading_note = None

    @on(HistoryLoaded)
    def _history_loaded(self, message: HistoryLoaded) -> None:
        """A saved session loaded in a worker: show it, or say why not."""
        self._call_off_loading_note()
        if message.store is None:
            self.notify(f"Cannot load the session: {clean(message.error or '?', 200)}", markup=False, severity="error", timeout=5)
            return
        self.show_saved(message.session_id, message.store)

    def back_to_live(self) -> None:
        live, self._live_store = self._live_store, None
        self.mode = LIVE
        self.recorded_now_ns = None
        if live is not None:
            self.rebind_store(live)
        self.notify("Back to live.", markup=False, timeout=2)

    def action_toggle_history(self) -> None:
        if self.mode == HISTORY:
            self.back_to_live()
            return
        db = history_db(self.history_db, self.monitor.db_path if self.monitor is not None else None)
        why = unavailable_reason(db)
        if why is not None or db is None:
            self.notify(f"No saved sessions: {clean(str(why), 200)}.", markup=False, timeout=3)
            return
        self.push_screen(SessionPicker(db, title="Saved sessions"), partial(self._load_saved, db))

    def _load_saved(self, db: Path, session_id: str | None) -> None:
        """Load the picked session in a thread; ``_history_loaded`` gets the result."""
        if session_id is None:
            return
        entry = self.store.session(session_id)
        if entry is not None and entry.status(self.now_ns()) == "running":
            # This monitor is receiving it: the saved copy is already behind, and its
            # open calls would read as never ended. Shown live instead.
            self.follow = False
            self.jump_to_session(session_id)
            self.notify("That session is running: shown live.", markup=False, timeout=3)
            return
        # Said only if the load is slow enough to notice: a toast left over a session
        # that is already on screen hides part of it for nothing.
        self._call_off_loading_note()  # a load picked before this one is cancelled (exclusive worker)
        self._loading_note = self.set_timer(
            LOADING_NOTE_AFTER_S, partial(self.notify, "Loading the saved session…", markup=False, timeout=2))

        def load() -> None:
            self.post_message(load_saved(db, session_id))

        self.run_worker(load, thread=True, exclusive=True, group="history-load", name="history-load")
