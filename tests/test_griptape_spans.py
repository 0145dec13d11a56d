"""Griptape's own observability driver, as its spans arrive: named after the application, not Griptape.

Griptape's ``OpenTelemetryObservabilityDriver`` names its tracer (the instrumentation scope) after
the service it is given, an application's own name, and each span after the method it observes,
``<Class>.<method>()``, with nothing on it but a ``tags`` list on a prompt driver's ``run()``
(``["PromptDriver.run()"]``) and a tool's ``try_run()`` (``["Tool.run()"]``): a structure's
``run()``, ``before_run()``, ``try_run()``, ``after_run()``, a prompt driver's ``run()`` with
its ``try_run()`` inside, a tool's ``try_run()``, all under a root ``main``. Sent through the real
OTel SDK, over OTLP/HTTP protobuf and JSON, to a real receiver with the monitor's enrichers, the
spans ending (and exported, by a batch processor) in the order Griptape ends them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from agenttrace_tui.model import INTERNAL_ATTR, SpanKind
from agenttrace_tui.store.memory import Store
from test_otlp_support import received

APP = "weather-app"
CALL = ("PromptDriver.run()",)
TOOL = ("Tool.run()",)


def _run(tp: TracerProvider) -> None:
    """One ``Agent.run()`` on an Anthropic prompt driver (a class name no word of which says "model
    call"): the call asking for the tool, the tool, the answering call. The structure's
    ``before_run()`` is exported alone, as Griptape's first export of a run often is."""
    tracer = tp.get_tracer(APP)
    with tracer.start_as_current_span("main"), tracer.start_as_current_span("Agent.run()"):
        with tracer.start_as_current_span("Agent.before_run()"):
            pass
        tp.force_flush()
        with tracer.start_as_current_span("Agent.try_run()"):
            for n in range(2):
                with (tracer.start_as_current_span("AnthropicPromptDriver.run()", attributes={"tags": CALL}),
                      tracer.start_as_current_span("AnthropicPromptDriver.try_run()")):
                    pass
                if n == 0:
                    with tracer.start_as_current_span("WeatherTool.try_run()", attributes={"tags": TOOL}):
                        pass
        with tracer.start_as_current_span("Agent.after_run()"):
            pass


async def _received(json_: bool, send: Any = _run, spans: int = 8) -> Store:
    return await received(send, lambda store: store.span_count >= spans, APP, priced=True, json=json_)


def _spans(store: Store) -> list[Any]:
    return [s for e in store.sessions.values() for t in store.traces_of(e.session.id) for s in t.spans.values()]


@pytest.mark.parametrize("json_", [False, True], ids=["protobuf", "json"])
def test_griptapes_spans_name_the_framework_the_agent_its_model_calls_and_its_tool(json_: bool) -> None:
    store = asyncio.run(_received(json_))
    assert [e.session.framework for e in store.sessions.values()] == ["griptape"]
    spans = _spans(store)
    by_name: dict[str, list[Any]] = {}
    for s in spans:
        by_name.setdefault(s.name, []).append(s)
    (agent,) = by_name["Agent.run()"]
    assert agent.kind is SpanKind.AGENT and agent.agent is not None and agent.agent.name == "Agent"
    # The structure's steps are no agents of their own: before and after its run plumbing, its run a task.
    for name in ("Agent.before_run()", "Agent.after_run()"):
        (step,) = by_name[name]
        assert step.kind is SpanKind.CUSTOM and step.attributes.get(INTERNAL_ATTR) is True and step.agent is None
    assert [s.kind for s in by_name["Agent.try_run()"]] == [SpanKind.TASK]
    # One model call per prompt driver run (its attempt inside is the same call), each the agent's.
    calls = [s for s in spans if s.kind is SpanKind.LLM_CALL]
    assert [s.name for s in calls] == ["AnthropicPromptDriver.run()"] * 2
    session = next(iter(store.sessions))
    assert store.sessions[session].totals.llm_calls == 2
    (tool,) = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
    assert tool.name == "WeatherTool.try_run()" and tool.tool is not None and tool.tool.name == "WeatherTool"
    assert [(r.name, r.calls, r.errors) for r in store.tool_costs(session)] == [("WeatherTool", 1, 0)]


def _streamed_pipeline(tp: TracerProvider) -> None:
    """A ``Pipeline`` streamed (``run_stream()``) on an OpenAI prompt driver, streaming its answer."""
    tracer = tp.get_tracer(APP)
    with tracer.start_as_current_span("main"), tracer.start_as_current_span("Pipeline.run_stream()"), \
            tracer.start_as_current_span("Pipeline.run()"), tracer.start_as_current_span("Pipeline.try_run()"), \
            tracer.start_as_current_span("OpenAiChatPromptDriver.run()", attributes={"tags": CALL}), \
            tracer.start_as_current_span("OpenAiChatPromptDriver.try_stream()"):
        pass


def test_a_streamed_structure_is_named_after_its_class_and_its_streamed_request_is_its_one_call() -> None:
    store = asyncio.run(_received(False, _streamed_pipeline, spans=5))
    assert [e.session.framework for e in store.sessions.values()] == ["griptape"]
    spans = {s.name: s for s in _spans(store)}
    for name in ("Pipeline.run_stream()", "Pipeline.run()"):
        assert spans[name].kind is SpanKind.AGENT and spans[name].agent.name == "Pipeline"
    assert [s.name for s in spans.values() if s.kind is SpanKind.LLM_CALL] == ["OpenAiChatPromptDriver.run()"]


def _not_griptape(tp: TracerProvider) -> None:
    """An application's own spans named after methods, not as Griptape's driver names them."""
    tracer = tp.get_tracer(APP)
    with tracer.start_as_current_span("Agent.run"), tracer.start_as_current_span("Checkout.handle()"):
        pass


def test_an_applications_own_method_spans_name_no_framework() -> None:
    store = asyncio.run(_received(False, _not_griptape, spans=2))
    assert [e.session.framework for e in store.sessions.values()] == [None]
    assert all(s.agent is None for s in _spans(store))
