"""One model call reported as the roots of two traces, one within the other's time, is one call.

mistralai 1.x traces each request itself through the global tracer provider;
OpenLLMetry's Mistral instrumentation starts its span of the call without
making it current, so with no app span around them the two are the roots of
two one-span traces of one session: counted twice, before. The SDK's span
names no response (no response id; a streamed call's has no usage either), so
they are not the same response id in another trace: the instrumentation's
span, which names the response, runs around the SDK's, same model, usage
agreeing. Two concurrent calls of one reporter, nested in time, stay two
calls, and a failed report is never folded into a successful call. Spans from
the real OpenTelemetry SDK to the real OTLP receiver, priced by the real
enrichers.
"""

from __future__ import annotations

from opentelemetry.trace import Status, StatusCode

from agenttrace_tui.model import SpanKind
from agenttrace_tui.store.calls import MERGED_BY, NESTED_ELSEWHERE_RULE
from test_otlp_support import received

MODEL = {"gen_ai.request.model": "mistral-large-latest"}


def _usage(inp: int, out: int, cached: int = 0) -> dict[str, int]:
    got = {"gen_ai.usage.input_tokens": inp, "gen_ai.usage.output_tokens": out}
    return got | ({"gen_ai.usage.cache_read.input_tokens": cached} if cached else {})


def _send(tp) -> None:
    sdk = tp.get_tracer("mistralai_sdk_tracer")
    oll = tp.get_tracer("opentelemetry.instrumentation.mistralai")
    # One call: the instrumentation's span (not current) around the SDK's span of the request.
    for session, rid, usage, sdk_usage in (
            ("s-pair", "cmpl-1", _usage(1234, 56, 200), {"gen_ai.usage.prompt_tokens": 1234,
                                                          "gen_ai.usage.output_tokens": 56}),
            ("s-pair", "cmpl-2", _usage(1400, 78, 300), {})):  # streamed: the SDK's span has no usage
        outer = oll.start_span("mistralai.chat", attributes={
            **MODEL, "gen_ai.system": "MistralAI", "session.id": session, "gen_ai.response.id": rid, **usage})
        with sdk.start_as_current_span("chat_completion_v1_chat_completions_post", attributes={
                **MODEL, "gen_ai.provider.name": "mistral_ai", "session.id": session, **sdk_usage}):
            pass
        outer.end()
    # Two concurrent calls of one reporter, one within the other's time, the same usage: with a
    # response id each, or neither.
    for session, ids in (("s-ids", ("cmpl-a", "cmpl-b")), ("s-no-ids", (None, None))):
        spans = [oll.start_span("mistralai.chat", attributes={
            **MODEL, "session.id": session, **_usage(100, 10), **({"gen_ai.response.id": rid} if rid else {})})
            for rid in ids]
        for span in reversed(spans):
            span.end()
    # A failed request inside a successful call's span: not a report of it.
    outer = oll.start_span("mistralai.chat", attributes={**MODEL, "session.id": "s-failed",
                                                         "gen_ai.response.id": "cmpl-ok", **_usage(100, 10)})
    with sdk.start_as_current_span("chat_completion_v1_chat_completions_post", attributes={
            **MODEL, "session.id": "s-failed", "http.response.status_code": 429}) as failed:
        failed.set_status(Status(StatusCode.ERROR))
    outer.end()


async def test_one_call_as_two_one_span_traces_nested_in_time_is_counted_once() -> None:
    def arrived(store) -> bool:
        return store.sessions.get("s-failed") is not None and store.totals.llm_calls >= 8

    store = await received(_send, arrived, "mistral-app", priced=True)
    pair = store.sessions["s-pair"].totals
    assert (pair.llm_calls, pair.input_tokens, pair.output_tokens, pair.cache_read) == (
        2, 1234 + 1400, 56 + 78, 200 + 300)
    calls = [s for t in store.traces_of("s-pair") for s in t.spans.values()]
    assert len(calls) == 2 and all(s.kind is SpanKind.LLM_CALL for s in calls)
    assert all(s.attributes.get(MERGED_BY) == NESTED_ELSEWHERE_RULE for s in calls)
    assert all(s.cost is not None and s.cost.total for s in calls) and pair.cost_unknown == 0
    # Never two calls of one reporter, nor a failure folded into a success.
    assert store.sessions["s-ids"].totals.llm_calls == 2
    assert store.sessions["s-no-ids"].totals.llm_calls == 2
    failed = store.sessions["s-failed"].totals
    assert (failed.llm_calls, failed.errors) == (2, 1)
