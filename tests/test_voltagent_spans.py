"""VoltAgent's own span attributes (``@voltagent/core``'s observability) read as a model call's usage."""

from __future__ import annotations

from agenttrace_tui.ingest.otlp_decode import build_span
from agenttrace_tui.model import SpanKind


def test_a_voltagent_llm_span_reports_its_cached_and_reasoning_tokens() -> None:
    # As VoltAgent's recordLLMUsage sets them: prompt tokens include the cached ones (the AI SDK's inputTokens).
    attrs = {"span.type": "llm", "llm.operation": "generateText", "llm.model": "gpt-4o-mini",
             "llm.usage.prompt_tokens": 1400, "llm.usage.completion_tokens": 78, "llm.usage.total_tokens": 1478,
             "llm.usage.cached_tokens": 300, "llm.usage.reasoning_tokens": 12}
    s = build_span("ab" * 16, "cd" * 8, None, "llm:generateText", 1_000, 2_000, attrs, [], (), 0, "", "s")
    assert s.kind is SpanKind.LLM_CALL and s.llm.model == "gpt-4o-mini"
    assert (s.usage.input, s.usage.output, s.usage.cache_read, s.usage.reasoning, s.usage.scope) == (
        1400, 78, 300, 12, "span")
