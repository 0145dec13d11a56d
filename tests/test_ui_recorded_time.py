"""The clock of a recording, and what a row says without colour.

* History (H) and the end of a replay run on the recording's time: a span the
  recording never saw end is "unfinished" with the duration it had, and never
  ticks, however long the screen stays open.
* Replay rewinds from END (seek, step, space plays again); speed keys stop at
  both ends.
* Span tree rows carry a status glyph at a fixed column (✗ error, ◐ running,
  ⊘ cancelled, ◌ unfinished) that survives narrow widths, and an error row
  shows its message before the attributes.
* A trace row says how its run ended: ⊘ when its root span was cancelled
  (an agent stopped, not finished), not the ✓ of a finished one.
* Unfocused pane borders read against the background in both themes.

Real SQLite files written by the real Writer, the real app through Pilot;
the clocks are fakes the tests move by hand.
"""

from __future__ import annotations

import asyncio

import pytest
from textual.color import Color

from agenttrace_tui.history.replay import INSTANT
from agenttrace_tui.model import LlmInfo, Session, Span, SpanKind, Status
from agenttrace_tui.store.memory import Store
from agenttrace_tui.ui.app import make_app
from agenttrace_tui.ui.colors import contrast
from agenttrace_tui.ui.picker import SessionPicker
from agenttrace_tui.ui.replay import ReplayApp
from fixtures import write_db

S = 1_000_000_000
T0 = 1_760_000_000 * S
SIZE = (120, 36)


class Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


async def wait_for(pilot, cond, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout:.0f}s")
        await pilot.pause(0.02)


def _spans() -> list:
    """A session recorded for 5m07s whose root and one tool never ended."""
    def sp(sid, name, start, end, parent=None, **kw):
        return Span(
            span_id=sid, trace_id="tr", session_id="rec", name=name, parent_span_id=parent,
            start_ns=T0 + int(start * S), end_ns=None if end is None else T0 + int(end * S), **kw,
        )

    return [
        Session(id="rec", name="recorded", started_ns=T0),
        sp("root", "agent_run", 0, None, kind=SpanKind.AGENT),
        sp("llm", "plan", 1, 60, "root", kind=SpanKind.LLM_CALL, llm=LlmInfo(model="gpt-4o")),
        sp("bad", "run_tests", 61, 90, "root", kind=SpanKind.TOOL_EXECUTION, status=Status.ERROR,
           status_message="exit status 2: 3 tests failed", attributes={"cmd": "pytest -x " + "tests/" * 30}),
        sp("stop", "user_stop", 91, 92, "root", status=Status.CANCELLED),
        sp("open", "long_tool", 100, None, "root", kind=SpanKind.TOOL_EXECUTION),
        sp("last", "note", 300, 307, "root"),
    ]


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "rec.db"
    return write_db(path, _spans())


def tree_rows(app) -> dict[str, str]:
    """span id -> the row's text, for the rows on screen."""
    tree = app.span_tree
    out = {}
    for y in range(1, tree.size.height):
        state = tree._painted.get(y)
        if state is not None:
            out[state[0].span_id] = tree.render_line(y).text
    return out


async def test_history_runs_on_the_recordings_clock(db):
    clock = Clock(T0 + 3600 * S)  # an hour after the recording began
    app = make_app(store=Store(), now_ns=clock)
    app.history_db = db
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("H")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionPicker) and app.screen.loaded)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.mode == "history" and app.span_tree.trace_id == "tr")
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: "open" in tree_rows(app))
        rows = tree_rows(app)
        assert rows["open"].startswith("◌")  # unfinished, not running
        assert "3m27s" in rows["open"] and "…" not in rows["open"]  # 100 s .. 307 s, as recorded
        assert app.traces.row_cells("tr")[0].plain == "◌"
        # The session's word for it, as the picker and the commands say: "interrupted".
        assert "interrupted" in "".join(c.plain for c in app.sessions.row_cells("rec"))
        assert "5m07s" in "".join(c.plain for c in app.sessions.row_cells("rec"))
        clock.now += 3600 * S  # the screen stays open for an hour: nothing ticks
        for _ in range(3):
            await pilot.pause(0.12)
        assert tree_rows(app)["open"] == rows["open"]
        app.span_tree.select_span("open")
        await wait_for(pilot, lambda: "unfinished" in app.detail.plain())
        assert "and counting" not in app.detail.plain()
        await pilot.press("H")  # back to live: the wall clock again
        assert app.mode == "live" and app.now_ns() == clock.now


async def test_replay_end_is_unfinished_and_rewinds(db):
    wall = Clock(1_000 * S)
    app = ReplayApp(db, "rec", clock=wall, speed=INSTANT)
    async with app.run_test(size=SIZE) as pilot:
        player = app.player
        await wait_for(pilot, lambda: player.finished and "END" in app.replay_bar.plain)
        assert player.position_ns == T0 + 307 * S  # the recording's end, not past it
        assert app.recording_over
        await pilot.press("right_square_bracket")
        # The tree shows the store at its next refresh tick: wait until it shows the
        # recording's last span too, so "before" is the row as the finished replay draws it.
        await wait_for(pilot, lambda: "last" in tree_rows(app) and tree_rows(app)["open"].startswith("◌"))
        before = tree_rows(app)["open"]
        assert "3m27s" in before
        wall.now += 600 * S
        for _ in range(3):
            await pilot.pause(0.12)
        assert tree_rows(app)["open"] == before
        await pilot.press("less_than_sign")  # back 10 s from END
        assert not player.finished and player.position_ns == T0 + 297 * S
        assert "last" not in {s.span_id for s in app.store.trace("tr").spans.values()}
        await pilot.press("ctrl+right", "ctrl+right")
        assert player.finished
        await pilot.press("comma")  # step back from END: the last span start
        assert player.position_ns == T0 + 300 * S
        await pilot.press("ctrl+right")
        assert player.finished
        await pilot.press("plus")  # already instant: stays
        assert player.speed == INSTANT
        await pilot.press("minus", "minus", "minus", "minus", "minus")
        assert player.speed == 0.5
        await pilot.press("space")  # at the end: play again from the start
        assert not player.paused and player.position_ns == T0
        assert app.store.span_count == 1
        await wait_for(pilot, lambda: "PLAYING" in app.replay_bar.plain)


async def _tree_text_at(db, width: int) -> dict[str, str]:
    app = make_app(store=Store(), now_ns=Clock(T0 + 400 * S))
    app.history_db = db
    async with app.run_test(size=(width, 30)) as pilot:
        await pilot.press("H")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionPicker) and app.screen.loaded)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.mode == "history" and app.span_tree.trace_id == "tr")
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: "bad" in tree_rows(app))
        return tree_rows(app)


@pytest.mark.parametrize("width", [80, 120])
async def test_status_glyphs_sit_in_a_fixed_column_and_errors_say_why_first(db, width):
    rows = await _tree_text_at(db, width)
    # Column 0 of every row, whatever the depth: the status (blank when ok).
    glyph = {sid: text[0] for sid, text in rows.items()}
    assert glyph == {"root": "◌", "llm": " ", "bad": "✗", "stop": "⊘", "open": "◌", "last": " "}
    bad = rows["bad"]
    assert "exit status 2" in bad  # even at 80 columns, before the long cmd attribute
    if "cmd" in bad:
        assert bad.index("exit status 2") < bad.index("cmd")


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_unfocused_borders_are_visible(theme):
    app = make_app(store=Store(), theme=theme)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pane = app.traces
        assert not pane.has_focus
        border = pane.styles.border_top[1]
        background = app.screen.styles.background
        shown = background.blend(border, border.a) if border.a < 1 else border
        assert contrast(Color.parse(shown.hex), Color.parse(background.hex)) >= 1.6


async def test_a_trace_whose_root_was_cancelled_is_not_shown_as_finished():
    def sp(tid, sid, parent=None, end=5, **kw):
        return Span(span_id=sid, trace_id=tid, session_id="live", name=sid, parent_span_id=parent,
                    start_ns=T0, end_ns=None if end is None else T0 + end * S, **kw)

    store = Store()
    store.apply([
        Session(id="live", name="live", started_ns=T0),
        # stopped by the user: the root cancelled, its children finished
        sp("stopped", "root", status=Status.CANCELLED, status_message="CancelledError"),
        sp("stopped", "step", "root", end=2),
        # a child cancelled inside a run that finished: the run is not cancelled
        sp("finished", "root2"), sp("finished", "retry", "root2", end=1, status=Status.CANCELLED),
        # a failure says so before a cancellation
        sp("failed", "root3", status=Status.CANCELLED), sp("failed", "boom", "root3", status=Status.ERROR),
        sp("open", "root4", end=None),
    ])
    app = make_app(store=store, now_ns=Clock(T0 + 10 * S))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.traces.session_id == "live")
        glyphs = {t: app.traces.row_cells(t)[0].plain for t in ("stopped", "finished", "failed", "open")}
        assert glyphs == {"stopped": "⊘", "finished": "✓", "failed": "✗", "open": "◐"}
