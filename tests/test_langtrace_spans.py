"""Langtrace's Python SDK (``langtrace-python-sdk``): its OpenAI instrumentation's chat span counts the
cached tokens under its own key and carries the messages as two span events holding JSON lists; its
scopes name the session ``langtrace`` unless one of them names an agent framework it instruments."""

from __future__ import annotations

import json

import pytest

from agenttrace_tui.ingest.otlp_decode import ResourceInfo, build_span
from agenttrace_tui.model import SpanKind
from agenttrace_tui.normalize import conventions as cv

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
