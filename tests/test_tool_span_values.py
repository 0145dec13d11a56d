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
