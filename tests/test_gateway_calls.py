"""A model call reported by its client and by the gateway it went through is one call.

An agent's OpenAI client (instrumented) calls a LiteLLM proxy that runs its own
OTel callback: the client's span of the call and the proxy's ``litellm_request``
span (inside its trace of the request: server span, router) both report it,
from two services. Without a ``traceparent`` from the client the two are in
two traces and two sessions (each process is its own): counted twice, before,
tokens and cost doubled. They answer with one response id: the second report
folds into the first, in either order, the gateway's span staying in its
request's tree as a plain span naming the call; where the two agree on input
and output the merge keeps what either adds (the gateway's cached-token count
the client's span lacks). The same data sent again by the same service as
another session (a replay) stays that session's own call. Spans from the real
OpenTelemetry SDK (two providers, two services) to the real OTLP receiver.
"""

from __future__ import annotations

import asyncio

from opentelemetry.trace import SpanKind as OtelKind
from opentelemetry.trace import set_span_in_context

from agenttrace_tui.model import SpanKind
from agenttrace_tui.store.calls import FOLDED_INTO, MERGED_BY
from test_otlp_support import provider, receiver, wait_for

T0 = 1_796_500_349_000_000_000
MS = 1_000_000
CALL = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 1234, "gen_ai.usage.output_tokens": 56}


def _client_call(tp, session: str, rid: str, t0: int) -> None:
    span = tp.get_tracer("opentelemetry.instrumentation.openai_v2").start_span(
        "chat gpt-4o-mini", attributes={**CALL, "gen_ai.response.id": rid, "session.id": session}, start_time=t0)
    span.end(end_time=t0 + 100 * MS)


def _gateway_request(tp, rid: str, t0: int) -> None:
    fastapi, litellm = tp.get_tracer("opentelemetry.instrumentation.fastapi"), tp.get_tracer("litellm")
    server = fastapi.start_span("POST /v1/chat/completions", kind=OtelKind.SERVER, start_time=t0 + 5 * MS,
                                attributes={"http.request.method": "POST", "http.route": "/v1/chat/completions"})
    router = litellm.start_span("router", context=set_span_in_context(server), start_time=t0 + 10 * MS)
    call = litellm.start_span("litellm_request", context=set_span_in_context(router), start_time=t0 + 20 * MS,
                              attributes={**CALL, "gen_ai.system": "openai", "gen_ai.operation.name": "acompletion",
                                          "gen_ai.response.id": rid, "gen_ai.usage.cache_read_input_tokens": 200})
    raw = litellm.start_span("raw_gen_ai_request", context=set_span_in_context(call), start_time=t0 + 21 * MS)
    for span, end in ((raw, 80), (call, 81), (router, 82), (server, 90)):
        span.end(end_time=t0 + end * MS)


def _send(client, gateway) -> None:
    # The client's report first (its exporter flushed first), then the gateway's; then the reverse.
    _client_call(client, "s-agent", "chatcmpl-1", T0)
    client.force_flush()
    _gateway_request(gateway, "chatcmpl-1", T0)
    gateway.force_flush()
    _gateway_request(gateway, "chatcmpl-2", T0 + 1000 * MS)
    gateway.force_flush()
    _client_call(client, "s-agent", "chatcmpl-2", T0 + 1000 * MS)
    client.force_flush()
    # The same call sent again by the agent's service as another session (a replay): its own.
    _client_call(client, "s-replay", "chatcmpl-1", T0)
    client.force_flush()


async def test_a_call_reported_by_its_client_and_its_gateway_is_counted_once() -> None:
    store, _pipeline, server = await receiver(priced=True)
    try:
        client = provider(server.address[1], service="weather-agent")
        gateway = provider(server.address[1], service="litellm-proxy")
        await asyncio.to_thread(_send, client, gateway)
        await asyncio.to_thread(client.shutdown)
        await asyncio.to_thread(gateway.shutdown)
        assert await wait_for(lambda: store.span_count >= 3 + 2 * 4 and "s-replay" in store.sessions)
    finally:
        await server.close()
    calls = [s for t in store.traces.values() for s in t.spans.values() if s.kind is SpanKind.LLM_CALL]
    assert store.totals.llm_calls == len(calls) == 3  # two calls and the replay's
    assert (store.totals.input_tokens, store.totals.output_tokens) == (3 * 1234, 3 * 56)
    (replayed,) = [s for s in calls if s.session_id == "s-replay"]
    assert MERGED_BY not in replayed.attributes and replayed.usage.cache_read == 0
    by_id = {s.attributes["gen_ai.response.id"]: s for s in calls if s.session_id != "s-replay"}
    # Client first: its span keeps its place, name and times; the gateway's cached tokens join it.
    first = by_id["chatcmpl-1"]
    assert first.session_id == "s-agent" and first.name == "chat gpt-4o-mini" and first.parent_span_id is None
    assert (first.usage.input, first.usage.output, first.usage.cache_read) == (1234, 56, 200)
    assert first.attributes[MERGED_BY] and first.cost is not None and first.cost.total
    # Gateway first: the call stays in the gateway's trace, the client's span a plain one naming it.
    second = by_id["chatcmpl-2"]
    assert second.name == "litellm_request" and second.session_id != "s-agent"
    assert (second.usage.input, second.usage.output, second.usage.cache_read) == (1234, 56, 200)
    stubs = [s for t in store.traces.values() for s in t.spans.values() if FOLDED_INTO in s.attributes]
    assert sorted((s.name, s.kind, s.usage, s.attributes[FOLDED_INTO]) for s in stubs) == sorted([
        ("litellm_request", SpanKind.CUSTOM, None, first.span_id),
        ("chat gpt-4o-mini", SpanKind.CUSTOM, None, second.span_id)])
    gateway_request = next(s for s in stubs if s.name == "litellm_request")
    tree = store.traces[gateway_request.trace_id]
    raw = next(s for s in tree.spans.values() if s.name == "raw_gen_ai_request")
    assert raw.parent_span_id == gateway_request.span_id  # the request's tree stays whole
    assert store.sessions["s-agent"].totals.llm_calls == 1
