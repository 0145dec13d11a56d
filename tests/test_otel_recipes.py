"""Spans built by a key set's recipe equal spans built by the general convention path.

``normalize.otel`` decides the kind and the field mapping once per attribute
key set (client, name, kind values) and copies values for the next spans.
Every recorded client's spans, a request with every value type, and spans
whose values do not have the expected type are converted both ways here and
compared field by field.
"""

from __future__ import annotations

import sys
from pathlib import Path

import msgspec
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces, parse
from agenttrace_tui.normalize import conventions as cv
from agenttrace_tui.normalize import otel

sys.path.insert(0, str(Path(__file__).resolve().parent / "clients"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from recording import read_body
from test_otlp_wire import _kv, _rich_request

FIXTURES = Path(__file__).resolve().parent / "clients" / "fixtures"


def _convert(body: bytes, json: bool) -> list:
    req = parse("traces", body, json)
    chunks = convert_traces(req, json, Rejects(), lambda t: None, body=None if json else body)
    return [msgspec.to_builtins(u) for c in chunks for u in c]


def _both(monkeypatch: pytest.MonkeyPatch, body: bytes, json: bool = False) -> list:
    cv._PLANS.clear()
    fast = [_convert(body, json), _convert(body, json)]  # the second pass uses the recipes the first made
    with monkeypatch.context() as m:
        m.setattr(otel._FastPlan, "make", staticmethod(lambda plan: otel._NO_FAST))
        cv._PLANS.clear()
        general = _convert(body, json)
    cv._PLANS.clear()
    assert fast[0] == general
    assert fast[1] == general
    return general


def _bodies() -> list[tuple[str, bytes, bool]]:
    out = [(p.name, read_body(p), False) for p in sorted(FIXTURES.glob("*/*traces.pb*"))]
    out += [(p.name, read_body(p), True) for p in sorted(FIXTURES.glob("*/*traces.json*"))]
    return out


def test_recorded_clients_build_the_same_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    bodies = _bodies()
    assert len(bodies) > 10
    for _name, body, json in bodies:
        _both(monkeypatch, body, json)


def test_every_value_type_builds_the_same_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(_both(monkeypatch, _rich_request())) > 20


def test_values_of_unexpected_types_and_client_tools_take_the_general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(_kv("service.name", "codex"))
    ss = rs.scope_spans.add()
    ss.scope.name = "codex_otel"
    cases: list[list[tuple[str, object]]] = [
        [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "m"), ("gen_ai.usage.input_tokens", 5)],
        [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", 7), ("gen_ai.usage.input_tokens", "5")],
        [("gen_ai.operation.name", "chat"), ("gen_ai.request.temperature", float("nan"))],
        [("gen_ai.operation.name", "chat"), ("gen_ai.request.temperature", 3)],
        [("gen_ai.operation.name", ["chat"]), ("gen_ai.request.model", "m")],
        [("gen_ai.operation.name", "execute_tool"), ("gen_ai.tool.name", "grep"), ("error.type", "Timeout")],
        [("tool_name", "shell"), ("call_id", "c-1")],
        [("gen_ai.usage.input_tokens", 3), ("agenttrace.internal", "no")],
        [("gen_ai.provider.name", "openai")],
        [("gen_ai.tool.name", "t"), ("gen_ai.tool.call.arguments", "x" * 9000)],
        [("free", "y" * 9000)],
    ]
    for i, attrs in enumerate(cases):
        for j, name in enumerate(("shell", "chat m", "turn/start")):
            sp = ss.spans.add(trace_id=(i + 1).to_bytes(16, "big"), span_id=(i * 8 + j + 1).to_bytes(8, "big"),
                              name=name, start_time_unix_nano=10 * (j + 1), end_time_unix_nano=20 * (j + 1) * (i % 2))
            sp.attributes.extend([_kv(k, v) for k, v in attrs])
            sp.status.code = j  # type: ignore[assignment]
    body = req.SerializeToString()
    _both(monkeypatch, body)
    rs.resource.attributes[0].value.string_value = "plain-service"  # no known client
    ss.scope.name = "x"
    _both(monkeypatch, req.SerializeToString())
