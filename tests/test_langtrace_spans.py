"""Langtrace's Python SDK (``langtrace-python-sdk``): its OpenAI instrumentation's chat span counts the
cached tokens under its own key and carries the messages as two span events holding JSON lists; its
scopes name the session ``langtrace`` unless one of them names an agent framework it instruments; its
langchain-core instrumentation traces every method of a chat model, one model call through four spans."""

from __future__ import annotations

import json

import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from agenttrace_tui.ingest.otlp_decode import Rejects, ResourceInfo, build_span, convert_traces, parse
from agenttrace_tui.model import SpanKind
from agenttrace_tui.normalize import conventions as cv
from agenttrace_tui.store.memory import Store
from otlp_values import kv

SCOPE = "langtrace_python_sdk.instrumentation.openai.instrumentation"
#: A chat span's attributes as langtrace-python-sdk 3.8 sends them (its OpenAI instrumentation).
CHAT = {"langtrace.sdk.name": "langtrace-python-sdk", "langtrace.service.name": "OpenAI",
        "gen_ai.operation.name": "chat", "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 1234, "gen_ai.usage.output_tokens": 56,
        "gen_ai.usage.total_tokens": 1290, "gen_ai.usage.cached_tokens": 200}
SYSTEM = {"role": "system", "content": "Answer weather questions with the get_weather tool."}
USER = {"role": "user", "content": "What is the weather in Paris?"}
CALL = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}


def chat_span(prompt: list, completion: list):
    events = [("gen_ai.content.prompt", 1_100, {"gen_ai.prompt": json.dumps(prompt)}),
              ("gen_ai.content.completion", 1_900, {"gen_ai.completion": json.dumps(completion)})]
    return build_span("ab" * 16, "cd" * 8, None, "openai.chat.completions.create", 1_000, 2_000, dict(CHAT), events,
                      (), 0, "", "s", "langtrace")


def test_the_chat_span_counts_the_cached_tokens_inside_input() -> None:
    """``gen_ai.usage.cached_tokens`` is the OpenAI usage's ``prompt_tokens_details.cached_tokens``, which
    ``gen_ai.usage.input_tokens`` (``prompt_tokens``) counts in: priced at the cached rate, not as plain input."""
    span = chat_span([SYSTEM, USER], [{"role": "assistant", "content": "Sunny."}])
    assert span.kind is SpanKind.LLM_CALL
    assert span.usage is not None
    assert (span.usage.input, span.usage.output, span.usage.cache_read) == (1234, 56, 200)


def test_the_message_events_are_the_previews_each_message_naming_its_role() -> None:
    """``gen_ai.content.prompt`` holds the whole request (each message its own role), not one message of a
    role named by the event; a tool-call answer's content is the list of its OpenAI tool calls."""
    span = chat_span([SYSTEM, USER], [{"role": "assistant", "content": [CALL]}])
    assert span.llm.prompt_preview == f"system: {SYSTEM['content']}\nuser: {USER['content']}"
    assert span.llm.response_preview == 'assistant: [tool_call get_weather({"city": "Paris"})]'


@pytest.mark.parametrize(("calls", "line"), [
    ([CALL], 'assistant: [tool_call get_weather({"city": "Paris"})]\n'),
    # The calls of an assistant message handed back as a dict, read as attributes: nothing to show.
    ([{"id": "", "type": ""}], ""),
])
def test_an_assistants_tool_calls_in_the_prompt_read_as_its_message(calls: list, line: str) -> None:
    """Langtrace puts an assistant message's ``tool_calls`` into the prompt list in the message's place."""
    tool = {"role": "tool", "tool_call_id": "call_1", "content": "Sunny, 22 C in Paris"}
    span = chat_span([SYSTEM, USER, calls, tool], [{"role": "assistant", "content": "Sunny."}])
    assert span.llm.prompt_preview == (f"system: {SYSTEM['content']}\nuser: {USER['content']}\n{line}"
                                       "tool: Sunny, 22 C in Paris")


def test_langtrace_names_the_session_unless_an_agent_framework_it_instruments_does() -> None:
    """Its root span's scope and its OpenAI instrumentation's name Langtrace; its LangGraph instrumentation's
    names LangGraph, whichever scope an export lists first."""
    root, graph = "langtrace_python_sdk.utils.with_root_span", "langtrace_python_sdk.instrumentation.langgraph.instrumentation"
    assert cv.framework_hint(SCOPE, {"service.name": "weather-agent"}) == "langtrace"
    assert ResourceInfo({"service.name": "weather-agent"}, cv.resource_scope([SCOPE, root])).framework == "langtrace"
    for scopes in ([SCOPE, graph], [graph, SCOPE]):
        assert ResourceInfo({"service.name": "weather-agent"}, cv.resource_scope(scopes)).framework == "langgraph"


LC = "langtrace_python_sdk.instrumentation.langchain_core.instrumentation"
GRAPH = "langtrace_python_sdk.instrumentation.langgraph.instrumentation"
ROOT = "langtrace_python_sdk.utils.with_root_span"
MODEL = {"gen_ai.request.model": "gpt-4o-mini", "langtrace.service.name": "Langchain Core"}
ANSWER = json.dumps({"type": "ai", "response_metadata": {"model_name": "gpt-4o-mini", "finish_reason": "tool_calls"},
                     "tool_calls": [{"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1", "type": "tool_call"}]})


def _export(scope: str, span_id: int, parent: int | None, name: str, attrs: dict, events: tuple = (),
            depth: int = 0) -> bytes:
    """One span ``depth`` below the root in an export of its own (``batch=False``), as the SDK sends it when
    the span ends."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.extend([kv("service.name", "weather-agent"), kv("service.instance.id", "i-1")])
    ss = rs.scope_spans.add()
    ss.scope.name = scope
    sp = ss.spans.add(trace_id=(7).to_bytes(16, "big"), span_id=span_id.to_bytes(8, "big"), name=name,
                      start_time_unix_nano=1_000 + 10 * depth, end_time_unix_nano=2_000 - 10 * depth)
    if parent is not None:
        sp.parent_span_id = parent.to_bytes(8, "big")
    sp.attributes.extend(kv(k, v) for k, v in attrs.items())
    for ev_name, ev_attrs in events:
        sp.events.add(name=ev_name, time_unix_nano=1_500).attributes.extend(kv(k, v) for k, v in ev_attrs.items())
    return req.SerializeToString()


def test_a_langgraph_runs_model_call_is_one_call_and_the_session_names_langgraph() -> None:
    """Langtrace's langchain-core instrumentation traces every public method of the chat model: ``invoke``
    (LangChain's usage, its answer) around ``generate_prompt`` around ``generate`` around the OpenAI SDK's
    span (the prompt; no usage: ChatOpenAI reads the raw response), and beside it ``asdict``, which runs no
    model. One call, counted once with the prompt and the answer; the session the root span names, ending
    last, is LangGraph's, which its instrumentation's spans named before the root's export arrived."""
    prompt = {"gen_ai.prompt": json.dumps([SYSTEM, USER])}
    exports = [
        _export(GRAPH, 2, 1, "langgraph.graph.state.StateGraph.add_node", {"langtrace.service.name": "Langgraph"},
                depth=1),
        _export(LC, 3, 6, "BaseChatModel.asdict", {**MODEL, "langchain.outputs": '{"model_name": "gpt-4o-mini"}'},
                depth=4),
        _export(SCOPE, 4, 6, "openai.chat.completions.create",
                {k: v for k, v in CHAT.items() if "usage" not in k and k != "gen_ai.response.model"},
                (("gen_ai.content.prompt", prompt),), depth=4),
        _export(LC, 6, 7, "BaseChatModel.generate", MODEL, depth=3),
        _export(LC, 7, 8, "BaseChatModel.generate_prompt", MODEL, depth=2),
        _export(LC, 8, 1, "BaseChatModel.invoke", {**MODEL, "gen_ai.usage.input_tokens": 1234,
                                                   "gen_ai.usage.output_tokens": 56, "langchain.outputs": ANSWER},
                depth=1),
        _export(ROOT, 1, None, "weather_agent", {"session.id": "weather-ok"}),
    ]
    store = Store()
    for body in exports:
        store.apply(u for c in convert_traces(parse("traces", body, False), False, Rejects(), lambda t: None)
                    for u in c)
    assert list(store.sessions) == ["weather-ok"]
    assert store.sessions["weather-ok"].session.framework == "langgraph"
    trace = store.trace((7).to_bytes(16, "big").hex())
    assert trace is not None
    totals = trace.totals
    assert (totals.llm_calls, totals.input_tokens, totals.output_tokens) == (1, 1234, 56)
    calls = [s for s in trace.spans.values() if s.kind is SpanKind.LLM_CALL and s.usage is not None]
    assert [(s.name, s.llm.prompt_preview, s.llm.response_preview) for s in calls] == [
        ("BaseChatModel.invoke", f"system: {SYSTEM['content']}\nuser: {USER['content']}",
         'assistant: [tool_call get_weather({"city":"Paris"})]')]
    assert trace.spans[(3).to_bytes(8, "big").hex()].kind is not SpanKind.LLM_CALL  # asdict: no model run


def test_langtraces_spans_are_read_as_langtraces_whatever_framework_their_resource_names() -> None:
    assert cv.span_client("langgraph", LC) == cv.span_client("crewai", SCOPE) == "langtrace"
    assert cv.span_client("langgraph", "openinference.instrumentation.langchain") == "langgraph"
