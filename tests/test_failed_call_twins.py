"""One refused model call reported twice, one span inside the other, is one failed call.

An app that turns on both mistralai's own tracing and OpenInference's Mistral
instrumentation reports each call twice, the SDK's span of the request inside
OpenInference's span of the call: one call when both name the model. When the
API refuses the request, OpenInference's span names no model (it reads it
from the answer, and there is none), so the refused request showed as two
failed calls. A failed model call naming no model, whose only child is a
failed model call within its time, is that call reported again, whichever
arrives first; a model-less failed span around two failed calls (two
requests) and a failed span around a successful call stay apart. Spans from
the real OpenTelemetry SDK to the real OTLP receiver and store.
"""

from __future__ import annotations

from opentelemetry.trace import Status, StatusCode

from agenttrace_tui.model import SpanKind
from agenttrace_tui.model import Status as SpanStatus
from agenttrace_tui.store.calls import MERGED_BY
from test_otlp_support import received

ERROR = Status(StatusCode.ERROR, "API error occurred: Status 400")
#: OpenInference's span of a refused call: the request's messages, no model, no usage.
OUTER = {"openinference.span.kind": "LLM", "llm.provider": "mistralai", "input.value": '{"messages": []}'}
#: The SDK's own span of the request: GenAI conventions, the model asked for.
INNER = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "mistral_ai",
         "gen_ai.request.model": "mistral-large-latest"}


def _send(tp) -> None:
    oi, sdk = tp.get_tracer("openinference.instrumentation.mistralai"), tp.get_tracer("mistralai_sdk_tracer")

    def outer(session: str):
        return oi.start_as_current_span("MistralClient.chat", attributes={**OUTER, "session.id": session},
                                        record_exception=False, set_status_on_exception=False)

    def inner(session: str, failed: bool = True):
        span = sdk.start_span("chat mistral-large-latest", attributes={
            **INNER, "session.id": session, "http.response.status_code": 400 if failed else 200})
        if failed:
            span.set_status(ERROR)
        return span

    # The refused call, the SDK's span ending (and exported) first.
    with outer("refused") as span:
        inner("refused").end()
        span.set_status(ERROR)
    # The same, OpenInference's span exported first (ended with an explicit later time).
    with oi.start_as_current_span("MistralClient.chat", attributes={**OUTER, "session.id": "outer-first"},
                                  end_on_exit=False) as span:
        late = inner("outer-first")
    span.set_status(ERROR)
    span.end(end_time=late.start_time + 10_000_000)  # type: ignore[attr-defined]
    tp.force_flush()
    late.end(end_time=late.start_time + 5_000_000)  # type: ignore[attr-defined]
    # Two requests refused inside one failed span naming no model: three failed spans, none folded.
    with outer("two-requests") as span:
        inner("two-requests").end()
        inner("two-requests").end()
        span.set_status(ERROR)
    # A failed span around a successful request: not a report of it.
    with outer("failed-around-ok") as span:
        inner("failed-around-ok", failed=False).end()
        span.set_status(ERROR)


async def test_a_refused_call_reported_inside_a_span_naming_no_model_is_one_failed_call() -> None:
    sessions = ("refused", "outer-first", "two-requests", "failed-around-ok")
    store = await received(_send, lambda store: all(store.sessions.get(s) is not None for s in sessions)
                           and store.span_count >= 7, "mistral-app")
    for session in ("refused", "outer-first"):
        (trace,) = store.traces_of(session)
        (call,) = trace.spans.values()
        assert call.kind is SpanKind.LLM_CALL and call.status is SpanStatus.ERROR, session
        assert call.llm is not None and call.llm.model == "mistral-large-latest", session
        assert MERGED_BY in call.attributes, session
        totals = store.sessions[session].totals
        assert (totals.llm_calls, totals.errors) == (1, 1), session
    two = store.sessions["two-requests"].totals
    assert (two.llm_calls, two.errors) == (3, 3)
    around = store.sessions["failed-around-ok"].totals
    assert (around.llm_calls, around.errors) == (2, 1)
