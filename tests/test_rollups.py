"""Cost rollups: no double counting, per-tool attribution, spend over time, budgets."""

from __future__ import annotations

import pytest

from agenttrace_tui.analysis.budget import budget_state
from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import (
    Cost,
    LlmInfo,
    Span,
    SpanKind,
    Status,
    TokenUsage,
    ToolInfo,
)
from agenttrace_tui.store.memory import Store

S = 1_000_000_000
MIN = 60 * S
T0 = 29_166_660 * MIN  # 2025-06-15 14:40 UTC, on a whole minute


def sp(sid: str, parent: str | None, kind: SpanKind, start: float, end: float | None, tid: str = "t1", session: str = "s1", **kw) -> Span:
    return Span(
        span_id=sid,
        trace_id=tid,
        session_id=session,
        parent_span_id=parent,
        name=kw.pop("name", sid),
        kind=kind,
        start_ns=T0 + int(start * S),
        end_ns=None if end is None else T0 + int(end * S),
        status=kw.pop("status", Status.OK if end is not None else Status.RUNNING),
        **kw,
    )


def llm(sid: str, parent: str | None, start: float, end: float, usd: float, tokens: int = 100, response: str | None = None, **kw) -> Span:
    return sp(
        sid,
        parent,
        SpanKind.LLM_CALL,
        start,
        end,
        llm=LlmInfo(provider="openai", model=kw.pop("model", "gpt-4o"), response_preview=response),
        usage=TokenUsage(input=tokens, output=0, total=tokens),
        cost=Cost(total=usd),
        **kw,
    )


def tool(sid: str, parent: str | None, start: float, end: float | None, name: str, call_id: str | None = None, **kw) -> Span:
    return sp(sid, parent, SpanKind.TOOL_EXECUTION, start, end, tool=ToolInfo(name=name, call_id=call_id), **kw)


def fed(spans: list[Span]) -> Store:
    store = Store()
    Pipeline(store, enrichers=make_enrichers(None, store)).apply(spans)
    return store


def test_nested_agents_with_subtree_usage_are_not_counted_twice() -> None:
    spans = [
        sp("root", None, SpanKind.AGENT, 0, 30, usage=TokenUsage(input=700, output=70, scope="subtree"), cost=Cost(total=9.99)),
        sp("sub", "root", SpanKind.AGENT, 1, 20, usage=TokenUsage(input=300, output=30, scope="subtree")),
        sp("task", "sub", SpanKind.TASK, 1, 19, cost=Cost(total=5.0)),  # a task's own cost covers its subtree too
        # priced from bundled prices:
        sp("l1", "root", SpanKind.LLM_CALL, 0, 1, llm=LlmInfo(provider="openai", model="gpt-4o-mini"), usage=TokenUsage(input=400, output=40)),
        sp("l2", "task", SpanKind.LLM_CALL, 2, 3, llm=LlmInfo(provider="openai", model="gpt-4o-mini"), usage=TokenUsage(input=200, output=20)),
        sp("l3", "task", SpanKind.LLM_CALL, 4, 5, llm=LlmInfo(provider="anthropic", model="claude-3-5-haiku-latest"), usage=TokenUsage(input=100, output=10)),
    ]
    st = fed(spans)
    leaf_cost = sum(st.span("t1", s).cost.total for s in ("l1", "l2", "l3"))
    assert st.span("t1", "root").cost.total == 9.99 and st.span("t1", "root").usage.sum == 770  # shown on the span
    for totals in (st.totals, st.session("s1").totals, st.trace("t1").totals):
        assert (totals.input_tokens, totals.output_tokens) == (700, 70)
        assert totals.cost == pytest.approx(leaf_cost)
    models = dict(st.totals.breakdown("model"))
    assert models["gpt-4o-mini"].tokens == 660 and models["claude-3-5-haiku-latest"].tokens == 110
    assert sum(b.cost for _, b in st.totals.breakdown("provider")) == pytest.approx(leaf_cost)
    kinds = dict(st.totals.breakdown("kind"))
    assert kinds["agent"].cost == 0 and kinds["task"].cost == 0 and kinds["llm_call"].cost == pytest.approx(leaf_cost)
    assert sum(st.spend_series(n=5)) == pytest.approx(leaf_cost)


def fixture_trace() -> list[Span]:
    """An agent loop: llm1 decides read_file (by call id) and grep; llm2 consumes both and
    decides write_file; llm3 consumes write_file; a sub-agent's tool runs inside an llm span."""
    return [
        sp("agent", None, SpanKind.AGENT, 0, 20),
        llm("llm1", "agent", 0, 1, 0.10, tokens=1000, response='tool_use id="call_A" read_file; grep'),
        tool("read", "agent", 1.2, 2.0, "read_file", call_id="call_A"),
        tool("grep", "agent", 1.1, 1.5, "grep"),
        llm("llm2", "agent", 2.5, 3.0, 0.20, tokens=2000),
        tool("write", "agent", 3.1, 4.0, "write_file"),
        llm("llm3", "agent", 4.5, 5.0, 0.40, tokens=4000),
        # named by llm1's response although llm2 started before it: the call id wins
        tool("late", "agent", 2.6, 2.8, "read_file", call_id="call_A"),
        # a tool running inside an llm span (no llm sibling): the llm ancestor decided it
        llm("llm4", "agent", 6.0, 8.0, 0.08, tokens=800),
        tool("calc", "llm4", 6.5, 7.0, "calculator"),
        # still running: decided, not yet consumed
        tool("run", "agent", 9.0, None, "shell"),
    ]


def test_per_tool_attribution_on_a_fixture_trace() -> None:
    st = fed(fixture_trace())
    rows = {r.name: r for r in st.tool_costs()}
    assert set(rows) == {"read_file", "grep", "write_file", "calculator", "shell"}
    # llm1 decided three calls (read, grep, late): a third each.
    # llm2 consumed read and grep (late ended at 2.8 > llm2's start), decided write.
    # llm3 consumed write and late; llm4 decided calc (its ancestor) and shell (last llm sibling).
    r = rows["read_file"]
    assert r.calls == 2
    assert r.decided_cost == pytest.approx(2 * 0.10 / 3)
    assert r.consumed_cost == pytest.approx(0.20 / 2 + 0.40 / 2)  # read via llm2, late via llm3
    assert r.decided_tokens == pytest.approx(2 * 1000 / 3)
    g = rows["grep"]
    assert (g.decided_cost, g.consumed_cost) == (pytest.approx(0.10 / 3), pytest.approx(0.20 / 2))
    w = rows["write_file"]
    assert (w.decided_cost, w.consumed_cost) == (pytest.approx(0.20), pytest.approx(0.40 / 2))
    c = rows["calculator"]
    assert (c.decided_cost, c.consumed_cost) == (pytest.approx(0.08 / 2), 0.0)  # shares llm4 with shell
    s = rows["shell"]
    assert (s.calls, s.decided_cost, s.consumed_cost) == (1, pytest.approx(0.08 / 2), 0.0)
    # nothing is counted twice: the attributed spend never exceeds the LLM spend
    assert sum(x.decided_cost for x in rows.values()) == pytest.approx(0.10 + 0.20 + 0.08)
    assert sum(x.consumed_cost for x in rows.values()) <= 0.20 + 0.40 + 1e-12
    assert [x.name for x in st.tool_costs()][:2] == ["write_file", "read_file"]  # costliest first


def test_a_tool_beside_the_model_calls_subtrees_is_charged_to_the_calls_around_it() -> None:
    # LangGraph's shape: the agent node runs the model (inside a chain), the tools node the tool;
    # no model call is the tool's sibling or ancestor. Before: the tool read 0 decided, 0 consumed.
    # Two such agents run side by side under one root: each tool is its own agent's.
    spans: list[Span] = [sp("root", None, SpanKind.AGENT, 0, 20)]
    for i, (agent, tool_name) in enumerate((("a", "get_weather"), ("b", "search"))):
        off = i * 0.5  # b's steps start a little after a's: a's tool sees b's first call started before it
        spans += [
            sp(f"{agent}-graph", "root", SpanKind.AGENT, off, 10 + off),
            sp(f"{agent}-node1", f"{agent}-graph", SpanKind.TASK, off, 2 + off),
            sp(f"{agent}-chain1", f"{agent}-node1", SpanKind.TASK, off, 2 + off),
            llm(f"{agent}-llm1", f"{agent}-chain1", off, 1.8 + off, 0.10 * (i + 1), tokens=1000 * (i + 1)),
            sp(f"{agent}-tools", f"{agent}-graph", SpanKind.TASK, 2.2 + off, 3 + off),
            tool(f"{agent}-tool", f"{agent}-tools", 2.3 + off, 2.9 + off, tool_name),
            sp(f"{agent}-node2", f"{agent}-graph", SpanKind.TASK, 3.2 + off, 5 + off),
            llm(f"{agent}-llm2", f"{agent}-node2", 3.3 + off, 4.8 + off, 0.20 * (i + 1), tokens=2000 * (i + 1)),
        ]
    rows = {r.name: r for r in fed(spans).tool_costs()}
    w, s = rows["get_weather"], rows["search"]
    assert (w.decided_cost, w.consumed_cost) == (pytest.approx(0.10), pytest.approx(0.20))
    assert (w.decided_tokens, w.consumed_tokens) == (1000, 2000)
    assert (s.decided_cost, s.consumed_cost) == (pytest.approx(0.20), pytest.approx(0.40))


def test_a_tool_of_one_step_tree_is_consumed_by_the_next_steps_call() -> None:
    # OpenCode reports each step of a turn as a tree of its own in one trace: the call that
    # consumed the tool's result is in the next step's tree (the trace is the widest scope).
    spans = [
        sp("step1", None, SpanKind.TASK, 0, 3),
        llm("llm1", "step1", 0, 1, 0.10, tokens=1000),
        tool("bash", "step1", 1.1, 2.0, "bash", call_id="call_1"),
        sp("step2", None, SpanKind.TASK, 4, 6),
        llm("llm2", "step2", 4, 5, 0.20, tokens=2000),
    ]
    (row,) = fed(spans).tool_costs()
    assert (row.decided_tokens, row.consumed_tokens) == (1000, 2000)


def test_a_tool_no_model_call_consumed_counts_no_consumer_not_a_zero_share() -> None:
    # VoltAgent's shape: one model span wraps the AI SDK's whole loop, the tool runs inside its
    # time; no model call starts after the tool: it decided the call, none consumed it.
    spans = [
        sp("agent", None, SpanKind.AGENT, 0, 10),
        llm("loop", "agent", 0.5, 9, 0.10, tokens=1000),
        tool("weather", "agent", 3, 4, "get_weather"),
    ]
    (row,) = fed(spans).tool_costs()
    assert (row.decided_calls, row.consumed_calls) == (1, 0)
    assert row.decided_cost == pytest.approx(0.10) and row.consumed_cost == 0
    # a call of the tool in another trace that had both: the counts add up over calls
    spans += [sp("agent2", None, SpanKind.AGENT, 20, 30, tid="t2"), llm("first", "agent2", 20, 21, 0.05, tid="t2"),
              tool("weather2", "agent2", 22, 23, "get_weather", tid="t2"), llm("after", "agent2", 24, 25, 0.05, tid="t2")]
    (row,) = fed(spans).tool_costs()
    assert (row.calls, row.decided_calls, row.consumed_calls) == (2, 2, 1)


def test_tool_attribution_updates_when_the_trace_changes() -> None:
    st = fed(fixture_trace())
    before = {r.name: r.consumed_cost for r in st.tool_costs("s1")}
    assert before["shell"] == 0.0
    Pipeline(st, enrichers=make_enrichers(None, st)).apply(
        [
            Span(span_id="run", trace_id="t1", session_id="", name="", start_ns=0, end_ns=T0 + 10 * S),
            llm("llm5", "agent", 11, 12, 1.0),
        ]
    )
    after = {r.name: r for r in st.tool_costs("s1")}
    # llm5 is the first model call after both shell and calc ended, in the agent around them
    # (calc's own siblings hold none): it consumed the two, half each.
    assert after["shell"].consumed_cost == pytest.approx(0.5)
    assert after["calculator"].consumed_cost == pytest.approx(0.5)
    assert st.tool_costs("no-such-session") == []


def test_spend_series_by_minute_hour_and_day() -> None:
    st = fed(
        [
            llm("a", None, 10, 20, 0.5),  # minute 0
            llm("b", None, 70, 80, 0.25),  # minute 1
            llm("c", None, 3 * 60 + 1, 3 * 60 + 2, 1.0),  # minute 3
            llm("d", None, 65 * 60, 65 * 60 + 5, 2.0, tid="t2", session="s2"),  # hour 1, other session
        ]
    )
    assert st.spend_series("s1", "minute", n=5, now_ns=T0 + 4 * MIN) == pytest.approx([0.5, 0.25, 0.0, 1.0, 0.0])
    assert st.spend_series("s1", "minute", n=4) == pytest.approx([0.5, 0.25, 0.0, 1.0])  # ends at the last data
    assert st.spend_series(None, "hour", n=2, now_ns=T0 + 65 * MIN) == pytest.approx([1.75, 2.0])
    assert sum(st.spend_series(None, "day", n=3)) == pytest.approx(3.75)
    assert st.spend_series("s1", "minute", n=4, what="tokens") == [100, 100, 0, 100]
    assert st.spend_series("nobody", n=3) == [0.0, 0.0, 0.0]


def test_burn_rate_over_the_last_five_minutes() -> None:
    st = fed([llm("a", None, 0, 5, 3.0), llm("b", None, 6 * 60, 6 * 60 + 5, 1.0, tokens=500), llm("c", None, 9 * 60, 9 * 60 + 1, 2.0, tokens=1000)])
    # At 10:30 the window is the whole minutes 5 to 9: "a" is older, "b" and "c" in it.
    usd, tok = st.burn_rate(window_s=300, now_ns=T0 + 10 * MIN + 30 * S)
    assert usd == pytest.approx(3.0 / 5) and tok == pytest.approx(1500 / 5)
    assert st.burn_window(window_s=300, now_ns=T0 + 10 * MIN + 30 * S) == pytest.approx((3.0, 1500, 5))
    assert st.burn_rate("s1", now_ns=T0 + 60 * MIN) == (0.0, 0.0)


def test_burn_rate_is_the_bars_average_never_above_the_busiest() -> None:
    """The sparkline's last five bars, averaged: with the same spend every minute the burn
    is that spend, whenever in the minute it is read (a window cut at the second put six
    minutes' spend over five: 20 % too high, above every bar). A session younger than the
    window is all it spent over its age, a minute at least (its whole minutes alone left out
    the latest spend, and the first of them held only the seconds it ran)."""
    steady = fed([llm(f"m{i}", None, i * 60 + 1, i * 60 + 2, 0.5, tokens=100, tid=f"t{i}") for i in range(11)])
    for second in (0, 2, 30, 59):
        now = T0 + 11 * MIN + second * S
        usd, tok = steady.burn_rate(window_s=300, now_ns=now)
        bars = steady.spend_series(None, "minute", n=6, now_ns=now)[:-1]  # the whole minutes before this one
        assert usd == pytest.approx(0.5) == pytest.approx(sum(bars) / 5) and usd <= max(bars)
        assert tok == pytest.approx(100)
    young = fed([llm("y1", None, 30, 31, 0.2), llm("y2", None, 70, 71, 0.4), llm("y3", None, 130, 131, 0.9)])
    # Born at 30 s, read at 130 s: 1.5 spent (the 0.9 of the minute under way too) over 100 s.
    assert young.burn_window("s1", now_ns=T0 + 130 * S) == pytest.approx((1.5, 300, 100 / 60))
    assert young.burn_rate("s1", now_ns=T0 + 130 * S) == pytest.approx((1.5 * 60 / 100, 300 * 60 / 100))
    first = fed([llm("f1", None, 10, 11, 0.2)])
    assert first.burn_window(now_ns=T0 + 40 * S) == pytest.approx((0.2, 100, 1))  # its first minute, so far


def test_series_follow_merges_and_eviction() -> None:
    st = Store(max_spans=3)
    pipe = Pipeline(st, enrichers=make_enrichers(None, st))
    pipe.apply([llm("a", None, 0, 5, 1.0, tid="t1")])
    # the same span re-reported with a later end: moves to minute 2, not counted twice
    pipe.apply([llm("a", None, 0, 125, 1.0, tid="t1")])
    assert st.totals.series == {T0 // MIN + 2: [1.0, 100]}
    pipe.apply([llm("b", None, 0, 5, 2.0, tid="t2"), llm("c", None, 0, 5, 4.0, tid="t3"), llm("d", None, 0, 5, 8.0, tid="t4")])
    assert st.evicted_traces == 1
    assert sum(st.spend_series(n=3)) == pytest.approx(14.0) == st.totals.cost


@pytest.mark.parametrize(
    ("spent", "budget", "state"),
    [(0.79, 1.0, "ok"), (0.80, 1.0, "warn"), (0.99, 1.0, "warn"), (1.0, 1.0, "over"), (5.0, 1.0, "over"), (5.0, None, "ok"), (5.0, 0, "ok")],
)
def test_budget_states(spent: float, budget: float | None, state: str) -> None:
    st = fed([llm("a", None, 0, 1, spent)])
    assert budget_state(st.session("s1"), budget) == state


def test_budget_state_of_a_missing_session_is_ok() -> None:
    assert budget_state(None, 1.0) == "ok"


def test_a_running_tool_rollup_matches_a_fresh_one_as_traces_change() -> None:
    # The cost pane reads tool_costs over and over; its kept bucket sums must
    # give what summing every trace afresh gives, as traces come and change.
    from agenttrace_tui.store.tools import rollup_tools

    st = fed(fixture_trace())
    pipe = Pipeline(st, enrichers=make_enrichers(None, st))

    def same() -> None:
        fresh = {r.name: r for r in rollup_tools(st.traces.values())}
        kept = {r.name: r for r in st.tool_costs()}
        assert set(fresh) == set(kept)
        for name, r in fresh.items():
            k = kept[name]
            assert (k.calls, k.errors, k.estimated) == (r.calls, r.errors, r.estimated)
            assert (k.decided_cost, k.consumed_cost) == (pytest.approx(r.decided_cost), pytest.approx(r.consumed_cost))

    same()
    for i in range(30):
        pipe.apply([llm(f"x{i}", None, 20 + i, 21 + i, 0.5, tid=f"tx{i}"),
                    tool(f"y{i}", f"x{i}", 20.2 + i, 20.4 + i, f"tool{i % 3}", tid=f"tx{i}")])
        same()
    pipe.apply([Span(span_id="run", trace_id="t1", session_id="", name="", start_ns=0, end_ns=T0 + 10 * S),
                llm("llm5", "agent", 11, 12, 1.0)])
    same()
    assert st.tool_costs()[0].calls >= 1


def _many_tool_traces(n: int, session: str = "s1") -> list[Span]:
    """``n`` traces of an agent with three LLM calls around two tool calls (5 spans each)."""
    out: list[Span] = []
    for k in range(n):
        tid = f"m{k}"
        base = k * 0.01
        out += [
            sp(f"a{k}", None, SpanKind.AGENT, base, base + 5, tid=tid, session=session, name="agent"),
            llm(f"l1-{k}", f"a{k}", base + 0.1, base + 1, 0.01 * (k % 7 + 1), tokens=100 + k, tid=tid, session=session),
            tool(f"t1-{k}", f"a{k}", base + 1.1, base + 1.5, ("read_file", "grep", "bash")[k % 3], tid=tid, session=session),
            llm(f"l2-{k}", f"a{k}", base + 1.6, base + 2, 0.02, tokens=50, tid=tid, session=session),
            tool(f"t2-{k}", f"a{k}", base + 2.1, None if k % 5 == 0 else base + 2.5, "write_file", tid=tid, session=session),
        ]
    return out


def _rows(rows) -> list[tuple]:
    return [(r.name, r.calls, r.errors, r.estimated, r.duration_ns, r.decided_cost, r.consumed_cost, r.decided_tokens,
             r.consumed_tokens) for r in rows]


def test_a_budgeted_tool_rollup_works_through_a_full_store_in_slices_to_the_same_rows() -> None:
    # A store filled before the cost pane's first read (a replay, a preload) is
    # attributed a slice per read: None until whole, then exactly the rows a
    # single read over the same spans gives.
    whole, sliced = (fed(_many_tool_traces(200) + _many_tool_traces(50, session="s2")) for _ in range(2))
    want_all, want_s2 = _rows(whole.tool_costs()), _rows(whole.tool_costs("s2"))
    assert want_all and want_s2

    # Deferred: nothing attributed in the asking call, only the backlog left.
    assert sliced.tool_costs("s2", budget_spans=40, defer=True) is None
    assert all(t.tool_cache is None for t in sliced.traces.values())
    steps = 0
    got = sliced.tool_costs("s2", budget_spans=40)
    while got is None and steps < 1_000:
        steps += 1
        got = sliced.tool_costs("s2", budget_spans=40)
    assert steps >= 5 and _rows(got) == want_s2  # 250 spans in s2, about 40 a read
    # The traces of s2 are attributed now: all sessions still has s1's 1,000 spans to go.
    assert sliced.tool_costs(None, budget_spans=40) is None
    got = sliced.tool_costs(None, budget_spans=10_000)
    assert got is not None and _rows(got) == want_all
    # Once whole, a budgeted read is the plain read (nothing waits).
    assert _rows(sliced.tool_costs(None, budget_spans=1)) == want_all


def test_a_budgeted_tool_rollup_follows_traces_that_change_between_slices() -> None:
    whole, sliced = fed(_many_tool_traces(120)), fed(_many_tool_traces(120))
    assert sliced.tool_costs(None, budget_spans=50) is None
    for st in (whole, sliced):
        more = [llm(f"late{k}", f"a{k}", k * 0.01 + 3, k * 0.01 + 4, 0.5, tid=f"m{k}") for k in range(0, 120, 7)]
        Pipeline(st, enrichers=make_enrichers(None, st)).apply(more)
    got = None
    for _ in range(1_000):
        got = sliced.tool_costs(None, budget_spans=50)
        if got is not None:
            break
    assert got is not None and _rows(got) == _rows(whole.tool_costs())


def test_a_tool_rollup_read_again_with_nothing_changed_is_the_last_one() -> None:
    # The cost pane reads once a second, idle too: with nothing stored changed
    # the last read is the answer (no walk over every trace); any change reads anew.
    st = fed(_many_tool_traces(30))
    first = st.tool_costs()
    assert st.tool_costs() is first and st.tool_costs(None, budget_spans=1) is first
    Pipeline(st, enrichers=make_enrichers(None, st)).apply([llm("more", "a3", 3, 4, 0.5, tid="m3")])
    again = st.tool_costs()
    assert again is not first and _rows(again) == _rows(fed(_many_tool_traces(30) + [
        llm("more", "a3", 3, 4, 0.5, tid="m3")]).tool_costs())


def test_a_tool_call_in_a_trace_of_its_own_is_charged_to_the_model_calls_in_traces_of_their_own() -> None:
    """Gemini CLI sends each model call and each tool call as a trace of its own. Across the
    session's traces, the last model call that started by the tool's start decided it and the
    first that started after its end consumed it -- of the model calls in traces with no tool
    call only (one charged in its own trace is not charged again), and of the same session only."""
    from agenttrace_tui.store.tools import rollup_tools

    st = fed([
        llm("ask", None, 0, 1.0, 0.50, tokens=500, tid="t-ask"),
        # a model call with a tool call of its own in its trace: charged there, not here
        llm("busy", None, 1.2, 1.3, 0.30, tokens=300, tid="t-busy"),
        tool("own", "busy", 1.35, 1.4, "grep", tid="t-busy"),
        llm("elsewhere", None, 1.4, 1.45, 9.0, tid="t-other", session="s2"),  # another session's
        tool("run", None, 1.5, 2.0, "run_shell_command", tid="t-run"),
        llm("read", None, 2.5, 3.0, 0.25, tokens=250, tid="t-read"),
        llm("later", None, 4.0, 5.0, 0.125, tid="t-later"),
    ])
    rows = {r.name: r for r in st.tool_costs("s1")}
    run = rows["run_shell_command"]
    assert (run.calls, run.decided_calls, run.consumed_calls) == (1, 1, 1)
    assert (run.decided_cost, run.consumed_cost) == (pytest.approx(0.50), pytest.approx(0.25))
    assert (run.decided_tokens, run.consumed_tokens) == (500, 250)
    grep = rows["grep"]
    assert (grep.decided_cost, grep.decided_calls) == (pytest.approx(0.30), 1)
    everywhere = {r.name: r for r in st.tool_costs()}
    assert everywhere["run_shell_command"].decided_cost == pytest.approx(0.50)
    assert [(r.name, r.decided_cost, r.consumed_cost) for r in rollup_tools(st.traces.values())] == [
        (r.name, r.decided_cost, r.consumed_cost) for r in st.tool_costs()]

    # A running tool call has no consumer yet; a model call of its own trace wins over one elsewhere.
    st = fed([llm("ask", None, 0, 1.0, 0.50, tid="t-ask"), tool("run", None, 1.5, None, "run_shell_command", tid="t-run")])
    (run,) = st.tool_costs()
    assert (run.decided_calls, run.consumed_calls) == (1, 0)
    st = fed([llm("ask", None, 0, 1.0, 0.50, tid="t-ask"), llm("mine", None, 0.5, 1.2, 0.75, tid="t-run"),
              tool("run", None, 1.5, 2.0, "run_shell_command", tid="t-run")])
    (run,) = st.tool_costs()
    assert (run.decided_cost, run.consumed_calls) == (pytest.approx(0.75), 0)


def test_warming_tool_costs_fills_the_caches_a_read_uses_and_changes_no_figure() -> None:
    # The UI tick attributes changed traces a few at a time ahead of the cost
    # pane's read; what any read returns must be what attributing afresh gives.
    from agenttrace_tui.store.tools import _sum, attribute_trace

    st = fed(fixture_trace())
    pipe = Pipeline(st, enrichers=make_enrichers(None, st))
    for i in range(5):
        pipe.apply([llm(f"x{i}", None, 20 + i, 21 + i, 0.5, tid=f"tx{i}"),
                    tool(f"y{i}", f"x{i}", 20.2 + i, 20.4 + i, f"tool{i % 3}", tid=f"tx{i}")])
    _ = st.totals  # a fold of the totals: every trace so far changed in it
    assert st.warm_tool_costs(1.0) == 0  # changed in the last fold: perhaps still growing
    pipe.apply([tool("late", None, 40, 41, "tool0", tid="tnew")])
    _ = st.totals  # this fold sees only the new trace
    assert st.warm_tool_costs(1.0) == 6  # the fixture trace and tx0..tx4
    assert st.traces["tnew"].tool_cache is None
    for tid, trace in st.traces.items():
        if tid != "tnew":
            assert trace.tool_cache is not None and trace.tool_cache[0] == trace.version
    assert st.warm_tool_costs(1.0) == 0  # nothing left that changed before the last fold

    fresh = _sum(attribute_trace(t) for t in st.traces.values())
    kept = {r.name: r for r in st.tool_costs()}
    assert set(fresh) == set(kept)
    for name, r in fresh.items():
        k = kept[name]
        assert (k.calls, k.errors, k.estimated) == (r.calls, r.errors, r.estimated)
        assert (k.decided_cost, k.consumed_cost) == (pytest.approx(r.decided_cost), pytest.approx(r.consumed_cost))


def test_warming_tool_costs_keeps_no_evicted_trace() -> None:
    st = Store(max_spans=10)
    pipe = Pipeline(st)
    for i in range(30):
        pipe.apply([tool(f"y{i}", None, i, i + 0.5, "t", tid=f"tx{i}"), tool(f"z{i}", None, i, i + 0.5, "t", tid=f"tx{i}")])
        _ = st.totals
    assert len(st.traces) < 30
    assert set(st._tools_stale) <= set(st.traces)  # evicted traces are not held for warming
    st.warm_tool_costs(1.0)
    assert len(st._tools_stale) <= 1
