"""``PriceBook.price`` remembers its last (provider, model): the same floats to the bit as ``compute``
for each, and the right price whatever the order of the models asked."""

from __future__ import annotations

import random

import pytest

from agenttrace_tui.enrich import SpanCoster, TokenEstimator
from agenttrace_tui.enrich.prices import NoCharge, PriceBook, Rates, Unknown, compute
from agenttrace_tui.model import Cost, LlmInfo, Span, SpanKind, Status, TokenUsage

HIGH = Rates(input=2e-6, output=2e-5, cache_read=5e-7)
HIGHER = Rates(input=4e-6, output=4e-5, cache_read=1e-6, reasoning=8e-6, per_request=0.25)
RATES = {
    ("p", "tiered"): Rates(input=1e-6, output=1e-5, cache_read=2.5e-7, cache_write=1.5e-6,
                           tiers=((1000, HIGH), (5000, HIGHER))),
    ("p", "plain"): Rates(input=3e-7, output=1.2e-6),
    ("q", "plain"): Rates(input=7e-7, output=2.1e-6, reasoning=3e-6, per_request=0.001),
    # A price file may say -0.0 (it is not below zero): 0.0 + -0.0 is 0.0, not -0.0.
    ("q", "negzero"): Rates(input=-0.0, output=-0.0, cache_read=-0.0, cache_write=-0.0, reasoning=-0.0),
}


def bits(cost_or_tuple: object) -> tuple[str, ...]:
    if isinstance(cost_or_tuple, tuple):
        return tuple(float(x).hex() for x in cost_or_tuple)
    return tuple(float(x).hex() for x in (cost_or_tuple.total, cost_or_tuple.input, cost_or_tuple.output))  # type: ignore[attr-defined]


def usage(rng: random.Random) -> TokenUsage:
    inp = rng.choice([0, 1, 999, 1000, 1001, 4999, 5000, 5001, rng.randrange(20_000)])
    cr = rng.choice([0, 0, rng.randrange(inp + 1)])
    cw = rng.choice([0, rng.randrange(inp - cr + 1)])
    out = rng.choice([0, rng.randrange(3000)])
    rs = rng.choice([0, rng.randrange(out + 2)])  # (sometimes more than the output: not priced apart)
    return TokenUsage(input=inp, output=out, cache_read=cr, cache_write=cw, reasoning=rs)


def test_price_equals_compute_to_the_bit() -> None:
    book = PriceBook(dict(RATES))
    rng = random.Random(7)
    keys = list(RATES)
    for _ in range(3000):
        provider, model = rng.choice(keys)
        u = usage(rng)
        # (New string objects now and then: the remembered pair is found by identity, then by the cache.)
        if rng.random() < 0.3:
            provider, model = "".join(provider), "".join(list(model))
        cost = book.price(provider, model, 0, u)
        want = compute(RATES[(provider, model)], u.input, u.output, u.cache_read, u.cache_write, u.reasoning)
        assert bits(cost) == bits(want), (provider, model, u)
        assert cost.source == "computed" and cost.reason is None and cost.priced_as is None


def test_the_last_model_remembered_is_never_another_ones() -> None:
    """Alternating models, one model under two providers, an unknown one between: each its own price."""
    book = PriceBook(dict(RATES))
    u = TokenUsage(input=1200, output=300, cache_read=100)
    for provider, model in [("p", "plain"), ("q", "plain"), ("p", "plain"), ("p", "tiered"), ("p", "plain"),
                            ("q", "plain"), ("q", "plain")]:
        want = compute(RATES[(provider, model)], u.input, u.output, u.cache_read, u.cache_write, u.reasoning)
        assert bits(book.price(provider, model, 0, u)) == bits(want)


def test_unknown_and_local_models_through_the_remembered_entry() -> None:
    book = PriceBook({("p", "plain"): RATES[("p", "plain")]})
    u = TokenUsage(input=10, output=5)
    for _ in range(2):  # the second time from the remembered entry
        assert book.price("p", "plain", 0, u).total == compute(RATES[("p", "plain")], 10, 5)[0]
        for _ in range(2):
            got = book.price("ollama", "llama3.1", 0, u)
            assert (got.total, got.input, got.output, got.source) == (0.0, 0.0, 0.0, "computed")
            assert got.reason == book.rates("ollama", "llama3.1", 0).reason  # type: ignore[union-attr]
            assert isinstance(book.rates("ollama", "llama3.1", 0), NoCharge)
    none_yet = PriceBook()
    # A fresh book remembers nothing: not even a call with no provider and a model it never priced.
    got = none_yet.price(None, "no-such-model-anywhere-x9", 0, u)
    assert got.total is None and got.source == "unknown"
    assert isinstance(none_yet.rates(None, "no-such-model-anywhere-x9", 0), Unknown)


def test_cache_tokens_beyond_input_still_raise() -> None:
    book = PriceBook(dict(RATES))
    with pytest.raises(ValueError, match=r"cache tokens \(11\) exceed input tokens \(10\)"):
        book.price("p", "tiered", 0, TokenUsage(input=10, output=0, cache_read=11))
    with pytest.raises(ValueError, match="exceed input tokens"):
        compute(RATES[("p", "tiered")], 10, 0, 11)


def _call(**kw: object) -> Span:
    llm = kw.pop("llm", LlmInfo(provider="p", model="plain"))
    return Span(span_id="a", trace_id="t", session_id="s", name="chat", kind=kw.pop("kind", SpanKind.LLM_CALL),  # type: ignore[arg-type]
                start_ns=1, end_ns=2, llm=llm, **kw)  # type: ignore[arg-type]


def test_finish_takes_each_span_by_the_rules_its_fast_path_skips() -> None:
    """``SpanCoster.finish`` prices its common span (a model call with tokens it reported, no
    failure, no cost, its model named) first; every span one test away from it takes the general
    path, with the answer that path gives."""
    rates = RATES[("p", "plain")]
    coster = SpanCoster(PriceBook(dict(RATES)), TokenEstimator(background=False))

    def price(inp: int, out: int, cr: int = 0, cw: int = 0) -> tuple[str, ...]:
        return bits(compute(rates, inp, out, cr, cw))

    common = _call(usage=TokenUsage(input=1000, output=50, cache_read=200))
    coster.finish(common)
    assert bits(common.cost) == price(1000, 50, 200) and common.cost.source == "computed"  # type: ignore[union-attr]
    # Anthropic's convention (cache beside input): repaired, then priced on the repaired count.
    beside = _call(usage=TokenUsage(input=100, output=50, cache_read=200, cache_write=10))
    coster.finish(beside)
    assert coster.fixed_conventions == 1 and beside.usage.input == 310  # type: ignore[union-attr]
    assert bits(beside.cost) == price(310, 50, 200, 10)
    failed = _call(usage=TokenUsage(input=1000, output=50), status=Status.ERROR)  # tokens used: priced
    coster.finish(failed)
    assert bits(failed.cost) == price(1000, 50)
    refused = _call(usage=TokenUsage(), status=Status.ERROR)  # zeros on a failed call: no count
    coster.finish(refused)
    assert refused.usage is None and refused.cost is None
    reported = _call(usage=TokenUsage(input=1000, output=50), cost=Cost(total=0.5, source="reported"))
    coster.finish(reported)
    assert reported.cost == Cost(total=0.5, source="reported")
    subtree = _call(usage=TokenUsage(input=1000, output=50, scope="subtree"))
    coster.finish(subtree)
    assert subtree.cost is None
    unnamed = _call(llm=LlmInfo(provider="p", model=""), usage=TokenUsage(input=1000, output=50))
    coster.finish(unnamed)
    assert unnamed.cost == Cost(total=None, source="unknown", reason="no model named")
    estimated = _call(usage=TokenUsage(input=1000, output=50, estimated=True))  # (no text to count again)
    coster.finish(estimated)
    assert bits(estimated.cost) == price(1000, 50)
    no_tokens = _call()
    coster.finish(no_tokens)
    assert no_tokens.cost == Cost(total=None, source="unknown", reason="no tokens reported")
    tool = _call(llm=None, kind=SpanKind.TOOL_EXECUTION, usage=TokenUsage(input=5, output=5))
    coster.finish(tool)
    assert tool.cost is None
    unknown_model = _call(llm=LlmInfo(provider="p", model="nowhere-9z"), usage=TokenUsage(input=10, output=5))
    coster.finish(unknown_model)
    assert unknown_model.cost.total is None and unknown_model.cost.source == "unknown"  # type: ignore[union-attr]
