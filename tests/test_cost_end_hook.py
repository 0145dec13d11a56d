"""A span a bare end closed keeps its price: the end hook gives what pricing it afresh gives.

The store runs the cost enricher's ``finish_end`` (not ``finish``) on a span
that a bare end closed (its end time and status set, nothing else), so a
price nothing of the end can change is kept as it is and the totals move by
the end alone. These tests run the same traffic through the real pipeline
with real pricing and token counting twice -- once as the monitor wires it,
once with the end hook taken out so every end is priced afresh -- and hold
the spans and every total equal, whatever the calls carried (reported
tokens, a reported cost, only text to count, nothing) and however they end.
"""

from __future__ import annotations

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agenttrace_tui.enrich import make_enrichers
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import Cost, LlmInfo, Span, SpanEnd, SpanKind, Status, TokenUsage, Update
from agenttrace_tui.store.memory import Store
from test_live_spans import T0, totals_of

TRACE = "c" * 32
#: What a model call carries at its start.
SHAPES = ("tokens", "reported-cost", "text-only", "nothing", "unknown-model")


def _start(i: int, shape: str) -> Span:
    llm = LlmInfo(provider="anthropic", model="no-such-model-x" if shape == "unknown-model" else "claude-sonnet-4",
                  prompt_preview="Summarise the file for me, please." if shape == "text-only" else None,
                  response_preview="It defines two functions." if shape == "text-only" else None)
    span = Span(span_id=f"s{i}", trace_id=TRACE, session_id="sess", name=f"call {i}", kind=SpanKind.LLM_CALL,
                start_ns=T0 + i * 1_000_000_000, parent_span_id=None, llm=llm)
    if shape in ("tokens", "reported-cost", "unknown-model"):
        span.usage = TokenUsage(input=1200 + i, output=80 + i, total=1280 + 2 * i, cache_read=100)
    if shape == "reported-cost":
        span.cost = Cost(total=0.0123 + i / 1000)
    return span


def _run(plan: list[tuple[str, Status | None, bool]], end_hook: bool) -> Store:
    store = Store()
    pipe = Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False))
    if not end_hook:
        store.end_hook = None  # every end priced afresh, by finish
    starts: list[Update] = [_start(i, shape) for i, (shape, _, _) in enumerate(plan)]
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
    hooked, afresh = _run(plan, end_hook=True), _run(plan, end_hook=False)
    for want in afresh.iter_spans():
        got = hooked.span(want.trace_id, want.span_id)
        assert got is not None
        assert msgspec.structs.asdict(got) == msgspec.structs.asdict(want), want.span_id
    assert totals_of(hooked.totals) == totals_of(afresh.totals)
    assert totals_of(hooked.traces[TRACE].totals) == totals_of(afresh.traces[TRACE].totals)


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
