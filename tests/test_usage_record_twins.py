"""A usage record repeating a model call's usage is that call reported again, counted once.

AG2's ``TelemetryMiddleware`` sends, for every model call it traces, a ``chat`` span
(the call: its usage, model, text) and, right after it, a ``record_usage model_call``
span under the same agent span with the same usage (its usage event; ``ag2.usage.kind``).
Counted as two model calls, every token showed twice. A usage record with the usage,
model and time of a model call that is not a record is folded into that call, whichever
arrives first, the call's span standing; a record repeating no call (a live session's
call, a compaction AG2 runs outside its hooks) stays the only report of its call, and
two records are never taken for one call. Spans from the real OpenTelemetry SDK to the
real OTLP receiver and store.
"""

from __future__ import annotations

from agenttrace_tui.model import SpanKind
from agenttrace_tui.store.calls import MERGED_BY
from test_otlp_support import received

SCOPE = "opentelemetry.instrumentation.ag2"
USAGE = {"gen_ai.usage.input_tokens": 1234, "gen_ai.usage.output_tokens": 56,
         "gen_ai.usage.cache_read_input_tokens": 200}
CALL = {"ag2.span.type": "llm", "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini", "gen_ai.response.model": "gpt-4o-mini",
        "gen_ai.input.messages": '[{"role": "user", "content": "What is the weather in Paris?"}]', **USAGE}
RECORD = {"ag2.span.type": "usage", "ag2.usage.kind": "model_call", "gen_ai.provider.name": "openai",
          "gen_ai.response.model": "gpt-4o-mini", "ag2.usage.total_tokens": 1290, **USAGE}


def _send(tp) -> None:
    tracer = tp.get_tracer(SCOPE)

    def agent(session: str):
        return tracer.start_as_current_span("invoke_agent weather_agent", attributes={
            "ag2.span.type": "agent", "gen_ai.operation.name": "invoke_agent", "session.id": session})

    # As AG2 sends them: the call's span ends, then its usage record is made.
    with agent("call-first"):
        tracer.start_span("chat gpt-4o-mini", attributes={**CALL, "session.id": "call-first"}).end()
        tracer.start_span("record_usage model_call", attributes={**RECORD, "session.id": "call-first"}).end()
    # The record exported first: the call's span, arriving later, still stands.
    with agent("record-first"):
        call = tracer.start_span("chat gpt-4o-mini", attributes={**CALL, "session.id": "record-first"})
        tracer.start_span("record_usage model_call", attributes={**RECORD, "session.id": "record-first"}).end()
        tp.force_flush()
        call.end()
    # A compaction call AG2 makes outside its hooks: only its record reports it.
    with agent("record-only"):
        tracer.start_span("chat gpt-4o-mini", attributes={**CALL, "session.id": "record-only"}).end()
        tracer.start_span("record_usage model_call", attributes={**RECORD, "session.id": "record-only"}).end()
        tracer.start_span("record_usage compaction", attributes={
            **RECORD, "ag2.usage.kind": "compaction", "gen_ai.usage.input_tokens": 900,
            "gen_ai.usage.output_tokens": 40, "session.id": "record-only"}).end()
    # A live session's calls: two records of the same usage, no call spans. Two calls.
    with agent("live"):
        for _ in range(2):
            tracer.start_span("record_usage model_call", attributes={**RECORD, "session.id": "live"}).end()


async def test_a_usage_record_repeating_a_call_is_that_call_counted_once() -> None:
    sessions = ("call-first", "record-first", "record-only", "live")
    store = await received(_send, lambda store: all(store.sessions.get(s) is not None for s in sessions)
                           and store.span_count >= 10, "ag2-app")
    for session in ("call-first", "record-first"):
        (trace,) = store.traces_of(session)
        calls = [s for s in trace.spans.values() if s.kind is SpanKind.LLM_CALL]
        assert len(calls) == 1, session
        (call,) = calls
        assert call.name == "chat gpt-4o-mini", session
        assert call.attributes.get("ag2.span.type") == "llm" and "ag2.usage.kind" not in call.attributes, session
        assert MERGED_BY in call.attributes, session
        assert call.llm is not None and call.llm.prompt_preview, session
        totals = store.sessions[session].totals
        assert (totals.llm_calls, totals.input_tokens, totals.output_tokens) == (1, 1234, 56), session
    only = store.sessions["record-only"].totals
    assert (only.llm_calls, only.input_tokens, only.output_tokens) == (2, 1234 + 900, 56 + 40)
    live = store.sessions["live"].totals
    assert (live.llm_calls, live.input_tokens, live.output_tokens) == (2, 2 * 1234, 2 * 56)
