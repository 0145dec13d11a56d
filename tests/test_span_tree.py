"""The span tree widget, hosted in a tiny app and driven by Pilot with a fixed clock."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import App, ComposeResult

from agenttrace_tui.model import (
    AgentInfo,
    LlmInfo,
    RagInfo,
    Span,
    SpanKind,
    Status,
    TokenUsage,
    ToolInfo,
)
from agenttrace_tui.store.memory import Store
from agenttrace_tui.ui.span_tree import (
    SpanTreeView,
    axis_length,
    bar_eighths,
    layout,
    waterfall_runs,
)

S = 1_000_000_000
BASE = 1_700_000_000 * S
NOW = BASE + 124 * S


def sp(sid: str, parent: str | None, start: float, end: float | None, trace: str = "t", **kw) -> Span:
    kw.setdefault("name", sid)
    return Span(
        span_id=sid,
        trace_id=trace,
        session_id="s",
        parent_span_id=parent,
        start_ns=BASE + int(start * S),
        end_ns=None if end is None else BASE + int(end * S),
        **kw,
    )


def seed_trace(trace: str = "t") -> list[Span]:
    """Seed 002's shape: decompose, a DAG of two tasks, RAG, a ReAct loop, an error."""
    return [
        sp("root", None, 0, 125, trace, name="execute_query", kind=SpanKind.TASK),
        sp("dec", "root", 0, 5, trace, name="orchestrator_decompose", kind=SpanKind.AGENT),
        sp("plan", "dec", 0.1, 4, trace, name="llm_planning_call", kind=SpanKind.LLM_CALL, llm=LlmInfo(model="llama3.1", stop_reason="stop"), usage=TokenUsage(input=450, output=120)),
        sp("dag", "root", 5, 120, trace, name="execute_workflow_dag"),
        sp("t1", "dag", 5, 110, trace, name="task_execution", kind=SpanKind.AGENT, agent=AgentInfo(name="CodingAgent")),
        sp("rag", "t1", 5, 35, trace, name="rag_context_retrieval", kind=SpanKind.RETRIEVAL, rag=RagInfo(query="binary search", sources_found=15)),
        sp("read", "t1", 36, 40, trace, name="tool_execute", kind=SpanKind.TOOL_EXECUTION, tool=ToolInfo(name="filesystem", action="read", target="/src/main.rs")),
        sp("inf", "t1", 41, 60, trace, name="llm_inference", kind=SpanKind.LLM_CALL, status=Status.ERROR, status_message="rate limited", llm=LlmInfo(model="gpt-4o")),
        sp("t2", "dag", 5, 50, trace, name="task_execution", kind=SpanKind.AGENT, agent=AgentInfo(name="ReviewAgent")),
        sp("t2err", "t2", 6, 9, trace, name="review_tool", kind=SpanKind.TOOL_EXECUTION, status=Status.ERROR, status_message="exit 1", tool=ToolInfo(name="grep")),
        sp("syn", "root", 120, 125, trace, name="synthesize_results"),
    ]


ORDER = ["root", "dec", "plan", "dag", "t1", "rag", "read", "inf", "t2", "t2err", "syn"]


class TreeApp(App[None]):
    def __init__(self, store: Store, now: int = NOW) -> None:
        super().__init__()
        self.store = store
        self.now = now
        self.highlighted: list[str] = []
        self.copied: list[Span] = []
        self.no_more: list[str | None] = []

    def compose(self) -> ComposeResult:
        tree = SpanTreeView(self.store, id="tree")
        tree.now_ns = lambda: self.now
        yield tree

    def on_span_tree_view_span_highlighted(self, message: SpanTreeView.SpanHighlighted) -> None:
        self.highlighted.append(message.span_id)

    def on_span_tree_view_copy_requested(self, message: SpanTreeView.CopyRequested) -> None:
        self.copied.append(message.span)

    def on_span_tree_view_no_more_errors(self, message: SpanTreeView.NoMoreErrors) -> None:
        self.no_more.append(message.trace_id)


def make_store(*spans: Span) -> Store:
    st = Store()
    st.apply(spans or seed_trace())
    return st


def screen_lines(tree: SpanTreeView) -> list[str]:
    return [tree.render_line(y).text for y in range(tree.size.height)]


async def started(app: TreeApp, pilot, trace: str = "t") -> SpanTreeView:
    tree = app.query_one(SpanTreeView)
    tree.show_trace(trace)
    tree.focus()
    await pilot.pause()
    return tree


def selected(tree: SpanTreeView) -> str | None:
    span = tree.selected_span
    return span.span_id if span is not None else None


# -- pure helpers of the widget ---------------------------------------------------


def test_waterfall_runs_use_eighth_blocks_on_both_edges() -> None:
    # from 1.5 cells (12/8) to 3.25 cells (26/8) on 5 cells
    assert waterfall_runs(12, 26, 5) == [(" ", 0), ("▌", 2), ("█▎", 1), (" ", 0)]
    assert waterfall_runs(0, 40, 5) == [("█████", 1)]
    assert waterfall_runs(9, 10, 2) == [(" ", 0), ("▏", 1)]  # within one cell, near its left
    assert waterfall_runs(14, 15, 2) == [(" ", 0), ("▉", 2)]  # within one cell, near its right
    assert waterfall_runs(4, 8, 2) == [("▌", 2), (" ", 0)]  # ends on a cell boundary
    for x0 in range(0, 40):
        for x1 in range(x0 + 1, 41):
            assert sum(len(t) for t, _ in waterfall_runs(x0, x1, 5)) == 5


def test_axis_rounds_up_to_two_significant_digits() -> None:
    assert axis_length(125 * S) == 130 * S
    assert axis_length(130 * S) == 130 * S
    assert axis_length(99) == 99 and axis_length(0) == 1
    assert all(n <= axis_length(n) < n * 1.1 for n in (101, 1234, 987_654, 10**12 + 1))


def test_bar_is_at_least_one_eighth_and_stays_on_the_axis() -> None:
    assert bar_eighths(100, 100, 0, 1000, 10) == (8, 9)  # zero-length: still visible
    assert bar_eighths(0, 1000, 0, 1000, 10) == (0, 80)
    assert bar_eighths(2000, 3000, 0, 1000, 10) == (79, 80)  # clock skew: clamped
    assert layout(120)[1] == 36 and layout(80)[1] == 24 and layout(50)[1] == 0


# -- navigation ------------------------------------------------------------------


async def test_cursor_keys_move_and_post_highlights() -> None:
    app = TreeApp(make_store())
    async with app.run_test(size=(120, 20)) as pilot:
        tree = await started(app, pilot)
        assert selected(tree) == "root"
        await pilot.press("j", "down", "j")
        assert selected(tree) == "dag"
        await pilot.press("k", "up")
        assert selected(tree) == "dec"
        await pilot.press("G")
        assert selected(tree) == "syn"
        await pilot.press("g")
        assert selected(tree) == "root"
        await pilot.press("end")
        assert selected(tree) == "syn"
        await pilot.press("home")
        assert selected(tree) == "root"
        await pilot.pause()
        assert app.highlighted[-1] == "root" and "plan" in app.highlighted


async def test_expand_collapse_and_parent_navigation() -> None:
    app = TreeApp(make_store())
    async with app.run_test(size=(120, 20)) as pilot:
        tree = await started(app, pilot)
        await pilot.press("j")  # dec (expanded)
        await pilot.press("h")  # collapses dec
        assert "plan" not in tree.visible_span_ids and selected(tree) == "dec"
        await pilot.press("left")  # already collapsed: go to parent
        assert selected(tree) == "root"
        await pilot.press("j", "enter")  # expands dec again
        assert "plan" in tree.visible_span_ids and selected(tree) == "dec"
        await pilot.press("l")  # expanded: move into the first child
        assert selected(tree) == "plan"
        await pilot.press("l")  # leaf: nothing happens
        assert selected(tree) == "plan"


async def test_collapse_all_expand_all_and_state_is_remembered_per_trace() -> None:
    st = make_store()
    st.apply(seed_trace("other"))
    app = TreeApp(st)
    async with app.run_test(size=(120, 20)) as pilot:
        tree = await started(app, pilot)
        await pilot.press("j", "j")  # plan
        await pilot.press("left_square_bracket")
        assert tree.visible_span_ids == ["root"]
        assert selected(tree) == "root"  # the cursor moved to the visible ancestor
        await pilot.press("right_square_bracket")
        assert tree.visible_span_ids == ORDER
        await pilot.press("j", "h")  # collapse dec
        tree.show_trace("other")
        await pilot.pause()
        assert tree.visible_span_ids == ORDER  # the other trace is untouched
        tree.show_trace("t")
        await pilot.pause()
        assert "plan" not in tree.visible_span_ids and selected(tree) == "root"


async def test_page_keys_move_by_a_screen() -> None:
    spans = [sp("root", None, 0, 1000)] + [sp(f"c{i:03d}", "root", i, i + 1) for i in range(200)]
    app = TreeApp(make_store(*spans))
    async with app.run_test(size=(100, 12)) as pilot:  # 11 rows under the header
        tree = await started(app, pilot)
        await pilot.press("pagedown")
        assert tree.cursor_row == 11
        await pilot.press("pagedown")
        assert tree.cursor_row == 22
        assert tree.scroll_offset.y <= 22 < tree.scroll_offset.y + 11
        await pilot.press("pageup")
        assert tree.cursor_row == 11
        await pilot.press("G")
        assert tree.cursor_row == 200 and tree.scroll_offset.y == 201 - 11
        # With a scrollbar the rows are drawn beside it, not under it.
        assert tree.content_width < tree.size.width
        header = tree.render_line(0).text
        assert len(header) == tree.content_width and header.rstrip().endswith("s")


# -- filter, matches, errors ---------------------------------------------------------


async def test_filter_hides_non_matching_spans_and_keeps_ancestors() -> None:
    app = TreeApp(make_store())
    async with app.run_test(size=(120, 20)) as pilot:
        tree = await started(app, pilot)
        result = tree.set_filter("kind:llm")
        await pilot.pause()
        assert result.matches == 2 and result.error is None
        assert tree.visible_span_ids == ["root", "dec", "plan", "dag", "t1", "inf"]
        assert selected(tree) == "plan"  # the cursor goes to the first match
        await pilot.press("n")
        assert selected(tree) == "inf"
        await pilot.press("n")
        assert selected(tree) == "plan"  # wraps
        await pilot.press("N")
        assert selected(tree) == "inf"

        bad = tree.set_filter("kind:banana")
        assert bad.error is not None and "banana" in bad.error
        assert tree.filter_text == "kind:llm"  # a bad query keeps the current filter

        assert tree.set_filter("status:error dur>2s").matches == 2
        assert set(tree.visible_span_ids) == {"root", "dag", "t1", "inf", "t2", "t2err"}
        assert tree.set_filter("").matches == 0
        assert tree.visible_span_ids == ORDER
        header = screen_lines(tree)[0]
        assert "11 spans" in header and "2 errors" in header


async def test_e_jumps_to_errors_revealing_collapsed_ones_then_reports_none_left() -> None:
    app = TreeApp(make_store())
    async with app.run_test(size=(120, 20)) as pilot:
        tree = await started(app, pilot)
        await pilot.press("left_square_bracket")
        await pilot.press("e")
        assert selected(tree) == "inf"
        assert "inf" in tree.visible_span_ids  # ancestors were expanded
        await pilot.press("e")
        assert selected(tree) == "t2err"
        await pilot.press("e")
        await pilot.pause()
        assert selected(tree) == "t2err"
        assert app.no_more == ["t"]
        assert tree.next_error() is False


async def test_y_requests_a_copy_of_the_selected_span() -> None:
    app = TreeApp(make_store())
    async with app.run_test(size=(120, 20)) as pilot:
        tree = await started(app, pilot)
        await pilot.press("j", "y")
        await pilot.pause()
        assert [s.span_id for s in app.copied] == ["dec"]
        assert tree.selected_span is app.copied[0]


async def test_select_span_expands_ancestors() -> None:
    app = TreeApp(make_store())
    async with app.run_test(size=(120, 20)) as pilot:
        tree = await started(app, pilot)
        await pilot.press("left_square_bracket")
        tree.select_span("read")
        await pilot.pause()
        assert selected(tree) == "read"
        assert tree.visible_span_ids == ["root", "dec", "dag", "t1", "rag", "read", "inf", "t2", "syn"]
        tree.select_span("no-such-span")
        assert selected(tree) == "read"


# -- mouse -------------------------------------------------------------------------


async def test_click_selects_and_the_disclosure_glyph_toggles() -> None:
    app = TreeApp(make_store())
    async with app.run_test(size=(120, 20)) as pilot:
        tree = await started(app, pilot)
        await pilot.click(SpanTreeView, offset=(20, 1 + 3))  # row 3: dag
        assert selected(tree) == "dag"
        await pilot.click(SpanTreeView, offset=(2, 1 + 1))  # dec's ▾ (depth 1 -> x = 2)
        assert selected(tree) == "dec"
        assert "plan" not in tree.visible_span_ids
        await pilot.click(SpanTreeView, offset=(2, 1 + 1))
        assert "plan" in tree.visible_span_ids


# -- live data ------------------------------------------------------------------------


async def test_new_data_never_moves_the_cursor_or_the_view() -> None:
    spans = [sp("root", None, 0, 1000)] + [sp(f"c{i:03d}", "root", 100 + i, 101 + i) for i in range(300)]
    app = TreeApp(make_store(*spans))
    async with app.run_test(size=(100, 20)) as pilot:
        tree = await started(app, pilot)
        tree.select_span("c150")
        await pilot.pause()
        tree.scroll_y = 140
        await pilot.pause()
        top_before = tree.visible_span_ids[tree.scroll_offset.y]
        screen_before = screen_lines(tree)[1:]
        highlights = len(app.highlighted)
        # Spans that sort above the view (earlier starts), below it, and an update to a visible one.
        app.store.apply([sp(f"early{i}", "root", 1 + i * 0.1, 2 + i * 0.1) for i in range(40)])
        app.store.apply([sp(f"late{i}", "root", 500 + i, 501 + i) for i in range(40)])
        app.store.apply([sp("c150", "root", 250, 252, name="c150 renamed")])
        tree.refresh_from_store()
        await pilot.pause()
        assert selected(tree) == "c150"
        assert tree.visible_span_ids[tree.scroll_offset.y] == top_before
        assert tree.row_count == 1 + 300 + 80
        assert len(app.highlighted) == highlights  # same span: no new highlight
        after = screen_lines(tree)[1:]
        # The same rows at the same places (names and guides; the critical-path
        # marks may move, new spans end later); only the updated span's row changed.
        left_w = layout(tree.content_width)[0]
        assert [line[:left_w] for line in after if "c150" not in line] == [line[:left_w] for line in screen_before if "c150" not in line]
        assert any("c150 renamed" in line for line in after)
        # Textual repainted the changed line (only changed lines are refreshed).
        painted = [state[0] for state in tree._painted.values() if state[0].span_id == "c150"]
        assert painted and painted[0].name == "c150 renamed"
        # Nothing changed: refresh is a no-op and keeps everything.
        tree.refresh_from_store()
        assert tree.visible_span_ids[tree.scroll_offset.y] == top_before


async def test_running_spans_tick_and_evicted_traces_are_reported() -> None:
    st = make_store(sp("root", None, 0, None, status=Status.RUNNING), sp("kid", "root", 1, None, status=Status.RUNNING))
    app = TreeApp(st, now=BASE + 3 * S)
    async with app.run_test(size=(100, 10)) as pilot:
        tree = await started(app, pilot)
        first = screen_lines(tree)[2]
        assert "2.00s…" in first
        app.now = BASE + 9 * S
        tree.refresh_from_store()
        await pilot.pause()
        later = screen_lines(tree)[2]
        assert "8.00s…" in later
        assert selected(tree) == "root"
        # The store evicts the trace: the view says so instead of failing.
        st.max_spans = 1
        st.apply([sp("x", None, 0, 1, trace="newer")])
        tree.refresh_from_store()
        await pilot.pause()
        assert "evicted" in screen_lines(tree)[0]
        assert tree.selected_span is not None  # the last state stays readable


async def test_filter_follows_live_data_without_moving_the_cursor() -> None:
    app = TreeApp(make_store())
    async with app.run_test(size=(120, 20)) as pilot:
        tree = await started(app, pilot)
        assert tree.set_filter("kind:llm").matches == 2
        await pilot.press("n")
        assert selected(tree) == "inf"
        app.store.apply([sp("late_llm", "syn", 121, 122, kind=SpanKind.LLM_CALL), sp("plan", "dec", 0.1, 4, name="llm_planning_call v2", kind=SpanKind.LLM_CALL)])
        tree.refresh_from_store()
        await pilot.pause()
        assert tree.match_count == 3
        assert "late_llm" in tree.visible_span_ids and "syn" in tree.visible_span_ids
        assert selected(tree) == "inf"
        assert "3 matches" in screen_lines(tree)[0]
        # Under a filter, n/N and e reveal spans inside nodes collapsed in the filtered view.
        tree.select_span("t1")
        await pilot.press("h")
        assert "inf" not in tree.visible_span_ids
        await pilot.press("g", "n", "n")
        assert selected(tree) == "inf"


async def test_no_trace_theme_switch_and_keys_on_an_empty_view_do_not_fail() -> None:
    app = TreeApp(make_store())
    async with app.run_test(size=(100, 12)) as pilot:
        tree = app.query_one(SpanTreeView)
        tree.focus()
        await pilot.press("j", "k", "enter", "h", "G", "g", "pagedown", "left_square_bracket", "n", "e", "y")
        assert tree.selected_span is None and tree.trace_id is None
        # the header says so, and draws no time scale for a trace that is not there
        assert screen_lines(tree)[0].strip() == "no trace selected"
        tree.show_trace("missing")
        await pilot.pause()
        assert tree.selected_span is None
        tree.show_trace("t")
        await pilot.pause()
        before = tree.render_line(1)
        app.theme = "textual-light"
        await pilot.pause()
        after = tree.render_line(1)
        assert after.text == before.text
        assert [seg.style for seg in after] != [seg.style for seg in before]  # new colours, not stale cache


# -- hostile text ------------------------------------------------------------------------

HOSTILE = {
    "markup": "[bold]x[/] [@click=app.quit]quit[/]",
    "escape": "evil\x1b[2J\x1b]0;title\x07\r\nnext",
    "huge": "A" * 100_000,
    "emoji": "👩‍💻 agent 🚀🚀",
    "cjk": "検索エージェント日本語",
    "rtl": "שלום \u202eevil\u202c مرحبا",
    "combining": "e\u0301e\u0301 cafe\u0301",
}


async def test_hostile_names_render_literally_and_keep_columns_aligned() -> None:
    spans = [sp("root", None, 0, 10, name="root")]
    for i, (sid, name) in enumerate(HOSTILE.items()):
        spans.append(
            sp(sid, "root", i, i + 2, name=name, kind=SpanKind.TOOL_EXECUTION, tool=ToolInfo(name=name, target=name), status=Status.ERROR, status_message=name)
        )
    for width in (120, 80):
        app = TreeApp(make_store(*spans), now=BASE + 20 * S)
        async with app.run_test(size=(width, 12)) as pilot:
            tree = await started(app, pilot)
            left_w, _wf_w = layout(tree.content_width)
            strips = [tree.render_line(y) for y in range(1, 1 + len(HOSTILE) + 1)]
            for strip in strips:
                assert strip.cell_length == tree.content_width
                for seg in strip:
                    assert "\x1b" not in seg.text and "\r" not in seg.text and "\n" not in seg.text
                    assert "\u202e" not in seg.text
                    assert not (seg.style and seg.style.meta), "no click actions from span text"
                # The duration column sits at the same cells on every row, whatever the name.
                dur = strip.crop(left_w + 2, left_w + 2 + 8).text
                assert dur.strip().endswith("s"), dur
            text = "\n".join(s.text for s in strips)
            assert "[bold]x[/] [@click=app.quit]quit[/]" in text or "[bold]x[/] [@click=app.qu" in text
            assert "␛[2J" in text  # the escape is made visible
            assert "\\u202e" in text
            assert "AAAA" in text
            # Clicking the markup row does nothing but select it.
            await pilot.click(SpanTreeView, offset=(10, 2))
            await pilot.pause()
            assert app.is_running
            assert selected(tree) == "markup"


async def test_narrow_widget_hides_the_waterfall_gracefully() -> None:
    app = TreeApp(make_store())
    async with app.run_test(size=(50, 14)) as pilot:
        tree = await started(app, pilot)
        lines = screen_lines(tree)
        assert all(cell_len(line) == tree.content_width for line in lines)
        assert "█" not in "".join(lines)
        assert "2m05s" in lines[1]


async def test_a_number_in_a_row_is_shown_whole_or_left_out_never_cut() -> None:
    # At every width, a model call's cost reads whole ($0.013) or is left out with "…":
    # never "$0…" or "$0.01…", which would read as another figure.
    from agenttrace_tui.model import Cost

    st = Store()
    st.apply([sp("root", None, 0, 10, name="run", kind=SpanKind.AGENT),
              sp("call", "root", 1, 5, name="llm_planning_call", kind=SpanKind.LLM_CALL,
                 llm=LlmInfo(model="claude-sonnet-4-5", stop_reason="end_turn"),
                 usage=TokenUsage(input=412, output=131), cost=Cost(total=0.0133, source="reported"))])
    seen_whole = seen_left_out = 0
    for width in range(40, 181, 4):
        app = TreeApp(st, now=BASE + 10 * S)
        async with app.run_test(size=(width, 8)) as pilot:
            tree = await started(app, pilot)
            row = next(line for line in screen_lines(tree) if "llm_planning" in line)
            left = row[: layout(tree.content_width)[0]]
            if "$" in left:
                assert "$0.013" in left and "$0.013…" not in left, (width, row)
                seen_whole += 1
            else:
                seen_left_out += 1
    assert seen_whole and seen_left_out  # both cases were met across the widths


async def test_an_unpriced_calls_mark_shows_where_its_token_counts_do_not_fit() -> None:
    # A number left out does not take the shorter ones after it: the "$?" of a call nobody
    # prices still shows in a row too narrow for "tok 12k→1.2k".
    from agenttrace_tui.model import Cost

    st = Store()
    st.apply([sp("call", None, 0, 5, name="local model", kind=SpanKind.LLM_CALL,
                 llm=LlmInfo(model="my-finetune-v3"), usage=TokenUsage(input=12_500, output=1_200),
                 cost=Cost(total=None, source="unknown", reason="no price for acme/my-finetune-v3"))])
    seen = []
    for width in range(60, 121, 2):
        app = TreeApp(st, now=BASE + 10 * S)
        async with app.run_test(size=(width, 6)) as pilot:
            tree = await started(app, pilot)
            row = next(line for line in screen_lines(tree)[1:] if "local model" in line)  # (line 0: the header)
            left = row[: layout(tree.content_width)[0]]
            if "$?" in left and "tok" not in left:
                seen.append(width)
                assert left.rstrip().endswith("…"), left  # something was left out, and it says so
            assert "tok 12k→1.2k" in left or "tok" not in left, left  # never a cut count
    assert seen, "no width showed the $? without the token counts"


def test_snapshot_span_tree_120x36(snap_compare) -> None:
    st = make_store()
    st.apply([sp("live", "syn", 121, None, name="streaming answer", kind=SpanKind.LLM_CALL, status=Status.RUNNING, llm=LlmInfo(model="gpt-4o"))])
    app = TreeApp(st)

    async def setup(pilot) -> None:
        await started(app, pilot)
        await pilot.press("j", "j")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 36), run_before=setup)
