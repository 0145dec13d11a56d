"""AgentScope's own tracing, as its spans arrive: its framework, a call's cached tokens, a tool's result.

AgentScope 2.x traces an agent through its ``TracingMiddleware`` on the tracer ``agentscope``: an
``invoke_agent <agent>`` span per reply, a ``chat <model>`` span per model call and an
``execute_tool <tool>`` span per tool call, with the GenAI attributes; a call's cached prompt tokens
as ``agentscope.usage.cache_input_tokens`` beside ``gen_ai.usage.input_tokens`` (the API's own count,
OpenAI's with them in); a tool's result as its ``ToolResponse`` object's JSON, the text in a list of
``TextBlock`` objects (each with its id and times), the same list as the tool result part of the next
call's prompt (``tests/clients/fixtures/agentscope``). Sent through the real OTel SDK, over OTLP/HTTP
protobuf and JSON, to a real receiver with the monitor's enrichers; and built by the general path and
by the key set's recipes, which must agree.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from genai_prices import Usage, calc_price
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.sdk.trace import TracerProvider

from agenttrace_tui.model import SpanKind
from agenttrace_tui.model import Status as SpanStatus
from agenttrace_tui.store.memory import Store
from otlp_values import kv as otlp_kv
from test_otlp_support import received
from test_provider_by_host import _all_paths

SCOPE = "agentscope"
SESSION = "6b3b6b3c29b64741b9c6540b2192f004"
RESULT = "Sunny, 22 C in Paris"


def _blocks(text: str) -> str:
    """AgentScope's text blocks of a tool's result, as its tracing serializes them."""
    return json.dumps([{"type": "text", "text": text, "id": "c6b42e65ac38408e94997af671fa6627",
                        "created_at": "2026-12-06T17:24:31.731004", "finished_at": None}])


def _tool_response(text: str, state: str = "success") -> str:
    """The ``ToolResponse`` AgentScope's TracingMiddleware puts on a tool span as its result."""
    return json.dumps({"content": json.loads(_blocks(text)), "state": state, "metadata": {},
                       "id": "call_fake0001"})


def _message(role: str, *parts: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    return {"role": role, "parts": list(parts), "name": name or role, "finish_reason": "stop"}


ASKED = [_message("system", {"type": "text", "content": "Answer weather questions with the get_weather tool."}),
         _message("user", {"type": "text", "content": "What is the weather in Paris?"})]
CALL = {"type": "tool_call", "id": "call_fake0001", "name": "get_weather", "arguments": {"city": "Paris"}}


def _chat(n: int, usage: tuple[int, int, int], prompt: list[dict[str, Any]], answer: dict[str, Any]) -> dict[str, Any]:
    """A ``chat`` span's attributes as AgentScope's TracingMiddleware sends them (its OpenAI chat model)."""
    return {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.input.messages": json.dumps(prompt), "gen_ai.conversation.id": SESSION,
            "gen_ai.response.id": f"chatcmpl-fake000{n}", "gen_ai.response.finish_reasons": '["stop"]',
            "gen_ai.usage.input_tokens": usage[0], "gen_ai.usage.output_tokens": usage[1],
            "agentscope.usage.cache_input_tokens": usage[2],
            "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": [answer], "finish_reason": "stop"}])}


def _tool(result: str) -> dict[str, Any]:
    return {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.call.id": "call_fake0001",
            "gen_ai.tool.name": "get_weather", "gen_ai.tool.call.arguments": '{"city": "Paris"}',
            "gen_ai.conversation.id": SESSION, "gen_ai.tool.call.result": result}


def _turn(tp: TracerProvider) -> None:
    tracer = tp.get_tracer(SCOPE, "2.0.11")
    with tracer.start_as_current_span("invoke_agent weather_agent", attributes={
            "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "weather_agent",
            "gen_ai.conversation.id": SESSION}):
        with tracer.start_as_current_span("chat gpt-4o-mini", attributes=_chat(1, (1234, 56, 200), ASKED, CALL)):
            pass
        with tracer.start_as_current_span("execute_tool get_weather", attributes=_tool(_tool_response(RESULT))):
            pass
        after = [*ASKED, _message("assistant", CALL, {"type": "tool_call_response", "id": "call_fake0001",
                                                       "response": _blocks(RESULT)}, name="weather_agent")]
        with tracer.start_as_current_span("chat gpt-4o-mini", attributes=_chat(
                2, (1400, 78, 300), after, {"type": "text", "content": f"The tool said: {RESULT}"})):
            pass


def _spans(store: Store) -> dict[str, list[Any]]:
    by_name: dict[str, list[Any]] = {}
    for t in store.traces_of(SESSION):
        for s in sorted(t.spans.values(), key=lambda s: s.start_ns):
            by_name.setdefault(s.name, []).append(s)
    return by_name


@pytest.mark.parametrize("json_", [False, True], ids=["protobuf", "json"])
def test_agentscopes_turn_is_its_agent_its_calls_with_their_cached_tokens_and_its_tools_result(json_: bool) -> None:
    store = asyncio.run(received(_turn, lambda store: store.span_count >= 4, "weather-app", priced=True, json=json_))
    assert store.sessions[SESSION].session.framework == "agentscope"
    spans = _spans(store)
    (agent,) = spans["invoke_agent weather_agent"]
    assert agent.kind is SpanKind.AGENT and agent.agent is not None and agent.agent.name == "weather_agent"
    calls = spans["chat gpt-4o-mini"]
    assert [s.kind for s in calls] == [SpanKind.LLM_CALL] * 2
    assert [(s.usage.input, s.usage.output, s.usage.cache_read) for s in calls if s.usage] == [
        (1234, 56, 200), (1400, 78, 300)]
    for span, (inp, out, cached) in zip(calls, [(1234, 56, 200), (1400, 78, 300)], strict=True):
        when = datetime.fromtimestamp(span.start_ns / 1e9, tz=UTC)
        want = calc_price(Usage(input_tokens=inp, cache_read_tokens=cached, output_tokens=out),
                          model_ref="gpt-4o-mini", provider_id="openai", genai_request_timestamp=when).total_price
        assert span.cost is not None and span.cost.total == pytest.approx(float(want), rel=1e-9)
    # The tool's result and the next call's prompt show the text the tool answered, not AgentScope's objects.
    (tool,) = spans["execute_tool get_weather"]
    assert tool.kind is SpanKind.TOOL_EXECUTION and tool.tool is not None
    assert (tool.tool.name, tool.tool.input_preview, tool.tool.output_preview) == (
        "get_weather", '{"city": "Paris"}', RESULT)
    assert calls[1].llm is not None and calls[1].llm.prompt_preview.endswith(f"[tool result {RESULT}]")


#: (what an AgentScope tool span's result holds, what it shows)
RESULTS = [
    (_tool_response(RESULT), RESULT),
    # A streamed tool's last chunk (ToolChunk: is_last beside the rest).
    (json.dumps({"content": json.loads(_blocks(RESULT)), "state": "success", "is_last": True, "metadata": {},
                 "id": "x"}), RESULT),
    # Not a ToolResponse: as sent.
    (json.dumps({"content": json.loads(_blocks(RESULT)), "other": 1}), None),
    ('{"content": "plain"}', "plain"),
]


def _request(result: str, repeat: int = 3) -> bytes:
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    ss.scope.name = SCOPE
    for n in range(1, repeat + 1):
        sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=n.to_bytes(8, "big"),
                          name="execute_tool get_weather", start_time_unix_nano=10, end_time_unix_nano=20)
        sp.attributes.extend(otlp_kv(k, v) for k, v in _tool(result).items())
    return req.SerializeToString()


@pytest.mark.parametrize(("result", "shown"), RESULTS)
def test_the_recipes_show_a_tools_result_as_the_general_path_does(monkeypatch: pytest.MonkeyPatch, result: str,
                                                                   shown: str | None) -> None:
    spans = _all_paths(monkeypatch, _request(result))
    assert [(s.kind, s.tool.output_preview) for s in spans] == [(SpanKind.TOOL_EXECUTION, shown or result)] * 3
    assert all(s.status is SpanStatus.OK for s in spans)


#: (the state of a tool's ToolResponse, whether the tool failed)
STATES = [("error", True), ("denied", False), ("interrupted", False), ("success", False)]


@pytest.mark.parametrize(("state", "failed"), STATES)
def test_a_tool_whose_result_says_it_failed_is_a_failed_tool_call(monkeypatch: pytest.MonkeyPatch, state: str,
                                                                    failed: bool) -> None:
    """AgentScope hands a tool's exception to the model as its result (``"state": "error"``, the exception's text
    as its content) and ends the tool's span OK: the tool call failed, its error that text. A tool its permission
    engine denied or the user interrupted did not fail."""
    error = "no weather for Paris"
    spans = _all_paths(monkeypatch, _request(_tool_response(error, state)))
    assert [(s.tool.output_preview, s.status) for s in spans] == [
        (error, SpanStatus.ERROR if failed else SpanStatus.OK)] * 3
    if failed:
        assert all((s.status_code, s.status_message) == ("error", error) for s in spans)


def _anthropic_request(repeat: int = 3) -> bytes:
    """Each Anthropic call as both report it in one process: AgentScope's ``chat`` span (Anthropic's own
    ``input_tokens``, the cache reads and writes beside it as AgentScope's keys) and, inside it, the anthropic
    SDK's own span (its input with the cache counted in, the cache counts as the GenAI keys)."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(otlp_kv("service.name", "weather-app"))
    ours, sdks = rs.scope_spans.add(), rs.scope_spans.add()
    ours.scope.name, sdks.scope.name = SCOPE, "com.anthropic.sdk.python"
    for n in range(1, repeat + 1):
        trace_id = n.to_bytes(16, "big")
        chat = ours.spans.add(trace_id=trace_id, span_id=(2 * n).to_bytes(8, "big"), name="chat claude-sonnet-4-5",
                              start_time_unix_nano=10, end_time_unix_nano=40)
        chat.attributes.extend(otlp_kv(k, v) for k, v in {
            "gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
            "gen_ai.request.model": "claude-sonnet-4-5", "gen_ai.response.id": f"msg_fake000{n}",
            "gen_ai.usage.input_tokens": 1234, "gen_ai.usage.output_tokens": 56,
            "agentscope.usage.cache_input_tokens": 200, "agentscope.usage.cache_creation_input_tokens": 64}.items())
        sdk = sdks.spans.add(trace_id=trace_id, span_id=(2 * n + 1).to_bytes(8, "big"),
                             parent_span_id=(2 * n).to_bytes(8, "big"), name="anthropic.messages.create",
                             start_time_unix_nano=20, end_time_unix_nano=30)
        sdk.attributes.extend(otlp_kv(k, v) for k, v in {
            "gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
            "gen_ai.request.model": "claude-sonnet-4-5", "gen_ai.response.id": f"msg_fake000{n}",
            "gen_ai.usage.input_tokens": 1498, "gen_ai.usage.output_tokens": 56,
            "gen_ai.usage.cache_read.input_tokens": 200, "gen_ai.usage.cache_write.input_tokens": 64}.items())
    return req.SerializeToString()


def test_an_anthropic_calls_cache_counts_are_added_to_agentscopes_input_not_to_the_sdks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """AgentScope's Anthropic model passes Anthropic's input on, its cache reads and writes beside it: the call's
    input is the three together (1498), as the anthropic SDK's own span of the same request says; the SDK's span,
    under the same resource (so the same client), already counts them in and is not counted up again."""
    spans = _all_paths(monkeypatch, _anthropic_request())
    got = {(s.name, (s.usage.input, s.usage.output, s.usage.cache_read, s.usage.cache_write)) for s in spans if s.usage}
    assert got == {("chat claude-sonnet-4-5", (1498, 56, 200, 64)), ("anthropic.messages.create", (1498, 56, 200, 64))}
