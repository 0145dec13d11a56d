"""A Gemini call that asked for a built-in tool counts what its total has beyond input + output as input.

Gemini reads a built-in tool's results (Google Search, code execution, URL context) as a prompt
of their own, ``toolUsePromptTokenCount``, billed as input, and counts it in ``totalTokenCount``
beside the thoughts (billed as output). OpenLLMetry's instrumentation for google-genai sends
``gen_ai.usage.input_tokens`` = promptTokenCount, ``gen_ai.usage.output_tokens`` =
candidatesTokenCount and ``gen_ai.usage.total_tokens`` = totalTokenCount: a search answer of 412
in (128 cached) + 1536 tool-use, 96 out + 208 thinking arrives as 412 / 96 / total 2252. The tool's
prompt and the thoughts are one sum then; the request's tool definitions say a built-in tool ran,
and the sum is counted as input (the tool's prompt usually outweighs the thinking), not as thinking:
by the recipe and the general path alike, whichever way the definitions name the tool.
"""

from __future__ import annotations

import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from agenttrace_tui.normalize import conventions as cv
from otlp_values import kv as otlp_kv
from test_otel_recipes import _both

SEARCH = {"input": 412, "output": 96, "total": 2252, "cache_read": 128}


@pytest.mark.parametrize("attributes", [
    {"gen_ai.tool.definitions": '[{"google_search": {}}]'},  # OpenLLMetry
    {"gen_ai.tool.definitions": '[{"name": "get_weather"}, {"code_execution": {}}]'},
    {"gen_ai.tool.definitions": '[{"type": "google_search", "name": "google_search"}]'},  # the contrib instrumentation
    {"llm.tools.0.tool.json_schema": '{"url_context": {}}'},  # OpenInference
    {"gen_ai.tool.definitions": [{"googleSearch": {}}]},
], ids=["openllmetry", "beside a function", "contrib", "openinference", "decoded"])
def test_a_built_in_tools_total_beyond_input_and_output_is_input(attributes: dict) -> None:
    u = cv.finish_usage(dict(SEARCH), thinking=True, request=attributes)
    assert u is not None and (u.input, u.output, u.reasoning, u.total, u.cache_read) == (412 + 1744, 96, 0, 2252, 128)
    # A reasoning count other than the gap (the thoughts, the output without them): the rest is the tool's prompt.
    u = cv.finish_usage(dict(SEARCH, output=304, reasoning=208, total=2252), thinking=True, request=attributes)
    assert u is not None and (u.input, u.output, u.reasoning) == (412 + 1536, 304, 208)
    # The gap said to be the thinking (the tool read nothing): the thinking rule.
    u = cv.finish_usage(dict(SEARCH, reasoning=1744), thinking=True, request=attributes)
    assert u is not None and (u.input, u.output, u.reasoning) == (412, 96 + 1744, 1744)
    # Another provider's total says nothing either way.
    u = cv.finish_usage(dict(SEARCH), request=attributes)
    assert u is not None and (u.input, u.output, u.reasoning, u.total) == (412, 96, 0, 2252)


@pytest.mark.parametrize("attributes", [
    {},
    {"gen_ai.tool.definitions": '[{"name": "google_search", "description": "my own search"}]'},
    {"gen_ai.tool.definitions": '[{"type": "function", "name": "google_search"}]'},
    {"llm.tools.0.tool.json_schema": '{"type": "function", "function": {"name": "code_execution"}}'},
    {"gen_ai.tool.definitions": "not json"},
    {"gen_ai.tool.definitions": '[{"type": {"google_search": {}}}]'},
    {"gen_ai.request.model": "google_search"},
], ids=["no tools", "a function so named", "typed function", "openinference function", "not json", "odd type",
        "other key"])
def test_a_function_is_not_a_built_in_tool(attributes: dict) -> None:
    assert not cv.asks_builtin_tool(attributes)
    u = cv.finish_usage(dict(SEARCH), thinking=True, request=attributes)
    assert u is not None and (u.input, u.output, u.reasoning) == (412, 96 + 1744, 1744)


@pytest.mark.parametrize("content", [True, False], ids=["with messages", "without messages"])
def test_openllmetry_gemini_spans_with_a_built_in_tool_by_recipe_and_general_path(
        content: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenLLMetry's google-genai spans of one key set: a search call's gap is input, a function
    call's is thinking (the definitions' value, not the key set, tells them apart)."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(otlp_kv("service.name", "weather"))
    ss = rs.scope_spans.add()
    ss.scope.name = "opentelemetry.instrumentation.google_generativeai"
    for i, tools in enumerate(['[{"google_search": {}}]', '[{"name": "get_weather"}]'] * 3):
        sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"),
                          name="generate_content gemini-2.5-flash", start_time_unix_nano=10, end_time_unix_nano=20)
        sp.attributes.extend([otlp_kv("gen_ai.provider.name", "gcp.gen_ai"), otlp_kv("gen_ai.operation.name", "generate_content"),
                              otlp_kv("gen_ai.request.model", "gemini-2.5-flash"), otlp_kv("gen_ai.tool.definitions", tools),
                              otlp_kv("gen_ai.usage.total_tokens", 2252), otlp_kv("gen_ai.usage.output_tokens", 96),
                              otlp_kv("gen_ai.usage.input_tokens", 412),
                              otlp_kv("gen_ai.usage.cache_read.input_tokens", 128)])
        if content:
            sp.attributes.append(otlp_kv("gen_ai.output.messages", '[{"role": "assistant", "parts": []}]'))
    spans = [s for s in _both(monkeypatch, req.SerializeToString()) if "span_id" in s]
    assert len(spans) == 6
    for s in spans:
        want = ("'usage': {'input': 2156, 'output': 96, 'total': 2252, 'cache_read': 128}" if "google_search" in s
                else "'usage': {'input': 412, 'output': 1840, 'total': 2252, 'cache_read': 128, 'reasoning': 1744}")
        assert want in s, s
