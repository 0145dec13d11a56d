"""A tool's result sent in a conversation as an object of text parts is shown as their text.

The AI SDK's ``@ai-sdk/otel`` sends a tool's result in ``gen_ai.input.messages`` (the next model call's
``tool_call_response`` part) as the model output the SDK made of it: a text or JSON output as its value,
but the output of a tool that answers in parts, as every tool of the AI SDK's MCP client does, as the
whole ``{"type": "content", "value": [{"type": "text", "text": …}]}``. Its agent span's answer
(``gen_ai.output.messages`` of ``invoke_agent``) holds the tool's own result, an MCP tool's the
``tools/call`` result (``{"content": [...], "structuredContent": …, "isError": false}``). Both were
shown as their JSON in the prompt and answer; they are now the parts' text. The Cline CLI sends an MCP
tool's ``tools/call`` result as its JSON, a string: shown as its parts' text too, as a tool call's result
is (``tool_preview``). Any other object (a part that is not text, more than those keys) is shown as sent. Checked on whole OTLP spans, built by the
general path and by the key set's recipes (compiled or not), which must agree.
"""

from __future__ import annotations

import json

import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from agenttrace_tui.model import SpanKind
from otlp_values import kv as otlp_kv
from test_provider_by_host import _all_paths

ASKED = {"role": "assistant", "parts": [{"type": "tool_call", "id": "call_1", "name": "get_weather",
                                         "arguments": {"city": "Paris"}}]}


def _request(responses: list[object], repeat: int = 3) -> bytes:
    """``chat gpt-4o-mini`` spans as ``@ai-sdk/otel`` sends them, one per tool result, ``repeat`` times."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    ss.scope.name = "gen_ai"
    n = 0
    for _ in range(repeat):
        for response in responses:
            n += 1
            sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=n.to_bytes(8, "big"),
                              name="chat gpt-4o-mini", start_time_unix_nano=10, end_time_unix_nano=20)
            messages = [{"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}, ASKED,
                        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1",
                                                    "response": response}]}]
            attrs = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
                     "gen_ai.request.model": "gpt-4o-mini", "gen_ai.input.messages": json.dumps(messages),
                     "gen_ai.usage.input_tokens": 1400, "gen_ai.usage.output_tokens": 78}
            sp.attributes.extend(otlp_kv(k, v) for k, v in attrs.items())
    return req.SerializeToString()


def _tool_line(span: object) -> str:
    assert span.kind is SpanKind.LLM_CALL and span.llm is not None  # type: ignore[attr-defined]
    return span.llm.prompt_preview.splitlines()[-1]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("response", "shown"), [
    # The AI SDK's model output of an MCP tool (its MCP client's toModelOutput).
    ({"type": "content", "value": [{"type": "text", "text": "Sunny, 22 C in Paris"}]}, "Sunny, 22 C in Paris"),
    ({"type": "content", "value": [{"type": "text", "text": "Sunny"}, {"type": "text", "text": "22 C"}]},
     "Sunny\n22 C"),
    # An MCP tools/call result.
    ({"content": [{"type": "text", "text": "Sunny, 22 C in Paris"}],
      "structuredContent": {"result": "Sunny, 22 C in Paris"}, "isError": False}, "Sunny, 22 C in Paris"),
    ("Sunny, 22 C in Paris", "Sunny, 22 C in Paris"),  # a text output: its value, as before
    # An MCP tools/call result sent as its JSON (the Cline CLI's result of an MCP server's tool), as a tool
    # call's result of it is shown.
    (json.dumps({"content": [{"text": "Sunny, 22 C in Paris", "type": "text"}], "isError": False,
                 "structuredContent": {"result": "Sunny, 22 C in Paris"}}, separators=(",", ":")),
     "Sunny, 22 C in Paris"),
    ('[{"type":"text","text":"Sunny"},{"type":"text","text":"22 C"}]', "Sunny\n22 C"),  # text blocks as JSON
    ('{"content":[{"type":"text","text":"Sunny"}],"source":"cache"}',  # more than an MCP result holds: as sent
     '{"content":[{"type":"text","text":"Sunny"}],"source":"cache"}'),
    ('{"content": not json', '{"content": not json'),  # not JSON: as sent
])
def test_a_result_of_text_parts_shows_their_text(monkeypatch: pytest.MonkeyPatch, response: object,
                                                 shown: str) -> None:
    for span in _all_paths(monkeypatch, _request([response])):
        assert span.llm.prompt_preview.endswith(f"tool: [tool result {shown}]")


@pytest.mark.parametrize("response", [
    {"type": "content", "value": [{"type": "file", "mediaType": "image/png", "data": "AAAA"}]},  # not text
    {"type": "content", "value": [{"type": "text", "text": "Sunny"}], "extra": 1},  # more than an output holds
    {"type": "json", "value": [{"type": "text", "text": "Sunny"}]},  # another kind of output
    {"type": "content", "value": "Sunny"},  # not parts
    {"content": [{"type": "text", "text": "Sunny"}]},  # its content alone: no more an MCP result than an envelope
    {"content": [{"type": "text", "text": "Sunny"}], "source": "cache"},  # more than an MCP result holds
])
def test_any_other_result_object_is_shown_as_sent(monkeypatch: pytest.MonkeyPatch, response: object) -> None:
    for span in _all_paths(monkeypatch, _request([response])):
        assert _tool_line(span) == "tool: [tool result " + json.dumps(response, separators=(",", ":")) + "]"


def test_spans_of_one_key_set_each_get_their_own_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """One recipe serves spans alike but for their messages: each is read on its own."""
    responses = [{"type": "content", "value": [{"type": "text", "text": "Sunny"}]}, {"type": "content", "value": "x"},
                 {"content": [{"type": "text", "text": "Rain"}], "isError": False}]
    got = [_tool_line(s) for s in _all_paths(monkeypatch, _request(responses, repeat=4))]
    assert got == ["tool: [tool result Sunny]", 'tool: [tool result {"type":"content","value":"x"}]',
                   "tool: [tool result Rain]"] * 4
