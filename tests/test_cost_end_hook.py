"""A span a bare end closed keeps its price: the end hook gives what pricing it afresh gives.

The store runs the cost enricher's ``finish_end`` (not ``finish``) on a span
that a bare end closed (its end time and status set, nothing else), so a
price nothing of the end can change is kept as it is and the totals move by
the end alone. These tests run the same traffic through the real pipeline
with real pricing and token counting -- as the monitor wires it, with the
end hook taken out so every end is priced afresh, and with every call sent
whole instead -- and hold the spans and every total equal, whatever the calls
carried (reported tokens, a reported cost, only text to count, nothing) and
however they end. An end that moves a call's start is priced afresh: a
price may depend on the day.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import Cost, LlmInfo, Span, SpanEnd, SpanKind, Status, TokenUsage, Update
from agenttrace_tui.store.memory import Store
from test_live_spans import T0, totals_of
from test_span_end_lane import _rounded

TRACE = "c" * 32
#: What a model call carries at its start.
SHAPES = ("tokens", "reported-cost", "reported-cost-text", "text-only", "nothing", "unknown-model")
TEXT = ("text-only", "reported-cost-text")


def _start(i: int, shape: str) -> Span:
    llm = LlmInfo(provider="anthropic", model="no-such-model-x" if shape == "unknown-model" else "claude-sonnet-4",
                  prompt_preview="Summarise the file for me, please." if shape in TEXT else None,
                  response_preview="It defines two functions." if shape in TEXT else None)
    span = Span(span_id=f"s{i}", trace_id=TRACE, session_id="sess", name=f"call {i}", kind=SpanKind.LLM_CALL,
                start_ns=T0 + i * 1_000_000_000, parent_span_id=None, llm=llm)
    if shape in ("tokens", "reported-cost", "unknown-model"):
        span.usage = TokenUsage(input=1200 + i, output=80 + i, total=1280 + 2 * i, cache_read=100)
    if shape.startswith("reported-cost"):
        span.cost = Cost(total=0.0123 + i / 1000)
    return span


def _run(plan: list[tuple[str, Status | None, bool]], end_hook: bool, whole: bool = False) -> Store:
    store = Store()
    pipe = Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False))
    if not end_hook:
        store.end_hook = None  # every end priced afresh, by finish
    starts: list[Update] = [_start(i, shape) for i, (shape, _, _) in enumerate(plan)]
    if whole:  # each call that ends sent as one complete span
        for i, (_, status, _) in enumerate(plan):
            if status is not None:
                starts[i].end_ns, starts[i].status = T0 + i * 1_000_000_000 + 7_000, status  # type: ignore[union-attr]
        pipe.apply(starts)
        return store
    ends: list[Update] = [SpanEnd(TRACE, f"s{i}", T0 + i * 1_000_000_000 + 7_000, status)
                          for i, (_, status, _) in enumerate(plan) if status is not None]
    pipe.apply(starts)
    if any(read for _, _, read in plan):
        store.totals  # noqa: B018 - a read between start and end: the ends move running totals
    pipe.apply(ends)
    return store


plans = st.lists(st.tuples(st.sampled_from(SHAPES), st.sampled_from([None, Status.OK, Status.ERROR, Status.TIMEOUT]),
                           st.booleans()), min_size=1, max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans)
def test_an_end_keeps_what_pricing_afresh_gives(plan: list[tuple[str, Status | None, bool]]) -> None:
    hooked, afresh, whole = _run(plan, end_hook=True), _run(plan, end_hook=False), _run(plan, True, whole=True)
    for want in afresh.iter_spans():
        got = hooked.span(want.trace_id, want.span_id)
        assert got is not None
        assert msgspec.structs.asdict(got) == msgspec.structs.asdict(want), want.span_id
        sent_whole = whole.span(want.trace_id, want.span_id)
        assert sent_whole is not None and (got.usage, got.cost) == (sent_whole.usage, sent_whole.cost), want.span_id
    assert totals_of(hooked.totals) == totals_of(afresh.totals)
    assert totals_of(hooked.traces[TRACE].totals) == totals_of(afresh.traces[TRACE].totals)
    # (Sent whole, the costs are added in another order: equal to the last digits a float keeps.)
    assert _rounded(hooked.totals) == _rounded(whole.totals)
    assert _rounded(hooked.traces[TRACE].totals) == _rounded(whole.traces[TRACE].totals)


def _at(*day: int) -> int:
    return int(datetime(*day, 12, tzinfo=UTC).timestamp() * 1e9)


def test_an_end_that_moves_the_start_is_priced_at_the_new_start() -> None:
    """A span_end that corrects its span's start (a bare report with a start time) is priced
    at the new start, as the same call sent whole with it: a model's price may change on a day."""
    llm = LlmInfo(provider="anthropic", model="claude-sonnet-4-6")
    usage = TokenUsage(input=300_000, output=10, total=300_010)
    first, moved = _at(2026, 3, 12), _at(2026, 3, 14)

    def priced(*reports: Span) -> float | None:
        store = Store()
        pipe = Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False))
        for report in reports:
            pipe.apply([report])
        span = store.span(TRACE, "s0")
        assert span is not None and span.cost is not None
        assert store.totals.cost == span.cost.total
        return span.cost.total

    def call(start: int, end: int | None) -> Span:
        return Span(span_id="s0", trace_id=TRACE, session_id="sess", name="call", kind=SpanKind.LLM_CALL,
                    start_ns=start, end_ns=end, llm=msgspec.structs.replace(llm),
                    usage=msgspec.structs.replace(usage))

    end = Span(span_id="s0", trace_id=TRACE, session_id="", name="", start_ns=moved, end_ns=moved + 10**9,
               status=Status.OK)
    at_first, at_moved = priced(call(first, first + 10**9)), priced(call(moved, moved + 10**9))
    assert at_first != at_moved  # (the price list changes this model's price between the two days)
    assert priced(call(first, None), end) == at_moved


def test_what_an_end_changes_and_what_it_keeps() -> None:
    plan = [("tokens", Status.OK, True), ("text-only", Status.ERROR, True), ("nothing", Status.OK, True),
            ("text-only", Status.OK, True)]
    store = _run(plan, end_hook=True)
    priced, failed, silent, counted = (store.span(TRACE, f"s{i}") for i in range(4))
    assert priced is not None and priced.cost is not None
    # Reported tokens priced at the start: the end keeps that very figure.
    assert priced.cost.source == "computed" and priced.cost.total is not None and priced.cost.total > 0
    # A call that failed used no tokens: the ones counted from its text are dropped at its end.
    assert failed is not None and failed.usage is None and failed.cost is None
    # A call that ended with no tokens and no text: unknown, with why.
    assert silent is not None and silent.cost is not None and silent.cost.total is None
    assert silent.cost.reason == "no tokens reported"
    # Text only, ended well: its tokens counted (estimated) and priced.
    assert counted is not None and counted.usage is not None and counted.usage.estimated
    assert counted.cost is not None and counted.cost.total is not None
