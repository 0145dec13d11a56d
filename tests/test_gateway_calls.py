"""A model call reported by its client and by the gateway it went through is one call.

An agent's OpenAI client (instrumented) calls a LiteLLM proxy that runs its own
OTel callback: the client's span of the call and the proxy's ``litellm_request``
span (inside its trace of the request: server span, router) both report it,
from two services. Without a ``traceparent`` from the client the two are in
two traces and two sessions (each process is its own): counted twice, before,
tokens and cost doubled. They answer with one response id: one call, kept in
the client's span whichever report arrives first (the gateway's names the
route it served, ``http.route``), the gateway's span staying in its request's
tree as a plain span naming the call; where the two agree on input and output
the merge keeps what either adds (the gateway's cached-token count the
client's span lacks). A refused request names no response on the client's
side: its failed call is the gateway's one failed call of the same model
within its time (two such, concurrent requests: neither). The same data sent
again by the same service as another session (a replay) stays that session's
own call. Spans from the real OpenTelemetry SDK (two providers, two services)
to the real OTLP receiver.
"""

from __future__ import annotations

import asyncio

from opentelemetry.trace import SpanKind as OtelKind
from opentelemetry.trace import Status as OtelStatus
from opentelemetry.trace import StatusCode, set_span_in_context

from agenttrace_tui.model import SpanKind, Status
from agenttrace_tui.store.calls import FOLDED_INTO, MERGED_BY
from test_otlp_support import provider, receiver, wait_for

T0 = 1_796_500_349_000_000_000
MS = 1_000_000
CALL = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 1234, "gen_ai.usage.output_tokens": 56}


def _client_call(tp, session: str, rid: str | None, t0: int) -> None:
    attrs = {**CALL, "gen_ai.response.id": rid, "session.id": session} if rid else {
        "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "session.id": session}
    span = tp.get_tracer("opentelemetry.instrumentation.openai_v2").start_span("chat gpt-4o-mini", attributes=attrs,
                                                                                start_time=t0)
    if rid is None:
        span.set_status(OtelStatus(StatusCode.ERROR, "Error code: 400"))
    span.end(end_time=t0 + 100 * MS)


def _gateway_refused(tp, call_id: str, t0: int) -> None:
    """LiteLLM's failed ``litellm_request`` names its own call id as the response's."""
    span = tp.get_tracer("litellm").start_span("litellm_request", start_time=t0 + 20 * MS, attributes={
        "gen_ai.request.model": "gpt-4o-mini", "gen_ai.system": "openai", "gen_ai.operation.name": "acompletion",
        "gen_ai.response.id": call_id, "http.route": "/v1/chat/completions", "error.type": "BadRequestError"})
    span.set_status(OtelStatus(StatusCode.ERROR, "litellm.BadRequestError"))
    span.end(end_time=t0 + 30 * MS)


def _gateway_request(tp, rid: str, t0: int) -> None:
    fastapi, litellm = tp.get_tracer("opentelemetry.instrumentation.fastapi"), tp.get_tracer("litellm")
    server = fastapi.start_span("POST /v1/chat/completions", kind=OtelKind.SERVER, start_time=t0 + 5 * MS,
                                attributes={"http.request.method": "POST", "http.route": "/v1/chat/completions"})
    router = litellm.start_span("router", context=set_span_in_context(server), start_time=t0 + 10 * MS)
    call = litellm.start_span("litellm_request", context=set_span_in_context(router), start_time=t0 + 20 * MS,
                              attributes={**CALL, "gen_ai.system": "openai", "gen_ai.operation.name": "acompletion",
                                          "gen_ai.response.id": rid, "gen_ai.usage.cache_read_input_tokens": 200,
                                          "http.route": "/v1/chat/completions"})
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
    # A refused request: the gateway's failed call first, then the client's (no response id).
    _gateway_refused(gateway, "call-3", T0 + 2000 * MS)
    gateway.force_flush()
    _client_call(client, "s-refused", None, T0 + 2000 * MS)
    client.force_flush()
    # Two refused at once: the client's failed call could be either of the gateway's two.
    _gateway_refused(gateway, "call-4", T0 + 3000 * MS)
    _gateway_refused(gateway, "call-5", T0 + 3000 * MS)
    gateway.force_flush()
    _client_call(client, "s-two-refused", None, T0 + 3000 * MS)
    client.force_flush()


async def test_a_call_reported_by_its_client_and_its_gateway_is_counted_once() -> None:
    store, _pipeline, server = await receiver(priced=True)
    try:
        client = provider(server.address[1], service="weather-agent")
        gateway = provider(server.address[1], service="litellm-proxy")
        await asyncio.to_thread(_send, client, gateway)
        await asyncio.to_thread(client.shutdown)
        await asyncio.to_thread(gateway.shutdown)
        assert await wait_for(lambda: store.span_count >= 3 + 2 * 4 + 2 + 3 and "s-two-refused" in store.sessions)
    finally:
        await server.close()
    spans = [s for t in store.traces.values() for s in t.spans.values()]
    calls = [s for s in spans if s.kind is SpanKind.LLM_CALL and s.status is not Status.ERROR]
    assert len(calls) == 3  # two calls and the replay's
    assert (store.totals.input_tokens, store.totals.output_tokens) == (3 * 1234, 3 * 56)
    failed = [s for s in spans if s.kind is SpanKind.LLM_CALL and s.status is Status.ERROR]
    # The refused request once, in the client's session; the two at once: three reports, apart.
    assert sorted(s.session_id.startswith("s-") for s in failed) == [False, False, True, True]
    (refused,) = [s for s in failed if s.session_id == "s-refused"]
    assert refused.name == "chat gpt-4o-mini" and refused.attributes[MERGED_BY]
    assert store.sessions["s-refused"].totals.llm_calls == 1
    assert store.sessions["s-two-refused"].totals.llm_calls == 1
    (replayed,) = [s for s in calls if s.session_id == "s-replay"]
    assert MERGED_BY not in replayed.attributes and replayed.usage.cache_read == 0
    by_id = {s.attributes["gen_ai.response.id"]: s for s in calls if s.session_id != "s-replay"}
    # Client first: its span keeps its place, name and times; the gateway's cached tokens join it.
    first = by_id["chatcmpl-1"]
    assert first.session_id == "s-agent" and first.name == "chat gpt-4o-mini" and first.parent_span_id is None
    assert (first.usage.input, first.usage.output, first.usage.cache_read) == (1234, 56, 200)
    assert first.attributes[MERGED_BY] and first.cost is not None and first.cost.total
    # Gateway first: the call is the client's all the same, the gateway's span a plain one naming it.
    second = by_id["chatcmpl-2"]
    assert second.name == "chat gpt-4o-mini" and second.session_id == "s-agent" and second.parent_span_id is None
    assert (second.usage.input, second.usage.output, second.usage.cache_read) == (1234, 56, 200)
    stubs = [s for s in spans if FOLDED_INTO in s.attributes]
    assert sorted((s.name, s.kind, s.usage, s.attributes[FOLDED_INTO]) for s in stubs) == sorted([
        ("litellm_request", SpanKind.CUSTOM, None, first.span_id),
        ("litellm_request", SpanKind.CUSTOM, None, second.span_id),
        ("litellm_request", SpanKind.CUSTOM, None, refused.span_id)])
    for stub in stubs[:2]:
        tree = store.traces[stub.trace_id]
        raw = next(s for s in tree.spans.values() if s.name == "raw_gen_ai_request")
        if raw.parent_span_id == stub.span_id:  # the request's tree stays whole
            break
    else:
        raise AssertionError("no raw_gen_ai_request under a folded litellm_request")
    assert store.sessions["s-agent"].totals.llm_calls == 2
