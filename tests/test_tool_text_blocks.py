"""A tool's result sent as a list of text content blocks is shown as its text.

Strands (Python and TypeScript, ``gen_ai_latest_experimental``) puts a tool's result on its
``execute_tool`` span as ``gen_ai.tool.call.result``, the content blocks of its tool result as JSON
(``[{"text": "Sunny, 22 C in Paris"}]``); an MCP tool's result is the same with ``"type": "text"``, an
AgentScope tool's with each block's ``id``, ``created_at`` and ``finished_at`` too.
The preview was that JSON; it is now the blocks' text. Google ADK's ``McpTool`` puts an MCP tool call's
whole result there (``{"content": [<text blocks>], "structuredContent": …, "isError": false}``): shown
as its blocks' text too. Anything else (a ``json`` block, a block with more than its text, an object
with more than an MCP result's entries, or with its content alone, as another framework's envelope
of parts is) is shown as sent. Checked on whole OTLP spans, built by the general path and by
the key set's recipes (compiled or not), which must agree.
"""

from __future__ import annotations

import json

import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from agenttrace_tui.model import SpanKind
from otlp_values import kv as otlp_kv
from test_provider_by_host import _all_paths


def _request(results: list[object], repeat: int = 3) -> bytes:
    """``execute_tool get_weather`` spans as Strands sends them, one per result, ``repeat`` times."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    ss.scope.name = "strands.telemetry.tracer"
    n = 0
    for _ in range(repeat):
        for result in results:
            n += 1
            sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=n.to_bytes(8, "big"),
                              name="execute_tool get_weather", start_time_unix_nano=10, end_time_unix_nano=20)
            attrs = {"gen_ai.operation.name": "execute_tool", "gen_ai.provider.name": "strands-agents",
                     "gen_ai.tool.name": "get_weather", "gen_ai.tool.call.id": "call_1",
                     "gen_ai.tool.call.arguments": '{"city":"Paris"}', "gen_ai.tool.status": "success",
                     "gen_ai.tool.call.result": json.dumps(result)}
            sp.attributes.extend(otlp_kv(k, v) for k, v in attrs.items())
    return req.SerializeToString()


@pytest.mark.parametrize(("result", "shown"), [
    ([{"text": "Sunny, 22 C in Paris"}], "Sunny, 22 C in Paris"),  # Strands' tool result
    ([{"type": "text", "text": "Sunny"}, {"type": "text", "text": "22 C"}], "Sunny\n22 C"),  # MCP's, two blocks
    ({"content": [{"type": "text", "text": "Sunny, 22 C in Paris"}],  # an MCP tools/call result (Google ADK's)
      "structuredContent": {"result": "Sunny, 22 C in Paris"}, "isError": False}, "Sunny, 22 C in Paris"),
    ({"content": [{"type": "text", "text": "Sunny"}, {"type": "text", "text": "22 C"}], "isError": False}, "Sunny\n22 C"),
    # AgentScope's TextBlock: its id and the times it was made and finished beside the text.
    ([{"type": "text", "text": "Sunny, 22 C in Paris", "id": "c6b42e65ac38408e94997af671fa6627",
       "created_at": "2026-12-06T17:24:31.731004", "finished_at": None}], "Sunny, 22 C in Paris"),
])
def test_a_result_of_text_blocks_shows_their_text(monkeypatch: pytest.MonkeyPatch, result: object, shown: str) -> None:
    for span in _all_paths(monkeypatch, _request([result])):
        assert span.kind is SpanKind.TOOL_EXECUTION
        assert (span.tool.name, span.tool.input_preview, span.tool.output_preview) == (
            "get_weather", '{"city":"Paris"}', shown)


@pytest.mark.parametrize("result", [
    [{"json": {"temp": 22}}],  # a JSON block: the value itself
    [{"text": "Sunny", "citations": []}],  # more than the text
    [{"type": "image", "text": "x"}],  # another kind of block
    [{"text": "Sunny"}, {"json": {"temp": 22}}],  # text beside something else
    ["Sunny"],  # not blocks
    {"content": [{"type": "text", "text": "Sunny"}], "source": "cache"},  # more than an MCP result holds
    {"content": [{"type": "image", "data": "AAAA", "mimeType": "image/png"}], "isError": False},  # no text
    {"content": [], "isError": False},  # nothing in it
    {"content": "Sunny", "isError": False},  # not blocks
    {"content": [{"type": "text", "text": "Sunny"}]},  # its content alone: no more an MCP result than an envelope
])
def test_any_other_result_is_shown_as_sent(monkeypatch: pytest.MonkeyPatch, result: object) -> None:
    for span in _all_paths(monkeypatch, _request([result])):
        assert span.tool.output_preview == json.dumps(result)


def test_spans_of_one_key_set_each_get_their_own_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """One recipe serves spans alike but for their result's value: each is read on its own."""
    results = [[{"text": "Sunny"}], [{"json": {"temp": 22}}], [{"text": "Rain"}]]
    got = [s.tool.output_preview for s in _all_paths(monkeypatch, _request(results, repeat=4))]
    assert got == ["Sunny", json.dumps(results[1]), "Rain"] * 4
