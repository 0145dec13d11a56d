"""Compare in the UI (issue 7): m marks A, m on another trace (or session) opens A vs B."""

from __future__ import annotations

import asyncio
import io

import pytest
from rich.console import Console

import fixtures
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.store.memory import Store
from agenttrace_tui.ui.app import make_app
from agenttrace_tui.ui.compare_view import CompareScreen
from agenttrace_tui.ui.history import HISTORY_MODE
from agenttrace_tui.ui.picker import SessionPicker
from test_history_fixture import build_db, fixture_updates

SIZE = (120, 36)
S = 1_000_000_000


async def wait_for(pilot, cond, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout:.0f}s")
        await pilot.pause(0.02)


def plain(renderable, width: int = 140) -> str:
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def two_versions_store() -> Store:
    store = Store()
    updates, _, _ = fixture_updates(fixtures.NOW_NS)
    Pipeline(store).apply(updates)
    return store


def _app(store=None):
    return make_app(store=store or two_versions_store(), now_ns=fixtures.clock)


async def show(pilot, app, session: str, trace: str) -> None:
    app.jump_to_session(session)
    await pilot.pause()
    app.jump_to_trace(trace)
    await wait_for(pilot, lambda: app.span_tree.trace_id == trace)


async def compare_the_two_versions(pilot, app) -> CompareScreen:
    """Mark trace-v1, then trace-v2: the compare screen opens."""
    await show(pilot, app, "sess-v1", "trace-v1")
    await pilot.press("m")
    await show(pilot, app, "sess-v2", "trace-v2")
    await pilot.press("m")
    await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
    return app.screen


def by_name(screen: CompareScreen) -> dict[str, list[str]]:
    return {r["name"]: r["changes"] for r in screen.result["spans"]}


async def test_mark_two_traces_and_compare():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await show(pilot, app, "sess-v1", "trace-v1")
        await pilot.press("m")
        assert app.compare_a.ident == "trace-v1"
        await show(pilot, app, "sess-v2", "trace-v2")
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        screen = app.screen
        changes = by_name(screen)
        assert changes["cache_lookup"] == ["added"]
        assert changes["parse_plan"] == ["removed"]
        assert "faster" in changes["rag_context_retrieval"]
        assert "more_expensive" in changes["llm_inference"]
        assert "fewer_errors" in changes["tool_execute"]
        # biggest differences first: the RAG span lost 20 s
        assert screen.result["spans"][0]["name"] == "rag_context_retrieval"
        text = plain(screen.renderable())
        assert "added" in text and "removed" in text and "faster" in text
        assert text.index("rag_context_retrieval") < text.index("cache_lookup")
        # A span with nothing to price reads "—" in both cost columns and their difference (it read
        # "$0" in each); a model call's cost and difference stay amounts.
        tool = next(ln for ln in text.splitlines() if ln.strip().startswith("tool_execute"))
        assert tool.split()[-3:] == ["—", "—", "—"], tool
        llm = next(ln for ln in text.splitlines() if ln.strip().startswith("llm_inference"))
        assert all("$" in cell for cell in llm.split()[-3:]), llm
        assert screen.result["a"]["errors"] == 1 and screen.result["b"]["errors"] == 0
        await pilot.press("slash")  # app keys do not reach under the compare screen
        assert app.screen is screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CompareScreen))
        assert app.compare_a is None


async def test_a_running_span_makes_its_row_unfinished_not_faster():
    # A call still running in B: its time is not known yet, so the row says "unfinished",
    # B's time reads "…+?" and the difference "?", on the screen as in the CLI.
    from agenttrace_tui.model import LlmInfo, Span, SpanKind

    store = two_versions_store()
    v2 = store.traces["trace-v2"]
    root = v2.spans[v2.root_id]
    store.apply([Span(span_id="still-running", trace_id="trace-v2", session_id="sess-v2", name="llm_inference",
                      kind=SpanKind.LLM_CALL, start_ns=root.start_ns + S, parent_span_id=root.span_id,
                      llm=LlmInfo(model="gpt-4o"))])
    app = _app(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await compare_the_two_versions(pilot, app)
        row = next(r for r in screen.result["spans"] if r["name"] == "llm_inference")
        assert "unfinished" in row["changes"] and "slower" not in row["changes"] and "faster" not in row["changes"]
        line = next(ln for ln in plain(screen.renderable()).splitlines() if ln.strip().startswith("llm_inference"))
        assert "+?" in line and " ? " in line and "0ns" not in line, line
        # Its session still runs: the call's cost is to come (+…), not unpriced ($?), as in the lists.
        assert (screen.result["b"]["calls_running"], screen.result["b"]["unpriced"]) == (1, 0)
        cost = next(ln for ln in plain(screen.renderable()).splitlines() if ln.strip().startswith("cost"))
        assert cost.count("+…") == 2 and "$?" not in cost, cost  # B's cost and the difference


async def test_mark_sessions_from_the_session_list_and_unmark():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.jump_to_session("sess-v1")
        await pilot.pause()
        assert app.focused is app.sessions
        await pilot.press("m")
        assert app.compare_a.kind == "session" and len(app.compare_a.spans) == 19
        await pilot.press("m")  # the same one again: unmark
        assert app.compare_a is None
        await pilot.press("m")
        app.jump_to_session("sess-v2")
        await pilot.pause()
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        assert app.screen.result["a"]["spans"] == 19 and app.screen.result["b"]["spans"] == 17
        assert "quick_check" in by_name(app.screen)  # only in v1's second trace
        text = plain(app.screen.renderable())
        assert "=evil[bold]name" in text and "\x1b" not in text  # a hostile span name, literally
        await pilot.press("q")
        await wait_for(pilot, lambda: not isinstance(app.screen, CompareScreen))


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "fx.db"
    build_db(path, now_ns=fixtures.NOW_NS)
    return path


async def test_compare_a_live_trace_with_a_saved_one(db):
    """A is marked live; B comes from a saved session in the history view."""
    app = make_app(store=fixtures.build_store(), now_ns=fixtures.clock)
    app.history_db = db
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await wait_for(pilot, lambda: app.span_tree.trace_id == fixtures.DEEP_TRACE)
        app.span_tree.focus()
        await pilot.press("m")
        assert app.compare_a.ident == fixtures.DEEP_TRACE
        await pilot.press("H")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionPicker) and app.screen.loaded)
        await pilot.press("slash", "v", "2", "enter")
        await wait_for(pilot, lambda: app.mode == HISTORY_MODE and app.span_tree.trace_id == "trace-v2")
        app.span_tree.focus()
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        changes = by_name(app.screen)
        assert changes["cache_lookup"] == ["added"] and changes["parse_plan"] == ["removed"]


async def test_nothing_to_mark_says_so():
    app = make_app(store=Store(), now_ns=fixtures.clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("m")
        assert getattr(app, "compare_a", None) is None
        assert any("Nothing to mark" in str(n.message) for n in app._notifications)


def test_compare_snapshot(snap_compare):
    app = _app()

    async def run_before(pilot) -> None:
        await pilot.pause()
        await compare_the_two_versions(pilot, app)
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


async def test_the_cost_row_has_one_number_of_decimals():
    """$0.0134 against $0.0102: each was shown by its own magnitude ('$0.013  $0.01
    -$0.0032', two precisions for one row); the row now takes the decimals its amounts need."""
    from agenttrace_tui.model import Cost, LlmInfo, Span, SpanKind, TokenUsage

    store = Store()
    for n, usd in ((1, 0.0134), (2, 0.0102)):
        store.apply([Span(span_id=f"c{n}", trace_id=f"t{n}", session_id=f"s{n}", name="chat", kind=SpanKind.LLM_CALL,
                          start_ns=fixtures.NOW_NS - 10 * S, end_ns=fixtures.NOW_NS - 9 * S,
                          llm=LlmInfo(provider="openai", model="gpt-4o"), usage=TokenUsage(input=10, output=5, total=15),
                          cost=Cost(total=usd, source="reported"))])
    app = _app(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await show(pilot, app, "s1", "t1")
        await pilot.press("m")
        await show(pilot, app, "s2", "t2")
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        cost_row = next(ln for ln in plain(app.screen.renderable()).splitlines() if ln.strip().startswith("cost"))
        assert cost_row.split()[1:] == ["$0.0134", "$0.0102", "-$0.0032"], cost_row
