"""Two reports of one model call that answer with one response id are one call.

A provider SDK that traces itself (anthropic 2.x, through the global tracer
provider) beside an instrumentation of it (OpenLLMetry's) reports each call
twice. When the instrumentation starts its span outside the context the SDK
traces in, the two are siblings under the app's span, or, with no app span,
the roots of two one-span traces: counted twice, before, and each call's
tokens and cost doubled. Where the two disagree on the tokens, the first
report's stand, in one trace or in two. Spans from the real OpenTelemetry SDK (one tracer
per instrumentation) to the real OTLP receiver, priced by the real enrichers.
"""

from __future__ import annotations

import pytest
from opentelemetry import trace as otel_trace

from agenttrace_tui.model import SpanKind
from agenttrace_tui.store.calls import MERGED_BY
from test_otlp_support import received

CALL = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic", "gen_ai.request.model": "claude-sonnet-4-5"}


def _call(tracer, name: str, rid: str, tokens: tuple[int, int], session: str, **extra) -> None:
    attrs = {**CALL, "gen_ai.response.id": rid, "gen_ai.usage.input_tokens": tokens[0],
             "gen_ai.usage.output_tokens": tokens[1], "session.id": session, **extra}
    with tracer.start_as_current_span(name, attributes=attrs):
        pass


def _send(tp) -> None:
    sdk = tp.get_tracer("com.anthropic.sdk.python")
    oll = tp.get_tracer("opentelemetry.instrumentation.anthropic")
    app = tp.get_tracer("my-agent")
    # Under the app's span: the SDK's span and the instrumentation's, siblings (neither current).
    with app.start_as_current_span("agent run", attributes={"session.id": "s-app"}):
        ctx = otel_trace.get_current_span().get_span_context()
        parent = otel_trace.set_span_in_context(otel_trace.NonRecordingSpan(ctx))
        # (OpenLLMetry's own count of a streamed call's output is one more than the API's.)
        for tracer, name, output in ((sdk, "anthropic.messages.create", 50), (oll, "anthropic.chat", 51)):
            with tracer.start_as_current_span(name, context=parent, attributes={
                    **CALL, "gen_ai.response.id": "msg_1", "gen_ai.usage.input_tokens": 1000,
                    "gen_ai.usage.output_tokens": output, "session.id": "s-app"}):
                pass
        _call(sdk, "anthropic.messages.create", "msg_2", (2000, 80), "s-app")  # another call: its own
    # No app span: the roots of two traces, one call; the same id in another session is not it.
    _call(sdk, "anthropic.messages.create", "msg_3", (3000, 90), "s-bare")
    _call(oll, "anthropic.chat", "msg_3", (3000, 91), "s-bare", **{"gen_ai.input.messages": '[{"role": "user", "parts": [{"type": "text", "content": "hi"}]}]'})
    _call(oll, "anthropic.chat", "msg_3", (3000, 91), "s-other")


async def test_one_call_reported_twice_is_counted_once_in_one_trace_or_two() -> None:
    store = await received(_send, lambda store: store.sessions.get("s-other") is not None and store.totals.llm_calls >= 4, "anthropic-app", priced=True)
    app = store.sessions["s-app"].totals
    # One call each; where the two reports disagree, the first report's (the SDK's) counts stand.
    assert (app.llm_calls, app.input_tokens, app.output_tokens) == (2, 1000 + 2000, 50 + 80)
    (trace,) = store.traces_of("s-app")
    calls = [s for s in trace.spans.values() if s.kind is SpanKind.LLM_CALL]
    assert len(calls) == 2 and sum(MERGED_BY in s.attributes for s in calls) == 1

    bare = store.sessions["s-bare"]
    # One trace, one call: the first report's counts (the SDK's own span), the other's text.
    (only,) = store.traces_of("s-bare")
    (call,) = only.spans.values()
    assert (bare.totals.llm_calls, call.usage.input, call.usage.output) == (1, 3000, 90)
    assert call.llm.prompt_preview == "user: hi" and MERGED_BY in call.attributes
    assert call.cost is not None and call.cost.total == pytest.approx(bare.totals.cost) and bare.totals.cost > 0
    assert store.sessions["s-other"].totals.llm_calls == 1  # another session's span is its own call
