"""One name per provider, however a client spells it.

Clients name one provider many ways: agno sends ``OpenAI``, Mistral's SDK telemetry names its calls
``mistralai`` and its failed ones ``mistral_ai``, Google ADK ``gcp.gemini``, the AI SDK ``openai.responses``,
Strands names itself (``strands-agents``). The "by provider" breakdown of all sessions then split one
provider into rows, and a merged call could show the framework as its provider. Checked on whole OTLP spans
built by the general path and by the key set's recipes (compiled or not), which must agree; in the
store's breakdown; and with a price file keyed by another spelling.
"""

from __future__ import annotations

import pytest

from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces, parse
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import SpanKind
from agenttrace_tui.store.memory import Store
from test_provider_by_host import _all_paths, _request


@pytest.mark.parametrize(("sent", "shown"), [
    ("OpenAI", "openai"),  # agno, OpenLLMetry's Haystack spans
    ("Anthropic", "anthropic"),
    ("mistral_ai", "mistral"),  # the OTel name
    ("MistralAI", "mistral"),  # OpenLLMetry
    ("mistralai", "mistral"),  # OpenInference
    ("gcp.gemini", "google"),  # Google ADK
    ("gcp.gen_ai", "google"),
    ("gcp.vertex_ai", "google"),
    ("az.ai.inference", "azure"),  # azure-ai-inference's tracing
    ("amazon_bedrock", "aws.bedrock"),  # LangChain's Bedrock model
    ("bedrock", "aws.bedrock"),  # pydantic-ai
    ("AwsBedrock", "aws.bedrock"),  # agno
    ("aws", "aws.bedrock"),  # OpenInference's Bedrock instrumentations (llm.provider)
    ("openai.responses", "openai"),  # the AI SDK's <provider>.<api>
    ("anthropic.messages", "anthropic"),
    ("groq.chat", "groq"),
    ("my-gateway", "my-gateway"),  # a name of its own stays (lower-cased)
    ("strands-agents", None),  # a framework's own name: no provider
    ("gcp.vertex.agent", None),  # Google ADK for TypeScript names itself
])
def test_each_spelling_shows_one_name(monkeypatch: pytest.MonkeyPatch, sent: str, shown: str | None) -> None:
    attrs = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "m1", "gen_ai.system": sent,
             "gen_ai.usage.input_tokens": 1234, "gen_ai.usage.output_tokens": 56}
    spans = _all_paths(monkeypatch, _request([attrs], repeat=3))
    assert [(s.kind, s.llm.provider, s.llm.model) for s in spans] == [(SpanKind.LLM_CALL, shown, "m1")] * 3


def test_spellings_interleaved_in_one_key_set_each_get_their_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """The recipe of a key set is made per provider value: spans alike but for the spelling, interleaved,
    each get their own provider's name (a recipe made for ``mistral`` must not serve ``MistralAI`` as is)."""
    spellings = {"mistral": "mistral", "MistralAI": "mistral", "OpenAI": "openai", "openai": "openai"}
    spans = [{"gen_ai.system": sent, "gen_ai.operation.name": "chat", "gen_ai.request.model": "m1",
              "gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 10} for sent in spellings]
    got = _all_paths(monkeypatch, _request(spans, repeat=4))
    assert [s.llm.provider for s in got] == list(spellings.values()) * 4


def test_a_session_breaks_one_provider_down_in_one_row_and_a_price_file_key_prices_every_spelling(tmp_path) -> None:
    prices = tmp_path / "prices.toml"
    prices.write_text('[MistralAI."my-finetune"]\ninput = 2.0\noutput = 6.0\n')
    spans = [{"gen_ai.system": sent, "gen_ai.operation.name": "chat", "gen_ai.request.model": "my-finetune",
              "gen_ai.usage.input_tokens": 1_000_000, "gen_ai.usage.output_tokens": 0}
             for sent in ("mistral_ai", "mistralai", "MistralAI")]
    store = Store()
    pipe = Pipeline(store, enrichers=make_enrichers(str(prices), store))
    for chunk in convert_traces(parse("traces", _request(spans, repeat=1), False), False, Rejects(), lambda t: None):
        pipe.apply(chunk)
    store.flush_aggregates()
    (session,) = store.sessions.values()
    rows = session.totals.breakdown("provider")
    assert [p for p, _bucket in rows] == ["mistral"]
    (trace,) = store.traces.values()
    assert [s.cost.total for s in trace.spans.values()] == [2.0, 2.0, 2.0]  # $2 a million input tokens, each


def test_a_model_sent_with_no_value_names_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """An attribute sent with no value (an empty AnyValue: OpenLLMetry's LlamaIndex spans send their
    model so) is as if absent: the next key names the model, or none does -- never the text "None"."""
    base = {"gen_ai.operation.name": "chat", "gen_ai.system": "openai", "gen_ai.usage.input_tokens": 10,
            "gen_ai.usage.output_tokens": 2}
    # (a span name naming no model: ``chat <model>`` would name it)
    spans = _all_paths(monkeypatch, _request([{**base, "gen_ai.request.model": None, "gen_ai.response.model": "gpt-4o"},
                                              {**base, "gen_ai.request.model": None}], repeat=2, name="chat"))
    assert [(s.kind, s.llm.model) for s in spans] == [(SpanKind.LLM_CALL, "gpt-4o"), (SpanKind.LLM_CALL, None)] * 2
