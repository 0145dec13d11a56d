"""A model call still running has no cost yet: sums that hold one say more is to come.

An agent spends most of its time inside model calls, and their tokens (so
their cost) come with their end. A trace whose only call is running read
``$0`` in the lists, a session with a finished call and a running one the
finished call's cost as if it were all. Now such a sum reads ``$…`` or
``$0.0012+…`` wherever the monitor lists it live (trace and session lists,
the cost pane, the palette), and plain once the call has ended. A call left
open by an agent that exited (or at the end of a recording) never ends: what
it cost is not known, ``$?``, as for any unpriced call. Driven through the
real pipeline, enrichers and app.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from genai_prices import Usage, calc_price

from agenttrace_tui.commands.headless import trace_line
from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.enrich.cost import unended_unpriced
from agenttrace_tui.format.cost import NEVER_ENDED
from agenttrace_tui.format.numbers import fmt_cost
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import AgentInfo, LlmInfo, Session, Span, SpanEnd, SpanKind, Status, TokenUsage, ToolInfo
from agenttrace_tui.store.memory import Store
from agenttrace_tui.ui.app import make_app
from agenttrace_tui.ui.budget_alerts import BudgetWatch
from agenttrace_tui.ui.fmt import sum_cost as fmt_sum_cost
from agenttrace_tui.ui.palette import app_commands
from fixtures import cli_out, write_store

S = 1_000_000_000
T0 = (int(datetime.now(UTC).timestamp()) - 60) * S
NOW = T0 + 30 * S


def price(tin: int, tout: int) -> float:
    ts = datetime.fromtimestamp(T0 / S, tz=UTC)
    return float(calc_price(Usage(input_tokens=tin, output_tokens=tout), "gpt-4o-mini", provider_id="openai",
                            genai_request_timestamp=ts).total_price)


def _call(sid: str, trace: str, session: str, n: int, usage: TokenUsage | None, ended: bool) -> Span:
    start = T0 + n * S
    return Span(span_id=sid, trace_id=trace, session_id=session, parent_span_id="root-" + trace, name="chat gpt-4o-mini",
                kind=SpanKind.LLM_CALL, start_ns=start, end_ns=start + S if ended else None,
                status=Status.OK if ended else Status.RUNNING,
                llm=LlmInfo(provider="openai", model="gpt-4o-mini"), usage=usage)


def _root(trace: str, session: str) -> Span:
    return Span(span_id="root-" + trace, trace_id=trace, session_id=session, name="agent run", kind=SpanKind.AGENT,
                start_ns=T0, status=Status.RUNNING, agent=AgentInfo(name="fixer"))


def running_store() -> tuple[Store, Pipeline]:
    """Session "live": trace "t-both" with an ended, priced call and a running one; trace
    "t-open" with only a running call. Session "gone": its agent exited inside a call."""
    store = Store()
    pipe = Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False))
    pipe.apply([
        Session(id="live", name="live run", started_ns=T0),
        _root("t-both", "live"),
        _call("done", "t-both", "live", 1, TokenUsage(input=1000, output=200), ended=True),
        _call("open", "t-both", "live", 3, None, ended=False),
        _root("t-open", "live"),
        _call("only", "t-open", "live", 5, None, ended=False),
        Session(id="gone", name="exited run", started_ns=T0),
        _root("t-gone", "gone"),
        _call("left", "t-gone", "gone", 1, None, ended=False),
        Session(id="gone", name="exited run", started_ns=T0, ended_ns=T0 + 4 * S),
    ])
    return store, pipe


def test_the_figures() -> None:
    assert fmt_cost(0.0012, running=1) == "$0.0012+…"
    assert fmt_cost(0.0, running=2) == "$…"
    assert fmt_cost(0.0012, unpriced=1, running=1) == "$0.0012+$?"  # unpriced says more
    assert fmt_cost(0.0012, estimated=True, running=1) == "≈$0.0012+…"
    assert fmt_cost(0.0012) == "$0.0012"


def test_the_store_counts_running_calls_that_may_still_end() -> None:
    store, _ = running_store()
    assert store.trace("t-both").totals.llm_waiting == 1
    assert store.trace("t-open").totals.llm_waiting == 1
    assert store.sessions["live"].totals.llm_waiting == 2
    # The exited session's call will get no end: its cost is not "to come".
    assert store.sessions["gone"].totals.llm_waiting == 1
    assert store.running_live(calls=True) == 2
    # A call the monitor stamped unknown when it stopped (a replay's end shows it so) is
    # counted unpriced once, not also as waiting.
    _, pipe = running_store()
    stamped = _call("stamped", "t-gone", "gone", 2, None, ended=False)
    unended_unpriced(stamped)
    pipe.store.apply([stamped])  # as a replay applies what the file kept
    t = pipe.store.sessions["gone"].totals
    assert (t.llm_waiting, t.cost_unknown) == (1, 1)
    assert fmt_sum_cost(t, 0) == "$?" and "2" not in fmt_sum_cost(t, 0)


def _row(table, key: str) -> str:
    return " ".join(c.plain for c in table.row_cells(key))


async def _until(pilot, ok, what: str) -> None:
    for _ in range(100):
        if ok():
            return
        await pilot.pause(0.05)
    raise AssertionError(what)


async def test_lists_and_cost_pane_say_more_is_to_come_until_the_calls_end() -> None:
    store, pipe = running_store()
    done = price(1000, 200)
    app = make_app(store=store, now_ns=lambda: NOW)
    async with app.run_test(size=(160, 48)) as pilot:
        await _until(pilot, lambda: "live" in app.sessions.keys, "sessions listed")
        assert fmt_cost(done, running=2, width=10) in _row(app.sessions, "live")
        gone = _row(app.sessions, "gone")
        # Its agent exited inside the call: that call will never end, its cost is not known.
        assert "interrupted" in gone and "$?" in gone and "…" not in gone, gone
        app.sessions.select_key("live")
        await _until(pilot, lambda: set(app.traces.keys) == {"t-both", "t-open"}, "traces listed")
        assert fmt_cost(done, running=1, width=10) in _row(app.traces, "t-both")
        assert "$…" in _row(app.traces, "t-open") and "$0 " not in _row(app.traces, "t-open") + " "
        if app.screen.has_class("-hide-cost") or not app.cost.display:
            await pilot.press("c")
        await _until(pilot, lambda: "2 calls running" in app.cost.plain(), "cost pane")
        panel = app.cost.plain()
        session_cost = next(ln for ln in panel.splitlines() if ln.startswith(" cost"))
        assert fmt_cost(done, running=2) in session_cost, panel

        # The calls end with their tokens: the sums are whole, and plain.
        pipe.apply([SpanEnd(trace_id="t-both", span_id="open", end_ns=T0 + 4 * S, status=Status.OK),
                    Span(span_id="only", trace_id="t-open", session_id="live", name="chat gpt-4o-mini",
                         kind=SpanKind.LLM_CALL, start_ns=T0 + 5 * S, end_ns=T0 + 6 * S, status=Status.OK,
                         llm=LlmInfo(provider="openai", model="gpt-4o-mini"), usage=TokenUsage(input=500, output=100))])
        both_open = store.trace("t-both").totals
        # An end without tokens: that call is unpriced now ($?), never $0, nor "to come".
        assert both_open.llm_waiting == 0 and both_open.cost_unknown == 1
        await _until(pilot, lambda: "…" not in _row(app.traces, "t-open"), "trace row redrawn")
        assert fmt_cost(price(500, 100), width=10) in _row(app.traces, "t-open")
        assert fmt_cost(done, unpriced=1, width=10) in _row(app.traces, "t-both")
        await _until(pilot, lambda: "running" not in app.cost.plain().split("all sessions")[0], "cost pane redrawn")


async def test_palette_entries() -> None:
    store, _ = running_store()
    done = price(1000, 200)
    app = make_app(store=store, now_ns=lambda: NOW)
    async with app.run_test(size=(160, 48)) as pilot:
        app.sessions.select_key("live")
        await _until(pilot, lambda: set(app.traces.keys) == {"t-both", "t-open"}, "traces listed")
        cmds = list(app_commands(app))
        sessions = {c.title.split()[1]: c.help for c in cmds if c.title.startswith("Session:")}
        traces = {c.title.split()[-1]: c.help for c in cmds if c.title.startswith("Trace:")}
        assert sessions["live"] == f"running · 5 spans · {fmt_cost(done, running=2)}"
        assert sessions["exited"] == "interrupted · 2 spans · $?", sessions  # its open call never ends
        assert traces["t-both"].endswith(fmt_cost(done, running=1)) and traces["t-open"].endswith("$…"), traces


def test_headless_line_of_a_cut_trace_counts_the_open_call_unknown() -> None:
    store, _ = running_store()
    line = trace_line(store, store.traces["t-gone"])
    assert " UNFINISHED " in line and "cost=$?" in line, line
    assert f'unpriced=1 why="{NEVER_ENDED}"' in line


async def test_cost_pane_of_a_session_whose_agent_exited_inside_a_call() -> None:
    store, _ = running_store()
    app = make_app(store=store, now_ns=lambda: NOW)
    async with app.run_test(size=(160, 48)) as pilot:
        await _until(pilot, lambda: "gone" in app.sessions.keys, "sessions listed")
        app.sessions.select_key("gone")
        if app.screen.has_class("-hide-cost") or not app.cost.display:
            await pilot.press("c")
        await _until(pilot, lambda: app.cost.plain().startswith("session exited run"), "cost pane of the session")
        session_part, everything = app.cost.plain().split("all sessions")
        assert " cost   $?  1 call never ended" in session_part, session_part
        # All sessions: the live session's two calls are to come, the exited one's is not known.
        total = next(ln for ln in everything.splitlines() if ln.startswith(" cost"))
        assert total.startswith(" cost   $0.0003+$?  1 call never ended, 2 running"), total


# -- the same figures from the file, while the monitor writes it ------------------------
@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_store(tmp_path_factory.mktemp("running") / "running.db", running_store()[0])


def test_cli_says_what_the_monitor_says(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    done = price(1000, 200)
    listed = cli_out(capsys, "--db", str(db), "sessions", "list", "--wide")
    live = next(ln for ln in listed.splitlines() if ln.startswith("live"))
    gone = next(ln for ln in listed.splitlines() if ln.startswith("gone"))
    assert f" {fmt_cost(done, running=2)} " in live and "running" in live, listed
    assert " $? " in gone and "interrupted" in gone, listed
    assert "…: 2 LLM calls still running; their cost comes with their end." in listed
    assert "$?: 1 LLM call never ended (its session stopped running with it open): its cost is unknown." in listed
    rows = {r["id"]: r for r in json.loads(cli_out(capsys, "--db", str(db), "sessions", "list", "--json"))}
    assert (rows["live"]["cost"], rows["live"]["calls_running"], rows["live"]["unpriced"]) == (None, 2, 0)
    assert rows["live"]["cost_priced"] == pytest.approx(done, rel=1e-9)
    assert (rows["gone"]["cost"], rows["gone"]["calls_running"], rows["gone"]["unpriced"]) == (None, 0, 1)
    traces = {r["trace_id"]: r for r in json.loads(cli_out(capsys, "--db", str(db), "traces", "list", "--json"))}
    assert {t: (r["calls_running"], r["unpriced"]) for t, r in traces.items()} == {
        "t-both": (1, 0), "t-open": (1, 0), "t-gone": (0, 1)}
    shown = cli_out(capsys, "--db", str(db), "sessions", "show", "live")
    assert f"cost: {fmt_cost(done, running=2)} (2 calls running)" in shown, shown
    tree = cli_out(capsys, "--db", str(db), "traces", "show", "t-open")
    assert "Cost: $…" in tree, tree
    assert "Cost: $?" in cli_out(capsys, "--db", str(db), "traces", "show", "t-gone")


def test_a_call_that_starts_late_in_an_ended_session_is_not_to_come() -> None:
    # The agent's last span_start (sent before it exited) arrives after its session's end.
    store, pipe = running_store()
    pipe.apply([Session(id="quiet", name="quiet run", started_ns=T0), _root("t-quiet", "quiet"),
                SpanEnd(trace_id="t-quiet", span_id="root-t-quiet", end_ns=T0 + 4 * S, status=Status.OK),
                Session(id="quiet", name="quiet run", started_ns=T0, ended_ns=T0 + 10 * S)])
    assert store.running_live(calls=True) == 2  # (reading it forgets ended sessions with nothing open)
    pipe.apply([_call("late", "t-quiet", "quiet", 5, None, ended=False)])
    assert store.sessions["quiet"].status(NOW) == "interrupted"
    assert store.running_live(calls=True) == 2 and store.running_live() == store.totals.running - 3


def test_an_open_call_reported_again_with_another_status_is_still_to_come(tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    store, pipe = running_store()
    again = _call("only", "t-open", "live", 5, None, ended=False)
    again.status = Status.ERROR  # a re-report without an end: still open
    pipe.apply([again])
    assert store.trace("t-open").totals.llm_waiting == 1
    db = write_store(tmp_path / "again.db", store)
    traces = {r["trace_id"]: r for r in json.loads(cli_out(capsys, "--db", str(db), "traces", "list", "--json"))}
    assert traces["t-open"]["calls_running"] == 1 and traces["t-open"]["cost"] is None
    assert "Cost: $…" in cli_out(capsys, "--db", str(db), "traces", "show", "t-open")


def test_stats_costs_and_compare_say_it_too(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    done = price(1000, 200)
    live = json.loads(cli_out(capsys, "--db", str(db), "stats", "--session", "live", "--json"))
    assert (live["cost"], live["calls_running"], live["unpriced"]) == (None, 2, 0)
    assert f"cost {fmt_cost(done, running=2)}" in cli_out(capsys, "--db", str(db), "stats", "--session", "live")
    gone = json.loads(cli_out(capsys, "--db", str(db), "stats", "--session", "gone", "--json"))
    assert (gone["cost"], gone["calls_running"], gone["unpriced"], gone["calls_never_ended"]) == (None, 0, 1, 1)
    text = cli_out(capsys, "--db", str(db), "stats", "--session", "gone")
    assert "cost $?" in text and "1 LLM call never ended" in text and "without a price" not in text, text

    costs = json.loads(cli_out(capsys, "--db", str(db), "costs", "--session", "gone", "--json"))
    assert (costs["total"]["cost_usd"], costs["total"]["unpriced_calls"]) == (None, 1)
    assert costs["unpriced"] == {NEVER_ENDED: 1}
    costs = json.loads(cli_out(capsys, "--db", str(db), "costs", "--session", "live", "--json"))
    assert (costs["total"]["cost_usd"], costs["total"]["calls_running"]) == (None, 2)
    assert "… running: 2 LLM calls still running" in cli_out(capsys, "--db", str(db), "costs", "--session", "live")

    # Compared, the exited run is not the cheaper one: what its open call cost is not known.
    rows = json.loads(cli_out(capsys, "--db", str(db), "compare", "gone", "live", "--json"))
    assert rows["a"]["cost"] is None and rows["a"]["unpriced"] == 1, rows["a"]
    # The running one's calls are to come, not unpriced: +…, as stats and costs say.
    assert (rows["b"]["cost"], rows["b"]["unpriced"], rows["b"]["calls_running"]) == (None, 0, 2), rows["b"]
    assert rows["delta"]["cost"] is None and rows["delta"]["cost_to_come"] is False  # a side is unpriced: $?
    text = cli_out(capsys, "--db", str(db), "compare", "gone", "live")
    cost_row = next(ln for ln in text.splitlines() if ln.lstrip().startswith("cost"))
    assert fmt_cost(done, running=2) in cost_row and "$?" in cost_row, text


def test_a_budget_notice_says_more_is_to_come() -> None:
    store, _ = running_store()
    done = price(1000, 200)
    notices = {n.message.split(" is over")[0]: n.message for n in BudgetWatch(done / 2).check(store)}
    assert notices["Session live run"].endswith(f"over budget: {fmt_cost(done, running=2)} of {fmt_cost(done / 2)}.")


def test_the_csv_export_says_why_an_open_calls_cost_cell_is_empty(db: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    rows = {}
    for sid in ("live", "gone"):
        out = tmp_path / f"{sid}.csv"
        cli_out(capsys, "export", "--session", sid, "--format", "csv", "-o", str(out), "--db", str(db))
        rows.update({r["span_id"]: r for r in csv.DictReader(out.open())})
    assert (rows["open"]["state"], rows["open"]["cost_usd"], rows["open"]["cost_reason"]) == (
        "running", "", "not known until the call ends")
    assert (rows["left"]["state"], rows["left"]["cost_usd"], rows["left"]["cost_reason"]) == (
        "unfinished", "", NEVER_ENDED)
    assert rows["done"]["cost_usd"] == str(round(price(1000, 200), 10))


def _line(text: str, label: str) -> str:
    return next(ln for ln in text.splitlines() if ln.startswith(" " + label + " "))


async def test_breakdown_rows_of_the_cost_pane_say_which_models_have_cost_to_come() -> None:
    store, pipe = running_store()
    pipe.apply([Span(span_id="other", trace_id="t-both", session_id="live", parent_span_id="root-t-both",
                     name="chat claude", kind=SpanKind.LLM_CALL, start_ns=T0 + 6 * S, status=Status.RUNNING,
                     llm=LlmInfo(provider="anthropic", model="claude-sonnet-4-5"))])
    done = price(1000, 200)
    app = make_app(store=store, now_ns=lambda: NOW)
    async with app.run_test(size=(160, 48)) as pilot:
        app.sessions.select_key("live")
        if app.screen.has_class("-hide-cost") or not app.cost.display:
            await pilot.press("c")
        await _until(pilot, lambda: "claude-sonnet-4-5" in app.cost.plain(), "cost pane")
        session_part, everything = app.cost.plain().split("all sessions")
        # A model whose only call runs: its cost is to come ($…), never a $0 nor a dash.
        for label in ("claude-sonnet-4-5", "anthropic"):
            row = _line(session_part, label)
            assert row.rstrip().endswith(" $…") and "$0" not in row, row
        # One call of gpt-4o-mini ended, two run: what ended cost, more to come, as the sum says.
        for label in ("gpt-4o-mini", "openai"):
            assert _line(session_part, label).rstrip().endswith(" " + fmt_cost(done, running=2)), session_part
        assert _line(session_part, "llm_call").rstrip().endswith(" " + fmt_cost(done, running=3)), session_part
        # All sessions: the exited session's call never ends (not known: $?), as the sum.
        assert _line(everything, "gpt-4o-mini").rstrip().endswith(" " + fmt_cost(done, unpriced=1, running=2))
        assert _line(everything, "claude-sonnet-4-5").rstrip().endswith(" $…"), everything

        # The calls end with their tokens: the rows are plain again.
        pipe.apply([Span(span_id=sid, trace_id=tid, session_id="live", name="chat", kind=SpanKind.LLM_CALL,
                         start_ns=T0 + n * S, end_ns=T0 + (n + 1) * S, status=Status.OK,
                         llm=LlmInfo(provider=prov, model=model), usage=TokenUsage(input=500, output=100))
                    for sid, tid, n, prov, model in (("open", "t-both", 3, "openai", "gpt-4o-mini"),
                                                     ("only", "t-open", 5, "openai", "gpt-4o-mini"),
                                                     ("other", "t-both", 6, "anthropic", "claude-sonnet-4-5"))])
        await _until(pilot, lambda: "…" not in app.cost.plain().split("all sessions")[0], "cost pane redrawn")
        session_part = app.cost.plain().split("all sessions")[0]
        assert _line(session_part, "gpt-4o-mini").rstrip().endswith(" " + fmt_cost(done + 2 * price(500, 100)))


def test_costs_by_model_says_which_rows_have_cost_to_come(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    done = price(1000, 200)
    got = json.loads(cli_out(capsys, "--db", str(db), "costs", "--session", "live", "--json"))
    rows = {r["model"]: r for r in got["rows"]}
    assert (rows["gpt-4o-mini"]["calls_running"], rows["gpt-4o-mini"]["cost_usd"]) == (2, None)
    assert rows["gpt-4o-mini"]["cost_priced_usd"] == pytest.approx(done, rel=1e-9)
    text = cli_out(capsys, "--db", str(db), "costs", "--session", "live")
    row = next(ln for ln in text.splitlines() if "gpt-4o-mini" in ln)
    assert fmt_cost(done, running=2) in row, text
    # The exited run's call never ends: its model's row is not known ($?), as the total.
    gone = json.loads(cli_out(capsys, "--db", str(db), "costs", "--session", "gone", "--group-by", "kind", "--json"))
    kinds = {r["kind"]: r for r in gone["rows"]}
    assert (kinds["llm_call"]["unpriced_calls"], kinds["llm_call"]["cost_usd"], kinds["llm_call"]["calls_running"]) == (
        1, None, 0)
    days = json.loads(cli_out(capsys, "--db", str(db), "costs", "--session", "live", "--group-by", "day", "--json"))
    assert sum(r["calls_running"] for r in days["rows"]) == 2


async def test_a_tools_share_of_a_call_to_come_reads_so_and_of_one_that_never_ends_unknown() -> None:
    """The model call that read a tool's result still runs: its share is to come (``$…``); in a
    session whose agent exited inside that call, never to come (``$?``). Both read ``$0`` before."""
    store, pipe = running_store()
    tool = ToolInfo(name="get_weather")
    pipe.apply([
        Span(span_id="tool-live", trace_id="t-both", session_id="live", parent_span_id="root-t-both", name="get_weather",
             kind=SpanKind.TOOL_EXECUTION, start_ns=T0 + 2 * S, end_ns=T0 + 2 * S + S // 2, tool=tool),
        Span(span_id="tool-gone", trace_id="t-gone", session_id="gone", parent_span_id="root-t-gone", name="get_weather",
             kind=SpanKind.TOOL_EXECUTION, start_ns=T0, end_ns=T0 + S // 2, tool=tool),
    ])
    app = make_app(store=store, now_ns=lambda: NOW)
    async with app.run_test(size=(160, 48)) as pilot:
        await _until(pilot, lambda: "live" in app.sessions.keys, "sessions listed")
        if app.screen.has_class("-hide-cost") or not app.cost.display:
            await pilot.press("c")
        for sid, decided, consumed in (("live", fmt_cost(price(1000, 200)), "$…"), ("gone", "—", "$?")):
            app.sessions.select_key(sid)

            def row(sid: str = sid) -> list[str]:
                panel = app.cost.plain()
                if f"session {sid}" not in panel and f"session {store.sessions[sid].session.label}" not in panel:
                    return []
                return next((ln.split() for ln in panel.splitlines() if ln.startswith(" get_weather")), [])

            await _until(pilot, lambda: bool(row()), f"the tools row of {sid}")
            assert row()[1:4] == ["1", decided, consumed], row()
