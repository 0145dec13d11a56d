"""BeeAI for TypeScript traced by OpenInference's instrumentation for JavaScript, as its spans arrive.

``@arizeai/openinference-instrumentation-beeai`` collects the framework's emitter events of an agent's
run and, when the run ends, makes one zero-length span of each, named by its emitter path and a count
(``backend.openai.chat.start-1``, ``backend.openai.chat.success-1``, ``tool.dynamic.getWeather.success-1``
...), each iteration's events inside the agent's ``start`` event of it, all under one
``beeai-framework-main`` span naming the agent's class as ``source``. A chat model's ``success`` (model,
usage, answer) or ``error`` (status OK, the error as ``exception.*`` attributes) is the model call; a
tool's ``success`` the tool call, its name only in the run's context (``metadata``, JSON); every other
event a record. Sent through the real OTel SDK, over OTLP/HTTP, to a real receiver with the monitor's
enrichers.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Status, StatusCode

from agenttrace_tui.model import INTERNAL_ATTR, SpanKind
from agenttrace_tui.model import Status as SpanStatus
from agenttrace_tui.store.memory import Store
from test_otlp_support import received

SCOPE = "@arizeai/openinference-instrumentation-beeai"
LLM = {"openinference.span.kind": "LLM", "llm.provider": "openai", "llm.model_name": "gpt-4o-mini"}
PROMPT = json.dumps([{"meta": {}, "content": [{"type": "text", "text": "What is the weather in Paris?"}], "role": "user"}])
CALL = {"type": "tool-call", "toolCallId": "call_1", "toolName": "get_weather", "args": {"city": "Paris"}}
ANSWER = json.dumps([{"meta": {}, "content": [CALL], "role": "assistant"}])
CONTEXT = json.dumps({"state": {"memory": {"messages": []}, "iteration": 1}, "toolCallMsg": CALL})


def _event(tracer: Any, name: str, **attributes: Any) -> None:
    with tracer.start_as_current_span(name, attributes={"target": name.rsplit("-", 1)[0], "traceId": "t1", **attributes}) as span:
        span.set_status(Status(StatusCode.OK))


def _run(tp: TracerProvider, refused: bool = False) -> None:
    """One iteration of a ``ToolCallingAgent``'s run: the call asking for ``get_weather`` and the tool's
    run (or the refused call and the run's error), as the instrumentation builds them."""
    tracer = tp.get_tracer(SCOPE)
    with tracer.start_as_current_span("beeai-framework-main", attributes={
            "source": "ToolCallingAgent", "openinference.span.kind": "AGENT", "input.value": "What is the weather?"}) as main:
        with tracer.start_as_current_span("agent.toolCalling.start-1", attributes={"openinference.span.kind": "AGENT"}):
            _event(tracer, "backend.openai.chat.start-1", **LLM, **{
                "input.value": PROMPT, "llm.input_messages.0.message.role": "user",
                "llm.input_messages.0.message.content": "What is the weather in Paris?"})
            if refused:
                _event(tracer, "backend.openai.chat.error-1", **LLM, **{
                    "input.value": PROMPT, "exception.type": "AI_APICallError", "exception.message": "HTTP 400"})
            else:
                _event(tracer, "backend.openai.chat.success-1", **LLM, **{
                    "llm.token_count.prompt": 1234, "llm.token_count.completion": 56, "llm.token_count.total": 1290,
                    "output.value": ANSWER, "llm.output_messages.0.message.role": "assistant",
                    "llm.output_messages.0.message.content": ""})
            _event(tracer, "backend.openai.chat.finish-1", **{"openinference.span.kind": "LLM"})
            if not refused:
                tool = {"openinference.span.kind": "TOOL", "metadata": CONTEXT, "tool.parameters": '{"city":"Paris"}'}
                _event(tracer, "tool.dynamic.getWeather.start-1", **tool)
                _event(tracer, "tool.dynamic.getWeather.success-1", **tool,
                       **{"output.value": '{"result":"Sunny, 22 C in Paris"}'})
                _event(tracer, "tool.dynamic.getWeather.finish-1", **{"openinference.span.kind": "TOOL", "metadata": CONTEXT})
        if refused:
            with tracer.start_as_current_span("agent.toolCalling.run.error-1", attributes={"metadata": '{"internal":true}'}) as err:
                err.set_status(Status(StatusCode.ERROR, "AgentError: The Agent has encountered an error."))
            main.set_status(Status(StatusCode.ERROR, "AgentError: The Agent has encountered an error."))
        else:
            _event(tracer, "agent.toolCalling.success-1", **{"openinference.span.kind": "AGENT"})


def _spans(store: Store) -> dict[str, Any]:
    return {s.name: s for e in store.sessions.values() for t in store.traces_of(e.session.id) for s in t.spans.values()}


@pytest.mark.parametrize("json_", [False, True], ids=["protobuf", "json"])
def test_each_event_span_is_the_call_the_tool_call_or_a_record(json_: bool) -> None:
    store = asyncio.run(received(_run, lambda st: st.span_count >= 9, "beeai-ts-app", priced=True, json=json_))
    assert [e.session.framework for e in store.sessions.values()] == ["beeai"]
    spans = _spans(store)
    main = spans["beeai-framework-main"]
    assert main.kind is SpanKind.AGENT and main.agent is not None and main.agent.name == "ToolCallingAgent"
    # One model call: the chat model's success event, with its model, usage and answer rendered.
    (call,) = [s for s in spans.values() if s.kind is SpanKind.LLM_CALL]
    assert call.name == "backend.openai.chat.success-1" and not call.attributes.get(INTERNAL_ATTR)
    assert call.llm is not None and call.llm.model == "gpt-4o-mini"
    assert call.usage is not None and (call.usage.input, call.usage.output) == (1234, 56)
    assert call.llm.response_preview == 'assistant: [tool_call get_weather({"city":"Paris"})]'
    # One tool call, named as the model called it, its arguments and its result (not the output object).
    (tool,) = [s for s in spans.values() if s.kind is SpanKind.TOOL_EXECUTION]
    assert tool.name == "tool.dynamic.getWeather.success-1" and tool.tool is not None
    assert (tool.tool.name, tool.tool.call_id) == ("get_weather", "call_1")
    assert (tool.tool.input_preview, tool.tool.output_preview) == ('{"city":"Paris"}', "Sunny, 22 C in Paris")
    # Every other event is a record of the run: the iteration's start is no agent of its own.
    for name in ("agent.toolCalling.start-1", "backend.openai.chat.start-1", "backend.openai.chat.finish-1",
                 "tool.dynamic.getWeather.start-1", "tool.dynamic.getWeather.finish-1", "agent.toolCalling.success-1"):
        assert spans[name].kind is SpanKind.CUSTOM and spans[name].attributes.get(INTERNAL_ATTR) is True, name
    (entry,) = store.sessions.values()
    assert entry.totals.llm_calls == 1 and entry.totals.input_tokens == 1234 and entry.totals.errors == 0


def test_a_refused_call_is_a_failed_model_call() -> None:
    """The chat model's ``error`` event comes with an OK status, the error in its attributes: a failed
    call, counted as an error beside the agent's run; the run's own error event is a record."""
    store = asyncio.run(received(lambda tp: _run(tp, refused=True), lambda st: st.span_count >= 6, "beeai-ts-app",
                                 priced=True))
    spans = _spans(store)
    failed = spans["backend.openai.chat.error-1"]
    assert failed.kind is SpanKind.LLM_CALL and failed.status is SpanStatus.ERROR
    assert failed.status_message == "AI_APICallError: HTTP 400" and failed.usage is None
    assert spans["agent.toolCalling.run.error-1"].attributes.get(INTERNAL_ATTR) is True
    (entry,) = store.sessions.values()
    assert entry.totals.llm_calls == 1 and entry.totals.errors == 2  # the call and the agent's run
