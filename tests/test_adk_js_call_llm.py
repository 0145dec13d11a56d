"""Google's ADK for TypeScript: a model call's usage and text are in the answer and request it keeps on its span.

ADK for TypeScript (``@google/adk``) traces each model call as a ``call_llm`` span (scope
``gcp.vertex.agent``) whose ``gen_ai.usage.input_tokens`` is Gemini's ``promptTokenCount`` and
``output_tokens`` its ``candidatesTokenCount`` alone; the thoughts (billed as output) and the cached
tokens are only in the ``LlmResponse`` it puts beside them as ``gcp.vertex.agent.llm_response``
(``usageMetadata``), the prompt only in its ``LlmRequest`` (``gcp.vertex.agent.llm_request``), a tool's
arguments and result in ``gcp.vertex.agent.tool_call_args`` / ``tool_response``, ``{}`` where it has
nothing. ``gen_ai.system`` is ADK's own name. Checked on whole OTLP spans, built by the general path and
by the key set's recipes (compiled or not), which must agree.
"""

from __future__ import annotations

import json

import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from agenttrace_tui.model import SpanKind
from otlp_values import kv as otlp_kv
from test_provider_by_host import _all_paths

REQUEST = {"model": "gemini-2.5-flash",
           "contents": [{"role": "user", "parts": [{"text": "What is the weather in Paris?"}]},
                        {"role": "model", "parts": [{"functionCall": {"id": "fc1", "name": "get_weather",
                                                                      "args": {"city": "Paris"}}}]},
                        {"role": "user", "parts": [{"functionResponse": {"id": "fc1", "name": "get_weather",
                                                                         "response": {"result": "Sunny"}}}]}],
           "config": {"systemInstruction": "Answer weather questions.", "tools": [{"functionDeclarations": []}]}}
USAGE = {"promptTokenCount": 1400, "candidatesTokenCount": 38, "totalTokenCount": 1478,
         "cachedContentTokenCount": 300, "thoughtsTokenCount": 40}
RESPONSE = {"content": {"role": "model", "parts": [{"text": "Sunny in Paris."}]}, "usageMetadata": USAGE,
            "finishReason": "STOP"}


def call_llm(request: object = REQUEST, response: object = RESPONSE) -> dict[str, object]:
    """A ``call_llm`` span's attributes as ADK for TypeScript 2.0 sets them (``traceCallLlm``)."""
    return {"gen_ai.system": "gcp.vertex.agent", "gen_ai.request.model": "gemini-2.5-flash",
            "gen_ai.agent.name": "weather_agent", "gcp.vertex.agent.session_id": "s1",
            "gcp.vertex.agent.llm_request": request if isinstance(request, str) else json.dumps(request),
            "gcp.vertex.agent.llm_response": response if isinstance(response, str) else json.dumps(response),
            "gen_ai.usage.input_tokens": 1400, "gen_ai.usage.output_tokens": 38,
            "gen_ai.response.finish_reasons": "stop"}


def _request(spans: list[tuple[str, dict[str, object]]], repeat: int) -> bytes:
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    ss.scope.name = "gcp.vertex.agent"
    n = 0
    for _ in range(repeat):
        for name, attrs in spans:
            n += 1
            sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=n.to_bytes(8, "big"),
                              name=name, start_time_unix_nano=10, end_time_unix_nano=20)
            sp.attributes.extend(otlp_kv(k, v) for k, v in attrs.items())
    return req.SerializeToString()


def test_a_calls_usage_is_its_answers_with_the_thoughts_and_cached_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    spans = _all_paths(monkeypatch, _request([("call_llm", call_llm())], repeat=3))
    for span in spans:
        assert span.kind is SpanKind.LLM_CALL
        u = span.usage
        assert (u.input, u.output, u.cache_read, u.reasoning, u.total) == (1400, 78, 300, 40, 1478)
        assert (span.llm.provider, span.llm.model) == (None, "gemini-2.5-flash")  # ADK names itself, not the provider


def test_a_calls_previews_are_its_request_and_answer_as_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    (span,) = _all_paths(monkeypatch, _request([("call_llm", call_llm())], repeat=1))
    assert span.llm.prompt_preview == ("system: Answer weather questions.\nuser: What is the weather in Paris?\n"
                                       'model: [tool_call get_weather({"city":"Paris"})]\n'
                                       'user: [tool result {"result":"Sunny"}]')
    assert span.llm.response_preview == "model: Sunny in Paris."


def test_a_tool_spans_previews_are_its_arguments_and_result_not_the_empty_request(
        monkeypatch: pytest.MonkeyPatch) -> None:
    tool = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather", "gen_ai.tool.type": "FunctionTool",
            "gcp.vertex.agent.llm_request": "{}", "gcp.vertex.agent.llm_response": "{}",
            "gcp.vertex.agent.tool_call_args": '{"city":"Paris"}', "gen_ai.tool.call.id": "fc1",
            "gcp.vertex.agent.tool_response": '{"result":"Sunny"}'}
    spans = _all_paths(monkeypatch, _request([("execute_tool get_weather", tool)], repeat=2))
    for span in spans:
        assert span.kind is SpanKind.TOOL_EXECUTION and span.usage is None
        assert (span.tool.name, span.tool.input_preview, span.tool.output_preview) == (
            "get_weather", '{"city":"Paris"}', '{"result":"Sunny"}')


def test_with_content_capture_off_a_call_has_no_previews_and_its_flat_usage(monkeypatch: pytest.MonkeyPatch) -> None:
    """``ADK_CAPTURE_MESSAGE_CONTENT_IN_SPANS=false``: request and answer are ``{}``, the usage is the flat keys'."""
    (span,) = _all_paths(monkeypatch, _request([("call_llm", call_llm("{}", "{}"))], repeat=1))
    assert (span.llm.prompt_preview, span.llm.response_preview) == (None, None)
    assert (span.usage.input, span.usage.output, span.usage.cache_read) == (1400, 38, 0)


def test_a_built_in_tools_prompt_counts_as_input(monkeypatch: pytest.MonkeyPatch) -> None:
    """Gemini bills a built-in tool's results (``toolUsePromptTokenCount``, beside the prompt) as input."""
    usage = {**USAGE, "toolUsePromptTokenCount": 1536, "totalTokenCount": 1478 + 1536}
    (span,) = _all_paths(monkeypatch, _request([("call_llm", call_llm(response={**RESPONSE, "usageMetadata": usage}))],
                                               repeat=1))
    assert (span.usage.input, span.usage.output, span.usage.total) == (1400 + 1536, 78, 1478 + 1536)
