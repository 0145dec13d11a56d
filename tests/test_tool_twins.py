"""One tool call reported by two instrumentations, one span inside the other, is one tool call.

AutoGen's runtime traces each tool it runs (``execute_tool``, GenAI conventions)
inside the span OpenInference's AgentChat instrumentor opens for the same call:
the session counted two tool calls for one, and each half had only part of it
(the call id on one, the arguments and result on the other). A failure one
report saw is the call's, whichever report arrives first (a failed call read ok
when the report that saw it came first). Spans from the real OpenTelemetry SDK
to the real OTLP receiver and store.
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


def _send_failed(tp) -> None:
    """One failed tool call, reported by both: the runtime's span failed, OpenInference's around
    it left unset; the runtime's exported first, then (another session) OpenInference's first."""
    from opentelemetry.trace import Status, StatusCode

    oi, core = tp.get_tracer("openinference.instrumentation.autogen_agentchat"), tp.get_tracer("autogen-core")
    failed = Status(StatusCode.ERROR, "ValueError: no such city")

    def runtime(session: str):
        span = core.start_span("execute_tool get_weather", attributes={
            "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather",
            "gen_ai.tool.call.id": "call_9", "session.id": session})
        span.set_status(failed)
        return span

    attrs = {"openinference.span.kind": "TOOL", "tool.name": "get_weather", "input.value": '{"city": "Atlantis"}'}
    with oi.start_as_current_span("weather_agent.get_weather", attributes={**attrs, "session.id": "inner-first"}):
        runtime("inner-first").end()
    with oi.start_as_current_span("weather_agent.get_weather", attributes={**attrs, "session.id": "outer-first"},
                                  end_on_exit=False) as outer:
        late = runtime("outer-first")
    outer.end(end_time=late.start_time + 10_000_000)  # type: ignore[attr-defined]
    tp.force_flush()
    late.end(end_time=late.start_time + 5_000_000)  # type: ignore[attr-defined]


async def test_a_tool_call_one_report_saw_fail_is_failed_whichever_report_comes_first() -> None:
    from agenttrace_tui.model import Status

    store = await received(_send_failed, lambda store: all(store.sessions.get(s) is not None
                                                           for s in ("inner-first", "outer-first"))
                           and store.span_count >= 2, "autogen-app")
    for session in ("inner-first", "outer-first"):
        (trace,) = store.traces_of(session)
        (call,) = trace.spans.values()
        assert call.kind is SpanKind.TOOL_EXECUTION and call.status is Status.ERROR, session
        assert call.status_message and "no such city" in call.status_message, session
        assert MERGED_BY in call.attributes, session
        totals = store.sessions[session].totals
        assert (totals.spans, totals.errors) == (1, 1), session


def _send_recursive(tp) -> None:
    """One instrumentation's spans of a tool that calls itself: ``get_weather`` for a region
    asks ``get_weather`` for each of its cities (the same span name, the same attribute keys),
    then AutoGen's runtime report inside OpenInference's span of one call, as above."""
    oi, core = tp.get_tracer("openinference.instrumentation.autogen_agentchat"), tp.get_tracer("autogen-core")

    def tool(city: str):
        return oi.start_as_current_span("weather_agent.get_weather", attributes={
            "openinference.span.kind": "TOOL", "tool.name": "get_weather", "input.value": f'{{"city": "{city}"}}',
            "output.value": "Sunny", "session.id": "recursive"})

    with core.start_as_current_span("invoke_agent weather_agent", attributes={"session.id": "recursive"}):
        with tool("Europe"), tool("Paris"), tool("Paris 11e"):
            pass
        with tool("Rome"), _tool(core, "execute_tool get_weather", "get_weather", "call_3"):
            pass


async def test_a_tool_that_calls_itself_is_a_call_per_span() -> None:
    """A tool that calls itself, traced by one instrumentation, with no call ids: each span is its own
    call (the rule above took each for its caller's second report and showed 2 calls of 4); beside
    it, one call reported by two instrumentations is still one."""
    def rome_in(store) -> bool:  # (the last call sent: its two reports merged)
        return any(s.tool is not None and s.tool.call_id == "call_3" and MERGED_BY in s.attributes
                   for t in store.traces_of("recursive") for s in t.spans.values())

    store = await received(_send_recursive, rome_in, "autogen-app")
    (trace,) = store.traces_of("recursive")
    tools = sorted((s for s in trace.spans.values() if s.kind is SpanKind.TOOL_EXECUTION), key=lambda s: s.start_ns)
    assert [s.tool.input_preview for s in tools] == ['{"city": "Europe"}', '{"city": "Paris"}',
                                                     '{"city": "Paris 11e"}', '{"city": "Rome"}']
    # Each inside the one that called it, none merged; the last the two reports of one call.
    assert [s.parent_span_id for s in tools[1:3]] == [tools[0].span_id, tools[1].span_id]
    assert [MERGED_BY in s.attributes for s in tools] == [False, False, False, True]
    assert tools[3].tool.call_id == "call_3" and tools[3].attributes[MERGED_BY] == NESTED_TOOL_RULE
    assert [(r.name, r.calls) for r in store.tool_costs("recursive")] == [("get_weather", 4)]
    assert store.sessions["recursive"].totals.spans == 5
