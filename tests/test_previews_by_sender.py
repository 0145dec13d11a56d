"""Previews a user reads in the span detail, whichever convention or client sent the text:
a tool call's arguments in flattened message lists."""

from __future__ import annotations

import json

from agenttrace_tui.ingest.otlp_decode import build_span


def span(attrs: dict, name: str = "op", events=(), client: str | None = None):
    return build_span("ab" * 16, "cd" * 8, None, name, 1_000, 2_000, dict(attrs), list(events), (), 0, "", "s", client)


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
