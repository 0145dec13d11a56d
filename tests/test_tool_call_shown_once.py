"""An answer's tool call is shown once in its preview, even when the client sends it twice in one
message (OpenInference's Anthropic instrumentation: as the message's tool call and as its tool_use
content block)."""

from __future__ import annotations

from agenttrace_tui.ingest.otlp_decode import build_span

ARGS = '{"city": "Paris"}'
OUT = "llm.output_messages.0.message."


def span(attrs: dict):
    return build_span("ab" * 16, "cd" * 8, None, "Messages", 1_000, 2_000, dict(attrs), [], (), 0, "", "s", None)


def test_the_same_call_sent_as_tool_call_and_content_block_is_shown_once() -> None:
    """As OpenInference's Anthropic instrumentation sends it: one call, under two keys."""
    llm = span({"llm.model_name": "claude-sonnet-4-5", OUT + "role": "assistant",
                OUT + "tool_calls.0.tool_call.id": "toolu_1",
                OUT + "tool_calls.0.tool_call.function.name": "get_weather",
                OUT + "tool_calls.0.tool_call.function.arguments": ARGS,
                OUT + "contents.0.message_content.type": "tool_use",
                OUT + "contents.0.tool_call.id": "toolu_1",
                OUT + "contents.0.tool_call.function.name": "get_weather",
                OUT + "contents.0.tool_call.function.arguments": ARGS})
    assert llm.llm.response_preview == 'assistant: [tool_call get_weather({"city": "Paris"})]'


def test_the_same_call_without_ids_is_shown_once() -> None:
    """Without ids, the same name and arguments twice in one message are the one call."""
    llm = span({"llm.model_name": "claude-sonnet-4-5", OUT + "role": "assistant",
                OUT + "tool_calls.0.tool_call.function.name": "get_weather",
                OUT + "tool_calls.0.tool_call.function.arguments": ARGS,
                OUT + "contents.0.tool_call.function.name": "get_weather",
                OUT + "contents.0.tool_call.function.arguments": ARGS})
    assert llm.llm.response_preview == 'assistant: [tool_call get_weather({"city": "Paris"})]'


def test_two_calls_with_their_own_ids_stay_two() -> None:
    """The model asking the same thing twice (two ids) made two calls: both are shown."""
    llm = span({"llm.model_name": "claude-sonnet-4-5", OUT + "role": "assistant",
                OUT + "tool_calls.0.tool_call.id": "toolu_1",
                OUT + "tool_calls.0.tool_call.function.name": "get_weather",
                OUT + "tool_calls.0.tool_call.function.arguments": ARGS,
                OUT + "tool_calls.1.tool_call.id": "toolu_2",
                OUT + "tool_calls.1.tool_call.function.name": "get_weather",
                OUT + "tool_calls.1.tool_call.function.arguments": ARGS})
    assert llm.llm.response_preview == ('assistant: [tool_call get_weather({"city": "Paris"})] '
                                        '[tool_call get_weather({"city": "Paris"})]')
