"""Which agent runs a span: what `costs --group-by agent` charges a model call to."""

from __future__ import annotations

from agenttrace_tui.model import RUNS_AGENT_ATTR, AgentInfo, Span, SpanKind
from agenttrace_tui.store.agents import agent_of, parent_in, spellings


def _span(sid: str, parent: str | None, kind: SpanKind = SpanKind.CUSTOM, agent: str | None = None,
          trace: str = "t") -> Span:
    return Span(span_id=sid, trace_id=trace, session_id="s", name=sid, start_ns=1, parent_span_id=parent, kind=kind,
                agent=AgentInfo(name=agent) if agent else None)


def _index(*spans: Span) -> dict[tuple[str, str], Span]:
    return {(s.trace_id, s.span_id): s for s in spans}


def _agent(spans: dict[tuple[str, str], Span], trace: str, sid: str) -> str | None:
    return agent_of(spans[(trace, sid)], parent_in(spans))


def test_a_model_call_is_the_nearest_named_agent_spans() -> None:
    """Two agents under one workflow (a handoff): each call is its own agent's, the workflow's
    unnamed agent span above both is skipped, and a call's own default name ("OpenAI Agent", the
    OpenTelemetry project's instrumentation puts it on every span) does not beat its agent span."""
    spans = _index(
        _span("root", None, SpanKind.AGENT),
        _span("triage", "root", SpanKind.AGENT, "Triage agent"),
        _span("turn1", "triage", SpanKind.TASK),
        _span("call1", "turn1", SpanKind.LLM_CALL, "OpenAI Agent"),
        _span("weather", "root", SpanKind.AGENT, "Weather agent"),
        _span("call2", "weather", SpanKind.LLM_CALL),
    )
    got = {sid: _agent(spans, "t", sid) for sid in ("root", "call1", "call2", "weather")}
    assert got == {"root": None, "call1": "Triage agent", "call2": "Weather agent", "weather": "Weather agent"}


def test_a_call_that_names_its_agent_with_no_agent_span_above_is_that_agents() -> None:
    spans = _index(_span("task", None, SpanKind.TASK), _span("call", "task", SpanKind.LLM_CALL, "writer"),
                   _span("other", None, SpanKind.LLM_CALL, trace="u"))
    assert _agent(spans, "t", "call") == "writer"
    assert _agent(spans, "u", "other") is None


def test_a_parent_loop_ends() -> None:
    spans = _index(_span("a", "b"), _span("b", "a"))
    assert _agent(spans, "t", "a") is None


def test_the_spans_below_a_delegation_are_the_agent_it_runs() -> None:
    """A tool call inside which another agent runs with no agent span of its own (CrewAI's question to a
    coworker, marked with the coworker's name) is its caller's tool call, and the boundary of the coworker
    for the spans below it, however deep; an agent span inside the delegation is nearer and wins."""
    ask = _span("ask", "writer", SpanKind.TOOL_EXECUTION)
    ask.attributes = {RUNS_AGENT_ATTR: "Weather researcher"}
    spans = _index(
        _span("crew", None, SpanKind.TASK),
        _span("writer", "crew", SpanKind.AGENT, "Weather writer"),
        _span("call1", "writer", SpanKind.LLM_CALL),
        ask,
        _span("call2", "ask", SpanKind.LLM_CALL),
        _span("step", "ask", SpanKind.TASK),
        _span("weather", "step", SpanKind.TOOL_EXECUTION),
        _span("inner", "ask", SpanKind.AGENT, "Inner agent"),
        _span("call3", "inner", SpanKind.LLM_CALL),
    )
    got = {sid: _agent(spans, "t", sid) for sid in ("crew", "call1", "ask", "call2", "weather", "call3")}
    assert got == {"crew": None, "call1": "Weather writer", "ask": "Weather writer", "call2": "Weather researcher",
                   "weather": "Weather researcher", "call3": "Inner agent"}
    assert agent_of(ask, parent_in(spans), below=True) == "Weather researcher"
    assert agent_of(spans[("t", "call1")], parent_in(spans), below=True) == "Weather writer"


def test_a_delegation_names_its_agent_as_the_agents_own_span_in_the_trace_writes_it() -> None:
    """A model names the coworker it asks in its own case (CrewAI finds it ignoring case): the spans below
    the delegation are the agent as its own agent span in the trace writes it, one name an agent; in a
    trace where no agent span so named runs, the delegation's words stand."""
    ask = _span("ask", "writer", SpanKind.TOOL_EXECUTION)
    ask.attributes = {RUNS_AGENT_ATTR: "weather RESEARCHER"}
    other = _span("ask", "w", SpanKind.TOOL_EXECUTION, trace="u")
    other.attributes = {RUNS_AGENT_ATTR: "weather RESEARCHER"}
    spans = _index(
        _span("crew", None, SpanKind.TASK),
        _span("research", "crew", SpanKind.AGENT, "Weather researcher"),
        _span("writer", "crew", SpanKind.AGENT, "Weather writer"),
        ask, _span("call", "ask", SpanKind.LLM_CALL),
        _span("w", None, SpanKind.AGENT, "Weather writer", trace="u"), other, _span("call", "ask", SpanKind.LLM_CALL,
                                                                                    trace="u"),
    )
    spelled = spellings(spans.values())
    assert agent_of(spans[("t", "call")], parent_in(spans), spelled=spelled) == "Weather researcher"
    assert agent_of(spans[("u", "call")], parent_in(spans), spelled=spelled) == "weather RESEARCHER"
    assert agent_of(spans[("t", "call")], parent_in(spans)) == "weather RESEARCHER"  # (none given: as written)
