"""An AG2 tool run's result is shown as the text its function message answered with.

OpenInference's AG2 instrumentation puts on a tool span's ``output.value`` what AG2's
``ConversableAgent.execute_function`` returned: its success flag and the function message the tool
answered with, ``[true, {"name": "get_weather", "role": "function", "content": "Sunny, 22 C in Paris"}]``
(``tests/clients/fixtures/ag2_openinference``). The preview was that JSON; it is now the message's
content (a failed run's too: AG2's error text), as AG2's own tracing shows the same result. A list that
only looks like it is shown as sent. Spans from the real OpenTelemetry SDK to the real OTLP receiver and
store, and built by the general path and by the key set's recipes, which must agree.
"""

from __future__ import annotations

import json

import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.trace import Status, StatusCode

from agenttrace_tui.model import SpanKind
from otlp_values import kv as otlp_kv
from test_otlp_support import received
from test_provider_by_host import _all_paths

SCOPE = "openinference.instrumentation.ag2"
ARGUMENTS = '{"city": "Paris"}'


def _attrs(result: object) -> dict[str, str]:
    """A tool span as OpenInference's AG2 instrumentation sends it."""
    return {"openinference.span.kind": "TOOL", "tool.name": "get_weather",
            "tool_call.function.name": "get_weather", "tool_call.function.arguments": ARGUMENTS,
            "tool_call.id": "call_1", "agent.name": "user_proxy",
            "input.value": json.dumps({"arguments": ARGUMENTS, "name": "get_weather"}),
            "input.mime_type": "application/json",
            "output.value": json.dumps(result), "output.mime_type": "application/json"}


#: (session, what execute_function returned, what the span shows)
CASES = [
    ("ran", [True, {"name": "get_weather", "role": "function", "content": "Sunny, 22 C in Paris"}],
     "Sunny, 22 C in Paris"),
    ("failed", [False, {"name": "get_weather", "role": "function",
                        "content": "Error: get_weather() missing 1 required positional argument: 'city'"}],
     "Error: get_weather() missing 1 required positional argument: 'city'"),
    ("object", [True, {"name": "get_weather", "role": "function", "content": {"temp": 22}}], '{"temp":22}'),
    # Not AG2's function message: as sent.
    ("no content", [True, {"name": "get_weather", "role": "function"}], None),
    ("more keys", [True, {"role": "function", "content": "Sunny", "extra": 1}], None),
    ("three", [True, {"role": "function", "content": "Sunny"}, 1], None),
]


def _send(tp) -> None:
    tracer = tp.get_tracer(SCOPE, "0.1.12")
    for session, result, _shown in CASES:
        with tracer.start_as_current_span("get_weather", attributes={"session.id": session, **_attrs(result)},
                                          end_on_exit=False) as span:
            if result[0] is False:
                span.set_status(Status(StatusCode.ERROR, "tool execution failed"))
            span.end()


async def test_a_tool_runs_result_is_its_function_messages_content() -> None:
    store = await received(_send, lambda store: all(store.sessions.get(s) is not None for s, _r, _t in CASES)
                           and store.span_count >= len(CASES), "ag2-app")
    for session, result, shown in CASES:
        (trace,) = store.traces_of(session)
        (span,) = trace.spans.values()
        assert span.kind is SpanKind.TOOL_EXECUTION and span.tool is not None, session
        assert (span.tool.name, span.tool.input_preview) == ("get_weather", ARGUMENTS), session
        assert span.tool.output_preview == (shown if shown is not None else json.dumps(result)), session


def _request(result: object, repeat: int = 3) -> bytes:
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    ss.scope.name = SCOPE
    for n in range(1, repeat + 1):
        sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=n.to_bytes(8, "big"), name="get_weather",
                          start_time_unix_nano=10, end_time_unix_nano=20)
        sp.attributes.extend(otlp_kv(k, v) for k, v in _attrs(result).items())
    return req.SerializeToString()


def test_the_recipes_show_it_as_the_general_path_does(monkeypatch: pytest.MonkeyPatch) -> None:
    spans = _all_paths(monkeypatch, _request(CASES[0][1]))
    assert [(s.kind, s.tool.output_preview) for s in spans] == [(SpanKind.TOOL_EXECUTION, "Sunny, 22 C in Paris")] * 3
