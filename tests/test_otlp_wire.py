"""Reading OTLP/protobuf trace requests off the wire gives exactly what the parsed objects give.

Every span update the wire reader produces is compared field by field with
the conversion through the generated protobuf classes: for the real clients'
recorded requests, for a request using every attribute value type, ids
valid and invalid, events, links and status codes, and for wire shapes the
reader declines (a message field sent twice, which protobuf merges).
"""

from __future__ import annotations

import sys
from pathlib import Path

import msgspec
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from agenttrace_tui.ingest import otlp_wire
from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces, parse

sys.path.insert(0, str(Path(__file__).resolve().parent / "clients"))
from recording import read_body

FIXTURES = Path(__file__).resolve().parent / "clients" / "fixtures"


def _convert(body: bytes, wire: bool) -> tuple[list, dict, int]:
    rejects = Rejects()
    req = parse("traces", body, False)
    chunks = list(convert_traces(req, False, rejects, lambda t: None, chunk=7, body=body if wire else None))
    return [msgspec.to_builtins(u) for c in chunks for u in c], dict(rejects.by_reason), len(chunks)


def _same(body: bytes) -> list:
    got = _convert(body, True)
    want = _convert(body, False)
    assert got == want
    return got[0]


def _kv(key: str, value: object) -> common_pb2.KeyValue:
    kv = common_pb2.KeyValue(key=key)
    _set(kv.value, value)
    return kv


def _set(av: common_pb2.AnyValue, value: object) -> None:
    if isinstance(value, bool):
        av.bool_value = value
    elif isinstance(value, int):
        av.int_value = value
    elif isinstance(value, float):
        av.double_value = value
    elif isinstance(value, str):
        av.string_value = value
    elif isinstance(value, bytes):
        av.bytes_value = value
    elif isinstance(value, list):
        av.array_value.SetInParent()
        for v in value:
            _set(av.array_value.values.add(), v)
    elif isinstance(value, dict):
        av.kvlist_value.SetInParent()
        for k, v in value.items():
            av.kvlist_value.values.append(_kv(k, v))


def _rich_request() -> bytes:
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.extend([_kv("service.name", "wire-test"), _kv("service.instance.id", "i-9"),
                                   _kv("process.pid", 4242)])
    ss = rs.scope_spans.add()
    ss.scope.name = "opentelemetry.instrumentation.openai_agents"
    values: list[object] = [
        "", "x", "é ☃ 漢字", "y" * 200, "z" * 5000, 0, -1, 2**63 - 1, -(2**63), 300, 1.5, -0.0, True, False,
        b"\x00\x01\xff", [], [1, "a", [2.5, {"k": "v"}]], {}, {"n": {"m": [True]}},
    ]
    t0 = 1_790_000_000_000_000_000
    for i, v in enumerate(values):
        sp = ss.spans.add(trace_id=(i // 3 + 1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"),
                          name=f"chat gpt-4o {i}", start_time_unix_nano=t0 + i, end_time_unix_nano=t0 + i + 1000)
        if i % 3:
            sp.parent_span_id = (i // 3 * 3 + 1).to_bytes(8, "big")
        sp.attributes.extend([_kv("gen_ai.operation.name", "chat"), _kv("gen_ai.request.model", "gpt-4o"),
                              _kv("gen_ai.usage.input_tokens", 100 + i), _kv("value", v)])
        sp.attributes.add(key="unset")  # a KeyValue without a value
    # Events, links, status codes, previews from messages.
    sp = ss.spans.add(trace_id=(99).to_bytes(16, "big"), span_id=(99).to_bytes(8, "big"), name="execute_tool grep",
                      start_time_unix_nano=t0, end_time_unix_nano=t0 + 5)
    sp.attributes.extend([_kv("gen_ai.operation.name", "execute_tool"), _kv("gen_ai.tool.name", "grep"),
                          _kv("session.id", "s-1")])
    ev = sp.events.add(name="exception", time_unix_nano=t0 + 1)
    ev.attributes.extend([_kv("exception.type", "OSError"), _kv("exception.message", "boom"),
                          _kv("exception.escaped", True), _kv("exception.stacktrace", "tb\n" * 4000)])
    sp.events.add(name="gen_ai.user.message", time_unix_nano=t0 + 2).attributes.append(_kv("content", "hi"))
    sp.links.add(trace_id=(5).to_bytes(16, "big"), span_id=(6).to_bytes(8, "big")).attributes.append(_kv("a", 1))
    sp.links.add(trace_id=b"\x01", span_id=(6).to_bytes(8, "big"))  # invalid: skipped
    sp.status.code = trace_pb2.Status.STATUS_CODE_ERROR
    sp.status.message = "exit 2"
    for code in (0, 1, 2, 5):
        s2 = ss.spans.add(trace_id=(99).to_bytes(16, "big"), span_id=(100 + code).to_bytes(8, "big"),
                          parent_span_id=(99).to_bytes(8, "big"), name="step", start_time_unix_nano=t0)
        s2.status.code = code  # type: ignore[assignment]
    # Rejected spans: invalid and missing ids.
    ss.spans.add(trace_id=b"\x01\x02", span_id=(7).to_bytes(8, "big"), name="short trace id")
    ss.spans.add(trace_id=bytes(16), span_id=(7).to_bytes(8, "big"), name="zero trace id")
    ss.spans.add(span_id=(8).to_bytes(8, "big"), name="no trace id")
    # A second scope (unnamed), a resource without scopes, a second resource.
    rs.scope_spans.add().spans.add(trace_id=(77).to_bytes(16, "big"), span_id=(77).to_bytes(8, "big"), name="x",
                                   start_time_unix_nano=t0, end_time_unix_nano=t0)
    req.resource_spans.add().resource.attributes.append(_kv("service.name", "empty"))
    rs2 = req.resource_spans.add()
    rs2.resource.attributes.append(_kv("service.name", "claude-code"))
    rs2.scope_spans.add(scope=common_pb2.InstrumentationScope(name="com.anthropic.claude_code")).spans.add(
        trace_id=(78).to_bytes(16, "big"), span_id=(78).to_bytes(8, "big"), name="claude_code.llm_request",
        start_time_unix_nano=t0, end_time_unix_nano=t0 + 9).attributes.extend(
        [_kv("model", "claude-sonnet-4-5"), _kv("input_tokens", 10), _kv("output_tokens", 2)])
    return req.SerializeToString()


def test_every_value_type_id_event_link_and_status_reads_the_same() -> None:
    updates = _same(_rich_request())
    spans = [u for u in updates if "span_id" in u]
    assert len(spans) == 19 + 1 + 4 + 1 + 1
    assert _convert(_rich_request(), True)[1] == {"invalid_id": 2, "missing_id": 1}


def test_recorded_clients_read_the_same() -> None:
    files = sorted(p for p in FIXTURES.glob("*/*traces.pb*"))
    assert files, "no recorded protobuf trace requests"
    spans = 0
    for path in files:
        spans += sum(1 for u in _same(read_body(path)) if "span_id" in u)
    assert spans > 0


def test_a_status_sent_twice_is_merged_as_protobuf_merges_it() -> None:
    # Two Status fields on one span: protobuf merges them (message from the first, code from the second);
    # the wire reader declines the request and the parsed objects convert it.
    one = trace_pb2.Span(trace_id=(1).to_bytes(16, "big"), span_id=(1).to_bytes(8, "big"), name="s",
                         start_time_unix_nano=5, end_time_unix_nano=6)
    one.status.message = "first"
    extra = trace_pb2.Span()
    extra.status.code = trace_pb2.Status.STATUS_CODE_ERROR
    span_bytes = one.SerializeToString() + extra.SerializeToString()
    scope = b"\x12" + bytes([len(span_bytes)]) + span_bytes
    rs = b"\x12" + bytes([len(scope)]) + scope
    body = b"\x0a" + bytes([len(rs)]) + rs
    with pytest.raises(otlp_wire.WireError):
        otlp_wire.walk_traces(body)
    (span,) = [u for u in _same(body) if "span_id" in u]
    assert span["status_message"] == "first" and span["status"] == "error"


def test_remembered_attributes_stay_bounded() -> None:
    req = trace_service_pb2.ExportTraceServiceRequest()
    spans = req.resource_spans.add().scope_spans.add().spans
    for i in range(otlp_wire.KV_CACHE_SIZE + 500):
        spans.add(trace_id=(1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"), name="s",
                  start_time_unix_nano=1, end_time_unix_nano=2).attributes.append(_kv("n", i))
    walked = otlp_wire.walk_traces(req.SerializeToString())
    assert [s[6]["n"] for s in walked[0][1][0][1]] == list(range(otlp_wire.KV_CACHE_SIZE + 500))
    assert len(otlp_wire._KV_CACHE) <= otlp_wire.KV_CACHE_SIZE
