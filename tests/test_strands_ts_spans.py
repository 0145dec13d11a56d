"""The Strands Agents SDK for TypeScript, as its spans arrive: named after the application, not Strands.

``@strands-agents/sdk`` names its tracer (the instrumentation scope) and every span's
``gen_ai.system`` after the service (``OTEL_SERVICE_NAME``: an application's own name, or the one
``agenttrace-tui run`` gives); its telemetry helper ``setupTracer`` gives the resource the service
namespace ``strands``. Its agent loop's cycle span is ``execute_agent_loop_cycle`` (no operation
name), and a model call's answer is a ``gen_ai.choice`` event whose message holds typed content
blocks (``{"type": "toolUse", "name", "toolUseId", "input"}``). Sent through the real OTel SDK, over
OTLP/HTTP protobuf and JSON (the SDK's exporter), to a real receiver with the monitor's enrichers.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from agenttrace_tui.model import SpanKind
from agenttrace_tui.store.memory import Store
from test_otlp_support import received

APP = "weather-app"
TOOL_USE = [{"type": "toolUse", "name": "get_weather", "toolUseId": "call_1", "input": {"city": "Paris"}}]


def _turn(tp: TracerProvider) -> None:
    """One cycle of a turn as the SDK traces it: the agent, its cycle, a model call asking for the
    tool; beside it, a span of an instrumentation that names the provider (the openai one's)."""
    strands = tp.get_tracer(APP)
    usage = {"gen_ai.usage.input_tokens": 1234, "gen_ai.usage.output_tokens": 56,
             "gen_ai.usage.cache_read.input_tokens": 200}
    agent = strands.start_span("invoke_agent weather_agent", attributes={
        "gen_ai.operation.name": "invoke_agent", "gen_ai.system": APP, "gen_ai.agent.name": "weather_agent",
        "gen_ai.request.model": "gpt-4o-mini", "session.id": "weather-1"})
    with trace.use_span(agent, end_on_exit=False):
        cycle = strands.start_span("execute_agent_loop_cycle", attributes={"agent_loop.cycle_id": "cycle-1"})
        with trace.use_span(cycle, end_on_exit=False):
            chat = strands.start_span("chat", attributes={"gen_ai.operation.name": "chat", "gen_ai.system": APP,
                                                          "gen_ai.request.model": "gpt-4o-mini"})
            chat.add_event("gen_ai.user.message", {"content": json.dumps([{"text": "What is the weather in Paris?"}])})
            chat.add_event("gen_ai.choice", {"finish_reason": "toolUse", "message": json.dumps(TOOL_USE)})
            chat.set_attributes(usage)
            chat.end()
            other = tp.get_tracer("opentelemetry.instrumentation.openai_v2")
            other.start_span("chat gpt-4o-mini", attributes={
                "gen_ai.operation.name": "chat", "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 2}).end()
            # a tracer named after the provider it traces (not after the service): its provider stands
            tp.get_tracer("openai").start_span("chat by provider", attributes={
                "gen_ai.operation.name": "chat", "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 2}).end()
        cycle.end()
    agent.end()


async def _received(json_: bool, **resource: str) -> Store:
    return await received(_turn, lambda store: store.span_count >= 5, APP, priced=True, json=json_, **resource)


def _spans(store: Store) -> dict[tuple[str, str], object]:
    return {(s.name, s.llm.provider if s.llm else "-"): s for e in store.sessions.values()
            for t in store.traces_of(e.session.id) for s in t.spans.values()}


@pytest.mark.parametrize("json_", [False, True], ids=["protobuf", "json"])
def test_a_model_call_named_after_the_application_has_no_provider_and_is_priced_by_its_model(json_: bool) -> None:
    store = asyncio.run(_received(json_, **{"service.namespace": "strands"}))
    spans = _spans(store)
    chat = spans[("chat", None)]
    assert chat.kind is SpanKind.LLM_CALL and chat.llm.model == "gpt-4o-mini"
    assert chat.cost is not None and chat.cost.priced_as == "openai/gpt-4o-mini"
    # Another instrumentation's call names its provider as sent.
    assert spans[("chat gpt-4o-mini", "openai")].kind is SpanKind.LLM_CALL
    assert spans[("chat by provider", "openai")].kind is SpanKind.LLM_CALL
    assert ("invoke_agent weather_agent", APP) not in spans and ("invoke_agent weather_agent", None) in spans


@pytest.mark.parametrize("json_", [False, True], ids=["protobuf", "json"])
def test_the_helpers_namespace_names_strands_and_its_cycle_is_a_task(json_: bool) -> None:
    store = asyncio.run(_received(json_, **{"service.namespace": "strands"}))
    assert [e.session.framework for e in store.sessions.values()] == ["strands"]
    assert _spans(store)[("execute_agent_loop_cycle", "-")].kind is SpanKind.TASK


@pytest.mark.parametrize("json_", [False, True], ids=["protobuf", "json"])
def test_a_calls_answer_of_typed_blocks_shows_the_tool_it_asked_for(json_: bool) -> None:
    chat = _spans(asyncio.run(_received(json_, **{"service.namespace": "strands"})))[("chat", None)]
    assert chat.llm.prompt_preview == "user: What is the weather in Paris?"
    assert chat.llm.response_preview == '[tool_call get_weather({"city":"Paris"})]'


def test_a_namespace_of_the_users_own_names_no_framework() -> None:
    """Only the helper's own default is read: another namespace (or none: a provider the user
    registered) leaves the application's name, which names no framework."""
    store = asyncio.run(_received(False, **{"service.namespace": "payments"}))
    assert [e.session.framework for e in store.sessions.values()] == [None]
    assert ("chat", None) in _spans(store)  # the application's name is still no provider
