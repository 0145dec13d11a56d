"""Previews a user reads in the span detail, whichever convention or client sent the text:
a tool's arguments on Strands' tool span, a tool call's arguments in flattened message lists,
VoltAgent's own input and output keys."""

from __future__ import annotations

import json

import pytest

from agenttrace_tui.ingest.otlp_decode import build_span
from agenttrace_tui.model import SpanKind
from agenttrace_tui.normalize import conventions as cv


def span(attrs: dict, name: str = "op", events=(), client: str | None = None):
    return build_span("ab" * 16, "cd" * 8, None, name, 1_000, 2_000, dict(attrs), list(events), (), 0, "", "s", client)


def test_strands_tool_span_shows_the_arguments_of_its_tool_message_event() -> None:
    """Strands' tool span carries the call's arguments only as the content of its ``gen_ai.tool.message``
    event (an object, not a message) and the result as its ``gen_ai.choice``: both are the previews."""
    tool = span({cv.OPERATION_KEY: "execute_tool", "gen_ai.tool.name": "get_weather", "gen_ai.tool.call.id": "c1"},
                name="execute_tool get_weather", client="strands", events=[
                    ("gen_ai.tool.message", 1_100, {"role": "tool", "content": '{"city": "Paris"}', "id": "c1"}),
                    ("gen_ai.choice", 1_900, {"message": '[{"text": "Sunny, 22 C in Paris"}]', "id": "c1"})])
    assert tool.kind is SpanKind.TOOL_EXECUTION
    assert (tool.tool.input_preview, tool.tool.output_preview) == ('{"city": "Paris"}', "Sunny, 22 C in Paris")


@pytest.mark.parametrize("args", [
    # A Strands swarm's handoff tool, a tool writing a file, one naming a role: fields a message has too.
    '{"agent_name": "weather_agent", "message": "The user asks for the weather in Paris."}',
    '{"path": "notes.txt", "content": "Sunny"}',
    '{"role": "reviewer", "text": "Looks good", "type": "comment"}',
])
def test_strands_tool_span_shows_arguments_named_as_a_messages_fields(args: str) -> None:
    """A tool's arguments are shown as sent whatever their fields are named: the event's own attributes
    (role, content, id) are the message, its content the arguments (they were read as a message: the
    handoff_to_agent call of a Strands swarm showed no arguments at all)."""
    tool = span({cv.OPERATION_KEY: "execute_tool", "gen_ai.tool.name": "handoff_to_agent", "gen_ai.tool.call.id": "c1"},
                name="execute_tool handoff_to_agent", client="strands", events=[
                    ("gen_ai.tool.message", 1_100, {"role": "tool", "content": args, "id": "c1"}),
                    ("gen_ai.choice", 1_900, {"message": '[{"text": "Handing off to weather_agent"}]', "id": "c1"})])
    assert (tool.tool.input_preview, tool.tool.output_preview) == (args, "Handing off to weather_agent")
    # A call without arguments has none to show.
    assert cv.message_event_text("gen_ai.tool.message", {"role": "tool", "content": "{}", "id": "c1"}) == ("prompt", "")


@pytest.mark.parametrize("body", ['{"id": "c1"}', '{"index": 0, "finish_reason": "stop"}', "{}"])
def test_a_message_event_without_content_stays_empty(body: str) -> None:
    """An instrumentation recording no content keeps only a message's bookkeeping: that is no value to show."""
    assert cv.message_event_text("gen_ai.tool.message", {"gen_ai.event.content": body}) == ("prompt", "")


def test_a_flattened_tool_call_reads_as_the_same_call_in_genai_messages() -> None:
    """OpenInference's flattened tool call (name and arguments apart) reads as GenAI's JSON tool_call part."""
    args = '{"city":"Paris"}'
    flat = span({"llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": "Paris?",
                 "llm.input_messages.1.message.role": "assistant",
                 "llm.input_messages.1.message.tool_calls.0.tool_call.function.name": "get_weather",
                 "llm.input_messages.1.message.tool_calls.0.tool_call.function.arguments": args,
                 "llm.output_messages.0.message.role": "assistant",
                 "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "get_weather",
                 "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": args,
                 "llm.output_messages.0.message.tool_calls.1.tool_call.function.name": "get_time"}, name="chat")
    call = {"role": "assistant", "parts": [{"type": "tool_call", "name": "get_weather", "arguments": args}]}
    genai = span({"gen_ai.input.messages": json.dumps([{"role": "user", "parts": [{"type": "text", "content": "Paris?"}]},
                                                       call]),
                  "gen_ai.output.messages": json.dumps([call])}, name="chat")
    assert flat.llm.prompt_preview == genai.llm.prompt_preview == (
        'user: Paris?\nassistant: [tool_call get_weather({"city":"Paris"})]')
    # A call sent without arguments is named alone (not as a call without any).
    assert flat.llm.response_preview == 'assistant: [tool_call get_weather({"city":"Paris"})] [tool_call get_time]'
    assert genai.llm.response_preview == 'assistant: [tool_call get_weather({"city":"Paris"})]'


VOLTAGENT = {"entity.type": "agent", "entity.name": "weather-agent"}


def test_voltagent_input_and_output_are_previews() -> None:
    """VoltAgent's tool span holds the arguments and result as ``input``/``output``, its llm span the
    prompt as ``llm.messages``, its agent span the turn's question and answer as ``input``/``output``."""
    tool = span({**VOLTAGENT, "span.type": "tool", "tool.name": "get_weather", "tool.call.id": "c1",
                 "input": '{"city":"Paris"}', "output": "Sunny"}, name="tool.execution:get_weather", client="voltagent")
    assert tool.kind is SpanKind.TOOL_EXECUTION
    assert (tool.tool.input_preview, tool.tool.output_preview) == ('{"city":"Paris"}', "Sunny")
    assert "input" not in tool.attributes and "output" not in tool.attributes
    messages = [{"role": "system", "content": "Use tools."}, {"role": "user", "content": [{"type": "text", "text": "Paris?"}]}]
    llm = span({**VOLTAGENT, "span.type": "llm", "llm.model": "gpt-4o-mini", "llm.usage.prompt_tokens": 10,
                "llm.messages": json.dumps(messages)}, name="llm:generateText", client="voltagent")
    assert llm.kind is SpanKind.LLM_CALL
    assert (llm.llm.prompt_preview, llm.llm.response_preview) == ("system: Use tools.\nuser: Paris?", None)
    agent = span({**VOLTAGENT, "agent.state": "completed", "input": "Paris?", "output": "Sunny in Paris."},
                 name="weather-agent", client="voltagent")
    assert agent.kind is SpanKind.AGENT
    assert (agent.attributes["input.value"], agent.attributes["output.value"]) == ("Paris?", "Sunny in Paris.")


@pytest.mark.parametrize("client", [None, "langchain"])
def test_bare_input_and_output_of_another_sender_are_left_as_sent(client: str | None) -> None:
    """Bare ``input``/``output`` keys are VoltAgent's previews only: on another sender's span they stay attributes."""
    tool = span({"tool.name": "get_weather", "input": "x", "output": "y", "llm.messages": "[]"},
                name="get_weather", client=client)
    assert tool.kind is SpanKind.TOOL_EXECUTION and tool.tool.input_preview is None and tool.tool.output_preview is None
    assert (tool.attributes["input"], tool.attributes["output"], tool.attributes["llm.messages"]) == ("x", "y", "[]")
