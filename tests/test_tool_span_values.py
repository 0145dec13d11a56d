"""A tool span's input and output previews are its call's arguments and result, before any messages on it.

OpenInference's Strands span processor (``openinference-instrumentation-strands-agents``)
rewrites Strands' ``execute_tool`` span with ``input.value``/``output.value`` (the
arguments and the result) and also ``llm.input_messages.*``: the assistant message
that asked for the call, which names the tool but not its arguments
(``tests/clients/fixtures/strands_openinference``).
"""

from __future__ import annotations

from agenttrace_tui.ingest.otlp_decode import build_span
from agenttrace_tui.model import SpanKind
from agenttrace_tui.normalize import conventions as cv

ASKED = {
    "llm.input_messages.0.message.role": "assistant",
    "llm.input_messages.0.message.content": "",
    "llm.input_messages.0.message.tool_calls.0.tool_call.id": "call_1",
    "llm.input_messages.0.message.tool_calls.0.tool_call.function.name": "get_weather",
    "llm.input_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"city": "Paris"}',
}


def span(attrs: dict, name: str):
    return build_span("ab" * 16, "cd" * 8, None, name, 1_000, 2_000, dict(attrs), [], (), 0, "", "s")


def test_a_tool_spans_values_are_its_previews_beside_messages() -> None:
    s = span({cv.OPERATION_KEY: "execute_tool", cv.OPENINFERENCE_KEY: "TOOL", "gen_ai.tool.name": "get_weather",
              **ASKED, "input.value": '{"city": "Paris"}', "output.value": "Sunny, 22 C in Paris"},
             "execute_tool get_weather")
    assert s.kind is SpanKind.TOOL_EXECUTION and s.tool is not None
    assert s.tool.input_preview == '{"city": "Paris"}'
    assert s.tool.output_preview == "Sunny, 22 C in Paris"
    # The messages said nothing the preview lacks, but they are the sender's: kept as attributes.
    assert s.attributes["llm.input_messages.0.message.tool_calls.0.tool_call.function.name"] == "get_weather"


def test_a_tool_spans_messages_are_its_preview_without_values() -> None:
    s = span({cv.OPENINFERENCE_KEY: "TOOL", "tool.name": "get_weather", **ASKED}, "get_weather")
    # (A flattened tool call reads as GenAI messages render one: with its arguments.)
    assert s.tool is not None and s.tool.input_preview == 'assistant: [tool_call get_weather({"city": "Paris"})]'


def test_a_model_calls_messages_still_come_before_its_values() -> None:
    s = span({cv.OPENINFERENCE_KEY: "LLM", "llm.model_name": "gpt-4o-mini",
              "llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": "Paris?",
              "input.value": '{"messages": [{"role": "user", "content": "Paris?"}]}'}, "chat")
    assert s.llm is not None and s.llm.prompt_preview == "user: Paris?"


#: Claude Code's span of an MCP server's tool call (the traces beta), as 2.1.332 sends it.
CLAUDE_TOOL = {"span.type": "tool", "tool_name": "mcp__weather__get_weather", "gen_ai.operation.name": "execute_tool",
               "gen_ai.tool.name": "get_weather", "anthropic.mcp.server.name": "weather",
               "tool_use_id": "toolu_1", "gen_ai.tool.call.id": "toolu_1", "duration_ms": 55}
#: The event ``OTEL_LOG_TOOL_CONTENT=1`` adds to it: the result the model is given.
TOOL_OUTPUT = ("tool.output", 1_500, {"output": '{"result":"Sunny, 22 C in Paris"}'})


def test_claude_codes_tool_output_event_is_its_tool_calls_result() -> None:
    s = build_span("ab" * 16, "cd" * 8, None, "claude_code.tool", 1_000, 2_000, dict(CLAUDE_TOOL),
                   [(TOOL_OUTPUT[0], TOOL_OUTPUT[1], dict(TOOL_OUTPUT[2]))], (), 0, "", "s", "claude-code")
    assert s.kind is SpanKind.TOOL_EXECUTION and s.tool is not None
    assert (s.tool.name, s.tool.call_id) == ("mcp__weather__get_weather", "toolu_1")
    assert s.tool.output_preview == '{"result":"Sunny, 22 C in Paris"}'
    assert [e.name for e in s.events] == ["tool.output"]  # the event kept as sent


def test_a_tool_output_event_of_another_sender_is_not_read_as_its_result() -> None:
    # Only a client known to send its tool's result so: another sender's event of that name says nothing of it.
    s = build_span("ab" * 16, "cd" * 8, None, "execute_tool get_weather", 1_000, 2_000,
                   {cv.OPERATION_KEY: "execute_tool", "gen_ai.tool.name": "get_weather"},
                   [(TOOL_OUTPUT[0], TOOL_OUTPUT[1], dict(TOOL_OUTPUT[2]))], (), 0, "", "s")
    assert s.kind is SpanKind.TOOL_EXECUTION and s.tool is not None and s.tool.output_preview is None
