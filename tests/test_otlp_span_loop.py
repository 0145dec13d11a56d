"""The twin's span loop (``otlp_decode._spans_from_fastpb``) converts as the generated classes do.

The loop tries the attribute templates itself and keeps each template's plan
(``otlp_fastpb._Template.plan``). Here spans of several key sets, many of
them read by templates once those are learned, around spans that no template
reads (another value, kind, length, order or number of pairs, a key twice, no
attributes), with statuses of every code, messages, missing and invalid ids,
roots, events and links, huge values and values of every type, are converted
through the twin and through the generated classes: the same updates and rejects,
in every chunk size, and again after the conventions' plans were dropped.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import msgspec
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from agenttrace_tui.ingest import otlp_fastpb
from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces
from agenttrace_tui.ingest.otlp_parse import parse
from agenttrace_tui.normalize import conventions as cv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from otlp_values import kv as otlp_kv


def _chat(i: int) -> list[tuple[str, Any]]:
    return [("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "openai"), ("gen_ai.request.model", "gpt-4o"),
            ("gen_ai.usage.input_tokens", 1200 + i * 7), ("gen_ai.usage.output_tokens", 80),
            ("gen_ai.request.temperature", 0.2), ("gen_ai.response.id", f"chatcmpl-{i}"),
            ("server.address", "api.openai.com")]


def _tool(i: int) -> list[tuple[str, Any]]:
    return [("gen_ai.operation.name", "execute_tool"), ("gen_ai.tool.name", "grep"),
            ("gen_ai.tool.call.id", f"call_{i}é"), ("gen_ai.tool.call.arguments", '{"pattern": "TODO"}')]


def _agent(i: int) -> list[tuple[str, Any]]:
    return [("gen_ai.operation.name", "invoke_agent"), ("gen_ai.agent.name", "researcher"),
            ("gen_ai.conversation.id", f"conv-{i % 3}")]


def _request(n: int) -> bytes:
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.extend([otlp_kv("service.name", "loop-test"), otlp_kv("service.instance.id", "i-1")])
    ss = rs.scope_spans.add()
    ss.scope.name = "opentelemetry.instrumentation.openai_agents"
    odd: list[list[tuple[str, Any]]] = [
        [("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "anthropic"), *_chat(1)[2:]],  # another value
        [*_chat(2)[:3], ("gen_ai.usage.input_tokens", 5), *_chat(2)[4:]],  # one varint byte
        [*_chat(3)[:3], ("gen_ai.usage.input_tokens", 2**40), *_chat(3)[4:]],  # many
        [*_chat(3)[:3], ("gen_ai.usage.input_tokens", -5), *_chat(3)[4:]],  # ten
        [*_chat(4)[:3], ("gen_ai.usage.input_tokens", "1200"), *_chat(4)[4:]],  # a string where an int was
        [*_chat(5)[:6], ("gen_ai.response.id", "r" * 20_000), *_chat(5)[7:]],  # long enough to cut
        [*_chat(6)[:6], ("gen_ai.response.id", ""), *_chat(6)[7:]],
        [*_chat(7)[:5], ("gen_ai.request.temperature", float("nan")), *_chat(7)[6:]],
        [*_chat(7)[:5], ("gen_ai.request.temperature", float("inf")), *_chat(7)[6:]],
        _chat(8)[:7],  # a pair fewer
        [*_chat(9), ("gen_ai.response.id", "again")],  # a key twice
        [_chat(10)[1], _chat(10)[0], *_chat(10)[2:]],  # another order
        [*_tool(11)[:3], ("gen_ai.tool.call.arguments", True)],
        [*_tool(12)[:3], ("gen_ai.tool.call.arguments", 1.5)],
        [],
        [("x", "y")],
    ]
    t0 = 1_790_000_000_000_000_000
    for i in range(n):
        role = i % 8
        trace_id = (i // 8 + 1).to_bytes(16, "big")
        root = ((i // 8) * 8 + 1).to_bytes(8, "big")
        attrs = _agent(i) if role == 0 else _chat(i) if role % 2 else _tool(i)
        if i % 53 == 7:
            attrs = odd[(i // 53) % len(odd)]
        sp = ss.spans.add(trace_id=trace_id, span_id=(i + 1).to_bytes(8, "big"), name=f"span {role}",
                          start_time_unix_nano=t0 + i * 1000, end_time_unix_nano=t0 + i * 1000 + 500_000, kind=1)
        if role:
            sp.parent_span_id = root
        sp.attributes.extend([otlp_kv(k, v) for k, v in attrs])
        if i % 16 == 2:
            sp.status.code = trace_pb2.Status.STATUS_CODE_ERROR
            sp.status.message = "exit 2"
        elif i % 16 == 3:
            sp.status.code = trace_pb2.Status.STATUS_CODE_OK
        elif i % 16 == 5:
            sp.status.SetInParent()  # an empty status, as the SDKs send one
        elif i % 16 == 6:
            sp.status.message = "m" * 3000
        if i % 97 == 11:
            ev = sp.events.add(name="ev", time_unix_nano=t0 + i)
            ev.attributes.extend([otlp_kv("k", "v")])
        if i % 89 == 13:
            sp.links.add(trace_id=b"\x07" * 16, span_id=b"\x08" * 8).attributes.extend([otlp_kv("l", 1)])
        if i % 101 == 17:
            sp.trace_id = b""  # missing
        elif i % 103 == 19:
            sp.span_id = b"\x01\x02"  # invalid
        elif i % 107 == 23:
            sp.parent_span_id = bytes(8)  # all zero
        elif i % 109 == 29:
            sp.end_time_unix_nano = sp.start_time_unix_nano - 1  # ends before it starts
        elif i % 113 == 31:
            sp.start_time_unix_nano = sp.end_time_unix_nano = 0
    return req.SerializeToString()


def _convert(req: object, chunk: int) -> tuple[list[Any], dict[str, int]]:
    rejects = Rejects()
    out = []
    for c in convert_traces(req, False, rejects, lambda _t: None, chunk=chunk):
        for u in c:
            b = msgspec.to_builtins(u)
            if isinstance(b, dict) and b.get("attributes", {}).get("agenttrace.times_missing"):
                b.pop("start_ns", None)  # "now": differs between the two conversions
                b.pop("end_ns", None)
            out.append(repr(b))
    return out, dict(rejects.by_reason)


def test_the_span_loop_converts_as_the_generated_classes() -> None:
    body = _request(1500)
    real = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
    for chunk in (256, 7):
        want = _convert(real, chunk)
        for _ in range(3):  # templates and compiled recipes learned along the way
            fast = parse("traces", body, False)
            assert isinstance(fast, otlp_fastpb.FastTraceRequest)
            assert _convert(fast, chunk) == want
    # Spans were read by templates, which keep their key set's plan.
    kept = [t for ts in otlp_fastpb._TEMPLATES.values() for t in ts if t.plan is not None]
    assert kept
    assert all(t.plan.keys == tuple(t.attrs) for t in kept)


def test_a_template_keeps_reading_right_after_the_plans_are_dropped() -> None:
    body = _request(600)
    real = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
    want = _convert(real, 256)
    assert _convert(parse("traces", body, False), 256) == want
    cv._PLANS.clear()  # as when full: templates keep the plans they hold, others are made again
    assert _convert(parse("traces", body, False), 256) == want
    assert _convert(real, 256) == want


def test_values_a_template_leaves_to_its_method_convert_the_same() -> None:
    """The loop reads a template's ever-new strings and two-byte ints itself and leaves any other
    value to ``_Template.read``: ints of other lengths, over-long varints, two ints in one value,
    a string's length of two bytes, another kind; the same updates as the generated classes'."""

    def usual(i: int) -> list[tuple[str, Any]]:
        return [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "m-1"), ("tokens", 1000 + i * 7),
                ("big", 20000 + i), ("temp", 0.5), ("id", f"resp-{i}"), ("call", f"call_{i}é{'x' * (i % 5)}"),
                ("done", True)]

    spans = [usual(i) for i in range(600)]
    odd = [
        [*usual(2)[:2], ("tokens", 5), *usual(2)[3:]],
        [*usual(3)[:2], ("tokens", 2**21 + 3), *usual(3)[3:]],
        [*usual(3)[:2], ("tokens", -5), *usual(3)[3:]],
        [*usual(4)[:3], ("big", 300), *usual(4)[4:]],
        [*usual(5)[:5], ("id", "r" * 126), *usual(5)[6:]],
        [*usual(6)[:5], ("id", 6), *usual(6)[6:]],
        [*usual(7)[:5], ("id", ""), *usual(7)[6:]],
    ]
    spans += [s for o in odd for s in (o, *(usual(700 + j) for j in range(3)))]
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    for i, attrs in enumerate(spans):
        sp = ss.spans.add(trace_id=(i + 1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"), name="chat m-1",
                          start_time_unix_nano=10 + i, end_time_unix_nano=20 + i)
        sp.attributes.extend([otlp_kv(k, v) for k, v in attrs])
    for enc in (b"\x0a\x06tokens\x12\x03\x18\x85\x00", b"\x0a\x03big\x12\x04\x18\x85\x80\x00",
                b"\x0a\x03big\x12\x04\x18\x05\x18\x06", b"\x0a\x02id\x12\x04\x0a\x81\x00v"):
        sp = ss.spans.add(trace_id=b"\x01" * 16, span_id=b"\x02" * 8, name="chat m-1", start_time_unix_nano=1,
                          end_time_unix_nano=2)
        sp.attributes.extend([otlp_kv(k, v) for k, v in usual(9000)])
        sp.attributes[2 if b"tokens" in enc else 3 if b"big" in enc else 5].ParseFromString(enc)
    body = req.SerializeToString()
    want = _convert(trace_service_pb2.ExportTraceServiceRequest.FromString(body), 256)
    for _ in range(3):
        assert _convert(parse("traces", body, False), 256) == want
    assert any(t.volatile for ts in otlp_fastpb._TEMPLATES.values() for t in ts)
