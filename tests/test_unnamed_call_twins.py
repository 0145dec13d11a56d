"""One model call reported by a span naming no model around the client's span of the request is one call.

OpenLLMetry's Haystack instrumentation traces ``OpenAIChatGenerator.run`` as
a model call span that names no model and no usage (it reads the model only
from the call's ``generation_kwargs``, and puts the answer dict's key,
"replies", where the answer's text belongs); the OpenAI instrumentation's span
of the request runs inside it, with the model, usage and the real answer. Both
are one call: counted once, its model, usage and text those of the inner
span, whichever arrives first. A model-less span around two requests, and a
span around a call of another outcome, stay apart. Spans from the real
OpenTelemetry SDK to the real OTLP receiver and store.
"""

from __future__ import annotations

from opentelemetry.trace import Status, StatusCode

from agenttrace_tui.model import SpanKind
from agenttrace_tui.store.calls import MERGED_BY, UNNAMED_NESTED_RULE
from test_otlp_support import received

#: OpenLLMetry's Haystack span of the generator component: no model, no usage, the dict's key as its answer.
OUTER = {"gen_ai.system": "OpenAI", "llm.request.type": "chat",
         "gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.content": "replies"}
#: OpenLLMetry's OpenAI span of the request.
INNER = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
         "gen_ai.response.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 1234,
         "gen_ai.usage.output_tokens": 56,
         "gen_ai.output.messages": '[{"role": "assistant", "parts": [{"type": "text", "content": "Sunny in Paris"}]}]'}


def _send(tp) -> None:
    hs, oa = tp.get_tracer("opentelemetry.instrumentation.haystack"), tp.get_tracer("opentelemetry.instrumentation.openai.v1")

    def outer(session: str, **kw):
        return hs.start_as_current_span("haystack.openai.chat", attributes={**OUTER, "session.id": session}, **kw)

    def inner(session: str):
        return oa.start_span("openai.chat", attributes={**INNER, "session.id": session})

    # The request's span ends (and is exported) first, as the SDK's batch sends them.
    with outer("inner-first"):
        inner("inner-first").end()
    # The component's span exported first (ended with an explicit later time).
    with outer("outer-first", end_on_exit=False) as span:
        late = inner("outer-first")
    span.end(end_time=late.start_time + 10_000_000)  # type: ignore[attr-defined]
    tp.force_flush()
    late.end(end_time=late.start_time + 5_000_000)  # type: ignore[attr-defined]
    # Two requests inside one model-less span: three spans, none folded.
    with outer("two-requests"):
        inner("two-requests").end()
        inner("two-requests").end()
    # A failed span around a successful request: not a report of it.
    with outer("failed-around-ok") as span:
        inner("failed-around-ok").end()
        span.set_status(Status(StatusCode.ERROR, "boom"))


async def test_a_call_inside_a_span_naming_no_model_is_one_call_with_the_inner_details() -> None:
    sessions = ("inner-first", "outer-first", "two-requests", "failed-around-ok")
    store = await received(_send, lambda store: all(store.sessions.get(s) is not None for s in sessions)
                           and store.span_count >= 7, "haystack-app")
    for session in ("inner-first", "outer-first"):
        (trace,) = store.traces_of(session)
        (call,) = trace.spans.values()
        assert call.kind is SpanKind.LLM_CALL, session
        assert call.attributes.get(MERGED_BY) == UNNAMED_NESTED_RULE, session
        assert call.llm is not None and call.llm.model == "gpt-4o-mini", session
        assert call.llm.response_preview is not None and "Sunny in Paris" in call.llm.response_preview, session
        assert "replies" not in call.llm.response_preview, session
        assert call.usage is not None and (call.usage.input, call.usage.output) == (1234, 56), session
        totals = store.sessions[session].totals
        assert (totals.llm_calls, totals.input_tokens, totals.errors) == (1, 1234, 0), session
    assert store.sessions["two-requests"].totals.llm_calls == 3
    around = store.sessions["failed-around-ok"].totals
    assert (around.llm_calls, around.errors) == (2, 1)
