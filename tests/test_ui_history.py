"""History in the live monitor (issue 7): H shows saved sessions from the DB, Enter shows one
complete in the same panes, H goes back to live. Real SQLite fixture file, real app."""

from __future__ import annotations

import asyncio

import pytest

import fixtures
from agenttrace_tui.model import Span
from agenttrace_tui.ui.app import make_app
from agenttrace_tui.ui.history import HISTORY_MODE
from agenttrace_tui.ui.picker import SessionPicker
from test_history_fixture import build_db

SIZE = (120, 36)


async def wait_for(pilot, cond, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout:.0f}s")
        await pilot.pause(0.02)


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "fx.db"
    build_db(path, now_ns=fixtures.NOW_NS)
    return path


def _app(db=None):
    app = make_app(store=fixtures.build_store(), now_ns=fixtures.clock)
    app.history_db = db
    return app


async def open_history(pilot, app) -> SessionPicker:
    await pilot.press("H")
    await wait_for(pilot, lambda: isinstance(app.screen, SessionPicker) and app.screen.loaded)
    return app.screen


async def test_history_shows_a_saved_session_complete_then_back_to_live(db):
    app = _app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        live = app.store
        live_sessions = list(app.sessions.keys)
        picker = await open_history(pilot, app)
        assert picker.shown_ids == ["sess-v2", "sess-v1"]
        await pilot.press("slash", "v", "1", "enter")
        await wait_for(pilot, lambda: app.mode == HISTORY_MODE)
        assert app.store is not live
        assert app.sessions.keys == ["sess-v1"]
        entry = app.store.session("sess-v1")
        assert entry.totals.spans == 19 and entry.totals.running == 0  # complete, nothing replayed
        assert set(app.traces.keys) == {"trace-v1", "trace-v1b"}
        await wait_for(pilot, lambda: app.span_tree.trace_id in ("trace-v1", "trace-v1b"))
        assert "HISTORY" in app.header._text.plain
        # live data keeps arriving into the live store meanwhile, unseen
        live.apply([Span(span_id="late", trace_id="t-late", session_id=fixtures.BILLING, name="late", start_ns=fixtures.NOW_NS)])
        await pilot.press("H")
        assert app.mode == "live" and app.store is live
        assert app.sessions.keys == live_sessions
        assert "LIVE" in app.header._text.plain
        assert app.sessions.store is live and app.span_tree.store is live


async def test_hostile_names_in_saved_sessions_show_literally(db):
    app = _app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_history(pilot, app)
        await pilot.press("slash", "v", "1", "enter")
        await wait_for(pilot, lambda: app.mode == HISTORY_MODE)
        app.jump_to_trace("trace-v1b")
        await wait_for(pilot, lambda: app.span_tree.trace_id == "trace-v1b")
        await pilot.pause()
        text = "\n".join(app.span_tree.render_line(y).text for y in range(app.span_tree.size.height))
        assert "=evil[bold]name" in text and "\x1b" not in text


async def test_escape_in_the_picker_stays_live(db):
    app = _app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        live = app.store
        await open_history(pilot, app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SessionPicker))
        assert app.mode == "live" and app.store is live


async def test_history_without_a_database_says_so(tmp_path):
    app = _app(tmp_path / "missing.db")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("H")
        await pilot.pause()
        assert not isinstance(app.screen, SessionPicker)
        assert any("No saved sessions" in str(n.message) for n in app._notifications)
        assert app.mode == "live"


async def test_picker_reports_an_unreadable_file(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database at all" * 100)
    app = _app(bad)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        picker = await open_history(pilot, app)
        assert picker.shown_ids == [] and picker.error and "cannot read" in picker.error
        await pilot.press("enter")  # nothing to open: stays put
        assert app.screen is picker


def _toasts(app) -> list[str]:
    from textual.widgets._toast import Toast

    return [str(t.render()) for t in app.screen.query(Toast)]


async def test_a_quick_load_leaves_no_loading_note_over_the_session(db, monkeypatch):
    # A load says "Loading…" only once it has taken this long; this one takes milliseconds,
    # so had the note not been called off when the session came, it would show at 1 s.
    monkeypatch.setattr("agenttrace_tui.ui.history.LOADING_NOTE_AFTER_S", 1.0)
    app = _app(db)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await open_history(pilot, app)
        await pilot.press("slash", "v", "1", "enter")
        await wait_for(pilot, lambda: app.mode == HISTORY_MODE)
        await pilot.pause(1.3)
        assert not [t for t in _toasts(app) if "Loading" in t]
        await pilot.press("H")  # the note of going back shows: toasts are found where they are
        await wait_for(pilot, lambda: any("Back to live" in t for t in _toasts(app)))


@pytest.fixture()
def live_db(tmp_path):
    """The live store's own sessions saved, as the monitor's writer saves them while they run."""
    return fixtures.write_store(tmp_path / "live.db", fixtures.build_store())


async def test_picking_a_session_still_running_here_shows_it_live(live_db):
    # Its saved copy is behind what the monitor holds, and its model call still running
    # would read as one that never ended: the live session is shown instead.
    app = _app(live_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        live = app.store
        assert live.session(fixtures.RESEARCH).status(fixtures.NOW_NS) == "running"
        await open_history(pilot, app)
        await pilot.press("slash", *"research", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, SessionPicker))
        await pilot.pause()
        assert app.mode == "live" and app.store is live
        assert app.selected_session_id == fixtures.RESEARCH and app.sessions.cursor_key == fixtures.RESEARCH
        assert any("running: shown live" in str(n.message) for n in app._notifications)
        row = app.sessions.render_line(app.sessions.keys.index(fixtures.RESEARCH) + 1).text
        assert row.startswith("◐ research")  # running, where its saved copy read ⊗ interrupted


async def test_picking_a_session_that_ended_here_loads_its_saved_copy(live_db):
    app = _app(live_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        live = app.store
        assert live.session(fixtures.BILLING).status(fixtures.NOW_NS) != "running"
        await open_history(pilot, app)
        await pilot.press("slash", *"billing", "enter")
        await wait_for(pilot, lambda: app.mode == HISTORY_MODE)
        assert app.store is not live and app.sessions.keys == [fixtures.BILLING]
