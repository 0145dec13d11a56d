"""Gemini's thinking tokens count as output when a sender leaves them in the total alone.

Gemini reports a thinking model's thoughts (``thoughtsTokenCount``) beside the
answer (``candidatesTokenCount``) and counts both in ``totalTokenCount``; they
are billed as output. OpenLLMetry's instrumentation for google-genai sends
``gen_ai.usage.output_tokens`` = candidatesTokenCount and
``gen_ai.usage.total_tokens`` = totalTokenCount: a call of 1234 in (200 cached)
and 56 out (24 of them thinking) arrives as 1234 / 32 / total 1290. The monitor
counts it 1234 in, 56 out, 24 reasoning, by the recipe and the general path
alike; another provider's total is never read as output. A call naming no
provider (OpenInference's LlamaIndex spans) is judged by its model.
"""

from __future__ import annotations

import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from agenttrace_tui.normalize import conventions as cv
from otlp_values import kv as otlp_kv
from test_otel_recipes import _both


def test_a_gemini_total_beyond_input_and_output_is_the_thinking() -> None:
    u = cv.finish_usage({"input": 1234, "output": 32, "total": 1290, "cache_read": 200}, thinking=True)
    assert u is not None and (u.input, u.output, u.reasoning, u.total, u.cache_read) == (1234, 56, 24, 1290, 200)
    # Reported beside output too (the same 24): counted once.
    u = cv.finish_usage({"input": 1234, "output": 32, "total": 1290, "reasoning": 24}, thinking=True)
    assert u is not None and (u.output, u.reasoning) == (56, 24)
    # Output with the thinking in already (the contrib instrumentation's, OpenInference's): as sent.
    u = cv.finish_usage({"input": 1234, "output": 56, "total": 1290, "reasoning": 24}, thinking=True)
    assert u is not None and (u.output, u.reasoning) == (56, 24)
    # A reasoning count that is not the gap: the sender's numbers stand.
    u = cv.finish_usage({"input": 1234, "output": 32, "total": 1290, "reasoning": 10}, thinking=True)
    assert u is not None and (u.output, u.reasoning, u.total) == (32, 10, 1290)
    # Another provider's total says nothing of output.
    u = cv.finish_usage({"input": 1234, "output": 32, "total": 1290})
    assert u is not None and (u.output, u.reasoning, u.total) == (32, 0, 1290)


@pytest.mark.parametrize("provider", ["gcp.gen_ai", "GCP.Gemini", "google", "vertex_ai"])
def test_thinking_names_gemini_only(provider: str) -> None:
    assert cv.thinking_beside(provider)
    assert not any(cv.thinking_beside(p) for p in ("openai", "anthropic", "aws.bedrock", None, 3))


def test_without_a_provider_a_gemini_model_decides() -> None:
    assert cv.thinking_beside(None, "gemini-2.5-flash") and cv.thinking_beside(None, "models/Gemini-2.5-Pro")
    assert not any(cv.thinking_beside(None, m) for m in ("gpt-4o-mini", "claude-sonnet-4-5", None, 3))
    # A provider named decides alone (a Gemini model on an OpenAI-compatible API counts its thoughts in output).
    assert not cv.thinking_beside("openai", "gemini-2.5-flash")


def test_openinference_llama_index_spans_without_a_provider_count_a_gemini_models_thinking(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenInference's LlamaIndex LLM spans name no provider; llama-index-llms-google-genai passes Gemini's
    candidatesTokenCount on as the completion and totalTokenCount as the total. Spans of one name and key
    set, a Gemini model's and an OpenAI model's in turn: the model picks the recipe."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(otlp_kv("service.name", "weather"))
    ss = rs.scope_spans.add()
    ss.scope.name = "openinference.instrumentation.llama_index"
    for i, model in enumerate(["gemini-2.5-flash", "gpt-4o-mini"] * 3):
        sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"),
                          name="LLM.astream_chat", start_time_unix_nano=10, end_time_unix_nano=20)
        sp.attributes.extend([otlp_kv("openinference.span.kind", "LLM"), otlp_kv("llm.model_name", model),
                              otlp_kv("llm.token_count.prompt", 1234), otlp_kv("llm.token_count.completion", 32),
                              otlp_kv("llm.token_count.total", 1290)])
    spans = [s for s in _both(monkeypatch, req.SerializeToString()) if "span_id" in s]
    assert len(spans) == 6
    for s in spans:
        want = ("'usage': {'input': 1234, 'output': 56, 'total': 1290, 'reasoning': 24}" if "gemini-2.5-flash" in s
                else "'usage': {'input': 1234, 'output': 32, 'total': 1290}")
        assert want in s, s


@pytest.mark.parametrize("cached", [200, None], ids=["cached", "no cache count"])
@pytest.mark.parametrize("content", [True, False], ids=["with messages", "without messages"])
def test_openllmetry_gemini_spans_count_the_thinking_by_recipe_and_general_path(
        content: bool, cached: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenLLMetry's google-genai spans (its key set, with and without the messages that send a span
    down the general path, with and without a cache count); the same key set naming OpenAI keeps its
    output. The provider's value picks the recipe."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(otlp_kv("service.name", "weather"))
    ss = rs.scope_spans.add()
    ss.scope.name = "opentelemetry.instrumentation.google_generativeai"
    for i, provider in enumerate(["gcp.gen_ai", "openai"] * 3):
        sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"),
                          name="generate_content gemini-2.5-flash", start_time_unix_nano=10, end_time_unix_nano=20)
        sp.attributes.extend([otlp_kv("gen_ai.provider.name", provider), otlp_kv("gen_ai.operation.name", "generate_content"),
                              otlp_kv("gen_ai.request.model", "gemini-2.5-flash"),
                              otlp_kv("gen_ai.usage.total_tokens", 1290), otlp_kv("gen_ai.usage.output_tokens", 32),
                              otlp_kv("gen_ai.usage.input_tokens", 1234)])
        if cached is not None:
            sp.attributes.append(otlp_kv("gen_ai.usage.cache_read.input_tokens", cached))
        if content:
            sp.attributes.append(otlp_kv("gen_ai.output.messages", '[{"role": "assistant", "parts": []}]'))
    spans = [s for s in _both(monkeypatch, req.SerializeToString()) if "span_id" in s]
    assert len(spans) == 6
    for s in spans:
        gemini = "'provider': 'google'" in s  # gcp.gen_ai, as every Gemini call's provider is shown
        cache = ", 'cache_read': 200" if cached else ""
        want = (f"'usage': {{'input': 1234, 'output': 56, 'total': 1290{cache}, 'reasoning': 24}}" if gemini
                else f"'usage': {{'input': 1234, 'output': 32, 'total': 1290{cache}}}")
        assert want in s, s
