"""The Vertex AI SDK traced by OpenInference: a Gemini call's cached tokens and thoughts are in its answer only.

OpenInference's Vertex AI instrumentation (scope ``openinference.instrumentation.vertexai``) traces
each call of the SDK's API client (``generate_content``, ``stream_generate_content``) as an LLM span
with ``llm.token_count.prompt`` (Gemini's ``promptTokenCount``: the cached tokens inside, no count of
them apart), ``.completion`` (``candidatesTokenCount``: the thoughts not in) and ``.total``
(``totalTokenCount``: the thoughts in), and the whole answer as ``output.value``, written as the SDK's
types serialize it (``usage_metadata``, ``cached_content_token_count``, ``thoughts_token_count``).
Checked on whole OTLP spans, protobuf (built by the general path and by the key set's recipes,
which must agree) and JSON.
"""

from __future__ import annotations

import json

import pytest

from agenttrace_tui.model import SpanKind
from otlp_values import spans_request
from test_portkey_spans import _json_spans
from test_provider_by_host import _all_paths

SCOPE = "openinference.instrumentation.vertexai"
MODEL = "projects/my-project/locations/us-central1/publishers/google/models/gemini-2.5-flash"
#: A tool call's answer's usage as the SDK's proto-plus types write it (``to_dict``), as sent.
USAGE = {"prompt_token_count": 1234, "candidates_token_count": 32, "total_token_count": 1290,
         "cached_content_token_count": 200, "traffic_type": 1,
         "prompt_tokens_details": [{"modality": 1, "token_count": 1234}],
         "cache_tokens_details": [{"modality": 1, "token_count": 200}],
         "candidates_tokens_details": [{"modality": 1, "token_count": 32}],
         "thoughts_token_count": 24, "tool_use_prompt_tokens_details": []}
ANSWER = {"candidates": [{"content": {"role": "model", "parts": [
    {"function_call": {"name": "get_weather", "args": {"city": "Paris"}, "partial_args": [], "will_continue": False},
     "thought": False, "thought_signature": ""}]}, "finish_reason": 1, "avg_logprobs": -0.04, "index": 0,
    "score": 0.0, "safety_ratings": []}],
          "usage_metadata": USAGE, "model_version": "gemini-2.5-flash", "create_time": "2026-12-06T15:19:01Z",
          "response_id": "resp-1"}


def generate_content(answer: dict[str, object] = ANSWER) -> dict[str, object]:
    """A ``generate_content`` span's attributes as openinference-instrumentation-vertexai 0.1.29 sets them."""
    usage = answer["usage_metadata"]
    assert isinstance(usage, dict)
    return {
        "input.value": json.dumps({"contents": [{"role": "user", "parts": [{"text": "What is the weather in Paris?"}]}],
                                   "model": MODEL}),
        "input.mime_type": "application/json",
        "llm.model_name": MODEL, "llm.provider": "google", "llm.system": "vertexai",
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.contents.0.message_content.text": "What is the weather in Paris?",
        "output.value": json.dumps(answer), "output.mime_type": "application/json",
        "llm.token_count.prompt": usage["prompt_token_count"],
        "llm.token_count.completion": usage["candidates_token_count"],
        "llm.token_count.total": usage["total_token_count"],
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "get_weather",
        "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"city": "Paris"}',
        "llm.finish_reason": "STOP", "openinference.span.kind": "LLM",
    }


def _request(spans: list[dict[str, object]], repeat: int) -> bytes:
    return spans_request(spans, scope=SCOPE, name="generate_content", repeat=repeat)


def test_a_calls_cached_tokens_and_thoughts_are_read_from_its_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    spans = _all_paths(monkeypatch, _request([generate_content()], repeat=3))
    for span in [*spans, *_json_spans(generate_content(), SCOPE)]:
        assert span.kind is SpanKind.LLM_CALL
        u = span.usage
        assert (u.input, u.output, u.total, u.cache_read, u.cache_write, u.reasoning) == (1234, 56, 1290, 200, 0, 24)


def test_the_answer_in_the_api_spelling_is_read_too() -> None:
    camel = {"promptTokenCount": 1234, "candidatesTokenCount": 32, "totalTokenCount": 1290,
             "cachedContentTokenCount": 200, "thoughtsTokenCount": 24}
    attrs = {**generate_content(), "output.value": json.dumps({**ANSWER, "usage_metadata": None, "usageMetadata": camel})}
    (span,) = _json_spans(attrs, SCOPE)
    assert (span.usage.input, span.usage.output, span.usage.cache_read, span.usage.reasoning) == (1234, 56, 200, 24)


def test_a_built_in_tools_prompt_in_the_answer_is_input_the_thoughts_output() -> None:
    """A call that ran Google Search: its total's surplus is the tool's prompt and the thoughts, which
    the answer tells apart (without it both would be counted as input)."""
    usage = {**USAGE, "tool_use_prompt_token_count": 300, "total_token_count": 1590}
    (span,) = _json_spans(generate_content({**ANSWER, "usage_metadata": usage}), SCOPE)
    u = span.usage
    assert (u.input, u.output, u.total, u.cache_read, u.reasoning) == (1534, 56, 1590, 200, 24)


def test_another_calls_answer_adds_nothing() -> None:
    """An answer whose counts are not the flat ones (another call's) is not read: the thoughts are still
    the total's surplus, no cached count is made up."""
    attrs = {**generate_content(), "output.value": json.dumps({**ANSWER, "usage_metadata": {**USAGE, "prompt_token_count": 999}})}
    (span,) = _json_spans(attrs, SCOPE)
    assert (span.usage.input, span.usage.output, span.usage.cache_read, span.usage.reasoning) == (1234, 56, 0, 24)


def test_a_model_named_by_its_resource_name_is_the_model_the_name_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """The instrumentation names the model as the request does, by its Vertex AI resource name: the call's
    model is the name's last part (what a price list and the model columns know), the name is kept."""
    spans = _all_paths(monkeypatch, _request([generate_content()], repeat=2))
    for span in [*spans, *_json_spans(generate_content(), SCOPE)]:
        assert (span.llm.provider, span.llm.model) == ("google", "gemini-2.5-flash")
        assert span.attributes["llm.model_name"] == MODEL


@pytest.mark.parametrize("model", [MODEL, "publishers/google/models/gemini-2.5-flash"])
def test_a_resource_name_is_the_model_by_recipe_and_general_path_alike(monkeypatch: pytest.MonkeyPatch,
                                                                       model: str) -> None:
    """A key set whose spans could be built by a recipe (no previews, only typed keys) names the same model
    by both paths; a model that only looks like a path is left as sent."""
    attrs = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "google", "gen_ai.usage.input_tokens": 10,
             "gen_ai.usage.output_tokens": 2}
    plain = {**attrs, "gen_ai.request.model": "gemini-2.5-flash"}
    named = {**attrs, "gen_ai.request.model": model}
    odd = {**attrs, "gen_ai.request.model": "tunedModels/publishers-x/models"}
    spans = _all_paths(monkeypatch, _request([plain, named, odd], repeat=3))
    assert [s.llm.model for s in spans] == ["gemini-2.5-flash", "gemini-2.5-flash", "tunedModels/publishers-x/models"] * 3
