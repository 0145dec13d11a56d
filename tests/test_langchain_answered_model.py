"""A LangChain chat model call named by an Azure deployment is priced by the model that answered it.

OpenInference's LangChain instrumentation names a streamed ``AzureChatOpenAI`` call by its
deployment (``llm.model_name`` "my-gpt4o-mini", what the app chose, no price list knows it); the
model that answered is only in LangChain's result of the run (``output.value``: each generation's
``generation_info.model_name``). The spans below are such calls as recorded with
langchain-openai 1.8.1 and openinference-instrumentation-langchain 0.1.80 (the non-streamed call
names the answered model itself: ``tests/clients/fixtures/langchain_azure_openinference``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from genai_prices import Usage, calc_price

from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.normalize import conventions as cv
from agenttrace_tui.normalize.otel import build_span
from agenttrace_tui.store.memory import Store

T = int(datetime(2026, 1, 5, 12, tzinfo=UTC).timestamp() * 1e9)
ANSWERED = "gpt-4o-mini-2024-07-18"


def result(generation_info: dict | None, response_metadata: dict | None = None, llm_output: dict | None = None) -> str:
    """LangChain's result of a chat model run as OpenInference sends it (``output.value``)."""
    message = {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", "AIMessageChunk"],
               "kwargs": {"content": "Sunny.", "response_metadata": response_metadata or {}, "type": "AIMessageChunk"}}
    return json.dumps({"generations": [[{"text": "Sunny.", "generation_info": generation_info,
                                         "type": "ChatGenerationChunk", "message": message}]],
                       "llm_output": llm_output, "run": None, "type": "LLMResult"})


def call(output: str, model: str = "my-gpt4o-mini") -> dict:
    return {"openinference.span.kind": "LLM", "llm.provider": "azure", "llm.system": "openai",
            "llm.model_name": model, "llm.token_count.prompt": 1234, "llm.token_count.completion": 56,
            "llm.token_count.prompt_details.cache_read": 200, "output.value": output,
            "output.mime_type": "application/json"}


def priced(attrs: dict):
    span = build_span("ab" * 16, "cd" * 8, None, "AzureChatOpenAI", T, T + 1_000_000, attrs, [], (), 1, "", "s1")
    store = Store()
    Pipeline(store, enrichers=make_enrichers(None, store)).apply([span])
    return store.span(span.trace_id, span.span_id)


def test_a_streamed_deployment_call_is_priced_by_the_model_langchain_says_answered() -> None:
    span = priced(call(result({"finish_reason": "stop", "model_name": ANSWERED, "system_fingerprint": "fp"})))
    assert span.llm.model == "my-gpt4o-mini" and span.llm.provider == "azure"
    want = calc_price(Usage(input_tokens=1234, output_tokens=56, cache_read_tokens=200), ANSWERED,
                      genai_request_timestamp=datetime.fromtimestamp(T / 1e9, tz=UTC))
    assert span.cost is not None and span.cost.total is not None
    assert abs(span.cost.total - float(want.total_price)) < 1e-12
    assert span.cost.priced_as is not None and ANSWERED in span.cost.priced_as


def test_the_answered_model_is_read_from_the_message_or_the_run_output_too() -> None:
    assert cv.langchain_answered_model(call(result(None, {"model_name": ANSWERED}))) == ANSWERED
    assert cv.langchain_answered_model(call(result(None, None, {"model_name": ANSWERED}))) == ANSWERED


def test_nothing_is_read_where_no_model_is_named_or_a_response_model_is_sent() -> None:
    assert cv.langchain_answered_model(call(result(None))) is None
    assert cv.langchain_answered_model(call('{"generations": [[{"text": "cut')) is None  # cut JSON
    assert cv.langchain_answered_model({**call(result({"model_name": ANSWERED})),
                                        "gen_ai.response.model": "other"}) is None
    assert cv.langchain_answered_model({"output.value": "plain text"}) is None
    # A refused call's result names no model: it stays unpriced (no tokens) with its deployment's name.
    span = priced(call(result(None)))
    assert span.llm.model == "my-gpt4o-mini" and cv.LANGCHAIN_ANSWERED_KEY not in span.attributes
