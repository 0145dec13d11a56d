"""A model call naming no provider is its run metadata's provider (LangChain's ``ls_provider``).

OpenInference's LangChain instrumentation for JavaScript (``@arizeai/openinference-instrumentation-langchain``
4.x) sends neither ``llm.provider`` nor ``llm.system`` on a chat model's span: LangChain's ``ls_provider``
(beside ``ls_model_name`` and ``ls_model_type``) is only inside the span's ``metadata``, JSON. Spans are
built from real OTLP requests by the general path and by the key set's recipes (compiled or not), which
must agree (``_all_paths``).
"""

from __future__ import annotations

import json

import pytest

from agenttrace_tui.model import SpanKind
from agenttrace_tui.normalize import conventions as cv
from otlp_values import spans_request
from test_provider_by_host import _all_paths

#: The scope of OpenInference's LangChain.js instrumentation, and one naming no framework (an app's own
#: tracer name): the metadata is read whatever client the spans are read as.
SCOPES = ["@arizeai/openinference-instrumentation-langchain", "weather-app"]


def _metadata(provider: str | None) -> str:
    """A chat model run's metadata as LangChain.js 1.4 puts it there (the LangGraph entries, then LangChain's)."""
    meta: dict[str, object] = {"ls_integration": "langchain_chat_model", "langgraph_step": 1, "langgraph_node": "agent",
                               "checkpoint_ns": "agent:5f6f35ec"}
    if provider is not None:
        meta["ls_provider"] = provider
    meta.update({"ls_model_name": "some-model", "ls_model_type": "chat", "versions": {"@langchain/core": "1.4.0"}})
    return json.dumps(meta, separators=(",", ":"))


def _call(provider: str | None, **more: object) -> dict[str, object]:
    """A model call's span attributes, the key set OpenInference's LangChain.js instrumentation sends for one
    without its messages (so that a recipe may build it)."""
    return {"openinference.span.kind": "LLM", "llm.model_name": "some-model", "llm.token_count.prompt": 1498,
            "llm.token_count.completion": 56, "llm.token_count.total": 1554,
            "llm.token_count.prompt_details.cache_read": 200, **more, "metadata": _metadata(provider)}


def _request(spans: list[dict[str, object]], scope: str, repeat: int = 3) -> bytes:
    return spans_request(spans, scope=scope, name="ChatModel", repeat=repeat)


#: LangChain's provider words (its chat model classes' ``ls_provider``, Python's and JavaScript's) -> the
#: provider shown, broken down by and priced under.
WORDS = [
    ("openai", "openai"),
    ("anthropic", "anthropic"),
    ("google_genai", "google"),
    ("google_vertexai", "google"),
    ("google_anthropic_vertex", "google"),
    ("amazon_bedrock", "aws.bedrock"),
    ("bedrock", "aws.bedrock"),
    ("bedrock_converse", "aws.bedrock"),
    ("azure", "azure"),
    ("azure_openai", "azure"),
    ("azure_ai", "azure"),
    ("azure-ai-inference", "azure"),
    ("groq", "groq"),
    ("mistralai", "mistral"),
    ("mistral", "mistral"),
    ("xai", "x-ai"),
    ("together", "together"),
    ("fireworks", "fireworks"),
    ("deepseek", "deepseek"),
    ("ollama", "ollama"),
]


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize(("word", "provider"), WORDS)
def test_a_call_is_the_provider_its_run_metadata_names(monkeypatch: pytest.MonkeyPatch, scope: str, word: str,
                                                       provider: str) -> None:
    spans = _all_paths(monkeypatch, _request([_call(word)], scope))
    assert [(s.kind, s.llm.provider) for s in spans] == [(SpanKind.LLM_CALL, provider)] * 3
    assert all("metadata" in s.attributes for s in spans)  # the metadata stays shown as sent


@pytest.mark.parametrize("scope", SCOPES)
def test_the_provider_does_not_change_langchains_counts(monkeypatch: pytest.MonkeyPatch, scope: str) -> None:
    """LangChain's usage (``usage_metadata``) counts the cache reads and writes inside its input whatever the
    provider: a Bedrock call (whose own API counts them beside) keeps the input sent, as one naming none."""
    for word in ("amazon_bedrock", "anthropic", None):
        spans = _all_paths(monkeypatch, _request([_call(word, **{"llm.token_count.prompt_details.cache_write": 64})],
                                                 scope))
        assert {(s.usage.input, s.usage.output, s.usage.cache_read, s.usage.cache_write) for s in spans} == {
            (1498, 56, 200, 64)}, word


@pytest.mark.parametrize("scope", SCOPES)
def test_a_provider_the_span_names_is_kept(monkeypatch: pytest.MonkeyPatch, scope: str) -> None:
    """OpenInference's LangChain instrumentation for Python names the provider itself (``llm.provider``, its own
    spelling of ``ls_provider``): that name stands, whatever the metadata says."""
    spans = _all_paths(monkeypatch, _request([_call("google_genai", **{"llm.provider": "google",
                                                                       "llm.system": "vertexai"}),
                                              _call("openai", **{"llm.provider": "azure", "llm.system": "openai"})],
                                             scope, repeat=2))
    assert [s.llm.provider for s in spans] == ["google", "azure"] * 2


@pytest.mark.parametrize("scope", SCOPES)
def test_no_provider_without_one_in_the_metadata(monkeypatch: pytest.MonkeyPatch, scope: str) -> None:
    """Metadata without LangChain's entry (another framework's, a user's), or not JSON, names no provider; nor
    does a chain's span carrying a model run's metadata name a call."""
    calls = [_call(None), {**_call(None), "metadata": '{"ls_provider": '}, {**_call(None), "metadata": "ls_provider"}]
    spans = _all_paths(monkeypatch, _request(calls, scope, repeat=2))
    assert [(s.kind, s.llm.provider) for s in spans] == [(SpanKind.LLM_CALL, None)] * 6
    (chain,) = _all_paths(monkeypatch, _request([{"openinference.span.kind": "CHAIN", "metadata": _metadata("openai")}],
                                                scope, repeat=1))
    assert chain.kind is SpanKind.TASK and chain.llm is None


def test_metadata_without_the_entry_is_never_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a model call naming no provider whose metadata holds the entry's name pays for reading the JSON."""
    decoded: list[str] = []
    real = cv.json_object

    def counting(value: object, limit: int) -> object:
        decoded.append(str(value))
        return real(value, limit)

    monkeypatch.setattr(cv, "json_object", counting)
    assert cv.metadata_provider({"metadata": _metadata(None)}, ("metadata",)) is None
    assert cv.metadata_provider({"metadata": 7}, ("metadata",)) is None
    assert decoded == []
    assert cv.metadata_provider({"metadata": _metadata("groq")}, ("metadata",)) == "groq"
    assert len(decoded) == 1
