"""What each agent of a run spent, as the live store keeps it (the cost pane's `by agent` rows)."""

from __future__ import annotations

import pytest

from agenttrace_tui.model import RUNS_AGENT_ATTR, AgentInfo, Cost, LlmInfo, Session, Span, SpanKind, TokenUsage
from agenttrace_tui.store.agents import NO_AGENT
from agenttrace_tui.store.memory import Store

S = 1_000_000_000
T0 = 1_700_000_000 * S


def _span(sid: str, parent: str | None, kind: SpanKind, start: float, end: float | None, trace: str = "t1",
          agent: str | None = None, tokens: tuple[int, int] | None = None, usd: float | None = None) -> Span:
    return Span(span_id=sid, trace_id=trace, session_id="run", parent_span_id=parent, name=sid, kind=kind,
                start_ns=T0 + int(start * S), end_ns=None if end is None else T0 + int(end * S),
                agent=AgentInfo(name=agent) if agent else None,
                llm=LlmInfo(provider="openai", model="gpt-4o") if kind is SpanKind.LLM_CALL else None,
                usage=TokenUsage(input=tokens[0], output=tokens[1], total=sum(tokens)) if tokens else None,
                cost=Cost(total=usd) if usd is not None else None)


def _handoff(store: Store, trace: str = "t1", at: float = 0) -> None:
    """A workflow (no agent) whose planner call precedes a triage agent handing off to a weather
    agent: each agent's calls under its own agent span."""
    store.apply([
        _span("wf", None, SpanKind.AGENT, at, at + 9, trace),
        _span("plan", "wf", SpanKind.LLM_CALL, at, at + 1, trace, tokens=(50, 5), usd=0.0001),
        _span("triage", "wf", SpanKind.AGENT, at + 1, at + 4, trace, agent="Triage agent"),
        _span("c1", "triage", SpanKind.LLM_CALL, at + 1, at + 2, trace, tokens=(100, 10), usd=0.001),
        _span("weather", "wf", SpanKind.AGENT, at + 4, at + 9, trace, agent="Weather agent"),
        _span("step", "weather", SpanKind.TASK, at + 4, at + 9, trace),
        _span("c2", "step", SpanKind.LLM_CALL, at + 4, at + 5, trace, tokens=(200, 20), usd=0.002),
        _span("c3", "step", SpanKind.LLM_CALL, at + 6, at + 7, trace, tokens=(300, 30), usd=0.003),
    ])


def _rows(store: Store) -> dict[str, tuple[int, int, float]]:
    rows, _waiting = store.agent_costs("run")
    return {k: (b.input_tokens, b.output_tokens, round(b.cost, 6)) for k, b in rows}


def test_each_agent_is_charged_its_own_calls_and_the_rows_add_up_to_the_session() -> None:
    store = Store()
    store.apply([Session(id="run", name="handoff", started_ns=T0)])
    _handoff(store)
    _handoff(store, "t2", at=20)
    rows, waiting = store.agent_costs("run")
    # Costliest first; the planner's call above both agents is no agent's.
    assert [k for k, _ in rows] == ["Weather agent", "Triage agent", NO_AGENT]
    assert _rows(store) == {"Weather agent": (1000, 100, 0.01), "Triage agent": (200, 20, 0.002),
                            NO_AGENT: (100, 10, 0.0002)}
    assert waiting == {}
    totals = store.sessions["run"].totals
    assert sum(b.input_tokens for _, b in rows) == totals.input_tokens
    assert sum(b.cost for _, b in rows) == pytest.approx(totals.cost)


def test_a_session_of_no_agent_or_one_has_no_rows_to_tell_apart() -> None:
    store = Store()
    store.apply([Session(id="run", name="chat", started_ns=T0),
                 _span("c", None, SpanKind.LLM_CALL, 0, 1, tokens=(10, 1), usd=0.0001)])
    assert store.agent_costs("run") == ([], {})
    store.apply([_span("a", None, SpanKind.AGENT, 2, 5, "t2", agent="solo"),
                 _span("c2", "a", SpanKind.LLM_CALL, 2, 3, "t2", tokens=(20, 2), usd=0.0002)])
    # One agent, and the chat call before it: two rows (the pane shows them from two on).
    assert _rows(store) == {"solo": (20, 2, 0.0002), NO_AGENT: (10, 1, 0.0001)}
    assert store.agent_costs("no such session") == ([], {})


def test_a_call_still_running_is_its_agents_to_come_and_a_late_agent_span_claims_its_calls() -> None:
    store = Store()
    store.apply([Session(id="run", name="live", started_ns=T0),
                 _span("triage", None, SpanKind.AGENT, 0, None, agent="Triage agent"),
                 _span("open", "triage", SpanKind.LLM_CALL, 1, None)])
    assert store.agent_costs("run")[1] == {"Triage agent": 1}
    # A call whose agent span has not arrived yet (children end first) is no agent's...
    store.apply([_span("c", "helper", SpanKind.LLM_CALL, 2, 3, tokens=(40, 4), usd=0.0004)])
    assert _rows(store)[NO_AGENT] == (40, 4, 0.0004)
    # ...until it does: the trace changed, its spend by agent is worked out again.
    store.apply([_span("helper", "triage", SpanKind.AGENT, 2, 4, agent="Helper")])
    assert _rows(store) == {"Helper": (40, 4, 0.0004), "Triage agent": (0, 0, 0.0)}


def test_a_budgeted_read_works_out_changed_traces_a_slice_at_a_time_to_the_same_rows() -> None:
    store = Store()
    store.apply([Session(id="run", name="handoff", started_ns=T0)])
    for k in range(5):
        _handoff(store, f"t{k}", at=20 * k)
    # Eight spans a trace: a budget of 8 works out one trace a call, the fifth call the last
    # trace and the rows.
    got = [store.agent_costs("run", budget_spans=8) for _ in range(5)]
    assert got[:4] == [None] * 4 and got[4] is not None
    assert {k: (b.input_tokens, round(b.cost, 6)) for k, b in got[4][0]} == {
        "Weather agent": (2500, 0.025), "Triage agent": (500, 0.005), NO_AGENT: (250, 0.0005)}
    # Nothing changed: the next budgeted read needs no slice.
    assert store.agent_costs("run", budget_spans=8) is not None


def test_a_deferred_read_leaves_more_than_its_budget_to_later_reads() -> None:
    # (What a draw answering a key asks: the work waits for the pane's slices between frames.)
    store = Store()
    store.apply([Session(id="run", name="handoff", started_ns=T0)])
    for k in range(3):
        _handoff(store, f"t{k}", at=20 * k)
    assert store.agent_costs("run", budget_spans=8, defer=True) is None
    assert all(t.agent_cache is None for t in store.traces.values())  # none of it worked out
    assert store.agent_costs("run", budget_spans=30, defer=True) is not None  # within the budget: done now


def test_the_calls_inside_a_delegation_are_the_coworkers_once_the_delegation_arrives() -> None:
    """A writer agent asks a researcher a question by a tool call inside which the researcher runs with no
    agent span (CrewAI's delegation, marked with the coworker's name): the calls below the tool call are the
    researcher's, the writer's own calls its own. The tool call's span ends (and arrives) after the calls
    inside it: until then they are no agent's (their parent not known), then the researcher's."""
    store = Store()
    store.apply([Session(id="run", name="crew", started_ns=T0),
                 _span("crew", None, SpanKind.TASK, 0, 9),
                 _span("writer", "crew", SpanKind.AGENT, 0, 9, agent="Weather writer"),
                 _span("c1", "writer", SpanKind.LLM_CALL, 0, 1, tokens=(100, 10), usd=0.001),
                 _span("c2", "ask", SpanKind.LLM_CALL, 2, 3, tokens=(200, 20), usd=0.002),
                 _span("c3", "ask", SpanKind.LLM_CALL, 3, 4, tokens=(300, 30), usd=0.003)])
    assert _rows(store) == {"Weather writer": (100, 10, 0.001), NO_AGENT: (500, 50, 0.005)}
    ask = _span("ask", "writer", SpanKind.TOOL_EXECUTION, 1, 5)
    ask.attributes = {RUNS_AGENT_ATTR: "Weather researcher"}
    store.apply([ask, _span("c4", "writer", SpanKind.LLM_CALL, 5, 6, tokens=(400, 40), usd=0.004)])
    assert _rows(store) == {"Weather writer": (500, 50, 0.005), "Weather researcher": (500, 50, 0.005)}
