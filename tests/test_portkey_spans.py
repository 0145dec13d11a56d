"""Portkey's SDK traced by OpenInference: a call through the gateway, its cached tokens and its tool call.

OpenInference's Portkey instrumentation (scope ``openinference.instrumentation.portkey``) traces
each ``client.chat.completions.create`` of Portkey's SDK as a ``Completions`` LLM span: the model,
``llm.token_count.prompt`` / ``completion`` / ``total`` and the messages, but no ``llm.provider``
or ``llm.system`` (the provider the gateway passes the call to is a request header), no cached-token
count and, for an answer that asks for a tool, an output message naming its role alone. The whole
Chat Completions answer is on the span as ``output.value``: its usage holds the cached tokens, its
message the tool call. Checked on whole OTLP spans, protobuf (built by the general path and by the
key set's recipes, which must agree) and JSON.
"""

from __future__ import annotations

import json

import pytest

from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces, parse
from agenttrace_tui.model import SpanKind
from otlp_values import spans_request
from test_provider_by_host import _all_paths

SCOPE = "openinference.instrumentation.portkey"
USAGE = {"completion_tokens": 56, "prompt_tokens": 1234, "total_tokens": 1290,
         "completion_tokens_details": {"reasoning_tokens": 0}, "prompt_tokens_details": {"cached_tokens": 200}}
CALL = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
ANSWER = {"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini", "created": 1,
          "choices": [{"index": 0, "finish_reason": "tool_calls",
                       "message": {"role": "assistant", "content": None, "tool_calls": [CALL]}}],
          "usage": USAGE}


def completions(answer: dict[str, object] | None = ANSWER) -> dict[str, object]:
    """A ``Completions`` span's attributes as openinference-instrumentation-portkey 0.1.22 sets them
    (``answer``: the call's answer, none for a refused call)."""
    attrs: dict[str, object] = {
        "llm.invocation_parameters": json.dumps({"model": "gpt-4o-mini"}),
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.content": "What is the weather in Paris?",
        "input.value": json.dumps({"model": "gpt-4o-mini", "messages": []}), "input.mime_type": "application/json",
        "openinference.span.kind": "LLM",
    }
    if answer is not None:
        usage = answer["usage"]
        assert isinstance(usage, dict)
        attrs |= {"output.value": json.dumps(answer, separators=(",", ":")), "output.mime_type": "application/json",
                  "llm.model_name": "gpt-4o-mini", "llm.token_count.total": usage["total_tokens"],
                  "llm.token_count.prompt": usage["prompt_tokens"],
                  "llm.token_count.completion": usage["completion_tokens"],
                  "llm.output_messages.0.message.role": "assistant", "llm.finish_reason": "tool_calls"}
    return attrs


def _request(spans: list[dict[str, object]], repeat: int, scope: str = SCOPE) -> bytes:
    return spans_request(spans, scope=scope, name="Completions", repeat=repeat)


def _json_spans(attrs: dict[str, object], scope: str = SCOPE) -> list:
    def value(v: object) -> dict[str, object]:
        return {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}
    body = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": value("weather-app")}]},
                               "scopeSpans": [{"scope": {"name": scope}, "spans": [{
                                   "traceId": "01" * 16, "spanId": "02" * 8, "name": "Completions",
                                   "startTimeUnixNano": "10", "endTimeUnixNano": "20",
                                   "attributes": [{"key": k, "value": value(v)} for k, v in attrs.items()]}]}]}]}
    chunks = convert_traces(parse("traces", json.dumps(body).encode(), True), True, Rejects(), lambda t: None)
    return [u for c in chunks for u in c if hasattr(u, "span_id")]


def test_a_call_through_the_gateway_counts_the_cached_tokens_its_answer_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    spans = _all_paths(monkeypatch, _request([completions()], repeat=3))
    for span in [*spans, *_json_spans(completions())]:
        assert span.kind is SpanKind.LLM_CALL
        u = span.usage
        assert (u.input, u.output, u.total, u.cache_read, u.reasoning) == (1234, 56, 1290, 200, 0)


def test_the_answers_usage_is_read_only_when_it_is_the_calls() -> None:
    """An answer whose counts are not the flat ones (another call's) adds nothing; a count the flat
    keys send stays theirs."""
    other = {**ANSWER, "usage": {**USAGE, "prompt_tokens": 999}}
    attrs = {**completions(), "output.value": json.dumps(other)}
    (span,) = _json_spans(attrs)
    assert (span.usage.input, span.usage.cache_read) == (1234, 0)
    (span,) = _json_spans({**completions(), "llm.token_count.prompt_details.cache_read": 150})
    assert span.usage.cache_read == 150


def test_the_tool_call_an_answer_asked_for_is_its_preview_not_the_answers_json(monkeypatch: pytest.MonkeyPatch) -> None:
    (span,) = _all_paths(monkeypatch, _request([completions()], repeat=1))
    assert span.llm.response_preview == 'assistant: [tool_call get_weather({"city": "Paris"})]'
    assert span.llm.prompt_preview == "user: What is the weather in Paris?"


def test_each_call_names_the_gateway_as_its_provider_a_refused_one_too(monkeypatch: pytest.MonkeyPatch) -> None:
    spans = _all_paths(monkeypatch, _request([completions(), completions(None)], repeat=2))
    assert [(s.llm.provider, s.llm.model) for s in spans] == [("portkey", "gpt-4o-mini")] * 4
    assert [(s.llm.provider, s.llm.model) for s in _json_spans(completions(None))] == [("portkey", "gpt-4o-mini")]


def test_another_instrumentations_calls_are_not_named_after_the_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same keys under another OpenInference instrumentation's scope name no provider; one the span
    names is never replaced."""
    scope = "openinference.instrumentation.openai"
    (span,) = _all_paths(monkeypatch, _request([completions()], repeat=1, scope=scope))
    assert span.llm.provider is None
    (span,) = _json_spans({**completions(), "llm.provider": "openai"})
    assert span.llm.provider == "openai"
