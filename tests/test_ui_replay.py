"""Replay screens (issue 7): the live app's panes fed by a Player over a real SQLite fixture file.

The Player's clock is a fake the test advances by hand, so nothing sleeps for
real; waits poll for a condition (bounded), never sleep-and-assert.
"""

from __future__ import annotations

import asyncio

import pytest

import fixtures
from agenttrace_tui.history.replay import INSTANT
from agenttrace_tui.ui.picker import SessionPicker
from agenttrace_tui.ui.replay import (
    REPLAY_BINDINGS,
    ReplayApp,
    fmt_clock,
    run_replay_ui,
)
from test_history_fixture import S, build_db

SIZE = (120, 36)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000 * S

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += int(seconds * S)


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


def ids(app) -> set[str]:
    return {s.span_id for t in app.store.traces.values() for s in t.spans.values()}


async def test_spans_arrive_in_order_and_pace_over_fake_time(db):
    clock = FakeClock()
    app = ReplayApp(db, "sess-v1", clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        player = app.player
        await wait_for(pilot, lambda: ids(app) == {"v1-root", "v1-orch"})  # both start at 0 s
        assert app.store.span("trace-v1", "v1-root").running
        await wait_for(pilot, lambda: app.span_tree.trace_id == "trace-v1")
        assert "PLAYING" in app.replay_bar.plain and "1x" in app.replay_bar.plain
        clock.advance(4.5)  # plan (0.1 s) and parse_plan (4 s) have started
        await wait_for(pilot, lambda: "v1-parse" in ids(app))
        assert ids(app) == {"v1-root", "v1-orch", "v1-plan", "v1-parse"}
        assert not app.store.span("trace-v1", "v1-plan").running  # it ended at 4 s
        clock.advance(2)
        await wait_for(pilot, lambda: "v1-emb" in ids(app))
        assert "v1-vec" not in ids(app)  # starts at 7.5 s
        await wait_for(pilot, lambda: "0:06" in app.replay_bar.plain)
        # the tree draws what arrived: the app redraws from the store as live
        await wait_for(pilot, lambda: "v1-rag" in app.span_tree.visible_span_ids)
        assert player.position_ns == player.start_ns + int(6.5 * S)


async def test_pause_and_speed_keys_drive_the_player(db):
    clock = FakeClock()
    app = ReplayApp(db, "sess-v1", clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        player = app.player
        await wait_for(pilot, lambda: app.store.span_count == 2)
        await pilot.press("space")
        assert player.paused
        await wait_for(pilot, lambda: "PAUSED" in app.replay_bar.plain)
        clock.advance(30)
        for _ in range(5):
            await pilot.pause(0.05)
        assert app.store.span_count == 2  # paused: the clock moved, the replay did not
        await pilot.press("plus")
        assert player.speed == 2.0
        await pilot.press("plus", "plus")
        assert player.speed == INSTANT
        await wait_for(pilot, lambda: "instant" in app.replay_bar.plain)
        await pilot.press("minus", "minus", "minus", "minus")
        assert player.speed == 0.5
        await pilot.press("space")
        assert not player.paused
        clock.advance(2)  # 1 s of session time at 0.5x
        await wait_for(pilot, lambda: "v1-plan" in ids(app))
        assert "v1-parse" not in ids(app)


async def test_step_forward_and_back_rebinds_the_panes(db):
    clock = FakeClock()
    app = ReplayApp(db, "sess-v1", clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        player = app.player
        await wait_for(pilot, lambda: app.store.span_count == 2)
        await pilot.press("full_stop")  # the next start: llm_planning_call at 0.1 s
        assert player.paused
        assert ids(app) == {"v1-root", "v1-orch", "v1-plan"}
        await pilot.press("full_stop")
        assert "v1-parse" in ids(app)
        first_store = app.store
        await pilot.press("comma")  # back: the Player rebuilds its store
        assert player.store is not first_store
        assert app.store is player.store
        assert app.sessions.store is player.store and app.traces.store is player.store
        assert app.span_tree.store is player.store
        assert "v1-parse" not in ids(app) and "v1-plan" in ids(app)
        await wait_for(pilot, lambda: app.span_tree.trace_id == "trace-v1")
        assert "v1-parse" not in app.span_tree.visible_span_ids
        assert app.sessions.keys == ["sess-v1"]
        await pilot.pause()
        assert app.follow  # the rebind's own cursor moves are not the user's


async def test_seek_keys_jump_ten_seconds(db):
    clock = FakeClock()
    app = ReplayApp(db, "sess-v1", clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        player = app.player
        await wait_for(pilot, lambda: app.store.span_count == 2)
        await pilot.press("space")
        start = player.start_ns
        await pilot.press("greater_than_sign")
        assert player.position_ns == start + 10 * S
        assert "v1-rag" in ids(app) and "v1-react" not in ids(app)
        await pilot.press("ctrl+right", "ctrl+right", "ctrl+right")
        assert player.position_ns == start + 40 * S
        assert "v1-react" in ids(app)
        await wait_for(pilot, lambda: "0:40.0" in app.replay_bar.plain)
        await pilot.press("less_than_sign")
        assert player.position_ns == start + 30 * S
        assert "v1-react" not in ids(app)
        assert app.store is player.store


async def test_error_key_seeks_to_the_error_and_selects_it(db):
    clock = FakeClock()
    app = ReplayApp(db, "sess-v1", clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        player = app.player
        await wait_for(pilot, lambda: app.error_marks_loaded)
        assert len(app.error_marks) == 1
        await pilot.press("E")
        assert player.paused and player.errors_seen == 1
        assert player.position_ns == player.start_ns + 60 * S  # the failed tool call ended at 60 s
        assert app.span_tree.selected_span is not None and app.span_tree.selected_span.span_id == "v1-tool1"
        assert "1/1 errors" in app.replay_bar.plain
        await pilot.press("E")  # no more: the position stays
        assert player.position_ns == player.start_ns + 60 * S


async def test_bindings_are_in_help_and_palette(db):
    app = ReplayApp(db, "sess-v1", clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        ids_in_help = {b.id for _, bs in app.help_sections() for b in bs}
        ids_in_palette = {b.id for b, _ in app.palette_bindings()}
        for b in REPLAY_BINDINGS:
            assert b.id in ids_in_help and b.id in ids_in_palette
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"


async def test_picker_filters_and_opens_a_session(db):
    app = ReplayApp(db, None, clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SessionPicker) and app.screen.loaded)
        picker = app.screen
        assert picker.shown_ids == ["sess-v2", "sess-v1"]  # newest first
        await pilot.press("v")  # the list has focus: a letter is not typed into the filter
        assert picker.shown_ids == ["sess-v2", "sess-v1"] and picker.filter_input.value == ""
        await pilot.press("slash", "v", "1")
        assert picker.shown_ids == ["sess-v1"]
        await pilot.press("backspace", "backspace", "c", "r", "e", "w")  # framework crewai
        assert picker.shown_ids == ["sess-v2"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.player is not None and app.screen is not picker)
        assert app.player.session_id == "sess-v2"
        await wait_for(pilot, lambda: "v2-root" in ids(app))
        assert app.sessions.keys == ["sess-v2"]


async def test_picker_escape_without_a_session_quits(db):
    app = ReplayApp(db, None, clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SessionPicker) and app.screen.loaded)
        await pilot.press("slash", "x")
        await pilot.press("escape")  # clears the filter and goes back to the list first
        assert isinstance(app.screen, SessionPicker) and len(app.screen.shown_ids) == 2
        assert app.screen.list.has_focus
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.is_running)
    assert app.return_code == 0


async def test_picker_is_a_list_j_k_enter_and_H_closes(db):
    app = ReplayApp(db, "sess-v1", clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.store.span_count >= 1)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionPicker) and app.screen.loaded)
        picker = app.screen
        assert picker.list.has_focus and picker.list.cursor_key == "sess-v2"
        await pilot.press("j")
        assert picker.list.cursor_key == "sess-v1" and picker.filter_input.value == ""
        await pilot.press("k")
        assert picker.list.cursor_key == "sess-v2"
        await pilot.press("slash", "H")  # on the filter line H is a letter
        assert picker.filter_input.value == "H" and app.screen is picker
        await pilot.press("escape", "H")  # back on the list, H closes
        await wait_for(pilot, lambda: app.screen is not picker)
        assert app.player.session_id == "sess-v1"
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionPicker) and app.screen.loaded)
        await pilot.press("j", "enter")
        await wait_for(pilot, lambda: app.player.session_id == "sess-v1" and not isinstance(app.screen, SessionPicker))


async def test_picker_arrow_keys_move_and_q_closes(db):
    app = ReplayApp(db, "sess-v1", clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.store.span_count >= 1)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionPicker) and app.screen.loaded)
        picker = app.screen
        assert app.player.paused  # the replay waits while picking
        await pilot.press("down")
        assert picker.list.cursor_key == "sess-v1"
        await pilot.press("q")
        await wait_for(pilot, lambda: app.screen is not picker)
        assert app.player.session_id == "sess-v1" and app.is_running


def test_hostile_session_names_in_the_picker_show_literally(tmp_path):
    from agenttrace_tui.model import Session, Span
    from test_history_fixture import HOSTILE, _write

    path = tmp_path / "hostile.db"
    asyncio.run(_write(path, [
        Session(id="s-evil", name=HOSTILE),
        Span(span_id="a", trace_id="t", session_id="s-evil", name="x", start_ns=fixtures.NOW_NS, end_ns=fixtures.NOW_NS + S),
    ]))

    async def run() -> str:
        app = ReplayApp(path, None, clock=FakeClock())
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, SessionPicker) and app.screen.loaded)
            await pilot.pause()
            lst = app.screen.list
            return "\n".join(lst.render_line(y).text for y in range(3))

    text = asyncio.run(run())
    assert "=evil[bold]name" in text and "\x1b" not in text


def test_cli_hook_finds_the_replay_ui():
    from agenttrace_tui.commands import replay as cmd

    assert callable(run_replay_ui)
    assert cmd.open_replay_ui.__doc__  # the command imports ui.replay.run_replay_ui lazily
    assert fmt_clock(65 * S) == "1:05.0" and fmt_clock(3700 * S) == "1:01:40"


# -- snapshots (fixed clock, fixed zone, relative DB path so the header is stable) --


@pytest.fixture()
def fixed_env(tmp_path, monkeypatch):
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.chdir(tmp_path)
    build_db(tmp_path / "fx.db", now_ns=fixtures.NOW_NS)
    yield
    monkeypatch.undo()
    time.tzset()


def test_replay_bar_snapshot_120x36(snap_compare, fixed_env):
    from pathlib import Path

    app = ReplayApp(Path("fx.db"), "sess-v1", clock=FakeClock())

    async def run_before(pilot) -> None:
        await wait_for(pilot, lambda: app.error_marks_loaded and app.store.span_count == 2)
        await pilot.press("space", "greater_than_sign", "greater_than_sign", "greater_than_sign", "greater_than_sign")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_picker_snapshot(snap_compare, fixed_env):
    from pathlib import Path

    app = ReplayApp(Path("fx.db"), None, clock=FakeClock())

    async def run_before(pilot) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, SessionPicker) and app.screen.loaded)
        # A steady cursor: with blinking on, a slow machine catches it in its off phase.
        from textual.widgets import Input

        app.screen.query_one(Input).cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_run_replay_ui_refuses_a_missing_file(tmp_path, capsys):
    assert run_replay_ui(tmp_path / "nope.db", None) == 2
    assert "no database" in capsys.readouterr().err


async def test_history_key_in_a_replay_opens_the_picker(db):
    app = ReplayApp(db, "sess-v1", clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.store.span_count >= 1)
        await pilot.press("H")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionPicker) and app.screen.loaded)
        await pilot.press("slash", "v", "2", "enter")
        await wait_for(pilot, lambda: app.player.session_id == "sess-v2" and app.sessions.keys == ["sess-v2"])
        assert app.mode == "replay"


async def test_instant_speed_plays_to_the_end_in_steps(db):
    app = ReplayApp(db, "sess-v1", clock=FakeClock(), speed=INSTANT)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.player.finished)
        assert app.store.session("sess-v1").totals.spans == 19
        assert app.store.session("sess-v1").totals.running == 0
        await wait_for(pilot, lambda: "END" in app.replay_bar.plain and "1/1 errors" in app.replay_bar.plain)


async def test_a_click_on_the_progress_bar_seeks_there(db):
    app = ReplayApp(db, "sess-v1", clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        player = app.player
        await wait_for(pilot, lambda: app.store.span_count == 2 and app.replay_bar.geometry.get("width"))
        geo = app.replay_bar.geometry
        await pilot.click("#replay-bar", offset=(geo["x0"] + geo["width"] // 2, 0))
        total = player.end_ns - player.start_ns
        await wait_for(pilot, lambda: player.position_ns > player.start_ns + total // 3)
        assert abs(player.position_ns - (player.start_ns + total // 2)) <= total // geo["width"] + 1
        assert "v1-react" in ids(app)  # react_loop starts at 36 s, before the middle (100 s)
        position = player.position_ns
        await pilot.click("#replay-bar", offset=(1, 0))  # on the state label: nothing
        await pilot.pause()
        assert player.position_ns >= position


async def test_picker_costs_read_as_the_cli_shows_them(tmp_path):
    """One column, one number of decimals: the picker shows each session's cost
    exactly as ``sessions list`` does for the same file ($0.0181 beside $0.0066,
    not $0.02)."""
    import subprocess
    import sys

    from agenttrace_tui.model import Cost, LlmInfo, Session, Span, SpanKind, TokenUsage
    from fixtures import write_db

    t0 = fixtures.NOW_NS - 3600 * S
    updates: list = []
    for i, usd in enumerate((0.0181, 0.0066)):
        sid = f"cost-{i}"
        updates.append(Session(id=sid, name=f"agent {i}", started_ns=t0 + i * S))
        updates.append(Span(span_id=f"c{i}", trace_id=f"t{i}", session_id=sid, name="chat", kind=SpanKind.LLM_CALL,
                            start_ns=t0 + i * S, end_ns=t0 + (i + 1) * S, llm=LlmInfo(model="gpt-4o", provider="openai"),
                            usage=TokenUsage(input=100, output=10), cost=Cost(total=usd, source="reported")))
    path = await asyncio.to_thread(write_db, tmp_path / "costs.db", updates)
    out = subprocess.run([sys.executable, "-m", "agenttrace_tui", "sessions", "list", "--db", str(path)],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    header, *lines = out.splitlines()
    at = header.index("COST")
    cli = {ln.split()[0]: ln[:at + 4].split()[-1] for ln in lines if ln.startswith("cost-")}
    assert len(cli) == 2
    app = ReplayApp(path, None, clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SessionPicker) and app.screen.loaded)
        picker = app.screen
        cost_col = [c.title for c in picker.list.COLUMNS].index("Cost")
        await pilot.pause()
        assert {k: picker.list.row_cells(k)[cost_col].plain for k in cli} == cli


async def test_a_paused_replay_draws_running_spans_as_the_detail_does(db):
    """Paused 50 ms into a replay, the tree drew the running root at the last 100 ms tick
    ('0ns…') while the detail said '50ms and counting'; time stands still, so it is exact."""
    clock = FakeClock()
    app = ReplayApp(db, "sess-v1", clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.span_tree.trace_id == "trace-v1")
        clock.advance(0.05)
        player = app.player
        await wait_for(pilot, lambda: player.position_ns - player.start_ns == 50_000_000)  # played up to it
        await pilot.press("space")
        await wait_for(pilot, lambda: "PAUSED" in app.replay_bar.plain)
        app.span_tree.focus()
        app.span_tree.select_span("v1-root")
        await wait_for(pilot, lambda: "50ms and counting" in app.detail.plain())
        await pilot.pause(0.1)
        rows = [app.span_tree.render_line(y).text for y in range(app.span_tree.size.height)]
        root = next(r for r in rows if "execute_query" in r and "▾" in r)
        assert "50ms…" in root and "0ns" not in root, root


async def test_a_session_left_with_spans_open_reads_interrupted_at_the_replay_end(tmp_path):
    """The picker (from the file) says a session its monitor left with a span open is
    interrupted; at the end of its replay the sessions pane says the same, not "unfinished"
    (a span's and a trace's word), and its trace and open span read unfinished."""
    from agenttrace_tui.model import Session, Span
    from fixtures import write_db

    t = fixtures.NOW_NS - 600 * S
    db = await asyncio.to_thread(write_db, tmp_path / "left.db", [
        Session(id="left", name="left open", started_ns=t),
        Span(span_id="root", trace_id="t-left", session_id="left", name="agent run", start_ns=t),
        Span(span_id="done", trace_id="t-left", session_id="left", name="plan", parent_span_id="root",
             start_ns=t + S, end_ns=t + 2 * S),
    ])
    app = ReplayApp(db, "left", speed=INSTANT, clock=FakeClock())
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for(pilot, lambda: app.player is not None and app.player.finished)
        await pilot.pause(0.2)
        cells = [c.plain for c in app.sessions.row_cells("left")]
        assert cells[0] == "⊗" and "interrupted" in cells, cells
        trace = [c.plain for c in app.traces.row_cells("t-left")]
        assert trace[0] == "◌", trace


async def test_the_replay_footer_fits_its_speed_keys_at_80x24(db):
    # Before: "… q Quit + Faster -" and no more: "Slower" fell off the 80 columns.
    from textual.widgets._footer import FooterKey

    app = ReplayApp(db, "sess-v1", clock=FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:

        def shown() -> list:
            return [k for k in app.query(FooterKey) if k.region.width > 0]

        # The footer lays its keys out after the first frames (later on a loaded machine).
        await wait_for(pilot, lambda: {"replay_faster", "replay_slower", "quit_monitor"} <= {k.action for k in shown()})
        keys = shown()
        speed = [k for k in keys if k.action in ("replay_faster", "replay_slower")]
        assert speed and all(k.region.right <= 80 for k in speed), [(k.action, k.region) for k in speed]
        assert next(k for k in keys if k.action == "quit_monitor").region.right <= 80


async def test_a_replay_at_its_end_builds_its_bar_only_when_something_it_shows_changes(db, monkeypatch):
    # Before: the bar was built 25 times a second at the end (or paused): 5 % of a core for a still screen.
    import agenttrace_tui.ui.replay as replay_ui

    built: list[str] = []
    real = replay_ui.render_bar

    def counted(*args, **kwargs):
        text = real(*args, **kwargs)
        built.append(text.plain)
        return text

    monkeypatch.setattr(replay_ui, "render_bar", counted)
    clock = FakeClock()
    app = ReplayApp(db, "sess-v1", clock=clock, speed=INSTANT, tick_s=0.01)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.player.finished and "END" in app.replay_bar.plain)
        await pilot.pause(0.05)
        before = len(built)
        ticks = [0]
        real_tick = app._replay_tick

        def tick():
            ticks[0] += 1
            real_tick()

        monkeypatch.setattr(app, "_replay_tick", tick)
        app.set_interval(0.01, app._replay_tick)
        await wait_for(pilot, lambda: ticks[0] >= 20)
        assert len(built) == before  # twenty ticks at the end: nothing to build
        # What it shows changes (a theme, a width): built again, once.
        await pilot.resize_terminal(100, 30)
        await wait_for(pilot, lambda: len(built) > before)
        assert "END" in built[-1]
        after = len(built)
        ticks[0] = 0
        await wait_for(pilot, lambda: ticks[0] >= 20)
        assert len(built) == after
