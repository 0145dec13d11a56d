"""Model calls a client recorded onto one span are counted apart, from their details records.

Google ADK's telemetry (schema 2) opens no span of its own for a model call:
it records the call onto its caller's span, and OpenInference's ADK
instrumentation suppresses the ``generate_content`` span that would have been
there. So every model call of an agent run lands on ADK's ``invoke_agent``
span, each overwriting the last one's usage, and only the
``gen_ai.client.inference.operation.details`` log record of each call (which
names that span) keeps its usage. The earlier calls were lost: their tokens
and cost never counted. A details record whose usage is not the usage of the
model call span it names is another call, rebuilt beside that span, whichever
arrives first; the record of the span's own call, a record with no usage and
a record naming a span that is no model call stay events of their span.
"""

from __future__ import annotations

import pytest

from agenttrace_tui.model import AttachedEvent, LlmInfo, Span, SpanEvent, SpanKind, TokenUsage
from agenttrace_tui.store.calls import RECORDED_ON
from agenttrace_tui.store.memory import Store

DETAILS = "gen_ai.client.inference.operation.details"
#: The span ADK's invoke_agent became: the last call's model, usage and kind written onto it.
AGENT_CALL = dict(name="invoke_agent weather_agent", kind=SpanKind.LLM_CALL, start_ns=1_000, end_ns=9_000,
                  llm=LlmInfo(model="gemini-2.5-flash", provider="gcp.gemini"),
                  usage=TokenUsage(input=1400, output=78, total=1478, cache_read=300, reasoning=40),
                  attributes={"gen_ai.operation.name": "generate_content"})


def _record(t: int, usage: dict[str, int] | None, text: str, span_id: str = "agent") -> AttachedEvent:
    attrs: dict[str, object] = {
        "gen_ai.provider.name": "gcp.gemini",
        "gen_ai.input.messages": f"[{{'role': 'user', 'parts': [{{'content': '{text}', 'type': 'text'}}]}}]",
    }
    for key, value in (usage or {}).items():
        attrs[f"gen_ai.usage.{key}"] = value
    return AttachedEvent(trace_id="t1", span_id=span_id, event=SpanEvent(name=DETAILS, time_ns=t, attributes=attrs))


CALL_1 = {"input_tokens": 1234, "output_tokens": 56, "cache_read.input_tokens": 200, "reasoning.output_tokens": 24}
CALL_2 = {"input_tokens": 1400, "output_tokens": 78, "cache_read.input_tokens": 300, "reasoning.output_tokens": 40}


def _spans(**agent_call: object) -> list[Span]:
    root = Span(span_id="run", trace_id="t1", session_id="s1", name="agent_run", kind=SpanKind.AGENT,
                start_ns=500, end_ns=9_500)
    call = Span(span_id="agent", trace_id="t1", session_id="s1", parent_span_id="run",
                **{**AGENT_CALL, **agent_call})  # type: ignore[arg-type]
    return [root, call]


def _records() -> list[AttachedEvent]:
    return [_record(4_000, CALL_1, "What is the weather in Paris?"), _record(8_000, CALL_2, "and the tool said")]


def _folded_twin() -> list[Span]:
    """A model call reported twice, one span inside the other (folded: the trace has an alias)."""
    llm = LlmInfo(model="gemini-2.5-flash")
    usage = TokenUsage(input=10, output=2)
    return [Span(span_id="oi", trace_id="t1", session_id="s1", name="chat", kind=SpanKind.LLM_CALL, start_ns=100,
                 end_ns=400, llm=llm, usage=usage),
            Span(span_id="sdk", trace_id="t1", session_id="s1", parent_span_id="oi", name="chat",
                 kind=SpanKind.LLM_CALL, start_ns=150, end_ns=350, llm=llm, usage=usage)]


@pytest.mark.parametrize("order", ["span first", "records first", "records first, after a folded twin"])
def test_calls_recorded_onto_one_span_are_counted_apart(order: str) -> None:
    st = Store()
    if order == "span first":
        st.apply(_spans())
        st.apply(_records())
    else:
        if order.endswith("folded twin"):
            st.apply(_folded_twin())
            assert st.trace("t1").aliases, "the twin was folded (so the next span is stored by _upsert_span)"
        st.apply(_records())
        st.apply(_spans())
    twin_calls, twin_in, twin_out = (1, 10, 2) if order.endswith("folded twin") else (0, 0, 0)
    totals = st.sessions["s1"].totals
    assert totals.llm_calls == 2 + twin_calls
    assert (totals.input_tokens, totals.output_tokens) == (1234 + 1400 + twin_in, 56 + 78 + twin_out)
    assert (totals.cache_read, totals.reasoning) == (200 + 300, 24 + 40)
    trace = st.trace("t1")
    (first,) = [s for s in trace.spans.values() if RECORDED_ON in s.attributes]
    assert first.attributes[RECORDED_ON] == "agent"
    assert first.kind is SpanKind.LLM_CALL and first.parent_span_id == "run", "beside the span, never inside it"
    # The record's provider (gcp.gemini) as every model call names it: one name per provider.
    assert first.llm is not None and (first.llm.model, first.llm.provider) == ("gemini-2.5-flash", "google")
    assert first.usage is not None and (first.usage.input, first.usage.output) == (1234, 56)
    assert first.start_ns == first.end_ns == 4_000
    assert "What is the weather in Paris?" in (first.llm.prompt_preview or "")
    assert [ev.name for ev in first.events] == [DETAILS]
    agent = trace.spans["agent"]
    assert agent.usage is not None and agent.usage.input == 1400
    assert [ev.attributes["gen_ai.usage.input_tokens"] for ev in agent.events] == [1400], "its own call's record"


def test_a_record_sent_again_is_the_same_call() -> None:
    st = Store()
    st.apply(_spans())
    st.apply(_records())
    st.apply(_records()[:1])
    totals = st.sessions["s1"].totals
    assert (totals.llm_calls, totals.input_tokens) == (2, 1234 + 1400)


def test_records_that_are_the_spans_own_stay_its_events() -> None:
    # A record with no usage (a refused call), and records naming a span that is no model call
    # (an agent span's usage is its subtree's): nothing to rebuild.
    st = Store()
    st.apply(_spans())
    st.apply([_record(4_000, None, "refused"), _record(8_000, CALL_2, "and the tool said")])
    assert len(st.trace("t1").spans) == 2 and len(st.trace("t1").spans["agent"].events) == 2
    st = Store()
    st.apply(_spans(kind=SpanKind.AGENT))
    st.apply(_records())
    assert len(st.trace("t1").spans) == 2 and len(st.trace("t1").spans["agent"].events) == 2
