"""One tool call reported by two instrumentations, one span inside the other, is one tool call.

AutoGen's runtime traces each tool it runs (``execute_tool``, GenAI conventions)
inside the span OpenInference's AgentChat instrumentor opens for the same call:
the session counted two tool calls for one, and each half had only part of it
(the call id on one, the arguments and result on the other). Spans from the
real OpenTelemetry SDK to the real OTLP receiver and store.
"""

from __future__ import annotations

from agenttrace_tui.model import SpanKind
from agenttrace_tui.store.calls import MERGED_BY, NESTED_TOOL_RULE
from test_otlp_support import received


def _tool(tracer, name: str, tool: str, call_id: str | None = None):
    if call_id is None:  # OpenInference's span: the arguments and the result
        attrs = {"openinference.span.kind": "TOOL", "tool.name": tool, "input.value": '{"city": "Paris"}',
                 "output.value": "Sunny"}
    else:  # the runtime's: the call id
        attrs = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool, "gen_ai.tool.call.id": call_id}
    return tracer.start_as_current_span(name, attributes={**attrs, "session.id": "tools"})


def _send(tp) -> None:
    oi, core = tp.get_tracer("openinference.instrumentation.autogen_agentchat"), tp.get_tracer("autogen-core")
    with core.start_as_current_span("invoke_agent weather_agent", attributes={"session.id": "tools"}):
        with _tool(oi, "weather_agent.get_weather", "get_weather"), _tool(core, "execute_tool get_weather",
                                                                          "get_weather", "call_1"):
            pass
        # A tool that runs another tool inside it: two calls.
        with _tool(oi, "weather_agent.plan_trip", "plan_trip"), _tool(core, "execute_tool get_weather",
                                                                       "get_weather", "call_2"):
            pass


async def test_a_tool_call_reported_inside_itself_is_one_call() -> None:
    store = await received(_send, lambda store: store.span_count >= 4, "autogen-app")
    (trace,) = store.traces_of("tools")
    tools = sorted((s for s in trace.spans.values() if s.kind is SpanKind.TOOL_EXECUTION), key=lambda s: s.start_ns)
    assert [(s.tool.name, s.tool.call_id) for s in tools] == [("get_weather", "call_1"), ("plan_trip", None),
                                                                ("get_weather", "call_2")]
    merged = tools[0]
    assert merged.attributes[MERGED_BY] == NESTED_TOOL_RULE and merged.tool.input_preview == '{"city": "Paris"}'
    assert merged.tool.output_preview == "Sunny" and trace.spans[merged.parent_span_id].name == "invoke_agent weather_agent"
    assert store.sessions["tools"].totals.spans == 4
