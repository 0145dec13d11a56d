"""A tool's result sent as a JSON string is shown as its text.

LiveKit Agents' own tracing puts a tool's result on its ``function_tool`` span (``execute_tool``) as
``gen_ai.tool.call.result`` JSON-encoded whatever it is: a tool returning ``Sunny, 22 C in Paris``
sends ``"Sunny, 22 C in Paris"``, quotes and escapes in. The preview was that JSON, quotes and all;
it is now the string. Anything else (an object, a number, text merely quoted at both ends) is shown
as sent. Checked on whole OTLP spans, built by the general path and by the key set's recipes
(compiled or not), which must agree.
"""

from __future__ import annotations

import json

import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from agenttrace_tui.model import SpanKind
from otlp_values import kv as otlp_kv
from test_provider_by_host import _all_paths


def _request(results: list[str], repeat: int = 3) -> bytes:
    """``function_tool`` spans as LiveKit Agents sends them, one per result as sent, ``repeat`` times."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    ss.scope.name = "livekit-agents"
    n = 0
    for _ in range(repeat):
        for result in results:
            n += 1
            sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=n.to_bytes(8, "big"),
                              name="function_tool", start_time_unix_nano=10, end_time_unix_nano=20)
            attrs = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather",
                     "gen_ai.tool.type": "function", "gen_ai.tool.call.id": "call_1",
                     "gen_ai.tool.call.arguments": '{"city": "Paris"}', "gen_ai.tool.call.result": result,
                     "lk.function_tool.is_error": False}
            sp.attributes.extend(otlp_kv(k, v) for k, v in attrs.items())
    return req.SerializeToString()


@pytest.mark.parametrize(("result", "shown"), [
    (json.dumps("Sunny, 22 C in Paris"), "Sunny, 22 C in Paris"),
    (json.dumps('It said "sunny"\nand 22 C'), 'It said "sunny"\nand 22 C'),  # its escapes read
    (json.dumps(""), ""),
])
def test_a_json_string_result_shows_its_text(monkeypatch: pytest.MonkeyPatch, result: str, shown: str) -> None:
    for span in _all_paths(monkeypatch, _request([result])):
        assert span.kind is SpanKind.TOOL_EXECUTION
        assert (span.tool.name, span.tool.input_preview, span.tool.output_preview) == (
            "get_weather", '{"city": "Paris"}', shown)


@pytest.mark.parametrize("result", [
    json.dumps({"temp": 22}),  # an object
    "22",  # a number
    '"Sunny" and "22 C"',  # quoted at both ends, not one JSON string
    '"Sunny',  # not closed
    '"',
])
def test_any_other_result_is_shown_as_sent(monkeypatch: pytest.MonkeyPatch, result: str) -> None:
    for span in _all_paths(monkeypatch, _request([result])):
        assert span.tool.output_preview == result


def test_spans_of_one_key_set_each_get_their_own_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """One recipe serves spans alike but for their result's value: each is read on its own."""
    results = [json.dumps("Sunny"), json.dumps({"temp": 22}), json.dumps("Rain")]
    got = [s.tool.output_preview for s in _all_paths(monkeypatch, _request(results, repeat=4))]
    assert got == ["Sunny", results[1], "Rain"] * 4
