"""History in the live monitor: ``H`` swaps the panes between live data and a saved session.

``H`` while live opens the saved-session picker over the monitor's database;
Enter loads that session complete (``replay.load_complete`` through a
``store.sqlite.Reader``, in a thread worker: the event loop never waits on
SQLite). The worker only posts a ``HistoryLoaded`` message; the app's
handler owns the state change (``AgentTraceApp.show_saved``: mode HISTORY,
the recording's clock, the live store kept aside). ``H`` again is
``back_to_live``; live data kept arriving (and being saved) meanwhile. The
database is the monitor's (``db_path``), or ``app.history_db`` when set
(tests, a store-only app).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

from ..store.memory import Store
from .picker import SessionPicker
from .text import clean

if TYPE_CHECKING:
    from .app import AgentTraceApp

#: The app's ``mode`` while it shows a saved session.
HISTORY_MODE = "history"


class HistoryLoaded(Message):
    """A saved session finished loading (``store``), or could not be (``error``)."""

    def __init__(self, session_id: str, store: Store | None, error: str | None = None) -> None:
        super().__init__()
        self.session_id = session_id
        self.store = store
        self.error = error


def db_for(app: AgentTraceApp) -> Path | None:
    explicit = getattr(app, "history_db", None)
    if explicit is not None:
        return Path(explicit)
    monitor = app.monitor
    return monitor.db_path if monitor is not None else None


def in_history(app: AgentTraceApp) -> bool:
    return app.mode == HISTORY_MODE


def toggle_history(app: AgentTraceApp) -> None:
    if in_history(app):
        app.back_to_live()
        return
    db = db_for(app)
    if db is None or not db.exists():
        why = "not persisting (--no-persist)" if db is None else f"no database yet at {db}"
        app.notify(f"No saved sessions: {clean(str(why), 200)}.", markup=False, timeout=3)
        return
    app.push_screen(SessionPicker(db, title="Saved sessions"), lambda sid: load_saved(app, db, sid))


def load_saved(app: AgentTraceApp, db: Path, session_id: str | None) -> None:
    """Load ``session_id`` in a thread; the app gets a ``HistoryLoaded``."""
    if session_id is None:
        return
    app.notify("Loading the saved session…", markup=False, timeout=2)

    def load() -> None:
        from ..history.replay import load_complete
        from ..store.sqlite import Reader

        try:
            with Reader(db) as reader:
                store = load_complete(reader, session_id)
            app.post_message(HistoryLoaded(session_id, store))
        except Exception as exc:  # noqa: BLE001 -- a damaged file or a vanished session: say so, stay live
            app.post_message(HistoryLoaded(session_id, None, str(exc)))

    app.run_worker(load, thread=True, exclusive=True, group="history-load", name="history-load")
