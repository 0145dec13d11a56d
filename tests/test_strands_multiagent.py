"""A Strands multi-agent run (``Swarm``, ``Graph``) as its spans arrive: the run is a step around its agents.

Strands' ``StrandsTelemetry`` traces a swarm's (or graph's) run as ``invoke_swarm`` (``invoke_graph``), a
CLIENT span whose ``gen_ai.operation.name`` is its name and which names no agent, around each agent's
``invoke_agent`` span; the swarm gives every agent its ``handoff_to_agent`` tool, whose arguments (the
agent to hand off to and a ``message``) come, as every Strands tool call's, as the content of the tool
span's ``gen_ai.tool.message`` event. Sent through the real OTel SDK, over OTLP/HTTP, to a real receiver
with the monitor's enrichers.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from agenttrace_tui.model import SpanKind
from agenttrace_tui.store.agents import agent_of, parent_in
from agenttrace_tui.store.memory import Store
from test_otlp_support import received

SERVICE = "swarm-app"
HANDOFF = {"agent_name": "weather_agent", "message": "The user asks for the weather in Paris."}
COMMON = {"gen_ai.system": "strands-agents"}


def _run(tp: TracerProvider, operation: str) -> None:
    """A multi-agent run as Strands traces it: the triage agent's call asks for the handoff, its tool
    hands off; the weather agent's call asks for get_weather, its tool answers."""
    strands = tp.get_tracer("strands.telemetry.tracer")
    run = strands.start_span(operation, kind=trace.SpanKind.CLIENT,
                             attributes={"gen_ai.operation.name": operation, **COMMON})
    run.add_event("gen_ai.user.message", {"content": "What is the weather in Paris?"})
    with trace.use_span(run, end_on_exit=True):
        for agent, tool, args, result in (
                ("triage_agent", "handoff_to_agent", HANDOFF, "Handing off to weather_agent"),
                ("weather_agent", "get_weather", {"city": "Paris"}, "Sunny, 22 C in Paris")):
            with strands.start_as_current_span(f"invoke_agent {agent}", attributes={
                    "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent,
                    "gen_ai.request.model": "gpt-4o-mini", **COMMON}), strands.start_as_current_span(
                    "execute_event_loop_cycle", attributes={"gen_ai.operation.name": "execute_event_loop_cycle", **COMMON}):
                with strands.start_as_current_span("chat", attributes={
                        "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini",
                        "gen_ai.usage.input_tokens": 1234, "gen_ai.usage.output_tokens": 56, **COMMON}):
                    pass
                with strands.start_as_current_span(f"execute_tool {tool}", attributes={
                        "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool,
                        "gen_ai.tool.call.id": f"call_{tool}", **COMMON}) as span:
                    span.add_event("gen_ai.tool.message", {"role": "tool", "content": json.dumps(args),
                                                           "id": f"call_{tool}"})
                    span.add_event("gen_ai.choice", {"message": json.dumps([{"text": result}]), "id": f"call_{tool}"})


async def _received(operation: str) -> Store:
    return await received(lambda tp: _run(tp, operation), lambda store: store.span_count >= 9, SERVICE)


@pytest.mark.parametrize("operation", ["invoke_swarm", "invoke_graph"])
def test_a_strands_multi_agent_run_is_a_step_around_its_agents(operation: str) -> None:
    """The run is a step (no agent, no call), each agent its own, its call and tool its own."""
    store = asyncio.run(_received(operation))
    (entry,) = store.sessions.values()
    assert entry.session.framework == "strands"
    spans = {(s.trace_id, s.span_id): s for t in store.traces_of(entry.session.id) for s in t.spans.values()}
    parent = parent_in(spans)
    kinds = {(s.name, agent_of(s, parent)): s.kind for s in spans.values()}
    assert kinds == {
        (operation, None): SpanKind.TASK,
        ("invoke_agent triage_agent", "triage_agent"): SpanKind.AGENT,
        ("invoke_agent weather_agent", "weather_agent"): SpanKind.AGENT,
        ("execute_event_loop_cycle", "triage_agent"): SpanKind.TASK,
        ("execute_event_loop_cycle", "weather_agent"): SpanKind.TASK,
        ("chat", "triage_agent"): SpanKind.LLM_CALL,
        ("chat", "weather_agent"): SpanKind.LLM_CALL,
        ("execute_tool handoff_to_agent", "triage_agent"): SpanKind.TOOL_EXECUTION,
        ("execute_tool get_weather", "weather_agent"): SpanKind.TOOL_EXECUTION,
    }, kinds


def test_the_swarms_handoff_shows_its_arguments_and_result() -> None:
    """The handoff's arguments name a ``message``, as a message object does: still shown as sent."""
    store = asyncio.run(_received("invoke_swarm"))
    tools = {s.tool.name: (s.tool.input_preview, s.tool.output_preview) for e in store.sessions.values()
             for t in store.traces_of(e.session.id) for s in t.spans.values() if s.tool is not None}
    assert tools == {"handoff_to_agent": (json.dumps(HANDOFF), "Handing off to weather_agent"),
                     "get_weather": ('{"city": "Paris"}', "Sunny, 22 C in Paris")}
