"""One model call reported by two spans with a span between them is one call, whatever the order.

VoltAgent's ``llm:generateText`` span runs around the AI SDK's whole loop of
steps and reports the last step's usage; with the AI SDK's own telemetry on,
each step is an ``ai.generateText.doGenerate`` span inside ``ai.generateText``
(an aggregate of the loop) inside VoltAgent's span. The last step's call was
counted twice: its two reports are not parent and child. They are one call in
any of the six orders the outer, middle and inner span can arrive in -- when
the middle one comes last, both calls are stored already, and the inner one
stays in the tree as a plain span naming the merged one. The other step's
call (other usage) stays a call of its own, and a model call inside a tool
(a sub-agent's) is never the call around the tool. Spans from the real
OpenTelemetry SDK to the real OTLP receiver and store.
"""

from __future__ import annotations

from itertools import permutations

from opentelemetry.trace import set_span_in_context

from agenttrace_tui.model import SpanKind
from agenttrace_tui.store.calls import DEEP_NESTED_RULE, FOLDED_INTO, MERGED_BY
from test_otlp_support import received

T0 = 1_796_500_349_000_000_000
MS = 1_000_000
#: VoltAgent's span of ``generateText``: the last step's usage (cache reads in the prompt count).
OUTER = {"span.type": "llm", "llm.operation": "generateText", "llm.model": "gpt-4o-mini",
         "llm.usage.prompt_tokens": 1400, "llm.usage.completion_tokens": 78, "llm.usage.total_tokens": 1478,
         "llm.usage.cached_tokens": 300, "llm.finish_reason": "stop"}
#: The AI SDK's ``ai.generateText``: the loop's sum (an aggregate).
MIDDLE = {"operation.name": "ai.generateText", "ai.operationId": "ai.generateText", "ai.model.id": "gpt-4o-mini",
          "ai.model.provider": "openai.responses", "ai.usage.inputTokens": 2634, "ai.usage.outputTokens": 134,
          "ai.usage.cachedInputTokens": 500}


def _step(response_id: str, inp: int, out: int, cached: int) -> dict:
    """The AI SDK's ``ai.generateText.doGenerate`` of one step."""
    return {"operation.name": "ai.generateText.doGenerate", "ai.operationId": "ai.generateText.doGenerate",
            "ai.model.id": "gpt-4o-mini", "ai.model.provider": "openai.responses", "gen_ai.system": "openai.responses",
            "gen_ai.request.model": "gpt-4o-mini", "gen_ai.response.model": "gpt-4o-mini",
            "gen_ai.response.id": response_id, "ai.usage.inputTokens": inp, "ai.usage.outputTokens": out,
            "ai.usage.cachedInputTokens": cached, "gen_ai.usage.input_tokens": inp, "gen_ai.usage.output_tokens": out,
            "ai.response.text": f"answer of {response_id}"}


ORDERS = list(permutations(("outer", "middle", "inner")))


def _agent_turn(tp, session: str, order: tuple[str, ...], tool_between: bool = False) -> None:
    volt, ai = tp.get_tracer("@voltagent/core"), tp.get_tracer("ai")
    sid = {"session.id": session}
    agent = volt.start_span("weather-agent", attributes={**sid, "entity.type": "agent"}, start_time=T0)
    ctx = set_span_in_context(agent)
    outer = volt.start_span("llm:generateText", context=ctx, attributes={**OUTER, **sid}, start_time=T0 + 10 * MS)
    ctx = set_span_in_context(outer)
    tool = None
    if tool_between:  # a tool that runs a sub-agent: its model call is another call
        tool = volt.start_span("tool.execution:ask_expert", context=ctx, start_time=T0 + 11 * MS,
                               attributes={**sid, "span.type": "tool", "tool.name": "ask_expert"})
        ctx = set_span_in_context(tool)
    middle = ai.start_span("ai.generateText", context=ctx, attributes={**MIDDLE, **sid}, start_time=T0 + 12 * MS)
    ctx = set_span_in_context(middle)
    first = ai.start_span("ai.generateText.doGenerate", context=ctx, attributes={**_step("resp_1", 1234, 56, 200), **sid},
                          start_time=T0 + 13 * MS)
    first.end(end_time=T0 + 20 * MS)
    inner = ai.start_span("ai.generateText.doGenerate", context=ctx, attributes={**_step("resp_2", 1400, 78, 300), **sid},
                          start_time=T0 + 30 * MS)
    spans = {"outer": (outer, T0 + 60 * MS), "middle": (middle, T0 + 50 * MS), "inner": (inner, T0 + 40 * MS)}
    tp.force_flush()
    for name in order:  # one request each, in this order, whatever their end times
        span, end = spans[name]
        span.end(end_time=end)
        if name == "middle" and tool is not None:
            tool.end(end_time=T0 + 55 * MS)
        tp.force_flush()
    agent.end(end_time=T0 + 70 * MS)


def _send(tp) -> None:
    for order in ORDERS:
        _agent_turn(tp, "-".join(order), order)
        tp.force_flush()
    _agent_turn(tp, "tool-between", ("inner", "middle", "outer"), tool_between=True)


def _calls(store, session: str) -> list:
    (trace,) = store.traces_of(session)
    return [s for s in trace.spans.values() if s.kind is SpanKind.LLM_CALL]


async def test_a_call_reported_around_a_span_around_it_is_one_call_in_any_order() -> None:
    # Four spans a turn (the inner call folded), five when the middle one came last, six with the tool.
    store = await received(_send, lambda store: store.span_count >= 4 * 4 + 2 * 5 + 6, "voltagent-app")
    for order in ORDERS:
        session = "-".join(order)
        (trace,) = store.traces_of(session)
        calls = _calls(store, session)
        assert sorted((c.usage.input, c.usage.output, c.usage.scope) for c in calls) == [
            (1234, 56, "span"), (1400, 78, "span")], session
        merged = next(c for c in calls if c.usage.input == 1400)
        assert merged.attributes[MERGED_BY] == DEEP_NESTED_RULE, session
        # The outer span's place, name and times; the inner one's answer and response id.
        agent = trace.spans[merged.parent_span_id]
        assert agent.name == "weather-agent" and merged.name == "llm:generateText", session
        assert merged.end_ns - merged.start_ns == 50 * MS, session
        assert merged.attributes["gen_ai.response.id"] == "resp_2" and merged.llm.response_preview, session
        middle = next(s for s in trace.spans.values() if s.name == "ai.generateText")
        assert middle.parent_span_id == merged.span_id, session
        first = next(c for c in calls if c.usage.input == 1234)
        assert first.parent_span_id == middle.span_id, session
        for span in trace.spans.values():  # a tree: every span reaches the root
            seen, up = set(), span
            while up.parent_span_id is not None:
                assert up.span_id not in seen, f"{session}: a cycle through {up.name}"
                seen.add(up.span_id)
                up = trace.spans[up.parent_span_id]
        folded = [s for s in trace.spans.values() if FOLDED_INTO in s.attributes]
        if order[-1] == "middle":
            # Both calls were stored when the span between them came: the inner one stays, no call.
            (stub,) = folded
            assert stub.attributes[FOLDED_INTO] == merged.span_id and stub.usage is None and stub.llm is None
            assert stub.parent_span_id == middle.span_id and stub.kind is SpanKind.CUSTOM
        else:
            assert not folded, session
            assert len(trace.spans) == 4, session
        totals = store.sessions[session].totals
        assert (totals.input_tokens, totals.output_tokens) == (1234 + 1400, 56 + 78), session
    # A model call inside a tool inside the call: a sub-agent's call, counted on its own.
    calls = _calls(store, "tool-between")
    assert sorted(c.usage.input for c in calls) == [1234, 1400, 1400]
    assert not any(MERGED_BY in c.attributes for c in calls)
