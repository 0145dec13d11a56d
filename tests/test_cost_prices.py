"""Computed prices equal genai-prices' own calculation; precedence, unknowns, overrides."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from genai_prices import Usage, calc_price, data_snapshot, types

from agenttrace_tui.config import Config
from agenttrace_tui.enrich import (
    PriceBook,
    PriceFileError,
    SpanCoster,
    Unknown,
    anthropic_usage,
    load_price_file,
    make_enrichers,
)
from agenttrace_tui.enrich.prices import compute
from agenttrace_tui.format.cost import cost_source_text, priced_as_text, span_cost_text
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import Cost, LlmInfo, Span, SpanKind, Status, TokenUsage
from agenttrace_tui.store.memory import Store

T_2025_05 = int(datetime(2025, 5, 1, 12, tzinfo=UTC).timestamp() * 1e9)
T_2025_07 = int(datetime(2025, 7, 1, 12, tzinfo=UTC).timestamp() * 1e9)


def llm(sid: str, provider: str | None, model: str | None, usage: TokenUsage | None, start_ns: int = T_2025_07, **kw) -> Span:
    return Span(
        span_id=sid,
        trace_id=kw.pop("trace_id", "t1"),
        session_id="s1",
        name="chat",
        kind=SpanKind.LLM_CALL,
        start_ns=start_ns,
        end_ns=kw.pop("end_ns", start_ns + 1_000_000),
        llm=LlmInfo(provider=provider, model=model) if (provider or model) else None,
        usage=usage,
        **kw,
    )


def run(spans: list[Span], config: Config | None = None) -> Store:
    store = Store()
    Pipeline(store, enrichers=make_enrichers(config.prices if config else None, store)).apply(spans)
    return store


def reference(usage: TokenUsage, model: str, provider: str | None, start_ns: int) -> types.PriceCalculation:
    u = Usage(input_tokens=usage.input, output_tokens=usage.output)
    if usage.cache_read:
        u.cache_read_tokens = usage.cache_read
    if usage.cache_write:
        u.cache_write_tokens = usage.cache_write
    ts = datetime.fromtimestamp(start_ns / 1e9, tz=UTC)
    return calc_price(u, model, provider_id=provider, genai_request_timestamp=ts)


def assert_same(cost: Cost, ref: types.PriceCalculation) -> None:
    assert cost.source == "computed"
    assert cost.total == pytest.approx(float(ref.total_price), rel=1e-12, abs=1e-15)
    assert cost.input == pytest.approx(float(ref.input_price), rel=1e-12, abs=1e-15)
    assert cost.output == pytest.approx(float(ref.output_price), rel=1e-12, abs=1e-15)


def test_anthropic_cache_read_and_write_priced_as_genai_prices() -> None:
    # Anthropic's own numbers: input 1000 beside 500 cache reads and 300 cache writes.
    usage = anthropic_usage(input_tokens=1000, output_tokens=200, cache_read_input_tokens=500, cache_creation_input_tokens=300)
    assert (usage.input, usage.cache_read, usage.cache_write) == (1800, 500, 300)
    st = run([llm("a", "anthropic", "claude-sonnet-4-5", usage)])
    cost = st.span("t1", "a").cost
    assert_same(cost, reference(usage, "claude-sonnet-4-5", "anthropic", T_2025_07))
    # and it is not the price of 1000 plain input tokens
    plain = reference(TokenUsage(input=1000, output=200), "claude-sonnet-4-5", "anthropic", T_2025_07)
    assert cost.total != pytest.approx(float(plain.total_price))


def test_anthropic_style_numbers_that_cannot_be_ours_are_added_in() -> None:
    # input 1000 with 1200 cache reads is impossible under our convention:
    # the sender reported cache beside input, so 2200 input of which 1200 cached.
    st = run([llm("a", "anthropic", "claude-3-5-haiku-latest", TokenUsage(input=1000, output=10, cache_read=1200))])
    got = st.span("t1", "a")
    assert got.usage.input == 2200
    assert_same(got.cost, reference(TokenUsage(input=2200, output=10, cache_read=1200), "claude-3-5-haiku-latest", "anthropic", T_2025_07))


def test_openai_cached_input() -> None:
    usage = TokenUsage(input=12_000, output=800, cache_read=10_000)
    st = run([llm("a", "openai", "gpt-4o", usage)])
    cost = st.span("t1", "a").cost
    assert_same(cost, reference(usage, "gpt-4o", "openai", T_2025_07))
    full = reference(TokenUsage(input=12_000, output=800), "gpt-4o", "openai", T_2025_07)
    assert cost.total < float(full.total_price)  # cached tokens are cheaper


@pytest.mark.parametrize("prompt", [50_000, 250_000])
def test_google_gemini_with_tiered_price(prompt: int) -> None:
    usage = TokenUsage(input=prompt, output=2_000, cache_read=prompt // 2)
    st = run([llm("a", "gcp.gemini", "gemini-2.5-pro", usage)])
    assert_same(st.span("t1", "a").cost, reference(usage, "gemini-2.5-pro", "google", T_2025_07))


def test_dated_historical_price_follows_span_start_time() -> None:
    usage = TokenUsage(input=100_000, output=10_000)
    st = run([llm("before", "openai", "o3", usage, start_ns=T_2025_05), llm("after", "openai", "o3", usage, start_ns=T_2025_07)])
    before, after = st.span("t1", "before").cost, st.span("t1", "after").cost
    assert_same(before, reference(usage, "o3", "openai", T_2025_05))
    assert_same(after, reference(usage, "o3", "openai", T_2025_07))
    assert before.total > after.total  # o3's price dropped on 2025-06-10


def test_many_bundled_models_match_genai_prices() -> None:
    """Every text model of a few providers, random usage: same numbers as calc_price."""
    rng = random.Random(5)
    snap = data_snapshot.get_snapshot()
    book = PriceBook()
    checked = 0
    for provider in snap.providers:
        if provider.id not in ("openai", "anthropic", "google", "mistral", "deepseek", "groq", "x-ai", "aws"):
            continue
        for model in provider.models:
            inp = rng.randrange(0, 400_000)
            usage = TokenUsage(
                input=inp,
                output=rng.randrange(0, 20_000),
                cache_read=rng.randrange(0, inp // 2 + 1),
                cache_write=rng.randrange(0, inp // 4 + 1),
            )
            start = rng.choice([T_2025_05, T_2025_07, T_2025_07 + rng.randrange(0, 86_400) * 10**9])
            try:
                ref = reference(usage, model.id, provider.id, start)
            except (LookupError, ValueError):
                continue
            rates = book.rates(provider.id, model.id, start)
            assert not isinstance(rates, Unknown), model.id
            total, cin, cout = compute(rates, usage.input, usage.output, usage.cache_read, usage.cache_write)
            assert total == pytest.approx(float(ref.total_price), rel=1e-9, abs=1e-12), (provider.id, model.id)
            assert cin == pytest.approx(float(ref.input_price), rel=1e-9, abs=1e-12), (provider.id, model.id)
            assert cout == pytest.approx(float(ref.output_price), rel=1e-9, abs=1e-12), (provider.id, model.id)
            checked += 1
    assert checked > 200


def test_lookups_are_cached_per_provider_and_model() -> None:
    book = PriceBook()
    coster = SpanCoster(book)
    for i in range(50):
        coster.finish(llm(f"a{i}", "openai", "gpt-4o-mini", TokenUsage(input=10 + i, output=5)))
    assert book.lookups == 1


def test_reported_cost_wins_over_computed() -> None:
    reported = llm("a", "openai", "gpt-4o", TokenUsage(input=1000, output=100), cost=Cost(total=0.42))
    st = run([reported])
    cost = st.span("t1", "a").cost
    assert (cost.total, cost.source) == (0.42, "reported")
    assert st.totals.cost == pytest.approx(0.42)


def test_reported_cost_in_span_end_replaces_the_computed_one() -> None:
    start = llm("a", "openai", "gpt-4o", TokenUsage(input=1000, output=100), end_ns=None, status=Status.RUNNING)
    st = run([start])
    assert st.span("t1", "a").cost.source == "computed"
    end = Span(span_id="a", trace_id="t1", session_id="", name="", start_ns=0, end_ns=T_2025_07 + 5, cost=Cost(total=0.5))
    Pipeline(st, enrichers=make_enrichers(None, st)).apply([end])
    cost = st.span("t1", "a").cost
    assert (cost.total, cost.source, cost.input) == (0.5, "reported", None)
    assert st.totals.cost == pytest.approx(0.5)


@pytest.mark.parametrize("same_batch", [False, True])
def test_model_in_span_start_and_usage_in_span_end_price_together(same_batch: bool) -> None:
    start = llm("a", "anthropic", "claude-sonnet-4-5", None, end_ns=None, status=Status.RUNNING)
    end = Span(span_id="a", trace_id="t1", session_id="", name="", start_ns=0, end_ns=T_2025_07 + 10**9, usage=TokenUsage(input=3000, output=400, cache_read=1000))
    store = Store()
    pipe = Pipeline(store, enrichers=make_enrichers(None, store))
    if same_batch:
        pipe.apply([start, end])
    else:
        pipe.apply([start])
        assert store.span("t1", "a").cost is None  # no usage yet: nothing to price
        pipe.apply([end])
    got = store.span("t1", "a")
    assert_same(got.cost, reference(TokenUsage(input=3000, output=400, cache_read=1000), "claude-sonnet-4-5", "anthropic", T_2025_07))
    assert store.totals.cost == pytest.approx(got.cost.total) and store.totals.cost_unknown == 0


def test_unknown_model_is_unknown_with_reason_never_zero() -> None:
    st = run([llm("a", "acme", "llama3.1:8b", TokenUsage(input=100, output=20)), llm("b", "openai", "no-such-model-xyz", TokenUsage(input=1, output=1))])
    a, b = st.span("t1", "a").cost, st.span("t1", "b").cost
    assert a.total is None and a.source == "unknown" and a.reason == "no price for acme/llama3.1:8b"
    assert b.total is None and "openai/no-such-model-xyz" in b.reason
    assert st.totals.cost_unknown == 2 and st.totals.cost == 0.0
    assert st.totals.breakdown("model")[0][1].cost_unknown == 1
    # A model named with its provider already is named once (it read acme/acme/my-finetune-v3).
    own = run([llm("c", "acme", "acme/my-finetune-v3", TokenUsage(input=1, output=1))]).span("t1", "c").cost
    assert own.total is None and own.reason == "no price for acme/my-finetune-v3"


def test_llm_span_without_model_is_unknown() -> None:
    st = run([llm("a", None, None, TokenUsage(input=5, output=5))])
    assert st.span("t1", "a").cost == Cost(total=None, source="unknown", reason="no model named")


def test_user_price_file_overrides(tmp_path) -> None:
    f = tmp_path / "prices.toml"
    f.write_text(
        '[ollama."llama3.1:8b"]\ninput = 0\noutput = 0\n\n'
        '[openai."gpt-4o"]\ninput = 1.0\noutput = 2.0\ncache_read = 0.5\n\n'
        '[vllm."*"]\ninput = 0.1\noutput = 0.1\n'
    )
    st = run(
        [
            llm("local", "ollama", "llama3.1:8b", TokenUsage(input=1000, output=1000)),
            llm("oai", "openai", "gpt-4o", TokenUsage(input=1_000_000, output=1_000_000, cache_read=400_000)),
            llm("any", "vllm", "whatever-7b", TokenUsage(input=1_000_000, output=0)),
            llm("bundled", "openai", "gpt-4o-mini", TokenUsage(input=10, output=10)),
        ],
        Config(prices=str(f)),
    )
    local = st.span("t1", "local").cost
    assert (local.total, local.source) == (0.0, "computed")  # a real $0, not unknown
    assert st.span("t1", "oai").cost.total == pytest.approx(0.6 * 1.0 + 0.4 * 0.5 + 2.0)
    assert st.span("t1", "any").cost.total == pytest.approx(0.1)
    assert_same(st.span("t1", "bundled").cost, reference(TokenUsage(input=10, output=10), "gpt-4o-mini", "openai", T_2025_07))


def test_a_local_model_costs_nothing_and_says_why(tmp_path) -> None:
    usage = TokenUsage(input=1234, output=56)
    st = run([
        llm("a", "Ollama", "llama3.1:8b", usage),  # OpenLLMetry's spelling
        llm("b", "gpt4all", "Meta-Llama-3-8B-Instruct.Q4_0.gguf", usage),
        llm("c", "vLLM", "meta-llama/Llama-3.1-8B-Instruct", usage),  # OpenLIT's vLLM engine
        # genai-prices knows this name as DeepSeek's API model: that is not what a local run costs.
        llm("d", "ollama", "deepseek-r1:8b", usage),
        # A model Ollama runs in its cloud is paid: unpriced with why, as any model without a price.
        llm("e", "ollama", "gpt-oss:120b-cloud", usage),
        # LiteLLM names the runtime as the model's prefix, itself as the provider.
        llm("f", "litellm", "ollama/llama3.1", usage),
        llm("g", "litellm", "ollama_chat/deepseek-r1:8b", usage),
        llm("h", None, "lm_studio/qwen2.5-7b-instruct", usage),
    ])
    for sid, runtime in (("a", "ollama"), ("b", "gpt4all"), ("c", "vllm"), ("d", "ollama"), ("f", "ollama"),
                         ("g", "ollama_chat"), ("h", "lm_studio")):
        cost = st.span("t1", sid).cost
        assert cost == Cost(0.0, 0.0, 0.0, "computed", f"a local model ({runtime}): no API charge"), sid
        assert cost_source_text(cost, usage) == f"a local model ({runtime}): no API charge"
        assert span_cost_text(cost, usage) == "$0"
    cloud = st.span("t1", "e").cost
    assert cloud.total is None and cloud.reason == "no price for ollama/gpt-oss:120b-cloud"
    assert (st.totals.cost, st.totals.cost_unknown) == (0.0, 1)
    # A price the user set still wins: the runtime's own, then the model's under any provider.
    f = tmp_path / "prices.toml"
    f.write_text('[ollama."*"]\ninput = 1\noutput = 2\n["*"."qwen3:8b"]\ninput = 3\noutput = 4\n')
    st = run([llm("a", "ollama", "llama3.1:8b", TokenUsage(input=1_000_000, output=1_000_000)),
              llm("b", "gpt4all", "qwen3:8b", TokenUsage(input=1_000_000, output=1_000_000))], Config(prices=str(f)))
    a, b = st.span("t1", "a").cost, st.span("t1", "b").cost
    assert (a.total, a.reason, a.priced_as) == (pytest.approx(3.0), None, None)
    assert (b.total, b.reason, b.priced_as) == (pytest.approx(7.0), None, "*/qwen3:8b (price file)")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[p.m]\ninput = 1\n", "both input and output"),
        ("[p.m]\ninput = -1\noutput = 1\n", "non-negative"),
        ("[p.m]\ninput = 1\noutput = 1\nbogus = 2\n", "unknown key(s) bogus"),
        ("p = 3\n", "must be a table"),
        ("[p\n", "not valid TOML"),
    ],
)
def test_bad_price_file_is_a_clear_error(tmp_path, text: str, message: str) -> None:
    f = tmp_path / "prices.toml"
    f.write_text(text)
    with pytest.raises(PriceFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_price_file(str(f))


def test_missing_price_file_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(PriceFileError, match="cannot read price file"):
        make_enrichers(str(tmp_path / "nope.toml"))


def test_the_monitor_prices_merged_spans() -> None:
    from agenttrace_tui.runtime.monitor import Monitor

    monitor = Monitor(Config(persist=False))
    start = llm("a", "openai", "gpt-4o", TokenUsage(input=5000), end_ns=None, status=Status.RUNNING)
    end = Span(span_id="a", trace_id="t1", session_id="", name="", start_ns=0, end_ns=T_2025_07 + 10**9, usage=TokenUsage(output=700))
    monitor.pipeline.apply([start])
    monitor.pipeline.apply([end])
    got = monitor.store.span("t1", "a")
    assert (got.usage.input, got.usage.output) == (5000, 700)
    assert_same(got.cost, reference(TokenUsage(input=5000, output=700), "gpt-4o", "openai", T_2025_07))


def test_a_bad_price_file_is_a_config_error(tmp_path) -> None:
    from agenttrace_tui.config import ConfigError
    from agenttrace_tui.runtime.monitor import Monitor

    f = tmp_path / "prices.toml"
    f.write_text("[x.y]\ninput = 1\n")
    with pytest.raises(ConfigError, match=r"prices\.toml"):
        Monitor(Config(prices=str(f), persist=False))


@pytest.mark.parametrize(
    ("provider", "model", "priced_as"),
    [
        ("fakellm", "gpt-5.5", "openai/gpt-5.5"),  # Codex custom model_providers entry
        ("strands-agents", "gpt-4o", "openai/gpt-4o"),  # a framework's gen_ai.system
        ("fake", "gpt-4o-mini", "openai/gpt-4o-mini"),
        ("openai", "claude-sonnet-4-5", "anthropic/claude-sonnet-4-5"),  # Claude behind an OpenAI-style gateway
        (None, "gpt-4o", "openai/gpt-4o"),
        ("my-gateway", "openai/gpt-4o", "openai/gpt-4o"),  # provider/model spelling
    ],
)
def test_unknown_or_proxy_provider_falls_back_to_the_models_own_price(provider, model, priced_as) -> None:
    usage = TokenUsage(input=12_000, output=800, cache_read=2_000)
    st = run([llm("a", provider, model, usage)])
    cost = st.span("t1", "a").cost
    ref_provider, ref_model = priced_as.split("/", 1)
    assert_same(cost, reference(usage, ref_model, ref_provider, T_2025_07))
    assert cost.priced_as == priced_as and cost.source == "computed"
    assert st.totals.cost_unknown == 0



@pytest.mark.parametrize(("provider", "model"), [("openai", "openai/gpt-4o-mini"),
                                               ("anthropic", "anthropic/claude-sonnet-4-5")])
def test_a_model_named_with_its_providers_prefix_is_that_providers_own_price(provider, model) -> None:
    """LiteLLM names a model ``openai/gpt-4o-mini`` (Google ADK's ``LiteLlm`` through it), the span's
    provider ``openai``: the price is that provider's own for the model, not one found elsewhere (the
    detail said "priced as openai/gpt-4o-mini: the span's provider has no price for this model")."""
    usage = TokenUsage(input=12_000, output=800, cache_read=2_000)
    st = run([llm("a", provider, model, usage)])
    cost = st.span("t1", "a").cost
    assert_same(cost, reference(usage, model.split("/", 1)[1], provider, T_2025_07))
    assert cost.priced_as is None and cost.source == "computed"


@pytest.mark.parametrize(
    ("provider", "model"),
    [
        ("strands-agents", "us.anthropic.claude-sonnet-4-20250514-v1:0"),  # Strands' BedrockModel: a framework's name
        (None, "eu.anthropic.claude-3-7-sonnet-20250219-v1:0"),
        ("anthropic", "global.anthropic.claude-sonnet-4-20250514-v1:0"),  # the model's vendor named as the provider
        ("strands-agents", "anthropic.claude-3-5-haiku-20241022-v1:0"),  # an in-region id, no geography
        ("strands-agents", "us.amazon.nova-lite-v1:0"),
        ("my-gateway", "apac.amazon.nova-pro-v1:0"),
    ],
)
def test_a_bedrock_model_id_is_priced_by_aws_bedrock_whoever_names_the_provider(provider, model) -> None:
    """By the name alone genai-prices looks a ``us.anthropic.…-v1:0`` id up in Anthropic's list, which
    has none: the call would read $?. The id is Bedrock's, so is the price."""
    usage = TokenUsage(input=12_000, output=800, cache_read=2_000, cache_write=500)
    st = run([llm("a", provider, model, usage)])
    cost = st.span("t1", "a").cost
    assert_same(cost, reference(usage, model, "aws", T_2025_07))
    assert cost.priced_as.startswith("aws/") and st.totals.cost_unknown == 0


@pytest.mark.parametrize(
    ("provider", "model", "price_list"),
    [
        ("groq.chat", "llama-3.3-70b-versatile", "groq"),  # the Vercel AI SDK's ``ai.model.provider``
        ("togetherai.chat", "meta-llama/Llama-3.3-70B-Instruct-Turbo", "together"),
        ("xai.chat", "grok-3", "x-ai"),
        ("amazon-bedrock", "anthropic.claude-3-5-haiku-20241022-v1:0", "aws"),
        ("amazon_bedrock", "anthropic.claude-3-5-haiku-20241022-v1:0", "aws"),  # OpenInference's (genai-prices matches it)
    ],
)
def test_an_ai_sdk_provider_name_is_priced_by_its_provider(provider, model, price_list) -> None:
    """The AI SDK names a provider ``<name>.<api>``: genai-prices knows some such names, not
    ``groq.chat``, whose calls read $?. The provider before the dot (or its alias) prices them."""
    usage = TokenUsage(input=12_000, output=800)
    cost = run([llm("a", provider, model, usage)]).span("t1", "a").cost
    assert_same(cost, reference(usage, model, price_list, T_2025_07))
    assert cost.priced_as is None  # its own provider's price, not a guess by the model's name


@pytest.mark.parametrize("model", ["my.custom-model", "acme2.5-72b", "acme.nova-pro-v1:0"])
def test_a_name_merely_shaped_like_a_bedrock_id_stays_unknown(model) -> None:
    """Only a vendor Bedrock serves makes a Bedrock id: a dotted version (``2.5``) or another vendor is not one."""
    cost = run([llm("a", "strands-agents", model, TokenUsage(input=10, output=1))]).span("t1", "a").cost
    assert (cost.total, cost.reason) == (None, f"no price for strands-agents/{model}")


@pytest.mark.parametrize("provider", ["gcp.gen_ai", "gcp.vertex_ai", "gcp.gemini", "vertex_ai", "gemini"])
def test_googles_provider_names_are_priced_by_googles_list(provider) -> None:
    """The GenAI conventions' names of Google's endpoints (and the old ``gen_ai.system`` ones the
    google-genai instrumentation still sends: ``vertex_ai``, ``gemini``) are Google's: its price,
    not one found by the model's name as if the provider had none (Gemini CLI sends ``gcp.gen_ai``)."""
    usage = TokenUsage(input=12_000, output=800, cache_read=2_000, reasoning=300)
    cost = run([llm("a", provider, "gemini-2.5-flash", usage)]).span("t1", "a").cost
    assert_same(cost, reference(usage, "gemini-2.5-flash", "google", T_2025_07))
    assert cost.priced_as is None, cost.priced_as


def test_known_provider_keeps_its_own_price_and_names_none() -> None:
    usage = TokenUsage(input=1000, output=100)
    for provider, model in (("azure", "gpt-4o"), ("litellm", "gpt-4o"), ("openai", "gpt-4o")):
        cost = run([llm("a", provider, model, usage)]).span("t1", "a").cost
        assert cost.total is not None and cost.priced_as is None, provider


def test_price_file_still_wins_over_the_model_fallback(tmp_path) -> None:
    f = tmp_path / "p.toml"
    f.write_text('[fakellm."gpt-5.5"]\ninput = 1\noutput = 2\n[mine."gpt-4o"]\ninput = 3\noutput = 4\n')
    st = Store()
    pipe = Pipeline(st, enrichers=make_enrichers(str(f), st))
    pipe.apply([llm("a", "fakellm", "gpt-5.5", TokenUsage(input=1_000_000, output=1_000_000)),
                llm("b", "strands-agents", "gpt-4o", TokenUsage(input=1_000_000, output=1_000_000))])
    a, b = st.span("t1", "a").cost, st.span("t1", "b").cost
    assert (a.total, a.priced_as) == (pytest.approx(3.0), None)
    assert (b.total, b.priced_as) == (pytest.approx(7.0), "mine/gpt-4o (price file)")


_LOADS_ASIDE = """
import asyncio, sys, time
from agenttrace_tui.config import Config
from agenttrace_tui.runtime.monitor import Monitor

async def main():
    monitor = Monitor(Config(persist=False, udp_port=0, tcp_port=0, otlp_port=None, otlp_grpc_port=None, socket=""))
    await monitor.start()
    def loaded():  # the bundled table built (a module is in sys.modules from the start of its import)
        bundled = getattr(sys.modules.get("genai_prices.data_snapshot"), "_bundled_snapshot", None)
        return bundled is not None and bundled.cache_info().currsize == 1

    loaded_at_start = loaded()
    t_end = time.monotonic() + 20
    while not loaded() and time.monotonic() < t_end:
        await asyncio.sleep(0.01)
    await monitor.stop()
    print(loaded_at_start, loaded())

asyncio.run(main())
"""


def test_the_monitor_loads_the_price_data_before_any_span_needs_it(tmp_path) -> None:
    """A fresh monitor loads genai-prices' data on a worker thread at start (no span sent), so
    the first model call priced does not stop the event loop for the import."""
    import subprocess
    import sys

    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "d"), "XDG_CONFIG_HOME": str(tmp_path / "c"),
           "XDG_STATE_HOME": str(tmp_path / "s"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", _LOADS_ASIDE], capture_output=True, text=True, env=env, timeout=60,
                         check=True)
    loaded_at_start, loaded = out.stdout.split()
    assert loaded_at_start == "False"  # start() itself does not wait for it...
    assert loaded == "True"  # ...and with no span sent, the worker thread loaded it


@pytest.mark.parametrize("provider", ["openai", "azure.ai.openai", "az.ai.openai", "azure.ai.inference"])
def test_a_deployment_is_priced_by_the_model_that_answered(provider) -> None:
    """Azure OpenAI is called by a deployment's name (``gen_ai.request.model`` "prod-chat"), which no
    price list knows; the model that answered (``gen_ai.response.model``) is what the call cost."""
    usage = TokenUsage(input=1234, output=56, cache_read=200)
    span = llm("a", provider, "prod-chat", usage, attributes={"gen_ai.response.model": "gpt-4o-mini-2024-07-18"})
    st = run([span])
    cost = st.span("t1", "a").cost
    assert_same(cost, reference(usage, "gpt-4o-mini-2024-07-18", None, T_2025_07))
    # The detail says which price was used, and why.
    assert cost.priced_as == f"{provider}/gpt-4o-mini-2024-07-18 (the model that answered)"
    assert priced_as_text(cost, provider) == (f"priced as {provider}/gpt-4o-mini-2024-07-18 (the model that answered): "
                                              "the model the call asked for has no price")
    assert st.span("t1", "a").llm.model == "prod-chat" and st.totals.cost_unknown == 0


def test_the_model_asked_for_keeps_its_price_and_an_unpriced_answer_changes_nothing() -> None:
    usage = TokenUsage(input=1000, output=100)
    asked = run([llm("a", "openai", "gpt-4o", usage, attributes={"gen_ai.response.model": "acme-mystery-1"})])
    assert_same(asked.span("t1", "a").cost, reference(usage, "gpt-4o", "openai", T_2025_07))
    assert asked.span("t1", "a").cost.priced_as is None
    neither = run([llm("a", "openai", "prod-chat", usage, attributes={"gen_ai.response.model": "acme-mystery-1"})])
    cost = neither.span("t1", "a").cost
    assert (cost.total, cost.reason) == (None, "no price for openai/prod-chat")


@pytest.mark.parametrize("provider", ["azure.ai.openai", "az.ai.openai"])
def test_azure_openai_is_priced_by_azures_list(provider) -> None:
    """genai-prices takes "azure.ai.openai" for OpenAI, whose list has no model only Azure serves."""
    usage = TokenUsage(input=1000, output=100)
    cost = run([llm("a", provider, "phi-4", usage)]).span("t1", "a").cost
    assert_same(cost, reference(usage, "phi-4", "azure", T_2025_07))
    assert cost.priced_as is None


def test_compute_takes_the_last_tier_the_prompt_passes() -> None:
    """A tier's rates apply once the prompt exceeds its start (not at it); below the first start,
    the base rates; past several, the last one passed. Exact figures, float for float."""
    from agenttrace_tui.enrich.prices import Rates

    high = Rates(input=2.0, output=20.0, cache_read=0.5)
    higher = Rates(input=4.0, output=40.0, cache_read=1.0, reasoning=8.0, per_request=0.25)
    rates = Rates(input=1.0, output=10.0, cache_read=0.25, cache_write=1.5, tiers=((100, high), (200, higher)))
    assert compute(rates, 100, 3, 10, 20) == (0.0 + 10 * 0.25 + 20 * 1.5 + 70 * 1.0 + 3 * 10.0, 0.0 + 10 * 0.25 + 20 * 1.5 + 70 * 1.0, 3 * 10.0)
    # past the first start: its cache_write has no price, so those tokens are plain input
    assert compute(rates, 101, 3, 10, 20) == (0.0 + 10 * 0.5 + 91 * 2.0 + 3 * 20.0, 0.0 + 10 * 0.5 + 91 * 2.0, 3 * 20.0)
    assert compute(rates, 201, 5, 0, 0, 2) == (201 * 4.0 + (0.0 + 2 * 8.0 + 3 * 40.0) + 0.25, 201 * 4.0, 0.0 + 2 * 8.0 + 3 * 40.0)
    assert compute(Rates(input=1.0, output=2.0), 7, 3) == (7.0 + 6.0, 7.0, 6.0)
    with pytest.raises(ValueError, match="exceed input tokens"):
        compute(rates, 10, 0, 11)
