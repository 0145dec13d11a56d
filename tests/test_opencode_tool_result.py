"""An OpenCode tool's result is shown as the output the model was given, not OpenCode's result object.

OpenCode's AI SDK telemetry (``experimental.openTelemetry``) sends each tool call as an ``ai.toolCall``
span whose ``ai.toolCall.result`` is the JSON of the object its tool returned: ``{"title", "metadata",
"output"}`` (its ``bash``: the command as the title, the exit code in the metadata), with the
``attachments`` and, for an MCP server's tool, the server's ``content`` blocks beside them. The model is
given ``output``. The preview was that object's JSON; it is now ``output``. An object with fewer or more
entries than OpenCode's result, or whose output is not text, is shown as sent. Checked on whole OTLP
spans, built by the general path and by the key set's recipes (compiled or not), which must agree.
"""

from __future__ import annotations

import json

import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from agenttrace_tui.model import SpanKind
from otlp_values import kv as otlp_kv
from test_provider_by_host import _all_paths

#: What OpenCode 1.18 sent for a call of the weather MCP server's tool, of its bash and read tools.
MCP_RESULT = {"title": "", "metadata": {"truncated": False}, "output": "Sunny, 22 C in Paris", "attachments": [],
              "content": [{"type": "text", "text": "Sunny, 22 C in Paris"}]}
BASH_RESULT = {"title": "echo fakellm-tool-ok", "metadata": {"output": "fakellm-tool-ok\n", "exit": 0,
                                                              "truncated": False}, "output": "fakellm-tool-ok\n"}
READ_RESULT = {"title": "greeting.txt", "output": "<path>/tmp/greeting.txt</path>\n<content>\n1: hello\n</content>",
               "metadata": {"preview": "hello", "truncated": False, "loaded": []}}


def _request(results: list[object], repeat: int = 3) -> bytes:
    """``ai.toolCall`` spans as OpenCode sends them, one per result, ``repeat`` times."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.extend([otlp_kv("service.name", "opencode"), otlp_kv("service.version", "1.18.33")])
    ss = rs.scope_spans.add()
    ss.scope.name = "opencode"
    n = 0
    for _ in range(repeat):
        for result in results:
            n += 1
            sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=n.to_bytes(8, "big"),
                              name="ai.toolCall", start_time_unix_nano=10, end_time_unix_nano=20)
            attrs = {"operation.name": "ai.toolCall session.llm", "resource.name": "session.llm",
                     "ai.operationId": "ai.toolCall", "ai.telemetry.functionId": "session.llm",
                     "ai.toolCall.name": "weather_get_weather", "ai.toolCall.id": "call_1",
                     "ai.toolCall.args": '{"city":"Paris"}', "session.id": "ses_1",
                     "ai.toolCall.result": json.dumps(result, separators=(",", ":"))}
            sp.attributes.extend(otlp_kv(k, v) for k, v in attrs.items())
    return req.SerializeToString()


@pytest.mark.parametrize("result", [MCP_RESULT, BASH_RESULT, READ_RESULT])
def test_an_opencode_tool_result_shows_its_output(monkeypatch: pytest.MonkeyPatch, result: dict) -> None:
    for span in _all_paths(monkeypatch, _request([result])):
        assert span.kind is SpanKind.TOOL_EXECUTION and span.tool is not None
        assert (span.tool.name, span.tool.call_id, span.tool.input_preview, span.tool.output_preview) == (
            "weather_get_weather", "call_1", '{"city":"Paris"}', result["output"])


@pytest.mark.parametrize("result", [
    {"title": "x", "output": "Sunny"},  # no metadata: not OpenCode's result
    {"title": "x", "metadata": {}},  # no output
    {"title": "x", "metadata": {}, "output": {"temp": 22}},  # output not text
    {"title": "x", "metadata": {}, "output": "Sunny", "source": "cache"},  # more than OpenCode's result holds
])
def test_any_other_object_is_shown_as_sent(monkeypatch: pytest.MonkeyPatch, result: dict) -> None:
    for span in _all_paths(monkeypatch, _request([result])):
        assert span.tool is not None and span.tool.output_preview == json.dumps(result, separators=(",", ":"))


def test_spans_of_one_key_set_each_get_their_own_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """One recipe serves spans alike but for their result's value: each is read on its own."""
    other = {"title": "x", "output": "Sunny"}
    got = [s.tool.output_preview for s in _all_paths(monkeypatch, _request([MCP_RESULT, other, BASH_RESULT], repeat=4))]
    assert got == [MCP_RESULT["output"], json.dumps(other, separators=(",", ":")), BASH_RESULT["output"]] * 4
