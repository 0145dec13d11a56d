"""The OpenHands Software Agent SDK's own tracing, as its spans arrive: Laminar's, named by OpenHands.

The SDK traces itself with Laminar's SDK (``lmnr``), every span under the scope ``lmnr.tracer``, the
session the conversation's id (``lmnr.association.properties.session_id``): a ``conversation`` span,
``conversation.send_message`` and ``conversation.run`` inside it, an ``agent.step`` per step; in a
step, per model call an ``llm.<model>`` span (``lmnr.span.type`` ``LLM``) that sets only the call's
cache reads and writes and its cost (LiteLLM's), with Laminar's LiteLLM instrumentation's
``litellm.completion`` span of the request inside it (the model, the usage, cache reads in input),
and per tool result a ``TOOL`` span named after the tool's action class, the model's tool call id
as Laminar's span metadata. Sent through the real OTel SDK, over OTLP/HTTP protobuf and JSON, to a
real receiver with the monitor's enrichers, in the order the SDK ends them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Status, StatusCode

from agenttrace_tui.model import SpanKind
from agenttrace_tui.store.memory import Store
from test_otlp_support import received

SCRIPT = "/srv/weather/agent.py"  # Laminar's service name: the script's path
SESSION = "4f1d0c1e-6a0b-4b55-9f39-0a1100000001"
LMNR = "lmnr.tracer"
ASSOC = {"lmnr.association.properties.session_id": SESSION}
#: The two calls' usage on Laminar's LiteLLM span (input with the cache reads in) and OpenHands' cost.
CALLS = [("chatcmpl-1", 1234, 56, 200, 0.0002037), ("chatcmpl-2", 1400, 78, 300, 0.0002343)]


def _run(tp: TracerProvider, refused: bool = False) -> None:
    tracer = tp.get_tracer(LMNR)
    kind = {"lmnr.span.type": "DEFAULT", **ASSOC}
    with tracer.start_as_current_span("conversation", attributes=ASSOC) as conversation:
        with tracer.start_as_current_span("conversation.send_message", attributes=kind):
            pass
        with tracer.start_as_current_span("conversation.run", attributes=kind):
            for n, (response, inp, out, cached, cost) in enumerate(CALLS):
                with tracer.start_as_current_span("agent.step", attributes=kind):
                    with tracer.start_as_current_span("llm.gpt-4o-mini",
                                                      attributes={"lmnr.span.type": "LLM", **ASSOC}) as wrapper:
                        with tracer.start_as_current_span("litellm.completion", attributes={
                                "lmnr.span.type": "LLM", "gen_ai.system": "openai",
                                "gen_ai.request.model": "gpt-4o-mini", **ASSOC}) as call:
                            if refused:
                                for span in (call, wrapper, conversation):
                                    span.set_status(Status(StatusCode.ERROR, "litellm.BadRequestError: HTTP 400"))
                                return
                            call.set_attributes({
                                "gen_ai.response.model": "gpt-4o-mini", "gen_ai.response.id": response,
                                "gen_ai.usage.input_tokens": inp, "gen_ai.usage.output_tokens": out,
                                "gen_ai.usage.cache_read_input_tokens": cached,
                                "gen_ai.usage.cache_creation_input_tokens": 0})
                        wrapper.set_attributes({"gen_ai.usage.cost": cost,
                                                "gen_ai.usage.cache_read_input_tokens": cached,
                                                "gen_ai.usage.cache_creation_input_tokens": 0})
                    if n == 0:
                        with tracer.start_as_current_span("GetWeatherAction", attributes={
                                "lmnr.span.type": "TOOL", **ASSOC,
                                "lmnr.association.properties.metadata.tool_call_id": "call_1",
                                "lmnr.span.input": '{"action":{"city":"Paris","kind":"GetWeatherAction"}}',
                                "lmnr.span.output": '{"content":[{"type":"text","text":"Sunny, 22 C in Paris"}]}'}):
                            pass


async def _received(json_: bool, refused: bool = False) -> Store:
    # Each call's two spans stored as one: 5 spans (conversation, send_message, run, a step, the call)
    # when refused, else 8 (two steps, two calls, the tool).
    spans = 5 if refused else 8
    return await received(lambda tp: _run(tp, refused), lambda store: store.span_count >= spans, SCRIPT,
                          priced=True, json=json_)


def _spans(store: Store) -> list[Any]:
    return [s for e in store.sessions.values() for t in store.traces_of(e.session.id) for s in t.spans.values()]


@pytest.mark.parametrize("json_", [False, True], ids=["protobuf", "json"])
def test_each_call_is_counted_once_with_laminars_usage_and_the_sdks_cost(json_: bool) -> None:
    """The ``llm.<model>`` span around each call reports only its cache counts: not a usage of its own
    (its cache reads would read as that many input tokens, a second call), the same call as the
    LiteLLM span inside it, whose tokens and OpenHands' cost (genai-prices' price too) the call shows."""
    store = asyncio.run(_received(json_))
    assert [(e.session.id, e.session.framework) for e in store.sessions.values()] == [(SESSION, "openhands")]
    calls = [s for s in _spans(store) if s.kind is SpanKind.LLM_CALL]
    assert sorted((s.usage.input, s.usage.output, s.usage.cache_read) for s in calls) == [  # type: ignore[union-attr]
        (inp, out, cached) for _r, inp, out, cached, _c in CALLS]
    assert all(s.llm is not None and s.llm.model == "gpt-4o-mini" for s in calls)
    assert sorted(round(s.cost.total, 7) for s in calls) == [c for *_x, c in CALLS]  # type: ignore[union-attr]
    totals = store.sessions[SESSION].totals
    assert (totals.llm_calls, totals.input_tokens, totals.output_tokens) == (2, 2634, 134)


def test_the_tool_span_names_the_models_tool_call() -> None:
    store = asyncio.run(_received(False))
    (tool,) = [s for s in _spans(store) if s.kind is SpanKind.TOOL_EXECUTION]
    assert tool.tool is not None and (tool.tool.name, tool.tool.call_id) == ("GetWeatherAction", "call_1")


def test_a_refused_call_is_one_failed_call_of_the_conversation() -> None:
    store = asyncio.run(_received(False, refused=True))
    assert [e.session.framework for e in store.sessions.values()] == ["openhands"]
    (call,) = [s for s in _spans(store) if s.kind is SpanKind.LLM_CALL]
    assert call.usage is None and call.llm is not None and call.llm.model == "gpt-4o-mini"
    assert store.sessions[SESSION].totals.errors >= 1


def _laminar_alone(tp: TracerProvider) -> None:
    """Laminar's own ``@observe`` spans of an application that is not OpenHands'."""
    tracer = tp.get_tracer(LMNR)
    with tracer.start_as_current_span("weather_agent", attributes={"lmnr.span.type": "DEFAULT", **ASSOC}), \
            tracer.start_as_current_span("step", attributes={"lmnr.span.type": "DEFAULT", **ASSOC}):
        pass


def test_laminars_own_spans_still_name_laminar() -> None:
    store = asyncio.run(received(_laminar_alone, lambda store: store.span_count >= 2, SCRIPT))
    assert [e.session.framework for e in store.sessions.values()] == ["laminar"]
