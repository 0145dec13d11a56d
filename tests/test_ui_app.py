"""Pilot tests of every app-level binding, driving the real app over the fixture store.

New data is applied to the real store while the app runs, exactly as the
receivers would; waits poll for a condition (bounded), never sleep-and-assert.
"""

from __future__ import annotations

import asyncio
import io
import json

import msgspec
import pytest
from rich.console import Console
from textual.command import CommandList

import fixtures
from agenttrace_tui.model import Session, Span, SpanEvent, Status, TokenUsage
from agenttrace_tui.store.memory import Store
from agenttrace_tui.ui.app import DARK_THEME, LIGHT_THEME, make_app
from agenttrace_tui.ui.palette import app_commands

SIZE = (120, 36)


async def wait_for(pilot, cond, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout:.0f}s")
        await pilot.pause(0.05)


def plain(renderable, width: int = 120) -> str:
    """What a Rich renderable shows, as plain text."""
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def _app(store=None, **kw):
    return make_app(store=store or fixtures.build_store(), now_ns=fixtures.clock, **kw)


async def test_initial_selection_is_newest_running_session_and_trace():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.sessions.cursor_key == fixtures.RESEARCH
        assert app.traces.keys == [fixtures.RESEARCH_OLD_TRACE, fixtures.DEEP_TRACE]
        assert app.span_tree.trace_id == fixtures.DEEP_TRACE


async def test_first_frame_is_signalled_once_the_screen_is_drawn():
    # The demo agent's process waits on this (cli.py), so it must be set after mount, drawn panes included.
    app = _app()
    assert not app.first_frame.is_set()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, app.first_frame.is_set)
        assert app.header.is_attached and app.span_tree.region.area > 0


async def test_tab_and_shift_tab_cycle_the_panes():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        order = ["sessions", "traces", "cost", "tree", "detail", "sessions"]
        assert app.focused.id == "sessions"
        for expected in order[1:]:
            await pilot.press("tab")
            assert app.focused.id == expected
        for expected in reversed(order[:-1]):
            await pilot.press("shift+tab")
            assert app.focused.id == expected


async def test_tab_skips_the_hidden_cost_pane_when_narrow():
    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.has_class("-narrow")
        seen = []
        for _ in range(4):
            await pilot.press("tab")
            seen.append(app.focused.id)
        assert seen == ["traces", "tree", "detail", "sessions"]


async def test_list_keys_move_the_cursor_and_load_traces():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("g")
        assert app.sessions.cursor_key == fixtures.CODE_REVIEW
        await wait_for(pilot, lambda: app.traces.keys == [fixtures.REVIEW_OK_TRACE, fixtures.REVIEW_ERR_TRACE])
        await wait_for(pilot, lambda: app.span_tree.trace_id == fixtures.REVIEW_ERR_TRACE)
        await pilot.press("G")
        assert app.sessions.cursor_key == fixtures.BILLING
        await wait_for(pilot, lambda: app.span_tree.trace_id == fixtures.BILLING_TRACE)
        await pilot.press("k")
        assert app.sessions.cursor_key == fixtures.RESEARCH
        await pilot.press("enter")
        assert app.focused.id == "traces"
        await pilot.press("k")
        await wait_for(pilot, lambda: app.span_tree.trace_id == fixtures.RESEARCH_OLD_TRACE)
        await pilot.press("enter")
        assert app.focused.id == "tree"


async def test_pause_buffers_and_resume_shows_new_data():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("space")
        assert app.paused
        before = list(app.traces.keys)
        app.store.apply(fixtures.extra_spans("trace-late", fixtures.RESEARCH, 3, "late"))
        app.store.apply(fixtures.extra_spans("trace-late", fixtures.RESEARCH, 2, "later"))
        # The header counts what arrived; the lists do not change while paused.
        await wait_for(pilot, lambda: "PAUSED, 5 new" in str(app.query_one("#header").render()))
        for _ in range(5):
            await pilot.pause(0.05)
        assert app.traces.keys == before
        await pilot.press("space")
        assert not app.paused
        await wait_for(pilot, lambda: "trace-late" in app.traces.keys)
        assert "PAUSED" not in str(app.query_one("#header").render())


def _lines(widget) -> list[str]:
    """What a pane draws on a repaint, line by line (the Line API path Textual calls)."""
    return [widget.render_line(y).text for y in range(widget.scrollable_content_region.height)]


def _row(widget, label: str) -> str:
    return next(line for line in _lines(widget) if label in line)


async def test_pause_keeps_every_pane_at_one_moment_through_repaints():
    # Before: while paused, a repaint (focus moving, a cursor) drew the list rows
    # from the live store, and running durations from the moving clock, so the
    # session row read newer tokens than its trace row and the cost pane.
    now = [fixtures.NOW_NS]
    app = make_app(store=fixtures.build_store(), now_ns=lambda: now[0])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("tab")  # the traces list
        await pilot.press("space")
        assert app.paused

        def shown():
            return (_lines(app.sessions), _lines(app.traces), _lines(app.span_tree),
                    app.cost.plain(), app.detail.plain())

        before = shown()
        assert "69k" in _row(app.sessions, "research") and "tokens 69k" in app.cost.plain()
        # 31,000 tokens more for the selected session, its running LLM call ends, time goes on.
        now[0] += 30 * fixtures.S
        running = app.store.span(fixtures.DEEP_TRACE, fixtures.RUNNING_SPAN)
        app.store.apply([msgspec.structs.replace(running, end_ns=now[0], usage=TokenUsage(input=31_000, total=31_000))])
        await wait_for(pilot, lambda: "PAUSED, 1 new" in str(app.header.render()))
        # Every pane is repainted: focus goes round, the tree cursor moves and back.
        await pilot.press("shift+tab")
        assert app.focused is app.sessions
        await pilot.press("tab", "tab", "tab", "j", "k", "tab")
        assert app.focused is app.detail
        await pilot.pause()
        assert shown() == before
        # A resize lays out the same figures.
        await pilot.resize_terminal(140, 36)  # every pane a column wider
        await pilot.pause()
        assert "69k" in _row(app.sessions, "research") and "17k" in _row(app.traces, "execute_query")
        assert "tokens 69k" in app.cost.plain()
        # Opening another session and coming back reads it again: every pane at that moment.
        await pilot.press("shift+tab", "shift+tab", "shift+tab", "shift+tab")
        assert app.focused is app.sessions
        await pilot.press("k", "j")
        await wait_for(pilot, lambda: app.span_tree.trace_id == fixtures.DEEP_TRACE)
        assert "100k" in _row(app.sessions, "research") and "48k" in _row(app.traces, "execute_query")
        assert "tokens 100k" in app.cost.plain()
        assert app.paused
        assert "7m10s" in _row(app.sessions, "research")  # to its last span's end
        now[0] += 60 * fixtures.S
        await pilot.press("tab")
        assert "7m10s" in _row(app.sessions, "research")  # the clock stands still while paused
        await pilot.press("space")
        await wait_for(pilot, lambda: "8m10s" in _row(app.sessions, "research"))


async def test_follow_off_never_moves_cursor_or_scroll_while_data_arrives():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.span_tree.focus()
        app.span_tree.select_span(fixtures.LLM_SPAN)
        await pilot.pause()
        state = lambda: (  # noqa: E731
            app.sessions.cursor_key,
            app.traces.cursor_key,
            app.span_tree.trace_id,
            app.span_tree.selected_span.span_id,
            app.span_tree.scroll_offset.y,
            app.sessions.scroll_offset.y,
            app.traces.scroll_offset.y,
        )
        before = state()
        for i in range(10):
            # New session, new trace in the selected session, new spans in the open trace.
            app.store.apply([Session(id=f"new-{i}", name=f"newcomer {i}", started_ns=fixtures.NOW_NS)])
            app.store.apply(fixtures.extra_spans(f"new-trace-{i}", f"new-{i}", 2, f"n{i}"))
            app.store.apply(fixtures.extra_spans(f"more-{i}", fixtures.RESEARCH, 2, f"m{i}"))
            app.store.apply(fixtures.extra_spans(fixtures.DEEP_TRACE, fixtures.RESEARCH, 3, f"d{i}", parent="s-root"))
            await pilot.pause(0.05)
        await wait_for(pilot, lambda: "new-9" in app.sessions.keys and "more-9" in app.traces.keys)
        await pilot.pause(0.3)
        assert state() == before


async def test_f_follows_the_newest_running_session_trace_and_span():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("g")  # start away from the running session
        await wait_for(pilot, lambda: app.span_tree.trace_id == fixtures.REVIEW_ERR_TRACE)
        await pilot.press("f")
        assert app.follow
        await wait_for(pilot, lambda: app.sessions.cursor_key == fixtures.RESEARCH)
        await wait_for(pilot, lambda: app.span_tree.trace_id == fixtures.DEEP_TRACE)
        await wait_for(pilot, lambda: app.span_tree.selected_span.span_id == fixtures.RUNNING_SPAN)
        # A new running session appears: follow moves there, and onto its newest span.
        t0 = fixtures.NOW_NS
        app.store.apply([Session(id="fresh", name="fresh-agent", started_ns=t0)])
        app.store.apply([
            Span(span_id="f-root", trace_id="t-fresh", session_id="fresh", name="root", start_ns=t0),
            Span(span_id="f-kid", trace_id="t-fresh", session_id="fresh", name="kid", start_ns=t0 + 5,
                 parent_span_id="f-root"),
        ])
        await wait_for(pilot, lambda: app.sessions.cursor_key == "fresh")
        await wait_for(pilot, lambda: app.span_tree.trace_id == "t-fresh")
        await wait_for(pilot, lambda: app.span_tree.selected_span is not None and app.span_tree.selected_span.span_id == "f-kid")
        await pilot.press("f")
        assert not app.follow


async def test_the_tree_pane_title_follows_the_name_its_trace_gets():
    """A live turn is shown from its first spans, before its root (exported last by most
    clients) names it: the pane's title took the first name and kept it, the tree's own header
    the new one."""
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        t0 = fixtures.NOW_NS
        app.store.apply([Session(id="turn", name="coder", started_ns=t0),
                         Span(span_id="call", trace_id="t-turn", session_id="turn", name="api_request",
                              start_ns=t0 + 5, parent_span_id="turn-root")])
        await wait_for(pilot, lambda: app.span_tree.trace_id == "t-turn")
        assert str(app.span_tree.border_title) == "Span tree · api_request"
        app.store.apply([Span(span_id="turn-root", trace_id="t-turn", session_id="turn", name="fix the failing test",
                              start_ns=t0)])
        await wait_for(pilot, lambda: str(app.span_tree.border_title) == "Span tree · fix the failing test")


async def test_follow_selects_the_newest_span_of_the_agents_own_not_a_runtime_internal():
    """A client's runtime internals (Codex's hundreds a turn, ``agenttrace.internal``) start after
    its model and tool calls: following the turn lands on its newest call, not on them."""
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        t0 = fixtures.NOW_NS
        internal = {"agenttrace.internal": True}
        app.store.apply([
            Session(id="turn", name="coder", started_ns=t0),
            Span(span_id="root", trace_id="t-turn", session_id="turn", name="turn", start_ns=t0),
            Span(span_id="call", trace_id="t-turn", session_id="turn", name="api_request", start_ns=t0 + 5,
                 parent_span_id="root"),
            Span(span_id="flush", trace_id="t-turn", session_id="turn", name="session.flush_rollout",
                 start_ns=t0 + 9, end_ns=t0 + 10, parent_span_id="root", attributes=internal),
        ])
        await wait_for(pilot, lambda: app.span_tree.selected_span is not None
                       and app.span_tree.selected_span.span_id == "call")


async def test_moving_the_cursor_by_hand_turns_follow_off():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f")
        await wait_for(pilot, lambda: app.span_tree.selected_span.span_id == fixtures.RUNNING_SPAN)
        for _ in range(5):  # follow holds while nobody touches anything
            await pilot.pause(0.05)
        assert app.follow
        app.span_tree.focus()
        await pilot.press("k")
        await wait_for(pilot, lambda: not app.follow)
        moved_to = app.span_tree.selected_span.span_id
        app.store.apply(fixtures.extra_spans(fixtures.DEEP_TRACE, fixtures.RESEARCH, 2, "after", parent="s-root", at_s=0.5))
        for _ in range(5):
            await pilot.pause(0.05)
        assert app.span_tree.selected_span.span_id == moved_to


async def test_e_jumps_to_errors_in_this_trace_then_the_next_traces():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await wait_for(pilot, lambda: app.span_tree.selected_span.span_id == fixtures.ERROR_SPAN)
        await pilot.press("e")  # no more errors in the deep trace: next session with errors
        await wait_for(pilot, lambda: app.span_tree.trace_id == fixtures.BILLING_TRACE)
        assert app.sessions.cursor_key == fixtures.BILLING
        assert app.span_tree.selected_span.status.value in ("error", "timeout")
        seen = set()
        for _ in range(6):
            await pilot.press("e")
            await pilot.pause(0.05)
            seen.add(app.span_tree.trace_id)
        assert fixtures.REVIEW_ERR_TRACE in seen  # wraps around to the first session


async def test_e_from_the_tree_pane_goes_on_to_the_next_trace():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.span_tree.focus()
        app.span_tree.select_span(fixtures.ERROR_SPAN)
        await pilot.pause()
        await pilot.press("e")
        await wait_for(pilot, lambda: app.span_tree.trace_id == fixtures.BILLING_TRACE)


async def test_y_copies_the_selected_span_as_json():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.span_tree.select_span(fixtures.LLM_SPAN)
        await pilot.pause()
        await pilot.press("y")  # from the session list: the app binding
        copied = msgspec.json.decode(app.clipboard, type=Span)
        assert copied.span_id == fixtures.LLM_SPAN and copied.llm.model == "gpt-4o"
        app.span_tree.focus()
        app.span_tree.select_span(fixtures.ERROR_SPAN)
        await pilot.pause()
        await pilot.press("y")  # from the tree: its CopyRequested message
        await wait_for(pilot, lambda: json.loads(app.clipboard)["span_id"] == fixtures.ERROR_SPAN)


async def test_filter_applies_shows_count_and_escape_clears():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        total = app.span_tree.row_count
        await pilot.press("slash", *"kind:llm", "enter")
        label = app.query_one("#filter-result")
        n = app.span_tree.match_count
        assert n == 5  # the deep trace's LLM calls
        assert str(label.render()) == f"{n} matches"
        assert app.focused is app.span_tree
        visible = app.span_tree.visible_span_ids
        spans = app.store.trace(fixtures.DEEP_TRACE).spans
        assert 0 < len(visible) < total
        assert sum(spans[s].kind.value == "llm_call" for s in visible) == n
        await pilot.press("slash", "ctrl+u", *"dur>>x", "enter")
        assert app.filter_bar.has_class("-error") and str(label.render()) == ""
        await pilot.press("escape")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.query_one("#filter-bar").has_class("-active"))
        assert app.span_tree.row_count == total



async def test_a_bad_query_keeps_the_keys_in_the_bar_and_says_which_filter_holds():
    # Before: Enter on a bad query left the bar for the tree, the tree still filtered by the
    # query before it while the bar showed the bad one; the keys typed to mend it ran the
    # tree's commands (m marked a trace, c hid the cost pane).
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"kind:llm", "enter")
        await wait_for(pilot, lambda: app.span_tree.filter_text == "kind:llm")
        shown = set(app.span_tree.visible_span_ids)
        await pilot.press("slash", "ctrl+u", *"status:bogus", "enter")
        bar = app.filter_bar
        await wait_for(pilot, lambda: bar.has_class("-error"))
        await pilot.pause()
        assert app.focused is bar.input
        assert bar.error_text.startswith("still filtered by “kind:llm”: unknown status 'bogus'")
        assert app.span_tree.filter_text == "kind:llm" and set(app.span_tree.visible_span_ids) == shown
        cost_shown = app.cost.display
        await pilot.press("ctrl+u", *"mc", "backspace", "backspace", *"kind:tool", "enter")
        await wait_for(pilot, lambda: app.span_tree.filter_text == "kind:tool")
        assert app.focused is app.span_tree and not bar.has_class("-error")
        # "m" and "c" went into the query, not to the app: nothing marked, the cost pane as it was.
        assert app.compare_a is None and app.cost.display == cost_shown



@pytest.mark.parametrize(("size", "tag"), [((200, 60), "filter: 5 matches"), ((120, 36), None)])
async def test_the_tree_header_shows_the_filter_count_whole_or_not_at_all(size, tag):
    # Before: "execute_query  22 spans  1 error  fil…" at 120x36.
    app = _app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"kind:llm", "enter")
        await wait_for(pilot, lambda: app.span_tree.filter_text == "kind:llm")
        await pilot.pause()
        head = app.span_tree.render_line(0).text
        assert "…" not in head.split("spans", 1)[1], head  # the counts after the name are whole
        assert (tag in head) if tag else ("filter" not in head), head


async def test_the_detail_says_when_the_filter_matches_no_span():
    # Before: "No span selected. Pick a session and a trace…", with both picked:
    # it is the filter that hides every span of the trace.
    app = _app(keymap={"app.clear_filter": "ctrl+x"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"name:nothing_here", "enter")
        await wait_for(pilot, lambda: app.span_tree.filter_text == "name:nothing_here")
        await pilot.pause()
        assert app.span_tree.row_count == 0 and app.span_tree.trace_id == fixtures.DEEP_TRACE
        shown = app.detail.plain()
        assert "No span of this trace matches the filter “name:nothing_here”." in shown
        assert "ctrl+x clears the filter, / changes it." in shown  # the keys as remapped
        assert "Pick a session" not in shown
        # Another trace the filter also hides: the same; a query that matches: a span.
        await pilot.press("slash", "ctrl+u", *"name:warmup", "enter")
        await wait_for(pilot, lambda: app.span_tree.filter_text == "name:warmup")
        assert "name:warmup" in app.detail.plain()  # nothing of this trace is called so
        app.jump_to_trace(fixtures.RESEARCH_OLD_TRACE)
        await wait_for(pilot, lambda: app.span_tree.selected_span is not None)
        assert app.detail.plain().splitlines()[0].endswith("warmup_index")
        await pilot.press("ctrl+x")
        await wait_for(pilot, lambda: not app.filter_bar.active)
        assert "matches the filter" not in app.detail.plain()


async def test_the_query_stays_readable_beside_a_long_filter_error():
    app = _app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        query = "kind:llm cost:lots"
        await pilot.press("slash", *query, "enter")
        bar = app.filter_bar
        await wait_for(pilot, lambda: bar.has_class("-error"))
        assert "compare with > or <" in str(bar.error.render())
        box = app.query_one("#filter-input")
        assert box.size.width >= len(query) + 2  # the whole query and its padding, not a scrolled tail
        # GitHub's way of writing the comparison is understood.
        await pilot.press("slash", "ctrl+u", *"kind:llm cost:>0", "enter")
        await wait_for(pilot, lambda: not bar.has_class("-error"))
        assert app.span_tree.match_count > 0
        assert bar.error.region.height == 0


async def test_a_filter_error_is_read_whole_at_80x24():
    # Before: "unknown status 'bogus'; try canceled, cancelled, err," and no more,
    # beside the query: the rest of the values it lists were cut off, no "…".
    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"status:bogus", "enter")
        bar = app.filter_bar
        await wait_for(pilot, lambda: bar.has_class("-error"))
        await pilot.pause()
        lines = str(bar.error.render()).splitlines()
        assert bar.error.region.height == len(lines) == 2  # under the query, wrapped
        assert bar.error.region.width == 80 and all(len(line) <= 78 for line in lines)
        shown = " ".join(lines)
        for value in ("canceled", "cancelled", "err", "error", "failed", "ok", "running", "timeout"):
            assert value in shown.replace(",", " ").split(), (value, lines)
        assert bar.region.y + 1 == bar.error.region.y  # the query's line is its own
        # The longest error (every kind) takes at most three lines, says it goes on, and
        # keeps the whole text (the line's tooltip).
        await pilot.press("slash", "ctrl+u", *"kind:bogus", "enter")
        await wait_for(pilot, lambda: "unknown kind" in str(bar.error.render()))
        await pilot.pause()
        lines = str(bar.error.render()).splitlines()
        assert len(lines) == bar.error.region.height == 3
        assert lines[-1].endswith(" …")
        assert bar.error_text.endswith("verification, verify")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not bar.has_class("-error"))


async def test_j_k_g_and_G_scroll_the_span_detail_as_they_move_in_the_tree():
    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.span_tree.select_span(fixtures.LLM_SPAN)
        await pilot.pause()
        detail = app.detail
        detail.focus()
        await pilot.pause()
        assert detail.max_scroll_y > 0  # more than the pane holds at 80x24
        await pilot.press("j", "j")
        await wait_for(pilot, lambda: detail.scroll_y == 2)
        await pilot.press("k")
        await wait_for(pilot, lambda: detail.scroll_y == 1)
        await pilot.press("G")  # and g/G go to its ends, as in the tree and the lists
        await wait_for(pilot, lambda: detail.scroll_y == detail.max_scroll_y)
        await pilot.press("g")
        await wait_for(pilot, lambda: detail.scroll_y == 0)
        assert {"text.down", "text.bottom"} <= app.known_binding_ids()  # listed in help, remappable by id


async def test_a_toggles_code_attributes_in_the_detail():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.span_tree.select_span(fixtures.LLM_SPAN)
        await pilot.pause()
        text = lambda: app.detail.plain()  # noqa: E731
        assert "code.filepath" not in text()
        assert "4 code.*/thread.* hidden" in text()
        await pilot.press("a")
        await wait_for(pilot, lambda: "code.filepath" in text())
        assert "thread.name" in text() and "MainThread" in text()
        await pilot.press("a")
        await wait_for(pilot, lambda: "code.filepath" not in text())


async def test_ctrl_t_switches_theme_and_back():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == DARK_THEME
        await pilot.press("ctrl+t")
        assert app.theme == LIGHT_THEME
        await pilot.press("ctrl+t")
        assert app.theme == DARK_THEME


async def test_c_hides_and_shows_the_cost_panel_and_z_zooms():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("c")
        assert not app.cost.display
        await pilot.press("c")
        assert app.cost.display
        app.span_tree.focus()
        await pilot.press("z")
        assert app.screen.maximized is app.span_tree
        await pilot.press("z")
        assert app.screen.maximized is None



@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_a_zoomed_pane_takes_the_screen_at_every_size(size):
    # Before: at 80x24 the zoomed span detail kept its 8 rows in the middle of an empty
    # screen (the narrow screen's fixed height won over the zoom's).
    app = _app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for pane in (app.detail, app.span_tree, app.sessions, app.traces):
            pane.focus()
            await pilot.press("z")
            await wait_for(pilot, lambda pane=pane: app.screen.maximized is pane)
            await pilot.pause()
            assert pane.outer_size.height >= size[1] - 2, (pane.id, pane.outer_size)  # all but the footer
            await pilot.press("z")
            await wait_for(pilot, lambda: app.screen.maximized is None)


def _long_trace_store() -> Store:
    """One trace of 60 spans, the 51st failed: more rows than the tree shows at 120x36."""
    store = Store()
    t = fixtures.NOW_NS - 120 * fixtures.S
    store.apply([Session(id="long", name="long run", started_ns=t)])
    store.apply([Span(span_id="root", trace_id="t-long", session_id="long", name="run", start_ns=t, end_ns=t + 100 * fixtures.S)])
    store.apply([
        Span(span_id=f"step-{i:02}", trace_id="t-long", session_id="long", parent_span_id="root", name=f"step {i}",
             start_ns=t + i * fixtures.S, end_ns=t + i * fixtures.S + fixtures.S // 2,
             status=Status.ERROR if i == 50 else Status.OK)
        for i in range(1, 60)
    ])
    return store


async def test_the_tree_cursor_stays_in_view_after_zoom_and_back():
    # Before: e (the error near the bottom), z, z left the tree scrolled where the
    # zoomed pane had been, with the cursor's row below the pane until j moved it.
    app = make_app(store=_long_trace_store(), now_ns=fixtures.clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        tree = app.span_tree
        tree.focus()
        await pilot.press("e")
        await wait_for(pilot, lambda: tree.selected_span is not None and tree.selected_span.span_id == "step-50")

        def cursor_in_view() -> bool:
            top = int(tree.scroll_offset.y)
            return top <= tree.cursor_row < top + tree.scrollable_content_region.height - 1

        assert cursor_in_view()
        await pilot.press("z")
        await wait_for(pilot, lambda: app.screen.maximized is tree)
        await pilot.pause()
        assert cursor_in_view()
        await pilot.press("z")
        await wait_for(pilot, lambda: app.screen.maximized is None)
        await pilot.pause()
        assert cursor_in_view()
        assert any("step 50" in line for line in _lines(tree))


async def test_help_lists_every_binding_id():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        ids = [b.id for _, group in app.help_sections() for b in group]
        assert all(ids), "every binding has an id"
        text = plain(app.screen.query_one("#help-body Static").content, 140)
        for binding_id in ids:
            assert binding_id in text
        assert "HOTSPOT" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ != "HelpScreen")


async def test_palette_offers_bindings_and_jumps_to_a_session():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = [c.title for c in app_commands(app)]
        for binding, _ in app.palette_bindings():
            assert binding.description in titles
        assert "Session: billing-bot" in titles
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"billing-bot")
        await wait_for(pilot, lambda: app.screen.query_one(CommandList).option_count > 0)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.sessions.cursor_key == fixtures.BILLING)
        # Its traces, told apart by their start and id (several share a name), found by an id prefix.
        await wait_for(pilot, lambda: app.selected_session_id == fixtures.BILLING)
        traces = [c for c in app_commands(app) if c.title.startswith("Trace: ")]
        assert traces and len({c.title for c in traces}) == len(traces)
        tid = app.store.traces_of(fixtures.BILLING)[0].trace_id
        assert any(tid[:8] in c.title for c in traces)


@pytest.mark.parametrize("key", ["q", "ctrl+c", "ctrl+q"])
async def test_quit_keys(key):
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await wait_for(pilot, lambda: not app.is_running)
    assert app.return_code in (0, None)


@pytest.mark.parametrize("size", [(120, 36), (80, 24), (60, 16)])
async def test_layout_survives_sizes_and_resizes(size):
    app = _app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        await pilot.resize_terminal(*size)
        await pilot.pause()
        assert app.span_tree.trace_id == fixtures.DEEP_TRACE


async def test_shrinking_the_terminal_switches_to_the_stacked_layout():
    app = _app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert not app.screen.has_class("-narrow")
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: app.screen.has_class("-narrow"))
        await pilot.resize_terminal(120, 36)
        await wait_for(pilot, lambda: not app.screen.has_class("-narrow"))


def _tool_store() -> Store:
    """150 finished agent traces of one session, an LLM call before and after each of two tool calls."""
    from agenttrace_tui.enrich import make_enrichers
    from agenttrace_tui.ingest.pipeline import Pipeline
    from agenttrace_tui.model import Cost, LlmInfo, SpanKind, TokenUsage, ToolInfo

    S = 1_000_000_000
    t0 = fixtures.NOW_NS - 3_600 * S
    spans: list = [Session(id="tools", name="tool user", started_ns=t0)]
    def span(tid: str, base: int, sid: str, kind: SpanKind, start: float, end: float, parent: str | None = "root",
             **kw) -> Span:
        return Span(span_id=sid, trace_id=tid, session_id="tools", parent_span_id=parent, name=kw.pop("name", sid),
                    kind=kind, start_ns=base + int(start * S), end_ns=base + int(end * S), **kw)

    def call(tid: str, base: int, sid: str, start: float, tokens: int, usd: float) -> Span:
        return span(tid, base, sid, SpanKind.LLM_CALL, start, start + 0.5, llm=LlmInfo(provider="openai", model="gpt-4o"),
                    usage=TokenUsage(input=tokens, output=10, total=tokens + 10), cost=Cost(total=usd))

    for k in range(150):
        tid, base = f"tt{k}", t0 + k * 10 * S
        spans += [
            span(tid, base, "root", SpanKind.AGENT, 0, 5, parent=None, name="agent"),
            call(tid, base, "l1", 0.1, 100 + k, 0.01 * (k % 7 + 1)),
            span(tid, base, "t1", SpanKind.TOOL_EXECUTION, 1, 1.5, tool=ToolInfo(name=("read_file", "grep", "bash")[k % 3])),
            call(tid, base, "l2", 2, 100, 0.02),
            span(tid, base, "t2", SpanKind.TOOL_EXECUTION, 3, 3.5, tool=ToolInfo(name="write_file")),
            call(tid, base, "l3", 4, 100, 0.03),
        ]
    store = Store()
    Pipeline(store, enrichers=make_enrichers(None, store)).apply(spans)
    return store


async def test_the_cost_pane_attributes_a_preloaded_store_a_slice_per_draw_to_the_same_rows(monkeypatch):
    # A store filled before the app starts (a replay, a preload of a million spans)
    # is attributed to tool calls a slice per draw, the loop free in between: the
    # tools sections say so meanwhile, then show exactly what one whole read shows.
    from agenttrace_tui.ui import cost_panel

    monkeypatch.setattr(cost_panel, "TOOL_SPANS_PER_DRAW", 6)  # one trace a draw: 150 draws
    monkeypatch.setattr(cost_panel, "TOOL_SLICE_SPANS", 6)  # and one trace a step within a slice
    app = _app(_tool_store())
    async with app.run_test(size=SIZE) as pilot:
        assert app.cost.tools_pending
        assert "tools  attributing…" in app.cost.plain()  # the pane is narrow: "tools"
        await wait_for(pilot, lambda: not app.cost.tools_pending, timeout=60)
        shown = app.cost.plain()
        whole = _tool_store()
        want = cost_panel.render_cost(app, whole, whole.session(app.selected_session_id), app.now_ns(),
                                      app.cost.content_width, app.budget)
        assert "attributing" not in shown and "grep" in shown
        assert shown == want.plain


def _handoff_store(traces: int = 1) -> Store:
    """The fixture store and a run of two agents (a triage agent handing off to a weather agent)."""
    from agenttrace_tui.model import AgentInfo, Cost, LlmInfo, SpanKind

    S = fixtures.S
    t0 = fixtures.NOW_NS - 600 * S

    def span(tid: str, sid: str, parent: str | None, kind: SpanKind, start: int, agent: str | None = None,
             usd: float | None = None) -> Span:
        return Span(span_id=sid, trace_id=tid, session_id="handoff", parent_span_id=parent, name=sid, kind=kind,
                    start_ns=t0 + start * S, end_ns=t0 + (start + 1) * S, agent=AgentInfo(name=agent) if agent else None,
                    llm=LlmInfo(provider="openai", model="gpt-4o") if usd is not None else None,
                    usage=TokenUsage(input=1000, output=100, total=1100) if usd is not None else None,
                    cost=Cost(total=usd) if usd is not None else None)

    store = fixtures.build_store()
    spans: list = [Session(id="handoff", name="handoff run", started_ns=t0)]
    for k in range(traces):
        tid, at = f"h{k}", 10 * k
        spans += [span(tid, "wf", None, SpanKind.AGENT, at),
                  span(tid, "triage", "wf", SpanKind.AGENT, at, agent="Triage agent"),
                  span(tid, "c1", "triage", SpanKind.LLM_CALL, at, usd=0.0012),
                  span(tid, "weather", "wf", SpanKind.AGENT, at + 2, agent="Weather agent"),
                  span(tid, "c2", "weather", SpanKind.LLM_CALL, at + 2, usd=0.0034),
                  span(tid, "c3", "weather", SpanKind.LLM_CALL, at + 4, usd=0.0021)]
    store.apply(spans)
    return store


async def test_the_cost_pane_shows_what_each_agent_of_a_run_spent():
    # A run of two agents: the session's section says which agent spent what (as
    # `costs --group-by agent` does), costliest first; a run of one agent has no such rows.
    app = _app(_handoff_store())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.jump_to_session("handoff")
        await wait_for(pilot, lambda: "session handoff run" in app.cost.plain())
        lines = app.cost.plain().split("\n")
        at = lines.index(" by agent")
        rows = [line.split() for line in lines[at + 1:at + 3]]
        assert [(r[0] + " " + r[1], r[-1]) for r in rows] == [("Weather agent", "$0.0055"), ("Triage agent", "$0.0012")]
        # Only the session's section has them: the all-sessions section follows without.
        assert lines.count(" by agent") == 1


async def test_the_cost_pane_works_out_the_spend_by_agent_a_slice_at_a_time(monkeypatch):
    # A session of many traces worked out a slice per draw, the loop free in between: the rows
    # come once every trace is, the same rows a whole read gives.
    from agenttrace_tui.ui import cost_panel

    monkeypatch.setattr(cost_panel, "TOOL_SPANS_PER_DRAW", 6)  # one trace a draw
    monkeypatch.setattr(cost_panel, "TOOL_SLICE_SPANS", 6)  # and one trace a slice: 40 slices
    monkeypatch.setattr(cost_panel, "TOOL_SLICE_S", 0)
    app = _app(_handoff_store(traces=40))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.jump_to_session("handoff")
        await wait_for(pilot, lambda: app.cost.tools_pending)
        await wait_for(pilot, lambda: not app.cost.tools_pending and "by agent" in app.cost.plain(), timeout=60)
        whole = _handoff_store(traces=40)
        want = cost_panel.render_cost(app, whole, whole.session("handoff"), app.now_ns(), app.cost.content_width,
                                      app.budget)
        assert app.cost.plain() == want.plain
        assert "Weather agent" in want.plain and "$0.22" in want.plain


async def test_the_cost_panes_time_by_kind_counts_nested_and_parallel_spans_once():
    # A run whose agent (10 s) runs a sub-agent (8 s) that runs a tool calling itself twice
    # (600, 400, 200 ms, one inside the other) and two model calls side by side (2-5 s and
    # 3-6 s): the agents ran 10 s, the tool 600 ms, the model calls 4 s. Summed, the rows read
    # 18 s, 1.20 s and 6 s. All sessions add this session's times to the other sessions'.
    from agenttrace_tui.model import SpanKind, ToolInfo
    from agenttrace_tui.ui import fmt

    S, MS = fixtures.S, fixtures.MS
    t0 = fixtures.NOW_NS - 600 * S

    def span(sid: str, parent: str | None, kind: SpanKind, start_ms: int, end_ms: int) -> Span:
        tool = kind is SpanKind.TOOL_EXECUTION  # (one name a call, as our SDK's @trace names them)
        return Span(span_id=sid, trace_id="nest", session_id="nested", parent_span_id=parent,
                    name="list_dir" if tool else sid, kind=kind, start_ns=t0 + start_ms * MS, end_ns=t0 + end_ms * MS,
                    tool=ToolInfo(name="list_dir") if tool else None)

    store = fixtures.build_store()
    others = store.kind_times(None, running=True, now_ns=fixtures.clock())  # (their running spans until now)
    store.apply([Session(id="nested", name="nested run", started_ns=t0),
                 span("run", None, SpanKind.AGENT, 0, 10_000), span("sub", "run", SpanKind.AGENT, 1_000, 9_000),
                 span("l1", "sub", SpanKind.TOOL_EXECUTION, 1_000, 1_600),
                 span("l2", "l1", SpanKind.TOOL_EXECUTION, 1_100, 1_500),
                 span("l3", "l2", SpanKind.TOOL_EXECUTION, 1_200, 1_400),
                 span("m1", "sub", SpanKind.LLM_CALL, 2_000, 5_000), span("m2", "sub", SpanKind.LLM_CALL, 3_000, 6_000)])
    app = _app(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.jump_to_session("nested")
        await wait_for(pilot, lambda: "session nested run" in app.cost.plain() and not app.cost.tools_pending)
        lines = app.cost.plain().split("\n")
        at = lines.index(next(line for line in lines if line.startswith(" by kind")))
        assert lines[at].split()[-3:] == ["spans", "time", "cost"]
        rows = {r[0]: r[1:3] for r in (line.split() for line in lines[at + 1:at + 4])}
        assert rows == {"agent": ["2", "10.0s"], "tool_execution": ["3", "600ms"], "llm_call": ["2", "4.00s"]}
        # The all-sessions section's: each session's time added.
        at = lines.index(next(line for line in lines[at + 1:] if line.startswith(" by kind")))
        rows = {r[0]: r[2] for r in (line.split() for line in lines[at + 1:] if line.strip())}
        for kind, ns in (("agent", 10 * S), ("tool_execution", 600 * MS), ("llm_call", 4 * S)):
            assert rows[kind] == fmt.duration(others.get(kind, 0) + ns)


async def test_the_cost_panes_time_by_kind_counts_a_running_agent_until_now():
    # An agent started 90 s ago still runs, its tool call (10 s) ended, a second call runs since
    # 20 s ago: the agent has run 1m30s and the tools 30 s, and both go on with the clock (a minute
    # later 2m30s and 1m30s), where only ended spans counted: `agent 1 0ms`.
    from agenttrace_tui.model import SpanKind, ToolInfo

    S = fixtures.S
    now = [fixtures.NOW_NS]
    t0 = now[0] - 90 * S

    def span(sid: str, parent: str | None, kind: SpanKind, start_s: int, end_s: int | None) -> Span:
        return Span(span_id=sid, trace_id="live-run", session_id="live", parent_span_id=parent, name=sid, kind=kind,
                    start_ns=t0 + start_s * S, end_ns=None if end_s is None else t0 + end_s * S,
                    status=Status.RUNNING if end_s is None else Status.OK,
                    tool=ToolInfo(name=sid) if kind is SpanKind.TOOL_EXECUTION else None)

    store = fixtures.build_store()
    store.apply([Session(id="live", name="live run", started_ns=t0), span("run", None, SpanKind.AGENT, 0, None),
                 span("search", "run", SpanKind.TOOL_EXECUTION, 50, 60),
                 span("fetch", "run", SpanKind.TOOL_EXECUTION, 70, None)])
    app = make_app(store=store, now_ns=lambda: now[0])

    def rows() -> dict[str, list[str]]:
        lines = app.cost.plain().split("\n")
        at = lines.index(next(line for line in lines if line.startswith(" by kind")))
        return {r[0]: r[1:3] for r in (line.split() for line in lines[at + 1:at + 3])}

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.jump_to_session("live")
        await wait_for(pilot, lambda: "session live run" in app.cost.plain() and not app.cost.tools_pending)
        assert rows() == {"tool_execution": ["2", "30.0s"], "agent": ["1", "1m30s"]}
        now[0] += 60 * S
        await wait_for(pilot, lambda: rows() == {"tool_execution": ["2", "1m30s"], "agent": ["1", "2m30s"]})


async def test_a_message_of_several_lines_reads_as_lines_in_the_detail():
    # Before: a failed call's exception and traceback (LangChain's, as OpenLLMetry sends it) read
    # as one line in the message row, every line break shown as ␊.
    message = ("OpenAIInvalidRequestError('Error code: 400')\nTraceback (most recent call last):\n\n"
               '  File "base.py", line 1909, in _stream\n    response = self.client.create(**payload)\n'
               "\x1b[31mBadRequestError: 400\n")
    store = fixtures.build_store()
    store.apply([Session(id="tb-session", name="traceback", started_ns=fixtures.NOW_NS - 10 * fixtures.S),
                 fixtures._span("t-traceback", "tb-session", "tb", "chat", fixtures.SpanKind.LLM_CALL, 5, 1,
                                status=Status.ERROR, status_message=message,
                                events=(SpanEvent(name="exception", time_ns=fixtures.NOW_NS - 4 * fixtures.S,
                                                  attributes={"exception.type": "BadRequestError",
                                                              "exception.stacktrace": message}),))])
    app = _app(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.jump_to_session("tb-session")
        await wait_for(pilot, lambda: app.span_tree.trace_id == "t-traceback")
        app.span_tree.select_span("tb")
        await wait_for(pilot, lambda: "── message" in app.detail.plain())
        lines = app.detail.plain().split("\n")
        assert "message  OpenAIInvalidRequestError('Error code: 400') …" in lines
        section = lines[lines.index("── message ") + 1:]
        assert section[:5] == [" OpenAIInvalidRequestError('Error code: 400')", " Traceback (most recent call last):",
                               '   File "base.py", line 1909, in _stream',
                               "     response = self.client.create(**payload)", " ␛[31mBadRequestError: 400"]
        # An event's stack trace too: its first line in the event's row, its lines below it.
        below = lines.index(" exception.stacktrace:")
        row = " ".join(line.strip() for line in lines[lines.index("── events (1) ") + 1:below])
        assert "exception.stacktrace=OpenAIInvalidRequestError('Error code: 400') …" in row
        assert lines[below + 1:below + 3] == [" OpenAIInvalidRequestError('Error code: 400')",
                                              " Traceback (most recent call last):"]
        assert "␊" not in app.detail.plain() and "\x1b" not in app.detail.plain()


async def test_an_agents_subtree_usage_is_set_beside_what_the_calls_below_count():
    # VoltAgent's agent span reports the turn's tokens for its subtree; its one model span carries
    # only the loop's last step. The detail said only "reported for the whole subtree": now what
    # the calls below count stands beside it, and what no call below holds.
    store = fixtures.build_store()
    K = fixtures.SpanKind
    store.apply([
        Session(id="sub-session", name="subtree", started_ns=fixtures.NOW_NS - 10 * fixtures.S),
        fixtures._span("t-sub", "sub-session", "agent", "weather-agent", K.AGENT, 9, 5,
                       usage=TokenUsage(input=2634, output=134, scope="subtree")),
        fixtures._span("t-sub", "sub-session", "loop", "llm:generateText", K.LLM_CALL, 8, 3, parent="agent",
                       usage=TokenUsage(input=1400, output=78)),
        fixtures._span("t-sub", "sub-session", "tool", "get_weather", K.TOOL_EXECUTION, 7, 1, parent="loop"),
        # an agent whose calls add up to what it reports
        fixtures._span("t-sum", "sub-session", "agent2", "summing-agent", K.AGENT, 4, 3,
                       usage=TokenUsage(input=300, output=30, scope="subtree")),
        fixtures._span("t-sum", "sub-session", "c1", "chat", K.LLM_CALL, 4, 1, parent="agent2",
                       usage=TokenUsage(input=100, output=10)),
        fixtures._span("t-sum", "sub-session", "c2", "chat", K.LLM_CALL, 2, 1, parent="agent2",
                       usage=TokenUsage(input=200, output=20)),
    ])
    app = _app(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.jump_to_session("sub-session")
        for trace, span, want in (("t-sub", "agent", "the calls below count in 1,400  out 78  (1,234 in, 56 out in no call below)"),
                                  ("t-sum", "agent2", "the calls below count the same")):
            app.traces.select_key(trace)
            await wait_for(pilot, lambda trace=trace: app.span_tree.trace_id == trace)
            app.span_tree.select_span(span)
            await wait_for(pilot, lambda: "reported for the whole subtree" in app.detail.plain())
            # (words as shown, wherever the pane wraps them)
            await wait_for(pilot, lambda want=want: " ".join(want.split()) in " ".join(app.detail.plain().split()))
