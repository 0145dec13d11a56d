"""History in the live monitor: ``H`` swaps the panes between live data and a saved session.

``H`` while live opens the saved-session picker over the monitor's database;
Enter loads that session complete (``replay.load_complete`` through a
``store.sqlite.Reader``, in a thread worker: the event loop never waits on
SQLite) into a store of its own, and the same panes show it, with HISTORY in
the header. ``H`` again puts the live store back; live data kept arriving
(and being saved) meanwhile. The database is the monitor's (``db_path``), or
``app.history_db`` when set (tests, a store-only app).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..store.memory import Store
from .picker import SessionPicker
from .text import clean

if TYPE_CHECKING:
    from .app import AgentTraceApp

#: The header shows this instead of LIVE.
HISTORY_MODE = "HISTORY · H back to live"


def db_for(app: AgentTraceApp) -> Path | None:
    explicit = getattr(app, "history_db", None)
    if explicit is not None:
        return Path(explicit)
    monitor = app.monitor
    return monitor.db_path if monitor is not None else None


def in_history(app: AgentTraceApp) -> bool:
    return app.view_mode == HISTORY_MODE


def toggle_history(app: AgentTraceApp) -> None:
    if in_history(app):
        back_to_live(app)
        return
    db = db_for(app)
    if db is None or not db.exists():
        why = "not persisting (--no-persist)" if db is None else f"no database yet at {db}"
        app.notify(f"No saved sessions: {clean(str(why), 200)}.", markup=False, timeout=3)
        return
    app.push_screen(SessionPicker(db, title="Saved sessions (H: back to live)"), lambda sid: _picked(app, db, sid))


def _picked(app: AgentTraceApp, db: Path, session_id: str | None) -> None:
    if session_id is None:
        return
    app.notify("Loading the saved session…", markup=False, timeout=2)

    def load() -> None:
        from ..history.replay import load_complete
        from ..store.sqlite import Reader

        try:
            with Reader(db) as reader:
                store = load_complete(reader, session_id)
            error = None
        except Exception as exc:  # noqa: BLE001 -- a damaged file or a vanished session: say so, stay live
            store, error = None, str(exc)
        app.call_from_thread(show_saved, app, session_id, store, error)

    app.run_worker(load, thread=True, exclusive=True, group="history-load", name="history-load")


def show_saved(app: AgentTraceApp, session_id: str, store: Store | None, error: str | None = None) -> None:
    """Put a loaded saved session in the panes (keeps the live store to come back to)."""
    if store is None:
        app.notify(f"Cannot load the session: {clean(error or '?', 200)}", markup=False, severity="error", timeout=5)
        return
    if not in_history(app):
        app._history_live_store = app.store  # type: ignore[attr-defined]
    app.view_mode = HISTORY_MODE
    app.follow = False
    app.paused = False
    app.rebind_store(store)
    if app.sessions.select_key(session_id):
        app._select_session(session_id)
    app.sessions.focus()
    app._update_header()


def back_to_live(app: AgentTraceApp) -> None:
    live = getattr(app, "_history_live_store", None)
    app.view_mode = None
    if live is not None:
        app._history_live_store = None  # type: ignore[attr-defined]
        app.rebind_store(live)
    app._update_header()
    app.notify("Back to live.", markup=False, timeout=2)
