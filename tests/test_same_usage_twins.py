"""Two model calls of one trace that report the same usage, each reported twice.

Codex reports each model call by its ``handle_responses`` span (usage, no model) and by the
``response.completed`` event rebuilt as a span (usage and model); the store folds the two by their
usage, model and time (``store.calls``, rule 4). A turn whose two calls each asked for a tool (a tool
search, then the tool it found) reports one usage twice: each event must fold into its own call's
span, whichever arrives first, so that both calls are named and priced and none is counted twice.
"""

from __future__ import annotations

import pytest

from agenttrace_tui.model import LlmInfo, Span, SpanKind, TokenUsage
from agenttrace_tui.store.calls import MERGED_BY, REBUILT, USAGE_RULE
from agenttrace_tui.store.memory import Store

T0 = 1_800_000_000_000_000_000
MS = 1_000_000


def _usage() -> TokenUsage:
    return TokenUsage(input=1234, output=56, total=1290, cache_read=200)


def own_span(n: int, start: int) -> Span:
    """The client's own span of call ``n``: its handling of the answer, with the usage, no model."""
    return Span(span_id=f"own{n}", trace_id="t1", session_id="s1", parent_span_id="turn", name="handle_responses",
                kind=SpanKind.LLM_CALL, start_ns=start, end_ns=start + 3 * MS, usage=_usage())


def event_span(n: int, start: int, end: int) -> Span:
    """Call ``n`` rebuilt from its request and completion events: the request's time, the model."""
    return Span(span_id=f"ev{n}", trace_id="t1", session_id="s1", parent_span_id="turn", name="api_request",
                kind=SpanKind.LLM_CALL, start_ns=start, end_ns=end, usage=_usage(),
                llm=LlmInfo(provider="openai", model="gpt-5.5"), attributes={REBUILT: "log"})


def turn() -> Span:
    return Span(span_id="turn", trace_id="t1", session_id="s1", name="turn", kind=SpanKind.CUSTOM,
                start_ns=T0, end_ns=T0 + 500 * MS)


@pytest.mark.parametrize("batched", [True, False], ids=["one batch", "one by one"])
@pytest.mark.parametrize("order", ["spans first", "events first"])
def test_each_event_folds_into_its_own_calls_span(order: str, batched: bool) -> None:
    spans = [own_span(1, T0 + 55 * MS), own_span(2, T0 + 128 * MS)]
    events = [event_span(1, T0 + 0 * MS, T0 + 58 * MS), event_span(2, T0 + 70 * MS, T0 + 130 * MS)]
    updates = [turn(), *(spans + events if order == "spans first" else events + spans)]
    store = Store()
    if batched:
        store.apply(updates)
    else:
        for u in updates:
            store.apply([u])
    calls = sorted((s for s in store.traces["t1"].spans.values() if s.kind is SpanKind.LLM_CALL),
                   key=lambda s: s.start_ns)
    assert len(calls) == 2
    for call, event in zip(calls, events, strict=True):
        assert call.llm is not None and call.llm.model == "gpt-5.5"
        assert call.attributes.get(MERGED_BY) == USAGE_RULE
        assert (call.start_ns, call.end_ns) == (event.start_ns, max(event.end_ns or 0, call.end_ns or 0))
    totals = store.sessions["s1"].totals
    assert (totals.llm_calls, totals.input_tokens, totals.output_tokens) == (2, 2 * 1234, 2 * 56)
