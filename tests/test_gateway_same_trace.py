"""A call through a gateway that honours the client's ``traceparent``: one trace, the client's.

When the client's HTTP instrumentation sends ``traceparent``, a LiteLLM proxy
traces the request inside the client's trace: the client's model call span,
its HTTP client span, the proxy's server span, its ``Received Proxy Server
Request`` span and the proxy's ``litellm_request`` span of the same call (one
response id) under it. The gateway's early spans (auth, router) are exported
before the client's, which end last. Before, the merged call took the inner
report's place under the spans between it and the outer one, whose parent is
the outer one: a cycle, and no root; and the whole trace stayed in the
session of the service whose spans came first, the gateway's, so the agent's
session never appeared. Now the merged call is the client's root span, the
cached tokens only the gateway reports kept, and the trace is its root's
service's. Spans from the real OpenTelemetry SDK (two providers, two
services, neither naming a session) to the real OTLP receiver.
"""

from __future__ import annotations

import asyncio

import pytest
from opentelemetry.trace import Status, StatusCode, set_span_in_context

from agenttrace_tui.model import SpanKind
from agenttrace_tui.store.calls import FOLDED_INTO, MERGED_BY
from test_otlp_support import provider, receiver, wait_for

T0 = 1_796_500_349_000_000_000
MS = 1_000_000
CALL = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.response.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 1234, "gen_ai.usage.output_tokens": 56}


def _call(client, gateway, rid: str, t0: int, gateway_call_first: bool) -> None:
    ctracer = client.get_tracer("opentelemetry.instrumentation.openai_v2")
    call = ctracer.start_span("chat gpt-4o-mini", start_time=t0,
                              attributes={**CALL, "gen_ai.provider.name": "openai", "gen_ai.response.id": rid})
    http = client.get_tracer("opentelemetry.instrumentation.httpx").start_span(
        "POST", context=set_span_in_context(call), start_time=t0 + 1 * MS)
    litellm = gateway.get_tracer("litellm")
    received = litellm.start_span("Received Proxy Server Request", context=set_span_in_context(http),
                                  start_time=t0 + 2 * MS)
    auth = litellm.start_span("auth", context=set_span_in_context(received), start_time=t0 + 3 * MS)
    auth.end(end_time=t0 + 4 * MS)
    gateway.force_flush()  # the gateway's early spans: they create the trace
    served = litellm.start_span("litellm_request", context=set_span_in_context(received), start_time=t0 + 5 * MS,
                                attributes={**CALL, "gen_ai.system": "openai", "gen_ai.response.id": rid,
                                            "gen_ai.usage.cache_read_input_tokens": 200,
                                            "http.route": "/v1/chat/completions"})
    served.end(end_time=t0 + 50 * MS)
    received.end(end_time=t0 + 60 * MS)
    http.end(end_time=t0 + 70 * MS)
    call.end(end_time=t0 + 80 * MS)
    # The gateway's call, then the client's spans; or the client's spans, then the rest of the gateway's.
    first, then = (gateway, client) if gateway_call_first else (client, gateway)
    first.force_flush()
    then.force_flush()


@pytest.mark.parametrize("gateway_call_first", [True, False])
async def test_a_call_through_a_gateway_in_the_clients_trace_is_the_clients(gateway_call_first: bool) -> None:
    store, _pipeline, server = await receiver(priced=True)
    try:
        client = provider(server.address[1], service="weather-agent")
        gateway = provider(server.address[1], service="litellm-proxy")
        await asyncio.to_thread(_call, client, gateway, "chatcmpl-1", T0, gateway_call_first)
        await asyncio.to_thread(client.shutdown)
        await asyncio.to_thread(gateway.shutdown)
        # Five spans sent, the two reports of the call one span.
        assert await wait_for(lambda: store.span_count >= 4 and any(
            MERGED_BY in s.attributes for t in store.traces.values() for s in t.spans.values()))
    finally:
        await server.close()
    (trace,) = store.traces.values()
    calls = [s for s in trace.spans.values() if s.kind is SpanKind.LLM_CALL]
    assert store.totals.llm_calls == len(calls) == 1
    (call,) = calls
    assert call.name == "chat gpt-4o-mini" and call.parent_span_id is None
    assert (call.usage.input, call.usage.output, call.usage.cache_read) == (1234, 56, 200)
    for span in trace.spans.values():  # a tree: every span reaches the root
        seen, up = set(), span
        while up.parent_span_id is not None:
            assert up.span_id not in seen, f"a cycle through {up.name}"
            seen.add(up.span_id)
            up = trace.spans[up.parent_span_id]
        assert up is call
    # The agent's own session (its service instance's), where its call counts.
    assert trace.session_id.startswith("weather-agent/")
    assert store.sessions[trace.session_id].totals.llm_calls == 1


def _refused(client, gateway, t0: int, order: str) -> None:
    """A refused request: the client's failed call, its HTTP span, the gateway's request span and
    its failed ``litellm_request`` (LiteLLM's own call id as the response id, the route it served)."""
    err = Status(StatusCode.ERROR, "400")
    call = client.get_tracer("opentelemetry.instrumentation.openai_v2").start_span(
        "chat gpt-4o-mini", start_time=t0, attributes={"gen_ai.operation.name": "chat",
                                                       "gen_ai.request.model": "gpt-4o-mini"})
    http = client.get_tracer("opentelemetry.instrumentation.httpx").start_span(
        "POST", context=set_span_in_context(call), start_time=t0 + 1 * MS)
    litellm = gateway.get_tracer("litellm")
    received = litellm.start_span("Received Proxy Server Request", context=set_span_in_context(http),
                                  start_time=t0 + 2 * MS)
    served = litellm.start_span("litellm_request", context=set_span_in_context(received), start_time=t0 + 5 * MS,
                                attributes={"gen_ai.request.model": "gpt-4o-mini", "gen_ai.system": "openai",
                                            "gen_ai.response.id": "4f1c-litellm-call-id",
                                            "http.route": "/v1/chat/completions"})
    for span in (served, http, call, received):
        span.set_status(err)
    served.end(end_time=t0 + 50 * MS)
    if order == "middle last":  # the gateway's call, the client's spans, the gateway's request span
        gateway.force_flush()
    elif order == "root last":  # all of the gateway's, then the client's
        received.end(end_time=t0 + 60 * MS)
        gateway.force_flush()
    http.end(end_time=t0 + 70 * MS)
    call.end(end_time=t0 + 80 * MS)
    client.force_flush()
    if order != "root last":
        received.end(end_time=t0 + 60 * MS)
        gateway.force_flush()


@pytest.mark.parametrize("order", ["middle last", "root last", "client first"])
async def test_a_request_the_gateway_refused_is_one_failed_call(order: str) -> None:
    store, _pipeline, server = await receiver(priced=True)
    try:
        client = provider(server.address[1], service="weather-agent")
        gateway = provider(server.address[1], service="litellm-proxy")
        await asyncio.to_thread(_refused, client, gateway, T0, order)
        await asyncio.to_thread(client.shutdown)
        await asyncio.to_thread(gateway.shutdown)
        # Four spans sent; the two reports of the call one span (a plain one left for the gateway's
        # when it came before the span between them).
        assert await wait_for(lambda: store.span_count >= 3 and any(
            MERGED_BY in s.attributes for t in store.traces.values() for s in t.spans.values()))
    finally:
        await server.close()
    (trace,) = store.traces.values()
    (call,) = [s for s in trace.spans.values() if s.kind is SpanKind.LLM_CALL]
    assert call.name == "chat gpt-4o-mini" and call.parent_span_id is None
    stubs = [s for s in trace.spans.values() if FOLDED_INTO in s.attributes]
    assert all(s.name == "litellm_request" and s.kind is SpanKind.CUSTOM and s.attributes[FOLDED_INTO] == call.span_id
               for s in stubs)
    assert len(trace.spans) == (4 if stubs else 3)
    assert store.totals.llm_calls == 1
