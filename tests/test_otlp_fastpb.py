"""Span attributes read from their encoded bytes equal what the generated classes give.

``otlp_fastpb`` parses trace requests with span attributes left as encoded
KeyValues and reads them through a cache and a small decoder. Here every
recorded client's protobuf bodies, every value type and the encodings the small
decoder leaves to the generated classes (multi-byte lengths, negative and
ten-byte varints, empty and missing values, duplicate keys) are read both ways
and compared: values, their types and the order of the keys.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from agenttrace_tui.ingest import otlp_fastpb
from agenttrace_tui.ingest.otlp_parse import BodyError, parse
from agenttrace_tui.ingest.otlp_values import pb_attrs
from agenttrace_tui.model import Span

sys.path.insert(0, str(Path(__file__).resolve().parent / "clients"))
from recording import read_body

from otlp_values import kv as otlp_kv

FIXTURES = Path(__file__).resolve().parent / "clients" / "fixtures"




def _typed(d: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Keys in order, each value with its exact type (nan compared by repr)."""
    return [(k, type(v).__name__, repr(v)) for k, v in d.items()]


def _compare(body: bytes) -> int:
    """Read every span's attributes both ways (twice, the second time from the cache); spans compared."""
    real = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
    want = [_typed(pb_attrs(sp.attributes)) for rs in real.resource_spans for ss in rs.scope_spans for sp in ss.spans]
    fast = parse("traces", body, False)
    assert isinstance(fast, otlp_fastpb.FastTraceRequest)
    for _ in range(2):
        got = [_typed(otlp_fastpb.span_attrs(sp.attributes))
               for rs in fast.resource_spans for ss in rs.scope_spans for sp in ss.spans]
        assert got == want
    # Of a span's events and links the twin keeps whether it has any; the other twin
    # (for such a span) reads everything but span attributes the same as the real classes.
    extra = [otlp_fastpb.has_extra(sp, otlp_fastpb.EXTRA) is not None
             for rs in fast.resource_spans for ss in rs.scope_spans for sp in ss.spans]
    assert extra == [bool(sp.events or sp.links) for rs in real.resource_spans for ss in rs.scope_spans for sp in ss.spans]
    assert fast.body == body
    full = otlp_fastpb.FullTraceRequest.FromString(body)
    twin = trace_service_pb2.ExportTraceServiceRequest()
    for rs in full.resource_spans:
        for ss in rs.scope_spans:
            for sp in ss.spans:
                del sp.attributes[:]
    for rs in real.resource_spans:
        for ss in rs.scope_spans:
            for sp in ss.spans:
                del sp.attributes[:]
    twin.ParseFromString(full.SerializeToString())
    assert twin == real
    return len(want)


def test_recorded_clients_read_the_same_attributes() -> None:
    bodies = [read_body(p) for p in sorted(FIXTURES.glob("*/*traces.pb*"))]
    assert len(bodies) > 5
    assert sum(_compare(b) for b in bodies) > 100


VALUES: list[object] = [
    "", "x", "é ☃ 漢字", "y" * 127, "y" * 128, "z" * 5000, 0, 1, 127, 128, -1, 2**63 - 1, -(2**63), 300,
    16383, 16384, 2**21 - 1, 2**21, 2**28,  # one to five varint bytes
    1.5, -0.0, math.inf, math.nan, True, False, b"", b"\x00\x01\xff", [], [1, "a", [2.5, {"k": "v"}]], {},
    {"n": {"m": [True]}},
]


def test_every_value_type_and_encoding_reads_the_same() -> None:
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    for i, v in enumerate(VALUES):
        sp = ss.spans.add(trace_id=(i + 1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"), name="s")
        sp.attributes.extend([otlp_kv("k", v), otlp_kv("long key " * 20, v), otlp_kv("", v)])
        sp.attributes.add(key="unset")  # a KeyValue without a value
        sp.attributes.add()  # neither key nor value
        sp.attributes.extend([otlp_kv("dup", v), otlp_kv("other", 1), otlp_kv("dup", "last")])  # the last value wins, first place kept
    # Encodings a sender may legally use that the generated classes accept: an
    # over-long varint, a bool as a multi-byte varint, fields in reverse order,
    # a value with two oneof members (the last wins), an unknown field.
    odd = [
        b"\x0a\x01a\x12\x0b\x18\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",  # -1 as ten bytes
        b"\x0a\x01b\x12\x03\x10\x81\x00",  # bool true as two bytes
        b"\x12\x03\x0a\x01v\x0a\x01c",  # value before key
        b"\x0a\x01d\x12\x05\x0a\x01v\x18\x07",  # string then int: int wins
        b"\x0a\x01e\x12\x03\x0a\x01v\x78\x01",  # an unknown field after the value
        b"\x0a\x01g\x12\x03\x18\x85\x00",  # 5 as two varint bytes
        b"\x0a\x01h\x12\x04\x18\x80\x80\x00",  # 0 as three varint bytes
        b"\x0a\x01i\x12\x04\x18\x05\x18\x06",  # two ints: the last wins
    ]
    body = req.SerializeToString()
    assert _compare(body) == len(VALUES)
    for enc in odd:
        assert _compare(_one_span_body(enc)) == 1


def _deep_pair(levels: int) -> bytes:
    """An encoded KeyValue whose value nests ``levels`` arrays (AnyValue.array_value.values)."""
    value = b"\x18\x01"  # int_value 1
    for _ in range(levels):
        array = b"\x0a" + _len(value) + value  # ArrayValue.values
        value = b"\x2a" + _len(array) + array  # AnyValue.array_value
    return b"\x0a\x01d\x12" + _len(value) + value


def _malformed_span(what: str) -> tuple[bytes, bytes]:
    """(encoded attribute, encoded status) of a span that is not valid protobuf in the way ``what`` says."""
    return {
        "invalid UTF-8 in a value": (b"\x0a\x01k\x12\x04\x0a\x02\xff\xfe", b""),
        "invalid UTF-8 in a key": (b"\x0a\x02\xff\xfe\x12\x03\x0a\x01v", b""),
        "a truncated varint": (b"\x0a\x01f\x12\x02\x18\x80", b""),
        "a value nested past the parser's depth": (_deep_pair(120), b""),
        "invalid UTF-8 in the status message": (b"\x0a\x01k\x12\x03\x0a\x01v", b"\x12\x02\xff\xfe"),
    }[what]


@pytest.mark.parametrize("what", ["invalid UTF-8 in a value", "invalid UTF-8 in a key", "a truncated varint",
                                  "a value nested past the parser's depth", "invalid UTF-8 in the status message"])
def test_a_span_with_a_malformed_attribute_or_status_is_rejected_alone(what: str) -> None:
    """The real classes refuse the whole request for it; read through the twin, that span
    is rejected and counted with its id, and the good spans around it are kept."""
    from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces

    kv, status = _malformed_span(what)
    good = b"\x0a\x01k\x12\x03\x0a\x01v"
    body = _body([_span(1, good), _span(2, kv, status), _span(3, good)])
    with pytest.raises(DecodeError):
        trace_service_pb2.ExportTraceServiceRequest.FromString(body)
    rejects = Rejects()
    updates = [u for c in convert_traces(parse("traces", body, False), False, rejects, lambda t: None) for u in c]
    spans = [u for u in updates if isinstance(u, Span)]
    assert [s.span_id for s in spans] == ["0000000000000001", "0000000000000003"]
    assert [s.attributes for s in spans] == [{"k": "v"}, {"k": "v"}]
    assert dict(rejects.by_reason) == {"invalid_span": 1}
    assert "'0000000000000002'" in rejects.message() and "not valid protobuf" in rejects.message()


def test_a_resource_with_a_malformed_attribute_has_its_spans_rejected_alone() -> None:
    """Resource attributes are read through the pairs' cache too: a resource whose attribute is not
    valid protobuf has its spans rejected and counted; the next resource's span is kept with its
    service and its event (read again from the body: the scopes stay in their places)."""
    from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces

    bad_kv = b"\x0a\x0cservice.name\x12\x04\x0a\x02\xff\xfe"
    resource = b"\x0a" + _len(bad_kv) + bad_kv
    scope = b"".join(b"\x12" + _len(sp) + sp for sp in (_span(1, b"\x0a\x01k\x12\x03\x0a\x01v"),
                                                       _span(2, b"\x0a\x01k\x12\x03\x0a\x01v")))
    rs_bad = b"\x0a" + _len(resource) + resource + b"\x12" + _len(scope) + scope
    good = trace_service_pb2.ExportTraceServiceRequest()
    rs = good.resource_spans.add()
    rs.resource.attributes.append(otlp_kv("service.name", "good-agent"))
    sp = rs.scope_spans.add().spans.add(trace_id=b"\x03" * 16, span_id=b"\x04" * 8, name="kept",
                                        start_time_unix_nano=1, end_time_unix_nano=2)
    sp.events.add(name="step", time_unix_nano=1)
    body = b"\x0a" + _len(rs_bad) + rs_bad + good.SerializeToString()
    with pytest.raises(DecodeError):
        trace_service_pb2.ExportTraceServiceRequest.FromString(body)
    rejects = Rejects()
    updates = [u for c in convert_traces(parse("traces", body, False), False, rejects, lambda t: None) for u in c]
    spans = [u for u in updates if isinstance(u, Span)]
    assert [(s.span_id, [e.name for e in s.events]) for s in spans] == [("04" * 8, ["step"])]
    assert [u.service for u in updates if u.__class__.__name__ == "Session"] == ["good-agent"]
    assert dict(rejects.by_reason) == {"invalid_span": 2}
    assert "resource whose attributes are not valid protobuf" in rejects.message()


def test_a_body_the_twin_cannot_parse_is_refused_whole() -> None:
    # Past the twin, malformed bytes outside attributes and statuses (here a truncated span id).
    with pytest.raises(BodyError):
        parse("traces", b"\x0a\x06\x12\x04\x12\x02\x12\x05", False)


def test_the_cache_stays_bounded_and_keeps_no_mutable_values() -> None:
    otlp_fastpb._PAIRS.clear()
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    for i in range(otlp_fastpb.MAX_PAIRS + 10):
        sp = ss.spans.add(trace_id=(i + 1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"), name="s")
        sp.attributes.extend([otlp_kv("id", f"v{i}"), otlp_kv("list", [1, 2]), otlp_kv("big", "b" * 400)])
    fast = parse("traces", req.SerializeToString(), False)
    seen = [otlp_fastpb.span_attrs(sp.attributes) for sp in fast.resource_spans[0].scope_spans[0].spans]
    assert len(otlp_fastpb._PAIRS) <= otlp_fastpb.MAX_PAIRS
    assert all(not isinstance(v, list) and len(b) <= otlp_fastpb.MAX_PAIR_BYTES
               for b, (_k, v) in otlp_fastpb._PAIRS.items())
    seen[0]["list"].append(3)  # each span has its own list
    assert seen[1]["list"] == [1, 2]


def test_ever_new_values_of_a_known_key_read_the_same() -> None:
    """Misses read by a remembered shape (key and value header) equal the generated classes' reading."""
    otlp_fastpb._PAIRS.clear()
    otlp_fastpb._SHAPES.clear()
    ints = [0, 1, 127, 128, 129, 300, 16383, 16384, 16385, 2**21 - 1, 2**21, 2**28, -1, -300]
    strings = ["", "a", "b", "id-0001", "id-0002", "id-0003", "é", "y" * 127, "z" * 127, "y" * 128]
    many = [*range(200, 400), *range(20000, 20200), *(f"id-{i:04d}" for i in range(200))]  # past VOLATILE_MISSES
    values: list[object] = [*ints, *ints[::-1], *strings, *strings[::-1], 1.5, True, *many, *many]
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    for i, v in enumerate(values):
        sp = ss.spans.add(trace_id=(i + 1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"), name="s")
        sp.attributes.extend([otlp_kv("n", v), otlp_kv("other", v)])
    assert _compare(req.SerializeToString()) == len(values)
    assert max(shape[3][0] for shape in otlp_fastpb._SHAPES.values()) >= otlp_fastpb.VOLATILE_MISSES  # shapes used
    # Pairs that share a remembered shape's first bytes but not its shape: a second value field,
    # an unknown field after the value, a varint that is not two or three bytes long.
    odd = [
        b"\x0a\x01n\x12\x03\x0a\x01v",  # the shape: a one-byte string
        b"\x0a\x01n\x12\x03\x0a\x01w\x18\x01",  # the same first bytes, then an unknown field of the KeyValue
        b"\x0a\x01n\x12\x03\x18\x85\x01",  # the shape: a two-byte int
        b"\x0a\x01n\x12\x03\x18\x85\x00",  # a two-byte int (5, over-long)
        b"\x0a\x01n\x12\x05\x18\x85\x01\x18\x07",  # two ints: the last wins
        b"\x0a\x01n\x12\x04\x18\x85\x81\x01",  # the shape: a three-byte int
        b"\x0a\x01n\x12\x04\x18\x86\x80\x00",  # a three-byte int (6, over-long)
    ]
    for enc in odd + odd:
        assert _compare(_one_span_body(enc)) == 1


def test_a_key_of_ever_new_counts_stops_being_kept() -> None:
    """Ints of one key that take two varint bytes share one count of misses whatever their first
    byte: past ``VOLATILE_MISSES`` they are read and not kept, as ever-new ids of one length are."""
    otlp_fastpb._PAIRS.clear()
    otlp_fastpb._SHAPES.clear()
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    counts = range(1000, 1600)  # two varint bytes each, 128 different first bytes
    for i, v in enumerate(counts):
        sp = ss.spans.add(trace_id=(i + 1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"), name="s")
        sp.attributes.extend([otlp_kv("tokens", v)])
    assert _compare(req.SerializeToString()) == len(counts)
    kept = [b for b, (k, _v) in otlp_fastpb._PAIRS.items() if k == "tokens"]
    # Each first byte's shape is read the long way once (and kept), then by shape until the count.
    assert len(kept) <= 128 + otlp_fastpb.VOLATILE_MISSES


def _one_span_body(kv: bytes) -> bytes:
    """A request of one span whose only attribute is the encoded KeyValue ``kv`` (Span field 9)."""
    span = b"\x0a\x10" + b"\x01" * 16 + b"\x12\x08" + b"\x02" * 8 + b"\x4a" + _len(kv) + kv
    return _body([span])


def _span(no: int, kv: bytes, status: bytes = b"") -> bytes:
    """Span ``no`` of trace 1, named "s", 1 to 2 ns, with attribute ``kv`` and the encoded ``status`` (field 15) if any."""
    span = (b"\x0a\x10" + b"\x01" * 16 + b"\x12\x08" + no.to_bytes(8, "big") + b"\x2a\x01s"
            + b"\x39" + (1).to_bytes(8, "little") + b"\x41" + (2).to_bytes(8, "little") + b"\x4a" + _len(kv) + kv)
    return span + (b"\x7a" + _len(status) + status if status else b"")


def _body(spans: list[bytes]) -> bytes:
    """A request of one resource and scope holding the encoded ``spans``."""
    scope = b"".join(b"\x12" + _len(span) + span for span in spans)
    rs = b"\x12" + _len(scope) + scope
    return b"\x0a" + _len(rs) + rs


def _len(b: bytes) -> bytes:
    n = len(b)
    out = bytearray()
    while True:
        if n < 0x80:
            out.append(n)
            return bytes(out)
        out.append((n & 0x7F) | 0x80)
        n >>= 7


def test_conversion_through_the_twin_equals_conversion_through_the_generated_classes() -> None:
    """Every recorded client's spans and every value type: the same updates and rejects either way."""
    import msgspec

    from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_otel_recipes import _rich_request

    def convert(req: object) -> tuple[list[str], dict[str, int]]:
        rejects = Rejects()
        out = [repr(msgspec.to_builtins(u)) for c in convert_traces(req, False, rejects, lambda t: None) for u in c]
        return out, dict(rejects.by_reason)

    bodies = [read_body(p) for p in sorted(FIXTURES.glob("*/*traces.pb*"))] + [_rich_request()]
    for body in bodies:
        fast = parse("traces", body, False)
        assert isinstance(fast, otlp_fastpb.FastTraceRequest)
        real = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
        assert convert(fast) == convert(real)


def test_runs_of_ids_read_through_the_twin_equal_the_generated_classes() -> None:
    """Trace and parent ids repeated from one span to the next (the twin reuses their text), with
    missing, short and all-zero ids among them and after them: the same updates and rejects either way."""
    import msgspec

    from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces

    def convert(req: object) -> tuple[list[str], dict[str, int]]:
        rejects = Rejects()
        out = [repr(msgspec.to_builtins(u)) for c in convert_traces(req, False, rejects, lambda t: None) for u in c]
        return out, dict(rejects.by_reason)

    t1, t2 = b"\x01" * 16, b"\x02" * 16
    p1, p2 = b"\x01" * 8, b"\x02" * 8
    # (trace id, parent id) of consecutive spans (span ids 1, 2, ...).
    ids = [(b"", b""), (t1, b""), (t1, p1), (t1, p1), (t1, p2), (t1, b"\x03" * 5), (t1, p2), (t1, bytes(8)),
           (t1, p2), (t1, b""), (t1, p2), (b"", p2), (t1, p2), (bytes(16), p2), (t1, p2), (b"\x01" * 5, p2),
           (t1, p2), (t2, p2), (t2, b""), (t1, b""), (b"", b""), (b"", b""), (bytes(16), bytes(8)), (t2, p1)]
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    for no, (tid, parent) in enumerate(ids, 1):
        ss.spans.add(trace_id=tid, span_id=no.to_bytes(8, "big"), parent_span_id=parent, name=f"s{no}",
                     start_time_unix_nano=10, end_time_unix_nano=20).attributes.add(key="k").value.string_value = "v"
    body = req.SerializeToString()
    fast = parse("traces", body, False)
    assert isinstance(fast, otlp_fastpb.FastTraceRequest)
    got = convert(fast)
    assert got == convert(trace_service_pb2.ExportTraceServiceRequest.FromString(body))
    assert got[1] == {"invalid_id": 5, "missing_id": 4}


def test_status_read_through_the_twin_equals_the_generated_classes() -> None:
    """Status codes and messages, an empty status, and a status sent twice in one span (protobuf merges them)."""
    import msgspec
    from opentelemetry.proto.trace.v1 import trace_pb2

    from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces

    def convert(req: object) -> list[str]:
        return [repr(msgspec.to_builtins(u)) for c in convert_traces(req, False, Rejects(), lambda t: None) for u in c]

    head = trace_pb2.Span(trace_id=b"\x01" * 16, span_id=b"\x02" * 8, name="s", start_time_unix_nano=10,
                          end_time_unix_nano=20).SerializeToString()
    statuses = [
        b"",  # no status
        b"\x7a\x00",  # an empty status
        trace_pb2.Span(status=trace_pb2.Status(code=2, message="boom")).SerializeToString(),
        trace_pb2.Span(status=trace_pb2.Status(code=1)).SerializeToString(),
        trace_pb2.Span(status=trace_pb2.Status(code=7, message="x" * 300)).SerializeToString(),  # unknown code, long
        # Twice: the message of the first, the code of the second.
        trace_pb2.Span(status=trace_pb2.Status(message="first")).SerializeToString()
        + trace_pb2.Span(status=trace_pb2.Status(code=2)).SerializeToString(),
    ]
    for status in statuses:
        for _ in range(2):  # the second time from the cache
            span = head + status
            scope = b"\x12" + _len(span) + span
            rs = b"\x12" + _len(scope) + scope
            body = b"\x0a" + _len(rs) + rs
            fast = parse("traces", body, False)
            assert isinstance(fast, otlp_fastpb.FastTraceRequest)
            assert convert(fast) == convert(trace_service_pb2.ExportTraceServiceRequest.FromString(body))


async def test_the_receiver_answers_malformed_spans_as_a_partial_success() -> None:
    """Over HTTP on 127.0.0.1: every malformed span of a request is counted and named in the
    answer, the good spans beside them are stored, and the next request is served."""
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as ts

    from test_otlp_support import apost, receiver

    kinds = ["invalid UTF-8 in a value", "invalid UTF-8 in a key", "a truncated varint",
             "a value nested past the parser's depth", "invalid UTF-8 in the status message"]
    good = b"\x0a\x01k\x12\x03\x0a\x01v"
    spans = [_span(1, good)] + [_span(2 + i, *_malformed_span(k)) for i, k in enumerate(kinds)] + [_span(9, good)]
    store, pipeline, server = await receiver()
    try:
        port = server.address[1]
        status, _h, body = await apost(port, "/v1/traces", _body(spans), {"Content-Type": "application/x-protobuf"})
        assert status == 200
        answer = ts.ExportTraceServiceResponse.FromString(body).partial_success
        assert answer.rejected_spans == len(kinds)
        assert "invalid_span" in answer.error_message and "not valid protobuf" in answer.error_message
        assert pipeline.stats.rejected["invalid_span"] == len(kinds)
        assert sorted(s.span_id for s in store.trace("01" * 16).spans.values()) == ["0000000000000001", "0000000000000009"]
        status, _h, _b = await apost(port, "/v1/traces", _body([_span(10, good)]), {"Content-Type": "application/x-protobuf"})
        assert status == 200 and store.span_count == 3
    finally:
        await server.close()


def test_events_and_links_of_spans_in_any_scope_read_again_from_the_body() -> None:
    """Spans with events, links, both, an empty event or a bad id among plain ones, in several
    resources and scopes, converted in small chunks: the twin reads each such span again from
    the body (the right one: the same updates and rejects as the generated classes)."""
    import msgspec

    from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces

    def convert(req: object) -> tuple[list[str], dict[str, int]]:
        rejects = Rejects()
        out = [repr(msgspec.to_builtins(u))
               for c in convert_traces(req, False, rejects, lambda t: None, chunk=2) for u in c]
        return out, dict(rejects.by_reason)

    req = trace_service_pb2.ExportTraceServiceRequest()
    n = 0
    for r in range(2):
        rs = req.resource_spans.add()
        rs.resource.attributes.append(otlp_kv("service.name", f"svc-{r}"))
        for s in range(2):
            ss = rs.scope_spans.add()
            for k in range(5):
                n += 1
                sp = ss.spans.add(trace_id=n.to_bytes(16, "big"), span_id=n.to_bytes(8, "big"), name=f"s{n}",
                                  start_time_unix_nano=1_000 + n, end_time_unix_nano=2_000 + n)
                sp.attributes.append(otlp_kv("gen_ai.operation.name", "chat"))
                if (n + r + s) % 3 == 0:
                    sp.events.add(name=f"e{n}", time_unix_nano=1_500 + n).attributes.append(otlp_kv("i", n))
                    sp.events.add()  # an empty event: encoded as no bytes, kept all the same
                if k == 3:
                    sp.links.add(trace_id=(n + 100).to_bytes(16, "big"), span_id=(n + 100).to_bytes(8, "big"))
                if n == 14:
                    sp.span_id = b"\x01\x02"  # a bad id on a span with events: rejected
    body = req.SerializeToString()
    fast = parse("traces", body, False)
    assert isinstance(fast, otlp_fastpb.FastTraceRequest)
    got = convert(fast)
    assert got == convert(trace_service_pb2.ExportTraceServiceRequest.FromString(body))
    assert sum("'events': ({" in u for u in got[0]) >= 5
    assert sum("'links': ({" in u for u in got[0]) == 3  # (n = 14's rejected)
    assert got[1] == {"invalid_id": 1}


def test_a_resource_read_again_says_the_same_and_the_memory_of_them_stays_bounded() -> None:
    """A resource read before is taken from memory: each request's session record says what the
    resource says, in a dict of its own (the door may fix one in place), for more distinct
    resources than are kept, and again after."""
    from agenttrace_tui.ingest import otlp_decode
    from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces

    def request(service: str, n: int) -> bytes:
        req = trace_service_pb2.ExportTraceServiceRequest()
        rs = req.resource_spans.add()
        rs.resource.attributes.extend([otlp_kv("service.name", service), otlp_kv("service.instance.id", "i-1")])
        ss = rs.scope_spans.add()
        ss.scope.name = "openinference.instrumentation.langchain"
        ss.spans.add(trace_id=n.to_bytes(16, "big"), span_id=n.to_bytes(8, "big"), name="step",
                     start_time_unix_nano=1, end_time_unix_nano=2)
        return req.SerializeToString()

    def sessions(body: bytes) -> list[Any]:
        updates = [u for c in convert_traces(parse("traces", body, False), False, Rejects(), lambda t: None) for u in c]
        return [u for u in updates if u.__class__.__name__ == "Session"]

    (first,) = sessions(request("agent-0", 1))
    for n in range(otlp_decode.MAX_RESOURCES + 20):
        (got,) = sessions(request(f"agent-{n}", n + 2))
        assert (got.id, got.service, got.framework) == (f"agent-{n}/i-1", f"agent-{n}", "langchain")
        assert len(otlp_decode._RESOURCES) <= otlp_decode.MAX_RESOURCES
    (again,) = sessions(request("agent-0", 10_000))
    assert again == first and again.attributes is not first.attributes
    again.attributes["service.name"] = "fixed by the door"
    (third,) = sessions(request("agent-0", 10_001))
    assert third == first


def test_spans_read_by_template_equal_the_generated_classes() -> None:
    """Spans of a key set with ever-new ids and counts are read by templates once the pairs' shapes are
    known as ever new; around them spans that differ from every template in a repeating value, in an
    ever-new value's kind or length, in the order or number of their pairs, or have a key twice, read
    through the cache. Every span's attributes equal the generated classes' (values, types, key order)."""
    otlp_fastpb._PAIRS.clear()
    otlp_fastpb._SHAPES.clear()
    otlp_fastpb._TEMPLATES.clear()
    otlp_fastpb._UNMATCHED.clear()

    def usual(i: int) -> list[tuple[str, object]]:
        return [("op", "chat"), ("model", "m-1"), ("tokens", 1000 + i * 7), ("big", 20000 + i), ("temp", 0.5),
                ("id", f"resp-{i}"), ("call", f"call_{i}é{'x' * (i % 5)}"), ("done", True)]

    spans = [usual(i) for i in range(600)]
    odd = [
        [("op", "chat"), ("model", "m-2"), *usual(1)[2:]],  # another repeating value
        [*usual(2)[:2], ("tokens", 5), *usual(2)[3:]],  # one varint byte (a repeating pair)
        [*usual(3)[:2], ("tokens", 2**21 + 3), *usual(3)[3:]],  # four varint bytes
        [*usual(3)[:2], ("tokens", -5), *usual(3)[3:]],  # ten
        [*usual(4)[:3], ("big", 300), *usual(4)[4:]],  # two bytes where three were
        [*usual(5)[:5], ("id", "r" * 126), *usual(5)[6:]],  # a string's length past one byte
        [*usual(6)[:5], ("id", 6), *usual(6)[6:]],  # an int where a string was
        [*usual(7)[:5], ("id", ""), *usual(7)[6:]],
        usual(8)[:7],  # a pair fewer
        [*usual(9), ("id", "again")],  # a key twice
        [usual(10)[1], usual(10)[0], *usual(10)[2:]],  # another order
        [("op", "chat")],
    ]
    spans += [s for o in odd for s in (o, *(usual(700 + j) for j in range(3)))]
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    for i, attrs in enumerate(spans):
        sp = ss.spans.add(trace_id=(i + 1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"), name="s")
        sp.attributes.extend([otlp_kv(k, v) for k, v in attrs])
    # Pairs a template reads that the encoder does not write: over-long varints, two ints in
    # one value, and a string's length of two bytes.
    for enc in (b"\x0a\x06tokens\x12\x03\x18\x85\x00", b"\x0a\x03big\x12\x04\x18\x85\x80\x00",
                b"\x0a\x03big\x12\x04\x18\x05\x18\x06",
                b"\x0a\x02id\x12\x04\x0a\x81\x00v"):
        sp = ss.spans.add(trace_id=b"\x01" * 16, span_id=b"\x02" * 8, name="s")
        sp.attributes.extend([otlp_kv(k, v) for k, v in usual(9000)])
        sp.attributes[2 if b"tokens" in enc else 3 if b"big" in enc else 5].ParseFromString(enc)
    body = req.SerializeToString()
    real = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
    want = [_typed(pb_attrs(sp.attributes)) for sp in real.resource_spans[0].scope_spans[0].spans]
    fast = parse("traces", body, False)
    for _ in range(2):
        got = [_typed(otlp_fastpb.read_attrs(sp.attributes[:])) for sp in fast.resource_spans[0].scope_spans[0].spans]
        assert got == want
    # The usual spans were read by a template that reads their ids and counts.
    (template,) = [t for t in otlp_fastpb._TEMPLATES[fast.resource_spans[0].scope_spans[0].spans[0].attributes[0]]
                   if len(t.volatile) == 4]
    assert [(key, kind) for _i, key, _h, _e, kind in template.volatile] == [
        ("tokens", 2), ("big", 1), ("id", 0), ("call", 0)]


def test_a_span_whose_ever_new_value_is_malformed_is_rejected_alone_after_templates() -> None:
    """Invalid UTF-8 in a value a template reads: that span is rejected and counted, as through the cache."""
    from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces

    otlp_fastpb._TEMPLATES.clear()
    otlp_fastpb._UNMATCHED.clear()

    def span(no: int, text: bytes) -> bytes:
        op = b"\x0a\x02op\x12\x06\x0a\x04chat"
        value = b"\x0a" + _len(text) + text
        return _span(no, op) + b"\x4a" + _len(kv := b"\x0a\x02id\x12" + _len(value) + value) + kv

    body = _body([span(i, f"id-{i:04d}".encode()) for i in range(1, 400)] + [span(400, b"id-\xff\xfe")]
                 + [span(401, b"id-0401")])
    rejects = Rejects()
    updates = [u for c in convert_traces(parse("traces", body, False), False, rejects, lambda t: None) for u in c]
    spans = [u for u in updates if isinstance(u, Span)]
    assert len(spans) == 400 and spans[-1].attributes == {"op": "chat", "id": "id-0401"}
    assert any(t.volatile for ts in otlp_fastpb._TEMPLATES.values() for t in ts)
    assert dict(rejects.by_reason) == {"invalid_span": 1}
    assert "'0000000000000190'" in rejects.message() and "not valid protobuf" in rejects.message()


def test_the_templates_stay_bounded() -> None:
    """Spans of ever more first pairs: the templates and their counts are started over, not grown."""
    otlp_fastpb._TEMPLATES.clear()
    otlp_fastpb._UNMATCHED.clear()
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    for i in range(otlp_fastpb.MAX_FIRST_PAIRS + 100):
        sp = ss.spans.add(trace_id=(i + 1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"), name="s")
        sp.attributes.extend([otlp_kv("first", i), otlp_kv("op", "chat")])
    fast = parse("traces", req.SerializeToString(), False)
    for sp in fast.resource_spans[0].scope_spans[0].spans:
        otlp_fastpb.read_attrs(sp.attributes[:])
    assert 0 < len(otlp_fastpb._TEMPLATES) <= len(otlp_fastpb._UNMATCHED) <= otlp_fastpb.MAX_FIRST_PAIRS
    assert all(len(ts) <= otlp_fastpb.MAX_TEMPLATES for ts in otlp_fastpb._TEMPLATES.values())


def test_a_span_whose_ever_new_value_is_cut_short_is_rejected_alone_after_templates() -> None:
    """A pair that ends where a template's value starts (its bytes before the value, and nothing): that
    span is rejected and counted as not valid protobuf, as through the cache; the spans after it kept."""
    from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces

    otlp_fastpb._TEMPLATES.clear()
    otlp_fastpb._UNMATCHED.clear()
    op = b"\x0a\x02op\x12\x06\x0a\x04chat"

    def span(no: int, pair: bytes) -> bytes:
        return _span(no, op) + b"\x4a" + _len(pair) + pair

    def tokens(v: int) -> bytes:
        return b"\x0a\x06tokens\x12\x03\x18" + bytes(((v & 0x7F) | 0x80, v >> 7))

    body = _body([span(i, tokens(1000 + i)) for i in range(1, 400)] + [span(400, b"\x0a\x06tokens\x12\x03\x18")]
                 + [span(401, tokens(1401))])
    rejects = Rejects()
    updates = [u for c in convert_traces(parse("traces", body, False), False, rejects, lambda t: None) for u in c]
    spans = [u for u in updates if isinstance(u, Span)]
    assert len(spans) == 400 and spans[-1].attributes == {"op": "chat", "tokens": 1401}
    assert any(t.volatile for ts in otlp_fastpb._TEMPLATES.values() for t in ts)
    assert dict(rejects.by_reason) == {"invalid_span": 1}
    assert "'0000000000000190'" in rejects.message() and "not valid protobuf" in rejects.message()
