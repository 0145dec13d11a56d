"""A session's framework stays the one its agent is written in while the framework below it reports
too: OpenLIT names ``langchain`` on a LangGraph run's LangChain spans and log records, ``langgraph``
on its LangGraph spans, and the reports of one turn arrive in any order."""

from __future__ import annotations

import asyncio

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from agenttrace_tui.model import Session
from agenttrace_tui.normalize import conventions as cv
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.merge import merge_session
from test_otlp_support import received


@pytest.mark.parametrize("order", [("langgraph", "langchain"), ("langchain", "langgraph")])
def test_the_framework_below_never_replaces_the_one_built_on_it(order: tuple[str, str]) -> None:
    first, second = (Session(id="s", framework=f) for f in order)
    assert merge_session(first, second).framework == "langgraph"
    # And reports flipping back and forth through a turn keep it.
    merged = first
    for f in (*order, *order, "langchain"):
        merged = merge_session(merged, Session(id="s", framework=f))
        if "langgraph" in (merged.framework, f):
            assert merged.framework == "langgraph"


def test_the_store_keeps_the_framework_built_on_the_other() -> None:
    st = Store()
    st.apply([Session(id="s", framework="langgraph")])
    st.apply([Session(id="s", framework="langchain")])
    assert st.sessions["s"].session.framework == "langgraph"


def test_frameworks_not_built_on_each_other_still_follow_the_newest_report() -> None:
    assert merge_session(Session(id="s", framework="langchain"), Session(id="s", framework="crewai")).framework == "crewai"
    assert merge_session(Session(id="s", framework="langchain"), Session(id="s")).framework == "langchain"
    assert not cv.built_on("langchain", "langgraph")
    assert cv.built_on("langgraph", "langchain")


def test_every_framework_built_on_another_is_one_a_hint_names() -> None:
    """The table speaks of the names the hints give (a misspelt one would never match)."""
    named = {f for _fragment, f in cv.FRAMEWORK_HINTS}
    assert set(cv.FRAMEWORK_BUILT_ON) | set(cv.FRAMEWORK_BUILT_ON.values()) <= named


def _langgraph_turn(tp: TracerProvider) -> None:
    """As OpenLIT reports a LangGraph agent (without its httpx instrumentation): the graph built,
    then a turn whose LangChain chat span is exported first, its LangGraph workflow span after."""
    graph = tp.get_tracer("openlit.instrumentation.langgraph")
    chain = tp.get_tracer("openlit.instrumentation.langchain")
    graph.start_span("create_agent default", attributes={"gen_ai.operation.name": "create_agent"}).end()
    tp.force_flush()
    workflow = graph.start_span("invoke_workflow LangGraph", attributes={"gen_ai.operation.name": "invoke_workflow"})
    with trace.use_span(workflow, end_on_exit=False):
        chain.start_span("chat gpt-4o-mini", attributes={
            "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 2}).end()
    tp.force_flush()
    workflow.end()


def test_a_langgraph_session_stays_langgraph_when_a_turn_starts_with_langchain_spans() -> None:
    store = asyncio.run(received(_langgraph_turn, lambda st: st.span_count >= 3, service="weather-agent"))
    assert [e.session.framework for e in store.sessions.values()] == ["langgraph"]
