"""Burr's OpenTelemetry bridge, as its spans arrive: the application's run and its actions, named by the user.

Burr's ``OpenTelemetryBridge`` (a lifecycle hook of an ``Application``) traces on the tracer
``burr.integrations.opentelemetry`` a span of the application's call (``run``, ``step`` ...) and,
inside it, one of each action it runs, named after the action, with nothing on them; the model calls
inside an action are the spans of an LLM instrumentation (OpenLLMetry's OpenAI one, which Burr's
``init_instruments("openai")`` turns on). The actions here are named as Burr's tool-calling example
names them: ``select_tool`` calls the model offering a tool, the tool's action is named after the
tool, ``format_results`` calls the model again. Sent through the real OTel SDK, over OTLP/HTTP
protobuf and JSON, to a real receiver with the monitor's enrichers.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Status, StatusCode

from agenttrace_tui.model import SpanKind
from agenttrace_tui.model import Status as SpanStatus
from agenttrace_tui.store.memory import Store
from test_otlp_support import received

BURR = "burr.integrations.opentelemetry"
OPENAI = "opentelemetry.instrumentation.openai.v1"


def _call(tp: TracerProvider, usage: tuple[int, int] | None) -> None:
    """OpenLLMetry's span of one chat completion (its usage, or refused: None)."""
    attributes: dict[str, Any] = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
                                  "gen_ai.request.model": "gpt-4o-mini"}
    if usage is not None:
        attributes |= {"gen_ai.response.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": usage[0],
                       "gen_ai.usage.output_tokens": usage[1]}
    with tp.get_tracer(OPENAI).start_as_current_span("openai.chat", attributes=attributes) as span:
        if usage is None:
            span.set_status(Status(StatusCode.ERROR, "Error code: 400"))


def _run(tp: TracerProvider) -> None:
    tracer = tp.get_tracer(BURR)
    with tracer.start_as_current_span("run"):
        with tracer.start_as_current_span("select_tool"):
            _call(tp, (1234, 56))
        with tracer.start_as_current_span("get_weather"):
            pass
        with tracer.start_as_current_span("format_results"):
            _call(tp, (1400, 78))


def _refused(tp: TracerProvider) -> None:
    tracer = tp.get_tracer(BURR)
    with tracer.start_as_current_span("run"), tracer.start_as_current_span("select_tool") as action:
        _call(tp, None)
        action.set_status(Status(StatusCode.ERROR, "Error code: 400"))


async def _received(json_: bool, send: Any, spans: int) -> Store:
    return await received(send, lambda store: store.span_count >= spans, "weather-app", priced=True, json=json_)


def _spans(store: Store) -> dict[str, list[Any]]:
    by_name: dict[str, list[Any]] = {}
    for e in store.sessions.values():
        for t in store.traces_of(e.session.id):
            for s in t.spans.values():
                by_name.setdefault(s.name, []).append(s)
    return by_name


@pytest.mark.parametrize("json_", [False, True], ids=["protobuf", "json"])
def test_burrs_run_and_actions_are_the_frameworks_steps_and_its_model_calls_each_one_call(json_: bool) -> None:
    store = asyncio.run(_received(json_, _run, spans=6))
    assert [e.session.framework for e in store.sessions.values()] == ["burr"]
    spans = _spans(store)
    # The application's run and each action are steps, whatever the user named them: select_tool is no
    # tool call, and an action named after a tool says nothing of being one.
    assert {name: [s.kind for s in got] for name, got in spans.items() if name != "openai.chat"} == {
        "run": [SpanKind.TASK], "select_tool": [SpanKind.TASK], "get_weather": [SpanKind.TASK],
        "format_results": [SpanKind.TASK]}
    assert all(s.tool is None and s.agent is None for got in spans.values() for s in got)
    assert [s.kind for s in spans["openai.chat"]] == [SpanKind.LLM_CALL] * 2
    session = next(iter(store.sessions))
    totals = store.sessions[session].totals
    assert (totals.llm_calls, totals.input_tokens, totals.output_tokens) == (2, 2634, 134)
    assert store.tool_costs(session) == []


def test_a_refused_call_is_one_failed_call_in_a_failed_step() -> None:
    store = asyncio.run(_received(False, _refused, spans=3))
    spans = _spans(store)
    (action,) = spans["select_tool"]
    assert action.kind is SpanKind.TASK and action.status is SpanStatus.ERROR
    (call,) = spans["openai.chat"]
    assert call.kind is SpanKind.LLM_CALL and call.status is SpanStatus.ERROR
    assert [s.kind for s in spans["run"]] == [SpanKind.TASK]


def _not_burr(tp: TracerProvider) -> None:
    """An application's own tracer whose name merely starts as Burr's does: its spans keep their guess."""
    tracer = tp.get_tracer("burrow-app")
    with tracer.start_as_current_span("select_tool"):
        pass


def test_a_tracer_named_otherwise_is_not_burrs() -> None:
    store = asyncio.run(_received(False, _not_burr, spans=1))
    assert [e.session.framework for e in store.sessions.values()] == [None]
    assert [s.kind for s in _spans(store)["select_tool"]] == [SpanKind.TOOL_EXECUTION]
