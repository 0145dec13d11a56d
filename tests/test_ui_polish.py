"""Pilot tests for budgets, the cost panel's store-backed sections, the footer
and the detail pane's cost/estimate marks, on the real app and a real store.

Spend is applied to the store while the app runs, as the receivers would;
waits poll for a condition (bounded), never sleep-and-assert.
"""

from __future__ import annotations

import asyncio

import msgspec
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

import fixtures
from agenttrace_tui.format.numbers import fmt_cost, fmt_tokens
from agenttrace_tui.model import (
    Cost,
    LlmInfo,
    Session,
    Span,
    SpanKind,
    Status,
    TokenUsage,
    ToolInfo,
)
from agenttrace_tui.store.memory import Store
from agenttrace_tui.ui.app import LIGHT_THEME, make_app

S = fixtures.S
SID = "sess-budget"
TRACE = "trace-budget"
APP_KEYS = {"slash", "space", "f", "question_mark", "q"}


async def wait_for(pilot, cond, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout:.0f}s")
        await pilot.pause(0.05)


def _llm_span(n: int, cost: float, *, estimated: bool = False, parent: str | None = "root") -> Span:
    start = fixtures.NOW_NS - 120 * S + n * S
    return Span(
        span_id=f"llm-{n}",
        trace_id=TRACE,
        session_id=SID,
        parent_span_id=parent,
        name=f"llm call {n}",
        kind=SpanKind.LLM_CALL,
        start_ns=start,
        end_ns=start + S // 2,
        llm=LlmInfo(provider="openai", model="gpt-4o"),
        usage=TokenUsage(input=1000, output=100, total=1100, estimated=estimated),
        cost=Cost(total=cost, source="computed"),
    )


def _budget_store() -> Store:
    store = Store()
    start = fixtures.NOW_NS - 130 * S
    store.apply([
        Session(id=SID, name="budgeted agent", started_ns=start),
        Span(span_id="root", trace_id=TRACE, session_id=SID, name="run", kind=SpanKind.AGENT, start_ns=start),
    ])
    return store


def _notes(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_budget_highlight_and_one_notification_per_threshold():
    store = _budget_store()
    app = make_app(store=store, now_ns=fixtures.clock, budget=1.0)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert app.sessions.cursor_key == SID
        row = "".join(c.plain for c in app.sessions.row_cells(SID))
        assert "!" not in row and "‼" not in row

        store.apply([_llm_span(1, 0.5)])  # 50 %: nothing
        await wait_for(pilot, lambda: "$0.50" in "".join(c.plain for c in app.sessions.row_cells(SID)))
        await pilot.pause(0.3)
        assert not any("budget" in m for m in _notes(app))

        store.apply([_llm_span(2, 0.35)])  # 85 %: warn
        await wait_for(pilot, lambda: any("80% of its budget" in m for m in _notes(app)))
        cells = app.sessions.row_cells(SID)
        assert "!" in [c.plain for c in cells]
        cost_cell = next(c for c in cells if c.plain == "$0.85")
        assert cost_cell.style, "a warned session's cost is coloured"

        store.apply([_llm_span(3, 0.01)])  # still warn: no second warning
        await wait_for(pilot, lambda: "$0.86" in "".join(c.plain for c in app.sessions.row_cells(SID)))
        await pilot.pause(0.3)
        assert sum("80% of its budget" in m for m in _notes(app)) == 1

        store.apply([_llm_span(4, 0.2)])  # 106 %: over
        await wait_for(pilot, lambda: any("over budget" in m for m in _notes(app)))
        assert "‼" in [c.plain for c in app.sessions.row_cells(SID)]
        store.apply([_llm_span(5, 0.2)])
        await wait_for(pilot, lambda: "$1.26" in "".join(c.plain for c in app.sessions.row_cells(SID)))
        await pilot.pause(0.3)
        assert sum("over budget" in m for m in _notes(app)) == 1
        assert sum("80% of its budget" in m for m in _notes(app)) == 1

        await wait_for(pilot, lambda: "budget" in app.cost.plain())
        text = app.cost.plain()
        assert "$1.26 / $1.00" in text and "‼" in text


async def test_budget_comes_from_the_monitor_config():
    from agenttrace_tui.config import Config
    from agenttrace_tui.runtime.monitor import Monitor

    monitor = Monitor(Config(budget=0.25, persist=False))
    app = make_app(monitor)
    assert app.budget == 0.25
    assert make_app(store=Store()).budget is None


async def test_cost_panel_sparkline_and_tools_by_llm_cost():
    store = _budget_store()
    tool_start = fixtures.NOW_NS - 110 * S
    store.apply([
        _llm_span(1, 0.02),  # decides the tool call (last llm sibling before it)
        Span(span_id="tool-1", trace_id=TRACE, session_id=SID, parent_span_id="root", name="grep repo",
             kind=SpanKind.TOOL_EXECUTION, start_ns=tool_start, end_ns=tool_start + S, tool=ToolInfo(name="grep")),
        _llm_span(12, 0.04, estimated=True),  # consumes its result, on estimated tokens
    ])
    app = make_app(store=store, now_ns=fixtures.clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: "calls  decided consumed" in app.cost.plain())
        text = app.cost.plain()
        line = next(ln for ln in text.splitlines() if ln.strip().startswith("grep"))
        assert "$0.02" in line and "≈$0.04" in line, line
        spend = next(ln for ln in text.splitlines() if ln.strip().startswith("spend"))
        assert any(ch in spend for ch in "▁▂▃▄▅▆▇█"), spend
        assert "≈" in next(ln for ln in text.splitlines() if ln.strip().startswith("tokens"))
        assert "/min" in next(ln for ln in text.splitlines() if ln.strip().startswith("burn"))


async def test_cost_panel_by_kind_heads_its_errors_column_only_when_a_kind_failed():
    """A kind's (and a tool's) failed spans follow its cost column, headed `err`: with no heading,
    and the headings two columns right of theirs, a failed task with no spend read `3✗` under `cost`."""
    store = _budget_store()
    store.apply([_llm_span(1, 0.02)])
    app = make_app(store=store, now_ns=fixtures.clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: "by kind" in app.cost.plain())
        heading = next(ln for ln in app.cost.plain().splitlines() if ln.strip().startswith("by kind"))
        assert heading.rstrip().endswith(" cost"), heading
        tool_start = fixtures.NOW_NS - 100 * S
        store.apply([Span(span_id="tool-1", trace_id=TRACE, session_id=SID, parent_span_id="root", name="grep",
                          kind=SpanKind.TOOL_EXECUTION, start_ns=tool_start, end_ns=tool_start + S,
                          status=Status.ERROR, tool=ToolInfo(name="grep")),
                     Span(span_id="mem-1", trace_id=TRACE, session_id=SID, parent_span_id="root", name="recall",
                          kind=SpanKind.MEMORY_RETRIEVAL, start_ns=tool_start, end_ns=tool_start + S)])
        await wait_for(pilot, lambda: "1✗" in app.cost.plain())
        # A kind's name longer than its column is cut with an ellipsis (it was cut bare: "memory_retriev").
        assert any(ln.startswith(" memory_retrie… ") for ln in app.cost.plain().splitlines())
        lines = app.cost.plain().splitlines()
        heading = next(ln for ln in lines if ln.strip().startswith("by kind"))
        row = next(ln for ln in lines if ln.strip().startswith("tool_execution"))
        assert heading.rstrip().endswith(" cost err"), heading
        tools = next(ln for ln in lines if ln.strip().startswith("tools"))
        grep = next(ln for ln in lines if ln.strip().startswith("grep"))
        assert tools.rstrip().endswith("consumed err") and grep.index("1✗") == tools.index("err"), (tools, grep)
        # The count stands under its heading, past the cost column (blank: a tool's spend is its callers').
        assert row.rstrip().endswith("1✗") and row.index("1✗") == heading.index("err"), (heading, row)
        # and every heading stands over its column (they were two columns off)
        assert row.index("1.00s") + len("1.00s") == heading.index("time") + len("time"), (heading, row)


async def test_cost_panel_tool_names_take_the_rows_free_cells():
    """In a 120-column terminal a tool's name of 12 letters reads whole, its failed calls' count
    beside the row's figures (the label left 32 cells for 29 of figures: it read `search_fi…`)."""
    store = _budget_store()
    tool_start = fixtures.NOW_NS - 110 * S
    store.apply([_llm_span(1, 0.02),
                 Span(span_id="tool-1", trace_id=TRACE, session_id=SID, parent_span_id="root", name="search",
                      kind=SpanKind.TOOL_EXECUTION, start_ns=tool_start, end_ns=tool_start + S,
                      status=Status.ERROR, tool=ToolInfo(name="search_files")),
                 _llm_span(12, 0.04)])
    app = make_app(store=store, now_ns=fixtures.clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: "calls  decided consumed" in app.cost.plain())
        lines = app.cost.plain().splitlines()
        row = next(ln for ln in lines if ln.strip().startswith("search"))
        assert row.split()[:2] == ["search_files", "1"] and row.rstrip().endswith("1✗"), row
        assert len(row.rstrip()) <= app.cost.content_width, (row, app.cost.content_width)


async def test_cost_panel_rows_of_a_refused_call_read_nothing_counted_not_zero():
    """A session whose one model call was refused (no tokens, no cost): its model and provider
    rows read `—` (they read `0`, a token count with no unit under a cost pane's heading)."""
    store = _budget_store()
    store.apply([msgspec.structs.replace(_llm_span(1, 0.0), status=Status.ERROR, usage=None, cost=None)])
    app = make_app(store=store, now_ns=fixtures.clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: "by provider" in app.cost.plain())
        lines = app.cost.plain().split("all sessions")[0].splitlines()
        for label in ("gpt-4o", "openai"):
            row = next(ln for ln in lines if ln.strip().startswith(label + " "))
            assert row.rstrip().endswith(" —"), row


async def test_cost_panel_tool_no_model_call_consumed_reads_a_dash():
    """A model span wrapping the whole loop, the tool inside its time (VoltAgent's): it decided
    the call and none consumed it; the consumed column read `$0`, a share nobody paid."""
    store = _budget_store()
    loop = msgspec.structs.replace(_llm_span(1, 0.02), end_ns=fixtures.NOW_NS - 100 * S)
    tool_start = fixtures.NOW_NS - 110 * S
    store.apply([loop, Span(span_id="tool-1", trace_id=TRACE, session_id=SID, parent_span_id="root", name="grep",
                            kind=SpanKind.TOOL_EXECUTION, start_ns=tool_start, end_ns=tool_start + S,
                            tool=ToolInfo(name="grep"))])
    app = make_app(store=store, now_ns=fixtures.clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: "calls  decided consumed" in app.cost.plain())
        row = next(ln for ln in app.cost.plain().splitlines() if ln.strip().startswith("grep"))
        assert row.split()[2:] == [fmt_cost(0.02), "—"], row


async def test_cost_panel_burn_of_unpriced_calls_is_unknown_not_zero():
    """Calls with tokens and no price: the burn is $?/min (it read $0/min) and the
    sparkline, drawing tokens for want of dollars, says so; with a priced call
    beside them, the priced part and +$?."""
    store = _budget_store()
    unpriced = [msgspec.structs.replace(_llm_span(n, 0.0), cost=Cost(total=None, source="unknown",
                                                                     reason="no price for model gpt-9"))
                for n in (1, 2)]
    store.apply(unpriced)
    app = make_app(store=store, now_ns=fixtures.clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: "burn" in app.cost.plain())
        lines = [ln.strip() for ln in app.cost.plain().splitlines()]
        burn = next(ln for ln in lines if ln.startswith("burn"))
        # The session is younger than the five-minute window: all it spent over its age.
        age_min = 130 / 60
        assert burn.startswith("burn   $?/min") and f"{fmt_tokens(2200 / age_min)} tok/min" in burn, burn
        assert any(ln.startswith("tokens ") and any(ch in ln for ch in "▁▂▃▄▅▆▇█") for ln in lines), lines
        assert not any(ln.startswith("spend") for ln in lines), lines
        store.apply([_llm_span(3, 0.05)])
        await wait_for(pilot, lambda: "+$?/min" in app.cost.plain())
        burn = next(ln.strip() for ln in app.cost.plain().splitlines() if ln.strip().startswith("burn"))
        # $0.05 over the session's age (130 s: "2m")
        assert burn.startswith(f"burn   {fmt_cost(0.05 / age_min, unpriced=2)}/min") and burn.endswith("(2m)"), burn


async def test_detail_marks_estimated_tokens_and_cost_source():
    store = _budget_store()
    store.apply([_llm_span(1, 0.04, estimated=True)])
    unpriced = msgspec.structs.replace(_llm_span(2, 0.0), cost=Cost(total=None, source="unknown", reason="no price for model gpt-9"))
    store.apply([unpriced])
    app = make_app(store=store, now_ns=fixtures.clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.span_tree.focus()
        app.span_tree.select_span("llm-1")
        await wait_for(pilot, lambda: "≈1,000" in app.detail.plain())
        assert "≈$0.04" in app.detail.plain() and "computed from estimated tokens" in app.detail.plain()
        app.span_tree.select_span("llm-2")
        await wait_for(pilot, lambda: "$?" in app.detail.plain())
        assert "no price for model gpt-9" in app.detail.plain()


async def _footer_keys(app, pilot) -> tuple[set[str], int]:
    await pilot.pause()
    await pilot.pause()
    footer = app.query_one(Footer)
    return {k.key for k in footer.query(FooterKey) if k.region.width}, footer.max_scroll_x


async def test_footer_keeps_the_app_keys_with_any_pane_focused():
    for size in ((120, 36), (80, 24)):
        app = make_app(store=fixtures.build_store(), now_ns=fixtures.clock)
        async with app.run_test(size=size) as pilot:
            for pane in (app.sessions, app.traces, app.span_tree, app.detail):
                pane.focus()
                keys, overflow = await _footer_keys(app, pilot)
                assert keys >= APP_KEYS, (size, type(pane).__name__, keys)
                assert overflow == 0, (size, type(pane).__name__)
            app.span_tree.focus()
            keys, _ = await _footer_keys(app, pilot)
            assert {"left", "right", "e"} <= keys
            assert "n" not in keys and "left_square_bracket" not in keys  # in ? help instead


async def test_light_theme_tree_text_is_readable():
    from textual.color import Color

    from agenttrace_tui.ui.colors import contrast

    for theme in (None, LIGHT_THEME):
        app = make_app(store=fixtures.build_store(), now_ns=fixtures.clock, theme=theme)
        async with app.run_test(size=(120, 36)) as pilot:
            tree = app.span_tree
            tree.focus()
            await pilot.pause()
            surface = tree.rich_style.bgcolor.get_truecolor().hex
            cursor = tree.get_component_rich_style("span-tree--cursor")
            cur_bg = cursor.bgcolor.get_truecolor().hex
            assert contrast(Color.parse(cursor.color.get_truecolor().hex), Color.parse(cur_bg)) >= 3.0  # bold text
            for bg, on in ((surface, None), (cur_bg, cur_bg)):
                muted = tree._fg("span-tree--muted", on).color.get_truecolor().hex
                assert contrast(Color.parse(muted), Color.parse(bg)) >= 3.0, (theme, muted, bg)
                from agenttrace_tui.ui.kinds import KIND_STYLES

                for ks in KIND_STYLES.values():
                    c = tree._kind_color(ks.color, on).color.get_truecolor().hex
                    assert contrast(Color.parse(c), Color.parse(bg)) >= 3.0, (theme, ks.label, c, bg)


async def test_app_runs_the_gc_policy_and_gives_collection_back_on_exit():
    import gc

    app = make_app(store=fixtures.build_store(), now_ns=fixtures.clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert app.gc_policy.active and not gc.isenabled()
        await pilot.press("j")
        await wait_for(pilot, lambda: app.gc_policy.stats.young + app.gc_policy.stats.middle > 2)
    assert not app.gc_policy.active
    assert gc.isenabled()


async def test_while_keys_come_a_due_sweep_runs_after_a_key_frame():
    # The tick holds the sweep back while someone types; the frame answering a
    # key is its turn (GcPolicy.after_input_frame), before the next key.
    app = make_app(store=fixtures.build_store(), now_ns=fixtures.clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        policy = app.gc_policy
        policy.sweep_s = policy.middle_s = 0.05  # due at every key (the tick's wait is LATE times that)
        policy.quiet_s = 60.0  # and the tick never counts the user as idle
        after_frame: list[int] = []
        real = policy.after_input_frame
        policy.after_input_frame = lambda: after_frame.append(real()) or after_frame[-1]  # type: ignore[method-assign]
        app.span_tree.focus()
        for _ in range(20):
            await pilot.press("j")
            await pilot.pause(0.06)
            if 2 in after_frame:
                break
        assert 2 in after_frame  # a sweep ran from a key's frame, not only from the tick
        assert policy.stats.deep == 0


async def test_a_clock_only_cost_redraw_waits_for_the_frame_of_a_key_just_pressed():
    import time

    now = [fixtures.NOW_NS]
    app = make_app(store=fixtures.build_store(), now_ns=lambda: now[0])
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        policy = app.gc_policy
        policy.sweep_s = policy.middle_s = 1e9  # no collection due: the frame's turn goes to the pane
        panel = app.cost
        assert panel.display
        app._sync_cost()
        drawn = panel._shown
        now[0] += S  # the next second: only the clock moved
        app._last_input_s = time.monotonic()  # a key was just pressed
        app._sync_cost(clock_may_wait=True)  # the tick's call
        assert panel._shown == drawn  # held back
        app._after_input_frame(app._input_gen)  # that key's frame is out
        assert panel._shown != drawn and panel._shown[-1] == now[0] // S
        now[0] += S
        app._last_input_s = float("-inf")  # nobody typing: the tick redraws at once
        app._sync_cost(clock_may_wait=True)
        assert panel._shown[-1] == now[0] // S


async def test_session_rows_fit_beside_the_scrollbar():
    store = fixtures.build_store()
    store.apply([Session(id=f"extra-{i}", name=f"extra session {i}", started_ns=fixtures.NOW_NS - 10 * S) for i in range(30)])
    store.apply([
        Span(span_id=f"x{i}", trace_id=f"tx{i}", session_id=f"extra-{i}", name="x", start_ns=fixtures.NOW_NS - 5 * S, end_ns=fixtures.NOW_NS - 4 * S)
        for i in range(30)
    ])
    app = make_app(store=store, now_ns=fixtures.clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        rows = app.sessions
        assert rows.max_scroll_y > 0  # the scrollbar is showing
        width = rows.scrollable_content_region.width
        line = rows.render_line(1)
        assert line.cell_length == width
        assert line.text.rstrip().endswith(("s", "m", "h", "d", "now"))  # the "Last" column is whole


async def test_many_sessions_already_over_budget_give_one_notification():
    store = Store()
    spans = []
    for i in range(6):
        sid = f"spent-{i}"
        store.apply([Session(id=sid, name=f"spent {i}", started_ns=fixtures.NOW_NS - 60 * S)])
        spans.append(msgspec.structs.replace(_llm_span(i, 2.0, parent=None), session_id=sid, trace_id=f"t-{i}"))
    store.apply(spans)
    app = make_app(store=store, now_ns=fixtures.clock, budget=1.0)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: any("budget" in m for m in _notes(app)))
        await pilot.pause(0.3)
        notes = [m for m in _notes(app) if "budget" in m]
        assert notes == ["6 sessions over budget, 0 past 80% (budget $1.00 per session)."]


async def test_detail_dates_a_span_of_another_day():
    """Start and end as a time of day read as today's: a span from days ago shows its
    dates (it read '05:07:55.021' for a span of last month); one of today only its times."""
    import time as _time

    now = fixtures.NOW_NS
    for start, dated in ((now - 40 * 86_400 * S, True), (now - 2 * S, False)):
        store = Store()
        store.apply([Span(span_id="one", trace_id="t", session_id="s", name="the task", kind=SpanKind.TASK,
                          start_ns=start, end_ns=start + S)])
        app = make_app(store=store, now_ns=fixtures.clock)
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda app=app: "t" in app.traces.keys)
            app.span_tree.focus()
            app.span_tree.select_span("one")
            await wait_for(pilot, lambda app=app: "the task" in app.detail.plain())
            line = next(ln for ln in app.detail.plain().splitlines() if ln.startswith("start"))
            assert (_time.strftime("%Y-%m-%d", _time.localtime(start / S)) in line) is dated, line
